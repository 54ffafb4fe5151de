//! The application state and its one update function.
//!
//! Keys become [`Action`]s (through the keymap), actions and results of
//! effects become state changes here, and views only draw the state. Work
//! with the outside world (reloading, committing, running an editor) is
//! returned as [`Effect`]s for the runtime to perform.
//!
//! [`App`] holds what is global (the data, the current screen, help, the
//! dialogs, the status bar's message, the terminal's size, who is signed
//! in) and one component per screen ([`super::screens`]): each action
//! meant for a screen goes to that screen's update, and the effects it
//! returns come back here for the runtime.

use ratatui::crossterm::event::{Event, KeyEvent, KeyEventKind};

/// The dialogs' types, where the runtime and the tests reach them.
pub use super::dialog::{Dialog, Field, FormKind};
use super::keymap::{self, Action, Scope};
use super::screens::board::{self, Board};
use super::screens::detail::{Detail, History};
use super::screens::portfolio::Portfolio;
use super::screens::problems::Problems;
use super::screens::proposals::Proposals;
use super::screens::readiness::Readiness;
use super::screens::review::Review;
use super::screens::{Component, Ctx, Go};
use crate::git::RepoStatus;
use crate::readiness::Assessment;
use std::sync::Arc;

use crate::register::{Entry, Register};
use crate::report::{self, ListRow, Selection, Summary};

