//! Writing the quarterly report: Markdown for a forge or plain reading, the
//! one-paragraph summary and a review tag's message, one function per
//! section. All register text is sanitized; Markdown text is escaped.

use std::fmt::Write as _;

use unicode_width::UnicodeWidthStr;

use super::model::*;
use crate::diff::{FieldChange, FieldValue};
use crate::model::{Confidence, Period, RoiKind};
use crate::readiness::Verdict;
use crate::report;
use crate::text::sanitize;

/// Thousands separators, as everywhere: the one helper in [`crate::text`].
pub use crate::text::thousands;

fn money(currency: &str, n: u64) -> String {
    report::money(currency, n)
}

fn percent(v: f64) -> String {
    format!("{:.1}%", v * 100.0)
}

fn plural(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

fn signed(then: usize, now: usize) -> String {
    match now.cmp(&then) {
        std::cmp::Ordering::Greater => format!("+{}", now - then),
        std::cmp::Ordering::Less => format!("-{}", then - now),
        std::cmp::Ordering::Equal => "0".to_owned(),
    }
}

fn side_text(s: &Side) -> String {
    let mut out = sanitize(&s.label).into_owned();
    let mut detail = Vec::new();
    if let Some(c) = &s.commit {
        let label = s.label.to_ascii_lowercase();
        if !(label.len() >= 4 && c.starts_with(&label)) {
            detail.push(format!("commit {}", c.get(..7).unwrap_or(c)));
        }
    }
    if let Some(d) = s.date {
        detail.push(d.to_string());
    }
    if !detail.is_empty() {
        let _ = write!(out, " ({})", detail.join(", "));
    }
    out
}

/// The one-paragraph summary with the key numbers, as plain text (register
/// text sanitized, no Markdown).
pub fn summary(r: &QuarterlyReport) -> String {
    let k = &r.key_numbers;
    let mut s = format!(
        "Between {} and {}, the register went from {} to {} ({} active now)",
        side_text(&r.since),
        side_text(&r.until),
        k.use_cases_then,
        plural(k.use_cases_now, "use case", "use cases"),
        k.active_now,
    );
    let mut changes = Vec::new();
    if k.added > 0 {
        changes.push(format!("{} new", k.added));
    }
    if k.retired > 0 {
        changes.push(format!("{} retired", k.retired));
    }
    if k.removed > 0 {
        changes.push(format!("{} removed", k.removed));
    }
    if !changes.is_empty() {
        let _ = write!(s, ": {}", changes.join(", "));
    }
    s.push_str(". ");
    if k.forward + k.back == 0 {
        s.push_str("No use case moved forward or back on the roadmap. ");
    } else {
        let _ = write!(
            s,
            "{} moved forward on the roadmap and {} moved back. ",
            k.forward, k.back
        );
    }
    let _ = write!(
        s,
        "{} ready to move to fine-tuning and {} almost ready (then {} and {}). ",
        plural(k.ready_now, "use case is", "use cases are"),
        k.almost_now,
        k.ready_then,
        k.almost_then
    );
    let _ = write!(
        s,
        "ROI evidence recorded in the period: {} measured and {} estimated. ",
        money(&r.currency, k.roi_measured),
        money(&r.currency, k.roi_estimated)
    );
    let attention = match (k.regressions, k.stale) {
        (0, 0) => "No accuracy regression and no stale entry need attention.".to_owned(),
        (reg, st) => format!(
            "Needing attention: {} and {} (no recent measurement).",
            plural(reg, "accuracy regression", "accuracy regressions"),
            plural(st, "stale entry", "stale entries")
        ),
    };
    s.push_str(&attention);
    if k.policy_changes > 0 {
        let _ = write!(
            s,
            " The readiness policy changed ({}).",
            plural(k.policy_changes, "change", "changes")
        );
    }
    s
}

/// The message of a review tag: a subject line, then counts by stage, the
/// ready and almost-ready candidates, and the ROI recorded since the
/// previous review (the report's `since`). All register text sanitized.
pub fn tag_message(quarter: &str, r: &QuarterlyReport) -> String {
    let k = &r.key_numbers;
    let mut m = format!(
        "Review {}: {}, {} ready, {} almost\n\n",
        sanitize(quarter),
        plural(k.use_cases_now, "use case", "use cases"),
        k.ready_now,
        k.almost_now
    );
    let _ = writeln!(
        m,
        "Register: {} at {}, as of {}.",
        sanitize(&r.register),
        side_text(&r.until),
        r.until.as_of
    );
    let stages: Vec<String> = r
        .by_stage
        .iter()
        .map(|c| format!("{} {}", c.key.name(), c.now))
        .collect();
    let _ = writeln!(m, "By stage: {}.", stages.join(", "));
    for (verdict, label) in [(Verdict::Ready, "Ready"), (Verdict::Almost, "Almost")] {
        let ids: Vec<String> = r
            .candidates
            .iter()
            .filter(|c| c.verdict == verdict)
            .map(|c| sanitize(&c.id).into_owned())
            .collect();
        let list = if ids.is_empty() {
            "none".to_owned()
        } else {
            ids.join(", ")
        };
        let _ = writeln!(m, "{label}: {list}.");
    }
    let _ = writeln!(
        m,
        "ROI recorded since {}: {} measured, {} estimated.",
        sanitize(&r.since.label),
        money(&r.currency, k.roi_measured),
        money(&r.currency, k.roi_estimated)
    );
    if k.added + k.retired + k.forward + k.back > 0 {
        let _ = writeln!(
            m,
            "Since then: {} new, {} retired, {} forward, {} back.",
            k.added, k.retired, k.forward, k.back
        );
    }
    m
}

// ---------------------------------------------------------------------------
// Markdown
// ---------------------------------------------------------------------------

/// Register text made safe for Markdown: sanitized (no control characters,
/// one line), and every character that could start Markdown structure
/// (emphasis, links, code, HTML, table cells) escaped with a backslash.
pub fn md(s: &str) -> String {
    let s = sanitize(s);
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len() + 8);
    for (i, &c) in chars.iter().enumerate() {
        let escape = match c {
            '\\' | '`' | '*' | '[' | ']' | '<' | '>' | '|' | '~' | '#' => true,
            // `_` emphasises only at a word's edge.
            '_' => {
                let alnum = |j: Option<usize>| {
                    j.and_then(|j| chars.get(j))
                        .is_some_and(|c| c.is_alphanumeric())
                };
                !(alnum(i.checked_sub(1)) && alnum(Some(i + 1)))
            }
            // Only an entity (`&amp;`, `&#27;`) needs it.
            '&' => {
                let rest = &chars[i + 1..];
                let body = rest.strip_prefix(&['#']).unwrap_or(rest);
                let n = body
                    .iter()
                    .take_while(|c| c.is_ascii_alphanumeric())
                    .count();
                n > 0 && body.get(n) == Some(&';')
            }
            _ => false,
        };
        if escape {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

#[derive(Clone, Copy)]
enum Align {
    Left,
    Right,
}

/// A table with columns padded so that it also reads as plain text. Cells
/// are Markdown already (register text passed through [`md`]).
fn table(out: &mut String, header: &[&str], align: &[Align], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.width().max(3)).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.width());
        }
    }
    let line = |cells: &mut dyn Iterator<Item = (usize, &str)>| {
        let mut l = String::from("|");
        for (i, cell) in cells {
            let pad = " ".repeat(widths[i].saturating_sub(cell.width()));
            match align[i] {
                Align::Left => {
                    let _ = write!(l, " {cell}{pad} |");
                }
                Align::Right => {
                    let _ = write!(l, " {pad}{cell} |");
                }
            }
        }
        l.push('\n');
        l
    };
    out.push_str(&line(&mut header.iter().copied().enumerate()));
    out.push('|');
    for (i, w) in widths.iter().enumerate() {
        let dashes = "-".repeat(w.saturating_sub(1));
        match align[i] {
            Align::Left => {
                let _ = write!(out, " :{dashes} |");
            }
            Align::Right => {
                let _ = write!(out, " {dashes}: |");
            }
        }
    }
    out.push('\n');
    for row in rows {
        out.push_str(&line(&mut row.iter().map(String::as_str).enumerate()));
    }
    out.push('\n');
}

