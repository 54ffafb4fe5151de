//! The review screen: HEAD against a quarterly review tag.

use ratatui::Frame;
use ratatui::layout::{Constraint, Direction, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Cell, Paragraph, Row, Table, Wrap};

use crate::tui::app::App;
use crate::tui::theme::Theme;
use crate::tui::widgets::safe;

/// Draws the review screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let r = &app.review;
    let [list_area, main] =
        Layout::horizontal([Constraint::Length(23), Constraint::Fill(1)]).areas(area);
    let block = Block::bordered().title(Line::styled(" Reviews ", theme.focus()));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    if !r.loaded {
        frame.render_widget(Paragraph::new("Loading…").style(theme.muted()), inner);
        return;
    }
    let lines: Vec<Line<'_>> = r
        .tags
        .iter()
        .enumerate()
        .skip(r.cursor.offset)
        .take(inner.height as usize)
        .map(|(pos, t)| {
            let selected = pos == r.cursor.selected;
            let base = if selected {
                theme.selected()
            } else {
                Style::new()
            };
            Line::from(vec![
                Span::styled(if selected { "▶ " } else { "  " }, base),
                Span::styled(
                    safe(t.name.strip_prefix("review/").unwrap_or(&t.name)),
                    base,
                ),
                Span::styled(format!(" {}", t.time.format("%Y-%m-%d")), theme.muted()),
            ])
        })
        .collect();
    frame.render_widget(Paragraph::new(lines), inner);

    let block = Block::bordered().title(Line::styled(
        match r.tags.get(r.cursor.selected) {
            Some(t) => format!(" now against {} ", safe(&t.name)),
            None => " review ".to_owned(),
        },
        theme.focus(),
    ));
    let inner = block.inner(main);
    frame.render_widget(block, main);
    let message = match (&r.error, r.tags.is_empty(), &r.report) {
        (Some(e), _, _) => Some(format!("No reviews: {}", safe(e))),
        (None, true, _) => Some(
            "No review yet. Close one with `ripen review close YYYY-Qn`: it tags HEAD, and this \
             screen then compares the register with it."
                .to_owned(),
        ),
        (None, false, None) => Some("Building the report…".to_owned()),
        (None, false, Some(Err(e))) => Some(format!("No report: {}", safe(e))),
        (None, false, Some(Ok(_))) => None,
    };
    if let Some(msg) = message {
        frame.render_widget(
            Paragraph::new(msg)
                .style(theme.muted())
                .wrap(Wrap { trim: true }),
            inner,
        );
        return;
    }
    let Some(Ok(report)) = &r.report else {
        return;
    };
    let k = &report.key_numbers;
    let summary = vec![
        Line::from(format!(
            "use cases {} → {} · {} new · {} retired · {} forward · {} back",
            k.use_cases_then, k.use_cases_now, k.added, k.retired, k.forward, k.back
        )),
        Line::from(format!(
            "ready {} → {} · almost {} → {} · {} verdicts changed",
            k.ready_then, k.ready_now, k.almost_then, k.almost_now, k.verdicts_changed
        )),
        Line::from(format!(
            "{} stale · {} regressions · {} policy changes",
            k.stale, k.regressions, k.policy_changes
        )),
        Line::from(format!(
            "ROI recorded: {} measured, {} estimated ({})",
            k.roi_measured,
            k.roi_estimated,
            safe(&report.currency)
        )),
    ];
    let mut summary = summary;
    let flagged: Vec<String> = report
        .stage_changes
        .iter()
        .filter(|c| c.flagged())
        .map(|c| safe(&c.id))
        .collect();
    if !flagged.is_empty() {
        summary.push(Line::styled(
            format!(
                "⚠ into FineTune with an override or unready: {}",
                flagged.join(", ")
            ),
            theme.severity(crate::register::Severity::Warning),
        ));
    }
    let [summary_area, lower] = Layout::vertical([
        Constraint::Length(summary.len() as u16),
        Constraint::Fill(1),
    ])
    .areas(inner);
    frame.render_widget(
        Paragraph::new(summary).wrap(Wrap { trim: true }),
        summary_area,
    );
    let [moves_area, bars_area] = Layout::new(
        Direction::Horizontal,
        [Constraint::Length(29), Constraint::Fill(1)],
    )
    .areas(lower);

    let header =
        Row::new(["From", "To", "    N"].map(|h| Cell::from(Span::styled(h, theme.header()))));
    let rows: Vec<Row<'_>> = report
        .movements
        .iter()
        .map(|m| {
            Row::new(vec![
                Cell::from(m.from.name()),
                Cell::from(format!("→ {}", m.to.name())),
                Cell::from(format!("{:>5}", m.count)),
            ])
        })
        .collect();
    let empty = rows.is_empty();
    let table = Table::new(
        rows,
        [
            Constraint::Length(8),
            Constraint::Length(10),
            Constraint::Length(5),
        ],
    )
    .header(header)
    .block(Block::bordered().title(" stage movements "));
    frame.render_widget(table, moves_area);
    if empty {
        let inner = Block::bordered().inner(moves_area);
        if inner.height > 1 {
            let rest = Rect::new(inner.x, inner.y + 1, inner.width, inner.height - 1);
            frame.render_widget(Paragraph::new("no stage moved").style(theme.muted()), rest);
        }
    }

    let groups: Vec<BarGroup<'_>> = report
        .by_stage
        .iter()
        .map(|c| {
            let short = &c.key.name()[..3];
            BarGroup::default()
                .label(Line::from(short.to_owned()))
                .bars(&[
                    Bar::default()
                        .value(c.then as u64)
                        .text_value(format!("{}", c.then))
                        .style(theme.muted()),
                    Bar::default()
                        .value(c.now as u64)
                        .text_value(format!("{}", c.now))
                        .style(theme.focus()),
                ])
        })
        .collect();
    let mut chart = BarChart::default()
        .block(Block::bordered().title(" by stage: left then, right now "))
        .bar_width(2)
        .bar_gap(0)
        .group_gap(1);
    for g in groups {
        chart = chart.data(g);
    }
    frame.render_widget(chart, bars_area);
}
