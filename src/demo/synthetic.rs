//! Synthetic registers of any size, for benchmarks and tests.
//!
//! `n` use cases (`uc-00000` ...) with stages, approaches, risks and
//! profiles drawn from the seed, registered in one first commit two years
//! before `today`; then `m` commits spread evenly up to three days before
//! `today`, each changing one to three use cases: a new measurement, new
//! ROI evidence, a stage move, more curated examples. Everything is drawn
//! from one splitmix64 stream, so a seed and a date give the same history.

mod prose;

use super::rng::Rng;
use super::{
    DemoError, FileWrite, History, PEOPLE, PlannedBranch, PlannedCommit, STATE_DIR, add_days, at,
    date_of, review_tags,
};
use crate::model::{
    Approach, Confidence, Date, Measurement, Method, Period, Policy, Risk, RoiEntry, RoiKind,
    Settings, Specificity, Stage, Technique, UseCase, canonical,
};
use crate::register::{POLICY_FILE, SETTINGS_FILE, USE_CASES_DIR};

/// Longest measurement list kept (a year of monthly evaluations); older
/// entries are dropped, so files keep a realistic size however long the history.
const MAX_MEASUREMENTS: usize = 12;
/// Longest ROI list kept (a year and a half of quarterly evidence).
const MAX_ROI: usize = 6;
/// How far back the history starts.
const SPAN_DAYS: i64 = 730;

const DOMAINS: [&str; 12] = [
    "Claims",
    "Invoice",
    "Contract",
    "Support",
    "Fraud",
    "Policy",
    "Payroll",
    "Procurement",
    "Marketing",
    "Underwriting",
    "Logistics",
    "Compliance",
];
const TASKS: [&str; 10] = [
    "triage",
    "extraction",
    "summaries",
    "classification",
    "drafting",
    "translation",
    "search",
    "review",
    "routing",
    "Q&A",
];
const TEAMS: [&str; 10] = [
    "Claims Operations",
    "Finance Shared Services",
    "Legal Operations",
    "Customer Service",
    "IT Service Desk",
    "People Operations",
    "Brand Marketing",
    "Underwriting Excellence",
    "Procurement",
    "Risk and Compliance",
];
const FIRST: [&str; 8] = [
    "alex", "sam", "maria", "li", "omar", "nina", "jonas", "fatima",
];
const LAST: [&str; 8] = [
    "meyer", "garcia", "chen", "haddad", "larsen", "okoro", "silva", "novak",
];
const MODELS: [&str; 5] = [
    "gpt-4o",
    "gpt-4o-mini",
    "claude-3-5-haiku",
    "llama-3.1-70b-instruct",
    "mistral-large",
];
const BASES: [&str; 4] = [
    "llama-3.1-8b-instruct",
    "mistral-7b-instruct-v0.3",
    "qwen2.5-7b-instruct",
    "phi-3-mini",
];

fn id(i: usize) -> String {
    format!("uc-{i:05}")
}

fn path(i: usize) -> String {
    format!("{STATE_DIR}/{USE_CASES_DIR}/{}.ron", id(i))
}

/// A value rounded to `places` decimals, so files stay readable.
fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

fn prompting(rng: &mut Rng) -> Approach {
    let technique = *rng.pick(&[
        Technique::ZeroShot,
        Technique::FewShot,
        Technique::ChainOfThought,
        Technique::Retrieval,
    ]);
    Approach::Prompting {
        technique,
        model: (*rng.pick(&MODELS)).to_owned(),
    }
}

fn fine_tuned(rng: &mut Rng, i: usize) -> Approach {
    let method = *rng.pick(&[Method::Lora, Method::Qlora, Method::Full, Method::OtherPeft]);
    Approach::FineTuned {
        method,
        base_model: (*rng.pick(&BASES)).to_owned(),
        dataset: format!("datasets/{}-v1", id(i)),
    }
}

