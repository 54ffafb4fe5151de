//! The semantic diff: `ripen::diff` on registers built in memory, and
//! `ripen diff` run on real git repositories.

mod support;

use std::fs;
use std::path::Path;
use support::run::Run;

use git2::{Oid, Repository, Signature};
use ripen::diff::{self, FieldChange, FieldValue, Status};
use ripen::model::{
    Approach, Confidence, Criterion, Date, Measurement, Method, Period, Policy, Profile, Risk,
    RoiEntry, RoiKind, Settings, Specificity, Stage, Targets, Technique, UseCase, UseCaseId,
    canonical,
};
use ripen::readiness::Verdict;
use ripen::register::{Entry, Register};
use serde_json::{Value, json};

// ---------------------------------------------------------------------------
// Building registers
// ---------------------------------------------------------------------------

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

fn measurement(d: &str, accuracy: f64) -> Measurement {
    Measurement {
        date: date(d),
        accuracy,
        consistency: 0.7,
        p95_latency_ms: 900,
        cost_per_1k_usd: 2.5,
        satisfaction: 4.0,
        source: format!("eval/{d}"),
    }
}

fn roi(d: &str, value_usd: u64, kind: RoiKind) -> RoiEntry {
    RoiEntry {
        date: date(d),
        kind,
        value_usd,
        period: Period::Quarter,
        evidence: format!("roi/{d}.md"),
        confidence: Confidence::Measured,
    }
}

/// A prompting use case that is `ready` at 2026-04-15 under the default
/// policy: every gate passes.
fn ready_case() -> UseCase {
    UseCase {
        title: "Contract review".to_owned(),
        summary: "Flags risky clauses.".to_owned(),
        owner: "ana@example.com".to_owned(),
        team: "Legal".to_owned(),
        stage: Stage::Collect,
        approach: Approach::Prompting {
            technique: Technique::FewShot,
            model: "gpt-4o".to_owned(),
        },
        risk: Risk::Limited,
        profile: Profile {
            specificity: Specificity::Narrow,
            daily_volume: 5000,
            curated_examples: 5000,
            ml_expertise: true,
            budget_usd: 100_000,
            can_wait_weeks: true,
            needs_consistency: false,
        },
        targets: Targets {
            accuracy: Some(0.9),
            p95_latency_ms: Some(1500),
            cost_per_1k_usd: None,
        },
        measurements: vec![
            measurement("2026-01-31", 0.80),
            measurement("2026-02-28", 0.805),
            measurement("2026-03-31", 0.81),
        ],
        roi: vec![roi("2026-03-31", 30_000, RoiKind::TimeSaved)],
        notes: "Plateaued.".to_owned(),
        source: None,
        economics: None,
        baseline_until: None,
    }
}

fn as_of() -> Date {
    date("2026-04-15")
}

fn register(cases: Vec<(&str, UseCase)>) -> Register {
    register_with(Some(Settings::new("Acme")), Some(Policy::default()), cases)
}

fn register_with(
    settings: Option<Settings>,
    policy: Option<Policy>,
    cases: Vec<(&str, UseCase)>,
) -> Register {
    let mut use_cases: Vec<Entry> = cases
        .into_iter()
        .map(|(id, u)| Entry {
            id: UseCaseId::new(id).unwrap(),
            rel: format!("use-cases/{id}.ron"),
            original: canonical::use_case(&u).into_bytes().into(),
            use_case: u,
        })
        .collect();
    use_cases.sort_by(|a, b| a.id.cmp(&b.id));
    Register {
        root: "state".to_owned(),
        settings,
        policy,
        access: None,
        as_of: as_of(),
        use_cases,
        diagnostics: Vec::new(),
    }
}

/// The field changes between two versions of one use case, as JSON.
fn changes(a: &UseCase, b: &UseCase) -> Value {
    serde_json::to_value(diff::diff_use_cases(a, b)).unwrap()
}

fn change(field: &str, from: Value, to: Value) -> Value {
    json!({"field": field, "from": from, "to": to})
}

// ---------------------------------------------------------------------------
// Field by field
// ---------------------------------------------------------------------------

#[test]
fn identical_use_cases_have_no_changes() {
    assert!(diff::diff_use_cases(&ready_case(), &ready_case()).is_empty());
}

