//! Quarterly reviews and the quarterly report: `ripen::git::review`,
//! `ripen::report::quarterly`, `ripen review close` and `ripen report`, on
//! real repositories built commit by commit with git2 (fixed signatures
//! and times, a repository-local identity, trees written directly).

mod support;

use std::path::Path;

use git2::{Oid, Repository, Signature, Time};
use ripen::diff::FieldValue;
use ripen::git::review::{self, CloseOptions, Quarter, ReviewError};
use ripen::model::{
    Approach, Confidence, Criterion, Date, Measurement, Method, Period, Policy, Risk, RoiEntry,
    RoiKind, Settings, Specificity, Stage, Targets, UseCase, canonical,
};
use ripen::readiness::Verdict;
use ripen::report::quarterly::{self, Direction, Movement};
use serde_json::Value;
use support::repo::{empty_tree, put};
use support::run::Run;

// ---------------------------------------------------------------------------
// Building repositories
// ---------------------------------------------------------------------------

struct Repo {
    dir: tempfile::TempDir,
    repo: Repository,
}

/// Seconds since the epoch at noon UTC of `d`.
fn noon(d: &str) -> i64 {
    date(d)
        .0
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp()
}

impl Repo {
    fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let mut config = repo.config().unwrap();
        config.set_str("user.name", "Grace Governance").unwrap();
        config.set_str("user.email", "grace@example.com").unwrap();
        Repo { dir, repo }
    }

    fn root(&self) -> &Path {
        self.dir.path()
    }

    fn state(&self) -> std::path::PathBuf {
        self.root().join("state")
    }

    /// A commit on `main` (moving it and HEAD) with `files` (paths under
    /// `state/`, content or `None` to delete), dated noon UTC of `day`.
    fn commit(&self, files: &[(&str, Option<String>)], message: &str, day: &str) -> Oid {
        let repo = &self.repo;
        let parent = repo
            .head()
            .ok()
            .and_then(|h| h.target())
            .map(|id| repo.find_commit(id).unwrap());
        let mut tree_id = parent.as_ref().map(|p| p.tree_id());
        for (path, content) in files {
            let blob = content
                .as_ref()
                .map(|c| (repo.blob(c.as_bytes()).unwrap(), 0o100644));
            let base = tree_id.map(|id| repo.find_tree(id).unwrap());
            let full = format!("state/{path}");
            let parts: Vec<&str> = full.split('/').collect();
            tree_id =
                Some(put(repo, base.as_ref(), &parts, blob).unwrap_or_else(|| empty_tree(repo)));
        }
        let tree = repo.find_tree(tree_id.unwrap()).unwrap();
        let sig = support::repo::signature("Ada Author", "ada@example.com", noon(day));
        let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
        let id = repo
            .commit(None, &sig, &sig, message, &tree, &parents)
            .unwrap();
        repo.reference("refs/heads/main", id, true, "test").unwrap();
        repo.set_head("refs/heads/main").unwrap();
        id
    }

    fn close(&self, quarter: &str, rev: Option<&str>) -> Result<review::ReviewTag, ReviewError> {
        review::close(
            &self.state(),
            quarter,
            CloseOptions {
                rev: rev.map(str::to_owned),
                tagger: Some(tagger()),
                ..CloseOptions::default()
            },
        )
    }

    fn tag_count(&self) -> usize {
        self.repo.tag_names(None).unwrap().len()
    }
}

fn tagger() -> Signature<'static> {
    Signature::new(
        "Tess Tagger",
        "tess@example.com",
        &Time::new(noon("2026-07-01"), 120),
    )
    .unwrap()
}

fn date(s: &str) -> Date {
    Date::parse(s).unwrap()
}

/// The clock's date for these tests: after every commit they make.
fn today() -> Date {
    date("2026-11-30")
}

fn file(u: &UseCase) -> Option<String> {
    Some(canonical::use_case(u))
}

fn measurement(d: &str, accuracy: f64) -> Measurement {
    Measurement {
        date: date(d),
        accuracy,
        consistency: 0.8,
        p95_latency_ms: 900,
        cost_per_1k_usd: 2.5,
        satisfaction: 4.0,
        source: "eval".to_owned(),
    }
}

fn roi(d: &str, kind: RoiKind, value_usd: u64, confidence: Confidence) -> RoiEntry {
    RoiEntry {
        date: date(d),
        kind,
        value_usd,
        period: Period::Quarter,
        evidence: "roi.md".to_owned(),
        confidence,
    }
}

fn case(title: &str, owner: &str, team: &str, stage: Stage) -> UseCase {
    let mut u = UseCase::scaffold(title, owner, team);
    u.stage = stage;
    u
}

// ---------------------------------------------------------------------------
// The scenario
// ---------------------------------------------------------------------------

/// The register over eight commits, with reviews 2026-Q1 (on c3) and
/// 2026-Q2 (on c7) closed through the library.
///
/// - alpha: Identify -> Collect (before Q1), then Collect -> FineTune.
/// - beta: FineTune -> Collect (back).
/// - gamma: Evaluate -> Retired.
/// - delta: new after Q1, with ROI (measured and estimated), team Sales.
/// - epsilon: almost at Q1 (proven value short), ready at Q2 after ROI.
/// - zeta: a measurement in the period drops accuracy: regression.
/// - eta: stale at both reviews, owned by eve@example.com.
/// - theta: its file removed in the period.
/// - policy: regression_drop 0.03 -> 0.05 and the Timeline gate dropped.
struct Scenario {
    r: Repo,
    c: Vec<Oid>,
}

