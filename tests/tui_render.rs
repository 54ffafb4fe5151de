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
    while app.detail.tab != tab {
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
            .find_map(|l| {
                // The `… N more` line (a cut card also ends in `…`).
                let rest = l.split("… ").nth(1)?;
                rest.trim_end_matches(['│', ' '])
                    .strip_suffix(" more")?
                    .parse::<usize>()
                    .ok()
            })
            .unwrap_or(0);
        // Every card shown has its verdict; the rest are counted.
        assert_eq!(
            verdicts + hidden + app.board.cursors[1].offset,
            7,
            "{column:#?}"
        );
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

/// `w` on Readiness: the policy beside the candidates; a threshold typed
/// flips verdicts at once (counted, highlighted); Enter asks why, then
/// asks the runtime to commit; Esc discards.
#[test]
fn policy_editor_shows_the_flips_as_a_threshold_is_typed() {
    let mut app = app_with(shipped(), 40);
    type_str(&mut app, "3");
    type_str(&mut app, "w");
    assert!(app.readiness.editor.is_some());
    // The second field is min_daily_volume (1000): make it 1500.
    press(&mut app, KeyCode::Down);
    for _ in 0..4 {
        press(&mut app, KeyCode::Backspace);
    }
    // Digits and letters go into the field, not to the screen keys.
    type_str(&mut app, "1500");
    let t = snap("policy_editor", &app, 120, 40);
    let text = screen_text(&t);
    assert!(text.contains("min_daily_volume"), "{text}");
    assert!(text.contains("1500 (was 1000)"), "{text}");
    assert!(text.contains("2 flip(s)"), "{text}");
    assert!(text.contains("ready 4 -> 3"), "{text}");
    assert!(
        text.contains("◐ almost -> · not-yet  sales-email-drafting"),
        "{text}"
    );
    // Enter asks why; Enter with a reason asks the runtime to commit.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(press(&mut app, KeyCode::Enter).is_empty(), "no reason yet");
    type_str(&mut app, "Volume under 1500 a day never pays back");
    let effects = press(&mut app, KeyCode::Enter);
    match effects.as_slice() {
        [ripen::tui::app::Effect::CommitPolicy { text, message, .. }] => {
            assert!(text.contains("min_daily_volume: 1500,"), "{text}");
            assert_eq!(
                message,
                "policy: min_daily_volume 1000 -> 1500\n\nVolume under 1500 a day never pays back"
            );
        }
        other => panic!("{other:?}"),
    }
    // Esc leaves the justification, Esc again discards.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    assert!(app.readiness.editor.is_none());
    assert_eq!(app.screen, Screen::Readiness);
}

#[test]
fn detail_tabs() {
    for (w, h) in SIZES {
        for tab in Tab::ALL {
            let mut app = detail_app("claims-triage", h, tab);
            if tab == Tab::History {
                // The runtime loads the history when the tab shows.
                assert_eq!(app.pending_load(), app.detail.index.map(Load::History));
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
        text.contains("+ measurements (date: \"2026-09-30\""),
        "{text}"
    );
    // j selects the next commit and shows its changes.
    type_str(&mut app, "j");
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("▶ 456789a 2026-04-02 Ana Silva"), "{text}");
    assert!(text.contains("stage: Identify -> Collect"), "{text}");
    // The whole message: the justification and the trailers too.
    assert!(
        text.contains("Pilot agreed with Claims Operations; start collecting"),
        "{text}"
    );
    assert!(
        text.contains("Signed-off-by: Ana Silva <ana.silva@example.com>"),
        "{text}"
    );
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

#[test]
fn the_too_small_screen_counts_the_keys_it_ignores() {
    let mut app = app_with(shipped(), 24);
    app.handle_event(&ratatui::crossterm::event::Event::Resize(70, 24));
    let t = render(&app, 70, 24, true);
    assert!(!screen_text(&t).contains("ignored"), "{}", screen_text(&t));
    type_str(&mut app, "g>");
    press(&mut app, KeyCode::Enter);
    let text = screen_text(&render(&app, 70, 24, true));
    assert!(text.contains("3 keys ignored"), "{text}");
    assert!(app.dialog.is_none(), "no key acted");
    // Large enough again: the count starts over.
    app.handle_event(&ratatui::crossterm::event::Event::Resize(80, 24));
    app.handle_event(&ratatui::crossterm::event::Event::Resize(70, 24));
    press(&mut app, KeyCode::Char('j'));
    let text = screen_text(&render(&app, 70, 24, true));
    assert!(text.contains("1 key ignored"), "{text}");
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
        assert!(text.contains("Portfolio · 0 of 0"), "{text}");
        assert!(text.contains("n creates one"), "{text}");
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
    assert_eq!(app.detail.tab, Tab::History);
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
        // Keys act only at a usable size: navigate there, then resize.
        let mut app = app_with(Data::new(register, repo(), None), 24);
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
        app.handle_event(&ratatui::crossterm::event::Event::Resize(w, h));
        let t = render(&app, w, h, false);
        prop_assert_eq!(unsafe_cells(&t), vec![]);
    }
}

// ---------------------------------------------------------------------------
// Panes longer than the screen scroll, counting wrapped lines.

/// The `(first, last, total)` of a `lines a–b of n` position indicator.
fn position(t: &Terminal<TestBackend>) -> Option<(usize, usize, usize)> {
    let text = screen_text(t);
    let at = ["↓ lines ", "↑ lines ", "↕ lines "]
        .iter()
        .find_map(|m| text.find(m).map(|i| i + m.len()))?;
    let rest = &text[at..];
    let (range, rest) = rest.split_once(" of ")?;
    let (a, b) = range.split_once('–')?;
    let n: String = rest.chars().take_while(char::is_ascii_digit).collect();
    Some((a.parse().ok()?, b.parse().ok()?, n.parse().ok()?))
}

/// The screen's text with the box drawing and line breaks taken out, so
/// that wrapped text reads as one line.
fn flowing(t: &Terminal<TestBackend>) -> String {
    lines(t)
        .iter()
        .map(|l| l.trim_matches(|c: char| c == '│' || c == ' ').to_owned())
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn every_use_case_scrolls_to_its_last_note_at_80x24() {
    let ids: Vec<String> = shipped_register()
        .use_cases
        .iter()
        .map(|e| e.id.to_string())
        .collect();
    for id in ids {
        let mut app = detail_app(&id, 24, Tab::Overview);
        let t = render(&app, 80, 24, true);
        let (first, last, total) = position(&t).unwrap_or_else(|| panic!("{id}: no indicator"));
        assert_eq!((first, last), (1, 17), "{id}");
        type_str(&mut app, "G");
        let t = render(&app, 80, 24, true);
        assert_eq!(
            position(&t).map(|p| (p.1, p.2)),
            Some((total, total)),
            "{id}"
        );
        // The notes' last words are on the screen.
        let notes = &shipped_use_case(&id).notes;
        let tail: String = notes
            .split_whitespace()
            .rev()
            .take(2)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            flowing(&t).contains(&tail),
            "{id}: {tail:?} not shown:\n{}",
            screen_text(&t)
        );
        // j at the end stays; k goes back one line at once.
        type_str(&mut app, "jjj");
        let t = render(&app, 80, 24, true);
        assert_eq!(position(&t).map(|p| p.1), Some(total), "{id}");
        type_str(&mut app, "k");
        let t = render(&app, 80, 24, true);
        assert_eq!(position(&t).map(|p| p.1), Some(total - 1), "{id}");
    }
    let mut app = detail_app("fraud-narrative", 24, Tab::Overview);
    render(&app, 80, 24, true);
    type_str(&mut app, "G");
    snap("detail_overview_end", &app, 80, 24);
}

#[test]
fn page_keys_scroll_detail_and_help() {
    let mut app = detail_app("claims-triage", 24, Tab::Overview);
    render(&app, 80, 24, true);
    press(&mut app, KeyCode::PageDown);
    let t = render(&app, 80, 24, true);
    assert_eq!(position(&t).map(|p| p.0), Some(17), "{}", screen_text(&t));
    press(&mut app, KeyCode::PageUp);
    type_str(&mut app, "?");
    let t = render(&app, 80, 24, true);
    let (_, _, total) = position(&t).expect("help is longer than 80x24");
    type_str(&mut app, "G");
    let t = render(&app, 80, 24, true);
    assert_eq!(position(&t).map(|p| p.1), Some(total));
    assert!(
        screen_text(&t).contains("no, go back"),
        "{}",
        screen_text(&t)
    );
    type_str(&mut app, "g");
    let t = render(&app, 80, 24, true);
    assert_eq!(position(&t).map(|p| p.0), Some(1));
}

#[test]
fn a_long_commit_scrolls_in_the_history_tab() {
    let mut app = detail_app("claims-triage", 24, Tab::History);
    let mut history = sample_history();
    let u = shipped_use_case("claims-triage");
    // A commit that changed every measurement: more than the pane holds.
    history[0].changes = u
        .measurements
        .iter()
        .map(|m| {
            ripen::diff::FieldChange::new(
                "measurements",
                ripen::diff::FieldValue::None,
                ripen::diff::FieldValue::Measurement(m.clone()),
            )
        })
        .collect();
    app.history_loaded("claims-triage".to_owned(), Ok(history));
    let t = render(&app, 80, 24, true);
    let (_, _, total) = position(&t).expect("the changes overflow");
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    let t = render(&app, 80, 24, true);
    assert_eq!(position(&t).map(|p| p.1), Some(total));
    assert!(
        screen_text(&t).contains("▶ 89abcde"),
        "j/k still select commits"
    );
}

#[test]
fn a_grown_terminal_fills_the_history_list_again() {
    let mut app = detail_app("claims-triage", 24, Tab::History);
    let one = sample_history().remove(0);
    let history: Vec<_> = (0..30)
        .map(|i| {
            let mut e = one.clone();
            e.commit = format!("{i:02}{}", &one.commit[2..]);
            e.summary = format!("Change number {i:02}");
            e
        })
        .collect();
    app.history_loaded("claims-triage".to_owned(), Ok(history));
    type_str(&mut app, "G");
    let t = render(&app, 80, 24, true);
    assert!(screen_text(&t).contains("▶ 29"), "{}", screen_text(&t));
    app.handle_event(&ratatui::crossterm::event::Event::Resize(80, 60));
    let text = screen_text(&render(&app, 80, 60, true));
    let shown = (0..30)
        .filter(|i| text.contains(&format!("Change number {i:02}")))
        .count();
    // The list takes half of the pane: every row of it holds a commit.
    assert!(shown >= 20, "{shown} commits shown:\n{text}");
    assert!(text.contains("▶ 29"), "the selection stays:\n{text}");
}

// ---------------------------------------------------------------------------
// Dialogs.

/// Every kind of dialog open on use case `id`, one app each.
fn dialogs_on(id: &str) -> Vec<(&'static str, App)> {
    let mut out = Vec::new();
    for (name, keys) in [("stage", ">"), ("measurement", "m"), ("roi", "o")] {
        let mut app = app_with(shipped(), 24);
        select_in_portfolio(&mut app, id);
        type_str(&mut app, keys);
        out.push((name, app));
    }
    let mut app = app_with(shipped(), 24);
    select_in_portfolio(&mut app, id);
    let i = app.selected().unwrap();
    let mut edited = shipped_use_case(id);
    edited.notes = "Reviewed with the team.".to_owned();
    app.edited(i, edited, "/tmp/ripen-copy.ron".into());
    type_str(&mut app, "quarterly review");
    out.push(("justify", app));
    let mut app = app_with(shipped(), 24);
    app.edit_failed(
        index_of(&app, id),
        "/tmp/ripen-copy.ron".into(),
        vec!["state/use-cases/x.ron:3:5: error: unknown field".to_owned()],
    );
    out.push(("edit failed", app));
    out
}

#[test]
fn every_dialog_names_the_use_case_it_changes() {
    for (name, app) in dialogs_on("invoice-extraction") {
        let t = render(&app, 80, 24, true);
        let title = lines(&t)
            .into_iter()
            .find(|l| l.contains('╔'))
            .unwrap_or_else(|| panic!("{name}: no dialog"));
        assert!(title.contains("invoice-extraction"), "{name}: {title}");
    }
    let (_, app) = dialogs_on("claims-triage").remove(3);
    snap("edit_justify", &app, 80, 24);
}

#[test]
fn dialogs_leave_nothing_of_the_screen_behind_on_their_rows() {
    for (name, app) in dialogs_on("claims-triage") {
        let t = render(&app, 80, 24, true);
        for l in lines(&t) {
            if let (Some(a), Some(b)) = (l.find(['║', '╔', '╚']), l.rfind(['║', '╗', '╝']))
            {
                let outside = format!("{}{}", &l[..a], &l[b + '║'.len_utf8()..]);
                assert!(outside.trim().is_empty(), "{name}: {l:?}");
            }
        }
    }
}

// ---------------------------------------------------------------------------
// Dates, and the new use case form.

#[test]
fn the_status_bar_marks_a_pinned_as_of_date() {
    let t = render(&app_with(shipped(), 24), 80, 24, true);
    assert!(
        lines(&t)[22].contains("as of 2026-10-15 (pinned)"),
        "{}",
        lines(&t)[22]
    );
    let mut data = shipped();
    data.pinned = false;
    let t = render(&app_with(data, 24), 80, 24, true);
    assert!(
        lines(&t)[22].ends_with("as of 2026-10-15"),
        "{}",
        lines(&t)[22]
    );
    assert!(lines(&t)[22].contains("20 cases"), "{}", lines(&t)[22]);
}

#[test]
fn a_form_warns_in_full_when_its_date_is_past_the_pinned_as_of() {
    let mut data = shipped();
    data.today = ripen::model::Date::from_ymd(2026, 12, 1).unwrap();
    let mut app = app_with(data, 24);
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "m");
    let t = snap("measurement_form_pinned", &app, 80, 24);
    let text = flowing(&t);
    assert!(text.contains("2026-12-01"), "{text}");
    assert!(
        text.contains("readiness ignores measurements after the as-of date 2026-10-15"),
        "{text}"
    );
}

#[test]
fn the_new_use_case_form() {
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "nclaims-triage");
    let t = snap("new_use_case_taken", &app, 80, 24);
    let text = screen_text(&t);
    assert!(text.contains("New use case claims-triage"), "{text}");
    assert!(text.contains("claims-triage is taken"), "{text}");
}

