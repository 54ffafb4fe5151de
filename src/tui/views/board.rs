//! The board: one column per roadmap stage, a card per use case.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use crate::model::Stage;
use crate::tui::app::App;
use crate::tui::list::SelectableList;
use crate::tui::theme::{Theme, verdict_label};
use crate::tui::widgets::{fit as cut, safe};

/// Draws the board screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let columns = Layout::horizontal([Constraint::Ratio(1, 5); 5]).split(area);
    for (c, stage) in Stage::ALL.iter().enumerate() {
        let items = app.board_items(c);
        let focused = c == app.board_column;
        let title = format!(" {} ({}) ", stage.name(), items.len());
        let block = if focused {
            Block::bordered()
                .border_type(BorderType::Double)
                .border_style(theme.focus())
                .title(Line::styled(title, theme.focus()))
        } else {
            Block::bordered().title(title)
        };
        let inner = block.inner(columns[c]);
        frame.render_widget(block, columns[c]);
        let cursor = app.board[c];
        let rows = inner.height as usize;
        let mut per_page = (rows / 3).max(1);
        // When cards overflow, keep a row for "… n more" below the last
        // whole card rather than writing it over that card's verdict.
        if items.len() > cursor.offset + per_page && per_page * 3 + 1 > rows && per_page > 1 {
            per_page -= 1;
        }
        let width = inner.width.saturating_sub(2) as usize;
        let cards_height = (per_page * 3).min(rows) as u16;
        let [cards, rest] =
            Layout::vertical([Constraint::Length(cards_height), Constraint::Fill(1)]).areas(inner);
        // One selection on the screen: the marker only where the focus is.
        let cursor = SelectableList::new(cursor, items.len())
            .rows_per_item(3)
            .focused(focused)
            .unfitted()
            .draw(frame, cards, theme, |item| {
                let row = &app.data.rows[items[item.pos]];
                // Watch flags lead the second line: they matter more than the team.
                let flags: String = row
                    .flags
                    .iter()
                    .map(|f| format!("!{} ", f.label()))
                    .collect();
                let team_room = width.saturating_sub(flags.chars().count());
                vec![
                    Line::from(vec![
                        item.marker(),
                        Span::styled(cut(&safe(&row.title), width), item.base),
                    ]),
                    Line::from(vec![
                        Span::raw("  "),
                        Span::styled(flags, theme.flag()),
                        Span::styled(cut(&safe(&row.team), team_room), theme.muted()),
                    ]),
                    Line::from(vec![
                        Span::raw("  "),
                        Span::styled(verdict_label(row.verdict), theme.verdict(row.verdict)),
                    ]),
                ]
            });
        if items.is_empty() {
            frame.render_widget(
                Paragraph::new(Line::styled("  (none)", theme.muted())),
                inner,
            );
        } else if cursor.offset + per_page < items.len() {
            let more = items.len() - cursor.offset - per_page;
            frame.render_widget(
                Paragraph::new(Line::styled(format!("  … {more} more"), theme.muted())),
                rest,
            );
        }
    }
}