#[test]
fn every_top_level_field() {
    let a = ready_case();
    let mut b = a.clone();
    b.title = "Contract review v2".to_owned();
    b.summary = "Flags risky clauses and suggests edits.".to_owned();
    b.owner = "ben@example.com".to_owned();
    b.team = "Legal Ops".to_owned();
    b.stage = Stage::FineTune;
    b.risk = Risk::High;
    b.notes = "Ready.".to_owned();
    assert_eq!(
        changes(&a, &b),
        json!([
            change(
                "title",
                json!("Contract review"),
                json!("Contract review v2")
            ),
            change(
                "summary",
                json!("Flags risky clauses."),
                json!("Flags risky clauses and suggests edits.")
            ),
            change("owner", json!("ana@example.com"), json!("ben@example.com")),
            change("team", json!("Legal"), json!("Legal Ops")),
            change("stage", json!("Collect"), json!("FineTune")),
            change("risk", json!("Limited"), json!("High")),
            change("notes", json!("Plateaued."), json!("Ready.")),
        ])
    );
}

#[test]
fn every_profile_field() {
    let a = ready_case();
    let mut b = a.clone();
    b.profile = Profile {
        specificity: Specificity::Mixed,
        daily_volume: 4000,
        curated_examples: 800,
        ml_expertise: false,
        budget_usd: 5000,
        can_wait_weeks: false,
        needs_consistency: true,
    };
    assert_eq!(
        changes(&a, &b),
        json!([
            change("profile.specificity", json!("Narrow"), json!("Mixed")),
            change("profile.daily_volume", json!(5000), json!(4000)),
            change("profile.curated_examples", json!(5000), json!(800)),
            change("profile.ml_expertise", json!(true), json!(false)),
            change("profile.budget_usd", json!(100_000), json!(5000)),
            change("profile.can_wait_weeks", json!(true), json!(false)),
            change("profile.needs_consistency", json!(false), json!(true)),
        ])
    );
}

#[test]
fn every_targets_field_including_some_to_none() {
    let a = ready_case();
    let mut b = a.clone();
    b.targets = Targets {
        accuracy: None,
        p95_latency_ms: Some(1200),
        cost_per_1k_usd: Some(3.5),
    };
    assert_eq!(
        changes(&a, &b),
        json!([
            change("targets.accuracy", json!(0.9), Value::Null),
            change("targets.p95_latency_ms", json!(1500), json!(1200)),
            change("targets.cost_per_1k_usd", Value::Null, json!(3.5)),
        ])
    );
    let typed = diff::diff_use_cases(&a, &b);
    assert_eq!(
        typed[0],
        FieldChange::new("targets.accuracy", FieldValue::Real(0.9), FieldValue::None)
    );
}

#[test]
fn approach_inner_field_change() {
    let a = ready_case();
    let mut b = a.clone();
    b.approach = Approach::Prompting {
        technique: Technique::Retrieval,
        model: "gpt-4.1".to_owned(),
    };
    assert_eq!(
        changes(&a, &b),
        json!([
            change("approach.technique", json!("FewShot"), json!("Retrieval")),
            change("approach.model", json!("gpt-4o"), json!("gpt-4.1")),
        ])
    );
    let mut c = a.clone();
    c.approach = Approach::Prompting {
        technique: Technique::FewShot,
        model: "gpt-4.1".to_owned(),
    };
    assert_eq!(
        changes(&a, &c),
        json!([change("approach.model", json!("gpt-4o"), json!("gpt-4.1"))])
    );
}

