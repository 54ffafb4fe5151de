//! The application state and its one update function.
//!
//! Keys become [`Action`]s (through the keymap), actions and results of
//! effects become state changes here, and views only draw the state. Work
//! with the outside world (reloading, committing, running an editor) is
//! returned as [`Effect`]s for the runtime to perform.

use nucleo_matcher::pattern::{CaseMatching, Normalization, Pattern};
use nucleo_matcher::{Config, Matcher, Utf32Str};
use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind};
use tui_input::Input;
use tui_input::backend::crossterm::EventHandler;

use super::keymap::{self, Action, Scope};
use crate::change::{self, Edit};
use crate::form::{self, FieldKind, FieldSpec};
use crate::git::RepoStatus;
use crate::model::{Risk, Stage};
use crate::readiness::{Assessment, Flag, Verdict};
use std::sync::Arc;

use crate::register::{Entry, Register};
use crate::report::{self, ListRow, Selection, Summary};

/// The smallest terminal the layout is designed for.
pub const MIN_SIZE: (u16, u16) = (80, 24);

/// Everything loaded from the library, replaced as a whole on reload.
/// Cheap to clone: the register and what is derived from it are shared
/// (the SSH server hands one loaded register to every session).
#[derive(Clone)]
pub struct Data {
    /// The register.
    pub register: Arc<Register>,
    /// One assessment per use case, in the register's order.
    pub assessments: Arc<Vec<Assessment>>,
    /// One list row per use case, in the register's order.
    pub rows: Arc<Vec<ListRow>>,
    /// Ready and almost candidates, ranked best first, then those with
    /// fine-tuning underway.
    pub candidates: Vec<usize>,
    /// Counts.
    pub summary: Summary,
    /// Branch, commit and dirtiness.
    pub repo: RepoStatus,
    /// Why editing is off, if it is.
    pub read_only: Option<String>,
    /// Today, as the runtime read it (forms refuse later dates). Without
    /// a clock (tests), the as-of date.
    pub today: crate::model::Date,
    /// Whether the as-of date is pinned (by `register.ron` or `--as-of`)
    /// rather than today.
    pub pinned: bool,
}

impl Data {
    /// The register's currency, sanitized (`USD` when unset).
    pub fn currency(&self) -> String {
        self.register
            .settings
            .as_ref()
            .map_or("USD".to_owned(), |s| {
                crate::text::sanitize(&s.currency).into_owned()
            })
    }

    /// Derives every view of `register` through the library.
    pub fn new(register: Register, repo: RepoStatus, read_only: Option<String>) -> Data {
        let assessments = report::assess_all(&register);
        let rows = report::list(&register, &assessments);
        let candidates = report::ranked(&register, &assessments, Selection::CandidatesAndUnderway);
        let summary = report::summary(&assessments);
        let today = register.as_of;
        let pinned = register
            .settings
            .as_ref()
            .is_some_and(|s| s.as_of.is_some());
        Data {
            today,
            pinned,
            register: Arc::new(register),
            assessments: Arc::new(assessments),
            rows: Arc::new(rows),
            candidates,
            summary,
            repo,
            read_only,
        }
    }
}

/// The screens, in `Tab` order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    /// The table of every use case.
    Portfolio,
    /// One column per stage.
    Board,
    /// Ready and almost candidates with their checklists.
    Readiness,
    /// One use case in full.
    Detail,
    /// Every diagnostic.
    Problems,
    /// Branches that propose changes.
    Proposals,
    /// The quarterly review: now against a review tag.
    Review,
}

impl Screen {
    /// All screens in order (their number is the position plus one).
    pub const ALL: [Screen; 7] = [
        Screen::Portfolio,
        Screen::Board,
        Screen::Readiness,
        Screen::Detail,
        Screen::Problems,
        Screen::Proposals,
        Screen::Review,
    ];

    /// The tab title.
    pub fn title(self) -> &'static str {
        match self {
            Screen::Portfolio => "Portfolio",
            Screen::Board => "Board",
            Screen::Readiness => "Readiness",
            Screen::Detail => "Detail",
            Screen::Problems => "Problems",
            Screen::Proposals => "Proposals",
            Screen::Review => "Review",
        }
    }

    fn index(self) -> usize {
        Screen::ALL.iter().position(|s| *s == self).unwrap_or(0)
    }
}

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
    const ALL: [SortColumn; 8] = [
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
    fn all() -> Vec<QuickFilter> {
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

/// A list's selection and scroll position.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Cursor {
    /// Selected position.
    pub selected: usize,
    /// First position shown.
    pub offset: usize,
}

impl Cursor {
    /// Moves by `delta` within `len` items and keeps the selection within a
    /// window of `height` rows.
    pub fn step(&mut self, delta: isize, len: usize, height: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        let sel = self.selected as isize + delta;
        self.selected = sel.clamp(0, len as isize - 1) as usize;
        self.follow(len, height);
    }

    /// Keeps the selection valid for `len` items and visible in `height` rows.
    pub fn follow(&mut self, len: usize, height: usize) {
        if len == 0 {
            *self = Cursor::default();
            return;
        }
        self.selected = self.selected.min(len - 1);
        let height = height.max(1);
        if self.selected < self.offset {
            self.offset = self.selected;
        } else if self.selected >= self.offset + height {
            self.offset = self.selected + 1 - height;
        }
        self.offset = self.offset.min(len.saturating_sub(height));
    }
}

/// The position of a pane of text that may be longer than its area.
///
/// The update moves [`Scroll::offset`]; the view, which alone knows how
/// many lines the text wraps to, records the bounds it drew with (as
/// ratatui's `ListState` keeps its offset), so the next key stops at the
/// end instead of scrolling into nothing.
#[derive(Debug, Default, Clone)]
pub struct Scroll {
    /// The first line shown (may exceed the end until the next draw).
    pub offset: usize,
    /// The last valid offset, as of the last draw (`None`: not drawn yet).
    max: std::cell::Cell<Option<usize>>,
    /// The pane's height at the last draw, for paging.
    height: std::cell::Cell<usize>,
}

impl Scroll {
    /// Applies a movement key: a line, a page, or either end. Returns
    /// whether the action was a movement.
    pub fn apply(&mut self, action: Action, page: usize) -> bool {
        let page = match self.height.get() {
            0 => page.max(1),
            h => h.saturating_sub(1).max(1),
        };
        let max = self.max.get().unwrap_or(usize::MAX);
        let at = self.offset.min(max);
        self.offset = match action {
            Action::Up => at.saturating_sub(1),
            Action::Down => at.saturating_add(1).min(max),
            Action::PageUp => at.saturating_sub(page),
            Action::PageDown => at.saturating_add(page).min(max),
            Action::Top => 0,
            Action::Bottom => max,
            _ => return false,
        };
        true
    }

    /// Records that the text has `total` lines in a pane `height` lines
    /// high; returns the offset to draw from.
    pub fn record(&self, total: usize, height: usize) -> usize {
        let max = total.saturating_sub(height);
        self.max.set(Some(max));
        self.height.set(height);
        self.offset.min(max)
    }
}

/// The portfolio table's state.
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
    pub widths: super::views::portfolio::ContentWidths,
    /// Selection and scroll.
    pub cursor: Cursor,
}

/// A form field: a text input or a choice.
pub struct Field {
    /// What the field accepts.
    pub spec: FieldSpec,
    /// The text typed (for choices: the chosen name).
    pub input: Input,
}

impl Field {
    /// The field's current problem, if any, in `ctx`.
    pub fn error(&self, ctx: &form::Context) -> Option<String> {
        form::check_in(self.spec.kind, self.input.value(), ctx).err()
    }

    /// A warning about the field's value (a date readiness will not see).
    pub fn warning(&self, ctx: &form::Context) -> Option<String> {
        form::warning(self.spec.kind, self.input.value(), ctx)
    }
}

/// What a form adds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormKind {
    /// A measurement.
    Measurement,
    /// ROI evidence.
    Roi,
    /// A new use case (id, title, owner, team).
    UseCase,
}

