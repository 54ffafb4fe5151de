//! The quarterly review as a recorded meeting: its agenda, starting it
//! (`state/reviews/YYYY-Qn.ron`, one commit), deciding on each item and
//! approving decisions. A decision that changes a use case makes that
//! change and records the decision in one commit, authored by the decider;
//! a decision that waits for approvals makes its change in the commit of
//! the last approval. Closing (the tag) is [`super::review::close`].

use std::path::Path;

use git2::Oid;

use super::change::{Saved, entry, load_for_change};
use super::{Context, OpError};
use crate::agenda::{self, Agenda, ProposalInput};
use crate::change::{self, Edit};
use crate::git::commit::{self, FileWrite};
use crate::git::review::Quarter;
use crate::minutes::{self, Needed};
use crate::model::Stage;
use crate::model::review::{
    AgendaEntry, Approval, Decision, DecisionKind, DecisionStatus, ItemKind, Minutes, Person,
    REVIEWS_DIR,
};
use crate::principals::{self, ACCESS_FILE, Principals};
use crate::register::{Diagnostic, Register};
use crate::text::sanitize;

/// One review file of the working tree.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// Its path relative to the state directory.
    pub rel: String,
    /// Its bytes, to detect a change made meanwhile.
    pub bytes: Vec<u8>,
    /// What it holds.
    pub minutes: Minutes,
}

/// Every review file of the working tree, and the problems of those that
/// did not load.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Records {
    /// The reviews that loaded, oldest quarter first.
    pub list: Vec<Record>,
    /// The problems of the others, `path:line:col`.
    pub problems: Vec<Diagnostic>,
}

impl Records {
    /// The review started and not closed (the latest, if several).
    pub fn open(&self) -> Option<&Record> {
        self.list.iter().rev().find(|r| !r.minutes.closed)
    }

    /// The latest closed review before `quarter` (any, without one).
    pub fn last_closed(&self, before: Option<&str>) -> Option<&Record> {
        self.list
            .iter()
            .rev()
            .filter(|r| before.is_none_or(|q| r.minutes.quarter.as_str() < q))
            .find(|r| r.minutes.closed)
    }

    /// The review of `quarter`.
    pub fn get(&self, quarter: &str) -> Option<&Record> {
        self.list.iter().find(|r| r.minutes.quarter == quarter)
    }
}

fn shown(ctx: &Context, rel: &str) -> String {
    ctx.state_dir.join(rel).display().to_string()
}

/// Reads every `reviews/*.ron` of the working tree.
pub fn records(ctx: &Context) -> Result<Records, OpError> {
    read_records(&ctx.state_dir, |rel| shown(ctx, rel))
}

fn read_records(state_dir: &Path, show: impl Fn(&str) -> String) -> Result<Records, OpError> {
    let dir = state_dir.join(REVIEWS_DIR);
    let mut out = Records::default();
    let entries = match std::fs::read_dir(&dir) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(out),
        Err(e) => return Err(OpError::Failed(format!("{}: {e}", dir.display()))),
    };
    let mut names: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".ron") && !n.starts_with('.'))
        .collect();
    names.sort();
    for name in names {
        let rel = format!("{REVIEWS_DIR}/{name}");
        let quarter = name.trim_end_matches(".ron");
        if !minutes::is_quarter(quarter) {
            out.problems.push(Diagnostic::file_level(
                crate::register::Severity::Error,
                show(&rel),
                "a review file is named YYYY-Qn.ron, e.g. 2026-Q3.ron".to_owned(),
            ));
            continue;
        }
        let bytes = std::fs::read(state_dir.join(&rel))
            .map_err(|e| OpError::Failed(format!("{}: {e}", show(&rel))))?;
        match minutes::check(&show(&rel), quarter, &bytes) {
            Ok(m) => out.list.push(Record {
                rel,
                bytes,
                minutes: m,
            }),
            Err(d) => out.problems.extend(d),
        }
    }
    Ok(out)
}

fn refuse_problems(recs: &Records) -> Result<(), OpError> {
    if recs.problems.is_empty() {
        return Ok(());
    }
    let lines: Vec<String> = recs.problems.iter().map(|d| d.to_string()).collect();
    Err(OpError::Refused(format!(
        "the review files have errors; nothing was changed:\n{}",
        lines.join("\n")
    )))
}