#[test]
fn approach_variant_change() {
    let a = ready_case();
    let mut b = a.clone();
    b.approach = Approach::FineTuned {
        method: Method::Lora,
        base_model: "llama-3-8b".to_owned(),
        dataset: "contracts-v1".to_owned(),
    };
    assert_eq!(
        changes(&a, &b),
        json!([
            change("approach", json!("Prompting"), json!("FineTuned")),
            change("approach.technique", json!("FewShot"), Value::Null),
            change("approach.model", json!("gpt-4o"), Value::Null),
            change("approach.method", Value::Null, json!("Lora")),
            change("approach.base_model", Value::Null, json!("llama-3-8b")),
            change("approach.dataset", Value::Null, json!("contracts-v1")),
        ])
    );
    let mut h = a.clone();
    h.approach = Approach::Hybrid {
        prompting: "router".to_owned(),
        fine_tuned: "extractor".to_owned(),
    };
    let hybrid = changes(&b, &h);
    assert_eq!(
        hybrid[0],
        change("approach", json!("FineTuned"), json!("Hybrid"))
    );
    assert_eq!(
        hybrid[4],
        change("approach.prompting", Value::Null, json!("router"))
    );
    assert_eq!(
        hybrid[5],
        change("approach.fine_tuned", Value::Null, json!("extractor"))
    );
}

#[test]
fn measurements_added_and_removed_by_date() {
    let a = ready_case();
    let mut b = a.clone();
    // Remove the oldest, add a newer one.
    b.measurements.remove(0);
    b.measurements.push(measurement("2026-04-30", 0.83));
    let got = changes(&a, &b);
    assert_eq!(
        got,
        json!([
            change(
                "measurements",
                json!({
                    "date": "2026-01-31", "accuracy": 0.8, "consistency": 0.7,
                    "p95_latency_ms": 900, "cost_per_1k_usd": 2.5,
                    "satisfaction": 4.0, "source": "eval/2026-01-31"
                }),
                Value::Null
            ),
            change(
                "measurements",
                Value::Null,
                json!({
                    "date": "2026-04-30", "accuracy": 0.83, "consistency": 0.7,
                    "p95_latency_ms": 900, "cost_per_1k_usd": 2.5,
                    "satisfaction": 4.0, "source": "eval/2026-04-30"
                })
            ),
        ])
    );
    let typed = diff::diff_use_cases(&a, &b);
    assert!(typed[0].is_removed_entry() && !typed[0].is_added_entry());
    assert!(typed[1].is_added_entry() && !typed[1].is_removed_entry());
}

#[test]
fn a_measurement_edited_in_place_is_removed_then_added() {
    let a = ready_case();
    let mut b = a.clone();
    b.measurements[1].accuracy = 0.9;
    let got = diff::diff_use_cases(&a, &b);
    assert_eq!(got.len(), 2);
    assert_eq!(
        got[0],
        FieldChange::new(
            "measurements",
            FieldValue::Measurement(a.measurements[1].clone()),
            FieldValue::None
        )
    );
    assert_eq!(
        got[1],
        FieldChange::new(
            "measurements",
            FieldValue::None,
            FieldValue::Measurement(b.measurements[1].clone())
        )
    );
}

#[test]
fn reordering_a_list_is_no_change() {
    let a = ready_case();
    let mut b = a.clone();
    b.measurements.reverse();
    assert!(diff::diff_use_cases(&a, &b).is_empty());
}

#[test]
fn roi_added_and_removed_even_on_one_date() {
    let mut a = ready_case();
    a.roi
        .push(roi("2026-03-31", 25_000, RoiKind::RiskReduction));
    let mut b = a.clone();
    b.roi.remove(1); // the RiskReduction entry of 2026-03-31
    b.roi.insert(0, roi("2025-12-31", 9_000, RoiKind::Revenue));
    let got = changes(&a, &b);
    assert_eq!(
        got,
        json!([
            change(
                "roi",
                Value::Null,
                json!({
                    "date": "2025-12-31", "kind": "Revenue", "value_usd": 9000,
                    "period": "Quarter", "evidence": "roi/2025-12-31.md",
                    "confidence": "Measured"
                })
            ),
            change(
                "roi",
                json!({
                    "date": "2026-03-31", "kind": "RiskReduction", "value_usd": 25000,
                    "period": "Quarter", "evidence": "roi/2026-03-31.md",
                    "confidence": "Measured"
                }),
                Value::Null
            ),
        ])
    );
}

