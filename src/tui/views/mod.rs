//! Views: functions that draw the application state, and nothing else.
//!
//! A view reads [`App`] and writes to the frame; it never loads files, runs
//! git or evaluates readiness. This module draws what every screen shares
//! (the tabs, the status bar, help and dialogs over the screen) and has
//! the current screen's component ([`super::screens`]) draw the body.

mod help;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Tabs, Wrap};

use super::app::{App, Level, Screen};
use super::keymap;
use super::screens::View;
use super::theme::Theme;
use super::widgets::{count, fit, safe};

pub use super::app::MIN_SIZE;

/// Draws the whole UI.
pub fn draw(frame: &mut Frame<'_>, app: &App, theme: &Theme) {
    let area = frame.area();
    if area.width < MIN_SIZE.0 || area.height < MIN_SIZE.1 {
        too_small(frame, area, app.ignored_keys);
        return;
    }
    // A message longer than the line wraps: the status grows (up to a
    // third of the screen) so that it can be read in full.
    let message_rows = flash_line(app, theme)
        .map_or(1, |l| {
            Paragraph::new(l)
                .wrap(Wrap { trim: false })
                .line_count(area.width)
        })
        .clamp(1, usize::from(area.height / 3)) as u16;
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1 + message_rows),
    ])
    .areas(area);
    draw_tabs(frame, tabs, app, theme);
    let view = View {
        data: &app.data,
        theme,
        who: app.who.as_ref(),
        following: app.following,
        covered: app.help || app.dialog.is_some(),
    };
    app.component(app.screen).draw(frame, body, &view);
    draw_status(frame, status, app, theme);
    if app.help {
        help::draw(frame, body, app, theme);
    }
    if let Some(d) = &app.dialog {
        super::dialog::draw(frame, body, &app.data, d, theme);
    }
}

fn too_small(frame: &mut Frame<'_>, area: Rect, ignored: usize) {
    frame.render_widget(Clear, area);
    let mut text = vec![
        Line::from(format!(
            "terminal too small (need {}x{})",
            MIN_SIZE.0, MIN_SIZE.1
        )),
        Line::from(format!(
            "now {}x{}; enlarge it, or q to quit",
            area.width, area.height
        )),
    ];
    if ignored > 0 {
        text.push(Line::from(format!(
            "{} ignored",
            count(ignored, "key", "keys")
        )));
    }
    let rows = text.len() as u16;
    let y = area.height.saturating_sub(rows) / 2;
    let rect = Rect::new(
        area.x,
        area.y + y,
        area.width,
        area.height.saturating_sub(y).min(rows),
    );
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), rect);
}

fn draw_tabs(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let problems = app.data.register.diagnostics.len();
    let titles: Vec<Line<'_>> = Screen::ALL
        .iter()
        .enumerate()
        .map(|(i, s)| {
            let label = match s {
                // The count is in the status bar too; narrow tabs only mark it.
                Screen::Problems if problems > 0 && area.width < 100 => {
                    format!("{} {}!", i + 1, s.title())
                }
                Screen::Problems if problems > 0 => format!("{} {} ({problems})", i + 1, s.title()),
                Screen::Readiness if area.width < 100 => format!("{} Ready", i + 1),
                _ => format!("{} {}", i + 1, s.title()),
            };
            Line::from(label)
        })
        .collect();
    let selected = Screen::ALL.iter().position(|s| *s == app.screen);
    frame.render_widget(
        Tabs::new(titles)
            .select(selected)
            .highlight_style(theme.selected())
            .padding("", " ")
            .divider("│ "),
        area,
    );
}

