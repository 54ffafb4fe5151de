//! Reading terminal events without ever spinning on a dead terminal.
//!
//! crossterm's reader retries forever when its terminal has hung up (a
//! dropped SSH connection with no SIGHUP delivered): every read fails with
//! EIO and it loops. So ripen waits on the terminal itself with `poll(2)`
//! and asks crossterm for an event only when the terminal is alive and has
//! input; a hang-up ends the UI. Window size changes arrive through a
//! SIGWINCH self-pipe in the same `poll`, so idle costs no CPU at all.

use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;
use std::time::Duration;

use ratatui::crossterm::event::{self, Event};

/// The terminal's input, watched for hang-ups.
pub struct Input {
    tty: RawFd,
    /// Keeps /dev/tty open when standard input is not the terminal.
    _tty_file: Option<std::fs::File>,
    winch: UnixStream,
}

fn gone() -> io::Error {
    io::Error::new(io::ErrorKind::BrokenPipe, "the terminal went away")
}

impl Input {
    /// Watches the terminal crossterm reads from: standard input when it is
    /// a terminal, else `/dev/tty`.
    pub fn new() -> io::Result<Input> {
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
        Ok(Input {
            tty,
            _tty_file: file,
            winch: read,
        })
    }

    /// Polls the terminal (and the resize pipe) for up to `timeout_ms`
    /// (-1: forever). Returns (terminal readable, resized).
    fn wait(&self, timeout_ms: i32) -> io::Result<(bool, bool)> {
        let mut fds = [
            libc::pollfd {
                fd: self.tty,
                events: libc::POLLIN,
                revents: 0,
            },
            libc::pollfd {
                fd: self.winch.as_raw_fd(),
                events: libc::POLLIN,
                revents: 0,
            },
        ];
        loop {
            // SAFETY: fds is a valid array of two pollfd for the call.
            let n = unsafe { libc::poll(fds.as_mut_ptr(), 2, timeout_ms) };
            if n < 0 {
                let e = io::Error::last_os_error();
                if e.kind() == io::ErrorKind::Interrupted {
                    continue;
                }
                return Err(e);
            }
            if fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
                return Err(gone());
            }
            return Ok((
                fds[0].revents & libc::POLLIN != 0,
                fds[1].revents & libc::POLLIN != 0,
            ));
        }
    }

    fn drain_winch(&mut self) {
        let mut buf = [0u8; 64];
        while matches!(io::Read::read(&mut self.winch, &mut buf), Ok(n) if n > 0) {}
    }

    /// The next event; an error when the terminal is gone.
    pub fn next(&mut self) -> io::Result<Event> {
        loop {
            // Events crossterm already parsed come first; ask only while
            // the terminal is alive.
            self.wait(0)?;
            if event::poll(Duration::ZERO)? {
                return event::read();
            }
            let (readable, resized) = self.wait(-1)?;
            if resized {
                self.drain_winch();
                let (w, h) = ratatui::crossterm::terminal::size()?;
                return Ok(Event::Resize(w, h));
            }
            if readable {
                return event::read();
            }
        }
    }
}
