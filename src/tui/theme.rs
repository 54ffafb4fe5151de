//! Styles. Every distinction is made with a symbol, bold or reverse video
//! first; colour is only added on top, and never with `NO_COLOR`.

use ratatui::style::{Color, Modifier, Style};

use crate::readiness::Verdict;
use crate::register::Severity;

/// The styles of the UI.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    /// Whether colour is added to the monochrome distinctions.
    pub colour: bool,
}

impl Theme {
    /// Colour unless `no_color`.
    pub fn new(no_color: bool) -> Theme {
        Theme { colour: !no_color }
    }

    fn fg(&self, base: Style, c: Color) -> Style {
        if self.colour { base.fg(c) } else { base }
    }

    /// The selected row or card.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    /// Table headers and section titles.
    pub fn header(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Color::Cyan,
        )
    }

    /// Secondary text.
    pub fn muted(&self) -> Style {
        Style::new().add_modifier(Modifier::DIM)
    }

    /// Characters matched by the filter.
    pub fn matched(&self) -> Style {
        self.fg(
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Color::Yellow,
        )
    }

    /// A focused border or the active tab.
    pub fn focus(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Cyan)
    }

    /// A verdict's style.
    pub fn verdict(&self, v: Verdict) -> Style {
        match v {
            Verdict::Ready => self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Green),
            Verdict::Almost => self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Yellow),
            Verdict::Underway => self.fg(Style::new(), Color::Cyan),
            Verdict::NotYet => Style::new(),
            Verdict::NotApplicable => self.muted(),
        }
    }

    /// Pass or fail.
    pub fn pass(&self, passed: bool) -> Style {
        if passed {
            self.fg(Style::new(), Color::Green)
        } else {
            self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Red)
        }
    }

    /// A diagnostic's style.
    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Error => self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Red),
            Severity::Warning => self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Yellow),
        }
    }

    /// A watch flag.
    pub fn flag(&self) -> Style {
        self.fg(Style::new().add_modifier(Modifier::BOLD), Color::Magenta)
    }
}

/// A verdict with its symbol: `✓ ready`, `◐ almost`, `» underway`
/// (fine-tuning underway), `· not-yet`, `– n/a`.
pub fn verdict_label(v: Verdict) -> &'static str {
    match v {
        Verdict::Ready => "✓ ready",
        Verdict::Almost => "◐ almost",
        Verdict::Underway => "» underway",
        Verdict::NotYet => "· not-yet",
        Verdict::NotApplicable => "– n/a",
    }
}
