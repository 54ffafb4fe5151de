//! End to end, in tmux at 80x24 with the real binary: creating a use case
//! with `n`, a justified external edit with `e` (the editor given as a
//! quoted path with a space), and keys that must not act while the
//! terminal is too small.

mod support;

use std::path::Path;

use support::data::repo_with_shipped_state;
use support::need::{Need, machine_has};
use support::run::BIN;
use support::tmux::Tmux;

/// Runs ripen on `state` through a script (in `dir`, outside the
/// repository) that sets `EDITOR` to `editor` (written as is into the
/// script, so it may hold shell quoting).
fn command(dir: &Path, state: &Path, editor: &str) -> String {
    let run = dir.join("run.sh");
    std::fs::write(
        &run,
        format!(
            "#!/bin/sh\nexport EDITOR={editor}\nexport TMPDIR='{}'\nexport NO_COLOR=1 TERM=xterm-256color\nexec '{BIN}' --state '{}'\n",
            dir.display(),
            state.display()
        ),
    )
    .unwrap();
    format!(
        "sh -c 'sh {}; echo ripen-exited-$?; sleep 600'",
        run.display()
    )
}

fn head(dir: &Path) -> (git2::Oid, String) {
    let repo = git2::Repository::open(dir).unwrap();
    let c = repo.head().unwrap().peel_to_commit().unwrap();
    (c.id(), c.message().unwrap().to_owned())
}

/// The paths the HEAD commit changed against its parent.
fn changed_paths(dir: &Path) -> Vec<String> {
    let repo = git2::Repository::open(dir).unwrap();
    let c = repo.head().unwrap().peel_to_commit().unwrap();
    let parent = c.parent(0).unwrap();
    let diff = repo
        .diff_tree_to_tree(
            Some(&parent.tree().unwrap()),
            Some(&c.tree().unwrap()),
            None,
        )
        .unwrap();
    diff.deltas()
        .map(|d| d.new_file().path().unwrap().display().to_string())
        .collect()
}

#[test]
fn n_creates_a_use_case_in_one_commit_and_selects_it() {
    if !machine_has(
        "n_creates_a_use_case_in_one_commit_and_selects_it",
        &[Need::Tmux],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let tools = tempfile::tempdir().unwrap();
    let t = Tmux::start("new", &command(tools.path(), &state, "true"), 80, 24);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["n"]);
    t.wait_for("New use case");
    t.text("home-claims");
    t.keys(&["Tab"]);
    t.text("Home claims triage");
    t.keys(&["Tab"]);
    t.text("ana.souza@example.com");
    t.keys(&["Tab"]);
    t.text("Claims Operations");
    t.keys(&["Enter"]);
    let s = t.wait_for("committed");
    assert!(s.contains("home-claims: create"), "{s}");
    assert!(s.contains("Portfolio · 21 of 21"), "{s}");
    assert!(
        s.contains("▶ Home claims triage"),
        "the new use case is selected:\n{s}"
    );
    let (_, message) = head(dir.path());
    assert!(message.starts_with("home-claims: create\n"), "{message}");
    assert_eq!(
        changed_paths(dir.path()),
        vec!["state/use-cases/home-claims.ron"]
    );
    let repo = git2::Repository::open(dir.path()).unwrap();
    assert!(
        repo.statuses(None).unwrap().is_empty(),
        "nothing left uncommitted"
    );
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}

