//! The terminal UI: a thin shell over the library, in the Elm style.
//!
//! [`app`] holds the one state and its update function, [`keymap`] the one
//! keybinding registry, [`views`] draw the state, [`widgets`] and [`theme`]
//! help them. This module is the runtime: it sets up the terminal, turns
//! events into updates, performs effects (reload, commit, external editor)
//! through the library, and restores the terminal on quit, error, panic,
//! SIGTERM and SIGHUP.

pub mod app;
#[cfg(unix)]
mod input;
pub mod keymap;
pub mod theme;
pub mod views;
pub mod widgets;

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use ratatui::DefaultTerminal;
#[cfg(not(unix))]
use ratatui::crossterm::event;
use ratatui::crossterm::event::Event;

use app::{App, Data, Effect, Level};
use theme::Theme;

use crate::git::commit::{ChangeError, FileWrite};
use crate::model::Date;
use crate::{git, register, store};

/// Held while a file is written and committed; a terminating signal waits
/// for it, so a save is never cut in half.
static SAVING: Mutex<()> = Mutex::new(());

/// Where the UI reads the register from.
#[derive(Debug, Clone)]
pub struct Source {
    /// The state directory.
    pub state_dir: PathBuf,
    /// A revision to view (read-only), instead of the working tree.
    pub rev: Option<String>,
    /// An explicit as-of date.
    pub as_of: Option<Date>,
    /// Today, read by the caller.
    pub today: Date,
}

/// Loads everything the UI shows, through the library.
pub fn load(source: &Source) -> Result<Data, String> {
    let snapshot = match &source.rev {
        Some(rev) => git::snapshot_at(&source.state_dir, rev).map_err(|e| e.to_string())?,
        None => store::snapshot(&source.state_dir)
            .map_err(|e| format!("cannot read {}: {e}", source.state_dir.display()))?,
    };
    let register = register::load(&snapshot, source.as_of, source.today);
    let mut repo = git::status(&source.state_dir);
    if let Some(rev) = &source.rev {
        // The status bar names what is shown: the revision, not the checkout.
        repo.branch = Some(rev.clone());
        repo.head = git::resolve_commit(&source.state_dir, rev).ok();
        repo.dirty = false;
    }
    let read_only = match &source.rev {
        Some(rev) => Some(format!("viewing revision {}", crate::text::sanitize(rev))),
        None => git::commit::read_only_reason(&source.state_dir),
    };
    Ok(Data::new(register, repo, read_only))
}

/// Runs the UI until the user quits.
pub fn run(source: Source, no_color: bool) -> Result<(), String> {
    let data = load(&source)?;
    let mut app = App::new(data);
    let theme = Theme::new(no_color);
    install_signal_handler();
    let mut terminal = ratatui::init();
    let result = event_loop(&mut terminal, &mut app, &source, &theme);
    restore();
    result
}

/// Restores the terminal, ignoring failure: the terminal may be gone, and
/// reporting that on it would fail too.
fn restore() {
    let _ = ratatui::try_restore();
}

/// On SIGTERM or SIGHUP: wait for any save in progress, restore the
/// terminal, and exit.
fn install_signal_handler() {
    #[cfg(unix)]
    {
        use signal_hook::consts::{SIGHUP, SIGTERM};
        if let Ok(mut signals) = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP]) {
            std::thread::spawn(move || {
                if let Some(sig) = signals.forever().next() {
                    let _guard = SAVING.lock();
                    restore();
                    std::process::exit(128 + sig);
                }
            });
        }
    }
}

fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    source: &Source,
    theme: &Theme,
) -> Result<(), String> {
    let size = terminal.size().map_err(|e| e.to_string())?;
    app.resize(size.height);
    #[cfg(unix)]
    let mut input = input::Input::new().map_err(|e| format!("cannot watch the terminal: {e}"))?;
    let mut redraw = true;
    loop {
        if redraw {
            terminal
                .draw(|f| views::draw(f, app, theme))
                .map_err(|e| e.to_string())?;
        }
        if app.quit {
            return Ok(());
        }
        // Blocks without using CPU; fails when the terminal is gone.
        #[cfg(unix)]
        let ev = input.next();
        #[cfg(not(unix))]
        let ev = event::read();
        let ev = ev.map_err(|e| format!("the terminal went away: {e}"))?;
        redraw = matches!(ev, Event::Key(_) | Event::Resize(..));
        let mut effects = app.handle_event(&ev);
        while let Some(effect) = effects.pop() {
            effects.extend(perform(effect, app, terminal, source));
        }
        // What the screen now shows may need loading from git (history,
        // proposals, reviews); each load may ask for the next.
        while let Some(load) = app.pending_load() {
            match load {
                app::Load::History(i) => load_history(app, source, i),
                app::Load::Proposals => {
                    let result =
                        git::proposals::list(&source.state_dir, source.as_of, source.today)
                            .map_err(|e| e.to_string());
                    app.proposals_loaded(result);
                }
                app::Load::ReviewTags => {
                    let result = git::review::reviews(&source.state_dir, source.today)
                        .map(|r| r.tags)
                        .map_err(|e| e.to_string());
                    app.review_tags_loaded(result);
                }
                app::Load::Report(tag) => {
                    let since = format!("refs/tags/{tag}");
                    let result = git::review::report(
                        &source.state_dir,
                        Some(&since),
                        source.rev.as_deref(),
                        source.as_of,
                        source.today,
                    )
                    .map(|b| b.report)
                    .map_err(|e| e.to_string());
                    app.report_loaded(tag, result);
                }
            }
            terminal
                .draw(|f| views::draw(f, app, theme))
                .map_err(|e| e.to_string())?;
        }
    }
}

