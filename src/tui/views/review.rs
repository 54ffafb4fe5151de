//! The review screen: HEAD against a quarterly review tag, or (`a`) the
//! review's agenda with the decisions made so far.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Bar, BarChart, BarGroup, Block, Paragraph, Wrap};

use crate::tui::app::App;
use crate::tui::list::{Item, SelectableList};
use crate::tui::theme::Theme;
use crate::tui::widgets::{safe, scrolled};

/// Draws the review screen.
pub fn draw(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    let r = &app.review;
    if r.agenda_shown {
        draw_agenda(frame, area, app, theme);
        return;
    }
    let [list_area, main] =
        Layout::horizontal([Constraint::Length(23), Constraint::Fill(1)]).areas(area);
    let block = Block::bordered().title(Line::styled(" Reviews ", theme.focus()));
    let inner = block.inner(list_area);
    frame.render_widget(block, list_area);
    if !r.loaded {
        frame.render_widget(Paragraph::new("Loading…").style(theme.muted()), inner);
        return;
    }
    SelectableList::new(r.cursor, r.tags.len()).draw(frame, inner, theme, |item| {
        let t = &r.tags[item.pos];
        vec![Line::from(vec![
            item.marker(),
            Span::styled(
                safe(t.name.strip_prefix("review/").unwrap_or(&t.name)),
                item.base,
            ),
            Span::styled(format!(" {}", t.time.format("%Y-%m-%d")), theme.muted()),
        ])]
    });

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
    let mut text = vec![
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
            "ROI recorded: {} measured, {} estimated",
            crate::report::money(&report.currency, k.roi_measured),
            crate::report::money(&report.currency, k.roi_estimated),
        )),
        Line::from(""),
        Line::styled("Stage movements", theme.header()),
    ];
    let flagged: Vec<String> = report
        .stage_changes
        .iter()
        .filter(|c| c.flagged())
        .map(|c| safe(&c.id))
        .collect();
    if !flagged.is_empty() {
        // Above the blank line and the movements' header.
        let at = text.len() - 2;
        text.insert(
            at,
            Line::styled(
                format!(
                    "⚠ into FineTune with an override or unready: {}",
                    flagged.join(", ")
                ),
                theme.severity(crate::register::Severity::Warning),
            ),
        );
    }
    if report.movements.is_empty() {
        text.push(Line::styled("  no stage moved", theme.muted()));
    }
    for m in &report.movements {
        text.push(Line::from(format!(
            "  {:<8} → {:<8} {:>5}",
            m.from.name(),
            m.to.name(),
            m.count
        )));
    }
    // The text scrolls (PgUp/PgDn) above the chart; its bottom rule
    // carries the position when it is longer than its room.
    let chart_height = (inner.height / 2).min(10);
    let [text_area, bars_area] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(chart_height)]).areas(inner);
    let rule = Block::new().borders(ratatui::widgets::Borders::BOTTOM);
    let text_inner = rule.inner(text_area);
    frame.render_widget(rule, text_area);
    scrolled(frame, text_area, text_inner, text, &r.scroll, theme);

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

/// The agenda: each group's items with where they stand in the open
/// review, then the last review's action items.
fn draw_agenda(frame: &mut Frame<'_>, area: Rect, app: &App, theme: &Theme) {
    use crate::model::review::ItemKind;
    let r = &app.review;
    let view = match &r.agenda {
        Some(Ok(v)) => v,
        other => {
            let block = Block::bordered().title(Line::styled(" agenda ", theme.focus()));
            let inner = block.inner(area);
            frame.render_widget(block, area);
            let msg = match other {
                Some(Err(e)) => format!("No agenda: {}", safe(e)),
                _ => "Building the agenda…".to_owned(),
            };
            frame.render_widget(
                Paragraph::new(msg)
                    .style(theme.muted())
                    .wrap(Wrap { trim: true }),
                inner,
            );
            return;
        }
    };
    let chair = match (&view.chair, &app.chair_on, app.who.is_some()) {
        (Some(c), Some(on), true) => format!(
            " · chair {} on {}{}",
            safe(&c.name),
            safe(on),
            if app.following { " (following)" } else { "" }
        ),
        _ => String::new(),
    };
    let title = match &view.open {
        Some(q) => format!(
            " review {q} (open) · agenda as of {}{chair} ",
            view.agenda.as_of
        ),
        None => format!(" agenda as of {} (no review open) ", view.agenda.as_of),
    };
    let block = Block::bordered().title(Line::styled(title, theme.focus()));
    let inner = block.inner(area);
    let mut lines: Vec<Line<'static>> = Vec::new();
    if view.open.is_none() {
        lines.push(Line::styled(
            "Start the review with `ripen review start YYYY-Qn`; decide with `ripen review decide`.",
            theme.muted(),
        ));
    }
    let groups = [
        (ItemKind::Ready, "Ready to move to fine-tuning"),
        (ItemKind::Almost, "Almost ready (one criterion short)"),
        (ItemKind::FineTuned, "Fine-tuned since the last review"),
        (ItemKind::Flagged, "Stale or regressed"),
        (ItemKind::Proposal, "Open proposals"),
        (ItemKind::Raised, "Raised in the review"),
    ];
    for (kind, heading) in groups {
        let items: Vec<(usize, &crate::agenda::Item)> = view
            .agenda
            .items
            .iter()
            .enumerate()
            .filter(|(_, i)| i.kind == kind)
            .collect();
        if items.is_empty() {
            continue;
        }
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!("{heading} ({})", items.len()),
            theme.header(),
        ));
        for (n, i) in items {
            let item = Item::new(n, n == r.agenda_cursor.selected, theme);
            let mut spans = vec![
                item.marker(),
                Span::styled(format!("{}  ", safe(&i.item)), item.base),
                Span::styled(safe(&i.note), theme.muted()),
            ];
            if view.open.is_some() {
                spans.push(Span::styled(
                    format!("  [{}]", safe(&view.state_of(&i.item))),
                    theme.focus(),
                ));
            }
            lines.push(Line::from(spans));
        }
    }
    if view.agenda.items.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled("Nothing to decide.", theme.muted()));
    }
    if !view.agenda.actions.is_empty() {
        lines.push(Line::from(""));
        lines.push(Line::styled(
            format!(
                "Action items of the last review ({})",
                view.agenda.actions.len()
            ),
            theme.header(),
        ));
        for a in &view.agenda.actions {
            lines.push(Line::from(format!(
                "  {} {}  {}: {} ({})",
                a.due,
                a.state,
                safe(&a.owner),
                safe(&a.what),
                safe(&a.item)
            )));
        }
    }
    frame.render_widget(block, area);
    scrolled(frame, area, inner, lines, &r.scroll, theme);
}
