//! Turning the bytes a terminal sends into key events, for any terminal:
//! the process's own or a remote one whose bytes arrive in packets.
//!
//! A maintained parser (`termina`'s, the helix project's) does the work;
//! this wrapper keeps a sequence split across reads until its end arrives,
//! turns a lone Esc into a key once no more bytes follow
//! ([`Decoder::flush`] after [`ESC_TIMEOUT`]), bounds what an unfinished
//! sequence may hold, and hands the UI the event type it already handles.

use std::time::Duration;

use ratatui::crossterm::event::{
    Event, KeyCode, KeyEvent, KeyEventKind, KeyEventState, KeyModifiers,
};

/// How long a lone Esc waits for the rest of a sequence before it counts
/// as the Esc key (the same order as tmux's default escape-time of 10 ms
/// for local input, long enough for a sequence split across SSH packets).
pub const ESC_TIMEOUT: Duration = Duration::from_millis(30);

/// Bytes of an unfinished sequence after which it is dropped as garbage:
/// real key sequences are a few bytes, and the parser re-reads a pending
/// sequence on every byte, so an unbounded one would cost quadratic time.
const MAX_PENDING: usize = 256;

/// A stateful decoder from terminal bytes to events.
#[derive(Debug, Default)]
pub struct Decoder {
    parser: termina::Parser,
    /// Bytes fed since the parser last produced an event: an upper bound
    /// of what it holds of an unfinished sequence.
    pending: usize,
}

impl Decoder {
    /// A decoder with nothing pending.
    pub fn new() -> Decoder {
        Decoder::default()
    }

    /// Feeds bytes that may end inside a sequence, and returns the events
    /// they complete.
    pub fn feed(&mut self, bytes: &[u8]) -> Vec<Event> {
        let mut events = Vec::new();
        // Fed in slices, so that a flood without events is cut off early.
        for chunk in bytes.chunks(MAX_PENDING) {
            self.parser.parse(chunk, true);
            let before = events.len();
            self.drain(&mut events);
            if events.len() > before {
                // Something completed: at most the chunk's tail is pending.
                self.pending = chunk.len().min(MAX_PENDING);
            } else {
                self.pending += chunk.len();
            }
            if self.pending >= MAX_PENDING {
                events.extend(self.flush());
            }
        }
        events
    }

    /// Whether an unfinished sequence (or a lone Esc) may be waiting for
    /// more bytes; [`Decoder::flush`] resolves it.
    pub fn is_pending(&self) -> bool {
        self.pending > 0
    }

    /// No more bytes came: resolves what is pending (a lone Esc becomes
    /// the Esc key, an unfinished sequence is dropped).
    pub fn flush(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        self.parser.parse(&[], false);
        self.drain(&mut events);
        // The parser keeps an unfinished sequence even when told nothing
        // follows: start afresh, so that it is dropped.
        self.parser = termina::Parser::default();
        self.pending = 0;
        events
    }

    fn drain(&mut self, events: &mut Vec<Event>) {
        while let Some(e) = self.parser.pop() {
            if let Some(e) = convert(e) {
                events.push(e);
            }
        }
    }
}

/// The UI's event for one of the parser's, if the UI has any use for it.
fn convert(e: termina::Event) -> Option<Event> {
    match e {
        termina::Event::Key(k) => key(k).map(Event::Key),
        termina::Event::Paste(s) => Some(Event::Paste(s)),
        termina::Event::WindowResized(size) => Some(Event::Resize(size.cols, size.rows)),
        termina::Event::FocusIn => Some(Event::FocusGained),
        termina::Event::FocusOut => Some(Event::FocusLost),
        // Mouse reporting is never turned on; replies to queries are never asked for.
        termina::Event::Mouse(_)
        | termina::Event::Csi(_)
        | termina::Event::Osc(_)
        | termina::Event::Dcs(_) => None,
    }
}

