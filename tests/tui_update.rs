//! How the terminal UI's state answers key sequences: navigation, filters,
//! sorting, dialogs and forms, and the effects it asks the runtime to
//! perform. No terminal is involved.

mod common_tui;

use common_tui::*;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyEventKind, KeyModifiers};
use ripen::model::Stage;
use ripen::readiness::{Flag, Verdict};
use ripen::register::parse_use_case;
use ripen::tui::app::Load;
use ripen::tui::app::{
    App, CommitRequest, Data, Dialog, Effect, FormKind, Level, QuickFilter, Screen, SortColumn, Tab,
};

/// The titles of the visible portfolio rows, in order.
fn titles(app: &App) -> Vec<String> {
    app.portfolio
        .visible
        .iter()
        .map(|&i| app.data.rows[i].title.clone())
        .collect()
}

/// The id of the selected use case.
fn selected_id(app: &App) -> Option<String> {
    app.selected().map(|i| id_at(app, i))
}

fn only_commit(effects: Vec<Effect>) -> CommitRequest {
    match <[Effect; 1]>::try_from(effects) {
        Ok([Effect::Commit(req)]) => req,
        Ok([other]) => panic!("expected a commit, got {other:?}"),
        Err(v) => panic!("expected exactly one effect, got {v:?}"),
    }
}

fn stage_dialog(app: &App) -> (usize, Stage, String, Option<String>, bool, Option<String>) {
    match &app.dialog {
        Some(Dialog::Stage {
            index,
            to,
            justification,
            override_reason,
            confirming,
            error,
        }) => (
            *index,
            *to,
            justification.value().to_owned(),
            override_reason.clone(),
            *confirming,
            error.clone(),
        ),
        _ => panic!("no stage dialog open"),
    }
}

/// The open form's field values, focus and error.
fn form(app: &App) -> (FormKind, Vec<String>, usize, Option<String>) {
    match &app.dialog {
        Some(Dialog::Form {
            kind,
            fields,
            focus,
            error,
            ..
        }) => (
            *kind,
            fields.iter().map(|f| f.input.value().to_owned()).collect(),
            *focus,
            error.clone(),
        ),
        _ => panic!("no form open"),
    }
}

fn field_error(app: &App, n: usize) -> Option<String> {
    match &app.dialog {
        Some(Dialog::Form { fields, .. } | Dialog::New { fields, .. }) => {
            fields[n].error(&app.form_context())
        }
        _ => panic!("no form open"),
    }
}

fn backspaces(app: &mut App, n: usize) {
    for _ in 0..n {
        press(app, KeyCode::Backspace);
    }
}

// ---------------------------------------------------------------------------
// Navigation.

#[test]
fn j_k_g_and_capital_g_move_the_portfolio_selection() {
    let mut app = app();
    assert_eq!(app.portfolio.visible.len(), 20);
    assert_eq!(app.portfolio.cursor.selected, 0);
    type_str(&mut app, "k");
    assert_eq!(app.portfolio.cursor.selected, 0, "k at the top stays");
    type_str(&mut app, "jj");
    assert_eq!(app.portfolio.cursor.selected, 2);
    type_str(&mut app, "k");
    assert_eq!(app.portfolio.cursor.selected, 1);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.portfolio.cursor.selected, 2);
    type_str(&mut app, "G");
    assert_eq!(app.portfolio.cursor.selected, 19);
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("invoice-extraction"),
        "Supplier invoice extraction sorts last by title"
    );
    type_str(&mut app, "j");
    assert_eq!(app.portfolio.cursor.selected, 19, "j at the bottom stays");
    type_str(&mut app, "g");
    assert_eq!(app.portfolio.cursor.selected, 0);
    assert_eq!(selected_id(&app).as_deref(), Some("kb-search"));
}

#[test]
fn page_down_moves_a_page_and_clamps_at_the_end() {
    let mut app = app(); // 24 rows: a page is 17
    assert_eq!(app.page, 17);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.portfolio.cursor.selected, 17);
    press(&mut app, KeyCode::PageDown);
    assert_eq!(app.portfolio.cursor.selected, 19);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.portfolio.cursor.selected, 2);
    press(&mut app, KeyCode::PageUp);
    assert_eq!(app.portfolio.cursor.selected, 0);
    // The view scrolls so that the selection stays visible.
    type_str(&mut app, "G");
    let c = app.portfolio.cursor;
    assert!(c.offset <= c.selected && c.selected < c.offset + app.page);
}

#[test]
fn tab_and_numbers_switch_screens() {
    let mut app = app();
    assert_eq!(app.screen, Screen::Portfolio);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Board);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Readiness);
    // Tab onto Detail opens the use case selected on Readiness.
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(app.detail.index, app.data.candidates.first().copied());
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Problems);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Proposals);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Review);
    press(&mut app, KeyCode::Tab);
    assert_eq!(app.screen, Screen::Portfolio);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(app.screen, Screen::Review);

    for (c, screen) in [
        ('2', Screen::Board),
        ('3', Screen::Readiness),
        ('5', Screen::Problems),
        ('6', Screen::Proposals),
        ('7', Screen::Review),
        ('1', Screen::Portfolio),
    ] {
        type_str(&mut app, &c.to_string());
        assert_eq!(app.screen, screen, "key {c}");
    }
    type_str(&mut app, "jj4");
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(app.detail.index, app.portfolio.visible.get(2).copied());
}

#[test]
fn detail_needs_a_selection() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = ripen::model::Settings::new("Empty");
    settings.as_of = Some(as_of());
    std::fs::write(
        dir.path().join("register.ron"),
        ripen::model::canonical::settings(&settings),
    )
    .unwrap();
    std::fs::write(
        dir.path().join("policy.ron"),
        ripen::model::canonical::policy(&ripen::model::Policy::default()),
    )
    .unwrap();
    let mut app = app_with(Data::new(load_dir(dir.path()), repo(), None), 24);
    type_str(&mut app, "4");
    assert_eq!(app.screen, Screen::Portfolio);
    assert_eq!(
        app.flash,
        Some((Level::Info, "select a use case first".to_owned()))
    );
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Portfolio);
    // Editing keys have nothing to edit.
    assert!(type_str(&mut app, ">mo").is_empty());
    assert!(app.dialog.is_none());
}

#[test]
fn enter_opens_detail_and_esc_returns_to_where_it_came_from() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(app.detail.index, Some(index_of(&app, "claims-triage")));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Portfolio);
    assert_eq!(selected_id(&app).as_deref(), Some("claims-triage"));

    // From the board: the Collect column's second card.
    type_str(&mut app, "2lj");
    assert_eq!(selected_id(&app).as_deref(), Some("customer-faq"));
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(selected_id(&app).as_deref(), Some("customer-faq"));
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Board);
    assert_eq!(app.board.column, 1);

    // From the readiness list: the second candidate.
    type_str(&mut app, "3j");
    let second = app.data.candidates[1];
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.detail.index, Some(second));
    // Switching tabs inside Detail does not forget where to go back to.
    type_str(&mut app, "ll");
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.screen, Screen::Readiness);

    // Problems has no use case to open.
    type_str(&mut app, "5");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Problems);
}

#[test]
fn h_and_l_move_between_board_columns() {
    let mut app = app();
    type_str(&mut app, "2");
    assert_eq!(app.board.column, 0);
    assert_eq!(selected_id(&app).as_deref(), Some("kb-search"));
    type_str(&mut app, "l");
    assert_eq!(app.board.column, 1);
    assert_eq!(selected_id(&app).as_deref(), Some("contract-review"));
    press(&mut app, KeyCode::Right);
    assert_eq!(app.board.column, 2);
    type_str(&mut app, "hh");
    assert_eq!(app.board.column, 0);
    type_str(&mut app, "h");
    assert_eq!(app.board.column, 4, "h wraps to Retired");
    type_str(&mut app, "l");
    assert_eq!(app.board.column, 0);
    // Each column keeps its own selection.
    type_str(&mut app, "jl");
    assert_eq!(selected_id(&app).as_deref(), Some("contract-review"));
    type_str(&mut app, "h");
    assert_eq!(app.board.cursors[0].selected, 1);
    // j stops at the column's last card.
    type_str(&mut app, "jjjjj");
    assert_eq!(app.board.cursors[0].selected, 2);
    assert_eq!(app.board_items(0).len(), 3);
}