fn heading(out: &mut String, level: usize, text: &str) {
    let _ = writeln!(out, "{} {text}\n", "#".repeat(level));
}

fn para(out: &mut String, text: &str) {
    let _ = writeln!(out, "{text}\n");
}

/// A use case as shown in lists and tables: its title and id.
/// The flag a move into FineTune carries in the Markdown report.
fn flag_of(s: &StageChange) -> String {
    if !s.flagged() {
        return String::new();
    }
    let mut why = Vec::new();
    if s.override_recorded {
        why.push("made with a readiness override".to_owned());
    }
    if let Some(u) = &s.unready {
        why.push(format!("without passing readiness: {}", md(u)));
    }
    format!(" **FLAGGED: {}**", why.join("; "))
}

fn named(id: &str, title: &str) -> String {
    format!("{} ({})", md(title), md(id))
}

fn verdict_text(v: Option<Verdict>) -> &'static str {
    v.map_or("(none)", Verdict::phrase)
}

fn counts_table(out: &mut String, what: &str, rows: Vec<(String, usize, usize)>) {
    let (then, now) = rows.iter().fold((0, 0), |(a, b), (_, t, n)| (a + t, b + n));
    let mut cells: Vec<Vec<String>> = rows
        .into_iter()
        .map(|(k, t, n)| vec![k, t.to_string(), n.to_string(), signed(t, n)])
        .collect();
    cells.push(vec![
        "Total".to_owned(),
        then.to_string(),
        now.to_string(),
        signed(then, now),
    ]);
    table(
        out,
        &[what, "Then", "Now", "Change"],
        &[Align::Left, Align::Right, Align::Right, Align::Right],
        &cells,
    );
}

