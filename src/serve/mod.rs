//! `ripen serve`: the register over SSH, for a whole review committee.
//!
//! A foreground SSH server (russh) on its own host key. Who may sign in,
//! and with which role, is `state/access.ron` as committed at the served
//! branch's HEAD ([`crate::access`]): a key that is not listed there is
//! refused. A client that asks for a terminal gets the terminal UI, one
//! [`crate::tui::session::Session`] per connection on a thread of its
//! own, all sharing one loaded register ([`hub`]); a client that names a
//! command gets that ripen command run as `ripen --principal EMAIL`, as an
//! OpenSSH forced command would ([`crate::cli::principal`]). Every commit
//! is authored by the principal; the committer is the repository's
//! configured identity (the server's).
//!
//! One line per event on standard error: time, principal, key fingerprint,
//! address, what was done. SIGTERM or SIGINT stops accepting, lets each
//! session finish a save in progress, then exits.

pub mod conn;
pub mod hostkey;
pub mod hub;

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::access::{KeyId, Principal};
use hub::{Hub, log};

/// Failed sign-ins from one address within [`THROTTLE_WINDOW`] after
/// which that address is refused until the window ends.
pub const THROTTLE_FAILURES: u32 = 5;
/// See [`THROTTLE_FAILURES`].
pub const THROTTLE_WINDOW: Duration = Duration::from_secs(60);

/// How long a shutdown waits for sessions to finish their saves.
pub const SHUTDOWN_PATIENCE: Duration = Duration::from_secs(20);

/// How the server runs.
#[derive(Debug, Clone)]
pub struct Options {
    /// The register served.
    pub state_dir: PathBuf,
    /// Where to listen.
    pub listen: SocketAddr,
    /// The host key file (made on first start).
    pub host_key: PathBuf,
    /// The most interactive sessions open at once.
    pub max_sessions: usize,
    /// A connection that sends nothing for this long is closed.
    pub idle_timeout: Duration,
    /// Draw without colour.
    pub no_color: bool,
    /// The ripen executable that runs commands.
    pub exe: PathBuf,
}

/// What every connection shares.
pub struct Server {
    /// The shared register and open sessions.
    pub hub: Arc<Hub>,
    /// How it runs.
    pub options: Options,
    failures: Mutex<HashMap<IpAddr, (u32, Instant)>>,
}

/// The [`KeyId`] of a key a client presents.
pub fn key_id(key: &russh::keys::PublicKey) -> Option<KeyId> {
    KeyId::parse(&key.to_openssh().ok()?).ok()
}

impl Server {
    /// The principal whose key this is, from `access.ron` at HEAD; an
    /// error when access.ron is missing or broken (nobody signs in then).
    pub fn principal_for(&self, key: &russh::keys::PublicKey) -> Result<Option<Principal>, String> {
        let ctx = crate::ops::Context::new(self.hub.state_dir.clone(), hub::today());
        let access = crate::ops::load::access_at_head(&ctx).map_err(|e| e.to_string())?;
        let Some(access) = access else {
            return Err("no access.ron at HEAD: nobody can sign in".to_owned());
        };
        Ok(key_id(key).and_then(|id| access.by_key(&id).cloned()))
    }

    /// Whether `ip` failed to sign in too often lately.
    pub fn throttled(&self, ip: IpAddr) -> bool {
        let failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures
            .get(&ip)
            .is_some_and(|(n, since)| *n >= THROTTLE_FAILURES && since.elapsed() < THROTTLE_WINDOW)
    }

    /// Counts a failed sign-in from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let entry = failures.entry(ip).or_insert((0, Instant::now()));
        if entry.1.elapsed() >= THROTTLE_WINDOW {
            *entry = (0, Instant::now());
        }
        entry.0 += 1;
        // Forget old addresses, so the map cannot grow without bound.
        failures.retain(|_, (_, since)| since.elapsed() < THROTTLE_WINDOW);
    }
}