fn key(k: termina::event::KeyEvent) -> Option<KeyEvent> {
    use termina::event::KeyCode as T;
    let code = match k.code {
        T::Char(c) => KeyCode::Char(c),
        T::Enter => KeyCode::Enter,
        T::Backspace => KeyCode::Backspace,
        T::Tab => KeyCode::Tab,
        T::BackTab => KeyCode::BackTab,
        T::Escape => KeyCode::Esc,
        T::Left => KeyCode::Left,
        T::Right => KeyCode::Right,
        T::Up => KeyCode::Up,
        T::Down => KeyCode::Down,
        T::Home => KeyCode::Home,
        T::End => KeyCode::End,
        T::PageUp => KeyCode::PageUp,
        T::PageDown => KeyCode::PageDown,
        T::Insert => KeyCode::Insert,
        T::Delete => KeyCode::Delete,
        T::Function(n) => KeyCode::F(n),
        T::Null => KeyCode::Null,
        T::KeypadBegin => KeyCode::KeypadBegin,
        T::CapsLock => KeyCode::CapsLock,
        T::ScrollLock => KeyCode::ScrollLock,
        T::NumLock => KeyCode::NumLock,
        T::PrintScreen => KeyCode::PrintScreen,
        T::Pause => KeyCode::Pause,
        T::Menu => KeyCode::Menu,
        T::Modifier(_) | T::Media(_) => return None,
    };
    let m = k.modifiers;
    let mut modifiers = KeyModifiers::NONE;
    for (from, to) in [
        (termina::event::Modifiers::SHIFT, KeyModifiers::SHIFT),
        (termina::event::Modifiers::ALT, KeyModifiers::ALT),
        (termina::event::Modifiers::CONTROL, KeyModifiers::CONTROL),
        (termina::event::Modifiers::SUPER, KeyModifiers::SUPER),
        (termina::event::Modifiers::HYPER, KeyModifiers::HYPER),
        (termina::event::Modifiers::META, KeyModifiers::META),
    ] {
        if m.contains(from) {
            modifiers |= to;
        }
    }
    let kind = match k.kind {
        termina::event::KeyEventKind::Press => KeyEventKind::Press,
        termina::event::KeyEventKind::Repeat => KeyEventKind::Repeat,
        termina::event::KeyEventKind::Release => KeyEventKind::Release,
    };
    Some(KeyEvent {
        code,
        modifiers,
        kind,
        state: KeyEventState::NONE,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn codes(events: &[Event]) -> Vec<(KeyCode, KeyModifiers)> {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Key(k) => Some((k.code, k.modifiers)),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn plain_keys_and_enter() {
        let mut d = Decoder::new();
        let keys = codes(&d.feed(b"q>\r"));
        assert_eq!(
            keys,
            vec![
                (KeyCode::Char('q'), KeyModifiers::NONE),
                (KeyCode::Char('>'), KeyModifiers::NONE),
                (KeyCode::Enter, KeyModifiers::NONE)
            ]
        );
    }

    #[test]
    fn a_sequence_split_across_reads_is_one_key() {
        let mut d = Decoder::new();
        assert!(d.feed(b"\x1b[").is_empty());
        assert!(d.is_pending());
        assert_eq!(
            codes(&d.feed(b"A")),
            vec![(KeyCode::Up, KeyModifiers::NONE)]
        );
        assert!(d.feed(b"\x1b[5").is_empty());
        assert_eq!(
            codes(&d.feed(b"~")),
            vec![(KeyCode::PageUp, KeyModifiers::NONE)]
        );
    }

    #[test]
    fn a_lone_esc_is_the_esc_key_once_nothing_follows() {
        let mut d = Decoder::new();
        assert!(d.feed(b"\x1b").is_empty(), "it may start a sequence");
        assert!(d.is_pending());
        assert_eq!(codes(&d.flush()), vec![(KeyCode::Esc, KeyModifiers::NONE)]);
        assert!(!d.is_pending());
        assert!(d.flush().is_empty(), "nothing twice");
    }

    #[test]
    fn a_character_split_inside_its_utf8_bytes_arrives_whole() {
        let mut d = Decoder::new();
        let bytes = "é".as_bytes();
        assert!(d.feed(&bytes[..1]).is_empty());
        assert_eq!(
            codes(&d.feed(&bytes[1..])),
            vec![(KeyCode::Char('é'), KeyModifiers::NONE)]
        );
    }

    #[test]
    fn control_keys_carry_their_modifier() {
        let mut d = Decoder::new();
        assert_eq!(
            codes(&d.feed(b"\x03")),
            vec![(KeyCode::Char('c'), KeyModifiers::CONTROL)]
        );
    }

    #[test]
    fn an_endless_sequence_is_dropped_and_typing_goes_on() {
        let mut d = Decoder::new();
        let mut flood = b"\x1b[".to_vec();
        flood.extend(std::iter::repeat_n(b'1', 1_000_000));
        // Bounded work: the flood is cut off in slices, never re-read whole.
        let _ = d.feed(&flood);
        let _ = d.flush();
        assert_eq!(
            codes(&d.feed(b"q")),
            vec![(KeyCode::Char('q'), KeyModifiers::NONE)]
        );
    }
}
