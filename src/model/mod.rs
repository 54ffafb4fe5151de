//! The register's data model: what one RON file holds, as plain values.
//!
//! Pure types with serde derives that mirror the files under `state/`
//! (see `docs/schema.md`). Unknown fields are rejected so that a typo never
//! drops data silently. Writing the canonical layout lives in [`canonical`].

pub mod canonical;
mod date;
mod id;
pub mod review;

pub use date::Date;
pub use id::{IdError, UseCaseId};

use serde::{Deserialize, Serialize};

/// Current on-disk schema version, the `schema` field of `register.ron`.
pub const SCHEMA_VERSION: u32 = 1;

/// `state/register.ron`: the register's settings.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "Register", deny_unknown_fields)]
pub struct Settings {
    /// Display name of the register, e.g. the organization.
    pub name: String,
    /// Schema version; only [`SCHEMA_VERSION`] is understood.
    pub schema: u32,
    /// First month (1-12) of the fiscal year, for quarter and year totals.
    pub fiscal_year_start_month: u32,
    /// Currency code that money amounts are reported in, e.g. `USD`.
    pub currency: String,
    /// Pins the evaluation date (a frozen demo or audit snapshot).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub as_of: Option<Date>,
}

/// The roadmap stage of a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Stage {
    /// A high-value application is being identified and tried with prompting.
    Identify,
    /// Examples and outcomes are being collected into training data.
    Collect,
    /// A model is being fine-tuned.
    FineTune,
    /// The use case is in production and evaluated continuously.
    Evaluate,
    /// The use case no longer pays and has been retired.
    Retired,
}

impl Stage {
    /// Every stage in roadmap order.
    pub const ALL: [Stage; 5] = [
        Stage::Identify,
        Stage::Collect,
        Stage::FineTune,
        Stage::Evaluate,
        Stage::Retired,
    ];

    /// The name as written in RON files.
    pub fn name(self) -> &'static str {
        match self {
            Stage::Identify => "Identify",
            Stage::Collect => "Collect",
            Stage::FineTune => "FineTune",
            Stage::Evaluate => "Evaluate",
            Stage::Retired => "Retired",
        }
    }

    /// The next stage on the roadmap, if any.
    pub fn next(self) -> Option<Stage> {
        Stage::ALL.get(self as usize + 1).copied()
    }

    /// The previous stage on the roadmap, if any.
    pub fn previous(self) -> Option<Stage> {
        (self as usize).checked_sub(1).map(|i| Stage::ALL[i])
    }
}

/// How a prompt is engineered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Technique {
    /// Instructions only.
    ZeroShot,
    /// Instructions with worked examples.
    FewShot,
    /// Step-by-step reasoning prompts.
    ChainOfThought,
    /// Retrieval-augmented generation.
    Retrieval,
}

/// How a model is fine-tuned.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Method {
    /// All weights trained.
    Full,
    /// Low-rank adapters.
    Lora,
    /// Quantized low-rank adapters.
    Qlora,
    /// Another parameter-efficient method.
    OtherPeft,
}

/// How the use case is built.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum Approach {
    /// Prompt engineering on a general model.
    Prompting {
        /// The prompting technique.
        technique: Technique,
        /// The model prompted, e.g. `gpt-4o`.
        model: String,
    },
    /// A fine-tuned model.
    FineTuned {
        /// The fine-tuning method.
        method: Method,
        /// The base model that was fine-tuned.
        base_model: String,
        /// The training data set.
        dataset: String,
    },
    /// Both halves, each described in free text.
    Hybrid {
        /// The prompting half.
        prompting: String,
        /// The fine-tuned half.
        fine_tuned: String,
    },
    /// AI that is neither prompting nor a fine-tuned language model
    /// (classical machine learning, computer vision, ...): governed like the
    /// rest, with no readiness verdict.
    Other {
        /// What it is, e.g. `Classical ML`.
        description: String,
    },
}

