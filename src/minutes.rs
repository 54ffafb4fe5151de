//! A review's record (`state/reviews/YYYY-Qn.ron`): reading it with
//! `path:line:col` diagnostics, writing its canonical text, the approvals a
//! decision needs under the policy, and who may approve.
//!
//! Pure: bytes and values in, values out. The files are read and committed
//! by [`crate::ops::meeting`].

use crate::model::review::{
    ActionItem, ApprovalRule, Decision, DecisionKind, DecisionStatus, Minutes, Person, Role,
};
use crate::model::{Date, Policy, Risk, Stage};
use crate::register::{Diagnostic, Seg, Severity, locate, parse_minutes};

/// A quarter's name is `YYYY-Qn` with n from 1 to 4.
pub fn is_quarter(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 7
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[5] == b'Q'
        && (b'1'..=b'4').contains(&b[6])
}

/// Parses and checks a review file shown as `display`, expected to be the
/// review of `quarter` (its file name). Every problem is an error with its
/// place.
pub fn check(display: &str, quarter: &str, bytes: &[u8]) -> Result<Minutes, Vec<Diagnostic>> {
    let error = |line, column, message: String| Diagnostic {
        severity: Severity::Error,
        file: display.to_owned(),
        line,
        column,
        message,
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Err(vec![error(1, 1, "the file is not UTF-8".to_owned())]);
    };
    let m = parse_minutes(text).map_err(|e| vec![error(e.line, e.column, e.message)])?;
    let mut out = Vec::new();
    let mut at = |path: &[Seg], message: String| {
        let (line, column) = locate(text, path);
        out.push(error(line, column, message));
    };
    if m.quarter != quarter {
        at(
            &[Seg::Field("quarter")],
            format!(
                "quarter `{}` does not match the file's name `{quarter}.ron`",
                crate::text::sanitize(&m.quarter)
            ),
        );
    }
    if m.chair.email.trim().is_empty() {
        at(
            &[Seg::Field("chair"), Seg::Field("email")],
            "the chair's email is empty".to_owned(),
        );
    }
    for (i, d) in m.decisions.iter().enumerate() {
        let here = |f: &'static str| [Seg::Field("decisions"), Seg::Index(i), Seg::Field(f)];
        if d.decision == DecisionKind::Advance && d.to.is_none() {
            at(
                &here("to"),
                "an Advance decision names the stage it moves to: `to: Some(FineTune)`".to_owned(),
            );
        }
        if d.because.trim().is_empty() {
            at(&here("because"), "the rationale is empty".to_owned());
        }
        for (j, a) in d.approvals.iter().enumerate() {
            if a.by.email.eq_ignore_ascii_case(&d.by.email) {
                at(
                    &[
                        Seg::Field("decisions"),
                        Seg::Index(i),
                        Seg::Field("approvals"),
                        Seg::Index(j),
                    ],
                    "the decider cannot approve their own decision".to_owned(),
                );
            }
        }
        for (j, a) in d.actions.iter().enumerate() {
            if a.owner.trim().is_empty() || a.what.trim().is_empty() {
                at(
                    &[
                        Seg::Field("decisions"),
                        Seg::Index(i),
                        Seg::Field("actions"),
                        Seg::Index(j),
                    ],
                    "an action item needs an owner and what to do".to_owned(),
                );
            }
        }
        let complete = d.approvals.len() as u32 >= d.approvals_needed;
        if d.status == DecisionStatus::Pending && complete {
            at(
                &here("status"),
                "the decision has all its approvals but is still Pending".to_owned(),
            );
        }
        if d.status == DecisionStatus::Applied && !complete {
            at(
                &here("status"),
                format!(
                    "the decision is Applied with {} of {} approvals",
                    d.approvals.len(),
                    d.approvals_needed
                ),
            );
        }
    }
    if out.is_empty() { Ok(m) } else { Err(out) }
}

/// The canonical text of a review file.
pub fn canonical(m: &Minutes) -> String {
    let config = ron::ser::PrettyConfig::new()
        .struct_names(false)
        .indentor("    ".to_owned())
        .separate_tuple_members(false);
    match ron::ser::to_string_pretty(m, config) {
        Ok(body) => format!("Review{body}\n"),
        // Serializing plain data cannot fail; keep a parseable file anyway.
        Err(e) => format!("// {e}\n"),
    }
}

/// What the policy asks of a decision: how many approvals by which role.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Needed {
    /// How many approvals.
    pub approvers: u32,
    /// The least role of an approver.
    pub role: Option<Role>,
}

/// The approvals a `decision` on a use case of `risk` needs: the strictest
/// matching rule of the policy's `approvals` (none: no approval).
pub fn approvals_needed(policy: &Policy, risk: Risk, decision: DecisionKind) -> Needed {
    policy
        .approvals
        .iter()
        .filter(|r: &&ApprovalRule| r.risk == risk && r.decisions.contains(&decision))
        .max_by_key(|r| (r.approvers, r.role))
        .map_or(
            Needed {
                approvers: 0,
                role: None,
            },
            |r| Needed {
                approvers: r.approvers,
                role: Some(r.role),
            },
        )
}

