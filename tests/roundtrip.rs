//! The canonical form: whatever valid value ripen writes reads back as the
//! same value, and rewriting canonical text changes nothing.

use proptest::prelude::*;
use ripen::model::canonical;
use ripen::model::{
    Approach, Confidence, Criterion, Date, Measurement, Method, Period, Policy, Profile, Risk,
    RoiEntry, RoiKind, SCHEMA_VERSION, Settings, Source, Specificity, Stage, Targets, Technique,
    UseCase,
};
use ripen::register::{
    Content, FileKind, Severity, Snapshot, SourceFile, canonical_form, load, parse_policy,
    parse_settings, parse_use_case,
};

// ---------------------------------------------------------------- strategies

/// Text as users (and attackers) write it: quotes, backslashes, RON syntax,
/// comment markers, unicode, emoji, control and bidi characters.
fn text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,12}",
        any::<String>(),
        Just(String::new()),
        Just("\"".to_owned()),
        Just("\\".to_owned()),
        Just("\\\"".to_owned()),
        Just("\\u{1b}".to_owned()),
        Just("r#\"raw\"#".to_owned()),
        Just("\"#".to_owned()),
        Just("/* not a comment */ // nor this".to_owned()),
        Just("), notes: \"injected\"".to_owned()),
        Just("🦀👩‍💻🇪🇺".to_owned()),
        Just("Café – 東京 – مرحبا".to_owned()),
        Just("\u{1b}[31mred\u{1b}[0m\u{7}".to_owned()),
        Just("line\nbreak\r\ttab".to_owned()),
        Just("\u{0}\u{7f}\u{9b}\u{202e}\u{2066}\u{feff}".to_owned()),
        Just("'".to_owned()),
        Just("{}[]()".to_owned()),
    ];
    prop::collection::vec(piece, 0..4).prop_map(|parts| parts.concat())
}

/// A title that validates: not blank.
fn title() -> impl Strategy<Value = String> {
    (text(), "[A-Za-z0-9]{1,8}").prop_map(|(t, word)| format!("{t}{word}"))
}

/// A fraction in [0, 1], edges and awkward decimals included.
fn fraction() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(-0.0),
        Just(1.0),
        Just(0.1 + 0.2),
        Just(1.0 - f64::EPSILON),
        Just(f64::MIN_POSITIVE),
        Just(5e-324),
        Just(1e-7),
        Just(0.123_456_789_012_345_68),
        0.0..=1.0f64,
    ]
}

/// A non-negative finite number, from subnormal to the largest.
fn non_negative() -> impl Strategy<Value = f64> {
    prop_oneof![
        Just(0.0),
        Just(5e-324),
        Just(1e-300),
        Just(4.0),
        Just(1e21),
        Just(1e300),
        Just(f64::MAX),
        0.0..1e6f64,
        (0.0..=f64::MAX),
    ]
}

fn satisfaction() -> impl Strategy<Value = f64> {
    prop_oneof![Just(1.0), Just(5.0), Just(3.3333333333333335), 1.0..=5.0f64]
}

fn u64_any() -> impl Strategy<Value = u64> {
    prop_oneof![
        Just(0),
        Just(1),
        Just(u64::MAX),
        Just(u64::MAX - 1),
        any::<u64>()
    ]
}

fn u32_any() -> impl Strategy<Value = u32> {
    prop_oneof![Just(0), Just(u32::MAX), any::<u32>()]
}

/// Any date that can be written as `YYYY-MM-DD`.
fn date() -> impl Strategy<Value = Date> {
    prop_oneof![
        Just(Date::from_ymd(0, 1, 1).unwrap()),
        Just(Date::from_ymd(9999, 12, 31).unwrap()),
        Just(Date::from_ymd(2024, 2, 29).unwrap()),
        (0i32..=9999, 1u32..=12, 1u32..=31)
            .prop_filter_map("no such day", |(y, m, d)| { Date::from_ymd(y, m, d) }),
    ]
}

fn stage() -> impl Strategy<Value = Stage> {
    prop::sample::select(Stage::ALL.to_vec())
}

fn risk() -> impl Strategy<Value = Risk> {
    prop::sample::select(Risk::ALL.to_vec())
}

