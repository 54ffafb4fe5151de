//! The readiness table, criterion by criterion, each at its boundary; the
//! verdicts; the watch flags; and the JSON shape of `ripen ready`.

use ripen::model::{
    Approach, Confidence, Criterion, Date, Measurement, Method, Period, Policy, Profile, Risk,
    RoiEntry, RoiKind, Settings, Specificity, Stage, Targets, Technique, UseCase, canonical,
};
use ripen::readiness::{Assessment, Check, Flag, Value, Verdict, assess, flags};
use ripen::register::{Content, Snapshot, SourceFile, load};
use ripen::report;
use serde_json::json;

fn as_of() -> Date {
    Date::from_ymd(2026, 10, 15).unwrap()
}

fn days_before(n: u64) -> Date {
    as_of().minus_days(n)
}

fn m(date: Date, accuracy: f64) -> Measurement {
    Measurement {
        date,
        accuracy,
        consistency: 0.7,
        p95_latency_ms: 2000,
        cost_per_1k_usd: 5.0,
        satisfaction: 4.0,
        source: "eval".to_owned(),
    }
}

fn roi(date: Date, value_usd: u64, confidence: Confidence) -> RoiEntry {
    RoiEntry {
        date,
        kind: RoiKind::CostSaving,
        value_usd,
        period: Period::Year,
        evidence: "finance/report.md".to_owned(),
        confidence,
    }
}

/// A prompting use case that passes every criterion of the default policy,
/// each exactly at its threshold where there is one.
fn ready() -> UseCase {
    UseCase {
        title: "Ticket routing".to_owned(),
        summary: "Routes support tickets.".to_owned(),
        owner: "o@example.com".to_owned(),
        team: "Support".to_owned(),
        stage: Stage::Collect,
        approach: Approach::Prompting {
            technique: Technique::FewShot,
            model: "gpt-4o".to_owned(),
        },
        risk: Risk::Limited,
        profile: Profile {
            specificity: Specificity::Narrow,
            daily_volume: 1000,
            curated_examples: 1000,
            ml_expertise: true,
            budget_usd: 20000,
            can_wait_weeks: true,
            needs_consistency: false,
        },
        targets: Targets {
            accuracy: Some(0.92),
            p95_latency_ms: None,
            cost_per_1k_usd: None,
        },
        measurements: vec![
            m(days_before(60), 0.80),
            m(days_before(30), 0.805),
            m(days_before(0), 0.81),
        ],
        roi: vec![roi(days_before(10), 25000, Confidence::Measured)],
        notes: String::new(),
        source: None,
        economics: None,
        baseline_until: None,
    }
}

fn policy() -> Policy {
    Policy::default()
}

fn run(u: &UseCase) -> Assessment {
    assess(u, &policy(), as_of())
}

fn check(a: &Assessment, c: Criterion) -> &Check {
    a.criteria
        .iter()
        .find(|x| x.criterion == c)
        .unwrap_or_else(|| panic!("no {c:?} in {a:#?}"))
}

fn passes(u: &UseCase, c: Criterion) -> bool {
    check(&run(u), c).passed
}

fn with(f: impl FnOnce(&mut UseCase)) -> UseCase {
    let mut u = ready();
    f(&mut u);
    u
}

#[test]
fn the_base_case_is_ready_with_every_criterion_in_order() {
    let a = run(&ready());
    assert_eq!(a.verdict, Verdict::Ready, "{a:#?}");
    let names: Vec<Criterion> = a.criteria.iter().map(|c| c.criterion).collect();
    assert_eq!(names, Criterion::ALL);
    assert!(a.criteria.iter().all(|c| c.passed && c.gate));
    assert_eq!(a.flags, vec![]);
    assert_eq!(a.not_applicable_because, None);
}

// ---------------------------------------------------------------- criteria

#[test]
fn data_passes_at_the_minimum_and_fails_one_below() {
    let a = run(&ready());
    let c = check(&a, Criterion::Data);
    assert!(c.passed);
    assert_eq!(
        (&c.value, &c.threshold),
        (&Value::Int(1000), &Value::Int(1000))
    );
    let u = with(|u| u.profile.curated_examples = 999);
    let a = run(&u);
    let c = check(&a, Criterion::Data);
    assert!(!c.passed);
    assert_eq!(c.value, Value::Int(999));
}

