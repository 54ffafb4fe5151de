//! The broken-input corpus: every file in `tests/corpus/` is loaded the way a
//! user meets it (a state directory with `register.ron`, `policy.ron` and the
//! file) and must produce exactly the diagnostics listed in [`CORPUS`], each
//! pointing at the offending token.
//!
//! Files are built from `tests/corpus-good/invoice-triage.ron` (or the good
//! `register.ron` / `policy.ron`) with one thing broken, so every diagnostic is
//! caused by that one change.

use std::collections::BTreeSet;
use std::path::Path;

use proptest::prelude::*;
use ripen::model::{
    Approach, Confidence, Date, Period, Risk, RoiKind, Specificity, Stage, Technique,
};
use ripen::register::{
    Content, Diagnostic, MAX_FILE_BYTES, Severity, Snapshot, SourceFile, load, parse_use_case,
};

const CORPUS_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus");
const GOOD_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/corpus-good");
const ROOT: &str = "state";

/// Where a corpus file goes in the state directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    /// `use-cases/<file name>`.
    UseCase,
    /// `register.ron`.
    Register,
    /// `policy.ron`.
    Policy,
}
use Role::{Policy as P, Register as R, UseCase as U};

const E: Severity = Severity::Error;
const W: Severity = Severity::Warning;

/// One expected diagnostic: severity, line, column, a distinctive part of
/// the message, and the text that must stand at that line and column.
type Expect = (Severity, usize, usize, &'static str, &'static str);