fn approach() -> impl Strategy<Value = Approach> {
    let technique = prop::sample::select(vec![
        Technique::ZeroShot,
        Technique::FewShot,
        Technique::ChainOfThought,
        Technique::Retrieval,
    ]);
    let method = prop::sample::select(vec![
        Method::Full,
        Method::Lora,
        Method::Qlora,
        Method::OtherPeft,
    ]);
    prop_oneof![
        (technique, text()).prop_map(|(technique, model)| Approach::Prompting { technique, model }),
        (method, text(), text()).prop_map(|(method, base_model, dataset)| {
            Approach::FineTuned {
                method,
                base_model,
                dataset,
            }
        }),
        (text(), text()).prop_map(|(prompting, fine_tuned)| Approach::Hybrid {
            prompting,
            fine_tuned
        }),
        text().prop_map(|description| Approach::Other { description }),
    ]
}

fn profile() -> impl Strategy<Value = Profile> {
    (
        prop::sample::select(vec![
            Specificity::General,
            Specificity::Mixed,
            Specificity::Narrow,
        ]),
        u64_any(),
        u64_any(),
        any::<bool>(),
        u64_any(),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_map(
            |(
                specificity,
                daily_volume,
                curated_examples,
                ml_expertise,
                budget_usd,
                can_wait_weeks,
                needs_consistency,
            )| Profile {
                specificity,
                daily_volume,
                curated_examples,
                ml_expertise,
                budget_usd,
                can_wait_weeks,
                needs_consistency,
            },
        )
}

fn targets() -> impl Strategy<Value = Targets> {
    (
        prop::option::of(fraction()),
        prop::option::of(u32_any()),
        prop::option::of(non_negative()),
    )
        .prop_map(|(accuracy, p95_latency_ms, cost_per_1k_usd)| Targets {
            accuracy,
            p95_latency_ms,
            cost_per_1k_usd,
        })
}

fn measurement() -> impl Strategy<Value = Measurement> {
    (
        date(),
        fraction(),
        fraction(),
        u32_any(),
        non_negative(),
        satisfaction(),
        text(),
    )
        .prop_map(
            |(
                date,
                accuracy,
                consistency,
                p95_latency_ms,
                cost_per_1k_usd,
                satisfaction,
                source,
            )| {
                Measurement {
                    date,
                    accuracy,
                    consistency,
                    p95_latency_ms,
                    cost_per_1k_usd,
                    satisfaction,
                    source,
                }
            },
        )
}

fn roi_entry() -> impl Strategy<Value = RoiEntry> {
    (
        date(),
        prop::sample::select(vec![
            RoiKind::CostSaving,
            RoiKind::TimeSaved,
            RoiKind::Revenue,
            RoiKind::RiskReduction,
        ]),
        u64_any(),
        prop::sample::select(vec![
            Period::Month,
            Period::Quarter,
            Period::Year,
            Period::OneOff,
        ]),
        text(),
        prop::sample::select(vec![Confidence::Measured, Confidence::Estimated]),
    )
        .prop_map(
            |(date, kind, value_usd, period, evidence, confidence)| RoiEntry {
                date,
                kind,
                value_usd,
                period,
                evidence,
                confidence,
            },
        )
}

fn source() -> impl Strategy<Value = Option<Source>> {
    prop::option::of((text(), text()).prop_map(|(system, id)| Source { system, id }))
}

fn use_case() -> impl Strategy<Value = UseCase> {
    (
        (title(), text(), text(), text()),
        stage(),
        approach(),
        risk(),
        profile(),
        targets(),
        prop::collection::vec(measurement(), 0..5),
        prop::collection::vec(roi_entry(), 0..4),
        (text(), source()),
    )
        .prop_map(
            |(
                (title, summary, owner, team),
                stage,
                approach,
                risk,
                profile,
                targets,
                measurements,
                roi,
                (notes, source),
            )| UseCase {
                title,
                summary,
                owner,
                team,
                stage,
                approach,
                risk,
                profile,
                targets,
                measurements,
                roi,
                notes,
                source,
                economics: None,
                baseline_until: None,
            },
        )
}

fn policy() -> impl Strategy<Value = Policy> {
    let gates = prop_oneof![
        Just(Vec::new()),
        Just(Criterion::ALL.to_vec()),
        prop::sample::subsequence(Criterion::ALL.to_vec(), 0..=8).prop_shuffle(),
    ];
    (
        u64_any(),
        u64_any(),
        u64_any(),
        prop_oneof![Just(2u32), Just(u32::MAX), 2u32..=u32::MAX],
        fraction(),
        u64_any(),
        prop_oneof![Just(1u32), Just(u32::MAX), 1u32..=u32::MAX],
        fraction(),
        gates,
    )
        .prop_map(
            |(
                min_curated_examples,
                min_daily_volume,
                min_annual_roi_usd,
                plateau_window,
                plateau_max_gain,
                min_budget_usd,
                stale_after_days,
                regression_drop,
                gates,
            )| Policy {
                min_curated_examples,
                min_daily_volume,
                min_annual_roi_usd,
                plateau_window,
                plateau_max_gain,
                min_budget_usd,
                stale_after_days,
                regression_drop,
                gates,
                approvals: Vec::new(),
                economics: None,
            },
        )
}

fn settings() -> impl Strategy<Value = Settings> {
    (
        text(),
        1u32..=12,
        prop_oneof![Just("USD".to_owned()), "[A-Z]{3}"],
        prop::option::of(date()),
    )
        .prop_map(
            |(name, fiscal_year_start_month, currency, as_of)| Settings {
                name,
                schema: SCHEMA_VERSION,
                fiscal_year_start_month,
                currency,
                as_of,
            },
        )
}

// ---------------------------------------------------------------- properties

fn as_of() -> Date {
    Date::from_ymd(2026, 10, 15).unwrap()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn use_case_reads_back_the_same(u in use_case()) {
        let text = canonical::use_case(&u);
        prop_assert_eq!(parse_use_case(&text), Ok(u.clone()), "canonical text:\n{}", text);
        // Rewriting canonical text changes no byte.
        prop_assert_eq!(canonical_form(FileKind::UseCase, &text), Ok(text.clone()));

        // Loaded as a file, it has no errors (control characters and date
        // order are only warnings) and is the same value.
        let snapshot = Snapshot {
            root: "state".to_owned(),
            files: vec![SourceFile {
                rel: "use-cases/generated.ron".to_owned(),
                content: Content::Bytes(text.clone().into_bytes()),
            }],
        };
        let reg = load(&snapshot, Some(as_of()), as_of());
        let errors: Vec<String> = reg
            .diagnostics
            .iter()
            .filter(|d| d.severity == Severity::Error && d.file.contains("generated"))
            .map(|d| d.to_string())
            .collect();
        prop_assert!(errors.is_empty(), "{:?}\n{}", errors, text);
        prop_assert_eq!(&reg.use_cases[0].use_case, &u);
    }

    #[test]
    fn canonical_text_shows_no_raw_control_characters(u in use_case()) {
        // The file itself is safe to `cat` or `git diff` in a terminal.
        let text = canonical::use_case(&u);
        let bad = text
            .chars()
            .find(|&c| c != '\n' && ripen::text::is_unsafe(c));
        prop_assert_eq!(bad, None, "{}", text);
    }

    #[test]
    fn policy_reads_back_the_same(p in policy()) {
        let text = canonical::policy(&p);
        prop_assert_eq!(parse_policy(&text), Ok(p.clone()), "canonical text:\n{}", text);
        prop_assert_eq!(canonical_form(FileKind::Policy, &text), Ok(text.clone()));
        prop_assert_eq!(ripen::validate::policy(&p), vec![]);
    }

    #[test]
    fn settings_read_back_the_same(s in settings()) {
        let text = canonical::settings(&s);
        prop_assert_eq!(parse_settings(&text), Ok(s.clone()), "canonical text:\n{}", text);
        prop_assert_eq!(canonical_form(FileKind::Settings, &text), Ok(text.clone()));
    }

    /// Canonicalizing any parseable layout gives the canonical text of its
    /// value: formatting is a function of the value alone.
    #[test]
    fn canonical_form_depends_on_the_value_only(u in use_case()) {
        let compact = ron::to_string(&u).unwrap();
        prop_assert_eq!(
            canonical_form(FileKind::UseCase, &compact),
            Ok(canonical::use_case(&u))
        );
    }
}

// ---------------------------------------------------------------- examples

const SPEC_EXAMPLE: &str = include_str!("corpus-good/contract-review.ron");

#[test]
fn spec_example_parses_exactly_as_written() {
    let u = parse_use_case(SPEC_EXAMPLE).unwrap();
    let expected = UseCase {
        title: "Contract clause review".to_owned(),
        summary: "Flags non-standard indemnity and liability clauses in supplier contracts."
            .to_owned(),
        owner: "maria.lopez@example.com".to_owned(),
        team: "Legal Operations".to_owned(),
        stage: Stage::Collect,
        approach: Approach::Prompting {
            technique: Technique::FewShot,
            model: "gpt-4o".to_owned(),
        },
        risk: Risk::High,
        profile: Profile {
            specificity: Specificity::Narrow,
            daily_volume: 1200,
            curated_examples: 2400,
            ml_expertise: true,
            budget_usd: 60000,
            can_wait_weeks: true,
            needs_consistency: true,
        },
        targets: Targets {
            accuracy: Some(0.92),
            p95_latency_ms: Some(2000),
            cost_per_1k_usd: Some(4.0),
        },
        measurements: [
            ("2026-03-31", 0.80, 0.72, 2700, 6.3, 3.7, "eval/2026-03"),
            ("2026-06-30", 0.81, 0.74, 2600, 6.1, 3.8, "eval/2026-06"),
            ("2026-09-30", 0.82, 0.75, 2500, 5.9, 3.9, "eval/2026-09"),
        ]
        .into_iter()
        .map(|(d, a, c, l, cost, s, src)| Measurement {
            date: Date::parse(d).unwrap(),
            accuracy: a,
            consistency: c,
            p95_latency_ms: l,
            cost_per_1k_usd: cost,
            satisfaction: s,
            source: src.to_owned(),
        })
        .collect(),
        roi: vec![RoiEntry {
            date: Date::parse("2026-09-30").unwrap(),
            kind: RoiKind::TimeSaved,
            value_usd: 18000,
            period: Period::Quarter,
            evidence: "finance/q3-legal-savings.md".to_owned(),
            confidence: Confidence::Measured,
        }],
        notes: String::new(),
        source: None,
        economics: None,
        baseline_until: None,
    };
    assert_eq!(u, expected);
    assert!(ripen::validate::use_case(&u, as_of()).is_empty());

    // Its canonical form drops the comments, keeps the value, and is stable.
    let text = canonical_form(FileKind::UseCase, SPEC_EXAMPLE).unwrap();
    assert!(!text.contains("//"));
    assert_eq!(parse_use_case(&text).unwrap(), expected);
    assert_eq!(canonical_form(FileKind::UseCase, &text).unwrap(), text);
    // One measurement per line, so that a new one is a one-line diff.
    assert!(text.contains(
        "        (date: \"2026-06-30\", accuracy: 0.81, consistency: 0.74, p95_latency_ms: 2600, cost_per_1k_usd: 6.1, satisfaction: 3.8, source: \"eval/2026-06\"),\n"
    ));
    assert!(text.contains("    targets: (\n        accuracy: Some(0.92),\n"));
}

const POLICY_EXAMPLE: &str = include_str!("corpus-good/policy.ron");

#[test]
fn policy_example_parses_exactly_as_written() {
    let p = parse_policy(POLICY_EXAMPLE).unwrap();
    assert_eq!(
        p,
        Policy {
            min_curated_examples: 1000,
            min_daily_volume: 1000,
            min_annual_roi_usd: 25000,
            plateau_window: 3,
            plateau_max_gain: 0.02,
            min_budget_usd: 20000,
            stale_after_days: 120,
            regression_drop: 0.03,
            gates: vec![
                Criterion::Data,
                Criterion::Volume,
                Criterion::Specificity,
                Criterion::ProvenValue,
                Criterion::Plateau,
                Criterion::Expertise,
                Criterion::Budget,
                Criterion::Timeline,
            ],
            approvals: Vec::new(),
            economics: None,
        }
    );
    // It is the default policy, and already canonical.
    assert_eq!(p, Policy::default());
    assert_eq!(canonical::policy(&p), POLICY_EXAMPLE);
    assert_eq!(
        canonical_form(FileKind::Policy, POLICY_EXAMPLE).unwrap(),
        POLICY_EXAMPLE
    );
}

#[test]
fn register_example_is_canonical() {
    let text = include_str!("corpus-good/register.ron");
    let s = parse_settings(text).unwrap();
    assert_eq!(s.name, "Corpus register");
    assert_eq!(s.as_of, None);
    assert_eq!(canonical::settings(&s), text);

    let mut pinned = s.clone();
    pinned.as_of = Date::from_ymd(2026, 10, 15);
    let text = canonical::settings(&pinned);
    assert!(
        text.contains("    as_of: Some(\"2026-10-15\"),\n"),
        "{text}"
    );
    assert_eq!(parse_settings(&text).unwrap(), pinned);
}

#[test]
fn scaffold_reads_back_the_same() {
    let u = UseCase::scaffold("New \"thing\"", "me@example.com", "Team \\ A");
    let text = canonical::use_case(&u);
    assert_eq!(parse_use_case(&text).unwrap(), u);
    assert!(ripen::validate::use_case(&u, as_of()).is_empty());
}