impl Approach {
    /// The variant name as written in RON files.
    pub fn kind(&self) -> &'static str {
        match self {
            Approach::Prompting { .. } => "Prompting",
            Approach::FineTuned { .. } => "FineTuned",
            Approach::Hybrid { .. } => "Hybrid",
            Approach::Other { .. } => "Other",
        }
    }
}

/// Risk tier, after the EU AI Act.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Risk {
    /// Minimal risk.
    Minimal,
    /// Limited risk (transparency obligations).
    Limited,
    /// High risk.
    High,
    /// Unacceptable risk (prohibited practices).
    Unacceptable,
}

impl Risk {
    /// Every tier from lowest to highest.
    pub const ALL: [Risk; 4] = [Risk::Minimal, Risk::Limited, Risk::High, Risk::Unacceptable];

    /// The name as written in RON files.
    pub fn name(self) -> &'static str {
        match self {
            Risk::Minimal => "Minimal",
            Risk::Limited => "Limited",
            Risk::High => "High",
            Risk::Unacceptable => "Unacceptable",
        }
    }
}

/// How specific the task is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Specificity {
    /// Broad, open-ended requests.
    General,
    /// Partly specialised.
    Mixed,
    /// One narrow, repeated task.
    Narrow,
}

impl Specificity {
    /// The name as written in RON files.
    pub fn name(self) -> &'static str {
        match self {
            Specificity::General => "General",
            Specificity::Mixed => "Mixed",
            Specificity::Narrow => "Narrow",
        }
    }
}

/// The decision profile: the facts the readiness engine weighs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// How specific the task is.
    pub specificity: Specificity,
    /// Similar requests per day.
    pub daily_volume: u64,
    /// Curated input/output pairs ready for training.
    pub curated_examples: u64,
    /// ML engineers are available to this use case.
    pub ml_expertise: bool,
    /// Approved customization budget in the register's currency.
    pub budget_usd: u64,
    /// The timeline allows a training period.
    pub can_wait_weeks: bool,
    /// Compliance or brand voice demand consistent outputs.
    pub needs_consistency: bool,
}

/// Targets that measurements are judged against; every field optional.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Targets {
    /// Target accuracy, a fraction in [0, 1].
    #[serde(default)]
    pub accuracy: Option<f64>,
    /// Target 95th percentile latency in milliseconds.
    #[serde(default)]
    pub p95_latency_ms: Option<u32>,
    /// Target cost per 1,000 requests.
    #[serde(default)]
    pub cost_per_1k_usd: Option<f64>,
}

/// One evaluation of the use case at a date.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Measurement {
    /// When it was measured.
    pub date: Date,
    /// Accuracy, a fraction in [0, 1].
    pub accuracy: f64,
    /// Output consistency, a fraction in [0, 1].
    pub consistency: f64,
    /// 95th percentile latency in milliseconds.
    pub p95_latency_ms: u32,
    /// Cost per 1,000 requests.
    pub cost_per_1k_usd: f64,
    /// User satisfaction on a 1-5 scale.
    pub satisfaction: f64,
    /// Where the numbers come from (an eval run, a report).
    pub source: String,
}

/// What kind of value an ROI entry evidences.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RoiKind {
    /// Costs avoided.
    CostSaving,
    /// Staff time saved, valued.
    TimeSaved,
    /// Revenue gained.
    Revenue,
    /// Risk reduced, valued.
    RiskReduction,
}

/// The period an ROI value covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Period {
    /// One month.
    Month,
    /// One quarter.
    Quarter,
    /// One year.
    Year,
    /// A one-off amount.
    OneOff,
}

/// How solid an ROI figure is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Confidence {
    /// Measured from real outcomes.
    Measured,
    /// An estimate.
    Estimated,
}

/// One piece of ROI evidence.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RoiEntry {
    /// When the value was realised or reported.
    pub date: Date,
    /// What kind of value.
    pub kind: RoiKind,
    /// The amount in the register's currency.
    pub value_usd: u64,
    /// The period the amount covers.
    pub period: Period,
    /// Where the evidence is (a document, a dashboard).
    pub evidence: String,
    /// Measured or estimated.
    pub confidence: Confidence,
}

