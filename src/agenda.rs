//! The quarterly review's agenda, computed from the register and its
//! policy at the review's as-of date.
//!
//! Pure: the register now, the register at the last review, the open
//! proposals and the last review's record in; an [`Agenda`] out, in a
//! stable order: ready candidates (best first), almost-ready ones with
//! their one blocking criterion, use cases fine-tuned since the last
//! review (latest measurement against the prompting baseline), stale and
//! regression flags, open proposals; then the last review's action items
//! with whether they are due or overdue. Each use case is listed once, in
//! the first group it belongs to; its flags are shown beside it.

use std::collections::HashSet;

use serde::Serialize;

use crate::model::review::{ItemKind, Minutes};
use crate::model::{Date, Stage};
use crate::readiness::{Flag, Verdict};
use crate::register::Register;
use crate::report::{self, Selection};

/// An open proposal, as the agenda needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ProposalInput {
    /// The branch.
    pub branch: String,
    /// Commits not on the main line.
    pub commits: usize,
    /// Its authors, `Name <email>`.
    pub authors: Vec<String>,
    /// Whether its register has no errors.
    pub valid: bool,
    /// Whether it merges without conflict.
    pub mergeable: bool,
    /// The use cases it changes.
    pub use_cases: Vec<String>,
}

/// What the agenda is built from.
#[derive(Debug, Clone, Copy)]
pub struct Inputs<'a> {
    /// The register now, evaluated at the review's as-of date.
    pub now: &'a Register,
    /// The register as the last review left it, if there was one.
    pub previous: Option<&'a Register>,
    /// The open proposals.
    pub proposals: &'a [ProposalInput],
    /// The last review's record, for its action items.
    pub last_review: Option<&'a Minutes>,
}

/// Accuracy and cost of one measurement, for the payoff of fine-tuning.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Point {
    /// When it was measured.
    pub date: Date,
    /// Accuracy, a fraction.
    pub accuracy: f64,
    /// Cost per 1,000 requests.
    pub cost_per_1k_usd: f64,
    /// 95th percentile latency.
    pub p95_latency_ms: u32,
}

/// Did fine-tuning pay off: the prompting baseline against the latest
/// measurement.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Payoff {
    /// The latest measurement at the last review (prompting).
    pub baseline: Option<Point>,
    /// The latest measurement since (none: not measured since).
    pub latest: Option<Point>,
}

/// One agenda item: a use case or a proposal to decide on.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Item {
    /// A use case's id or a proposal's branch.
    pub item: String,
    /// Why it is on the agenda.
    pub kind: ItemKind,
    /// The use case's title (for a proposal, its branch).
    pub title: String,
    /// One line on what to decide from.
    pub note: String,
    /// The watch flags of the use case.
    pub flags: Vec<Flag>,
    /// For an almost-ready use case: the criterion that blocks it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub blocking: Option<String>,
    /// For a use case fine-tuned since the last review: the payoff.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub payoff: Option<Payoff>,
}

/// An action item of the last review, with where it stands.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionDue {
    /// The quarter of the review that assigned it.
    pub quarter: String,
    /// The item it belongs to.
    pub item: String,
    /// Who does it.
    pub owner: String,
    /// By when.
    pub due: Date,
    /// What.
    pub what: String,
    /// `overdue`, `due` (today) or `open`.
    pub state: &'static str,
}

impl ActionDue {
    /// The item as the agenda lists it, on every front end:
    /// `2026-10-01 overdue  ana@example.com: Re-run the eval (claims-triage)`.
    /// Untrusted text is sanitized.
    pub fn line(&self) -> String {
        use crate::text::sanitize;
        format!(
            "{} {}  {}: {} ({})",
            self.due,
            self.state,
            sanitize(&self.owner),
            sanitize(&self.what),
            sanitize(&self.item)
        )
    }
}

/// The agenda.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Agenda {
    /// The date the register is judged at.
    pub as_of: Date,
    /// The items to decide, in agenda order.
    pub items: Vec<Item>,
    /// The last review's action items.
    pub actions: Vec<ActionDue>,
}

impl Agenda {
    /// The items of one kind.
    pub fn of(&self, kind: ItemKind) -> impl Iterator<Item = &Item> {
        self.items.iter().filter(move |i| i.kind == kind)
    }

