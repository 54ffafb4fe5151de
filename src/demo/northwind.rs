//! The Northwind Group register, walked backwards from the shipped files.
//!
//! The files under `state/` are the final state. A script per use case says
//! when it was registered, at which stage and with which approach, and when
//! it moved on; every measurement and ROI entry is committed a few days
//! after its date, by the person who looks after the use case, and the
//! number of curated examples grows toward its final value. Every date is
//! shifted by the days between the shipped `as_of` and `today`, so the
//! verdicts on `today` are exactly those of the shipped register.

use std::collections::{BTreeMap, HashMap};

use super::rng::Rng;
use super::{
    DemoError, FileWrite, History, PEOPLE, Person, PlannedBranch, PlannedCommit, STATE_DIR,
    add_days, at, quarter, review_tags, strictly_increasing, weekday_on_or_after,
};
use crate::model::{
    Approach, Confidence, Date, Measurement, Period, Policy, RoiEntry, RoiKind, Settings, Stage,
    Technique, UseCase, canonical,
};
use crate::register::{
    self, Content, POLICY_FILE, SETTINGS_FILE, Snapshot, SourceFile, USE_CASES_DIR,
};

const REGISTER: &str = include_str!("../../state/register.ron");
const POLICY: &str = include_str!("../../state/policy.ron");

macro_rules! shipped {
    ($($id:literal),* $(,)?) => {
        [$(($id, include_str!(concat!("../../state/use-cases/", $id, ".ron")))),*]
    };
}

/// The shipped use cases, by id.
const FILES: [(&str, &str); 20] = shipped![
    "claims-triage",
    "clinical-coding",
    "code-review-assistant",
    "contract-review",
    "customer-faq",
    "document-intake",
    "email-auto-reply",
    "emotion-recognition-pilot",
    "fraud-narrative",
    "hr-policy-qa",
    "investment-summaries",
    "invoice-extraction",
    "it-support-assistant",
    "kb-search",
    "marketing-copy",
    "meeting-summaries",
    "patient-communications",
    "policy-translation",
    "product-descriptions",
    "sales-email-drafting",
];

// People, by their index in PEOPLE.
const ELEANOR: usize = 0;
const KENJI: usize = 1;
const JAMES: usize = 2;
const AISHA: usize = 3;
const SAMUEL: usize = 4;
const PRIYA: usize = 5;

/// The policy before the change, and when it changed (shipped calendar).
const OLD_MIN_ANNUAL_ROI: u64 = 20000;
const POLICY_CHANGE: &str = "2025-10-06";
/// When the register was created (shipped calendar).
const CREATED: &str = "2024-05-06";

