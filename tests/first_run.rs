//! A newcomer's first commands, run as typed: `ripen init`, finding the
//! register like git finds `.git`, `ripen new` committing its scaffold, and
//! every hint ripen prints ("Next: ..." and the commands an error advises)
//! run as pasted into a shell.

mod support;

use std::fs;
use std::path::Path;
use std::process::Command;

use git2::{Repository, Status};

/// What one run produced.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

impl Run {
    fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The commands of the "Next: ..." lines.
    fn next_hints(&self) -> Vec<String> {
        self.stdout
            .lines()
            .filter_map(|l| l.strip_prefix("Next: "))
            .map(str::to_owned)
            .collect()
    }

    /// The commands an error message advises: `ripen ...` or `git ...` in backquotes.
    fn advised(&self) -> Vec<String> {
        self.stderr
            .split('`')
            .skip(1)
            .step_by(2)
            .filter(|c| c.starts_with("ripen ") || c.starts_with("git ") || *c == "ripen")
            .map(str::to_owned)
            .collect()
    }
}

/// A home folder whose `.gitconfig` holds the identity (libgit2 reads it
/// there, whoever runs the tests), shared by every run of this process.
fn home() -> &'static Path {
    static HOME: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    HOME.get_or_init(|| support::run::home_as("Ada Newcomer", "ada@example.com"))
        .path()
}

/// A fixed identity and date, and the binary's folder first on PATH, as
/// after `cargo install`.
fn setup(cmd: &mut Command) {
    support::run::hermetic(cmd, home())
        .env("PATH", support::run::path_with_ripen())
        .env("GIT_AUTHOR_NAME", "Ada Newcomer")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2026-06-30T12:00:00+00:00")
        .env("GIT_COMMITTER_NAME", "Ada Newcomer")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_DATE", "2026-06-30T12:00:00+00:00");
}

fn output(mut cmd: Command) -> Run {
    setup(&mut cmd);
    let out = cmd.output().expect("run");
    Run {
        code: out.status.code().expect("killed by a signal"),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

fn ripen(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ripen"));
    cmd.current_dir(cwd).args(args);
    output(cmd)
}

/// Runs `line` in a shell in `cwd`, as a user pastes it.
fn shell(cwd: &Path, line: &str) -> Run {
    let mut cmd = Command::new("sh");
    cmd.current_dir(cwd).arg("-c").arg(line);
    output(cmd)
}

/// The paths of the HEAD commit's changes against its parent.
fn head_paths(repo: &Repository) -> Vec<String> {
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    let tree = head.tree().unwrap();
    let parent = head.parent(0).ok().map(|p| p.tree().unwrap());
    let diff = repo
        .diff_tree_to_tree(parent.as_ref(), Some(&tree), None)
        .unwrap();
    let mut paths: Vec<String> = diff
        .deltas()
        .map(|d| d.new_file().path().unwrap().to_string_lossy().into_owned())
        .collect();
    paths.sort();
    paths
}

fn clean(repo: &Repository) -> bool {
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true);
    repo.statuses(Some(&mut opts)).unwrap().is_empty()
}

#[test]
fn the_first_run_works_as_printed() {
    let tmp = tempfile::tempdir().unwrap();
    let init = ripen(tmp.path(), &["init", "reg"]).expect(0);
    let repo = Repository::open(tmp.path().join("reg")).expect("reg is a repository");
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.message().unwrap(), "Create the register");
    assert_eq!(
        head_paths(&repo),
        [
            "state/policy.ron",
            "state/register.ron",
            "state/use-cases/.gitkeep"
        ]
    );
    assert!(clean(&repo), "everything init wrote is committed");

    // The hint, pasted: it creates and commits a use case.
    let hints = init.next_hints();
    assert_eq!(hints.len(), 1, "{}", init.stdout);
    let new = shell(tmp.path(), &hints[0]).expect(0);
    assert!(new.stdout.contains("committed it as"), "{}", new.stdout);
    assert_eq!(head_paths(&repo), ["state/use-cases/first-use-case.ron"]);
    assert!(clean(&repo), "the scaffold is committed");

    // And its hint, run where the user now is (inside reg).
    let hints = new.next_hints();
    assert_eq!(hints, ["ripen validate"], "{}", new.stdout);
    let validate = shell(&tmp.path().join("reg"), &hints[0]).expect(0);
    assert!(
        validate.stdout.contains("1 use case(s) loaded, 0 error(s)"),
        "{}",
        validate.stdout
    );

    // The exact first run.
    ripen(tmp.path(), &["init", "other"]).expect(0);
    ripen(&tmp.path().join("other"), &["new", "my-case"]).expect(0);
}