#[test]
fn h_and_l_change_detail_tabs() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.detail.tab, Tab::Overview);
    let mut seen = Vec::new();
    for _ in 0..5 {
        type_str(&mut app, "l");
        seen.push(app.detail.tab);
    }
    assert_eq!(
        seen,
        vec![
            Tab::Metrics,
            Tab::Roi,
            Tab::Readiness,
            Tab::History,
            Tab::Overview
        ]
    );
    type_str(&mut app, "h");
    assert_eq!(app.detail.tab, Tab::History);
    press(&mut app, KeyCode::Left);
    assert_eq!(app.detail.tab, Tab::Readiness);
    // The tab is kept when another use case is opened.
    press(&mut app, KeyCode::Esc);
    type_str(&mut app, "j");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.detail.tab, Tab::Readiness);
}

#[test]
fn j_and_k_scroll_the_detail_and_reset_on_another_tab() {
    let mut app = app();
    press(&mut app, KeyCode::Enter);
    type_str(&mut app, "jjj");
    assert_eq!(app.detail.scroll.offset, 3);
    type_str(&mut app, "k");
    assert_eq!(app.detail.scroll.offset, 2);
    type_str(&mut app, "kkkk");
    assert_eq!(app.detail.scroll.offset, 0);
    type_str(&mut app, "jl");
    assert_eq!(app.detail.scroll.offset, 0);
}

#[test]
fn history_is_requested_when_its_tab_shows_and_its_commits_are_selectable() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.pending_load(), None, "only the History tab loads it");
    type_str(&mut app, "llll");
    assert_eq!(app.detail.tab, Tab::History);
    let i = index_of(&app, "claims-triage");
    assert_eq!(app.pending_load(), Some(Load::History(i)));
    app.history_loaded("claims-triage".to_owned(), Ok(sample_history()));
    assert_eq!(app.pending_load(), None);
    type_str(&mut app, "jj");
    assert_eq!(app.detail.history.cursor.selected, 2);
    type_str(&mut app, "j");
    assert_eq!(
        app.detail.history.cursor.selected, 2,
        "the oldest commit is last"
    );
    // Another use case needs its own history.
    press(&mut app, KeyCode::Esc);
    type_str(&mut app, "j");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.detail.tab, Tab::History);
    assert_eq!(app.pending_load(), app.detail.index.map(Load::History));
    // A reload drops the loaded history: there may be new commits.
    select_in_portfolio_after_esc(&mut app, "claims-triage");
    app.history_loaded("claims-triage".to_owned(), Ok(sample_history()));
    assert_eq!(app.pending_load(), None);
    app.reload(shipped());
    assert_eq!(app.pending_load(), app.detail.index.map(Load::History));
}

fn select_in_portfolio_after_esc(app: &mut App, id: &str) {
    press(app, KeyCode::Esc);
    select_in_portfolio(app, id);
    press(app, KeyCode::Enter);
}

// ---------------------------------------------------------------------------
// Filtering.

#[test]
fn typing_a_filter_narrows_the_list_best_match_first() {
    let mut app = app();
    type_str(&mut app, "/");
    assert!(app.portfolio.typing);
    type_str(&mut app, "claim");
    assert_eq!(app.portfolio.filter.value(), "claim");
    let shown = titles(&app);
    assert!(shown.len() < 20 && !shown.is_empty(), "{shown:?}");
    assert_eq!(shown[0], "Motor claims triage");
    assert_eq!(selected_id(&app).as_deref(), Some("claims-triage"));
    // The matched characters of the title are marked.
    let hl = &app.portfolio.highlights[0];
    let marked: String = hl
        .title
        .iter()
        .map(|&i| shown[0].chars().nth(i).unwrap())
        .collect();
    assert_eq!(marked, "claim");
    // More text narrows further.
    type_str(&mut app, "s triage");
    assert_eq!(titles(&app), vec!["Motor claims triage"]);
    // Nothing matches: an empty list and nothing selected.
    type_str(&mut app, "zzz");
    assert!(app.portfolio.visible.is_empty());
    assert_eq!(app.selected(), None);
    backspaces(&mut app, 3);
    assert_eq!(titles(&app), vec!["Motor claims triage"]);
}

#[test]
fn the_filter_also_matches_ids_teams_and_owners() {
    let mut app = app();
    type_str(&mut app, "/james.okafor");
    let ids: Vec<String> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| id_at(&app, i))
        .collect();
    assert_eq!(ids.first().map(String::as_str), Some("claims-triage"));
    press(&mut app, KeyCode::Esc);
    type_str(&mut app, "/Legal Operations");
    assert_eq!(selected_id(&app).as_deref(), Some("contract-review"));
}

#[test]
fn changing_the_filter_text_selects_the_best_match() {
    let mut app = app();
    // The row selected before filtering still matches "meet" somewhere
    // (its team), but it is not what the user sees first.
    select_in_portfolio(&mut app, "emotion-recognition-pilot");
    type_str(&mut app, "/meet");
    press(&mut app, KeyCode::Enter);
    assert_eq!(titles(&app)[0], "Meeting summaries");
    assert_eq!(selected_id(&app).as_deref(), Some("meeting-summaries"));
    type_str(&mut app, "m");
    let (index, ..) = match &app.dialog {
        Some(Dialog::Form { index, kind, .. }) => (*index, *kind),
        _ => panic!("no form"),
    };
    assert_eq!(id_at(&app, index), "meeting-summaries");
    press(&mut app, KeyCode::Esc);
    // Every change of the text starts again at the first row.
    type_str(&mut app, "j/");
    press(&mut app, KeyCode::Backspace);
    assert_eq!(app.portfolio.cursor.selected, 0);
    assert_eq!(app.portfolio.cursor.offset, 0);
}

#[test]
fn the_selection_is_clamped_when_the_list_shrinks() {
    let mut app = app();
    type_str(&mut app, "G");
    assert_eq!(selected_id(&app).as_deref(), Some("invoice-extraction"));
    type_str(&mut app, "/claim");
    let len = app.portfolio.visible.len();
    assert!(len < 20);
    assert!(app.portfolio.cursor.selected < len);
    assert!(app.portfolio.cursor.offset <= app.portfolio.cursor.selected);
    // Something is selected, and it is one of the rows shown.
    let sel = app.selected().expect("a selection");
    assert!(app.portfolio.visible.contains(&sel));
}

#[test]
fn esc_clears_the_filter() {
    let mut app = app();
    type_str(&mut app, "/claim");
    press(&mut app, KeyCode::Esc);
    assert!(!app.portfolio.typing);
    assert_eq!(app.portfolio.filter.value(), "");
    assert_eq!(app.portfolio.visible.len(), 20);
    // Without a filter, the sort order is back.
    let shown = titles(&app);
    let mut sorted = shown.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(shown, sorted);
    // The filtered selection is kept.
    assert_eq!(selected_id(&app).as_deref(), Some("claims-triage"));
}

#[test]
fn enter_keeps_the_filter_and_leaves_typing() {
    let mut app = app();
    type_str(&mut app, "/cust");
    let narrowed = app.portfolio.visible.clone();
    assert!(narrowed.len() >= 2 && narrowed.len() < 20, "{narrowed:?}");
    press(&mut app, KeyCode::Enter);
    assert!(!app.portfolio.typing);
    assert_eq!(app.portfolio.filter.value(), "cust");
    assert_eq!(app.portfolio.visible, narrowed);
    assert_eq!(app.screen, Screen::Portfolio, "Enter did not open Detail");
    // Keys are commands again: j moves, a second Enter opens.
    type_str(&mut app, "j");
    assert_eq!(app.portfolio.cursor.selected, 1);
    assert_eq!(app.portfolio.filter.value(), "cust");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(app.detail.index, Some(narrowed[1]));
    // Esc goes back to the filtered table; a second Esc clears the filter.
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.portfolio.visible, narrowed);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.portfolio.visible.len(), 20);
    // "/" edits the kept filter.
    type_str(&mut app, "/claim");
    press(&mut app, KeyCode::Enter);
    type_str(&mut app, "/s");
    assert_eq!(app.portfolio.filter.value(), "claims");
}

