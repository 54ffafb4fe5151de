//! What the terminal UI draws: every screen at the smallest supported size
//! and a roomy one (insta snapshots), the styles that carry meaning without
//! colour, and that hostile text never reaches the terminal raw.

mod common_tui;

use ripen::tui::app::Load;
use std::path::Path;

use common_tui::*;
use proptest::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::KeyCode;
use ratatui::style::{Color, Modifier};
use ripen::model::{Policy, Settings, UseCase, canonical};
use ripen::text::is_unsafe;
use ripen::tui::app::{App, Data, Screen, Tab};

const SIZES: [(u16, u16); 2] = [(80, 24), (120, 40)];

fn snap(name: &str, app: &App, w: u16, h: u16) -> Terminal<TestBackend> {
    let terminal = render(app, w, h, true);
    insta::assert_snapshot!(format!("{name}_{w}x{h}"), terminal.backend());
    terminal
}

/// An app over the shipped register in a `h`-row terminal with the
/// portfolio selection on `id` and Detail open on it.
fn detail_app(id: &str, h: u16, tab: Tab) -> App {
    let mut app = app_with(shipped(), h);
    select_in_portfolio(&mut app, id);
    press(&mut app, KeyCode::Enter);
    while app.tab != tab {
        type_str(&mut app, "l");
    }
    assert_eq!(app.screen, Screen::Detail);
    app
}

// ---------------------------------------------------------------------------
// Every screen of the shipped register.

#[test]
fn portfolio() {
    for (w, h) in SIZES {
        let app = app_with(shipped(), h);
        let t = snap("portfolio", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("Portfolio · 20 of 20"), "{text}");
        assert!(text.contains("main@0123456"), "{text}");
        assert!(text.contains("as of 2026-10-15"), "{text}");
        // The table shows as many rows as fit: 18 of 20 at 24 rows.
        let shown = lines(&t).iter().filter(|l| l.contains("15d")).count();
        assert!(shown >= 10, "{text}");
        if w >= 120 {
            assert!(text.contains("Northwind Group AI Register"), "{text}");
            assert!(text.contains("Motor claims triage"), "{text}");
        }
    }
}

#[test]
fn board() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        type_str(&mut app, "2");
        let t = snap("board", &app, w, h);
        let text = screen_text(&t);
        for stage in ["Identify", "Collect", "FineTune", "Evaluate", "Retired"] {
            assert!(text.contains(stage), "{stage} column missing:\n{text}");
        }
    }
}

/// The text of board column `c` (0-based) of an 80-column screen.
fn board_column(t: &Terminal<TestBackend>, c: usize) -> Vec<String> {
    lines(t)
        .iter()
        .map(|l| l.chars().skip(16 * c).take(16).collect())
        .collect()
}

#[test]
fn a_full_board_column_shows_whole_cards_and_how_many_more() {
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "2");
    for (scroll, more) in [("", true), ("lG", false)] {
        type_str(&mut app, scroll);
        let t = render(&app, 80, 24, true);
        let column = board_column(&t, 1);
        assert!(column[1].contains("Collect (7)"), "{column:#?}");
        let verdicts = column
            .iter()
            .filter(|l| {
                ["✓ ready", "◐ almost", "· not-yet", "– n/a"]
                    .iter()
                    .any(|v| l.contains(v))
            })
            .count();
        let hidden: usize = column
            .iter()
            .find_map(|l| l.split("… ").nth(1))
            .map(|rest| {
                rest.trim_end_matches(['│', ' '])
                    .trim_end_matches(" more")
                    .parse()
                    .unwrap()
            })
            .unwrap_or(0);
        // Every card shown has its verdict; the rest are counted.
        assert_eq!(verdicts + hidden + app.board[1].offset, 7, "{column:#?}");
        assert_eq!(hidden > 0, more, "{column:#?}");
    }
    // The last card, selected, is shown whole.
    assert_eq!(selected_id_of(&app).as_deref(), Some("invoice-extraction"));
}

fn selected_id_of(app: &App) -> Option<String> {
    app.selected().map(|i| id_at(app, i))
}