#[test]
fn list_entries_show_in_canonical_form_and_text_is_sanitized() {
    let m = measurement("2026-01-31", 0.8);
    assert_eq!(
        FieldValue::Measurement(m.clone()).to_string(),
        canonical::measurement(&m)
    );
    let r = roi("2026-03-31", 10, RoiKind::CostSaving);
    assert_eq!(
        FieldValue::Roi(r.clone()).to_string(),
        canonical::roi_entry(&r)
    );
    assert_eq!(
        FieldValue::Text("evil\u{1b}[31m".to_owned()).to_string(),
        "\"evil\\u{1b}[31m\""
    );
    assert_eq!(
        FieldValue::Name("FineTune".to_owned()).to_string(),
        "FineTune"
    );
    assert_eq!(FieldValue::Real(0.9).to_string(), "0.9");
    assert_eq!(FieldValue::None.to_string(), "none");
}

// ---------------------------------------------------------------------------
// Settings and policy
// ---------------------------------------------------------------------------

#[test]
fn settings_changes() {
    let a = Settings::new("Acme");
    let mut b = a.clone();
    b.name = "Acme Group".to_owned();
    b.fiscal_year_start_month = 4;
    b.currency = "EUR".to_owned();
    b.as_of = Some(date("2026-06-30"));
    let got = serde_json::to_value(diff::diff_settings(Some(&a), Some(&b))).unwrap();
    assert_eq!(
        got,
        json!([
            change("name", json!("Acme"), json!("Acme Group")),
            change("fiscal_year_start_month", json!(1), json!(4)),
            change("currency", json!("USD"), json!("EUR")),
            change("as_of", Value::Null, json!("2026-06-30")),
        ])
    );
    // A missing register.ron compares as every field absent.
    let missing = diff::diff_settings(None, Some(&a));
    assert_eq!(missing.len(), 4, "{missing:?}"); // as_of is None on both sides
    assert!(missing.iter().all(|c| c.from.is_none()));
}

#[test]
fn policy_changes_and_gates() {
    let a = Policy::default();
    let mut b = a.clone();
    b.min_curated_examples = 6000;
    b.plateau_max_gain = 0.01;
    b.gates.retain(|g| *g != Criterion::Budget);
    b.gates.reverse(); // order does not matter
    let got = serde_json::to_value(diff::diff_policies(Some(&a), Some(&b))).unwrap();
    assert_eq!(
        got,
        json!([
            change("min_curated_examples", json!(1000), json!(6000)),
            change("plateau_max_gain", json!(0.02), json!(0.01)),
            change("gates", json!("Budget"), Value::Null),
        ])
    );
    let back = serde_json::to_value(diff::diff_policies(Some(&b), Some(&a))).unwrap();
    assert_eq!(back[2], change("gates", Value::Null, json!("Budget")));
    assert!(diff::diff_policies(Some(&a), Some(&a)).is_empty());
}

// ---------------------------------------------------------------------------
// Whole registers
// ---------------------------------------------------------------------------

#[test]
fn identical_registers_have_no_differences() {
    let r = register(vec![("a", ready_case())]);
    let d = diff::diff(&r, &r);
    assert!(d.is_empty(), "{d:?}");
    assert_eq!(d.as_of.before, as_of());
}

#[test]
fn added_removed_renamed_changed_with_verdicts() {
    let mut almost = ready_case();
    almost.profile.curated_examples = 500; // data fails: almost
    let mut other = ready_case();
    other.title = "Invoice matching".to_owned();
    let mut gone = ready_case();
    gone.title = "Retired idea".to_owned();
    gone.stage = Stage::Retired;

    let before = register(vec![
        ("contract-review", almost.clone()),
        ("invoice-match", other.clone()),
        ("old-idea", gone),
    ]);
    let after = register(vec![
        ("contract-review", ready_case()),
        ("invoice-matching", other),
        ("new-idea", UseCase::scaffold("New", "n@example.com", "Lab")),
    ]);
    let d = diff::diff(&before, &after);
    assert!(d.settings.is_empty() && d.policy.is_empty());
    let summary: Vec<(&str, Status, Option<&str>)> = d
        .use_cases
        .iter()
        .map(|u| (u.id.as_str(), u.status, u.renamed_from.as_deref()))
        .collect();
    assert_eq!(
        summary,
        vec![
            ("contract-review", Status::Changed, None),
            ("invoice-matching", Status::Renamed, Some("invoice-match")),
            ("new-idea", Status::Added, None),
            ("old-idea", Status::Removed, None),
        ]
    );
    let cr = &d.use_cases[0];
    assert_eq!(
        cr.changes,
        vec![FieldChange::new(
            "profile.curated_examples",
            FieldValue::Int(500),
            FieldValue::Int(5000)
        )]
    );
    assert_eq!(cr.verdict.before, Some(Verdict::Almost));
    assert_eq!(cr.verdict.after, Some(Verdict::Ready));
    let renamed = &d.use_cases[1];
    assert!(renamed.changes.is_empty());
    assert_eq!(renamed.verdict.before, Some(Verdict::Ready));
    assert_eq!(renamed.verdict.after, Some(Verdict::Ready));
    assert!(!renamed.verdict.changed());
    assert_eq!(d.use_cases[2].verdict.before, None);
    assert_eq!(d.use_cases[2].verdict.after, Some(Verdict::NotYet));
    assert_eq!(d.use_cases[3].verdict.before, Some(Verdict::NotApplicable));
    assert_eq!(d.use_cases[3].verdict.after, None);
    assert_eq!(d.count(Status::Renamed), 1);
    assert_eq!(d.verdicts_changed(), 3);
}

