//! One user's UI, on any terminal: the [`Session`] holds the state, where
//! the register comes from, the theme, the terminal it draws to, the input
//! it reads and the work under way, and runs the event loop.
//!
//! The process's own terminal is one [`Screen`] ([`super::terminal::LocalTerminal`],
//! the only one that can lend itself to an external editor); any ratatui
//! backend of a fixed size is another ([`FixedTerminal`], e.g. a
//! `CrosstermBackend` over a network channel, or a `TestBackend`). Input
//! comes from an [`InputSource`]. Loads run on a [`Worker`]: the loop keeps
//! drawing (a spinner, with progress where the library reports it) and
//! handling keys, Esc cancels the wait, and a result that is no longer
//! wanted when it arrives is dropped.
//!
//! No process-wide state: signals arrive as [`Incoming::Stop`] through the
//! input, and the session ends with an [`Exit`] for its caller to act on.

use std::io;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEventKind};
use ratatui::layout::Rect;
use ratatui::{TerminalOptions, Viewport};

use super::app::{App, Data, Effect, Level, Load};
use super::incoming::{Incoming, InputSource};
use super::terminal::LocalTerminal;
use super::theme::Theme;
use super::worker::{Job, Message, Outcome, Runner, Worker, run_job};
use super::{Source, perform, views};

/// How often the screen is redrawn while work is under way (the spinner
/// turns): well inside 50 ms between frames.
pub const TICK: Duration = Duration::from_millis(25);

/// What the status bar says a feature needs when the session has no local
/// terminal to lend.
pub const NEEDS_LOCAL_TERMINAL: &str = "the editor needs a local terminal";

/// Held while a file is written and committed. The front end shares it
/// with whatever stops the session (a signal thread waits for it), so a
/// save is never cut in half.
#[derive(Clone, Default)]
pub struct SaveGuard(Arc<Mutex<()>>);

impl SaveGuard {
    /// Waits for any save in progress, then holds off others until the
    /// guard is dropped.
    pub fn lock(&self) -> MutexGuard<'_, ()> {
        // A save that panicked left nothing half-done that a lock protects.
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// The newest register loaded for several sessions at once (the SSH
/// server loads it once per commit and hands it to every session).
/// With it, where the chair of the open review is on the agenda, for the
/// sessions that follow the chair.
#[derive(Clone, Default)]
pub struct SharedData(Arc<Mutex<Option<Data>>>, Arc<Mutex<Option<Focus>>>);

/// Where the chair of the open review is on the agenda.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Focus {
    /// The chair's email.
    pub email: String,
    /// The chair's name.
    pub name: String,
    /// The agenda item they look at.
    pub item: String,
}

impl SharedData {
    /// Says where the chair is on the agenda.
    pub fn set_focus(&self, focus: Focus) {
        *self.1.lock().unwrap_or_else(|e| e.into_inner()) = Some(focus);
    }

    /// Where the chair is on the agenda, if they said.
    pub fn focus(&self) -> Option<Focus> {
        self.1.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// Publishes `data` as the newest.
    pub fn publish(&self, data: Data) {
        *self.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(data);
    }

    /// The newest data, if any was published (a cheap clone: the register
    /// is shared).
    pub fn latest(&self) -> Option<Data> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Why a session ended normally.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// The user quit.
    Quit,
    /// A terminating signal (SIGTERM, SIGHUP) asked it to stop; any save
    /// in progress was finished first.
    Signal(i32),
}

/// A terminal a session draws to.
pub trait Screen {
    /// Draws the UI.
    fn draw(&mut self, app: &App, theme: &Theme) -> io::Result<()>;
    /// The terminal's size (columns, rows).
    fn size(&self) -> io::Result<(u16, u16)>;
    /// The terminal now has this size (a resize event).
    fn resized(&mut self, width: u16, height: u16) -> io::Result<()>;
    /// The process's own terminal, which can be lent to an external
    /// program; `None` for any other.
    fn local(&mut self) -> Option<&mut LocalTerminal>;
}

impl Screen for LocalTerminal {
    fn draw(&mut self, app: &App, theme: &Theme) -> io::Result<()> {
        Terminal::draw(self, |f| views::draw(f, app, theme)).map(|_| ())
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        Terminal::size(self).map(|s| (s.width, s.height))
    }

    fn resized(&mut self, _width: u16, _height: u16) -> io::Result<()> {
        // The next draw asks the terminal for its size itself.
        Ok(())
    }

