//! A whole UI session on a terminal that is not the process's own: raw
//! bytes in (as an SSH channel would push them), frames out to a test
//! backend of a fixed size, over a real generated register repository.
//! Loads run in the background: the screen keeps drawing and keys keep
//! working while one is slowed down, Esc cancels the wait, and a result
//! that is no longer wanted is dropped.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use ratatui::backend::TestBackend;
use ripen::demo::{Plan, generate};
use ripen::model::Date;
use ripen::tui::Source;
use ripen::tui::app::App;
use ripen::tui::incoming::{ByteInput, ByteSender, byte_input};
use ripen::tui::session::{Exit, FixedTerminal, SaveGuard, Session};
use ripen::tui::theme::Theme;
use ripen::tui::worker::{Job, Outcome, Runner, run_job};

type Ui = Session<FixedTerminal<TestBackend>, ByteInput>;

fn today() -> Date {
    Date::from_ymd(2026, 11, 29).unwrap()
}

/// The Northwind demo register: history, review tags, two proposal branches.
fn register() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let made = generate(dir.path(), &Plan::Northwind { seed: 7 }, today()).unwrap();
    (dir, made.state_dir)
}

fn source(state: &std::path::Path) -> Source {
    Source {
        state_dir: state.to_owned(),
        rev: None,
        as_of: None,
        today: today(),
        principal: None,
    }
}

fn session(state: &std::path::Path, runner: Option<Runner>) -> (ByteSender, Ui) {
    let source = source(state);
    let app = App::new(ripen::tui::load(&source).unwrap());
    let terminal = FixedTerminal::new(TestBackend::new(100, 30), 100, 30).unwrap();
    let (tx, input) = byte_input();
    let mut s = Session::new(
        app,
        source,
        Theme::new(true),
        terminal,
        input,
        SaveGuard::default(),
    );
    s.app.resize_to(100, 30);
    if let Some(r) = runner {
        s = s.with_runner(r);
    }
    (tx, s)
}