#[test]
fn keys_typed_into_the_filter_are_text() {
    let mut app = app();
    type_str(&mut app, "/q?12jks>m");
    assert!(!app.quit, "q in the filter is text");
    assert!(!app.help);
    assert!(app.dialog.is_none());
    assert_eq!(app.screen, Screen::Portfolio);
    assert_eq!(app.portfolio.filter.value(), "q?12jks>m");
    // Up and Down still move the selection while typing.
    press(&mut app, KeyCode::Esc);
    type_str(&mut app, "/c");
    assert_eq!(app.portfolio.cursor.selected, 0, "the best match");
    press(&mut app, KeyCode::Down);
    press(&mut app, KeyCode::Down);
    assert_eq!(app.portfolio.cursor.selected, 2);
    press(&mut app, KeyCode::Up);
    assert_eq!(app.portfolio.cursor.selected, 1);
    assert_eq!(app.portfolio.filter.value(), "c");
    // Ctrl-C still quits.
    app.handle_event(&Event::Key(KeyEvent::new(
        KeyCode::Char('c'),
        KeyModifiers::CONTROL,
    )));
    assert!(app.quit);
}

// ---------------------------------------------------------------------------
// Sorting and quick filters.

#[test]
fn s_cycles_the_sort_column_and_capital_s_reverses() {
    let mut app = app();
    assert_eq!(app.portfolio.sort, SortColumn::Title);
    let shown = titles(&app);
    assert_eq!(shown[0], "Agent knowledge base search");
    assert_eq!(shown[19], "Supplier invoice extraction");
    let mut sorted = shown.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(shown, sorted);

    type_str(&mut app, "S");
    assert!(app.portfolio.reverse);
    let reversed = titles(&app);
    assert_eq!(reversed[0], "Supplier invoice extraction");
    assert_eq!(reversed[19], "Agent knowledge base search");
    type_str(&mut app, "S");
    assert_eq!(titles(&app), shown);

    type_str(&mut app, "s");
    assert_eq!(app.portfolio.sort, SortColumn::Team);
    let teams: Vec<String> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| app.data.rows[i].team.to_lowercase())
        .collect();
    let mut sorted = teams.clone();
    sorted.sort();
    assert_eq!(teams, sorted);
    assert_eq!(teams[0], "brand marketing");

    let mut order = vec![app.portfolio.sort];
    for _ in 0..7 {
        type_str(&mut app, "s");
        order.push(app.portfolio.sort);
    }
    assert_eq!(
        order,
        vec![
            SortColumn::Team,
            SortColumn::Approach,
            SortColumn::Stage,
            SortColumn::Risk,
            SortColumn::Verdict,
            SortColumn::Accuracy,
            SortColumn::Age,
            SortColumn::Title,
        ]
    );
}

#[test]
fn sorting_by_verdict_puts_ready_first_and_by_stage_follows_the_roadmap() {
    let mut app = app();
    while app.portfolio.sort != SortColumn::Verdict {
        type_str(&mut app, "s");
    }
    let verdicts: Vec<Verdict> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| app.data.rows[i].verdict)
        .collect();
    assert_eq!(&verdicts[..4], &[Verdict::Ready; 4]);
    assert_eq!(&verdicts[4..7], &[Verdict::Almost; 3]);
    assert_eq!(verdicts[19], Verdict::NotApplicable);
    type_str(&mut app, "S");
    assert_eq!(
        app.data.rows[app.portfolio.visible[19]].verdict,
        Verdict::Ready
    );

    let mut app = self::app();
    while app.portfolio.sort != SortColumn::Stage {
        type_str(&mut app, "s");
    }
    let stages: Vec<Stage> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| app.data.rows[i].stage)
        .collect();
    let mut sorted = stages.clone();
    sorted.sort();
    assert_eq!(stages, sorted);
    assert_eq!(stages[0], Stage::Identify);
    assert_eq!(stages[19], Stage::Retired);
}

#[test]
fn sorting_by_accuracy_orders_by_the_latest_measurement() {
    let mut app = app();
    while app.portfolio.sort != SortColumn::Accuracy {
        type_str(&mut app, "s");
    }
    let acc: Vec<f64> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| app.data.rows[i].latest.unwrap().accuracy)
        .collect();
    assert!(acc.windows(2).all(|w| w[0] <= w[1]), "{acc:?}");
    type_str(&mut app, "S");
    let acc: Vec<f64> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| app.data.rows[i].latest.unwrap().accuracy)
        .collect();
    assert!(acc.windows(2).all(|w| w[0] >= w[1]), "{acc:?}");
    assert_eq!(
        acc[0], 0.96,
        "Mailroom document intake is the most accurate"
    );
}

#[test]
fn s_after_a_filter_leaves_match_order_for_the_sort_column() {
    let mut app = app();
    type_str(&mut app, "/claim");
    assert!(app.portfolio.by_match);
    assert_eq!(titles(&app)[0], "Motor claims triage");
    press(&mut app, KeyCode::Enter);
    // The first s only switches from match order to the sort column.
    type_str(&mut app, "s");
    assert!(!app.portfolio.by_match);
    assert_eq!(app.portfolio.sort, SortColumn::Title);
    let shown = titles(&app);
    let mut sorted = shown.clone();
    sorted.sort_by_key(|t| t.to_lowercase());
    assert_eq!(shown, sorted);
    assert_eq!(app.portfolio.filter.value(), "claim");
}

#[test]
fn f_cycles_the_quick_filters() {
    let mut app = app();
    let rows = |app: &App| -> Vec<usize> { app.portfolio.visible.clone() };
    type_str(&mut app, "f");
    assert_eq!(app.portfolio.quick, QuickFilter::Ready);
    assert_eq!(rows(&app).len(), 4);
    assert!(
        rows(&app)
            .iter()
            .all(|&i| app.data.rows[i].verdict == Verdict::Ready)
    );
    type_str(&mut app, "f");
    assert_eq!(app.portfolio.quick, QuickFilter::Almost);
    assert_eq!(rows(&app).len(), 3);
    assert!(
        rows(&app)
            .iter()
            .all(|&i| app.data.rows[i].verdict == Verdict::Almost)
    );
    type_str(&mut app, "f");
    assert_eq!(app.portfolio.quick, QuickFilter::Stale);
    assert!(
        rows(&app)
            .iter()
            .all(|&i| app.data.rows[i].flags.contains(&Flag::Stale))
    );
    assert_eq!(rows(&app).len(), 2);
    type_str(&mut app, "f");
    assert_eq!(app.portfolio.quick, QuickFilter::Regression);
    assert_eq!(rows(&app).len(), 2);
    type_str(&mut app, "f");
    assert_eq!(app.portfolio.quick, QuickFilter::Stage(Stage::Identify));
    assert_eq!(rows(&app).len(), 3);
    // Stages, then risk tiers, then back to everything.
    let mut presses = 1;
    type_str(&mut app, "f");
    while app.portfolio.quick != QuickFilter::All {
        presses += 1;
        assert!(presses < 20, "the cycle comes back to all");
        type_str(&mut app, "f");
    }
    assert_eq!(presses, 9, "4 more stages and 4 risk tiers, then all");
    assert_eq!(rows(&app).len(), 20);
}

#[test]
fn a_quick_filter_combines_with_the_text_filter_and_esc_clears_both() {
    let mut app = app();
    type_str(&mut app, "f/cust");
    press(&mut app, KeyCode::Enter);
    let ids: Vec<String> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| id_at(&app, i))
        .collect();
    assert_eq!(ids, vec!["customer-faq"]);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.portfolio.filter.value(), "");
    assert_eq!(app.portfolio.quick, QuickFilter::Ready);
    press(&mut app, KeyCode::Esc);
    assert_eq!(app.portfolio.quick, QuickFilter::All);
    assert_eq!(app.portfolio.visible.len(), 20);
}

