//! Reading CSV bytes into a header and rows, strictly: UTF-8 only (a
//! byte-order mark is allowed), every row as wide as the header, every
//! quote closed. Each problem names the line, and the row where there is one.

use super::Problem;

/// A CSV file read whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The column names, from the first row.
    pub header: Vec<String>,
    /// The data rows.
    pub rows: Vec<Row>,
}

/// One data row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// 1-based number among the data rows (the header is row 0).
    pub number: usize,
    /// The 1-based line of the file where the row starts.
    pub line: u64,
    /// One value per header column.
    pub cells: Vec<String>,
}

/// The line and column (1-based, in characters) of a byte offset.
fn position(text: &str, offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line = before.matches('\n').count() + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, before[start..].chars().count() + 1)
}

/// Decodes the file as UTF-8, without its byte-order mark.
pub fn decode<'a>(name: &str, bytes: &'a [u8]) -> Result<&'a str, Problem> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        return Err(Problem::new(
            format!("{name}:1:1"),
            "the file is UTF-16 text; save it as UTF-8 (in Excel: \"CSV UTF-8\")".to_owned(),
        ));
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let good = std::str::from_utf8(&bytes[..e.valid_up_to()]).unwrap_or("");
        let (line, column) = position(good, good.len());
        Problem::new(
            format!("{name}:{line}:{column}"),
            format!(
                "byte 0x{:02X} is not UTF-8: the file is in another encoding (Latin-1 or Windows-1252, most likely); save it as UTF-8 (in Excel: \"CSV UTF-8\") and import again",
                bytes[e.valid_up_to()]
            ),
        )
    })
}

/// Where a quoted field that is never closed opens, reading `record` (the
/// text of the last record) the way the CSV reader does.
fn unclosed_quote(record: &str) -> Option<usize> {
    #[derive(Clone, Copy)]
    enum S {
        FieldStart,
        Unquoted,
        Quoted(usize),
        QuoteInQuoted(usize),
    }
    let mut state = S::FieldStart;
    for (i, c) in record.char_indices() {
        state = match (state, c) {
            (S::FieldStart, '"') => S::Quoted(i),
            (S::FieldStart | S::Unquoted, ',') => S::FieldStart,
            (S::FieldStart | S::Unquoted, '\n') => return None,
            (S::FieldStart | S::Unquoted, _) => S::Unquoted,
            (S::Quoted(at), '"') => S::QuoteInQuoted(at),
            (S::Quoted(at), _) => S::Quoted(at),
            (S::QuoteInQuoted(at), '"') => S::Quoted(at),
            (S::QuoteInQuoted(_), ',') => S::FieldStart,
            (S::QuoteInQuoted(_), '\n') => return None,
            (S::QuoteInQuoted(_), _) => S::Unquoted,
        };
    }
    match state {
        S::Quoted(at) => Some(at),
        _ => None,
    }
}

/// How many problems are listed before the rest are only counted.
const MAX_PROBLEMS: usize = 20;

