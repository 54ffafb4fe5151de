//! The board: one column per roadmap stage, a card per use case; h/l
//! move between the columns, each keeps its own selection.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Paragraph};

use super::{Component, Ctx, View, find, is_movement, step_of};
use crate::model::Stage;
use crate::tui::app::{Cursor, Data, Effect};
use crate::tui::keymap::{Action, Scope};
use crate::tui::list::SelectableList;
use crate::tui::theme::verdict_label;
use crate::tui::widgets::{fit as cut, safe};

/// The Board screen's state.
#[derive(Debug, Default)]
pub struct Board {
    /// The current column (stage index).
    pub column: usize,
    /// The selection in each column.
    pub cursors: [Cursor; 5],
}

/// The register indices in board column `column`, sorted by title.
pub fn items(data: &Data, column: usize) -> Vec<usize> {
    let stage = Stage::ALL[column.min(4)];
    let mut v: Vec<usize> = (0..data.rows.len())
        .filter(|&i| data.rows[i].stage == stage)
        .collect();
    v.sort_by(|&a, &b| {
        data.rows[a]
            .title
            .to_lowercase()
            .cmp(&data.rows[b].title.to_lowercase())
    });
    v
}

/// Cards take three rows each: the selection follows in a third of a page.
fn cards(page: usize) -> usize {
    (page / 3).max(1)
}

impl Board {
    /// Selects use case `i` in its stage's column, which gets the focus.
    pub fn select(&mut self, data: &Data, i: usize) {
        let c = Stage::ALL
            .iter()
            .position(|s| *s == data.rows[i].stage)
            .unwrap_or(0);
        if let Some(pos) = items(data, c).iter().position(|&b| b == i) {
            self.column = c;
            self.cursors[c].selected = pos;
        }
    }
}

impl Component for Board {
    fn scopes(&self) -> Vec<Scope> {
        vec![
            Scope::Board,
            Scope::Selected,
            Scope::Open,
            Scope::List,
            Scope::Global,
        ]
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        match action {
            Action::Left => self.column = (self.column + 4) % 5,
            Action::Right => self.column = (self.column + 1) % 5,
            a if is_movement(a) => {
                let len = items(ctx.data, self.column).len();
                self.cursors[self.column].step(step_of(a, ctx.page), len, cards(ctx.page));
            }
            Action::Open => {
                if let Some(i) = self.selected(ctx.data) {
                    ctx.go = Some(super::Go::Detail(i));
                }
            }
            _ => {}
        }
        Vec::new()
    }

    fn selected(&self, data: &Data) -> Option<usize> {
        items(data, self.column)
            .get(self.cursors[self.column].selected)
            .copied()
    }

    fn follow(&mut self, data: &Data, page: usize) {
        for c in 0..5 {
            let len = items(data, c).len();
            self.cursors[c].follow(len, cards(page));
        }
    }

    fn reloaded(&mut self, before: &Data, now: &Data, _page: usize) {
        let ids: Vec<_> = (0..5)
            .map(|c| {
                items(before, c)
                    .get(self.cursors[c].selected)
                    .map(|&i| before.register.use_cases[i].id.clone())
            })
            .collect();
        let focus = ids[self.column.min(4)].clone();
        for (c, id) in ids.into_iter().enumerate() {
            if let Some(i) = id.and_then(|id| find(now, &id))
                && let Some(pos) = items(now, c).iter().position(|&b| b == i)
            {
                self.cursors[c].selected = pos;
            }
        }
        // A use case moved to another stage takes the board's focus with
        // it: the card the user acted on stays the selected one.
        if let Some(i) = focus.and_then(|id| find(now, &id)) {
            self.select(now, i);
        }
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
        draw(self, frame, area, view);
    }
}

/// Draws the board screen.
fn draw(board: &Board, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let columns = Layout::horizontal([Constraint::Ratio(1, 5); 5]).split(area);
    for (c, stage) in Stage::ALL.iter().enumerate() {
        let items = items(view.data, c);
        let focused = c == board.column;
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
        let cursor = board.cursors[c];
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
                let row = &view.data.rows[items[item.pos]];
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