#[test]
fn the_commands_an_error_advises_work_when_pasted() {
    let tmp = tempfile::tempdir().unwrap();
    // No register anywhere: `ripen init` is advised and works.
    let run = ripen(tmp.path(), &["list"]).expect(2);
    let advised = run.advised();
    assert_eq!(advised, ["ripen init"], "{}", run.stderr);
    shell(tmp.path(), &advised[0]).expect(0);
    ripen(tmp.path(), &["list"]).expect(0);

    // A --state that names a missing `.../state`: init its folder.
    let run = ripen(tmp.path(), &["--state", "team b/state", "ready"]).expect(2);
    let advised = run.advised();
    assert_eq!(advised, ["ripen init 'team b'"], "{}", run.stderr);
    shell(tmp.path(), &advised[0]).expect(0);
    ripen(tmp.path(), &["--state", "team b/state", "ready"]).expect(0);

    // `new` outside a repository: `git init DIR` is advised and works.
    let outside = tempfile::tempdir().unwrap();
    let plain = outside.path().join("plain");
    fs::create_dir_all(plain.join("use-cases")).unwrap();
    fs::copy(
        tmp.path().join("state/register.ron"),
        plain.join("register.ron"),
    )
    .unwrap();
    let run = ripen(
        outside.path(),
        &["--state", plain.to_str().unwrap(), "new", "alpha"],
    );
    let run = run.expect(2);
    let advised = run.advised();
    assert!(
        advised.iter().any(|c| c.starts_with("git init ")),
        "{}",
        run.stderr
    );
    for c in advised.iter().filter(|c| c.starts_with("git init ")) {
        shell(outside.path(), c).expect(0);
    }
    ripen(
        outside.path(),
        &["--state", plain.to_str().unwrap(), "new", "alpha"],
    )
    .expect(0);
}

#[test]
fn new_no_commit_only_writes_and_its_hint_commits_exactly_that_file() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init"]).expect(0);
    let repo = Repository::open(tmp.path()).unwrap();
    // Something the user staged for another purpose.
    fs::write(tmp.path().join("notes.txt"), "draft\n").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("notes.txt")).unwrap();
    index.write().unwrap();

    let run = ripen(tmp.path(), &["new", "alpha", "--no-commit"]).expect(0);
    assert!(run.stdout.contains("not committed"), "{}", run.stdout);
    assert_eq!(
        repo.status_file(Path::new("state/use-cases/alpha.ron"))
            .unwrap(),
        Status::WT_NEW
    );
    assert_eq!(
        repo.head().unwrap().peel_to_commit().unwrap().summary(),
        Ok(Some("Create the register"))
    );
    let hints = run.next_hints();
    assert_eq!(hints.len(), 1, "{}", run.stdout);
    assert!(hints[0].starts_with("git add "), "{}", hints[0]);
    // git's own `commit` takes the index: unstage the note first, as the
    // user would, so the hint's commit holds only the new file.
    let mut index = repo.index().unwrap();
    index.remove_path(Path::new("notes.txt")).unwrap();
    index.write().unwrap();
    shell(tmp.path(), &hints[0]).expect(0);
    assert_eq!(head_paths(&repo), ["state/use-cases/alpha.ron"]);
}

