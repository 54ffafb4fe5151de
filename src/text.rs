//! Safe display of untrusted text.
//!
//! Everything in a register, a branch name or a commit message is untrusted:
//! it may hold escape sequences that would recolour the screen, move the
//! cursor or retitle the window. [`sanitize`] renders every such character
//! visibly (`\u{1b}`) so that nothing but printable text reaches a terminal.

use std::borrow::Cow;

/// Whether `c` must never be written raw to a terminal.
///
/// Covers C0 and C1 control characters and DEL; every format character
/// (Unicode category `Cf`: the bidirectional overrides and isolates that
/// can make text read differently than it is stored ("Trojan Source"),
/// zero-width characters, U+FEFF, the soft hyphen, tag characters, ...);
/// the line and paragraph separators (`Zl`, `Zp`); and every other
/// default-ignorable code point (variation selectors, Hangul fillers,
/// U+034F). None of them should print as nothing, or as a line break, in
/// a column of a table.
pub fn is_unsafe(c: char) -> bool {
    // Below U+00A0 only the controls are unsafe (most text is there).
    if c < '\u{a0}' {
        return c.is_control();
    }
    c.is_control()
        || matches!(
            c,
            // Cf, Zl and Zp (Unicode 16).
            '\u{ad}'
                | '\u{600}'..='\u{605}'
                | '\u{61c}'
                | '\u{6dd}'
                | '\u{70f}'
                | '\u{890}'..='\u{891}'
                | '\u{8e2}'
                | '\u{180e}'
                | '\u{200b}'..='\u{200f}'
                | '\u{2028}'..='\u{202e}'
                | '\u{2060}'..='\u{2064}'
                | '\u{2066}'..='\u{206f}'
                | '\u{feff}'
                | '\u{fff9}'..='\u{fffb}'
                | '\u{110bd}'
                | '\u{110cd}'
                | '\u{13430}'..='\u{1343f}'
                | '\u{1bca0}'..='\u{1bca3}'
                | '\u{1d173}'..='\u{1d17a}'
                | '\u{e0001}'
                | '\u{e0020}'..='\u{e007f}'
                // Other default-ignorable code points.
                | '\u{34f}'
                | '\u{115f}'..='\u{1160}'
                | '\u{17b4}'..='\u{17b5}'
                | '\u{180b}'..='\u{180f}'
                | '\u{3164}'
                | '\u{fe00}'..='\u{fe0f}'
                | '\u{ffa0}'
                | '\u{fff0}'..='\u{fff8}'
                | '\u{e0000}'..='\u{e0fff}'
        )
}

/// Whether `c` is a control character or a bidirectional control (the
/// characters that are almost always an accident or an attack in a
/// register's text, and that validation warns about). Zero-width and other
/// format characters, common in pasted text, are escaped on display
/// ([`is_unsafe`]) without a warning.
pub fn is_control_or_bidi(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{61c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
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

/// [`sanitize`] line by line: line breaks (`\n`, and `\r\n` as one) are
/// kept, every other unsafe character is escaped. For multi-line untrusted
/// text on its way to a terminal.
pub fn sanitize_lines(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        match line.strip_suffix('\r') {
            Some(l) => {
                out.push_str(&sanitize(l));
                out.push('\r');
            }
            None => out.push_str(&sanitize(line)),
        }
    }
    out
}

/// `s` cut to at most `width` columns: whole if it fits, else a prefix and
/// `…`. A cut never falls inside a number, a date or a time (`0.9…` of
/// 0.930 would read as another value, `2026-…` of a date as a year): the
/// number is left out whole, with a sign or currency glued to it, and so is
/// the space before the ellipsis. The one cutting rule of the command line
/// and the terminal UI.
pub fn cut(s: &str, width: usize) -> String {
    use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};
    if s.width() <= width {
        return s.to_owned();
    }
    if width == 0 {
        return String::new();
    }
    // Characters that join the digits of one number, date or time.
    let joins = |c: char| matches!(c, '.' | ',' | '-' | ':' | '/');
    let mut out = String::new();
    let mut used = 0;
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        let w = c.width().unwrap_or(0);
        if used + w > width - 1 {
            let continues_number =
                c.is_ascii_digit() || (joins(c) && chars.peek().is_some_and(char::is_ascii_digit));
            if continues_number && out.ends_with(|p: char| p.is_ascii_digit() || joins(p)) {
                while out.ends_with(|p: char| p.is_ascii_digit() || joins(p)) {
                    out.pop();
                }
                while out.ends_with(['+', '$', '€', '£']) {
                    out.pop();
                }
            }
            break;
        }
        used += w;
        out.push(c);
    }
    let kept = out.trim_end().len();
    out.truncate(kept);
    // A whole number just before the cut would read as a cut one (`USD
    // 400…` of `USD 400 hosting`): it is left out too.
    let number_start = out
        .trim_end_matches(|p: char| p.is_ascii_digit() || joins(p))
        .len();
    let standalone = !out[..number_start].ends_with(char::is_alphanumeric);
    if out.ends_with(|p: char| p.is_ascii_digit()) && standalone {
        out.truncate(number_start);
        while out.ends_with(['+', '$', '€', '£']) {
            out.pop();
        }
        let kept = out.trim_end().len();
        out.truncate(kept);
    }
    out.push('…');
    out
}

/// `n` with the singular or the plural of a noun, the number with
/// thousands separators: `1 problem`, `2 problems`, `12,000 use cases`.
pub fn count(n: usize, singular: &str, plural: &str) -> String {
    if n == 1 {
        format!("1 {singular}")
    } else {
        format!("{} {plural}", thousands(n as u64))
    }
}

/// `1234567` as `1,234,567`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cut_ends_in_an_ellipsis_and_never_inside_a_number() {
        assert_eq!(cut("short", 10), "short");
        assert_eq!(cut("Northwind Group", 8), "Northwi…");
        assert_eq!(cut("below target 0.930", 18), "below target 0.930");
        assert_eq!(cut("below target 0.930", 17), "below target…");
        assert_eq!(cut("ROI USD 218,500 measured", 14), "ROI USD…");
        assert_eq!(cut("USD 670,500 a year", 10), "USD…");
        assert_eq!(cut("gain -0.015 over 3", 9), "gain…");
        assert_eq!(cut("cost $12.50 each", 9), "cost…");
        assert_eq!(cut("add measurement 2026-09-30", 22), "add measurement…");
        assert_eq!(cut("Q3 review", 2), "Q…");
        assert_eq!(cut("Q3 review", 4), "Q3…");
        assert_eq!(cut("+ USD 400 hosting", 11), "+ USD…");
        assert_eq!(cut("over 3 measurements", 7), "over…");
        assert_eq!(cut("plain words here", 10), "plain wor…");
        assert_eq!(cut("abc", 0), "");
        for w in 1..30 {
            let c = cut("accuracy 0.875 below target 0.930", w);
            assert!(c.ends_with('…'), "{c}");
            assert!(
                unicode_width::UnicodeWidthStr::width(c.as_str()) <= w,
                "{c}"
            );
            assert!(
                !c.contains("0.8…") && !c.contains("0.9…") && !c.contains("0…"),
                "{c}"
            );
        }
    }

    #[test]
    fn counts_agree_in_number_and_separate_thousands() {
        assert_eq!(count(0, "file", "files"), "0 files");
        assert_eq!(count(1, "file", "files"), "1 file");
        assert_eq!(count(2, "use case", "use cases"), "2 use cases");
        assert_eq!(count(12_000, "entry", "entries"), "12,000 entries");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

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
