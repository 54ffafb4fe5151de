//! The help screen, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Clear, Paragraph};

use crate::tui::app::App;
use crate::tui::keymap;
use crate::tui::theme::Theme;
use crate::tui::widgets::centered;

/// Draws the help popup over `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let rect = centered(area, 76, area.height);
    frame.render_widget(Clear, rect);
    let block = Block::bordered().title(Line::styled(
        " Help · j/k scroll · Esc or ? close ",
        theme.focus(),
    ));
    let inner = block.inner(rect);
    frame.render_widget(block, rect);
    let mut lines = Vec::new();
    for (scope, rows) in keymap::help_sections() {
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::styled(scope.title(), theme.header()));
        for (keys, help) in rows {
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<18}"), theme.focus()),
                Span::raw(help),
            ]));
        }
    }
    let max = lines.len().saturating_sub(inner.height as usize);
    let scroll = app.help_scroll.min(max);
    frame.render_widget(Paragraph::new(lines).scroll((scroll as u16, 0)), inner);
}
