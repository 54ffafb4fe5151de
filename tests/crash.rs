//! Crash safety: the process killed (SIGKILL, as a power cut) right after
//! each step of a commit. Afterwards `git fsck` is clean, every file parses,
//! no lock or temporary file is left, and the changed file is entirely the
//! old or entirely the new version, consistent with where the branch points.

mod terminal;

use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::Command;

use terminal::{BIN, repo_with_shipped_state};

const FILE: &str = "use-cases/contract-review.ron";

fn head(dir: &Path) -> git2::Oid {
    let repo = git2::Repository::open(dir).unwrap();
    repo.head().unwrap().target().unwrap()
}

fn leftovers(dir: &Path, state: &Path) -> Vec<String> {
    let mut found = Vec::new();
    if dir.join(".git/index.lock").exists() {
        found.push(".git/index.lock".to_owned());
    }
    for folder in [
        dir.join(".git"),
        state.to_path_buf(),
        state.join("use-cases"),
    ] {
        for e in std::fs::read_dir(folder).unwrap() {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            if name.starts_with(".ripen-")
                || name.starts_with("ripen-index-")
                || name.ends_with(".lock")
            {
                found.push(name);
            }
        }
    }
    found
}

fn move_with_crash(state: &Path, step: &str) -> std::process::ExitStatus {
    Command::new(BIN)
        .arg("--state")
        .arg(state)
        .args([
            "move",
            "contract-review",
            "FineTune",
            "--because",
            "plateau confirmed",
        ])
        .env("RIPEN_CRASH_AT", step)
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
        .status
}

#[test]
fn a_kill_at_any_step_of_a_commit_leaves_a_consistent_repository() {
    for step in ripen::git::commit::Step::ALL {
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let old = std::fs::read(state.join(FILE)).unwrap();
        let status = move_with_crash(&state, step.name());
        assert_eq!(
            status.signal(),
            Some(9),
            "{}: killed at the step",
            step.name()
        );

        let fsck = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["fsck", "--full", "--strict", "--no-dangling"])
            .output()
            .expect("git is needed for fsck");
        assert!(
            fsck.status.success(),
            "{}: git fsck: {}",
            step.name(),
            String::from_utf8_lossy(&fsck.stderr)
        );
        assert_eq!(
            leftovers(dir.path(), &state),
            Vec::<String>::new(),
            "{}",
            step.name()
        );

        let today = ripen::model::Date::parse("2026-10-15").unwrap();
        let reg = ripen::register::load(&ripen::store::snapshot(&state).unwrap(), None, today);
        assert_eq!(reg.errors(), 0, "{}: every file parses", step.name());
        let now = std::fs::read(state.join(FILE)).unwrap();
        let new_text = String::from_utf8(old.clone())
            .unwrap()
            .replace("stage: Collect,", "stage: FineTune,");
        assert!(
            now == old || now == new_text.as_bytes(),
            "{}: the file is entirely old or entirely new",
            step.name()
        );

        let moved = head(dir.path()) != before_head;
        use ripen::git::commit::Step;
        match step {
            Step::Checked | Step::Committed => {
                assert!(now == old && !moved, "working tree untouched yet")
            }
            Step::Written => assert!(now != old && !moved, "written, branch not moved"),
            Step::Moved | Step::Indexed => {
                assert!(now != old && moved, "committed");
                let repo = git2::Repository::open(dir.path()).unwrap();
                let commit = repo.head().unwrap().peel_to_commit().unwrap();
                assert_eq!(
                    commit.summary().unwrap(),
                    Some("contract-review: stage Collect -> FineTune")
                );
                let blob = commit
                    .tree()
                    .unwrap()
                    .get_path(Path::new(&format!("state/{FILE}")))
                    .unwrap()
                    .id();
                assert_eq!(
                    blob,
                    git2::Oid::hash_object(git2::ObjectType::Blob, &now).unwrap()
                );
            }
        }
    }
}

