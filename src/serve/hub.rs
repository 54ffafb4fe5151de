//! What every connection shares: the register loaded once per commit, the
//! sessions open now (to tell them the branch moved, or to stop them), and
//! the log.
//!
//! A watcher thread looks at the served branch a few times a second; when
//! it moved, it loads the register once, publishes it to every session
//! ([`SharedData`]) and tells each one who moved it and why (the commit's
//! author and subject), so a change made in one session shows in all the
//! others within a second, with the selection kept.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::tui::app::Data;
use crate::tui::incoming::ByteSender;
use crate::tui::session::SharedData;

/// How often the watcher looks at the branch and the chair's place on the
/// agenda.
pub const FOCUS_EVERY: Duration = Duration::from_millis(100);

/// One interactive session, as the hub knows it.
struct Peer {
    input: ByteSender,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// The state every connection shares.
pub struct Hub {
    /// The served register's state directory.
    pub state_dir: PathBuf,
    shared: SharedData,
    head: Mutex<Option<git2::Oid>>,
    peers: Mutex<HashMap<u64, Peer>>,
    next: AtomicU64,
    stopping: AtomicBool,
    commands: AtomicU64,
}

/// Counts a command as running while it lives.
pub struct Running<'a>(&'a Hub);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.commands.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Today, for a load (the server is an edge: it may read the clock).
pub fn today() -> crate::model::Date {
    crate::model::Date(chrono::Local::now().date_naive())
}

/// Writes one line to standard error, prefixed by the time; never panics
/// (standard error may be closed).
pub fn log(line: &str) {
    use std::io::Write;
    let now = chrono::Utc::now().format("%Y-%m-%dT%H:%M:%SZ");
    let _ = writeln!(std::io::stderr(), "{now} {}", crate::text::sanitize(line));
}

impl Hub {
    /// A hub for the register at `state_dir`, with nothing loaded yet.
    pub fn new(state_dir: PathBuf) -> Arc<Hub> {
        Arc::new(Hub {
            state_dir,
            shared: SharedData::default(),
            head: Mutex::new(None),
            peers: Mutex::new(HashMap::new()),
            next: AtomicU64::new(1),
            stopping: AtomicBool::new(false),
            commands: AtomicU64::new(0),
        })
    }

    /// The source a session of `principal` reads from.
    pub fn source(&self, principal: Option<crate::access::Principal>) -> crate::tui::Source {
        crate::tui::Source {
            state_dir: self.state_dir.clone(),
            rev: None,
            as_of: None,
            today: today(),
            principal,
        }
    }

    /// The shared register, loaded now if nothing is loaded yet.
    pub fn data(&self) -> Result<Data, String> {
        if let Some(d) = self.shared.latest() {
            return Ok(d);
        }
        let data = crate::tui::load(&self.source(None))?;
        *self.head.lock().unwrap_or_else(|e| e.into_inner()) = data.repo.head;
        self.shared.publish(data.clone());
        Ok(data)
    }

    /// What sessions take a newer register from.
    pub fn shared(&self) -> SharedData {
        self.shared.clone()
    }

    /// Registers a session's input; returns its number.
    pub fn join(&self, input: ByteSender) -> u64 {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.peers.lock().unwrap_or_else(|e| e.into_inner()).insert(
            id,
            Peer {
                input,
                thread: None,
            },
        );
        id
    }

    /// Keeps the thread that runs session `id`, to wait for it on shutdown.
    pub fn running(&self, id: u64, thread: std::thread::JoinHandle<()>) {
        if let Some(p) = self
            .peers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get_mut(&id)
        {
            p.thread = Some(thread);
        }
    }

    /// Session `id` ended.
    pub fn leave(&self, id: u64) {
        self.peers
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(&id);
    }

    /// How many interactive sessions are open.
    pub fn sessions(&self) -> usize {
        self.peers.lock().unwrap_or_else(|e| e.into_inner()).len()
    }

    /// Marks a command as running until the value is dropped.
    pub fn command(&self) -> Running<'_> {
        self.commands.fetch_add(1, Ordering::SeqCst);
        Running(self)
    }

    /// Whether a shutdown has begun.
    pub fn stopping(&self) -> bool {
        self.stopping.load(Ordering::SeqCst)
    }

    /// Asks every session to stop as `signal` would (each finishes a save
    /// in progress first) and waits for them, at most `patience`.
    pub fn stop_all(&self, signal: i32, patience: Duration) {
        self.stopping.store(true, Ordering::SeqCst);
        let threads: Vec<std::thread::JoinHandle<()>> = {
            let mut peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
            peers
                .values_mut()
                .filter_map(|p| {
                    p.input.stop(signal);
                    p.thread.take()
                })
                .collect()
        };
        let deadline = std::time::Instant::now() + patience;
        // Commands already running finish (their saves too).
        while self.commands.load(Ordering::SeqCst) > 0 && std::time::Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        for t in threads {
            while !t.is_finished() && std::time::Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }

    /// Looks at the branch once: when it moved, loads the register, shares
    /// it and tells every session. Returns the notice, if it moved.
    pub fn check(&self) -> Option<String> {
        let head = crate::git::commit::head_commit(&self.state_dir).ok()?;
        {
            let known = self.head.lock().unwrap_or_else(|e| e.into_inner());
            if *known == head {
                return None;
            }
        }
        let data = crate::tui::load(&self.source(None)).ok()?;
        *self.head.lock().unwrap_or_else(|e| e.into_inner()) = data.repo.head;
        let notice = self.describe(head, &data);
        self.shared.publish(data);
        if let Some(head) = head {
            let head = head.to_string();
            let peers = self.peers.lock().unwrap_or_else(|e| e.into_inner());
            for p in peers.values() {
                p.input.moved(&head, &notice);
            }
        }
        Some(notice)
    }

    /// `main moved: Ada Lovelace: claims-triage: stage Collect -> FineTune`.
    fn describe(&self, head: Option<git2::Oid>, data: &Data) -> String {
        let branch = data
            .repo
            .branch
            .clone()
            .unwrap_or_else(|| "HEAD".to_owned());
        let Some(head) = head else {
            return format!("{branch} moved");
        };
        let said = crate::git::locate(&self.state_dir).ok().and_then(|l| {
            let c = l.repo.find_commit(head).ok()?;
            let who = c.author().name().unwrap_or("someone").to_owned();
            let what = c.summary().ok().flatten().unwrap_or("").to_owned();
            Some(format!("{who}: {what}"))
        });
        format!(
            "{branch} moved: {}",
            said.unwrap_or_else(|| crate::git::short_id(head))
        )
    }

    /// Runs the watcher until a shutdown begins: the branch, and where
    /// the chair of the open review is on the agenda.
    pub fn watch(self: &Arc<Hub>) -> std::thread::JoinHandle<()> {
        let hub = Arc::clone(self);
        std::thread::spawn(move || {
            let mut told = None;
            while !hub.stopping() {
                if let Some(notice) = hub.check() {
                    log(&format!("- - - - {notice}"));
                }
                let focus = hub.shared.focus();
                if focus != told {
                    if let Some(f) = &focus {
                        let peers = hub.peers.lock().unwrap_or_else(|e| e.into_inner());
                        for p in peers.values() {
                            p.input.focus(&f.item, &f.name);
                        }
                    }
                    told = focus;
                }
                std::thread::sleep(FOCUS_EVERY);
            }
        })
    }
}
