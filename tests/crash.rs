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
    if !terminal::machine_has(
        "a_kill_at_any_step_of_a_commit_leaves_a_consistent_repository",
        &[terminal::Need::Git],
    ) {
        return;
    }
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
