//! The block of source columns at the end of an imported use case's notes.
//!
//! An import keeps, in the notes, the source's columns that no field holds
//! exactly (the benefits, the columns nothing maps, the original value of a
//! stage or of an empty cell that a default filled), so that nothing is
//! lost and an export gives them back. The block starts with a marker line
//! and holds one `column: value` entry per column; the lines of a value
//! that spans several lines continue indented by two spaces:
//!
//! ```text
//! Decision profile not yet assessed: ...
//!
//! --- source columns from omb-2025 (ripen import rewrites everything below) ---
//! benefits: Saves staff time.
//! agency: DOC
//! development_stage: Pilot
//! system_outputs: First line
//!   second line
//! ```
//!
//! Everything above the marker is the team's own and an import keeps it;
//! everything below is rewritten by each import.

const MARKER_START: &str = "--- source columns from ";
const MARKER_END: &str = " (ripen import rewrites everything below) ---";

/// The source columns kept in a use case's notes.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Block {
    /// The source system named in the marker line.
    pub system: String,
    /// Each column and its value, in the order written.
    pub columns: Vec<(String, String)>,
}

impl Block {
    /// The value of `column`, if the block holds it.
    pub fn get(&self, column: &str) -> Option<&str> {
        self.columns
            .iter()
            .find(|(c, _)| c == column)
            .map(|(_, v)| v.as_str())
    }
}

/// The marker line for `system`.
pub fn marker(system: &str) -> String {
    format!("{MARKER_START}{system}{MARKER_END}")
}

/// Whether a column's name can stand in a block (it cannot hold a colon or
/// a line break, nor start with a space, or the block would not read back).
pub fn can_hold(column: &str) -> bool {
    !column.is_empty()
        && !column.contains([':', '\n', '\r'])
        && !column.starts_with(' ')
        && !column.starts_with(MARKER_START.trim_end())
}

/// Splits notes into the team's own text (above the marker, without the
/// blank lines before it) and the block, if there is one.
pub fn split(notes: &str) -> (&str, Option<Block>) {
    let mut offset = 0;
    for line in notes.split_inclusive('\n') {
        let bare = line.trim_end_matches('\n');
        if let Some(system) = bare
            .strip_prefix(MARKER_START)
            .and_then(|r| r.strip_suffix(MARKER_END))
        {
            let own = notes[..offset].trim_end_matches('\n');
            let rest = &notes[offset + line.len()..];
            return (
                own,
                Some(Block {
                    system: system.to_owned(),
                    columns: parse_lines(rest),
                }),
            );
        }
        offset += line.len();
    }
    (notes, None)
}

fn parse_lines(text: &str) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = Vec::new();
    if text.is_empty() {
        return out;
    }
    for line in text.split('\n') {
        if let (Some(more), Some((_, value))) = (line.strip_prefix("  "), out.last_mut()) {
            value.push('\n');
            value.push_str(more);
        } else if let Some((column, value)) = line.split_once(':') {
            let value = value.strip_prefix(' ').unwrap_or(value);
            out.push((column.to_owned(), value.to_owned()));
        }
        // Any other line (edited by hand) is not part of a value: skipped.
    }
    out
}

/// The notes: the team's own text, a blank line, then the block (when it
/// holds any column).
pub fn render(own: &str, system: &str, columns: &[(String, String)]) -> String {
    let own = own.trim_end();
    if columns.is_empty() {
        return own.to_owned();
    }
    let mut out = String::with_capacity(own.len() + 64 + columns.len() * 32);
    if !own.is_empty() {
        out.push_str(own);
        out.push_str("\n\n");
    }
    out.push_str(&marker(system));
    for (column, value) in columns {
        out.push('\n');
        out.push_str(column);
        out.push(':');
        let mut lines = value.split('\n');
        if let Some(first) = lines.next()
            && !first.is_empty()
        {
            out.push(' ');
            out.push_str(first);
        }
        for more in lines {
            out.push_str("\n  ");
            out.push_str(more);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn values_read_back_exactly() {
        let columns = cols(&[
            ("benefits", "Two\nlines\n\n  indented, then blank:\n"),
            ("empty", ""),
            ("colon", "a: b"),
            ("leading", " space"),
            ("tab", "\tx"),
        ]);
        let notes = render("Own text.\n", "s", &columns);
        let (own, block) = split(&notes);
        assert_eq!(own, "Own text.");
        let block = block.unwrap();
        assert_eq!(block.system, "s");
        assert_eq!(block.columns, columns);
        assert_eq!(render(own, "s", &block.columns), notes);
    }

    #[test]
    fn notes_without_a_block_are_all_own() {
        assert_eq!(split("just notes"), ("just notes", None));
        assert_eq!(render("just notes", "s", &[]), "just notes");
        let only = render("", "s", &cols(&[("a", "1")]));
        assert_eq!(split(&only).0, "");
        assert_eq!(split(&only).1.unwrap().get("a"), Some("1"));
    }
}