/// An approach, relative to the final one.
#[derive(Clone, Copy)]
enum Ap {
    /// Unchanged (at registration: the final approach).
    Keep,
    /// The final approach.
    Final,
    /// Prompting with a technique and a model.
    Prompt(Technique, &'static str),
    /// The final fine-tuned approach with an earlier data set.
    Dataset(&'static str),
}

/// A change to a use case on a date (shipped calendar).
struct Step {
    date: &'static str,
    stage: Option<Stage>,
    approach: Ap,
    risk: Option<crate::model::Risk>,
    by: usize,
    message: &'static str,
}

const fn mv(date: &'static str, stage: Stage, by: usize, message: &'static str) -> Step {
    Step {
        date,
        stage: Some(stage),
        approach: Ap::Keep,
        risk: None,
        by,
        message,
    }
}

const fn mv_with(
    date: &'static str,
    stage: Option<Stage>,
    approach: Ap,
    by: usize,
    message: &'static str,
) -> Step {
    Step {
        date,
        stage,
        approach,
        risk: None,
        by,
        message,
    }
}

/// How one use case came to be what it is.
struct Script {
    id: &'static str,
    /// Who records its evaluations and ROI.
    by: usize,
    /// When it was registered (shipped calendar).
    intro: &'static str,
    stage: Stage,
    approach: Ap,
    risk: Option<crate::model::Risk>,
    steps: &'static [Step],
}

const fn script(
    id: &'static str,
    by: usize,
    intro: &'static str,
    stage: Stage,
    approach: Ap,
    steps: &'static [Step],
) -> Script {
    Script {
        id,
        by,
        intro,
        stage,
        approach,
        risk: None,
        steps,
    }
}

use Stage::{Collect, Evaluate, FineTune, Identify, Retired};
use Technique::{FewShot, Retrieval, ZeroShot};

const SCRIPTS: [Script; 20] = [
    script(
        "claims-triage",
        JAMES,
        "2025-08-18",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-01-19",
            Collect,
            JAMES,
            "claims-triage: move to Collect\n\nHandlers confirm every routing, so each confirmed routing is a training pair; start curating them.",
        )],
    ),
    script(
        "clinical-coding",
        SAMUEL,
        "2025-02-10",
        Identify,
        Ap::Prompt(FewShot, "gpt-4o"),
        &[
            mv(
                "2025-04-14",
                Collect,
                SAMUEL,
                "clinical-coding: move to Collect\n\nCertified coders confirm the suggested codes; confirmed visits become training data.",
            ),
            mv_with(
                "2025-07-21",
                Some(FineTune),
                Ap::Final,
                KENJI,
                "clinical-coding: fine-tune a LoRA on coder-confirmed visits\n\nFew-shot prompting could not learn our coding conventions; the ML platform team trains llama-3.1-8b on 18,000 confirmed visits.",
            ),
            mv_with(
                "2026-04-20",
                None,
                Ap::Keep,
                SAMUEL,
                "clinical-coding: pause training until the DPIA is renewed\n\nThe data-protection impact assessment for visit notes must be renewed before run 9.",
            ),
        ],
    ),
    script(
        "code-review-assistant",
        KENJI,
        "2025-06-09",
        Identify,
        Ap::Prompt(FewShot, "gpt-4o"),
        &[
            mv(
                "2025-10-13",
                Collect,
                KENJI,
                "code-review-assistant: move to Collect\n\nExport accepted review comments from 2023-2025 as training pairs.",
            ),
            mv_with(
                "2026-02-16",
                Some(FineTune),
                Ap::Final,
                KENJI,
                "code-review-assistant: move from few-shot prompting to a LoRA fine-tune\n\nPrompting is stuck at 0.61 on our internal-library rules; 14,000 accepted comments are curated.",
            ),
        ],
    ),
    script(
        "contract-review",
        JAMES,
        "2025-07-07",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-02-09",
            Collect,
            JAMES,
            "contract-review: move to Collect\n\nParalegals label reviewed clauses as training pairs while the prompt is tuned.",
        )],
    ),
    script(
        "customer-faq",
        AISHA,
        "2025-08-04",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-05-11",
            Collect,
            AISHA,
            "customer-faq: move to Collect\n\nThe QA team curates chat transcripts with agent-approved answers.",
        )],
    ),
    script(
        "document-intake",
        PRIYA,
        "2024-09-16",
        Identify,
        Ap::Prompt(ZeroShot, "gpt-4o-mini"),
        &[
            mv(
                "2024-12-02",
                Collect,
                PRIYA,
                "document-intake: move to Collect\n\nThe mailroom labels scanned items by document type.",
            ),
            mv_with(
                "2025-03-10",
                Some(FineTune),
                Ap::Final,
                KENJI,
                "document-intake: train a document-type classifier\n\nA LoRA on a layout model sorts the mail; the prompt keeps extracting the fields.",
            ),
            mv(
                "2025-08-25",
                Evaluate,
                PRIYA,
                "document-intake: in production\n\nThe classifier sorts all incoming mail; weekly 200-item samples from now on.",
            ),
        ],
    ),
    script(
        "email-auto-reply",
        AISHA,
        "2024-06-03",
        Identify,
        Ap::Keep,
        &[
            mv(
                "2024-09-09",
                Evaluate,
                AISHA,
                "email-auto-reply: in production for all customer email",
            ),
            mv(
                "2025-07-31",
                Retired,
                ELEANOR,
                "email-auto-reply: retire\n\nSatisfaction fell below 3 and email volume dropped as the web chat took over; its traffic goes to customer-faq.",
            ),
        ],
    ),
    Script {
        id: "emotion-recognition-pilot",
        by: AISHA,
        intro: "2024-05-13",
        stage: FineTune,
        approach: Ap::Dataset("datasets/agent-emotion-pilot"),
        risk: Some(crate::model::Risk::High),
        steps: &[
            Step {
                date: "2025-01-20",
                stage: Some(Retired),
                approach: Ap::Keep,
                risk: Some(crate::model::Risk::Unacceptable),
                by: ELEANOR,
                message: "emotion-recognition-pilot: stop the pilot, a prohibited practice\n\nDecided by the AI Governance Board: emotion recognition in the workplace is prohibited under EU AI Act Art. 5(1)(f) from 2025-02-02, and the works council objected.",
            },
            mv_with(
                "2025-02-14",
                None,
                Ap::Final,
                ELEANOR,
                "emotion-recognition-pilot: record the deletion of data and adapters (GOV-231)",
            ),
        ],
    },
    script(
        "fraud-narrative",
        JAMES,
        "2025-01-13",
        Identify,
        Ap::Prompt(FewShot, "mistral-7b-instruct-v0.3"),
        &[
            mv(
                "2025-03-17",
                Collect,
                JAMES,
                "fraud-narrative: move to Collect\n\nInvestigators' approved narratives become training data; case data stays in the SIU enclave.",
            ),
            mv_with(
                "2025-06-23",
                Some(FineTune),
                Ap::Dataset("datasets/siu-narratives-v1"),
                KENJI,
                "fraud-narrative: QLoRA fine-tune on-premises\n\nCase data cannot leave the enclave, so a 7B model is tuned on a single GPU.",
            ),
            mv_with(
                "2025-11-17",
                Some(Evaluate),
                Ap::Final,
                KENJI,
                "fraud-narrative: promote the v2 model to production",
            ),
        ],
    ),
    script(
        "hr-policy-qa",
        SAMUEL,
        "2025-03-03",
        Identify,
        Ap::Prompt(Retrieval, "gpt-4o-mini"),
        &[
            mv(
                "2025-05-19",
                Collect,
                SAMUEL,
                "hr-policy-qa: move to Collect\n\nLabel employee questions by intent for a routing classifier.",
            ),
            mv_with(
                "2025-08-04",
                Some(FineTune),
                Ap::Final,
                KENJI,
                "hr-policy-qa: add a fine-tuned intent classifier in front of retrieval",
            ),
            mv(
                "2025-11-10",
                Evaluate,
                SAMUEL,
                "hr-policy-qa: in production for all employees",
            ),
        ],
    ),
    script(
        "investment-summaries",
        JAMES,
        "2026-02-16",
        Identify,
        Ap::Keep,
        &[],
    ),
    script(
        "invoice-extraction",
        PRIYA,
        "2025-09-08",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-04-13",
            Collect,
            PRIYA,
            "invoice-extraction: move to Collect\n\nInvoices corrected in the review queue double as training pairs.",
        )],
    ),
    script(
        "it-support-assistant",
        PRIYA,
        "2025-04-07",
        Identify,
        Ap::Keep,
        &[mv(
            "2025-11-03",
            Collect,
            PRIYA,
            "it-support-assistant: move to Collect\n\nL2 engineers label resolved tickets.",
        )],
    ),
    script("kb-search", JAMES, "2026-01-26", Identify, Ap::Keep, &[]),
    script(
        "marketing-copy",
        AISHA,
        "2025-09-22",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-01-12",
            Evaluate,
            AISHA,
            "marketing-copy: in production for every campaign",
        )],
    ),
    script(
        "meeting-summaries",
        PRIYA,
        "2025-10-06",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-02-02",
            Evaluate,
            PRIYA,
            "meeting-summaries: rolled out to all staff",
        )],
    ),
    script(
        "patient-communications",
        SAMUEL,
        "2025-07-14",
        Identify,
        Ap::Keep,
        &[mv_with(
            "2026-04-27",
            None,
            Ap::Keep,
            SAMUEL,
            "patient-communications: pause the pilot pending the clinical safety review",
        )],
    ),
    script(
        "policy-translation",
        KENJI,
        "2024-07-15",
        Identify,
        Ap::Prompt(FewShot, "gpt-4o"),
        &[
            mv(
                "2024-10-07",
                Collect,
                KENJI,
                "policy-translation: move to Collect\n\nAgency translations of past policy documents become aligned training segments.",
            ),
            mv_with(
                "2025-01-27",
                Some(FineTune),
                Ap::Dataset("datasets/policy-translation-v3"),
                KENJI,
                "policy-translation: fully fine-tune NLLB on our policy wording",
            ),
            mv_with(
                "2025-06-16",
                Some(Evaluate),
                Ap::Final,
                KENJI,
                "policy-translation: replace the agency for routine documents\n\nThe v4 model passes reviewer checks on routine documents.",
            ),
        ],
    ),
    script(
        "product-descriptions",
        AISHA,
        "2025-10-13",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-03-09",
            Collect,
            AISHA,
            "product-descriptions: move to Collect\n\nEditor-approved descriptions are curated as training pairs.",
        )],
    ),
    script(
        "sales-email-drafting",
        AISHA,
        "2025-11-03",
        Identify,
        Ap::Keep,
        &[mv(
            "2026-04-06",
            Collect,
            AISHA,
            "sales-email-drafting: move to Collect\n\nSent emails are labelled with their reply outcomes.",
        )],
    ),
];