#[test]
fn volume_passes_at_the_minimum_and_fails_one_below() {
    assert!(passes(&ready(), Criterion::Volume));
    let u = with(|u| u.profile.daily_volume = 999);
    assert!(!passes(&u, Criterion::Volume));
    assert_eq!(check(&run(&u), Criterion::Volume).value, Value::Int(999));
}

#[test]
fn budget_passes_at_the_minimum_and_fails_one_below() {
    assert!(passes(&ready(), Criterion::Budget));
    let u = with(|u| u.profile.budget_usd = 19999);
    assert!(!passes(&u, Criterion::Budget));
    let a = run(&u);
    let c = check(&a, Criterion::Budget);
    assert_eq!(
        (&c.value, &c.threshold),
        (&Value::Int(19999), &Value::Int(20000))
    );
}

#[test]
fn proven_value_passes_at_the_minimum_and_fails_one_below() {
    let a = run(&ready());
    assert!(check(&a, Criterion::ProvenValue).passed);
    assert_eq!(a.measured_roi_last_year, 25000);
    let u = with(|u| u.roi[0].value_usd = 24999);
    assert!(!passes(&u, Criterion::ProvenValue));
    // Entries add up.
    let u = with(|u| {
        u.roi = vec![
            roi(days_before(300), 12500, Confidence::Measured),
            roi(days_before(3), 12500, Confidence::Measured),
        ]
    });
    assert!(passes(&u, Criterion::ProvenValue));
}

#[test]
fn proven_value_counts_the_365_days_up_to_as_of() {
    let value_at = |date: Date| {
        let u = with(|u| u.roi = vec![roi(date, 25000, Confidence::Measured)]);
        let a = run(&u);
        (
            check(&a, Criterion::ProvenValue).passed,
            a.measured_roi_last_year,
        )
    };
    assert_eq!(
        value_at(days_before(365)),
        (false, 0),
        "365 days before is out"
    );
    assert_eq!(
        value_at(days_before(364)),
        (true, 25000),
        "364 days before is in"
    );
    assert_eq!(
        value_at(as_of()),
        (true, 25000),
        "the as-of date itself is in"
    );
    let tomorrow = Date::from_ymd(2026, 10, 16).unwrap();
    assert_eq!(value_at(tomorrow), (false, 0), "after as-of is out");
}

#[test]
fn estimated_roi_never_counts() {
    let u = with(|u| {
        u.roi = vec![
            roi(days_before(10), 1_000_000, Confidence::Estimated),
            roi(days_before(10), 24999, Confidence::Measured),
        ]
    });
    let a = run(&u);
    assert!(!check(&a, Criterion::ProvenValue).passed);
    assert_eq!(a.measured_roi_last_year, 24999);
}

#[test]
fn huge_roi_sums_saturate_instead_of_overflowing() {
    let u = with(|u| {
        u.roi = vec![
            roi(days_before(1), u64::MAX, Confidence::Measured),
            roi(days_before(2), u64::MAX, Confidence::Measured),
        ]
    });
    assert_eq!(run(&u).measured_roi_last_year, u64::MAX);
}

#[test]
fn specificity_passes_only_when_narrow() {
    for (s, pass) in [
        (Specificity::Narrow, true),
        (Specificity::Mixed, false),
        (Specificity::General, false),
    ] {
        let u = with(|u| u.profile.specificity = s);
        let a = run(&u);
        let c = check(&a, Criterion::Specificity);
        assert_eq!(c.passed, pass, "{s:?}");
        assert_eq!(c.value, Value::Text(s.name()));
        assert_eq!(c.threshold, Value::Text("Narrow"));
    }
}

#[test]
fn expertise_and_timeline_follow_their_flags() {
    assert!(passes(&ready(), Criterion::Expertise));
    assert!(passes(&ready(), Criterion::Timeline));
    let u = with(|u| u.profile.ml_expertise = false);
    assert!(!passes(&u, Criterion::Expertise));
    assert_eq!(
        check(&run(&u), Criterion::Expertise).value,
        Value::Bool(false)
    );
    let u = with(|u| u.profile.can_wait_weeks = false);
    assert!(!passes(&u, Criterion::Timeline));
    assert_eq!(
        check(&run(&u), Criterion::Timeline).value,
        Value::Bool(false)
    );
}

// ---------------------------------------------------------------- plateau