/// Who the context acts as: its identity, else the repository's.
pub fn who(ctx: &Context) -> Result<Person, OpError> {
    if let Some(i) = &ctx.identity {
        return Ok(Person {
            name: i.name.clone(),
            email: i.email.clone(),
        });
    }
    let located = crate::git::locate(&ctx.state_dir)?;
    let sig = located
        .repo
        .signature()
        .map_err(|_| OpError::Commit(commit::ChangeError::NoIdentity))?;
    Ok(Person {
        name: String::from_utf8_lossy(sig.name_bytes()).into_owned(),
        email: String::from_utf8_lossy(sig.email_bytes()).into_owned(),
    })
}

/// The principals of the working tree's `access.ron`, or none.
pub fn principals(ctx: &Context) -> Result<Principals, OpError> {
    let path = ctx.state_dir.join(ACCESS_FILE);
    match std::fs::read_to_string(&path) {
        Ok(text) => principals::parse_access(&text)
            .map_err(|e| OpError::Refused(format!("{}:{e}", path.display()))),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Principals::default()),
        Err(e) => Err(OpError::Failed(format!("{}: {e}", path.display()))),
    }
}

/// The agenda, with what it was built from.
#[derive(Debug, Clone)]
pub struct AgendaView {
    /// The agenda.
    pub agenda: Agenda,
    /// The quarter of the review that is open, if one is.
    pub open: Option<String>,
    /// Who chairs the open review (their session leads those that follow).
    pub chair: Option<Person>,
    /// Its decisions so far, by item (empty without an open review).
    pub decisions: Vec<Decision>,
    /// The review tag the agenda compares with, if any.
    pub since: Option<String>,
    /// Review files with errors, and proposal branches that were skipped.
    pub warnings: Vec<String>,
}

impl AgendaView {
    /// Where an item stands in the open review: `undecided`, or its
    /// decision and status.
    pub fn state_of(&self, item: &str) -> String {
        match self.decisions.iter().rev().find(|d| d.item == item) {
            None => "undecided".to_owned(),
            Some(d) => format!("{}, {}", minutes::decision_words(d), d.status.label()),
        }
    }
}

/// The register at the latest review tag that HEAD descends from.
fn previous_register(ctx: &Context) -> Option<(String, Register)> {
    use crate::git::review as rv;
    let located = crate::git::locate(&ctx.state_dir).ok()?;
    let repo = &located.repo;
    let head = repo.head().ok()?.peel_to_commit().ok()?.id();
    let tags = rv::reviews_in(repo, ctx.today).ok()?.tags;
    let tag = match tags.iter().find(|t| t.commit == head.to_string()) {
        Some(t) => Some(t.clone()),
        None => rv::previous_review(repo, head, &tags).ok()?,
    }?;
    let at = rv::resolve(repo, &format!("refs/tags/{}", tag.name)).ok()?;
    let then = at.date().min(ctx.today);
    let reg = rv::register_at(&located, &at, None, then).ok()?;
    Some((tag.name, reg))
}

/// The open proposals, as the agenda lists them.
fn proposal_inputs(ctx: &Context, warnings: &mut Vec<String>) -> Vec<ProposalInput> {
    match crate::git::proposals::scan(&ctx.state_dir, ctx.as_of, ctx.today) {
        Ok(listing) => {
            warnings.extend(listing.skipped);
            listing
                .proposals
                .into_iter()
                .map(|p| ProposalInput {
                    branch: p.branch,
                    commits: p.commits,
                    authors: p.authors,
                    valid: p.valid,
                    mergeable: p.mergeable,
                    use_cases: p.changes.use_cases.into_iter().map(|u| u.id).collect(),
                })
                .collect()
        }
        Err(e) => {
            warnings.push(format!("proposals not listed: {e}"));
            Vec::new()
        }
    }
}

fn view_of(ctx: &Context, reg: &Register, recs: &Records) -> AgendaView {
    let open = recs.open();
    let mut warnings: Vec<String> = recs.problems.iter().map(|d| d.to_string()).collect();
    let previous = previous_register(ctx);
    let proposals = proposal_inputs(ctx, &mut warnings);
    let last = recs.last_closed(open.map(|r| r.minutes.quarter.as_str()));
    let agenda = agenda::build(agenda::Inputs {
        now: reg,
        previous: previous.as_ref().map(|(_, r)| r),
        proposals: &proposals,
        last_review: last.map(|r| &r.minutes),
    });
    AgendaView {
        agenda,
        open: open.map(|r| r.minutes.quarter.clone()),
        chair: open.map(|r| r.minutes.chair.clone()),
        decisions: open
            .map(|r| r.minutes.decisions.clone())
            .unwrap_or_default(),
        since: previous.map(|(n, _)| n),
        warnings,
    }
}

