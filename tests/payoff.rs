//! Did each fine-tune pay off: a real repository whose history changes a
//! use case's approach from prompting to fine-tuned, then records
//! measurements; the quarterly report compares them with the prompting
//! baseline (history gives the change date) and flags what underdelivers.

mod support;

use std::path::Path;

use support::data::repo_with_shipped_state;
use support::repo::{git_dated, rev_parse};
use support::run::ripen_env;

/// Commits everything under `state/` at `date` (noon UTC) with `message`.
fn commit_at(root: &Path, date: &str, message: &str) {
    for args in [
        vec!["add", "-A", "state"],
        vec!["commit", "-q", "-m", message],
    ] {
        let out = git_dated(root, &args, &format!("{date}T12:00:00Z"));
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no {from:?}", path.display());
    std::fs::write(path, text.replacen(from, to, 1)).unwrap();
}

fn measurement(date: &str, accuracy: f64, cost: f64) -> String {
    format!(
        "        (date: \"{date}\", accuracy: {accuracy:?}, consistency: 0.9, p95_latency_ms: 900, cost_per_1k_usd: {cost:?}, satisfaction: 4.2, source: \"eval/{date}\"),\n"
    )
}

#[test]
fn the_report_compares_each_fine_tune_with_its_prompting_baseline() {
    let (dir, state) = repo_with_shipped_state();
    let root = dir.path();
    let start = rev_parse(root, "HEAD");
    // Two prompting use cases become fine-tunes on 2026-10-20.
    let sales = state.join("use-cases/sales-email-drafting.ron");
    let product = state.join("use-cases/product-descriptions.ron");
    for f in [&sales, &product] {
        let text = std::fs::read_to_string(f).unwrap();
        let start = text.find("    approach: ").unwrap();
        let end = start + text[start..].find('\n').unwrap();
        let new = format!(
            "{}    approach: FineTuned(method: Lora, base_model: \"llama-3.1-8b-instruct\", dataset: \"datasets/v1\"),{}",
            &text[..start],
            &text[end..]
        );
        std::fs::write(f, new).unwrap();
    }
    commit_at(root, "2026-10-20", "Fine-tune two use cases");
    // Measurements after the change: sales gains, product loses.
    let anchor = "    ],\n    roi: [";
    edit(
        &sales,
        anchor,
        &format!(
            "{}{}{anchor}",
            measurement("2026-11-15", 0.9, 1.2),
            measurement("2026-12-15", 0.91, 1.1)
        ),
    );
    edit(
        &product,
        anchor,
        &format!(
            "{}{}{anchor}",
            measurement("2026-11-15", 0.6, 0.8),
            measurement("2026-12-15", 0.62, 0.8)
        ),
    );
    commit_at(root, "2026-12-20", "Measure the fine-tunes");

    let out = ripen_env(
        &state,
        &[
            "report",
            "--since",
            &start,
            "--as-of",
            "2026-12-31",
            "--format",
            "json",
        ],
        &[],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let tunes = v["fine_tunes"].as_array().unwrap();
    let find = |id: &str| {
        tunes
            .iter()
            .find(|t| t["id"] == id)
            .unwrap_or_else(|| panic!("no {id} in {tunes:#?}"))
    };
    let sales = &find("sales-email-drafting")["realised"];
    // The change date comes from history.
    assert_eq!(sales["changed_on"], "2026-10-20");
    assert_eq!(sales["baseline_measurements"], 4);
    assert_eq!(sales["after_measurements"], 2);
    // Baseline mean (0.79 + 0.81 + 0.82 + 0.82) / 4 = 0.81; after 0.905.
    assert_eq!(sales["accuracy_uplift"], 0.095);
    assert_eq!(sales["judgement"], "delivered");
    assert_eq!(find("sales-email-drafting")["in_period"], true);
    assert_eq!(
        find("product-descriptions")["realised"]["judgement"],
        "worse-than-prompting"
    );
    // The shipped fine-tunes with a baseline_until are judged by it.
    assert_eq!(
        find("code-review-assistant")["realised"]["judgement"],
        "delivered"
    );
    assert_eq!(
        find("fraud-narrative")["realised"]["judgement"],
        "underdelivering"
    );
    assert_eq!(
        find("fraud-narrative")["realised"]["changed_on"],
        "2025-06-23"
    );
    // A fine-tune with neither history nor baseline_until is not judged.
    assert!(tunes.iter().all(|t| t["id"] != "policy-translation"));

    let out = ripen_env(
        &state,
        &["report", "--since", &start, "--as-of", "2026-12-31"],
        &[],
    );
    let md = String::from_utf8_lossy(&out.stdout);
    assert!(
        md.contains("## Fine-tunes since the last review: predicted and realised"),
        "{md}"
    );
    let row = md
        .lines()
        .find(|l| l.contains("sales-email-drafting") && l.contains("2026-10-20 (new)"))
        .unwrap_or_else(|| panic!("{md}"));
    assert!(row.contains("+0.095"), "{row}");
    assert!(row.contains("delivered"), "{row}");

    // The watch flags of the shipped register, from baseline_until alone.
    let out = ripen_env(&state, &["list", "--format", "json"], &[]);
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let flags = |id: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .find(|r| r["id"] == id)
            .unwrap()["flags"]
            .clone()
    };
    assert!(
        flags("fraud-narrative")
            .as_array()
            .unwrap()
            .contains(&"underdelivering".into())
    );
    assert!(
        !flags("code-review-assistant")
            .as_array()
            .unwrap()
            .contains(&"underdelivering".into())
    );
}