#[test]
fn a_rename_with_changes_is_a_removal_and_an_addition() {
    let before = register(vec![("a", ready_case())]);
    let mut changed = ready_case();
    changed.notes = "Moved.".to_owned();
    let after = register(vec![("b", changed)]);
    let d = diff::diff(&before, &after);
    let statuses: Vec<_> = d
        .use_cases
        .iter()
        .map(|u| (u.id.as_str(), u.status))
        .collect();
    assert_eq!(statuses, vec![("a", Status::Removed), ("b", Status::Added)]);
}

#[test]
fn a_policy_change_moves_verdicts_of_unchanged_use_cases() {
    let before = register(vec![("a", ready_case()), ("b", ready_case())]);
    let strict = Policy {
        min_curated_examples: 6000,
        ..Policy::default()
    };
    let after = register_with(
        Some(Settings::new("Acme")),
        Some(strict),
        vec![("a", ready_case()), ("b", ready_case())],
    );
    let d = diff::diff(&before, &after);
    assert_eq!(
        serde_json::to_value(&d.policy).unwrap(),
        json!([change("min_curated_examples", json!(1000), json!(6000))])
    );
    assert_eq!(d.use_cases.len(), 2);
    for u in &d.use_cases {
        assert_eq!(u.status, Status::Unchanged);
        assert!(u.changes.is_empty());
        assert_eq!(u.verdict.before, Some(Verdict::Ready));
        assert_eq!(u.verdict.after, Some(Verdict::Almost));
    }
}

#[test]
fn each_register_is_judged_at_its_own_as_of_date() {
    let before = register(vec![("a", ready_case())]);
    let mut after = register(vec![("a", ready_case())]);
    // Two years on, the ROI is out of the 365-day window: almost.
    after.as_of = date("2028-04-15");
    let d = diff::diff(&before, &after);
    assert_eq!(d.as_of.after, date("2028-04-15"));
    assert_eq!(d.use_cases.len(), 1);
    assert_eq!(d.use_cases[0].status, Status::Unchanged);
    assert_eq!(d.use_cases[0].verdict.after, Some(Verdict::Almost));
}

#[test]
fn settings_change_in_a_register_diff() {
    let before = register(vec![]);
    let mut s = Settings::new("Acme");
    s.currency = "EUR".to_owned();
    let after = register_with(Some(s), Some(Policy::default()), vec![]);
    let d = diff::diff(&before, &after);
    assert_eq!(
        d.settings,
        vec![FieldChange::new(
            "currency",
            FieldValue::Text("USD".to_owned()),
            FieldValue::Text("EUR".to_owned())
        )]
    );
    assert!(!d.is_empty());
}

