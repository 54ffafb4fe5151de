//! Benchmarks on generated registers: `cargo bench`. Inputs come from the
//! demo generator (`ripen demo --use-cases N --commits M`), built once per
//! run in temporary directories. See docs/performance.md for the numbers.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::crossterm::event::{Event, KeyCode, KeyEvent, KeyModifiers};
use ripen::demo::{Plan, generate};
use ripen::model::Date;
use ripen::tui::app::{App, Data};
use ripen::tui::theme::Theme;
use ripen::{git, register, report, store};

const BIN: &str = env!("CARGO_BIN_EXE_ripen");

fn today() -> Date {
    Date::parse("2026-11-29").unwrap()
}

struct Repo {
    _dir: tempfile::TempDir,
    root: PathBuf,
    state: PathBuf,
}

fn make(use_cases: usize, commits: usize) -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let plan = Plan::Synthetic {
        use_cases,
        commits,
        seed: 7,
    };
    let repo = generate(dir.path(), &plan, today()).unwrap();
    Repo {
        root: repo.root.clone(),
        state: repo.state_dir.clone(),
        _dir: dir,
    }
}

fn small() -> &'static Repo {
    static R: OnceLock<Repo> = OnceLock::new();
    R.get_or_init(|| make(1_000, 10))
}

fn large() -> &'static Repo {
    static R: OnceLock<Repo> = OnceLock::new();
    R.get_or_init(|| make(10_000, 10))
}

fn long_history() -> &'static Repo {
    static R: OnceLock<Repo> = OnceLock::new();
    R.get_or_init(|| make(10_000, 20_000))
}

fn load(state: &Path) -> register::Register {
    register::load(&store::snapshot(state).unwrap(), None, today())
}

/// A register of one use case of nearly 1 MiB whose measurements are
/// listed newest first: one warning per measurement (about 7,000). Loading
/// it once took 49 s (each warning was located by rescanning the file).
fn warnings_snapshot() -> register::Snapshot {
    let good = include_str!("../tests/corpus-good/invoice-triage.ron");
    let head = &good[..good.find("    measurements: [").unwrap()];
    let tail = &good[good.find("    roi: []").unwrap()..];
    let (mut text, mut k) = (format!("{head}    measurements: [\n"), 0i64);
    let start = today().0;
    while text.len() < (register::MAX_FILE_BYTES as usize) - 1000 {
        let d = start - chrono::Duration::days(k);
        text.push_str(&format!(
            "        (date: \"{d}\", accuracy: 0.80, consistency: 0.72, p95_latency_ms: 2700, cost_per_1k_usd: 6.3, satisfaction: 3.7, source: \"eval\"),\n"
        ));
        k += 1;
    }
    text.push_str(&format!("    ],\n{tail}"));
    register::Snapshot {
        root: "state".to_owned(),
        files: vec![register::SourceFile {
            rel: "use-cases/big.ron".to_owned(),
            content: register::Content::Bytes(text.into_bytes()),
        }],
    }
}

fn loading(c: &mut Criterion) {
    let mut g = c.benchmark_group("load");
    g.sample_size(10);
    for (name, repo) in [("worktree_1k", small()), ("worktree_10k", large())] {
        g.bench_function(name, |b| b.iter(|| load(&repo.state)));
    }
    g.bench_function("revision_10k", |b| {
        b.iter(|| {
            let snap = git::snapshot_at(&large().state, "HEAD").unwrap();
            register::load(&snap, None, today())
        })
    });
    let warnings = warnings_snapshot();
    assert!(register::load(&warnings, None, today()).diagnostics.len() > 5000);
    g.bench_function("one_mib_of_warnings", |b| {
        b.iter(|| register::load(&warnings, None, today()))
    });
    let reg = load(&large().state);
    g.bench_function("readiness_10k", |b| b.iter(|| report::assess_all(&reg)));
    g.bench_function("ripen_list_10k_process", |b| {
        b.iter(|| {
            let status = Command::new(BIN)
                .arg("--state")
                .arg(&large().state)
                .arg("list")
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    g.finish();
}

fn ui(c: &mut Criterion) {
    let mut g = c.benchmark_group("ui");
    g.sample_size(10);
    let theme = Theme::new(true);
    g.bench_function("first_frame_10k", |b| {
        b.iter(|| {
            let reg = load(&large().state);
            let mut app = App::new(Data::new(reg, git::status(&large().state), None));
            app.resize(40);
            let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
            t.draw(|f| ripen::tui::views::draw(f, &app, &theme))
                .unwrap();
        })
    });
    let reg = load(&large().state);
    let mut app = App::new(Data::new(reg, git::status(&large().state), None));
    app.resize(40);
    let mut t = Terminal::new(TestBackend::new(120, 40)).unwrap();
    app.update(ripen::tui::keymap::Action::Filter);
    let key = |c| Event::Key(KeyEvent::new(c, KeyModifiers::NONE));
    g.sample_size(50);
    // One iteration: type a character and redraw, then erase it and redraw
    // (two keystrokes, so the state is the same at every iteration).
    g.bench_function("filter_two_keystrokes_10k", |b| {
        b.iter(|| {
            app.handle_event(&key(KeyCode::Char('7')));
            t.draw(|f| ripen::tui::views::draw(f, &app, &theme))
                .unwrap();
            app.handle_event(&key(KeyCode::Backspace));
            t.draw(|f| ripen::tui::views::draw(f, &app, &theme))
                .unwrap();
        })
    });
    g.finish();
}

fn history(c: &mut Criterion) {
    let repo = long_history();
    let mut g = c.benchmark_group("history_20k_commits");
    g.sample_size(10);
    g.measurement_time(Duration::from_secs(20));
    g.bench_function("ripen_history", |b| {
        b.iter(|| {
            let status = Command::new(BIN)
                .arg("--state")
                .arg(&repo.state)
                .args(["history", "uc-00042", "--format", "json"])
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    g.bench_function("git_log_follow", |b| {
        b.iter(|| {
            let status = Command::new("git")
                .arg("-C")
                .arg(&repo.root)
                .args([
                    "log",
                    "--follow",
                    "--format=%H",
                    "--",
                    "state/use-cases/uc-00042.ron",
                ])
                .stdout(Stdio::null())
                .status()
                .unwrap();
            assert!(status.success());
        })
    });
    g.finish();
}

/// Planning the import of the federal inventory with the `omb-2025` preset
/// (parse, map, slug, canonical text of every file). `RIPEN_IMPORT_CSV`
/// names the full 3,611-row file; the default is the sample the tests use.
fn import(c: &mut Criterion) {
    let path = std::env::var_os("RIPEN_IMPORT_CSV").map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/omb-2025-sample.csv"),
        PathBuf::from,
    );
    let csv = std::fs::read(&path).unwrap();
    let mapping = ripen::import::mapping::Preset::Omb2025.mapping();
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("use-cases")).unwrap();
    let snapshot = store::snapshot(dir.path()).unwrap();
    let reg = register::load(&snapshot, None, today());
    let mut g = c.benchmark_group("import");
    g.sample_size(10);
    g.bench_function("plan_omb_2025", |b| {
        b.iter(|| ripen::import::plan("inventory.csv", &csv, &mapping, &reg, &snapshot).unwrap())
    });
    g.finish();
}

criterion_group!(benches, loading, ui, import, history);
criterion_main!(benches);
