//! The portfolio: the table of every use case, with a fuzzy filter (`/`),
//! sort columns (`s`, `S`) and quick filters (`f`).

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::Frame;
use ratatui::crossterm::event::Event;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::{Component, Ctx, Go, View, find, is_movement, step_of};
use crate::model::{Risk, Stage};
use crate::readiness::{Flag, Verdict};
use crate::report::ListRow;
use crate::tui::app::{Cursor, Data, Effect};
use crate::tui::keymap::{Action, Scope};
use crate::tui::list::Item;
use crate::tui::theme::verdict_label;
use crate::tui::widgets::{highlighted_fit, safe};

/// Portfolio sort columns, in `s` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortColumn {
    /// By title.
    Title,
    /// By team.
    Team,
    /// By approach.
    Approach,
    /// By stage.
    Stage,
    /// By risk tier.
    Risk,
    /// By readiness (ranked as `ripen ready` ranks).
    Verdict,
    /// By latest accuracy.
    Accuracy,
    /// By age of the latest measurement.
    Age,
}

impl SortColumn {
    /// Every column, in `s` order.
    pub const ALL: [SortColumn; 8] = [
        SortColumn::Title,
        SortColumn::Team,
        SortColumn::Approach,
        SortColumn::Stage,
        SortColumn::Risk,
        SortColumn::Verdict,
        SortColumn::Accuracy,
        SortColumn::Age,
    ];

    /// The column's header.
    pub fn title(self) -> &'static str {
        match self {
            SortColumn::Title => "Title",
            SortColumn::Team => "Team",
            SortColumn::Approach => "Approach",
            SortColumn::Stage => "Stage",
            SortColumn::Risk => "Risk",
            SortColumn::Verdict => "Verdict",
            SortColumn::Accuracy => "Accuracy",
            SortColumn::Age => "Age",
        }
    }
}

/// Quick filters, in `f` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum QuickFilter {
    /// Everything.
    All,
    /// Verdict ready.
    Ready,
    /// Verdict almost.
    Almost,
    /// Flagged stale.
    Stale,
    /// Flagged regression.
    Regression,
    /// In one stage.
    Stage(Stage),
    /// In one risk tier.
    Risk(Risk),
}

impl QuickFilter {
    /// Every quick filter, in `f` order.
    pub fn all() -> Vec<QuickFilter> {
        let mut v = vec![
            QuickFilter::All,
            QuickFilter::Ready,
            QuickFilter::Almost,
            QuickFilter::Stale,
            QuickFilter::Regression,
        ];
        v.extend(Stage::ALL.map(QuickFilter::Stage));
        v.extend(Risk::ALL.map(QuickFilter::Risk));
        v
    }

    /// How the filter is named in the title bar.
    pub fn label(self) -> String {
        match self {
            QuickFilter::All => "all".to_owned(),
            QuickFilter::Ready => "ready".to_owned(),
            QuickFilter::Almost => "almost".to_owned(),
            QuickFilter::Stale => "stale".to_owned(),
            QuickFilter::Regression => "regression".to_owned(),
            QuickFilter::Stage(s) => format!("stage {}", s.name()),
            QuickFilter::Risk(r) => format!("risk {}", r.name()),
        }
    }

    fn keeps(self, row: &ListRow) -> bool {
        match self {
            QuickFilter::All => true,
            QuickFilter::Ready => row.verdict == Verdict::Ready,
            QuickFilter::Almost => row.verdict == Verdict::Almost,
            QuickFilter::Stale => row.flags.contains(&Flag::Stale),
            QuickFilter::Regression => row.flags.contains(&Flag::Regression),
            QuickFilter::Stage(s) => row.stage == s,
            QuickFilter::Risk(r) => row.risk == r,
        }
    }
}

/// Which characters of a row's title and team the filter matched.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Highlight {
    /// Character indices in the title.
    pub title: Vec<usize>,
    /// Character indices in the team.
    pub team: Vec<usize>,
}