// ---------------------------------------------------------------------------
// Nothing is cut silently.

#[test]
fn key_hints_at_80_columns_keep_the_actions_of_the_screen() {
    let mut app = app_with(shipped(), 24);
    for (keys, want) in [
        (
            "1",
            vec!["> stage", "m measure", "o ROI", "e edit", "Enter open"],
        ),
        (
            "2",
            vec!["> stage", "m measure", "o ROI", "e edit", "Enter open"],
        ),
        (
            "3",
            vec!["> stage", "m measure", "o ROI", "e edit", "Enter open"],
        ),
        (
            "1\r",
            vec!["> stage", "m measure", "o ROI", "e edit", "h tabs"],
        ),
    ] {
        for c in keys.chars() {
            if c == '\r' {
                press(&mut app, KeyCode::Enter);
            } else {
                type_str(&mut app, &c.to_string());
            }
        }
        let t = render(&app, 80, 24, true);
        let hints = &lines(&t)[23];
        for w in want.iter().chain(&["q quit", "? help"]) {
            assert!(hints.contains(w), "{keys}: {w:?} missing in {hints:?}");
        }
    }
}

#[test]
fn a_long_message_wraps_and_can_be_read_in_full() {
    let mut app = app_with(shipped(), 24);
    let path = "/tmp/ripen-claims-triage-a1b2c3/a very long directory name/claims-triage.ron";
    let msg = format!(
        "the editor `vim -u NONE` exited with exit status: 1; the file was not changed (copy at {path})"
    );
    app.flash(ripen::tui::app::Level::Error, msg.clone());
    let t = render(&app, 80, 24, true);
    let text = flowing(&t);
    assert!(
        text.contains(path) || text.replace(' ', "").contains(&path.replace(' ', "")),
        "{}",
        screen_text(&t)
    );
    assert!(
        screen_text(&t).contains("(pinned)"),
        "the status line stays"
    );
}

