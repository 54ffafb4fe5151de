//! The review screen: HEAD against a quarterly review tag, or (`a`) the
//! review's agenda with the decisions made so far; `s`, `d` and `p`
//! start the review, decide and approve on the agenda.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Wrap};

use super::{Component, Ctx, View, is_movement, step_of};
use crate::git::review::ReviewTag;
use crate::ops::meeting::AgendaView;
use crate::report::quarterly::QuarterlyReport;
use crate::tui::app::{Cursor, Data, Dialog, Effect, Level, Load, ReviewStep, Scroll};
use crate::tui::keymap::{Action, Scope};
use crate::tui::list::{Item, SelectableList};
use crate::tui::widgets::{safe, scrolled};

/// The Review screen's content, loaded on demand.
#[derive(Debug, Default)]
pub struct Review {
    /// Whether the review tags were loaded (since the last reload).
    pub loaded: bool,
    /// Review tags, newest first.
    pub tags: Vec<ReviewTag>,
    /// Why there are no tags, if loading failed.
    pub error: Option<String>,
    /// The selected tag: the report compares HEAD with it.
    pub cursor: Cursor,
    /// The tag the report below is for.
    pub report_for: Option<String>,
    /// The report, or why it could not be built.
    pub report: Option<Result<QuarterlyReport, String>>,
    /// The report pane's position.
    pub scroll: Scroll,
    /// Whether the main pane shows the agenda instead of the report.
    pub agenda_shown: bool,
    /// The agenda, or why it could not be built.
    pub agenda: Option<Result<Box<AgendaView>, String>>,
    /// The selected agenda item.
    pub agenda_cursor: Cursor,
    /// The agenda item the chair of the open review looks at, as last
    /// heard (sessions of `ripen serve`).
    pub chair_on: Option<String>,
}

