//! Text output helpers: colour only on a terminal and never with `NO_COLOR`,
//! width-aware truncation, and sanitizing of untrusted text.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::crossterm::style::Stylize;
use unicode_width::UnicodeWidthStr;

use super::Failure;
use crate::readiness::Verdict;
use crate::register::Severity;
use crate::text::sanitize;

/// Writes to standard output; a failure (a reader that has gone, a
/// terminal that hung up) is returned as a [`Failure`], never a panic.
pub fn emit(args: std::fmt::Arguments<'_>) -> Result<(), Failure> {
    use std::io::Write;
    std::io::stdout()
        .lock()
        .write_fmt(args)
        .map_err(Failure::output)
}

/// What the process's environment says about output.
pub struct Env {
    /// Whether to colour standard output.
    pub colour: bool,
    /// Whether to colour standard error.
    pub colour_err: bool,
    /// Columns available for text tables.
    pub width: usize,
}

impl Env {
    /// Reads `NO_COLOR`, whether the streams are terminals, and the width.
    pub fn from_process() -> Env {
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let out_tty = std::io::stdout().is_terminal();
        let width = if out_tty {
            ratatui::crossterm::terminal::size().map_or(80, |(w, _)| w as usize)
        } else {
            80
        };
        CUT_TO_WIDTH.store(out_tty, Ordering::Relaxed);
        Env {
            colour: out_tty && !no_color,
            colour_err: std::io::stderr().is_terminal() && !no_color,
            width: width.max(40),
        }
    }
}

/// Whether text is cut to the width: only when standard output is a
/// terminal. Piped or redirected output is never cut.
static CUT_TO_WIDTH: AtomicBool = AtomicBool::new(false);

/// Untrusted text, sanitized; on a terminal cut to `width` columns with an
/// ellipsis (see [`crate::text::cut`]), elsewhere whole.
pub fn fit(s: &str, width: usize) -> String {
    let s = sanitize(s);
    if CUT_TO_WIDTH.load(Ordering::Relaxed) {
        crate::text::cut(&s, width)
    } else {
        s.into_owned()
    }
}

/// `s` padded with spaces to `width` columns.
pub fn pad(s: &str, width: usize) -> String {
    let w = s.width();
    if w >= width {
        s.to_owned()
    } else {
        format!("{s}{}", " ".repeat(width - w))
    }
}

/// A verdict label, padded, coloured when allowed.
pub fn verdict(v: Verdict, width: usize, colour: bool) -> String {
    let text = pad(v.phrase(), width);
    if !colour {
        return text;
    }
    match v {
        Verdict::Ready => text.green().bold().to_string(),
        Verdict::Almost => text.yellow().bold().to_string(),
        Verdict::Underway => text.cyan().to_string(),
        Verdict::NotYet => text,
        Verdict::NotApplicable => text.dim().to_string(),
    }
}

/// A severity label, coloured when allowed.
pub fn severity(s: Severity, colour: bool) -> String {
    match (s, colour) {
        (Severity::Error, true) => s.label().red().bold().to_string(),
        (Severity::Warning, true) => s.label().yellow().bold().to_string(),
        _ => s.label().to_owned(),
    }
}

/// A pass/fail mark: `✓` or `✗`, with colour when allowed.
pub fn mark(passed: bool, gate: bool, colour: bool) -> String {
    let m = match (passed, gate) {
        (true, _) => "✓",
        (false, true) => "✗",
        (false, false) => "·",
    };
    match (colour, passed, gate) {
        (true, true, _) => m.green().to_string(),
        (true, false, true) => m.red().to_string(),
        _ => m.to_owned(),
    }
}
