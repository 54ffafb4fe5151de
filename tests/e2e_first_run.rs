//! A newcomer's first ten minutes, end to end: a shell in tmux at 80x24,
//! the real binary first on PATH, every command and key typed as a person
//! would, following only what ripen prints: init, new, validate, the UI
//! (a measurement with `m`, a stage move with a justification with `>`,
//! the justification in History), the demo (accepting a proposal), and the
//! quarterly report.

mod support;

use std::path::Path;

use support::need::{Need, machine_has};
use support::run::BIN;
use support::tmux::Tmux;

/// A shell at 80x24 in `dir`, with a git identity in its own home.
fn shell(dir: &Path, home: &Path) -> Tmux {
    std::fs::write(
        home.join(".gitconfig"),
        "[user]\n\tname = Ada Newcomer\n\temail = ada@example.com\n[init]\n\tdefaultBranch = main\n",
    )
    .unwrap();
    let bin = Path::new(BIN).parent().unwrap();
    let path = format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let command = format!(
        "cd '{}' && exec env -u RIPEN_STATE -u NO_COLOR HOME='{}' PATH='{path}' TERM=xterm-256color PS1='$ ' sh",
        dir.display(),
        home.display()
    );
    Tmux::start("first-run", &command, 80, 24)
}

/// Types a command line and presses Enter.
fn type_line(t: &Tmux, line: &str) {
    t.text(line);
    t.keys(&["Enter"]);
}

/// Types text into the focused field (a form field or a prompt).
fn type_text(t: &Tmux, text: &str) {
    t.text(text);
}

fn head_message(repo: &Path) -> String {
    let repo = git2::Repository::open(repo).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    head.message().unwrap().to_owned()
}

#[test]
fn a_newcomers_first_ten_minutes() {
    if !machine_has("a_newcomers_first_ten_minutes", &[Need::Tmux]) {
        return;
    }
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    let t = shell(work.path(), home.path());
    t.wait_for("$");

    // init, and the hint it prints, typed as printed.
    type_line(&t, "ripen init reg");
    let s = t.wait_for("Next: ");
    let hint = s
        .lines()
        .find_map(|l| l.strip_prefix("Next: "))
        .unwrap()
        .trim_end()
        .to_owned();
    assert_eq!(
        hint,
        "cd reg && ripen new first-use-case --title 'My first use case'"
    );
    type_line(&t, "clear");
    t.wait("a clear screen", |s| !s.contains("Next:"));
    type_line(&t, &hint);
    t.wait_for("Next: ripen validate");
    let reg = work.path().join("reg");
    assert_eq!(
        head_message(&reg),
        "first-use-case: new use case \"My first use case\""
    );

    // validate: the placeholders are warnings, nothing is an error.
    type_line(&t, "clear");
    t.wait("a clear screen", |s| !s.contains("Next:"));
    type_line(&t, "ripen validate");
    t.wait_for("warning(s)");
    // The lines wrapped by the terminal, joined again.
    let s = t.run(&["capture-pane", "-p", "-J", "-t", "0"]);
    assert!(s.contains("0 error(s), 5 warning(s)"), "{s}");
    assert!(
        s.contains("warning: summary is still the placeholder that ripen new wrote"),
        "{s}"
    );

    // The UI: the new use case is there, not stale.
    type_line(&t, "ripen");
    let s = t.wait_for("Portfolio · 1 of 1");
    assert!(s.contains("My first use case"), "{s}");
    assert!(!s.contains("stale"), "a new use case is not stale:\n{s}");

    // m: a measurement, field by field.
    t.keys(&["m"]);
    t.wait_for("Add measurement to first-use-case");
    for value in ["0.82", "0.9", "850", "1.2", "4", "pilot eval"] {
        t.keys(&["Tab"]);
        type_text(&t, value);
    }
    t.wait_for("pilot eval");
    t.keys(&["Enter"]);
    t.wait_for("committed");
    assert!(
        head_message(&reg).starts_with("first-use-case: add measurement"),
        "{}",
        head_message(&reg)
    );

    // >: the next stage, with a justification.
    t.keys(&[">"]);
    let s = t.wait_for("Move first-use-case");
    assert!(s.contains("from Identify to Collect"), "{s}");
    type_text(&t, "Pilot agreed; start collecting examples");
    t.wait_for("Pilot agreed; start collecting examples");
    t.keys(&["Enter"]);
    t.wait_for("stage Identify -> Collect");
    assert_eq!(
        head_message(&reg),
        "first-use-case: stage Identify -> Collect\n\nPilot agreed; start collecting examples\n"
    );

    // Detail, History tab: the justification is there.
    t.keys(&["4"]);
    t.wait_for("Overview");
    t.keys(&["l", "l", "l", "l"]);
    let s = t.wait_for("3 commit(s), newest first");
    assert!(
        s.contains("Pilot agreed; start collecting examples"),
        "the justification shows in History:\n{s}"
    );
    t.keys(&["q"]);
    t.wait("the shell", |s| !s.contains("Portfolio"));

    // The demo: its UI opens; accept the valid proposal.
    type_line(&t, "cd .. && ripen demo demo");
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["6"]);
    t.wait_for("proposal/claims-finetune");
    t.keys(&["j"]);
    t.wait_for("▶ proposal/claims-finetune");
    t.keys(&["a"]);
    t.wait_for("Accept proposal/claims-finetune");
    // It moves a use case that is only almost ready: the reason first.
    t.wait_for("Reason for the override");
    t.text("the committee accepts the plateau risk");
    t.keys(&["Enter"]);
    t.wait_for("y yes");
    t.keys(&["y"]);
    t.wait_for("Accepted proposal/claims-finetune");
    t.keys(&["q"]);
    t.wait("the shell", |s| !s.contains("Portfolio"));
    let demo = work.path().join("demo");
    let on_disk = std::fs::read_to_string(demo.join("state/use-cases/claims-triage.ron")).unwrap();
    assert!(
        on_disk.contains("stage: FineTune,"),
        "the working tree follows"
    );

    // The report, written to a file, and ready on the terminal.
    type_line(&t, "clear");
    t.wait("a clear screen", |s| !s.contains("Portfolio"));
    // The marker is computed by the shell, so the typed line never matches it.
    type_line(
        &t,
        "cd demo && ripen report > report.md && echo written-$((40+2))",
    );
    t.wait_for("written-42");
    let report = std::fs::read_to_string(demo.join("report.md")).unwrap();
    assert!(
        report.starts_with("# Quarterly review: Northwind Group AI Register"),
        "{report}"
    );
    assert!(report.contains("claims-triage"), "{report}");

    type_line(&t, "clear");
    t.wait("a clear screen", |s| !s.contains("written-42"));
    type_line(&t, "ripen ready customer-faq; echo done-$((40+2))");
    t.wait_for("done-42");
    let s = t.run(&["capture-pane", "-p", "-J", "-t", "0"]);
    assert!(s.contains("customer-faq · "), "{s}");
    // Fitted to the terminal: nothing wrapped, long details cut with `…`.
    for line in s.lines() {
        assert!(line.chars().count() <= 80, "wrapped: {line}");
    }
    assert!(s.contains('…'), "{s}");
    // On a terminal the text fits and a cut never falls inside a number.
    let cut_number = s.lines().any(|l| {
        l.char_indices()
            .any(|(i, c)| c == '…' && l[..i].ends_with(|p: char| p.is_ascii_digit() || p == '.'))
    });
    assert!(!cut_number, "a number was cut:\n{s}");
}