fn money_cell(r: &QuarterlyReport, n: u64) -> String {
    md(&money(&r.currency, n))
}

fn period_name(p: Period) -> &'static str {
    match p {
        Period::Month => "a month",
        Period::Quarter => "a quarter",
        Period::Year => "a year",
        Period::OneOff => "one-off",
    }
}

fn kind_name(k: RoiKind) -> &'static str {
    match k {
        RoiKind::CostSaving => "Cost saving",
        RoiKind::TimeSaved => "Time saved",
        RoiKind::Revenue => "Revenue",
        RoiKind::RiskReduction => "Risk reduction",
    }
}

/// Renders the report as Markdown that reads well on a git forge and as
/// plain text: headings, short tables padded into columns, no HTML. All
/// register text is sanitized and escaped ([`md`]), so the document holds
/// no control character but newlines.
pub fn markdown(r: &QuarterlyReport) -> String {
    let mut o = String::new();
    title(&mut o, r);
    summary_section(&mut o, r);
    portfolio(&mut o, r);
    stage_movements(&mut o, r);
    new_and_retired(&mut o, r);
    readiness_section(&mut o, r);
    roi_section(&mut o, r);
    accuracy_section(&mut o, r);
    stale_section(&mut o, r);
    fine_tunes_section(&mut o, r);
    policy_section(&mut o, r);
    reviews_section(&mut o, r);
    footer(&mut o, r);
    o
}