#[test]
fn readiness() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        type_str(&mut app, "3");
        let t = snap("readiness", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("4 ready · 3 almost"), "{text}");
        assert!(text.contains("Verdict: ✓ ready"), "{text}");
    }
}

#[test]
fn detail_tabs() {
    for (w, h) in SIZES {
        for tab in Tab::ALL {
            let mut app = detail_app("claims-triage", h, tab);
            if tab == Tab::History {
                // The runtime loads the history when the tab shows.
                assert_eq!(app.pending_load(), app.detail.map(Load::History));
                app.history_loaded("claims-triage".to_owned(), Ok(sample_history()));
                assert_eq!(app.pending_load(), None);
            }
            let name = format!("detail_{}", tab.title().to_lowercase());
            let t = snap(&name, &app, w, h);
            let text = screen_text(&t);
            assert!(text.contains("Motor claims triage"), "{text}");
            assert!(text.contains("claims-triage · ◐ almost"), "{text}");
        }
    }
}

#[test]
fn detail_history_states() {
    let mut app = detail_app("claims-triage", 24, Tab::History);
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("Loading history…"), "{text}");

    app.history_loaded("claims-triage".to_owned(), Ok(sample_history()));
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("3 commit(s), newest first"), "{text}");
    assert!(text.contains("▶ 89abcde 2026-10-01 James Okafor"), "{text}");
    assert!(
        text.contains("measurements: none -> (date: \"2026-09-30\""),
        "{text}"
    );
    // j selects the next commit and shows its changes.
    type_str(&mut app, "j");
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("▶ 456789a 2026-04-02 Ana Silva"), "{text}");
    assert!(text.contains("stage: Identify -> Collect"), "{text}");
    snap("detail_history_second", &app, 80, 24);

    app.history_loaded("claims-triage".to_owned(), Ok(Vec::new()));
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("has no commits yet"), "{text}");

    app.history_loaded(
        "claims-triage".to_owned(),
        Err("not in a git repository".to_owned()),
    );
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(
        text.contains("No history: not in a git repository"),
        "{text}"
    );

    // A history of another use case is not shown as this one's.
    app.history_loaded("customer-faq".to_owned(), Ok(sample_history()));
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("Loading history…"), "{text}");
}

#[test]
fn problems_of_a_clean_register() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        type_str(&mut app, "5");
        let t = snap("problems_clean", &app, w, h);
        assert!(screen_text(&t).contains("No problems"));
    }
}

#[test]
fn help() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        type_str(&mut app, "?");
        let t = snap("help", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("Help"), "{text}");
        assert!(text.contains("quit ripen"), "{text}");
    }
}

#[test]
fn too_small() {
    for (w, h) in [(79, 24), (40, 10)] {
        let app = app_with(shipped(), h);
        let t = snap("too_small", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("too small"), "{text}");
        assert!(text.contains(&format!("now {w}x{h}")), "{text}");
    }
    // 80x23 is one row short.
    let t = render(&app(), 80, 23, true);
    assert!(screen_text(&t).contains("too small"));
}

// ---------------------------------------------------------------------------
// Registers that are empty or broken.

fn empty_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = Settings::new("Empty Co");
    settings.as_of = Some(as_of());
    std::fs::write(
        dir.path().join("register.ron"),
        canonical::settings(&settings),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policy.ron"),
        canonical::policy(&Policy::default()),
    )
    .unwrap();
    dir
}

