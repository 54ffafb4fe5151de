//! The policy editor of the Readiness screen (`w`): the policy's fields
//! beside the candidates; change one and see at once which verdicts flip
//! (through [`crate::whatif`]), then commit with a justification or discard.
//! Its view sits beside the candidates: the policy's fields, the verdict
//! counts before and after, and every flip.

use ratatui::crossterm::event::Event;
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::model::{Policy, canonical};
use crate::report::Summary;
use crate::tui::app::{Cursor, Data, Effect};
use crate::tui::list::SelectableList;
use crate::tui::theme::{Theme, verdict_label};
use crate::tui::widgets::{fit, safe};
use crate::whatif::{self, Flip, Setting};

/// The register under the edited policy.
#[derive(Debug, Clone, PartialEq)]
pub struct Preview {
    /// The edited policy.
    pub policy: Policy,
    /// The fields changed.
    pub settings: Vec<Setting>,
    /// Verdict counts under the policy in force.
    pub before: Summary,
    /// Verdict counts under the edited policy.
    pub after: Summary,
    /// The use cases whose verdict flips, in the register's order.
    pub flips: Vec<Flip>,
}

/// The editor's state.
pub struct PolicyEditor {
    /// The policy in force when the editor opened.
    pub base: Policy,
    /// One field per key of [`whatif::KEYS`]: the key, the text typed, the
    /// value in force.
    pub fields: Vec<(&'static str, Input, String)>,
    /// The focused field.
    pub focus: usize,
    /// Whether the justification prompt is showing.
    pub justifying: bool,
    /// The justification typed.
    pub because: Input,
    /// The preview, or why the values typed do not make a policy.
    pub preview: Result<Preview, String>,
}

impl PolicyEditor {
    /// An editor over the register's policy (its defaults when
    /// `policy.ron` has errors).
    pub fn open(data: &Data) -> PolicyEditor {
        let base = data.register.effective_policy().into_owned();
        let fields = whatif::KEYS
            .iter()
            .map(|(k, _)| {
                let v = whatif::value(&base, k).unwrap_or_default();
                (*k, Input::new(v.clone()), v)
            })
            .collect();
        let mut ed = PolicyEditor {
            base,
            fields,
            focus: 0,
            justifying: false,
            because: Input::default(),
            preview: Err(String::new()),
        };
        ed.recompute(data);
        ed
    }

    /// The `(key, value)` of every field changed from its value in force.
    pub fn sets(&self) -> Vec<(String, String)> {
        self.fields
            .iter()
            .filter(|(_, input, was)| input.value().trim() != was)
            .map(|(k, input, _)| ((*k).to_owned(), input.value().trim().to_owned()))
            .collect()
    }

    /// Evaluates the register under the values typed.
    pub fn recompute(&mut self, data: &Data) {
        self.preview = whatif::changed(&self.base, &self.sets()).map(|(policy, settings)| {
            let (after, flips) = whatif::flips(
                &data.register.use_cases,
                &data.assessments,
                &policy,
                data.register.as_of,
            );
            Preview {
                settings,
                before: data.summary,
                after,
                flips,
                policy,
            }
        });
    }

    /// Whether the use case `id` flips under the values typed.
    pub fn flips(&self, id: &str) -> Option<&Flip> {
        self.preview
            .as_ref()
            .ok()
            .and_then(|p| p.flips.iter().find(|f| f.id == id))
    }

    /// Moves the focus by `delta` fields (wrapping).
    pub fn move_focus(&mut self, delta: isize) {
        let n = self.fields.len() as isize;
        self.focus = (self.focus as isize + delta).rem_euclid(n.max(1)) as usize;
    }

    /// A key typed into the focused field (or the justification).
    pub fn type_into(&mut self, ev: &Event, data: &Data) {
        if self.justifying {
            self.because.handle_event(ev);
            return;
        }
        if let Some((_, input, _)) = self.fields.get_mut(self.focus) {
            let before = input.value().to_owned();
            input.handle_event(ev);
            if input.value() != before {
                self.recompute(data);
            }
        }
    }