#[test]
fn without_a_crash_the_move_is_one_commit_of_one_line() {
    let (dir, state) = repo_with_shipped_state();
    let out = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args([
            "move",
            "contract-review",
            "FineTune",
            "--because",
            "plateau confirmed",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let repo = git2::Repository::open(dir.path()).unwrap();
    assert!(
        repo.statuses(None).unwrap().is_empty(),
        "index and tree clean"
    );
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let diff = repo
        .diff_tree_to_tree(
            Some(&head.parent(0).unwrap().tree().unwrap()),
            Some(&head.tree().unwrap()),
            None,
        )
        .unwrap();
    let stats = diff.stats().unwrap();
    assert_eq!(
        (stats.files_changed(), stats.insertions(), stats.deletions()),
        (1, 1, 1)
    );

    // Not ready: refused without --override, recorded with it.
    let refused = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args(["move", "kb-search", "FineTune", "-m", "skip ahead"])
        .output()
        .unwrap();
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--override"));
    let forced = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args([
            "move",
            "kb-search",
            "FineTune",
            "-m",
            "skip ahead",
            "--override",
        ])
        .output()
        .unwrap();
    assert!(forced.status.success());
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert!(head.message().unwrap().contains("Readiness override"));
}

// ---------------------------------------------------------------------------
// Accepting a proposal

const BRANCH: &str = "team/titles";
/// The files the proposal changes (relative to the state directory): two
/// edits and one new use case.
const PROPOSED: [&str; 3] = [
    "use-cases/kb-search.ron",
    "use-cases/marketing-copy.ron",
    "use-cases/new-pilot.ron",
];

/// A branch off HEAD that retitles two use cases and adds a third.
fn propose_titles(dir: &Path, state: &Path) -> (git2::Oid, Vec<Vec<u8>>) {
    let repo = git2::Repository::open(dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let mut index = git2::Index::new().unwrap();
    index.read_tree(&head.tree().unwrap()).unwrap();
    let mut new = Vec::new();
    for (k, rel) in PROPOSED.iter().enumerate() {
        let base = if k < 2 {
            *rel
        } else {
            "use-cases/kb-search.ron"
        };
        let text = std::fs::read_to_string(state.join(base)).unwrap();
        let start = text.find("title: \"").unwrap() + 8;
        let end = start + text[start..].find('"').unwrap();
        let changed = format!("{}Retitled {k}{}", &text[..start], &text[end..]);
        let blob = repo.blob(changed.as_bytes()).unwrap();
        let mut entry = index
            .get_path(Path::new(&format!("state/{base}")), 0)
            .unwrap();
        entry.id = blob;
        entry.file_size = changed.len() as u32;
        entry.path = format!("state/{rel}").into_bytes();
        index.add(&entry).unwrap();
        new.push(changed.into_bytes());
    }
    let tree = repo.find_tree(index.write_tree_to(&repo).unwrap()).unwrap();
    let sig = git2::Signature::new(
        "Tia Titles",
        "tia@example.com",
        &git2::Time::new(1_760_100_000, 0),
    )
    .unwrap();
    let tip = repo
        .commit(
            Some(&format!("refs/heads/{BRANCH}")),
            &sig,
            &sig,
            "Retitle",
            &tree,
            &[&head],
        )
        .unwrap();
    (tip, new)
}

fn accept_run(state: &Path, env: &[(&str, &str)]) -> std::process::Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--state")
        .arg(state)
        .args(["proposals", "accept", BRANCH, "--yes"])
        .env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().unwrap()
}

#[test]
fn a_kill_at_any_step_of_accepting_leaves_a_state_the_next_run_handles() {
    for step in ripen::git::commit::Step::ALL {
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let old: Vec<Option<Vec<u8>>> = PROPOSED
            .iter()
            .map(|rel| std::fs::read(state.join(rel)).ok())
            .collect();
        let (tip, new) = propose_titles(dir.path(), &state);
        let out = accept_run(&state, &[("RIPEN_CRASH_AT", step.name())]);
        let name = step.name();
        assert_eq!(out.status.signal(), Some(9), "{name}: killed at the step");

        let fsck = Command::new("git")
            .arg("-C")
            .arg(dir.path())
            .args(["fsck", "--full", "--strict", "--no-dangling"])
            .output()
            .expect("git is needed for fsck");
        assert!(fsck.status.success(), "{name}: git fsck");
        assert_eq!(
            leftovers(dir.path(), &state),
            Vec::<String>::new(),
            "{name}"
        );
        let today = ripen::model::Date::parse("2026-10-15").unwrap();
        let reg = ripen::register::load(&ripen::store::snapshot(&state).unwrap(), None, today);
        assert_eq!(reg.errors(), 0, "{name}: every file parses");

        let now: Vec<Option<Vec<u8>>> = PROPOSED
            .iter()
            .map(|rel| std::fs::read(state.join(rel)).ok())
            .collect();
        let all_new = now
            .iter()
            .zip(&new)
            .all(|(n, w)| n.as_deref() == Some(w.as_slice()));
        let all_old = now == old;
        let moved = head(dir.path()) != before_head;
        use ripen::git::commit::Step;
        let again = accept_run(&state, &[]);
        let again_err = String::from_utf8_lossy(&again.stderr).into_owned();
        match step {
            Step::Checked | Step::Committed => {
                assert!(all_old && !moved, "{name}: nothing visible yet");
                // The next run simply accepts.
                assert!(again.status.success(), "{name}: {again_err}");
                let repo = git2::Repository::open(dir.path()).unwrap();
                let merge = repo.head().unwrap().peel_to_commit().unwrap();
                assert_eq!(merge.parent_id(1).unwrap(), tip);
                assert!(repo.statuses(None).unwrap().is_empty(), "{name}: clean");
            }
            Step::Written => {
                assert!(all_new && !moved, "{name}: written, branch not moved");
                // The next run takes it up where it stopped: the files
                // already hold what it would write.
                assert!(again.status.success(), "{name}: {again_err}");
                let repo = git2::Repository::open(dir.path()).unwrap();
                let merge = repo.head().unwrap().peel_to_commit().unwrap();
                assert_eq!(merge.parent_id(0).unwrap(), before_head);
                assert_eq!(merge.parent_id(1).unwrap(), tip);
                assert!(repo.statuses(None).unwrap().is_empty(), "{name}: clean");
            }
            Step::Moved | Step::Indexed => {
                assert!(all_new && moved, "{name}: accepted");
                let repo = git2::Repository::open(dir.path()).unwrap();
                let merge = repo.head().unwrap().peel_to_commit().unwrap();
                assert_eq!(merge.parent_id(0).unwrap(), before_head);
                assert_eq!(merge.parent_id(1).unwrap(), tip);
                assert_eq!(again.status.code(), Some(2), "{name}");
                assert!(
                    again_err.contains("already part of the current branch"),
                    "{again_err}"
                );
            }
        }
    }
}

/// A hand edit made while accepting (the accept paused after making its
/// merge commit, before writing any file) is never overwritten, and
/// nothing is accepted.
#[test]
fn a_file_edited_while_accepting_is_kept_and_nothing_is_accepted() {
    for (k, victim) in PROPOSED.iter().enumerate().take(2) {
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        propose_titles(dir.path(), &state);
        let child = Command::new(BIN)
            .arg("--state")
            .arg(&state)
            .args(["proposals", "accept", BRANCH, "--yes"])
            .env("NO_COLOR", "1")
            .env("RIPEN_PAUSE_AT", "committed")
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(700));
        let mine = format!(
            "// my edit {k}\n{}",
            std::fs::read_to_string(state.join(victim)).unwrap()
        );
        std::fs::write(state.join(victim), &mine).unwrap();
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{victim}: {err}");
        assert!(err.contains("changed while accepting"), "{err}");
        assert_eq!(
            std::fs::read_to_string(state.join(victim)).unwrap(),
            mine,
            "kept"
        );
        assert_eq!(head(dir.path()), before_head, "nothing accepted");
        // Every other file is as it was: the new use case is gone again.
        assert!(!state.join(PROPOSED[2]).exists());
        assert_eq!(leftovers(dir.path(), &state), Vec::<String>::new());
    }
}

/// Two processes accepting the same proposal at once, many times: at most
/// one merge lands, and afterwards the working tree and the index agree
/// with the branch (the loser's rollback never undoes the winner's files),
/// with no lock or temporary file left.
#[test]
fn two_accepts_of_one_proposal_at_once_leave_one_consistent_result() {
    const RUNS: usize = 40;
    let mut merged = 0;
    for run in 0..RUNS {
        let (dir, state) = repo_with_shipped_state();
        let before_head = head(dir.path());
        let (tip, _) = propose_titles(dir.path(), &state);
        let spawn = || {
            Command::new(BIN)
                .arg("--state")
                .arg(&state)
                .args(["proposals", "accept", BRANCH, "--yes"])
                .env("NO_COLOR", "1")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        };
        let (a, b) = (spawn(), spawn());
        let outs = [a.wait_with_output().unwrap(), b.wait_with_output().unwrap()];
        let wins = outs.iter().filter(|o| o.status.success()).count();
        assert!(wins <= 1, "run {run}: both accepted");
        for o in &outs {
            assert!(o.status.code().is_some(), "run {run}: killed by a signal");
        }
        let repo = git2::Repository::open(dir.path()).unwrap();
        let now = repo.head().unwrap().peel_to_commit().unwrap();
        if now.id() != before_head {
            merged += 1;
            assert_eq!(
                now.parent_id(0).unwrap(),
                before_head,
                "run {run}: one merge"
            );
            assert_eq!(now.parent_id(1).unwrap(), tip);
        }
        let tree = now.tree().unwrap();
        for rel in PROPOSED {
            let on_disk = std::fs::read(state.join(rel)).ok();
            let committed = tree
                .get_path(Path::new(&format!("state/{rel}")))
                .ok()
                .map(|e| repo.find_blob(e.id()).unwrap().content().to_vec());
            assert_eq!(
                on_disk, committed,
                "run {run}: {rel} agrees with the branch"
            );
        }
        let errs: Vec<String> = outs
            .iter()
            .map(|o| String::from_utf8_lossy(&o.stderr).into_owned())
            .collect();
        assert!(
            repo.statuses(None).unwrap().is_empty(),
            "run {run}: clean: {errs:?}"
        );
        assert_eq!(
            leftovers(dir.path(), &state),
            Vec::<String>::new(),
            "run {run}"
        );
    }
    assert!(merged > 0, "no run accepted at all");
}