/// A dialog over the current screen.
pub enum Dialog {
    /// Moving a use case to another stage.
    Stage {
        /// Which use case (register index).
        index: usize,
        /// The target stage.
        to: Stage,
        /// The justification typed.
        justification: Input,
        /// Set when the move overrides readiness: why.
        override_reason: Option<String>,
        /// Whether the override confirmation is showing.
        confirming: bool,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// Adding a measurement or ROI evidence.
    Form {
        /// Which use case (register index).
        index: usize,
        /// What is added.
        kind: FormKind,
        /// The fields.
        fields: Vec<Field>,
        /// The focused field.
        focus: usize,
        /// The last failure, shown in the form.
        error: Option<String>,
    },
    /// Creating a use case: its id, title, owner and team.
    New {
        /// The fields ([`form::NEW_USE_CASE`]).
        fields: Vec<Field>,
        /// The focused field.
        focus: usize,
        /// The last failure, shown in the form.
        error: Option<String>,
    },
    /// Accepting a proposal, awaiting confirmation.
    Accept {
        /// The branch.
        branch: String,
        /// Its tip when listed: accepting refuses if it moved since.
        tip: git2::Oid,
        /// What accepting does, one line per item.
        summary: Vec<String>,
        /// Whether the proposal changes files other than register files
        /// (each named in the summary): confirming accepts them too.
        other_files: bool,
        /// The moves into FineTune that override readiness, as lines; when
        /// there are any, a reason is typed and confirmed, as for `>`.
        overrides: Vec<String>,
        /// The override reason typed.
        reason: Input,
        /// Whether the override confirmation is showing (or, without
        /// overrides, always: the dialog is a yes/no question).
        confirming: bool,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// An external edit is valid: why was it made? Committed with the
    /// justification, as a stage move is.
    Justify {
        /// Which use case (register index).
        index: usize,
        /// The edited use case.
        use_case: Box<crate::model::UseCase>,
        /// The edited copy, kept until the commit lands.
        copy: std::path::PathBuf,
        /// The use case the copy was made from, and its file's bytes: the
        /// edit replaces the whole file, so it is committed only over
        /// exactly what it was made from (never over a change made since).
        base: Box<(crate::model::UseCase, Vec<u8>)>,
        /// The fields the edit changes.
        fields: Vec<&'static str>,
        /// The justification typed.
        justification: Input,
        /// Set when the edit moves it into FineTune although not ready: why.
        override_reason: Option<String>,
        /// Whether the override confirmation is showing.
        confirming: bool,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// A decision (or, with `decision` `None`, an approval) on an agenda
    /// item of the open review, with its rationale.
    Review {
        /// The agenda item.
        item: String,
        /// The decision (←/→ choose it); `None`: approving.
        decision: Option<crate::model::review::DecisionKind>,
        /// The rationale typed.
        because: Input,
        /// The last failure, shown in the dialog.
        error: Option<String>,
    },
    /// An external edit produced a file with errors.
    EditFailed {
        /// Which use case (register index).
        index: usize,
        /// The edited copy.
        edited: std::path::PathBuf,
        /// Its diagnostics, as lines.
        problems: Vec<String>,
    },
}

/// How a flash message is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    /// Information.
    Info,
    /// Something went wrong.
    Error,
}

/// A change for the runtime to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRequest {
    /// The file relative to the state directory.
    pub rel: String,
    /// What the file held when loaded (`None`: it must not exist yet).
    pub expected: Option<Vec<u8>>,
    /// The new content.
    pub text: String,
    /// The commit message.
    pub message: String,
    /// The commit HEAD pointed at when the register was loaded.
    pub head: Option<git2::Oid>,
}

/// A step of the quarterly review for the runtime to commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReviewStep {
    /// Start the review of this quarter.
    Start(String),
    /// Decide on an item.
    Decide {
        /// The agenda item.
        item: String,
        /// The decision.
        decision: crate::model::review::DecisionKind,
        /// Why.
        because: String,
    },
    /// Approve an item's pending decision.
    Approve {
        /// The agenda item.
        item: String,
        /// Why.
        because: String,
    },
}

/// Work for the runtime.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Effect {
    /// Reload the register.
    Reload,
    /// Commit one file.
    Commit(CommitRequest),
    /// Accept a proposal branch.
    Accept {
        /// The branch.
        branch: String,
        /// Its tip when it was listed.
        tip: git2::Oid,
        /// What the user confirmed (the other files the dialog named).
        options: crate::git::proposals::AcceptOptions,
    },
    /// A step of the quarterly review.
    Review(ReviewStep),
    /// Open a use case in the external editor (`edited`: an earlier copy to reopen).
    Edit {
        /// Register index.
        index: usize,
        /// A previously edited copy to continue with.
        edited: Option<std::path::PathBuf>,
    },
    /// Commit a changed `policy.ron` (the Readiness screen's policy
    /// editor): only over the policy it was edited from (canonical text
    /// `base`) and the HEAD the register was loaded at.
    CommitPolicy {
        /// The canonical text of the policy edited from.
        base: String,
        /// The canonical text to write.
        text: String,
        /// The commit message.
        message: String,
        /// The commit HEAD pointed at when the register was loaded.
        head: Option<git2::Oid>,
    },
    /// Open a file of the register in the external editor at a line (to
    /// fix a problem), then reload.
    EditAt {
        /// The file, relative to the state directory.
        rel: String,
        /// The 1-based line.
        line: usize,
    },
}

/// The history of the use case shown in Detail, loaded on demand.
#[derive(Debug, Default)]
pub struct HistoryView {
    /// Whose history this is (the use-case id), once loaded.
    pub id: Option<String>,
    /// Commits that changed the file, newest first.
    pub entries: Vec<crate::git::history::HistoryEntry>,
    /// Why there is no history, if loading failed.
    pub error: Option<String>,
    /// The selected commit.
    pub cursor: Cursor,
    /// The selected commit's pane (message and changes).
    pub body: Scroll,
    /// Each commit's signature state, by full id, as `ripen verify` words it.
    pub signatures: std::collections::HashMap<String, crate::verify::State>,
}

/// The Proposals screen's content, loaded on demand.
#[derive(Debug, Default)]
pub struct ProposalsView {
    /// Whether the list was loaded (since the last reload).
    pub loaded: bool,
    /// Branches proposing changes.
    pub list: Vec<crate::git::proposals::Proposal>,
    /// Why there is no list, if loading failed.
    pub error: Option<String>,
    /// The selected proposal.
    pub cursor: Cursor,
    /// Whether the selected proposal's changes are shown (and scroll).
    pub open: bool,
    /// The changes pane's position.
    pub scroll: Scroll,
}

/// The Review screen's content, loaded on demand.
#[derive(Debug, Default)]
pub struct ReviewView {
    /// Whether the review tags were loaded (since the last reload).
    pub loaded: bool,
    /// Review tags, newest first.
    pub tags: Vec<crate::git::review::ReviewTag>,
    /// Why there are no tags, if loading failed.
    pub error: Option<String>,
    /// The selected tag: the report compares HEAD with it.
    pub cursor: Cursor,
    /// The tag the report below is for.
    pub report_for: Option<String>,
    /// The report, or why it could not be built.
    pub report: Option<Result<crate::report::quarterly::QuarterlyReport, String>>,
    /// The report pane's position.
    pub scroll: Scroll,
    /// Whether the main pane shows the agenda instead of the report.
    pub agenda_shown: bool,
    /// The agenda, or why it could not be built.
    pub agenda: Option<Result<Box<crate::ops::meeting::AgendaView>, String>>,
    /// The selected agenda item.
    pub agenda_cursor: Cursor,
}

/// Something the runtime should load for the current screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Load {
    /// The git history of a use case (register index).
    History(usize),
    /// The proposal branches.
    Proposals,
    /// The review tags.
    ReviewTags,
    /// The report from a review tag to HEAD.
    Report(String),
    /// The review's agenda.
    Agenda,
}

/// The whole UI state.
pub struct App {
    /// What the library loaded.
    pub data: Data,
    /// The current screen.
    pub screen: Screen,
    /// The screen to return to from Detail.
    pub back_to: Screen,
    /// Whether help is showing.
    pub help: bool,
    /// Help scroll position.
    pub help_scroll: Scroll,
    /// The portfolio table.
    pub portfolio: Portfolio,
    /// The board's current column (stage index).
    pub board_column: usize,
    /// The board's cursor per column.
    pub board: [Cursor; 5],
    /// The readiness list.
    pub readiness: Cursor,
    /// The problems list.
    pub problems: Cursor,
    /// The selected problem's message pane (PgUp/PgDn).
    pub problems_detail: Scroll,
    /// The Readiness screen's checklist pane (PgUp/PgDn).
    pub readiness_detail: Scroll,
    /// The use case shown in Detail (register index).
    pub detail: Option<usize>,
    /// The detail tab.
    pub tab: Tab,
    /// Detail scroll position (Overview, ROI, Readiness).
    pub detail_scroll: Scroll,
    /// The History tab's content.
    pub history: HistoryView,
    /// The Proposals screen's content.
    pub proposals: ProposalsView,
    /// The Review screen's content.
    pub review: ReviewView,
    /// The open dialog.
    pub dialog: Option<Dialog>,
    /// The Readiness screen's policy editor, while open (`w`).
    pub policy_editor: Option<super::policy_editor::PolicyEditor>,
    /// A message in the status bar.
    pub flash: Option<(Level, String)>,
    /// Rows a list can show; updated on resize.
    pub page: usize,
    /// The terminal's size, as last reported.
    pub size: (u16, u16),
    /// Set when the user quits.
    pub quit: bool,
    /// Whether the Review screen follows the chair of the open review on
    /// the agenda (sessions of `ripen serve`; `f` toggles).
    pub following: bool,
    /// The agenda item the chair looks at, as last heard.
    pub chair_on: Option<String>,
    /// Who is signed in (from `access.ron`), shown in the status bar; their
    /// role decides what the UI offers. `None`: the local user.
    pub who: Option<crate::access::Principal>,
    /// What the runtime is loading, with its progress, for the status bar.
    pub busy: Option<String>,
    /// The data's generation: one more at every [`App::reload`], so that a
    /// load started before can tell it would bring old news.
    pub epoch: u64,
    matcher: Matcher,
}

