//! A full disk: the register sits on a small tmpfs filled to the last byte.
//! A change must fail with a clear message and leave everything as it was.
//! Needs root to mount the tmpfs, as CI has.

mod support;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use support::data::shipped_repo_at as register_repo;
use support::run::BIN;

/// A small tmpfs, unmounted when dropped (also when the test fails).
struct Tmpfs {
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tmpfs {
    fn mount(size: &str) -> Tmpfs {
        let dir = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status()
            .expect("mount");
        assert!(status.success(), "mounting a tmpfs needs root");
        Tmpfs {
            path: dir.path().to_path_buf(),
            _dir: dir,
        }
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Runs `ripen move` and checks that it failed with `needle` in its message
/// and left the file, the index, the branch and the folder as they were.
fn refused_and_unchanged(root: &Path, head: git2::Oid, needle: &str) {
    let state = root.join("state");
    let file = state.join("use-cases/contract-review.ron");
    let before = std::fs::read(&file).unwrap();
    let index_before = std::fs::read(root.join(".git/index")).unwrap();
    let out = Command::new(BIN)
        .arg("--state")
        .arg(&state)
        .args([
            "move",
            "contract-review",
            "FineTune",
            "--because",
            "disk test",
        ])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(needle), "the message says why: {stderr}");
    assert_eq!(
        std::fs::read(&file).unwrap(),
        before,
        "the file is untouched"
    );
    assert_eq!(
        std::fs::read(root.join(".git/index")).unwrap(),
        index_before
    );
    let repo = git2::Repository::open(root).unwrap();
    assert_eq!(
        repo.head().unwrap().target(),
        Some(head),
        "the branch did not move"
    );
    assert!(!root.join(".git/index.lock").exists(), "no lock left");
    for e in std::fs::read_dir(state.join("use-cases")).unwrap() {
        let name = e.unwrap().file_name().to_string_lossy().into_owned();
        assert!(!name.starts_with(".ripen-"), "temporary file left: {name}");
    }
}

#[test]
fn a_change_on_a_full_disk_fails_cleanly_and_changes_nothing() {
    if !support::need::machine_has(
        "a_change_on_a_full_disk_fails_cleanly_and_changes_nothing",
        &[support::need::Need::Root],
    ) {
        return;
    }
    let fs = Tmpfs::mount("2m");
    let root = fs.path.join("repo");
    let head = register_repo(&root);

    // Fill the disk to the last byte.
    let mut filler = std::fs::File::create(fs.path.join("filler")).unwrap();
    let chunk = vec![0u8; 4096];
    while filler.write_all(&chunk).is_ok() {}
    while filler.write_all(&[0]).is_ok() {}
    drop(filler);

    refused_and_unchanged(&root, head, "space");
}

#[test]
fn a_change_on_a_read_only_file_system_fails_cleanly_and_changes_nothing() {
    if !support::need::machine_has(
        "a_change_on_a_read_only_file_system_fails_cleanly_and_changes_nothing",
        &[support::need::Need::Root],
    ) {
        return;
    }
    let fs = Tmpfs::mount("4m");
    let root = fs.path.join("repo");
    let head = register_repo(&root);
    // Read-only for everyone, root included (permissions would not stop root).
    let status = Command::new("mount")
        .args(["-o", "remount,ro"])
        .arg(&fs.path)
        .status()
        .unwrap();
    assert!(status.success(), "remounting read-only needs root");
    refused_and_unchanged(&root, head, "Read-only file system");
}
