//! Decision economics: what fine-tuning a use case would cost and save, and
//! whether a fine-tune that was made delivered what justified it.
//!
//! Pure: the cost model is data (the optional `economics` of `policy.ron`,
//! [`CostModel`], and a use case's optional overrides, [`Overrides`]); the
//! figures ([`Payback`], [`Realised`]) are plain values computed from a use
//! case's measurements, and every figure explains itself ([`Payback::lines`],
//! [`Realised::lines`]): its inputs and its formula, as the readiness
//! criteria do. See `docs/readiness.md` for a worked example.
//!
//! The arithmetic, with `D` = 365 / 12 days a month:
//!
//! - prompting run-rate = daily volume × cost per 1k ÷ 1000 × D;
//! - fine-tuned run-rate = prompting run-rate × `fine_tuned_cost_fraction`
//!   + monthly hosting and upkeep;
//! - monthly saving = prompting run-rate − fine-tuned run-rate;
//! - payback = one-off cost ÷ monthly saving, when the saving is positive;
//!   otherwise the use case does not pay back on cost;
//! - break-even daily volume = hosting ÷ (cost per 1k ÷ 1000 × D ×
//!   (1 − fraction)), rounded up: the least volume at which the saving is
//!   positive.

use serde::{Deserialize, Serialize};

use crate::model::{Approach, Date, Measurement, Method, UseCase};

/// Days in an average month: 365 / 12.
pub const DAYS_PER_MONTH: f64 = 365.0 / 12.0;

/// One-off cost of fine-tuning by method: data preparation, training
/// compute and expertise, in the register's currency.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MethodCosts {
    /// Full fine-tuning: every weight trained.
    pub full: u64,
    /// LoRA: about 75% less compute than full fine-tuning.
    pub lora: u64,
    /// QLoRA: LoRA on a quantized base model.
    pub qlora: u64,
    /// Another parameter-efficient method.
    pub other_peft: u64,
}

impl Default for MethodCosts {
    fn default() -> Self {
        // Data preparation and evaluation cost the same whatever the method
        // (USD 6,000); compute and expertise are USD 24,000 for a full
        // fine-tune, and LoRA saves 75% of it (USD 6,000).
        MethodCosts {
            full: 30000,
            lora: 12000,
            qlora: 11000,
            other_peft: 13000,
        }
    }
}

impl MethodCosts {
    /// The one-off cost of `method`.
    pub fn of(&self, method: Method) -> u64 {
        match method {
            Method::Full => self.full,
            Method::Lora => self.lora,
            Method::Qlora => self.qlora,
            Method::OtherPeft => self.other_peft,
        }
    }
}

/// What a vendor price stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum PriceItem {
    /// The one-off cost of fine-tuning with a method.
    Training(Method),
    /// Monthly hosting and upkeep of a fine-tuned model.
    Hosting,
}

impl PriceItem {
    /// How the item reads in a sentence: `LoRA training`, `hosting`.
    pub fn describe(self) -> String {
        match self {
            PriceItem::Training(m) => format!("{} training", method_name(m)),
            PriceItem::Hosting => "hosting".to_owned(),
        }
    }
}

/// A price from a vendor: replaces the policy's figure for its item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VendorPrice {
    /// What it prices.
    pub item: PriceItem,
    /// The amount (one-off for training, monthly for hosting).
    pub usd: u64,
    /// Where it comes from (a price list, a quote).
    pub source: String,
    /// When the vendor quoted it.
    pub as_of: Date,
}

/// `economics` in `policy.ron`: the cost model, every field optional.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CostModel {
    /// One-off cost per fine-tuning method.
    pub one_off_usd: MethodCosts,
    /// The method assumed for a prompt-based use case (default LoRA).
    pub method: Method,
    /// Monthly hosting and upkeep of a fine-tuned model.
    pub monthly_hosting_usd: u64,
    /// Per-request cost after fine-tuning, as a fraction of the prompting
    /// cost (shorter prompts, a smaller model).
    pub fine_tuned_cost_fraction: f64,
    /// Accuracy a fine-tune is expected to add (0.15, the low end of the
    /// 15-30% usually seen on specialised tasks).
    pub expected_accuracy_uplift: f64,
    /// The `payback` gate passes at a payback of at most this many months.
    pub max_payback_months: u32,
    /// Vendor prices, each replacing the figure of its item.
    pub prices: Vec<VendorPrice>,
    /// A vendor price or quote older than this many days is flagged.
    pub max_price_age_days: u32,
    /// A fine-tune whose accuracy uplift stays below this is `underdelivering`.
    pub min_realised_uplift: f64,
    /// How many measurements after the change before judging the uplift.
    pub judge_after_measurements: u32,
}

/// The cost model `policy` sets, or the default one where it sets none.
pub fn cost_model(policy: &crate::model::Policy) -> std::borrow::Cow<'_, CostModel> {
    match &policy.economics {
        Some(m) => std::borrow::Cow::Borrowed(m),
        None => std::borrow::Cow::Owned(CostModel::default()),
    }
}

impl Default for CostModel {
    fn default() -> Self {
        CostModel {
            one_off_usd: MethodCosts::default(),
            method: Method::Lora,
            monthly_hosting_usd: 400,
            fine_tuned_cost_fraction: 0.3,
            expected_accuracy_uplift: 0.15,
            max_payback_months: 12,
            prices: Vec::new(),
            max_price_age_days: 180,
            min_realised_uplift: 0.05,
            judge_after_measurements: 2,
        }
    }
}

