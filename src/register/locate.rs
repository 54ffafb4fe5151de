//! Finds where a field of a parsed RON document stands in its text.
//!
//! Semantic checks run on values, which carry no positions; this scanner maps
//! a field path like `measurements[2].accuracy` back to a line and column. It
//! is iterative (no recursion), so no input can overflow the stack.

use std::collections::HashMap;

/// One step of a path into a RON value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seg {
    /// A named field of a struct or struct-like enum variant.
    Field(&'static str),
    /// An element of a list.
    Index(usize),
}

/// A 1-based line and column (in characters).
pub type Position = (usize, usize);

struct Cursor<'a> {
    b: &'a [u8],
    i: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.b.get(self.i).copied()
    }

    /// Skips white space and (nested) comments.
    fn trivia(&mut self) {
        loop {
            match self.peek() {
                Some(c) if c.is_ascii_whitespace() => self.i += 1,
                Some(b'/') if self.b.get(self.i + 1) == Some(&b'/') => {
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.i += 1;
                    }
                }
                Some(b'/') if self.b.get(self.i + 1) == Some(&b'*') => {
                    self.i += 2;
                    let mut depth = 1usize;
                    while depth > 0 && self.i < self.b.len() {
                        if self.b[self.i..].starts_with(b"/*") {
                            depth += 1;
                            self.i += 2;
                        } else if self.b[self.i..].starts_with(b"*/") {
                            depth -= 1;
                            self.i += 2;
                        } else {
                            self.i += 1;
                        }
                    }
                }
                _ => return,
            }
        }
    }

    fn ident(&mut self) -> &[u8] {
        let start = self.i;
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == b'_' || c >= 0x80 {
                self.i += 1;
            } else {
                break;
            }
        }
        &self.b[start..self.i]
    }

    /// Skips a string, raw string or char literal starting at the cursor.
    fn literal(&mut self) -> bool {
        let rest = &self.b[self.i..];
        let raw = rest.starts_with(b"r\"")
            || rest.starts_with(b"r#")
            || rest.starts_with(b"br\"")
            || rest.starts_with(b"br#");
        if raw {
            self.i += if rest[0] == b'b' { 2 } else { 1 };
            let mut hashes = 0;
            while self.peek() == Some(b'#') {
                hashes += 1;
                self.i += 1;
            }
            if self.peek() != Some(b'"') {
                return true;
            }
            self.i += 1;
            while self.i < self.b.len() {
                if self.b[self.i] == b'"'
                    && self.b[self.i + 1..]
                        .iter()
                        .take(hashes)
                        .filter(|&&c| c == b'#')
                        .count()
                        == hashes
                {
                    self.i += 1 + hashes;
                    return true;
                }
                self.i += 1;
            }
            return true;
        }
        let quote = match rest.first() {
            Some(b'b') if rest.get(1) == Some(&b'"') => {
                self.i += 1;
                b'"'
            }
            Some(&q @ (b'"' | b'\'')) => q,
            _ => return false,
        };
        self.i += 1;
        while let Some(c) = self.peek() {
            self.i += 1;
            if c == b'\\' {
                self.i += 1;
            } else if c == quote {
                break;
            }
        }
        true
    }

    /// Skips one value, stopping before the `,` or closing bracket that ends it.
    fn skip_value(&mut self) {
        let mut depth = 0usize;
        loop {
            self.trivia();
            let Some(c) = self.peek() else { return };
            match c {
                b'(' | b'[' | b'{' => {
                    depth += 1;
                    self.i += 1;
                }
                b')' | b']' | b'}' => {
                    if depth == 0 {
                        return;
                    }
                    depth -= 1;
                    self.i += 1;
                }
                b',' if depth == 0 => return,
                _ => {
                    if !self.literal() {
                        self.i += 1;
                    }
                }
            }
        }
    }
}