#[test]
fn empty_register() {
    let dir = empty_dir();
    let register = load_dir(dir.path());
    assert!(register.use_cases.is_empty());
    for (w, h) in SIZES {
        let mut app = app_with(Data::new(register.clone(), repo(), None), h);
        let t = snap("empty_portfolio", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("no use cases yet"), "{text}");
        assert!(text.contains("0 cases"), "{text}");
        type_str(&mut app, "2");
        let t = snap("empty_board", &app, w, h);
        assert!(screen_text(&t).contains("(none)"));
        type_str(&mut app, "3");
        let t = snap("empty_readiness", &app, w, h);
        assert!(screen_text(&t).contains("No candidates"));
        // Detail has nothing to show: the status bar says why.
        type_str(&mut app, "4");
        assert_eq!(app.screen, Screen::Readiness);
        let t = snap("empty_detail_refused", &app, w, h);
        assert!(screen_text(&t).contains("select a use case first"));
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

/// The shipped state with `customer-faq.ron` broken twice (an unknown
/// field and an accuracy above 1) and `invoice-extraction.ron` once (an
/// accuracy above 1).
fn broken_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&state_dir(), dir.path());
    let break_file = |name: &str, unknown_field: bool| {
        let path = dir.path().join("use-cases").join(name);
        let text = std::fs::read_to_string(&path).unwrap();
        let mut broken = text.clone();
        if unknown_field {
            broken = broken.replacen("    risk:", "    colour: \"blue\",\n    risk:", 1);
        }
        let broken = broken.replacen("accuracy: 0.", "accuracy: 1.", 1);
        assert_ne!(text, broken);
        std::fs::write(&path, broken).unwrap();
    };
    break_file("customer-faq.ron", true);
    break_file("invoice-extraction.ron", false);
    dir
}

#[test]
fn register_with_problems() {
    let dir = broken_dir();
    let register = load_dir(dir.path());
    assert!(register.errors() >= 2, "{:?}", register.diagnostics);
    assert!(register.get("customer-faq").is_none());
    assert!(register.get("invoice-extraction").is_none());
    let count = register.diagnostics.len();
    for (w, h) in SIZES {
        let mut app = app_with(Data::new(register.clone(), repo(), None), h);
        let t = snap("broken_portfolio", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains(&format!("{count} problems")), "{text}");
        let tab = if w < 100 {
            "5 Problems!".to_owned()
        } else {
            format!("5 Problems ({count})")
        };
        assert!(text.contains(&tab), "{text}");
        type_str(&mut app, "5");
        let t = snap("broken_problems", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("customer-faq.ron"), "{text}");
        assert!(text.contains("colour"), "{text}");
        assert!(text.contains("invoice-extraction.ron"), "{text}");
        assert!(text.contains("accuracy"), "{text}");
    }
}

#[test]
fn problems_count_is_bold_in_monochrome_when_there_are_errors() {
    let dir = broken_dir();
    let register = load_dir(dir.path());
    let count = register.diagnostics.len();
    let app = app_with(Data::new(register, repo(), None), 24);
    let t = render(&app, 80, 24, true);
    let (x, y) = find(&t, &format!("{count} problems")).expect("problem count shown");
    assert!(
        t.backend().buffer()[(x, y)]
            .modifier
            .contains(Modifier::BOLD)
    );
}

// ---------------------------------------------------------------------------
// Filter, dialogs and forms.

#[test]
fn filter_typed() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        type_str(&mut app, "/claim");
        let t = snap("filter_claim", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("/ claim"), "{text}");
        assert!(text.contains("best match first"), "{text}");
        // The best match is first and selected.
        let first = lines(&t)
            .into_iter()
            .find(|l| l.contains('▶'))
            .expect("a selected row");
        assert!(first.contains("Motor claims"), "{text}");
    }
}

#[test]
fn stage_dialog() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        select_in_portfolio(&mut app, "kb-search");
        type_str(&mut app, ">pilot with underwriters");
        let t = snap("stage_dialog", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("Move kb-search"), "{text}");
        assert!(text.contains("from Identify to Collect"), "{text}");
        assert!(text.contains("> pilot with underwriters"), "{text}");
        assert!(!text.contains("Override"), "{text}");
    }
}

#[test]
fn stage_dialog_with_empty_justification_shows_the_error() {
    let mut app = app_with(shipped(), 24);
    select_in_portfolio(&mut app, "kb-search");
    type_str(&mut app, ">");
    press(&mut app, KeyCode::Enter);
    let t = snap("stage_dialog_empty", &app, 80, 24);
    assert!(screen_text(&t).contains("type a one-line justification first"));
}