    /// The item named `item`.
    pub fn get(&self, item: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.item == item)
    }
}

fn flags_note(flags: &[Flag]) -> String {
    if flags.is_empty() {
        String::new()
    } else {
        let f: Vec<&str> = flags.iter().map(|f| f.label()).collect();
        format!(" [{}]", f.join(", "))
    }
}

fn point(m: &crate::model::Measurement) -> Point {
    Point {
        date: m.date,
        accuracy: m.accuracy,
        cost_per_1k_usd: m.cost_per_1k_usd,
        p95_latency_ms: m.p95_latency_ms,
    }
}

fn payoff_note(p: &Payoff) -> String {
    match (p.baseline, p.latest) {
        (_, None) => "not measured since the last review: ask for a measurement".to_owned(),
        (None, Some(l)) => format!(
            "accuracy {:.3}, cost {:.2} per 1k (no prompting baseline)",
            l.accuracy, l.cost_per_1k_usd
        ),
        (Some(b), Some(l)) => {
            let gain = l.accuracy - b.accuracy;
            let verdict = if gain > 0.0 && l.cost_per_1k_usd <= b.cost_per_1k_usd {
                "paid off"
            } else if gain > 0.0 {
                "more accurate, costlier"
            } else {
                "no gain"
            };
            format!(
                "accuracy {:.3} -> {:.3} ({gain:+.3}), cost {:.2} -> {:.2} per 1k: {verdict}",
                b.accuracy, l.accuracy, b.cost_per_1k_usd, l.cost_per_1k_usd
            )
        }
    }
}