impl Review {
    /// Stores the loaded review tags (or why they could not be loaded).
    pub fn tags_loaded(&mut self, result: Result<Vec<ReviewTag>, String>, page: usize) {
        let (tags, error) = match result {
            Ok(t) => (t, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let len = tags.len();
        self.loaded = true;
        self.tags = tags;
        self.error = error;
        self.cursor.follow(len, page);
    }

    /// Selects agenda item `item`, if the agenda has it; whether it does.
    pub fn select_item(&mut self, item: &str, page: usize) -> bool {
        let Some(Ok(view)) = &self.agenda else {
            return false;
        };
        let Some(at) = view.agenda.items.iter().position(|i| i.item == item) else {
            return false;
        };
        self.agenda_cursor.selected = at;
        let len = view.agenda.items.len();
        self.agenda_cursor.follow(len, page);
        true
    }

    /// `s`, `d` and `p`: they act on the agenda.
    fn act(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        if let Some(why) = &ctx.data.read_only {
            let msg = format!("editing is off: {why}");
            ctx.flash(Level::Error, msg);
            return Vec::new();
        }
        if !self.agenda_shown {
            ctx.flash(Level::Error, "press a to show the agenda first");
            return Vec::new();
        }
        let Some(Ok(view)) = &self.agenda else {
            return Vec::new();
        };
        if action == Action::ReviewStart {
            if let Some(q) = &view.open {
                let msg = format!("review {q} is open already");
                ctx.flash(Level::Error, msg);
                return Vec::new();
            }
            let fiscal = 1;
            let (year, q) = crate::report::fiscal_quarter(view.agenda.as_of, fiscal);
            return vec![Effect::Review(ReviewStep::Start(format!("{year:04}-Q{q}")))];
        }
        if view.open.is_none() {
            ctx.flash(Level::Error, "no review is open: press s to start one");
            return Vec::new();
        }
        let Some(item) = view.agenda.items.get(self.agenda_cursor.selected) else {
            return Vec::new();
        };
        use crate::model::review::{DecisionKind, ItemKind};
        let decision = (action == Action::ReviewDecide).then_some(match item.kind {
            ItemKind::Ready => DecisionKind::Advance,
            ItemKind::Proposal => DecisionKind::Accept,
            _ => DecisionKind::Hold,
        });
        ctx.dialog = Some(Dialog::Review {
            item: item.item.clone(),
            decision,
            because: tui_input::Input::default(),
            error: None,
        });
        Vec::new()
    }
}

impl Component for Review {
    fn scopes(&self) -> Vec<Scope> {
        vec![Scope::Review, Scope::List, Scope::Global]
    }

    fn follow(&mut self, _data: &Data, page: usize) {
        // Only over what is loaded: a list loading again keeps its place.
        if self.loaded {
            self.cursor.follow(self.tags.len(), page);
        }
        if let Some(Ok(v)) = &self.agenda {
            self.agenda_cursor.follow(v.agenda.items.len(), page);
        }
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        match action {
            Action::PageUp | Action::PageDown => {
                self.scroll.apply(action, ctx.page);
            }
            a if is_movement(a) && self.agenda_shown => {
                let len = match &self.agenda {
                    Some(Ok(v)) => v.agenda.items.len(),
                    _ => 0,
                };
                self.agenda_cursor.step(step_of(a, ctx.page), len, ctx.page);
            }
            a if is_movement(a) => {
                let before = self.cursor.selected;
                self.cursor
                    .step(step_of(a, ctx.page), self.tags.len(), ctx.page);
                if self.cursor.selected != before {
                    self.scroll = Scroll::default();
                }
            }
            Action::ToggleAgenda => {
                self.agenda_shown = !self.agenda_shown;
                self.scroll = Scroll::default();
            }
            Action::ReviewStart | Action::ReviewDecide | Action::ReviewApprove => {
                return self.act(action, ctx);
            }
            _ => {}
        }
        Vec::new()
    }

    fn reloaded(&mut self, _before: &Data, _now: &Data, _page: usize) {
        // New commits may have landed: tags, report and agenda load again
        // on demand, keeping the selections.
        self.loaded = false;
        self.report_for = None;
        self.agenda = None;
    }

    fn pending_load(&self, _data: &Data) -> Option<Load> {
        if self.agenda_shown {
            return self.agenda.is_none().then_some(Load::Agenda);
        }
        if !self.loaded {
            return Some(Load::ReviewTags);
        }
        let tag = self.tags.get(self.cursor.selected)?;
        (self.report_for.as_deref() != Some(tag.name.as_str()))
            .then(|| Load::Report(tag.name.clone()))
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
        draw(self, frame, area, view);
    }
}

/// Draws the review screen.
fn draw(r: &Review, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    if r.agenda_shown {
        draw_agenda(r, frame, area, view);
        return;
    }
    let [list_area, main] =
        Layout::horizontal([Constraint::Length(23), Constraint::Fill(1)]).areas(area);
    let block = Block::bordered().title(Line::styled(" Reviews ", theme.focus()));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    if !r.loaded {
        frame.render_widget(Paragraph::new("Loading…").style(theme.muted()), inner);
        return;
    }
    SelectableList::new(r.cursor, r.tags.len()).draw(frame, inner, theme, |item| {
        let t = &r.tags[item.pos];
        vec![Line::from(vec![
            item.marker(),
            Span::styled(
                safe(t.name.strip_prefix("review/").unwrap_or(&t.name)),
                item.base,
            ),
            Span::styled(format!(" {}", t.time.format("%Y-%m-%d")), theme.muted()),
        ])]
    });

    let block = Block::bordered().title(Line::styled(
        match r.tags.get(r.cursor.selected) {
            Some(t) => format!(" now against {} ", safe(&t.name)),
            None => " review ".to_owned(),
        },
        theme.focus(),
    ));
    let inner = block.inner(main);
    frame.render_widget(block, main);
    let message = match (&r.error, r.tags.is_empty(), &r.report) {
        (Some(e), _, _) => Some(format!("No reviews: {}", safe(e))),
        (None, true, _) => Some(
            "No review yet. Close one with `ripen review close YYYY-Qn`: it tags HEAD, and this \
             screen then compares the register with it."
                .to_owned(),
        ),
        (None, false, None) => Some("Building the report…".to_owned()),
        (None, false, Some(Err(e))) => Some(format!("No report: {}", safe(e))),
        (None, false, Some(Ok(_))) => None,
    };
    if let Some(msg) = message {
        frame.render_widget(
            Paragraph::new(msg)
                .style(theme.muted())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let Some(Ok(report)) = &r.report else {
        return;
    };
    let k = &report.key_numbers;
    let mut text = vec![
        Line::from(format!(
            "use cases {} → {} · {} new · {} retired · {} forward · {} back",
            k.use_cases_then, k.use_cases_now, k.added, k.retired, k.forward, k.back
        )),
        Line::from(format!(
            "ready {} → {} · almost {} → {} · {} verdicts changed",
            k.ready_then, k.ready_now, k.almost_then, k.almost_now, k.verdicts_changed
        )),
        Line::from(format!(
            "{} stale · {} regressions · {} policy changes",
            k.stale, k.regressions, k.policy_changes
        )),
        Line::from(format!(
            "ROI recorded: {} measured, {} estimated",
            crate::report::money(&report.currency, k.roi_measured),
            crate::report::money(&report.currency, k.roi_estimated),
        )),
        Line::from(""),
        Line::styled("Stage movements", theme.header()),
    ];
    let flagged: Vec<String> = report
        .stage_changes
        .iter()
        .filter(|c| c.flagged())
        .map(|c| safe(&c.id))
        .collect();
    if !flagged.is_empty() {
        // Above the blank line and the movements' header.
        let at = text.len() - 2;
        text.insert(
            at,
            Line::styled(
                format!(
                    "⚠ into FineTune with an override or unready: {}",
                    flagged.join(", ")
                ),
                theme.severity(crate::register::Severity::Warning),
            ),
        );
    }
    if report.movements.is_empty() {
        text.push(Line::styled("  no stage moved", theme.muted()));
    }
    for m in &report.movements {
        text.push(Line::from(format!(
            "  {:<8} → {:<8} {:>5}",
            m.from.name(),
            m.to.name(),
            m.count
        )));
    }
    // The text scrolls (PgUp/PgDn) above the chart; its bottom rule
    // carries the position when it is longer than its room.
    let chart_height = (inner.height / 2).min(10);
    let [text_area, bars_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(chart_height)]).areas(inner);
    let rule = Block::new().borders(ratatui::widgets::Borders::BOTTOM);
    let text_inner = rule.inner(text_area);
    frame.render_widget(rule, text_area);
    scrolled(frame, text_area, text_inner, text, &r.scroll, theme);

    let groups: Vec<BarGroup<'_>> = report
        .by_stage
        .iter()
        .map(|c| {
            let short = &c.key.name()[..3];
            BarGroup::default()
                .label(Line::from(short.to_owned()))
                .bars(&[
                    Bar::default()
                        .value(c.then as u64)
                        .text_value(format!("{}", c.then))
                        .style(theme.muted()),
                    Bar::default()
                        .value(c.now as u64)
                        .text_value(format!("{}", c.now))
                        .style(theme.focus()),
                ])
        })
        .collect();
    let mut chart = BarChart::default()
        .block(Block::bordered().title(" by stage: left then, right now "))
        .bar_width(2)
        .bar_gap(0)
        .group_gap(1);
    for g in groups {
        chart = chart.data(g);
    }
    frame.render_widget(chart, bars_area);
}

/// The agenda: each group's items with where they stand in the open
/// review, then the last review's action items.
fn draw_agenda(r: &Review, frame: &mut Frame<'_>, area: Rect, v: &View<'_>) {
    use crate::model::review::ItemKind;
    let theme = v.theme;
    let view = match &r.agenda {
        Some(Ok(v)) => v,
        other => {
            let block = Block::bordered().title(Line::styled(" agenda ", theme.focus()));
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let msg = match other {
                Some(Err(e)) => format!("No agenda: {}", safe(e)),
                _ => "Building the agenda…".to_owned(),
            };
            frame.render_widget(
                Paragraph::new(msg)
                    .style(theme.muted())
                    .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
    };
    let chair = match (&view.chair, &r.chair_on, v.who.is_some()) {
        (Some(c), Some(on), true) => format!(
            " · chair {} on {}{}",
            safe(&c.name),
            safe(on),
            if v.following { " (following)" } else { "" }
        ),
        _ => String::new(),
    };
    let title = match &view.open {
        Some(q) => format!(
            " review {q} (open) · agenda as of {}{chair} ",
            view.agenda.as_of
        ),
        None => format!(" agenda as of {} (no review open) ", view.agenda.as_of),
    };
    let block = Block::bordered().title(Line::styled(title, theme.focus()));
    let inner = block.inner(area);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if view.open.is_none() {
        lines.push(Line::styled(
            "Start the review with `ripen review start YYYY-Qn`; decide with `ripen review decide`.",
            theme.muted(),
        ));
    }
    for kind in ItemKind::ALL {
        let heading = kind.heading();
        let items: Vec<(usize, &crate::agenda::Item)> = view
            .agenda
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == kind)
            .collect();
        if items.is_empty() {
            continue;
        }
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!("{heading} ({})", items.len()),
            theme.header(),
        ));
        for (n, i) in items {
            let item = Item::new(n, n == r.agenda_cursor.selected, theme);
            let mut spans = vec![
                item.marker(),
                Span::styled(format!("{}  ", safe(&i.item)), item.base),
                Span::styled(safe(&i.note), theme.muted()),
            ];
            if view.open.is_some() {
                spans.push(Span::styled(
                    format!("  [{}]", safe(&view.state_of(&i.item))),
                    theme.focus(),
                ));
            }
            lines.push(Line::from(spans));
        }
    }
    if view.agenda.items.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled("Nothing to decide.", theme.muted()));
    }
    if !view.agenda.actions.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!(
                "Action items of the last review ({})",
                view.agenda.actions.len()
            ),
            theme.header(),
        ));
        for a in &view.agenda.actions {
            lines.push(Line::from(format!("  {}", a.line())));
        }
    }
    frame.render_widget(block, area);
    scrolled(frame, area, inner, lines, &r.scroll, theme);
}