impl App {
    /// A new UI state over loaded data.
    pub fn new(data: Data) -> App {
        let mut app = App {
            data,
            screen: Screen::Portfolio,
            back_to: Screen::Portfolio,
            help: false,
            help_scroll: Scroll::default(),
            portfolio: Portfolio {
                filter: Input::default(),
                typing: false,
                sort: SortColumn::Title,
                reverse: false,
                by_match: false,
                quick: QuickFilter::All,
                visible: Vec::new(),
                widths: Default::default(),
                highlights: Vec::new(),
                cursor: Cursor::default(),
            },
            board_column: 0,
            board: [Cursor::default(); 5],
            readiness: Cursor::default(),
            problems: Cursor::default(),
            problems_detail: Scroll::default(),
            readiness_detail: Scroll::default(),
            detail: None,
            tab: Tab::Overview,
            detail_scroll: Scroll::default(),
            history: HistoryView::default(),
            proposals: ProposalsView::default(),
            review: ReviewView::default(),
            dialog: None,
            policy_editor: None,
            flash: None,
            page: 10,
            size: MIN_SIZE,
            quit: false,
            who: None,
            following: true,
            chair_on: None,
            busy: None,
            epoch: 0,
            matcher: Matcher::new(Config::DEFAULT),
        };
        app.refilter();
        app
    }

    /// The entry at register index `i`.
    pub fn entry(&self, i: usize) -> &Entry {
        &self.data.register.use_cases[i]
    }

    /// The register indices in a board column, sorted by title.
    pub fn board_items(&self, column: usize) -> Vec<usize> {
        let stage = Stage::ALL[column.min(4)];
        let mut v: Vec<usize> = (0..self.data.rows.len())
            .filter(|&i| self.data.rows[i].stage == stage)
            .collect();
        v.sort_by(|&a, &b| {
            self.data.rows[a]
                .title
                .to_lowercase()
                .cmp(&self.data.rows[b].title.to_lowercase())
        });
        v
    }

    /// The use case the current screen has selected (register index).
    pub fn selected(&self) -> Option<usize> {
        match self.screen {
            Screen::Portfolio => self
                .portfolio
                .visible
                .get(self.portfolio.cursor.selected)
                .copied(),
            Screen::Board => self
                .board_items(self.board_column)
                .get(self.board[self.board_column].selected)
                .copied(),
            Screen::Readiness => self.data.candidates.get(self.readiness.selected).copied(),
            Screen::Detail => self.detail,
            Screen::Problems | Screen::Proposals | Screen::Review => None,
        }
    }