/// A quote a team holds for its own use case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Quote {
    /// The amount (one-off for training, monthly for hosting).
    pub usd: u64,
    /// Where it comes from.
    pub source: String,
    /// When it was quoted.
    pub as_of: Date,
}

/// `economics` in a use-case file: where a team knows better than the policy.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Overrides {
    /// The fine-tuning method planned, instead of the policy's.
    pub method: Option<Method>,
    /// A quote for the one-off training cost.
    pub training_quote: Option<Quote>,
    /// A hosting plan: the monthly hosting and upkeep.
    pub hosting_plan: Option<Quote>,
}

/// The name of a method as people write it.
pub fn method_name(m: Method) -> &'static str {
    match m {
        Method::Full => "full",
        Method::Lora => "LoRA",
        Method::Qlora => "QLoRA",
        Method::OtherPeft => "other PEFT",
    }
}

/// Where a figure of the cost model comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "from", rename_all = "kebab-case")]
pub enum Origin {
    /// The policy's figure (or ripen's default).
    Policy,
    /// A vendor price of the policy.
    Vendor {
        /// Its source.
        source: String,
        /// When it was quoted.
        as_of: Date,
        /// Older than `max_price_age_days` at the as-of date.
        stale: bool,
    },
    /// The use case's own quote.
    Quote {
        /// Its source.
        source: String,
        /// When it was quoted.
        as_of: Date,
        /// Older than `max_price_age_days` at the as-of date.
        stale: bool,
    },
}

impl Origin {
    fn of_price(p: &VendorPrice, max_age: u32, as_of: Date) -> Origin {
        Origin::Vendor {
            source: p.source.clone(),
            as_of: p.as_of,
            stale: p.as_of.days_until(as_of) > i64::from(max_age),
        }
    }

    fn of_quote(q: &Quote, max_age: u32, as_of: Date) -> Origin {
        Origin::Quote {
            source: q.source.clone(),
            as_of: q.as_of,
            stale: q.as_of.days_until(as_of) > i64::from(max_age),
        }
    }

    /// Whether the price is older than the policy allows.
    pub fn stale(&self) -> bool {
        matches!(
            self,
            Origin::Vendor { stale: true, .. } | Origin::Quote { stale: true, .. }
        )
    }

    /// ` (policy)`, ` (vendor: SOURCE, DATE)` or ` (quote: SOURCE, DATE,
    /// older than N days)`: what a detail line appends to a figure.
    pub fn note(&self, max_age: u32) -> String {
        let (what, source, as_of, stale) = match self {
            Origin::Policy => return " (policy)".to_owned(),
            Origin::Vendor {
                source,
                as_of,
                stale,
            } => ("vendor", source, as_of, stale),
            Origin::Quote {
                source,
                as_of,
                stale,
            } => ("quote", source, as_of, stale),
        };
        let old = if *stale {
            format!(", older than {max_age} days")
        } else {
            String::new()
        };
        format!(" ({what}: {}, {as_of}{old})", crate::text::sanitize(source))
    }
}

/// A figure with where it comes from.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Sourced {
    /// The amount.
    pub usd: u64,
    /// Its origin.
    pub origin: Origin,
}

/// The cost-model figures that apply to one use case: the policy's, with
/// vendor prices and the use case's quotes in their place where given.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Figures {
    /// The fine-tuning method assumed.
    pub method: Method,
    /// The one-off cost.
    pub one_off: Sourced,
    /// Monthly hosting and upkeep.
    pub hosting: Sourced,
    /// Per-request cost after fine-tuning as a fraction of prompting's.
    pub fraction: f64,
    /// The policy's `max_price_age_days`, which the notes of prices quote.
    pub max_price_age_days: u32,
}

/// The figures for a use case under `model` at `as_of`. `method` is the
/// method of a use case already fine-tuned; `None` takes the use case's
/// planned method, else the policy's.
pub fn figures(
    model: &CostModel,
    overrides: Option<&Overrides>,
    method: Option<Method>,
    as_of: Date,
) -> Figures {
    let age = model.max_price_age_days;
    let method = method
        .or(overrides.and_then(|o| o.method))
        .unwrap_or(model.method);
    let vendor = |item: PriceItem| model.prices.iter().rev().find(|p| p.item == item);
    let one_off = match (
        overrides.and_then(|o| o.training_quote.as_ref()),
        vendor(PriceItem::Training(method)),
    ) {
        (Some(q), _) => Sourced {
            usd: q.usd,
            origin: Origin::of_quote(q, age, as_of),
        },
        (None, Some(p)) => Sourced {
            usd: p.usd,
            origin: Origin::of_price(p, age, as_of),
        },
        (None, None) => Sourced {
            usd: model.one_off_usd.of(method),
            origin: Origin::Policy,
        },
    };
    let hosting = match (
        overrides.and_then(|o| o.hosting_plan.as_ref()),
        vendor(PriceItem::Hosting),
    ) {
        (Some(q), _) => Sourced {
            usd: q.usd,
            origin: Origin::of_quote(q, age, as_of),
        },
        (None, Some(p)) => Sourced {
            usd: p.usd,
            origin: Origin::of_price(p, age, as_of),
        },
        (None, None) => Sourced {
            usd: model.monthly_hosting_usd,
            origin: Origin::Policy,
        },
    };
    Figures {
        method,
        one_off,
        hosting,
        fraction: model.fine_tuned_cost_fraction.clamp(0.0, 1.0),
        max_price_age_days: age,
    }
}

/// Rounds to cents.
fn cents(v: f64) -> f64 {
    (v * 100.0).round() / 100.0
}

