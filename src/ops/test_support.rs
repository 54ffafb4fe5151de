//! Real git repositories for the operations' tests: fixed identities and
//! dates, a register with a few use cases.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Context;
use crate::model::Date;

/// A temporary repository holding a register in `state/`, with one commit.
pub struct Repo {
    /// Keeps the folder alive.
    pub dir: tempfile::TempDir,
    /// The state directory.
    pub state: PathBuf,
}

/// Runs git in `dir` with fixed identities and dates; panics on failure.
pub fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .env("GIT_AUTHOR_NAME", "Fixed Author")
        .env("GIT_AUTHOR_EMAIL", "author@example.com")
        .env("GIT_COMMITTER_NAME", "Fixed Committer")
        .env("GIT_COMMITTER_EMAIL", "committer@example.com")
        .env("GIT_AUTHOR_DATE", "2026-01-05T10:00:00Z")
        .env("GIT_COMMITTER_DATE", "2026-01-05T10:00:00Z")
        .output()
        .expect("git runs");
    assert!(
        out.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

/// The date every test evaluates at.
pub fn today() -> Date {
    Date::parse("2026-06-30").unwrap()
}

/// A prompting use case in Collect; with `ready`, one that passes every
/// default gate at [`today`], else one with too few curated examples.
pub fn use_case(title: &str, ready: bool) -> String {
    let examples = if ready { 5000 } else { 10 };
    format!(
        r#"UseCase(
    title: "{title}",
    summary: "Drafts and checks one kind of document.",
    owner: "owner@example.com",
    team: "Operations",
    stage: Collect,
    approach: Prompting(technique: FewShot, model: "gpt-4o"),
    risk: Limited,
    profile: (
        specificity: Narrow,
        daily_volume: 2000,
        curated_examples: {examples},
        ml_expertise: true,
        budget_usd: 50000,
        can_wait_weeks: true,
        needs_consistency: false,
    ),
    targets: (
        accuracy: Some(0.9),
        p95_latency_ms: None,
        cost_per_1k_usd: None,
    ),
    measurements: [
        (date: "2026-02-01", accuracy: 0.8, consistency: 0.8, p95_latency_ms: 900, cost_per_1k_usd: 2.5, satisfaction: 4.0, source: "eval/2026-02-01"),
        (date: "2026-04-01", accuracy: 0.81, consistency: 0.8, p95_latency_ms: 900, cost_per_1k_usd: 2.5, satisfaction: 4.0, source: "eval/2026-04-01"),
        (date: "2026-06-01", accuracy: 0.815, consistency: 0.8, p95_latency_ms: 900, cost_per_1k_usd: 2.5, satisfaction: 4.0, source: "eval/2026-06-01"),
    ],
    roi: [
        (date: "2026-03-01", kind: TimeSaved, value_usd: 40000, period: Quarter, evidence: "finance/2026-03-01.md", confidence: Measured),
    ],
    notes: "",
)
"#
    )
}

impl Repo {
    /// A repository with a register of two use cases, `ready-one` and
    /// `unready`, committed; the repository's identity is "Repo Committer".
    pub fn new() -> Repo {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        git(root, &["init", "-q", "-b", "main"]);
        git(root, &["config", "user.name", "Repo Committer"]);
        git(root, &["config", "user.email", "repo@example.com"]);
        let done = super::init(root, "Test register").unwrap();
        let state = done.state_dir;
        for (id, ready) in [("ready-one", true), ("unready", false)] {
            let text = use_case(id, ready);
            // Canonical, as ripen writes it, so that a change is one field.
            let canon =
                crate::register::canonical_form(crate::register::FileKind::UseCase, &text).unwrap();
            std::fs::write(state.join(format!("use-cases/{id}.ron")), canon).unwrap();
        }
        git(root, &["add", "-A"]);
        git(root, &["commit", "-q", "-m", "Two use cases"]);
        Repo { dir, state }
    }

    /// The repository's root.
    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    /// A context on this register.
    pub fn ctx(&self) -> Context {
        Context::new(self.state.clone(), today())
    }

    /// `git log -1 --format=FORMAT` at HEAD.
    pub fn head(&self, format: &str) -> String {
        git(self.root(), &["log", "-1", &format!("--format={format}")])
    }

    /// A file of the state directory.
    pub fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.state.join(rel)).unwrap()
    }
}