fn scenario() -> Scenario {
    let r = Repo::new();
    let mut c = Vec::new();
    let mut policy = Policy::default();

    let mut alpha = case("Alpha assistant", "al@example.com", "Ops", Stage::Identify);
    alpha.measurements.push(measurement("2026-01-05", 0.7));
    let mut beta = case("Beta bot", "bo@example.com", "Ops", Stage::FineTune);
    beta.measurements.push(measurement("2026-01-05", 0.7));
    let mut gamma = case("Gamma summaries", "gu@example.com", "Ops", Stage::Evaluate);
    gamma.approach = Approach::Hybrid {
        prompting: "rag".to_owned(),
        fine_tuned: "lora".to_owned(),
    };
    gamma.measurements.push(measurement("2026-01-05", 0.9));
    let mut epsilon = case(
        "Epsilon claims triage",
        "ed@example.com",
        "Claims",
        Stage::Collect,
    );
    epsilon.profile.specificity = Specificity::Narrow;
    epsilon.profile.daily_volume = 2000;
    epsilon.profile.curated_examples = 3000;
    epsilon.profile.ml_expertise = true;
    epsilon.profile.budget_usd = 50_000;
    epsilon.profile.can_wait_weeks = true;
    epsilon.targets = Targets {
        accuracy: Some(0.9),
        ..Targets::default()
    };
    epsilon.measurements = vec![
        measurement("2026-01-15", 0.80),
        measurement("2026-02-15", 0.81),
        measurement("2026-03-15", 0.81),
    ];
    let mut zeta = case(
        "Zeta fraud notes",
        "zoe@example.com",
        "Risk",
        Stage::Evaluate,
    );
    zeta.approach = Approach::FineTuned {
        method: Method::Lora,
        base_model: "llama".to_owned(),
        dataset: "notes-v1".to_owned(),
    };
    zeta.risk = Risk::Minimal;
    zeta.targets.accuracy = Some(0.9);
    zeta.measurements.push(measurement("2026-01-05", 0.84));
    let mut eta = case("Eta intake", "eve@example.com", "Ops", Stage::Identify);
    eta.measurements.push(measurement("2025-10-01", 0.6));
    let theta = case("Theta pilot", "tom@example.com", "Ops", Stage::Identify);

    // c1
    c.push(r.commit(
        &[
            (
                "register.ron",
                Some(canonical::settings(&Settings::new("Acme Group"))),
            ),
            ("policy.ron", Some(canonical::policy(&policy))),
            ("use-cases/alpha.ron", file(&alpha)),
            ("use-cases/beta.ron", file(&beta)),
            ("use-cases/gamma.ron", file(&gamma)),
            ("use-cases/epsilon.ron", file(&epsilon)),
            ("use-cases/zeta.ron", file(&zeta)),
            ("use-cases/eta.ron", file(&eta)),
            ("use-cases/theta.ron", file(&theta)),
        ],
        "Start the register",
        "2026-01-10",
    ));
    // c2
    alpha.stage = Stage::Collect;
    c.push(r.commit(
        &[("use-cases/alpha.ron", file(&alpha))],
        "Alpha collects",
        "2026-02-10",
    ));
    // c3: the Q1 review's commit.
    epsilon.roi.push(roi(
        "2026-03-20",
        RoiKind::TimeSaved,
        10_000,
        Confidence::Measured,
    ));
    zeta.measurements.push(measurement("2026-03-01", 0.85));
    c.push(r.commit(
        &[
            ("use-cases/epsilon.ron", file(&epsilon)),
            ("use-cases/zeta.ron", file(&zeta)),
        ],
        "Q1 evidence",
        "2026-03-31",
    ));
    // c4
    alpha.stage = Stage::FineTune;
    beta.stage = Stage::Collect;
    c.push(r.commit(
        &[
            ("use-cases/alpha.ron", file(&alpha)),
            ("use-cases/beta.ron", file(&beta)),
        ],
        "Alpha to fine-tuning, beta back to collecting",
        "2026-04-15",
    ));
    // c5
    let mut delta = case(
        "Delta sales emails",
        "dee@example.com",
        "Sales",
        Stage::Identify,
    );
    delta.risk = Risk::High;
    delta.measurements.push(measurement("2026-05-01", 0.7));
    delta.roi.push(roi(
        "2026-05-01",
        RoiKind::CostSaving,
        5_000,
        Confidence::Measured,
    ));
    delta.roi.push(roi(
        "2026-05-01",
        RoiKind::Revenue,
        20_000,
        Confidence::Estimated,
    ));
    gamma.stage = Stage::Retired;
    c.push(r.commit(
        &[
            ("use-cases/delta.ron", file(&delta)),
            ("use-cases/gamma.ron", file(&gamma)),
            ("use-cases/theta.ron", None),
        ],
        "Add delta, retire gamma, drop theta",
        "2026-05-10",
    ));
    // c6
    epsilon.roi.push(roi(
        "2026-05-31",
        RoiKind::TimeSaved,
        20_000,
        Confidence::Measured,
    ));
    zeta.measurements.push(measurement("2026-05-30", 0.78));
    alpha.measurements.push(measurement("2026-05-30", 0.7));
    beta.measurements.push(measurement("2026-05-30", 0.7));
    c.push(r.commit(
        &[
            ("use-cases/epsilon.ron", file(&epsilon)),
            ("use-cases/zeta.ron", file(&zeta)),
            ("use-cases/alpha.ron", file(&alpha)),
            ("use-cases/beta.ron", file(&beta)),
        ],
        "Q2 evidence",
        "2026-06-01",
    ));
    // c7: the Q2 review's commit.
    policy.regression_drop = 0.05;
    policy.gates.retain(|g| *g != Criterion::Timeline);
    c.push(r.commit(
        &[("policy.ron", Some(canonical::policy(&policy)))],
        "Loosen the policy",
        "2026-06-30",
    ));
    // c8: after Q2, a hostile title.
    delta.title =
        "Evil\u{1b}]0;pwned\u{7} | <script>x</script> [l](http://e) *b* `c`\n# H &amp;\u{202e}"
            .to_owned();
    c.push(r.commit(
        &[("use-cases/delta.ron", file(&delta))],
        "Rename delta",
        "2026-07-05",
    ));

    r.close("2026-Q1", Some(&c[2].to_string())).unwrap();
    r.close("2026-Q2", Some(&c[6].to_string())).unwrap();
    Scenario { r, c }
}

