//! A calendar date written as `"YYYY-MM-DD"` in RON files.

use std::fmt;

use chrono::{Datelike, NaiveDate};
use serde::de::{self, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A calendar date, serialized as an ISO `"YYYY-MM-DD"` string.
///
/// Parsing is strict (exactly four year digits, two month and two day digits)
/// and names the offending text, which chrono's own errors do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Date(pub NaiveDate);

impl Date {
    /// Builds a date from year, month and day, if it exists.
    pub fn from_ymd(y: i32, m: u32, d: u32) -> Option<Date> {
        NaiveDate::from_ymd_opt(y, m, d).map(Date)
    }

    /// Parses `YYYY-MM-DD`, explaining what is wrong otherwise.
    pub fn parse(s: &str) -> Result<Date, String> {
        let b = s.as_bytes();
        let shape_ok = b.len() == 10
            && b[4] == b'-'
            && b[7] == b'-'
            && b.iter()
                .enumerate()
                .all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit());
        if !shape_ok {
            return Err(format!(
                "invalid date \"{}\": expected YYYY-MM-DD",
                crate::text::sanitize(s)
            ));
        }
        // The shape is checked: ten ASCII characters, digits but the dashes.
        let num = |r: std::ops::Range<usize>| {
            b[r].iter().fold(0u32, |n, &c| n * 10 + u32::from(c - b'0'))
        };
        NaiveDate::from_ymd_opt(num(0..4) as i32, num(5..7), num(8..10))
            .map(Date)
            .ok_or_else(|| format!("invalid date \"{s}\": no such day in the calendar"))
    }

    /// Days from `self` to `later` (negative when `later` is earlier).
    pub fn days_until(self, later: Date) -> i64 {
        (later.0 - self.0).num_days()
    }

    /// The date `days` days before this one (saturating at the calendar's start).
    pub fn minus_days(self, days: u64) -> Date {
        Date(
            self.0
                .checked_sub_days(chrono::Days::new(days))
                .unwrap_or(NaiveDate::MIN),
        )
    }

    /// Calendar year.
    pub fn year(self) -> i32 {
        self.0.year()
    }

    /// Calendar month, 1-12.
    pub fn month(self) -> u32 {
        self.0.month()
    }
}

impl fmt::Display for Date {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%Y-%m-%d"))
    }
}

impl std::str::FromStr for Date {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Date::parse(s)
    }
}

impl Serialize for Date {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Date {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Date;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a date string \"YYYY-MM-DD\"")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Date, E> {
                Date::parse(v).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strict_iso_dates() {
        assert_eq!(Date::parse("2026-03-31").unwrap().to_string(), "2026-03-31");
        assert!(
            Date::parse("2026-3-31")
                .unwrap_err()
                .contains("expected YYYY-MM-DD")
        );
        assert!(
            Date::parse("2026-02-30")
                .unwrap_err()
                .contains("no such day")
        );
        assert!(Date::parse("+12026-02-01").is_err());
    }
}