#[test]
fn override_dialog_and_confirmation() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        select_in_portfolio(&mut app, "claims-triage");
        type_str(&mut app, ">board approved");
        let t = snap("override_dialog", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("from Collect to FineTune"), "{text}");
        assert!(text.contains("Override"), "{text}");
        press(&mut app, KeyCode::Enter);
        let t = snap("override_confirm", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("Override"), "{text}");
        assert!(text.contains("y yes · n no"), "{text}");
    }
}

#[test]
fn measurement_form_with_an_invalid_value() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        select_in_portfolio(&mut app, "claims-triage");
        type_str(&mut app, "m");
        press(&mut app, KeyCode::Tab);
        type_str(&mut app, "1.5");
        let t = snap("measurement_form_invalid", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("Add measurement to claims-triage"), "{text}");
        assert!(text.contains("2026-10-15"), "{text}");
        assert!(text.contains("1.5"), "{text}");
        assert!(text.contains("a fraction between 0 and 1"), "{text}");
    }
}

#[test]
fn roi_form() {
    for (w, h) in SIZES {
        let mut app = app_with(shipped(), h);
        select_in_portfolio(&mut app, "claims-triage");
        type_str(&mut app, "o");
        let t = snap("roi_form", &app, w, h);
        let text = screen_text(&t);
        assert!(text.contains("Add ROI evidence to claims-triage"), "{text}");
        assert!(text.contains("◀ CostSaving ▶"), "{text}");
    }
}

// ---------------------------------------------------------------------------
// Styles: meaning carried without colour.

/// The position of the first cell of `needle` on screen.
fn find(t: &Terminal<TestBackend>, needle: &str) -> Option<(u16, u16)> {
    let buf = t.backend().buffer();
    let first = needle.chars().next()?.to_string();
    let n: Vec<char> = needle.chars().collect();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() != first {
                continue;
            }
            let fits = n.iter().enumerate().all(|(k, c)| {
                let xx = x + k as u16;
                xx < buf.area.width && buf[(xx, y)].symbol() == c.to_string()
            });
            if fits {
                return Some((x, y));
            }
        }
    }
    None
}

/// Every screen over `data()` (the register must have a use case to open):
/// Portfolio, Board, Readiness, Problems, help, the five Detail tabs and
/// the filter input, each in a `height`-row terminal.
fn all_screens(data: impl Fn() -> Data, height: u16) -> Vec<App> {
    let sequences = [
        "", "2", "3", "5", "?", "1\n", "1\nl", "1\nll", "1\nlll", "1\nllll", "1/",
    ];
    sequences
        .iter()
        .map(|keys| {
            let mut app = app_with(data(), height);
            for c in keys.chars() {
                if c == '\n' {
                    press(&mut app, KeyCode::Enter);
                } else {
                    type_str(&mut app, &c.to_string());
                }
            }
            app
        })
        .collect()
}

#[test]
fn selected_row_is_reversed_in_monochrome() {
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "jj");
    let t = render(&app, 80, 24, true);
    let title = app.data.rows[app.selected().unwrap()].title.clone();
    let (_, y) = find(&t, "▶").expect("a selected row");
    // The third row of the table (below tabs, border and header).
    assert_eq!(y, 5);
    assert!(lines(&t)[5].contains(&title[..10]), "{}", screen_text(&t));
    let buf = t.backend().buffer();
    // The whole row, from the marker to the last column, is reversed.
    assert_eq!(buf[(1, y)].symbol(), "▶");
    for x in 1..79 {
        assert!(
            buf[(x, y)].modifier.contains(Modifier::REVERSED),
            "cell ({x}, {y}) of the selected row is not reversed"
        );
    }
    // Rows above and below are not.
    for yy in [y - 1, y + 1] {
        assert!(!buf[(5, yy)].modifier.contains(Modifier::REVERSED));
    }
    // The board's selected card and the readiness list's row too.
    // On the board every column remembers its selection (▶), but only the
    // focused column's card is reversed.
    type_str(&mut app, "2l");
    let t = render(&app, 80, 24, true);
    let buf = t.backend().buffer();
    let reversed: Vec<u16> = (0..80)
        .filter(|&x| buf[(x, 2)].symbol() == "▶")
        .filter(|&x| buf[(x + 2, 2)].modifier.contains(Modifier::REVERSED))
        .collect();
    assert_eq!(reversed, vec![17], "{}", screen_text(&t));
    type_str(&mut app, "3");
    let t = render(&app, 80, 24, true);
    let (x, y) = find(&t, "▶").unwrap();
    assert!(
        t.backend().buffer()[(x + 3, y)]
            .modifier
            .contains(Modifier::REVERSED)
    );
}