/// Where the value at `path` starts in `src`; the closest enclosing value
/// when the path is not found; `(1, 1)` at worst.
pub fn locate(src: &str, path: &[Seg]) -> Position {
    locate_all(src, &[path])[0]
}

/// [`locate`] for many paths of one text at once, in linear time overall:
/// each bracketed value is scanned at most once, however many paths point
/// into it, and the lines and columns are counted in one sweep. A file with
/// thousands of findings (a long list of measurements out of date order)
/// would otherwise be scanned from its start once per finding.
pub fn locate_all(src: &str, paths: &[&[Seg]]) -> Vec<Position> {
    let mut index = Index {
        b: src.as_bytes(),
        containers: HashMap::new(),
    };
    let offsets: Vec<usize> = paths.iter().map(|p| index.offset(p)).collect();
    positions_of(src, &offsets)
}

/// The entries of one bracketed value, found so far.
#[derive(Default)]
struct Container {
    /// The start of each entry's value, in order.
    values: Vec<usize>,
    /// The first entry of each field name (`name: value`).
    fields: HashMap<Vec<u8>, usize>,
    /// Where scanning resumes.
    resume: usize,
    /// Whether the closing bracket (or the end of the text) was reached.
    done: bool,
}

/// The entries of the bracketed values of a text, scanned lazily.
struct Index<'a> {
    b: &'a [u8],
    /// By the offset just after the opening bracket.
    containers: HashMap<usize, Container>,
}

impl Index<'_> {
    fn offset(&mut self, path: &[Seg]) -> usize {
        let mut c = Cursor { b: self.b, i: 0 };
        c.trivia();
        // Skip an attribute header such as #![enable(...)]; such files are refused anyway.
        let mut best = c.i;
        for seg in path {
            c.trivia();
            // An optional struct or variant name before the opening bracket.
            if c.peek()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            {
                c.ident();
                c.trivia();
            }
            let Some(open) = c.peek() else { return best };
            if open != b'(' && open != b'[' {
                return best;
            }
            let Some(found) = self.entry(c.i + 1, seg) else {
                return best;
            };
            c.i = found;
            best = found;
        }
        best
    }

    /// The start of the value `seg` names in the container whose entries
    /// start at `start`, scanning only as far as needed, once.
    fn entry(&mut self, start: usize, seg: &Seg) -> Option<usize> {
        let b = self.b;
        let container = self.containers.entry(start).or_insert_with(|| Container {
            resume: start,
            ..Container::default()
        });
        let known = |k: &Container| match seg {
            Seg::Field(want) => k.fields.get(want.as_bytes()).copied(),
            Seg::Index(want) => k.values.get(*want).copied(),
        };
        if let Some(at) = known(container) {
            return Some(at);
        }
        let mut c = Cursor {
            b,
            i: container.resume,
        };
        while !container.done {
            c.trivia();
            if matches!(c.peek(), None | Some(b')' | b']')) {
                container.done = true;
                break;
            }
            let entry = c.i;
            let name = c.ident().to_vec();
            c.trivia();
            if !name.is_empty() && c.peek() == Some(b':') {
                c.i += 1;
                c.trivia();
                container.fields.entry(name).or_insert(c.i);
            } else {
                c.i = entry;
            }
            container.values.push(entry);
            c.skip_value();
            if c.peek() == Some(b',') {
                c.i += 1;
            } else if c.peek().is_none() || c.i == entry {
                container.done = true;
            }
            container.resume = c.i;
            if let Some(at) = known(container) {
                return Some(at);
            }
        }
        None
    }
}

/// The byte offset of a 1-based line and column (in characters) of `src`,
/// clamped to the end of that line and of the text.
pub(super) fn offset_of(src: &str, pos: Position) -> usize {
    let (line, column) = pos;
    let mut start = 0;
    for _ in 1..line {
        match src[start..].find('\n') {
            Some(i) => start += i + 1,
            None => return src.len(),
        }
    }
    let mut offset = start;
    for c in src[start..].chars().take(column.saturating_sub(1)) {
        if c == '\n' {
            break;
        }
        offset += c.len_utf8();
    }
    offset
}