#[test]
fn json_shape() {
    let mut almost = ready_case();
    almost.stage = Stage::Identify;
    almost.profile.curated_examples = 500;
    let before = register(vec![("a", almost), ("gone", ready_case())]);
    let strict = Policy {
        stale_after_days: 90,
        ..Policy::default()
    };
    let after = register_with(
        Some(Settings::new("Acme")),
        Some(strict),
        vec![("a", ready_case())],
    );
    let got = serde_json::to_value(diff::diff(&before, &after)).unwrap();
    assert_eq!(
        got,
        json!({
            "as_of": {"before": "2026-04-15", "after": "2026-04-15"},
            "settings": [],
            "policy": [change("stale_after_days", json!(120), json!(90))],
            "use_cases": [
                {
                    "id": "a",
                    "status": "changed",
                    "changes": [
                        change("stage", json!("Identify"), json!("Collect")),
                        change("profile.curated_examples", json!(500), json!(5000)),
                    ],
                    "verdict": {"before": "almost", "after": "ready"}
                },
                {
                    "id": "gone",
                    "status": "removed",
                    "changes": [],
                    "verdict": {"before": "ready", "after": null}
                }
            ]
        })
    );
    // A rename carries the old id.
    let before = register(vec![("x", ready_case())]);
    let after = register(vec![("y", ready_case())]);
    let got = serde_json::to_value(diff::diff(&before, &after)).unwrap();
    assert_eq!(
        got["use_cases"],
        json!([{
            "id": "y",
            "status": "renamed",
            "renamed_from": "x",
            "changes": [],
            "verdict": {"before": "ready", "after": "ready"}
        }])
    );
}

// ---------------------------------------------------------------------------
// `ripen diff` on a real repository
// ---------------------------------------------------------------------------

fn sig(secs: i64) -> Signature<'static> {
    support::repo::signature("Dana Diff", "dana@example.com", secs)
}

/// Writes `files` (path, content) into the working tree and commits them
/// all (plus everything committed before) on HEAD.
fn commit_files(repo: &Repository, files: &[(&str, &str)], message: &str, secs: i64) -> Oid {
    support::repo::commit_files(repo, files, message, &sig(secs))
}

fn ripen(dir: &Path, args: &[&str]) -> Run {
    support::run::ripen(args)
        .cwd(dir)
        .state(&dir.join("state"))
        .run()
}

fn settings_text() -> String {
    let mut s = Settings::new("Acme");
    s.as_of = Some(as_of());
    canonical::settings(&s)
}

/// A repository with two commits: contract-review almost, then ready (and a
/// use case added); returns the temp dir.
fn two_commit_repo() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let repo = Repository::init(dir.path()).unwrap();
    let mut almost = ready_case();
    almost.profile.curated_examples = 500;
    commit_files(
        &repo,
        &[
            ("state/register.ron", &settings_text()),
            ("state/policy.ron", &canonical::policy(&Policy::default())),
            (
                "state/use-cases/contract-review.ron",
                &canonical::use_case(&almost),
            ),
        ],
        "Seed",
        1_700_000_000,
    );
    let mut evil = UseCase::scaffold("Evil\u{1b}[2J title", "e@example.com", "Lab");
    evil.team = "Lab\u{7}".to_owned();
    let mut ready = ready_case();
    ready.stage = Stage::FineTune;
    commit_files(
        &repo,
        &[
            (
                "state/use-cases/contract-review.ron",
                &canonical::use_case(&ready),
            ),
            ("state/use-cases/new-idea.ron", &canonical::use_case(&evil)),
        ],
        "More data, a new idea",
        1_700_000_100,
    );
    dir
}

#[test]
fn cli_text_between_two_revisions() {
    let dir = two_commit_repo();
    let out = ripen(dir.path(), &["diff", "HEAD~1", "HEAD"]);
    assert_eq!(out.code, 0, "{}{}", out.stdout, out.stderr);
    let expected = "\
HEAD~1 (as of 2026-04-15) -> HEAD (as of 2026-04-15)
~ contract-review
    stage: Collect -> FineTune
    profile.curated_examples: 500 -> 5000
    verdict: almost -> underway
+ new-idea (added)  verdict: not-yet
1 changed, 1 added; 2 verdict(s) changed
";
    assert_eq!(out.stdout, expected);
    for line in out.stdout.lines() {
        assert!(line.chars().count() <= 80, "too wide: {line}");
        assert!(!line.chars().any(char::is_control), "control: {line:?}");
    }
}

