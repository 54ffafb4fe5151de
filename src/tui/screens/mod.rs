//! One component per screen: its state, its update and its view together.
//!
//! Each screen ([`portfolio`], [`board`], [`readiness`] with its policy
//! editor, [`detail`] with its History tab, [`problems`], [`proposals`],
//! [`review`] with the agenda) implements [`Component`]. [`App`] keeps
//! what is global (the data, the current screen, help, dialogs, the status
//! bar's message, the terminal's size) and hands each action meant for a
//! screen to it with a [`Ctx`]: what the screen may read (the data, the
//! page, who is signed in) and what it may ask of the application (a
//! message, a dialog, another screen). Views draw with a [`View`].
//!
//! [`App`]: super::app::App

pub mod board;
pub mod detail;
pub mod policy_editor;
pub mod portfolio;
pub mod problems;
pub mod proposals;
pub mod readiness;
pub mod review;

use ratatui::Frame;
use ratatui::crossterm::event::Event;
use ratatui::layout::Rect;

use super::app::{Data, Dialog, Effect, Level, Load};
use super::keymap::{Action, Scope};
use super::theme::Theme;

/// What a screen may read while it updates, and what it asks of the
/// application (applied once the screen returns).
pub struct Ctx<'a> {
    /// What the library loaded.
    pub data: &'a Data,
    /// Rows a list can show.
    pub page: usize,
    /// Who is signed in (`None`: the local user).
    pub who: Option<&'a crate::access::Principal>,
    /// A message for the status bar.
    pub flash: Option<(Level, String)>,
    /// A dialog to open over the screen.
    pub dialog: Option<Dialog>,
    /// Another screen to show.
    pub go: Option<Go>,
}

impl<'a> Ctx<'a> {
    /// A context over `data`, asking nothing yet.
    pub fn new(data: &'a Data, page: usize, who: Option<&'a crate::access::Principal>) -> Ctx<'a> {
        Ctx {
            data,
            page,
            who,
            flash: None,
            dialog: None,
            go: None,
        }
    }

    /// Shows a message in the status bar.
    pub fn flash(&mut self, level: Level, text: impl Into<String>) {
        self.flash = Some((level, text.into()));
    }

    /// Whether `act` is refused here (editing is off, or the signed-in
    /// role does not allow it); the status bar then says why.
    pub fn refused(&mut self, act: crate::access::Act) -> bool {
        if let Some(why) = &self.data.read_only {
            let msg = format!("editing is off: {why}");
            self.flash(Level::Error, msg);
            return true;
        }
        if let Some(who) = self.who
            && let crate::access::Permit::No(why) = who.role.permits(act)
        {
            self.flash(Level::Error, why);
            return true;
        }
        false
    }
}

/// A screen a component asks the application to show.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Go {
    /// Detail, on use case (register index).
    Detail(usize),
    /// Back from Detail to the screen it was opened from.
    Back,
}

/// What a view reads besides its own screen's state.
pub struct View<'a> {
    /// What the library loaded.
    pub data: &'a Data,
    /// The colours and styles.
    pub theme: &'a Theme,
    /// Who is signed in (`None`: the local user).
    pub who: Option<&'a crate::access::Principal>,
    /// Whether the Review screen follows the chair on the agenda.
    pub following: bool,
    /// Whether help or a dialog covers the screen (no text cursor shows).
    pub covered: bool,
}

/// A screen: its keys, its update and its view.
pub trait Component {
    /// The keymap scopes while the screen shows, most specific first.
    fn scopes(&self) -> Vec<Scope>;

    /// Whether the screen takes every key before the global ones (an
    /// input it is typing into, an editor it has open).
    fn captures(&self) -> bool {
        false
    }

    /// Applies an action meant for this screen; returns the effects to
    /// perform.
    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect>;

    /// A key no binding claims, for the screen's text input if it has one.
    fn type_into(&mut self, _ev: &Event, _ctx: &mut Ctx<'_>) {}

    /// Draws the screen in `area`.
    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>);

    /// The use case the screen has selected (register index).
    fn selected(&self, _data: &Data) -> Option<usize> {
        None
    }

    /// Keeps the selections valid and in a `page` of rows (after a resize
    /// or a reload).
    fn follow(&mut self, _data: &Data, _page: usize) {}

    /// The data was reloaded (`before`: what it replaces): selections
    /// stay on the same use cases, what came from git loads again.
    fn reloaded(&mut self, _before: &Data, _now: &Data, _page: usize) {}

    /// What the runtime should load for the screen, if anything.
    fn pending_load(&self, _data: &Data) -> Option<Load> {
        None
    }
}

/// The change of a list's selection for a movement key: a row, a page, or
/// either end.
pub fn step_of(action: Action, page: usize) -> isize {
    match action {
        Action::Up => -1,
        Action::Down => 1,
        Action::PageUp => -(page as isize),
        Action::PageDown => page as isize,
        Action::Top => isize::MIN / 2,
        _ => isize::MAX / 2,
    }
}

/// Whether `action` moves a selection or scrolls.
pub fn is_movement(action: Action) -> bool {
    matches!(
        action,
        Action::Up
            | Action::Down
            | Action::PageUp
            | Action::PageDown
            | Action::Top
            | Action::Bottom
    )
}

/// The register index of use case `id` in `data`.
pub fn find(data: &Data, id: &crate::model::UseCaseId) -> Option<usize> {
    data.register.use_cases.iter().position(|e| &e.id == id)
}