/// The agenda of the open review (at its as-of date), or of one that
/// would start now.
pub fn agenda(ctx: &Context) -> Result<AgendaView, OpError> {
    let recs = records(ctx)?;
    let mut ctx = ctx.clone();
    if ctx.as_of.is_none() {
        ctx.as_of = recs.open().map(|r| r.minutes.as_of);
    }
    let reg = super::load::register(&ctx, None)?;
    let mut view = view_of(&ctx, &reg, &recs);
    // An open review keeps the agenda it started with: a decision made
    // moves a use case out of its group, not off the agenda.
    if let Some(open) = recs.open() {
        let computed = std::mem::take(&mut view.agenda.items);
        view.agenda.items = open
            .minutes
            .agenda
            .iter()
            .map(|a| {
                let now = computed.iter().find(|i| i.item == a.item);
                agenda::Item {
                    item: a.item.clone(),
                    kind: a.kind,
                    title: now.map_or_else(
                        || {
                            reg.get(&a.item)
                                .map_or(a.item.clone(), |e| e.use_case.title.clone())
                        },
                        |i| i.title.clone(),
                    ),
                    note: a.note.clone(),
                    flags: now.map(|i| i.flags.clone()).unwrap_or_default(),
                    blocking: now.and_then(|i| i.blocking.clone()),
                    payoff: now.and_then(|i| i.payoff),
                }
            })
            .collect();
    }
    Ok(view)
}

/// A review started.
#[derive(Debug, Clone)]
pub struct Started {
    /// The quarter.
    pub quarter: String,
    /// How many items its agenda has.
    pub items: usize,
    /// The commit.
    pub saved: Saved,
}

impl Started {
    /// `Started review 2026-Q4 with 7 agenda items: committed ...`.
    pub fn describe(&self) -> String {
        format!(
            "Started review {} with {} agenda item(s): {}",
            self.quarter,
            self.items,
            self.saved.describe()
        )
    }
}

/// Starts the review of `quarter` (`YYYY-Qn`): writes its file with the
/// context's identity as chair, `attendees`, the as-of date and the agenda,
/// in one commit. Refused when the review exists, another is open, or the
/// review files have errors.
pub fn start(ctx: &Context, quarter: &str, attendees: &[String]) -> Result<Started, OpError> {
    ctx.require(crate::access::Act::Review)?;
    let q = Quarter::parse(quarter)?.to_string();
    let recs = records(ctx)?;
    refuse_problems(&recs)?;
    if let Some(r) = recs.get(&q) {
        return Err(OpError::Refused(format!(
            "review {q} was started already ({}{}); nothing was changed",
            shown(ctx, &r.rel),
            if r.minutes.closed { ", and closed" } else { "" }
        )));
    }
    if let Some(open) = recs.open() {
        return Err(OpError::Refused(format!(
            "review {} is still open; close it first (`ripen review close {}`); nothing was changed",
            open.minutes.quarter, open.minutes.quarter
        )));
    }
    let chair = who(ctx)?;
    let (reg, head) = load_for_change(ctx)?;
    let view = view_of(ctx, &reg, &recs);
    let m = Minutes {
        quarter: q.clone(),
        chair: chair.clone(),
        attendees: attendees
            .iter()
            .map(|a| a.trim().to_owned())
            .filter(|a| !a.is_empty())
            .collect(),
        as_of: reg.as_of,
        agenda: view
            .agenda
            .items
            .iter()
            .map(|i| AgendaEntry {
                item: i.item.clone(),
                kind: i.kind,
                note: i.note.clone(),
            })
            .collect(),
        decisions: Vec::new(),
        carried_over: Vec::new(),
        closed: false,
    };
    let text = minutes::canonical(&m);
    let rel = Minutes::rel(&q);
    let mut message = format!(
        "Review {q}: start\n\nChair: {chair}\nAs of: {}\nAgenda: {} item(s)\n",
        m.as_of,
        m.agenda.len()
    );
    if !m.attendees.is_empty() {
        message.push_str(&format!("Attendees: {}\n", m.attendees.join(", ")));
    }
    // The folder of a first review (an empty folder is invisible to git).
    std::fs::create_dir_all(ctx.state_dir.join(REVIEWS_DIR))
        .map_err(|e| OpError::Failed(format!("{}: {e}", shown(ctx, REVIEWS_DIR))))?;
    let saved = super::change::commit_files(
        ctx,
        &[FileWrite {
            rel: &rel,
            expected: None,
            new: text.as_bytes(),
        }],
        &message,
        head,
    )?;
    Ok(Started {
        quarter: q,
        items: m.agenda.len(),
        saved,
    })
}