fn plateau(u: &UseCase) -> Check {
    check(&run(u), Criterion::Plateau).clone()
}

fn accuracies(values: &[f64]) -> Vec<Measurement> {
    let n = values.len() as u64;
    values
        .iter()
        .enumerate()
        .map(|(i, &a)| m(days_before((n - 1 - i as u64) * 30), a))
        .collect()
}

#[test]
fn plateau_needs_an_accuracy_target() {
    let u = with(|u| u.targets.accuracy = None);
    let c = plateau(&u);
    assert!(!c.passed);
    assert_eq!(c.value, Value::None);
    assert_eq!(c.threshold, Value::Real(0.02));
}

#[test]
fn plateau_fails_once_the_target_is_met() {
    let at_target = with(|u| u.measurements = accuracies(&[0.91, 0.915, 0.92]));
    assert!(!plateau(&at_target).passed, "at the target");
    let above = with(|u| u.measurements = accuracies(&[0.93, 0.935, 0.94]));
    assert!(!plateau(&above).passed, "above the target");
    let just_below = with(|u| u.measurements = accuracies(&[0.905, 0.91, 0.919]));
    assert!(plateau(&just_below).passed, "just below the target");
}

#[test]
fn plateau_needs_a_full_window_of_measurements() {
    let two = with(|u| u.measurements = accuracies(&[0.80, 0.80]));
    let c = plateau(&two);
    assert!(!c.passed);
    assert_eq!(c.value, Value::None);
    let none = with(|u| u.measurements.clear());
    assert!(!plateau(&none).passed);
    let three = with(|u| u.measurements = accuracies(&[0.80, 0.80, 0.80]));
    assert!(plateau(&three).passed);
}

#[test]
fn plateau_gain_must_be_strictly_below_the_maximum() {
    // 0.80 -> 0.82 is a gain of exactly 0.02 (not 0.0199999... in floating point).
    let exactly = with(|u| u.measurements = accuracies(&[0.80, 0.81, 0.82]));
    let c = plateau(&exactly);
    assert!(!c.passed, "{c:?}");
    assert_eq!(c.value, Value::Real(0.02));
    let below = with(|u| u.measurements = accuracies(&[0.80, 0.81, 0.819]));
    let c = plateau(&below);
    assert!(c.passed, "{c:?}");
    assert_eq!(c.value, Value::Real(0.019));
    // A drop is a plateau too.
    let drop = with(|u| u.measurements = accuracies(&[0.85, 0.82, 0.80]));
    assert!(plateau(&drop).passed);
}

#[test]
fn plateau_counts_only_the_last_window() {
    let u = with(|u| u.measurements = accuracies(&[0.50, 0.70, 0.80, 0.805, 0.81]));
    let c = plateau(&u);
    assert!(c.passed, "{c:?}");
    assert_eq!(c.value, Value::Real(0.01));
    // A wider window takes in the earlier climb.
    let wide = Policy {
        plateau_window: 5,
        ..Policy::default()
    };
    let a = assess(&u, &wide, as_of());
    let c = check(&a, Criterion::Plateau);
    assert!(!c.passed);
    assert_eq!(c.value, Value::Real(0.31));
}

#[test]
fn plateau_ignores_measurements_after_as_of() {
    let u = with(|u| {
        u.measurements
            .push(m(Date::from_ymd(2026, 11, 30).unwrap(), 0.85));
    });
    let c = plateau(&u);
    assert!(c.passed, "{c:?}");
    assert_eq!(c.value, Value::Real(0.01));
}

#[test]
fn plateau_sorts_measurements_by_date() {
    // Oldest first is 0.70, 0.80, 0.805, 0.81: the last three gain 0.01.
    // Taken in the listed order, the last three would gain 0.105.
    let u = with(|u| {
        u.measurements = vec![
            m(days_before(0), 0.81),
            m(days_before(90), 0.70),
            m(days_before(60), 0.80),
            m(days_before(30), 0.805),
        ]
    });
    let c = plateau(&u);
    assert!(c.passed, "{c:?}");
    assert_eq!(c.value, Value::Real(0.01));
}

// ---------------------------------------------------------------- verdicts