/// One AI use case: the content of `state/use-cases/<id>.ron`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UseCase {
    /// Short human title.
    pub title: String,
    /// What it does, in a sentence or two.
    pub summary: String,
    /// Accountable owner (an e-mail address).
    pub owner: String,
    /// Owning team.
    pub team: String,
    /// Roadmap stage.
    pub stage: Stage,
    /// How it is built.
    pub approach: Approach,
    /// Risk tier.
    pub risk: Risk,
    /// Decision profile.
    pub profile: Profile,
    /// Targets for measurements.
    #[serde(default)]
    pub targets: Targets,
    /// Measurements, oldest first.
    #[serde(default)]
    pub measurements: Vec<Measurement>,
    /// ROI evidence, oldest first.
    #[serde(default)]
    pub roi: Vec<RoiEntry>,
    /// Free-form notes (comments in files are not preserved; use this).
    pub notes: String,
    /// Where the use case was imported from, so that a later import
    /// updates it instead of adding a duplicate.
    #[serde(default)]
    pub source: Option<Source>,
    /// Where the team knows the cost of fine-tuning better than the policy
    /// (a training quote, a hosting plan); see [`crate::economics`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economics: Option<crate::economics::Overrides>,
    /// The last day of the prompting baseline, when it is not the day
    /// history shows the approach changed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baseline_until: Option<Date>,
}

/// Where a use case came from: a system and the id it has there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    /// The system or inventory, e.g. `omb-2025`.
    pub system: String,
    /// The use case's id in that system, e.g. `DOC/DOC-0042`.
    pub id: String,
}

/// A readiness criterion, as named in `policy.ron`'s `gates`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Criterion {
    /// Enough curated examples.
    Data,
    /// Enough daily volume.
    Volume,
    /// A narrow task.
    Specificity,
    /// Measured ROI over the last year.
    ProvenValue,
    /// Prompting has plateaued below target.
    Plateau,
    /// ML engineers available.
    Expertise,
    /// Budget approved.
    Budget,
    /// The timeline allows training.
    Timeline,
    /// Fine-tuning pays back its one-off cost soon enough: evaluated only
    /// when a policy lists it in `gates` (see [`crate::economics`]).
    Payback,
}

impl Criterion {
    /// The eight criteria evaluated for every prompt-based use case, in
    /// order, and the default policy's gates. [`Criterion::Payback`] follows
    /// them where a policy gates on it.
    pub const ALL: [Criterion; 8] = [
        Criterion::Data,
        Criterion::Volume,
        Criterion::Specificity,
        Criterion::ProvenValue,
        Criterion::Plateau,
        Criterion::Expertise,
        Criterion::Budget,
        Criterion::Timeline,
    ];

    /// The snake_case name used in output (`proven_value`).
    pub fn key(self) -> &'static str {
        match self {
            Criterion::Data => "data",
            Criterion::Volume => "volume",
            Criterion::Specificity => "specificity",
            Criterion::ProvenValue => "proven_value",
            Criterion::Plateau => "plateau",
            Criterion::Expertise => "expertise",
            Criterion::Budget => "budget",
            Criterion::Timeline => "timeline",
            Criterion::Payback => "payback",
        }
    }
}