#[test]
fn the_title_column_gets_the_room_first() {
    let t = render(&app_with(shipped(), 40), 120, 40, true);
    let text = screen_text(&t);
    assert!(
        text.contains("Call-centre agent emotion monitoring (pilot)"),
        "{text}"
    );
    assert!(text.contains("Acc/target"), "{text}");
}

fn many_problems() -> ripen::register::Register {
    use ripen::register::{Content, Snapshot, SourceFile};
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
    for n in 0..30 {
        files.push(SourceFile {
            rel: format!("use-cases/broken-case-with-a-long-name-number-{n:02}.ron"),
            content: Content::Bytes(b"(title: \"x\", stage: Nowhere)".to_vec()),
        });
    }
    let snapshot = Snapshot {
        root: "state".to_owned(),
        files,
    };
    ripen::register::load(&snapshot, Some(as_of()), today())
}

#[test]
fn the_problems_list_keeps_its_selection_in_view_and_marks_cuts() {
    let register = many_problems();
    assert!(register.diagnostics.len() >= 30);
    let mut app = app_with(Data::new(register, repo(), None), 24);
    type_str(&mut app, "5G");
    let t = render(&app, 80, 24, true);
    let rows = lines(&t);
    assert!(rows.iter().any(|l| l.contains("▶")), "{}", screen_text(&t));
    // Rows too long for the screen end in an ellipsis.
    let cut: Vec<_> = rows.iter().filter(|l| l.contains("✗ error")).collect();
    assert!(!cut.is_empty());
    for l in cut {
        assert!(l.trim_end_matches([' ', '│']).ends_with('…'), "{l}");
    }
}