/// The offset of the first character at or after `from` that is neither
/// white space nor part of a comment (`src.len()` if there is none).
pub(super) fn skip_trivia(src: &str, from: usize) -> usize {
    let mut c = Cursor {
        b: src.as_bytes(),
        i: from.min(src.len()),
    };
    c.trivia();
    c.i.min(src.len())
}

impl Cursor<'_> {
    /// Skips one token that is not trivia: a literal, a name or a character.
    fn token(&mut self) {
        if self.literal() {
            return;
        }
        if self
            .peek()
            .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            self.ident();
            return;
        }
        self.i += 1;
        // Stay on a character boundary.
        while self.peek().is_some_and(|b| b & 0xC0 == 0x80) {
            self.i += 1;
        }
    }
}

/// The offset just past the token that starts at `at`.
pub(super) fn next_token(src: &str, at: usize) -> usize {
    let mut c = Cursor {
        b: src.as_bytes(),
        i: at,
    };
    c.token();
    c.i.clamp(at + 1, src.len())
}

/// The offset just past the last token that ends at or before `before`
/// (0 when there is none): where a missing `,` belongs.
pub(super) fn previous_token_end(src: &str, before: usize) -> usize {
    let mut c = Cursor {
        b: src.as_bytes(),
        i: 0,
    };
    let mut end = 0;
    loop {
        c.trivia();
        if c.i >= before {
            return end;
        }
        c.token();
        if c.i > before {
            return end;
        }
        end = c.i;
    }
}

/// The offset of the innermost `(` or `[` that is never closed, if any.
pub(super) fn unclosed_bracket(src: &str) -> Option<usize> {
    let mut c = Cursor {
        b: src.as_bytes(),
        i: 0,
    };
    let mut open = Vec::new();
    loop {
        c.trivia();
        match c.peek() {
            None => return open.last().copied(),
            Some(b'(' | b'[' | b'{') => {
                open.push(c.i);
                c.i += 1;
            }
            Some(b')' | b']' | b'}') => {
                open.pop();
                c.i += 1;
            }
            Some(_) => c.token(),
        }
    }
}

/// The line and column of a byte offset in `src`.
pub fn position_of(src: &str, offset: usize) -> Position {
    positions_of(src, &[offset])[0]
}

