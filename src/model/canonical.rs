//! The canonical RON layout that everything ripen writes.
//!
//! One field per line, one measurement or ROI entry per line, four-space
//! indentation, trailing commas. Changing one field therefore changes one
//! line in `git diff`. Comments are not preserved by a rewrite: keep notes
//! in the `notes` field.

use std::fmt::Write;

use super::{Approach, Measurement, Policy, RoiEntry, Settings, Source, UseCase};

/// A string literal with RON escapes: quotes, backslashes and every
/// character that is unsafe on a terminal are escaped; the rest (apostrophes,
/// accents, any script) is written as it is.
fn s(v: &str) -> String {
    let mut out = String::with_capacity(v.len() + 2);
    out.push('"');
    for c in v.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if crate::text::is_unsafe(c) => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string literal as [`use_case`] writes it (RON escapes, unsafe
/// characters escaped).
pub fn string(v: &str) -> String {
    s(v)
}

/// A float that always reads back as a float (`4.0`, not `4`).
fn f(v: f64) -> String {
    format!("{v:?}")
}

fn opt<T>(v: Option<T>, show: impl Fn(T) -> String) -> String {
    match v {
        Some(x) => format!("Some({})", show(x)),
        None => "None".to_owned(),
    }
}

/// One line of an approach, e.g. `Prompting(technique: FewShot, model: "gpt-4o")`.
pub fn approach(a: &Approach) -> String {
    match a {
        Approach::Prompting { technique, model } => {
            format!("Prompting(technique: {technique:?}, model: {})", s(model))
        }
        Approach::FineTuned {
            method,
            base_model,
            dataset,
        } => format!(
            "FineTuned(method: {method:?}, base_model: {}, dataset: {})",
            s(base_model),
            s(dataset)
        ),
        Approach::Hybrid {
            prompting,
            fine_tuned,
        } => format!(
            "Hybrid(prompting: {}, fine_tuned: {})",
            s(prompting),
            s(fine_tuned)
        ),
        Approach::Other { description } => format!("Other(description: {})", s(description)),
    }
}

/// One line of a source, e.g. `(system: "omb-2025", id: "DOC/DOC-0042")`.
pub fn source(v: &Source) -> String {
    format!("(system: {}, id: {})", s(&v.system), s(&v.id))
}

/// One line of a measurement, as it stands in the `measurements` list.
pub fn measurement(m: &Measurement) -> String {
    format!(
        "(date: \"{}\", accuracy: {}, consistency: {}, p95_latency_ms: {}, cost_per_1k_usd: {}, satisfaction: {}, source: {})",
        m.date,
        f(m.accuracy),
        f(m.consistency),
        m.p95_latency_ms,
        f(m.cost_per_1k_usd),
        f(m.satisfaction),
        s(&m.source)
    )
}

/// One line of an ROI entry, as it stands in the `roi` list.
pub fn roi_entry(r: &RoiEntry) -> String {
    format!(
        "(date: \"{}\", kind: {:?}, value_usd: {}, period: {:?}, evidence: {}, confidence: {:?})",
        r.date,
        r.kind,
        r.value_usd,
        r.period,
        s(&r.evidence),
        r.confidence
    )
}

fn list(out: &mut String, name: &str, items: impl Iterator<Item = String>) {
    let items: Vec<String> = items.collect();
    if items.is_empty() {
        let _ = writeln!(out, "    {name}: [],");
        return;
    }
    let _ = writeln!(out, "    {name}: [");
    for item in items {
        let _ = writeln!(out, "        {item},");
    }
    out.push_str("    ],\n");
}

/// The canonical text of a use-case file.
pub fn use_case(u: &UseCase) -> String {
    let p = &u.profile;
    let t = &u.targets;
    let mut out = String::with_capacity(1024);
    out.push_str("UseCase(\n");
    let _ = writeln!(out, "    title: {},", s(&u.title));
    let _ = writeln!(out, "    summary: {},", s(&u.summary));
    let _ = writeln!(out, "    owner: {},", s(&u.owner));
    let _ = writeln!(out, "    team: {},", s(&u.team));
    let _ = writeln!(out, "    stage: {},", u.stage.name());
    let _ = writeln!(out, "    approach: {},", approach(&u.approach));
    let _ = writeln!(out, "    risk: {},", u.risk.name());
    out.push_str("    profile: (\n");
    let _ = writeln!(out, "        specificity: {},", p.specificity.name());
    let _ = writeln!(out, "        daily_volume: {},", p.daily_volume);
    let _ = writeln!(out, "        curated_examples: {},", p.curated_examples);
    let _ = writeln!(out, "        ml_expertise: {},", p.ml_expertise);
    let _ = writeln!(out, "        budget_usd: {},", p.budget_usd);
    let _ = writeln!(out, "        can_wait_weeks: {},", p.can_wait_weeks);
    let _ = writeln!(out, "        needs_consistency: {},", p.needs_consistency);
    out.push_str("    ),\n");
    out.push_str("    targets: (\n");
    let _ = writeln!(out, "        accuracy: {},", opt(t.accuracy, f));
    let _ = writeln!(
        out,
        "        p95_latency_ms: {},",
        opt(t.p95_latency_ms, |v| v.to_string())
    );
    let _ = writeln!(
        out,
        "        cost_per_1k_usd: {},",
        opt(t.cost_per_1k_usd, f)
    );
    out.push_str("    ),\n");
    list(
        &mut out,
        "measurements",
        u.measurements.iter().map(measurement),
    );
    list(&mut out, "roi", u.roi.iter().map(roi_entry));
    let _ = writeln!(out, "    notes: {},", s(&u.notes));
    if let Some(src) = &u.source {
        let _ = writeln!(out, "    source: Some({}),", source(src));
    }
    if let Some(e) = &u.economics {
        let _ = writeln!(
            out,
            "    economics: Some({}),",
            crate::economics::canonical_overrides(e)
        );
    }
    if let Some(d) = u.baseline_until {
        let _ = writeln!(out, "    baseline_until: Some(\"{d}\"),");
    }
    out.push_str(")\n");
    out
}

/// The canonical text of `policy.ron`.
pub fn policy(p: &Policy) -> String {
    let gates: Vec<String> = p.gates.iter().map(|g| format!("{g:?}")).collect();
    let mut out = format!(
        "Policy(\n    min_curated_examples: {},\n    min_daily_volume: {},\n    min_annual_roi_usd: {},\n    plateau_window: {},\n    plateau_max_gain: {},\n    min_budget_usd: {},\n    stale_after_days: {},\n    regression_drop: {},\n    gates: [{}],\n",
        p.min_curated_examples,
        p.min_daily_volume,
        p.min_annual_roi_usd,
        p.plateau_window,
        f(p.plateau_max_gain),
        p.min_budget_usd,
        p.stale_after_days,
        f(p.regression_drop),
        gates.join(", ")
    );
    if !p.approvals.is_empty() {
        out.push_str("    approvals: [\n");
        for r in &p.approvals {
            let kinds: Vec<String> = r.decisions.iter().map(|d| format!("{d:?}")).collect();
            let _ = writeln!(
                out,
                "        (risk: {:?}, decisions: [{}], approvers: {}, role: {:?}),",
                r.risk,
                kinds.join(", "),
                r.approvers,
                r.role
            );
        }
        out.push_str("    ],\n");
    }
    if let Some(e) = &p.economics {
        let _ = write!(
            out,
            "    economics: Some((\n{}    )),\n",
            crate::economics::canonical(e)
        );
    }
    out.push_str(")\n");
    out
}

/// The canonical text of `access.ron`.
pub fn access(a: &crate::access::Access) -> String {
    let mut out = String::from("Access(\n    principals: [\n");
    for p in &a.principals {
        let _ = write!(
            out,
            "        (\n            name: {},\n            email: {},\n            role: {},\n",
            s(&p.name),
            s(&p.email),
            p.role.name()
        );
        if p.keys.is_empty() {
            out.push_str("            keys: [],\n");
        } else {
            out.push_str("            keys: [\n");
            for k in &p.keys {
                let _ = writeln!(out, "                {},", s(k));
            }
            out.push_str("            ],\n");
        }
        out.push_str("        ),\n");
    }
    out.push_str("    ],\n)\n");
    out
}

/// The canonical text of `register.ron`.
pub fn settings(r: &Settings) -> String {
    let mut out = format!(
        "Register(\n    name: {},\n    schema: {},\n    fiscal_year_start_month: {},\n    currency: {},\n",
        s(&r.name),
        r.schema,
        r.fiscal_year_start_month,
        s(&r.currency)
    );
    if let Some(d) = r.as_of {
        let _ = writeln!(out, "    as_of: Some(\"{d}\"),");
    }
    out.push_str(")\n");
    out
}