    fn local(&mut self) -> Option<&mut LocalTerminal> {
        Some(self)
    }
}

/// Any ratatui backend of a size the session is told (a remote terminal:
/// its size comes with the connection and its resize messages).
pub struct FixedTerminal<B: Backend> {
    terminal: Terminal<B>,
    size: (u16, u16),
}

fn io_error(e: impl std::fmt::Display) -> io::Error {
    io::Error::other(e.to_string())
}

impl<B: Backend> FixedTerminal<B> {
    /// A terminal of `width` x `height` drawing through `backend`.
    pub fn new(backend: B, width: u16, height: u16) -> io::Result<FixedTerminal<B>> {
        let terminal = Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, width, height)),
            },
        )
        .map_err(io_error)?;
        Ok(FixedTerminal {
            terminal,
            size: (width, height),
        })
    }

    /// The backend (for a test: what was drawn).
    pub fn backend(&self) -> &B {
        self.terminal.backend()
    }

    /// The backend, mutably (to resize a test backend with the terminal).
    pub fn backend_mut(&mut self) -> &mut B {
        self.terminal.backend_mut()
    }
}

impl<B: Backend> Screen for FixedTerminal<B> {
    fn draw(&mut self, app: &App, theme: &Theme) -> io::Result<()> {
        self.terminal
            .draw(|f| views::draw(f, app, theme))
            .map(|_| ())
            .map_err(io_error)
    }

    fn size(&self) -> io::Result<(u16, u16)> {
        Ok(self.size)
    }

    fn resized(&mut self, width: u16, height: u16) -> io::Result<()> {
        self.size = (width, height);
        self.terminal
            .resize(Rect::new(0, 0, width, height))
            .map_err(io_error)
    }

    fn local(&mut self) -> Option<&mut LocalTerminal> {
        None
    }
}

/// A load under way.
struct Wait {
    ticket: u64,
    job: Job,
    /// The data generation it started from (see [`App::epoch`]).
    epoch: u64,
    progress: Option<(usize, usize)>,
}

/// Spinner frames, one per [`TICK`].
const SPINNER: [&str; 8] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧"];

/// One user's UI: state, source, theme, terminal, input and work.
pub struct Session<T: Screen, I: InputSource> {
    /// The UI state.
    pub app: App,
    source: Source,
    theme: Theme,
    terminal: T,
    input: I,
    saving: SaveGuard,
    worker: Worker,
    waits: Vec<Wait>,
    spin: usize,
    redraw: bool,
    frames: u64,
    shared: Option<SharedData>,
}

impl<T: Screen, I: InputSource> Session<T, I> {
    /// A session over loaded state; `saving` is shared with whatever may
    /// stop it.
    pub fn new(
        app: App,
        source: Source,
        theme: Theme,
        terminal: T,
        input: I,
        saving: SaveGuard,
    ) -> Session<T, I> {
        let mut app = app;
        app.who = source.principal.clone();
        Session {
            app,
            source,
            theme,
            terminal,
            input,
            saving,
            worker: Worker::new(Arc::new(run_job)),
            waits: Vec::new(),
            spin: 0,
            redraw: true,
            frames: 0,
            shared: None,
        }
    }

    /// Takes the register from `shared` when the branch moves, instead of
    /// loading it again.
    pub fn with_shared(mut self, shared: SharedData) -> Self {
        self.shared = Some(shared);
        self
    }

    /// Runs jobs with `runner` instead of [`run_job`] (a test or benchmark
    /// wraps the real one to slow it down or observe it).
    pub fn with_runner(mut self, runner: Runner) -> Self {
        self.worker = Worker::new(runner);
        self
    }

    /// The terminal it draws to.
    pub fn terminal(&self) -> &T {
        &self.terminal
    }

    /// The terminal it draws to, mutably.
    pub fn terminal_mut(&mut self) -> &mut T {
        &mut self.terminal
    }

    /// How many frames were drawn so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// Whether a load is under way.
    pub fn busy(&self) -> bool {
        !self.waits.is_empty()
    }

    /// Runs until the user quits or a stop arrives; an error when the
    /// terminal is gone.
    pub fn run(&mut self) -> Result<Exit, String> {
        let (w, h) = self.terminal.size().map_err(went_away)?;
        self.app.resize_to(w, h);
        loop {
            if let Some(exit) = self.step()? {
                return Ok(exit);
            }
        }
    }

