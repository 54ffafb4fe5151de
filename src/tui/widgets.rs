//! Small drawing helpers shared by the views: sanitized text with match
//! highlights, the readiness checklist, and centred popups.

use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};

use super::app::Scroll;
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

/// `s` cut to `width` columns by the one cutting rule, [`crate::text::cut`]:
/// ending in `…` when cut, never inside a number, a date or a time.
pub fn fit(s: &str, width: usize) -> String {
    crate::text::cut(s, width)
}

/// A line cut to `width` columns as [`fit`] cuts text, keeping each
/// span's style; the ellipsis takes the style of the span it ends.
pub fn fit_line(line: Line<'static>, width: usize) -> Line<'static> {
    use unicode_width::UnicodeWidthStr;
    let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
    if text.width() <= width {
        return line;
    }
    let cut = fit(&text, width);
    let mut keep = cut.chars().count().saturating_sub(1);
    let mut spans = Vec::new();
    let mut last_style = line.style;
    for sp in line.spans {
        if keep == 0 {
            break;
        }
        let part: String = sp.content.chars().take(keep).collect();
        keep -= part.chars().count();
        last_style = sp.style;
        spans.push(Span::styled(part, sp.style));
    }
    if width > 0 {
        spans.push(Span::styled("…", last_style));
    }
    Line::from(spans).style(line.style)
}

/// Like [`highlighted`], cut to `width` columns as [`fit`] cuts (with `…`,
/// never inside a number).
pub fn highlighted_fit(
    s: &str,
    marks: &[usize],
    base: Style,
    hit: Style,
    width: usize,
) -> Vec<Span<'static>> {
    let spans = highlighted(s, marks, base, hit);
    fit_line(Line::from(spans), width).spans
}

/// A field change as the UI shows it, sanitized, in the library's one
/// wording ([`crate::diff::FieldChange::labelled`]): the field's name when
/// the line starts with it (shown as `field: from -> to`), and the rest.
pub fn change_parts(c: &crate::diff::FieldChange) -> (Option<String>, String) {
    let (field, rest) = c.labelled();
    (field.map(safe), safe(&rest))
}

pub use crate::text::count;

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

/// Draws `lines` wrapped to `inner`, from `scroll`'s position. When the
/// text is longer than the pane, the bottom border of `outer` (the block
/// around `inner`) says which lines show, e.g. `lines 19–36 of 52`.
/// Wrapped lines count: what is scrolled to is what is drawn.
pub fn scrolled(
    frame: &mut ratatui::Frame<'_>,
    outer: Rect,
    inner: Rect,
    lines: Vec<Line<'static>>,
    scroll: &Scroll,
    theme: &Theme,
) {
    use ratatui::widgets::{Paragraph, Wrap};
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: false });
    let total = paragraph.line_count(inner.width);
    let height = usize::from(inner.height);
    let top = scroll.record(total, height);
    let top16 = u16::try_from(top).unwrap_or(u16::MAX);
    frame.render_widget(paragraph.scroll((top16, 0)), inner);
    if total > height && outer.height > 0 {
        let label = format!(
            " {}lines {}–{} of {} ",
            match (top > 0, top + height < total) {
                (true, true) => "↕ ",
                (true, false) => "↑ ",
                (false, _) => "↓ ",
            },
            top + 1,
            (top + height).min(total),
            total
        );
        let w = u16::try_from(label.chars().count()).unwrap_or(u16::MAX);
        if w + 2 <= outer.width {
            let at = Rect::new(outer.right() - w - 1, outer.bottom() - 1, w, 1);
            frame.render_widget(Line::styled(label, theme.focus()), at);
        }
    }
}

/// A popup of at most `w` x `h` centred in `area`. The rows it covers,
/// and one above and below, are cleared across the whole of `area`, so
/// no cut piece of the screen behind shows beside its edges. Returns the
/// popup's rectangle.
pub fn popup(frame: &mut ratatui::Frame<'_>, area: Rect, w: u16, h: u16) -> Rect {
    let rect = centered(area, w, h);
    let margin = Rect::new(
        area.x,
        rect.y.saturating_sub(1).max(area.y),
        area.width,
        rect.height + 2,
    )
    .intersection(area);
    frame.render_widget(ratatui::widgets::Clear, margin);
    rect
}

/// The readiness checklist of one assessment, as lines; money in
/// `currency`.
pub fn checklist(a: &Assessment, currency: &str, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = vec![Line::from(vec![
        Span::raw("Verdict: "),
        Span::styled(verdict_label(a.verdict), theme.verdict(a.verdict)),
    ])];
    if let Some(meaning) = a.verdict.explanation() {
        lines.push(Line::from(meaning));
    }
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
            Span::raw(c.detail_in(currency)),
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
    match &a.payback {
        Some(Ok(p)) => {
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                Span::styled("$ ", theme.focus()),
                Span::raw(format!("economics: {}", p.headline())),
            ]));
            for l in p.lines(currency) {
                lines.push(Line::styled(format!("  {l}"), theme.muted()));
            }
        }
        Some(Err(why)) => {
            lines.push(Line::from(""));
            lines.push(Line::from(vec![
                Span::styled("$ ", theme.focus()),
                Span::raw(format!("economics: {}", why.reason())),
            ]));
        }
        None => {}
    }
    if !a.flags.is_empty() {
        lines.push(Line::from(""));
        for f in &a.flags {
            let text = match f {
                crate::readiness::Flag::Stale => "no recent measurement: measure before deciding",
                crate::readiness::Flag::Regression => "latest accuracy dropped: investigate",
                crate::readiness::Flag::StalePrices => {
                    "a price behind the payback is older than the policy allows: ask again"
                }
                crate::readiness::Flag::Underdelivering => {
                    "the fine-tune gains less over prompting than the policy asks"
                }
                crate::readiness::Flag::WorseThanPrompting => {
                    "the fine-tune is less accurate than prompting was: investigate"
                }
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

    proptest::proptest! {
        #[test]
        fn a_cut_fits_ends_in_an_ellipsis_and_keeps_no_part_of_a_number(
            s in "[a-z0-9 .,é漢]{0,40}",
            width in 0usize..45,
        ) {
            use unicode_width::UnicodeWidthStr;
            let cut = fit(&s, width);
            proptest::prop_assert!(cut.width() <= width);
            if s.width() <= width {
                proptest::prop_assert_eq!(&cut, &s);
            } else if width > 0 {
                proptest::prop_assert!(cut.ends_with('…'));
                let kept = cut.trim_end_matches('…');
                proptest::prop_assert!(s.starts_with(kept));
                // What follows the kept part does not continue a number
                // the kept part ends with.
                let mut rest = s[kept.len()..].chars();
                let (next, after) = (rest.next(), rest.next());
                let continues = match next {
                    Some(c) if c.is_ascii_digit() => true,
                    Some('.' | ',') => after.is_some_and(|c| c.is_ascii_digit()),
                    _ => false,
                };
                let ends_in_number = kept.ends_with(|c: char| c.is_ascii_digit() || c == '.' || c == ',')
                    && kept.trim_end_matches(['.', ',']).ends_with(|c: char| c.is_ascii_digit());
                proptest::prop_assert!(!(ends_in_number && continues), "{:?} -> {:?}", s, cut);
            }
        }
    }

    #[test]
    fn highlights_survive_escaped_characters() {
        let spans = highlighted("a\u{1b}bc", &[2], Style::new(), Style::new());
        let text: String = spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, "a\\u{1b}bc");
        assert_eq!(spans[1].content, "b");
    }
}