/// Payback beside a verdict: what prompting costs a month, what the
/// fine-tuned model would, the one-off cost, and how long it takes to earn
/// back. Amounts are rounded to cents, months to one decimal.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payback {
    /// Monthly cost of prompting at the measured cost and volume.
    pub prompting_monthly_usd: f64,
    /// Monthly cost after fine-tuning: per-request cost plus hosting.
    pub fine_tuned_monthly_usd: f64,
    /// The one-off cost of fine-tuning.
    pub one_off_usd: u64,
    /// Months to earn back the one-off cost; `None`: it does not pay back on cost.
    pub payback_months: Option<f64>,
    /// The least daily volume at which fine-tuning saves money each month;
    /// `None` when no volume does (no per-request cost, or no saving per request).
    pub break_even_daily_volume: Option<u64>,
    /// Prompting run-rate minus fine-tuned run-rate (negative: a loss).
    pub monthly_saving_usd: f64,
    /// The inputs: requests a day.
    pub daily_volume: u64,
    /// The inputs: the measured cost per 1,000 requests.
    pub cost_per_1k_usd: f64,
    /// The inputs: the date of the measurement the cost comes from.
    pub measured_on: Date,
    /// The inputs: the figures of the cost model applied.
    pub figures: Figures,
}

/// Payback from the raw inputs (no rounding of the inputs; the outputs
/// rounded as [`Payback`] says).
pub fn payback_of(
    daily_volume: u64,
    cost_per_1k_usd: f64,
    measured_on: Date,
    figures: Figures,
) -> Payback {
    let cost = if cost_per_1k_usd.is_finite() {
        cost_per_1k_usd.max(0.0)
    } else {
        0.0
    };
    let per_request_month = cost / 1000.0 * DAYS_PER_MONTH;
    let prompting = daily_volume as f64 * per_request_month;
    let fine_tuned = prompting * figures.fraction + figures.hosting.usd as f64;
    // From the unrounded run-rates, so that payback is monotone in every input.
    let saving = prompting * (1.0 - figures.fraction) - figures.hosting.usd as f64;
    let payback_months = if saving > 1e-9 {
        Some((figures.one_off.usd as f64 / saving * 10.0).ceil() / 10.0)
    } else {
        None
    };
    let per_request_saving = per_request_month * (1.0 - figures.fraction);
    let break_even = if per_request_saving > 0.0 {
        // The least whole volume whose saving is positive.
        let v = figures.hosting.usd as f64 / per_request_saving;
        let mut n = v.floor().max(0.0);
        if n * per_request_saving <= figures.hosting.usd as f64 {
            n += 1.0;
        }
        Some(n.min(u64::MAX as f64) as u64)
    } else {
        None
    };
    Payback {
        prompting_monthly_usd: cents(prompting),
        fine_tuned_monthly_usd: cents(fine_tuned),
        one_off_usd: figures.one_off.usd,
        payback_months,
        break_even_daily_volume: break_even,
        monthly_saving_usd: cents(saving),
        daily_volume,
        cost_per_1k_usd: cost,
        measured_on,
        figures,
    }
}

/// The latest measurement on or before `as_of`.
fn latest(ms: &[Measurement], as_of: Date) -> Option<&Measurement> {
    ms.iter().filter(|m| m.date <= as_of).max_by_key(|m| m.date)
}

/// Why no payback can be computed for a use case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Unknown {
    /// No measurement on or before the as-of date gives a cost per 1k.
    NoMeasurement,
}

impl Unknown {
    /// The reason in words.
    pub fn reason(self) -> &'static str {
        match self {
            Unknown::NoMeasurement => {
                "no measurement yet, so no measured cost per 1k requests to weigh"
            }
        }
    }
}

/// Payback for a prompt-based use case: its latest measured cost per 1k,
/// its daily volume, and the cost model with its overrides.
pub fn payback(u: &UseCase, model: &CostModel, as_of: Date) -> Result<Payback, Unknown> {
    let m = latest(&u.measurements, as_of).ok_or(Unknown::NoMeasurement)?;
    let fixed = match &u.approach {
        Approach::FineTuned { method, .. } => Some(*method),
        _ => None,
    };
    let figures = figures(model, u.economics.as_ref(), fixed, as_of);
    Ok(payback_of(
        u.profile.daily_volume,
        m.cost_per_1k_usd,
        m.date,
        figures,
    ))
}

/// Money with cents, thousands separated: `1,234.50`.
pub fn usd(v: f64) -> String {
    let neg = v < 0.0;
    let c = (v.abs() * 100.0).round();
    let whole = (c / 100.0).trunc();
    let frac = (c - whole * 100.0) as u64;
    let whole = if whole >= u64::MAX as f64 {
        u64::MAX
    } else {
        whole as u64
    };
    format!(
        "{}{}.{frac:02}",
        if neg { "-" } else { "" },
        crate::text::thousands(whole)
    )
}

impl Payback {
    /// Whether it pays back within `months`.
    pub fn within(&self, months: u32) -> bool {
        self.payback_months.is_some_and(|p| p <= f64::from(months))
    }

    /// The verdict in a few words: `pays back in 7.4 months` or `does not
    /// pay back on cost (break-even at 2,410 requests a day)`.
    pub fn headline(&self) -> String {
        match (self.payback_months, self.break_even_daily_volume) {
            (Some(m), _) => format!("pays back in {m:.1} months"),
            (None, Some(v)) => format!(
                "does not pay back on cost (break-even at {} requests a day)",
                crate::text::thousands(v)
            ),
            (None, None) => "does not pay back on cost at any volume".to_owned(),
        }
    }