fn bad(what: &str, e: impl std::fmt::Display) -> DemoError {
    DemoError::Plan(format!(
        "the embedded demo register is invalid ({what}): {e}"
    ))
}

fn date(s: &str) -> Result<Date, DemoError> {
    Date::parse(s).map_err(|e| bad("script date", e))
}

/// Rewrites quarter, month and year labels in evidence strings
/// (`eval-2025-q3`, `eval-2025-12`, `estimate-2026.md`) by `quarters`.
fn relabel(s: &str, quarters: i32) -> String {
    if quarters == 0 {
        return s.to_owned();
    }
    let b = s.as_bytes();
    let digit = |i: usize| b.get(i).is_some_and(u8::is_ascii_digit);
    let num = |from: usize, len: usize| -> i32 { s[from..from + len].parse().unwrap_or(0) };
    let mut out = String::with_capacity(s.len());
    let mut i = 0;
    while i < b.len() {
        let is_year = (0..4).all(|k| digit(i + k))
            && !digit(i + 4)
            && (i == 0 || !digit(i - 1))
            && (1990..=2100).contains(&num(i, 4));
        if !is_year {
            let c = s[i..].chars().next().unwrap_or(' ');
            out.push(c);
            i += c.len_utf8();
            continue;
        }
        let year = num(i, 4);
        let rest = &b[i + 4..];
        if rest.len() >= 3
            && rest[0] == b'-'
            && (rest[1] == b'q' || rest[1] == b'Q')
            && (b'1'..=b'4').contains(&rest[2])
            && !digit(i + 7)
        {
            let total = year * 4 + i32::from(rest[2] - b'1') + quarters;
            out.push_str(&format!(
                "{}-{}{}",
                total.div_euclid(4),
                rest[1] as char,
                total.rem_euclid(4) + 1
            ));
            i += 7;
        } else if rest.len() >= 3
            && rest[0] == b'-'
            && digit(i + 5)
            && digit(i + 6)
            && !digit(i + 7)
            && (1..=12).contains(&num(i + 5, 2))
        {
            let total = year * 12 + num(i + 5, 2) - 1 + 3 * quarters;
            out.push_str(&format!(
                "{}-{:02}",
                total.div_euclid(12),
                total.rem_euclid(12) + 1
            ));
            i += 7;
        } else {
            out.push_str(&(year + (quarters + 2).div_euclid(4)).to_string());
            i += 4;
        }
    }
    out
}

