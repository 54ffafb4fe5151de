//! The problems screen: every diagnostic of the register; Enter opens
//! the selected one's file at its line in the editor.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph};

use super::{Component, Ctx, View, is_movement, step_of};
use crate::register::Severity;
use crate::tui::app::{Cursor, Data, Effect, Level, Scroll};
use crate::tui::keymap::{Action, Scope};
use crate::tui::list::SelectableList;
use crate::tui::widgets::{count, safe, scrolled};

/// The Problems screen's state.
#[derive(Debug, Default)]
pub struct Problems {
    /// The selected problem.
    pub cursor: Cursor,
    /// The selected problem's message pane (PgUp/PgDn).
    pub detail: Scroll,
}

impl Problems {
    /// Enter: the selected problem's file, in the editor, at its line.
    fn open(&self, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        if ctx.refused(crate::access::Act::ChangeUseCase) {
            return Vec::new();
        }
        let reg = &ctx.data.register;
        let Some(d) = reg.diagnostics.get(self.cursor.selected) else {
            return Vec::new();
        };
        match reg.rel_of(&d.file) {
            Some(rel) => vec![Effect::EditAt {
                rel: rel.to_owned(),
                line: d.line,
            }],
            None => {
                let msg = format!(
                    "{} is outside the state directory",
                    crate::text::sanitize(&d.file)
                );
                ctx.flash(Level::Error, msg);
                Vec::new()
            }
        }
    }
}

impl Component for Problems {
    fn scopes(&self) -> Vec<Scope> {
        vec![Scope::Problems, Scope::List, Scope::Global]
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        match action {
            Action::PageUp | Action::PageDown => {
                self.detail.apply(action, ctx.page);
            }
            a if is_movement(a) => {
                let len = ctx.data.register.diagnostics.len();
                let before = self.cursor.selected;
                self.cursor.step(step_of(a, ctx.page), len, ctx.page);
                if self.cursor.selected != before {
                    self.detail = Scroll::default();
                }
            }
            Action::Open => return self.open(ctx),
            _ => {}
        }
        Vec::new()
    }

    fn follow(&mut self, data: &Data, page: usize) {
        self.cursor.follow(data.register.diagnostics.len(), page);
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
        draw(self, frame, area, view);
    }
}

/// Draws the problems screen.
fn draw(p: &Problems, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let reg = &view.data.register;
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
    let selected = reg.diagnostics.get(p.cursor.selected);
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
        scrolled(frame, area, full, full_lines(d), &p.detail, theme);
    }
    // The list is shorter than a page (the problem in full takes rows):
    // the list follows the selection with the real height.
    SelectableList::new(p.cursor, reg.diagnostics.len()).draw(frame, inner, theme, |item| {
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