/// The Portfolio screen's state.
pub struct Portfolio {
    /// The fuzzy filter text.
    pub filter: Input,
    /// Whether keys go to the filter input.
    pub typing: bool,
    /// Sort column.
    pub sort: SortColumn,
    /// Reverse order.
    pub reverse: bool,
    /// Rank by match quality while a filter is typed (until `s` or `S`).
    pub by_match: bool,
    /// Quick filter.
    pub quick: QuickFilter,
    /// Indices (into the register) of the rows shown, in order.
    pub visible: Vec<usize>,
    /// Match highlights, parallel to `visible`.
    pub highlights: Vec<Highlight>,
    /// The widest cell of each column of the visible rows.
    pub widths: ContentWidths,
    /// Selection and scroll.
    pub cursor: Cursor,
    matcher: Matcher,
}

impl Default for Portfolio {
    fn default() -> Portfolio {
        Portfolio {
            filter: Input::default(),
            typing: false,
            sort: SortColumn::Title,
            reverse: false,
            by_match: false,
            quick: QuickFilter::All,
            visible: Vec::new(),
            highlights: Vec::new(),
            widths: ContentWidths::default(),
            cursor: Cursor::default(),
            matcher: Matcher::new(Config::DEFAULT),
        }
    }
}

impl Portfolio {
    /// The table over `data`, sorted by title, nothing filtered.
    pub fn new(data: &Data, page: usize) -> Portfolio {
        let mut p = Portfolio::default();
        p.refilter(data, page);
        p
    }

    /// Recomputes the visible portfolio rows, keeping the selected use case
    /// selected when it is still visible.
    pub fn refilter(&mut self, data: &Data, page: usize) {
        let keep = self.visible.get(self.cursor.selected).copied();
        self.refilter_keeping(data, page, keep);
    }

    /// Recomputes the visible portfolio rows with register index `keep`
    /// selected when it is visible (else the first row).
    pub fn refilter_keeping(&mut self, data: &Data, page: usize, keep: Option<usize>) {
        let rows = &data.rows;
        let query = self.filter.value().trim().to_owned();
        let words: Vec<String> = query.split_whitespace().map(str::to_owned).collect();
        let mut buf = Vec::new();
        let mut scored: Vec<(usize, u64, Highlight)> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if !self.quick.keeps(row) {
                continue;
            }
            if query.is_empty() {
                scored.push((i, 0, Highlight::default()));
                continue;
            }
            let mut best: Option<u64> = None;
            let mut hl = Highlight::default();
            for (field, text) in [
                (0, row.id.as_str()),
                (1, row.title.as_str()),
                (2, row.team.as_str()),
                (3, row.owner.as_str()),
            ] {
                if let Some((tier, score, marks)) = rank(&words, text, &mut self.matcher, &mut buf)
                {
                    let key = (u64::from(tier) << 32) | u64::from(score);
                    best = Some(best.map_or(key, |b| b.max(key)));
                    match field {
                        1 => hl.title = marks,
                        2 => hl.team = marks,
                        _ => {}
                    }
                }
            }
            if let Some(score) = best {
                scored.push((i, score, hl));
            }
        }
        let sort = self.sort;
        let key = |i: usize| -> (u8, String, i64) {
            let r = &data.rows[i];
            match sort {
                SortColumn::Title => (0, r.title.to_lowercase(), 0),
                SortColumn::Team => (0, r.team.to_lowercase(), 0),
                SortColumn::Approach => (0, r.approach.to_owned(), 0),
                SortColumn::Stage => (r.stage as u8, String::new(), 0),
                SortColumn::Risk => (r.risk as u8, String::new(), 0),
                SortColumn::Verdict => (
                    r.verdict as u8,
                    String::new(),
                    data.assessments[i].failing_gates() as i64,
                ),
                SortColumn::Accuracy => match r.latest {
                    Some(l) => (0, String::new(), (l.accuracy * 1e6) as i64),
                    None => (1, String::new(), 0),
                },
                SortColumn::Age => match r.latest {
                    Some(l) => (0, String::new(), l.age_days),
                    None => (1, String::new(), 0),
                },
            }
        };
        let reverse = self.reverse;
        let filtering = !query.is_empty();
        let by_match = filtering && self.by_match;
        scored.sort_by(|a, b| {
            if by_match {
                return b
                    .1
                    .cmp(&a.1)
                    .then_with(|| data.rows[a.0].id.cmp(&data.rows[b.0].id));
            }
            let by_column = key(a.0).cmp(&key(b.0));
            let by_column = if reverse {
                by_column.reverse()
            } else {
                by_column
            };
            // Better matches first only as a tie-break within the sort.
            let by_score = if filtering {
                b.1.cmp(&a.1)
            } else {
                std::cmp::Ordering::Equal
            };
            by_column
                .then(by_score)
                .then_with(|| data.rows[a.0].id.cmp(&data.rows[b.0].id))
        });
        self.visible = scored.iter().map(|s| s.0).collect();
        self.highlights = scored.into_iter().map(|s| s.2).collect();
        self.widths = content_widths(&data.rows, &self.visible);
        self.cursor.selected = keep
            .and_then(|k| self.visible.iter().position(|&i| i == k))
            .unwrap_or(0);
        let len = self.visible.len();
        self.cursor.follow(len, page);
    }

    /// Selects use case `i`, clearing the filters that hide it.
    pub fn select(&mut self, data: &Data, page: usize, i: usize) {
        if !self.visible.contains(&i) {
            self.filter.reset();
            self.typing = false;
            self.by_match = false;
            self.quick = QuickFilter::All;
        }
        self.refilter_keeping(data, page, Some(i));
    }

    /// Clears the typed filter (and the ranking by match).
    fn clear_filter(&mut self, data: &Data, page: usize) {
        self.by_match = false;
        self.filter.reset();
        self.refilter(data, page);
    }

    /// Keys while the filter is typed into.
    fn update_typing(&mut self, action: Action, ctx: &mut Ctx<'_>) {
        match action {
            Action::Submit => self.typing = false,
            Action::Back => {
                self.typing = false;
                self.clear_filter(ctx.data, ctx.page);
            }
            Action::Up | Action::Down => {
                let len = self.visible.len();
                self.cursor.step(step_of(action, ctx.page), len, ctx.page);
            }
            _ => {}
        }
    }
}