#[test]
fn a_long_form_value_scrolls_in_its_box_instead_of_breaking_the_form() {
    let mut app = app_with(shipped(), 24);
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "m");
    for _ in 0..6 {
        press(&mut app, KeyCode::Tab);
    }
    let long = "eval/claims-triage/2026-10/holdout-set-v3-final";
    type_str(&mut app, long);
    let mut t = render(&app, 80, 24, true);
    let row = lines(&t)
        .into_iter()
        .find(|l| l.contains("║source"))
        .expect("the source row");
    assert!(row.contains("…") && row.contains("v3-final"), "{row}");
    assert!(row.contains('✓'), "the status stays on the row: {row}");
    let (x, _) = t.get_cursor_position().map(|p| (p.x, p.y)).unwrap();
    assert!(
        row.chars().nth(x as usize - 1).is_some_and(|c| c == 'l'),
        "cursor after the last character: {row} at {x}"
    );
}

#[test]
fn money_shows_the_currency_and_thousands_separators_everywhere() {
    for (tab, want) in [
        (Tab::Overview, "budget_usd        USD 90,000"),
        (Tab::Overview, "USD 16,000 per Quarter"),
        (Tab::Roi, "USD 25,000 per Year"),
        (Tab::Roi, "Measured in the last 365 days: USD 42,500"),
        (
            Tab::Readiness,
            "USD 42,500 measured ROI in 365 days (min USD 25,000)",
        ),
        (
            Tab::Readiness,
            "USD 90,000 budget approved (min USD 20,000)",
        ),
    ] {
        let app = detail_app("claims-triage", 40, tab);
        let text = screen_text(&render(&app, 120, 40, true));
        assert!(text.contains(want), "{tab:?}: {want:?} missing:\n{text}");
    }
}