// ---------------------------------------------------------------------------
// The stage-move dialog.

#[test]
fn greater_than_opens_the_dialog_with_the_next_stage() {
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    assert!(type_str(&mut app, ">").is_empty());
    let (index, to, text, override_reason, confirming, error) = stage_dialog(&app);
    assert_eq!(index, index_of(&app, "kb-search"));
    assert_eq!(to, Stage::Collect);
    assert_eq!(text, "");
    assert_eq!(override_reason, None);
    assert!(!confirming);
    assert_eq!(error, None);
    press(&mut app, KeyCode::Esc);
    assert!(app.dialog.is_none());
    // < goes back a stage.
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "<");
    assert_eq!(stage_dialog(&app).1, Stage::Identify);
}

#[test]
fn an_empty_justification_keeps_the_dialog_open_with_an_error() {
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    type_str(&mut app, ">");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let (.., error) = stage_dialog(&app);
    assert_eq!(
        error.as_deref(),
        Some("type a one-line justification first")
    );
    // Blanks are not a justification either.
    type_str(&mut app, "   ");
    assert_eq!(stage_dialog(&app).5, None, "typing clears the error");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(stage_dialog(&app).5.is_some());
}

#[test]
fn a_justified_move_returns_one_commit() {
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    type_str(&mut app, ">pilot with underwriters, quarterly review");
    assert!(!app.quit, "q in the justification is text");
    let req = only_commit(press(&mut app, KeyCode::Enter));
    let mut lines = req.message.lines();
    assert_eq!(lines.next(), Some("kb-search: stage Identify -> Collect"));
    assert_eq!(lines.next(), Some(""));
    assert_eq!(
        lines.next(),
        Some("pilot with underwriters, quarterly review")
    );
    assert_eq!(req.rel, "use-cases/kb-search.ron");
    assert_eq!(req.expected, Some(shipped_file("use-cases/kb-search.ron")));
    assert_eq!(req.head, repo().head);
    let after = parse_use_case(&req.text).unwrap();
    let mut before = shipped_use_case("kb-search");
    assert_eq!(before.stage, Stage::Identify);
    assert_eq!(after.stage, Stage::Collect);
    before.stage = Stage::Collect;
    assert_eq!(after, before, "nothing else changed");
    // The dialog stays until the runtime reports the commit.
    assert!(app.dialog.is_some());
    app.committed(Ok(
        "committed abc1234: kb-search: stage Identify -> Collect".to_owned(),
    ));
    assert!(app.dialog.is_none());
    assert!(matches!(&app.flash, Some((Level::Info, m)) if m.contains("committed abc1234")));
}

#[test]
fn there_is_no_stage_before_the_first_or_after_the_last() {
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    assert!(type_str(&mut app, "<").is_empty());
    assert!(app.dialog.is_none());
    assert_eq!(
        app.flash,
        Some((
            Level::Info,
            "Identify is already the first stage".to_owned()
        ))
    );
    select_in_portfolio(&mut app, "email-auto-reply");
    assert!(type_str(&mut app, ">").is_empty());
    assert!(app.dialog.is_none());
    assert_eq!(
        app.flash,
        Some((Level::Info, "Retired is already the last stage".to_owned()))
    );
    // The message goes with the next key.
    type_str(&mut app, "j");
    assert_eq!(app.flash, None);
}

#[test]
fn moving_a_use_case_that_is_not_ready_into_fine_tune_asks_for_confirmation() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    assert_eq!(
        app.data.rows[app.selected().unwrap()].verdict,
        Verdict::Almost
    );
    type_str(&mut app, ">");
    let (_, to, _, reason, ..) = stage_dialog(&app);
    assert_eq!(to, Stage::FineTune);
    let reason = reason.expect("an override");
    assert!(reason.contains("plateau"), "{reason}");
    type_str(&mut app, "board approved the spend");
    // Enter asks; it does not commit.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(stage_dialog(&app).4, "confirming");
    // Keys other than y and n do nothing while confirming.
    assert!(type_str(&mut app, "x").is_empty());
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(stage_dialog(&app).4);
    // n goes back to the justification, which is kept.
    assert!(type_str(&mut app, "n").is_empty());
    let (_, _, text, _, confirming, _) = stage_dialog(&app);
    assert!(!confirming);
    assert_eq!(text, "board approved the spend");
    // Esc in the confirmation also goes back, not out.
    press(&mut app, KeyCode::Enter);
    press(&mut app, KeyCode::Esc);
    assert!(!stage_dialog(&app).4);
    // Enter, then y, commits with the override recorded.
    press(&mut app, KeyCode::Enter);
    let req = only_commit(type_str(&mut app, "y"));
    assert_eq!(
        req.message.lines().next(),
        Some("claims-triage: stage Collect -> FineTune")
    );
    assert!(req.message.contains("board approved the spend"));
    assert!(
        req.message.contains("Readiness override"),
        "{}",
        req.message
    );
    assert!(req.message.contains("plateau"), "{}", req.message);
    assert_eq!(parse_use_case(&req.text).unwrap().stage, Stage::FineTune);
}

#[test]
fn a_ready_use_case_moves_into_fine_tune_without_an_override() {
    let mut app = app();
    select_in_portfolio(&mut app, "customer-faq");
    type_str(&mut app, ">");
    let (_, to, _, reason, ..) = stage_dialog(&app);
    assert_eq!(to, Stage::FineTune);
    assert_eq!(reason, None);
    type_str(&mut app, "all gates pass");
    let req = only_commit(press(&mut app, KeyCode::Enter));
    assert!(!req.message.contains("override"), "{}", req.message);
}

#[test]
fn the_stage_dialog_works_from_board_readiness_and_detail() {
    let mut app = app();
    type_str(&mut app, "2l>");
    assert_eq!(
        stage_dialog(&app).0,
        index_of(&app, "contract-review"),
        "the board's selected card"
    );
    press(&mut app, KeyCode::Esc);
    type_str(&mut app, "3>");
    assert_eq!(stage_dialog(&app).0, app.data.candidates[0]);
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Enter);
    type_str(&mut app, "lll>");
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(Some(stage_dialog(&app).0), app.detail.index);
    // Problems has no selection.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Esc);
    type_str(&mut app, "5>");
    assert!(app.dialog.is_none());
}

#[test]
fn a_failed_commit_keeps_the_dialog_and_what_was_typed() {
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    type_str(&mut app, ">pilot with underwriters");
    only_commit(press(&mut app, KeyCode::Enter));
    app.committed(Err(
        "use-cases/kb-search.ron changed on disk since it was loaded (reloaded)".to_owned(),
    ));
    let (index, to, text, _, _, error) = stage_dialog(&app);
    assert_eq!(index, index_of(&app, "kb-search"));
    assert_eq!(to, Stage::Collect);
    assert_eq!(text, "pilot with underwriters");
    assert!(error.unwrap().contains("changed on disk"));
    // Submitting again tries again.
    only_commit(press(&mut app, KeyCode::Enter));

    // The same holds for an override after confirming.
    let mut app = self::app();
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, ">board approved");
    press(&mut app, KeyCode::Enter);
    only_commit(type_str(&mut app, "y"));
    app.committed(Err("HEAD moved".to_owned()));
    let (_, _, text, _, confirming, error) = stage_dialog(&app);
    assert_eq!(text, "board approved");
    assert!(!confirming);
    assert_eq!(error.as_deref(), Some("HEAD moved"));
}

#[test]
fn a_reload_keeps_the_dialog_on_its_use_case() {
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    type_str(&mut app, ">pilot");
    // claims-triage sorts before kb-search: without it, indices shift.
    let mut register = shipped_register();
    register
        .use_cases
        .retain(|e| e.id.as_str() != "claims-triage");
    app.reload(Data::new(register, repo(), None));
    let (index, ..) = stage_dialog(&app);
    assert_eq!(id_at(&app, index), "kb-search");
    let req = only_commit(press(&mut app, KeyCode::Enter));
    assert_eq!(req.rel, "use-cases/kb-search.ron");
    assert_eq!(selected_id(&app).as_deref(), Some("kb-search"));

    // When the use case is gone, the dialog closes and says why.
    let mut register = shipped_register();
    register.use_cases.retain(|e| e.id.as_str() != "kb-search");
    app.reload(Data::new(register, repo(), None));
    assert!(app.dialog.is_none());
    assert!(matches!(&app.flash, Some((Level::Error, m)) if m.contains("kb-search is gone")));
}

