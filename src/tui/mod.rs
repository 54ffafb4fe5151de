//! The terminal UI: a thin shell over the library, in the Elm style.
//!
//! Keys become actions through [`keymap`], the one keybinding registry.
//! [`app`] holds the global state (the data, the current screen, help,
//! dialogs, the status bar) and its update function, which routes each
//! action to a component: one per screen in [`screens`] (each with its
//! state, update and view together) and [`dialog`] for the dialogs over
//! them. Work with the outside world comes back as effects. [`views`]
//! draws what the screens share (tabs, status bar, help) and has the
//! current screen draw itself; [`list`] is the one selectable list,
//! [`widgets`] and [`theme`] help the views. [`session`] is the runtime of
//! one user's UI on any terminal (input from [`incoming`], loads on a
//! [`worker`]); this module performs effects (commit, accept, external
//! editor) through the library, and runs the local front end: the
//! process's own terminal, restored on quit, error, panic, SIGTERM and
//! SIGHUP.

pub mod app;
pub mod decode;
pub mod dialog;
pub mod incoming;
#[cfg(unix)]
mod input;
pub mod keymap;
pub mod list;
pub mod screens;
pub mod session;
pub mod terminal;
pub mod theme;
pub mod views;
pub mod widgets;
pub mod worker;

use std::path::{Path, PathBuf};

use app::{App, Data, Effect, Level};
use session::{Exit, SaveGuard, Screen, Session};
use theme::Theme;

use crate::model::Date;

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
    /// Who is signed in, from `access.ron` (through `ripen serve` or
    /// `--principal`); `None`: the local user.
    pub principal: Option<crate::access::Principal>,
}

/// Loads everything the UI shows, through the library.
pub fn load(source: &Source) -> Result<Data, String> {
    let view = crate::ops::load::view(&context(source), source.rev.as_deref())
        .map_err(|e| e.to_string())?;
    let mut data = Data::new(view.register, view.status, view.read_only);
    data.today = source.today;
    data.pinned |= source.as_of.is_some();
    Ok(data)
}

/// The operations' context for what the UI shows.
fn context(source: &Source) -> crate::ops::Context {
    let mut ctx = crate::ops::Context::new(source.state_dir.clone(), source.today);
    ctx.as_of = source.as_of;
    if let Some(p) = &source.principal {
        ctx.act_as(p);
    }
    ctx
}

/// Runs the UI on the process's own terminal until the user quits or a
/// terminating signal arrives (then after any save in progress); the
/// caller turns a signal into the exit status.
pub fn run(source: Source, no_color: bool) -> Result<Exit, String> {
    let data = load(&source)?;
    let app = App::new(data);
    let theme = Theme::new(no_color);
    let saving = SaveGuard::default();
    #[cfg(unix)]
    let stops =
        watch_signals(saving.clone()).map_err(|e| format!("cannot watch for signals: {e}"))?;
    let terminal =
        terminal::LocalTerminal::init().map_err(|e| format!("cannot set up the terminal: {e}"))?;
    #[cfg(unix)]
    let input = input::Input::new(stops).map_err(|e| format!("cannot watch the terminal: {e}"))?;
    #[cfg(not(unix))]
    let input = terminal::CrosstermInput;
    let mut session = Session::new(app, source, theme, terminal, input, saving);
    session.run()
    // Dropping the session drops the terminal, which restores it and never
    // reports on a dead one.
}