/// A proposal that changes every use case of the shipped register (its
/// changes are longer than any screen).
fn a_long_proposal() -> ripen::git::proposals::Proposal {
    let before = shipped_register();
    let mut after = shipped_register();
    for e in &mut after.use_cases {
        e.use_case.notes = format!("{} (reviewed)", e.use_case.notes);
        e.use_case.owner = "ana.souza@example.com".to_owned();
    }
    let oid = git2::Oid::from_str("0123456789abcdef0123456789abcdef01234567").unwrap();
    ripen::git::proposals::Proposal {
        branch: "team/owners".to_owned(),
        reference: "refs/heads/team/owners".to_owned(),
        commits: 1,
        authors: vec!["Ana Souza <ana.souza@example.com>".to_owned()],
        last_commit_time: chrono::DateTime::parse_from_rfc3339("2026-10-14T10:00:00+00:00")
            .unwrap(),
        valid: true,
        diagnostics: Vec::new(),
        mergeable: true,
        files_outside_state: 0,
        other_files: Vec::new(),
        overrides: Vec::new(),
        changes: ripen::diff::diff(&before, &after),
        tip: oid,
        base: oid,
    }
}

#[test]
fn the_changes_of_an_open_proposal_scroll_to_their_end() {
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "6");
    app.proposals_loaded(Ok(vec![a_long_proposal()]));
    press(&mut app, KeyCode::Enter);
    let t = render(&app, 80, 24, true);
    let (_, _, total) = position(&t).expect("the changes overflow");
    type_str(&mut app, "G");
    let t = render(&app, 80, 24, true);
    assert_eq!(
        position(&t).map(|p| p.1),
        Some(total),
        "{}",
        screen_text(&t)
    );
    assert!(
        screen_text(&t).contains("▶ team/owners"),
        "the proposal stays selected"
    );
    type_str(&mut app, "k");
    let t = render(&app, 80, 24, true);
    assert_eq!(position(&t).map(|p| p.1), Some(total - 1));
    // Enter hides the changes; j/k select proposals again.
    press(&mut app, KeyCode::Enter);
    assert!(!app.proposals.open);
}