#[test]
fn new_commits_only_its_file_never_what_the_user_staged() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init"]).expect(0);
    let repo = Repository::open(tmp.path()).unwrap();
    fs::write(tmp.path().join("notes.txt"), "draft\n").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("notes.txt")).unwrap();
    index.write().unwrap();

    ripen(tmp.path(), &["new", "alpha", "--title", "Alpha"]).expect(0);
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(
        head.summary().unwrap(),
        Some("alpha: new use case \"Alpha\"")
    );
    assert_eq!(head_paths(&repo), ["state/use-cases/alpha.ron"]);
    assert_eq!(
        repo.status_file(Path::new("notes.txt")).unwrap(),
        Status::INDEX_NEW,
        "the note is still staged, not committed"
    );
}

#[test]
fn init_in_a_repository_commits_only_the_register_there() {
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repository::init(tmp.path()).unwrap();
    fs::write(tmp.path().join("notes.txt"), "draft\n").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("notes.txt")).unwrap();
    index.write().unwrap();
    fs::create_dir(tmp.path().join("sub")).unwrap();

    let run = ripen(&tmp.path().join("sub"), &["init"]).expect(0);
    assert!(
        run.stdout.contains("Using the git repository"),
        "{}",
        run.stdout
    );
    assert!(
        !tmp.path().join("sub/.git").exists(),
        "no nested repository"
    );
    assert!(!tmp.path().join("sub/state/.git").exists());
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.message().unwrap(), "Create the register");
    assert_eq!(
        head_paths(&repo),
        [
            "sub/state/policy.ron",
            "sub/state/register.ron",
            "sub/state/use-cases/.gitkeep"
        ]
    );
    assert_eq!(
        repo.status_file(Path::new("notes.txt")).unwrap(),
        Status::INDEX_NEW
    );
}

#[test]
fn the_register_is_found_from_below_up_to_the_repository_root() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init", "reg"]).expect(0);
    ripen(&tmp.path().join("reg"), &["new", "alpha"]).expect(0);
    let deep = tmp.path().join("reg/docs/notes");
    fs::create_dir_all(&deep).unwrap();
    let run = ripen(&deep, &["validate"]).expect(0);
    assert!(
        run.stdout
            .contains("../../state: 1 use case(s) loaded, 0 error(s)"),
        "{}",
        run.stdout
    );
    // `new` from below writes into the same register.
    ripen(&deep, &["new", "beta"]).expect(0);
    assert!(tmp.path().join("reg/state/use-cases/beta.ron").is_file());

    // A repository nested below a register does not see it: the search
    // stops at its own root, as git's does.
    let inner = tmp.path().join("reg/vendor/other");
    fs::create_dir_all(&inner).unwrap();
    Repository::init(&inner).unwrap();
    let run = ripen(&inner, &["list"]).expect(2);
    assert!(run.stderr.contains("no register found"), "{}", run.stderr);
}

#[test]
fn a_new_scaffold_is_not_stale_and_its_placeholders_are_warnings() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init"]).expect(0);
    ripen(tmp.path(), &["new", "alpha"]).expect(0);
    let rows: serde_json::Value = serde_json::from_str(
        &ripen(tmp.path(), &["list", "--format", "json"])
            .expect(0)
            .stdout,
    )
    .unwrap();
    assert_eq!(rows[0]["flags"], serde_json::json!([]), "{rows}");

    let run = ripen(tmp.path(), &["validate"]).expect(0);
    for field in ["title", "summary", "owner", "team", "model", "notes"] {
        assert!(
            run.stdout
                .contains(&format!("warning: {field} is still the placeholder")),
            "{field}: {}",
            run.stdout
        );
    }
    assert!(
        run.stdout.contains("0 error(s), 6 warning(s)"),
        "{}",
        run.stdout
    );
}