/// Reads the CSV text: the first record is the header.
pub fn read(name: &str, text: &str) -> Result<Table, Vec<Problem>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = Vec::new();
    for result in reader.records() {
        match result {
            Ok(r) => records.push(r),
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                return Err(vec![Problem::new(
                    format!("{name}:{line}"),
                    format!("cannot read the CSV: {e}"),
                )]);
            }
        }
    }
    // Where each record starts, past the line ending before it (the reader
    // reports a record of a CRLF file as starting at the `\n`), and on which
    // line: the reader counts records, not lines, when fields hold line breaks.
    let mut starts = Vec::with_capacity(records.len());
    let (mut line, mut counted) = (1u64, 0usize);
    for r in &records {
        let mut start = r
            .position()
            .map_or(0, |p| p.byte() as usize)
            .min(text.len());
        while text[start..].starts_with(['\r', '\n']) {
            start += 1;
        }
        line += text[counted..start].bytes().filter(|&b| b == b'\n').count() as u64;
        counted = start;
        starts.push((start, line));
    }
    let Some(first) = records.first() else {
        return Err(vec![Problem::new(
            format!("{name}:1"),
            "the file is empty: expected a header row naming the columns".to_owned(),
        )]);
    };
    // A quote that is never closed swallows the rest of the file into the
    // last record's field.
    if let Some(&(start, _)) = starts.last()
        && let Some(open) = unclosed_quote(&text[start..])
    {
        let (line, column) = position(text, start + open);
        let row = records.len() - 1;
        let what = if row == 0 {
            "in the header".to_owned()
        } else {
            format!("in row {row}")
        };
        return Err(vec![Problem::new(
            format!("{name}:{line}:{column}"),
            format!(
                "a quoted field opens here ({what}) and is never closed: the rest of the file would be one value; add the closing `\"` (a quote inside a quoted field is written `\"\"`)"
            ),
        )]);
    }
    let header: Vec<String> = first.iter().map(str::to_owned).collect();
    let mut problems = Vec::new();
    let mut extra = 0usize;
    let mut rows = Vec::with_capacity(records.len().saturating_sub(1));
    for (number, (record, &(_, line))) in records.iter().zip(&starts).enumerate().skip(1) {
        let fields = record.len();
        let ragged =
            fields < header.len() || record.iter().skip(header.len()).any(|v| !v.is_empty());
        if ragged {
            if problems.len() < MAX_PROBLEMS {
                problems.push(Problem::new(
                    format!("{name}:{line}"),
                    format!(
                        "row {number} has {fields} field(s) but the header has {}: check the commas and quotes of this row",
                        header.len()
                    ),
                ));
            } else {
                extra += 1;
            }
            continue;
        }
        let cells = record
            .iter()
            .take(header.len())
            .map(|v| {
                if v.contains('\r') {
                    v.replace("\r\n", "\n")
                } else {
                    v.to_owned()
                }
            })
            .collect();
        rows.push(Row {
            number,
            line,
            cells,
        });
    }
    if extra > 0 {
        problems.push(Problem::new(
            name.to_owned(),
            format!("and {extra} more row(s) with the wrong number of fields"),
        ));
    }
    if problems.is_empty() {
        Ok(Table { header, rows })
    } else {
        Err(problems)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_quotes_newlines_and_a_bom() {
        let bytes = "\u{feff}a,b\n1,\"x\n\"\"y\"\"\"\n".as_bytes();
        let text = decode("f.csv", bytes).unwrap();
        let t = read("f.csv", text).unwrap();
        assert_eq!(t.header, ["a", "b"]);
        assert_eq!(t.rows[0].cells, ["1", "x\n\"y\""]);
        assert_eq!((t.rows[0].number, t.rows[0].line), (1, 2));
    }

    #[test]
    fn lines_count_the_breaks_inside_fields_and_crlf() {
        let t = read("f.csv", "a,b\r\n1,\"x\r\ny\"\r\n2,z\r\n").unwrap();
        let lines: Vec<u64> = t.rows.iter().map(|r| r.line).collect();
        assert_eq!(lines, [2, 4]);
        assert_eq!(t.rows[0].cells[1], "x\ny");
        let e = read("f.csv", "a,b\r\n1,2\r\n3,\"open\r\n4,5\r\n").unwrap_err();
        assert_eq!(e[0].location, "f.csv:3:3");
    }

    #[test]
    fn an_unclosed_quote_is_located() {
        let e = read("f.csv", "a,b\n1,2\n3,\"open\n4,5\n").unwrap_err();
        assert_eq!(e[0].location, "f.csv:3:3");
        assert!(e[0].message.contains("never closed"), "{}", e[0].message);
    }

    #[test]
    fn ragged_rows_are_named() {
        let e = read("f.csv", "a,b\n1,2\n3\n4,5,6\n7,8,\n").unwrap_err();
        assert_eq!(e.len(), 2);
        assert_eq!(e[0].location, "f.csv:3");
        assert!(e[0].message.starts_with("row 2 has 1 field(s)"));
        assert!(e[1].message.starts_with("row 3 has 3 field(s)"));
    }

    #[test]
    fn latin1_is_refused_with_its_place() {
        let e = decode("f.csv", b"a,b\nCaf\xe9,1\n").unwrap_err();
        assert_eq!(e.location, "f.csv:2:4");
        assert!(e.message.contains("0xE9"));
    }
}