#[test]
fn ready_verdict_is_bold_in_monochrome() {
    let app = app_with(shipped(), 40);
    let t = render(&app, 120, 40, true);
    let buf = t.backend().buffer();
    let selected_y = {
        let (_, y) = find(&t, "▶").unwrap();
        y
    };
    let mut seen = 0;
    for y in 0..buf.area.height {
        if y == selected_y {
            continue; // the selected row is bold anyway
        }
        for x in 0..buf.area.width {
            if buf[(x, y)].symbol() == "✓" && buf[(x + 2, y)].symbol() == "r" {
                seen += 1;
                for k in 0..7 {
                    assert!(
                        buf[(x + k, y)].modifier.contains(Modifier::BOLD),
                        "\"✓ ready\" at ({x}, {y}) is not bold"
                    );
                }
                // ... and not reversed: only the selected row is.
                assert!(!buf[(x, y)].modifier.contains(Modifier::REVERSED));
            }
        }
    }
    assert_eq!(seen, 4, "the four ready use cases");
    // A "not-yet" verdict is plain, so bold tells them apart.
    let plain = (0..buf.area.height)
        .filter(|&y| y != selected_y)
        .find_map(|y| {
            (0..buf.area.width - 8)
                .find(|&x| buf[(x, y)].symbol() == "·" && buf[(x + 2, y)].symbol() == "n")
                .map(|x| (x, y))
        });
    let (x, y) = plain.expect("an unselected not-yet row");
    assert!(!buf[(x + 2, y)].modifier.contains(Modifier::BOLD));
}

fn colours(t: &Terminal<TestBackend>) -> Vec<Color> {
    t.backend()
        .buffer()
        .content()
        .iter()
        .flat_map(|c| [c.fg, c.bg])
        .filter(|c| *c != Color::Reset)
        .collect()
}

#[test]
fn monochrome_has_no_colour_and_colour_has_some() {
    for app in all_screens(shipped, 40) {
        for (w, h) in SIZES {
            let mono = render(&app, w, h, true);
            assert_eq!(
                colours(&mono),
                Vec::<Color>::new(),
                "colour with NO_COLOR on {:?}",
                app.screen
            );
        }
    }
    // Dialogs and forms too, and the override confirmation.
    for keys in [">", "m", "o", ">x\n"] {
        let mut app = app_with(shipped(), 24);
        select_in_portfolio(&mut app, "claims-triage");
        for c in keys.chars() {
            match c {
                '\n' => press(&mut app, KeyCode::Enter),
                c => type_str(&mut app, &c.to_string()),
            };
        }
        assert!(app.dialog.is_some());
        let mono = render(&app, 80, 24, true);
        assert_eq!(colours(&mono), Vec::<Color>::new(), "dialog {keys:?}");
    }
    let app = app_with(shipped(), 24);
    let colour = render(&app, 80, 24, false);
    assert!(
        colour
            .backend()
            .buffer()
            .content()
            .iter()
            .any(|c| c.fg != Color::Reset)
    );
}

// ---------------------------------------------------------------------------
// Hostile text.

const HOSTILE_TITLE: &str = "\u{1b}]0;pwned\u{7}\u{1b}[31mEvil\u{202e}txt";
const HOSTILE_TEAM: &str = "\u{9b}2J";

fn hostile_register() -> ripen::register::Register {
    // Based on a ready use case, so it is a readiness candidate too.
    let mut u = shipped_use_case("contract-review");
    u.title = HOSTILE_TITLE.to_owned();
    u.team = HOSTILE_TEAM.to_owned();
    u.measurements[0].source = "eval\u{1b}[2J".to_owned();
    u.notes = "line one\n\u{1b}[1;1Hline two\u{2066}".to_owned();
    let register = register_of(&[("evil", &u)]);
    assert_eq!(register.use_cases.len(), 1, "{:?}", register.diagnostics);
    assert_eq!(register.use_cases[0].use_case.title, HOSTILE_TITLE);
    register
}