#[test]
fn a_reload_keeps_every_list_on_its_selected_use_case() {
    // claims-triage sorts before most: without it, register indices shift.
    let without_claims = || {
        let mut register = shipped_register();
        register
            .use_cases
            .retain(|e| e.id.as_str() != "claims-triage");
        Data::new(register, repo(), None)
    };
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    // The board's Collect column, below Motor claims triage.
    type_str(&mut app, "2ljjjjj");
    assert_eq!(selected_id(&app).as_deref(), Some("sales-email-drafting"));
    // The readiness candidate ranked below claims-triage.
    type_str(&mut app, "3Gk");
    let ranked = selected_id(&app).unwrap();
    let claims = index_of(&app, "claims-triage");
    assert!(app.data.candidates[..app.readiness.cursor.selected].contains(&claims));
    app.reload(without_claims());
    assert_eq!(selected_id(&app), Some(ranked), "readiness");
    type_str(&mut app, "2");
    assert_eq!(
        selected_id(&app).as_deref(),
        Some("sales-email-drafting"),
        "board"
    );
    type_str(&mut app, "1");
    assert_eq!(selected_id(&app).as_deref(), Some("kb-search"), "portfolio");
}

#[test]
fn a_reload_keeps_detail_on_its_use_case_or_goes_back() {
    let mut app = app();
    select_detail_from_portfolio(&mut app, "kb-search");
    let mut register = shipped_register();
    register
        .use_cases
        .retain(|e| e.id.as_str() != "claims-triage");
    app.reload(Data::new(register, repo(), None));
    assert_eq!(app.screen, Screen::Detail);
    assert_eq!(selected_id(&app).as_deref(), Some("kb-search"));
    let mut register = shipped_register();
    register.use_cases.retain(|e| e.id.as_str() != "kb-search");
    app.reload(Data::new(register, repo(), None));
    assert_eq!(app.screen, Screen::Portfolio);
    assert_eq!(app.detail.index, None);
}

fn select_detail_from_portfolio(app: &mut App, id: &str) {
    type_str(app, "1");
    select_in_portfolio(app, id);
    press(app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Detail);
}

// ---------------------------------------------------------------------------
// Forms.

#[test]
fn m_opens_the_measurement_form_prefilled_with_the_as_of_date() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    assert!(type_str(&mut app, "m").is_empty());
    let (kind, values, focus, error) = form(&app);
    assert_eq!(kind, FormKind::Measurement);
    assert_eq!(values[0], "2026-10-15");
    assert!(values[1..].iter().all(String::is_empty), "{values:?}");
    assert_eq!(focus, 0);
    assert_eq!(error, None);
    assert_eq!(field_error(&app, 0), None);
    assert_eq!(field_error(&app, 1).as_deref(), Some("required"));
}

#[test]
fn an_invalid_value_is_flagged_as_typed_and_blocks_enter() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "m");
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "1.5");
    assert_eq!(form(&app).1[1], "1.5");
    assert_eq!(
        field_error(&app, 1).as_deref(),
        Some("a fraction between 0 and 1")
    );
    // Fill every other field validly: accuracy alone blocks the commit.
    for value in ["0.8", "6400", "9.7", "4", "claims/q4-eval"] {
        press(&mut app, KeyCode::Tab);
        type_str(&mut app, value);
    }
    assert_eq!(form(&app).2, 6);
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    let (_, _, focus, error) = form(&app);
    assert_eq!(focus, 1, "the focus goes to the field to fix");
    assert_eq!(
        error.as_deref(),
        Some("accuracy: a fraction between 0 and 1")
    );
    // The q typed into the source field is text, not quit.
    assert_eq!(form(&app).1[6], "claims/q4-eval");
    assert!(!app.quit);
}

#[test]
fn a_complete_measurement_commits_the_new_file_in_date_order() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "m");
    // A date between existing measurements.
    backspaces(&mut app, 10);
    type_str(&mut app, "2026-01-15");
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "1.5");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    // Fix the accuracy, fill the rest.
    backspaces(&mut app, 3);
    type_str(&mut app, "0.74");
    assert_eq!(field_error(&app, 1), None);
    for value in ["0.68", "6900", "10.6", "3.4", "claims/triage-eval-2026-01"] {
        press(&mut app, KeyCode::Tab);
        type_str(&mut app, value);
    }
    let req = only_commit(press(&mut app, KeyCode::Enter));
    assert_eq!(
        req.message.lines().next(),
        Some("claims-triage: add measurement 2026-01-15 (accuracy 0.74)")
    );
    assert_eq!(req.rel, "use-cases/claims-triage.ron");
    let after = parse_use_case(&req.text).expect("the new file parses");
    let before = shipped_use_case("claims-triage");
    assert_eq!(after.measurements.len(), before.measurements.len() + 1);
    let dates: Vec<String> = after
        .measurements
        .iter()
        .map(|m| m.date.to_string())
        .collect();
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted, "measurements stay in date order");
    let new = &after.measurements[2];
    assert_eq!(new.date.to_string(), "2026-01-15");
    assert_eq!(new.accuracy, 0.74);
    assert_eq!(new.consistency, 0.68);
    assert_eq!(new.p95_latency_ms, 6900);
    assert_eq!(new.cost_per_1k_usd, 10.6);
    assert_eq!(new.satisfaction, 3.4);
    assert_eq!(new.source, "claims/triage-eval-2026-01");
    // The file is otherwise the same.
    let mut without = after.clone();
    without.measurements.remove(2);
    assert_eq!(without, before);
}

#[test]
fn a_failed_commit_keeps_the_form_and_its_values() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "m");
    for value in ["0.85", "0.8", "6400", "9.7", "4", "eval-oct"] {
        press(&mut app, KeyCode::Tab);
        type_str(&mut app, value);
    }
    only_commit(press(&mut app, KeyCode::Enter));
    app.committed(Err("the repository is locked".to_owned()));
    let (_, values, _, error) = form(&app);
    assert_eq!(
        values,
        vec!["2026-10-15", "0.85", "0.8", "6400", "9.7", "4", "eval-oct"]
    );
    assert_eq!(error.as_deref(), Some("the repository is locked"));
}

#[test]
fn the_roi_form_cycles_its_choices_with_left_and_right() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "o");
    let (kind, values, ..) = form(&app);
    assert_eq!(kind, FormKind::Roi);
    assert_eq!(
        values,
        vec!["2026-10-15", "CostSaving", "", "Month", "", "Measured"]
    );
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).1[1], "TimeSaved");
    press(&mut app, KeyCode::Left);
    press(&mut app, KeyCode::Left);
    assert_eq!(form(&app).1[1], "RiskReduction", "Left wraps around");
    // Typing into a choice does nothing.
    type_str(&mut app, "xyz");
    assert_eq!(form(&app).1[1], "RiskReduction");
    // In a text field, Left and Right move the cursor.
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "900");
    press(&mut app, KeyCode::Left);
    type_str(&mut app, "5");
    assert_eq!(form(&app).1[2], "9050");
    press(&mut app, KeyCode::Right);
    type_str(&mut app, "0");
    assert_eq!(form(&app).1[2], "90500");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).1[3], "Year");
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "risk/leakage-2026-q4.md");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Right);
    assert_eq!(form(&app).1[5], "Estimated");
    // Up (and Shift-Tab) go back a field; Tab wraps to the first.
    press(&mut app, KeyCode::Up);
    assert_eq!(form(&app).2, 4);
    press(&mut app, KeyCode::BackTab);
    assert_eq!(form(&app).2, 3);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    assert_eq!(form(&app).2, 0);

    let req = only_commit(press(&mut app, KeyCode::Enter));
    assert_eq!(
        req.message.lines().next(),
        Some("claims-triage: add ROI evidence 2026-10-15 (RiskReduction, 90500 Year, Estimated)")
    );
    let after = parse_use_case(&req.text).unwrap();
    let new = after.roi.last().unwrap();
    assert_eq!(new.value_usd, 90500);
    assert_eq!(new.evidence, "risk/leakage-2026-q4.md");
    assert_eq!(
        after.roi.len(),
        shipped_use_case("claims-triage").roi.len() + 1
    );
}

