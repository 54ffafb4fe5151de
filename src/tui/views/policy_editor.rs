//! The policy editor beside the Readiness screen's candidates: the policy's
//! fields, the verdict counts before and after, and every flip.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::policy_editor::PolicyEditor;
use crate::tui::theme::{Theme, verdict_label};
use crate::tui::widgets::{fit, safe};

/// Draws the editor in `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, ed: &PolicyEditor, theme: &Theme) {
    let title = if ed.justifying {
        " What if · why? (Enter commits, Esc goes back) "
    } else {
        " What if · Enter commits, Esc discards "
    };
    let block = Block::bordered().title(Line::styled(title, theme.focus()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = ed.fields.len() as u16;
    let [fields_area, rest] = Layout::vertical([
        Constraint::Length(rows.min(inner.height.saturating_sub(8).max(inner.height / 2))),
        Constraint::Fill(1),
    ])
    .areas(inner);
    // The focused field stays in view when the fields do not all fit.
    let shown = usize::from(fields_area.height).max(1);
    let skip = ed.focus.saturating_sub(shown - 1);
    let width = usize::from(fields_area.width);
    let lines: Vec<Line> = ed
        .fields
        .iter()
        .enumerate()
        .skip(skip)
        .take(shown)
        .map(|(i, (key, input, was))| {
            let focused = i == ed.focus && !ed.justifying;
            let changed = input.value().trim() != was;
            let base = if focused {
                theme.selected()
            } else {
                Style::new()
            };
            let value = if changed {
                format!("{} (was {})", input.value(), was)
            } else {
                input.value().to_owned()
            };
            let style = if changed {
                base.patch(theme.focus()).add_modifier(Modifier::BOLD)
            } else {
                base
            };
            Line::from(vec![
                Span::styled(
                    format!("{} {:<36} ", if focused { "▶" } else { " " }, key),
                    base,
                ),
                Span::styled(fit(&safe(&value), width.saturating_sub(40)), style),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), fields_area);

    let mut lines = vec![Line::from("")];
    if ed.justifying {
        lines.push(Line::from(vec![
            Span::styled("Why: ", theme.header()),
            Span::raw(safe(ed.because.value())),
            Span::styled("█", theme.focus()),
        ]));
        lines.push(Line::from(""));
    }
    match &ed.preview {
        Err(msg) => lines.push(Line::styled(safe(msg), theme.flag())),
        Ok(p) => {
            let (b, a) = (&p.before, &p.after);
            let count = |name: &str, x: usize, y: usize| {
                let style = if x == y {
                    theme.muted()
                } else {
                    theme.focus().add_modifier(Modifier::BOLD)
                };
                Span::styled(format!("{name} {x} -> {y}   "), style)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{} flip(s)   ", p.flips.len()), theme.header()),
                count("ready", b.ready, a.ready),
                count("almost", b.almost, a.almost),
                count("not-yet", b.not_yet, a.not_yet),
            ]));
            for f in &p.flips {
                let moved: Vec<String> = f
                    .criteria
                    .iter()
                    .map(|c| format!("{} {}->{}", c.name, c.before.label(), c.after.label()))
                    .collect();
                lines.push(Line::from(vec![
                    Span::styled(verdict_label(f.before), theme.verdict(f.before)),
                    Span::raw(" -> "),
                    Span::styled(
                        verdict_label(f.after),
                        theme.verdict(f.after).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!("  {}", safe(&f.id))),
                    Span::styled(format!("  {}", moved.join(", ")), theme.muted()),
                ]));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}
