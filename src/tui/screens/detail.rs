//! The detail screen: one use case, in tabs (h/l); the History tab
//! lists the commits that changed its file, loaded on demand.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::symbols::Marker;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Axis, Block, Chart, Dataset, GraphType, Paragraph, Tabs, Wrap};

use super::{Component, Ctx, Go, View, find, is_movement, step_of};
use crate::git::history::HistoryEntry;
use crate::model::{UseCase, canonical};
use crate::readiness;
use crate::register::Entry;
use crate::report;
use crate::tui::app::{Cursor, Data, Effect, Load, Screen, Scroll};
use crate::tui::keymap::{Action, Scope};
use crate::tui::list::SelectableList;
use crate::tui::theme::{Theme, verdict_label};
use crate::tui::widgets::{change_parts, checklist, fit_line, safe, scrolled};

/// The tabs of the detail screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tab {
    /// Every field.
    Overview,
    /// Charts of the measurements.
    Metrics,
    /// ROI evidence and totals.
    Roi,
    /// The readiness checklist.
    Readiness,
    /// The file's git history.
    History,
}

impl Tab {
    /// All tabs in order.
    pub const ALL: [Tab; 5] = [
        Tab::Overview,
        Tab::Metrics,
        Tab::Roi,
        Tab::Readiness,
        Tab::History,
    ];

    /// The tab title.
    pub fn title(self) -> &'static str {
        match self {
            Tab::Overview => "Overview",
            Tab::Metrics => "Metrics",
            Tab::Roi => "ROI",
            Tab::Readiness => "Readiness",
            Tab::History => "History",
        }
    }
}

/// The history of the use case shown in Detail, loaded on demand.
#[derive(Debug, Default)]
pub struct History {
    /// Whose history this is (the use-case id), once loaded.
    pub id: Option<String>,
    /// Commits that changed the file, newest first.
    pub entries: Vec<HistoryEntry>,
    /// Why there is no history, if loading failed.
    pub error: Option<String>,
    /// The selected commit.
    pub cursor: Cursor,
    /// The selected commit's pane (message and changes).
    pub body: Scroll,
    /// Each commit's signature state, by full id, as `ripen verify` words it.
    pub signatures: std::collections::HashMap<String, crate::verify::State>,
}

