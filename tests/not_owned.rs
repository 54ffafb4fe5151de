//! A repository owned by another user: git refuses to use it until it is
//! declared safe (`safe.directory`), and ripen must say exactly that, never
//! suggest `git init`, and change nothing. Needs root to hand the files to
//! another user, as CI has.

mod support;

use std::os::unix::fs::MetadataExt;
use std::process::Command;

use support::data::repo_with_shipped_state;
use support::run::BIN;

fn chown_tree(path: &std::path::Path, uid: u32) {
    let status = Command::new("chown")
        .args(["-R", &format!("{uid}:{uid}")])
        .arg(path)
        .status()
        .unwrap();
    assert!(status.success(), "chown needs root");
}

#[test]
fn a_repository_of_another_user_is_refused_with_the_safe_directory_hint() {
    if !support::need::machine_has(
        "a_repository_of_another_user_is_refused_with_the_safe_directory_hint",
        &[support::need::Need::Root],
    ) {
        return;
    }
    let (dir, state) = repo_with_shipped_state();
    assert_eq!(
        std::fs::metadata("/proc/self").unwrap().uid(),
        0,
        "this test hands the repository to another user and needs root"
    );
    let file = state.join("use-cases/contract-review.ron");
    let before = std::fs::read(&file).unwrap();
    chown_tree(dir.path(), 4242);

    for args in [
        vec!["move", "contract-review", "FineTune", "--because", "x"],
        vec!["--rev", "HEAD", "list"],
        vec!["history", "contract-review"],
    ] {
        let out = Command::new(BIN)
            .arg("--state")
            .arg(&state)
            .args(&args)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(
            stderr.contains("owned by another user"),
            "{args:?}: {stderr}"
        );
        assert!(stderr.contains("safe.directory"), "{args:?}: {stderr}");
        assert!(!stderr.contains("git init"), "{args:?}: {stderr}");
    }
    assert_eq!(std::fs::read(&file).unwrap(), before, "nothing changed");
    // The working tree still reads, read-only: the UI says why editing is off.
    let reason = ripen::git::commit::read_only_reason(&state).unwrap();
    assert!(reason.contains("safe.directory"), "{reason}");
    chown_tree(dir.path(), 0);
}
