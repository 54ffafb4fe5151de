//! Use-case identifiers: the kebab-case file stem of `use-cases/<id>.ron`.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A validated use-case id matching `^[a-z0-9]+(-[a-z0-9]+)*$`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct UseCaseId(String);

/// Why a string is not a valid use-case id.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "invalid use-case id \"{}\": use lowercase letters, digits and single hyphens, e.g. contract-review",
    crate::text::sanitize(.0)
)]
pub struct IdError(pub String);

/// Longest id accepted, so that file names stay portable.
pub const MAX_ID_LEN: usize = 100;

impl UseCaseId {
    /// Checks `s` against the id pattern.
    pub fn new(s: &str) -> Result<UseCaseId, IdError> {
        let ok = !s.is_empty()
            && s.len() <= MAX_ID_LEN
            && !s.starts_with('-')
            && !s.ends_with('-')
            && !s.contains("--")
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if ok {
            Ok(UseCaseId(s.to_owned()))
        } else {
            Err(IdError(s.to_owned()))
        }
    }

    /// The id as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for UseCaseId {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        UseCaseId::new(&s)
    }
}

impl From<UseCaseId> for String {
    fn from(id: UseCaseId) -> String {
        id.0
    }
}

impl fmt::Display for UseCaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for UseCaseId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_pattern() {
        for ok in ["a", "contract-review", "it-support-2", "x1-y2-z3"] {
            assert!(UseCaseId::new(ok).is_ok(), "{ok}");
        }
        for bad in ["", "-a", "a-", "a--b", "Contract", "a_b", "a b", "é"] {
            assert!(UseCaseId::new(bad).is_err(), "{bad}");
        }
    }
}
