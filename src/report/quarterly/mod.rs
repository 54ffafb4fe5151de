//! The quarterly review report: what changed in the portfolio between two
//! versions of the register, for a steering committee.
//!
//! Pure: two [`Register`](crate::register::Register) values (loaded by the caller, each at its own
//! as-of date) and their semantic diff ([`crate::diff::diff`]) in, a
//! [`QuarterlyReport`] out, which serializes to JSON as is and renders to
//! Markdown with [`markdown`]. Everything that changed (stage movements, new,
//! retired and removed use cases, ROI evidence added, verdict changes,
//! policy changes) comes from the diff; the state at either side (counts,
//! candidates, flags, latest measurements) from the library's report
//! functions on that side's register. Nothing here reads a clock or git.
//!
//! # What counts as "in the period"
//!
//! ROI evidence of the period is the ROI entries present at `until` and not
//! at `since`, as the diff lists them: entries added to use cases on both
//! sides, plus every entry of a use case added in the period. Their dates do
//! not matter (evidence recorded late still counts once, in the period it
//! was recorded). Amounts are summed as recorded, whatever period each one
//! covers, measured and estimated apart. Entries removed in the period (a
//! correction, or an entry edited in place, which shows as one removed and
//! one added) are counted in `withdrawn`, not subtracted.
//!
//! # Shape
//!
//! - [`model`]: the report's types, which serialize to JSON as they are.
//! - [`build`](mod@build): the report computed from two registers and their diff,
//!   one function per section.
//! - [`render`]: the report as Markdown, the summary paragraph and a
//!   review tag's message, one function per section of the document.

pub mod build;
pub mod model;
pub mod render;

pub use build::{build, fine_tunes, from_diff};
pub use model::*;
pub use render::{markdown, md, summary, tag_message, thousands};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Stage;

    #[test]
    fn markdown_text_is_escaped() {
        assert_eq!(md("a|b"), "a\\|b");
        assert_eq!(md("<b>x</b>"), "\\<b\\>x\\</b\\>");
        assert_eq!(md("Q&A and &amp;"), "Q&A and \\&amp;");
        assert_eq!(md("snake_case _em_"), "snake_case \\_em\\_");
        assert_eq!(md("esc\u{1b}[31m"), "esc\\\\u{1b}\\[31m");
        assert_eq!(md("two\nlines"), "two\\\\nlines");
    }

    #[test]
    fn thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn directions() {
        assert_eq!(
            Direction::of(Stage::Collect, Stage::FineTune),
            Direction::Forward
        );
        assert_eq!(
            Direction::of(Stage::FineTune, Stage::Collect),
            Direction::Back
        );
        assert_eq!(
            Direction::of(Stage::Evaluate, Stage::Retired),
            Direction::Retired
        );
        assert_eq!(
            Direction::of(Stage::Retired, Stage::Identify),
            Direction::Reinstated
        );
    }
}
