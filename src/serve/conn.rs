//! One SSH connection: who signs in (a key listed in `access.ron` at
//! HEAD, or nobody), and what their channel runs: the terminal UI when a
//! pty and a shell are asked for, one ripen command when a command is.
//! Nothing else is offered: no shell, no forwarding, no agent, no X11, no
//! subsystem, no environment.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

use russh::keys::HashAlg;
use russh::server::{Auth, ChannelOpenHandle, Handler, Msg, Session, VerifiedPublicKey};
use russh::{Channel, ChannelId, Pty};
use tokio::sync::mpsc::{UnboundedSender, unbounded_channel};

use super::Server;
use super::hub::log;
use crate::access::Principal;
use crate::tui::incoming::ByteSender;

/// Largest terminal accepted; bigger sizes are clamped (a client may send
/// 65535x65535, or 0x0).
pub const MAX_SIZE: (u16, u16) = (500, 300);

/// Bytes a session may send in a burst, and per second after it; more is
/// dropped and, far more, ends the connection.
const INPUT_BURST: f64 = 64.0 * 1024.0;
const INPUT_PER_SECOND: f64 = 16.0 * 1024.0;
const INPUT_FLOOD: f64 = 1024.0 * 1024.0;

/// Clamps a size a client sent to what a terminal can be; 0 (a client
/// that does not know its size) is taken as 80x24.
pub fn clamp(cols: u32, rows: u32) -> (u16, u16) {
    let or = |v: u32, default: u32| if v == 0 { default } else { v };
    let c = or(cols, 80).clamp(1, u32::from(MAX_SIZE.0)) as u16;
    let r = or(rows, 24).clamp(1, u32::from(MAX_SIZE.1)) as u16;
    (c, r)
}

/// A token bucket of input bytes.
struct Rate {
    tokens: f64,
    at: Instant,
    dropped: f64,
}

impl Rate {
    fn new() -> Rate {
        Rate {
            tokens: INPUT_BURST,
            at: Instant::now(),
            dropped: 0.0,
        }
    }

    /// How many of `n` bytes may pass now.
    fn take(&mut self, n: usize) -> usize {
        let now = Instant::now();
        let refill = now.duration_since(self.at).as_secs_f64() * INPUT_PER_SECOND;
        self.at = now;
        self.tokens = (self.tokens + refill).min(INPUT_BURST);
        let pass = (n as f64).min(self.tokens.floor());
        self.tokens -= pass;
        self.dropped += n as f64 - pass;
        pass as usize
    }

    fn flooding(&self) -> bool {
        self.dropped > INPUT_FLOOD
    }
}

/// What runs on a channel.
enum Running {
    /// Nothing yet (waiting for pty, shell or exec).
    Nothing,
    /// The terminal UI, fed through this sender.
    Ui(ByteSender),
    /// A command, whose standard input takes these bytes (`None` at EOF).
    Command(std::sync::mpsc::Sender<Option<Vec<u8>>>),
}

struct Chan {
    size: (u16, u16),
    pty: bool,
    running: Running,
    rate: Rate,
}

/// One connection's handler.
pub struct Conn {
    server: Arc<Server>,
    peer: Option<SocketAddr>,
    principal: Option<Principal>,
    fingerprint: String,
    channels: HashMap<ChannelId, Chan>,
    opened: Instant,
    done: Vec<String>,
    counted: bool,
}

impl Conn {
    /// A handler for a connection from `peer`.
    pub fn new(server: Arc<Server>, peer: Option<SocketAddr>) -> Conn {
        Conn {
            server,
            peer,
            principal: None,
            fingerprint: "-".to_owned(),
            channels: HashMap::new(),
            opened: Instant::now(),
            done: Vec::new(),
            counted: false,
        }
    }

    fn who(&self) -> String {
        self.principal
            .as_ref()
            .map_or("-".to_owned(), |p| p.email.clone())
    }

    fn addr(&self) -> String {
        self.peer.map_or("-".to_owned(), |a| a.to_string())
    }

    fn log(&self, what: &str) {
        log(&format!(
            "{} {} {} {what}",
            self.who(),
            self.fingerprint,
            self.addr()
        ));
    }
}

