//! Two arbitrary use cases (the input split at the first NUL byte): the
//! semantic diff never panics, is empty exactly when they are equal, and
//! every change it reports names a field.
#![no_main]

use libfuzzer_sys::fuzz_target;
use ripen::register::parse_use_case;

fuzz_target!(|data: &[u8]| {
    let Some(split) = data.iter().position(|&b| b == 0) else {
        return;
    };
    let (Ok(a), Ok(b)) = (
        std::str::from_utf8(&data[..split]),
        std::str::from_utf8(&data[split + 1..]),
    ) else {
        return;
    };
    let (Ok(a), Ok(b)) = (parse_use_case(a), parse_use_case(b)) else {
        return;
    };
    let changes = ripen::diff::diff_use_cases(&a, &b);
    assert_eq!(changes.is_empty(), a == b, "{changes:?}");
    assert!(ripen::diff::diff_use_cases(&a, &a).is_empty());
    for c in &changes {
        assert!(!c.field.is_empty());
    }
});