#[test]
fn verdicts_count_failing_gates() {
    assert_eq!(run(&ready()).verdict, Verdict::Ready);
    let one = with(|u| u.profile.budget_usd = 0);
    let a = run(&one);
    assert_eq!(a.verdict, Verdict::Almost);
    assert_eq!(a.failing_gates(), 1);
    let blockers: Vec<Criterion> = a.blockers().map(|c| c.criterion).collect();
    assert_eq!(blockers, [Criterion::Budget]);
    let two = with(|u| {
        u.profile.budget_usd = 0;
        u.profile.can_wait_weeks = false;
    });
    assert_eq!(run(&two).verdict, Verdict::NotYet);
    let all = with(|u| {
        u.profile = Profile {
            specificity: Specificity::General,
            daily_volume: 0,
            curated_examples: 0,
            ml_expertise: false,
            budget_usd: 0,
            can_wait_weeks: false,
            needs_consistency: false,
        };
        u.roi.clear();
        u.targets.accuracy = None;
    });
    let a = run(&all);
    assert_eq!(a.verdict, Verdict::NotYet);
    assert_eq!(a.failing_gates(), 8);
}

#[test]
fn only_gated_criteria_count() {
    let gated = Policy {
        gates: vec![Criterion::Data, Criterion::Volume],
        ..Policy::default()
    };
    // Budget and timeline fail, but are not gates.
    let u = with(|u| {
        u.profile.budget_usd = 0;
        u.profile.can_wait_weeks = false;
    });
    let a = assess(&u, &gated, as_of());
    assert_eq!(a.verdict, Verdict::Ready);
    let budget = check(&a, Criterion::Budget);
    assert!(!budget.passed && !budget.gate, "still shown, not gating");
    assert!(check(&a, Criterion::Data).gate);
    // A failing gate still counts.
    let u = with(|u| u.profile.curated_examples = 0);
    assert_eq!(assess(&u, &gated, as_of()).verdict, Verdict::Almost);
}

#[test]
fn no_gates_means_ready() {
    let none = Policy {
        gates: vec![],
        ..Policy::default()
    };
    let u = with(|u| {
        u.profile.curated_examples = 0;
        u.profile.daily_volume = 0;
        u.profile.specificity = Specificity::General;
    });
    let a = assess(&u, &none, as_of());
    assert_eq!(a.verdict, Verdict::Ready);
    assert_eq!(a.criteria.len(), 8, "criteria are still explained");
    assert!(a.criteria.iter().all(|c| !c.gate));
}

#[test]
fn not_applicable_when_fine_tuned_hybrid_or_retired() {
    let fine_tuned = with(|u| {
        u.approach = Approach::FineTuned {
            method: Method::Lora,
            base_model: "llama".to_owned(),
            dataset: "d".to_owned(),
        }
    });
    let hybrid = with(|u| {
        u.approach = Approach::Hybrid {
            prompting: "p".to_owned(),
            fine_tuned: "f".to_owned(),
        }
    });
    let other = with(|u| {
        u.approach = Approach::Other {
            description: "Classical ML".to_owned(),
        }
    });
    let retired = with(|u| u.stage = Stage::Retired);
    for (u, because) in [
        (fine_tuned, "already FineTuned"),
        (hybrid, "already Hybrid"),
        (other, "not a language-model approach"),
        (retired, "retired"),
    ] {
        let a = run(&u);
        assert_eq!(a.verdict, Verdict::NotApplicable);
        let why = a.not_applicable_because.as_deref().unwrap_or_default();
        assert!(why.starts_with(because), "{why}");
        assert!(a.criteria.is_empty());
        assert_eq!(a.failing_gates(), 0);
    }
}

// ---------------------------------------------------------------- flags

fn latest_days_ago(days: u64) -> UseCase {
    with(|u| u.measurements = vec![m(days_before(days + 30), 0.80), m(days_before(days), 0.80)])
}

#[test]
fn stale_after_more_than_stale_after_days() {
    assert_eq!(flags(&latest_days_ago(120), &policy(), as_of()), vec![]);
    assert_eq!(
        flags(&latest_days_ago(121), &policy(), as_of()),
        vec![Flag::Stale]
    );
    let none = with(|u| u.measurements.clear());
    assert_eq!(flags(&none, &policy(), as_of()), vec![Flag::Stale]);
    // A measurement after as-of does not freshen the use case.
    let future = with(|u| u.measurements = vec![m(Date::from_ymd(2026, 11, 1).unwrap(), 0.8)]);
    assert_eq!(flags(&future, &policy(), as_of()), vec![Flag::Stale]);
    // The policy sets the window.
    let strict = Policy {
        stale_after_days: 30,
        ..Policy::default()
    };
    assert_eq!(flags(&latest_days_ago(30), &strict, as_of()), vec![]);
    assert_eq!(
        flags(&latest_days_ago(31), &strict, as_of()),
        vec![Flag::Stale]
    );
}

