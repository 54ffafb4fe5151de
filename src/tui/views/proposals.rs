//! The proposals screen: branches that propose changes to the register.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use crate::diff::{RegisterDiff, Status};
use crate::register::Severity;
use crate::tui::app::App;
use crate::tui::list::SelectableList;
use crate::tui::theme::Theme;
use crate::tui::widgets::{count, safe, scrolled};

/// Lines describing a semantic diff: one header per changed use case, then
/// its field changes; settings and policy changes last.
pub fn diff_lines(d: &RegisterDiff, theme: &Theme) -> Vec<Line<'static>> {
    let mut lines = Vec::new();
    for u in &d.use_cases {
        if u.status == Status::Unchanged && !u.verdict.changed() {
            continue;
        }
        let mark = match u.status {
            Status::Added => "+",
            Status::Removed => "-",
            Status::Renamed => ">",
            Status::Changed | Status::Unchanged => "~",
        };
        let mut head = vec![
            Span::styled(format!("{mark} "), theme.focus()),
            Span::styled(safe(&u.id), theme.header()),
            Span::raw(format!(" ({})", u.status.label())),
        ];
        if let Some(from) = &u.renamed_from {
            head.push(Span::raw(format!(" from {}", safe(from))));
        }
        if u.verdict.changed() {
            let v = |v: Option<crate::readiness::Verdict>| v.map_or("-", |v| v.label());
            head.push(Span::styled(
                format!(
                    "  verdict {} -> {}",
                    v(u.verdict.before),
                    v(u.verdict.after)
                ),
                theme.flag(),
            ));
        }
        lines.push(Line::from(head));
        for c in &u.changes {
            lines.push(Line::from(format!("    {}", change_line(c))));
        }
    }
    for (what, changes) in [("register.ron", &d.settings), ("policy.ron", &d.policy)] {
        if !changes.is_empty() {
            lines.push(Line::styled(format!("~ {what}"), theme.header()));
            for c in changes {
                lines.push(Line::from(format!("    {}", change_line(c))));
            }
        }
    }
    if lines.is_empty() {
        lines.push(Line::styled("no change to the register", theme.muted()));
    }
    lines
}

/// A field change in one line, sanitized.
fn change_line(c: &crate::diff::FieldChange) -> String {
    safe(&c.describe())
}

/// Draws the proposals screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let p = &app.proposals;
    let block = Block::bordered().title(Line::styled(
        format!(
            " Proposals · {} ",
            count(p.list.len(), "branch", "branches")
        ),
        theme.focus(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    if !p.loaded {
        frame.render_widget(
            Paragraph::new("Loading proposals…").style(theme.muted()),
            inner,
        );
        return;
    }
    if let Some(err) = &p.error {
        frame.render_widget(
            Paragraph::new(format!("No proposals: {}", safe(err)))
                .style(theme.muted())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    if p.list.is_empty() {
        frame.render_widget(
            Paragraph::new(
                "No branch proposes a change to the register. Teams propose by committing on a \
                 branch (see docs/teams.md); fetched remote branches show here too.",
            )
            .style(theme.muted())
            .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let list_height = (p.list.len() as u16 * 2).min(inner.height / 2).max(2);
    let [list_area, detail_area] =
        Layout::vertical([Constraint::Length(list_height), Constraint::Fill(1)]).areas(inner);
    // Two rows a proposal, the list following the selection with the
    // real height.
    SelectableList::new(p.cursor, p.list.len())
        .rows_per_item(2)
        .draw(frame, list_area, theme, |item| {
            let prop = &p.list[item.pos];
            let base = item.base;
            let valid = if prop.valid {
                Span::styled("✓ valid", theme.pass(true).patch(base))
            } else {
                Span::styled(
                    format!("✗ {}", count(prop.errors(), "error", "errors")),
                    theme.severity(Severity::Error).patch(base),
                )
            };
            let merge = if prop.mergeable {
                Span::styled(" · merges cleanly", base)
            } else {
                Span::styled(" · CONFLICTS", theme.severity(Severity::Error).patch(base))
            };
            let mut head = vec![
                item.marker(),
                Span::styled(safe(&prop.branch), base.patch(theme.header())),
                Span::styled("  ", base),
                valid,
                merge,
            ];
            if !prop.other_files.is_empty() {
                head.push(Span::styled(
                    format!(
                        " · ⚠ {} NOT REGISTER FILES",
                        count(prop.other_files.len(), "file", "files").to_uppercase()
                    ),
                    theme.severity(Severity::Warning).patch(base),
                ));
            }
            vec![
                Line::from(head),
                Line::from(vec![
                    Span::raw("    "),
                    Span::styled(
                        format!(
                            "{} · {} · {}",
                            count(prop.commits, "commit", "commits"),
                            prop.last_commit_time.format("%Y-%m-%d %H:%M"),
                            safe(&prop.authors.join(", "))
                        ),
                        theme.muted(),
                    ),
                ]),
            ]
        });

    let Some(prop) = p.list.get(p.cursor.selected) else {
        return;
    };
    let title = if p.open {
        " what it changes · j/k scroll · Enter hides · a accepts "
    } else {
        " Enter shows what it changes · a accepts "
    };
    let block = Block::bordered().title(title);
    let inner = block.inner(detail_area);
    frame.render_widget(block, detail_area);
    // Files that are not register files come first, open or not.
    let mut warnings: Vec<Line<'_>> = prop
        .other_files
        .iter()
        .map(|f| {
            Line::styled(
                format!("⚠ also changes {}", safe(&f.describe())),
                theme.severity(Severity::Warning),
            )
        })
        .collect();
    if !p.open {
        let d = &prop.changes;
        let changed = d
            .use_cases
            .iter()
            .filter(|u| u.status != Status::Unchanged)
            .count();
        warnings.push(Line::from(format!(
            "{} · {} · policy {}",
            count(changed, "use case changed", "use cases changed"),
            count(d.verdicts_changed(), "verdict changes", "verdicts change"),
            if d.policy.is_empty() {
                "unchanged"
            } else {
                "changed"
            }
        )));
        frame.render_widget(Paragraph::new(warnings).wrap(Wrap { trim: false }), inner);
        return;
    }
    let mut lines = warnings;
    for d in &prop.diagnostics {
        lines.push(Line::styled(
            safe(&d.to_string()),
            theme.severity(d.severity),
        ));
    }
    if !prop.diagnostics.is_empty() {
        lines.push(Line::from(""));
    }
    lines.extend(diff_lines(&prop.changes, theme));
    scrolled(frame, detail_area, inner, lines, &p.scroll, theme);
}
