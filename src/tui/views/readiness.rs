//! The readiness screen: ranked candidates and the checklist of the selected one.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::list::SelectableList;
use crate::tui::theme::{Theme, verdict_label};
use crate::tui::widgets::{checklist, highlighted_fit, safe, scrolled};

/// Draws the readiness screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let [list_area, panel_area] =
        Layout::horizontal([Constraint::Length(30), Constraint::Fill(1)]).areas(area);
    let d = &app.data;
    let block = Block::bordered().title(Line::styled(
        format!(" {} ready · {} almost ", d.summary.ready, d.summary.almost),
        theme.focus(),
    ));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let room = (inner.width as usize).saturating_sub(8);
    let cursor = SelectableList::new(app.readiness, d.candidates.len())
        .unfitted()
        .draw(frame, inner, theme, |item| {
            let i = d.candidates[item.pos];
            let base = item.base;
            let a = &d.assessments[i];
            // Under the policy being edited, a candidate whose verdict flips
            // shows its new verdict's initial, highlighted.
            let flip = app
                .policy_editor
                .as_ref()
                .and_then(|ed| ed.flips(d.rows[i].id.as_str()));
            let shown = flip.map_or(a.verdict, |f| f.after);
            let mark = if flip.is_some() {
                theme
                    .focus()
                    .add_modifier(ratatui::style::Modifier::REVERSED)
            } else {
                theme.verdict(a.verdict)
            };
            let mut spans = vec![
                item.marker(),
                Span::styled(format!("{:>2}. ", item.pos + 1), base),
                Span::styled(
                    verdict_label(shown)
                        .chars()
                        .next()
                        .unwrap_or(' ')
                        .to_string(),
                    mark.patch(base),
                ),
                Span::styled(" ", base),
            ];
            spans.extend(highlighted_fit(&d.rows[i].title, &[], base, base, room));
            vec![Line::from(spans)]
        });
    if d.candidates.is_empty() {
        frame.render_widget(
            Paragraph::new(Line::styled(
                format!("No candidates at {}.", d.register.as_of),
                theme.muted(),
            )),
            inner,
        );
    }

    if let Some(ed) = &app.policy_editor {
        super::policy_editor::draw(frame, panel_area, ed, theme);
        return;
    }
    let Some(&i) = d.candidates.get(cursor.selected) else {
        let block = Block::bordered().title(" Checklist ");
        let inner = block.inner(panel_area);
        frame.render_widget(block, panel_area);
        frame.render_widget(
            Paragraph::new(
                "No use case is ready or almost ready for fine-tuning. The Portfolio's Verdict \
                 column and each use case's Readiness tab show what is missing.",
            )
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    };
    let entry = app.entry(i);
    let block = Block::bordered().title(Line::styled(
        format!(" {} ", safe(entry.id.as_str())),
        theme.focus(),
    ));
    let inner = block.inner(panel_area);
    frame.render_widget(block, panel_area);
    let mut lines = vec![
        Line::styled(safe(&entry.use_case.title), theme.header()),
        Line::styled(
            format!(
                "{} · {} · {}",
                safe(&entry.use_case.team),
                entry.use_case.stage.name(),
                entry.use_case.risk.name()
            ),
            theme.muted(),
        ),
        Line::from(""),
    ];
    lines.extend(checklist(&d.assessments[i], &d.currency(), theme));
    scrolled(
        frame,
        panel_area,
        inner,
        lines,
        &app.readiness_detail,
        theme,
    );
}