    /// Enter: first the justification prompt, then the commit. `Err` says
    /// why nothing happens yet.
    pub fn submit(&mut self, data: &Data) -> Result<Option<Effect>, String> {
        let preview = self.preview.as_ref().map_err(Clone::clone)?;
        if preview.settings.is_empty() {
            return Err("nothing to commit: change a value first".to_owned());
        }
        if let Some(why) = &data.read_only {
            return Err(format!("read-only: {why}"));
        }
        if data.register.policy.is_none() {
            return Err("policy.ron has errors; fix it first (Problems screen)".to_owned());
        }
        if !self.justifying {
            self.justifying = true;
            return Ok(None);
        }
        let because = self.because.value().trim();
        if because.is_empty() {
            return Err("type why the policy changes, then Enter".to_owned());
        }
        let w = whatif::WhatIf {
            settings: preview.settings.clone(),
            as_of: data.register.as_of,
            use_cases: data.register.use_cases.len(),
            before: preview.before,
            after: preview.after,
            flips: Vec::new(),
        };
        Ok(Some(Effect::CommitPolicy {
            base: canonical::policy(&self.base),
            text: canonical::policy(&preview.policy),
            message: w.commit_message(because),
            head: data.repo.head,
        }))
    }
}

/// Draws the editor in `area`.
pub fn draw(frame: &mut Frame<'_>, area: Rect, ed: &PolicyEditor, theme: &Theme) {
    let title = if ed.justifying {
        " What if · why? (Enter commits, Esc goes back) "
    } else {
        " What if · Enter commits, Esc discards "
    };
    let block = Block::bordered().title(Line::styled(title, theme.focus()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let rows = ed.fields.len() as u16;
    let [fields_area, rest] = Layout::vertical([
        Constraint::Length(rows.min(inner.height.saturating_sub(8).max(inner.height / 2))),
        Constraint::Fill(1),
    ])
    .areas(inner);
    // The focused field stays in view when the fields do not all fit; it
    // is marked unless the justification has the focus.
    let width = usize::from(fields_area.width);
    let focus = Cursor {
        selected: ed.focus,
        offset: 0,
    };
    SelectableList::new(focus, ed.fields.len())
        .focused(!ed.justifying)
        .unfitted()
        .draw(frame, fields_area, theme, |item| {
            let (key, input, was) = &ed.fields[item.pos];
            let changed = input.value().trim() != was;
            let value = if changed {
                format!("{} (was {})", input.value(), was)
            } else {
                input.value().to_owned()
            };
            let style = if changed {
                item.base.patch(theme.focus()).add_modifier(Modifier::BOLD)
            } else {
                item.base
            };
            vec![Line::from(vec![
                item.marker(),
                Span::styled(format!("{key:<36} "), item.base),
                Span::styled(fit(&safe(&value), width.saturating_sub(40)), style),
            ])]
        });

    let mut lines = vec![Line::from("")];
    if ed.justifying {
        lines.push(Line::from(vec![
            Span::styled("Why: ", theme.header()),
            Span::raw(safe(ed.because.value())),
            Span::styled("█", theme.focus()),
        ]));
        lines.push(Line::from(""));
    }
    match &ed.preview {
        Err(msg) => lines.push(Line::styled(safe(msg), theme.flag())),
        Ok(p) => {
            let (b, a) = (&p.before, &p.after);
            let count = |name: &str, x: usize, y: usize| {
                let style = if x == y {
                    theme.muted()
                } else {
                    theme.focus().add_modifier(Modifier::BOLD)
                };
                Span::styled(format!("{name} {x} -> {y}   "), style)
            };
            lines.push(Line::from(vec![
                Span::styled(format!("{} flip(s)   ", p.flips.len()), theme.header()),
                count("ready", b.ready, a.ready),
                count("almost", b.almost, a.almost),
                count("not-yet", b.not_yet, a.not_yet),
            ]));
            for f in &p.flips {
                let moved: Vec<String> = f
                    .criteria
                    .iter()
                    .map(|c| format!("{} {}->{}", c.name, c.before.label(), c.after.label()))
                    .collect();
                lines.push(Line::from(vec![
                    Span::styled(verdict_label(f.before), theme.verdict(f.before)),
                    Span::raw(" -> "),
                    Span::styled(
                        verdict_label(f.after),
                        theme.verdict(f.after).add_modifier(Modifier::BOLD),
                    ),
                    Span::raw(format!("  {}", safe(&f.id))),
                    Span::styled(format!("  {}", moved.join(", ")), theme.muted()),
                ]));
            }
        }
    }
    frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), rest);
}