/// The use case with every date moved by `days` and evidence labels by `quarters`.
fn shifted(u: &UseCase, days: i64, quarters: i32) -> UseCase {
    let mut u = u.clone();
    for m in &mut u.measurements {
        m.date = add_days(m.date, days);
        m.source = relabel(&m.source, quarters);
    }
    for r in &mut u.roi {
        r.date = add_days(r.date, days);
        r.evidence = relabel(&r.evidence, quarters);
    }
    u.baseline_until = u.baseline_until.map(|d| add_days(d, days));
    if let Some(e) = &mut u.economics {
        for q in [&mut e.training_quote, &mut e.hosting_plan]
            .into_iter()
            .flatten()
        {
            q.as_of = add_days(q.as_of, days);
        }
    }
    u
}

fn approach_of(ap: Ap, current: &Approach, last: &Approach) -> Approach {
    match ap {
        Ap::Keep => current.clone(),
        Ap::Final => last.clone(),
        Ap::Prompt(technique, model) => Approach::Prompting {
            technique,
            model: model.to_owned(),
        },
        Ap::Dataset(dataset) => match last {
            Approach::FineTuned {
                method, base_model, ..
            } => Approach::FineTuned {
                method: *method,
                base_model: base_model.clone(),
                dataset: dataset.to_owned(),
            },
            other => other.clone(),
        },
    }
}