#[test]
fn an_edit_in_the_editor_is_committed_with_its_justification() {
    if !machine_has(
        "an_edit_in_the_editor_is_committed_with_its_justification",
        &[Need::Tmux],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    // An editor at a path with a space, given quoted with an argument, as
    // git accepts it: it rewrites the notes of the file it is given last.
    let tools = tempfile::tempdir().unwrap();
    let editors = tools.path().join("my editors");
    std::fs::create_dir_all(&editors).unwrap();
    let script = editors.join("notes editor");
    std::fs::write(
        &script,
        "#!/bin/sh\n[ \"$1\" = --flag ] || exit 3\nf=\"$2\"\nsed 's/^    notes: .*/    notes: \"Edited in the editor.\",/' \"$f\" > \"$f.new\" && mv \"$f.new\" \"$f\"\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let editor = format!("\"'{}' --flag\"", script.display());
    let t = Tmux::start("edit", &command(tools.path(), &state, &editor), 80, 24);
    t.wait_for("Portfolio · 20 of 20");
    let (before, _) = head(dir.path());
    t.keys(&["e"]);
    let s = t.wait_for("Commit the edit of kb-search");
    assert!(s.contains("fields changed: notes"), "{s}");
    assert_eq!(
        head(dir.path()).0,
        before,
        "nothing is committed before the justification"
    );
    t.text("Notes reviewed with underwriting");
    t.keys(&["Enter"]);
    let s = t.wait_for("committed");
    assert!(s.contains("kb-search: edit notes"), "{s}");
    let (_, message) = head(dir.path());
    assert_eq!(
        message,
        "kb-search: edit notes\n\nNotes reviewed with underwriting\n"
    );
    assert_eq!(
        changed_paths(dir.path()),
        vec!["state/use-cases/kb-search.ron"]
    );
    let on_disk = std::fs::read_to_string(state.join("use-cases/kb-search.ron")).unwrap();
    assert!(
        on_disk.contains("notes: \"Edited in the editor.\""),
        "{on_disk}"
    );
    // The edited copy served its purpose and is gone.
    let left: Vec<_> = std::fs::read_dir(tools.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("ripen-kb-search")
        })
        .collect();
    assert!(left.is_empty(), "{left:?}");
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}

#[test]
fn keys_do_nothing_while_the_terminal_is_too_small() {
    if !machine_has(
        "keys_do_nothing_while_the_terminal_is_too_small",
        &[Need::Tmux],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let tools = tempfile::tempdir().unwrap();
    let t = Tmux::start("blind", &command(tools.path(), &state, "true"), 70, 24);
    t.wait_for("terminal too small");
    let (before, _) = head(dir.path());
    // The sequence: it once committed a move nobody saw.
    t.keys(&["g", ">"]);
    t.text("blind");
    t.keys(&["Enter"]);
    // Every key read (and ignored) while small, before the terminal grows.
    t.wait_for("8 keys ignored");
    t.run(&["resize-window", "-t", "0", "-x", "80", "-y", "24"]);
    let s = t.wait_for("Portfolio · 20 of 20");
    assert!(!s.contains("Move "), "no dialog opened:\n{s}");
    assert_eq!(head(dir.path()).0, before, "nothing was committed");
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
}

#[test]
fn enter_on_a_problem_opens_the_editor_at_its_line_then_reloads() {
    if !machine_has(
        "enter_on_a_problem_opens_the_editor_at_its_line_then_reloads",
        &[Need::Tmux],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    let file = state.join("use-cases/kb-search.ron");
    let text = std::fs::read_to_string(&file).unwrap();
    let broken = text.replacen("stage: Identify,", "stage: Nowhere,", 1);
    assert_ne!(broken, text);
    let line = broken.lines().position(|l| l.contains("Nowhere")).unwrap() + 1;
    std::fs::write(&file, &broken).unwrap();
    // An editor named vi (so it is given +LINE) that records its
    // arguments and fixes the line it was sent to.
    let tools = tempfile::tempdir().unwrap();
    let vi = tools.path().join("vi");
    let args = tools.path().join("args");
    std::fs::write(
        &vi,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$@\" > '{}'\nn=${{1#+}}\nsed \"${{n}}s/Nowhere/Identify/\" \"$2\" > \"$2.new\" && mv \"$2.new\" \"$2\"\n",
            args.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&vi, std::fs::Permissions::from_mode(0o755)).unwrap();
    let cmd = command(tools.path(), &state, &format!("'{}'", vi.display()));
    let t = Tmux::start("problem", &cmd, 80, 24);
    t.wait_for("Portfolio · 19 of 19");
    t.keys(&["5"]);
    t.wait_for("✗ error");
    t.keys(&["Enter"]);
    let s = t.wait_for("0 problems");
    assert!(!s.contains("✗ error"), "{s}");
    let got = std::fs::read_to_string(&args).unwrap();
    assert_eq!(
        got.lines().collect::<Vec<_>>(),
        vec![format!("+{line}"), file.display().to_string()]
    );
    t.keys(&["1"]);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["q"]);
    t.wait_for("ripen-exited-0");
    let _ = dir;
}
