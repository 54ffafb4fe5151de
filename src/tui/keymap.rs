//! The one keybinding registry.
//!
//! Every key the UI understands is a [`Binding`] in [`BINDINGS`]; key
//! dispatch, the help screen and the status bar hints are all generated from
//! it, so they can never drift apart.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// What a key asks the application to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Leave ripen.
    Quit,
    /// Close the dialog, leave the filter, or go back a screen.
    Back,
    /// Show or hide the help screen.
    Help,
    /// Next screen.
    NextScreen,
    /// Previous screen.
    PrevScreen,
    /// Go to screen n (1-based).
    Screen(u8),
    /// Reload the register from disk.
    Reload,
    /// Move the selection up.
    Up,
    /// Move the selection down.
    Down,
    /// Move the selection a page up.
    PageUp,
    /// Move the selection a page down.
    PageDown,
    /// Select the first item.
    Top,
    /// Select the last item.
    Bottom,
    /// Previous column or tab.
    Left,
    /// Next column or tab.
    Right,
    /// Open the selected use case.
    Open,
    /// Start typing a filter.
    Filter,
    /// Sort by the next column.
    SortNext,
    /// Reverse the sort order.
    SortReverse,
    /// Cycle the quick filters.
    QuickFilter,
    /// Move the selected use case to the previous stage.
    StagePrev,
    /// Move the selected use case to the next stage.
    StageNext,
    /// Add a measurement to the selected use case.
    AddMeasurement,
    /// Add ROI evidence to the selected use case.
    AddRoi,
    /// Edit the selected use case's file in $VISUAL / $EDITOR.
    EditFile,
    /// Accept the selected proposal.
    Accept,
    /// Show the review's agenda instead of the report, or back.
    ToggleAgenda,
    /// Start the review of the current quarter.
    ReviewStart,
    /// Decide on the selected agenda item.
    ReviewDecide,
    /// Approve the selected item's pending decision.
    ReviewApprove,
    /// Follow the review's chair on the agenda, or stop following.
    ToggleFollow,
    /// Create a use case.
    NewUseCase,
    /// Submit the dialog or accept the filter.
    Submit,
    /// Next field of a form.
    NextField,
    /// Previous field of a form.
    PrevField,
    /// Confirm (yes) in a confirmation.
    Yes,
    /// Decline (no) in a confirmation.
    No,
    /// Open the policy editor beside the candidates.
    WhatIf,
}

/// Where a binding applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Scope {
    /// Everywhere outside dialogs and the filter input.
    Global,
    /// Moving in any list.
    List,
    /// Lists of use cases (opening one).
    Open,
    /// The selected use case (changing it).
    Selected,
    /// The portfolio table.
    Portfolio,
    /// The stage board.
    Board,
    /// The readiness screen.
    Readiness,
    /// The detail screen.
    Detail,
    /// The proposals screen.
    Proposals,
    /// The problems screen.
    Problems,
    /// The review screen.
    Review,
    /// While typing a filter.
    Filter,
    /// Inside a form.
    Dialog,
    /// A one-line prompt (the stage move's justification).
    Prompt,
    /// A yes/no confirmation.
    Confirm,
    /// The policy editor of the readiness screen.
    PolicyEditor,
}

impl Scope {
    /// The heading of this scope on the help screen.
    pub fn title(self) -> &'static str {
        match self {
            Scope::Global => "Everywhere",
            Scope::List => "Lists",
            Scope::Open => "Lists of use cases",
            Scope::Selected => "The selected use case",
            Scope::Prompt => "One-line prompts",
            Scope::Portfolio => "Portfolio",
            Scope::Board => "Board",
            Scope::Detail => "Detail",
            Scope::Proposals => "Proposals",
            Scope::Problems => "Problems",
            Scope::Review => "Review",
            Scope::Filter => "Typing a filter",
            Scope::Dialog => "Dialogs and forms",
            Scope::Confirm => "Confirmations",
            Scope::Readiness => "Readiness",
            Scope::PolicyEditor => "Policy editor",
        }
    }
}