/// Refuses a host key inside the served repository: it would be one
/// `git add` away from being committed.
fn check_host_key_place(options: &Options) -> Result<(), String> {
    let Ok(located) = crate::git::locate(&options.state_dir) else {
        return Ok(());
    };
    let Some(workdir) = located.repo.workdir() else {
        return Ok(());
    };
    let key = std::path::absolute(&options.host_key).unwrap_or(options.host_key.clone());
    let workdir = workdir.canonicalize().unwrap_or(workdir.to_path_buf());
    let key_dir = key
        .parent()
        .and_then(|p| p.canonicalize().ok())
        .unwrap_or_default();
    if key_dir.starts_with(&workdir) {
        return Err(format!(
            "the host key {} is inside the register's repository; keep it outside (--host-key), so it is never committed",
            options.host_key.display()
        ));
    }
    Ok(())
}

/// Runs the server until SIGTERM or SIGINT. Prints the host key's
/// fingerprint and where it listens first.
pub fn run(options: Options) -> Result<(), String> {
    if !options
        .state_dir
        .join(crate::register::SETTINGS_FILE)
        .is_file()
    {
        return Err(format!(
            "no register at {}; pass --state DIR",
            options.state_dir.display()
        ));
    }
    check_host_key_place(&options)?;
    let (key, made) = hostkey::load_or_create(&options.host_key)?;
    let ctx = crate::ops::Context::new(options.state_dir.clone(), hub::today());
    let access = crate::ops::load::access_at_head(&ctx).map_err(|e| e.to_string())?;
    let principals = access.as_ref().map_or(0, |a| a.principals.len());
    let hub = Hub::new(options.state_dir.clone());
    hub.data()?; // the first session's frame costs no load
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start: {e}"))?;
    let server = Arc::new(Server {
        hub: Arc::clone(&hub),
        options: options.clone(),
        failures: Mutex::new(HashMap::new()),
    });
    let config = Arc::new(russh::server::Config {
        inactivity_timeout: Some(options.idle_timeout),
        auth_rejection_time: Duration::from_millis(500),
        auth_rejection_time_initial: Some(Duration::from_millis(0)),
        max_auth_attempts: 6,
        keys: vec![key.clone()],
        nodelay: true,
        methods: russh::MethodSet::from(&[russh::MethodKind::PublicKey][..]),
        ..Default::default()
    });
    let watcher = hub.watch();
    let result = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(options.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", options.listen))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        log(&format!(
            "ripen serve: listening on {local}; host key {} {} ({}); {principals} principal(s) in access.ron",
            options.host_key.display(),
            hostkey::fingerprint(&key),
            if made { "made now" } else { "read" }
        ));
        if access.is_none() {
            log("ripen serve: no access.ron at HEAD: every key is refused until one is committed (see docs/serve.md)");
        }
        accept_loop(listener, Arc::clone(&server), config).await
    });
    hub.stop_all(libc::SIGTERM, SHUTDOWN_PATIENCE);
    let _ = watcher.join();
    runtime.shutdown_timeout(Duration::from_secs(2));
    log("ripen serve: stopped");
    result
}

async fn accept_loop(
    listener: tokio::net::TcpListener,
    server: Arc<Server>,
    config: Arc<russh::server::Config>,
) -> Result<(), String> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate()).map_err(|e| e.to_string())?;
    let mut int = signal(SignalKind::interrupt()).map_err(|e| e.to_string())?;
    loop {
        tokio::select! {
            _ = term.recv() => { log("ripen serve: SIGTERM: no new connections; finishing open sessions"); return Ok(()); }
            _ = int.recv() => { log("ripen serve: SIGINT: no new connections; finishing open sessions"); return Ok(()); }
            accepted = listener.accept() => {
                let (socket, peer) = match accepted {
                    Ok(x) => x,
                    Err(e) => { log(&format!("ripen serve: accept failed: {e}")); continue; }
                };
                if server.throttled(peer.ip()) {
                    log(&format!("- - {peer} refused: too many failed sign-ins from this address"));
                    drop(socket);
                    continue;
                }
                let _ = socket.set_nodelay(true);
                let handler = conn::Conn::new(Arc::clone(&server), Some(peer));
                let config = Arc::clone(&config);
                tokio::spawn(async move {
                    match russh::server::run_stream(config, socket, handler).await {
                        Ok(session) => { let _ = session.await; }
                        Err(e) => log(&format!("- - {peer} connection failed: {e}")),
                    }
                });
            }
        }
    }
}
