//! `ripen what-if`: the shipped register under a changed policy, as a user
//! reads it (text and JSON, snapshot-tested), and `--write`, which commits
//! the changed `policy.ron` as one commit in a real repository, or nothing.

mod support;

use std::path::Path;

use support::data::repo_with_shipped_state;
use support::repo::git;
use support::run::ripen_env;

const AS_OF: &str = "2026-10-15";

fn ripen(state: &Path, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["--as-of", AS_OF];
    all.extend_from_slice(args);
    let out = ripen_env(state, &all, &[]);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_stricter_volume_and_the_payback_gate_flip_verdicts() {
    let (_dir, state) = repo_with_shipped_state();
    let (code, text, err) = ripen(
        &state,
        &[
            "what-if",
            "--set",
            "min_daily_volume=1500",
            "--set",
            "gates=+Payback",
        ],
    );
    assert_eq!(code, 0, "{err}");
    insta::assert_snapshot!("what_if_text", text);
    let (code, json, err) = ripen(
        &state,
        &[
            "what-if",
            "--set",
            "min_daily_volume=1500",
            "--set",
            "gates=+Payback",
            "--format",
            "json",
        ],
    );
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    // claims-triage pays back within a year: the payback gate passes, so
    // its verdict stays `almost`; the others that do not pay back flip.
    let ids: Vec<&str> = v["flips"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_str().unwrap())
        .collect();
    assert!(!ids.contains(&"claims-triage"), "{ids:?}");
    assert!(ids.contains(&"customer-faq"), "{ids:?}");
    insta::assert_snapshot!("what_if_json", json);
    // Nothing was written.
    let status = git(state.parent().unwrap(), &["status", "--porcelain"]);
    assert!(status.stdout.is_empty());
}

#[test]
fn bad_keys_and_values_are_refused_with_the_keys_known() {
    let (_dir, state) = repo_with_shipped_state();
    let (code, _, err) = ripen(&state, &["what-if", "--set", "min_volume=3"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown policy key `min_volume`; one of min_curated_examples"),
        "{err}"
    );
    let (code, _, err) = ripen(&state, &["what-if", "--set", "plateau_max_gain=2"]);
    assert_eq!(code, 2);
    assert!(err.contains("fraction between 0 and 1"), "{err}");
    let (code, _, err) = ripen(
        &state,
        &["what-if", "--set", "min_daily_volume=3", "--write"],
    );
    assert_eq!(code, 2, "--write needs --because: {err}");
}

#[test]
fn write_commits_the_changed_policy_as_one_commit_with_the_justification() {
    let (dir, state) = repo_with_shipped_state();
    let (code, text, err) = ripen(
        &state,
        &[
            "what-if",
            "--set",
            "economics.max_payback_months=18",
            "--set",
            "gates=+Payback",
            "--write",
            "--because",
            "The committee weighs payback from this quarter.",
        ],
    );
    assert_eq!(code, 0, "{err}");
    assert!(text.contains("committed "), "{text}");
    let log = git(dir.path(), &["log", "--format=%B", "-1"]);
    let log = String::from_utf8_lossy(&log.stdout);
    assert_eq!(
        log.trim(),
        "policy: economics.max_payback_months 12 -> 18, gates +Payback\n\nThe committee weighs payback from this quarter."
    );
    let files = git(dir.path(), &["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(
        String::from_utf8_lossy(&files.stdout).trim(),
        "state/policy.ron"
    );
    let status = git(dir.path(), &["status", "--porcelain"]);
    assert!(
        status.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&status.stdout)
    );
    let policy = std::fs::read_to_string(state.join("policy.ron")).unwrap();
    assert!(policy.contains("max_payback_months: 18,"), "{policy}");
    assert!(policy.contains("Timeline, Payback]"), "{policy}");
    // The register validates, and the payback gate is in force.
    let (code, text, _) = ripen(&state, &["ready", "claims-triage"]);
    assert_eq!(code, 0);
    assert!(
        text.contains("✓ payback       pays back in 11.1 months (max 18)"),
        "{text}"
    );

    // An edit of policy.ron left uncommitted: refused, nothing changes.
    std::fs::write(state.join("policy.ron"), format!("{policy}\n")).unwrap();
    let head = git(dir.path(), &["rev-parse", "HEAD"]).stdout;
    let (code, _, err) = ripen(
        &state,
        &[
            "what-if",
            "--set",
            "min_daily_volume=900",
            "--write",
            "--because",
            "x",
        ],
    );
    assert_eq!(code, 2, "{err}");
    assert_eq!(git(dir.path(), &["rev-parse", "HEAD"]).stdout, head);
}