#[test]
fn esc_cancels_a_form_without_an_effect() {
    let mut app = app();
    type_str(&mut app, "m");
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "0.9");
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.dialog.is_none());
    assert_eq!(app.screen, Screen::Portfolio);
}

// ---------------------------------------------------------------------------
// Read-only, reload, help and quit.

#[test]
fn nothing_can_be_edited_when_read_only() {
    let data = Data::new(
        shipped_register(),
        repo(),
        Some("viewing revision HEAD~1".to_owned()),
    );
    let mut app = app_with(data, 24);
    select_in_portfolio(&mut app, "kb-search");
    for key in ['>', '<', 'm', 'o', 'e'] {
        assert!(type_str(&mut app, &key.to_string()).is_empty(), "{key}");
        assert!(app.dialog.is_none(), "{key}");
        let (level, msg) = app.flash.clone().expect("a message");
        assert_eq!(level, Level::Error);
        assert!(msg.contains("editing is off"), "{msg}");
        assert!(msg.contains("viewing revision HEAD~1"), "{msg}");
    }
    // Reading still works.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Detail);
}

#[test]
fn e_asks_the_runtime_to_open_the_editor() {
    let mut app = app();
    select_in_portfolio(&mut app, "kb-search");
    assert_eq!(
        type_str(&mut app, "e"),
        vec![Effect::Edit {
            index: index_of(&app, "kb-search"),
            edited: None
        }]
    );
}

#[test]
fn r_asks_for_a_reload() {
    let mut app = app();
    assert_eq!(type_str(&mut app, "r"), vec![Effect::Reload]);
    type_str(&mut app, "2");
    assert_eq!(type_str(&mut app, "r"), vec![Effect::Reload]);
    // In a dialog, r is text.
    type_str(&mut app, "1>");
    assert!(type_str(&mut app, "r").is_empty());
    assert_eq!(stage_dialog(&app).2, "r");
}

#[test]
fn question_mark_toggles_help_and_esc_closes_it() {
    let mut app = app();
    type_str(&mut app, "?");
    assert!(app.help);
    type_str(&mut app, "?");
    assert!(!app.help);
    type_str(&mut app, "?jj");
    assert!(app.help);
    assert_eq!(app.help_scroll.offset, 2, "j scrolls the help");
    assert_eq!(app.portfolio.cursor.selected, 0, "not the table behind it");
    press(&mut app, KeyCode::Esc);
    assert!(!app.help);
    assert_eq!(app.screen, Screen::Portfolio);
    // Help opens at the top again.
    type_str(&mut app, "?");
    assert_eq!(app.help_scroll.offset, 0);
    // Enter does not open the use case behind the help.
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.screen, Screen::Portfolio);
    press(&mut app, KeyCode::F(1));
    assert!(!app.help);
}

#[test]
fn q_quits_from_screens_and_help_but_not_from_text() {
    let mut app = app();
    type_str(&mut app, "q");
    assert!(app.quit);
    let mut app = self::app();
    type_str(&mut app, "2?q");
    assert!(app.quit);
    let mut app = self::app();
    press(&mut app, KeyCode::Enter);
    type_str(&mut app, "q");
    assert!(app.quit, "q quits from Detail");
    let mut app = self::app();
    type_str(&mut app, ">q");
    assert!(!app.quit, "q in a dialog is text");
}

#[test]
fn key_releases_are_ignored() {
    let mut app = app();
    let mut release = KeyEvent::new(KeyCode::Char('q'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    assert!(app.handle_event(&Event::Key(release)).is_empty());
    assert!(!app.quit);
    let mut release = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    app.handle_event(&Event::Key(release));
    assert_eq!(app.portfolio.cursor.selected, 0);
}

#[test]
fn a_resize_changes_the_page_and_keeps_the_selection_visible() {
    let mut app = app_with(shipped(), 40);
    type_str(&mut app, "G");
    assert_eq!(app.portfolio.cursor.offset, 0, "all 20 rows fit");
    app.handle_event(&Event::Resize(80, 24));
    assert_eq!(app.page, 17);
    let c = app.portfolio.cursor;
    assert_eq!(c.selected, 19);
    assert!(c.offset <= 19 && 19 < c.offset + 17, "{c:?}");
}

#[test]
fn proposals_and_reviews_load_when_their_screen_shows_and_again_after_a_reload() {
    let mut app = app();
    assert_eq!(app.pending_load(), None, "nothing to load on the portfolio");
    type_str(&mut app, "6");
    assert_eq!(app.pending_load(), Some(Load::Proposals));
    app.proposals_loaded(Ok(Vec::new()));
    assert_eq!(app.pending_load(), None, "loaded once");
    type_str(&mut app, "7");
    assert_eq!(app.pending_load(), Some(Load::ReviewTags));
    app.review_tags_loaded(Err("not inside a git repository".to_owned()));
    assert_eq!(app.pending_load(), None, "no tags: no report to build");
    // `a` with no proposal selected only says so.
    type_str(&mut app, "6a");
    assert!(app.dialog.is_none());
    assert!(app.flash.is_some());
    app.reload(shipped());
    assert_eq!(
        app.pending_load(),
        Some(Load::Proposals),
        "a reload forgets what git said"
    );
}

// ---------------------------------------------------------------------------
// Selection integrity.

/// Whether any of the id, title, team or owner of the row at register index
/// `i` contains `word`, ignoring case.
fn row_contains(app: &App, i: usize, word: &str) -> bool {
    let r = &app.data.rows[i];
    [
        r.id.as_str(),
        r.title.as_str(),
        r.team.as_str(),
        r.owner.as_str(),
    ]
    .iter()
    .any(|t| t.to_lowercase().contains(word))
}

#[test]
fn a_filter_shows_no_scattered_matches() {
    let mut app = app();
    type_str(&mut app, "/claim");
    let shown = titles(&app);
    assert!(!shown.is_empty());
    for bad in [
        "Call-centre agent emotion monitoring (pilot)",
        "Campaign marketing copy",
    ] {
        assert!(!shown.iter().any(|t| t == bad), "{bad} in {shown:?}");
    }
    for &i in &app.portfolio.visible {
        assert!(row_contains(&app, i, "claim"), "{}", id_at(&app, i));
    }
}

#[test]
fn a_match_at_a_word_start_ranks_above_one_inside_a_word() {
    let mut app = app();
    type_str(&mut app, "/mar");
    let ids: Vec<String> = app
        .portfolio
        .visible
        .iter()
        .map(|&i| id_at(&app, i))
        .collect();
    // "summaries" holds "mar" inside a word; "Marketplace", "marketing",
    // "maria.lopez" start with it.
    let inside = ids.iter().position(|id| id == "meeting-summaries").unwrap();
    for starts in ["product-descriptions", "marketing-copy", "contract-review"] {
        let at = ids.iter().position(|id| id == starts).unwrap();
        assert!(at < inside, "{starts} after meeting-summaries: {ids:?}");
    }
    // Acronym-like pieces that each start a word still match.
    press(&mut app, KeyCode::Esc);
    type_str(&mut app, "/invextr");
    assert_eq!(selected_id(&app).as_deref(), Some("invoice-extraction"));
}

#[test]
fn sorting_keeps_the_selected_use_case_selected_and_visible() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    for _ in 0..9 {
        type_str(&mut app, "s");
        assert_eq!(
            selected_id(&app).as_deref(),
            Some("claims-triage"),
            "sort {:?}",
            app.portfolio.sort
        );
        let c = app.portfolio.cursor;
        assert!(
            c.offset <= c.selected && c.selected < c.offset + app.page,
            "{c:?}"
        );
        type_str(&mut app, "S");
        assert_eq!(selected_id(&app).as_deref(), Some("claims-triage"));
    }
}

#[test]
fn a_quick_filter_never_leaves_the_selection_on_a_hidden_row() {
    let mut app = app();
    select_in_portfolio(&mut app, "invoice-extraction");
    for _ in 0..16 {
        type_str(&mut app, "f");
        match app.selected() {
            Some(i) => assert!(app.portfolio.visible.contains(&i)),
            None => assert!(app.portfolio.visible.is_empty()),
        }
    }
}

#[test]
fn only_quit_acts_while_the_terminal_is_too_small() {
    let mut app = app();
    app.handle_event(&Event::Resize(70, 24));
    assert!(app.too_small());
    let mut effects = type_str(&mut app, "g>blind");
    effects.extend(press(&mut app, KeyCode::Enter));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.dialog.is_none());
    assert_eq!(app.screen, Screen::Portfolio);
    assert_eq!(app.portfolio.cursor.selected, 0);
    for keys in ["2", "/x", "?", "m", "e"] {
        assert!(type_str(&mut app, keys).is_empty());
        assert!(
            app.dialog.is_none() && !app.help && !app.portfolio.typing,
            "{keys}"
        );
    }
    // Enlarged, keys act again; q quits while small.
    app.handle_event(&Event::Resize(80, 24));
    type_str(&mut app, ">");
    assert!(app.dialog.is_some());
    press(&mut app, KeyCode::Esc);
    app.handle_event(&Event::Resize(80, 20));
    type_str(&mut app, "q");
    assert!(app.quit);
}