    /// One turn of the loop: takes in finished work, starts what the
    /// screen needs, draws if anything changed, then waits for one input
    /// (at most one [`TICK`] while work is under way) and handles it.
    pub fn step(&mut self) -> Result<Option<Exit>, String> {
        self.step_within(None)
    }

    /// [`Session::step`], waiting for input at most `wait` (for a caller
    /// that drives the loop itself, such as a test).
    pub fn step_within(&mut self, wait: Option<Duration>) -> Result<Option<Exit>, String> {
        self.collect();
        self.schedule();
        if self.redraw {
            self.show_busy();
            self.terminal
                .draw(&self.app, &self.theme)
                .map_err(went_away)?;
            self.frames += 1;
            self.redraw = false;
        }
        if self.app.quit {
            return Ok(Some(Exit::Quit));
        }
        let tick = self.busy().then_some(TICK);
        let timeout = match (tick, wait) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match self.input.next(timeout).map_err(went_away)? {
            None => {
                self.spin = self.spin.wrapping_add(1);
                self.redraw = self.busy();
            }
            Some(Incoming::Stop(sig)) => {
                // A save runs on this thread: none is in progress now.
                return Ok(Some(Exit::Signal(sig)));
            }
            Some(Incoming::Event(ev)) => self.handle(ev)?,
            Some(Incoming::Moved { head, notice }) => self.moved(&head, notice),
            Some(Incoming::Focus { item, by }) => {
                if self.app.follow_chair(&item, &by) {
                    self.redraw = true;
                }
            }
        }
        self.lead();
        Ok(None)
    }

    /// When this session's user chairs the open review, tells the others
    /// where they are on the agenda.
    fn lead(&mut self) {
        let Some(shared) = &self.shared else { return };
        let Some(focus) = self.app.chair_focus() else {
            return;
        };
        if shared.focus().as_ref() != Some(&focus) {
            shared.set_focus(focus);
        }
    }

    /// The branch moved: show the register at the new commit (shared, or
    /// loaded again), keeping the selection, and say who moved it.
    fn moved(&mut self, head: &str, notice: String) {
        let current = self.app.data.repo.head.map(|h| h.to_string());
        if current.as_deref() == Some(head) {
            return; // this session made that commit, or already shows it
        }
        let shared = self.shared.as_ref().and_then(SharedData::latest);
        match shared {
            Some(data) if data.repo.head.map(|h| h.to_string()).as_deref() == Some(head) => {
                self.app.reload(data);
            }
            _ => self.start(Job::Reload),
        }
        self.app.flash(Level::Info, notice);
        self.redraw = true;
    }

    fn handle(&mut self, ev: Event) -> Result<(), String> {
        self.redraw |= matches!(ev, Event::Key(_) | Event::Resize(..));
        if let Event::Resize(w, h) = ev {
            self.terminal.resized(w, h).map_err(went_away)?;
        }
        if let Event::Key(k) = &ev
            && k.code == KeyCode::Esc
            && k.kind == KeyEventKind::Press
            && self.cancel_shown()
        {
            return Ok(());
        }
        let mut effects = self.app.handle_event(&ev);
        while let Some(effect) = effects.pop() {
            let more = match effect {
                Effect::Reload => {
                    self.start(Job::Reload);
                    Vec::new()
                }
                Effect::Edit { .. } | Effect::EditAt { .. } if self.terminal.local().is_none() => {
                    self.app.flash(Level::Error, NEEDS_LOCAL_TERMINAL);
                    Vec::new()
                }
                effect => perform(
                    effect,
                    &mut self.app,
                    &mut self.terminal,
                    &self.source,
                    &self.saving,
                ),
            };
            effects.extend(more);
        }
        Ok(())
    }

    /// The job the current screen waits for, if any.
    fn wanted(&self) -> Option<Job> {
        Some(match self.app.pending_load()? {
            Load::History(i) => Job::History(self.app.entry(i).id.clone()),
            Load::Proposals => Job::Proposals,
            Load::ReviewTags => Job::ReviewTags,
            Load::Report(tag) => Job::Report(tag),
            Load::Agenda => Job::Agenda,
        })
    }

    fn start(&mut self, job: Job) {
        // A newer request of the same kind supersedes the older one.
        self.waits
            .retain(|w| std::mem::discriminant(&w.job) != std::mem::discriminant(&job));
        let ticket = self.worker.start(job.clone(), &self.source);
        self.waits.push(Wait {
            ticket,
            job,
            epoch: self.app.epoch,
            progress: None,
        });
        self.redraw = true;
    }