/// A key: a code plus modifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Key(pub KeyCode, pub KeyModifiers);

const fn ch(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::NONE)
}
const fn code(c: KeyCode) -> Key {
    Key(c, KeyModifiers::NONE)
}
const fn ctrl(c: char) -> Key {
    Key(KeyCode::Char(c), KeyModifiers::CONTROL)
}

impl Key {
    /// Whether a key event is this key. Shift is implied by upper-case
    /// characters and ignored for them, since terminals differ in reporting it.
    pub fn matches(&self, ev: &KeyEvent) -> bool {
        match (self.0, ev.code) {
            (KeyCode::Char(a), KeyCode::Char(b)) => {
                let mods = ev.modifiers - KeyModifiers::SHIFT;
                a == b && mods == self.1 - KeyModifiers::SHIFT
            }
            (KeyCode::BackTab, KeyCode::BackTab) => true,
            (a, b) => a == b && ev.modifiers == self.1,
        }
    }

    /// How the key is written on the help screen and in hints.
    pub fn label(&self) -> String {
        let base = match self.0 {
            KeyCode::Char(' ') => "Space".to_owned(),
            KeyCode::Char(c) => c.to_string(),
            KeyCode::Enter => "Enter".to_owned(),
            KeyCode::Esc => "Esc".to_owned(),
            KeyCode::Tab => "Tab".to_owned(),
            KeyCode::BackTab => "S-Tab".to_owned(),
            KeyCode::Up => "↑".to_owned(),
            KeyCode::Down => "↓".to_owned(),
            KeyCode::Left => "←".to_owned(),
            KeyCode::Right => "→".to_owned(),
            KeyCode::PageUp => "PgUp".to_owned(),
            KeyCode::PageDown => "PgDn".to_owned(),
            KeyCode::Home => "Home".to_owned(),
            KeyCode::End => "End".to_owned(),
            KeyCode::F(n) => format!("F{n}"),
            other => format!("{other:?}"),
        };
        if self.1.contains(KeyModifiers::CONTROL) {
            format!("C-{base}")
        } else {
            base
        }
    }
}

/// One binding: keys, what they do, where, and how they are described.
#[derive(Debug, Clone, Copy)]
pub struct Binding {
    /// The keys (the first is the one shown in hints).
    pub keys: &'static [Key],
    /// The action.
    pub action: Action,
    /// Where it applies.
    pub scope: Scope,
    /// The help screen's description.
    pub help: &'static str,
    /// A short label for the status bar, if it is worth a hint there.
    pub hint: Option<&'static str>,
}

macro_rules! b {
    ($scope:ident, [$($k:expr),+], $action:expr, $help:literal) => {
        Binding { keys: &[$($k),+], action: $action, scope: Scope::$scope, help: $help, hint: None }
    };
    ($scope:ident, [$($k:expr),+], $action:expr, $help:literal, $hint:literal) => {
        Binding { keys: &[$($k),+], action: $action, scope: Scope::$scope, help: $help, hint: Some($hint) }
    };
}