    /// Every figure with its inputs and formula, one line each, amounts
    /// in `currency`.
    pub fn lines(&self, currency: &str) -> Vec<String> {
        let max_price_age_days = self.figures.max_price_age_days;
        let cur = crate::text::sanitize(currency);
        let f = &self.figures;
        let mut out = vec![
            format!(
                "prompting {cur} {}/month = {} requests a day × {cur} {} per 1k (measured {}) ÷ 1000 × 30.42 days",
                usd(self.prompting_monthly_usd),
                crate::text::thousands(self.daily_volume),
                usd(self.cost_per_1k_usd),
                self.measured_on
            ),
            format!(
                "fine-tuned {cur} {}/month = {cur} {} × {} per-request cost + {cur} {} hosting and upkeep{}",
                usd(self.fine_tuned_monthly_usd),
                usd(self.prompting_monthly_usd),
                f.fraction,
                crate::text::thousands(f.hosting.usd),
                f.hosting.origin.note(max_price_age_days)
            ),
            format!(
                "one-off {cur} {} for {} fine-tuning{}",
                crate::text::thousands(self.one_off_usd),
                method_name(f.method),
                f.one_off.origin.note(max_price_age_days)
            ),
        ];
        out.push(match self.payback_months {
            Some(m) => format!(
                "payback {m:.1} months = {cur} {} one-off ÷ {cur} {} saved a month",
                crate::text::thousands(self.one_off_usd),
                usd(self.monthly_saving_usd)
            ),
            None if self.monthly_saving_usd < 0.0 => format!(
                "does not pay back on cost: the fine-tuned model costs {cur} {} a month more",
                usd(-self.monthly_saving_usd)
            ),
            None => "does not pay back on cost: it saves nothing a month".to_owned(),
        });
        if let Some(v) = self.break_even_daily_volume {
            out.push(format!(
                "break-even at {} requests a day = {cur} {} hosting ÷ ({cur} {} per 1k ÷ 1000 × 30.42 × (1 − {}))",
                crate::text::thousands(v),
                crate::text::thousands(f.hosting.usd),
                usd(self.cost_per_1k_usd),
                f.fraction
            ));
        }
        out
    }

    /// Whether any price it rests on is older than the policy allows.
    pub fn stale_prices(&self) -> bool {
        self.figures.one_off.origin.stale() || self.figures.hosting.origin.stale()
    }
}

/// The economics of a use case as `ripen ready` shows them: the five
/// figures the JSON names, or why there are none.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Summary {
    /// The payback in a few words ([`Payback::headline`]).
    pub headline: String,
    /// Monthly cost of prompting.
    pub prompting_monthly_usd: f64,
    /// Monthly cost after fine-tuning.
    pub fine_tuned_monthly_usd: f64,
    /// The one-off cost.
    pub one_off_usd: u64,
    /// Months to pay back, `null` when it does not pay back on cost.
    pub payback_months: Option<f64>,
    /// The least daily volume at which fine-tuning saves money.
    pub break_even_daily_volume: Option<u64>,
    /// Each figure with its inputs and formula.
    pub explain: Vec<String>,
    /// Some price it rests on is older than the policy allows.
    pub stale_prices: bool,
}

impl Summary {
    /// The summary of a payback, explained in `currency`.
    pub fn of(p: &Payback, currency: &str) -> Summary {
        Summary {
            headline: p.headline(),
            prompting_monthly_usd: p.prompting_monthly_usd,
            fine_tuned_monthly_usd: p.fine_tuned_monthly_usd,
            one_off_usd: p.one_off_usd,
            payback_months: p.payback_months,
            break_even_daily_volume: p.break_even_daily_volume,
            explain: p.lines(currency),
            stale_prices: p.stale_prices(),
        }
    }
}

/// The canonical RON of a cost model, on one line per field, indented for
/// `policy.ron` (each line starts with eight spaces).
pub fn canonical(m: &CostModel) -> String {
    let c = &m.one_off_usd;
    let prices: Vec<String> = m
        .prices
        .iter()
        .map(|p| {
            format!(
                "            (item: {}, usd: {}, source: {}, as_of: \"{}\"),\n",
                match p.item {
                    PriceItem::Training(m) => format!("Training({m:?})"),
                    PriceItem::Hosting => "Hosting".to_owned(),
                },
                p.usd,
                ron_string(&p.source),
                p.as_of
            )
        })
        .collect();
    let prices = if prices.is_empty() {
        "[]".to_owned()
    } else {
        format!("[\n{}        ]", prices.concat())
    };
    format!(
        "        one_off_usd: (full: {}, lora: {}, qlora: {}, other_peft: {}),\n        method: {:?},\n        monthly_hosting_usd: {},\n        fine_tuned_cost_fraction: {:?},\n        expected_accuracy_uplift: {:?},\n        max_payback_months: {},\n        prices: {prices},\n        max_price_age_days: {},\n        min_realised_uplift: {:?},\n        judge_after_measurements: {},\n",
        c.full,
        c.lora,
        c.qlora,
        c.other_peft,
        m.method,
        m.monthly_hosting_usd,
        m.fine_tuned_cost_fraction,
        m.expected_accuracy_uplift,
        m.max_payback_months,
        m.max_price_age_days,
        m.min_realised_uplift,
        m.judge_after_measurements,
    )
}

