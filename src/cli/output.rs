//! Text output helpers: colour only on a terminal and never with `NO_COLOR`,
//! width-aware truncation, and sanitizing of untrusted text.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicBool, Ordering};

use ratatui::crossterm::style::Stylize;
use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

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
/// ellipsis (see [`cut`]), elsewhere whole.
pub fn fit(s: &str, width: usize) -> String {
    let s = sanitize(s);
    if CUT_TO_WIDTH.load(Ordering::Relaxed) {
        cut(&s, width)
    } else {
        s.into_owned()
    }
}

/// `s` cut to at most `width` columns: whole if it fits, else a prefix and
/// `…`. A cut never falls inside a number (`0.9…` for 0.930 would read as
/// a different value): the number is left out whole, and so is the space
/// before the ellipsis.
pub fn cut(s: &str, width: usize) -> String {
    if s.width() <= width {
        return s.to_owned();
    }
    let mut out = String::new();
    let mut used = 0;
    let mut next = None;
    for c in s.chars() {
        let w = c.width().unwrap_or(0);
        if used + w + 1 > width {
            next = Some(c);
            break;
        }
        used += w;
        out.push(c);
    }
    let numeric = |c: char| c.is_ascii_digit() || c == '.' || c == ',';
    if next.is_some_and(numeric) && out.ends_with(numeric) {
        // Back off to before the number (and any sign or currency glued to it).
        while out.ends_with(numeric) {
            out.pop();
        }
        while out.ends_with(['-', '+', '$', '€', '£']) {
            out.pop();
        }
    }
    let trimmed = out.trim_end().len();
    out.truncate(trimmed);
    out.push('…');
    out
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

#[cfg(test)]
mod tests {
    use super::cut;

    #[test]
    fn a_cut_ends_in_an_ellipsis_and_never_inside_a_number() {
        assert_eq!(cut("below target 0.930", 20), "below target 0.930");
        assert_eq!(cut("below target 0.930", 17), "below target…");
        assert_eq!(cut("ROI USD 218,500 measured", 14), "ROI USD…");
        assert_eq!(cut("gain -0.015 over 3", 9), "gain…");
        assert_eq!(cut("plain words here", 10), "plain wor…");
        assert_eq!(cut("abc", 0), "…");
        for w in 1..30 {
            let c = cut("accuracy 0.875 below target 0.930", w);
            assert!(c.ends_with('…'), "{c}");
            assert!(
                !c.contains("0.8…") && !c.contains("0.9…") && !c.contains("0…"),
                "{c}"
            );
        }
    }
}
