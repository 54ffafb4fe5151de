//! Dialogs and forms drawn over the current screen.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph, Wrap};

use crate::form::FieldKind;
use crate::tui::app::{App, Dialog, Field, FormKind};
use crate::tui::theme::Theme;
use crate::tui::widgets::{popup, safe};

fn frame_block<'a>(title: String, theme: &Theme) -> Block<'a> {
    // Dialogs are at most 76 wide: a longer title (a long id or branch)
    // ends in an ellipsis rather than at the border.
    Block::bordered()
        .border_type(BorderType::Double)
        .border_style(theme.focus())
        .title(Line::styled(
            crate::tui::widgets::fit(&title, 70),
            theme.focus(),
        ))
}

/// Draws the open dialog over `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, dialog: &Dialog, theme: &Theme) {
    match dialog {
        Dialog::Review {
            item,
            decision,
            because,
            error,
        } => {
            let rect = popup(frame, area, 72, 12);
            let title = match decision {
                Some(_) => format!(" Decide on {} ", safe(item)),
                None => format!(" Approve the decision on {} ", safe(item)),
            };
            let block = frame_block(title, theme);
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines = Vec::new();
            if let Some(d) = decision {
                lines.push(Line::from(vec![
                    Span::raw("decision: ← "),
                    Span::styled(d.word(), theme.header()),
                    Span::raw(" →"),
                ]));
                lines.push(Line::from(""));
            }
            prompt_lines(&mut lines, "", false, because, error.as_deref(), theme);
            draw_prompt(frame, inner, lines, false, because);
        }
        Dialog::Stage {
            index,
            to,
            justification,
            override_reason,
            confirming,
            error,
        } => {
            let e = app.entry(*index);
            let rect = popup(frame, area, 72, 14);
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
            prompt_lines(
                &mut lines,
                "Move it although it is not ready? y yes · n no",
                *confirming,
                justification,
                error.as_deref(),
                theme,
            );
            draw_prompt(frame, inner, lines, *confirming, justification);
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
                FormKind::UseCase => "use case",
            };
            let title = format!(" Add {what} to {} ", safe(e.id.as_str()));
            let form = FormView {
                title,
                fields,
                focus: *focus,
                error: error.as_deref(),
                ctx: &app.form_context(),
            };
            draw_form(frame, area, &form, theme);
        }
        Dialog::New {
            fields,
            focus,
            error,
        } => {
            let id = fields[0].input.value().trim();
            let title = if id.is_empty() {
                " New use case ".to_owned()
            } else {
                format!(" New use case {} ", safe(id))
            };
            let form = FormView {
                title,
                fields,
                focus: *focus,
                error: error.as_deref(),
                ctx: &app.form_context(),
            };
            draw_form(frame, area, &form, theme);
        }
        Dialog::Justify {
            index,
            fields,
            justification,
            override_reason,
            confirming,
            error,
            ..
        } => {
            let e = app.entry(*index);
            let rect = popup(frame, area, 72, 14);
            let block = frame_block(
                format!(" Commit the edit of {} ", safe(e.id.as_str())),
                theme,
            );
            let inner = block.inner(rect);
            frame.render_widget(block, rect);
            let mut lines = vec![
                Line::from(safe(&e.use_case.title)),
                Line::from(vec![
                    Span::raw("fields changed: "),
                    Span::styled(fields.join(", "), theme.header()),
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
            prompt_lines(
                &mut lines,
                "Commit it although it is not ready? y yes · n no",
                *confirming,
                justification,
                error.as_deref(),
                theme,
            );
            draw_prompt(frame, inner, lines, *confirming, justification);
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
            let rect = popup(
                frame,
                area,
                76,
                (summary.len() as u16 + 6 + extra).min(area.height),
            );
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
            let rect = popup(
                frame,
                area,
                76,
                (problems.len() as u16 + 7).min(area.height),
            );
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

/// The justification prompt of a stage move or an edit, or its override
/// confirmation, and the last failure.
fn prompt_lines(
    lines: &mut Vec<Line<'static>>,
    question: &'static str,
    confirming: bool,
    justification: &tui_input::Input,
    error: Option<&str>,
    theme: &Theme,
) {
    if confirming {
        lines.push(Line::styled(question, theme.header()));
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
}

/// Draws prompt lines in `inner` with the cursor in the input row.
fn draw_prompt(
    frame: &mut Frame<'_>,
    inner: Rect,
    lines: Vec<Line<'static>>,
    confirming: bool,
    justification: &tui_input::Input,
) {
    let input_row = lines
        .iter()
        .position(|l| l.spans.first().is_some_and(|s| s.content == "> "));
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), inner);
    if let (false, Some(row)) = (confirming, input_row) {
        let x = inner.x + 2 + justification.visual_cursor() as u16;
        frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + row as u16));
    }
}

/// A form to draw: its title, fields and state.
struct FormView<'a> {
    title: String,
    fields: &'a [Field],
    focus: usize,
    error: Option<&'a str>,
    ctx: &'a crate::form::Context,
}

