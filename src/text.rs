//! Safe display of untrusted text.
//!
//! Everything in a register, a branch name or a commit message is untrusted:
//! it may hold escape sequences that would recolour the screen, move the
//! cursor or retitle the window. [`sanitize`] renders every such character
//! visibly (`\u{1b}`) so that nothing but printable text reaches a terminal.

use std::borrow::Cow;

/// Whether `c` must never be written raw to a terminal.
///
/// Covers C0 and C1 control characters, DEL, and the Unicode bidirectional
/// overrides and isolates that can make text read differently than it is
/// stored ("Trojan Source").
pub fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Renders unsafe characters of `s` as visible `\u{..}` escapes.
///
/// Newlines and tabs are escaped too (as `\n` and `\t`): callers that want
/// multi-line text split on `'\n'` first and sanitize each line.
pub fn sanitize(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if is_unsafe(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_become_visible() {
        assert_eq!(sanitize("a\u{1b}[31mred"), "a\\u{1b}[31mred");
        assert_eq!(sanitize("x\u{9b}y"), "x\\u{9b}y");
        assert_eq!(sanitize("bidi\u{202e}txt"), "bidi\\u{202e}txt");
        assert_eq!(sanitize("two\nlines\t"), "two\\nlines\\t");
    }

    #[test]
    fn printable_text_is_borrowed_unchanged() {
        assert!(matches!(
            sanitize("Café – 東京"),
            Cow::Borrowed("Café – 東京")
        ));
    }
}