#[test]
fn the_selection_is_never_a_hidden_row() {
    let mut app = app_with(Data::new(many_problems(), repo(), None), 24);
    let broken = {
        type_str(&mut app, "5");
        app
    };
    let mut apps = vec![("problems", broken)];
    for keys in ["1", "2l", "3"] {
        let mut app = app_with(shipped(), 24);
        type_str(&mut app, keys);
        apps.push((keys, app));
    }
    for (name, mut app) in apps {
        for keys in ["G", "k", "g", "j", "G"] {
            type_str(&mut app, keys);
            let t = render(&app, 80, 24, true);
            assert!(
                lines(&t).iter().any(|l| l.contains('▶')),
                "{name} after {keys}: no selection shown\n{}",
                screen_text(&t)
            );
        }
    }
}

#[test]
fn the_review_shows_money_and_scrolls_its_text() {
    use ripen::report::quarterly::{Revision, build};
    // Then: every use case one stage back (Identify stays), so many move.
    let mut then = shipped_register();
    for e in &mut then.use_cases {
        if let Some(prev) = e.use_case.stage.previous() {
            e.use_case.stage = prev;
        }
    }
    let now = shipped_register();
    let rev = |label: &str| Revision {
        label: label.to_owned(),
        commit: None,
        date: None,
    };
    let report = build(&then, &now, rev("review/2026-Q2"), rev("HEAD"));
    assert!(!report.movements.is_empty());
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "7");
    let tag = ripen::git::review::ReviewTag {
        name: "review/2026-Q2".to_owned(),
        quarter: ripen::git::review::Quarter::parse("2026-Q2").unwrap(),
        commit: "0123456789abcdef0123456789abcdef01234567".to_owned(),
        annotated: true,
        tagger: Some("Ana Silva".to_owned()),
        email: Some("ana.silva@example.com".to_owned()),
        time: chrono::DateTime::parse_from_rfc3339("2026-07-01T09:00:00+00:00").unwrap(),
        summary: "Q2 review".to_owned(),
        message: "Q2 review\n".to_owned(),
    };
    app.review_tags_loaded(Ok(vec![tag]));
    app.report_loaded("review/2026-Q2".to_owned(), Ok(report));
    let t = snap("review", &app, 80, 24);
    let text = flowing(&t);
    assert!(text.contains("measured, USD"), "{text}");
    let (_, _, total) = position(&t).expect("the text overflows at 80x24");
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    press(&mut app, KeyCode::PageDown);
    let t = render(&app, 80, 24, true);
    assert_eq!(
        position(&t).map(|p| p.1),
        Some(total),
        "{}",
        screen_text(&t)
    );
}