impl History {
    /// The history of use case `id` as loaded (or why it could not be).
    pub fn loaded(id: String, result: Result<Vec<HistoryEntry>, String>) -> History {
        let (entries, error) = match result {
            Ok(e) => (e, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        History {
            id: Some(id),
            entries,
            error,
            ..History::default()
        }
    }
}

/// The Detail screen's state.
#[derive(Debug)]
pub struct Detail {
    /// The use case shown (register index).
    pub index: Option<usize>,
    /// The screen to return to.
    pub back_to: Screen,
    /// The tab shown.
    pub tab: Tab,
    /// The position of the Overview, ROI and Readiness tabs.
    pub scroll: Scroll,
    /// The History tab's content.
    pub history: History,
}

impl Default for Detail {
    fn default() -> Detail {
        Detail {
            index: None,
            back_to: Screen::Portfolio,
            tab: Tab::Overview,
            scroll: Scroll::default(),
            history: History::default(),
        }
    }
}

impl Detail {
    /// Shows use case `i`, opened from screen `from` (which Esc returns
    /// to, unless it is Detail itself).
    pub fn open(&mut self, i: usize, from: Screen) {
        if from != Screen::Detail {
            self.back_to = from;
        }
        if self.index != Some(i) {
            self.scroll = Scroll::default();
        }
        self.index = Some(i);
    }
}

impl Component for Detail {
    fn scopes(&self) -> Vec<Scope> {
        vec![Scope::Detail, Scope::Selected, Scope::List, Scope::Global]
    }

    fn follow(&mut self, _data: &Data, page: usize) {
        // Only over a loaded history: one loading again keeps its place.
        let h = &mut self.history;
        if h.id.is_some() {
            h.cursor.follow(h.entries.len(), (page / 2).max(1));
        }
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        let history = self.tab == Tab::History;
        match action {
            Action::Left | Action::Right => {
                let delta = if action == Action::Left { 4 } else { 1 };
                let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
                self.tab = Tab::ALL[(i + delta) % 5];
                self.scroll = Scroll::default();
            }
            Action::PageUp | Action::PageDown if history => {
                self.history.body.apply(action, ctx.page);
            }
            a if is_movement(a) && history => {
                let h = &mut self.history;
                let before = h.cursor.selected;
                // The commits take at most half the pane, their changes the rest.
                let rows = (ctx.page / 2).max(1);
                h.cursor.step(step_of(a, ctx.page), h.entries.len(), rows);
                if h.cursor.selected != before {
                    h.body = Scroll::default();
                }
            }
            a if is_movement(a) => {
                self.scroll.apply(a, ctx.page);
            }
            Action::Back => ctx.go = Some(Go::Back),
            _ => {}
        }
        Vec::new()
    }

    fn selected(&self, _data: &Data) -> Option<usize> {
        self.index
    }

    fn reloaded(&mut self, before: &Data, now: &Data, _page: usize) {
        // New commits may have landed: the history loads again on demand.
        self.history = History::default();
        let id = self.index.map(|i| before.register.use_cases[i].id.clone());
        self.index = id.and_then(|id| find(now, &id));
    }

    fn pending_load(&self, data: &Data) -> Option<Load> {
        if self.tab != Tab::History {
            return None;
        }
        let i = self.index?;
        let wanted = data.register.use_cases[i].id.as_str();
        (self.history.id.as_deref() != Some(wanted)).then_some(Load::History(i))
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
        draw(self, frame, area, view);
    }
}

/// Draws the detail screen.
fn draw(d: &Detail, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let (data, theme) = (view.data, view.theme);
    let Some(i) = d.index else {
        frame.render_widget(
            Paragraph::new("No use case selected. Esc goes back.").block(Block::bordered()),
            area,
        );
        return;
    };
    let entry = &data.register.use_cases[i];
    let a = &data.assessments[i];
    // A long title gives way first, with an ellipsis: the id and the
    // verdict always show.
    let tail = vec![
        Span::styled(format!(" · {} · ", safe(entry.id.as_str())), theme.muted()),
        Span::styled(verdict_label(a.verdict), theme.verdict(a.verdict)),
        Span::raw(" "),
    ];
    let tail_width: usize = tail.iter().map(|s| s.width()).sum();
    let room = usize::from(area.width.saturating_sub(4)).saturating_sub(tail_width + 1);
    let mut title = vec![
        Span::raw(" "),
        Span::styled(
            crate::tui::widgets::fit(&safe(&entry.use_case.title), room),
            theme.focus(),
        ),
    ];
    title.extend(tail);
    let block = Block::bordered().title(fit_line(
        Line::from(title),
        area.width.saturating_sub(2) as usize,
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [tabs_area, body] =
        Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(inner);
    let selected = Tab::ALL.iter().position(|t| *t == d.tab);
    frame.render_widget(
        Tabs::new(Tab::ALL.map(|t| t.title()))
            .select(selected)
            .highlight_style(theme.selected())
            .divider("│"),
        tabs_area,
    );
    match d.tab {
        Tab::Overview => {
            let lines = overview(data, entry, theme);
            scrolled(frame, area, body, lines, &d.scroll, theme);
        }
        Tab::Metrics => metrics(frame, body, &entry.use_case, data, theme),
        Tab::Roi => {
            let lines = roi(data, i, &entry.use_case, theme);
            scrolled(frame, area, body, lines, &d.scroll, theme);
        }
        Tab::Readiness => {
            let lines = checklist(a, &data.currency(), theme);
            scrolled(frame, area, body, lines, &d.scroll, theme);
        }
        Tab::History => history(&d.history, frame, body, data, entry, theme),
    }
}

fn field(name: &str, value: String, theme: &Theme) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!("{name:<20}"), theme.muted()),
        Span::raw(value),
    ])
}

fn opt<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map_or("—".to_owned(), |v| v.to_string())
}