/// Every corpus file, its role, and exactly the diagnostics it must produce
/// (in the order the loader sorts them: by position).
const CORPUS: &[(&str, Role, &[Expect])] = &[
    // RON syntax.
    (
        "syntax-unclosed-paren.ron",
        U,
        &[(
            E,
            1,
            8,
            "this `(` is never closed: the file ends (at 25:1)",
            "(\n",
        )],
    ),
    (
        "syntax-missing-comma.ron",
        U,
        &[(
            E,
            5,
            20,
            "expected `,` after this value (found `stage` on line 6)",
            "\n    stage: Collect",
        )],
    ),
    (
        "crlf-missing-comma.ron",
        U,
        &[(
            E,
            5,
            20,
            "expected `,` after this value (found `stage` on line 6)",
            "\r\n    stage: Collect",
        )],
    ),
    (
        "syntax-missing-comma-in-list.ron",
        U,
        &[(
            E,
            20,
            151,
            "expected `,` after this value (found `(` on line 21)",
            "  // Q1",
        )],
    ),
    (
        "syntax-unterminated-string.ron",
        U,
        &[(E, 24, 12, "this string is never closed", "\"left open,")],
    ),
    (
        "syntax-stray-character.ron",
        U,
        &[(
            E,
            11,
            28,
            "expected `,` or a closing bracket, found `$`",
            "$,",
        )],
    ),
    (
        "syntax-trailing-garbage.ron",
        U,
        &[(
            E,
            26,
            1,
            "unexpected `UseCase` after the end of `UseCase(...)`",
            "UseCase()",
        )],
    ),
    (
        "syntax-missing-colon.ron",
        U,
        &[(
            E,
            8,
            10,
            "expected `:` after the field name, found `Limited`",
            "Limited,",
        )],
    ),
    (
        "syntax-unclosed-option.ron",
        U,
        &[(
            E,
            18,
            36,
            "expected a closing `)`, found `p95_latency_ms`",
            "p95_latency_ms: None",
        )],
    ),
    (
        "syntax-invalid-escape.ron",
        U,
        &[(E, 24, 19, "unknown escape `\\q` in a string", "\\qa\\notes")],
    ),
    (
        "syntax-unclosed-comment.ron",
        U,
        &[(
            E,
            25,
            5,
            "this comment is never closed: add `*/`",
            "/* TODO",
        )],
    ),
    // Unknown fields, including typos in nested structs.
    (
        "unknown-field.ron",
        U,
        &[(
            E,
            9,
            5,
            "unknown field `colour` in UseCase; expected one of `title`, `summary`, `owner`, `team`, `stage`, `approach`, `risk`, `profile`, `targets`, `measurements`, `roi`, `notes`, `source`",
            "colour: \"blue\"",
        )],
    ),
    (
        "unicode-before-error.ron",
        U,
        &[(
            E,
            2,
            25,
            "unknown field `colour` in UseCase",
            "colour: \"blue\"",
        )],
    ),
    (
        "typo-profile.ron",
        U,
        &[(
            E,
            11,
            9,
            "unknown field `daily_volum` in Profile; expected one of `specificity`, `daily_volume`, `curated_examples`,",
            "daily_volum: 1200",
        )],
    ),
    (
        "typo-targets.ron",
        U,
        &[(
            E,
            18,
            15,
            "unknown field `acuracy` in Targets; expected one of `accuracy`, `p95_latency_ms`, `cost_per_1k_usd`",
            "acuracy: Some",
        )],
    ),
    (
        "typo-measurement.ron",
        U,
        &[(
            E,
            21,
            30,
            "unknown field `acuracy` in Measurement; expected one of `date`, `accuracy`, `consistency`,",
            "acuracy: 0.81",
        )],
    ),
    (
        "duplicate-field.ron",
        U,
        &[(E, 9, 5, "field `risk` is given twice", "risk: High")],
    ),
    // Wrong enum variants and struct names.
    (
        "wrong-stage.ron",
        U,
        &[(
            E,
            6,
            12,
            "unknown variant `Done` for Stage; expected one of `Identify`, `Collect`, `FineTune`, `Evaluate`, `Retired`",
            "Done,",
        )],
    ),
    (
        "wrong-approach.ron",
        U,
        &[(
            E,
            7,
            15,
            "unknown variant `Prompt` for Approach; expected one of `Prompting`, `FineTuned`, `Hybrid`, `Other`",
            "Prompt(",
        )],
    ),
    (
        "wrong-technique.ron",
        U,
        &[(
            E,
            7,
            36,
            "unknown variant `OneShot` for Technique; expected one of `ZeroShot`, `FewShot`, `ChainOfThought`, `Retrieval`",
            "OneShot,",
        )],
    ),
    (
        "wrong-struct-name.ron",
        U,
        &[(
            E,
            1,
            1,
            "expected struct `UseCase` but found `Usecase`",
            "Usecase(",
        )],
    ),
    // Missing fields: at the closing paren of the struct that lacks them.
    (
        "missing-field.ron",
        U,
        &[(E, 24, 1, "missing field `notes` in UseCase", ")\n")],
    ),
    (
        "missing-nested-field.ron",
        U,
        &[(E, 16, 5, "missing field `budget_usd` in Profile", "),\n")],
    ),
    // Wrong types.
    (
        "wrong-type-string-for-number.ron",
        U,
        &[(
            E,
            11,
            23,
            "expected a whole number, found `\"1200\"`",
            "\"1200\"",
        )],
    ),
    (
        "wrong-type-float-for-integer.ron",
        U,
        &[(E, 11, 23, "expected a whole number, found `12.5`", "12.5,")],
    ),
    (
        "wrong-type-number-for-string.ron",
        U,
        &[(
            E,
            5,
            11,
            "expected a string in double quotes, found `42`",
            "42,",
        )],
    ),
    (
        "wrong-type-string-for-enum.ron",
        U,
        &[(
            E,
            8,
            11,
            "expected a name (without quotes), found `\"Limited\"`",
            "\"Limited\"",
        )],
    ),
    (
        "wrong-type-bool.ron",
        U,
        &[(E, 13, 23, "expected `true` or `false`, found `yes`", "yes,")],
    ),
    (
        "wrong-type-bare-target.ron",
        U,
        &[(
            E,
            18,
            25,
            "expected `Some(...)` or `None`, found `0.92`",
            "0.92,",
        )],
    ),
    (
        "wrong-type-struct-for-list.ron",
        U,
        &[(E, 23, 10, "expected a list `[...]`, found `(`", "(date:")],
    ),
    (
        "wrong-type-date-without-quotes.ron",
        U,
        &[(
            E,
            21,
            16,
            "expected a string in double quotes, found `2026-09-30`",
            "2026-09-30,",
        )],
    ),
    // Numbers out of the type's range.
    (
        "negative-unsigned.ron",
        U,
        &[(
            E,
            12,
            27,
            "this field cannot be negative, found `-5`",
            "-5,",
        )],
    ),
    (
        "integer-overflow.ron",
        U,
        &[(
            E,
            14,
            21,
            "number `18446744073709551616` is out of range for this field",
            "18446744073709551616,",
        )],
    ),
    (
        "integer-overflow-u32.ron",
        U,
        &[(
            E,
            21,
            81,
            "number `4294967296` is out of range for this field",
            "4294967296,",
        )],
    ),
    // Dates.
    (
        "bad-date-format.ron",
        U,
        &[(
            E,
            21,
            16,
            "invalid date \"2026-9-30\": expected YYYY-MM-DD",
            "\"2026-9-30\"",
        )],
    ),
    (
        "impossible-date.ron",
        U,
        &[(
            E,
            21,
            16,
            "invalid date \"2026-02-30\": no such day in the calendar",
            "\"2026-02-30\"",
        )],
    ),
    (
        "measurements-out-of-order.ron",
        U,
        &[(
            W,
            21,
            16,
            "measurements are not in date order: 2026-01-31 comes after 2026-03-31",
            "\"2026-01-31\"",
        )],
    ),
    (
        "measurement-in-future.ron",
        U,
        &[(
            W,
            21,
            16,
            "measurement is dated 2026-12-01, after the as-of date 2026-10-15",
            "\"2026-12-01\"",
        )],
    ),
    // Values out of range: located at the value.
    (
        "accuracy-above-one.ron",
        U,
        &[(
            E,
            21,
            40,
            "accuracy must be a fraction between 0 and 1, found 1.5",
            "1.5,",
        )],
    ),
    (
        "consistency-negative.ron",
        U,
        &[(
            E,
            21,
            59,
            "consistency must be a fraction between 0 and 1, found -0.1",
            "-0.1,",
        )],
    ),
    (
        "satisfaction-seven.ron",
        U,
        &[(
            E,
            21,
            123,
            "satisfaction must be on the 1-5 scale, found 7",
            "7, source",
        )],
    ),
    (
        "accuracy-nan.ron",
        U,
        &[(
            E,
            21,
            40,
            "accuracy must be a fraction between 0 and 1, found NaN",
            "NaN,",
        )],
    ),
    (
        "target-infinite-cost.ron",
        U,
        &[(
            E,
            18,
            76,
            "targets.cost_per_1k_usd must be a number of at least 0, found inf",
            "Some(inf)",
        )],
    ),
    (
        "empty-title.ron",
        U,
        &[(
            E,
            2,
            12,
            "title is empty: give the use case a short name",
            "\"   \"",
        )],
    ),
    // Untrusted text.
    (
        "title-escape-sequence.ron",
        U,
        &[(
            W,
            2,
            12,
            "title holds the control character U+001B",
            "\"Invoice \\u{1b}",
        )],
    ),
    (
        "title-raw-control.ron",
        U,
        &[(
            W,
            2,
            12,
            "title holds the control character U+001B",
            "\"Invoice \u{1b}]0;",
        )],
    ),
    // Encoding and headers.
    (
        "non-utf8.ron",
        U,
        &[(
            E,
            2,
            24,
            "the file is not valid UTF-8 text (byte 0xE9)",
            "\u{fffd} triage",
        )],
    ),
    (
        "byte-order-mark.ron",
        U,
        &[(E, 1, 1, "byte-order mark (U+FEFF)", "\u{feff}UseCase(")],
    ),
    (
        "implicit-some.ron",
        U,
        &[(
            E,
            1,
            1,
            "RON extensions (#![enable(...)]) are not allowed",
            "#![enable(implicit_some)]",
        )],
    ),
    // Files with nothing in them.
    (
        "empty.ron",
        U,
        &[(E, 1, 1, "the file is empty: expected `UseCase(...)`", "")],
    ),
    (
        "comment-only.ron",
        U,
        &[(
            E,
            1,
            1,
            "the file is empty: expected `UseCase(...)`",
            "// TODO",
        )],
    ),
    // File names.
    (
        "Bad_Name.ron",
        U,
        &[(
            E,
            1,
            1,
            "invalid use-case id \"Bad_Name\": use lowercase letters, digits and single hyphens",
            "UseCase(",
        )],
    ),
    (
        "readme.txt",
        U,
        &[(W, 1, 1, "ignored: not a .ron file", "Use cases live")],
    ),
    // register.ron.
    (
        "register-schema-2.ron",
        R,
        &[(E, 3, 13, "schema version 2 is not supported", "2,")],
    ),
    (
        "register-fiscal-month-13.ron",
        R,
        &[(
            E,
            4,
            30,
            "fiscal_year_start_month must be a month from 1 to 12, found 13",
            "13,",
        )],
    ),
    (
        "register-bad-as-of.ron",
        R,
        &[(
            E,
            6,
            17,
            "invalid date \"2026-13-01\": no such day in the calendar",
            "\"2026-13-01\"",
        )],
    ),
    (
        "register-currency-lowercase.ron",
        R,
        &[(
            W,
            5,
            15,
            "currency \"usd\" is not a three-letter ISO 4217 code",
            "\"usd\"",
        )],
    ),
    // policy.ron: a broken policy is reported and the defaults are used.
    (
        "policy-plateau-window-1.ron",
        P,
        &[
            (W, 1, 1, "readiness uses the default policy", "Policy("),
            (
                E,
                5,
                21,
                "plateau_window must be at least 2 measurements, found 1",
                "1,",
            ),
        ],
    ),
    (
        "policy-unknown-gate.ron",
        P,
        &[
            (W, 1, 1, "readiness uses the default policy", "Policy("),
            (
                E,
                10,
                73,
                "unknown variant `Money` for Criterion; expected one of `Data`, `Volume`, `Specificity`, `ProvenValue`, `Plateau`, `Expertise`, `Budget`, `Timeline`",
                "Money,",
            ),
        ],
    ),
    (
        "policy-duplicate-gate.ron",
        P,
        &[(W, 10, 91, "gate Data is listed twice", "Data]")],
    ),
    (
        "policy-max-gain-above-one.ron",
        P,
        &[
            (W, 1, 1, "readiness uses the default policy", "Policy("),
            (
                E,
                6,
                23,
                "plateau_max_gain must be a fraction between 0 and 1, found 2",
                "2.0,",
            ),
        ],
    ),
];