impl Drop for Conn {
    fn drop(&mut self) {
        if self.principal.is_none() {
            return; // refused sign-ins were logged as such
        }
        let done = if self.done.is_empty() {
            "nothing".to_owned()
        } else {
            self.done.join("; ")
        };
        self.log(&format!(
            "closed after {}s: {done}",
            self.opened.elapsed().as_secs()
        ));
        // A vanished client leaves no session behind: it ends as on a
        // hung-up terminal (after a save in progress).
        for chan in self.channels.values_mut() {
            hang_up(chan);
        }
    }
}

/// Ends what runs on a channel whose client is gone: a UI session stops
/// as on SIGHUP (the hub holds its input too, so closing ours is not
/// enough), a command's standard input ends.
fn hang_up(chan: &mut Chan) {
    match std::mem::replace(&mut chan.running, Running::Nothing) {
        Running::Ui(input) => {
            input.stop(libc::SIGHUP);
        }
        Running::Command(stdin) => {
            let _ = stdin.send(None);
        }
        Running::Nothing => {}
    }
}

/// Sends bytes to a channel from any thread, through the connection's
/// own task (never blocking the sender).
#[derive(Clone)]
struct Out {
    tx: UnboundedSender<(u32, Vec<u8>)>,
}

/// Starts the task that writes `Out`'s bytes to `channel` (stream 0 is
/// standard output, 1 standard error), then, when every `Out` is gone,
/// the exit status that `status` receives, EOF and close.
fn out_task(
    handle: russh::server::Handle,
    channel: ChannelId,
    status: tokio::sync::oneshot::Receiver<u32>,
) -> Out {
    let (tx, mut rx) = unbounded_channel::<(u32, Vec<u8>)>();
    tokio::spawn(async move {
        while let Some((stream, bytes)) = rx.recv().await {
            let sent = if stream == 0 {
                handle.data(channel, bytes).await
            } else {
                handle.extended_data(channel, stream, bytes).await
            };
            if sent.is_err() {
                break; // the client is gone
            }
        }
        let code = status.await.unwrap_or(255);
        let _ = handle.exit_status_request(channel, code).await;
        let _ = handle.eof(channel).await;
        let _ = handle.close(channel).await;
    });
    Out { tx }
}

/// A writer for the terminal UI: collects a frame, hands it over on flush.
struct ChannelWriter {
    out: Out,
    buf: Vec<u8>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let bytes = std::mem::take(&mut self.buf);
        self.out.tx.send((0, bytes)).map_err(|_| {
            std::io::Error::new(std::io::ErrorKind::BrokenPipe, "the connection closed")
        })
    }
}

/// Enters the alternate screen and hides the cursor, as the local UI does.
const ENTER: &[u8] = b"\x1b[?1049h\x1b[?25l\x1b[?2004h";
/// Leaves it again.
const LEAVE: &[u8] = b"\x1b[?2004l\x1b[?25h\x1b[?1049l";

impl Conn {
    fn refuse(&self, session: &mut Session, channel: ChannelId, why: &str) {
        let (status, exit) = tokio::sync::oneshot::channel();
        let out = out_task(session.handle(), channel, exit);
        let _ = out
            .tx
            .send((1, format!("ripen serve: {why}\r\n").into_bytes()));
        let _ = status.send(1);
    }

    fn start_ui(&mut self, channel: ChannelId, session: &mut Session) -> Result<(), String> {
        let Some(principal) = self.principal.clone() else {
            return Err("not signed in".to_owned());
        };
        if self.server.hub.sessions() >= self.server.options.max_sessions {
            return Err(format!(
                "{} sessions are open, the most this server takes (--max-sessions); try again later",
                self.server.options.max_sessions
            ));
        }
        let size = self.channels.get(&channel).map_or((80, 24), |c| c.size);
        let (status_tx, status_rx) = tokio::sync::oneshot::channel();
        let out = out_task(session.handle(), channel, status_rx);
        let (sender, input) = crate::tui::incoming::byte_input();
        let hub = Arc::clone(&self.server.hub);
        let data = hub.data()?;
        let id = hub.join(sender.clone());
        let no_color = self.server.options.no_color;
        let thread = std::thread::Builder::new()
            .name(format!("ripen-session-{id}"))
            .spawn(move || {
                let code = run_ui(&hub, data, principal, out, input, size, no_color);
                hub.leave(id);
                let _ = status_tx.send(code);
            })
            .map_err(|e| format!("cannot start a session: {e}"))?;
        self.server.hub.running(id, thread);
        if let Some(c) = self.channels.get_mut(&channel) {
            c.running = Running::Ui(sender);
        }
        self.done.push("ui".to_owned());
        self.log("ui: opened");
        Ok(())
    }

