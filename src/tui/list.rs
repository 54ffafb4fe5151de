//! The one selectable list every screen draws its lists with.
//!
//! The state side is [`Cursor`] (the update moves it a page at a time);
//! the drawing side is [`SelectableList`]: given the area, the cursor, the
//! item count, the rows each item takes and a closure that renders one
//! [`Item`], it keeps the selection in sight with the real height (the
//! page the update knew may be taller than the room left), and draws the
//! window of items from the cursor's offset.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::Cursor;
use super::theme::Theme;
use super::widgets::fit_line;

/// One item of a list as its closure renders it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Item {
    /// The item's position in the list.
    pub pos: usize,
    /// Whether it is the selected item (and the list has the focus).
    pub selected: bool,
    /// The style its selection gives it: [`Theme::selected`] or none.
    pub base: Style,
}

impl Item {
    /// Item `pos`, selected or not.
    pub fn new(pos: usize, selected: bool, theme: &Theme) -> Item {
        let base = if selected {
            theme.selected()
        } else {
            Style::new()
        };
        Item {
            pos,
            selected,
            base,
        }
    }

    /// The selection marker that leads the item's first row: `▶ ` or two
    /// spaces, in the base style.
    pub fn marker(&self) -> Span<'static> {
        Span::styled(if self.selected { "▶ " } else { "  " }, self.base)
    }
}

/// A list of `len` items drawn from a [`Cursor`], each item a fixed number
/// of rows.
#[derive(Debug, Clone, Copy)]
pub struct SelectableList {
    cursor: Cursor,
    len: usize,
    rows_per_item: usize,
    focused: bool,
    fit: bool,
}

impl SelectableList {
    /// A list of `len` one-row items, focused, whose rows are cut to the
    /// width with an ellipsis.
    pub fn new(cursor: Cursor, len: usize) -> SelectableList {
        SelectableList {
            cursor,
            len,
            rows_per_item: 1,
            focused: true,
            fit: true,
        }
    }

    /// Each item takes `rows` rows (at least one).
    pub fn rows_per_item(mut self, rows: usize) -> SelectableList {
        self.rows_per_item = rows.max(1);
        self
    }

    /// Whether the list has the focus: only a focused list marks its
    /// selection (one selection on the screen).
    pub fn focused(mut self, focused: bool) -> SelectableList {
        self.focused = focused;
        self
    }

    /// Leaves rows as the closure cut them (the area's edge clips the
    /// rest) instead of cutting them to the width with an ellipsis.
    pub fn unfitted(mut self) -> SelectableList {
        self.fit = false;
        self
    }

    /// Draws the window of items that fits `area` (a last item may show
    /// in part), with `render` giving each item's rows; returns the cursor
    /// as drawn, its selection in sight.
    pub fn draw(
        self,
        frame: &mut Frame<'_>,
        area: Rect,
        theme: &Theme,
        mut render: impl FnMut(Item) -> Vec<Line<'static>>,
    ) -> Cursor {
        let rows = usize::from(area.height);
        let mut cursor = self.cursor;
        cursor.reveal(self.len, rows / self.rows_per_item);
        let width = usize::from(area.width);
        let mut lines = Vec::new();
        for pos in (cursor.offset..self.len).take(rows.div_ceil(self.rows_per_item)) {
            let selected = self.focused && pos == cursor.selected;
            let item = render(Item::new(pos, selected, theme));
            if self.fit {
                lines.extend(item.into_iter().map(|l| fit_line(l, width)));
            } else {
                lines.extend(item);
            }
        }
        frame.render_widget(Paragraph::new(lines), area);
        cursor
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// The rows a list of `len` items draws in a `height`-row area from
    /// `cursor`, each item `rows` rows, and the cursor as drawn.
    fn drawn(cursor: Cursor, len: usize, rows: usize, height: u16) -> (Vec<String>, Cursor) {
        let mut terminal = Terminal::new(TestBackend::new(12, height)).unwrap();
        let mut out = Cursor::default();
        terminal
            .draw(|f| {
                out = SelectableList::new(cursor, len).rows_per_item(rows).draw(
                    f,
                    f.area(),
                    &Theme::new(true),
                    |item| {
                        (0..rows)
                            .map(|r| {
                                let lead = if r == 0 { item.marker() } else { "  ".into() };
                                Line::from(vec![lead, format!("{}.{r}", item.pos).into()])
                            })
                            .collect()
                    },
                )
            })
            .unwrap();
        let buf = terminal.backend().buffer();
        let lines = (0..height)
            .map(|y| {
                (0..12)
                    .map(|x| buf[(x, y)].symbol())
                    .collect::<String>()
                    .trim_end()
                    .to_owned()
            })
            .collect();
        (lines, out)
    }

    #[test]
    fn a_selection_below_the_room_left_scrolls_into_sight() {
        // The update followed with a page of 8; the list got 3 rows.
        let cursor = Cursor {
            selected: 6,
            offset: 0,
        };
        let (lines, at) = drawn(cursor, 10, 1, 3);
        assert_eq!(lines, ["  4.0", "  5.0", "▶ 6.0"]);
        assert_eq!(at.offset, 4);
    }

    #[test]
    fn a_visible_selection_keeps_the_window_where_it_was() {
        let cursor = Cursor {
            selected: 3,
            offset: 2,
        };
        let (lines, at) = drawn(cursor, 10, 1, 4);
        assert_eq!(lines, ["  2.0", "▶ 3.0", "  4.0", "  5.0"]);
        assert_eq!(at, cursor);
    }

    #[test]
    fn items_of_several_rows_show_the_last_in_part() {
        let (lines, _) = drawn(Cursor::default(), 5, 2, 5);
        assert_eq!(lines, ["▶ 0.0", "  0.1", "  1.0", "  1.1", "  2.0"]);
    }

    #[test]
    fn an_empty_list_draws_nothing_and_resets_the_cursor() {
        let cursor = Cursor {
            selected: 4,
            offset: 2,
        };
        let (lines, at) = drawn(cursor, 0, 1, 2);
        assert_eq!(lines, ["", ""]);
        assert_eq!(at, Cursor::default());
    }
}