fn today() -> Date {
    Date::from_ymd(2026, 10, 15).unwrap()
}

fn good(name: &str) -> Vec<u8> {
    std::fs::read(Path::new(GOOD_DIR).join(name)).unwrap()
}

fn file(rel: &str, bytes: Vec<u8>) -> SourceFile {
    SourceFile {
        rel: rel.to_owned(),
        content: Content::Bytes(bytes),
    }
}

/// A state directory with the good settings and policy and `extra` files.
fn snapshot(extra: Vec<SourceFile>) -> Snapshot {
    let mut files = vec![
        file("register.ron", good("register.ron")),
        file("policy.ron", good("policy.ron")),
    ];
    for f in extra {
        files.retain(|g| g.rel != f.rel);
        files.push(f);
    }
    Snapshot {
        root: ROOT.to_owned(),
        files,
    }
}

fn rel_of(name: &str, role: Role) -> String {
    match role {
        Role::UseCase => format!("use-cases/{name}"),
        Role::Register => "register.ron".to_owned(),
        Role::Policy => "policy.ron".to_owned(),
    }
}

/// The text from a 1-based line and column (in characters) to the end.
fn text_at(text: &str, line: usize, column: usize) -> Option<&str> {
    let mut start = 0;
    for _ in 1..line {
        start += text[start..].find('\n')? + 1;
    }
    let rest = &text[start..];
    let offset = rest
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(rest.len()))
        .nth(column - 1)?;
    Some(&rest[offset..])
}

