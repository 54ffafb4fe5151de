//! Small drawing helpers shared by the views: sanitized text with match
//! highlights, the readiness checklist, and centred popups.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::theme::{Theme, verdict_label};
use crate::readiness::Assessment;
use crate::text::{is_unsafe, sanitize};

/// Untrusted text as one safe span.
pub fn safe(s: &str) -> String {
    sanitize(s).into_owned()
}

/// Untrusted text as spans, with the characters at `marks` (character
/// indices into `s`) in `hit` style. Unsafe characters are shown escaped.
pub fn highlighted(s: &str, marks: &[usize], base: Style, hit: Style) -> Vec<Span<'static>> {
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_hit = false;
    let mut next = marks.iter().copied().peekable();
    for (i, c) in s.chars().enumerate() {
        while next.peek().is_some_and(|&m| m < i) {
            next.next();
        }
        let is_hit = next.peek() == Some(&i);
        if is_hit != run_hit && !run.is_empty() {
            let style = if run_hit { base.patch(hit) } else { base };
            spans.push(Span::styled(std::mem::take(&mut run), style));
        }
        run_hit = is_hit;
        if is_unsafe(c) {
            run.push_str(&sanitize(&c.to_string()));
        } else {
            run.push(c);
        }
    }
    if !run.is_empty() {
        let style = if run_hit { base.patch(hit) } else { base };
        spans.push(Span::styled(run, style));
    }
    spans
}

/// Like [`highlighted`], cut to `width` columns with `…` when longer.
pub fn highlighted_fit(
    s: &str,
    marks: &[usize],
    base: Style,
    hit: Style,
    width: usize,
) -> Vec<Span<'static>> {
    use unicode_width::UnicodeWidthStr;
    let mut spans = highlighted(s, marks, base, hit);
    let total: usize = spans.iter().map(|sp| sp.content.width()).sum();
    if total <= width {
        return spans;
    }
    let mut room = width.saturating_sub(1);
    let mut out = Vec::new();
    for sp in spans.drain(..) {
        if room == 0 {
            break;
        }
        let mut text = String::new();
        for c in sp.content.chars() {
            let w = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
            if w > room {
                room = 0;
                break;
            }
            room -= w;
            text.push(c);
        }
        out.push(Span::styled(text, sp.style));
    }
    if width > 0 {
        out.push(Span::styled("…", base));
    }
    out
}

/// A field change as the UI shows it, sanitized: the field, and
/// `from -> to` (shown as `field: from -> to`).
pub fn change_parts(c: &crate::diff::FieldChange) -> (String, String) {
    if c.field == crate::diff::SHALLOW_BOUNDARY {
        return (safe(&c.field), safe(&c.describe()));
    }
    (
        safe(&c.field),
        format!(
            "{} -> {}",
            safe(&c.from.to_string()),
            safe(&c.to.to_string())
        ),
    )
}

/// `n` with the singular or plural of a noun: `1 problem`, `2 problems`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{n} {plural}")
    }
}

/// A rectangle of at most `w` x `h` centred in `area`.
pub fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(
        area.x + (area.width - w) / 2,
        area.y + (area.height - h) / 2,
        w,
        h,
    )
}

/// The readiness checklist of one assessment, as lines.
pub fn checklist(a: &Assessment, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::raw("Verdict: "),
        Span::styled(verdict_label(a.verdict), theme.verdict(a.verdict)),
    ])];
    if let Some(why) = &a.not_applicable_because {
        lines.push(Line::from(format!(
            "Not applicable: {why}. Readiness is assessed for prompting use cases that are not retired."
        )));
    }
    if !a.criteria.is_empty() {
        lines.push(Line::from(""));
    }
    for c in &a.criteria {
        let mark = match (c.passed, c.gate) {
            (true, _) => "✓",
            (false, true) => "✗",
            (false, false) => "·",
        };
        let mut spans = vec![
            Span::styled(format!("{mark} "), theme.pass(c.passed || !c.gate)),
            Span::styled(format!("{:<13}", c.criterion.key()), Style::new()),
            Span::raw(c.detail.clone()),
        ];
        if !c.gate {
            spans.push(Span::styled(" (not gated)", theme.muted()));
        }
        lines.push(Line::from(spans));
    }
    let signals: Vec<_> = a.signals.iter().filter(|s| s.present).collect();
    if !signals.is_empty() {
        lines.push(Line::from(""));
        for s in signals {
            lines.push(Line::from(vec![
                Span::styled("+ ", theme.focus()),
                Span::raw(format!("{}: ", s.name)),
                Span::raw(s.detail.clone()),
            ]));
        }
    }
    if !a.flags.is_empty() {
        lines.push(Line::from(""));
        for f in &a.flags {
            let text = match f {
                crate::readiness::Flag::Stale => "no recent measurement: measure before deciding",
                crate::readiness::Flag::Regression => "latest accuracy dropped: investigate",
            };
            lines.push(Line::from(vec![
                Span::styled(format!("! {:<13}", f.label()), theme.flag()),
                Span::raw(text),
            ]));
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn highlights_survive_escaped_characters() {
        let spans = highlighted("a\u{1b}bc", &[2], Style::new(), Style::new());
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "a\\u{1b}bc");
        assert_eq!(spans[1].content, "b");
    }
}
