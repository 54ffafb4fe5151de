//! Where each fine-tune's prompting baseline ends, read from history: the
//! commit that changed a use case's approach from `Prompting` to
//! `FineTuned` or `Hybrid`, its date, and the use case just before it. The
//! comparison itself is pure ([`crate::economics::realised`], through
//! [`crate::report::quarterly::fine_tunes`]).

use std::path::Path;

use super::GitError;
use super::history::{use_case_history, use_case_path};
use crate::diff::FieldValue;
use crate::model::{Approach, Date};
use crate::register::{Register, parse_use_case};
use crate::report::quarterly::Decision;

/// The decisions behind the fine-tuned and hybrid use cases of `reg` (the
/// register at revision `rev`): for each, the latest change of approach
/// from prompting reachable from `rev`, with the use case as it was just
/// before. A use case whose history shows no such change is listed
/// without a date (its `baseline_until`, if any, still applies).
pub fn decisions(state_dir: &Path, rev: &str, reg: &Register) -> Result<Vec<Decision>, GitError> {
    let located = super::locate(state_dir)?;
    let repo = &located.repo;
    let mut out = Vec::new();
    for e in &reg.use_cases {
        if !matches!(
            e.use_case.approach,
            Approach::FineTuned { .. } | Approach::Hybrid { .. }
        ) {
            continue;
        }
        let history = use_case_history(state_dir, &e.id, rev)?;
        let change = history.iter().find(|h| {
            h.changes.iter().any(|c| {
                c.field == "approach"
                    && c.from == FieldValue::Name("Prompting".to_owned())
                    && matches!(&c.to, FieldValue::Name(n) if n == "FineTuned" || n == "Hybrid")
            })
        });
        let Some(change) = change else {
            out.push(Decision {
                id: e.id.to_string(),
                before: None,
                changed_on: None,
            });
            continue;
        };
        // The file as its parent had it (at the same path; a rename in the
        // very commit that changed the approach leaves it unknown).
        let before = git2::Oid::from_str(&change.commit)
            .ok()
            .and_then(|id| repo.find_commit(id).ok())
            .and_then(|c| c.parent(0).ok())
            .and_then(|p| p.tree().ok())
            .and_then(|t| {
                t.get_path(Path::new(&use_case_path(&located.state_rel, &e.id)))
                    .ok()
            })
            .and_then(|entry| entry.to_object(repo).ok())
            .and_then(|o| o.into_blob().ok())
            .and_then(|b| {
                std::str::from_utf8(b.content())
                    .ok()
                    .and_then(|t| parse_use_case(t).ok())
            });
        out.push(Decision {
            id: e.id.to_string(),
            before,
            changed_on: Some(Date(change.time.date_naive())),
        });
    }
    Ok(out)
}