fn show(ds: &[Diagnostic]) -> String {
    ds.iter().map(|d| format!("\n    {d}")).collect()
}

#[test]
fn every_corpus_file_gives_exactly_its_expected_diagnostics() {
    let mut failures = Vec::new();
    for &(name, role, expected) in CORPUS {
        let bytes = std::fs::read(Path::new(CORPUS_DIR).join(name))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let rel = rel_of(name, role);
        let reg = load(&snapshot(vec![file(&rel, bytes)]), None, today());
        let shown = format!("{ROOT}/{rel}");

        let mut problems = Vec::new();
        if reg.diagnostics.len() != expected.len() {
            problems.push(format!(
                "expected {} diagnostic(s), got {}",
                expected.len(),
                reg.diagnostics.len()
            ));
        }
        for (d, &(severity, line, column, fragment, points_at)) in
            reg.diagnostics.iter().zip(expected)
        {
            if (d.severity, d.file.as_str(), d.line, d.column)
                != (severity, shown.as_str(), line, column)
            {
                problems.push(format!(
                    "expected {shown}:{line}:{column}: {}, got {}:{}:{}: {}",
                    severity.label(),
                    d.file,
                    d.line,
                    d.column,
                    d.severity.label()
                ));
            }
            if !d.message.contains(fragment) {
                problems.push(format!("message lacks {fragment:?}"));
            }
            // The position itself must point at the offending token.
            match text_at(&text, line, column) {
                Some(rest) if rest.starts_with(points_at) => {}
                other => problems.push(format!(
                    "the table's {line}:{column} does not point at {points_at:?} but at {:?}",
                    other.map(|r| r.chars().take(20).collect::<String>())
                )),
            }
        }

        // A file with errors is not loaded; a file with only warnings is.
        let has_error = expected.iter().any(|e| e.0 == Severity::Error);
        let loaded = match role {
            Role::UseCase => !reg.use_cases.is_empty(),
            Role::Register => reg.settings.is_some(),
            Role::Policy => reg.policy.is_some(),
        };
        let loadable = name.ends_with(".ron") && !has_error;
        if loaded != loadable {
            problems.push(format!("loaded: {loaded}, expected {loadable}"));
        }
        if !problems.is_empty() {
            failures.push(format!(
                "{name}:\n  {}\n  actual:{}",
                problems.join("\n  "),
                show(&reg.diagnostics)
            ));
        }
    }
    assert!(failures.is_empty(), "\n{}", failures.join("\n\n"));
}

