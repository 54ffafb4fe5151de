//! Shared helpers for the terminal UI tests: the shipped register loaded at
//! fixed dates with a fixed repository status, key presses, and rendering
//! to a test backend.

#![allow(dead_code)]

use std::path::{Path, PathBuf};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ripen::git::RepoStatus;
use ripen::model::{Date, UseCase};
use ripen::register::{self, Content, Register, Snapshot, SourceFile};
use ripen::tui::app::{App, Data, Effect};
use ripen::tui::theme::Theme;

/// The date the shipped register pins (`as_of` in `state/register.ron`).
pub fn as_of() -> Date {
    Date::from_ymd(2026, 10, 15).unwrap()
}

/// "Today", fixed, so nothing depends on the clock.
pub fn today() -> Date {
    Date::from_ymd(2026, 10, 15).unwrap()
}

/// The shipped state directory.
pub fn state_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("state")
}

/// A fixed repository status, so snapshots do not depend on the real repo.
pub fn repo() -> RepoStatus {
    RepoStatus {
        branch: Some("main".into()),
        head: Some(git2::Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap()),
        dirty: false,
        in_repo: true,
    }
}

/// Reads `dir` and loads it; paths are shown under `state/` wherever the
/// directory really is, so output is the same on every machine.
pub fn load_dir(dir: &Path) -> Register {
    let mut snapshot = ripen::store::snapshot(dir).expect("read the state directory");
    snapshot.root = "state".to_owned();
    register::load(&snapshot, Some(as_of()), today())
}

/// The shipped register.
pub fn shipped_register() -> Register {
    load_dir(&state_dir())
}

/// The shipped register's data, editable.
pub fn shipped() -> Data {
    Data::new(shipped_register(), repo(), None)
}

/// An app over `data` in a terminal `height` rows high.
pub fn app_with(data: Data, height: u16) -> App {
    let mut app = App::new(data);
    app.resize(height);
    app
}

/// An app over the shipped register, 24 rows high.
pub fn app() -> App {
    app_with(shipped(), 24)
}

/// The bytes of one shipped file.
pub fn shipped_file(rel: &str) -> Vec<u8> {
    std::fs::read(state_dir().join(rel)).unwrap()
}

/// A shipped use case, parsed.
pub fn shipped_use_case(id: &str) -> UseCase {
    let bytes = shipped_file(&format!("use-cases/{id}.ron"));
    register::parse_use_case(std::str::from_utf8(&bytes).unwrap()).unwrap()
}

/// A register in memory: the shipped settings and policy plus `cases`
/// (`(id, use case)`), each written in the canonical layout.
pub fn register_of(cases: &[(&str, &UseCase)]) -> Register {
    let mut files = vec![
        SourceFile {
            rel: "register.ron".to_owned(),
            content: Content::Bytes(shipped_file("register.ron")),
        },
        SourceFile {
            rel: "policy.ron".to_owned(),
            content: Content::Bytes(shipped_file("policy.ron")),
        },
    ];
    for (id, u) in cases {
        files.push(SourceFile {
            rel: format!("use-cases/{id}.ron"),
            content: Content::Bytes(ripen::model::canonical::use_case(u).into_bytes()),
        });
    }
    let snapshot = Snapshot {
        root: "state".to_owned(),
        files,
    };
    register::load(&snapshot, Some(as_of()), today())
}

/// A key event without modifiers.
pub fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

/// A character key event (upper-case letters carry Shift, as terminals send them).
pub fn ch(c: char) -> Event {
    let mods = if c.is_ascii_uppercase() {
        KeyModifiers::SHIFT
    } else {
        KeyModifiers::NONE
    };
    Event::Key(KeyEvent::new(KeyCode::Char(c), mods))
}

/// Presses one key; returns the effects.
pub fn press(app: &mut App, code: KeyCode) -> Vec<Effect> {
    app.handle_event(&key(code))
}

