//! Reading terminal events without ever spinning on a dead terminal.
//!
//! crossterm's reader retries forever when its terminal has hung up (a
//! dropped SSH connection with no SIGHUP delivered): every read fails with
//! EIO and it loops, even inside a zero-timeout poll. So ripen never calls
//! it: it waits on the terminal itself with `poll(2)`, reads the bytes with
//! `read(2)`, and decodes them with [`super::decode::Decoder`], the same
//! decoder any other terminal's bytes go through. A hang-up or a failed
//! read ends the UI. Window size changes arrive through a SIGWINCH
//! self-pipe in the same `poll`, and terminating signals through another
//! (written by the local front end's signal thread once no save is under
//! way), so idle costs no CPU at all.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use ratatui::crossterm::event::Event;

use super::decode::{Decoder, ESC_TIMEOUT};
use super::incoming::{Incoming, InputSource};

/// The terminal's input, watched for hang-ups.
pub struct Input {
    tty: RawFd,
    /// Keeps /dev/tty open when standard input is not the terminal.
    _tty_file: Option<std::fs::File>,
    winch: UnixStream,
    /// Each byte is a terminating signal's number.
    stop: UnixStream,
    decoder: Decoder,
    queue: VecDeque<Event>,
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the terminal went away")
}

impl Input {
    /// Watches the terminal crossterm reads from: standard input when it is
    /// a terminal, else `/dev/tty`; `stop` delivers terminating signals,
    /// one byte (the signal's number) each.
    pub fn new(stop: UnixStream) -> io::Result<Input> {
        // SAFETY: isatty only inspects the descriptor.
        let (tty, file) = if unsafe { libc::isatty(0) } == 1 {
            (0, None)
        } else {
            let f = std::fs::File::open("/dev/tty")?;
            (f.as_raw_fd(), Some(f))
        };
        let (read, write) = UnixStream::pair()?;
        read.set_nonblocking(true)?;
        signal_hook::low_level::pipe::register(signal_hook::consts::SIGWINCH, write)?;
        stop.set_nonblocking(true)?;
        Ok(Input {
            tty,
            _tty_file: file,
            winch: read,
            stop,
            decoder: Decoder::new(),
            queue: VecDeque::new(),
        })
    }

    /// Polls the terminal, the resize pipe and the stop pipe for up to
    /// `timeout_ms` (-1: forever). Returns (terminal readable, resized,
    /// stop signal).
    fn wait(&self, timeout_ms: i32) -> io::Result<(bool, bool, Option<i32>)> {
        let mut fds =
            [self.tty, self.winch.as_raw_fd(), self.stop.as_raw_fd()].map(|fd| libc::pollfd {
                fd,
                events: libc::POLLIN,
                revents: 0,
            });
        loop {
            // SAFETY: fds is a valid array of three pollfd for the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 3, timeout_ms) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            // A signal first: a hang-up often comes with SIGHUP, whose
            // exit status says more than "the terminal went away".
            if fds[2].revents & libc::POLLIN != 0 {
                let mut b = [0u8; 1];
                if matches!(io::Read::read(&mut &self.stop, &mut b), Ok(1)) {
                    return Ok((false, false, Some(i32::from(b[0]))));
                }
            }
            if fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                return Err(gone());
            }
            return Ok((
                fds[0].revents & libc::POLLIN != 0,
                fds[1].revents & libc::POLLIN != 0,
                None,
            ));
        }
    }

    fn drain_winch(&mut self) {
        let mut buf = [0u8; 64];
        while matches!(io::Read::read(&mut self.winch, &mut buf), Ok(n) if n > 0) {}
    }

    /// Reads what the terminal has; an error when it is gone.
    fn read_tty(&mut self) -> io::Result<()> {
        let mut buf = [0u8; 4096];
        // SAFETY: reads into a valid buffer of that length.
        let n = unsafe { libc::read(self.tty, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            return match e.kind() {
                io::ErrorKind::Interrupted | io::ErrorKind::WouldBlock => Ok(()),
                _ => Err(gone()),
            };
        }
        if n == 0 {
            return Err(gone());
        }
        let events = self.decoder.feed(&buf[..n as usize]);
        self.queue.extend(events);
        Ok(())
    }
}

impl InputSource for Input {
    fn next(&mut self, timeout: Option<std::time::Duration>) -> io::Result<Option<Incoming>> {
        let deadline = timeout.map(|t| std::time::Instant::now() + t);
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Ok(Some(Incoming::Event(e)));
            }
            let left = deadline.map(|d| {
                let ms = d
                    .saturating_duration_since(std::time::Instant::now())
                    .as_millis();
                i32::try_from(ms).unwrap_or(i32::MAX)
            });
            // A lone Esc waits briefly for the rest of a sequence.
            let esc = self
                .decoder
                .is_pending()
                .then(|| ESC_TIMEOUT.as_millis() as i32);
            let timeout_ms = match (left, esc) {
                (Some(l), Some(e)) => l.min(e),
                (l, e) => l.or(e).unwrap_or(-1),
            };
            let (readable, resized, stop) = self.wait(timeout_ms)?;
            if let Some(sig) = stop {
                return Ok(Some(Incoming::Stop(sig)));
            }
            if resized {
                self.drain_winch();
                let (w, h) = ratatui::crossterm::terminal::size()?;
                return Ok(Some(Incoming::Event(Event::Resize(w, h))));
            }
            if readable {
                self.read_tty()?;
            } else if self.decoder.is_pending() {
                let events = self.decoder.flush();
                self.queue.extend(events);
            } else if left.is_some() {
                return Ok(None);
            }
        }
    }
}