fn measurement(rng: &mut Rng, prev: Option<&Measurement>, date: Date) -> Measurement {
    let walk = |rng: &mut Rng, v: f64, step: f64, lo: f64, hi: f64| {
        (v + (rng.unit() - 0.4) * step).clamp(lo, hi)
    };
    let (acc, cons, lat, cost, sat) = match prev {
        Some(p) => (
            walk(rng, p.accuracy, 0.05, 0.3, 0.99),
            walk(rng, p.consistency, 0.05, 0.3, 0.99),
            walk(rng, f64::from(p.p95_latency_ms), 400.0, 200.0, 20000.0),
            walk(rng, p.cost_per_1k_usd, 0.4, 0.05, 20.0),
            walk(rng, p.satisfaction, 0.3, 1.0, 5.0),
        ),
        None => (
            0.5 + rng.unit() * 0.4,
            0.5 + rng.unit() * 0.4,
            500.0 + rng.unit() * 8000.0,
            0.2 + rng.unit() * 10.0,
            2.5 + rng.unit() * 1.5,
        ),
    };
    Measurement {
        date,
        accuracy: round(acc, 3),
        consistency: round(cons, 3),
        p95_latency_ms: (lat / 10.0).round() as u32 * 10,
        cost_per_1k_usd: round(cost, 2),
        satisfaction: round(sat, 1),
        source: format!("evals/{}", &date.to_string()[..7]),
    }
}

fn roi(rng: &mut Rng, date: Date) -> RoiEntry {
    let kind = *rng.pick(&[
        RoiKind::CostSaving,
        RoiKind::TimeSaved,
        RoiKind::Revenue,
        RoiKind::RiskReduction,
    ]);
    let period = *rng.pick(&[
        Period::Month,
        Period::Quarter,
        Period::Quarter,
        Period::Year,
    ]);
    RoiEntry {
        date,
        kind,
        value_usd: 500 * rng.range(2, 100) as u64,
        period,
        evidence: format!("finance/roi-{date}.md"),
        confidence: if rng.chance(0.7) {
            Confidence::Measured
        } else {
            Confidence::Estimated
        },
    }
}

/// A use case drawn from the seed, with 9 to 12 monthly measurements and 4
/// to 6 quarterly ROI entries before `start`.
fn use_case(rng: &mut Rng, i: usize, start: Date) -> UseCase {
    let domain = *rng.pick(&DOMAINS);
    let task = *rng.pick(&TASKS);
    let team = *rng.pick(&TEAMS);
    let owner = format!("{}.{}@example.com", rng.pick(&FIRST), rng.pick(&LAST));
    let title = format!("{domain} {} {i:05}", task.to_lowercase());
    let mut u = UseCase::scaffold(&title, &owner, team);
    u.stage = Stage::ALL[rng.weighted(&[30, 30, 15, 20, 5])];
    u.approach = match u.stage {
        Stage::Identify | Stage::Collect => prompting(rng),
        _ => match rng.weighted(&[60, 20, 20]) {
            0 => fine_tuned(rng, i),
            1 => Approach::Hybrid {
                prompting: format!("Retrieval with {}", rng.pick(&MODELS)),
                fine_tuned: format!("Classifier tuned on {}", rng.pick(&BASES)),
            },
            _ => prompting(rng),
        },
    };
    u.risk = if u.stage == Stage::Retired && rng.chance(0.1) {
        Risk::Unacceptable
    } else {
        Risk::ALL[rng.weighted(&[35, 40, 25])]
    };
    let p = &mut u.profile;
    p.specificity = *rng.pick(&[
        Specificity::General,
        Specificity::Mixed,
        Specificity::Narrow,
    ]);
    p.daily_volume = (10.0 * 2000f64.powf(rng.unit())).round() as u64;
    p.curated_examples = 100 * rng.below(150);
    p.ml_expertise = rng.chance(0.5);
    p.budget_usd = 5000 * rng.below(31);
    p.can_wait_weeks = rng.chance(0.6);
    p.needs_consistency = rng.chance(0.5);
    if rng.chance(0.8) {
        u.targets.accuracy = Some(round(0.8 + rng.unit() * 0.17, 2));
    }
    if rng.chance(0.6) {
        u.targets.p95_latency_ms = Some(100 * rng.range(5, 100) as u32);
    }
    if rng.chance(0.5) {
        u.targets.cost_per_1k_usd = Some(round(0.1 + rng.unit() * 15.0, 1));
    }
    // A year or so of monthly evaluations and quarterly ROI evidence
    // before the register was imported.
    let months = rng.range(9, 12);
    let last = add_days(start, -rng.range(1, 20));
    let mut measurements: Vec<Measurement> = Vec::with_capacity(MAX_MEASUREMENTS);
    for k in (0..months).rev() {
        let m = measurement(rng, measurements.last(), add_days(last, -30 * k));
        measurements.push(m);
    }
    u.measurements = measurements;
    let quarters = rng.range(4, 6);
    u.roi = (0..quarters)
        .rev()
        .map(|k| roi(rng, add_days(last, -91 * k - 5)))
        .collect();
    u.summary = prose::summary(rng, domain, task, team);
    u.notes = prose::notes(rng, &u);
    u
}

