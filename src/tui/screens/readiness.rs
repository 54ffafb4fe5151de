//! The readiness screen: ranked candidates and the checklist of the
//! selected one, or (`w`) the policy editor beside them.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::policy_editor::PolicyEditor;
use super::{Component, Ctx, Go, View, find, is_movement, step_of};
use crate::tui::app::{Cursor, Data, Effect, Level, Scroll};
use crate::tui::keymap::{Action, Scope};
use crate::tui::list::SelectableList;
use crate::tui::theme::verdict_label;
use crate::tui::widgets::{checklist, highlighted_fit, safe, scrolled};

/// The Readiness screen's state.
#[derive(Default)]
pub struct Readiness {
    /// The selected candidate.
    pub cursor: Cursor,
    /// The checklist pane (PgUp/PgDn).
    pub detail: Scroll,
    /// The policy editor, while open (`w`).
    pub editor: Option<PolicyEditor>,
}

impl Readiness {
    /// Keys while the policy editor is open.
    fn update_editor(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        let Some(ed) = &mut self.editor else {
            return Vec::new();
        };
        match action {
            Action::Back if ed.justifying => ed.justifying = false,
            Action::Back => {
                self.editor = None;
                ctx.flash(Level::Info, "policy changes discarded");
            }
            Action::Up | Action::PrevField if !ed.justifying => ed.move_focus(-1),
            Action::Down | Action::NextField if !ed.justifying => ed.move_focus(1),
            Action::Submit => match ed.submit(ctx.data) {
                Ok(Some(effect)) => return vec![effect],
                Ok(None) => {}
                Err(msg) => ctx.flash(Level::Error, msg),
            },
            _ => {}
        }
        Vec::new()
    }
}

impl Component for Readiness {
    fn scopes(&self) -> Vec<Scope> {
        if self.editor.is_some() {
            return vec![Scope::PolicyEditor];
        }
        vec![
            Scope::Readiness,
            Scope::Selected,
            Scope::Open,
            Scope::List,
            Scope::Global,
        ]
    }

    fn captures(&self) -> bool {
        self.editor.is_some()
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        if self.editor.is_some() {
            return self.update_editor(action, ctx);
        }
        match action {
            Action::PageUp | Action::PageDown => {
                self.detail.apply(action, ctx.page);
            }
            a if is_movement(a) => {
                let before = self.cursor.selected;
                let len = ctx.data.candidates.len();
                self.cursor.step(step_of(a, ctx.page), len, ctx.page);
                if self.cursor.selected != before {
                    self.detail = Scroll::default();
                }
            }
            Action::Open => {
                if let Some(i) = self.selected(ctx.data) {
                    ctx.go = Some(Go::Detail(i));
                }
            }
            Action::WhatIf => self.editor = Some(PolicyEditor::open(ctx.data)),
            _ => {}
        }
        Vec::new()
    }

    fn type_into(&mut self, ev: &ratatui::crossterm::event::Event, ctx: &mut Ctx<'_>) {
        if let Some(ed) = &mut self.editor {
            ed.type_into(ev, ctx.data);
        }
    }

    fn selected(&self, data: &Data) -> Option<usize> {
        data.candidates.get(self.cursor.selected).copied()
    }

    fn follow(&mut self, data: &Data, page: usize) {
        self.cursor.follow(data.candidates.len(), page);
    }

    fn reloaded(&mut self, before: &Data, now: &Data, _page: usize) {
        let id = self
            .selected(before)
            .map(|i| before.register.use_cases[i].id.clone());
        if let Some(i) = id.and_then(|id| find(now, &id))
            && let Some(pos) = now.candidates.iter().position(|&c| c == i)
        {
            self.cursor.selected = pos;
        }
        if let Some(ed) = &mut self.editor {
            ed.recompute(now);
        }
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
        draw(self, frame, area, view);
    }
}

/// Draws the readiness screen.
fn draw(r: &Readiness, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let [list_area, panel_area] =
        Layout::horizontal([Constraint::Length(30), Constraint::Fill(1)]).areas(area);
    let d = view.data;
    let block = Block::bordered().title(Line::styled(
        format!(" {} ready · {} almost ", d.summary.ready, d.summary.almost),
        theme.focus(),
    ));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    let room = (inner.width as usize).saturating_sub(8);
    let cursor = SelectableList::new(r.cursor, d.candidates.len())
        .unfitted()
        .draw(frame, inner, theme, |item| {
            let i = d.candidates[item.pos];
            let base = item.base;
            let a = &d.assessments[i];
            // Under the policy being edited, a candidate whose verdict flips
            // shows its new verdict's initial, highlighted.
            let flip = r
                .editor
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

    if let Some(ed) = &r.editor {
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
    let entry = &d.register.use_cases[i];
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
    scrolled(frame, panel_area, inner, lines, &r.detail, theme);
}