fn unsafe_cells(t: &Terminal<TestBackend>) -> Vec<(u16, u16, String)> {
    let buf = t.backend().buffer();
    let mut out = Vec::new();
    for y in 0..buf.area.height {
        for x in 0..buf.area.width {
            let s = buf[(x, y)].symbol();
            if s.chars().any(is_unsafe) {
                out.push((x, y, s.escape_unicode().to_string()));
            }
        }
    }
    out
}

#[test]
fn hostile_text_is_shown_escaped_on_every_screen() {
    let mut register = hostile_register();
    if let Some(s) = register.settings.as_mut() {
        s.name = "Evil\u{1b}]0;Corp\u{7}".to_owned();
    }
    let mut evil_repo = repo();
    evil_repo.branch = Some("\u{1b}[5mmain\u{2067}".to_owned());
    let data = || Data::new(register.clone(), evil_repo.clone(), None);
    let mut escaped_seen = 0;
    for app in all_screens(data, 40) {
        for (w, h) in SIZES {
            let t = render(&app, w, h, false);
            assert_eq!(unsafe_cells(&t), vec![], "on {:?}", app.screen);
            if screen_text(&t).contains("\\u{1b}") {
                escaped_seen += 1;
            }
        }
    }
    // Every screen but Problems and help shows the title.
    assert!(escaped_seen >= 8, "{escaped_seen}");
    // Detail at 120 columns shows the title and team in full, escaped.
    let mut app = app_with(data(), 40);
    press(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&app, 120, 40, true));
    assert!(
        text.contains("title               \\u{1b}]0;pwned\\u{7}\\u{1b}[31mEvil\\u{202e}txt"),
        "{text}"
    );
    assert!(text.contains("team                \\u{9b}2J"), "{text}");
    // So do the dialogs and forms that name the use case.
    for keys in [">", "m", "o"] {
        let mut app = app_with(data(), 40);
        type_str(&mut app, keys);
        type_str(&mut app, "x");
        for (w, h) in SIZES {
            let t = render(&app, w, h, false);
            assert_eq!(unsafe_cells(&t), vec![], "dialog {keys}");
        }
    }
    // The History tab: authors, messages and changed values are untrusted too.
    let mut app = app_with(data(), 40);
    press(&mut app, KeyCode::Enter);
    type_str(&mut app, "h");
    assert_eq!(app.tab, Tab::History);
    let mut history = sample_history();
    history[0].author = HOSTILE_TEAM.to_owned();
    history[0].email = "\u{1b}[8m@example.com".to_owned();
    history[0].summary = HOSTILE_TITLE.to_owned();
    history[0].changes = vec![ripen::diff::FieldChange::new(
        "title\u{202e}",
        ripen::diff::FieldValue::Text("old\u{1b}[0m".to_owned()),
        ripen::diff::FieldValue::Text(HOSTILE_TITLE.to_owned()),
    )];
    app.history_loaded("evil".to_owned(), Ok(history));
    for (w, h) in SIZES {
        let t = render(&app, w, h, false);
        assert_eq!(unsafe_cells(&t), vec![], "history");
        assert!(screen_text(&t).contains("\\u{9b}2J"), "{}", screen_text(&t));
    }
    app.history_loaded("evil".to_owned(), Err("bad ref \u{1b}[2J".to_owned()));
    let t = render(&app, 80, 24, false);
    assert_eq!(unsafe_cells(&t), vec![], "history error");
    insta::assert_snapshot!(
        "hostile_portfolio_120x40",
        render(&app_with(data(), 40), 120, 40, true).backend()
    );
}

