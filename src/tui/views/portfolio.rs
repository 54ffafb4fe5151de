//! The portfolio table.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Cell, Paragraph, Row, Table};

use crate::model::Risk;
use crate::readiness::Flag;
use crate::report::ListRow;
use crate::tui::app::{App, QuickFilter, SortColumn};
use crate::tui::list::Item;
use crate::tui::theme::{Theme, verdict_label};
use crate::tui::widgets::{highlighted_fit, safe};

fn risk_short(r: Risk) -> &'static str {
    match r {
        Risk::Minimal => "min",
        Risk::Limited => "ltd",
        Risk::High => "HIGH",
        Risk::Unacceptable => "UNACC",
    }
}

fn approach_short(a: &str) -> &'static str {
    match a {
        "Prompting" => "Prompt",
        "FineTuned" => "Tuned",
        "Other" => "Other",
        _ => "Hybrid",
    }
}

fn accuracy(row: &ListRow) -> String {
    let latest = row
        .latest
        .map_or("—".to_owned(), |l| format!("{:.2}", l.accuracy));
    let regress = if row.flags.contains(&Flag::Regression) {
        "↓"
    } else {
        ""
    };
    let target = row
        .target_accuracy
        .map_or("—".to_owned(), |t| format!("{t:.2}"));
    format!("{latest}{regress}/{target}")
}

fn age(row: &ListRow) -> String {
    let stale = if row.flags.contains(&Flag::Stale) {
        "!"
    } else {
        ""
    };
    match row.latest {
        Some(l) => format!("{}d{stale}", l.age_days),
        None => format!("—{stale}"),
    }
}

/// The widest cell of each column over some rows, in terminal columns
/// (Approach and Risk in their long and short forms).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ContentWidths {
    /// Title.
    pub title: u16,
    /// Team.
    pub team: u16,
    /// Approach, written out.
    pub approach: u16,
    /// Approach, abbreviated.
    pub approach_short: u16,
    /// Stage.
    pub stage: u16,
    /// Risk, written out.
    pub risk: u16,
    /// Risk, abbreviated.
    pub risk_short: u16,
    /// Verdict.
    pub verdict: u16,
    /// Accuracy against target.
    pub accuracy: u16,
    /// Age of the latest measurement.
    pub age: u16,
}

/// The [`ContentWidths`] of the rows `visible` (indices into `rows`):
/// measured once when the rows shown change, not at every frame.
pub fn content_widths(rows: &[ListRow], visible: &[usize]) -> ContentWidths {
    use unicode_width::UnicodeWidthStr;
    let w = |s: &str| s.width().min(usize::from(u16::MAX)) as u16;
    let mut c = ContentWidths::default();
    for &i in visible {
        let r = &rows[i];
        c.title = c.title.max(w(&r.title));
        c.team = c.team.max(w(&r.team));
        c.approach = c.approach.max(w(r.approach));
        c.approach_short = c.approach_short.max(w(approach_short(r.approach)));
        c.stage = c.stage.max(w(r.stage.name()));
        c.risk = c.risk.max(w(r.risk.name()));
        c.risk_short = c.risk_short.max(w(risk_short(r.risk)));
        c.verdict = c.verdict.max(w(verdict_label(r.verdict)));
        c.accuracy = c.accuracy.max(w(&accuracy(r)));
        c.age = c.age.max(w(&age(r)));
    }
    c
}