fn roi_phrase(r: &RoiEntry) -> String {
    let confidence = match r.confidence {
        Confidence::Measured => "measured",
        Confidence::Estimated => "estimated",
    };
    let kind = match r.kind {
        RoiKind::CostSaving => "cost saving",
        RoiKind::TimeSaved => "time saved",
        RoiKind::Revenue => "revenue",
        RoiKind::RiskReduction => "risk reduction",
    };
    let period = match r.period {
        Period::Month => "a month",
        Period::Quarter => "a quarter",
        Period::Year => "a year",
        Period::OneOff => "one-off",
    };
    format!(
        "{confidence} {kind} of {} {period}",
        crate::text::thousands(r.value_usd)
    )
}

fn measurement_line(m: &Measurement) -> String {
    format!(
        "Evaluation: accuracy {}, consistency {}, p95 {} ms, {} per 1k requests ({}).",
        m.accuracy, m.consistency, m.p95_latency_ms, m.cost_per_1k_usd, m.source
    )
}

/// A quarter label (`2026-Q3`) of a date, moved by `quarters`.
fn quarter_label(d: Date, quarters: i32) -> String {
    let total = d.year() * 4 + quarter(d) as i32 - 1 + quarters;
    format!("{}-Q{}", total.div_euclid(4), total.rem_euclid(4) + 1)
}

fn use_case_path(id: &str) -> String {
    format!("{STATE_DIR}/{USE_CASES_DIR}/{id}.ron")
}

/// What an event does.
enum What {
    Create,
    Policy,
    Intro(usize),
    /// A use case's measurements and ROI entries of one date, by index.
    Data(usize, Vec<usize>, Vec<usize>),
    Step(usize, usize),
}

struct Event {
    time: i64,
    by: Person,
    what: What,
}

/// Minute of the working day (09:00 to 16:59).
fn work_minute(rng: &mut Rng) -> u32 {
    9 * 60 + rng.below(8 * 60) as u32
}

/// Rounds a count of examples the way people report it.
fn round_count(v: f64) -> u64 {
    let step = if v >= 1000.0 { 100.0 } else { 10.0 };
    ((v / step).round() * step).max(0.0) as u64
}