#[test]
fn after_a_move_the_board_focuses_the_moved_use_case() {
    let mut app = app();
    // Collect column, Motor claims triage.
    type_str(&mut app, "2ljjjj");
    assert_eq!(selected_id(&app).as_deref(), Some("claims-triage"));
    type_str(&mut app, "<back to identify");
    let req = only_commit(press(&mut app, KeyCode::Enter));
    let mut register = shipped_register();
    let i = register
        .use_cases
        .iter()
        .position(|e| e.id.as_str() == "claims-triage")
        .unwrap();
    register.use_cases[i].use_case = parse_use_case(&req.text).unwrap();
    app.reload(Data::new(register, repo(), None));
    app.committed(Ok("committed".to_owned()));
    assert_eq!(app.board.column, 0, "Identify");
    assert_eq!(selected_id(&app).as_deref(), Some("claims-triage"));
}

// ---------------------------------------------------------------------------
// External edits are justified; problems open at their line.

fn justify_dialog(
    app: &App,
) -> (
    usize,
    Vec<&'static str>,
    Option<String>,
    bool,
    Option<String>,
) {
    match &app.dialog {
        Some(Dialog::Justify {
            index,
            fields,
            override_reason,
            confirming,
            error,
            ..
        }) => (
            *index,
            fields.clone(),
            override_reason.clone(),
            *confirming,
            error.clone(),
        ),
        _ => panic!("no justification dialog open"),
    }
}

#[test]
fn a_valid_edit_asks_why_and_its_subject_names_the_fields() {
    let mut app = app();
    let i = index_of(&app, "kb-search");
    let mut edited = shipped_use_case("kb-search");
    edited.notes = "Reviewed with underwriting.".to_owned();
    edited.owner = "ana.souza@example.com".to_owned();
    let copy = std::path::PathBuf::from("/tmp/ripen-kb-search-x.ron");
    assert!(app.edited(i, edited.clone(), copy.clone()).is_empty());
    let (index, fields, reason, confirming, _) = justify_dialog(&app);
    assert_eq!((index, reason, confirming), (i, None, false));
    assert_eq!(fields, vec!["owner", "notes"]);
    // Like a stage move: no commit without a justification.
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(
        justify_dialog(&app).4.as_deref(),
        Some("type a one-line justification first")
    );
    type_str(&mut app, "ownership moved to Ana in the reorg");
    let req = only_commit(press(&mut app, KeyCode::Enter));
    let mut lines = req.message.lines();
    assert_eq!(lines.next(), Some("kb-search: edit owner, notes"));
    assert_eq!(lines.next(), Some(""));
    assert_eq!(lines.next(), Some("ownership moved to Ana in the reorg"));
    assert_eq!(parse_use_case(&req.text).unwrap(), edited);
    assert_eq!(req.rel, "use-cases/kb-search.ron");

    // Esc commits nothing and says where the edited copy is.
    let mut app = self::app();
    let mut edited = shipped_use_case("kb-search");
    edited.notes = "x".to_owned();
    app.edited(i, edited, copy.clone());
    type_str(&mut app, "half a reason");
    assert!(press(&mut app, KeyCode::Esc).is_empty());
    assert!(app.dialog.is_none());
    assert!(
        matches!(&app.flash, Some((Level::Info, m)) if m.contains("/tmp/ripen-kb-search-x.ron"))
    );

    // An edit that changes nothing commits nothing.
    let mut app = self::app();
    app.edited(i, shipped_use_case("kb-search"), copy);
    assert!(app.dialog.is_none());
    assert!(matches!(&app.flash, Some((_, m)) if m.contains("nothing to commit")));
}

#[test]
fn an_edit_into_fine_tune_that_is_not_ready_asks_to_override() {
    let mut app = app();
    let i = index_of(&app, "claims-triage");
    let mut edited = shipped_use_case("claims-triage");
    edited.stage = Stage::FineTune;
    app.edited(i, edited, "/tmp/c.ron".into());
    let (_, fields, reason, ..) = justify_dialog(&app);
    assert_eq!(fields, vec!["stage"]);
    assert!(reason.as_deref().unwrap().contains("almost"), "{reason:?}");
    type_str(&mut app, "board approved");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(justify_dialog(&app).3, "the confirmation shows");
    let req = only_commit(type_str(&mut app, "y"));
    assert!(
        req.message
            .starts_with("claims-triage: edit stage\n\nboard approved\n")
    );
    assert!(
        req.message
            .contains("Readiness override: moved to FineTune although readiness is `almost`"),
        "{}",
        req.message
    );
}

#[test]
fn enter_on_a_problem_opens_its_file_at_its_line() {
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
    let mut text = String::from_utf8(shipped_file("use-cases/kb-search.ron")).unwrap();
    text = text.replacen("stage: Identify", "stage: Nowhere", 1);
    let line = text.lines().position(|l| l.contains("Nowhere")).unwrap() + 1;
    files.push(SourceFile {
        rel: "use-cases/kb-search.ron".to_owned(),
        content: Content::Bytes(text.into_bytes()),
    });
    let snapshot = Snapshot {
        root: "state".to_owned(),
        files,
    };
    let register = ripen::register::load(&snapshot, Some(as_of()), today());
    assert_eq!(register.errors(), 1, "{:?}", register.diagnostics);
    let mut app = app_with(Data::new(register.clone(), repo(), None), 24);
    type_str(&mut app, "5");
    assert_eq!(
        press(&mut app, KeyCode::Enter),
        vec![Effect::EditAt {
            rel: "use-cases/kb-search.ron".to_owned(),
            line
        }]
    );
    // Not when editing is off.
    let mut app = app_with(
        Data::new(register, repo(), Some("viewing revision HEAD".to_owned())),
        24,
    );
    type_str(&mut app, "5");
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert!(matches!(&app.flash, Some((Level::Error, m)) if m.contains("editing is off")));
}

// ---------------------------------------------------------------------------
// Dates, and new use cases.

/// The shipped register (as-of pinned to 2026-10-15) on `today`.
fn on_day(today: &str) -> App {
    let mut data = shipped();
    data.today = ripen::model::Date::parse(today).unwrap();
    app_with(data, 24)
}

fn form_warning(app: &App, n: usize) -> Option<String> {
    match &app.dialog {
        Some(Dialog::Form { fields, .. }) => fields[n].warning(&app.form_context()),
        _ => panic!("no form open"),
    }
}

