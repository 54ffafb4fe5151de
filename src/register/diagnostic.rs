//! Diagnostics: `path:line:col: severity: message`.

use std::fmt;

use serde::Serialize;

/// How bad a diagnostic is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// The file (or value) is not loaded; the register has errors.
    Error,
    /// Loaded, but something deserves attention.
    Warning,
}

impl Severity {
    /// `error` or `warning`.
    pub fn label(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One problem, located in a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diagnostic {
    /// Error or warning.
    pub severity: Severity,
    /// The file, as shown to the user (e.g. `state/use-cases/x.ron`).
    pub file: String,
    /// 1-based line.
    pub line: usize,
    /// 1-based column, in characters.
    pub column: usize,
    /// What is wrong and what to do. May hold untrusted text: display it
    /// through [`crate::text::sanitize`] (the `Display` impl does).
    pub message: String,
}

impl Diagnostic {
    /// A diagnostic about a whole file, placed at 1:1.
    pub fn file_level(severity: Severity, file: String, message: String) -> Diagnostic {
        Diagnostic {
            severity,
            file,
            line: 1,
            column: 1,
            message,
        }
    }
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}: {}",
            crate::text::sanitize(&self.file),
            self.line,
            self.column,
            self.severity.label(),
            crate::text::sanitize(&self.message)
        )
    }
}