#[test]
fn regression_when_the_drop_exceeds_the_limit() {
    let drop = |from: f64, to: f64| {
        let u = with(|u| u.measurements = vec![m(days_before(30), from), m(days_before(0), to)]);
        flags(&u, &policy(), as_of())
    };
    assert_eq!(drop(0.80, 0.76), vec![Flag::Regression]);
    assert_eq!(
        drop(0.80, 0.77),
        vec![],
        "a drop of exactly 0.03 is not a regression"
    );
    assert_eq!(drop(0.80, 0.769), vec![Flag::Regression]);
    assert_eq!(drop(0.76, 0.80), vec![]);
}

#[test]
fn regression_compares_the_last_two_by_date_up_to_as_of() {
    // Listed out of order: by date the last two are 0.80 then 0.70.
    let u = with(|u| {
        u.measurements = vec![
            m(days_before(0), 0.70),
            m(days_before(60), 0.90),
            m(days_before(30), 0.80),
        ]
    });
    assert_eq!(flags(&u, &policy(), as_of()), vec![Flag::Regression]);
    // A drop measured after as-of is not seen yet.
    let u = with(|u| {
        u.measurements = vec![
            m(days_before(10), 0.80),
            m(Date::from_ymd(2026, 12, 1).unwrap(), 0.50),
        ]
    });
    assert_eq!(flags(&u, &policy(), as_of()), vec![]);
}

#[test]
fn flags_apply_to_every_approach_but_not_once_retired() {
    let stale_and_dropping = |approach: Approach, stage: Stage| {
        let mut u = ready();
        u.approach = approach;
        u.stage = stage;
        u.measurements = vec![m(days_before(230), 0.90), m(days_before(200), 0.80)];
        run(&u).flags
    };
    let fine_tuned = Approach::FineTuned {
        method: Method::Qlora,
        base_model: "b".to_owned(),
        dataset: "d".to_owned(),
    };
    let both = vec![Flag::Stale, Flag::Regression];
    assert_eq!(
        stale_and_dropping(fine_tuned.clone(), Stage::Evaluate),
        both
    );
    assert_eq!(stale_and_dropping(ready().approach, Stage::Collect), both);
    assert_eq!(
        stale_and_dropping(
            Approach::Hybrid {
                prompting: "p".to_owned(),
                fine_tuned: "f".to_owned()
            },
            Stage::Evaluate
        ),
        both
    );
    assert_eq!(
        stale_and_dropping(
            Approach::Other {
                description: "Computer vision".to_owned()
            },
            Stage::Evaluate
        ),
        both
    );
    assert_eq!(stale_and_dropping(fine_tuned, Stage::Retired), vec![]);
    assert_eq!(stale_and_dropping(ready().approach, Stage::Retired), vec![]);
}

// ---------------------------------------------------------------- JSON

/// A register holding `cases`, loaded the way the command line loads it.
fn register(cases: &[(&str, &UseCase)]) -> ripen::register::Register {
    let bytes = |s: String| Content::Bytes(s.into_bytes());
    let mut files = vec![
        SourceFile {
            rel: "register.ron".to_owned(),
            content: bytes(canonical::settings(&Settings::new("Test"))),
        },
        SourceFile {
            rel: "policy.ron".to_owned(),
            content: bytes(canonical::policy(&Policy::default())),
        },
    ];
    for (id, u) in cases {
        files.push(SourceFile {
            rel: format!("use-cases/{id}.ron"),
            content: bytes(canonical::use_case(u)),
        });
    }
    let reg = load(
        &Snapshot {
            root: "state".to_owned(),
            files,
        },
        Some(as_of()),
        as_of(),
    );
    assert_eq!(reg.diagnostics, vec![]);
    reg
}