#[test]
fn every_corpus_file_has_an_expectation_and_vice_versa() {
    let on_disk: BTreeSet<String> = std::fs::read_dir(CORPUS_DIR)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|name| name != ".gitattributes")
        .collect();
    let listed: BTreeSet<String> = CORPUS.iter().map(|c| c.0.to_owned()).collect();
    assert_eq!(listed.len(), CORPUS.len(), "a file is listed twice");
    let unlisted: Vec<_> = on_disk.difference(&listed).collect();
    let missing: Vec<_> = listed.difference(&on_disk).collect();
    assert!(
        unlisted.is_empty(),
        "files in tests/corpus/ without an expectation in CORPUS: {unlisted:?}"
    );
    assert!(
        missing.is_empty(),
        "CORPUS lists files that are not in tests/corpus/: {missing:?}"
    );
    assert!(on_disk.len() >= 30);
}

#[test]
fn the_base_of_the_corpus_is_itself_clean() {
    // Every corpus file is this file with one thing broken, so each
    // diagnostic above comes from that one change.
    let reg = load(
        &snapshot(vec![file(
            "use-cases/invoice-triage.ron",
            good("invoice-triage.ron"),
        )]),
        None,
        today(),
    );
    assert_eq!(reg.diagnostics, vec![], "{}", show(&reg.diagnostics));
    assert_eq!(reg.use_cases.len(), 1);
    assert!(reg.settings.is_some() && reg.policy.is_some());
}

#[test]
fn control_characters_never_reach_the_terminal() {
    for name in ["title-escape-sequence.ron", "title-raw-control.ron"] {
        let bytes = std::fs::read(Path::new(CORPUS_DIR).join(name)).unwrap();
        let reg = load(
            &snapshot(vec![file(&format!("use-cases/{name}"), bytes)]),
            None,
            today(),
        );
        // The text is kept as written (it is only a warning) ...
        assert!(reg.use_cases[0].use_case.title.contains('\u{1b}'));
        // ... but no diagnostic prints a raw ESC or BEL.
        for d in &reg.diagnostics {
            let shown = d.to_string();
            assert!(!shown.contains(['\u{1b}', '\u{7}']), "{shown:?}");
        }
    }
    // Nor does a file name that carries an escape sequence.
    let reg = load(
        &snapshot(vec![file(
            "use-cases/evil\u{1b}[2J.ron",
            good("invoice-triage.ron"),
        )]),
        None,
        today(),
    );
    let d = &reg.diagnostics[0];
    assert!(d.message.contains("invalid use-case id"), "{d}");
    let shown = d.to_string();
    assert!(!shown.contains('\u{1b}'), "{shown:?}");
    assert!(shown.contains("evil\\u{1b}[2J"), "{shown}");
}