#[test]
fn cli_against_the_working_tree_and_json() {
    let dir = two_commit_repo();
    let path = dir.path().join("state/use-cases/contract-review.ron");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("risk: Limited", "risk: High")).unwrap();
    let out = ripen(dir.path(), &["diff", "HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "HEAD (as of 2026-04-15) -> working tree (as of 2026-04-15)\n\
         ~ contract-review  risk: Limited -> High\n\
         1 changed; 0 verdict(s) changed\n"
    );

    let out = ripen(dir.path(), &["diff", "HEAD~1", "--format", "json"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["from"], json!("HEAD~1"));
    assert_eq!(v["to"], Value::Null);
    let cases = v["use_cases"].as_array().unwrap();
    assert_eq!(cases.len(), 2);
    assert_eq!(cases[0]["id"], json!("contract-review"));
    assert_eq!(
        cases[0]["changes"],
        json!([
            change("stage", json!("Collect"), json!("FineTune")),
            change("risk", json!("Limited"), json!("High")),
            change("profile.curated_examples", json!(500), json!(5000)),
        ])
    );
    assert_eq!(cases[1]["status"], json!("added"));
}

#[test]
fn cli_no_differences_and_errors() {
    let dir = two_commit_repo();
    let out = ripen(dir.path(), &["diff", "HEAD", "HEAD"]);
    assert_eq!(out.code, 0);
    assert!(out.stdout.ends_with("no differences\n"), "{}", out.stdout);

    let out = ripen(dir.path(), &["diff", "no-such-rev"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("revision `no-such-rev` not found"),
        "{}",
        out.stderr
    );

    let out = ripen(dir.path(), &["--rev", "HEAD", "diff", "HEAD"]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("cannot take --rev"), "{}", out.stderr);
    let out = ripen(dir.path(), &["diff", "HEAD", "--rev", "HEAD"]);
    assert_eq!(out.code, 2);
    assert!(
        out.stderr.contains("unexpected argument '--rev'"),
        "{}",
        out.stderr
    );
}

#[test]
fn cli_text_is_sanitized_and_never_cut_when_piped() {
    let dir = two_commit_repo();
    let path = dir.path().join("state/use-cases/contract-review.ron");
    let mut u = ready_case();
    u.stage = Stage::FineTune;
    u.notes = "Plateaued.\u{1b}[2J\u{9b}".to_owned();
    u.summary = "A much longer summary that goes on and on about what the use case does, \
                 well past the width of any terminal."
        .to_owned();
    u.measurements.push(measurement("2026-04-10", 0.81));
    fs::write(&path, canonical::use_case(&u)).unwrap();
    let out = ripen(dir.path(), &["diff", "HEAD"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    for line in out.stdout.lines() {
        assert!(!line.chars().any(char::is_control), "control: {line:?}");
    }
    // Piped output holds the whole value; the layout still puts a long
    // change on two lines.
    assert!(
        out.stdout
            .contains("well past the width of any terminal.\""),
        "{}",
        out.stdout
    );
    assert!(!out.stdout.contains('…'), "{}", out.stdout);
    assert!(
        out.stdout
            .contains("    notes: \"Plateaued.\" -> \"Plateaued.\\u{1b}[2J\\u{9b}\"\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("    summary: \"Flags risky clauses.\"\n      -> \"A much longer summary"),
        "{}",
        out.stdout
    );
    assert!(
        out.stdout
            .contains("    + measurements (date: \"2026-04-10\", accuracy: 0.81,"),
        "{}",
        out.stdout
    );
}

#[test]
fn cli_without_a_revision_compares_the_working_tree_with_head() {
    let dir = two_commit_repo();
    let path = dir.path().join("state/use-cases/contract-review.ron");
    let text = fs::read_to_string(&path).unwrap();
    fs::write(&path, text.replace("risk: Limited", "risk: High")).unwrap();
    let out = ripen(dir.path(), &["diff"]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert_eq!(
        out.stdout,
        "HEAD (as of 2026-04-15) -> working tree (as of 2026-04-15)\n\
         ~ contract-review  risk: Limited -> High\n\
         1 changed; 0 verdict(s) changed\n"
    );
    assert_eq!(out.stdout, ripen(dir.path(), &["diff", "HEAD"]).stdout);
}