impl Component for Portfolio {
    fn scopes(&self) -> Vec<Scope> {
        if self.typing {
            return vec![Scope::Filter];
        }
        vec![
            Scope::Portfolio,
            Scope::Selected,
            Scope::Open,
            Scope::List,
            Scope::Global,
        ]
    }

    fn captures(&self) -> bool {
        self.typing
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        if self.typing {
            self.update_typing(action, ctx);
            return Vec::new();
        }
        let (data, page) = (ctx.data, ctx.page);
        match action {
            a if is_movement(a) => {
                let len = self.visible.len();
                self.cursor.step(step_of(a, page), len, page);
            }
            Action::Open => {
                if let Some(i) = self.selected(data) {
                    ctx.go = Some(Go::Detail(i));
                }
            }
            Action::Back if !self.filter.value().is_empty() => self.clear_filter(data, page),
            Action::Back if self.quick != QuickFilter::All => {
                self.quick = QuickFilter::All;
                self.refilter(data, page);
            }
            Action::SortNext => {
                let i = SortColumn::ALL
                    .iter()
                    .position(|c| *c == self.sort)
                    .unwrap_or(0);
                if !self.by_match {
                    self.sort = SortColumn::ALL[(i + 1) % SortColumn::ALL.len()];
                }
                self.by_match = false;
                self.refilter(data, page);
            }
            Action::SortReverse => {
                if !self.by_match {
                    self.reverse = !self.reverse;
                }
                self.by_match = false;
                self.refilter(data, page);
            }
            Action::QuickFilter => {
                let all = QuickFilter::all();
                let i = all.iter().position(|q| *q == self.quick).unwrap_or(0);
                self.quick = all[(i + 1) % all.len()];
                self.refilter(data, page);
            }
            _ => {}
        }
        Vec::new()
    }

    fn type_into(&mut self, ev: &Event, ctx: &mut Ctx<'_>) {
        if !self.typing {
            return;
        }
        let before = self.filter.value().to_owned();
        self.filter.handle_event(ev);
        let now = self.filter.value();
        if now != before {
            if before.trim().is_empty() != now.trim().is_empty() {
                self.by_match = !now.trim().is_empty();
            }
            // New text, new list: the best match (the first row) is
            // selected, as fzf and lazygit do, so that what an action
            // acts on is what the eye sees first.
            self.cursor = Cursor::default();
            self.refilter_keeping(ctx.data, ctx.page, None);
        }
    }