/// One change to use case `i` at `date`; returns a short description.
fn change(rng: &mut Rng, u: &mut UseCase, i: usize, date: Date) -> String {
    let action = rng.weighted(&[55, 25, 12, 8]);
    match action {
        2 if u.stage != Stage::Retired => {
            let from = u.stage;
            let to = match from.next() {
                Some(Stage::Retired) if !rng.chance(0.2) => Stage::Evaluate,
                Some(next) => next,
                None => from,
            };
            u.stage = to;
            if to == Stage::FineTune && matches!(u.approach, Approach::Prompting { .. }) {
                u.approach = fine_tuned(rng, i);
            }
            if from == to {
                u.notes = prose::review(rng, u, date);
                format!("review, stays in {}", to.name())
            } else {
                format!("stage {} -> {}", from.name(), to.name())
            }
        }
        1 => {
            let r = roi(rng, date);
            let text = format!(
                "ROI {} {}",
                r.value_usd,
                format!("{:?}", r.kind).to_lowercase()
            );
            if u.roi.len() >= MAX_ROI {
                u.roi.remove(0);
            }
            u.roi.push(r);
            text
        }
        3 => {
            let from = u.profile.curated_examples;
            u.profile.curated_examples = from + 100 * rng.range(1, 20) as u64;
            format!("curated examples {from} -> {}", u.profile.curated_examples)
        }
        _ => {
            let m = measurement(rng, u.measurements.last(), date);
            let text = format!("measurement, accuracy {}", m.accuracy);
            if u.measurements.len() >= MAX_MEASUREMENTS {
                u.measurements.remove(0);
            }
            u.measurements.push(m);
            text
        }
    }
}