#[test]
fn a_long_problem_is_shown_in_full_below_the_list() {
    let mut register = many_problems();
    let long = "this message is long on purpose: ".repeat(12) + "the end.";
    register.diagnostics[0].message = long.clone();
    let mut app = app_with(Data::new(register, repo(), None), 24);
    type_str(&mut app, "5");
    let t = render(&app, 80, 24, true);
    let text = flowing(&t);
    assert!(text.contains("the end."), "{}", screen_text(&t));
    assert!(
        lines(&t).iter().any(|l| l.contains('▶')),
        "the list still shows its selection"
    );
}

#[test]
fn a_long_title_gives_way_in_the_detail_header_with_an_ellipsis() {
    let mut u = shipped_use_case("claims-triage");
    u.title = "A very long title that goes on and on about what this use case does".to_owned();
    let register = register_of(&[("long-title-case", &u)]);
    let mut app = app_with(Data::new(register, repo(), None), 24);
    press(&mut app, KeyCode::Enter);
    let t = render(&app, 80, 24, true);
    let header = &lines(&t)[1];
    assert!(
        header.contains("… · long-title-case · ◐ almost"),
        "{header}"
    );
    assert!(header.ends_with('┐'), "{header}");
}

#[test]
fn the_board_follows_a_moved_card_into_its_new_column() {
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "2ljjjj");
    type_str(&mut app, "<back to identify");
    let req = match press(&mut app, KeyCode::Enter).pop() {
        Some(ripen::tui::app::Effect::Commit(req)) => req,
        other => panic!("expected a commit, got {other:?}"),
    };
    let mut register = shipped_register();
    let i = index_of(&app, "claims-triage");
    register.use_cases[i].use_case = ripen::register::parse_use_case(&req.text).unwrap();
    app.reload(Data::new(register, repo(), None));
    app.committed(Ok(
        "committed 89abcde: claims-triage: stage Collect -> Identify".to_owned(),
    ));
    let t = snap("board_after_move", &app, 80, 24);
    let column = board_column(&t, 0);
    assert!(
        column.iter().any(|l| l.contains("▶ Motor claim")),
        "{column:#?}"
    );
    assert_eq!(
        lines(&t).iter().filter(|l| l.contains('▶')).count(),
        1,
        "one marker on the screen"
    );
}

#[test]
fn a_twenty_digit_amount_is_too_large() {
    let mut app = app_with(shipped(), 24);
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "o");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "99999999999999999999");
    let t = snap("roi_form_too_large", &app, 80, 24);
    let text = flowing(&t);
    assert!(text.contains("too large"), "{text}");
    assert!(!text.contains("a whole number of at least 0"), "{text}");
}