/// The title, the period and, when either side has errors, a warning.
fn title(o: &mut String, r: &QuarterlyReport) {
    heading(o, 1, &format!("Quarterly review: {}", md(&r.register)));
    let _ = writeln!(
        o,
        "- Period: from {} to {}\n- Evaluated as of: {} (then) and {} (now)\n",
        md(&side_text(&r.since)),
        md(&side_text(&r.until)),
        r.since.as_of,
        r.until.as_of
    );
    if r.since.errors + r.until.errors > 0 {
        para(
            o,
            &format!(
                "Warning: the register has {} error(s) then and {} now; use cases in files with errors are left out of this report (`ripen validate` lists them).",
                r.since.errors, r.until.errors
            ),
        );
    }
}

/// The summary paragraph ([`summary`]).
fn summary_section(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "Summary");
    para(o, &md(&summary(r)));
}

/// Counts by stage, approach and risk tier, then and now.
fn portfolio(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "Portfolio");
    counts_table(
        o,
        "Stage",
        r.by_stage
            .iter()
            .map(|c| (c.key.name().to_owned(), c.then, c.now))
            .collect(),
    );
    counts_table(
        o,
        "Approach",
        r.by_approach
            .iter()
            .map(|c| (md(c.key), c.then, c.now))
            .collect(),
    );
    counts_table(
        o,
        "Risk tier",
        r.by_risk
            .iter()
            .map(|c| (c.key.name().to_owned(), c.then, c.now))
            .collect(),
    );
}

