//! The problems screen: every diagnostic of the register.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use crate::register::Severity;
use crate::tui::app::App;
use crate::tui::list::SelectableList;
use crate::tui::theme::Theme;
use crate::tui::widgets::{count, safe, scrolled};

/// Draws the problems screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let reg = &app.data.register;
    let block = Block::bordered().title(Line::styled(
        format!(
            " Problems · {} · {} ",
            count(reg.errors(), "error", "errors"),
            count(reg.warnings(), "warning", "warnings")
        ),
        theme.focus(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if reg.diagnostics.is_empty() {
        frame.render_widget(
            Paragraph::new("No problems: every file loaded cleanly.").style(theme.muted()),
            inner,
        );
        return;
    }
    // The selected problem in full below the list: messages say what to do,
    // and a list row cuts them at the screen's edge. The pane is as tall
    // as the message needs (up to half the screen), and scrolls beyond.
    let full_lines = |d: &crate::register::Diagnostic| {
        vec![
            Line::styled("─".repeat(inner.width as usize), theme.muted()),
            Line::from(safe(&d.to_string())),
        ]
    };
    let selected = reg.diagnostics.get(app.problems.selected);
    let need = selected.map_or(1, |d| {
        Paragraph::new(full_lines(d))
            .wrap(ratatui::widgets::Wrap { trim: false })
            .line_count(inner.width)
    });
    let height = (need as u16).clamp(4, (inner.height / 2).max(4));
    let [inner, full] = ratatui::layout::Layout::vertical([
        ratatui::layout::Constraint::Fill(1),
        ratatui::layout::Constraint::Length(height),
    ])
    .areas(inner);
    if let Some(d) = selected {
        scrolled(
            frame,
            area,
            full,
            full_lines(d),
            &app.problems_detail,
            theme,
        );
    }
    // The list is shorter than a page (the problem in full takes rows):
    // the list follows the selection with the real height.
    SelectableList::new(app.problems, reg.diagnostics.len()).draw(frame, inner, theme, |item| {
        let d = &reg.diagnostics[item.pos];
        let mark = match d.severity {
            Severity::Error => "✗ error",
            Severity::Warning => "! warning",
        };
        vec![Line::from(vec![
            item.marker(),
            Span::styled(mark, theme.severity(d.severity).patch(item.base)),
            Span::styled(
                format!(
                    " {}:{}:{}: {}",
                    safe(&d.file),
                    d.line,
                    d.column,
                    safe(&d.message)
                ),
                item.base,
            ),
        ])]
    });
}