    fn selected(&self, _data: &Data) -> Option<usize> {
        self.visible.get(self.cursor.selected).copied()
    }

    fn follow(&mut self, _data: &Data, page: usize) {
        self.cursor.follow(self.visible.len(), page);
    }

    fn reloaded(&mut self, before: &Data, now: &Data, page: usize) {
        let id = self
            .selected(before)
            .map(|i| before.register.use_cases[i].id.clone());
        let keep = id.and_then(|id| find(now, &id));
        self.refilter_keeping(now, page, keep);
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
        draw(self, frame, area, view);
    }
}

fn risk_short(r: Risk) -> &'static str {
    match r {
        Risk::Minimal => "min",
        Risk::Limited => "ltd",
        Risk::High => "HIGH",
        Risk::Unacceptable => "UNACC",
    }
}

fn approach_short(a: &str) -> &'static str {
    match a {
        "Prompting" => "Prompt",
        "FineTuned" => "Tuned",
        "Other" => "Other",
        _ => "Hybrid",
    }
}

fn accuracy(row: &ListRow) -> String {
    let latest = row
        .latest
        .map_or("—".to_owned(), |l| format!("{:.2}", l.accuracy));
    let regress = if row.flags.contains(&Flag::Regression) {
        "↓"
    } else {
        ""
    };
    let target = row
        .target_accuracy
        .map_or("—".to_owned(), |t| format!("{t:.2}"));
    format!("{latest}{regress}/{target}")
}

fn age(row: &ListRow) -> String {
    let stale = if row.flags.contains(&Flag::Stale) {
        "!"
    } else {
        ""
    };
    match row.latest {
        Some(l) => format!("{}d{stale}", l.age_days),
        None => format!("—{stale}"),
    }
}

/// The widest cell of each column over some rows, in terminal columns
/// (Approach and Risk in their long and short forms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentWidths {
    /// Title.
    pub title: u16,
    /// Team.
    pub team: u16,
    /// Approach, written out.
    pub approach: u16,
    /// Approach, abbreviated.
    pub approach_short: u16,
    /// Stage.
    pub stage: u16,
    /// Risk, written out.
    pub risk: u16,
    /// Risk, abbreviated.
    pub risk_short: u16,
    /// Verdict.
    pub verdict: u16,
    /// Accuracy against target.
    pub accuracy: u16,
    /// Age of the latest measurement.
    pub age: u16,
}

/// The [`ContentWidths`] of the rows `visible` (indices into `rows`):
/// measured once when the rows shown change, not at every frame.
pub fn content_widths(rows: &[ListRow], visible: &[usize]) -> ContentWidths {
    use unicode_width::UnicodeWidthStr;
    let w = |s: &str| s.width().min(usize::from(u16::MAX)) as u16;
    let mut c = ContentWidths::default();
    for &i in visible {
        let r = &rows[i];
        c.title = c.title.max(w(&r.title));
        c.team = c.team.max(w(&r.team));
        c.approach = c.approach.max(w(r.approach));
        c.approach_short = c.approach_short.max(w(approach_short(r.approach)));
        c.stage = c.stage.max(w(r.stage.name()));
        c.risk = c.risk.max(w(r.risk.name()));
        c.risk_short = c.risk_short.max(w(risk_short(r.risk)));
        c.verdict = c.verdict.max(w(verdict_label(r.verdict)));
        c.accuracy = c.accuracy.max(w(&accuracy(r)));
        c.age = c.age.max(w(&age(r)));
    }
    c
}