/// Every binding of the UI. Order matters: within a scope, the first match wins.
pub static BINDINGS: &[Binding] = &[
    b!(
        Global,
        [ch('q'), ctrl('c')],
        Action::Quit,
        "quit ripen",
        "quit"
    ),
    b!(
        Global,
        [ch('?'), code(KeyCode::F(1))],
        Action::Help,
        "show or hide this help",
        "help"
    ),
    b!(
        Global,
        [code(KeyCode::Esc)],
        Action::Back,
        "go back (close help, detail, clear filter)"
    ),
    b!(
        Global,
        [code(KeyCode::Tab)],
        Action::NextScreen,
        "next screen",
        "screens"
    ),
    b!(
        Global,
        [code(KeyCode::BackTab)],
        Action::PrevScreen,
        "previous screen"
    ),
    b!(Global, [ch('1')], Action::Screen(1), "Portfolio screen"),
    b!(Global, [ch('2')], Action::Screen(2), "Board screen"),
    b!(Global, [ch('3')], Action::Screen(3), "Readiness screen"),
    b!(
        Global,
        [ch('4')],
        Action::Screen(4),
        "Detail of the selected use case"
    ),
    b!(Global, [ch('5')], Action::Screen(5), "Problems screen"),
    b!(
        Global,
        [ch('6')],
        Action::Screen(6),
        "Proposals screen (branches)"
    ),
    b!(
        Global,
        [ch('7')],
        Action::Screen(7),
        "Review screen (now against a review tag)"
    ),
    b!(
        Proposals,
        [ch('a')],
        Action::Accept,
        "accept the selected proposal (asks first)",
        "accept"
    ),
    b!(
        Review,
        [ch('a')],
        Action::ToggleAgenda,
        "show the review's agenda (decisions so far), or the report again",
        "agenda"
    ),
    b!(
        Review,
        [ch('s')],
        Action::ReviewStart,
        "start the review of the current quarter with this agenda (one commit)",
        "start"
    ),
    b!(
        Review,
        [ch('d')],
        Action::ReviewDecide,
        "decide on the selected agenda item: ←/→ the decision, a rationale, Enter",
        "decide"
    ),
    b!(
        Review,
        [ch('p')],
        Action::ReviewApprove,
        "approve the selected item's pending decision (not your own)",
        "approve"
    ),
    b!(
        Review,
        [ch('f')],
        Action::ToggleFollow,
        "follow the review's chair on the agenda (over ripen serve), or stop",
        "follow"
    ),
    b!(
        Global,
        [ch('n')],
        Action::NewUseCase,
        "new use case: id, title, owner, team (one commit)",
        "new"
    ),
    b!(
        Problems,
        [code(KeyCode::Enter)],
        Action::Open,
        "open the file at the problem's line in $VISUAL / $EDITOR, then reload",
        "fix in editor"
    ),
    b!(
        Global,
        [ch('r')],
        Action::Reload,
        "reload the register from disk",
        "reload"
    ),
    b!(List, [ch('k'), code(KeyCode::Up)], Action::Up, "move up"),
    b!(
        List,
        [ch('j'), code(KeyCode::Down)],
        Action::Down,
        "move down"
    ),
    b!(
        List,
        [code(KeyCode::PageUp), ctrl('b')],
        Action::PageUp,
        "page up"
    ),
    b!(
        List,
        [code(KeyCode::PageDown), ctrl('f')],
        Action::PageDown,
        "page down"
    ),
    b!(
        List,
        [ch('g'), code(KeyCode::Home)],
        Action::Top,
        "first item"
    ),
    b!(
        List,
        [ch('G'), code(KeyCode::End)],
        Action::Bottom,
        "last item"
    ),
    b!(
        Open,
        [code(KeyCode::Enter)],
        Action::Open,
        "open the selected use case",
        "open"
    ),
    b!(
        Portfolio,
        [ch('/')],
        Action::Filter,
        "filter (fuzzy over id, title, team, owner)",
        "filter"
    ),
    b!(
        Portfolio,
        [ch('s')],
        Action::SortNext,
        "sort by the next column",
        "sort"
    ),
    b!(
        Portfolio,
        [ch('S')],
        Action::SortReverse,
        "reverse the sort order"
    ),
    b!(
        Portfolio,
        [ch('f')],
        Action::QuickFilter,
        "cycle quick filters (ready, almost, stale, ...)",
        "quick filter"
    ),
    b!(
        Readiness,
        [ch('w')],
        Action::WhatIf,
        "what if: edit the policy beside the candidates, see the verdicts that flip",
        "what if"
    ),
    b!(
        PolicyEditor,
        [ctrl('c')],
        Action::Quit,
        "quit ripen (the changes typed are discarded)"
    ),
    b!(
        PolicyEditor,
        [code(KeyCode::Up), code(KeyCode::BackTab)],
        Action::PrevField,
        "previous field"
    ),
    b!(
        PolicyEditor,
        [code(KeyCode::Down), code(KeyCode::Tab)],
        Action::NextField,
        "next field",
        "field"
    ),
    b!(
        PolicyEditor,
        [code(KeyCode::Enter)],
        Action::Submit,
        "commit the changed policy (asks why first)",
        "commit"
    ),
    b!(
        PolicyEditor,
        [code(KeyCode::Esc)],
        Action::Back,
        "discard the changes (or leave the justification)",
        "discard"
    ),
    b!(
        Board,
        [ch('h'), code(KeyCode::Left)],
        Action::Left,
        "previous stage column"
    ),
    b!(
        Board,
        [ch('l'), code(KeyCode::Right)],
        Action::Right,
        "next stage column"
    ),
    b!(
        Detail,
        [ch('h'), code(KeyCode::Left)],
        Action::Left,
        "previous tab",
        "tabs"
    ),
    b!(
        Detail,
        [ch('l'), code(KeyCode::Right)],
        Action::Right,
        "next tab"
    ),
    b!(
        Detail,
        [ch('k'), code(KeyCode::Up)],
        Action::Up,
        "scroll up (History: previous commit)"
    ),
    b!(
        Detail,
        [ch('j'), code(KeyCode::Down)],
        Action::Down,
        "scroll down (History: next commit)"
    ),
    b!(
        Selected,
        [ch('<')],
        Action::StagePrev,
        "move it to the previous stage (asks for a justification)"
    ),
    b!(
        Selected,
        [ch('>')],
        Action::StageNext,
        "move it to the next stage (asks for a justification)",
        "stage"
    ),
    b!(
        Selected,
        [ch('m')],
        Action::AddMeasurement,
        "add a measurement",
        "measure"
    ),
    b!(
        Selected,
        [ch('o')],
        Action::AddRoi,
        "add ROI evidence",
        "ROI"
    ),
    b!(
        Selected,
        [ch('e')],
        Action::EditFile,
        "edit the file in $VISUAL / $EDITOR",
        "edit"
    ),
    b!(Filter, [ctrl('c')], Action::Quit, "quit ripen"),
    b!(
        Filter,
        [code(KeyCode::Enter)],
        Action::Submit,
        "keep the filter and return to the table",
        "keep"
    ),
    b!(
        Filter,
        [code(KeyCode::Esc)],
        Action::Back,
        "clear the filter",
        "clear"
    ),
    b!(Filter, [code(KeyCode::Up)], Action::Up, "move up"),
    b!(Filter, [code(KeyCode::Down)], Action::Down, "move down"),
    b!(
        Prompt,
        [ctrl('c')],
        Action::Quit,
        "quit ripen (the text typed is discarded)"
    ),
    b!(
        Prompt,
        [code(KeyCode::Enter)],
        Action::Submit,
        "commit",
        "commit"
    ),
    b!(
        Prompt,
        [code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "cancel"
    ),
    b!(
        Dialog,
        [ctrl('c')],
        Action::Quit,
        "quit ripen (a dialog's input is discarded)"
    ),
    b!(
        Dialog,
        [code(KeyCode::Enter)],
        Action::Submit,
        "submit",
        "submit"
    ),
    b!(
        Dialog,
        [code(KeyCode::Esc)],
        Action::Back,
        "cancel",
        "cancel"
    ),
    b!(
        Dialog,
        [code(KeyCode::Tab), code(KeyCode::Down)],
        Action::NextField,
        "next field",
        "next field"
    ),
    b!(
        Dialog,
        [code(KeyCode::BackTab), code(KeyCode::Up)],
        Action::PrevField,
        "previous field"
    ),
    b!(
        Dialog,
        [code(KeyCode::Left)],
        Action::Left,
        "previous choice (choice fields)"
    ),
    b!(
        Dialog,
        [code(KeyCode::Right)],
        Action::Right,
        "next choice (choice fields)"
    ),
    b!(Confirm, [ctrl('c')], Action::Quit, "quit ripen"),
    b!(Confirm, [ch('y')], Action::Yes, "yes, go ahead", "yes"),
    b!(
        Confirm,
        [ch('n'), code(KeyCode::Esc)],
        Action::No,
        "no, go back",
        "no"
    ),
];

/// The first binding in `scopes` (searched in order) that `ev` matches.
pub fn resolve(ev: &KeyEvent, scopes: &[Scope]) -> Option<Action> {
    scopes.iter().find_map(|scope| {
        BINDINGS
            .iter()
            .filter(|b| b.scope == *scope)
            .find(|b| b.keys.iter().any(|k| k.matches(ev)))
            .map(|b| b.action)
    })
}

/// The status-bar hints for the active scopes: `(key, label, scope)`,
/// most specific scope first.
pub fn hints(scopes: &[Scope]) -> Vec<(String, &'static str, Scope)> {
    let mut out: Vec<(String, &'static str, Scope)> = Vec::new();
    for scope in scopes {
        for b in BINDINGS.iter().filter(|b| b.scope == *scope) {
            if let Some(hint) = b.hint
                && !out.iter().any(|(_, h, _)| *h == hint)
            {
                out.push((b.keys[0].label(), hint, *scope));
            }
        }
    }
    out
}

/// Help screen content: per scope, `(keys, description)` rows.
pub fn help_sections() -> Vec<(Scope, Vec<(String, &'static str)>)> {
    let mut scopes: Vec<Scope> = BINDINGS.iter().map(|b| b.scope).collect();
    scopes.sort();
    scopes.dedup();
    scopes
        .into_iter()
        .map(|scope| {
            let rows = BINDINGS
                .iter()
                .filter(|b| b.scope == scope)
                .map(|b| {
                    let keys: Vec<String> = b.keys.iter().map(Key::label).collect();
                    (keys.join(" "), b.help)
                })
                .collect();
            (scope, rows)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(c: KeyCode) -> KeyEvent {
        KeyEvent::new(c, KeyModifiers::NONE)
    }

    #[test]
    fn scopes_are_searched_in_order() {
        let ev = key(KeyCode::Char('l'));
        assert_eq!(
            resolve(&ev, &[Scope::Board, Scope::Global]),
            Some(Action::Right)
        );
        assert_eq!(resolve(&ev, &[Scope::List, Scope::Global]), None);
        let upper = KeyEvent::new(KeyCode::Char('S'), KeyModifiers::SHIFT);
        assert_eq!(
            resolve(&upper, &[Scope::Portfolio]),
            Some(Action::SortReverse)
        );
    }

    #[test]
    fn the_key_tables_of_the_ui_guide_match_the_keymap() {
        let docs = include_str!("../../docs/ui.md").replace('`', "");
        for (scope, rows) in help_sections() {
            assert!(
                docs.contains(&format!("### {}\n", scope.title())),
                "docs/ui.md has no section {}",
                scope.title()
            );
            for (keys, help) in rows {
                let row = format!("| {keys} | {help} |");
                assert!(docs.contains(&row), "docs/ui.md lacks the row {row}");
            }
        }
    }

    #[test]
    fn no_key_is_bound_twice_within_a_scope() {
        for (i, a) in BINDINGS.iter().enumerate() {
            for b in &BINDINGS[i + 1..] {
                if a.scope == b.scope {
                    for k in a.keys {
                        assert!(
                            !b.keys.contains(k),
                            "{} bound twice in {:?}",
                            k.label(),
                            a.scope
                        );
                    }
                }
            }
        }
    }
}