/// On SIGTERM or SIGHUP: waits for any save in progress, then tells the
/// session (one byte, the signal's number, on the returned stream), which
/// leaves its loop.
#[cfg(unix)]
fn watch_signals(saving: SaveGuard) -> std::io::Result<std::os::unix::net::UnixStream> {
    use signal_hook::consts::{SIGHUP, SIGTERM};
    use std::io::Write;
    let (read, mut write) = std::os::unix::net::UnixStream::pair()?;
    let mut signals = signal_hook::iterator::Signals::new([SIGTERM, SIGHUP])?;
    std::thread::spawn(move || {
        for sig in signals.forever() {
            let _guard = saving.lock();
            let _ = write.write_all(&[sig as u8]);
        }
    });
    Ok(read)
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
    terminal: &mut dyn Screen,
    source: &Source,
    saving: &SaveGuard,
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
            let change = crate::ops::change::Prepared {
                rel: req.rel,
                expected: req.expected,
                text: req.text,
                message: req.message,
                head: req.head,
            };
            let result = {
                let _guard = saving.lock();
                crate::ops::change::save(&context(source), &change)
            };
            if let (Ok(_), Some(app::Dialog::Justify { copy, .. })) = (&result, &app.dialog) {
                // The edit is committed: its copy has served.
                let _ = std::fs::remove_file(copy);
            }
            match result {
                Ok(saved) => {
                    reload(app, source);
                    app.committed(Ok(saved.describe()));
                }
                Err(e) if e.is_stale() => {
                    reload(app, source);
                    app.committed(Err(format!("{e} (reloaded)")));
                }
                Err(e) => app.committed(Err(e.to_string())),
            }
            Vec::new()
        }
        Effect::Review(step) => {
            let ctx = context(source);
            let result = {
                let _guard = saving.lock();
                match step {
                    app::ReviewStep::Start(q) => {
                        crate::ops::meeting::start(&ctx, &q, &[]).map(|s| s.describe())
                    }
                    app::ReviewStep::Decide {
                        item,
                        decision,
                        because,
                    } => crate::ops::meeting::decide(
                        &ctx,
                        &crate::ops::meeting::Decide {
                            item,
                            decision,
                            to: None,
                            because,
                            actions: Vec::new(),
                            force: false,
                        },
                    )
                    .map(|d| d.describe()),
                    app::ReviewStep::Approve { item, because } => {
                        crate::ops::meeting::approve(&ctx, &item, &because).map(|a| a.describe())
                    }
                }
            };
            reload(app, source);
            app.reviewed(result.map_err(|e| e.to_string()));
            Vec::new()
        }
        Effect::CommitPolicy {
            base,
            text,
            message,
            head,
        } => {
            let result = {
                let _guard = saving.lock();
                crate::ops::policy::commit_over(&context(source), &base, &text, &message, head)
            };
            reload(app, source);
            app.policy_committed(result.map(|s| s.describe()).map_err(|e| e.to_string()));
            Vec::new()
        }
        Effect::Edit { index, edited } => edit(app, terminal, source, index, edited),
        Effect::EditAt { rel, line } => edit_at(app, terminal, source, &rel, line),
        Effect::Accept {
            branch,
            tip,
            options,
        } => {
            let result = {
                let _guard = saving.lock();
                crate::ops::accept::accept(&context(source), &branch, tip, &options)
            };
            reload(app, source);
            app.accepted(
                result
                    .map(|done| done.describe())
                    .map_err(|e| e.to_string()),
            );
            Vec::new()
        }
    }
}

/// The editor the user chose: `$VISUAL`, else `$EDITOR`, else `vi`, as git.
fn editor_from_env() -> String {
    ["VISUAL", "EDITOR"]
        .iter()
        .filter_map(|v| std::env::var(*v).ok())
        .find(|v| !v.trim().is_empty())
        .unwrap_or_else(|| "vi".to_owned())
}

/// Editors that open a file at a line given as `+LINE` before it.
const TAKES_PLUS_LINE: &[&str] = &[
    "vi",
    "vim",
    "nvim",
    "gvim",
    "view",
    "nano",
    "pico",
    "emacs",
    "emacsclient",
    "micro",
    "kak",
    "hx",
    "helix",
    "joe",
    "jed",
    "mg",
    "ne",
    "ed",
    "ex",
    "mcedit",
];

/// Whether `editor` (a shell command line) takes `+LINE`: its program's
/// file name is a known one.
fn takes_plus_line(editor: &str) -> bool {
    let program = editor
        .split_whitespace()
        .next()
        .unwrap_or("")
        .trim_matches(|c| c == '"' || c == '\'');
    let name = Path::new(program)
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("");
    TAKES_PLUS_LINE.contains(&name)
}

/// The editor run as git runs it: `sh -c '<editor> "$@"' <editor> [+LINE]
/// <file>`, so an editor with arguments (`code --wait`), quoting, or a
/// path with a space works, and the file name is never split.
fn editor_process(editor: &str, file: &Path, line: Option<usize>) -> std::process::Command {
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c").arg(format!("{editor} \"$@\"")).arg(editor);
    if let Some(line) = line.filter(|_| takes_plus_line(editor)) {
        cmd.arg(format!("+{line}"));
    }
    cmd.arg(file);
    cmd
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