#[test]
fn a_form_dates_today_refuses_the_future_and_warns_past_a_pinned_as_of() {
    let mut app = on_day("2026-12-01");
    assert!(app.data.pinned, "the shipped register pins as_of");
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "m");
    let (_, values, ..) = form(&app);
    assert_eq!(values[0], "2026-12-01", "today, not the as-of date");
    assert_eq!(field_error(&app, 0), None);
    let warning = form_warning(&app, 0).expect("a warning");
    assert!(
        warning.contains("readiness ignores measurements after the as-of date 2026-10-15"),
        "{warning}"
    );
    // A date after today is refused, and Enter does not commit it.
    backspaces(&mut app, 10);
    type_str(&mut app, "2030-01-01");
    let err = field_error(&app, 0).expect("refused");
    assert!(err.contains("after today (2026-12-01)"), "{err}");
    for v in ["0.9", "0.9", "100", "1", "4", "eval"] {
        press(&mut app, KeyCode::Tab);
        type_str(&mut app, v);
    }
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    assert_eq!(form(&app).2, 0, "the focus goes to the date");
    // On or before the as-of date: no warning.
    let mut app = on_day("2026-12-01");
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "o");
    backspaces(&mut app, 10);
    type_str(&mut app, "2026-10-01");
    assert_eq!(form_warning(&app, 0), None);
    // Not pinned: nothing to warn about.
    let mut app = on_day("2026-12-01");
    app.data.pinned = false;
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "m");
    assert_eq!(form_warning(&app, 0), None);
}

#[test]
fn a_twenty_digit_value_is_too_large() {
    let mut app = app();
    select_in_portfolio(&mut app, "claims-triage");
    type_str(&mut app, "o");
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Tab);
    type_str(&mut app, "99999999999999999999");
    let err = field_error(&app, 2).unwrap();
    assert!(err.starts_with("too large"), "{err}");
}

fn new_form(app: &App) -> (Vec<String>, usize, Option<String>) {
    match &app.dialog {
        Some(Dialog::New {
            fields,
            focus,
            error,
        }) => (
            fields.iter().map(|f| f.input.value().to_owned()).collect(),
            *focus,
            error.clone(),
        ),
        _ => panic!("no new use case form"),
    }
}

#[test]
fn n_creates_a_use_case_in_one_commit_and_selects_it() {
    let mut app = app();
    type_str(&mut app, "n");
    assert_eq!(new_form(&app).0, vec!["", "", "", ""]);
    // The id is checked as typed: slug form, not taken.
    type_str(&mut app, "Claims");
    assert!(field_error(&app, 0).unwrap().contains("lower-case"));
    backspaces(&mut app, 6);
    type_str(&mut app, "claims-triage");
    assert!(field_error(&app, 0).unwrap().contains("taken"));
    assert!(press(&mut app, KeyCode::Enter).is_empty());
    type_str(&mut app, "-2");
    assert_eq!(field_error(&app, 0), None);
    for v in [
        "Home claims triage",
        "ana.souza@example.com",
        "Claims Operations",
    ] {
        press(&mut app, KeyCode::Tab);
        type_str(&mut app, v);
    }
    let req = only_commit(press(&mut app, KeyCode::Enter));
    assert_eq!(req.rel, "use-cases/claims-triage-2.ron");
    assert_eq!(req.expected, None, "a new file: it must not exist yet");
    assert_eq!(req.head, repo().head);
    assert!(
        req.message.starts_with("claims-triage-2: create\n"),
        "{}",
        req.message
    );
    let u = parse_use_case(&req.text).unwrap();
    assert_eq!(u.title, "Home claims triage");
    assert_eq!(u.owner, "ana.souza@example.com");
    assert_eq!(u.team, "Claims Operations");
    assert_eq!(u.stage, Stage::Identify);
    // Once committed and reloaded, the new use case is selected.
    let mut cases: Vec<(String, ripen::model::UseCase)> = shipped_register()
        .use_cases
        .iter()
        .map(|e| (e.id.to_string(), e.use_case.clone()))
        .collect();
    cases.push(("claims-triage-2".to_owned(), u));
    let refs: Vec<(&str, &ripen::model::UseCase)> =
        cases.iter().map(|(i, u)| (i.as_str(), u)).collect();
    app.reload(Data::new(register_of(&refs), repo(), None));
    app.committed(Ok("committed abc1234: claims-triage-2: create".to_owned()));
    assert!(app.dialog.is_none());
    assert_eq!(app.screen, Screen::Portfolio);
    assert_eq!(selected_id(&app).as_deref(), Some("claims-triage-2"));

    // Refused when editing is off.
    let data = Data::new(
        shipped_register(),
        repo(),
        Some("viewing revision HEAD".to_owned()),
    );
    let mut app = app_with(data, 24);
    assert!(type_str(&mut app, "n").is_empty());
    assert!(app.dialog.is_none());
    assert!(matches!(&app.flash, Some((Level::Error, m)) if m.contains("editing is off")));
}

#[test]
fn an_edit_is_committed_only_over_the_file_it_was_made_from() {
    let mut app = app();
    let i = index_of(&app, "kb-search");
    let mut edited = shipped_use_case("kb-search");
    edited.notes = "Edited in the editor.".to_owned();
    app.edited(i, edited.clone(), "/tmp/ripen-kb.ron".into());
    type_str(&mut app, "reviewed");
    // Meanwhile someone else changed the file, and the register reloaded.
    let mut register = shipped_register();
    register.use_cases[i].use_case.owner = "someone.else@example.com".to_owned();
    register.use_cases[i].original = b"changed by someone else".to_vec().into();
    app.reload(Data::new(register, repo(), None));
    let req = only_commit(press(&mut app, KeyCode::Enter));
    // The commit expects the file the copy was made from: the git edge
    // refuses it, rather than overwrite the other change.
    assert_eq!(req.expected, Some(shipped_file("use-cases/kb-search.ron")));
    assert_eq!(parse_use_case(&req.text).unwrap(), edited);
}

#[test]
fn the_id_of_a_file_that_failed_to_load_is_taken_too() {
    use ripen::register::{Content, Snapshot, SourceFile};
    let files = vec![
        SourceFile {
            rel: "register.ron".to_owned(),
            content: Content::Bytes(shipped_file("register.ron")),
        },
        SourceFile {
            rel: "policy.ron".to_owned(),
            content: Content::Bytes(shipped_file("policy.ron")),
        },
        SourceFile {
            rel: "use-cases/half-written.ron".to_owned(),
            content: Content::Bytes(b"(title: ".to_vec()),
        },
    ];
    let snapshot = Snapshot {
        root: "state".to_owned(),
        files,
    };
    let register = ripen::register::load(&snapshot, Some(as_of()), today());
    assert!(register.use_cases.is_empty() && register.errors() > 0);
    let mut app = app_with(Data::new(register, repo(), None), 24);
    type_str(&mut app, "nhalf-written");
    assert!(field_error(&app, 0).unwrap().contains("taken"));
}

/// A reload (after a decision of one's own, or anyone's commit) loads the
/// agenda again; meanwhile, and after, the selection stays on its item.
#[test]
fn a_reload_keeps_the_selected_agenda_item() {
    let view = |app: &ripen::tui::app::App| {
        let agenda = ripen::agenda::build(ripen::agenda::Inputs {
            now: &app.data.register,
            previous: None,
            proposals: &[],
            last_review: None,
        });
        Box::new(ripen::ops::meeting::AgendaView {
            agenda,
            open: None,
            chair: None,
            decisions: Vec::new(),
            since: None,
            warnings: Vec::new(),
        })
    };
    let mut app = app_with(shipped(), 24);
    type_str(&mut app, "7a");
    let loaded = view(&app);
    assert!(loaded.agenda.items.len() > 2);
    app.agenda_loaded(Ok(loaded));
    type_str(&mut app, "jj");
    assert_eq!(app.review.agenda_cursor.selected, 2);
    app.reload(shipped());
    assert_eq!(app.pending_load(), Some(Load::Agenda));
    assert_eq!(app.review.agenda_cursor.selected, 2, "kept while loading");
    let again = view(&app);
    app.agenda_loaded(Ok(again));
    assert_eq!(app.review.agenda_cursor.selected, 2, "kept once loaded");
}