// ---------------------------------------------------------------------------
// Quarters and tags
// ---------------------------------------------------------------------------

#[test]
fn quarter_names() {
    let q = Quarter::parse("2026-Q3").unwrap();
    assert_eq!((q.year, q.quarter), (2026, 3));
    assert_eq!(q.tag_name(), "review/2026-Q3");
    assert_eq!(
        Quarter::parse("review/2026-Q1").unwrap().to_string(),
        "2026-Q1"
    );
    for bad in [
        "2026-Q0", "2026-Q5", "2026-q3", "26-Q3", "2026Q3", "2026-Q3x", "", "2026-Q١",
    ] {
        assert!(
            matches!(Quarter::parse(bad), Err(ReviewError::BadName(_))),
            "{bad}"
        );
    }
    assert!(Quarter::parse("2025-Q4").unwrap() < Quarter::parse("2026-Q1").unwrap());
}

#[test]
fn close_creates_an_annotated_tag_and_refuses_again() {
    let s = scenario();
    let r = &s.r;
    let tags = review::reviews(&r.state(), today()).unwrap().tags;
    assert_eq!(
        tags.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        ["review/2026-Q2", "review/2026-Q1"]
    );
    let q2 = &tags[0];
    assert_eq!(q2.commit, s.c[6].to_string());
    assert!(q2.annotated);
    assert_eq!(q2.tagger.as_deref(), Some("Tess Tagger"));
    assert_eq!(q2.email.as_deref(), Some("tess@example.com"));
    assert_eq!(q2.time.timestamp(), noon("2026-07-01"));
    assert_eq!(q2.time.offset().local_minus_utc(), 120 * 60);
    // The generated summary.
    assert_eq!(q2.summary, "Review 2026-Q2: 7 use cases, 1 ready, 0 almost");
    assert!(
        q2.message
            .contains("By stage: Identify 2, Collect 2, FineTune 1, Evaluate 1, Retired 1."),
        "{}",
        q2.message
    );
    assert!(q2.message.contains("Ready: epsilon."), "{}", q2.message);
    assert!(q2.message.contains("Almost: none."), "{}", q2.message);
    assert!(
        q2.message.contains(
            "ROI recorded since review/2026-Q1: USD 25,000 measured, USD 20,000 estimated."
        ),
        "{}",
        q2.message
    );
    // The tag object itself.
    let reference = r.repo.find_reference("refs/tags/review/2026-Q2").unwrap();
    let tag = r.repo.find_tag(reference.target().unwrap()).unwrap();
    assert_eq!(tag.target_id(), s.c[6]);
    assert_eq!(tag.message().unwrap(), Some(q2.message.as_str()));
    assert!(q2.message.ends_with('\n'));
    // The first review had no review before it.
    assert!(
        tags[1].message.contains(
            "ROI recorded since the start of the register: USD 10,000 measured, USD 0 estimated."
        ),
        "{}",
        tags[1].message
    );

    // Closing again refuses and changes nothing.
    let before = r.tag_count();
    match r.close("2026-Q2", None) {
        Err(ReviewError::Exists { tag, commit, .. }) => {
            assert_eq!(tag, "review/2026-Q2");
            assert_eq!(commit, s.c[6].to_string()[..7]);
        }
        other => panic!("{other:?}"),
    }
    // A bad name refuses.
    assert!(matches!(
        r.close("2026-Q7", None),
        Err(ReviewError::BadName(_))
    ));
    assert!(matches!(
        r.close("Q3-2026", None),
        Err(ReviewError::BadName(_))
    ));
    assert_eq!(r.tag_count(), before);

    // An explicit message, tagger from the options.
    let t = review::close(
        &r.state(),
        "2026-Q3",
        CloseOptions {
            message: Some("Steering committee, 2026-07-10\n\nApproved.".to_owned()),
            tagger: Some(tagger()),
            ..CloseOptions::default()
        },
    )
    .unwrap();
    assert_eq!(t.commit, s.c[7].to_string());
    assert_eq!(t.summary, "Steering committee, 2026-07-10");
    assert_eq!(t.message, "Steering committee, 2026-07-10\n\nApproved.\n");
    assert!(matches!(
        review::close(
            &r.state(),
            "2026-Q4",
            CloseOptions {
                message: Some("  \n".to_owned()),
                tagger: Some(tagger()),
                ..CloseOptions::default()
            },
        ),
        Err(ReviewError::EmptyMessage)
    ));
}

