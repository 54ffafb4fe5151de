//! Background work, as gitui's asyncgit does it: loads run on their own
//! threads and come back as messages, so that the UI keeps drawing and
//! keys stay live while git works.
//!
//! A [`Job`] is sent to a [`Worker`] with a ticket; the worker runs it on a
//! new thread and sends back [`Message::Progress`] (where the library can
//! tell) and one [`Message::Done`]. The session decides what to do with a
//! result when it arrives: a cancelled or superseded ticket is dropped.

use std::sync::Arc;
use std::sync::mpsc::{Receiver, Sender, channel};

use super::Source;
use super::app::Data;
use crate::git;
use crate::git::history::HistoryEntry;
use crate::git::proposals::Proposal;
use crate::git::review::ReviewTag;
use crate::model::UseCaseId;
use crate::report::quarterly::QuarterlyReport;

/// Something to load in the background.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Job {
    /// The whole register again, from disk or the revision.
    Reload,
    /// The git history of the use case with this id.
    History(UseCaseId),
    /// The proposal branches.
    Proposals,
    /// The review tags.
    ReviewTags,
    /// The report from this review tag to the revision shown.
    Report(String),
    /// The review's agenda.
    Agenda,
}

impl Job {
    /// What the job loads, for the status bar.
    pub fn label(&self) -> String {
        match self {
            Job::Reload => "reloading the register".to_owned(),
            Job::History(id) => format!(
                "loading the history of {}",
                crate::text::sanitize(id.as_str())
            ),
            Job::Proposals => "loading proposals".to_owned(),
            Job::ReviewTags => "loading review tags".to_owned(),
            Job::Report(tag) => format!("building the report since {}", crate::text::sanitize(tag)),
            Job::Agenda => "building the review's agenda".to_owned(),
        }
    }
}

/// What a job produced.
pub enum Outcome {
    /// The register, loaded again.
    Reloaded(Box<Result<Data, String>>),
    /// A use case's history, with each commit's signature state.
    History(
        UseCaseId,
        Result<Vec<HistoryEntry>, String>,
        std::collections::HashMap<String, crate::verify::State>,
    ),
    /// The proposal branches.
    Proposals(Result<Vec<Proposal>, String>),
    /// The review tags.
    ReviewTags(Result<Vec<ReviewTag>, String>),
    /// The report since a review tag.
    Report(String, Box<Result<QuarterlyReport, String>>),
    /// The review's agenda.
    Agenda(Result<Box<crate::ops::meeting::AgendaView>, String>),
}

/// A message from a job's thread.
pub enum Message {
    /// `done` of `total` steps are behind the job with this ticket.
    Progress {
        /// The job's ticket.
        ticket: u64,
        /// Steps done.
        done: usize,
        /// Steps in all.
        total: usize,
    },
    /// The job with this ticket finished.
    Done {
        /// The job's ticket.
        ticket: u64,
        /// What it produced.
        outcome: Outcome,
    },
}

/// How a job is run: [`run_job`] in the program; a test or benchmark may
/// wrap it (to slow it down, or to count).
pub type Runner = Arc<dyn Fn(&Job, &Source, &mut dyn FnMut(usize, usize)) -> Outcome + Send + Sync>;

/// Runs a job through the library, reporting progress where it can.
pub fn run_job(job: &Job, source: &Source, progress: &mut dyn FnMut(usize, usize)) -> Outcome {
    let rev = source.rev.as_deref();
    match job {
        Job::Reload => Outcome::Reloaded(Box::new(super::load(source))),
        Job::History(id) => {
            let entries =
                git::history::use_case_history(&source.state_dir, id, rev.unwrap_or("HEAD"))
                    .map_err(|e| e.to_string());
            let ids: Vec<String> = entries
                .as_ref()
                .map(|e| e.iter().map(|e| e.commit.clone()).collect())
                .unwrap_or_default();
            let signatures = git::verify::states(&source.state_dir, &ids);
            Outcome::History(id.clone(), entries, signatures)
        }
        Job::Proposals => Outcome::Proposals(
            git::proposals::list_with_progress(
                &source.state_dir,
                source.as_of,
                source.today,
                progress,
            )
            .map_err(|e| e.to_string()),
        ),
        Job::ReviewTags => Outcome::ReviewTags(
            git::review::reviews(&source.state_dir, source.today)
                .map(|r| r.tags)
                .map_err(|e| e.to_string()),
        ),
        Job::Report(tag) => {
            let since = format!("refs/tags/{tag}");
            Outcome::Report(
                tag.clone(),
                Box::new(
                    git::review::report(
                        &source.state_dir,
                        Some(&since),
                        rev,
                        source.as_of,
                        source.today,
                    )
                    .map(|b| b.report)
                    .map_err(|e| e.to_string()),
                ),
            )
        }
        Job::Agenda => {
            let mut ctx = crate::ops::Context::new(&source.state_dir, source.today);
            ctx.as_of = source.as_of;
            Outcome::Agenda(
                crate::ops::meeting::agenda(&ctx)
                    .map(Box::new)
                    .map_err(|e| e.to_string()),
            )
        }
    }
}

/// Runs jobs on threads and collects their messages.
pub struct Worker {
    runner: Runner,
    tx: Sender<Message>,
    rx: Receiver<Message>,
    next: u64,
}

impl Worker {
    /// A worker that runs jobs with `runner`.
    pub fn new(runner: Runner) -> Worker {
        let (tx, rx) = channel();
        Worker {
            runner,
            tx,
            rx,
            next: 0,
        }
    }

    /// Starts `job` on its own thread; returns its ticket.
    pub fn start(&mut self, job: Job, source: &Source) -> u64 {
        self.next += 1;
        let ticket = self.next;
        let runner = Arc::clone(&self.runner);
        let tx = self.tx.clone();
        let source = source.clone();
        std::thread::spawn(move || {
            yield_to_the_screen();
            let progress_tx = tx.clone();
            let mut progress = move |done, total| {
                let _ = progress_tx.send(Message::Progress {
                    ticket,
                    done,
                    total,
                });
            };
            let outcome = runner(&job, &source, &mut progress);
            // The session may be gone: then nobody wants the result.
            let _ = tx.send(Message::Done { ticket, outcome });
        });
        ticket
    }

    /// The next message that has arrived, without waiting.
    pub fn try_recv(&self) -> Option<Message> {
        self.rx.try_recv().ok()
    }
}

/// Lowers the calling thread's scheduling priority (as `nice 10` would),
/// so that background work, and the threads it starts (which inherit the
/// priority), gives way to the thread that draws the screen and reads
/// keys: with every core parsing use cases, a frame could otherwise wait
/// for a time slice.
fn yield_to_the_screen() {
    #[cfg(target_os = "linux")]
    {
        // SAFETY: plain system calls on the calling thread (on Linux the
        // nice value is per thread); a failure leaves the priority as is.
        unsafe {
            let tid = libc::syscall(libc::SYS_gettid) as libc::id_t;
            let _ = libc::setpriority(libc::PRIO_PROCESS, tid, 10);
        }
    }
}