fn overview(data: &Data, entry: &Entry, theme: &Theme) -> Vec<Line<'static>> {
    let u = &entry.use_case;
    let p = &u.profile;
    let mut lines = vec![
        field("id", safe(entry.id.as_str()), theme),
        field("file", safe(&data.register.display(&entry.rel)), theme),
        field("title", safe(&u.title), theme),
        field("summary", safe(&u.summary), theme),
        field("owner", safe(&u.owner), theme),
        field("team", safe(&u.team), theme),
        field("stage", u.stage.name().to_owned(), theme),
        field("approach", safe(&canonical::approach(&u.approach)), theme),
        field("risk", u.risk.name().to_owned(), theme),
        Line::styled("profile", theme.header()),
        field("  specificity", p.specificity.name().to_owned(), theme),
        field("  daily_volume", p.daily_volume.to_string(), theme),
        field("  curated_examples", p.curated_examples.to_string(), theme),
        field("  ml_expertise", p.ml_expertise.to_string(), theme),
        field("  budget_usd", money(data, p.budget_usd), theme),
        field("  can_wait_weeks", p.can_wait_weeks.to_string(), theme),
        field(
            "  needs_consistency",
            p.needs_consistency.to_string(),
            theme,
        ),
        Line::styled("targets", theme.header()),
        field("  accuracy", opt(u.targets.accuracy), theme),
        field("  p95_latency_ms", opt(u.targets.p95_latency_ms), theme),
        field("  cost_per_1k_usd", opt(u.targets.cost_per_1k_usd), theme),
        Line::styled(
            format!("measurements ({})", u.measurements.len()),
            theme.header(),
        ),
    ];
    for m in &u.measurements {
        lines.push(Line::from(format!(
            "  {}  acc {:.3}  cons {:.3}  p95 {} ms  ${:.2}/1k  sat {:.1}  {}",
            m.date,
            m.accuracy,
            m.consistency,
            m.p95_latency_ms,
            m.cost_per_1k_usd,
            m.satisfaction,
            safe(&m.source)
        )));
    }
    lines.push(Line::styled(
        format!("roi ({})", u.roi.len()),
        theme.header(),
    ));
    for r in &u.roi {
        lines.push(Line::from(format!(
            "  {}  {:?}  {} per {:?}  {:?}  {}",
            r.date,
            r.kind,
            money(data, r.value_usd),
            r.period,
            r.confidence,
            safe(&r.evidence)
        )));
    }
    lines.push(Line::styled("notes", theme.header()));
    for l in u.notes.split('\n') {
        lines.push(Line::from(format!("  {}", safe(l))));
    }
    lines
}

fn day(d: crate::model::Date) -> f64 {
    // Days since the common era; exact for charting.
    use chrono::Datelike;
    f64::from(d.0.num_days_from_ce())
}

fn metrics(frame: &mut Frame<'_>, area: Rect, u: &UseCase, data: &Data, theme: &Theme) {
    let ms = readiness::measurements_until(u, data.register.as_of);
    if ms.is_empty() {
        frame.render_widget(
            Paragraph::new("No measurements yet; m adds one.").style(theme.muted()),
            area,
        );
        return;
    }
    let first = ms[0].date;
    let last = ms[ms.len() - 1].date;
    let (x0, mut x1) = (day(first), day(last));
    if x1 <= x0 {
        x1 = x0 + 1.0;
    }
    let xlabels = vec![Span::raw(first.to_string()), Span::raw(last.to_string())];
    let acc: Vec<(f64, f64)> = ms.iter().map(|m| (day(m.date), m.accuracy)).collect();
    let cons: Vec<(f64, f64)> = ms.iter().map(|m| (day(m.date), m.consistency)).collect();
    let target: Vec<(f64, f64)> = u
        .targets
        .accuracy
        .map(|t| vec![(x0, t), (x1, t)])
        .unwrap_or_default();
    // Zoom the y axis to the data, so a plateau or a drop is visible.
    let lows = acc.iter().chain(&cons).chain(&target).map(|p| p.1);
    let lo = lows.clone().fold(1.0f64, f64::min);
    let hi = lows.fold(0.0f64, f64::max);
    let y0 = ((lo - 0.05) * 20.0).floor().max(0.0) / 20.0;
    let y1 = ((hi + 0.05) * 20.0).ceil().min(20.0) / 20.0;
    let y1 = if y1 <= y0 { (y0 + 0.1).min(1.0) } else { y1 };
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(60), Constraint::Fill(1)]).areas(area);
    let mut sets = vec![
        Dataset::default()
            .name("accuracy ⠿")
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.pass(true))
            .data(&acc),
        Dataset::default()
            .name("consistency •")
            .marker(Marker::Dot)
            .graph_type(GraphType::Line)
            .style(theme.focus())
            .data(&cons),
    ];
    if !target.is_empty() {
        sets.push(
            Dataset::default()
                .name("target ▄")
                .marker(Marker::Bar)
                .graph_type(GraphType::Line)
                .style(theme.flag())
                .data(&target),
        );
    }
    // The legend is in the title: drawn over the plot, it would hide the
    // newest points, which are the ones a reader looks for.
    let legend = if target.is_empty() {
        " accuracy ⠿ · consistency • "
    } else {
        " accuracy ⠿ · consistency • · target ▄ "
    };
    let chart = Chart::new(sets)
        .block(Block::bordered().title(legend))
        .legend_position(None)
        .x_axis(Axis::default().bounds([x0, x1]).labels(xlabels.clone()))
        .y_axis(Axis::default().bounds([y0, y1]).labels([
            Span::raw(format!("{y0:.2}")),
            Span::raw(format!("{:.2}", (y0 + y1) / 2.0)),
            Span::raw(format!("{y1:.2}")),
        ]));
    frame.render_widget(chart, top);

    let [left, right] =
        Layout::horizontal([Constraint::Ratio(1, 2), Constraint::Ratio(1, 2)]).areas(bottom);
    let lat: Vec<(f64, f64)> = ms
        .iter()
        .map(|m| (day(m.date), f64::from(m.p95_latency_ms)))
        .collect();
    let cost: Vec<(f64, f64)> = ms
        .iter()
        .map(|m| (day(m.date), m.cost_per_1k_usd))
        .collect();
    small_chart(
        frame,
        left,
        " p95 latency (ms) ",
        &lat,
        u.targets.p95_latency_ms.map(f64::from),
        (x0, x1, &xlabels),
        theme,
    );
    small_chart(
        frame,
        right,
        " cost per 1k requests ",
        &cost,
        u.targets.cost_per_1k_usd,
        (x0, x1, &xlabels),
        theme,
    );
}