    fn start_command(
        &mut self,
        channel: ChannelId,
        command: &str,
        session: &mut Session,
    ) -> Result<(), String> {
        let Some(principal) = self.principal.clone() else {
            return Err("not signed in".to_owned());
        };
        let (status_tx, status_rx) = tokio::sync::oneshot::channel();
        let out = out_task(session.handle(), channel, status_rx);
        let (stdin_tx, stdin_rx) = std::sync::mpsc::channel::<Option<Vec<u8>>>();
        let exe = self.server.options.exe.clone();
        let state = self.server.hub.state_dir.clone();
        let command = command.to_owned();
        let shown = crate::text::sanitize(&command).into_owned();
        let shown_here = shown.clone();
        let conn_log = format!("{} {} {}", self.who(), self.fingerprint, self.addr());
        let hub = Arc::clone(&self.server.hub);
        std::thread::Builder::new()
            .name("ripen-command".to_owned())
            .spawn(move || {
                let _running = hub.command();
                let code = run_command(&exe, &state, &principal.email, &command, &out, stdin_rx);
                log(&format!("{conn_log} exec: {shown} -> exit {code}"));
                drop(out);
                let _ = status_tx.send(code);
            })
            .map_err(|e| format!("cannot start the command: {e}"))?;
        if let Some(c) = self.channels.get_mut(&channel) {
            c.running = Running::Command(stdin_tx);
        }
        self.done.push(format!("exec {shown_here}"));
        Ok(())
    }
}

/// Runs the terminal UI for one session until the user quits, the
/// connection goes or the server stops; returns the exit status.
fn run_ui(
    hub: &super::hub::Hub,
    data: crate::tui::app::Data,
    principal: Principal,
    out: Out,
    input: crate::tui::incoming::ByteInput,
    (w, h): (u16, u16),
    no_color: bool,
) -> u32 {
    use crate::tui::session::{Exit, FixedTerminal, SaveGuard, Session};
    let _ = out.tx.send((0, ENTER.to_vec()));
    let writer = ChannelWriter {
        out: out.clone(),
        buf: Vec::new(),
    };
    let backend = ratatui::backend::CrosstermBackend::new(writer);
    let Ok(terminal) = FixedTerminal::new(backend, w, h) else {
        return 1;
    };
    let app = crate::tui::app::App::new(data);
    let source = hub.source(Some(principal));
    let theme = crate::tui::theme::Theme::new(no_color);
    let mut session = Session::new(app, source, theme, terminal, input, SaveGuard::default())
        .with_shared(hub.shared());
    let code = match session.run() {
        Ok(Exit::Quit) => 0,
        Ok(Exit::Signal(sig)) => 128 + sig as u32,
        Err(_) => 1, // the connection is gone: nothing to tell
    };
    drop(session);
    let _ = out.tx.send((0, LEAVE.to_vec()));
    code
}