/// The detail screen's tabs, where the tests reach them.
pub use super::screens::detail::Tab;
/// The portfolio's sort columns, quick filters and match highlights.
pub use super::screens::portfolio::{Highlight, QuickFilter, SortColumn};

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

    /// Keeps the selection valid for `len` items and visible in `height`
    /// rows, with no room left empty below the last item.
    pub fn follow(&mut self, len: usize, height: usize) {
        self.reveal(len, height);
        self.offset = self.offset.min(len.saturating_sub(height.max(1)));
    }

    /// Keeps the selection valid for `len` items and in sight in a window
    /// of `height` items, moving the window only when the selection is
    /// outside it (what a view does with the height it really has).
    pub fn reveal(&mut self, len: usize, height: usize) {
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

/// The whole UI state: what is global, and one component per screen.
pub struct App {
    /// What the library loaded.
    pub data: Data,
    /// The current screen.
    pub screen: Screen,
    /// Whether help is showing.
    pub help: bool,
    /// Help scroll position.
    pub help_scroll: Scroll,
    /// The Portfolio screen.
    pub portfolio: Portfolio,
    /// The Board screen.
    pub board: Board,
    /// The Readiness screen, with its policy editor.
    pub readiness: Readiness,
    /// The Problems screen.
    pub problems: Problems,
    /// The Detail screen, with its History tab.
    pub detail: Detail,
    /// The Proposals screen.
    pub proposals: Proposals,
    /// The Review screen, with the agenda.
    pub review: Review,
    /// The open dialog.
    pub dialog: Option<Dialog>,
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
    /// Who is signed in (from `access.ron`), shown in the status bar; their
    /// role decides what the UI offers. `None`: the local user.
    pub who: Option<crate::access::Principal>,
    /// What the runtime is loading, with its progress, for the status bar.
    pub busy: Option<String>,
    /// The data's generation: one more at every [`App::reload`], so that a
    /// load started before can tell it would bring old news.
    pub epoch: u64,
    /// Keys ignored while the terminal is too small, since it last was
    /// large enough: the too-small screen counts them, so that typing into
    /// it is seen to do nothing.
    pub ignored_keys: usize,
}

impl App {
    /// A new UI state over loaded data.
    pub fn new(data: Data) -> App {
        let page = 10;
        App {
            portfolio: Portfolio::new(&data, page),
            data,
            screen: Screen::Portfolio,
            help: false,
            help_scroll: Scroll::default(),
            board: Board::default(),
            readiness: Readiness::default(),
            problems: Problems::default(),
            detail: Detail::default(),
            proposals: Proposals::default(),
            review: Review::default(),
            dialog: None,
            flash: None,
            page,
            size: MIN_SIZE,
            quit: false,
            who: None,
            following: true,
            busy: None,
            ignored_keys: 0,
            epoch: 0,
        }
    }

    /// The component of `screen`.
    pub fn component(&self, screen: Screen) -> &dyn Component {
        match screen {
            Screen::Portfolio => &self.portfolio,
            Screen::Board => &self.board,
            Screen::Readiness => &self.readiness,
            Screen::Detail => &self.detail,
            Screen::Problems => &self.problems,
            Screen::Proposals => &self.proposals,
            Screen::Review => &self.review,
        }
    }

    /// The data and every screen's component, to update them all.
    fn screens(&mut self) -> (&Data, [&mut dyn Component; 7]) {
        (
            &self.data,
            [
                &mut self.portfolio,
                &mut self.board,
                &mut self.readiness,
                &mut self.detail,
                &mut self.problems,
                &mut self.proposals,
                &mut self.review,
            ],
        )
    }

    /// Applies what a screen asked for: a message, a dialog, another screen.
    fn asked(&mut self, flash: Option<(Level, String)>, dialog: Option<Dialog>, go: Option<Go>) {
        if flash.is_some() {
            self.flash = flash;
        }
        if dialog.is_some() {
            self.dialog = dialog;
        }
        match go {
            Some(Go::Detail(i)) => self.open_detail(i),
            Some(Go::Back) => self.screen = self.detail.back_to,
            None => {}
        }
    }

    /// The component of `screen`, to change it, and a [`Ctx`] over the
    /// data for it.
    fn split(&mut self, screen: Screen) -> (&mut dyn Component, Ctx<'_>) {
        let ctx = Ctx::new(&self.data, self.page, self.who.as_ref());
        let component: &mut dyn Component = match screen {
            Screen::Portfolio => &mut self.portfolio,
            Screen::Board => &mut self.board,
            Screen::Readiness => &mut self.readiness,
            Screen::Detail => &mut self.detail,
            Screen::Problems => &mut self.problems,
            Screen::Proposals => &mut self.proposals,
            Screen::Review => &mut self.review,
        };
        (component, ctx)
    }

    /// Runs `f` on the component of `screen`, then applies what it asked
    /// for through the [`Ctx`].
    fn with_screen<R>(
        &mut self,
        screen: Screen,
        f: impl FnOnce(&mut dyn Component, &mut Ctx<'_>) -> R,
    ) -> R {
        let (component, mut ctx) = self.split(screen);
        let out = f(component, &mut ctx);
        let Ctx {
            flash, dialog, go, ..
        } = ctx;
        self.asked(flash, dialog, go);
        out
    }

    /// Hands `action` to the component of `screen`.
    fn dispatch(&mut self, screen: Screen, action: Action) -> Vec<Effect> {
        self.with_screen(screen, |c, ctx| c.update(action, ctx))
    }

    /// The entry at register index `i`.
    pub fn entry(&self, i: usize) -> &Entry {
        &self.data.register.use_cases[i]
    }

    /// The register indices in a board column, sorted by title.
    pub fn board_items(&self, column: usize) -> Vec<usize> {
        board::items(&self.data, column)
    }

    /// The use case the current screen has selected (register index).
    pub fn selected(&self) -> Option<usize> {
        self.component(self.screen).selected(&self.data)
    }

    /// The active keymap scopes, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        if let Some(d) = &self.dialog {
            return d.scopes();
        }
        if self.help {
            return vec![Scope::List, Scope::Global];
        }
        self.component(self.screen).scopes()
    }

    /// Handles one terminal event; returns the effects to perform.
    pub fn handle_event(&mut self, ev: &Event) -> Vec<Effect> {
        match ev {
            Event::Key(key) if key.kind == KeyEventKind::Press && self.too_small() => {
                // The screen shows only "too small": a key must not act on
                // anything the user cannot see. Only quitting works.
                if keymap::resolve(key, &[Scope::Global]) == Some(Action::Quit) {
                    self.quit = true;
                } else {
                    self.ignored_keys += 1;
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
        if !self.too_small() {
            self.ignored_keys = 0;
        }
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
            dialog.type_into(ev);
            return;
        }
        self.with_screen(self.screen, |c, ctx| c.type_into(ev, ctx));
    }

    /// Applies one action: a dialog's or help's if one is open, else the
    /// current screen's when it takes every key (a filter typed, the
    /// policy editor), else a global one or the screen's own.
    pub fn update(&mut self, action: Action) -> Vec<Effect> {
        if action != Action::Reload {
            self.flash = None;
        }
        if self.dialog.is_some() {
            return self.update_dialog(action);
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
        if self.component(self.screen).captures() {
            if action == Action::Quit {
                self.quit = true;
                return Vec::new();
            }
            return self.dispatch(self.screen, action);
        }
        match action {
            Action::Quit => self.quit = true,
            Action::Help => {
                self.help = true;
                self.help_scroll = Scroll::default();
            }
            Action::NextScreen => {
                self.go(Screen::ALL[(self.screen.index() + 1) % Screen::ALL.len()])
            }
            Action::PrevScreen => self
                .go(Screen::ALL[(self.screen.index() + Screen::ALL.len() - 1) % Screen::ALL.len()]),
            Action::Screen(n) => {
                self.go(Screen::ALL[usize::from(n.clamp(1, Screen::ALL.len() as u8)) - 1])
            }
            Action::Reload => return vec![Effect::Reload],
            Action::Filter => {
                self.screen = Screen::Portfolio;
                self.portfolio.typing = true;
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
            // Each screen's own keys go to it, wherever they were pressed.
            Action::SortNext | Action::SortReverse | Action::QuickFilter => {
                return self.dispatch(Screen::Portfolio, action);
            }
            Action::Accept => return self.dispatch(Screen::Proposals, action),
            Action::ToggleAgenda
            | Action::ReviewStart
            | Action::ReviewDecide
            | Action::ReviewApprove => return self.dispatch(Screen::Review, action),
            Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
            | Action::Left
            | Action::Right
            | Action::Open
            | Action::Back
            | Action::WhatIf => return self.dispatch(self.screen, action),
            Action::Submit | Action::NextField | Action::PrevField | Action::Yes | Action::No => {}
        }
        Vec::new()
    }

    fn go(&mut self, screen: Screen) {
        if screen == Screen::Detail {
            match self.selected().or(self.detail.index) {
                Some(i) => self.open_detail(i),
                None => self.flash(Level::Info, "select a use case first"),
            }
            return;
        }
        self.screen = screen;
    }

    fn open_detail(&mut self, i: usize) {
        self.detail.open(i, self.screen);
        self.screen = Screen::Detail;
    }

    fn follow_all(&mut self) {
        let page = self.page;
        let (data, screens) = self.screens();
        for c in screens {
            c.follow(data, page);
        }
    }

    /// The chair of the open review looks at agenda item `item`: noted,
    /// and when following, selected here too (shown on the Review screen).
    /// Whether anything changed.
    pub fn follow_chair(&mut self, item: &str, by: &str) -> bool {
        self.review.chair_on = Some(item.to_owned());
        if !self.following || self.chair_focus().is_some() {
            return true;
        }
        if self.review.select_item(item, self.page)
            && self.screen == Screen::Review
            && self.review.agenda_shown
        {
            self.flash(
                Level::Info,
                format!(
                    "following the chair, {}: {} (f stops)",
                    crate::text::sanitize(by),
                    crate::text::sanitize(item)
                ),
            );
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
        let mut ctx = Ctx::new(&self.data, self.page, self.who.as_ref());
        let refused = ctx.refused(act);
        if let Some(f) = ctx.flash {
            self.flash = Some(f);
        }
        refused
    }

    /// Shows a message in the status bar.
    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        self.flash = Some((level, text.into()));
    }

    /// Recomputes the visible portfolio rows, keeping the selected use case
    /// selected when it is still visible.
    pub fn refilter(&mut self) {
        self.portfolio.refilter(&self.data, self.page);
    }

    /// What the runtime should load for the current screen, if anything:
    /// the History tab's commits, the proposals, the review tags, the
    /// report for the selected review tag, or the agenda.
    pub fn pending_load(&self) -> Option<Load> {
        if self.help || self.dialog.is_some() {
            return None;
        }
        self.component(self.screen).pending_load(&self.data)
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
        self.proposals.loaded(result, self.page);
    }

    /// Stores the loaded review tags (or why they could not be loaded).
    pub fn review_tags_loaded(
        &mut self,
        result: Result<Vec<crate::git::review::ReviewTag>, String>,
    ) {
        self.review.tags_loaded(result, self.page);
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

    /// Shows how a review step went.
    pub fn reviewed(&mut self, result: Result<String, String>) {
        match result {
            Ok(msg) => self.flash(Level::Info, msg),
            Err(e) => self.flash(Level::Error, e),
        }
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
        self.detail.history = History::loaded(id, result);
    }

    /// Stores the signature state of the history's commits.
    pub fn signatures_loaded(
        &mut self,
        signatures: std::collections::HashMap<String, crate::verify::State>,
    ) {
        self.detail.history.signatures = signatures;
    }

    /// Replaces the data after a reload, keeping selections by id.
    pub fn reload(&mut self, data: Data) {
        // New commits may have landed: what came from git is loaded again
        // on demand, keeping the selections.
        self.epoch += 1;
        let dialog_id = self
            .dialog
            .as_ref()
            .and_then(Dialog::index)
            .map(|i| self.entry(i).id.clone());
        // Register indices change when use cases are added or removed: the
        // screens keep their selected use case by id, not by position.
        let before = std::mem::replace(&mut self.data, data);
        let page = self.page;
        let (data, screens) = self.screens();
        for c in screens {
            c.reloaded(&before, data, page);
        }
        if self.detail.index.is_none() && self.screen == Screen::Detail {
            self.screen = self.detail.back_to;
        }
        if let Some(id) = dialog_id {
            match self.data.register.use_cases.iter().position(|e| e.id == id) {
                Some(new) => {
                    if let Some(index) = self.dialog.as_mut().and_then(Dialog::index_mut) {
                        *index = new;
                    }
                }
                None => {
                    self.dialog = None;
                    self.flash(
                        Level::Error,
                        format!("{id} is gone from the register after reloading"),
                    );
                }
            }
        }
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
        match Dialog::stage(&self.data, i, action) {
            Ok(d) => self.dialog = Some(d),
            Err(msg) => self.flash(Level::Info, msg),
        }
    }

    fn open_form(&mut self, kind: FormKind) {
        let Some(i) = self.editable_selection() else {
            return;
        };
        self.dialog = Some(Dialog::form(&self.data, i, kind));
    }

    fn open_new_form(&mut self) {
        if self.refused(crate::access::Act::ChangeUseCase) {
            return;
        }
        self.dialog = Some(Dialog::new_use_case());
    }

    /// Keys while a dialog is open: quitting, or the dialog's own.
    fn update_dialog(&mut self, action: Action) -> Vec<Effect> {
        let Some(dialog) = self.dialog.as_mut() else {
            return Vec::new();
        };
        if action == Action::Quit {
            self.quit = true;
            return Vec::new();
        }
        let reply = dialog.update(action, &self.data);
        if reply.close {
            self.dialog = None;
        }
        if reply.flash.is_some() {
            self.flash = reply.flash;
        }
        reply.effects
    }

    /// Shows a failure inside the open dialog (its input is kept), or in
    /// the status bar when none is open.
    pub fn set_dialog_error(&mut self, msg: String) {
        let unshown = match &mut self.dialog {
            Some(d) => d.set_error(msg),
            None => Err(msg),
        };
        if let Err(msg) = unshown {
            self.flash(Level::Error, msg);
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

    /// The outcome of committing the policy editor's policy: closes the
    /// editor, or keeps it open with the failure shown.
    pub fn policy_committed(&mut self, result: Result<String, String>) {
        match result {
            Ok(summary) => {
                self.readiness.editor = None;
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
        match Dialog::justify(&self.data, index, use_case, copy) {
            Ok(d) => self.dialog = Some(d),
            Err(msg) => self.flash(Level::Info, msg),
        }
        Vec::new()
    }

    /// The form context of the open form (for views and tests).
    pub fn form_context(&self) -> crate::form::Context {
        match &self.dialog {
            Some(d) => d.form_context(&self.data),
            None => super::dialog::form_context(&self.data, FormKind::UseCase),
        }
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
            self.board.select(&self.data, i);
            self.follow_all();
            return;
        }
        self.screen = Screen::Portfolio;
        self.portfolio.select(&self.data, self.page, i);
    }
}