/// Movements between stages, counted, then each use case that moved.
fn stage_movements(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "Stage movements");
    if r.movements.is_empty() {
        para(o, "No use case changed stage.");
    } else {
        table(
            o,
            &["From", "To", "Use cases"],
            &[Align::Left, Align::Left, Align::Right],
            &r.movements
                .iter()
                .map(|m| {
                    vec![
                        m.from.name().to_owned(),
                        m.to.name().to_owned(),
                        m.count.to_string(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
        for s in &r.stage_changes {
            let _ = writeln!(
                o,
                "- {}: {} to {}, {}{}",
                named(&s.id, &s.title),
                s.from.name(),
                s.to.name(),
                s.direction.label(),
                flag_of(s)
            );
        }
        o.push('\n');
    }
}

/// Use cases added, retired, removed (file deleted) and renamed.
fn new_and_retired(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "New and retired use cases");
    if r.added.is_empty() && r.retired.is_empty() && r.removed.is_empty() && r.renamed.is_empty() {
        para(o, "No use case was added, retired or removed.");
    }
    if !r.added.is_empty() {
        para(o, "New:");
        for u in &r.added {
            let _ = writeln!(
                o,
                "- {}: {}, owned by {} ({})",
                named(&u.id, &u.title),
                u.stage.name(),
                md(&u.owner),
                md(&u.team)
            );
        }
        o.push('\n');
    }
    if !r.retired.is_empty() {
        para(o, "Retired:");
        for s in &r.retired {
            let _ = writeln!(
                o,
                "- {}: retired from {}, owned by {} ({})",
                named(&s.id, &s.title),
                s.from.name(),
                md(&s.owner),
                md(&s.team)
            );
        }
        o.push('\n');
    }
    if !r.removed.is_empty() {
        para(o, "Removed from the register (file deleted):");
        for u in &r.removed {
            let _ = writeln!(
                o,
                "- {}: was {}, owned by {} ({})",
                named(&u.id, &u.title),
                u.stage.name(),
                md(&u.owner),
                md(&u.team)
            );
        }
        o.push('\n');
    }
    if !r.renamed.is_empty() {
        para(o, "Renamed:");
        for n in &r.renamed {
            let _ = writeln!(o, "- {} is now {}", md(&n.from), md(&n.to));
        }
        o.push('\n');
    }
}

/// The candidates for fine-tuning, and the verdicts that changed.
fn readiness_section(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "Readiness for fine-tuning");
    if r.candidates.is_empty() {
        para(
            o,
            &format!(
                "No use case is ready or almost ready as of {}.",
                r.until.as_of
            ),
        );
    } else {
        table(
            o,
            &[
                "Use case",
                "Verdict",
                "Then",
                "Blocking",
                "Measured ROI, 365 days",
            ],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
            ],
            &r.candidates
                .iter()
                .map(|c| {
                    vec![
                        named(&c.id, &c.title),
                        c.verdict.label().to_owned(),
                        c.verdict_then.map_or("(new)", Verdict::label).to_owned(),
                        if c.blockers.is_empty() {
                            "-".to_owned()
                        } else {
                            c.blockers.join(", ")
                        },
                        money_cell(r, c.measured_roi_last_year),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
    if r.verdict_changes.is_empty() {
        para(o, "No readiness verdict changed.");
    } else {
        para(o, "Verdicts that changed:");
        table(
            o,
            &["Use case", "Then", "Now"],
            &[Align::Left, Align::Left, Align::Left],
            &r.verdict_changes
                .iter()
                .map(|v| {
                    vec![
                        named(&v.id, &v.title),
                        verdict_text(v.before).to_owned(),
                        verdict_text(v.after).to_owned(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
}

/// The ROI evidence recorded in the period: totals, by kind, by team, each entry.
fn roi_section(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "ROI evidence recorded in the period");
    let withdrawn = if r.roi.withdrawn > 0 {
        format!(
            " {} removed or corrected in the period (not subtracted).",
            plural(r.roi.withdrawn, "entry was", "entries were")
        )
    } else {
        String::new()
    };
    if r.roi.entries.is_empty() {
        para(
            o,
            &format!("No ROI evidence was added to the register in the period.{withdrawn}"),
        );
    } else {
        para(
            o,
            &format!(
                "{} measured and {} estimated, in {} added to the register in the period (amounts summed as recorded, whatever period each covers).{withdrawn}",
                money_cell(r, r.roi.measured),
                money_cell(r, r.roi.estimated),
                plural(r.roi.entries.len(), "entry", "entries"),
            ),
        );
    }
    if !r.roi.entries.is_empty() {
        let sums = |rows: Vec<(String, u64, u64)>| -> Vec<Vec<String>> {
            rows.into_iter()
                .map(|(k, m, e)| vec![k, money_cell(r, m), money_cell(r, e)])
                .collect()
        };
        table(
            o,
            &["Kind", "Measured", "Estimated"],
            &[Align::Left, Align::Right, Align::Right],
            &sums(
                r.roi
                    .by_kind
                    .iter()
                    .map(|s| (kind_name(s.key).to_owned(), s.measured, s.estimated))
                    .collect(),
            ),
        );
        table(
            o,
            &["Team", "Measured", "Estimated"],
            &[Align::Left, Align::Right, Align::Right],
            &sums(
                r.roi
                    .by_team
                    .iter()
                    .map(|s| (md(&s.key), s.measured, s.estimated))
                    .collect(),
            ),
        );
        table(
            o,
            &["Use case", "Date", "Kind", "Amount", "Covers", "Confidence"],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Right,
                Align::Left,
                Align::Left,
            ],
            &r.roi
                .entries
                .iter()
                .map(|l| {
                    vec![
                        named(&l.id, &l.title),
                        l.entry.date.to_string(),
                        kind_name(l.entry.kind).to_owned(),
                        money_cell(r, l.entry.value_usd),
                        period_name(l.entry.period).to_owned(),
                        match l.entry.confidence {
                            Confidence::Measured => "measured",
                            Confidence::Estimated => "estimated",
                        }
                        .to_owned(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
}

/// Latest accuracy against target, and the regressions.
fn accuracy_section(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "Accuracy against target");
    if r.accuracy.is_empty() {
        para(o, "No active use case has an accuracy target.");
    } else {
        table(
            o,
            &["Use case", "Target", "Then", "Now", "Status"],
            &[
                Align::Left,
                Align::Right,
                Align::Right,
                Align::Right,
                Align::Left,
            ],
            &r.accuracy
                .iter()
                .map(|a| {
                    let status = match (a.now, a.meets_target) {
                        (None, _) => "no measurement".to_owned(),
                        (Some(_), Some(true)) => "meets target".to_owned(),
                        (Some(now), _) => {
                            format!("{:.1} pts below", (a.target - now) * 100.0)
                        }
                    };
                    let status = if a.regression {
                        format!("{status}, regression")
                    } else {
                        status
                    };
                    vec![
                        named(&a.id, &a.title),
                        percent(a.target),
                        a.then.map_or("-".to_owned(), percent),
                        a.now.map_or("-".to_owned(), percent),
                        status,
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
    if r.regressions.is_empty() {
        para(o, "No accuracy regression.");
    } else {
        para(
            o,
            "Regressions (latest accuracy below the previous one by more than the policy allows):",
        );
        for g in &r.regressions {
            let _ = writeln!(
                o,
                "- {}: {} to {} on {}; owner {}",
                named(&g.id, &g.title),
                percent(g.previous),
                percent(g.latest),
                g.date,
                md(&g.owner)
            );
        }
        o.push('\n');
    }
}

/// The use cases with no recent measurement.
/// The reviews recorded in the period: who, decisions with approvals,
/// action items. Absent when there are none.
fn reviews_section(o: &mut String, r: &QuarterlyReport) {
    use crate::minutes::decision_words;
    for m in &r.reviews {
        heading(o, 2, &format!("Review {}: decisions", md(&m.quarter)));
        let mut about = format!(
            "- Chair: {}\n- Attendees: {}\n- As of: {}\n- State: {}\n",
            md(&m.chair.to_string()),
            if m.attendees.is_empty() {
                "none recorded".to_owned()
            } else {
                md(&m.attendees.join(", "))
            },
            m.as_of,
            if m.closed { "closed" } else { "open" }
        );
        if !m.carried_over.is_empty() {
            about.push_str(&format!(
                "- Carried over: {}\n",
                md(&m.carried_over.join(", "))
            ));
        }
        let _ = writeln!(o, "{about}");
        if m.decisions.is_empty() {
            para(o, "No decision recorded.");
        } else {
            table(
                o,
                &["Item", "Decision", "Status", "By", "Approvals", "Because"],
                &[Align::Left; 6],
                &m.decisions
                    .iter()
                    .map(|d| {
                        let approvals: Vec<String> = d
                            .approvals
                            .iter()
                            .map(|a| format!("{} ({})", a.by.name, a.date))
                            .collect();
                        vec![
                            md(&d.item),
                            md(&decision_words(d)),
                            d.status.label().to_owned(),
                            md(&d.by.name),
                            if d.approvals_needed == 0 {
                                "none needed".to_owned()
                            } else {
                                format!(
                                    "{} of {}: {}",
                                    d.approvals.len(),
                                    d.approvals_needed,
                                    md(&approvals.join(", "))
                                )
                            },
                            md(&d.because),
                        ]
                    })
                    .collect::<Vec<_>>(),
            );
        }
        let actions: Vec<Vec<String>> = m
            .actions()
            .map(|(item, a)| vec![md(&a.owner), a.due.to_string(), md(&a.what), md(item)])
            .collect();
        if !actions.is_empty() {
            heading(o, 3, "Action items");
            table(
                o,
                &["Owner", "Due", "What", "Item"],
                &[Align::Left; 4],
                &actions,
            );
        }
    }
}

fn stale_section(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "Stale entries");
    if r.stale.is_empty() {
        para(o, "Every active use case has a recent measurement.");
    } else {
        table(
            o,
            &["Use case", "Owner", "Team", "Last measured", "Stale then"],
            &[
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
                Align::Left,
            ],
            &r.stale
                .iter()
                .map(|s| {
                    vec![
                        named(&s.id, &s.title),
                        md(&s.owner),
                        md(&s.team),
                        match (s.last_measured, s.days) {
                            (Some(d), Some(n)) => format!("{d} ({n} days)"),
                            _ => "never".to_owned(),
                        },
                        if s.stale_then { "yes" } else { "no" }.to_owned(),
                    ]
                })
                .collect::<Vec<_>>(),
        );
    }
}

/// Fine-tunes against their prompting baselines, predicted and realised.
fn fine_tunes_section(o: &mut String, r: &QuarterlyReport) {
    if r.fine_tunes.is_empty() {
        return;
    }
    heading(
        o,
        2,
        "Fine-tunes since the last review: predicted and realised",
    );
    para(
        o,
        "Each fine-tune's measurements after its approach changed, against the prompting measurements before it (means); the saving predicted from the cost model at the change, and the saving realised at the measured costs. `new` marks a change made in the period.",
    );
    let cur = md(&r.currency);
    let signed =
        |v: Option<f64>, places: usize| v.map_or("-".to_owned(), |v| format!("{v:+.places$}"));
    let money = |v: Option<f64>| {
        v.map_or("-".to_owned(), |v| {
            format!("{cur} {}", crate::economics::usd(v))
        })
    };
    table(
        o,
        &[
            "Use case",
            "Changed",
            "Measured (before/after)",
            "Accuracy",
            "Consistency",
            "p95 latency ms",
            "Cost per 1k",
            "Saving a month: predicted",
            "realised",
            "Judgement",
        ],
        &[
            Align::Left,
            Align::Left,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Right,
            Align::Left,
        ],
        &r.fine_tunes
            .iter()
            .map(|f| {
                let x = &f.realised;
                vec![
                    named(&f.id, &f.title),
                    format!(
                        "{}{}",
                        x.changed_on,
                        if f.in_period { " (new)" } else { "" }
                    ),
                    format!("{}/{}", x.baseline_measurements, x.after_measurements),
                    signed(x.accuracy_uplift, 3),
                    signed(x.consistency_uplift, 3),
                    signed(x.latency_change_ms, 0),
                    signed(x.cost_per_1k_change_usd, 2),
                    money(x.predicted_monthly_saving_usd),
                    money(x.realised_monthly_saving_usd),
                    x.judgement.label().to_owned(),
                ]
            })
            .collect::<Vec<_>>(),
    );
}

/// Changes to the readiness policy and to the register's settings.
fn policy_section(o: &mut String, r: &QuarterlyReport) {
    heading(o, 2, "Policy changes");
    let changes_rows = |cs: &[FieldChange]| -> Vec<Vec<String>> {
        cs.iter()
            .map(|c| {
                if c.field == "gates" {
                    // A gate added or removed: the criterion, gated or not.
                    let gated = |v: &FieldValue| if v.is_none() { "not gated" } else { "gated" };
                    let name = if c.from.is_none() { &c.to } else { &c.from };
                    vec![
                        format!("gate {}", md(&name.to_string())),
                        gated(&c.from).to_owned(),
                        gated(&c.to).to_owned(),
                    ]
                } else {
                    vec![md(&c.field), md(&c.from.to_string()), md(&c.to.to_string())]
                }
            })
            .collect()
    };
    if r.policy_changes.is_empty() {
        para(o, "The readiness policy did not change.");
    } else {
        table(
            o,
            &["Policy setting", "Then", "Now"],
            &[Align::Left, Align::Left, Align::Left],
            &changes_rows(&r.policy_changes),
        );
    }
    if !r.settings_changes.is_empty() {
        para(o, "Register settings that changed:");
        table(
            o,
            &["Setting", "Then", "Now"],
            &[Align::Left, Align::Left, Align::Left],
            &changes_rows(&r.settings_changes),
        );
    }
}

/// The closing line: where the report comes from.
fn footer(o: &mut String, r: &QuarterlyReport) {
    let k = &r.key_numbers;
    let _ = writeln!(
        o,
        "---\n\nGenerated by ripen from the register's git history. Changes are those between the two commits; each side is evaluated at its own as-of date. {} recorded in the period.",
        plural(k.measurements_added, "measurement was", "measurements were")
    );
}