fn small_chart(
    frame: &mut Frame<'_>,
    area: Rect,
    title: &str,
    data: &[(f64, f64)],
    target: Option<f64>,
    (x0, x1, dates): (f64, f64, &[Span<'static>]),
    theme: &Theme,
) {
    let max = data
        .iter()
        .map(|p| p.1)
        .chain(target)
        .fold(0.0f64, f64::max)
        .max(1e-9)
        * 1.1;
    let target_line: Vec<(f64, f64)> = target.map(|t| vec![(x0, t), (x1, t)]).unwrap_or_default();
    let mut sets = vec![
        Dataset::default()
            .marker(Marker::Braille)
            .graph_type(GraphType::Line)
            .style(theme.focus())
            .data(data),
    ];
    if !target_line.is_empty() {
        sets.push(
            Dataset::default()
                .marker(Marker::Bar)
                .graph_type(GraphType::Line)
                .style(theme.flag())
                .data(&target_line),
        );
    }
    let latest = data.last().map_or(0.0, |p| p.1);
    let precision = if max < 20.0 { 2 } else { 0 };
    let chart = Chart::new(sets)
        .block(Block::bordered().title(format!("{title}· now {latest:.precision$} ")))
        .x_axis(Axis::default().bounds([x0, x1]).labels(dates.to_vec()))
        .y_axis(
            Axis::default()
                .bounds([0.0, max])
                .labels([Span::raw("0"), Span::raw(format!("{max:.precision$}"))]),
        );
    frame.render_widget(chart, area);
}

/// An amount in the register's currency, with separators.
fn money(data: &Data, amount: u64) -> String {
    report::money(&data.currency(), amount)
}

fn roi(data: &Data, index: usize, u: &UseCase, theme: &Theme) -> Vec<Line<'static>> {
    if u.roi.is_empty() {
        return vec![Line::styled(
            "No ROI evidence yet; o adds some.",
            theme.muted(),
        )];
    }
    let fiscal = data
        .register
        .settings
        .as_ref()
        .map_or(1, |s| s.fiscal_year_start_month);
    let totals = report::roi_totals(u, fiscal);
    // One entry a line, its evidence on the next line in full: cut to a
    // column, entries with a long common prefix looked identical.
    let width = u
        .roi
        .iter()
        .map(|r| money(data, r.value_usd).chars().count())
        .max()
        .unwrap_or(0);
    let mut lines = vec![Line::styled(
        format!(
            "{} entries: date, kind, value per period, confidence, evidence",
            u.roi.len()
        ),
        theme.header(),
    )];
    for r in &u.roi {
        lines.push(Line::from(vec![
            Span::raw(format!("{}  ", r.date)),
            Span::raw(format!("{:<13} ", format!("{:?}", r.kind))),
            Span::raw(format!("{:>width$} ", money(data, r.value_usd))),
            Span::styled(
                format!("per {:<8} ", format!("{:?}", r.period)),
                theme.muted(),
            ),
            Span::raw(format!("{:?}", r.confidence)),
        ]));
        lines.push(Line::from(vec![
            Span::styled("  evidence: ", theme.muted()),
            Span::raw(safe(&r.evidence)),
        ]));
    }
    lines.push(Line::from(""));
    lines.push(Line::styled(
        "Totals per fiscal quarter: measured / estimated",
        theme.header(),
    ));
    let w = totals
        .quarters
        .iter()
        .chain(&totals.years)
        .map(|t| money(data, t.measured).chars().count())
        .max()
        .unwrap_or(0);
    let total_line = |t: &report::PeriodTotal| {
        Line::from(format!(
            "  {:<12} {:>w$} / {}",
            t.label,
            money(data, t.measured),
            money(data, t.estimated)
        ))
    };
    lines.extend(totals.quarters.iter().map(total_line));
    lines.push(Line::styled("Per fiscal year", theme.header()));
    lines.extend(totals.years.iter().map(total_line));
    lines.push(Line::from(vec![
        Span::styled("Measured in the last 365 days: ", theme.muted()),
        Span::raw(money(data, data.assessments[index].measured_roi_last_year)),
    ]));
    lines
}

fn history(
    h: &History,
    frame: &mut Frame<'_>,
    area: Rect,
    data: &Data,
    entry: &Entry,
    theme: &Theme,
) {
    if h.id.as_deref() != Some(entry.id.as_str()) {
        frame.render_widget(
            Paragraph::new("Loading history…").style(theme.muted()),
            area,
        );
        return;
    }
    if let Some(err) = &h.error {
        frame.render_widget(
            Paragraph::new(format!("No history: {}", safe(err)))
                .style(theme.muted())
                .wrap(Wrap { trim: true }),
            area,
        );
        return;
    }
    if h.entries.is_empty() {
        frame.render_widget(
            Paragraph::new(format!(
                "{} has no commits yet: it exists only in the working tree.",
                safe(&data.register.display(&entry.rel))
            ))
            .style(theme.muted()),
            area,
        );
        return;
    }
    let list_height = (h.entries.len() as u16 + 2).clamp(3, area.height / 2);
    let [list_area, changes_area] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Fill(1)]).areas(area);
    let block = Block::bordered().title(format!(" {} commit(s), newest first ", h.entries.len()));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    SelectableList::new(h.cursor, h.entries.len()).draw(frame, inner, theme, |item| {
        let e = &h.entries[item.pos];
        let base = item.base;
        vec![Line::from(vec![
            item.marker(),
            Span::styled(format!("{} ", e.short_id()), theme.focus().patch(base)),
            Span::styled(format!("{} ", e.time.format("%Y-%m-%d")), base),
            Span::styled(format!("{:<16} ", safe(&e.author)), base),
            Span::styled(safe(&e.summary), base),
        ])]
    });
    let Some(e) = h.entries.get(h.cursor.selected) else {
        return;
    };
    let mut lines = vec![
        Line::from(vec![
            Span::styled(format!("{} ", e.commit), theme.focus()),
            Span::raw(format!(
                "{} <{}> {}",
                safe(&e.author),
                safe(&e.email),
                e.time.to_rfc3339()
            )),
            Span::styled(
                h.signatures
                    .get(&e.commit)
                    .map(|s| format!(" [{}]", safe(&s.label())))
                    .unwrap_or_default(),
                theme.muted(),
            ),
        ]),
        Line::from(safe(&e.summary)),
    ];
    // The rest of the message: the justification, an override, trailers.
    if !e.body.is_empty() {
        lines.push(Line::from(""));
        lines.extend(e.body.lines().map(|l| Line::from(safe(l))));
    }
    lines.push(Line::from(""));
    if e.changes.is_empty() {
        lines.push(Line::styled(
            "(no field changed: formatting only)",
            theme.muted(),
        ));
    }
    for c in &e.changes {
        let (field, change) = change_parts(c);
        let mut spans = Vec::with_capacity(2);
        if let Some(field) = field {
            spans.push(Span::styled(format!("{field}: "), theme.header()));
        }
        spans.push(Span::raw(change));
        lines.push(Line::from(spans));
    }
    let block = Block::bordered().title(" changes in this commit · PgUp/PgDn scroll ");
    let inner = block.inner(changes_area);
    frame.render_widget(block, changes_area);
    scrolled(frame, changes_area, inner, lines, &h.body, theme);
}