#[test]
fn a_file_over_one_mebibyte_is_refused_unread() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path();
    std::fs::create_dir(state.join("use-cases")).unwrap();
    std::fs::write(state.join("register.ron"), good("register.ron")).unwrap();
    std::fs::write(state.join("policy.ron"), good("policy.ron")).unwrap();

    // Exactly at the limit: read and loaded (a valid file padded with a comment).
    let mut at_limit = good("invoice-triage.ron");
    at_limit.extend_from_slice(b"//");
    at_limit.resize(MAX_FILE_BYTES as usize, b'x');
    std::fs::write(state.join("use-cases/at-limit.ron"), &at_limit).unwrap();
    // One byte over: refused, whatever it holds.
    let mut over = at_limit.clone();
    over.push(b'x');
    std::fs::write(state.join("use-cases/over-limit.ron"), &over).unwrap();

    let snap = ripen::store::snapshot(state).unwrap();
    let over_entry = snap
        .files
        .iter()
        .find(|f| f.rel == "use-cases/over-limit.ron")
        .unwrap();
    assert_eq!(
        over_entry.content,
        Content::TooLarge(MAX_FILE_BYTES + 1),
        "the over-size file must not be read"
    );

    let reg = load(&snap, None, today());
    let ids: Vec<&str> = reg.use_cases.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(ids, ["at-limit"]);
    assert_eq!(reg.diagnostics.len(), 1, "{}", show(&reg.diagnostics));
    let d = &reg.diagnostics[0];
    assert_eq!((d.severity, d.line, d.column), (Severity::Error, 1, 1));
    assert!(d.file.ends_with("use-cases/over-limit.ron"), "{d}");
    assert!(
        d.message
            .contains("file is 1048577 bytes, over the 1 MiB limit; it was not read"),
        "{d}"
    );
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    let deep = 100_000;
    let cases = [
        ("parens", "(".repeat(deep), 1, 2, "expected a name"),
        (
            "in-a-string-field",
            format!("UseCase(title: {}", "(".repeat(deep)),
            1,
            16,
            "expected a string in double quotes, found `(`",
        ),
        (
            "in-a-list",
            format!("UseCase(measurements: {}", "[".repeat(deep)),
            1,
            24,
            "expected `(` to open a Measurement, found `[`",
        ),
        (
            "closed-at-the-end",
            format!("UseCase(notes: {}{})", "[".repeat(deep), "]".repeat(deep)),
            1,
            16,
            "expected a string in double quotes, found `[`",
        ),
    ];
    for (name, text, line, column, fragment) in cases {
        // A thread with a small stack: deep recursion would overflow it.
        let reg = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                load(
                    &snapshot(vec![file(&format!("use-cases/{name}.ron"), text.into())]),
                    None,
                    today(),
                )
            })
            .unwrap()
            .join()
            .expect("loading deeply nested input must not crash");
        let d = &reg.diagnostics[0];
        assert_eq!(
            reg.diagnostics.len(),
            1,
            "{name}: {}",
            show(&reg.diagnostics)
        );
        assert_eq!(
            (d.severity, d.line, d.column),
            (Severity::Error, line, column),
            "{name}: {d}"
        );
        assert!(d.message.contains(fragment), "{name}: {d}");
    }
    // The same as register.ron and policy.ron.
    for rel in ["register.ron", "policy.ron"] {
        let reg = std::thread::Builder::new()
            .stack_size(256 * 1024)
            .spawn(move || {
                load(
                    &snapshot(vec![file(rel, "(".repeat(deep).into())]),
                    None,
                    today(),
                )
            })
            .unwrap()
            .join()
            .unwrap();
        assert!(
            reg.diagnostics
                .iter()
                .any(|d| d.severity == Severity::Error && d.file == format!("{ROOT}/{rel}")),
            "{rel}: {}",
            show(&reg.diagnostics)
        );
    }
    // Locating a path in deep input is iterative too.
    let text = "[".repeat(deep);
    let path = vec![ripen::register::Seg::Index(0); deep];
    // The innermost list has no element 0: its own start is the closest.
    assert_eq!(ripen::register::locate(&text, &path), (1, deep));
}

#[test]
fn missing_register_and_policy_are_errors_and_use_cases_still_load() {
    let only_case = Snapshot {
        root: ROOT.to_owned(),
        files: vec![file(
            "use-cases/invoice-triage.ron",
            good("invoice-triage.ron"),
        )],
    };
    let reg = load(&only_case, None, today());
    let got: Vec<(Severity, &str, usize, usize)> = reg
        .diagnostics
        .iter()
        .map(|d| (d.severity, d.file.as_str(), d.line, d.column))
        .collect();
    assert_eq!(
        got,
        [
            (Severity::Error, "state/policy.ron", 1, 1),
            (Severity::Error, "state/register.ron", 1, 1),
        ]
    );
    assert!(
        reg.diagnostics[0]
            .message
            .contains("policy.ron is missing: readiness uses the default policy")
    );
    assert!(
        reg.diagnostics[1]
            .message
            .contains("register.ron is missing: run `ripen init`")
    );
    assert_eq!(reg.use_cases.len(), 1);
    assert_eq!(reg.as_of, today(), "no settings: evaluated at today");
    assert_eq!(*reg.effective_policy(), ripen::model::Policy::default());
}

