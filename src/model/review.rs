//! A quarterly review's record: `state/reviews/YYYY-Qn.ron`, and the
//! approval rules `policy.ron` may hold.
//!
//! Pure types with serde derives (see `docs/schema.md`): who chaired and
//! attended, the date the register was judged at, the agenda as it was
//! when the review started, and every decision with its rationale, action
//! items and approvals. Checking a file's values lives in
//! [`crate::minutes`].

use serde::{Deserialize, Serialize};

use super::{Date, Risk, Stage};

/// The folder of review files, relative to the state directory.
pub const REVIEWS_DIR: &str = "reviews";

/// What a review decides about an agenda item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum DecisionKind {
    /// Move the use case to a later stage (`to`).
    Advance,
    /// Keep it where it is.
    Hold,
    /// Keep it where it is until more data (measurements, ROI) is in.
    RequestData,
    /// Move it to stage Retired.
    Retire,
    /// Accept (merge) a proposal.
    Accept,
    /// Reject a proposal.
    Reject,
    /// Leave the item to a later review.
    Defer,
}

impl DecisionKind {
    /// Every decision, in the order the command line lists them.
    pub const ALL: [DecisionKind; 7] = [
        DecisionKind::Advance,
        DecisionKind::Hold,
        DecisionKind::RequestData,
        DecisionKind::Retire,
        DecisionKind::Accept,
        DecisionKind::Reject,
        DecisionKind::Defer,
    ];

    /// The word the command line takes: `advance`, `request-data`, ...
    pub fn word(self) -> &'static str {
        match self {
            DecisionKind::Advance => "advance",
            DecisionKind::Hold => "hold",
            DecisionKind::RequestData => "request-data",
            DecisionKind::Retire => "retire",
            DecisionKind::Accept => "accept",
            DecisionKind::Reject => "reject",
            DecisionKind::Defer => "defer",
        }
    }

    /// Parses [`DecisionKind::word`] (any case; the RON name as well).
    pub fn parse(s: &str) -> Option<DecisionKind> {
        DecisionKind::ALL
            .into_iter()
            .find(|d| d.word().eq_ignore_ascii_case(s) || format!("{d:?}").eq_ignore_ascii_case(s))
    }

    /// Whether the decision changes the register (a stage, a merge).
    pub fn changes_register(self) -> bool {
        matches!(
            self,
            DecisionKind::Advance | DecisionKind::Retire | DecisionKind::Accept
        )
    }

    /// Whether it is a decision about a proposal rather than a use case.
    pub fn about_proposal(self) -> bool {
        matches!(self, DecisionKind::Accept | DecisionKind::Reject)
    }
}

/// A principal's role, as `state/access.ron` grants it, lowest first
/// (one type for the server, approvals and verification).
pub use crate::access::Role;

/// One rule of `policy.ron`'s `approvals`: decisions of these kinds on use
/// cases of this risk tier need this many approvals by people of at least
/// this role, besides the one who decided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ApprovalRule {
    /// The risk tier the rule applies to.
    pub risk: Risk,
    /// The decisions it applies to.
    pub decisions: Vec<DecisionKind>,
    /// How many approvals are needed.
    pub approvers: u32,
    /// The least role an approver must have.
    pub role: Role,
}

/// Someone, as commits name them.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Their name.
    pub name: String,
    /// Their e-mail address.
    pub email: String,
}

impl std::fmt::Display for Person {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} <{}>", self.name, self.email)
    }
}

/// A follow-up a decision assigns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ActionItem {
    /// Who does it (a name or an e-mail address).
    pub owner: String,
    /// By when.
    pub due: Date,
    /// What to do.
    pub what: String,
}

/// One approval of a decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Approval {
    /// Who approved.
    pub by: Person,
    /// When.
    pub date: Date,
    /// Why, in a line.
    pub because: String,
}

/// Where a decision stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum DecisionStatus {
    /// Recorded; it changes nothing in the register (hold, defer, ...).
    Recorded,
    /// Waiting for approvals; its change is not made yet.
    Pending,
    /// Its change was made in the commit that completed it.
    Applied,
}

impl DecisionStatus {
    /// `recorded`, `pending` or `applied`.
    pub fn label(self) -> &'static str {
        match self {
            DecisionStatus::Recorded => "recorded",
            DecisionStatus::Pending => "pending",
            DecisionStatus::Applied => "applied",
        }
    }
}

