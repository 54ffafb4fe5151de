//! The proposals screen: branches that propose changes to the register,
//! loaded on demand; Enter shows what the selected one changes, `a`
//! accepts it (after a dialog).

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Wrap};

use super::{Component, Ctx, View, is_movement, step_of};
use crate::diff::{RegisterDiff, Status};
use crate::git::proposals::Proposal;
use crate::register::Severity;
use crate::tui::app::{Cursor, Data, Dialog, Effect, Level, Load, Scroll};
use crate::tui::keymap::{Action, Scope};
use crate::tui::list::SelectableList;
use crate::tui::theme::Theme;
use crate::tui::widgets::{count, safe, scrolled};
use tui_input::Input;

/// The Proposals screen's content, loaded on demand.
#[derive(Debug, Default)]
pub struct Proposals {
    /// Whether the list was loaded (since the last reload).
    pub loaded: bool,
    /// Branches proposing changes.
    pub list: Vec<Proposal>,
    /// Why there is no list, if loading failed.
    pub error: Option<String>,
    /// The selected proposal.
    pub cursor: Cursor,
    /// Whether the selected proposal's changes are shown (and scroll).
    pub open: bool,
    /// The changes pane's position.
    pub scroll: Scroll,
}

impl Proposals {
    /// Stores the loaded proposals (or why they could not be loaded).
    pub fn loaded(&mut self, result: Result<Vec<Proposal>, String>, page: usize) {
        let (list, error) = match result {
            Ok(l) => (l, None),
            Err(e) => (Vec::new(), Some(e)),
        };
        let len = list.len();
        self.loaded = true;
        self.list = list;
        self.error = error;
        self.cursor.follow(len, page);
    }

    /// `a`: the dialog that accepts the selected proposal.
    fn accept_dialog(&self, ctx: &mut Ctx<'_>) {
        if ctx.refused(crate::access::Act::Accept) {
            return;
        }
        let Some(p) = self.list.get(self.cursor.selected) else {
            ctx.flash(Level::Info, "no proposal selected");
            return;
        };
        let mut summary = vec![format!(
            "{} commit(s) by {}",
            p.commits,
            p.authors.join(", ")
        )];
        if !p.valid {
            summary.push(format!(
                "it does not validate ({} error(s)): accepting will be refused",
                p.errors()
            ));
        }
        if !p.mergeable {
            summary.push("it conflicts with HEAD: accepting will be refused".to_owned());
        }
        for f in &p.other_files {
            summary.push(format!("ALSO CHANGES {}", f.describe()));
        }
        for u in p
            .changes
            .use_cases
            .iter()
            .filter(|u| u.status != crate::diff::Status::Unchanged)
        {
            summary.push(format!("{} {}", u.status.label(), u.id));
        }
        ctx.dialog = Some(Dialog::Accept {
            branch: p.branch.clone(),
            tip: p.tip,
            summary,
            other_files: !p.other_files.is_empty(),
            confirming: p.overrides.is_empty(),
            overrides: p
                .overrides
                .iter()
                .map(|o| format!("{} moves to FineTune although {}", o.id, o.why))
                .collect(),
            reason: Input::default(),
            error: None,
        });
    }
}

impl Component for Proposals {
    fn scopes(&self) -> Vec<Scope> {
        vec![Scope::Proposals, Scope::Open, Scope::List, Scope::Global]
    }

    fn follow(&mut self, _data: &Data, page: usize) {
        // Only over what is loaded: a list loading again keeps its place.
        if self.loaded {
            self.cursor.follow(self.list.len(), (page / 2).max(1));
        }
    }

    fn update(&mut self, action: Action, ctx: &mut Ctx<'_>) -> Vec<Effect> {
        match action {
            a if is_movement(a) && self.open => {
                self.scroll.apply(a, ctx.page);
            }
            a if is_movement(a) => {
                let before = self.cursor.selected;
                // Two rows a proposal.
                let rows = (ctx.page / 2).max(1);
                self.cursor
                    .step(step_of(a, ctx.page), self.list.len(), rows);
                if self.cursor.selected != before {
                    self.scroll = Scroll::default();
                }
            }
            Action::Open => {
                self.open = !self.open;
                self.scroll = Scroll::default();
            }
            Action::Accept => self.accept_dialog(ctx),
            _ => {}
        }
        Vec::new()
    }

    fn reloaded(&mut self, _before: &Data, _now: &Data, _page: usize) {
        // New commits may have landed: the list loads again on demand.
        self.loaded = false;
    }

    fn pending_load(&self, _data: &Data) -> Option<Load> {
        (!self.loaded).then_some(Load::Proposals)
    }

    fn draw(&self, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
        draw(self, frame, area, view);
    }
}

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
fn draw(p: &Proposals, frame: &mut Frame<'_>, area: Rect, view: &View<'_>) {
    let theme = view.theme;
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