#[test]
fn one_broken_file_never_stops_the_others() {
    let base = String::from_utf8(good("invoice-triage.ron")).unwrap();
    let titled = |t: &str| {
        base.replace("\"Invoice triage\"", &format!("\"{t}\""))
            .into_bytes()
    };
    let corpus = |n: &str| std::fs::read(Path::new(CORPUS_DIR).join(n)).unwrap();
    let reg = load(
        &snapshot(vec![
            file("use-cases/alpha.ron", titled("Alpha")),
            file("use-cases/bravo.ron", corpus("syntax-missing-comma.ron")),
            file("use-cases/charlie.ron", titled("Charlie")),
            file("use-cases/delta.ron", corpus("accuracy-above-one.ron")),
            file("use-cases/echo.ron", titled("Echo")),
        ]),
        None,
        today(),
    );
    let loaded: Vec<(&str, &str)> = reg
        .use_cases
        .iter()
        .map(|e| (e.id.as_str(), e.use_case.title.as_str()))
        .collect();
    assert_eq!(
        loaded,
        [("alpha", "Alpha"), ("charlie", "Charlie"), ("echo", "Echo")]
    );
    let errors: Vec<(&str, usize, usize)> = reg
        .diagnostics
        .iter()
        .map(|d| (d.file.as_str(), d.line, d.column))
        .collect();
    assert_eq!(
        errors,
        [
            ("state/use-cases/bravo.ron", 5, 20),
            ("state/use-cases/delta.ron", 21, 40),
        ]
    );
    assert_eq!(reg.errors(), 2);
    // A broken register.ron or policy.ron does not stop them either.
    let reg = load(
        &snapshot(vec![
            file("register.ron", corpus("register-schema-2.ron")),
            file("policy.ron", corpus("policy-unknown-gate.ron")),
            file("use-cases/alpha.ron", titled("Alpha")),
        ]),
        None,
        today(),
    );
    assert_eq!(reg.use_cases.len(), 1);
    assert_eq!(reg.errors(), 2);
}

#[test]
fn the_spec_example_loads_clean_with_its_values() {
    let reg = load(
        &snapshot(vec![file(
            "use-cases/contract-review.ron",
            good("contract-review.ron"),
        )]),
        None,
        today(),
    );
    assert_eq!(reg.diagnostics, vec![], "{}", show(&reg.diagnostics));
    let e = reg.get("contract-review").expect("loaded");
    let u = &e.use_case;
    assert_eq!(u.title, "Contract clause review");
    assert_eq!(
        u.summary,
        "Flags non-standard indemnity and liability clauses in supplier contracts."
    );
    assert_eq!(u.owner, "maria.lopez@example.com");
    assert_eq!(u.team, "Legal Operations");
    assert_eq!(u.stage, Stage::Collect);
    assert_eq!(
        u.approach,
        Approach::Prompting {
            technique: Technique::FewShot,
            model: "gpt-4o".to_owned()
        }
    );
    assert_eq!(u.risk, Risk::High);
    let p = &u.profile;
    assert_eq!(p.specificity, Specificity::Narrow);
    assert_eq!((p.daily_volume, p.curated_examples), (1200, 2400));
    assert!(p.ml_expertise && p.can_wait_weeks && p.needs_consistency);
    assert_eq!(p.budget_usd, 60000);
    assert_eq!(u.targets.accuracy, Some(0.92));
    assert_eq!(u.targets.p95_latency_ms, Some(2000));
    assert_eq!(u.targets.cost_per_1k_usd, Some(4.0));
    assert_eq!(u.measurements.len(), 3);
    let last = &u.measurements[2];
    assert_eq!(last.date, Date::from_ymd(2026, 9, 30).unwrap());
    assert_eq!(
        (
            last.accuracy,
            last.consistency,
            last.p95_latency_ms,
            last.cost_per_1k_usd,
            last.satisfaction
        ),
        (0.82, 0.75, 2500, 5.9, 3.9)
    );
    assert_eq!(last.source, "eval/2026-09");
    assert_eq!(u.roi.len(), 1);
    let r = &u.roi[0];
    assert_eq!(
        (r.kind, r.value_usd, r.period, r.confidence),
        (
            RoiKind::TimeSaved,
            18000,
            Period::Quarter,
            Confidence::Measured
        )
    );
    assert_eq!(r.evidence, "finance/q3-legal-savings.md");
    assert_eq!(u.notes, "");
}