/// Runs one ripen command for `email` as `ripen --principal EMAIL --state
/// DIR` with the command in `SSH_ORIGINAL_COMMAND`: exactly what an
/// OpenSSH forced command runs, so both ways behave the same.
fn run_command(
    exe: &std::path::Path,
    state: &std::path::Path,
    email: &str,
    command: &str,
    out: &Out,
    stdin: std::sync::mpsc::Receiver<Option<Vec<u8>>>,
) -> u32 {
    use std::io::{Read, Write};
    use std::process::{Command, Stdio};
    if command.trim().is_empty() {
        let _ = out.tx.send((
            1,
            b"ripen serve: name a ripen command (ssh HOST list), or ask for a terminal (ssh -t HOST)\n"
                .to_vec(),
        ));
        return 2;
    }
    let mut cmd = Command::new(exe);
    cmd.arg("--principal")
        .arg(email)
        .arg("--state")
        .arg(state)
        .env_clear()
        .env(crate::cli::principal::ORIGINAL_COMMAND, command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for keep in ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "RIPEN_TESTHOOK"] {
        if let Some(v) = std::env::var_os(keep) {
            cmd.env(keep, v);
        }
    }
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            let _ = out.tx.send((
                1,
                format!("ripen serve: cannot run ripen: {e}\n").into_bytes(),
            ));
            return 2;
        }
    };
    let mut child_in = child.stdin.take();
    let feeder = std::thread::spawn(move || {
        while let Ok(Some(bytes)) = stdin.recv() {
            let Some(w) = child_in.as_mut() else { break };
            if w.write_all(&bytes).is_err() {
                break;
            }
        }
        drop(child_in); // EOF for the command
    });
    let pipe = |mut r: Box<dyn Read + Send>, stream: u32, out: Out| {
        std::thread::spawn(move || {
            let mut buf = vec![0u8; 32 * 1024];
            loop {
                match r.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => {
                        if out.tx.send((stream, buf[..n].to_vec())).is_err() {
                            break;
                        }
                    }
                }
            }
        })
    };
    let readers = [
        child
            .stdout
            .take()
            .map(|r| pipe(Box::new(r), 0, out.clone())),
        child
            .stderr
            .take()
            .map(|r| pipe(Box::new(r), 1, out.clone())),
    ];
    let status = child.wait();
    for r in readers.into_iter().flatten() {
        let _ = r.join();
    }
    drop(feeder); // ends when the channel's input ends
    match status {
        Ok(s) => s.code().map_or(255, |c| c as u32),
        Err(_) => 255,
    }
}

impl Handler for Conn {
    type Error = russh::Error;

    async fn auth_publickey_offered(
        &mut self,
        _user: &str,
        offer: russh::server::PublicKeyOffer<'_>,
    ) -> Result<Auth, Self::Error> {
        // Spare the client a signature for a key that is not listed.
        if let Some(peer) = self.peer
            && self.server.throttled(peer.ip())
        {
            return Ok(Auth::reject());
        }
        match self.server.principal_for(offer.public_key) {
            Ok(Some(_)) => Ok(Auth::Accept),
            found => {
                let fingerprint = offer.public_key.fingerprint(HashAlg::Sha256).to_string();
                let why = match found {
                    Err(why) => why,
                    _ => "this key is not in access.ron at HEAD".to_owned(),
                };
                log(&format!("- {fingerprint} {} refused: {why}", self.addr()));
                // One failure per connection, however many keys it tries.
                if !self.counted {
                    self.counted = true;
                    if let Some(peer) = self.peer {
                        self.server.failed(peer.ip());
                    }
                }
                Ok(Auth::reject())
            }
        }
    }

    async fn auth_publickey(
        &mut self,
        _user: &str,
        key: VerifiedPublicKey<'_>,
    ) -> Result<Auth, Self::Error> {
        self.fingerprint = key.public_key.fingerprint(HashAlg::Sha256).to_string();
        if let Some(peer) = self.peer
            && self.server.throttled(peer.ip())
        {
            self.log("refused: too many failed sign-ins from this address");
            return Ok(Auth::reject());
        }
        match self.server.principal_for(key.public_key) {
            Ok(Some(p)) => {
                self.principal = Some(p);
                self.log(&format!(
                    "signed in as {}",
                    self.principal.as_ref().map_or("", |p| p.role.name())
                ));
                Ok(Auth::Accept)
            }
            Ok(None) => {
                if let Some(peer) = self.peer {
                    self.server.failed(peer.ip());
                }
                self.log("refused: this key is not in access.ron at HEAD");
                Ok(Auth::reject())
            }
            Err(why) => {
                self.log(&format!("refused: {why}"));
                Ok(Auth::reject())
            }
        }
    }

    async fn channel_open_session(
        &mut self,
        channel: Channel<Msg>,
        reply: ChannelOpenHandle,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if self.principal.is_none() || self.server.hub.stopping() {
            return Ok(()); // dropping the reply rejects the channel
        }
        self.channels.insert(
            channel.id(),
            Chan {
                size: (80, 24),
                pty: false,
                running: Running::Nothing,
                rate: Rate::new(),
            },
        );
        reply.accept().await;
        Ok(())
    }

    async fn pty_request(
        &mut self,
        channel: ChannelId,
        _term: &str,
        cols: u32,
        rows: u32,
        _pw: u32,
        _ph: u32,
        _modes: &[(Pty, u32)],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        match self.channels.get_mut(&channel) {
            Some(c) => {
                c.size = clamp(cols, rows);
                c.pty = true;
                session.channel_success(channel)?;
            }
            None => session.channel_failure(channel)?,
        }
        Ok(())
    }