/// A new decision, with the approvals the policy asks for.
#[allow(clippy::too_many_arguments)]
pub fn new_decision(
    item: &str,
    decision: DecisionKind,
    to: Option<Stage>,
    because: &str,
    by: Person,
    date: Date,
    needed: Needed,
    readiness_override: Option<String>,
) -> Decision {
    let status = if needed.approvers > 0 {
        DecisionStatus::Pending
    } else if decision.changes_register() {
        DecisionStatus::Applied
    } else {
        DecisionStatus::Recorded
    };
    Decision {
        item: item.to_owned(),
        decision,
        to,
        because: because.trim().to_owned(),
        by,
        date,
        actions: Vec::new(),
        approvals_needed: needed.approvers,
        approver_role: needed.role,
        approvals: Vec::new(),
        status,
        readiness_override,
    }
}

/// The decision in words: `advance to FineTune`, `hold`, ...
pub fn decision_words(d: &Decision) -> String {
    match (d.decision, d.to) {
        (DecisionKind::Advance, Some(to)) => format!("advance to {}", to.name()),
        (k, _) => k.word().to_owned(),
    }
}

/// One line per decision, for the review tag's message and reports:
/// `- claims-triage: advance to FineTune (applied; approved by a, b): why`.
pub fn summary_lines(m: &Minutes) -> Vec<String> {
    let mut out = Vec::new();
    for d in &m.decisions {
        let mut state = d.status.label().to_owned();
        if !d.approvals.is_empty() {
            let who: Vec<&str> = d.approvals.iter().map(|a| a.by.name.as_str()).collect();
            state.push_str(&format!("; approved by {}", who.join(", ")));
        }
        out.push(format!(
            "- {}: {} ({state}), by {}: {}",
            d.item,
            decision_words(d),
            d.by.name,
            d.because
        ));
    }
    out
}

/// Parses an action item written `OWNER|YYYY-MM-DD|WHAT`.
pub fn parse_action(s: &str) -> Result<ActionItem, String> {
    let mut parts = s.splitn(3, '|');
    let (Some(owner), Some(due), Some(what)) = (parts.next(), parts.next(), parts.next()) else {
        return Err(format!(
            "action `{}` is not OWNER|YYYY-MM-DD|WHAT",
            crate::text::sanitize(s)
        ));
    };
    let (owner, what) = (owner.trim(), what.trim());
    if owner.is_empty() || what.is_empty() {
        return Err(format!(
            "action `{}` needs an owner and what to do: OWNER|YYYY-MM-DD|WHAT",
            crate::text::sanitize(s)
        ));
    }
    Ok(ActionItem {
        owner: owner.to_owned(),
        due: Date::parse(due.trim())?,
        what: what.to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Minutes {
        let by = Person {
            name: "Ana".to_owned(),
            email: "ana@example.com".to_owned(),
        };
        let date = Date::parse("2026-10-01").unwrap();
        let mut d = new_decision(
            "claims-triage",
            DecisionKind::Advance,
            Some(Stage::FineTune),
            "ready",
            by.clone(),
            date,
            Needed {
                approvers: 2,
                role: Some(Role::Reviewer),
            },
            None,
        );
        d.actions
            .push(parse_action("bo@example.com|2026-11-01|Book the run").unwrap());
        Minutes {
            quarter: "2026-Q4".to_owned(),
            chair: by,
            attendees: vec!["Bo".to_owned()],
            as_of: date,
            agenda: Vec::new(),
            decisions: vec![d],
            carried_over: Vec::new(),
            closed: false,
        }
    }

    #[test]
    fn the_canonical_text_reads_back_the_same() {
        let m = sample();
        let text = canonical(&m);
        assert!(text.starts_with("Review(\n"), "{text}");
        assert_eq!(check("r.ron", "2026-Q4", text.as_bytes()), Ok(m));
    }

    #[test]
    fn problems_are_placed_where_they_are() {
        let text = canonical(&sample()).replace("status: Pending", "status: Applied");
        let errors = check("state/reviews/2026-Q4.ron", "2026-Q4", text.as_bytes()).unwrap_err();
        assert_eq!(errors.len(), 1, "{errors:?}");
        let line = text
            .lines()
            .position(|l| l.contains("status: Applied"))
            .unwrap()
            + 1;
        assert_eq!(errors[0].line, line);
        assert!(errors[0].message.contains("Applied with 0 of 2"));
        assert!(check("x", "2026-Q3", canonical(&sample()).as_bytes()).is_err());
    }

    #[test]
    fn the_strictest_matching_rule_applies() {
        use crate::model::review::ApprovalRule;
        let mut p = Policy::default();
        assert_eq!(
            approvals_needed(&p, Risk::High, DecisionKind::Advance).approvers,
            0
        );
        p.approvals = vec![
            ApprovalRule {
                risk: Risk::High,
                decisions: vec![DecisionKind::Advance],
                approvers: 1,
                role: Role::Reviewer,
            },
            ApprovalRule {
                risk: Risk::High,
                decisions: vec![DecisionKind::Advance, DecisionKind::Retire],
                approvers: 2,
                role: Role::Admin,
            },
        ];
        let n = approvals_needed(&p, Risk::High, DecisionKind::Advance);
        assert_eq!((n.approvers, n.role), (2, Some(Role::Admin)));
        assert_eq!(
            approvals_needed(&p, Risk::Limited, DecisionKind::Advance).approvers,
            0
        );
        assert_eq!(
            approvals_needed(&p, Risk::High, DecisionKind::Hold).approvers,
            0
        );
    }

    #[test]
    fn actions_are_owner_date_what() {
        assert!(parse_action("a|2026-01-01|x").is_ok());
        assert!(parse_action("a|2026-13-01|x").is_err());
        assert!(parse_action("a|2026-01-01").is_err());
        assert!(parse_action(" |2026-01-01|x").is_err());
    }
}
