//! Reading terminal events without ever spinning on a dead terminal.
//!
//! crossterm's reader retries forever when its terminal has hung up (a
//! dropped SSH connection with no SIGHUP delivered): every read fails with
//! EIO and it loops, even inside a zero-timeout poll. So ripen never calls
//! it: it waits on the terminal itself with `poll(2)`, reads the bytes with
//! `read(2)`, and decodes them with [`super::decode::Decoder`], the same
//! decoder any other terminal's bytes go through. A hang-up or a failed
//! read ends the UI. Window size changes arrive through a SIGWINCH
//! self-pipe in the same `poll`, so idle costs no CPU at all.

use std::collections::VecDeque;
use std::io;
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::net::UnixStream;

use ratatui::crossterm::event::Event;

use super::decode::{Decoder, ESC_TIMEOUT};

/// The terminal's input, watched for hang-ups.
pub struct Input {
    tty: RawFd,
    /// Keeps /dev/tty open when standard input is not the terminal.
    _tty_file: Option<std::fs::File>,
    winch: UnixStream,
    decoder: Decoder,
    queue: VecDeque<Event>,
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
            decoder: Decoder::new(),
            queue: VecDeque::new(),
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

    /// The next event; an error when the terminal is gone.
    pub fn next(&mut self) -> io::Result<Event> {
        loop {
            if let Some(e) = self.queue.pop_front() {
                return Ok(e);
            }
            // A lone Esc waits briefly for the rest of a sequence.
            let timeout = if self.decoder.is_pending() {
                ESC_TIMEOUT.as_millis() as i32
            } else {
                -1
            };
            let (readable, resized) = self.wait(timeout)?;
            if resized {
                self.drain_winch();
                let (w, h) = ratatui::crossterm::terminal::size()?;
                return Ok(Event::Resize(w, h));
            }
            if readable {
                self.read_tty()?;
            } else if self.decoder.is_pending() {
                let events = self.decoder.flush();
                self.queue.extend(events);
            }
        }
    }
}