#[test]
fn close_refuses_a_register_with_errors() {
    let r = Repo::new();
    let mut u = case("Broken", "b@example.com", "Ops", Stage::Collect);
    u.targets.accuracy = Some(1.5); // an error: not a fraction
    r.commit(
        &[
            (
                "register.ron",
                Some(canonical::settings(&Settings::new("Acme"))),
            ),
            ("policy.ron", Some(canonical::policy(&Policy::default()))),
            ("use-cases/broken.ron", file(&u)),
            ("use-cases/garbled.ron", Some("UseCase(title: ".to_owned())),
        ],
        "Broken",
        "2026-03-31",
    );
    match r.close("2026-Q1", None) {
        Err(ReviewError::RegisterHasErrors { rev, diagnostics }) => {
            assert_eq!(rev, "HEAD");
            assert_eq!(diagnostics.len(), 2, "{diagnostics:?}");
            assert!(diagnostics[0].file.ends_with("use-cases/broken.ron"));
            assert!(diagnostics[1].file.ends_with("use-cases/garbled.ron"));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(r.tag_count(), 0);

    // Through the binary: exit 1, the errors listed, nothing created.
    let out = ripen(r.root(), &["review", "close", "2026-Q1"], &[]);
    assert_eq!(out.code, 1, "{}", out.stderr);
    assert!(
        out.stderr.contains("use-cases/broken.ron:"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("targets.accuracy"), "{}", out.stderr);
    assert!(out.stderr.contains("no tag was created"), "{}", out.stderr);
    assert_eq!(r.tag_count(), 0);
}

#[test]
fn lightweight_foreign_and_future_tags_are_ignored_with_a_warning() {
    let s = scenario();
    let r = &s.r;
    let c1 = r.repo.find_object(s.c[0], None).unwrap();
    let head = r.repo.find_object(*s.c.last().unwrap(), None).unwrap();
    r.repo
        .tag_lightweight("review/2025-Q4", &c1, false)
        .unwrap();
    r.repo
        .tag_lightweight("review/not-a-quarter", &c1, false)
        .unwrap();
    r.repo.tag_lightweight("v1.0", &c1, false).unwrap();
    // Annotated, on HEAD, of a quarter that has not begun.
    r.repo
        .tag("review/9999-Q4", &head, &tagger(), "From the future", false)
        .unwrap();
    let found = review::reviews(&r.state(), today()).unwrap();
    let names: Vec<&str> = found.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(names, ["review/2026-Q2", "review/2026-Q1"]);
    let ignored = found.ignored.join("\n");
    assert!(
        ignored.contains("review/2025-Q4: it is a lightweight tag"),
        "{ignored}"
    );
    assert!(
        ignored.contains("review/not-a-quarter: the name is not review/YYYY-Qn"),
        "{ignored}"
    );
    assert!(
        ignored.contains("review/9999-Q4: 9999-Q4 has not begun yet"),
        "{ignored}"
    );
    assert!(!ignored.contains("v1.0"), "{ignored}");

    // The report still starts from the Q2 review, and says what it ignored.
    let out = ripen(r.root(), &["report", "--format", "json"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["since"]["label"], "review/2026-Q2");
    assert!(
        out.stderr.contains("warning: ignored tag review/9999-Q4"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("lightweight"), "{}", out.stderr);
    // A fiscal year is named by the year it ends in and may start in any
    // month: one starting in February makes November 2026 its 2027-Q4.
    assert_eq!(
        review::latest_quarter(date("2026-11-30")).to_string(),
        "2027-Q4"
    );
    assert_eq!(
        review::latest_quarter(date("2026-01-15")).to_string(),
        "2026-Q4"
    );
}

#[test]
fn reviews_are_ordered_by_their_commit_in_history_not_by_name() {
    let s = scenario();
    let r = &s.r;
    // A tag naming a later quarter on an older commit (c1), and one
    // naming an earlier quarter on HEAD's parent: the one later in history
    // is the last review.
    let old = r.repo.find_object(s.c[0], None).unwrap();
    r.repo
        .tag("review/2026-Q4", &old, &tagger(), "Mislabelled", false)
        .unwrap();
    let found = review::reviews(&r.state(), today()).unwrap();
    let names: Vec<&str> = found.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(
        names,
        ["review/2026-Q2", "review/2026-Q1", "review/2026-Q4"]
    );
    let rep = review::report(&r.state(), None, None, None, today())
        .unwrap()
        .report;
    assert_eq!(rep.since.label, "review/2026-Q2");
}

#[test]
fn now_is_the_clock_never_a_commit_date() {
    let s = scenario();
    // A commit dated 2099 on top of HEAD (as a fast-forwarded branch
    // would bring): "now" stays today, so nothing turns stale by it.
    let tree = s.r.repo.head().unwrap().peel_to_tree().unwrap();
    let parent = s.r.repo.head().unwrap().peel_to_commit().unwrap();
    let future = support::repo::signature("Mallory", "m@example.com", 4_070_908_800);
    let id =
        s.r.repo
            .commit(
                Some("HEAD"),
                &future,
                &future,
                "From 2099",
                &tree,
                &[&parent],
            )
            .unwrap();
    assert_eq!(s.r.repo.head().unwrap().target(), Some(id));
    let rep = review::report(&s.r.state(), None, None, None, today())
        .unwrap()
        .report;
    assert_eq!(rep.until.as_of, today());
    assert_eq!(rep.until.date, Some(date("2099-01-01")));
    let before = review::report(
        &s.r.state(),
        Some("review/2026-Q2"),
        Some("HEAD~1"),
        None,
        today(),
    )
    .unwrap()
    .report;
    assert_eq!(rep.key_numbers.stale, before.key_numbers.stale);
    // Through the binary, the clock is the machine's: never 2099.
    let out = ripen(s.r.root(), &["report", "--format", "json"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_ne!(v["until"]["as_of"], "2099-01-01");
}

// ---------------------------------------------------------------------------
// The report
// ---------------------------------------------------------------------------

#[test]
fn report_between_two_reviews_field_by_field() {
    let s = scenario();
    // Reviewed on the day the quarter's review was closed.
    let built = review::report(
        &s.r.state(),
        Some("review/2026-Q1"),
        Some("review/2026-Q2"),
        None,
        date("2026-06-30"),
    )
    .unwrap();
    let r = &built.report;

    assert_eq!(r.register, "Acme Group");
    assert_eq!(r.currency, "USD");
    assert_eq!(r.since.label, "review/2026-Q1");
    assert_eq!(r.since.commit.as_deref(), Some(s.c[2].to_string().as_str()));
    assert_eq!(r.since.date, Some(date("2026-03-31")));
    assert_eq!(r.since.as_of, date("2026-03-31"));
    assert_eq!(r.until.label, "review/2026-Q2");
    assert_eq!(r.until.commit.as_deref(), Some(s.c[6].to_string().as_str()));
    assert_eq!(r.until.as_of, date("2026-06-30"));
    assert_eq!((r.since.errors, r.until.errors), (0, 0));

    // Counts then and now.
    let stages: Vec<(Stage, usize, usize)> =
        r.by_stage.iter().map(|c| (c.key, c.then, c.now)).collect();
    assert_eq!(
        stages,
        [
            (Stage::Identify, 2, 2),
            (Stage::Collect, 2, 2),
            (Stage::FineTune, 1, 1),
            (Stage::Evaluate, 2, 1),
            (Stage::Retired, 0, 1),
        ]
    );
    let approaches: Vec<(&str, usize, usize)> = r
        .by_approach
        .iter()
        .map(|c| (c.key, c.then, c.now))
        .collect();
    assert_eq!(
        approaches,
        [("Prompting", 5, 5), ("Hybrid", 1, 1), ("FineTuned", 1, 1)]
    );
    let risks: Vec<(Risk, usize, usize)> =
        r.by_risk.iter().map(|c| (c.key, c.then, c.now)).collect();
    assert_eq!(
        risks,
        [
            (Risk::Minimal, 1, 1),
            (Risk::Limited, 6, 5),
            (Risk::High, 0, 1),
            (Risk::Unacceptable, 0, 0),
        ]
    );

    // Every movement.
    assert_eq!(
        r.movements,
        [
            Movement {
                from: Stage::Collect,
                to: Stage::FineTune,
                count: 1
            },
            Movement {
                from: Stage::FineTune,
                to: Stage::Collect,
                count: 1
            },
            Movement {
                from: Stage::Evaluate,
                to: Stage::Retired,
                count: 1
            },
        ]
    );
    let moves: Vec<(&str, Stage, Stage, Direction)> = r
        .stage_changes
        .iter()
        .map(|m| (m.id.as_str(), m.from, m.to, m.direction))
        .collect();
    assert_eq!(
        moves,
        [
            ("alpha", Stage::Collect, Stage::FineTune, Direction::Forward),
            ("beta", Stage::FineTune, Stage::Collect, Direction::Back),
            ("gamma", Stage::Evaluate, Stage::Retired, Direction::Retired),
        ]
    );

    // New, retired, removed.
    assert_eq!(r.added.len(), 1);
    assert_eq!(r.added[0].id, "delta");
    assert_eq!(r.added[0].team, "Sales");
    assert_eq!(r.added[0].stage, Stage::Identify);
    assert_eq!(r.retired.len(), 1);
    assert_eq!(r.retired[0].id, "gamma");
    assert_eq!(r.retired[0].owner, "gu@example.com");
    assert_eq!(r.removed.len(), 1);
    assert_eq!(r.removed[0].id, "theta");
    assert_eq!(r.removed[0].title, "Theta pilot");
    assert!(r.renamed.is_empty());

    // ROI recorded in the period.
    assert_eq!(r.roi.measured, 25_000);
    assert_eq!(r.roi.estimated, 20_000);
    let kinds: Vec<(RoiKind, u64, u64)> = r
        .roi
        .by_kind
        .iter()
        .map(|k| (k.key, k.measured, k.estimated))
        .collect();
    assert_eq!(
        kinds,
        [
            (RoiKind::CostSaving, 5_000, 0),
            (RoiKind::TimeSaved, 20_000, 0),
            (RoiKind::Revenue, 0, 20_000),
            (RoiKind::RiskReduction, 0, 0),
        ]
    );
    let teams: Vec<(&str, u64, u64)> = r
        .roi
        .by_team
        .iter()
        .map(|t| (t.key.as_str(), t.measured, t.estimated))
        .collect();
    assert_eq!(teams, [("Sales", 5_000, 20_000), ("Claims", 20_000, 0)]);
    let entries: Vec<(&str, u64)> = r
        .roi
        .entries
        .iter()
        .map(|e| (e.id.as_str(), e.entry.value_usd))
        .collect();
    assert_eq!(
        entries,
        [("delta", 5_000), ("delta", 20_000), ("epsilon", 20_000)]
    );
    assert_eq!(r.roi.withdrawn, 0);

    // Candidates and verdict changes.
    assert_eq!(r.candidates.len(), 1);
    let e = &r.candidates[0];
    assert_eq!(e.id, "epsilon");
    assert_eq!(e.verdict, Verdict::Ready);
    assert_eq!(e.verdict_then, Some(Verdict::Almost));
    assert!(e.blockers.is_empty());
    assert_eq!(e.measured_roi_last_year, 30_000);
    let verdicts: Vec<(&str, Option<Verdict>, Option<Verdict>)> = r
        .verdict_changes
        .iter()
        .map(|v| (v.id.as_str(), v.before, v.after))
        .collect();
    assert_eq!(
        verdicts,
        [
            // Moved into FineTune while not-yet: the change of verdict says so.
            ("alpha", Some(Verdict::NotYet), Some(Verdict::Underway)),
            ("beta", Some(Verdict::Underway), Some(Verdict::NotYet)),
            ("delta", None, Some(Verdict::NotYet)),
            ("epsilon", Some(Verdict::Almost), Some(Verdict::Ready)),
            ("theta", Some(Verdict::NotYet), None),
        ]
    );

    // Metric trends and regressions.
    type Row<'a> = (&'a str, f64, Option<f64>, Option<f64>, Option<bool>, bool);
    let acc: Vec<Row<'_>> = r
        .accuracy
        .iter()
        .map(|a| {
            (
                a.id.as_str(),
                a.target,
                a.then,
                a.now,
                a.meets_target,
                a.regression,
            )
        })
        .collect();
    assert_eq!(
        acc,
        [
            ("epsilon", 0.9, Some(0.81), Some(0.81), Some(false), false),
            ("zeta", 0.9, Some(0.85), Some(0.78), Some(false), true),
        ]
    );
    assert_eq!(r.regressions.len(), 1);
    let z = &r.regressions[0];
    assert_eq!(
        (
            z.id.as_str(),
            z.owner.as_str(),
            z.previous,
            z.latest,
            z.date
        ),
        ("zeta", "zoe@example.com", 0.85, 0.78, date("2026-05-30"))
    );

    // Stale entries with their owners.
    assert_eq!(r.stale.len(), 1);
    let st = &r.stale[0];
    assert_eq!(st.id, "eta");
    assert_eq!(st.owner, "eve@example.com");
    assert_eq!(st.team, "Ops");
    assert_eq!(st.last_measured, Some(date("2025-10-01")));
    assert_eq!(
        st.days,
        Some(date("2025-10-01").days_until(date("2026-06-30")))
    );
    assert!(st.stale_then);

    // Policy changes.
    assert_eq!(r.policy_changes.len(), 2);
    assert_eq!(r.policy_changes[0].field, "regression_drop");
    assert_eq!(r.policy_changes[0].from, FieldValue::Real(0.03));
    assert_eq!(r.policy_changes[0].to, FieldValue::Real(0.05));
    assert_eq!(r.policy_changes[1].field, "gates");
    assert_eq!(
        r.policy_changes[1].from,
        FieldValue::Name("Timeline".to_owned())
    );
    assert_eq!(r.policy_changes[1].to, FieldValue::None);
    assert!(r.settings_changes.is_empty());

    // The key numbers.
    let k = &r.key_numbers;
    assert_eq!((k.use_cases_then, k.use_cases_now), (7, 7));
    assert_eq!((k.active_then, k.active_now), (7, 6));
    assert_eq!((k.added, k.retired, k.removed), (1, 1, 1));
    assert_eq!((k.forward, k.back), (1, 1));
    assert_eq!(
        (k.ready_then, k.ready_now, k.almost_then, k.almost_now),
        (0, 1, 1, 0)
    );
    assert_eq!(k.verdicts_changed, 5);
    assert_eq!((k.roi_measured, k.roi_estimated), (25_000, 20_000));
    assert_eq!(k.measurements_added, 4);
    assert_eq!((k.regressions, k.stale, k.policy_changes), (1, 1, 2));

    // The pure builder gives the same from the registers themselves.
    let again = quarterly::build(
        &built.since,
        &built.until,
        quarterly::Revision {
            label: "review/2026-Q1".to_owned(),
            commit: Some(s.c[2].to_string()),
            date: Some(date("2026-03-31")),
        },
        quarterly::Revision {
            label: "review/2026-Q2".to_owned(),
            commit: Some(s.c[6].to_string()),
            date: Some(date("2026-06-30")),
        },
    );
    assert_eq!(&again, r);
}

#[test]
fn since_defaults_to_the_latest_review_before_until() {
    let s = scenario();
    let state = s.r.state();
    // Until HEAD (c8): the latest review, 2026-Q2.
    let r = review::report(&state, None, None, None, today())
        .unwrap()
        .report;
    assert_eq!(r.since.label, "review/2026-Q2");
    assert_eq!(r.since.commit, Some(s.c[6].to_string()));
    assert_eq!(r.until.label, "HEAD");
    // Until the Q2 review itself: the review before it.
    let r = review::report(&state, None, Some("review/2026-Q2"), None, today())
        .unwrap()
        .report;
    assert_eq!(r.since.label, "review/2026-Q1");
    // Until a commit before Q2's: Q2 is not reachable, so Q1.
    let c5 = s.c[4].to_string();
    let r = review::report(&state, None, Some(&c5), None, today())
        .unwrap()
        .report;
    assert_eq!(r.since.label, "review/2026-Q1");
    // Until Q1's own commit: nothing before it.
    assert!(matches!(
        review::report(&state, None, Some("review/2026-Q1"), None, today()),
        Err(ReviewError::NoReview { .. })
    ));
    // --as-of applies to the until side only.
    let r = review::report(&state, None, None, Some(date("2026-08-01")), today())
        .unwrap()
        .report;
    assert_eq!(r.until.as_of, date("2026-08-01"));
    assert_eq!(r.since.as_of, date("2026-06-30"));
}

#[test]
fn a_pinned_as_of_wins_over_the_commit_date() {
    let r = Repo::new();
    let mut settings = Settings::new("Pinned");
    settings.as_of = Some(date("2026-02-01"));
    r.commit(
        &[
            ("register.ron", Some(canonical::settings(&settings))),
            ("policy.ron", Some(canonical::policy(&Policy::default()))),
        ],
        "Start",
        "2026-03-31",
    );
    let r2 = review::report(&r.state(), Some("HEAD"), None, None, today())
        .unwrap()
        .report;
    assert_eq!(r2.since.as_of, date("2026-02-01"));
    assert_eq!(r2.since.date, Some(date("2026-03-31")));
}

#[test]
fn markdown_has_the_sections_and_no_control_characters() {
    let s = scenario();
    // HEAD holds the hostile title (delta) and the Q2 review is the start.
    let built = review::report(&s.r.state(), Some("review/2026-Q1"), None, None, today()).unwrap();
    let md = quarterly::markdown(&built.report);
    for section in [
        "# Quarterly review: Acme Group\n",
        "## Summary\n",
        "## Portfolio\n",
        "## Stage movements\n",
        "## New and retired use cases\n",
        "## Readiness for fine-tuning\n",
        "## ROI evidence recorded in the period\n",
        "## Accuracy against target\n",
        "## Stale entries\n",
        "## Policy changes\n",
    ] {
        assert!(md.contains(section), "missing {section:?} in\n{md}");
    }
    assert!(
        !md.chars().any(|c| c != '\n' && ripen::text::is_unsafe(c)),
        "{md:?}"
    );
    // No raw HTML, links or emphasis from the title; no broken table cells.
    assert!(!md.contains("<script>"), "{md}");
    assert!(md.contains("\\<script\\>"), "{md}");
    assert!(md.contains("\\[l\\](http://e)"), "{md}");
    assert!(md.contains("\\*b\\*"), "{md}");
    assert!(md.contains("\\&amp;"), "{md}");
    assert!(!md.contains("\n# H"), "{md}");
    // Every table row has as many unescaped cell separators as its header.
    let mut expected = None;
    for line in md.lines() {
        if !line.starts_with('|') {
            expected = None;
            continue;
        }
        let seps = line.len() - line.replace('|', "").len() - line.matches("\\|").count();
        match expected {
            None => expected = Some(seps),
            Some(n) => assert_eq!(seps, n, "{line}"),
        }
    }
    // The summary paragraph carries the key numbers.
    let summary = quarterly::summary(&built.report);
    assert!(summary.contains("went from 7 to 7 use cases"), "{summary}");
    assert!(summary.contains("USD 25,000 measured"), "{summary}");
    // A move into FineTune that readiness does not support is flagged.
    assert!(
        md.contains(
            "- Alpha assistant (alpha): Collect to FineTune, forward **FLAGGED: without passing readiness: readiness is \\`not-yet\\`"
        ),
        "{md}"
    );
    let alpha = &built
        .report
        .stage_changes
        .iter()
        .find(|c| c.id == "alpha")
        .unwrap();
    assert!(alpha.flagged() && !alpha.override_recorded);
}

// ---------------------------------------------------------------------------
// The binary
// ---------------------------------------------------------------------------

fn ripen(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> Run {
    support::run::ripen(args).cwd(cwd).envs(env).run()
}

#[test]
fn report_json_through_the_binary() {
    let s = scenario();
    let out = ripen(
        s.r.root(),
        &[
            "report",
            "--until",
            "review/2026-Q2",
            "--as-of",
            "2026-06-30",
            "--format",
            "json",
        ],
        &[],
    );
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(v["since"]["label"], "review/2026-Q1");
    assert_eq!(v["until"]["label"], "review/2026-Q2");
    assert_eq!(v["until"]["as_of"], "2026-06-30");
    assert_eq!(v["key_numbers"]["roi_measured"], 25_000);
    assert_eq!(v["key_numbers"]["roi_estimated"], 20_000);
    assert_eq!(v["by_stage"][4]["key"], "Retired");
    assert_eq!(v["by_stage"][4]["then"], 0);
    assert_eq!(v["by_stage"][4]["now"], 1);
    assert_eq!(v["movements"][0]["from"], "Collect");
    assert_eq!(v["movements"][0]["to"], "FineTune");
    assert_eq!(v["movements"][0]["count"], 1);
    assert_eq!(v["stage_changes"][1]["direction"], "back");
    assert_eq!(v["candidates"][0]["id"], "epsilon");
    assert_eq!(v["candidates"][0]["verdict"], "ready");
    assert_eq!(v["candidates"][0]["verdict_then"], "almost");
    assert_eq!(v["roi"]["by_team"][0]["key"], "Sales");
    assert_eq!(v["roi"]["entries"][0]["kind"], "CostSaving");
    assert_eq!(v["roi"]["entries"][0]["confidence"], "Measured");
    assert_eq!(v["regressions"][0]["id"], "zeta");
    assert_eq!(v["stale"][0]["owner"], "eve@example.com");
    assert_eq!(v["policy_changes"][1]["field"], "gates");
    assert_eq!(v["policy_changes"][1]["from"], "Timeline");
    assert_eq!(v["policy_changes"][1]["to"], Value::Null);

    // Markdown by default, starting from the latest review.
    let out = ripen(s.r.root(), &["report"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(out.stdout.starts_with("# Quarterly review: Acme Group\n"));
    assert!(out.stdout.contains("from review/2026-Q2"), "{}", out.stdout);
    assert!(!out.stdout.contains('\u{1b}'));

    // --rev is refused: the period is --since and --until.
    let out = ripen(s.r.root(), &["report", "--rev", "HEAD"], &[]);
    assert_eq!(out.code, 2);
}

#[test]
fn report_without_a_review_says_so() {
    let r = Repo::new();
    r.commit(
        &[
            (
                "register.ron",
                Some(canonical::settings(&Settings::new("Acme"))),
            ),
            ("policy.ron", Some(canonical::policy(&Policy::default()))),
        ],
        "Start",
        "2026-03-31",
    );
    let out = ripen(r.root(), &["report"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stdout.is_empty());
    assert!(out.stderr.contains("no review tag"), "{}", out.stderr);
    assert!(out.stderr.contains("--since"), "{}", out.stderr);
    let out = ripen(r.root(), &["report", "--since", "HEAD"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
}

#[test]
fn review_close_through_the_binary() {
    let s = scenario();
    let root = s.r.root();
    let out = ripen(root, &["review", "close", "2026-Q3"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    assert!(
        out.stdout
            .starts_with("Closed review 2026-Q3: tag review/2026-Q3 on commit ")
    );
    let tags = review::reviews(&s.r.state(), today()).unwrap().tags;
    assert_eq!(tags[0].name, "review/2026-Q3");
    assert_eq!(tags[0].commit, s.c[7].to_string());
    // The repository-local identity.
    assert_eq!(tags[0].tagger.as_deref(), Some("Grace Governance"));
    assert_eq!(tags[0].email.as_deref(), Some("grace@example.com"));
    assert!(tags[0].summary.starts_with("Review 2026-Q3: 7 use cases"));
    // The hostile title never reaches the tag raw.
    assert!(!tags[0].message.contains('\u{1b}'));

    let out = ripen(root, &["review", "close", "2026-Q3"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("already closed"), "{}", out.stderr);
    let out = ripen(root, &["review", "close", "2026-Q9"], &[]);
    assert_eq!(out.code, 2);
    assert!(out.stderr.contains("YYYY-Qn"), "{}", out.stderr);

    let out = ripen(root, &["review", "list", "--format", "json"], &[]);
    assert_eq!(out.code, 0, "{}", out.stderr);
    let v: Value = serde_json::from_str(&out.stdout).unwrap();
    let names: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["review/2026-Q3", "review/2026-Q2", "review/2026-Q1"]
    );
    assert_eq!(v[1]["quarter"], "2026-Q2");
    assert_eq!(v[1]["time"], "2026-07-01T14:00:00+02:00");
}

#[test]
fn review_close_without_an_identity_says_how_to_set_one() {
    let s = scenario();
    let mut config =
        s.r.repo
            .config()
            .unwrap()
            .open_level(git2::ConfigLevel::Local)
            .unwrap();
    config.remove("user.name").unwrap();
    config.remove("user.email").unwrap();
    let home = tempfile::tempdir().unwrap();
    let out = ripen(
        s.r.root(),
        &["review", "close", "2026-Q3"],
        &[("HOME", home.path()), ("XDG_CONFIG_HOME", home.path())],
    );
    if out.code == 0 {
        // A system-wide identity exists on this machine; nothing to check.
        return;
    }
    assert_eq!(out.code, 2, "{}", out.stderr);
    assert!(out.stderr.contains("no git identity"), "{}", out.stderr);
    assert!(
        out.stderr.contains("git config user.name"),
        "{}",
        out.stderr
    );
    assert_eq!(
        review::reviews(&s.r.state(), today()).unwrap().tags.len(),
        2
    );
}

#[test]
fn closing_a_quarter_that_has_not_begun_is_refused() {
    let s = scenario();
    let before = s.r.tag_count();
    let out = ripen(s.r.root(), &["review", "close", "9999-Q4"], &[]);
    assert_eq!(out.code, 2, "{}", out.stdout);
    assert!(
        out.stderr.contains("9999-Q4 has not begun yet"),
        "{}",
        out.stderr
    );
    assert_eq!(s.r.tag_count(), before, "no tag was made");
}

/// A stage move made with `>`'s override (the message `change::apply`
/// writes) is flagged as made with an override in the period's report.
#[test]
fn a_move_made_with_an_override_is_flagged_in_the_report() {
    let s = scenario();
    let head = s.r.repo.head().unwrap().peel_to_commit().unwrap();
    let blob = head
        .tree()
        .unwrap()
        .get_path(Path::new("state/use-cases/epsilon.ron"))
        .unwrap()
        .id();
    let text = String::from_utf8(s.r.repo.find_blob(blob).unwrap().content().to_vec()).unwrap();
    let u = ripen::register::parse_use_case(&text).unwrap();
    assert_ne!(u.stage, Stage::FineTune);
    let id = ripen::model::UseCaseId::new("epsilon").unwrap();
    let applied = ripen::change::apply(
        &id,
        &u,
        ripen::change::Edit::MoveStage(Stage::FineTune),
        "the sponsor insists",
        Some("readiness is `almost`, not `ready`"),
    )
    .unwrap();
    s.r.commit(
        &[("use-cases/epsilon.ron", Some(applied.text.clone()))],
        &applied.message,
        "2026-07-10",
    );
    let rep = review::report(&s.r.state(), Some("HEAD~1"), None, None, today())
        .unwrap()
        .report;
    let moved = rep
        .stage_changes
        .iter()
        .find(|c| c.id == "epsilon")
        .unwrap();
    assert_eq!(moved.to, Stage::FineTune);
    assert!(moved.override_recorded, "{:?}", moved);
    assert!(moved.flagged());
    assert!(
        quarterly::markdown(&rep).contains("**FLAGGED: made with a readiness override"),
        "{}",
        quarterly::markdown(&rep)
    );
}