    /// Starts the load the screen needs unless it is under way.
    fn schedule(&mut self) {
        let epoch = self.app.epoch;
        // Loads started before the data changed would bring old news.
        self.waits
            .retain(|w| w.job == Job::Reload || w.epoch == epoch);
        if let Some(job) = self.wanted()
            && !self.waits.iter().any(|w| w.job == job)
        {
            self.start(job);
        }
    }

    /// Applies the results that arrived; drops those no longer wanted.
    fn collect(&mut self) {
        while let Some(msg) = self.worker.try_recv() {
            match msg {
                Message::Progress {
                    ticket,
                    done,
                    total,
                } => {
                    if let Some(w) = self.waits.iter_mut().find(|w| w.ticket == ticket) {
                        w.progress = Some((done, total));
                        self.redraw = true;
                    }
                }
                Message::Done { ticket, outcome } => {
                    let Some(at) = self.waits.iter().position(|w| w.ticket == ticket) else {
                        continue; // cancelled or superseded
                    };
                    let wait = self.waits.remove(at);
                    self.redraw = true;
                    if wait.epoch != self.app.epoch {
                        continue; // the data changed meanwhile
                    }
                    self.apply(outcome);
                }
            }
        }
    }

    fn apply(&mut self, outcome: Outcome) {
        let wanted = self.wanted();
        match outcome {
            Outcome::Reloaded(r) => match *r {
                Ok(data) => {
                    self.app.reload(data);
                    if self.app.flash.is_none() {
                        self.app.flash(Level::Info, "reloaded from disk");
                    }
                }
                Err(e) => self.app.flash(Level::Error, format!("reload failed: {e}")),
            },
            // The list of branches or tags does not depend on what is
            // shown: it is kept even if the user looked elsewhere.
            Outcome::Proposals(r) => self.app.proposals_loaded(r),
            Outcome::ReviewTags(r) => self.app.review_tags_loaded(r),
            Outcome::Agenda(r) => self.app.agenda_loaded(r),
            // A use case's history or a tag's report is kept only while
            // that use case or tag is still the one shown.
            Outcome::History(id, r, signatures) => {
                if wanted == Some(Job::History(id.clone())) {
                    self.app.history_loaded(id.to_string(), r);
                    self.app.signatures_loaded(signatures);
                }
            }
            Outcome::Report(tag, r) => {
                if wanted == Some(Job::Report(tag.clone())) {
                    self.app.report_loaded(tag, *r);
                }
            }
        }
    }

    /// The waits the screen shows: a reload, or the load it needs.
    fn shown(&self) -> impl Iterator<Item = &Wait> {
        let wanted = self.wanted();
        self.waits
            .iter()
            .filter(move |w| w.job == Job::Reload || Some(&w.job) == wanted.as_ref())
    }

    /// Esc while the screen waits: stop waiting (a result that arrives
    /// later is dropped). Whether there was anything to cancel.
    fn cancel_shown(&mut self) -> bool {
        if self.app.dialog.is_some() || self.app.help {
            return false;
        }
        let cancelled: Vec<u64> = self.shown().map(|w| w.ticket).collect();
        if cancelled.is_empty() {
            return false;
        }
        let load = self.app.pending_load();
        self.waits.retain(|w| !cancelled.contains(&w.ticket));
        if let Some(load) = load {
            self.app.load_cancelled(&load);
        }
        self.app
            .flash(Level::Info, "cancelled: press r to load again");
        true
    }

    /// Puts what is under way in the status bar.
    fn show_busy(&mut self) {
        let shown: Vec<String> = self
            .shown()
            .map(|w| match w.progress {
                Some((done, total)) if total > 0 => format!("{} {done}/{total}", w.job.label()),
                _ => w.job.label(),
            })
            .collect();
        self.app.busy = (!shown.is_empty()).then(|| {
            format!(
                "{} {} · Esc cancels",
                SPINNER[self.spin % SPINNER.len()],
                shown.join(", ")
            )
        });
    }
}

/// The UI's terminal failed to draw or to read: it is gone (a closed
/// window, a dropped connection).
pub(super) fn went_away(e: io::Error) -> String {
    if e.kind() == io::ErrorKind::BrokenPipe {
        // Already says so (the input's own error).
        return e.to_string();
    }
    format!("the terminal went away: {e}")
}
