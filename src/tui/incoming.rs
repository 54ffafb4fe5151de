//! Where a session's input comes from: the process's own terminal, or
//! bytes pushed from elsewhere (an SSH channel), decoded the same way.
//!
//! An [`InputSource`] hands the session [`Incoming`] values: terminal
//! events (keys, resizes) and requests to stop (a terminating signal).
//! [`byte_input`] makes a source fed through a [`ByteSender`]: the sender
//! pushes raw terminal bytes, window sizes and stops from any thread, and
//! the source decodes the bytes with [`super::decode::Decoder`], keeping
//! sequences split across packets and resolving a lone Esc after
//! [`super::decode::ESC_TIMEOUT`].

use std::collections::VecDeque;
use std::io;
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::{Duration, Instant};

use ratatui::crossterm::event::Event;

use super::decode::{Decoder, ESC_TIMEOUT};

/// One input for the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Incoming {
    /// A terminal event: a key, a paste, a new window size.
    Event(Event),
    /// Leave the loop (after any save in progress), because of this signal.
    Stop(i32),
    /// The chair of the open review, `by` (their name), looks at agenda
    /// item `item`: a session that follows the chair goes there too.
    Focus {
        /// The agenda item (a use case's id or a proposal's branch).
        item: String,
        /// The chair's name.
        by: String,
    },
    /// The branch moved to commit `head` (full hex id), as `notice` words
    /// it: show the register at that commit, keeping the selection.
    Moved {
        /// The new commit.
        head: String,
        /// What to tell the user, e.g. `main moved: Ada: claims-triage: stage ...`.
        notice: String,
    },
}

/// A source of input for a session.
pub trait InputSource {
    /// Waits up to `timeout` (`None`: until something comes) for the next
    /// input; `Ok(None)` when the time ran out; an error when the input
    /// is gone (a hung-up terminal, a closed connection).
    fn next(&mut self, timeout: Option<Duration>) -> io::Result<Option<Incoming>>;
}

/// What a [`ByteSender`] pushes.
enum Fed {
    Bytes(Vec<u8>),
    Resize(u16, u16),
    Stop(i32),
    Moved(String, String),
    Focus(String, String),
}

/// The pushing end of a [`ByteInput`]; cheap to clone, usable from any
/// thread. Every method returns false once the session is gone.
#[derive(Clone)]
pub struct ByteSender {
    tx: Sender<Fed>,
}

impl ByteSender {
    /// Raw bytes as the terminal sent them (any split).
    pub fn bytes(&self, bytes: &[u8]) -> bool {
        self.tx.send(Fed::Bytes(bytes.to_vec())).is_ok()
    }

    /// The terminal's new size.
    pub fn resize(&self, width: u16, height: u16) -> bool {
        self.tx.send(Fed::Resize(width, height)).is_ok()
    }

    /// Tells the session its branch moved to `head`, worded `notice`.
    pub fn moved(&self, head: &str, notice: &str) -> bool {
        self.tx
            .send(Fed::Moved(head.to_owned(), notice.to_owned()))
            .is_ok()
    }

    /// Tells the session that the review's chair, `by`, looks at `item`.
    pub fn focus(&self, item: &str, by: &str) -> bool {
        self.tx
            .send(Fed::Focus(item.to_owned(), by.to_owned()))
            .is_ok()
    }

    /// Asks the session to stop, as `signal` would.
    pub fn stop(&self, signal: i32) -> bool {
        self.tx.send(Fed::Stop(signal)).is_ok()
    }
}

/// Input decoded from bytes pushed through a [`ByteSender`]. Dropping
/// every sender closes it: the session then ends as on a hung-up terminal.
pub struct ByteInput {
    rx: Receiver<Fed>,
    decoder: Decoder,
    queue: VecDeque<Incoming>,
    /// When the decoder started to hold an unfinished sequence.
    pending_since: Option<Instant>,
}

/// A byte-fed input and the sender that feeds it.
pub fn byte_input() -> (ByteSender, ByteInput) {
    let (tx, rx) = channel();
    (
        ByteSender { tx },
        ByteInput {
            rx,
            decoder: Decoder::new(),
            queue: VecDeque::new(),
            pending_since: None,
        },
    )
}