fn draw_status(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    use unicode_width::UnicodeWidthStr;
    let [top, bottom] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(area);
    let d = &app.data;
    let repo = &d.repo;
    let location = match (&repo.branch, repo.in_repo) {
        (_, false) => "no git".to_owned(),
        (Some(b), true) => format!("{}@{}", safe(b), repo.short_head()),
        (None, true) => repo.short_head(),
    };
    let problems = d.register.diagnostics.len();
    let problem_style = if d.register.errors() > 0 {
        theme.severity(crate::register::Severity::Error)
    } else {
        Style::new()
    };
    // Everything but the name, which gets what is left. When that is too
    // little, the count of use cases goes first (the Portfolio says it).
    let as_of = if d.pinned {
        format!(" │ as of {} (pinned)", d.register.as_of)
    } else {
        format!(" │ as of {}", d.register.as_of)
    };
    let rest_with = |cases: bool| {
        let mut rest = vec![Span::raw(" │ "), Span::raw(location.clone())];
        if repo.dirty {
            rest.push(Span::styled(" ●modified", theme.flag()));
        }
        if d.read_only.is_some() {
            rest.push(Span::styled(" read-only", theme.muted()));
        }
        if let Some(who) = &app.who {
            rest.push(Span::raw(format!(" │ {} ({})", safe(&who.email), who.role)));
        }
        rest.push(Span::raw(if cases {
            format!(
                " │ {} · {} ready · ",
                count(d.summary.use_cases, "case", "cases"),
                d.summary.ready
            )
        } else {
            format!(" │ {} ready · ", d.summary.ready)
        }));
        rest.push(Span::styled(
            count(problems, "problem", "problems"),
            problem_style,
        ));
        rest.push(Span::raw(as_of.clone()));
        rest
    };
    let width = |spans: &[Span<'_>]| spans.iter().map(|s| s.content.width()).sum::<usize>();
    let mut rest = rest_with(true);
    if usize::from(area.width) < width(&rest) + 12 {
        rest = rest_with(false);
    }
    let used = width(&rest);
    let room = usize::from(area.width).saturating_sub(used).max(4);
    let name = fit(&safe(d.register.name()), room);
    let mut spans = vec![Span::styled(name, theme.focus())];
    spans.extend(rest);
    frame.render_widget(Paragraph::new(Line::from(spans)), top);

    let line = flash_line(app, theme)
        .or_else(|| busy_line(app, theme))
        .unwrap_or_else(|| hints_line(app, area.width, theme));
    frame.render_widget(Paragraph::new(line).wrap(Wrap { trim: false }), bottom);
}

/// The last action's outcome, if any: `› …` or `✗ …`.
fn flash_line(app: &App, theme: &Theme) -> Option<Line<'static>> {
    Some(match &app.flash {
        Some((Level::Error, text)) => Line::from(vec![
            Span::styled("✗ ", theme.severity(crate::register::Severity::Error)),
            Span::raw(safe(text)),
        ]),
        Some((Level::Info, text)) => Line::from(vec![Span::raw("› "), Span::raw(safe(text))]),
        None => return None,
    })
}

/// What is loading, if anything: `⠋ loading proposals 7/20 · Esc cancels`.
fn busy_line(app: &App, theme: &Theme) -> Option<Line<'static>> {
    let text = app.busy.as_ref()?;
    Some(Line::from(Span::styled(safe(text), theme.muted())))
}

/// The keys that work here, as many as fit in `width`: actions on the
/// selection first, then the screen's own, then moving; quit and help
/// always; the other global keys when there is room.
fn hints_line(app: &App, width: u16, theme: &Theme) -> Line<'static> {
    use keymap::Scope;
    use unicode_width::UnicodeWidthStr;
    let all = keymap::hints(&app.scopes());
    let cost = |k: &String, l: &str| k.width() + l.width() + 3;
    let essential =
        |h: &(String, &str, Scope)| h.2 == Scope::Global && matches!(h.1, "quit" | "help");
    let rank = |scope: Scope| match scope {
        Scope::Selected | Scope::Open => 0,
        Scope::Global => 3,
        Scope::List => 2,
        _ => 1,
    };
    let mut order: Vec<&(String, &str, Scope)> = all.iter().collect();
    order.sort_by_key(|h| (rank(h.2), !essential(h)));
    let mut room = usize::from(width).saturating_sub(
        all.iter()
            .filter(|h| essential(h))
            .map(|h| cost(&h.0, h.1))
            .sum(),
    );
    let mut shown = Vec::new();
    for h in order {
        if essential(h) {
            shown.push(h);
            continue;
        }
        let w = cost(&h.0, h.1);
        if w <= room {
            room -= w;
            shown.push(h);
        }
    }
    let mut spans = Vec::new();
    for (key, label, _) in shown {
        spans.push(Span::styled(key.clone(), theme.focus()));
        spans.push(Span::raw(format!(" {label}  ")));
    }
    Line::from(spans)
}