/// Types each character of `s` as a key press; returns all effects.
pub fn type_str(app: &mut App, s: &str) -> Vec<Effect> {
    s.chars().flat_map(|c| app.handle_event(&ch(c))).collect()
}

/// The register index of use case `id`.
pub fn index_of(app: &App, id: &str) -> usize {
    app.data
        .register
        .use_cases
        .iter()
        .position(|e| e.id.as_str() == id)
        .unwrap_or_else(|| panic!("no use case {id}"))
}

/// The id of the use case at register index `i`.
pub fn id_at(app: &App, i: usize) -> String {
    app.entry(i).id.to_string()
}

/// Moves the portfolio selection (by pressing `j`) onto use case `id`.
pub fn select_in_portfolio(app: &mut App, id: &str) {
    let target = index_of(app, id);
    let pos = app
        .portfolio
        .visible
        .iter()
        .position(|&i| i == target)
        .unwrap_or_else(|| panic!("{id} is not visible"));
    type_str(app, "g");
    for _ in 0..pos {
        type_str(app, "j");
    }
    assert_eq!(app.selected(), Some(target));
}

/// Draws the app on a `w` x `h` test terminal.
pub fn render(app: &App, w: u16, h: u16, no_color: bool) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(w, h)).unwrap();
    let theme = Theme::new(no_color);
    terminal
        .draw(|f| ripen::tui::views::draw(f, app, &theme))
        .unwrap();
    terminal
}

/// The text of each row of a rendered terminal.
pub fn lines(terminal: &Terminal<TestBackend>) -> Vec<String> {
    let buf = terminal.backend().buffer();
    let area = buf.area;
    (0..area.height)
        .map(|y| {
            (0..area.width)
                .map(|x| buf[(x, y)].symbol())
                .collect::<String>()
        })
        .collect()
}

/// The whole screen as text, one row per line.
pub fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    lines(terminal).join("\n")
}

/// A fixed history of claims-triage, newest first, as `git::history` would
/// return it.
pub fn sample_history() -> Vec<ripen::git::history::HistoryEntry> {
    use ripen::diff::{FieldChange, FieldValue};
    use ripen::git::history::HistoryEntry;
    let at = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap();
    let u = shipped_use_case("claims-triage");
    vec![
        HistoryEntry {
            commit: "89abcdef0123456789abcdef0123456789abcdef".to_owned(),
            author: "James Okafor".to_owned(),
            email: "james.okafor@example.com".to_owned(),
            time: at("2026-10-01T09:30:00+01:00"),
            summary: "claims-triage: add measurement 2026-09-30 (accuracy 0.83)".to_owned(),
            body: String::new(),
            changes: vec![FieldChange::new(
                "measurements",
                FieldValue::None,
                FieldValue::Measurement(u.measurements[4].clone()),
            )],
        },
        HistoryEntry {
            commit: "456789abcdef0123456789abcdef0123456789ab".to_owned(),
            author: "Ana Silva".to_owned(),
            email: "ana.silva@example.com".to_owned(),
            time: at("2026-04-02T14:00:00+00:00"),
            summary: "claims-triage: stage Identify -> Collect".to_owned(),
            body: "Pilot agreed with Claims Operations; start collecting examples.\n\nSigned-off-by: Ana Silva <ana.silva@example.com>".to_owned(),
            changes: vec![FieldChange::new(
                "stage",
                FieldValue::Name("Identify".to_owned()),
                FieldValue::Name("Collect".to_owned()),
            )],
        },
        HistoryEntry {
            commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
            author: "James Okafor".to_owned(),
            email: "james.okafor@example.com".to_owned(),
            time: at("2025-09-30T17:45:00+01:00"),
            summary: "Add claims triage".to_owned(),
            body: String::new(),
            changes: vec![FieldChange::new(
                "id",
                FieldValue::None,
                FieldValue::Text("claims-triage".to_owned()),
            )],
        },
    ]
}
