//! The demo's recorded reviews: the last closed quarter's review as a
//! record (`state/reviews/YYYY-Qn.ron`) with its decisions, an approval and
//! action items, committed just before its tag; and the current quarter's
//! review, started on the last commit of `main` with its agenda.

use std::collections::BTreeMap;

use super::{FileWrite, GOVERNANCE_LEAD, History, PEOPLE, PlannedCommit, STATE_DIR, date_of};
use crate::agenda::{self, Agenda};
use crate::model::Date;
use crate::model::review::{
    ActionItem, AgendaEntry, Approval, DecisionKind, ItemKind, Minutes, Person,
};
use crate::register::{self, Content, Register, Snapshot, SourceFile};

fn person(p: super::Person) -> Person {
    Person {
        name: p.name.to_owned(),
        email: p.email.to_owned(),
    }
}

/// The register of `main` up to commit `upto` (inclusive), at `as_of`.
fn register_at(history: &History, upto: usize, as_of: Date, today: Date) -> Register {
    let mut files: BTreeMap<&str, &str> = BTreeMap::new();
    for c in &history.main[..=upto] {
        for f in &c.files {
            files.insert(&f.path, &f.text);
        }
    }
    let prefix = format!("{STATE_DIR}/");
    let snapshot = Snapshot {
        root: STATE_DIR.to_owned(),
        files: files
            .iter()
            .filter_map(|(path, text)| {
                path.strip_prefix(&prefix)
                    .filter(|rel| !rel.starts_with("reviews/"))
                    .map(|rel| SourceFile {
                        rel: rel.to_owned(),
                        content: Content::Bytes(text.as_bytes().to_vec()),
                    })
            })
            .collect(),
    };
    register::load(&snapshot, Some(as_of), today)
}

fn entries(a: &Agenda) -> Vec<AgendaEntry> {
    a.items
        .iter()
        .map(|i| AgendaEntry {
            item: i.item.clone(),
            kind: i.kind,
            note: i.note.clone(),
        })
        .collect()
}

/// The closed review of the last tagged quarter: every item decided (none
/// changes the register: the stage moves of the demo are its history's),
/// the ready candidates' decision endorsed by the ML platform engineer,
/// follow-ups for the almost-ready ones.
fn closed(quarter: &str, reg: &Register, at: Date) -> Minutes {
    let agenda = agenda::build(agenda::Inputs {
        now: reg,
        previous: None,
        proposals: &[],
        last_review: None,
    });
    let lead = person(GOVERNANCE_LEAD);
    let platform = person(PEOPLE[1]);
    let due = Date(at.0.checked_add_days(chrono::Days::new(45)).unwrap_or(at.0));
    let decisions = agenda
        .items
        .iter()
        .map(|i| {
            let owner = reg
                .get(&i.item)
                .map_or(lead.email.clone(), |e| e.use_case.owner.clone());
            let (kind, because, action) = match i.kind {
                ItemKind::Ready => (
                    DecisionKind::Hold,
                    "Ready on paper; wait for one more evaluation to confirm the plateau before training",
                    Some("Run the next evaluation and bring the plateau to the review"),
                ),
                ItemKind::Almost => (
                    DecisionKind::RequestData,
                    "One criterion short: collect what is missing before deciding",
                    Some("Close the blocking criterion and report back"),
                ),
                _ => (
                    DecisionKind::RequestData,
                    "Flagged: measure it again before the next review",
                    Some("Record a fresh measurement"),
                ),
            };
            let mut d = crate::minutes::new_decision(
                &i.item,
                kind,
                None,
                because,
                lead.clone(),
                at,
                crate::minutes::Needed {
                    approvers: 0,
                    role: None,
                },
                None,
            );
            if i.kind == ItemKind::Ready {
                d.approvals.push(Approval {
                    by: platform.clone(),
                    date: at,
                    because: "Agreed: training capacity is booked for next quarter".to_owned(),
                });
            }
            if let Some(what) = action {
                d.actions.push(ActionItem {
                    owner,
                    due,
                    what: what.to_owned(),
                });
            }
            d
        })
        .collect();
    Minutes {
        quarter: quarter.to_owned(),
        chair: lead,
        attendees: PEOPLE[1..].iter().map(|p| p.name.to_owned()).collect(),
        as_of: at,
        agenda: entries(&agenda),
        decisions,
        carried_over: Vec::new(),
        closed: true,
    }
}

/// Adds the two reviews to `history` (its tags and branches kept valid).
pub(super) fn add(history: &mut History, today: Date) {
    let Some(last_tag) = history.tags.last().cloned() else {
        return;
    };
    let Some(quarter) = last_tag.name.strip_prefix("review/").map(str::to_owned) else {
        return;
    };
    let target = last_tag.target;
    let at = date_of(last_tag.time);
    let reg = register_at(history, target, at, today);
    let record = closed(&quarter, &reg, at);
    let rel = format!("{STATE_DIR}/{}", Minutes::rel(&quarter));
    let before = history.main[target].time;
    let after = history
        .main
        .get(target + 1)
        .map_or(last_tag.time, |c| c.time.min(last_tag.time));
    let time = if after - before > 120 {
        before + 60
    } else {
        before + 1
    };
    let summary = crate::minutes::summary_lines(&record).join("\n");
    history.main.insert(
        target + 1,
        PlannedCommit {
            author: GOVERNANCE_LEAD,
            time,
            message: format!(
                "Review {quarter}: decisions\n\nChair: {}\nAttendees: {}\n\n{summary}\n",
                record.chair,
                record.attendees.join(", ")
            ),
            files: vec![FileWrite {
                path: rel,
                text: crate::minutes::canonical(&record),
            }],
        },
    );
    for t in &mut history.tags {
        if t.target > target {
            t.target += 1;
        }
    }
    if let Some(t) = history.tags.last_mut() {
        t.target = target + 1;
    }
    for b in &mut history.branches {
        if b.base > target {
            b.base += 1;
        }
    }

    // The current quarter's review, started after the last commit.
    let (year, q) = crate::report::fiscal_quarter(today, 1);
    let current = format!("{year:04}-Q{q}");
    if current == quarter {
        return;
    }
    let end = history.main.len() - 1;
    let now = register_at(history, end, today, today);
    let agenda = agenda::build(agenda::Inputs {
        now: &now,
        previous: Some(&reg),
        proposals: &[],
        last_review: Some(&record),
    });
    let started = Minutes {
        quarter: current.clone(),
        chair: person(GOVERNANCE_LEAD),
        attendees: PEOPLE[1..].iter().map(|p| p.name.to_owned()).collect(),
        as_of: today,
        agenda: entries(&agenda),
        decisions: Vec::new(),
        carried_over: Vec::new(),
        closed: false,
    };
    let time = history.main[end].time + 60;
    history.main.push(PlannedCommit {
        author: GOVERNANCE_LEAD,
        time,
        message: format!(
            "Review {current}: start\n\nChair: {}\nAs of: {today}\nAgenda: {} item(s)\n",
            started.chair,
            started.agenda.len()
        ),
        files: vec![FileWrite {
            path: format!("{STATE_DIR}/{}", Minutes::rel(&current)),
            text: crate::minutes::canonical(&started),
        }],
    });
    // The proposals stay off main's last commit.
    for b in &mut history.branches {
        if b.base == end {
            b.base = end + 1;
        }
    }
}