/// Draws the portfolio screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let p = &app.portfolio;
    let wide = area.width >= 110;
    let arrow = if p.reverse { "↓" } else { "↑" };
    let quick = match p.quick {
        QuickFilter::All => String::new(),
        q => format!(" · only {}", q.label()),
    };
    let order = if p.by_match && !p.filter.value().trim().is_empty() {
        "best match first".to_owned()
    } else {
        format!("sort {} {arrow}", p.sort.title())
    };
    let title = format!(
        " Portfolio · {} of {} · {order}{quick} ",
        p.visible.len(),
        app.data.rows.len(),
    );
    let block = Block::bordered().title(Line::styled(title, theme.focus()));
    let inner = block.inner(area);
    frame.render_widget(block, area);

    let show_filter = p.typing || !p.filter.value().is_empty();
    let [filter_area, table_area] = Layout::vertical([
        Constraint::Length(u16::from(show_filter)),
        Constraint::Fill(1),
    ])
    .areas(inner);
    if show_filter {
        let prompt = Span::styled("/ ", theme.focus());
        let text = Span::raw(safe(p.filter.value()));
        let hint = if p.typing {
            Span::styled("   Enter keep · Esc clear", theme.muted())
        } else {
            Span::styled("   / edit · Esc clear", theme.muted())
        };
        frame.render_widget(
            Paragraph::new(Line::from(vec![prompt, text, hint])),
            filter_area,
        );
        if p.typing && app.dialog.is_none() && !app.help {
            let x = filter_area.x + 2 + p.filter.visual_cursor() as u16;
            frame
                .set_cursor_position((x.min(filter_area.right().saturating_sub(1)), filter_area.y));
        }
    }

    let by_match = p.by_match && !p.filter.value().trim().is_empty();
    let header_for = |c: SortColumn, label: &str| -> Cell<'static> {
        if c == p.sort && !by_match {
            Cell::from(Span::styled(format!("{label}{arrow}"), theme.header()))
        } else {
            Cell::from(Span::styled(label.to_owned(), theme.header()))
        }
    };
    let header = Row::new(vec![
        header_for(SortColumn::Title, "Title"),
        header_for(SortColumn::Team, "Team"),
        header_for(
            SortColumn::Approach,
            if wide { "Approach" } else { "Appr." },
        ),
        header_for(SortColumn::Stage, "Stage"),
        header_for(SortColumn::Risk, "Risk"),
        header_for(SortColumn::Verdict, "Verdict"),
        header_for(SortColumn::Accuracy, "Acc/target"),
        header_for(SortColumn::Age, "Age"),
    ]);
    // Every column but Title and Team takes what its content needs (the
    // widest cell, measured when the rows were chosen: not per frame);
    // Title then gets the room it needs first, and Team what is left.
    use unicode_width::UnicodeWidthStr;
    let c = &p.widths;
    let need = |header: &str, content: u16| -> u16 {
        // The sorted column's header carries an arrow.
        let sorted = !by_match && header.starts_with(p.sort.title().get(..3).unwrap_or(""));
        content.max((header.width() + usize::from(sorted)) as u16)
    };
    let fixed = [
        if wide {
            need("Approach", c.approach)
        } else {
            need("Appr.", c.approach_short)
        },
        need("Stage", c.stage),
        if wide {
            need("Risk", c.risk)
        } else {
            need("Risk", c.risk_short)
        },
        need("Verdict", c.verdict),
        need("Acc/target", c.accuracy),
        need("Age", c.age),
    ];
    let spacing = 7;
    let room = table_area
        .width
        .saturating_sub(fixed.iter().sum::<u16>() + spacing);
    let title_need = need("Title", c.title) + 2;
    let team_need = need("Team", c.team);
    let title_w = title_need.min(room.saturating_sub(team_need.min(8)));
    let team_w = room - title_w;
    let mut widths = vec![Constraint::Length(title_w), Constraint::Length(team_w)];
    widths.extend(fixed.iter().map(|&w| Constraint::Length(w)));
    // The columns' widths as the table will lay them out, to cut long
    // titles and teams with an ellipsis rather than mid-word.
    let columns = Layout::horizontal(widths.clone())
        .flex(ratatui::layout::Flex::Start)
        .spacing(1)
        .split(Rect::new(0, 0, table_area.width, 1));
    let (title_w, team_w) = (columns[0].width as usize, columns[1].width as usize);
    let height = table_area.height.saturating_sub(1) as usize;
    let start = p.cursor.offset.min(p.visible.len());
    let end = (start + height).min(p.visible.len());
    let rows: Vec<Row<'_>> = (start..end)
        .map(|pos| {
            let i = p.visible[pos];
            let r = &app.data.rows[i];
            let hl = &p.highlights[pos];
            let item = Item::new(pos, pos == p.cursor.selected, theme);
            let base = item.base;
            let mut title = vec![item.marker()];
            title.extend(highlighted_fit(
                &r.title,
                &hl.title,
                base,
                theme.matched(),
                title_w.saturating_sub(2),
            ));
            let cells = vec![
                Cell::from(Line::from(title)),
                Cell::from(Line::from(highlighted_fit(
                    &r.team,
                    &hl.team,
                    base,
                    theme.matched(),
                    team_w,
                ))),
                Cell::from(if wide {
                    r.approach
                } else {
                    approach_short(r.approach)
                }),
                Cell::from(r.stage.name()),
                Cell::from(if wide {
                    r.risk.name()
                } else {
                    risk_short(r.risk)
                }),
                Cell::from(Span::styled(
                    verdict_label(r.verdict),
                    theme.verdict(r.verdict).patch(base),
                )),
                Cell::from(accuracy(r)),
                Cell::from(age(r)),
            ];
            Row::new(cells).style(base)
        })
        .collect();
    if p.visible.is_empty() {
        let msg = if app.data.rows.is_empty() {
            "The register has no use cases yet: n creates one (or `ripen new <id>`)."
        } else {
            "Nothing matches. Esc clears the filter."
        };
        let [head, rest] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(table_area);
        frame.render_widget(
            Table::new(Vec::<Row<'_>>::new(), widths).header(header),
            head,
        );
        frame.render_widget(Paragraph::new(msg).style(theme.muted()), rest);
        return;
    }
    frame.render_widget(Table::new(rows, widths).header(header), table_area);
}