/// Plans the Northwind history as of `today`.
pub(super) fn plan(today: Date, seed: u64) -> Result<History, DemoError> {
    let settings =
        register::parse_settings(REGISTER).map_err(|e| bad("register.ron", e.message))?;
    let policy = register::parse_policy(POLICY).map_err(|e| bad("policy.ron", e.message))?;
    let mut finals: Vec<UseCase> = Vec::with_capacity(FILES.len());
    for (id, text) in FILES {
        finals.push(register::parse_use_case(text).map_err(|e| bad(id, e.message))?);
    }
    let shipped_as_of = settings
        .as_of
        .ok_or_else(|| bad("register.ron", "no as_of"))?;

    // Shift so that the shipped as-of date becomes today.
    let days = shipped_as_of.days_until(today);
    // Evidence labels name the quarter that ended before the (shifted) date.
    let quarters = (days as f64 / 91.3125).floor() as i32;
    let finals: Vec<UseCase> = finals.iter().map(|u| shifted(u, days, quarters)).collect();
    let shift = |s: &str| -> Result<Date, DemoError> { Ok(add_days(date(s)?, days)) };
    let mut rng = Rng::derive(seed, "northwind");

    let mut events = Vec::new();
    events.push(Event {
        time: at(
            weekday_on_or_after(shift(CREATED)?),
            10 * 60 + rng.below(30) as u32,
        ),
        by: PEOPLE[ELEANOR],
        what: What::Create,
    });
    events.push(Event {
        time: at(
            weekday_on_or_after(shift(POLICY_CHANGE)?),
            work_minute(&mut rng),
        ),
        by: PEOPLE[ELEANOR],
        what: What::Policy,
    });
    let mut intro_dates = Vec::with_capacity(SCRIPTS.len());
    for (k, s) in SCRIPTS.iter().enumerate() {
        if FILES[k].0 != s.id {
            return Err(bad(s.id, "script out of order"));
        }
        let intro = shift(s.intro)?;
        intro_dates.push(intro);
        events.push(Event {
            time: at(weekday_on_or_after(intro), work_minute(&mut rng)),
            by: PEOPLE[s.by],
            what: What::Intro(k),
        });
        for (j, step) in s.steps.iter().enumerate() {
            events.push(Event {
                time: at(
                    weekday_on_or_after(shift(step.date)?),
                    work_minute(&mut rng),
                ),
                by: PEOPLE[step.by],
                what: What::Step(k, j),
            });
        }
        // Entries of one date are committed together, a few days later.
        let u = &finals[k];
        let mut by_date: BTreeMap<Date, (Vec<usize>, Vec<usize>)> = BTreeMap::new();
        for (i, m) in u.measurements.iter().enumerate() {
            if m.date > intro {
                by_date.entry(m.date).or_default().0.push(i);
            }
        }
        for (i, r) in u.roi.iter().enumerate() {
            if r.date > intro {
                by_date.entry(r.date).or_default().1.push(i);
            }
        }
        for (d, (ms, rs)) in by_date {
            let lag = rng.range(3, 10);
            events.push(Event {
                time: at(weekday_on_or_after(add_days(d, lag)), work_minute(&mut rng)),
                by: PEOPLE[s.by],
                what: What::Data(k, ms, rs),
            });
        }
    }
    events.sort_by_key(|e| e.time);

    // When each use case is first and last touched, for curated examples and notes.
    let mut first_time: HashMap<usize, i64> = HashMap::new();
    let mut last_time: HashMap<usize, i64> = HashMap::new();
    for e in &events {
        let k = match e.what {
            What::Intro(k) | What::Data(k, ..) | What::Step(k, _) => k,
            _ => continue,
        };
        first_time.entry(k).or_insert(e.time);
        last_time.insert(k, e.time);
    }

    let settings_text = canonical::settings(&Settings {
        as_of: None,
        ..settings.clone()
    });
    let old_policy = Policy {
        min_annual_roi_usd: OLD_MIN_ANNUAL_ROI,
        ..policy.clone()
    };
    let mut current: Vec<Option<UseCase>> = vec![None; SCRIPTS.len()];
    let mut main = Vec::with_capacity(events.len());
    for e in &events {
        let (message, files) = match &e.what {
            What::Create => (
                format!(
                    "Create the {}\n\nSettings and the readiness policy; use cases are registered one commit each.",
                    settings.name
                ),
                vec![
                    FileWrite {
                        path: format!("{STATE_DIR}/{SETTINGS_FILE}"),
                        text: settings_text.clone(),
                    },
                    FileWrite {
                        path: format!("{STATE_DIR}/{POLICY_FILE}"),
                        text: canonical::policy(&old_policy),
                    },
                ],
            ),
            What::Policy => (
                format!(
                    "policy: raise min_annual_roi_usd from {OLD_MIN_ANNUAL_ROI} to {}\n\nAgreed at the AI Governance Board: a use case shows {} of measured value a year before a fine-tuning budget is approved.",
                    policy.min_annual_roi_usd,
                    crate::text::thousands(policy.min_annual_roi_usd)
                ),
                vec![FileWrite {
                    path: format!("{STATE_DIR}/{POLICY_FILE}"),
                    text: canonical::policy(&policy),
                }],
            ),
            What::Intro(k) | What::Data(k, ..) | What::Step(k, _) => {
                let k = *k;
                let s = &SCRIPTS[k];
                let last = &finals[k];
                let mut u = match current[k].take() {
                    Some(u) => u,
                    None => {
                        let intro = intro_dates[k];
                        let mut u = last.clone();
                        u.stage = s.stage;
                        u.approach = approach_of(s.approach, &last.approach, &last.approach);
                        u.risk = s.risk.unwrap_or(last.risk);
                        u.measurements.retain(|m| m.date <= intro);
                        u.roi.retain(|r| r.date <= intro);
                        u.notes = format!(
                            "Registered by {} at intake; baseline evaluation to follow.",
                            last.team
                        );
                        u
                    }
                };
                let before = u.clone();
                let mut body = Vec::new();
                let subject = match &e.what {
                    What::Intro(_) => {
                        body.push(format!(
                            "Owned by {} ({}). Starts at {} with {}.",
                            u.owner,
                            u.team,
                            u.stage.name(),
                            canonical::approach(&u.approach)
                        ));
                        format!("{}: register {}", s.id, u.title)
                    }
                    What::Step(_, j) => {
                        let step = &s.steps[*j];
                        if let Some(stage) = step.stage {
                            u.stage = stage;
                        }
                        u.approach = approach_of(step.approach, &u.approach, &last.approach);
                        if let Some(risk) = step.risk {
                            u.risk = risk;
                        }
                        let (subject, rest) = step
                            .message
                            .split_once("\n\n")
                            .unwrap_or((step.message, ""));
                        if !rest.is_empty() {
                            body.push(rest.to_owned());
                        }
                        subject.to_owned()
                    }
                    What::Data(_, ms, rs) => {
                        let mut label_date = None;
                        for &i in ms {
                            let m = last.measurements[i].clone();
                            label_date = Some(m.date);
                            body.push(measurement_line(&m));
                            let at = u.measurements.partition_point(|x| x.date <= m.date);
                            u.measurements.insert(at, m);
                        }
                        for &i in rs {
                            let r = last.roi[i].clone();
                            label_date = Some(r.date);
                            body.push(format!("ROI: {} ({}).", roi_phrase(&r), r.evidence));
                            let at = u.roi.partition_point(|x| x.date <= r.date);
                            u.roi.insert(at, r);
                        }
                        let label =
                            quarter_label(add_days(label_date.unwrap_or(today), -days), quarters);
                        let accuracy = ms.last().map(|&i| last.measurements[i].accuracy);
                        match (accuracy, rs.len()) {
                            (Some(a), 0) => format!("{}: {label} evaluation, accuracy {a}", s.id),
                            (Some(a), _) => format!(
                                "{}: {label} evaluation, accuracy {a}, and ROI evidence",
                                s.id
                            ),
                            (None, 1) => {
                                format!("{}: {label} ROI, {}", s.id, roi_phrase(&last.roi[rs[0]]))
                            }
                            (None, n) => format!("{}: {label} ROI evidence ({n} entries)", s.id),
                        }
                    }
                    _ => unreachable!("use-case events only"),
                };
                // Curated examples grow toward the final count; the last
                // commit that touches the use case sets the final notes.
                let (t0, t1) = (first_time[&k], last_time[&k]);
                let goal = last.profile.curated_examples as f64;
                u.profile.curated_examples = if e.time >= t1 || last.stage == Stage::Retired {
                    last.profile.curated_examples
                } else {
                    // Curating starts in earnest once a use case is past Identify.
                    let from = if s.stage == Stage::Identify {
                        0.15
                    } else {
                        0.6
                    };
                    let frac = (e.time - t0) as f64 / (t1 - t0).max(1) as f64;
                    round_count(goal * (from + (1.0 - from) * frac))
                };
                if e.time >= t1 {
                    u.notes = last.notes.clone();
                }
                if u.profile.curated_examples != before.profile.curated_examples
                    && !matches!(e.what, What::Intro(_))
                {
                    body.push(format!(
                        "Curated examples: {} -> {}.",
                        before.profile.curated_examples, u.profile.curated_examples
                    ));
                }
                let text = canonical::use_case(&u);
                current[k] = Some(u);
                let message = if body.is_empty() {
                    subject
                } else {
                    format!("{subject}\n\n{}", body.join("\n"))
                };
                (
                    message,
                    vec![FileWrite {
                        path: use_case_path(s.id),
                        text,
                    }],
                )
            }
        };
        main.push(PlannedCommit {
            author: e.by,
            time: e.time,
            message,
            files,
        });
    }
    strictly_increasing(&mut main);

    // The walk must end exactly at the shipped register.
    for (k, u) in current.iter().enumerate() {
        if u.as_ref() != Some(&finals[k]) {
            return Err(bad(
                SCRIPTS[k].id,
                "the history does not end at the shipped file",
            ));
        }
    }

    let tags = review_tags(&main, today, |label, end, files, _| {
        let prefix = format!("{STATE_DIR}/");
        let snapshot = Snapshot {
            root: STATE_DIR.to_owned(),
            files: files
                .iter()
                .filter_map(|(path, text)| {
                    path.strip_prefix(&prefix).map(|rel| SourceFile {
                        rel: rel.to_owned(),
                        content: Content::Bytes(text.as_bytes().to_vec()),
                    })
                })
                .collect(),
        };
        let reg = register::load(&snapshot, Some(end), today);
        let s = crate::report::summary(&crate::report::assess_all(&reg));
        format!(
            "{label} review: {} use case{}; {} ready, {} almost, {} not-yet, {} not applicable; {} stale, {} regression",
            s.use_cases,
            if s.use_cases == 1 { "" } else { "s" },
            s.ready,
            s.almost,
            s.not_yet,
            s.not_applicable,
            s.stale,
            s.regression
        )
    });

    let branches = proposals(&main, &finals, today)?;
    let mut history = History {
        main,
        tags,
        branches,
    };
    super::reviews::add(&mut history, today);
    Ok(history)
}