/// `state/policy.ron`: the thresholds of the readiness engine.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// `data` passes at this many curated examples.
    pub min_curated_examples: u64,
    /// `volume` passes at this many requests per day.
    pub min_daily_volume: u64,
    /// `proven_value` passes at this much measured ROI in the last 365 days.
    pub min_annual_roi_usd: u64,
    /// How many latest measurements the plateau is judged over.
    pub plateau_window: u32,
    /// `plateau` passes when accuracy gained over the window is below this.
    pub plateau_max_gain: f64,
    /// `budget` passes at this approved budget.
    pub min_budget_usd: u64,
    /// A use case with no measurement in this many days is flagged `stale`.
    pub stale_after_days: u32,
    /// A drop of latest accuracy below the previous by more than this is a `regression`.
    pub regression_drop: f64,
    /// The criteria that must all pass for `ready`.
    pub gates: Vec<Criterion>,
    /// Which review decisions need approvals, by risk tier (optional; see
    /// `docs/review.md`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub approvals: Vec<review::ApprovalRule>,
    /// The cost model of fine-tuning (the defaults when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub economics: Option<crate::economics::CostModel>,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            min_curated_examples: 1000,
            min_daily_volume: 1000,
            min_annual_roi_usd: 25000,
            plateau_window: 3,
            plateau_max_gain: 0.02,
            min_budget_usd: 20000,
            stale_after_days: 120,
            regression_drop: 0.03,
            gates: Criterion::ALL.to_vec(),
            approvals: Vec::new(),
            economics: None,
        }
    }
}

impl Settings {
    /// Settings for a new register called `name`.
    pub fn new(name: &str) -> Settings {
        Settings {
            name: name.to_owned(),
            schema: SCHEMA_VERSION,
            fiscal_year_start_month: 1,
            currency: "USD".to_owned(),
            as_of: None,
        }
    }
}

/// The title `ripen new` gives when none is given: a placeholder.
pub const PLACEHOLDER_TITLE: &str = "New use case";
/// The owner `ripen new` gives when none is given: a placeholder.
pub const PLACEHOLDER_OWNER: &str = "owner@example.invalid";
/// The team `ripen new` gives when none is given: a placeholder.
pub const PLACEHOLDER_TEAM: &str = "To be assigned";
/// The summary `ripen new` writes: a placeholder.
pub const PLACEHOLDER_SUMMARY: &str = "Placeholder: what the use case does, in a sentence or two.";
/// The prompting model `ripen new` writes: a placeholder.
pub const PLACEHOLDER_MODEL: &str = "placeholder-model";
/// The notes `ripen new` writes: a placeholder.
pub const PLACEHOLDER_NOTES: &str = "Placeholder notes from ripen new: fill in every field, review the risk tier, then run ripen validate.";

impl UseCase {
    /// A plain new use case that validates cleanly (stage Identify, zero-shot
    /// prompting, an empty profile), for tests and generated registers.
    pub fn scaffold(title: &str, owner: &str, team: &str) -> UseCase {
        UseCase {
            title: title.to_owned(),
            summary: "What the use case does, in a sentence or two.".to_owned(),
            owner: owner.to_owned(),
            team: team.to_owned(),
            stage: Stage::Identify,
            approach: Approach::Prompting {
                technique: Technique::ZeroShot,
                model: "to-be-chosen".to_owned(),
            },
            risk: Risk::Limited,
            profile: Profile {
                specificity: Specificity::General,
                daily_volume: 0,
                curated_examples: 0,
                ml_expertise: false,
                budget_usd: 0,
                can_wait_weeks: false,
                needs_consistency: false,
            },
            targets: Targets::default(),
            measurements: Vec::new(),
            roi: Vec::new(),
            notes: "Scaffolded by `ripen new`: fill in every field, review the risk tier, then run `ripen validate`.".to_owned(),
            source: None,
            economics: None,
            baseline_until: None,
        }
    }

    /// What `ripen new` writes: a [`UseCase::scaffold`] whose summary,
    /// model and notes are the `PLACEHOLDER_*` values, which validation
    /// reports as warnings until someone replaces them.
    pub fn placeholder(title: &str, owner: &str, team: &str) -> UseCase {
        let mut u = UseCase::scaffold(title, owner, team);
        u.summary = PLACEHOLDER_SUMMARY.to_owned();
        u.approach = Approach::Prompting {
            technique: Technique::ZeroShot,
            model: PLACEHOLDER_MODEL.to_owned(),
        };
        u.notes = PLACEHOLDER_NOTES.to_owned();
        u
    }
}
