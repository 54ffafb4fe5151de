//! Dialogs and forms drawn over the current screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Clear, Paragraph, Wrap};

use crate::form::FieldKind;
use crate::tui::app::{App, Dialog, FormKind};
use crate::tui::theme::Theme;
use crate::tui::widgets::{centered, safe};

fn frame_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.focus())
        .title(Line::styled(title, theme.focus()))
}

/// Draws the open dialog over `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, dialog: &Dialog, theme: &Theme) {
    match dialog {
        Dialog::Stage {
            index,
            to,
            justification,
            override_reason,
            confirming,
            error,
        } => {
            let e = app.entry(*index);
            let rect = centered(area, 72, 14);
            frame.render_widget(Clear, rect);
            let block = frame_block(format!(" Move {} ", safe(e.id.as_str())), theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines = vec![
                Line::from(safe(&e.use_case.title)),
                Line::from(vec![
                    Span::raw("from "),
                    Span::styled(e.use_case.stage.name(), theme.header()),
                    Span::raw(" to "),
                    Span::styled(to.name(), theme.header()),
                ]),
                Line::from(""),
            ];
            if let Some(why) = override_reason {
                lines.push(Line::from(vec![
                    Span::styled(
                        "⚠ Override: ",
                        theme.severity(crate::register::Severity::Warning),
                    ),
                    Span::raw(format!("{why}. The commit will record the override.")),
                ]));
                lines.push(Line::from(""));
            }
            if *confirming {
                lines.push(Line::styled(
                    "Move it although it is not ready? y yes · n no",
                    theme.header(),
                ));
            } else {
                lines.push(Line::from(
                    "Justification (one line, goes into the commit):",
                ));
                lines.push(Line::from(vec![
                    Span::styled("> ", theme.focus()),
                    Span::raw(safe(justification.value())),
                ]));
                lines.push(Line::from(""));
                lines.push(Line::styled("Enter commit · Esc cancel", theme.muted()));
            }
            if let Some(err) = error {
                lines.push(Line::from(vec![
                    Span::styled("✗ ", theme.severity(crate::register::Severity::Error)),
                    Span::raw(safe(err)),
                ]));
            }
            let input_row = lines
                .iter()
                .position(|l| l.spans.first().is_some_and(|s| s.content == "> "));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
            if let (false, Some(row)) = (*confirming, input_row) {
                let x = inner.x + 2 + justification.visual_cursor() as u16;
                frame.set_cursor_position((
                    x.min(inner.right().saturating_sub(1)),
                    inner.y + row as u16,
                ));
            }
        }
        Dialog::Form {
            index,
            kind,
            fields,
            focus,
            error,
        } => {
            let e = app.entry(*index);
            let what = match kind {
                FormKind::Measurement => "measurement",
                FormKind::Roi => "ROI evidence",
            };
            let rect = centered(area, 76, fields.len() as u16 + 8);
            frame.render_widget(Clear, rect);
            let block = frame_block(format!(" Add {what} to {} ", safe(e.id.as_str())), theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines = Vec::new();
            let mut cursor = None;
            for (n, f) in fields.iter().enumerate() {
                let focused = n == *focus;
                let label_style = if focused {
                    theme.selected()
                } else {
                    Style::new()
                };
                let value = match f.spec.kind {
                    FieldKind::Choice(_) => format!("◀ {} ▶", f.input.value()),
                    _ => safe(f.input.value()),
                };
                let status = match f.error() {
                    Some(msg) => Span::styled(
                        format!("  ✗ {msg}"),
                        theme.severity(crate::register::Severity::Error),
                    ),
                    None => Span::styled("  ✓", theme.pass(true)),
                };
                if focused && !matches!(f.spec.kind, FieldKind::Choice(_)) {
                    cursor = Some((19 + f.input.visual_cursor() as u16, n as u16));
                }
                // Pad the value so every field's ✓/✗ lines up in one column.
                let value = format!("{value:<24}");
                lines.push(Line::from(vec![
                    Span::styled(format!("{:<17}", f.spec.name), label_style),
                    Span::raw("  "),
                    Span::raw(value),
                    status,
                ]));
            }
            lines.push(Line::from(""));
            let invalid = fields.iter().filter(|f| f.error().is_some()).count();
            lines.push(if invalid == 0 {
                Line::styled(
                    "Enter commit · Tab/↑↓ field · ←→ choose · Esc cancel",
                    theme.muted(),
                )
            } else {
                Line::styled(
                    format!("{invalid} field(s) to fix before Enter commits · Esc cancel"),
                    theme.muted(),
                )
            });
            if let Some(err) = error {
                lines.push(Line::from(vec![
                    Span::styled("✗ ", theme.severity(crate::register::Severity::Error)),
                    Span::raw(safe(err)),
                ]));
            }
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
            if let Some((x, y)) = cursor {
                frame.set_cursor_position((
                    (inner.x + x).min(inner.right().saturating_sub(1)),
                    inner.y + y,
                ));
            }
        }
        Dialog::Accept {
            branch,
            summary,
            overrides,
            reason,
            confirming,
            error,
            ..
        } => {
            let extra = if overrides.is_empty() {
                0
            } else {
                overrides.len() as u16 + 4
            };
            let rect = centered(
                area,
                76,
                (summary.len() as u16 + 6 + extra).min(area.height),
            );
            frame.render_widget(Clear, rect);
            let block = frame_block(format!(" Accept {} ", safe(branch)), theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines: Vec<Line<'_>> = summary.iter().map(|l| Line::from(safe(l))).collect();
            lines.push(Line::from(""));
            for o in overrides {
                lines.push(Line::from(vec![
                    Span::styled(
                        "⚠ Override: ",
                        theme.severity(crate::register::Severity::Warning),
                    ),
                    Span::raw(format!("{}. The merge commit will record it.", safe(o))),
                ]));
            }
            // The question stays at the bottom, whatever the summary's
            // length: the summary above is cut at small sizes, never it.
            let mut bottom: Vec<Line<'_>> = Vec::new();
            let mut cursor = None;
            if !overrides.is_empty() && !*confirming {
                bottom.push(Line::from(
                    "Reason for the override (one line, goes into the commit):",
                ));
                cursor = Some(bottom.len());
                bottom.push(Line::from(vec![
                    Span::styled("> ", theme.focus()),
                    Span::raw(safe(reason.value())),
                ]));
                bottom.push(Line::styled("Enter continue · Esc cancel", theme.muted()));
            } else if !overrides.is_empty() {
                bottom.push(Line::styled(
                    "Accept it although readiness does not support it? y yes · n no",
                    theme.header(),
                ));
            } else {
                bottom.push(Line::styled(
                    "A merge commit, authored by you. y accept · n cancel",
                    theme.header(),
                ));
            }
            if let Some(err) = error {
                bottom.push(Line::from(vec![
                    Span::styled("✗ ", theme.severity(crate::register::Severity::Error)),
                    Span::raw(safe(err)),
                ]));
            }
            let [top_area, bottom_area] = Layout::vertical([
                Constraint::Fill(1),
                Constraint::Length((bottom.len() as u16).min(inner.height)),
            ])
            .areas(inner);
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), top_area);
            frame.render_widget(Paragraph::new(bottom), bottom_area);
            if let Some(row) = cursor {
                let typed = safe(reason.value());
                let x = 2 + unicode_width::UnicodeWidthStr::width(typed.as_str());
                frame.set_cursor_position((
                    (bottom_area.x + x as u16).min(bottom_area.right().saturating_sub(1)),
                    (bottom_area.y + row as u16).min(bottom_area.bottom().saturating_sub(1)),
                ));
            }
        }
        Dialog::EditFailed {
            index, problems, ..
        } => {
            let e = app.entry(*index);
            let rect = centered(area, 76, (problems.len() as u16 + 7).min(area.height));
            frame.render_widget(Clear, rect);
            let block = frame_block(format!(" {} has errors ", safe(e.id.as_str())), theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines = vec![Line::from("The edited file was not saved. Its problems:")];
            for p in problems {
                lines.push(Line::styled(
                    safe(p),
                    theme.severity(crate::register::Severity::Error),
                ));
            }
            lines.push(Line::from(""));
            lines.push(Line::styled(
                "y edit again · n keep the file as it was (your copy is kept)",
                theme.header(),
            ));
            frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
        }
    }
}