/// Builds the agenda.
pub fn build(inputs: Inputs<'_>) -> Agenda {
    let reg = inputs.now;
    let currency = reg.settings.as_ref().map_or("USD", |s| s.currency.as_str());
    let assessments = report::assess_all(reg);
    let mut listed: HashSet<usize> = HashSet::new();
    let mut items = Vec::new();
    for i in report::ranked(reg, &assessments, Selection::Candidates) {
        let e = &reg.use_cases[i];
        let a = &assessments[i];
        let (kind, note, blocking) = if a.verdict == Verdict::Ready {
            (
                ItemKind::Ready,
                format!(
                    "ready: {} measured ROI in 365 days, {} requests/day",
                    report::money(currency, a.measured_roi_last_year),
                    crate::text::thousands(e.use_case.profile.daily_volume)
                ),
                None,
            )
        } else {
            let b = a.blockers().next();
            (
                ItemKind::Almost,
                match b {
                    Some(c) => format!(
                        "blocked by {}: {}",
                        c.criterion.key(),
                        c.detail_in(currency)
                    ),
                    None => "one criterion short".to_owned(),
                },
                b.map(|c| c.criterion.key().to_owned()),
            )
        };
        listed.insert(i);
        items.push(Item {
            item: e.id.to_string(),
            kind,
            title: e.use_case.title.clone(),
            note: format!("{note}{}", flags_note(&a.flags)),
            flags: a.flags.clone(),
            blocking,
            payoff: None,
        });
    }
    if let Some(prev) = inputs.previous {
        for (i, e) in reg.use_cases.iter().enumerate() {
            let fine_tuned = matches!(e.use_case.stage, Stage::FineTune | Stage::Evaluate);
            let Some(before) = prev.get(e.id.as_str()) else {
                continue;
            };
            if !fine_tuned || before.use_case.stage >= Stage::FineTune || listed.contains(&i) {
                continue;
            }
            let baseline = crate::readiness::measurements_until(&before.use_case, prev.as_of)
                .last()
                .map(|m| point(m));
            let latest = crate::readiness::measurements_until(&e.use_case, reg.as_of)
                .last()
                .map(|m| point(m))
                .filter(|l| baseline.is_none_or(|b| l.date > b.date));
            let payoff = Payoff { baseline, latest };
            let a = &assessments[i];
            listed.insert(i);
            items.push(Item {
                item: e.id.to_string(),
                kind: ItemKind::FineTuned,
                title: e.use_case.title.clone(),
                note: format!(
                    "{} since the last review: {}{}",
                    e.use_case.stage.name(),
                    payoff_note(&payoff),
                    flags_note(&a.flags)
                ),
                flags: a.flags.clone(),
                blocking: None,
                payoff: Some(payoff),
            });
        }
    }
    let mut flagged: Vec<usize> = (0..reg.use_cases.len())
        .filter(|i| {
            !listed.contains(i)
                && !assessments[*i].flags.is_empty()
                && reg.use_cases[*i].use_case.stage != Stage::Retired
        })
        .collect();
    flagged.sort_by_key(|&i| {
        (
            !assessments[i].flags.contains(&Flag::Regression),
            reg.use_cases[i].id.clone(),
        )
    });
    for i in flagged {
        let e = &reg.use_cases[i];
        let a = &assessments[i];
        let mut why = Vec::new();
        let ms = crate::readiness::measurements_until(&e.use_case, reg.as_of);
        if a.flags.contains(&Flag::Regression)
            && let [.., prev, last] = ms.as_slice()
        {
            why.push(format!(
                "regression: accuracy {:.3} -> {:.3}",
                prev.accuracy, last.accuracy
            ));
        }
        if a.flags.contains(&Flag::Stale) {
            why.push(match ms.last() {
                Some(m) => format!("stale: last measured {}", m.date),
                None => "stale: never measured".to_owned(),
            });
        }
        items.push(Item {
            item: e.id.to_string(),
            kind: ItemKind::Flagged,
            title: e.use_case.title.clone(),
            note: format!("{} ({})", why.join("; "), e.use_case.stage.name()),
            flags: a.flags.clone(),
            blocking: None,
            payoff: None,
        });
    }
    let mut proposals: Vec<&ProposalInput> = inputs.proposals.iter().collect();
    proposals.sort_by(|a, b| a.branch.cmp(&b.branch));
    for p in proposals {
        let mut note = format!(
            "{} commit(s) by {}",
            p.commits,
            if p.authors.is_empty() {
                "(unknown)".to_owned()
            } else {
                p.authors.join(", ")
            }
        );
        if !p.use_cases.is_empty() {
            note.push_str(&format!("; changes {}", p.use_cases.join(", ")));
        }
        if !p.valid {
            note.push_str("; has errors");
        }
        if !p.mergeable {
            note.push_str("; conflicts with HEAD");
        }
        items.push(Item {
            item: p.branch.clone(),
            kind: ItemKind::Proposal,
            title: p.branch.clone(),
            note,
            flags: Vec::new(),
            blocking: None,
            payoff: None,
        });
    }
    let mut actions: Vec<ActionDue> = inputs
        .last_review
        .map(|m| {
            m.actions()
                .map(|(item, a)| ActionDue {
                    quarter: m.quarter.clone(),
                    item: item.to_owned(),
                    owner: a.owner.clone(),
                    due: a.due,
                    what: a.what.clone(),
                    state: match a.due.cmp(&reg.as_of) {
                        std::cmp::Ordering::Less => "overdue",
                        std::cmp::Ordering::Equal => "due",
                        std::cmp::Ordering::Greater => "open",
                    },
                })
                .collect()
        })
        .unwrap_or_default();
    actions.sort_by(|a, b| a.due.cmp(&b.due).then_with(|| a.item.cmp(&b.item)));
    Agenda {
        as_of: reg.as_of,
        items,
        actions,
    }
}

/// The agenda as text, one line per item under a heading per group, then
/// the action items. Untrusted text is sanitized.
pub fn text(agenda: &Agenda) -> String {
    use crate::text::sanitize;
    use std::fmt::Write as _;
    let mut out = format!("Agenda as of {}\n", agenda.as_of);
    for kind in ItemKind::ALL {
        let heading = kind.heading();
        let items: Vec<&Item> = agenda.of(kind).collect();
        if items.is_empty() {
            continue;
        }
        let _ = writeln!(out, "\n{heading} ({})", items.len());
        for i in items {
            let _ = writeln!(out, "  {}  {}", sanitize(&i.item), sanitize(&i.note));
        }
    }
    if agenda.items.is_empty() {
        out.push_str("\nNothing to decide.\n");
    }
    if !agenda.actions.is_empty() {
        let _ = writeln!(
            out,
            "\nAction items of the last review ({})",
            agenda.actions.len()
        );
        for a in &agenda.actions {
            let _ = writeln!(out, "  {}", a.line());
        }
    }
    out
}