/// One decision on an agenda item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// The agenda item: a use case's id or a proposal's branch.
    pub item: String,
    /// What was decided.
    pub decision: DecisionKind,
    /// For `Advance`: the stage to move to.
    #[serde(default)]
    pub to: Option<Stage>,
    /// Why.
    pub because: String,
    /// Who decided.
    pub by: Person,
    /// When.
    pub date: Date,
    /// Follow-up actions.
    #[serde(default)]
    pub actions: Vec<ActionItem>,
    /// How many approvals the policy asked for when it was decided.
    #[serde(default)]
    pub approvals_needed: u32,
    /// The least role of an approver, when approvals are needed.
    #[serde(default)]
    pub approver_role: Option<Role>,
    /// The approvals so far.
    #[serde(default)]
    pub approvals: Vec<Approval>,
    /// Where it stands.
    pub status: DecisionStatus,
    /// Why the move overrides the readiness verdict, when it does.
    #[serde(default)]
    pub readiness_override: Option<String>,
}

impl Decision {
    /// Whether approvals are still missing.
    pub fn is_pending(&self) -> bool {
        self.status == DecisionStatus::Pending
    }
}

/// What kind of agenda item, in agenda order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum ItemKind {
    /// Ready to move to fine-tuning.
    Ready,
    /// One criterion short.
    Almost,
    /// Fine-tuned since the last review: did it pay off?
    FineTuned,
    /// Stale or regressed.
    Flagged,
    /// An open proposal.
    Proposal,
    /// Not on the computed agenda: raised in the review itself.
    Raised,
}

impl ItemKind {
    /// Every kind, in agenda order.
    pub const ALL: [ItemKind; 6] = [
        ItemKind::Ready,
        ItemKind::Almost,
        ItemKind::FineTuned,
        ItemKind::Flagged,
        ItemKind::Proposal,
        ItemKind::Raised,
    ];

    /// The heading of the agenda's group of this kind, as every front end
    /// shows it.
    pub fn heading(self) -> &'static str {
        match self {
            ItemKind::Ready => "Ready to move to fine-tuning",
            ItemKind::Almost => "Almost ready (one criterion short)",
            ItemKind::FineTuned => "Fine-tuned since the last review",
            ItemKind::Flagged => "Stale or regressed",
            ItemKind::Proposal => "Open proposals",
            ItemKind::Raised => "Raised in the review",
        }
    }

    /// `ready`, `almost`, `fine-tuned`, `flagged`, `proposal` or `raised`.
    pub fn label(self) -> &'static str {
        match self {
            ItemKind::Ready => "ready",
            ItemKind::Almost => "almost",
            ItemKind::FineTuned => "fine-tuned",
            ItemKind::Flagged => "flagged",
            ItemKind::Proposal => "proposal",
            ItemKind::Raised => "raised",
        }
    }
}

/// One item of the agenda as the review started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AgendaEntry {
    /// A use case's id or a proposal's branch.
    pub item: String,
    /// Why it is on the agenda.
    pub kind: ItemKind,
    /// What the agenda said about it.
    pub note: String,
}

/// `state/reviews/YYYY-Qn.ron`: one quarter's review.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename = "Review", deny_unknown_fields)]
pub struct Minutes {
    /// The quarter, `YYYY-Qn`.
    pub quarter: String,
    /// Who chairs it.
    pub chair: Person,
    /// Who attends (names or e-mail addresses).
    #[serde(default)]
    pub attendees: Vec<String>,
    /// The date the register is judged at.
    pub as_of: Date,
    /// The agenda when the review started.
    #[serde(default)]
    pub agenda: Vec<AgendaEntry>,
    /// The decisions, in the order they were made.
    #[serde(default)]
    pub decisions: Vec<Decision>,
    /// Items left open when the review closed, for the next one.
    #[serde(default)]
    pub carried_over: Vec<String>,
    /// Whether the review is closed (its tag made).
    #[serde(default)]
    pub closed: bool,
}

impl Minutes {
    /// The file of the review of `quarter`, relative to the state directory.
    pub fn rel(quarter: &str) -> String {
        format!("{REVIEWS_DIR}/{quarter}.ron")
    }

    /// The latest decision on `item`.
    pub fn decision(&self, item: &str) -> Option<&Decision> {
        self.decisions.iter().rev().find(|d| d.item == item)
    }

    /// Agenda items without a decision, in agenda order.
    pub fn undecided(&self) -> Vec<&str> {
        self.agenda
            .iter()
            .filter(|a| self.decision(&a.item).is_none())
            .map(|a| a.item.as_str())
            .collect()
    }

    /// Items whose decision waits for approvals.
    pub fn pending(&self) -> Vec<&str> {
        self.decisions
            .iter()
            .filter(|d| d.is_pending())
            .map(|d| d.item.as_str())
            .collect()
    }

    /// Every action item with the item it belongs to.
    pub fn actions(&self) -> impl Iterator<Item = (&str, &ActionItem)> {
        self.decisions
            .iter()
            .flat_map(|d| d.actions.iter().map(move |a| (d.item.as_str(), a)))
    }
}