/// A key a person might press, for the random walks below.
fn any_key() -> impl Strategy<Value = ratatui::crossterm::event::Event> {
    let chars = "jkgG/aclimte123456 7hl<>sSfn?y";
    prop_oneof![
        proptest::sample::select(chars.chars().collect::<Vec<_>>()).prop_map(ch),
        proptest::sample::select(vec![
            KeyCode::Enter,
            KeyCode::Esc,
            KeyCode::Backspace,
            KeyCode::Tab,
            KeyCode::BackTab,
            KeyCode::PageDown,
            KeyCode::PageUp,
            KeyCode::Up,
            KeyCode::Down,
        ])
        .prop_map(key),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    /// Whatever is pressed, nothing panics, every frame draws, and the
    /// selection is a row the screen shows.
    #[test]
    fn random_keys_keep_the_selection_valid_and_never_panic(
        keys in proptest::collection::vec(any_key(), 1..60),
        tall in proptest::bool::ANY,
    ) {
        let h = if tall { 40 } else { 24 };
        let mut app = app_with(shipped(), h);
        for ev in &keys {
            let before = app.portfolio.filter.value().to_owned();
            app.handle_event(ev);
            if app.quit {
                break;
            }
            render(&app, 80, h, true);
            let p = &app.portfolio;
            if p.visible.is_empty() {
                prop_assert_eq!(p.cursor.selected, 0);
            } else {
                prop_assert!(p.cursor.selected < p.visible.len());
            }
            // A cleared filter keeps the use case that was selected.
            if p.filter.value() != before && !p.filter.value().is_empty() && !p.visible.is_empty() {
                prop_assert_eq!(p.cursor.selected, 0, "a new filter text selects the best match");
            }
            if let Some(i) = app.selected() {
                prop_assert!(i < app.data.register.use_cases.len());
            }
        }
    }
}

#[test]
fn a_prompting_use_case_in_finetune_is_shown_as_fine_tuning_underway() {
    let mut faq = shipped_use_case("customer-faq");
    faq.stage = ripen::model::Stage::FineTune;
    let claims = shipped_use_case("claims-triage");
    let data = || {
        Data::new(
            register_of(&[("customer-faq", &faq), ("claims-triage", &claims)]),
            repo(),
            None,
        )
    };
    // Readiness: listed after the open decisions, as underway, explained.
    let mut app = app_with(data(), 24);
    type_str(&mut app, "3");
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("0 ready · 1 almost"), "{text}");
    let mut app = app_with(data(), 24);
    type_str(&mut app, "3j");
    let text = screen_text(&render(&app, 80, 24, true));
    assert!(text.contains("Verdict: » underway"), "{text}");
    assert!(
        text.contains("Fine-tuning underway: the use case"),
        "{text}"
    );
    assert!(!text.contains("✓ ready"), "{text}");
    // Board: the FineTune column's card says so.
    let mut app = app_with(data(), 24);
    type_str(&mut app, "2");
    let t = render(&app, 80, 24, true);
    let column = board_column(&t, 2).join("\n");
    assert!(column.contains("» underway"), "{column}");
    assert!(!screen_text(&t).contains("✓ ready"), "{}", screen_text(&t));
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

#[test]
fn a_long_message_never_hides_the_selected_card() {
    // The Collect column has 7 cards; the last is selected. A message
    // that wraps over many rows takes room from the board: the column
    // scrolls so that the selected card still shows.
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "2lG");
    assert_eq!(app.board.cursors[1].selected, 6);
    let selected = app.data.rows[app.selected().unwrap()].title.clone();
    app.flash(
        ripen::tui::app::Level::Error,
        "the commit was refused by the repository's hooks: ".repeat(12),
    );
    let t = render(&app, 80, 24, true);
    let marked: Vec<String> = lines(&t).into_iter().filter(|l| l.contains('▶')).collect();
    assert_eq!(marked.len(), 1, "{}", screen_text(&t));
    let shown: String = selected.chars().take(8).collect();
    assert!(marked[0].contains(&shown), "{}", screen_text(&t));
}