/// Plans a synthetic history of `n` use cases and `m` commits after the
/// first, and `proposals` open branches off main's last commit, each changing
/// one use case. The branches draw from the stream after main does, so main
/// is the same with or without them.
pub(super) fn plan(
    n: usize,
    m: usize,
    proposals: usize,
    seed: u64,
    today: Date,
) -> Result<History, DemoError> {
    if n == 0 {
        return Err(DemoError::Plan("--use-cases must be at least 1".to_owned()));
    }
    if n > 99_999 {
        return Err(DemoError::Plan(
            "--use-cases is at most 99999 (ids are uc-00000 to uc-99999)".to_owned(),
        ));
    }
    let start = add_days(today, -SPAN_DAYS);
    let t0 = at(start, 10 * 60);
    let t_end = at(add_days(today, -3), 17 * 60);
    if m as i64 >= t_end - t0 {
        return Err(DemoError::Plan(format!(
            "--commits is at most {} (one a second over two years)",
            t_end - t0 - 1
        )));
    }
    let mut rng = Rng::new(seed);
    let mut cases: Vec<UseCase> = (0..n).map(|i| use_case(&mut rng, i, start)).collect();

    let settings = Settings::new(&format!("Synthetic register ({n} use cases, seed {seed})"));
    let mut files = vec![
        FileWrite {
            path: format!("{STATE_DIR}/{SETTINGS_FILE}"),
            text: canonical::settings(&settings),
        },
        FileWrite {
            path: format!("{STATE_DIR}/{POLICY_FILE}"),
            text: canonical::policy(&Policy::default()),
        },
    ];
    files.extend(cases.iter().enumerate().map(|(i, u)| FileWrite {
        path: path(i),
        text: canonical::use_case(u),
    }));
    let mut main = Vec::with_capacity(m + 1);
    main.push(PlannedCommit {
        author: PEOPLE[0],
        time: t0,
        message: format!(
            "Import {n} use cases\n\nSynthetic register generated by `ripen demo --use-cases {n} --commits {m} --seed {seed}`."
        ),
        files,
    });

    // Commits spread evenly, each at a jittered time within its slot.
    let slot = (t_end - t0) as f64 / (m as f64 + 1.0);
    let mut picked = Vec::with_capacity(3);
    for c in 1..=m {
        let jitter = (rng.unit() * slot * 0.8) as i64;
        let time = (t0 + (c as f64 * slot) as i64 + jitter).max(main[c - 1].time + 1);
        let date = date_of(time);
        let k = (1 + rng.below(3) as usize).min(n);
        picked.clear();
        while picked.len() < k {
            let i = rng.below(n as u64) as usize;
            if !picked.contains(&i) {
                picked.push(i);
            }
        }
        picked.sort_unstable();
        let mut lines = Vec::with_capacity(k);
        let mut files = Vec::with_capacity(k);
        for &i in &picked {
            let what = change(&mut rng, &mut cases[i], i, date);
            lines.push(format!("{}: {what}", id(i)));
            files.push(FileWrite {
                path: path(i),
                text: canonical::use_case(&cases[i]),
            });
        }
        let message = if k == 1 {
            lines.remove(0)
        } else {
            let ids: Vec<String> = picked.iter().map(|&i| id(i)).collect();
            format!("Update {}\n\n{}", ids.join(", "), lines.join("\n"))
        };
        main.push(PlannedCommit {
            author: *rng.pick(&PEOPLE),
            time,
            message,
            files,
        });
    }

    let prefix = format!("{STATE_DIR}/{USE_CASES_DIR}/");
    let tags = review_tags(&main, today, |label, _, files, commits| {
        let use_cases = files.keys().filter(|p| p.starts_with(&prefix)).count();
        format!("{label} review: {use_cases} use cases, {commits} commits this quarter")
    });
    if proposals > n {
        return Err(DemoError::Plan(format!(
            "{proposals} proposal branches need as many use cases; there are {n}"
        )));
    }
    let base = main.len() - 1;
    let opened = at(add_days(today, -2), 9 * 60);
    let mut picked: Vec<usize> = Vec::with_capacity(proposals);
    let mut branches = Vec::with_capacity(proposals);
    while picked.len() < proposals {
        let i = rng.below(n as u64) as usize;
        if picked.contains(&i) {
            continue;
        }
        picked.push(i);
        let mut u = cases[i].clone();
        let what = change(&mut rng, &mut u, i, date_of(opened));
        branches.push(PlannedBranch {
            name: format!("proposal/{}", id(i)),
            base,
            commits: vec![PlannedCommit {
                author: *rng.pick(&PEOPLE),
                time: opened + 7 * 60 * branches.len() as i64,
                message: format!(
                    "{}: propose {what}\n\nOpened for the next review; the evidence is in the linked evaluation.",
                    id(i)
                ),
                files: vec![FileWrite {
                    path: path(i),
                    text: canonical::use_case(&u),
                }],
            }],
        });
    }
    Ok(History {
        main,
        tags,
        branches,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::{self, Content, Snapshot, SourceFile};

    fn today() -> Date {
        Date::parse("2026-11-29").unwrap()
    }

    /// The files of `h` after main's last commit, as a state-directory snapshot.
    fn snapshot(files: &std::collections::BTreeMap<&str, &str>) -> Snapshot {
        let prefix = format!("{STATE_DIR}/");
        Snapshot {
            root: STATE_DIR.to_owned(),
            files: files
                .iter()
                .filter_map(|(p, text)| {
                    p.strip_prefix(&prefix).map(|rel| SourceFile {
                        rel: rel.to_owned(),
                        content: Content::Bytes(text.as_bytes().to_vec()),
                    })
                })
                .collect(),
        }
    }

    #[test]
    fn use_cases_have_the_realistic_shape_and_validate() {
        let h = plan(200, 400, 0, 11, today()).unwrap();
        for at in [0, h.main.len() - 1] {
            let files = h.files_at(at);
            let reg = register::load(&snapshot(&files), None, today());
            assert_eq!(reg.use_cases.len(), 200);
            assert_eq!(reg.errors(), 0, "{:#?}", reg.diagnostics);
            assert_eq!(reg.warnings(), 0, "{:#?}", reg.diagnostics);
            let sizes: Vec<usize> = files
                .iter()
                .filter(|(p, _)| p.contains("/use-cases/"))
                .map(|(_, t)| t.len())
                .collect();
            let mean = sizes.iter().sum::<usize>() as f64 / sizes.len() as f64;
            // 9-12 measurements and 4-6 ROI entries of about 150 bytes each, plus
            // two 200-character texts: about 3.4 KB in the canonical format.
            assert!(
                (3000.0..=3900.0).contains(&mean),
                "mean {mean} bytes at commit {at}"
            );
            for u in reg.use_cases.iter().map(|e| &e.use_case) {
                assert!(
                    (9..=MAX_MEASUREMENTS).contains(&u.measurements.len()),
                    "{}",
                    u.title
                );
                assert!((4..=MAX_ROI).contains(&u.roi.len()), "{}", u.title);
                assert!(
                    (150..=280).contains(&u.summary.chars().count()),
                    "{}",
                    u.summary
                );
                assert!(
                    (120..=300).contains(&u.notes.chars().count()),
                    "{}",
                    u.notes
                );
            }
        }
        // The prose varies: hardly two summaries or notes alike.
        let last = h.files_at(h.main.len() - 1);
        let reg = register::load(&snapshot(&last), None, today());
        let summaries: std::collections::BTreeSet<&str> = reg
            .use_cases
            .iter()
            .map(|e| e.use_case.summary.as_str())
            .collect();
        let notes: std::collections::BTreeSet<&str> = reg
            .use_cases
            .iter()
            .map(|e| e.use_case.notes.as_str())
            .collect();
        assert!(
            summaries.len() > 150,
            "{} distinct summaries",
            summaries.len()
        );
        assert!(notes.len() > 150, "{} distinct notes", notes.len());
    }

    #[test]
    fn proposals_branch_off_main_each_changing_one_use_case() {
        let without = plan(50, 100, 0, 3, today()).unwrap();
        let with = plan(50, 100, 20, 3, today()).unwrap();
        assert_eq!(with.main, without.main, "proposals leave main as it was");
        assert_eq!(with.branches.len(), 20);
        let head = with.files_at(with.main.len() - 1);
        let mut names = std::collections::BTreeSet::new();
        for b in &with.branches {
            assert!(names.insert(b.name.as_str()), "{} twice", b.name);
            assert_eq!(b.base, with.main.len() - 1);
            let [c] = b.commits.as_slice() else {
                panic!("{}: {} commits", b.name, b.commits.len())
            };
            assert!(c.time > with.main[b.base].time);
            let [f] = c.files.as_slice() else {
                panic!("{} changes {} files", b.name, c.files.len())
            };
            assert!(
                b.name
                    .ends_with(&f.path[f.path.len() - 12..f.path.len() - 4])
            );
            assert_ne!(head[f.path.as_str()], f.text, "{} changes nothing", b.name);
            let mut files = head.clone();
            files.insert(&f.path, &f.text);
            let reg = register::load(&snapshot(&files), None, today());
            assert_eq!(reg.errors(), 0, "{}: {:#?}", b.name, reg.diagnostics);
        }
        assert!(plan(5, 10, 6, 3, today()).is_err());
    }
}