/// The good use case with a few bytes deleted or replaced.
fn mutated() -> impl Strategy<Value = Vec<u8>> {
    let base = good("invoice-triage.ron");
    let len = base.len();
    prop::collection::vec((0..len, 0usize..4, any::<u8>()), 1..4).prop_map(move |edits| {
        let mut b = base.clone();
        for (at, cut, byte) in edits {
            let at = at.min(b.len());
            let end = (at + cut).min(b.len());
            b.splice(at..end, [byte]);
        }
        b
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// Whatever a file holds, loading it never panics, and every diagnostic
    /// points inside the file.
    #[test]
    fn any_damage_gives_diagnostics_inside_the_file(bytes in mutated()) {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let reg = load(
            &snapshot(vec![file("use-cases/damaged.ron", bytes)]),
            None,
            today(),
        );
        for d in &reg.diagnostics {
            prop_assert!(text_at(&text, d.line, d.column).is_some(), "{d} is outside the file");
            prop_assert!(!d.message.is_empty());
        }
        prop_assert_eq!(reg.use_cases.len() == 1, reg.errors() == 0);
    }

    #[test]
    fn arbitrary_text_never_panics(
        text in prop_oneof!["\\PC{0,200}", "[()\\[\\]{},:\"'\\\\ a-zU0-9./*#!\n\r\t-]{0,200}"]
    ) {
        if let Err(e) = parse_use_case(&text) {
            prop_assert!(text_at(&text, e.line, e.column).is_some(), "{}:{} is outside {text:?}", e.line, e.column);
        }
    }
}

/// A use case of nearly 1 MiB whose measurements are listed newest first:
/// one "not in date order" warning per measurement (about 7,000), plus
/// one line holding every measurement (so columns are counted on a long
/// line). Locating each warning by scanning the text from its start made
/// loading quadratic: 49 s in a release build for such a file, many
/// minutes in a test build. Each warning must still point at its date.
#[test]
fn a_mebibyte_of_warnings_loads_and_each_points_at_its_field() {
    let good = String::from_utf8(good("invoice-triage.ron")).unwrap();
    let head = &good[..good.find("    measurements: [").unwrap()];
    let tail = &good[good.find("    roi: []").unwrap()..];
    let day = |k: usize| {
        let d = Date::from_ymd(2026, 9, 30).unwrap().0 - chrono::Duration::days(k as i64);
        d.format("%Y-%m-%d").to_string()
    };
    let entry = |k: usize| {
        format!(
            "(date: \"{}\", accuracy: 0.80, consistency: 0.72, p95_latency_ms: 2700, cost_per_1k_usd: 6.3, satisfaction: 3.7, source: \"eval\"),",
            day(k)
        )
    };
    let max = MAX_FILE_BYTES as usize;
    let mut text = format!("{head}    measurements: [\n");
    let mut n = 0;
    // Half the budget on one line per measurement, half on one long line.
    while text.len() < max / 2 {
        text.push_str(&format!("        {}\n", entry(n)));
        n += 1;
    }
    let long_line_from = n;
    text.push_str("        ");
    while text.len() < max - 1000 {
        text.push_str(&entry(n));
        n += 1;
    }
    text.push_str(&format!("\n    ],\n{tail}"));
    assert!(text.len() <= max);

    let reg = load(
        &snapshot(vec![file("use-cases/big.ron", text.clone().into_bytes())]),
        Some(today()),
        today(),
    );
    let order: Vec<&Diagnostic> = reg
        .diagnostics
        .iter()
        .filter(|d| d.message.contains("not in date order"))
        .collect();
    assert_eq!(order.len(), n - 1, "{}", show(&reg.diagnostics[..3]));
    assert!(n > 6000, "only {n} measurements");
    // Where each line starts (the test's own lookup must be linear too).
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect();
    for (k, d) in order.iter().enumerate() {
        // Warning k is about measurement k + 1, which starts with its date
        // (the text is ASCII: a column is a byte).
        let at = &text[starts[d.line - 1] + d.column - 1..];
        let want = format!("\"{}\"", day(k + 1));
        assert!(
            at.starts_with(&want),
            "warning {k} at {}:{}: {}",
            d.line,
            d.column,
            &at[..40]
        );
        if k + 1 >= long_line_from {
            assert_eq!(d.line, order[order.len() - 1].line);
        }
    }
}