#[test]
fn ready_row_json_shape() {
    let almost = with(|u| {
        u.targets.accuracy = None;
        u.measurements.clear();
    });
    let retired = with(|u| u.stage = Stage::Retired);
    let not_yet = with(|u| {
        u.profile.ml_expertise = false;
        u.profile.can_wait_weeks = false;
    });
    let reg = register(&[
        ("a-ready", &ready()),
        ("b-almost", &almost),
        ("c-not-yet", &not_yet),
        ("d-retired", &retired),
    ]);
    let assessments = report::assess_all(&reg);
    let rows: Vec<serde_json::Value> = (0..reg.use_cases.len())
        .map(|i| serde_json::to_value(report::ready_row(&reg, &assessments, i)).unwrap())
        .collect();

    let verdicts: Vec<&str> = rows
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["ready", "almost", "not-yet", "not-applicable"]);

    let r = &rows[0];
    assert_eq!(r["id"], "a-ready");
    assert_eq!(r["title"], "Ticket routing");
    assert_eq!(r["flags"], json!([]));
    let criteria = r["criteria"].as_array().unwrap();
    let names: Vec<&str> = criteria
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "data",
            "volume",
            "specificity",
            "proven_value",
            "plateau",
            "expertise",
            "budget",
            "timeline"
        ]
    );
    let by_name = |row: &serde_json::Value, name: &str| -> serde_json::Value {
        row["criteria"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == name)
            .unwrap()
            .clone()
    };
    let data = by_name(r, "data");
    assert_eq!(data["passed"], true);
    assert_eq!(data["value"], json!(1000));
    assert_eq!(data["threshold"], json!(1000));
    assert!(data["value"].is_u64(), "counts are integers in JSON");
    let specificity = by_name(r, "specificity");
    assert_eq!(
        (&specificity["value"], &specificity["threshold"]),
        (&json!("Narrow"), &json!("Narrow"))
    );
    let plateau = by_name(r, "plateau");
    assert_eq!(plateau["value"], json!(0.01));
    assert_eq!(plateau["threshold"], json!(0.02));
    let expertise = by_name(r, "expertise");
    assert_eq!(
        (&expertise["value"], &expertise["threshold"]),
        (&json!(true), &json!(true))
    );
    let proven = by_name(r, "proven_value");
    assert_eq!(proven["value"], json!(25000));

    // No target and no measurements: plateau fails with a null value, and
    // the use case is flagged stale.
    let r = &rows[1];
    let plateau = by_name(r, "plateau");
    assert_eq!(plateau["passed"], false);
    assert!(plateau["value"].is_null(), "{plateau}");
    assert_eq!(r["flags"], json!(["stale"]));

    let r = &rows[2];
    assert_eq!(by_name(r, "expertise")["passed"], false);
    assert_eq!(by_name(r, "expertise")["value"], false);

    let r = &rows[3];
    assert_eq!(r["verdict"], "not-applicable");
    assert_eq!(r["criteria"], json!([]));
    assert_eq!(r["flags"], json!([]));
    assert_eq!(r["not_applicable_because"], "retired");

    for r in &rows {
        for key in ["id", "title", "verdict", "criteria", "flags"] {
            assert!(r.get(key).is_some(), "{key} missing in {r}");
        }
        for c in r["criteria"].as_array().unwrap() {
            assert!(c["name"].is_string() && c["passed"].is_boolean(), "{c}");
            assert!(
                c.get("value").is_some() && c.get("threshold").is_some(),
                "{c}"
            );
        }
    }
}

#[test]
fn flags_serialize_as_kebab_case_words() {
    assert_eq!(
        serde_json::to_value([Flag::Stale, Flag::Regression]).unwrap(),
        json!(["stale", "regression"])
    );
    for v in [
        Verdict::Ready,
        Verdict::Almost,
        Verdict::NotYet,
        Verdict::NotApplicable,
    ] {
        assert_eq!(serde_json::to_value(v).unwrap(), json!(v.label()));
    }
}