/// The two open proposals, off the last commit of `main`: one that
/// validates and one that does not.
fn proposals(
    main: &[PlannedCommit],
    finals: &[UseCase],
    today: Date,
) -> Result<Vec<PlannedBranch>, DemoError> {
    let base = main.len() - 1;
    let last_time = main[base].time;
    let find = |id: &str| -> Result<&UseCase, DemoError> {
        FILES
            .iter()
            .position(|(f, _)| *f == id)
            .map(|k| &finals[k])
            .ok_or_else(|| bad(id, "missing"))
    };

    let mut claims = find("claims-triage")?.clone();
    claims.stage = Stage::FineTune;
    claims.notes = "Proposed for fine-tuning: 5,200 handler-confirmed routings are curated, the task is narrow at 1,800 claims a day, the budget and ML engineers are in place, and measured time savings reached 16,000 a quarter. Prompt gains are real but each rubric took a quarter to build; a LoRA trained on the confirmed routings should reach the 0.90 target sooner. Prompting stays in production until the fine-tuned model beats it in shadow mode. A handler still confirms every routing: High risk because it affects claim outcomes.".to_owned();
    let claims_time = at(add_days(today, -2), 10 * 60 + 20).max(last_time + 3600);

    let mut translation = find("policy-translation")?.clone();
    if let Approach::FineTuned { dataset, .. } = &mut translation.approach {
        *dataset = "datasets/policy-translation-v5".to_owned();
    }
    translation.measurements.push(Measurement {
        date: add_days(today, -6),
        accuracy: 1.7,
        consistency: 0.93,
        p95_latency_ms: 750,
        cost_per_1k_usd: 0.3,
        satisfaction: 4.2,
        source: "lang/mqm-review-v5-candidate".to_owned(),
    });
    let translation_time = at(add_days(today, -1), 11 * 60 + 5).max(claims_time + 3600);

    Ok(vec![
        PlannedBranch {
            name: "proposal/claims-finetune".to_owned(),
            base,
            commits: vec![PlannedCommit {
                author: PEOPLE[JAMES],
                time: claims_time,
                message: "claims-triage: propose moving to FineTune\n\nThe data, volume, budget and expertise gates pass and measured savings grow every quarter. Accuracy still gains 3-4 points a quarter, so readiness says not yet; we propose starting the fine-tune now and keeping the prompt in production until the model beats it in shadow mode.".to_owned(),
                files: vec![FileWrite {
                    path: use_case_path("claims-triage"),
                    text: canonical::use_case(&claims),
                }],
            }],
        },
        PlannedBranch {
            name: "proposal/broken-translation".to_owned(),
            base,
            commits: vec![PlannedCommit {
                author: PEOPLE[KENJI],
                time: translation_time,
                message: "policy-translation: v5 retraining evaluation, pass rate 1.7\n\nRetrained on v5 with 3,000 reviewed cyber-insurance segments; MQM review of the candidate model.".to_owned(),
                files: vec![FileWrite {
                    path: use_case_path("policy-translation"),
                    text: canonical::use_case(&translation),
                }],
            }],
        },
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_move_by_whole_quarters() {
        assert_eq!(
            relabel("claims/triage-eval-2025-q3", 0),
            "claims/triage-eval-2025-q3"
        );
        assert_eq!(
            relabel("claims/triage-eval-2025-q3", 2),
            "claims/triage-eval-2026-q1"
        );
        assert_eq!(relabel("eval/legal/2026-Q1", -1), "eval/legal/2025-Q4");
        assert_eq!(relabel("cx/chat-eval-2025-12", 1), "cx/chat-eval-2026-03");
        assert_eq!(
            relabel("claims/leakage-estimate-2026.md", 4),
            "claims/leakage-estimate-2027.md"
        );
        assert_eq!(
            relabel("mlops/code-review/run-14", 3),
            "mlops/code-review/run-14"
        );
        assert_eq!(relabel("datasets/v12345-2026x", 4), "datasets/v12345-2027x");
    }

    #[test]
    fn counts_read_like_reports() {
        assert_eq!(crate::text::thousands(1234567), "1,234,567");
        assert_eq!(crate::text::thousands(900), "900");
        assert_eq!(round_count(5234.0), 5200);
        assert_eq!(round_count(347.0), 350);
    }
}
