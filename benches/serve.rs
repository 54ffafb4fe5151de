//! `ripen serve` on the 10,000-use-case register (realistic shape, from
//! the demo generator): `cargo bench --bench serve`.
//!
//! - `serve/new_session_first_frame`: what a new session costs once the
//!   server has the register loaded (its first session did it): a UI state
//!   over the shared register and its first frame (120x40).
//! - `serve/keystroke_redraw`: one key through the session's decoder,
//!   update and draw.
//! - Over a real loopback connection with OpenSSH's client (printed, not
//!   timed by criterion): how long a second session's first frame takes
//!   to reach the client, how long a keystroke's redraw takes to come
//!   back, and the server's memory with 20 sessions open. Skipped, saying
//!   so, without `ssh`.

use std::io::{Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::backend::TestBackend;
use ripen::tui::app::{App, Data};
use ripen::tui::incoming::byte_input;
use ripen::tui::session::{FixedTerminal, SaveGuard, Session};
use ripen::tui::theme::Theme;

mod support;

use support::{Repo, make, today};

const BIN: &str = env!("CARGO_BIN_EXE_ripen");

/// 10,000 use cases of the realistic shape; few commits (a session reads
/// the working tree, not the history).
fn large() -> &'static Repo {
    static R: OnceLock<Repo> = OnceLock::new();
    R.get_or_init(|| make(10_000, 200, 0))
}

fn source(state: &Path) -> ripen::tui::Source {
    ripen::tui::Source {
        state_dir: state.to_path_buf(),
        rev: None,
        as_of: None,
        today: today(),
        principal: None,
    }
}

/// A session at 120x40 over the shared register, and the sender of its
/// keys.
fn session(
    shared: &Data,
    repo: &Repo,
) -> (
    ripen::tui::incoming::ByteSender,
    Session<FixedTerminal<TestBackend>, ripen::tui::incoming::ByteInput>,
) {
    let (tx, input) = byte_input();
    let terminal = FixedTerminal::new(TestBackend::new(120, 40), 120, 40).unwrap();
    let s = Session::new(
        App::new(Data::clone(shared)),
        source(&repo.state),
        Theme::new(true),
        terminal,
        input,
        SaveGuard::default(),
    );
    (tx, s)
}

fn in_process(c: &mut Criterion) {
    let repo = large();
    let shared = ripen::tui::load(&source(&repo.state)).unwrap();
    let mut g = c.benchmark_group("serve");
    g.sample_size(20);
    g.bench_function("new_session_first_frame", |b| {
        b.iter(|| {
            let (_tx, mut s) = session(&shared, repo);
            s.step_within(Some(Duration::ZERO)).unwrap();
            assert_eq!(s.frames(), 1);
        })
    });
    let (tx, mut s) = session(&shared, repo);
    s.step_within(Some(Duration::ZERO)).unwrap();
    let mut down = true;
    g.bench_function("keystroke_redraw", |b| {
        b.iter(|| {
            let frames = s.frames();
            tx.bytes(if down { b"j" } else { b"k" });
            down = !down;
            while s.frames() == frames {
                s.step_within(Some(Duration::from_millis(5))).unwrap();
            }
        })
    });
    g.finish();
}