#[test]
fn a_prompting_use_case_in_finetune_is_underway_whatever_its_gates_say() {
    let policy = Policy::default();
    let mut u = ready();
    assert_eq!(assess(&u, &policy, as_of()).verdict, Verdict::Ready);
    u.stage = Stage::FineTune;
    let a = assess(&u, &policy, as_of());
    assert_eq!(a.verdict, Verdict::Underway);
    assert_eq!(a.verdict.phrase(), "fine-tuning underway");
    assert!(a.verdict.explanation().is_some());
    // The criteria still say where it stands.
    assert!(a.criteria.iter().all(|c| c.passed || !c.gate));
    // In production with prompting (Evaluate), the question is open again.
    u.stage = Stage::Evaluate;
    assert_eq!(assess(&u, &policy, as_of()).verdict, Verdict::Ready);
    // A new use case with no measurement is not stale; one in Collect is.
    let mut fresh = ready();
    fresh.measurements.clear();
    fresh.stage = Stage::Identify;
    assert_eq!(flags(&fresh, &policy, as_of()), Vec::<Flag>::new());
    fresh.stage = Stage::Collect;
    assert_eq!(flags(&fresh, &policy, as_of()), vec![Flag::Stale]);
}

/// Readiness gates the step from prompting to fine-tuning: moving a
/// prompting use case that is not ready into FineTune needs an override,
/// moving one already fine-tuned (a retraining) does not.
#[test]
fn only_a_prompting_use_case_needs_an_override_to_enter_fine_tune() {
    let policy = Policy::default();
    let mut u = ready();
    u.profile.curated_examples = 0;
    let a = assess(&u, &policy, as_of());
    assert_ne!(a.verdict, Verdict::Ready);
    let why = ripen::change::override_needed(&u, Stage::FineTune, &a)
        .expect("a prompting use case that is not ready needs an override");
    assert!(why.contains("not `ready`"), "{why}");
    assert_eq!(
        ripen::change::override_needed(&u, Stage::Evaluate, &a),
        None
    );

    u.approach = Approach::FineTuned {
        method: Method::Lora,
        base_model: "base".to_owned(),
        dataset: "tickets-2026".to_owned(),
    };
    let a = assess(&u, &policy, as_of());
    assert_eq!(a.verdict, Verdict::NotApplicable);
    assert_eq!(
        ripen::change::override_needed(&u, Stage::FineTune, &a),
        None
    );
}

/// The optional ninth gate: absent from the default policy, it fails where
/// fine-tuning does not pay back within `max_payback_months`.
#[test]
fn the_payback_gate_weighs_payback_only_where_a_policy_lists_it() {
    let u = ready();
    // Not gated: not even shown, and the verdict stands.
    let a = run(&u);
    assert!(a.criteria.iter().all(|c| c.criterion != Criterion::Payback));
    assert_eq!(a.verdict, Verdict::Ready);
    let mut gated = policy();
    gated.gates.push(Criterion::Payback);
    // 1,000 requests a day at USD 5.00 per 1k: USD 152.08 a month, less
    // than hosting alone, so it does not pay back on cost.
    let a = assess(&u, &gated, as_of());
    let c = check(&a, Criterion::Payback);
    assert!(c.gate && !c.passed);
    assert_eq!(
        c.detail,
        "does not pay back on cost (break-even at 3,758 requests a day) (max 12 months)"
    );
    assert_eq!(a.verdict, Verdict::Almost);
    // 20,000 a day: USD 3,041.67 a month; fine-tuned 912.50 + 400; saving
    // 1,729.17; 12,000 / 1,729.17 = 6.94: 7.0 months.
    let mut busy = u.clone();
    busy.profile.daily_volume = 20_000;
    let a = assess(&busy, &gated, as_of());
    assert_eq!(
        check(&a, Criterion::Payback).detail,
        "pays back in 7.0 months (max 12)"
    );
    assert_eq!(a.verdict, Verdict::Ready);
    // A stricter policy: 6 months.
    let mut strict = gated.clone();
    strict.economics = Some(ripen::economics::CostModel {
        max_payback_months: 6,
        ..Default::default()
    });
    let a = assess(&busy, &strict, as_of());
    assert!(!check(&a, Criterion::Payback).passed);
    // No measurement: nothing to weigh, so it fails and says why.
    let mut bare = busy.clone();
    bare.measurements.clear();
    let a = assess(&bare, &gated, as_of());
    assert_eq!(
        check(&a, Criterion::Payback).detail,
        "no measurement yet, so no measured cost per 1k requests to weigh"
    );
}