fn run_editor(path: &Path, line: Option<usize>, terminal: &mut dyn Screen) -> Result<(), String> {
    let Some(terminal) = terminal.local() else {
        return Err(session::NEEDS_LOCAL_TERMINAL.to_owned());
    };
    let editor = editor_from_env();
    terminal.suspend();
    let status = editor_process(&editor, path, line).status();
    if let Err(e) = terminal.resume() {
        return Err(format!(
            "cannot take the terminal back from the editor: {e}"
        ));
    }
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("the editor `{editor}` exited with {s}")),
        Err(e) => Err(format!(
            "cannot start the editor `{editor}`: {e}; set $VISUAL or $EDITOR"
        )),
    }
}

/// Opens a file of the register at a line, then reloads: the user fixes
/// a problem in place, as in `git commit` with an editor.
fn edit_at(
    app: &mut App,
    terminal: &mut dyn Screen,
    source: &Source,
    rel: &str,
    line: usize,
) -> Vec<Effect> {
    let path = source.state_dir.join(rel);
    let outcome = run_editor(&path, Some(line), terminal);
    reload(app, source);
    if let Err(msg) = outcome {
        app.flash(Level::Error, msg);
    }
    Vec::new()
}

fn edit(
    app: &mut App,
    terminal: &mut dyn Screen,
    _source: &Source,
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
    if let Err(msg) = run_editor(&path, None, terminal) {
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
    match crate::ops::change::check_edit(&app.data.register, e, &bytes) {
        crate::ops::change::EditCheck::Unchanged => {
            let _ = std::fs::remove_file(&path);
            app.flash(Level::Info, crate::ops::change::EditCheck::NO_CHANGE);
            Vec::new()
        }
        // The copy stays until the commit lands (or the user is told
        // where it is): nothing typed in the editor is lost.
        crate::ops::change::EditCheck::Valid(use_case) => app.edited(index, *use_case, path),
        crate::ops::change::EditCheck::Invalid(problems) => {
            app.edit_failed(index, path, problems);
            Vec::new()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A script that records its arguments, one a line, in `out`.
    fn recorder(dir: &Path, out: &Path) -> PathBuf {
        use std::os::unix::fs::PermissionsExt;
        let script = dir.join("my editor.sh");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\nfor a in \"$@\"; do printf '%s\\n' \"$a\"; done > '{}'\n",
                out.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
        script
    }

    #[test]
    fn the_editor_runs_through_a_shell_as_git_runs_it() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("args");
        let script = recorder(dir.path(), &out);
        let file = dir.path().join("a use case.ron");
        std::fs::write(&file, "x").unwrap();
        // A path with a space, quoted, and an argument with a space.
        let editor = format!("'{}' --title 'two words'", script.display());
        let status = editor_process(&editor, &file, None).status().unwrap();
        assert!(status.success());
        let args = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            args.lines().collect::<Vec<_>>(),
            vec!["--title", "two words", file.to_str().unwrap()]
        );
    }

    #[test]
    fn editors_that_take_a_line_get_plus_line() {
        for editor in [
            "vi",
            "vim",
            "/usr/bin/nvim",
            "nano -w",
            "emacs -nw",
            "hx",
            "kak",
            "micro",
        ] {
            assert!(takes_plus_line(editor), "{editor}");
        }
        for editor in ["code --wait", "subl -w", "/opt/my editor.sh", "notepad"] {
            assert!(!takes_plus_line(editor), "{editor}");
        }
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("args");
        let script = recorder(dir.path(), &out);
        // A known name gets +LINE first; the file stays the last argument.
        let vi = dir.path().join("vi");
        std::fs::copy(&script, &vi).unwrap();
        let file = dir.path().join("x.ron");
        let status = editor_process(&vi.display().to_string(), &file, Some(42))
            .status()
            .unwrap();
        assert!(status.success());
        let args = std::fs::read_to_string(&out).unwrap();
        assert_eq!(
            args.lines().collect::<Vec<_>>(),
            vec!["+42", file.to_str().unwrap()]
        );
    }
}
