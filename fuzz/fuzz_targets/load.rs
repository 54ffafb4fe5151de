//! Any bytes as a use-case file, as register.ron and as policy.ron: loading
//! must never panic, every failure is a located diagnostic, and whatever
//! parses survives canonical writing unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ripen::model::Date;
use ripen::register::{self, Content, FileKind, Snapshot, SourceFile};

fuzz_target!(|data: &[u8]| {
    let today = Date::parse("2026-10-15").unwrap();
    for rel in ["use-cases/fuzz.ron", "register.ron", "policy.ron"] {
        let snapshot = Snapshot {
            root: "state".to_owned(),
            files: vec![SourceFile {
                rel: rel.to_owned(),
                content: Content::Bytes(data.to_vec()),
            }],
        };
        let reg = register::load(&snapshot, None, today);
        for d in &reg.diagnostics {
            assert!(d.line >= 1 && d.column >= 1);
            let shown = d.to_string();
            assert!(!shown.chars().any(ripen::text::is_unsafe));
        }
        if let (Ok(text), Some(kind)) = (std::str::from_utf8(data), FileKind::of(rel)) {
            if let Ok(canon) = register::canonical_form(kind, text) {
                assert_eq!(
                    register::canonical_form(kind, &canon).as_deref(),
                    Ok(canon.as_str())
                );
            }
        }
    }
});