/// The line and column of each byte offset in `src` (in any order), in one
/// sweep over the text.
pub fn positions_of(src: &str, offsets: &[usize]) -> Vec<Position> {
    let mut order: Vec<usize> = (0..offsets.len()).collect();
    order.sort_by_key(|&k| offsets[k]);
    let mut out = vec![(1, 1); offsets.len()];
    let (mut line, mut column) = (1usize, 1usize);
    let mut chars = src.char_indices().peekable();
    for k in order {
        let target = offsets[k].min(src.len());
        while let Some(&(i, ch)) = chars.peek() {
            if i >= target || i + ch.len_utf8() > target {
                break;
            }
            chars.next();
            if ch == '\n' {
                line += 1;
                column = 1;
            } else {
                column += 1;
            }
        }
        out[k] = (line, column);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = "// head\nUseCase(\n    title: \"a, (b)\",\n    profile: (daily_volume: 3),\n    measurements: [\n        (date: \"x\", accuracy: 0.5),\n        (date: \"y\", /* ) */ accuracy: 1.5),\n    ],\n)\n";

    #[test]
    fn finds_nested_fields_and_list_elements() {
        assert_eq!(locate(SRC, &[Seg::Field("title")]), (3, 12));
        assert_eq!(
            locate(SRC, &[Seg::Field("profile"), Seg::Field("daily_volume")]),
            (4, 29)
        );
        assert_eq!(
            locate(
                SRC,
                &[
                    Seg::Field("measurements"),
                    Seg::Index(1),
                    Seg::Field("accuracy")
                ]
            ),
            (7, 39)
        );
    }

    #[test]
    fn missing_path_falls_back_to_the_closest_value() {
        assert_eq!(
            locate(SRC, &[Seg::Field("measurements"), Seg::Index(9)]),
            (5, 19)
        );
        assert_eq!(locate("", &[Seg::Field("x")]), (1, 1));
        assert_eq!(locate("((((", &[Seg::Index(0), Seg::Index(3)]), (1, 2));
    }

    /// The scanner this module had before it indexed each text once:
    /// every path scanned from the start. The indexed one must agree.
    fn naive_offset(src: &str, path: &[Seg]) -> usize {
        let mut c = Cursor {
            b: src.as_bytes(),
            i: 0,
        };
        c.trivia();
        // Skip an attribute header such as #![enable(...)]; such files are refused anyway.
        let mut best = c.i;
        for seg in path {
            c.trivia();
            // An optional struct or variant name before the opening bracket.
            if c.peek()
                .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_')
            {
                c.ident();
                c.trivia();
            }
            let Some(open) = c.peek() else { return best };
            if open != b'(' && open != b'[' {
                return best;
            }
            c.i += 1;
            let mut index = 0usize;
            let found = loop {
                c.trivia();
                match c.peek() {
                    None | Some(b')' | b']') => break false,
                    _ => {}
                }
                let entry = c.i;
                let name_matches = match seg {
                    Seg::Field(want) => {
                        let name = c.ident();
                        let name_ok = name == want.as_bytes();
                        c.trivia();
                        if c.peek() == Some(b':') {
                            c.i += 1;
                            c.trivia();
                            name_ok
                        } else {
                            c.i = entry;
                            false
                        }
                    }
                    Seg::Index(want) => *want == index,
                };
                if name_matches {
                    break true;
                }
                c.skip_value();
                if c.peek() == Some(b',') {
                    c.i += 1;
                } else if c.peek().is_none() || c.i == entry {
                    break false;
                }
                index += 1;
            };
            if !found {
                return best;
            }
            best = c.i;
        }
        best
    }

    fn naive_position_of(src: &str, offset: usize) -> Position {
        let mut offset = offset.min(src.len());
        while !src.is_char_boundary(offset) {
            offset -= 1;
        }
        let before = &src[..offset];
        let line = before.matches('\n').count() + 1;
        let line_start = before.rfind('\n').map_or(0, |i| i + 1);
        (line, before[line_start..].chars().count() + 1)
    }

    fn piece() -> impl proptest::strategy::Strategy<Value = &'static str> {
        proptest::sample::select(vec![
            "(",
            ")",
            "[",
            "]",
            ",",
            "a:",
            "b: ",
            "measurements:",
            "Some(",
            "1",
            "2.5",
            "\"x, (y)\"",
            "'c'",
            "/* ) */",
            "// ]\n",
            "\n",
            " ",
            "é",
            "東",
            "r#\"]\"#",
        ])
    }

    fn seg() -> impl proptest::strategy::Strategy<Value = Seg> {
        use proptest::prelude::*;
        prop_oneof![
            proptest::sample::select(vec!["a", "b", "measurements"]).prop_map(Seg::Field),
            (0usize..4).prop_map(Seg::Index),
        ]
    }

    proptest::proptest! {
        #[test]
        fn indexed_locating_agrees_with_scanning_from_the_start(
            pieces in proptest::collection::vec(piece(), 0..40),
            paths in proptest::collection::vec(proptest::collection::vec(seg(), 0..4), 1..8),
        ) {
            let src: String = pieces.concat();
            let refs: Vec<&[Seg]> = paths.iter().map(Vec::as_slice).collect();
            let got = locate_all(&src, &refs);
            for (path, position) in paths.iter().zip(got) {
                let want = naive_position_of(&src, naive_offset(&src, path));
                proptest::prop_assert_eq!(position, want, "{:?} in {:?}", path, src);
            }
        }
    }
}