impl ByteInput {
    fn take(&mut self, fed: Fed) {
        match fed {
            Fed::Bytes(b) => {
                let events = self.decoder.feed(&b);
                self.queue.extend(events.into_iter().map(Incoming::Event));
                self.pending_since = match (self.decoder.is_pending(), self.pending_since) {
                    (false, _) => None,
                    (true, Some(t)) if self.queue.is_empty() => Some(t),
                    (true, _) => Some(Instant::now()),
                };
            }
            Fed::Resize(w, h) => self.queue.push_back(Incoming::Event(Event::Resize(w, h))),
            Fed::Stop(sig) => self.queue.push_back(Incoming::Stop(sig)),
            Fed::Moved(head, notice) => self.queue.push_back(Incoming::Moved { head, notice }),
            Fed::Focus(item, by) => self.queue.push_back(Incoming::Focus { item, by }),
        }
    }

    fn flush(&mut self) {
        let events = self.decoder.flush();
        self.queue.extend(events.into_iter().map(Incoming::Event));
        self.pending_since = None;
    }
}

impl InputSource for ByteInput {
    fn next(&mut self, timeout: Option<Duration>) -> io::Result<Option<Incoming>> {
        let deadline = timeout.map(|t| Instant::now() + t);
        loop {
            if let Some(i) = self.queue.pop_front() {
                return Ok(Some(i));
            }
            let now = Instant::now();
            // A lone Esc (or a split sequence) waits for the rest briefly.
            let esc_at = self.pending_since.map(|t| t + ESC_TIMEOUT);
            let until = match (deadline, esc_at) {
                (Some(d), Some(e)) => Some(d.min(e)),
                (d, e) => d.or(e),
            };
            let got = match until {
                None => self.rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
                Some(u) => self.rx.recv_timeout(u.saturating_duration_since(now)),
            };
            match got {
                Ok(fed) => self.take(fed),
                Err(RecvTimeoutError::Timeout) => {
                    if esc_at.is_some_and(|e| Instant::now() >= e) {
                        self.flush();
                    } else if deadline.is_some_and(|d| Instant::now() >= d) {
                        return Ok(None);
                    }
                }
                Err(RecvTimeoutError::Disconnected) => {
                    if self.decoder.is_pending() {
                        self.flush();
                        if !self.queue.is_empty() {
                            continue;
                        }
                    }
                    return Err(io::Error::new(
                        io::ErrorKind::BrokenPipe,
                        "the connection closed",
                    ));
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn key(code: KeyCode) -> Incoming {
        Incoming::Event(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)))
    }

    fn all(input: &mut ByteInput) -> Vec<Incoming> {
        let mut out = Vec::new();
        while let Ok(Some(i)) = input.next(Some(Duration::from_millis(100))) {
            out.push(i);
        }
        out
    }

    #[test]
    fn a_sequence_split_across_packets_is_one_key() {
        for split in 1..3 {
            let (tx, mut input) = byte_input();
            let seq = b"\x1b[A";
            tx.bytes(&seq[..split]);
            tx.bytes(&seq[split..]);
            tx.bytes(b"q");
            assert_eq!(
                all(&mut input),
                vec![key(KeyCode::Up), key(KeyCode::Char('q'))]
            );
        }
    }

    #[test]
    fn a_lone_esc_becomes_the_esc_key_after_a_pause() {
        let (tx, mut input) = byte_input();
        tx.bytes(b"\x1b");
        let got = input.next(Some(Duration::from_secs(5))).unwrap();
        assert_eq!(got, Some(key(KeyCode::Esc)));
    }

    #[test]
    fn resizes_and_stops_arrive_in_order_with_keys() {
        let (tx, mut input) = byte_input();
        tx.bytes(b"j");
        tx.resize(100, 30);
        tx.stop(15);
        assert_eq!(
            all(&mut input),
            vec![
                key(KeyCode::Char('j')),
                Incoming::Event(Event::Resize(100, 30)),
                Incoming::Stop(15)
            ]
        );
    }

    #[test]
    fn a_closed_sender_ends_the_input_after_what_it_sent() {
        let (tx, mut input) = byte_input();
        tx.bytes(b"x\x1b");
        drop(tx);
        assert_eq!(input.next(None).unwrap(), Some(key(KeyCode::Char('x'))));
        assert_eq!(input.next(None).unwrap(), Some(key(KeyCode::Esc)));
        let err = input.next(None).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::BrokenPipe);
    }

    #[test]
    fn nothing_sent_times_out() {
        let (_tx, mut input) = byte_input();
        assert_eq!(input.next(Some(Duration::from_millis(20))).unwrap(), None);
    }
}