// ---------------------------------------------------------------------------
// Arbitrary text at arbitrary sizes.

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9 ]{0,12}",
        Just("\u{1b}[2J".to_owned()),
        Just("\u{1b}]0;title\u{7}".to_owned()),
        Just("\u{9b}31m".to_owned()),
        Just("\r\n\t\u{0}\u{7f}".to_owned()),
        Just("\u{202e}\u{2066}\u{200f}".to_owned()),
        Just("\u{200b}\u{200d}\u{feff}".to_owned()),
        Just("東京都漢字".to_owned()),
        Just("👩‍👩‍👧🚀🇩🇪".to_owned()),
        Just("e\u{301}\u{20dd}".to_owned()),
        proptest::char::any().prop_map(|c| c.to_string()),
    ]
}

fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::collection::vec(piece(), 0..12).prop_map(|v| v.concat()),
        1 => (piece(), 0usize..2000).prop_map(|(p, n)| {
            let mut s = p;
            while s.chars().count() < 2000 {
                s.push(['x', '漢', '\u{1b}', '🚀', '\u{202e}'][n % 5]);
                s.push('y');
            }
            s
        }),
    ]
}

fn arbitrary_use_case(title: &str, team: &str) -> UseCase {
    let mut u = shipped_use_case("claims-triage");
    // A title must not be blank to load.
    u.title = if title.trim().is_empty() {
        format!("t{title}")
    } else {
        title.to_owned()
    };
    u.team = team.to_owned();
    u
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_at_arbitrary_sizes_renders_safely(
        title in text(),
        team in text(),
        other in text(),
        w in 1u16..=300,
        h in 1u16..=100,
        screen in 0usize..4,
        tab in 0usize..5,
    ) {
        let a = arbitrary_use_case(&title, &team);
        let b = arbitrary_use_case(&other, &title);
        let register = register_of(&[("a-case", &a), ("b-case", &b)]);
        prop_assert_eq!(register.use_cases.len(), 2, "{:?}", register.diagnostics);
        let mut app = app_with(Data::new(register, repo(), None), h);
        match screen {
            0 => {}
            1 => { type_str(&mut app, "2"); }
            2 => { type_str(&mut app, "3"); }
            _ => {
                press(&mut app, KeyCode::Enter);
                for _ in 0..tab {
                    type_str(&mut app, "l");
                }
                prop_assert_eq!(app.screen, Screen::Detail);
            }
        }
        let t = render(&app, w, h, false);
        prop_assert_eq!(unsafe_cells(&t), vec![]);
    }
}

/// Every format, separator and default-ignorable character, from the
/// Unicode data in `tests/data/format-characters.txt`.
fn format_characters() -> Vec<char> {
    let text = include_str!("data/format-characters.txt");
    text.lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| char::from_u32(u32::from_str_radix(l, 16).unwrap()).unwrap())
        .collect()
}

/// Zero-width and format characters print as nothing (or break the line)
/// in a terminal while taking a cell in ratatui's count, or the reverse:
/// the columns after them shift. Each is shown as an escape instead, on
/// every screen.
#[test]
fn format_characters_are_escaped_so_columns_never_shift() {
    let chars = format_characters();
    assert!(chars.len() > 4000, "{}", chars.len());
    for &c in &chars {
        let s = format!("a{c}b");
        let shown = ripen::text::sanitize(&s);
        assert_eq!(
            shown,
            format!("a\\u{{{:x}}}b", c as u32),
            "U+{:04X} is not escaped",
            c as u32
        );
    }
    // The ones a title is likely to carry, in a title on every screen.
    let mut u = shipped_use_case("contract-review");
    u.title =
        "Zero\u{200b}width\u{061c}\u{2028}\u{2029}\u{feff}\u{ad}\u{e0041}\u{2060}\u{2064}\u{fe0f}x"
            .to_owned();
    let register = register_of(&[("shifty", &u)]);
    let data = || Data::new(register.clone(), repo(), None);
    for app in all_screens(data, 40) {
        for (w, h) in SIZES {
            let t = render(&app, w, h, false);
            let buf = t.backend().buffer();
            for cell in buf.content() {
                assert!(
                    !cell.symbol().chars().any(|c| chars.contains(&c)),
                    "{:?} drawn raw on {:?}",
                    cell.symbol(),
                    app.screen
                );
            }
        }
    }
}