#[test]
fn a_mixed_task_whose_other_gates_pass_is_advised_a_hybrid() {
    let mut u = ready();
    u.profile.specificity = Specificity::Mixed;
    let a = run(&u);
    assert_eq!(a.verdict, Verdict::Almost);
    let hybrid = a.signals.iter().find(|s| s.name == "hybrid").unwrap();
    assert!(hybrid.present);
    assert!(hybrid.detail.contains("hybrid"), "{}", hybrid.detail);
    // Another gate failing too: no advice yet.
    u.profile.ml_expertise = false;
    assert!(run(&u).signals.iter().all(|s| s.name != "hybrid"));
    // A narrow task: none either.
    assert!(run(&ready()).signals.iter().all(|s| s.name != "hybrid"));
}

#[test]
fn a_vendor_price_older_than_the_policy_allows_is_flagged() {
    let mut p = policy();
    p.economics = Some(ripen::economics::CostModel {
        prices: vec![ripen::economics::VendorPrice {
            item: ripen::economics::PriceItem::Hosting,
            usd: 300,
            source: "price list".to_owned(),
            as_of: days_before(181),
        }],
        ..Default::default()
    });
    assert!(
        assess(&ready(), &p, as_of())
            .flags
            .contains(&Flag::StalePrices)
    );
    if let Some(e) = p.economics.as_mut() {
        e.prices[0].as_of = days_before(180);
    }
    assert!(
        !assess(&ready(), &p, as_of())
            .flags
            .contains(&Flag::StalePrices)
    );
}

mod outcome_agrees {
    //! The what-if evaluates with `readiness::outcome`, without the words:
    //! it must say what `assess` says, criterion by criterion.
    use super::*;
    use proptest::prelude::*;
    use ripen::readiness::{outcome, outcome_index};

    proptest! {
        #[test]
        fn outcome_says_what_assess_says(
            examples in 0u64..3000, volume in 0u64..30_000, budget in 0u64..60_000,
            spec in 0usize..3, expertise: bool, wait: bool,
            accuracies in prop::collection::vec(0.5f64..1.0, 0..6),
            cost in 0.0f64..20.0, target in prop::option::of(0.6f64..1.0),
            roi_usd in 0u64..60_000, stage in 0usize..5, prompting: bool,
            gates in prop::sample::subsequence(
                vec![Criterion::Data, Criterion::Volume, Criterion::Specificity,
                     Criterion::ProvenValue, Criterion::Plateau, Criterion::Expertise,
                     Criterion::Budget, Criterion::Timeline, Criterion::Payback], 0..=9),
            window in 2u32..5, max_gain in 0.0f64..0.05, hosting in 0u64..2000,
        ) {
            let mut u = ready();
            u.profile.curated_examples = examples;
            u.profile.daily_volume = volume;
            u.profile.budget_usd = budget;
            u.profile.specificity = [Specificity::General, Specificity::Mixed, Specificity::Narrow][spec];
            u.profile.ml_expertise = expertise;
            u.profile.can_wait_weeks = wait;
            u.targets.accuracy = target;
            u.stage = Stage::ALL[stage];
            if !prompting {
                u.approach = Approach::FineTuned {
                    method: Method::Lora,
                    base_model: "b".to_owned(),
                    dataset: "d".to_owned(),
                };
            }
            u.measurements = accuracies
                .iter()
                .enumerate()
                .map(|(i, a)| {
                    let mut x = m(days_before(30 * (accuracies.len() - i) as u64), *a);
                    x.cost_per_1k_usd = cost;
                    x
                })
                .collect();
            u.roi = vec![roi(days_before(10), roi_usd, Confidence::Measured)];
            let mut p = policy();
            p.gates = gates;
            p.plateau_window = window;
            p.plateau_max_gain = max_gain;
            p.economics = Some(ripen::economics::CostModel {
                monthly_hosting_usd: hosting,
                ..Default::default()
            });
            let a = assess(&u, &p, as_of());
            let o = outcome(&u, &p, as_of());
            prop_assert_eq!(o.verdict, a.verdict);
            prop_assert_eq!(o.stale, a.flags.contains(&Flag::Stale));
            prop_assert_eq!(o.regression, a.flags.contains(&Flag::Regression));
            let evaluated = o.checks.iter().filter(|c| c.is_some()).count();
            prop_assert_eq!(evaluated, a.criteria.len());
            for c in &a.criteria {
                prop_assert_eq!(o.checks[outcome_index(c.criterion)], Some((c.passed, c.gate)), "{:?}", c.criterion);
            }
        }
    }
}