/// Draws the portfolio screen.
fn draw(p: &Portfolio, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
    let wide = area.width >= 110;
    let arrow = if p.reverse { "↓" } else { "↑" };
    let quick = match p.quick {
        QuickFilter::All => String::new(),
        q => format!(" · only {}", q.label()),
    };
    let order = if p.by_match && !p.filter.value().trim().is_empty() {
        "best match first".to_owned()
    } else {
        format!("sort {} {arrow}", p.sort.title())
    };
    let title = format!(
        " Portfolio · {} of {} · {order}{quick} ",
        p.visible.len(),
        view.data.rows.len(),
    );
    let block = Block::bordered().title(Line::styled(title, theme.focus()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let show_filter = p.typing || !p.filter.value().is_empty();
    let [filter_area, table_area] = Layout::vertical([
        Constraint::Length(u16::from(show_filter)),
        Constraint::Fill(1),
    ])
    .areas(inner);
    if show_filter {
        let prompt = Span::styled("/ ", theme.focus());
        let text = Span::raw(safe(p.filter.value()));
        let hint = if p.typing {
            Span::styled("   Enter keep · Esc clear", theme.muted())
        } else {
            Span::styled("   / edit · Esc clear", theme.muted())
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![prompt, text, hint])),
            filter_area,
        );
        if p.typing && !view.covered {
            let x = filter_area.x + 2 + p.filter.visual_cursor() as u16;
            frame
                .set_cursor_position((x.min(filter_area.right().saturating_sub(1)), filter_area.y));
        }
    }

    let by_match = p.by_match && !p.filter.value().trim().is_empty();
    let header_for = |c: SortColumn, label: &str| -> Cell<'static> {
        if c == p.sort && !by_match {
            Cell::from(Span::styled(format!("{label}{arrow}"), theme.header()))
        } else {
            Cell::from(Span::styled(label.to_owned(), theme.header()))
        }
    };
    let header = Row::new(vec![
        header_for(SortColumn::Title, "Title"),
        header_for(SortColumn::Team, "Team"),
        header_for(
            SortColumn::Approach,
            if wide { "Approach" } else { "Appr." },
        ),
        header_for(SortColumn::Stage, "Stage"),
        header_for(SortColumn::Risk, "Risk"),
        header_for(SortColumn::Verdict, "Verdict"),
        header_for(SortColumn::Accuracy, "Acc/target"),
        header_for(SortColumn::Age, "Age"),
    ]);
    // Every column but Title and Team takes what its content needs (the
    // widest cell, measured when the rows were chosen: not per frame);
    // Title then gets the room it needs first, and Team what is left.
    use unicode_width::UnicodeWidthStr;
    let c = &p.widths;
    let need = |header: &str, content: u16| -> u16 {
        // The sorted column's header carries an arrow.
        let sorted = !by_match && header.starts_with(p.sort.title().get(..3).unwrap_or(""));
        content.max((header.width() + usize::from(sorted)) as u16)
    };
    let fixed = [
        if wide {
            need("Approach", c.approach)
        } else {
            need("Appr.", c.approach_short)
        },
        need("Stage", c.stage),
        if wide {
            need("Risk", c.risk)
        } else {
            need("Risk", c.risk_short)
        },
        need("Verdict", c.verdict),
        need("Acc/target", c.accuracy),
        need("Age", c.age),
    ];
    let spacing = 7;
    let room = table_area
        .width
        .saturating_sub(fixed.iter().sum::<u16>() + spacing);
    let title_need = need("Title", c.title) + 2;
    let team_need = need("Team", c.team);
    let title_w = title_need.min(room.saturating_sub(team_need.min(8)));
    let team_w = room - title_w;
    let mut widths = vec![Constraint::Length(title_w), Constraint::Length(team_w)];
    widths.extend(fixed.iter().map(|&w| Constraint::Length(w)));
    // The columns' widths as the table will lay them out, to cut long
    // titles and teams with an ellipsis rather than mid-word.
    let columns = Layout::horizontal(widths.clone())
        .flex(ratatui::layout::Flex::Start)
        .spacing(1)
        .split(Rect::new(0, 0, table_area.width, 1));
    let (title_w, team_w) = (columns[0].width as usize, columns[1].width as usize);
    let height = table_area.height.saturating_sub(1) as usize;
    let start = p.cursor.offset.min(p.visible.len());
    let end = (start + height).min(p.visible.len());
    let rows: Vec<Row<'_>> = (start..end)
        .map(|pos| {
            let i = p.visible[pos];
            let r = &view.data.rows[i];
            let hl = &p.highlights[pos];
            let item = Item::new(pos, pos == p.cursor.selected, theme);
            let base = item.base;
            let mut title = vec![item.marker()];
            title.extend(highlighted_fit(
                &r.title,
                &hl.title,
                base,
                theme.matched(),
                title_w.saturating_sub(2),
            ));
            let cells = vec![
                Cell::from(Line::from(title)),
                Cell::from(Line::from(highlighted_fit(
                    &r.team,
                    &hl.team,
                    base,
                    theme.matched(),
                    team_w,
                ))),
                Cell::from(if wide {
                    r.approach
                } else {
                    approach_short(r.approach)
                }),
                Cell::from(r.stage.name()),
                Cell::from(if wide {
                    r.risk.name()
                } else {
                    risk_short(r.risk)
                }),
                Cell::from(Span::styled(
                    verdict_label(r.verdict),
                    theme.verdict(r.verdict).patch(base),
                )),
                Cell::from(accuracy(r)),
                Cell::from(age(r)),
            ];
            Row::new(cells).style(base)
        })
        .collect();
    if p.visible.is_empty() {
        let msg = if view.data.rows.is_empty() {
            "The register has no use cases yet: n creates one (or `ripen new <id>`)."
        } else {
            "Nothing matches. Esc clears the filter."
        };
        let [head, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(table_area);
        frame.render_widget(
            Table::new(Vec::<Row<'_>>::new(), widths).header(header),
            head,
        );
        frame.render_widget(Paragraph::new(msg).style(theme.muted()), rest);
        return;
    }
    frame.render_widget(Table::new(rows, widths).header(header), table_area);
}

/// How well a filter matches one text, best first: the tier (3: every
/// word starts a word of the text, 2: every word is in it, 1: a fuzzy
/// match whose every piece starts a word), then the matcher's score.
/// Scattered matches below that quality are no match.
fn rank(
    words: &[String],
    text: &str,
    matcher: &mut Matcher,
    buf: &mut Vec<char>,
) -> Option<(u8, u32, Vec<usize>)> {
    let chars: Vec<char> = text.chars().collect();
    let lower: Vec<char> = chars.iter().flat_map(|c| c.to_lowercase()).collect();
    // Case folding may change lengths (rare): fall back to fuzzy only then.
    let same_len = lower.len() == chars.len();
    let boundary = |i: usize| {
        i == 0
            || !chars[i - 1].is_alphanumeric()
            || (chars[i - 1].is_lowercase() && chars[i].is_uppercase())
    };
    let mut tier = 3u8;
    let mut score = 0u32;
    let mut marks = Vec::new();
    for word in words {
        let w: Vec<char> = word.chars().flat_map(|c| c.to_lowercase()).collect();
        let found = if same_len && !w.is_empty() && w.len() <= lower.len() {
            let starts: Vec<usize> = (0..=lower.len() - w.len())
                .filter(|&i| lower[i..i + w.len()] == w[..])
                .collect();
            starts
                .iter()
                .find(|&&i| boundary(i))
                .map(|&i| (3u8, i))
                .or_else(|| starts.first().map(|&i| (2u8, i)))
        } else {
            None
        };
        let pattern = Pattern::parse(word, CaseMatching::Smart, Normalization::Smart);
        let mut idx = Vec::new();
        let fuzzy = pattern.indices(Utf32Str::new(text, buf), matcher, &mut idx);
        match found {
            Some((t, at)) => {
                tier = tier.min(t);
                score += fuzzy.unwrap_or(0);
                marks.extend(at..at + w.len());
            }
            None => {
                let s = fuzzy?;
                idx.sort_unstable();
                idx.dedup();
                let idx: Vec<usize> = idx.into_iter().map(|x| x as usize).collect();
                // Every contiguous piece of the match must start a word
                // ("inv extr", "mcs"): letters picked here and there are noise.
                let scattered = idx.iter().enumerate().any(|(n, &i)| {
                    (n == 0 || idx[n - 1] + 1 != i) && i < chars.len() && !boundary(i)
                });
                if scattered {
                    return None;
                }
                tier = tier.min(1);
                score += s;
                marks.extend(idx);
            }
        }
    }
    marks.sort_unstable();
    marks.dedup();
    Some((tier, score, marks))
}