/// The canonical RON of a use case's overrides, on one line.
pub fn canonical_overrides(o: &Overrides) -> String {
    let quote = |q: &Option<Quote>| match q {
        Some(q) => format!(
            "Some((usd: {}, source: {}, as_of: \"{}\"))",
            q.usd,
            ron_string(&q.source),
            q.as_of
        ),
        None => "None".to_owned(),
    };
    format!(
        "(method: {}, training_quote: {}, hosting_plan: {})",
        match o.method {
            Some(m) => format!("Some({m:?})"),
            None => "None".to_owned(),
        },
        quote(&o.training_quote),
        quote(&o.hosting_plan)
    )
}

fn ron_string(v: &str) -> String {
    crate::model::canonical::string(v)
}

// ---------------------------------------------------------------------------
// Did it pay off: a fine-tune's measurements against its prompting baseline.

/// A watch flag of a fine-tune judged against its prompting baseline.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Judgement {
    /// No prompting measurement before the change: nothing to compare with.
    NoBaseline,
    /// Too few measurements since the change to judge yet.
    TooEarly,
    /// The accuracy uplift reached the policy's minimum.
    Delivered,
    /// The uplift stays below the policy's minimum.
    Underdelivering,
    /// Accuracy fell below the prompting baseline.
    WorseThanPrompting,
}

impl Judgement {
    /// `no-baseline`, `too-early`, `delivered`, `underdelivering` or
    /// `worse-than-prompting`.
    pub fn label(self) -> &'static str {
        match self {
            Judgement::NoBaseline => "no-baseline",
            Judgement::TooEarly => "too-early",
            Judgement::Delivered => "delivered",
            Judgement::Underdelivering => "underdelivering",
            Judgement::WorseThanPrompting => "worse-than-prompting",
        }
    }

    /// Whether it is a watch flag (something to look at).
    pub fn is_flag(self) -> bool {
        matches!(
            self,
            Judgement::Underdelivering | Judgement::WorseThanPrompting
        )
    }
}

/// What a fine-tune delivered against its prompting baseline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Realised {
    /// The date the approach changed (the baseline runs up to it).
    pub changed_on: Date,
    /// Measurements up to the change (the prompting baseline).
    pub baseline_measurements: usize,
    /// Measurements after the change, up to the as-of date.
    pub after_measurements: usize,
    /// Mean accuracy after minus mean accuracy before.
    pub accuracy_uplift: Option<f64>,
    /// Mean consistency after minus before.
    pub consistency_uplift: Option<f64>,
    /// Mean p95 latency after minus before, in milliseconds.
    pub latency_change_ms: Option<f64>,
    /// Mean cost per 1k after minus before.
    pub cost_per_1k_change_usd: Option<f64>,
    /// Monthly saving realised: the volume at the cost before minus at the
    /// cost after, minus hosting.
    pub realised_monthly_saving_usd: Option<f64>,
    /// Monthly saving predicted at the change: the cost model applied to
    /// the baseline's latest measurement and the volume before the change.
    pub predicted_monthly_saving_usd: Option<f64>,
    /// The judgement.
    pub judgement: Judgement,
    /// The policy minimum the uplift was held to.
    pub min_uplift: f64,
}

fn mean(v: impl Iterator<Item = f64>) -> Option<f64> {
    let (sum, n) = v.fold((0.0, 0usize), |(s, n), x| (s + x, n + 1));
    (n > 0).then(|| sum / n as f64)
}

fn round(v: f64, places: i32) -> f64 {
    let k = 10f64.powi(places);
    (v * k).round() / k
}

/// Compares a fine-tune with its prompting baseline. `before` is the use
/// case as it was just before the change (prompting), `after` as it is at
/// the as-of date, `changed_on` the date the approach changed (or the use
/// case's `baseline_until`, which takes precedence). Measurements dated on
/// or before the change form the baseline; those after it, up to `as_of`,
/// the result.
pub fn realised(
    before: &UseCase,
    after: &UseCase,
    changed_on: Date,
    model: &CostModel,
    as_of: Date,
) -> Realised {
    let cut = after.baseline_until.unwrap_or(changed_on);
    let base: Vec<&Measurement> = after
        .measurements
        .iter()
        .chain(before.measurements.iter())
        .filter(|m| m.date <= cut)
        .fold(Vec::new(), |mut acc: Vec<&Measurement>, m| {
            if !acc.iter().any(|x| x.date == m.date) {
                acc.push(m);
            }
            acc
        });
    let post: Vec<&Measurement> = after
        .measurements
        .iter()
        .filter(|m| m.date > cut && m.date <= as_of)
        .collect();
    let diff = |f: fn(&Measurement) -> f64| -> Option<f64> {
        Some(mean(post.iter().map(|m| f(m)))? - mean(base.iter().map(|m| f(m)))?)
    };
    let accuracy_uplift = diff(|m| m.accuracy).map(|v| round(v, 4));
    let consistency_uplift = diff(|m| m.consistency).map(|v| round(v, 4));
    let latency_change_ms = diff(|m| f64::from(m.p95_latency_ms)).map(|v| round(v, 1));
    let cost_change = diff(|m| m.cost_per_1k_usd).map(|v| round(v, 4));
    let method = match &after.approach {
        Approach::FineTuned { method, .. } => Some(*method),
        _ => None,
    };
    let figs = figures(model, after.economics.as_ref(), method, cut);
    let base_latest = base.iter().max_by_key(|m| m.date);
    let predicted = base_latest.map(|m| {
        payback_of(
            before.profile.daily_volume,
            m.cost_per_1k_usd,
            m.date,
            figs.clone(),
        )
        .monthly_saving_usd
    });
    let realised_saving = match (
        mean(base.iter().map(|m| m.cost_per_1k_usd)),
        mean(post.iter().map(|m| m.cost_per_1k_usd)),
    ) {
        (Some(b), Some(a)) => {
            let per = after.profile.daily_volume as f64 / 1000.0 * DAYS_PER_MONTH;
            Some(cents(per * b) - cents(per * a + figs.hosting.usd as f64))
        }
        _ => None,
    };
    let min = model.min_realised_uplift;
    let judgement = match accuracy_uplift {
        _ if base.is_empty() => Judgement::NoBaseline,
        Some(u) if u < 0.0 => Judgement::WorseThanPrompting,
        _ if post.len() < model.judge_after_measurements.max(1) as usize => Judgement::TooEarly,
        Some(u) if u + 1e-9 < min => Judgement::Underdelivering,
        Some(_) => Judgement::Delivered,
        None => Judgement::TooEarly,
    };
    Realised {
        changed_on: cut,
        baseline_measurements: base.len(),
        after_measurements: post.len(),
        accuracy_uplift,
        consistency_uplift,
        latency_change_ms,
        cost_per_1k_change_usd: cost_change,
        realised_monthly_saving_usd: realised_saving.map(cents),
        predicted_monthly_saving_usd: predicted,
        judgement,
        min_uplift: min,
    }
}