/// A decision to record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decide {
    /// The agenda item: a use case's id or a proposal's branch.
    pub item: String,
    /// What is decided.
    pub decision: DecisionKind,
    /// For `advance`: the stage (default: the next one).
    pub to: Option<Stage>,
    /// Why.
    pub because: String,
    /// Action items, `OWNER|YYYY-MM-DD|WHAT` each.
    pub actions: Vec<String>,
    /// Advance into FineTune although readiness does not support it (the
    /// override is recorded).
    pub force: bool,
}

/// A decision recorded (and, when complete, applied).
#[derive(Debug, Clone)]
pub struct Decided {
    /// The review's quarter.
    pub quarter: String,
    /// The decision as recorded.
    pub decision: Decision,
    /// The commit.
    pub saved: Saved,
    /// For an accepted proposal: the merge commit, which is `saved`'s: the
    /// decision and the merge are one commit.
    pub merged: Option<Oid>,
}

fn status_words(d: &Decision) -> String {
    match d.status {
        DecisionStatus::Pending => format!(
            "pending: {} of {} approval(s){}; the change is made with the last one",
            d.approvals.len(),
            d.approvals_needed,
            d.approver_role
                .map(|r| format!(" by a {}", r.name()))
                .unwrap_or_default()
        ),
        s => s.label().to_owned(),
    }
}

impl Decided {
    /// `Review 2026-Q4: advance claims-triage to FineTune (applied): committed ...`.
    pub fn describe(&self) -> String {
        let mut s = format!(
            "Review {}: {} {} ({}): {}",
            self.quarter,
            sanitize(&self.decision.item),
            minutes::decision_words(&self.decision),
            status_words(&self.decision),
            self.saved.describe()
        );
        if self.merged.is_some() {
            s.push_str(" (the proposal's merge, which records the decision)");
        }
        s
    }
}

/// What a decision changes in a use case's file: its new text and the
/// commit message's subject and override line.
struct UseCaseChange {
    rel: String,
    expected: Vec<u8>,
    text: String,
    message: String,
}

fn target_stage(d: &Decision, current: Stage) -> Option<Stage> {
    match d.decision {
        DecisionKind::Advance => d.to.or(current.next()),
        DecisionKind::Retire => Some(Stage::Retired),
        _ => None,
    }
}

/// The change a complete decision makes to its use case (none for
/// decisions that change nothing, or proposals).
fn use_case_change(reg: &Register, d: &Decision) -> Result<Option<UseCaseChange>, OpError> {
    if !matches!(d.decision, DecisionKind::Advance | DecisionKind::Retire) {
        return Ok(None);
    }
    let e = entry(reg, &d.item)?;
    let Some(to) = target_stage(d, e.use_case.stage) else {
        return Ok(None);
    };
    let assessment = crate::readiness::assess(&e.use_case, &reg.effective_policy(), reg.as_of);
    let why = change::override_needed(&e.use_case, to, &assessment)
        .or_else(|| d.readiness_override.clone());
    let applied = change::apply(
        &e.id,
        &e.use_case,
        Edit::MoveStage(to),
        &d.because,
        why.as_deref(),
    )
    .map_err(|err| OpError::Refused(format!("{}: {err}", sanitize(&d.item))))?;
    Ok(Some(UseCaseChange {
        rel: e.rel.clone(),
        expected: e.original.to_vec(),
        text: applied.text,
        message: applied.message,
    }))
}

/// The risk of the item: the use case's, or for a proposal the highest of
/// the use cases it changes (Minimal for new ones).
fn risk_of(reg: &Register, view: &AgendaView, item: &str, proposal: bool) -> crate::model::Risk {
    use crate::model::Risk;
    if !proposal {
        return reg.get(item).map_or(Risk::Minimal, |e| e.use_case.risk);
    }
    let ids: Vec<&str> = view
        .agenda
        .get(item)
        .map(|i| {
            i.note
                .split("; changes ")
                .nth(1)
                .unwrap_or("")
                .split(';')
                .next()
                .unwrap_or("")
                .split(", ")
                .collect()
        })
        .unwrap_or_default();
    ids.iter()
        .filter_map(|id| reg.get(id))
        .map(|e| e.use_case.risk)
        .max()
        .unwrap_or(Risk::Minimal)
}