    async fn window_change_request(
        &mut self,
        channel: ChannelId,
        cols: u32,
        rows: u32,
        _pw: u32,
        _ph: u32,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.channels.get_mut(&channel) {
            c.size = clamp(cols, rows);
            if let Running::Ui(input) = &c.running {
                input.resize(c.size.0, c.size.1);
            }
        }
        Ok(())
    }

    async fn shell_request(
        &mut self,
        channel: ChannelId,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let pty = self.channels.get(&channel).is_some_and(|c| c.pty);
        if !pty {
            session.channel_success(channel)?;
            self.refuse(
                session,
                channel,
                "no terminal: ask for one (ssh -t HOST), or name a ripen command (ssh HOST list)",
            );
            return Ok(());
        }
        match self.start_ui(channel, session) {
            Ok(()) => session.channel_success(channel)?,
            Err(why) => {
                session.channel_success(channel)?;
                self.log(&format!("ui refused: {why}"));
                self.refuse(session, channel, &why);
            }
        }
        Ok(())
    }

    async fn exec_request(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Ok(command) = std::str::from_utf8(data) else {
            session.channel_success(channel)?;
            self.refuse(session, channel, "the command is not UTF-8");
            return Ok(());
        };
        let command = command.to_owned();
        session.channel_success(channel)?;
        if let Err(why) = self.start_command(channel, &command, session) {
            self.refuse(session, channel, &why);
        }
        Ok(())
    }

    async fn subsystem_request(
        &mut self,
        channel: ChannelId,
        name: &str,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        self.log(&format!(
            "refused subsystem {}",
            crate::text::sanitize(name)
        ));
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn x11_request(
        &mut self,
        channel: ChannelId,
        _single: bool,
        _protocol: &str,
        _cookie: &str,
        _screen: u32,
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        session.channel_failure(channel)?;
        Ok(())
    }

    async fn data(
        &mut self,
        channel: ChannelId,
        data: &[u8],
        session: &mut Session,
    ) -> Result<(), Self::Error> {
        let Some(c) = self.channels.get_mut(&channel) else {
            return Ok(());
        };
        let pass = c.rate.take(data.len());
        if c.rate.flooding() {
            self.log("closed: input far over the rate limit");
            session.close(channel)?;
            return Ok(());
        }
        let data = &data[..pass];
        match &c.running {
            Running::Ui(input) => {
                input.bytes(data);
            }
            Running::Command(stdin) => {
                let _ = stdin.send(Some(data.to_vec()));
            }
            Running::Nothing => {}
        }
        Ok(())
    }

    async fn channel_eof(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        if let Some(c) = self.channels.get_mut(&channel)
            && let Running::Command(stdin) = &c.running
        {
            let _ = stdin.send(None);
        }
        Ok(())
    }

    async fn channel_close(
        &mut self,
        channel: ChannelId,
        _session: &mut Session,
    ) -> Result<(), Self::Error> {
        // The UI's session ends; a command's input ends and the command
        // finishes on its own.
        if let Some(mut chan) = self.channels.remove(&channel) {
            hang_up(&mut chan);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_clamped() {
        assert_eq!(clamp(0, 0), (80, 24));
        assert_eq!(clamp(1, 1), (1, 1));
        assert_eq!(clamp(65535, 65535), MAX_SIZE);
        assert_eq!(clamp(120, 40), (120, 40));
    }

    #[test]
    fn input_past_the_burst_is_dropped_and_a_flood_is_noticed() {
        let mut r = Rate::new();
        assert_eq!(r.take(1000), 1000);
        let burst = INPUT_BURST as usize;
        assert!(r.take(burst) < burst);
        assert!(!r.flooding());
        for _ in 0..40 {
            r.take(64 * 1024);
        }
        assert!(r.flooding());
    }

    #[test]
    fn key_ids_match_what_clients_present() {
        let key =
            russh::keys::PrivateKey::random(&mut rand::rng(), russh::keys::Algorithm::Ed25519)
                .unwrap();
        let line = key.public_key().to_openssh().unwrap();
        let id = crate::access::KeyId::parse(&line).unwrap();
        assert_eq!(super::super::key_id(key.public_key()), Some(id));
    }
}
