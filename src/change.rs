//! Edits to one use case and the commit messages that describe them.
//!
//! Pure: the current use case and an edit in, the new use case and its
//! message out. Writing and committing is the git edge's job
//! ([`crate::git::commit`]).

use crate::model::{Measurement, RoiEntry, Stage, UseCase, UseCaseId, canonical};
use crate::readiness::Assessment;

/// One change a user makes to a use case.
#[derive(Debug, Clone, PartialEq)]
pub enum Edit {
    /// Move to another roadmap stage.
    MoveStage(Stage),
    /// Record a measurement (kept in date order).
    AddMeasurement(Measurement),
    /// Record ROI evidence (kept in date order).
    AddRoi(RoiEntry),
    /// Replace the whole use case (edited in an external editor).
    Replace(Box<UseCase>),
}

/// An edit applied: the new content and how to describe it.
#[derive(Debug, Clone, PartialEq)]
pub struct Applied {
    /// The use case after the edit.
    pub use_case: UseCase,
    /// The canonical file text to write.
    pub text: String,
    /// The commit message: a summary line, then the body.
    pub message: String,
}

/// Why an edit cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EditError {
    /// The edit would change nothing.
    #[error("nothing to change: {0}")]
    NoChange(String),
}

/// Whether moving `u` to `to` overrides the readiness engine: a prompting
/// use case moved into FineTune while its verdict is not `ready`. Returns
/// the explanation.
pub fn override_needed(u: &UseCase, to: Stage, assessment: &Assessment) -> Option<String> {
    use crate::readiness::Verdict;
    // Readiness gates the step from prompting to fine-tuning: a use case
    // fine-tuned already (or not a language-model approach) needs none.
    let prompting = matches!(u.approach, crate::model::Approach::Prompting { .. });
    if to != Stage::FineTune
        || u.stage == Stage::FineTune
        || !prompting
        || assessment.verdict == Verdict::Ready
    {
        return None;
    }
    let failing: Vec<&str> = assessment.blockers().map(|c| c.criterion.key()).collect();
    Some(if failing.is_empty() {
        format!("readiness is `{}`, not `ready`", assessment.verdict.label())
    } else {
        format!(
            "readiness is `{}`, not `ready` (failing: {})",
            assessment.verdict.label(),
            failing.join(", ")
        )
    })
}

/// The top-level fields that differ between two versions of a use case.
pub fn changed_fields(a: &UseCase, b: &UseCase) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name, same: bool| {
        if !same {
            out.push(name);
        }
    };
    check("title", a.title == b.title);
    check("summary", a.summary == b.summary);
    check("owner", a.owner == b.owner);
    check("team", a.team == b.team);
    check("stage", a.stage == b.stage);
    check("approach", a.approach == b.approach);
    check("risk", a.risk == b.risk);
    check("profile", a.profile == b.profile);
    check("targets", a.targets == b.targets);
    check("measurements", a.measurements == b.measurements);
    check("roi", a.roi == b.roi);
    check("notes", a.notes == b.notes);
    out
}

fn with_body(summary: String, justification: &str, extra: Option<String>) -> String {
    let mut body = String::new();
    let justification = justification.trim();
    if !justification.is_empty() {
        body.push_str(justification);
        body.push('\n');
    }
    if let Some(extra) = extra {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(&extra);
        body.push('\n');
    }
    if body.is_empty() {
        format!("{summary}\n")
    } else {
        format!("{summary}\n\n{body}")
    }
}

/// A new use case `id` scaffolded with `title`, `owner` and `team` (the
/// rest placeholders, as `ripen new` writes them): its file and message.
pub fn create(id: &UseCaseId, title: &str, owner: &str, team: &str) -> Applied {
    let use_case = UseCase::scaffold(title.trim(), owner.trim(), team.trim());
    let text = canonical::use_case(&use_case);
    let message = format!(
        "{id}: create\n\nScaffolded with placeholder values: fill in every field, review the \
         risk tier, then run `ripen validate`.\n"
    );
    Applied {
        use_case,
        text,
        message,
    }
}

/// The file of use case `id`, relative to the state directory.
pub fn use_case_rel(id: &UseCaseId) -> String {
    format!("use-cases/{id}.ron")
}

/// Applies `edit` to use case `id`. `override_reason` must be given (see
/// [`override_needed`]) when the move overrides the readiness verdict; it is
/// recorded in the message.
pub fn apply(
    id: &UseCaseId,
    current: &UseCase,
    edit: Edit,
    justification: &str,
    override_reason: Option<&str>,
) -> Result<Applied, EditError> {
    let mut next = current.clone();
    let (summary, extra) = match edit {
        Edit::MoveStage(to) => {
            if to == current.stage {
                return Err(EditError::NoChange(format!("already in {}", to.name())));
            }
            next.stage = to;
            (
                format!("{id}: stage {} -> {}", current.stage.name(), to.name()),
                override_reason.map(|why| {
                    format!("Readiness override: moved to {} although {why}.", to.name())
                }),
            )
        }
        Edit::AddMeasurement(m) => {
            let at = next.measurements.partition_point(|x| x.date <= m.date);
            let summary = format!("{id}: add measurement {} (accuracy {})", m.date, m.accuracy);
            next.measurements.insert(at, m);
            (summary, None)
        }
        Edit::AddRoi(r) => {
            let at = next.roi.partition_point(|x| x.date <= r.date);
            let summary = format!(
                "{id}: add ROI evidence {} ({:?}, {} {:?}, {:?})",
                r.date, r.kind, r.value_usd, r.period, r.confidence
            );
            next.roi.insert(at, r);
            (summary, None)
        }
        Edit::Replace(u) => {
            let fields = changed_fields(current, &u);
            if fields.is_empty() {
                return Err(EditError::NoChange(
                    "the file's values are unchanged".to_owned(),
                ));
            }
            let overrides = override_reason.filter(|_| u.stage != current.stage);
            let extra = overrides.map(|why| {
                format!(
                    "Readiness override: moved to {} although {why}.",
                    u.stage.name()
                )
            });
            next = *u;
            (format!("{id}: edit {}", fields.join(", ")), extra)
        }
    };
    let text = canonical::use_case(&next);
    Ok(Applied {
        use_case: next,
        text,
        message: with_body(summary, justification, extra),
    })
}