/// Draws a form: a row per field with its value and `✓`, `✗ problem` or
/// `! warning`; the warnings in full below; the last failure.
fn draw_form(frame: &mut Frame<'_>, area: Rect, form: &FormView<'_>, theme: &Theme) {
    let fields = form.fields;
    // Beside a field there is room for a short message; longer ones (and
    // every warning) are shown in full below the fields, never cut.
    let beside = 76usize.saturating_sub(2 + 17 + 2 + 24 + 4);
    let below: Vec<(bool, &str, String)> = fields
        .iter()
        .filter_map(|f| match (f.error(form.ctx), f.warning(form.ctx)) {
            (Some(e), _) if e.chars().count() > beside => Some((true, f.spec.name, e)),
            (None, Some(w)) => Some((false, f.spec.name, w)),
            _ => None,
        })
        .collect();
    let rect = popup(
        frame,
        area,
        76,
        fields.len() as u16 + 8 + 2 * below.len() as u16,
    );
    let block = frame_block(form.title.clone(), theme);
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines = Vec::new();
    let mut cursor = None;
    for (n, f) in fields.iter().enumerate() {
        let focused = n == form.focus;
        let label_style = if focused {
            theme.selected()
        } else {
            Style::new()
        };
        // A value longer than its box scrolls with the cursor, as input
        // fields do; `…` marks the hidden part.
        let scroll = f.input.visual_scroll(23);
        let value = match f.spec.kind {
            FieldKind::Choice(_) => format!("◀ {} ▶", f.input.value()),
            _ => {
                let text = safe(f.input.value());
                if unicode_width::UnicodeWidthStr::width(text.as_str()) <= 24 {
                    text
                } else {
                    let shown: String = text.chars().skip(scroll).collect();
                    let shown = crate::tui::widgets::fit(&shown, 24 - usize::from(scroll > 0));
                    if scroll > 0 {
                        format!("…{shown}")
                    } else {
                        shown
                    }
                }
            }
        };
        let status = match (f.error(form.ctx), f.warning(form.ctx)) {
            (Some(msg), _) if msg.chars().count() > beside => Span::styled(
                "  ✗ see below",
                theme.severity(crate::register::Severity::Error),
            ),
            (Some(msg), _) => Span::styled(
                format!("  ✗ {msg}"),
                theme.severity(crate::register::Severity::Error),
            ),
            (None, Some(_)) => Span::styled(
                "  ! see below",
                theme.severity(crate::register::Severity::Warning),
            ),
            (None, None) => Span::styled("  ✓", theme.pass(true)),
        };
        if focused && !matches!(f.spec.kind, FieldKind::Choice(_)) {
            let long = unicode_width::UnicodeWidthStr::width(f.input.value()) > 24;
            let at = if long {
                f.input.visual_cursor() - scroll + usize::from(scroll > 0)
            } else {
                f.input.visual_cursor()
            };
            cursor = Some((19 + at.min(24) as u16, n as u16));
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
    for (error, name, msg) in &below {
        let (mark, severity) = if *error {
            ("✗", crate::register::Severity::Error)
        } else {
            ("!", crate::register::Severity::Warning)
        };
        lines.push(Line::from(vec![
            Span::styled(format!("{mark} {name}: "), theme.severity(severity)),
            Span::raw(msg.clone()),
        ]));
    }
    let invalid = fields
        .iter()
        .filter(|f| f.error(form.ctx).is_some())
        .count();
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
    if let Some(err) = form.error {
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