impl Realised {
    /// Each comparison with its inputs, one line each, amounts in `currency`.
    pub fn lines(&self, currency: &str) -> Vec<String> {
        let cur = crate::text::sanitize(currency);
        let opt = |v: Option<f64>, show: &dyn Fn(f64) -> String| v.map_or("-".to_owned(), show);
        vec![
            format!(
                "baseline: {} prompting measurement(s) up to {}; {} after",
                self.baseline_measurements, self.changed_on, self.after_measurements
            ),
            format!(
                "accuracy {} (min {:+.3}), consistency {}",
                opt(self.accuracy_uplift, &|v| format!("{v:+.3}")),
                self.min_uplift,
                opt(self.consistency_uplift, &|v| format!("{v:+.3}"))
            ),
            format!(
                "p95 latency {} ms, cost per 1k {}",
                opt(self.latency_change_ms, &|v| format!("{v:+.0}")),
                opt(self.cost_per_1k_change_usd, &|v| format!("{v:+.2}"))
            ),
            format!(
                "saving {cur} {}/month realised, {cur} {}/month predicted",
                opt(self.realised_monthly_saving_usd, &usd),
                opt(self.predicted_monthly_saving_usd, &usd)
            ),
        ]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Date {
        Date::parse(s).unwrap()
    }

    fn policy_figures(hosting: u64, one_off: u64, fraction: f64) -> Figures {
        Figures {
            method: Method::Lora,
            one_off: Sourced {
                usd: one_off,
                origin: Origin::Policy,
            },
            hosting: Sourced {
                usd: hosting,
                origin: Origin::Policy,
            },
            fraction,
            max_price_age_days: 180,
        }
    }

    #[test]
    fn pays_back_on_a_hand_computed_case() {
        // 12,000 requests a day at USD 3.00 per 1k: USD 36 a day, 36 × 365
        // / 12 = USD 1,095 a month. Fine-tuned: 1,095 × 0.3 + 400 = 728.50.
        // Saving 366.50 a month; 12,000 / 366.50 = 32.74..., so 32.8 months.
        let p = payback_of(
            12_000,
            3.0,
            d("2026-09-30"),
            policy_figures(400, 12_000, 0.3),
        );
        assert_eq!(p.prompting_monthly_usd, 1095.0);
        assert_eq!(p.fine_tuned_monthly_usd, 728.5);
        assert_eq!(p.monthly_saving_usd, 366.5);
        assert_eq!(p.payback_months, Some(32.8));
        // Break-even: 400 / (0.003 × 30.4166... × 0.7) = 6,262.2..., so 6,263.
        assert_eq!(p.break_even_daily_volume, Some(6263));
        assert_eq!(p.headline(), "pays back in 32.8 months");
    }

    #[test]
    fn does_not_pay_back_below_break_even() {
        // 1,000 a day at USD 2.40: 73.00 a month; fine-tuned 21.90 + 400.
        let p = payback_of(
            1_000,
            2.4,
            d("2026-09-30"),
            policy_figures(400, 12_000, 0.3),
        );
        assert_eq!(p.prompting_monthly_usd, 73.0);
        assert_eq!(p.fine_tuned_monthly_usd, 421.9);
        assert_eq!(p.payback_months, None);
        // 400 / (0.0024 × 30.4166... × 0.7) = 7,827.7..., so 7,828.
        assert_eq!(p.break_even_daily_volume, Some(7828));
        assert_eq!(
            p.headline(),
            "does not pay back on cost (break-even at 7,828 requests a day)"
        );
    }

    #[test]
    fn break_even_is_exact_at_a_whole_volume() {
        // Hosting 0: any request saves, so one request a day breaks even.
        let p = payback_of(0, 1.0, d("2026-01-01"), policy_figures(0, 100, 0.5));
        assert_eq!(p.break_even_daily_volume, Some(1));
        assert_eq!(p.payback_months, None);
        // No per-request saving (fraction 1): no volume breaks even.
        let p = payback_of(9_000, 1.0, d("2026-01-01"), policy_figures(10, 100, 1.0));
        assert_eq!(p.break_even_daily_volume, None);
        assert_eq!(p.headline(), "does not pay back on cost at any volume");
    }

    #[test]
    fn every_figure_explains_itself() {
        let p = payback_of(
            12_000,
            3.0,
            d("2026-09-30"),
            policy_figures(400, 12_000, 0.3),
        );
        let lines = p.lines("USD");
        assert_eq!(
            lines,
            vec![
                "prompting USD 1,095.00/month = 12,000 requests a day × USD 3.00 per 1k (measured 2026-09-30) ÷ 1000 × 30.42 days",
                "fine-tuned USD 728.50/month = USD 1,095.00 × 0.3 per-request cost + USD 400 hosting and upkeep (policy)",
                "one-off USD 12,000 for LoRA fine-tuning (policy)",
                "payback 32.8 months = USD 12,000 one-off ÷ USD 366.50 saved a month",
                "break-even at 6,263 requests a day = USD 400 hosting ÷ (USD 3.00 per 1k ÷ 1000 × 30.42 × (1 − 0.3))",
            ]
        );
    }

    #[test]
    fn quotes_and_vendor_prices_replace_the_policy_figures_and_age() {
        let mut model = CostModel::default();
        model.prices.push(VendorPrice {
            item: PriceItem::Hosting,
            usd: 250,
            source: "Acme price list".to_owned(),
            as_of: d("2026-01-01"),
        });
        let f = figures(&model, None, None, d("2026-10-15"));
        assert_eq!(f.hosting.usd, 250);
        assert!(f.hosting.origin.stale(), "287 days > 180");
        assert_eq!(f.one_off.usd, 12000);
        let o = Overrides {
            method: Some(Method::Qlora),
            training_quote: Some(Quote {
                usd: 5000,
                source: "vendor quote Q-17".to_owned(),
                as_of: d("2026-09-01"),
            }),
            hosting_plan: None,
        };
        let f = figures(&model, Some(&o), None, d("2026-10-15"));
        assert_eq!(f.method, Method::Qlora);
        assert_eq!(f.one_off.usd, 5000);
        assert!(!f.one_off.origin.stale());
        assert_eq!(
            f.one_off.origin.note(180),
            " (quote: vendor quote Q-17, 2026-09-01)"
        );
        assert_eq!(
            f.hosting.origin.note(180),
            " (vendor: Acme price list, 2026-01-01, older than 180 days)"
        );
    }

    #[test]
    fn the_defaults_reflect_the_lora_compute_saving() {
        // Compute and expertise: full 24,000, LoRA 6,000 (75% less); data
        // preparation 6,000 for both.
        let c = MethodCosts::default();
        assert_eq!(c.full - 6000, 24000);
        assert_eq!(c.lora - 6000, (c.full - 6000) / 4);
        assert_eq!(CostModel::default().expected_accuracy_uplift, 0.15);
    }

    #[test]
    fn money_reads_with_cents() {
        assert_eq!(usd(1095.0), "1,095.00");
        assert_eq!(usd(-12.345), "-12.35");
        assert_eq!(usd(0.0), "0.00");
    }

    #[test]
    fn economics_in_ron_read_back_from_their_canonical_form() {
        let mut p = crate::model::Policy::default();
        let mut m = CostModel::default();
        m.prices.push(VendorPrice {
            item: PriceItem::Training(Method::Qlora),
            usd: 7000,
            source: "Acme \"Q\" list".to_owned(),
            as_of: d("2026-05-01"),
        });
        m.max_payback_months = 18;
        p.economics = Some(m);
        p.gates.push(crate::model::Criterion::Payback);
        let text = crate::model::canonical::policy(&p);
        assert_eq!(crate::register::parse_policy(&text).unwrap(), p, "{text}");
        // A partial economics takes the defaults for the rest.
        let partial = "Policy(min_curated_examples: 1, min_daily_volume: 1, min_annual_roi_usd: 1, plateau_window: 3, plateau_max_gain: 0.02, min_budget_usd: 1, stale_after_days: 1, regression_drop: 0.03, gates: [], economics: Some((monthly_hosting_usd: 90)))";
        let q = crate::register::parse_policy(partial).unwrap();
        let e = q.economics.unwrap();
        assert_eq!(e.monthly_hosting_usd, 90);
        assert_eq!(e.one_off_usd, MethodCosts::default());

        let mut u = crate::model::UseCase::scaffold("T", "a@example.com", "Team");
        u.economics = Some(Overrides {
            method: Some(Method::Full),
            training_quote: None,
            hosting_plan: Some(Quote {
                usd: 120,
                source: "plan".to_owned(),
                as_of: d("2026-02-02"),
            }),
        });
        u.baseline_until = Some(d("2026-03-31"));
        let text = crate::model::canonical::use_case(&u);
        assert_eq!(crate::register::parse_use_case(&text).unwrap(), u, "{text}");
    }

    fn measured(date: &str, accuracy: f64, cost: f64) -> Measurement {
        Measurement {
            date: d(date),
            accuracy,
            consistency: accuracy,
            p95_latency_ms: 1000,
            cost_per_1k_usd: cost,
            satisfaction: 4.0,
            source: "eval".to_owned(),
        }
    }

    fn fine_tune(before: &UseCase, after_ms: &[Measurement]) -> UseCase {
        let mut after = before.clone();
        after.approach = Approach::FineTuned {
            method: Method::Lora,
            base_model: "base".to_owned(),
            dataset: "data".to_owned(),
        };
        after.measurements.extend(after_ms.iter().cloned());
        after
    }

    #[test]
    fn a_fine_tune_is_judged_against_its_prompting_baseline() {
        let mut before = crate::model::UseCase::scaffold("T", "a@example.com", "Team");
        before.profile.daily_volume = 20_000;
        before.measurements = vec![
            measured("2026-01-31", 0.70, 6.0),
            measured("2026-02-28", 0.72, 6.0),
        ];
        let model = CostModel::default();
        // Delivered: +0.15 over the baseline's mean 0.71 after two measurements.
        let after = fine_tune(
            &before,
            &[
                measured("2026-05-31", 0.85, 2.0),
                measured("2026-06-30", 0.87, 2.0),
            ],
        );
        let r = realised(&before, &after, d("2026-03-15"), &model, d("2026-07-01"));
        assert_eq!((r.baseline_measurements, r.after_measurements), (2, 2));
        assert_eq!(r.accuracy_uplift, Some(0.15));
        assert_eq!(r.cost_per_1k_change_usd, Some(-4.0));
        assert_eq!(r.judgement, Judgement::Delivered);
        // Realised: 20,000 / 1000 × 30.4166 × 6 = 3,650 before; × 2 + 400 = 1,616.67 after.
        assert_eq!(r.realised_monthly_saving_usd, Some(2033.33));
        // Predicted: 3,650 × 0.7 − 400 = 2,155.
        assert_eq!(r.predicted_monthly_saving_usd, Some(2155.0));
        // No measurement before the cut: nothing to compare with.
        let mut bare = after.clone();
        bare.baseline_until = Some(d("2026-01-01"));
        let mut no_base = before.clone();
        no_base.measurements.clear();
        bare.measurements.retain(|m| m.date > d("2026-03-01"));
        let r = realised(&no_base, &bare, d("2026-03-15"), &model, d("2026-07-01"));
        assert_eq!(r.judgement, Judgement::NoBaseline);
        // One measurement after: too early to judge.
        let early = fine_tune(&before, &[measured("2026-05-31", 0.73, 2.0)]);
        let r = realised(&before, &early, d("2026-03-15"), &model, d("2026-07-01"));
        assert_eq!(r.judgement, Judgement::TooEarly);
        // Underdelivering: +0.02 after two.
        let weak = fine_tune(
            &before,
            &[
                measured("2026-05-31", 0.73, 2.0),
                measured("2026-06-30", 0.73, 2.0),
            ],
        );
        let r = realised(&before, &weak, d("2026-03-15"), &model, d("2026-07-01"));
        assert_eq!(r.judgement, Judgement::Underdelivering);
        // Worse than prompting, at once.
        let worse = fine_tune(&before, &[measured("2026-05-31", 0.60, 2.0)]);
        let r = realised(&before, &worse, d("2026-03-15"), &model, d("2026-07-01"));
        assert_eq!(r.judgement, Judgement::WorseThanPrompting);
        // baseline_until moves the cut: the February measurement is no
        // longer baseline but a result.
        let mut moved = after.clone();
        moved.baseline_until = Some(d("2026-01-31"));
        let r = realised(&before, &moved, d("2026-03-15"), &model, d("2026-07-01"));
        assert_eq!((r.baseline_measurements, r.after_measurements), (1, 3));
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        fn months(p: &Payback) -> f64 {
            p.payback_months.unwrap_or(f64::INFINITY)
        }

        proptest! {
            #[test]
            fn payback_shortens_with_volume(
                v in 0u64..2_000_000, extra in 0u64..2_000_000,
                cost in 0.0f64..100.0, hosting in 0u64..50_000,
                one_off in 0u64..1_000_000, fraction in 0.0f64..1.0,
            ) {
                let f = policy_figures(hosting, one_off, fraction);
                let a = payback_of(v, cost, Date::parse("2026-01-01").unwrap(), f.clone());
                let b = payback_of(v + extra, cost, Date::parse("2026-01-01").unwrap(), f);
                prop_assert!(months(&b) <= months(&a), "{a:?} then {b:?}");
                prop_assert!(b.monthly_saving_usd >= a.monthly_saving_usd - 0.011);
            }

            #[test]
            fn payback_shortens_with_prompting_cost(
                v in 0u64..2_000_000, cost in 0.0f64..100.0, more in 0.0f64..100.0,
                hosting in 0u64..50_000, one_off in 0u64..1_000_000, fraction in 0.0f64..1.0,
            ) {
                let f = policy_figures(hosting, one_off, fraction);
                let a = payback_of(v, cost, Date::parse("2026-01-01").unwrap(), f.clone());
                let b = payback_of(v, cost + more, Date::parse("2026-01-01").unwrap(), f);
                prop_assert!(months(&b) <= months(&a), "{a:?} then {b:?}");
            }

            #[test]
            fn payback_lengthens_with_the_one_off_cost(
                v in 0u64..2_000_000, cost in 0.0f64..100.0,
                hosting in 0u64..50_000, one_off in 0u64..1_000_000, more in 0u64..1_000_000,
                fraction in 0.0f64..1.0,
            ) {
                let a = payback_of(v, cost, Date::parse("2026-01-01").unwrap(), policy_figures(hosting, one_off, fraction));
                let b = payback_of(v, cost, Date::parse("2026-01-01").unwrap(), policy_figures(hosting, one_off + more, fraction));
                prop_assert!(months(&b) >= months(&a));
            }

            #[test]
            fn break_even_is_where_the_saving_turns_positive(
                cost in 0.01f64..100.0, hosting in 0u64..50_000, fraction in 0.0f64..0.99,
            ) {
                let f = policy_figures(hosting, 1000, fraction);
                let p = payback_of(0, cost, Date::parse("2026-01-01").unwrap(), f.clone());
                let v = p.break_even_daily_volume.unwrap();
                let per = cost / 1000.0 * DAYS_PER_MONTH * (1.0 - fraction);
                prop_assert!(v as f64 * per > hosting as f64);
                prop_assert!(v == 0 || (v - 1) as f64 * per <= hosting as f64 + 1e-6);
            }
        }
    }
}
