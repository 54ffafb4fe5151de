//! `ripen serve` end to end: the real binary on 127.0.0.1, real OpenSSH
//! clients (`ssh`, in tmux for the terminal UI), keys made for the test,
//! a real repository whose `access.ron` lists who may do what. Needs the
//! OpenSSH client and tmux, not root: the server is ripen's own.

mod support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use support::data::repo_with_shipped_state;
use support::need::{Need, machine_has};
use support::run::BIN;
use support::tmux::Tmux;

/// The principals every test's register lists: (key name, name, email, role).
const PEOPLE: &[(&str, &str, &str, &str)] = &[
    ("ada", "Ada Lovelace", "ada@example.com", "Reviewer"),
    ("vic", "Vic Viewer", "vic@example.com", "Viewer"),
    ("pat", "Pat Proposer", "pat@example.com", "Proposer"),
];

/// A running `ripen serve` on a repository of its own, stopped when dropped.
struct Served {
    dir: tempfile::TempDir,
    keys: tempfile::TempDir,
    state: PathBuf,
    port: u16,
    child: Option<Child>,
    log: PathBuf,
}

fn keygen(path: &Path) {
    let out = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", "", "-C", "test"])
        .arg("-f")
        .arg(path)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

impl Served {
    fn start(env: &[(&str, &str)]) -> Served {
        let (dir, state) = repo_with_shipped_state();
        let keys = tempfile::tempdir().unwrap();
        let mut principals = String::new();
        for (key, name, email, role) in PEOPLE {
            let path = keys.path().join(key);
            keygen(&path);
            let public = std::fs::read_to_string(path.with_extension("pub")).unwrap();
            principals.push_str(&format!(
                "        (name: \"{name}\", email: \"{email}\", role: {role}, keys: [\"{}\"]),\n",
                public.trim()
            ));
        }
        keygen(&keys.path().join("stranger"));
        std::fs::write(
            state.join("access.ron"),
            format!("Access(\n    principals: [\n{principals}    ],\n)\n"),
        )
        .unwrap();
        let out = support::repo::git(dir.path(), &["add", "state/access.ron"]);
        assert!(out.status.success());
        let out = support::repo::git(dir.path(), &["commit", "-q", "-m", "Who may do what"]);
        assert!(out.status.success(), "{out:?}");
        let mut served = Served {
            dir,
            state,
            port: 0,
            child: None,
            log: keys.path().join("serve.log"),
            keys,
        };
        served.spawn(env);
        served
    }

    fn spawn(&mut self, env: &[(&str, &str)]) {
        self.port = free_port();
        let log = std::fs::File::create(&self.log).unwrap();
        let mut cmd = Command::new(BIN);
        cmd.arg("serve")
            .arg("--state")
            .arg(&self.state)
            .args(["--listen", &format!("127.0.0.1:{}", self.port)])
            .arg("--host-key")
            .arg(self.keys.path().join("host"))
            .env("NO_COLOR", "1")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        self.child = Some(cmd.spawn().unwrap());
        self.wait_log("listening on");
        // Clients check the host key against what the server printed.
        let out = Command::new("ssh-keygen")
            .arg("-y")
            .arg("-f")
            .arg(self.keys.path().join("host"))
            .output()
            .unwrap();
        let public = String::from_utf8(out.stdout).unwrap();
        std::fs::write(
            self.keys.path().join("known_hosts"),
            format!("[127.0.0.1]:{} {}", self.port, public.trim()),
        )
        .unwrap();
    }

    fn pid(&self) -> u32 {
        self.child.as_ref().unwrap().id()
    }

    fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    fn wait_log(&self, needle: &str) -> String {
        let start = Instant::now();
        loop {
            let text = self.log_text();
            if text.contains(needle) {
                return text;
            }
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for `{needle}` in the server's log:\n{text}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn ssh_args(&self, who: &str) -> Vec<String> {
        let k = self.keys.path();
        vec![
            "-p".into(),
            self.port.to_string(),
            "-i".into(),
            k.join(who).display().to_string(),
            "-o".into(),
            "IdentitiesOnly=yes".into(),
            "-o".into(),
            "BatchMode=yes".into(),
            "-o".into(),
            "StrictHostKeyChecking=yes".into(),
            "-o".into(),
            format!("UserKnownHostsFile={}", k.join("known_hosts").display()),
            "-o".into(),
            "LogLevel=ERROR".into(),
            "-F".into(),
            "/dev/null".into(),
        ]
    }

    /// `ssh HOST <command>` as `who`.
    fn ssh(&self, who: &str, command: &[&str]) -> Output {
        Command::new("ssh")
            .args(self.ssh_args(who))
            .arg("127.0.0.1")
            .args(command)
            .stdin(Stdio::null())
            .output()
            .unwrap()
    }

    /// The command line that opens the terminal UI as `who`.
    fn ui_command(&self, who: &str) -> String {
        format!(
            "sh -c 'TERM=xterm-256color ssh -tt {} 127.0.0.1; echo ssh-exited-$?; sleep 600'",
            self.ssh_args(who).join(" ")
        )
    }

    fn head(&self) -> git2::Oid {
        let repo = git2::Repository::open(self.dir.path()).unwrap();
        repo.head().unwrap().target().unwrap()
    }

    fn head_commit(&self) -> (String, String, String) {
        let repo = git2::Repository::open(self.dir.path()).unwrap();
        let c = repo.head().unwrap().peel_to_commit().unwrap();
        (
            c.author().email().unwrap().to_owned(),
            c.committer().email().unwrap().to_owned(),
            c.summary().unwrap().unwrap_or("").to_owned(),
        )
    }

    fn file(&self, id: &str) -> Vec<u8> {
        std::fs::read(self.state.join(format!("use-cases/{id}.ron"))).unwrap()
    }

    /// `/proc/PID/status` field (threads, memory).
    fn status(&self, field: &str) -> u64 {
        let text = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).unwrap();
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{field}:")))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .unwrap()
    }

    fn descriptors(&self) -> usize {
        std::fs::read_dir(format!("/proc/{}/fd", self.pid()))
            .unwrap()
            .count()
    }

    fn terminate(&mut self) -> std::process::ExitStatus {
        let child = self.child.as_mut().unwrap();
        // SAFETY: sends SIGTERM to the server the test started.
        unsafe {
            libc::kill(child.id() as i32, libc::SIGTERM);
        }
        let start = Instant::now();
        loop {
            if let Some(status) = child.try_wait().unwrap() {
                self.child = None;
                return status;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the server did not stop on SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

fn text(o: &[u8]) -> String {
    String::from_utf8_lossy(o).into_owned()
}

fn needs(test: &str, tmux: bool) -> bool {
    let mut n = vec![Need::Ssh];
    if tmux {
        n.push(Need::Tmux);
    }
    machine_has(test, &n)
}

#[test]
fn only_listed_keys_sign_in_and_the_host_key_is_the_one_printed() {
    if !needs("only_listed_keys_sign_in", false) {
        return;
    }
    let s = Served::start(&[]);
    // The fingerprint the server printed is the host key's, as ssh-keygen says.
    let out = Command::new("ssh-keygen")
        .arg("-l")
        .arg("-f")
        .arg(s.keys.path().join("host"))
        .output()
        .unwrap();
    let fingerprint = text(&out.stdout)
        .split_whitespace()
        .nth(1)
        .unwrap()
        .to_owned();
    assert!(s.log_text().contains(&fingerprint), "{}", s.log_text());

    let before = s.head();
    let out = s.ssh("stranger", &["list"]);
    assert_eq!(out.status.code(), Some(255), "{out:?}");
    assert!(text(&out.stderr).contains("Permission denied"), "{out:?}");
    assert!(out.stdout.is_empty());
    assert!(
        s.log_text()
            .contains("refused: this key is not in access.ron at HEAD")
    );

    let out = s.ssh("ada", &["list"]);
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).contains("claims-triage"));
    assert_eq!(s.head(), before);
    let log = s.wait_log("exec: list -> exit 0");
    assert!(log.contains("ada@example.com"), "{log}");
}

#[test]
fn a_viewer_reads_everything_and_changes_nothing() {
    if !needs("a_viewer_reads_everything_and_changes_nothing", false) {
        return;
    }
    let s = Served::start(&[]);
    let (head, file) = (s.head(), s.file("claims-triage"));
    for read in [
        &["list"][..],
        &["ready"],
        &["validate"],
        &["history", "claims-triage"],
        &["proposals"],
        &["review", "list"],
        &["export", "csv"],
    ] {
        let out = s.ssh("vic", read);
        assert!(
            out.status.code() == Some(0) || out.status.code() == Some(1),
            "{read:?}: {out:?}"
        );
    }
    let out = s.ssh(
        "vic",
        &[
            "move",
            "claims-triage",
            "Identify",
            "--because",
            "'not mine'",
        ],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(
        text(&out.stderr).contains("read-only: your role is Viewer"),
        "{out:?}"
    );
    let out = s.ssh("vic", &["fmt"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(s.head(), head);
    assert_eq!(s.file("claims-triage"), file);
    let repo = git2::Repository::open(s.dir.path()).unwrap();
    assert_eq!(
        repo.branches(None).unwrap().count(),
        1,
        "no branch was made"
    );
}

#[test]
fn a_reviewers_change_is_authored_by_them_and_committed_by_the_server() {
    if !needs("a_reviewers_change_is_authored_by_them", false) {
        return;
    }
    let s = Served::start(&[]);
    let out = s.ssh(
        "ada",
        &[
            "move",
            "claims-triage",
            "Identify",
            "--because",
            "'back to scoping'",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(text(&out.stdout).starts_with("committed "), "{out:?}");
    let (author, committer, summary) = s.head_commit();
    assert_eq!(author, "ada@example.com");
    assert_eq!(
        committer, "lead@example.com",
        "the repository's identity commits"
    );
    assert_eq!(summary, "claims-triage: stage Collect -> Identify");
    assert!(text(&s.file("claims-triage")).contains("stage: Identify"));
}

#[test]
fn a_proposers_change_becomes_a_branch_that_proposals_lists() {
    if !needs("a_proposers_change_becomes_a_branch", false) {
        return;
    }
    let s = Served::start(&[]);
    let (head, file) = (s.head(), s.file("claims-triage"));
    let out = s.ssh(
        "pat",
        &[
            "move",
            "claims-triage",
            "Identify",
            "--because",
            "'needs scoping'",
        ],
    );
    assert!(out.status.success(), "{out:?}");
    assert!(
        text(&out.stdout).contains("on branch propose/pat/claims-triage"),
        "{out:?}"
    );
    assert_eq!(s.head(), head, "main is never touched");
    assert_eq!(s.file("claims-triage"), file, "nor the working tree");
    let repo = git2::Repository::open(s.dir.path()).unwrap();
    let tip = repo
        .find_branch("propose/pat/claims-triage", git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_commit()
        .unwrap();
    assert_eq!(tip.author().email().unwrap(), "pat@example.com");
    assert_eq!(tip.parent_id(0).unwrap(), head);
    let local = support::run::ripen_env(&s.state, &["proposals"], &[]);
    assert!(
        text(&local.stdout).contains("propose/pat/claims-triage"),
        "{local:?}"
    );
    // Pat may not accept it; Ada may, and authors the merge.
    let out = s.ssh(
        "pat",
        &["proposals", "accept", "propose/pat/claims-triage", "--yes"],
    );
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(s.head(), head);
    let out = s.ssh(
        "ada",
        &["proposals", "accept", "propose/pat/claims-triage", "--yes"],
    );
    assert!(out.status.success(), "{out:?}");
    let (author, _, summary) = s.head_commit();
    assert_eq!(author, "ada@example.com");
    assert!(
        summary.starts_with("Accept proposal propose/pat/claims-triage"),
        "{summary}"
    );
}

#[test]
fn json_over_ssh_is_the_same_as_locally_and_nothing_but_ripen_runs() {
    if !needs("json_over_ssh_is_the_same_as_locally", false) {
        return;
    }
    let s = Served::start(&[]);
    let remote = s.ssh("vic", &["list", "--format", "json"]);
    let local = support::run::ripen_env(&s.state, &["list", "--format", "json"], &[]);
    assert!(remote.status.success(), "{remote:?}");
    assert_eq!(text(&remote.stdout), text(&local.stdout));

    // No shell: the words are ripen's arguments, never a command line.
    let out = s.ssh("ada", &["sh", "-c", "'touch /tmp/ripen-serve-pwned'"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert!(!Path::new("/tmp/ripen-serve-pwned").exists());
    let out = s.ssh("ada", &["list;", "id"]);
    assert_ne!(out.status.code(), Some(0), "{out:?}");
    // No other register, no file on the server.
    let out = s.ssh("ada", &["list", "--state", "/"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("fixed for this connection"),
        "{out:?}"
    );
    let out = s.ssh("ada", &["export", "csv", "--output", "/tmp/x.csv"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = s.ssh("ada", &["init", "/tmp/elsewhere"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    // No subsystem (sftp), no port forwarding.
    let out = Command::new("ssh")
        .args(s.ssh_args("ada"))
        .args(["-s", "127.0.0.1", "sftp"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(!out.status.success(), "{out:?}");
    // A local forward: ssh listens, but the server opens no channel to
    // the target, which never sees a connection.
    let target = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    target.set_nonblocking(true).unwrap();
    let local = free_port();
    let mut forward = Command::new("ssh")
        .args(s.ssh_args("ada"))
        .args(["-N", "-L"])
        .arg(format!(
            "{local}:127.0.0.1:{}",
            target.local_addr().unwrap().port()
        ))
        .arg("127.0.0.1")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let stream = loop {
        if let Ok(c) = std::net::TcpStream::connect(("127.0.0.1", local)) {
            break c;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "ssh never listened"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .unwrap();
    let mut buf = [0u8; 16];
    let got = std::io::Read::read(&mut &stream, &mut buf);
    assert!(matches!(got, Ok(0) | Err(_)), "the forward carried data");
    assert!(target.accept().is_err(), "the target was reached");
    let _ = forward.kill();
    let _ = forward.wait();
}

#[test]
fn two_sessions_see_each_others_commits_and_follow_resizes() {
    if !needs("two_sessions_see_each_others_commits", true) {
        return;
    }
    let s = Served::start(&[]);
    let watcher = Tmux::start("serve-vic", &s.ui_command("vic"), 100, 30);
    let screen = watcher.wait_for("Portfolio · 20 of 20");
    assert!(screen.contains("vic@example.com (Viewer)"), "{screen}");
    // A Viewer's keys that would change something say why instead.
    watcher.keys(&[">"]);
    let screen = watcher.wait_for("read-only: your role is Viewer");
    assert!(!screen.contains("Move "), "{screen}");

    let actor = Tmux::start("serve-ada", &s.ui_command("ada"), 80, 24);
    actor.open_move_of_contract_review();
    actor.text("Plateau confirmed by the Q3 eval");
    actor.keys(&["Enter"]);
    actor.wait_for("committed");
    let (author, _, summary) = s.head_commit();
    assert_eq!(author, "ada@example.com");
    assert_eq!(summary, "contract-review: stage Collect -> FineTune");

    // Within a second or so, the other session shows it, and says who.
    let screen = watcher.wait_for("moved: Ada Lovelace: contract-review");
    assert!(screen.contains("Contract clause review"), "{screen}");

    // A new window size reaches the session (no SIGWINCH over SSH).
    watcher.run(&["resize-window", "-t", "0", "-x", "130", "-y", "40"]);
    let screen = watcher.wait("a 130-column frame", |sc| {
        sc.lines()
            .any(|l| l.trim_end().chars().count() >= 125 && l.contains('┐'))
    });
    assert!(screen.contains("Portfolio"), "{screen}");

    watcher.keys(&["q"]);
    watcher.wait_for("ssh-exited-0");
    actor.keys(&["q"]);
    actor.wait_for("ssh-exited-0");
}

#[test]
fn a_client_killed_mid_dialog_leaves_no_session_lock_or_change() {
    if !needs("a_client_killed_mid_dialog", true) {
        return;
    }
    let s = Served::start(&[]);
    let threads = s.status("Threads");
    let (head, file) = (s.head(), s.file("contract-review"));
    let t = Tmux::start("serve-kill", &s.ui_command("ada"), 80, 24);
    t.open_move_of_contract_review();
    t.text("half typed");
    s.wait_log("ui: opened");
    assert!(s.status("Threads") > threads, "a session runs on a thread");
    // kill -9 the client: the connection drops without a word.
    let pane_pid = t.run(&["display-message", "-p", "-t", "0", "#{pane_pid}"]);
    let out = Command::new("pkill")
        .args(["-KILL", "-P", pane_pid.trim(), "ssh"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    s.wait_log("closed after");
    let start = Instant::now();
    while s.status("Threads") > threads && start.elapsed() < Duration::from_secs(10) {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(s.status("Threads"), threads, "the session's thread ended");
    assert_eq!(s.head(), head);
    assert_eq!(s.file("contract-review"), file);
    assert!(!s.dir.path().join(".git/index.lock").exists());
    // The server still serves.
    assert!(s.ssh("ada", &["list"]).status.success());
}

#[test]
fn fifty_connections_leave_memory_and_descriptors_where_they_were() {
    if !needs("fifty_connections_leave_memory_and_descriptors", false) {
        return;
    }
    let s = Served::start(&[]);
    for _ in 0..5 {
        assert!(s.ssh("vic", &["list"]).status.success());
    }
    let (fds, rss) = (s.descriptors(), s.status("VmRSS"));
    for i in 0..50 {
        let who = ["vic", "ada", "pat"][i % 3];
        let out = s.ssh(who, &["list"]);
        assert!(out.status.success(), "{out:?}");
    }
    let start = Instant::now();
    while s.descriptors() > fds && start.elapsed() < Duration::from_secs(5) {
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(
        s.descriptors() <= fds,
        "descriptors {fds} -> {}",
        s.descriptors()
    );
    let grown = s.status("VmRSS").saturating_sub(rss);
    assert!(
        grown < 16 * 1024,
        "memory grew by {grown} kB over 50 connections"
    );
}

#[test]
fn repeated_failed_sign_ins_from_an_address_are_throttled() {
    if !needs("repeated_failed_sign_ins_are_throttled", false) {
        return;
    }
    let s = Served::start(&[]);
    for _ in 0..6 {
        let out = s.ssh("stranger", &["list"]);
        assert_eq!(out.status.code(), Some(255));
    }
    // Now even a listed key is turned away from that address, for a while.
    let out = s.ssh("ada", &["list"]);
    assert_eq!(out.status.code(), Some(255), "{out:?}");
    assert!(
        s.log_text().contains("too many failed sign-ins"),
        "{}",
        s.log_text()
    );
}

#[test]
fn sigterm_during_a_save_lets_it_finish_then_stops() {
    if !needs("sigterm_during_a_save", true) {
        return;
    }
    // Each commit pauses two seconds after moving the branch, before the
    // working tree is written: the signal lands in the middle of the save.
    let mut s = Served::start(&[("RIPEN_PAUSE_AT", "moved")]);
    let head = s.head();
    let t = Tmux::start("serve-term", &s.ui_command("ada"), 80, 24);
    t.open_move_of_contract_review();
    t.text("Plateau confirmed");
    t.keys(&["Enter"]);
    // Wait for the branch to move (the pause follows), then stop the server.
    let start = Instant::now();
    while s.head() == head {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the save never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let status = s.terminate();
    assert!(status.success(), "the server stops cleanly: {status:?}");
    // The save finished: the working tree holds the commit, nothing is left
    // half done for the next run to recover.
    let out = support::repo::git(s.dir.path(), &["status", "--porcelain"]);
    assert_eq!(text(&out.stdout), "", "clean working tree and index");
    assert!(text(&s.file("contract-review")).contains("stage: FineTune"));
    let journal = s.dir.path().join(".git/ripen");
    let left: Vec<_> = std::fs::read_dir(&journal)
        .map(|d| d.filter_map(Result::ok).map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "nothing left for a recovery: {left:?}");
    let log = s.log_text();
    assert!(log.contains("SIGTERM"), "{log}");
    assert!(log.contains("stopped"), "{log}");
    t.wait_for("ssh-exited-");
}

/// The agenda item a screen has selected (the word after `▶`).
fn selected_item(screen: &str) -> Option<String> {
    screen.lines().find_map(|l| {
        let at = l.find('▶')?;
        l[at + '▶'.len_utf8()..]
            .split_whitespace()
            .next()
            .map(str::to_owned)
    })
}

#[test]
fn participants_follow_the_chair_on_the_agenda() {
    if !needs("participants_follow_the_chair_on_the_agenda", true) {
        return;
    }
    let s = Served::start(&[]);
    let out = s.ssh("ada", &["review", "start", "2026-Q4"]);
    assert!(out.status.success(), "{out:?}");
    let chair = Tmux::start("serve-chair", &s.ui_command("ada"), 140, 40);
    let viewer = Tmux::start("serve-follower", &s.ui_command("vic"), 140, 40);
    for t in [&chair, &viewer] {
        t.wait_for("Portfolio · 20 of 20");
        t.keys(&["7"]);
        t.wait_for("Review");
        t.keys(&["a"]);
        t.wait_for("review 2026-Q4 (open)");
    }
    chair.keys(&["j", "j"]);
    let screen = chair.wait("the chair's third item", |sc| {
        sc.lines()
            .filter(|l| l.contains("[undecided]") || l.contains('▶'))
            .position(|l| l.contains('▶'))
            .is_some_and(|at| at >= 2)
    });
    let item = selected_item(&screen).expect("the chair has an item selected");
    // The follower's selection goes where the chair is, and says whose it is.
    let seen = viewer.wait("the follower at the chair's item", |sc| {
        selected_item(sc).as_deref() == Some(item.as_str())
    });
    assert!(
        seen.contains(&format!("chair Ada Lovelace on {item} (following)")),
        "{seen}"
    );
    // f stops following: the follower's selection stays where it was.
    viewer.keys(&["f"]);
    viewer.wait_for("not following the chair");
    chair.keys(&["j"]);
    let moved = chair.wait("the chair's next item", |sc| {
        selected_item(sc).is_some_and(|i| i != item)
    });
    let next = selected_item(&moved).unwrap();
    let seen = viewer.wait("the chair's next item in the title", |sc| {
        sc.contains(&format!("chair Ada Lovelace on {next}"))
    });
    assert_eq!(
        selected_item(&seen).as_deref(),
        Some(item.as_str()),
        "{seen}"
    );
    for t in [&chair, &viewer] {
        t.keys(&["q"]);
        t.wait_for("ssh-exited-0");
    }
}