/// What the test backend shows, one line per row.
fn screen(s: &Ui) -> String {
    let buf = s.terminal().backend().buffer();
    let w = usize::from(buf.area.width);
    buf.content
        .chunks(w)
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the loop until the screen shows `needle`.
fn until(s: &mut Ui, needle: &str) {
    let start = Instant::now();
    loop {
        let step = s.step_within(Some(Duration::from_millis(20))).unwrap();
        assert_eq!(step, None, "the session ended early");
        if screen(s).contains(needle) {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "never showed {needle:?}:\n{}",
            screen(s)
        );
    }
}

/// A gate that holds the jobs it is asked to hold until opened, and says
/// when each of them has finished.
#[derive(Clone)]
struct Gate {
    open: Arc<(Mutex<bool>, Condvar)>,
    hold: fn(&Job) -> bool,
    runs: Arc<AtomicUsize>,
    finished: Sender<String>,
}

impl Gate {
    fn new(hold: fn(&Job) -> bool) -> (Gate, Receiver<String>) {
        let (finished, rx) = channel();
        (
            Gate {
                open: Arc::new((Mutex::new(false), Condvar::new())),
                hold,
                runs: Arc::new(AtomicUsize::new(0)),
                finished,
            },
            rx,
        )
    }

    fn runner(&self) -> Runner {
        let gate = self.clone();
        Arc::new(
            move |job: &Job, source: &Source, progress: &mut dyn FnMut(usize, usize)| {
                let held = (gate.hold)(job);
                if held {
                    gate.runs.fetch_add(1, Ordering::SeqCst);
                    let (lock, cv) = &*gate.open;
                    let mut open = lock.lock().unwrap();
                    while !*open {
                        open = cv.wait(open).unwrap();
                    }
                }
                // The real load, only later.
                let out: Outcome = run_job(job, source, progress);
                if held {
                    let _ = gate.finished.send(format!("{job:?}"));
                }
                out
            },
        )
    }

    fn release(&self) {
        let (lock, cv) = &*self.open;
        *lock.lock().unwrap() = true;
        cv.notify_all();
    }
}

#[test]
fn a_whole_session_takes_bytes_and_draws_frames_until_quit() {
    let (_dir, state) = register();
    let (tx, mut s) = session(&state, None);
    // Board, then Down split across two packets, then quit.
    tx.bytes(b"2");
    tx.bytes(b"\x1b[");
    tx.bytes(b"Bq");
    assert_eq!(s.run(), Ok(Exit::Quit));
    let shown = screen(&s);
    assert!(shown.contains("Board"), "{shown}");
    assert!(s.frames() >= 3, "a frame per key: {}", s.frames());
    assert_eq!(s.app.board.column, 0);
    assert_eq!(
        s.app.board.cursors[0].selected, 1,
        "the split Down arrow moved once"
    );
}

#[test]
fn a_stop_ends_the_session_with_its_signal() {
    let (_dir, state) = register();
    let (tx, mut s) = session(&state, None);
    tx.bytes(b"2");
    tx.stop(15);
    assert_eq!(s.run(), Ok(Exit::Signal(15)));
}

#[test]
fn a_closed_connection_ends_the_session_with_an_error() {
    let (_dir, state) = register();
    let (tx, mut s) = session(&state, None);
    drop(tx);
    let err = s.run().unwrap_err();
    assert!(err.contains("the connection closed"), "{err}");
}

#[test]
fn a_resize_redraws_at_the_new_size() {
    let (_dir, state) = register();
    let (tx, mut s) = session(&state, None);
    until(&mut s, "Portfolio");
    tx.resize(70, 20);
    until(&mut s, "terminal too small (need 80x24)");
    assert!(screen(&s).contains("now 70x20"), "{}", screen(&s));
    tx.resize(100, 30);
    until(&mut s, "Portfolio");
}

#[test]
fn the_editor_says_it_needs_a_local_terminal() {
    let (_dir, state) = register();
    let (tx, mut s) = session(&state, None);
    until(&mut s, "Portfolio");
    tx.bytes(b"e");
    until(&mut s, "the editor needs a local terminal");
}

#[test]
fn keys_work_and_frames_are_drawn_while_a_slow_load_runs() {
    let (_dir, state) = register();
    let (gate, finished) = Gate::new(|j| *j == Job::Proposals);
    let (tx, mut s) = session(&state, Some(gate.runner()));
    until(&mut s, "Portfolio");
    tx.bytes(b"6");
    until(&mut s, "loading proposals");
    assert!(screen(&s).contains("Esc cancels"), "{}", screen(&s));

    // The spinner turns with no input at all.
    let before = s.frames();
    for _ in 0..5 {
        s.step_within(Some(Duration::from_millis(20))).unwrap();
    }
    assert!(s.frames() >= before + 5, "frames keep coming while waiting");

    // Keys act meanwhile: help opens and closes, another screen shows.
    tx.bytes(b"?");
    until(&mut s, "Help ·");
    tx.bytes(b"?");
    tx.bytes(b"3");
    until(&mut s, "Readiness");
    // Back on Proposals the same load is still awaited, not started again.
    tx.bytes(b"6");
    until(&mut s, "Loading proposals");
    assert_eq!(gate.runs.load(Ordering::SeqCst), 1);

    gate.release();
    until(&mut s, "proposal/");
    assert_eq!(finished.recv().unwrap(), "Proposals");
    assert!(s.app.proposals.loaded && s.app.proposals.error.is_none());
    assert!(!s.busy());
}

#[test]
fn esc_cancels_the_wait_and_the_late_result_is_dropped() {
    let (_dir, state) = register();
    for round in 0..20 {
        let (gate, finished) = Gate::new(|j| *j == Job::Proposals);
        let (tx, mut s) = session(&state, Some(gate.runner()));
        tx.bytes(b"6");
        until(&mut s, "loading proposals");
        tx.bytes(b"\x1b");
        until(&mut s, "cancelled: press r to load again");
        gate.release();
        assert_eq!(finished.recv().unwrap(), "Proposals");
        for _ in 0..3 {
            s.step_within(Some(Duration::from_millis(20))).unwrap();
        }
        assert!(
            s.app.proposals.list.is_empty(),
            "round {round}: the cancelled result was dropped"
        );
        assert!(!s.busy());
        // A reload asks for the list anew.
        tx.bytes(b"r");
        until(&mut s, "proposal/");
    }
}

#[test]
fn a_report_for_a_tag_no_longer_selected_is_dropped() {
    let (_dir, state) = register();
    for round in 0..20 {
        let (gate, finished) = Gate::new(|j| matches!(j, Job::Report(_)));
        let (tx, mut s) = session(&state, Some(gate.runner()));
        tx.bytes(b"7");
        until(&mut s, "building the report since");
        let first = s.app.review.tags[0].name.clone();
        let second = s.app.review.tags[1].name.clone();
        tx.bytes(b"j");
        until(&mut s, &format!("building the report since {second}"));
        gate.release();
        let mut done = vec![finished.recv().unwrap(), finished.recv().unwrap()];
        done.sort();
        let mut both = vec![format!("Report({first:?})"), format!("Report({second:?})")];
        both.sort();
        assert_eq!(done, both, "round {round}: both reports were built");
        let start = Instant::now();
        while s.busy() {
            s.step_within(Some(Duration::from_millis(20))).unwrap();
            assert!(start.elapsed() < Duration::from_secs(30));
        }
        s.step_within(Some(Duration::from_millis(20))).unwrap();
        assert_eq!(
            s.app.review.report_for.as_deref(),
            Some(second.as_str()),
            "round {round}"
        );
        assert!(matches!(s.app.review.report, Some(Ok(_))), "round {round}");
    }
}
