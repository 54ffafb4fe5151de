//! The help screen, generated from the keymap.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use crate::tui::app::App;
use crate::tui::keymap;
use crate::tui::theme::Theme;
use crate::tui::widgets::{popup, scrolled};

/// Draws the help popup over `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    // The whole body: a narrower popup would let the screen behind show.
    let rect = popup(frame, area, area.width, area.height);
    let block = Block::bordered().title(Line::styled(
        " Help · j/k PgUp/PgDn g/G scroll · Esc or ? close ",
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
    scrolled(frame, rect, inner, lines, &app.help_scroll, theme);
}