#[test]
fn without_a_git_identity_init_says_how_to_set_one_and_that_works_when_pasted() {
    let tmp = tempfile::tempdir().unwrap();
    let bare_home = tempfile::tempdir().unwrap();
    let run_in = |cwd: &Path, line: &str| {
        let mut cmd = Command::new("sh");
        cmd.current_dir(cwd).arg("-c").arg(line);
        setup(&mut cmd);
        // No identity anywhere: an empty home, and none in the environment.
        cmd.env("HOME", bare_home.path())
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL")
            .env_remove("EMAIL");
        let out = cmd.output().unwrap();
        Run {
            code: out.status.code().unwrap(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    };
    let run = run_in(tmp.path(), "ripen init reg").expect(2);
    assert!(run.stderr.contains("nothing was written"), "{}", run.stderr);
    assert!(!tmp.path().join("reg/state/register.ron").exists());
    let advised = run.advised();
    assert_eq!(advised.len(), 2, "{}", run.stderr);
    for c in &advised {
        run_in(tmp.path(), c).expect(0);
    }
    // Then the same command again succeeds.
    run_in(tmp.path(), "ripen init reg").expect(0);
    let repo = Repository::open(tmp.path().join("reg")).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.author().name().unwrap(), "Your Name");
}

#[test]
fn the_demos_next_steps_and_the_proposals_hint_work_when_pasted() {
    let tmp = tempfile::tempdir().unwrap();
    let run = ripen(tmp.path(), &["demo", "demo", "--no-tui"]).expect(0);
    let steps: Vec<&str> = run
        .stdout
        .lines()
        .skip_while(|l| !l.starts_with("Next steps:"))
        .skip(1)
        .map(str::trim)
        .filter(|l| l.starts_with("ripen "))
        .collect();
    assert!(steps.len() >= 5, "{}", run.stdout);
    for step in &steps {
        // Exit 1 is the broken proposal's validation, shown on purpose.
        let run = shell(tmp.path(), step);
        let expected = if step.contains("broken-translation validate") {
            1
        } else {
            0
        };
        run.expect(expected);
    }
    let demo = tmp.path().join("demo");
    let run = ripen(&demo, &["proposals"]).expect(0);
    let hint = run
        .stdout
        .lines()
        .last()
        .and_then(|l| l.split('`').nth(1))
        .unwrap_or_else(|| panic!("{}", run.stdout))
        .to_owned();
    assert_eq!(
        hint,
        "ripen proposals accept proposal/claims-finetune --override 'the reason to accept it anyway'"
    );
    let dry = shell(&demo, &hint).expect(0);
    assert!(dry.stdout.contains("Nothing was changed"), "{}", dry.stdout);
}

/// Detaches HEAD of the repository at `root` at its current commit.
fn detach(root: &Path) {
    let repo = Repository::open(root).unwrap();
    let head = repo.head().unwrap().target().unwrap();
    repo.set_head_detached(head).unwrap();
}

#[test]
fn a_refused_init_or_new_leaves_nothing_behind() {
    // A repository that cannot take a commit: HEAD detached.
    let tmp = tempfile::tempdir().unwrap();
    let repo = Repository::init(tmp.path()).unwrap();
    fs::write(tmp.path().join("README"), "hello\n").unwrap();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("README")).unwrap();
    index.write().unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let sig = git2::Signature::now("A", "a@example.com").unwrap();
    repo.commit(Some("HEAD"), &sig, &sig, "start", &tree, &[])
        .unwrap();
    detach(tmp.path());

    let run = ripen(tmp.path(), &["init"]).expect(2);
    assert!(run.stderr.contains("HEAD is detached"), "{}", run.stderr);
    assert!(!tmp.path().join("state").exists(), "no folder left behind");
    assert!(clean(&repo));

    // new, on a register whose HEAD is then detached: no file written.
    let other = tempfile::tempdir().unwrap();
    ripen(other.path(), &["init"]).expect(0);
    detach(other.path());
    let run = ripen(other.path(), &["new", "alpha"]).expect(2);
    assert!(run.stderr.contains("HEAD is detached"), "{}", run.stderr);
    assert!(!other.path().join("state/use-cases/alpha.ron").exists());

    // A folder that is a file: a clear error naming it.
    fs::write(tmp.path().join("taken"), "x").unwrap();
    let run = ripen(tmp.path(), &["init", "taken"]).expect(2);
    assert!(run.stderr.contains("cannot create taken"), "{}", run.stderr);
}