/// Loads the git history of use case `i` into the History tab.
fn load_history(app: &mut App, source: &Source, i: usize) {
    let id = app.entry(i).id.clone();
    let rev = source.rev.as_deref().unwrap_or("HEAD");
    let result =
        git::history::use_case_history(&source.state_dir, &id, rev).map_err(|e| e.to_string());
    app.history_loaded(id.to_string(), result);
}

fn reload(app: &mut App, source: &Source) {
    match load(source) {
        Ok(data) => app.reload(data),
        Err(e) => app.flash(Level::Error, format!("reload failed: {e}")),
    }
}

fn perform(
    effect: Effect,
    app: &mut App,
    terminal: &mut DefaultTerminal,
    source: &Source,
) -> Vec<Effect> {
    match effect {
        Effect::Reload => {
            reload(app, source);
            if app.flash.is_none() {
                app.flash(Level::Info, "reloaded from disk");
            }
            Vec::new()
        }
        Effect::Commit(req) => {
            let result = {
                let _guard = SAVING.lock();
                git::commit::commit_files_observed(
                    &source.state_dir,
                    &[FileWrite {
                        rel: &req.rel,
                        expected: Some(&req.expected),
                        new: req.text.as_bytes(),
                    }],
                    &req.message,
                    req.head,
                    &mut crate::testhooks::commit_observer(),
                )
            };
            let summary = req.message.lines().next().unwrap_or("").to_owned();
            match result {
                Ok(c) => {
                    reload(app, source);
                    let short = c.id.to_string()[..7].to_owned();
                    app.committed(Ok(format!("committed {short}: {summary}")));
                }
                Err(e @ (ChangeError::ChangedOnDisk(_) | ChangeError::HeadMoved)) => {
                    reload(app, source);
                    app.committed(Err(format!("{e} (reloaded)")));
                }
                Err(e) => app.committed(Err(e.to_string())),
            }
            Vec::new()
        }
        Effect::Edit { index, edited } => edit(app, terminal, source, index, edited),
        Effect::Accept {
            branch,
            tip,
            options,
        } => {
            let result = {
                let _guard = SAVING.lock();
                git::proposals::accept(
                    &source.state_dir,
                    &branch,
                    tip,
                    &options,
                    source.as_of,
                    source.today,
                )
            };
            let outcome = match result {
                Ok(git::proposals::Accepted::Merged { commit }) => Ok(format!(
                    "accepted {}: merge commit {}",
                    crate::text::sanitize(&branch),
                    &commit.to_string()[..7]
                )),
                Err(e) => Err(e.to_string()),
            };
            reload(app, source);
            app.accepted(outcome);
            Vec::new()
        }
    }
}

fn editor_command() -> Vec<String> {
    let raw = std::env::var("VISUAL")
        .ok()
        .filter(|v| !v.trim().is_empty())
        .or_else(|| {
            std::env::var("EDITOR")
                .ok()
                .filter(|v| !v.trim().is_empty())
        })
        .unwrap_or_else(|| "vi".to_owned());
    raw.split_whitespace().map(str::to_owned).collect()
}

fn edit_copy(app: &App, index: usize) -> std::io::Result<PathBuf> {
    let e = app.entry(index);
    let file = tempfile::Builder::new()
        .prefix(&format!("ripen-{}-", e.id))
        .suffix(".ron")
        .tempfile()?;
    std::fs::write(file.path(), &e.original)?;
    let (_, path) = file.keep().map_err(|e| e.error)?;
    Ok(path)
}

fn run_editor(path: &Path, terminal: &mut DefaultTerminal) -> Result<(), String> {
    let cmd = editor_command();
    restore();
    let status = std::process::Command::new(&cmd[0])
        .args(&cmd[1..])
        .arg(path)
        .status();
    *terminal = ratatui::init();
    let _ = terminal.clear();
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("the editor `{}` exited with {s}", cmd.join(" "))),
        Err(e) => Err(format!(
            "cannot start the editor `{}`: {e}; set $VISUAL or $EDITOR",
            cmd.join(" ")
        )),
    }
}

fn edit(
    app: &mut App,
    terminal: &mut DefaultTerminal,
    source: &Source,
    index: usize,
    edited: Option<PathBuf>,
) -> Vec<Effect> {
    let path = match edited {
        Some(p) => p,
        None => match edit_copy(app, index) {
            Ok(p) => p,
            Err(e) => {
                app.flash(Level::Error, format!("cannot make an editable copy: {e}"));
                return Vec::new();
            }
        },
    };
    if let Err(msg) = run_editor(&path, terminal) {
        app.flash(
            Level::Error,
            format!(
                "{msg}; the file was not changed (copy at {})",
                path.display()
            ),
        );
        return Vec::new();
    }
    let bytes = match std::fs::read(&path) {
        Ok(b) => b,
        Err(e) => {
            app.flash(Level::Error, format!("cannot read {}: {e}", path.display()));
            return Vec::new();
        }
    };
    let e = app.entry(index);
    let display = app.data.register.display(&e.rel);
    match register::check_use_case(&display, &bytes, app.data.register.as_of) {
        Ok((use_case, _warnings)) => {
            if use_case == e.use_case {
                let _ = std::fs::remove_file(&path);
                app.flash(Level::Info, "no change: nothing to commit");
                return Vec::new();
            }
            let effects = app.edited(index, use_case);
            if !effects.is_empty() {
                // The commit re-reads nothing from the copy; it may go.
                let _ = std::fs::remove_file(&path);
            }
            let _ = source;
            effects
        }
        Err(diagnostics) => {
            let problems = diagnostics.iter().map(|d| d.to_string()).collect();
            app.edit_failed(index, path, problems);
            Vec::new()
        }
    }
}