fn open_record(recs: &Records) -> Result<&Record, OpError> {
    recs.open().ok_or_else(|| {
        OpError::Refused(
            "no review is open: start one with `ripen review start YYYY-Qn`".to_owned(),
        )
    })
}

/// Records a decision in the open review. A decision that changes a use
/// case (advance, retire) and needs no approval makes the change in the
/// same commit; one that needs approvals (policy `approvals`) is pending
/// until the last. Accepting a proposal merges it (its own commit) once
/// the decision is complete.
pub fn decide(ctx: &Context, args: &Decide) -> Result<Decided, OpError> {
    ctx.require(crate::access::Act::Review)?;
    if args.because.trim().is_empty() {
        return Err(OpError::Refused(
            "--because is empty: say in one line why".to_owned(),
        ));
    }
    let actions = args
        .actions
        .iter()
        .map(|a| minutes::parse_action(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(OpError::Refused)?;
    let recs = records(ctx)?;
    refuse_problems(&recs)?;
    let rec = open_record(&recs)?;
    let by = who(ctx)?;
    let mut ctx_at = ctx.clone();
    ctx_at.as_of = Some(ctx.as_of.unwrap_or(rec.minutes.as_of));
    let (reg, head) = load_for_change(&ctx_at)?;
    let view = view_of(&ctx_at, &reg, &recs);
    let item = args.item.as_str();
    let q = rec.minutes.quarter.clone();
    if let Some(prev) = rec.minutes.decision(item)
        && prev.is_pending()
    {
        return Err(OpError::Refused(format!(
            "the decision on {} waits for approvals (`ripen review approve {}`); nothing was changed",
            sanitize(item),
            crate::ops::shell_word(item)
        )));
    }
    let on_agenda = rec.minutes.agenda.iter().find(|a| a.item == item);
    let is_proposal = on_agenda.is_some_and(|a| a.kind == ItemKind::Proposal)
        || (reg.get(item).is_none() && view.agenda.get(item).is_some());
    if args.decision.about_proposal() && !is_proposal {
        return Err(OpError::Refused(format!(
            "{} is not an open proposal on the agenda; accept and reject are for proposals",
            sanitize(item)
        )));
    }
    if !is_proposal {
        let e = entry(&reg, item)?;
        if let Some(to) = args.to {
            if args.decision != DecisionKind::Advance {
                return Err(OpError::Refused("--to goes with advance only".to_owned()));
            }
            if to <= e.use_case.stage || to == Stage::Retired {
                return Err(OpError::Refused(format!(
                    "{} is in {}: advance moves it to a later stage before Retired (retire retires it)",
                    e.id,
                    e.use_case.stage.name()
                )));
            }
        }
        if args.decision == DecisionKind::Advance
            && (e.use_case.stage.next().is_none()
                || e.use_case.stage.next() == Some(Stage::Retired))
            && args.to.is_none()
        {
            return Err(OpError::Refused(format!(
                "{} is in {}: there is no later stage to advance to (retire retires it)",
                e.id,
                e.use_case.stage.name()
            )));
        }
        if args.decision == DecisionKind::Retire && e.use_case.stage == Stage::Retired {
            return Err(OpError::Refused(format!("{} is retired already", e.id)));
        }
    } else if !args.decision.about_proposal() && args.decision != DecisionKind::Defer {
        return Err(OpError::Refused(format!(
            "{} is a proposal: decide accept, reject or defer",
            sanitize(item)
        )));
    }
    // The readiness override rule of a move into FineTune.
    let mut readiness_override = None;
    if args.decision == DecisionKind::Advance {
        let e = entry(&reg, item)?;
        let to = args
            .to
            .or(e.use_case.stage.next())
            .unwrap_or(Stage::FineTune);
        let assessment = crate::readiness::assess(&e.use_case, &reg.effective_policy(), reg.as_of);
        if let Some(why) = change::override_needed(&e.use_case, to, &assessment) {
            if !args.force {
                return Err(OpError::Refused(format!(
                    "{} is not ready to move to {}: {why}; pass --override to advance it anyway (the override is recorded)",
                    e.id,
                    to.name()
                )));
            }
            readiness_override = Some(why);
        }
    }
    if args.decision == DecisionKind::Accept {
        readiness_override = accept_check(ctx, item, args.force)?;
    }
    let needed: Needed = minutes::approvals_needed(
        &reg.effective_policy(),
        risk_of(&reg, &view, item, is_proposal),
        args.decision,
    );
    let to = match args.decision {
        DecisionKind::Advance => {
            let e = entry(&reg, item)?;
            args.to.or(e.use_case.stage.next())
        }
        DecisionKind::Retire => Some(Stage::Retired),
        _ => None,
    };
    let mut d = minutes::new_decision(
        item,
        args.decision,
        to,
        &args.because,
        by.clone(),
        ctx.today,
        needed,
        readiness_override,
    );
    d.actions = actions;
    let mut m = rec.minutes.clone();
    if on_agenda.is_none() {
        m.agenda.push(AgendaEntry {
            item: item.to_owned(),
            kind: if is_proposal {
                ItemKind::Proposal
            } else {
                ItemKind::Raised
            },
            note: "raised in the review".to_owned(),
        });
    }
    m.decisions.push(d.clone());
    let text = minutes::canonical(&m);
    let decided_line = format!(
        "Review {q}: {} {} decided by {by}.",
        sanitize(item),
        minutes::decision_words(&d)
    );
    let change = if d.status == DecisionStatus::Applied {
        use_case_change(&reg, &d)?
    } else {
        None
    };
    let message = match &change {
        Some(c) => {
            format!("{}\n{decided_line}\n", c.message.trim_end())
        }
        None => {
            let mut msg = format!(
                "Review {q}: {} {}\n\n{}\n",
                sanitize(item),
                minutes::decision_words(&d),
                d.because
            );
            if let Some(why) = &d.readiness_override {
                msg.push_str(&format!(
                    "\n{}\n",
                    crate::git::proposals::override_line(item, why)
                ));
            }
            if d.is_pending() {
                msg.push_str(&format!("\nPending: {}.\n", status_words(&d)));
            }
            msg.push_str(&format!("\n{decided_line}\n"));
            msg
        }
    };
    let message = with_actions(message, &d);
    let (saved, merged) = land(ctx, rec, &text, change.as_ref(), message, &d, head)?;
    Ok(Decided {
        quarter: q,
        decision: d,
        saved,
        merged,
    })
}

/// Lands a decision (or an approval) in one commit: the review's record
/// `text`, with the use-case `change` it makes if any; an applied accept is
/// the proposal's merge commit, which writes the record too. Returns the
/// commit, and for an accept the merge (the same commit).
fn land(
    ctx: &Context,
    rec: &Record,
    text: &str,
    change: Option<&UseCaseChange>,
    message: String,
    d: &Decision,
    head: Option<Oid>,
) -> Result<(Saved, Option<Oid>), OpError> {
    if d.decision == DecisionKind::Accept && d.status == DecisionStatus::Applied {
        let record = crate::git::proposals::AlsoWrite {
            rel: rec.rel.clone(),
            expected: Some(rec.bytes.clone()),
            new: text.as_bytes().to_vec(),
            note: message,
        };
        let saved = merge_proposal(ctx, &d.item, d.readiness_override.clone(), record)?;
        let commit = saved.commit;
        return Ok((saved, Some(commit)));
    }
    let mut files = vec![FileWrite {
        rel: &rec.rel,
        expected: Some(&rec.bytes),
        new: text.as_bytes(),
    }];
    if let Some(c) = change {
        files.push(FileWrite {
            rel: &c.rel,
            expected: Some(&c.expected),
            new: c.text.as_bytes(),
        });
    }
    Ok((
        super::change::commit_files(ctx, &files, &message, head)?,
        None,
    ))
}

fn with_actions(mut message: String, d: &Decision) -> String {
    if !d.actions.is_empty() {
        message.push_str("\nActions:\n");
        for a in &d.actions {
            message.push_str(&format!("- {} by {}: {}\n", a.owner, a.due, a.what));
        }
    }
    message
}

/// Refuses to accept a proposal that does not validate, conflicts, or
/// moves use cases into FineTune that readiness does not support (unless
/// `force`: the override is then returned, to be recorded).
fn accept_check(ctx: &Context, branch: &str, force: bool) -> Result<Option<String>, OpError> {
    let listing = crate::git::proposals::scan(&ctx.state_dir, ctx.as_of, ctx.today)?;
    let Some(p) = listing.proposals.iter().find(|p| p.branch == branch) else {
        return Err(OpError::Refused(format!(
            "proposal {} is not open; nothing was changed",
            sanitize(branch)
        )));
    };
    if !p.valid {
        return Err(OpError::Refused(format!(
            "proposal {} has errors (`ripen proposals show {}`); decide reject or defer",
            sanitize(branch),
            crate::ops::shell_word(branch)
        )));
    }
    if !p.mergeable {
        return Err(OpError::Refused(format!(
            "proposal {} conflicts with HEAD; it must be updated before it can be accepted",
            sanitize(branch)
        )));
    }
    if p.overrides.is_empty() {
        return Ok(None);
    }
    let why: Vec<String> = p
        .overrides
        .iter()
        .map(|o| format!("{}: {}", o.id, o.why))
        .collect();
    if !force {
        return Err(OpError::Refused(format!(
            "proposal {} moves use cases into FineTune that are not ready ({}); pass --override to accept it anyway (the override is recorded)",
            sanitize(branch),
            sanitize(&why.join("; "))
        )));
    }
    Ok(Some(why.join("; ")))
}

/// Merges an accepted proposal at its current tip.
fn merge_proposal(
    ctx: &Context,
    branch: &str,
    why: Option<String>,
    record: crate::git::proposals::AlsoWrite,
) -> Result<Saved, OpError> {
    let listing = crate::git::proposals::scan(&ctx.state_dir, ctx.as_of, ctx.today)?;
    let p = listing
        .proposals
        .iter()
        .find(|p| p.branch == branch)
        .ok_or_else(|| {
            OpError::Refused(format!(
                "proposal {} is no longer open: nothing was recorded or merged",
                sanitize(branch)
            ))
        })?;
    let options = crate::git::proposals::AcceptOptions {
        allow_other_files: false,
        override_reason: if p.overrides.is_empty() {
            None
        } else {
            Some(why.unwrap_or_else(|| "accepted in the quarterly review".to_owned()))
        },
        author: None,
        also: Some(record),
    };
    let done = super::accept::accept(ctx, branch, p.tip, &options)?;
    let crate::git::proposals::Accepted::Merged { commit } = done.how;
    let located = crate::git::locate(&ctx.state_dir)?;
    let summary = located
        .repo
        .find_commit(commit)
        .ok()
        .and_then(|c| c.summary().ok().flatten().map(str::to_owned))
        .unwrap_or_default();
    Ok(Saved {
        commit,
        branch: format!("refs/heads/{}", done.into),
        summary,
        proposed: false,
    })
}

/// An approval recorded.
#[derive(Debug, Clone)]
pub struct Approved {
    /// The review's quarter.
    pub quarter: String,
    /// The decision after the approval.
    pub decision: Decision,
    /// The commit.
    pub saved: Saved,
    /// For an accepted proposal completed by this approval: the merge
    /// commit, which is `saved`'s (it records the approval too).
    pub merged: Option<Oid>,
}

impl Approved {
    /// `Review 2026-Q4: approved claims-triage advance to FineTune (2 of 2, applied): committed ...`.
    pub fn describe(&self) -> String {
        format!(
            "Review {}: approved {} {} ({} of {}, {}): {}",
            self.quarter,
            sanitize(&self.decision.item),
            minutes::decision_words(&self.decision),
            self.decision.approvals.len(),
            self.decision.approvals_needed,
            status_words(&self.decision),
            self.saved.describe()
        )
    }
}

/// Approves the pending decision on `item` in the open review as the
/// context's identity. Refused for the decider, for someone who approved
/// already, and for someone whose role (in `access.ron`, when the register
/// has one) is below the rule's. The last approval needed makes the
/// decision's change in the same commit.
pub fn approve(ctx: &Context, item: &str, because: &str) -> Result<Approved, OpError> {
    ctx.require(crate::access::Act::Review)?;
    if because.trim().is_empty() {
        return Err(OpError::Refused(
            "--because is empty: say in one line why".to_owned(),
        ));
    }
    let recs = records(ctx)?;
    refuse_problems(&recs)?;
    let rec = open_record(&recs)?;
    let q = rec.minutes.quarter.clone();
    let Some(index) = rec.minutes.decisions.iter().rposition(|d| d.item == item) else {
        return Err(OpError::Refused(format!(
            "no decision on {} in review {q} to approve",
            sanitize(item)
        )));
    };
    let mut d = rec.minutes.decisions[index].clone();
    if !d.is_pending() {
        return Err(OpError::Refused(format!(
            "the decision on {} needs no more approvals ({})",
            sanitize(item),
            d.status.label()
        )));
    }
    let me = who(ctx)?;
    if me.email.eq_ignore_ascii_case(&d.by.email) {
        return Err(OpError::Refused(format!(
            "{} decided this; the decider cannot approve their own decision",
            sanitize(&me.email)
        )));
    }
    if d.approvals
        .iter()
        .any(|a| a.by.email.eq_ignore_ascii_case(&me.email))
    {
        return Err(OpError::Refused(format!(
            "{} approved this decision already",
            sanitize(&me.email)
        )));
    }
    principals::may_approve(&principals(ctx)?, &me.email, d.approver_role)
        .map_err(OpError::Refused)?;
    d.approvals.push(Approval {
        by: me.clone(),
        date: ctx.today,
        because: because.trim().to_owned(),
    });
    let complete = d.approvals.len() as u32 >= d.approvals_needed;
    if complete {
        d.status = if d.decision.changes_register() {
            DecisionStatus::Applied
        } else {
            DecisionStatus::Recorded
        };
    }
    let mut ctx_at = ctx.clone();
    ctx_at.as_of = Some(ctx.as_of.unwrap_or(rec.minutes.as_of));
    let (reg, head) = load_for_change(&ctx_at)?;
    let change = if d.status == DecisionStatus::Applied {
        use_case_change(&reg, &d)?
    } else {
        None
    };
    let mut m = rec.minutes.clone();
    m.decisions[index] = d.clone();
    let text = minutes::canonical(&m);
    let approved_line = format!(
        "Review {q}: {} {} approved by {me} ({} of {}); decided by {}.",
        sanitize(item),
        minutes::decision_words(&d),
        d.approvals.len(),
        d.approvals_needed,
        d.by
    );
    let message = match &change {
        Some(c) => {
            format!("{}\n{approved_line}\n", c.message.trim_end())
        }
        None => format!(
            "Review {q}: approve {} {}\n\n{}\n\n{approved_line}\n",
            sanitize(item),
            minutes::decision_words(&d),
            because.trim()
        ),
    };
    let (saved, merged) = land(ctx, rec, &text, change.as_ref(), message, &d, head)?;
    Ok(Approved {
        quarter: q,
        decision: d,
        saved,
        merged,
    })
}

/// Prepares closing the open review of `quarter`: refuses while items are
/// undecided or pending, naming them, unless `allow_open` (they are then
/// recorded as carried over); commits the review file as closed. Returns
/// the decisions' summary lines for the tag's message, or `None` when the
/// quarter has no review file.
pub fn close_record(
    ctx: &Context,
    quarter: &str,
    allow_open: bool,
) -> Result<Option<Vec<String>>, OpError> {
    let q = Quarter::parse(quarter)?.to_string();
    let recs = records(ctx)?;
    let Some(rec) = recs.get(&q) else {
        return Ok(None);
    };
    refuse_problems(&recs)?;
    if rec.minutes.closed {
        return Ok(Some(minutes::summary_lines(&rec.minutes)));
    }
    let undecided: Vec<String> = rec
        .minutes
        .undecided()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let pending: Vec<String> = rec
        .minutes
        .pending()
        .into_iter()
        .map(str::to_owned)
        .collect();
    if !allow_open && (!undecided.is_empty() || !pending.is_empty()) {
        let mut why = Vec::new();
        if !undecided.is_empty() {
            why.push(format!("undecided: {}", sanitize(&undecided.join(", "))));
        }
        if !pending.is_empty() {
            why.push(format!(
                "pending approval: {}",
                sanitize(&pending.join(", "))
            ));
        }
        return Err(OpError::Refused(format!(
            "review {q} has open items ({}); decide them, or pass --allow-open to carry them over to the next review; nothing was changed",
            why.join("; ")
        )));
    }
    let mut m = rec.minutes.clone();
    m.closed = true;
    m.carried_over = undecided.iter().chain(&pending).cloned().collect();
    let text = minutes::canonical(&m);
    let head = commit::head_commit(&ctx.state_dir)?;
    let mut message = format!("Review {q}: close\n\n{} decision(s)\n", m.decisions.len());
    if !m.carried_over.is_empty() {
        message.push_str(&format!("Carried over: {}\n", m.carried_over.join(", ")));
    }
    super::change::commit_files(
        ctx,
        &[FileWrite {
            rel: &rec.rel,
            expected: Some(&rec.bytes),
            new: text.as_bytes(),
        }],
        &message,
        head,
    )?;
    let mut lines = minutes::summary_lines(&m);
    if !m.carried_over.is_empty() {
        lines.push(format!("Carried over: {}", m.carried_over.join(", ")));
    }
    Ok(Some(lines))
}
