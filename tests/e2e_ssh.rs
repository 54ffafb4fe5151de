//! A quarterly review over SSH, for real: a throwaway `sshd` on 127.0.0.1
//! (its own host key, an authorized key made for the test, never the
//! machine's SSH configuration), `ssh -tt` into ripen inside tmux at 80x24.
//! Needs root (sshd's privilege separation) and OpenSSH; `.ci/run` installs it.

mod support;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use support::data::repo_with_shipped_state;
use support::run::BIN;
use support::tmux::Tmux;

/// A private sshd, stopped by its process id when dropped.
struct Sshd {
    dir: tempfile::TempDir,
    port: u16,
}

fn run(cmd: &mut Command) {
    let out = cmd.output().expect("run a command");
    assert!(
        out.status.success(),
        "{cmd:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

impl Sshd {
    fn start() -> Sshd {
        let uid = String::from_utf8(Command::new("id").arg("-u").output().unwrap().stdout).unwrap();
        assert_eq!(
            uid.trim(),
            "0",
            "the SSH end-to-end test starts sshd and needs root"
        );
        assert!(
            Path::new("/usr/sbin/sshd").exists(),
            "OpenSSH server missing: apt-get install openssh-server openssh-client"
        );
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::create_dir_all("/run/sshd").unwrap();
        for key in ["host", "client"] {
            run(Command::new("ssh-keygen")
                .args(["-q", "-t", "ed25519", "-N", ""])
                .arg("-f")
                .arg(d.join(key)));
        }
        std::fs::copy(d.join("client.pub"), d.join("authorized_keys")).unwrap();
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let host_pub = std::fs::read_to_string(d.join("host.pub")).unwrap();
        let host_key: Vec<&str> = host_pub.split_whitespace().take(2).collect();
        std::fs::write(
            d.join("known_hosts"),
            format!("[127.0.0.1]:{port} {}\n", host_key.join(" ")),
        )
        .unwrap();
        let config = format!(
            "Port {port}\nListenAddress 127.0.0.1\nHostKey {d}/host\nPidFile {d}/sshd.pid\n\
             AuthorizedKeysFile {d}/authorized_keys\nPermitRootLogin prohibit-password\n\
             PasswordAuthentication no\nKbdInteractiveAuthentication no\nUsePAM no\n\
             StrictModes no\nPrintMotd no\nPrintLastLog no\n",
            d = d.display()
        );
        std::fs::write(d.join("sshd_config"), config).unwrap();
        run(Command::new("/usr/sbin/sshd")
            .arg("-f")
            .arg(d.join("sshd_config"))
            .arg("-E")
            .arg(d.join("sshd.log")));
        let sshd = Sshd { dir, port };
        let start = Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "sshd did not start listening"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        sshd
    }

    /// The shell command that runs `remote` over `ssh -tt`, then reports
    /// ssh's exit status and keeps the pane open.
    fn session(&self, remote: &str) -> String {
        let d = self.dir.path().display();
        format!(
            "sh -c \"ssh -tt -p {port} -i {d}/client -o IdentitiesOnly=yes -o BatchMode=yes \
             -o UserKnownHostsFile={d}/known_hosts -o StrictHostKeyChecking=yes \
             root@127.0.0.1 '{remote}'; echo ssh-exited-\\$?; sleep 600\"",
            port = self.port
        )
    }
}

impl Drop for Sshd {
    fn drop(&mut self) {
        if let Ok(pid) = std::fs::read_to_string(self.dir.path().join("sshd.pid")) {
            let _ = Command::new("kill").arg(pid.trim()).status();
        }
    }
}

fn ripen_remote(state: &Path) -> String {
    format!(
        "NO_COLOR=1 TERM=xterm-256color {BIN} --state {}",
        state.display()
    )
}

fn pids_of(pattern: &str) -> Vec<String> {
    let out = Command::new("pgrep")
        .args(["-f", pattern])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .map(str::to_owned)
        .collect()
}

fn head_summary(dir: &Path) -> String {
    let repo = git2::Repository::open(dir).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    head.summary().unwrap().unwrap_or("").to_owned()
}

fn leftovers(state: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    for dir in [state.to_path_buf(), state.join("use-cases")] {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if name.starts_with(".ripen-") || name.ends_with(".tmp") {
                found.push(p);
            }
        }
    }
    found
}

#[test]
fn a_review_over_ssh_moves_a_stage_and_commits() {
    if !support::need::machine_has(
        "a_review_over_ssh_moves_a_stage_and_commits",
        &[
            support::need::Need::Root,
            support::need::Need::Sshd,
            support::need::Need::Tmux,
        ],
    ) {
        return;
    }
    let sshd = Sshd::start();
    let (dir, state) = repo_with_shipped_state();
    let t = Tmux::start("ssh-review", &sshd.session(&ripen_remote(&state)), 80, 24);
    let s = t.wait_for("Portfolio · 20 of 20");
    assert!(s.contains("Northwind"), "{s}");

    t.keys(&["j", "j", "Enter"]);
    let s = t.wait_for("Overview");
    assert!(
        s.contains("Campaign marketing copy"),
        "the third row opened:\n{s}"
    );
    t.keys(&["Escape"]);
    t.wait_for("Portfolio · 20 of 20");

    t.keys(&["/"]);
    t.text("invoice");
    t.wait_for("/ invoice");
    t.keys(&["Enter", ">"]);
    let s = t.wait_for("Move invoice-extraction");
    assert!(s.contains("from Collect to FineTune"), "{s}");
    t.text("Q3 review: plateau and ROI proven");
    t.keys(&["Enter"]);
    let s = t.wait_for("committed");
    assert!(
        s.contains("invoice-extraction: stage Collect -> FineTune"),
        "{s}"
    );

    t.keys(&["q"]);
    t.wait_for("ssh-exited-0");
    assert_eq!(
        head_summary(dir.path()),
        "invoice-extraction: stage Collect -> FineTune"
    );
    let repo = git2::Repository::open(dir.path()).unwrap();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert!(
        head.message()
            .unwrap()
            .contains("Q3 review: plateau and ROI proven")
    );
    assert!(
        repo.statuses(None).unwrap().is_empty(),
        "nothing left uncommitted"
    );
}

#[test]
fn a_dropped_connection_ends_ripen_and_leaves_nothing_half_done() {
    if !support::need::machine_has(
        "a_dropped_connection_ends_ripen_and_leaves_nothing_half_done",
        &[
            support::need::Need::Root,
            support::need::Need::Sshd,
            support::need::Need::Tmux,
        ],
    ) {
        return;
    }
    let sshd = Sshd::start();
    let (dir, state) = repo_with_shipped_state();
    let before = std::fs::read(state.join("use-cases/customer-faq.ron")).unwrap();
    let t = Tmux::start("ssh-drop", &sshd.session(&ripen_remote(&state)), 80, 24);
    t.wait_for("Portfolio · 20 of 20");
    t.keys(&["/"]);
    t.text("customer service");
    t.wait_for("/ customer service");
    t.keys(&["Enter", ">"]);
    t.wait_for("Move customer-faq");
    t.text("half typed");

    let pattern = format!("ripen --state {}", state.display());
    let ripen = pids_of(&pattern);
    assert!(!ripen.is_empty(), "ripen runs on the remote side");
    // Drop the connection abruptly: kill the ssh client.
    let client = pids_of(&format!("ssh -tt -p {}", sshd.port));
    assert!(!client.is_empty(), "the ssh client runs");
    for pid in &client {
        let _ = Command::new("kill").args(["-9", pid]).status();
    }
    let start = Instant::now();
    while !pids_of(&pattern).is_empty() {
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "ripen still runs after its connection dropped"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    assert!(!dir.path().join(".git/index.lock").exists(), "no lock left");
    assert!(leftovers(&state).is_empty(), "no temporary file left");
    assert_eq!(
        std::fs::read(state.join("use-cases/customer-faq.ron")).unwrap(),
        before,
        "the file is untouched"
    );
    assert_eq!(
        head_summary(dir.path()),
        "Register",
        "nothing was committed"
    );
    let snapshot = ripen::store::snapshot(&state).unwrap();
    let date = ripen::model::Date::parse("2026-10-15").unwrap();
    let reg = ripen::register::load(&snapshot, None, date);
    assert_eq!(reg.errors(), 0, "every file still parses");
}

impl Sshd {
    /// Replaces the authorized key with `options` before it (a forced
    /// command), as an administrator would write authorized_keys.
    fn force(&self, options: &str) {
        let d = self.dir.path();
        let key = std::fs::read_to_string(d.join("client.pub")).unwrap();
        std::fs::write(
            d.join("authorized_keys"),
            format!("{options} {}", key.trim()),
        )
        .unwrap();
    }

    /// `ssh HOST <words>` without a terminal.
    fn exec(&self, words: &[&str]) -> std::process::Output {
        let d = self.dir.path();
        Command::new("ssh")
            .args(["-p", &self.port.to_string(), "-i"])
            .arg(d.join("client"))
            .args(["-o", "IdentitiesOnly=yes", "-o", "BatchMode=yes"])
            .arg("-o")
            .arg(format!(
                "UserKnownHostsFile={}",
                d.join("known_hosts").display()
            ))
            .args(["-o", "StrictHostKeyChecking=yes", "root@127.0.0.1"])
            .args(words)
            .stdin(std::process::Stdio::null())
            .output()
            .unwrap()
    }
}

#[test]
fn a_forced_command_acts_as_the_principal_of_access_ron() {
    if !support::need::machine_has(
        "a_forced_command_acts_as_the_principal_of_access_ron",
        &[
            support::need::Need::Root,
            support::need::Need::Sshd,
            support::need::Need::Tmux,
        ],
    ) {
        return;
    }
    let sshd = Sshd::start();
    let (dir, state) = repo_with_shipped_state();
    let key = std::fs::read_to_string(sshd.dir.path().join("client.pub")).unwrap();
    std::fs::write(
        state.join("access.ron"),
        format!(
            "Access(\n    principals: [\n        (name: \"Pat Proposer\", email: \"pat@example.com\", role: Proposer, keys: [\"{}\"]),\n    ],\n)\n",
            key.trim()
        ),
    )
    .unwrap();
    assert!(
        support::repo::git(dir.path(), &["add", "state/access.ron"])
            .status
            .success()
    );
    assert!(
        support::repo::git(dir.path(), &["commit", "-q", "-m", "Access"])
            .status
            .success()
    );
    sshd.force(&format!(
        "command=\"NO_COLOR=1 {BIN} --principal pat@example.com --state {}\",restrict,pty",
        state.display()
    ));
    let head = head_summary(dir.path());

    // The client's command runs as Pat, with ripen's output and exit code.
    let remote = sshd.exec(&["list", "--format", "json"]);
    let local = support::run::ripen_env(&state, &["list", "--format", "json"], &[]);
    assert!(remote.status.success(), "{remote:?}");
    assert_eq!(remote.stdout, local.stdout);
    // A Proposer's change becomes a branch; main is untouched.
    let out = sshd.exec(&[
        "move",
        "claims-triage",
        "Identify",
        "--because",
        "'needs scoping'",
    ]);
    assert!(out.status.success(), "{out:?}");
    assert!(String::from_utf8_lossy(&out.stdout).contains("propose/pat/claims-triage"));
    assert_eq!(head_summary(dir.path()), head);
    let repo = git2::Repository::open(dir.path()).unwrap();
    let tip = repo
        .find_branch("propose/pat/claims-triage", git2::BranchType::Local)
        .unwrap()
        .get()
        .peel_to_commit()
        .unwrap();
    assert_eq!(tip.author().email().unwrap(), "pat@example.com");
    // Another register or identity cannot be asked for.
    let out = sshd.exec(&["list", "--state", "/"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let out = sshd.exec(&["proposals", "accept", "propose/pat/claims-triage", "--yes"]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    assert_eq!(head_summary(dir.path()), head);

    // Without a command, with a terminal: the UI, saying who is signed in.
    let t = Tmux::start("ssh-forced", &sshd.session(""), 100, 30);
    let s = t.wait_for("Portfolio · 20 of 20");
    assert!(s.contains("pat@example.com (Proposer)"), "{s}");
    t.keys(&["q"]);
    t.wait_for("ssh-exited-0");
}