    /// The active keymap scopes, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        if let Some(d) = &self.dialog {
            return match d {
                Dialog::Stage {
                    confirming: true, ..
                }
                | Dialog::Justify {
                    confirming: true, ..
                }
                | Dialog::Accept {
                    confirming: true, ..
                }
                | Dialog::EditFailed { .. } => vec![Scope::Confirm],
                Dialog::Stage { .. } | Dialog::Justify { .. } | Dialog::Accept { .. } => {
                    vec![Scope::Prompt]
                }
                Dialog::Form { .. } | Dialog::New { .. } | Dialog::Review { .. } => {
                    vec![Scope::Dialog]
                }
            };
        }
        if self.help {
            return vec![Scope::List, Scope::Global];
        }
        if self.policy_editor.is_some() && self.screen == Screen::Readiness {
            return vec![Scope::PolicyEditor];
        }
        if self.portfolio.typing && self.screen == Screen::Portfolio {
            return vec![Scope::Filter];
        }
        match self.screen {
            Screen::Portfolio => vec![
                Scope::Portfolio,
                Scope::Selected,
                Scope::Open,
                Scope::List,
                Scope::Global,
            ],
            Screen::Board => vec![
                Scope::Board,
                Scope::Selected,
                Scope::Open,
                Scope::List,
                Scope::Global,
            ],
            Screen::Readiness => vec![
                Scope::Readiness,
                Scope::Selected,
                Scope::Open,
                Scope::List,
                Scope::Global,
            ],
            Screen::Problems => vec![Scope::Problems, Scope::List, Scope::Global],
            Screen::Review => vec![Scope::Review, Scope::List, Scope::Global],
            Screen::Proposals => vec![Scope::Proposals, Scope::Open, Scope::List, Scope::Global],
            Screen::Detail => vec![Scope::Detail, Scope::Selected, Scope::List, Scope::Global],
        }
    }

    /// Handles one terminal event; returns the effects to perform.
    pub fn handle_event(&mut self, ev: &Event) -> Vec<Effect> {
        match ev {
            Event::Key(key) if key.kind == KeyEventKind::Press && self.too_small() => {
                // The screen shows only "too small": a key must not act on
                // anything the user cannot see. Only quitting works.
                if keymap::resolve(key, &[Scope::Global]) == Some(Action::Quit) {
                    self.quit = true;
                }
                Vec::new()
            }
            Event::Key(key) if key.kind == KeyEventKind::Press => self.handle_key(key, ev),
            Event::Resize(w, h) => {
                self.resize_to(*w, *h);
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Whether the terminal is smaller than the layout needs.
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_SIZE.0 || self.size.1 < MIN_SIZE.1
    }

    /// Records the terminal's size.
    pub fn resize_to(&mut self, width: u16, height: u16) {
        self.size.0 = width;
        self.resize(height);
    }

    /// Sets the page size from the terminal height.
    pub fn resize(&mut self, height: u16) {
        self.size.1 = height;
        // Tabs, table header, borders and status bar take about 7 rows.
        self.page = usize::from(height).saturating_sub(7).max(1);
        self.follow_all();
    }

    fn handle_key(&mut self, key: &KeyEvent, ev: &Event) -> Vec<Effect> {
        let scopes = self.scopes();
        match keymap::resolve(key, &scopes) {
            Some(action) => self.update(action),
            None => {
                self.type_into(ev);
                Vec::new()
            }
        }
    }

    /// Keys no binding claims go to the focused text input, if any.
    fn type_into(&mut self, ev: &Event) {
        if let Some(dialog) = &mut self.dialog {
            match dialog {
                Dialog::Stage {
                    justification,
                    confirming: false,
                    error,
                    ..
                }
                | Dialog::Justify {
                    justification,
                    confirming: false,
                    error,
                    ..
                } => {
                    justification.handle_event(ev);
                    *error = None;
                }
                Dialog::Accept {
                    reason,
                    confirming: false,
                    error,
                    ..
                }
                | Dialog::Review {
                    because: reason,
                    error,
                    ..
                } => {
                    reason.handle_event(ev);
                    *error = None;
                }
                Dialog::Form { fields, focus, .. } | Dialog::New { fields, focus, .. } => {
                    if let Some(f) = fields.get_mut(*focus)
                        && !matches!(f.spec.kind, FieldKind::Choice(_))
                    {
                        f.input.handle_event(ev);
                    }
                }
                _ => {}
            }
            return;
        }
        if let (Some(ed), Screen::Readiness) = (&mut self.policy_editor, self.screen) {
            ed.type_into(ev, &self.data);
            return;
        }
        if self.portfolio.typing {
            let before = self.portfolio.filter.value().to_owned();
            self.portfolio.filter.handle_event(ev);
            let now = self.portfolio.filter.value();
            if now != before {
                if before.trim().is_empty() != now.trim().is_empty() {
                    self.portfolio.by_match = !now.trim().is_empty();
                }
                // New text, new list: the best match (the first row) is
                // selected, as fzf and lazygit do, so that what an action
                // acts on is what the eye sees first.
                self.portfolio.cursor = Cursor::default();
                self.refilter_keeping(None);
            }
        }
    }

    /// Applies one action.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if action != Action::Reload {
            self.flash = None;
        }
        if self.dialog.is_some() {
            return self.update_dialog(action);
        }
        if self.policy_editor.is_some() && self.screen == Screen::Readiness && !self.help {
            return self.update_policy_editor(action);
        }
        if self.portfolio.typing && self.screen == Screen::Portfolio && !self.help {
            match action {
                Action::Submit => self.portfolio.typing = false,
                Action::Back => {
                    self.portfolio.typing = false;
                    self.portfolio.by_match = false;
                    self.portfolio.filter.reset();
                    self.refilter();
                }
                Action::Up => self.move_selection(-1),
                Action::Down => self.move_selection(1),
                Action::Quit => self.quit = true,
                _ => {}
            }
            return Vec::new();
        }
        if self.help {
            match action {
                Action::Help | Action::Back => self.help = false,
                Action::Quit => self.quit = true,
                _ => {
                    self.help_scroll.apply(action, self.page);
                }
            }
            return Vec::new();
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = true;
                self.help_scroll = Scroll::default();
            }
            Action::Back => match self.screen {
                Screen::Detail => self.screen = self.back_to,
                Screen::Portfolio if !self.portfolio.filter.value().is_empty() => {
                    self.portfolio.by_match = false;
                    self.portfolio.filter.reset();
                    self.refilter();
                }
                Screen::Portfolio if self.portfolio.quick != QuickFilter::All => {
                    self.portfolio.quick = QuickFilter::All;
                    self.refilter();
                }
                _ => {}
            },
            Action::NextScreen => {
                self.go(Screen::ALL[(self.screen.index() + 1) % Screen::ALL.len()])
            }
            Action::PrevScreen => self
                .go(Screen::ALL[(self.screen.index() + Screen::ALL.len() - 1) % Screen::ALL.len()]),
            Action::Screen(n) => {
                self.go(Screen::ALL[usize::from(n.clamp(1, Screen::ALL.len() as u8)) - 1])
            }
            Action::Reload => return vec![Effect::Reload],
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom => self.move_by(action),
            Action::Left | Action::Right => {
                let delta = if action == Action::Left { 4 } else { 1 };
                match self.screen {
                    Screen::Board => {
                        self.board_column = (self.board_column + delta) % 5;
                    }
                    Screen::Detail => {
                        let i = Tab::ALL.iter().position(|t| *t == self.tab).unwrap_or(0);
                        self.tab = Tab::ALL[(i + delta) % 5];
                        self.detail_scroll = Scroll::default();
                    }
                    _ => {}
                }
            }
            Action::Open => {
                if self.screen == Screen::Problems {
                    return self.open_problem();
                }
                if self.screen == Screen::Review {
                    return Vec::new();
                }
                if self.screen == Screen::Proposals {
                    self.proposals.open = !self.proposals.open;
                    self.proposals.scroll = Scroll::default();
                    return Vec::new();
                }
                if let Some(i) = self.selected() {
                    self.open_detail(i);
                }
            }
            Action::Filter => {
                self.screen = Screen::Portfolio;
                self.portfolio.typing = true;
            }
            Action::SortNext => {
                let i = SortColumn::ALL
                    .iter()
                    .position(|c| *c == self.portfolio.sort)
                    .unwrap_or(0);
                if !self.portfolio.by_match {
                    self.portfolio.sort = SortColumn::ALL[(i + 1) % SortColumn::ALL.len()];
                }
                self.portfolio.by_match = false;
                self.refilter();
            }
            Action::SortReverse => {
                if !self.portfolio.by_match {
                    self.portfolio.reverse = !self.portfolio.reverse;
                }
                self.portfolio.by_match = false;
                self.refilter();
            }
            Action::QuickFilter => {
                let all = QuickFilter::all();
                let i = all
                    .iter()
                    .position(|q| *q == self.portfolio.quick)
                    .unwrap_or(0);
                self.portfolio.quick = all[(i + 1) % all.len()];
                self.refilter();
            }
            Action::Accept => self.open_accept_dialog(),
            Action::ToggleAgenda => {
                self.review.agenda_shown = !self.review.agenda_shown;
                self.review.scroll = Scroll::default();
            }
            Action::ReviewStart | Action::ReviewDecide | Action::ReviewApprove => {
                return self.review_action(action);
            }
            Action::ToggleFollow => {
                self.following = !self.following;
                let msg = if self.following {
                    "following the chair on the agenda (f stops)"
                } else {
                    "not following the chair (f follows again)"
                };
                self.flash(Level::Info, msg);
            }
            Action::StagePrev | Action::StageNext => self.open_stage_dialog(action),
            Action::WhatIf => {
                if self.screen == Screen::Readiness {
                    self.policy_editor = Some(super::policy_editor::PolicyEditor::open(&self.data));
                }
            }
            Action::AddMeasurement => self.open_form(FormKind::Measurement),
            Action::AddRoi => self.open_form(FormKind::Roi),
            Action::NewUseCase => self.open_new_form(),
            Action::EditFile => {
                if let Some(i) = self.editable_selection() {
                    return vec![Effect::Edit {
                        index: i,
                        edited: None,
                    }];
                }
            }
            Action::Submit | Action::NextField | Action::PrevField | Action::Yes | Action::No => {}
        }
        Vec::new()
    }

    fn go(&mut self, screen: Screen) {
        if screen == Screen::Detail {
            match self.selected().or(self.detail) {
                Some(i) => self.open_detail(i),
                None => self.flash(Level::Info, "select a use case first"),
            }
            return;
        }
        self.screen = screen;
    }

    fn open_detail(&mut self, i: usize) {
        if self.screen != Screen::Detail {
            self.back_to = self.screen;
        }
        if self.detail != Some(i) {
            self.detail_scroll = Scroll::default();
        }
        self.detail = Some(i);
        self.screen = Screen::Detail;
    }

    /// A movement key: it scrolls the pane that has the focus, or moves
    /// the selection of the list that has it. Where a screen has both
    /// (Readiness, Problems, History, Review), j/k/g/G select and
    /// PgUp/PgDn scroll the pane.
    fn move_by(&mut self, action: Action) {
        let paging = matches!(action, Action::PageUp | Action::PageDown);
        let page = self.page;
        match self.screen {
            Screen::Detail if self.tab == Tab::History && paging => {
                self.history.body.apply(action, page);
            }
            Screen::Detail if self.tab != Tab::History => {
                self.detail_scroll.apply(action, page);
            }
            Screen::Proposals if self.proposals.open => {
                self.proposals.scroll.apply(action, page);
            }
            Screen::Review if paging => {
                self.review.scroll.apply(action, page);
            }
            Screen::Problems if paging => {
                self.problems_detail.apply(action, page);
            }
            Screen::Readiness if paging => {
                self.readiness_detail.apply(action, page);
            }
            _ => {
                let delta = match action {
                    Action::Up => -1,
                    Action::Down => 1,
                    Action::PageUp => -(page as isize),
                    Action::PageDown => page as isize,
                    Action::Top => isize::MIN / 2,
                    _ => isize::MAX / 2,
                };
                self.move_selection(delta);
            }
        }
    }

    fn move_selection(&mut self, delta: isize) {
        let page = self.page;
        match self.screen {
            Screen::Portfolio => {
                let len = self.portfolio.visible.len();
                self.portfolio.cursor.step(delta, len, page);
            }
            Screen::Board => {
                let len = self.board_items(self.board_column).len();
                // Cards take three rows each.
                self.board[self.board_column].step(delta, len, (page / 3).max(1));
            }
            Screen::Readiness => {
                let len = self.data.candidates.len();
                let before = self.readiness.selected;
                self.readiness.step(delta, len, page);
                if self.readiness.selected != before {
                    self.readiness_detail = Scroll::default();
                }
            }
            Screen::Problems => {
                let len = self.data.register.diagnostics.len();
                let before = self.problems.selected;
                self.problems.step(delta, len, page);
                if self.problems.selected != before {
                    self.problems_detail = Scroll::default();
                }
            }
            Screen::Proposals => {
                let len = self.proposals.list.len();
                let before = self.proposals.cursor.selected;
                self.proposals.cursor.step(delta, len, (page / 2).max(1));
                if self.proposals.cursor.selected != before {
                    self.proposals.scroll = Scroll::default();
                }
            }
            Screen::Review if self.review.agenda_shown => {
                let len = match &self.review.agenda {
                    Some(Ok(v)) => v.agenda.items.len(),
                    _ => 0,
                };
                self.review.agenda_cursor.step(delta, len, page);
            }
            Screen::Review => {
                let len = self.review.tags.len();
                let before = self.review.cursor.selected;
                self.review.cursor.step(delta, len, page);
                if self.review.cursor.selected != before {
                    self.review.scroll = Scroll::default();
                }
            }
            Screen::Detail if self.tab == Tab::History => {
                let len = self.history.entries.len();
                let before = self.history.cursor.selected;
                self.history.cursor.step(delta, len, (page / 2).max(1));
                if self.history.cursor.selected != before {
                    self.history.body = Scroll::default();
                }
            }
            Screen::Detail => {}
        }
    }

    fn follow_all(&mut self) {
        let page = self.page;
        self.portfolio
            .cursor
            .follow(self.portfolio.visible.len(), page);
        for c in 0..5 {
            let len = self.board_items(c).len();
            self.board[c].follow(len, (page / 3).max(1));
        }
        self.readiness.follow(self.data.candidates.len(), page);
        self.problems
            .follow(self.data.register.diagnostics.len(), page);
    }

    /// The chair of the open review looks at agenda item `item`: noted,
    /// and when following, selected here too (shown on the Review screen).
    /// Whether anything changed.
    pub fn follow_chair(&mut self, item: &str, by: &str) -> bool {
        self.chair_on = Some(item.to_owned());
        if !self.following || self.chair_focus().is_some() {
            return true;
        }
        let Some(Ok(view)) = &self.review.agenda else {
            return true;
        };
        if let Some(at) = view.agenda.items.iter().position(|i| i.item == item) {
            self.review.agenda_cursor.selected = at;
            let len = view.agenda.items.len();
            self.review.agenda_cursor.follow(len, self.page);
            if self.screen == Screen::Review && self.review.agenda_shown {
                self.flash(
                    Level::Info,
                    format!(
                        "following the chair, {}: {} (f stops)",
                        crate::text::sanitize(by),
                        crate::text::sanitize(item)
                    ),
                );
            }
        }
        true
    }

    /// Where this session's user is on the agenda, when they chair the
    /// open review and are looking at it.
    pub fn chair_focus(&self) -> Option<crate::tui::session::Focus> {
        let who = self.who.as_ref()?;
        let Some(Ok(view)) = &self.review.agenda else {
            return None;
        };
        let chair = view.chair.as_ref()?;
        if !chair.email.eq_ignore_ascii_case(&who.email) || !self.review.agenda_shown {
            return None;
        }
        let item = view.agenda.items.get(self.review.agenda_cursor.selected)?;
        Some(crate::tui::session::Focus {
            email: chair.email.clone(),
            name: chair.name.clone(),
            item: item.item.clone(),
        })
    }

    /// Whether `act` is refused here (editing is off, or the signed-in
    /// role does not allow it); the status bar then says why.
    fn refused(&mut self, act: crate::access::Act) -> bool {
        if let Some(why) = &self.data.read_only {
            let msg = format!("editing is off: {why}");
            self.flash(Level::Error, msg);
            return true;
        }
        if let Some(who) = &self.who
            && let crate::access::Permit::No(why) = who.role.permits(act)
        {
            self.flash(Level::Error, why);
            return true;
        }
        false
    }

    /// Shows a message in the status bar.
    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        self.flash = Some((level, text.into()));
    }

    /// Recomputes the visible portfolio rows, keeping the selected use case
    /// selected when it is still visible.
    pub fn refilter(&mut self) {
        let keep = self
            .portfolio
            .visible
            .get(self.portfolio.cursor.selected)
            .copied();
        self.refilter_keeping(keep);
    }

    /// Recomputes the visible portfolio rows with register index `keep`
    /// selected when it is visible (else the first row).
    fn refilter_keeping(&mut self, keep: Option<usize>) {
        let rows = &self.data.rows;
        let query = self.portfolio.filter.value().trim().to_owned();
        let words: Vec<String> = query.split_whitespace().map(str::to_owned).collect();
        let mut buf = Vec::new();
        let mut scored: Vec<(usize, u64, Highlight)> = Vec::new();
        for (i, row) in rows.iter().enumerate() {
            if !self.portfolio.quick.keeps(row) {
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
        let data = &self.data;
        let sort = self.portfolio.sort;
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
        let reverse = self.portfolio.reverse;
        let filtering = !query.is_empty();
        let by_match = filtering && self.portfolio.by_match;
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
        self.portfolio.visible = scored.iter().map(|s| s.0).collect();
        self.portfolio.highlights = scored.into_iter().map(|s| s.2).collect();
        self.portfolio.widths =
            super::views::portfolio::content_widths(&self.data.rows, &self.portfolio.visible);
        self.portfolio.cursor.selected = keep
            .and_then(|k| self.portfolio.visible.iter().position(|&i| i == k))
            .unwrap_or(0);
        let len = self.portfolio.visible.len();
        self.portfolio.cursor.follow(len, self.page);
    }

    /// What the runtime should load for the current screen, if anything:
    /// the History tab's commits, the proposals, the review tags, or the
    /// report for the selected review tag.
    pub fn pending_load(&self) -> Option<Load> {
        if self.help || self.dialog.is_some() {
            return None;
        }
        match self.screen {
            Screen::Detail if self.tab == Tab::History => {
                let i = self.detail?;
                let wanted = self.entry(i).id.as_str();
                (self.history.id.as_deref() != Some(wanted)).then_some(Load::History(i))
            }
            Screen::Proposals => (!self.proposals.loaded).then_some(Load::Proposals),
            Screen::Review if self.review.agenda_shown && self.review.agenda.is_none() => {
                Some(Load::Agenda)
            }
            Screen::Review if self.review.agenda_shown => None,
            Screen::Review if !self.review.loaded => Some(Load::ReviewTags),
            Screen::Review => {
                let tag = self.review.tags.get(self.review.cursor.selected)?;
                (self.review.report_for.as_deref() != Some(tag.name.as_str()))
                    .then(|| Load::Report(tag.name.clone()))
            }
            _ => None,
        }
    }

    /// The user stopped waiting for `load` (Esc): the screen says so
    /// instead of loading it again; a reload asks for it anew.
    pub fn load_cancelled(&mut self, load: &Load) {
        let why = "cancelled: press r to load again".to_owned();
        match load {
            Load::History(i) => {
                let id = self.entry(*i).id.to_string();
                self.history_loaded(id, Err(why));
            }
            Load::Proposals => self.proposals_loaded(Err(why)),
            Load::ReviewTags => self.review_tags_loaded(Err(why)),
            Load::Report(tag) => self.report_loaded(tag.clone(), Err(why)),
            Load::Agenda => self.agenda_loaded(Err(why)),
        }
    }

    /// Stores the review's agenda (or why it could not be built).
    pub fn agenda_loaded(&mut self, result: Result<Box<crate::ops::meeting::AgendaView>, String>) {
        self.review.agenda = Some(result);
    }

    /// Stores the loaded proposals (or why they could not be loaded).
    pub fn proposals_loaded(
        &mut self,
        result: Result<Vec<crate::git::proposals::Proposal>, String>,
    ) {
        let (list, error) = match result {
            Ok(l) => (l, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let len = list.len();
        self.proposals.loaded = true;
        self.proposals.list = list;
        self.proposals.error = error;
        self.proposals.cursor.follow(len, self.page);
    }

    /// Stores the loaded review tags (or why they could not be loaded).
    pub fn review_tags_loaded(
        &mut self,
        result: Result<Vec<crate::git::review::ReviewTag>, String>,
    ) {
        let (tags, error) = match result {
            Ok(t) => (t, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let len = tags.len();
        self.review.loaded = true;
        self.review.tags = tags;
        self.review.error = error;
        self.review.cursor.follow(len, self.page);
    }

    /// Stores the report from review tag `tag` to HEAD.
    pub fn report_loaded(
        &mut self,
        tag: String,
        result: Result<crate::report::quarterly::QuarterlyReport, String>,
    ) {
        self.review.report_for = Some(tag);
        self.review.report = Some(result);
    }

    /// `s`, `d` and `p` on the Review screen: they act on the agenda.
    fn review_action(&mut self, action: Action) -> Vec<Effect> {
        if let Some(why) = &self.data.read_only {
            let msg = format!("editing is off: {why}");
            self.flash(Level::Error, msg);
            return Vec::new();
        }
        if !self.review.agenda_shown {
            self.flash(Level::Error, "press a to show the agenda first");
            return Vec::new();
        }
        let Some(Ok(view)) = &self.review.agenda else {
            return Vec::new();
        };
        if action == Action::ReviewStart {
            if let Some(q) = &view.open {
                let msg = format!("review {q} is open already");
                self.flash(Level::Error, msg);
                return Vec::new();
            }
            let fiscal = 1;
            let (year, q) = crate::report::fiscal_quarter(view.agenda.as_of, fiscal);
            return vec![Effect::Review(ReviewStep::Start(format!("{year:04}-Q{q}")))];
        }
        if view.open.is_none() {
            self.flash(Level::Error, "no review is open: press s to start one");
            return Vec::new();
        }
        let Some(item) = view.agenda.items.get(self.review.agenda_cursor.selected) else {
            return Vec::new();
        };
        use crate::model::review::{DecisionKind, ItemKind};
        let decision = (action == Action::ReviewDecide).then_some(match item.kind {
            ItemKind::Ready => DecisionKind::Advance,
            ItemKind::Proposal => DecisionKind::Accept,
            _ => DecisionKind::Hold,
        });
        self.dialog = Some(Dialog::Review {
            item: item.item.clone(),
            decision,
            because: Input::default(),
            error: None,
        });
        Vec::new()
    }

    /// Shows how a review step went.
    pub fn reviewed(&mut self, result: Result<String, String>) {
        match result {
            Ok(msg) => self.flash(Level::Info, msg),
            Err(e) => self.flash(Level::Error, e),
        }
    }

    fn open_accept_dialog(&mut self) {
        if self.refused(crate::access::Act::Accept) {
            return;
        }
        let Some(p) = self.proposals.list.get(self.proposals.cursor.selected) else {
            self.flash(Level::Info, "no proposal selected");
            return;
        };
        let mut summary = vec![format!(
            "{} commit(s) by {}",
            p.commits,
            p.authors.join(", ")
        )];
        if !p.valid {
            summary.push(format!(
                "it does not validate ({} error(s)): accepting will be refused",
                p.errors()
            ));
        }
        if !p.mergeable {
            summary.push("it conflicts with HEAD: accepting will be refused".to_owned());
        }
        for f in &p.other_files {
            summary.push(format!("ALSO CHANGES {}", f.describe()));
        }
        for u in p
            .changes
            .use_cases
            .iter()
            .filter(|u| u.status != crate::diff::Status::Unchanged)
        {
            summary.push(format!("{} {}", u.status.label(), u.id));
        }
        self.dialog = Some(Dialog::Accept {
            branch: p.branch.clone(),
            tip: p.tip,
            summary,
            other_files: !p.other_files.is_empty(),
            confirming: p.overrides.is_empty(),
            overrides: p
                .overrides
                .iter()
                .map(|o| format!("{} moves to FineTune although {}", o.id, o.why))
                .collect(),
            reason: Input::default(),
            error: None,
        });
    }

    /// Records the outcome of accepting a proposal.
    pub fn accepted(&mut self, result: Result<String, String>) {
        self.dialog = None;
        match result {
            Ok(msg) => self.flash(Level::Info, msg),
            Err(msg) => self.flash(Level::Error, msg),
        }
    }

    /// Stores a loaded history (or why it could not be loaded).
    pub fn history_loaded(
        &mut self,
        id: String,
        result: Result<Vec<crate::git::history::HistoryEntry>, String>,
    ) {
        let (entries, error) = match result {
            Ok(e) => (e, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        self.history = HistoryView {
            id: Some(id),
            entries,
            error,
            cursor: Cursor::default(),
            body: Scroll::default(),
            signatures: Default::default(),
        };
    }

    /// Stores the signature state of the history's commits.
    pub fn signatures_loaded(
        &mut self,
        signatures: std::collections::HashMap<String, crate::verify::State>,
    ) {
        self.history.signatures = signatures;
    }

    /// Replaces the data after a reload, keeping selections by id.
    pub fn reload(&mut self, data: Data) {
        // New commits may have landed: what came from git is loaded again
        // on demand, keeping the selections.
        self.epoch += 1;
        self.history = HistoryView::default();
        self.proposals.loaded = false;
        self.review.loaded = false;
        self.review.report_for = None;
        self.review.agenda = None;
        let dialog_id = match &self.dialog {
            Some(
                Dialog::Stage { index, .. }
                | Dialog::Form { index, .. }
                | Dialog::Justify { index, .. }
                | Dialog::EditFailed { index, .. },
            ) => Some(self.entry(*index).id.clone()),
            Some(Dialog::Accept { .. } | Dialog::New { .. } | Dialog::Review { .. }) | None => None,
        };
        let detail_id = self.detail.map(|i| self.entry(i).id.clone());
        // Register indices change when use cases are added or removed: the
        // lists keep their selected use case by id, not by position.
        let id_at = |app: &App, i: Option<&usize>| i.map(|&i| app.entry(i).id.clone());
        let portfolio_id = id_at(
            self,
            self.portfolio.visible.get(self.portfolio.cursor.selected),
        );
        let readiness_id = id_at(self, self.data.candidates.get(self.readiness.selected));
        let board_ids: Vec<_> = (0..5)
            .map(|c| id_at(self, self.board_items(c).get(self.board[c].selected)))
            .collect();
        let board_focus_id = board_ids[self.board_column.min(4)].clone();
        self.data = data;
        let find = |app: &App, id: Option<crate::model::UseCaseId>| {
            id.and_then(|id| app.data.register.use_cases.iter().position(|e| e.id == id))
        };
        let portfolio_keep = find(self, portfolio_id);
        if let Some(i) = find(self, readiness_id)
            && let Some(pos) = self.data.candidates.iter().position(|&c| c == i)
        {
            self.readiness.selected = pos;
        }
        for (c, id) in board_ids.into_iter().enumerate() {
            if let Some(i) = find(self, id)
                && let Some(pos) = self.board_items(c).iter().position(|&b| b == i)
            {
                self.board[c].selected = pos;
            }
        }
        // A use case moved to another stage takes the board's focus with
        // it: the card the user acted on stays the selected one.
        if let Some(i) = find(self, board_focus_id)
            && let Some(c) = Stage::ALL
                .iter()
                .position(|s| *s == self.data.rows[i].stage)
            && let Some(pos) = self.board_items(c).iter().position(|&b| b == i)
        {
            self.board_column = c;
            self.board[c].selected = pos;
        }
        if let Some(ed) = &mut self.policy_editor {
            ed.recompute(&self.data);
        }
        self.detail = find(self, detail_id);
        if self.detail.is_none() && self.screen == Screen::Detail {
            self.screen = self.back_to;
        }
        if let Some(id) = dialog_id {
            match self.data.register.use_cases.iter().position(|e| e.id == id) {
                Some(new) => match &mut self.dialog {
                    Some(
                        Dialog::Stage { index, .. }
                        | Dialog::Form { index, .. }
                        | Dialog::Justify { index, .. }
                        | Dialog::EditFailed { index, .. },
                    ) => *index = new,
                    Some(Dialog::Accept { .. } | Dialog::New { .. } | Dialog::Review { .. })
                    | None => {}
                },
                None => {
                    self.dialog = None;
                    self.flash(
                        Level::Error,
                        format!("{id} is gone from the register after reloading"),
                    );
                }
            }
        }
        self.refilter_keeping(portfolio_keep);
        self.follow_all();
    }

    fn editable_selection(&mut self) -> Option<usize> {
        if self.refused(crate::access::Act::ChangeUseCase) {
            return None;
        }
        let sel = self.selected();
        if sel.is_none() {
            self.flash(Level::Info, "select a use case first");
        }
        sel
    }

    fn open_stage_dialog(&mut self, action: Action) {
        let Some(i) = self.editable_selection() else {
            return;
        };
        let u = &self.entry(i).use_case;
        let to = if action == Action::StageNext {
            u.stage.next()
        } else {
            u.stage.previous()
        };
        let Some(to) = to else {
            let msg = format!(
                "{} is already the {} stage",
                u.stage.name(),
                if action == Action::StageNext {
                    "last"
                } else {
                    "first"
                }
            );
            self.flash(Level::Info, msg);
            return;
        };
        let override_reason = change::override_needed(u, to, &self.data.assessments[i]);
        self.dialog = Some(Dialog::Stage {
            index: i,
            to,
            justification: Input::default(),
            override_reason,
            confirming: false,
            error: None,
        });
    }

    fn open_form(&mut self, kind: FormKind) {
        let Some(i) = self.editable_selection() else {
            return;
        };
        let specs = match kind {
            FormKind::Measurement => form::MEASUREMENT,
            FormKind::Roi => form::ROI,
            FormKind::UseCase => form::NEW_USE_CASE,
        };
        // Today, not the as-of date: a measurement is taken now, and a
        // pinned as-of date would hide it from readiness (the form warns).
        let as_of = self.data.today.to_string();
        let fields = specs
            .iter()
            .map(|spec| {
                let initial = match spec.kind {
                    FieldKind::Date => as_of.clone(),
                    FieldKind::Choice(options) => options[0].to_owned(),
                    _ => String::new(),
                };
                Field {
                    spec: *spec,
                    input: Input::new(initial),
                }
            })
            .collect();
        self.dialog = Some(Dialog::Form {
            index: i,
            kind,
            fields,
            focus: 0,
            error: None,
        });
    }

    fn commit_request(&self, i: usize, applied: change::Applied) -> CommitRequest {
        let e = self.entry(i);
        CommitRequest {
            rel: e.rel.clone(),
            expected: Some(e.original.to_vec()),
            text: applied.text,
            message: applied.message,
            head: self.data.repo.head,
        }
    }

    fn update_dialog(&mut self, action: Action) -> Vec<Effect> {
        let Some(dialog) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if action == Action::Quit {
            self.quit = true;
            return Vec::new();
        }
        match dialog {
            Dialog::Review {
                item,
                decision,
                because,
                error,
            } => match action {
                Action::Back => self.dialog = None,
                Action::Left | Action::Right => {
                    if let Some(d) = decision {
                        use crate::model::review::DecisionKind as K;
                        let n = K::ALL.len();
                        let i = K::ALL.iter().position(|k| k == d).unwrap_or(0);
                        let step = if action == Action::Left { n - 1 } else { 1 };
                        *d = K::ALL[(i + step) % n];
                    }
                }
                Action::Submit => {
                    let why = because.value().trim().to_owned();
                    if why.is_empty() {
                        *error = Some("type a one-line rationale first".to_owned());
                        return Vec::new();
                    }
                    let step = match decision {
                        Some(d) => ReviewStep::Decide {
                            item: item.clone(),
                            decision: *d,
                            because: why,
                        },
                        None => ReviewStep::Approve {
                            item: item.clone(),
                            because: why,
                        },
                    };
                    self.dialog = None;
                    return vec![Effect::Review(step)];
                }
                _ => {}
            },
            Dialog::Stage {
                index,
                to,
                justification,
                override_reason,
                confirming,
                error,
            } => {
                let (index, to) = (*index, *to);
                match action {
                    Action::Back if !*confirming => self.dialog = None,
                    Action::No => *confirming = false,
                    Action::Submit if !*confirming => {
                        if justification.value().trim().is_empty() {
                            *error = Some("type a one-line justification first".to_owned());
                        } else if override_reason.is_some() {
                            *confirming = true;
                        } else {
                            return self.submit_stage(index, to);
                        }
                    }
                    Action::Yes if *confirming => return self.submit_stage(index, to),
                    _ => {}
                }
            }
            Dialog::New {
                fields,
                focus,
                error,
            } => match action {
                Action::Back => self.dialog = None,
                Action::NextField | Action::PrevField | Action::Left | Action::Right => {
                    move_in_form(fields, focus, action);
                }
                Action::Submit => {
                    let values: Vec<String> =
                        fields.iter().map(|f| f.input.value().to_owned()).collect();
                    let ctx = form_context(&self.data, FormKind::UseCase);
                    if let Some((at, msg)) = form::first_error_in(form::NEW_USE_CASE, &values, &ctx)
                    {
                        *focus = at;
                        *error = Some(format!("{}: {msg}", form::NEW_USE_CASE[at].name));
                        return Vec::new();
                    }
                    return self.submit_new(&values);
                }
                _ => {}
            },
            Dialog::Form {
                index,
                kind,
                fields,
                focus,
                error,
            } => match action {
                Action::Back => self.dialog = None,
                Action::NextField | Action::PrevField | Action::Left | Action::Right => {
                    move_in_form(fields, focus, action);
                }
                Action::Submit => {
                    let values: Vec<String> =
                        fields.iter().map(|f| f.input.value().to_owned()).collect();
                    let specs: Vec<FieldSpec> = fields.iter().map(|f| f.spec).collect();
                    let ctx = form_context(&self.data, *kind);
                    if let Some((at, msg)) = form::first_error_in(&specs, &values, &ctx) {
                        *focus = at;
                        *error = Some(format!("{}: {msg}", specs[at].name));
                        return Vec::new();
                    }
                    let edit = match kind {
                        FormKind::Measurement => {
                            form::measurement(&values).map(Edit::AddMeasurement)
                        }
                        FormKind::Roi => form::roi(&values).map(Edit::AddRoi),
                        FormKind::UseCase => return Vec::new(),
                    };
                    let index = *index;
                    match edit {
                        Ok(edit) => return self.submit_edit(index, edit, ""),
                        Err((at, msg)) => {
                            *focus = at;
                            *error = Some(msg);
                        }
                    }
                }
                _ => {}
            },
            Dialog::Justify {
                index,
                justification,
                override_reason,
                confirming,
                error,
                copy,
                ..
            } => {
                let index = *index;
                match action {
                    Action::Back if !*confirming => {
                        let msg =
                            format!("not committed; your edited copy is at {}", copy.display());
                        self.dialog = None;
                        self.flash(Level::Info, msg);
                    }
                    Action::No => *confirming = false,
                    Action::Submit if !*confirming => {
                        if justification.value().trim().is_empty() {
                            *error = Some("type a one-line justification first".to_owned());
                        } else if override_reason.is_some() {
                            *confirming = true;
                        } else {
                            return self.submit_justified(index);
                        }
                    }
                    Action::Yes if *confirming => return self.submit_justified(index),
                    _ => {}
                }
            }
            Dialog::Accept {
                branch,
                tip,
                other_files,
                overrides,
                reason,
                confirming,
                error,
                ..
            } => match action {
                Action::Back if !*confirming => self.dialog = None,
                Action::Submit if !*confirming => {
                    if reason.value().trim().is_empty() {
                        *error = Some("type the reason for the override first".to_owned());
                    } else {
                        *confirming = true;
                    }
                }
                Action::Yes if *confirming => {
                    let override_reason =
                        (!overrides.is_empty()).then(|| reason.value().trim().to_owned());
                    let effect = Effect::Accept {
                        branch: branch.clone(),
                        tip: *tip,
                        options: crate::git::proposals::AcceptOptions {
                            allow_other_files: *other_files,
                            override_reason,
                            author: None,
                            also: None,
                        },
                    };
                    self.dialog = None;
                    return vec![effect];
                }
                // With an override, `n` goes back to the reason, as for `>`.
                Action::No if !overrides.is_empty() => *confirming = false,
                Action::No => self.dialog = None,
                _ => {}
            },
            Dialog::EditFailed { index, edited, .. } => match action {
                Action::Yes => {
                    let effect = Effect::Edit {
                        index: *index,
                        edited: Some(edited.clone()),
                    };
                    self.dialog = None;
                    return vec![effect];
                }
                Action::No => {
                    let msg = format!(
                        "kept the file as it was; your edited copy is at {}",
                        edited.display()
                    );
                    self.dialog = None;
                    self.flash(Level::Info, msg);
                }
                _ => {}
            },
        }
        Vec::new()
    }

    fn submit_stage(&mut self, index: usize, to: Stage) -> Vec<Effect> {
        let (justification, reason) = match &self.dialog {
            Some(Dialog::Stage {
                justification,
                override_reason,
                ..
            }) => (justification.value().to_owned(), override_reason.clone()),
            _ => return Vec::new(),
        };
        let e = self.entry(index);
        match change::apply(
            &e.id,
            &e.use_case,
            Edit::MoveStage(to),
            &justification,
            reason.as_deref(),
        ) {
            Ok(applied) => vec![Effect::Commit(self.commit_request(index, applied))],
            Err(err) => {
                self.set_dialog_error(err.to_string());
                Vec::new()
            }
        }
    }

    fn submit_edit(&mut self, index: usize, edit: Edit, justification: &str) -> Vec<Effect> {
        let e = self.entry(index);
        match change::apply(&e.id, &e.use_case, edit, justification, None) {
            Ok(applied) => vec![Effect::Commit(self.commit_request(index, applied))],
            Err(err) => {
                self.set_dialog_error(err.to_string());
                Vec::new()
            }
        }
    }

    /// Shows a failure inside the open dialog (its input is kept), or in
    /// the status bar when none is open.
    pub fn set_dialog_error(&mut self, msg: String) {
        match &mut self.dialog {
            Some(
                Dialog::Stage {
                    error, confirming, ..
                }
                | Dialog::Justify {
                    error, confirming, ..
                },
            ) => {
                *confirming = false;
                *error = Some(msg);
            }
            Some(Dialog::Form { error, .. } | Dialog::New { error, .. }) => *error = Some(msg),
            _ => self.flash(Level::Error, msg),
        }
    }

    /// Records the outcome of a commit: closes the dialog on success, keeps
    /// it (with the message) on failure, so nothing typed is lost. A new
    /// use case is selected once committed.
    pub fn committed(&mut self, result: Result<String, String>) {
        match result {
            Ok(summary) => {
                if let Some(Dialog::New { fields, .. }) = &self.dialog {
                    let id = fields[0].input.value().trim().to_owned();
                    self.select_id(&id);
                }
                self.dialog = None;
                self.flash(Level::Info, summary);
            }
            Err(msg) => self.set_dialog_error(msg),
        }
    }

    /// Keys while the policy editor is open.
    fn update_policy_editor(&mut self, action: Action) -> Vec<Effect> {
        let Some(ed) = &mut self.policy_editor else {
            return Vec::new();
        };
        match action {
            Action::Quit => self.quit = true,
            Action::Back if ed.justifying => ed.justifying = false,
            Action::Back => {
                self.policy_editor = None;
                self.flash(Level::Info, "policy changes discarded");
            }
            Action::Up | Action::PrevField if !ed.justifying => ed.move_focus(-1),
            Action::Down | Action::NextField if !ed.justifying => ed.move_focus(1),
            Action::Submit => match ed.submit(&self.data) {
                Ok(Some(effect)) => return vec![effect],
                Ok(None) => {}
                Err(msg) => self.flash(Level::Error, msg),
            },
            _ => {}
        }
        Vec::new()
    }

    /// The outcome of committing the policy editor's policy: closes the
    /// editor, or keeps it open with the failure shown.
    pub fn policy_committed(&mut self, result: Result<String, String>) {
        match result {
            Ok(summary) => {
                self.policy_editor = None;
                self.flash(Level::Info, summary);
            }
            Err(msg) => self.flash(Level::Error, msg),
        }
    }

    /// Opens the dialog for an edited file with errors.
    pub fn edit_failed(&mut self, index: usize, edited: std::path::PathBuf, problems: Vec<String>) {
        self.dialog = Some(Dialog::EditFailed {
            index,
            edited,
            problems,
        });
    }

    /// Takes a valid externally edited use case: asks why (the commit
    /// carries the justification, as a stage move's does), or says that
    /// nothing changed.
    pub fn edited(
        &mut self,
        index: usize,
        use_case: crate::model::UseCase,
        copy: std::path::PathBuf,
    ) -> Vec<Effect> {
        let e = self.entry(index);
        let fields = change::changed_fields(&e.use_case, &use_case);
        if fields.is_empty() {
            self.flash(Level::Info, "no change: nothing to commit");
            return Vec::new();
        }
        let override_reason =
            change::override_needed(&e.use_case, use_case.stage, &self.data.assessments[index]);
        self.dialog = Some(Dialog::Justify {
            index,
            use_case: Box::new(use_case),
            copy,
            base: Box::new((e.use_case.clone(), e.original.to_vec())),
            fields,
            justification: Input::default(),
            override_reason,
            confirming: false,
            error: None,
        });
        Vec::new()
    }

    fn submit_justified(&mut self, index: usize) -> Vec<Effect> {
        let Some(Dialog::Justify {
            use_case,
            justification,
            override_reason,
            base,
            ..
        }) = &self.dialog
        else {
            return Vec::new();
        };
        let (use_case, justification, reason) = (
            use_case.clone(),
            justification.value().to_owned(),
            override_reason.clone(),
        );
        let (before, original) = (base.0.clone(), base.1.clone());
        let e = self.entry(index);
        match change::apply(
            &e.id,
            &before,
            Edit::Replace(use_case),
            &justification,
            reason.as_deref(),
        ) {
            Ok(applied) => {
                let mut req = self.commit_request(index, applied);
                req.expected = Some(original);
                vec![Effect::Commit(req)]
            }
            Err(err) => {
                self.set_dialog_error(err.to_string());
                Vec::new()
            }
        }
    }

    /// The form context of the open form (for views and tests).
    pub fn form_context(&self) -> form::Context {
        let kind = match &self.dialog {
            Some(Dialog::Form { kind, .. }) => *kind,
            _ => FormKind::UseCase,
        };
        form_context(&self.data, kind)
    }

    fn open_new_form(&mut self) {
        if self.refused(crate::access::Act::ChangeUseCase) {
            return;
        }
        let fields = form::NEW_USE_CASE
            .iter()
            .map(|spec| Field {
                spec: *spec,
                input: Input::default(),
            })
            .collect();
        self.dialog = Some(Dialog::New {
            fields,
            focus: 0,
            error: None,
        });
    }

    fn submit_new(&mut self, values: &[String]) -> Vec<Effect> {
        let id = match crate::model::UseCaseId::new(values[0].trim()) {
            Ok(id) => id,
            Err(_) => return Vec::new(),
        };
        let applied = change::create(&id, &values[1], &values[2], &values[3]);
        vec![Effect::Commit(CommitRequest {
            rel: change::use_case_rel(&id),
            expected: None,
            text: applied.text,
            message: applied.message,
            head: self.data.repo.head,
        })]
    }

    /// Selects use case `id`: on the Board in its stage's column, else on
    /// the Portfolio, clearing filters that hide it.
    fn select_id(&mut self, id: &str) {
        let Some(i) = self
            .data
            .register
            .use_cases
            .iter()
            .position(|e| e.id.as_str() == id)
        else {
            return;
        };
        if self.screen == Screen::Board {
            let c = Stage::ALL
                .iter()
                .position(|s| *s == self.data.rows[i].stage)
                .unwrap_or(0);
            if let Some(pos) = self.board_items(c).iter().position(|&b| b == i) {
                self.board_column = c;
                self.board[c].selected = pos;
                self.follow_all();
            }
            return;
        }
        self.screen = Screen::Portfolio;
        if !self.portfolio.visible.contains(&i) {
            self.portfolio.filter.reset();
            self.portfolio.typing = false;
            self.portfolio.by_match = false;
            self.portfolio.quick = QuickFilter::All;
        }
        self.refilter_keeping(Some(i));
    }

    /// Enter on Problems: the selected problem's file, in the editor, at
    /// its line.
    fn open_problem(&mut self) -> Vec<Effect> {
        if self.refused(crate::access::Act::ChangeUseCase) {
            return Vec::new();
        }
        let reg = &self.data.register;
        let Some(d) = reg.diagnostics.get(self.problems.selected) else {
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
                self.flash(Level::Error, msg);
                Vec::new()
            }
        }
    }
}
/// The context a form of `kind` is checked in: today, the pinned as-of
/// date, the ids taken.
fn form_context(data: &Data, kind: FormKind) -> form::Context {
    form::Context {
        today: Some(data.today),
        pinned_as_of: data.pinned.then_some(data.register.as_of),
        records: match kind {
            FormKind::Measurement => "measurements",
            FormKind::Roi => "ROI evidence",
            FormKind::UseCase => "entries",
        },
        // Ids of files that failed to load are taken too: their file exists.
        taken: data
            .register
            .use_cases
            .iter()
            .map(|e| e.id.to_string())
            .chain(data.register.diagnostics.iter().filter_map(|d| {
                let rel = data.register.rel_of(&d.file)?;
                let stem = rel.strip_prefix("use-cases/")?.strip_suffix(".ron")?;
                Some(stem.to_owned())
            }))
            .collect(),
    }
}

/// Tab, Shift-Tab and the arrows in a form: the focus, or the choice.
fn move_in_form(fields: &mut [Field], focus: &mut usize, action: Action) {
    match action {
        Action::NextField => *focus = (*focus + 1) % fields.len(),
        Action::PrevField => *focus = (*focus + fields.len() - 1) % fields.len(),
        Action::Left | Action::Right => {
            let f = &mut fields[*focus];
            if let FieldKind::Choice(options) = f.spec.kind {
                let at = options
                    .iter()
                    .position(|o| *o == f.input.value())
                    .unwrap_or(0);
                let next = if action == Action::Right {
                    (at + 1) % options.len()
                } else {
                    (at + options.len() - 1) % options.len()
                };
                f.input = Input::new(options[next].to_owned());
            } else {
                let code = if action == Action::Left {
                    ratatui::crossterm::event::KeyCode::Left
                } else {
                    ratatui::crossterm::event::KeyCode::Right
                };
                f.input.handle_event(&Event::Key(KeyEvent::from(code)));
            }
        }
        _ => {}
    }
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