/// A `ripen serve` on `state` with one principal whose key is `key`.
struct Server {
    child: Child,
    port: u16,
    keys: tempfile::TempDir,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn has_ssh() -> bool {
    Command::new("ssh")
        .arg("-V")
        .stderr(Stdio::null())
        .status()
        .is_ok()
}

fn serve(repo: &Repo) -> Server {
    let keys = tempfile::tempdir().unwrap();
    let key = keys.path().join("client");
    let ok = Command::new("ssh-keygen")
        .args(["-q", "-t", "ed25519", "-N", ""])
        .arg("-f")
        .arg(&key)
        .status()
        .unwrap();
    assert!(ok.success());
    let public = std::fs::read_to_string(key.with_extension("pub")).unwrap();
    let access = repo.state.join("access.ron");
    std::fs::write(
        &access,
        format!(
            "Access(\n    principals: [\n        (name: \"Bench\", email: \"bench@example.com\", role: Reviewer, keys: [\"{}\"]),\n    ],\n)\n",
            public.trim()
        ),
    )
    .unwrap();
    let repo_git = git2::Repository::open(&repo.root).unwrap();
    let mut index = repo_git.index().unwrap();
    index.add_path(Path::new("state/access.ron")).unwrap();
    index.write().unwrap();
    let tree = repo_git.find_tree(index.write_tree().unwrap()).unwrap();
    let head = repo_git.head().unwrap().peel_to_commit().unwrap();
    let sig = git2::Signature::now("Bench", "bench@example.com").unwrap();
    repo_git
        .commit(Some("HEAD"), &sig, &sig, "Access", &tree, &[&head])
        .unwrap();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log = std::fs::File::create(keys.path().join("log")).unwrap();
    let child = Command::new(BIN)
        .args(["serve", "--state"])
        .arg(&repo.state)
        .args(["--listen", &format!("127.0.0.1:{port}"), "--host-key"])
        .arg(keys.path().join("host"))
        .args(["--max-sessions", "64"])
        .env("NO_COLOR", "1")
        .stdout(Stdio::null())
        .stderr(log)
        .spawn()
        .unwrap();
    let start = Instant::now();
    while !std::fs::read_to_string(keys.path().join("log"))
        .unwrap_or_default()
        .contains("listening on")
    {
        assert!(
            start.elapsed() < Duration::from_secs(120),
            "serve never started"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    Server { child, port, keys }
}

/// An interactive client: `ssh -tt`, its output read on a thread.
struct Client {
    child: Child,
    input: std::process::ChildStdin,
    output: Receiver<(Instant, usize)>,
}

impl Client {
    fn open(server: &Server) -> Client {
        let mut child = Command::new("ssh")
            .arg("-tt")
            .args(["-p", &server.port.to_string(), "-i"])
            .arg(server.keys.path().join("client"))
            .args([
                "-o",
                "IdentitiesOnly=yes",
                "-o",
                "BatchMode=yes",
                "-o",
                "StrictHostKeyChecking=no",
                "-o",
                "UserKnownHostsFile=/dev/null",
                "-o",
                "LogLevel=ERROR",
                "-F",
                "/dev/null",
                "127.0.0.1",
            ])
            .env("TERM", "xterm-256color")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut out = child.stdout.take().unwrap();
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 64 * 1024];
            while let Ok(n) = out.read(&mut buf) {
                if n == 0 || tx.send((Instant::now(), n)).is_err() {
                    break;
                }
            }
        });
        Client {
            input: child.stdin.take().unwrap(),
            child,
            output: rx,
        }
    }

    /// Waits for the first frame (output, then a quiet 200 ms); returns
    /// when its first bytes arrived.
    fn first_frame(&self) -> Instant {
        let (first, _) = self.output.recv_timeout(Duration::from_secs(60)).unwrap();
        while self.output.recv_timeout(Duration::from_millis(200)).is_ok() {}
        first
    }

    /// Sends a key and returns how long until the first bytes of the
    /// redraw came back.
    fn keystroke(&mut self, key: &[u8]) -> Duration {
        let sent = Instant::now();
        self.input.write_all(key).unwrap();
        self.input.flush().unwrap();
        let (at, _) = self.output.recv_timeout(Duration::from_secs(10)).unwrap();
        while self.output.recv_timeout(Duration::from_millis(100)).is_ok() {}
        at.duration_since(sent)
    }
}

impl Drop for Client {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn rss_kb(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{field}:")))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn over_ssh(_c: &mut Criterion) {
    if !has_ssh() {
        eprintln!(
            "serve/over_ssh: skipped, needs the OpenSSH client (apt-get install openssh-client)"
        );
        return;
    }
    let repo = large();
    let server = serve(repo);
    let pid = server.child.id();
    let first = Client::open(&server);
    first.first_frame();
    let mut frames = Vec::new();
    let mut clients = vec![first];
    for _ in 1..20 {
        let start = Instant::now();
        let c = Client::open(&server);
        let at = c.first_frame();
        frames.push(at.duration_since(start));
        clients.push(c);
    }
    let mut keys = Vec::new();
    for i in 0..40 {
        let c = &mut clients[i % 20];
        keys.push(c.keystroke(if i % 2 == 0 { b"j" } else { b"k" }));
    }
    println!(
        "serve/over_ssh: a new session's first frame (connect, key exchange, sign-in, frame) median {:?}, max {:?} over 19 sessions",
        median(frames.clone()),
        frames.iter().max().unwrap()
    );
    println!(
        "serve/over_ssh: keystroke to redraw at the client median {:?}, max {:?} over 40 keys",
        median(keys.clone()),
        keys.iter().max().unwrap()
    );
    println!(
        "serve/over_ssh: server memory with 20 sessions open: {} MB resident (peak {} MB)",
        rss_kb(pid, "VmRSS") / 1024,
        rss_kb(pid, "VmHWM") / 1024
    );
}

criterion_group!(benches, in_process, over_ssh);
criterion_main!(benches);
