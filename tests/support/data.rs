//! Test data: use cases written as RON text ([`Case`]), registers written
//! from them, and the shipped register (`state/` of this repository) copied
//! into a throwaway folder or repository.

use std::fs;
use std::path::{Path, PathBuf};

use super::repo;

/// The shipped state directory, `state/` of this repository.
pub fn shipped_state() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("state")
}

/// Copies the folder `from` with everything under it to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    fs::create_dir_all(to).unwrap();
    for e in fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            fs::copy(e.path(), target).unwrap();
        }
    }
}

/// Copies the shipped register to `dir/state` and returns that path.
pub fn copy_shipped(dir: &Path) -> PathBuf {
    let state = dir.join("state");
    copy_dir(&shipped_state(), &state);
    state
}

/// Makes `root` a repository holding a copy of the shipped register in
/// `root/state`, committed once by "Review Lead <lead@example.com>" (also
/// the repository's configured identity) at a fixed time; returns the
/// commit.
pub fn shipped_repo_at(root: &Path) -> git2::Oid {
    copy_shipped(root);
    let repo = repo::init_as(root, "Review Lead", "lead@example.com");
    let sig = repo::signature("Review Lead", "lead@example.com", 1_760_000_000);
    repo::commit_paths(&repo, &["state"], "Register", &sig)
}

/// A throwaway repository made by [`shipped_repo_at`]; returns the folder
/// and its `state/`.
pub fn repo_with_shipped_state() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    shipped_repo_at(dir.path());
    let state = dir.path().join("state");
    (dir, state)
}

/// A repository made by [`repo_with_shipped_state`] whose use cases
/// `names` (those that exist; at least two must) are indented off the
/// canonical form and committed so, by "T <t@example.com>" through git.
/// Returns the folder, its `state/` and the files changed
/// (`use-cases/NAME`), in the order given.
pub fn repo_with_unformatted_files(names: &[&str]) -> (tempfile::TempDir, PathBuf, Vec<String>) {
    let (dir, state) = repo_with_shipped_state();
    let mut changed = Vec::new();
    for name in names {
        let path = state.join("use-cases").join(name);
        if !path.exists() {
            continue;
        }
        let text = fs::read_to_string(&path).unwrap();
        fs::write(&path, text.replace("\n    ", "\n      ")).unwrap();
        changed.push(format!("use-cases/{name}"));
    }
    assert!(changed.len() >= 2, "the shipped register has these files");
    repo::git_ok(dir.path(), &["add", "-A"]);
    repo::git_ok(
        dir.path(),
        &[
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@example.com",
            "commit",
            "-qm",
            "unformatted",
        ],
    );
    (dir, state, changed)
}

/// The stage the use case `id` has in the state directory `state`, as
/// its file spells it (`Collect`).
pub fn stage_of(state: &Path, id: &str) -> String {
    let text = fs::read_to_string(state.join(format!("use-cases/{id}.ron"))).unwrap();
    text.lines()
        .find_map(|l| l.trim().strip_prefix("stage: "))
        .unwrap()
        .trim_end_matches(',')
        .to_owned()
}

/// Replaces the first `from` (which must occur) by `to` in the file at
/// `path`.
pub fn edit(path: &Path, from: &str, to: &str) {
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{} holds no {from:?}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
}

/// A use case, written out as canonical RON by [`Case::ron`].
#[derive(Clone)]
pub struct Case {
    pub title: String,
    pub team: String,
    pub stage: &'static str,
    pub approach: String,
    pub specificity: &'static str,
    pub daily_volume: u64,
    pub curated_examples: u64,
    pub ml_expertise: bool,
    pub budget_usd: u64,
    pub can_wait_weeks: bool,
    pub needs_consistency: bool,
    pub target_accuracy: Option<f64>,
    /// (date, accuracy)
    pub measurements: Vec<(&'static str, f64)>,
    /// (date, value, confidence)
    pub roi: Vec<(&'static str, u64, &'static str)>,
}

impl Case {
    /// A prompting use case that passes every default gate at 2026-06-30.
    pub fn ready(title: &str) -> Case {
        Case {
            title: title.to_owned(),
            team: "Operations".to_owned(),
            stage: "Collect",
            approach: r#"Prompting(technique: FewShot, model: "gpt-4o")"#.to_owned(),
            specificity: "Narrow",
            daily_volume: 2000,
            curated_examples: 5000,
            ml_expertise: true,
            budget_usd: 50000,
            can_wait_weeks: true,
            needs_consistency: false,
            target_accuracy: Some(0.9),
            measurements: vec![
                ("2026-02-01", 0.8),
                ("2026-04-01", 0.81),
                ("2026-06-01", 0.815),
            ],
            roi: vec![("2026-03-01", 40000, "Measured")],
        }
    }

    /// The use case as canonical RON text.
    pub fn ron(&self) -> String {
        let f = |v: f64| format!("{v:?}");
        let mut out = String::new();
        out.push_str("UseCase(\n");
        out += &format!("    title: {:?},\n", self.title);
        out += "    summary: \"Drafts and checks one kind of document.\",\n";
        out += "    owner: \"owner@example.com\",\n";
        out += &format!("    team: {:?},\n", self.team);
        out += &format!("    stage: {},\n", self.stage);
        out += &format!("    approach: {},\n", self.approach);
        out += "    risk: Limited,\n";
        out += "    profile: (\n";
        out += &format!("        specificity: {},\n", self.specificity);
        out += &format!("        daily_volume: {},\n", self.daily_volume);
        out += &format!("        curated_examples: {},\n", self.curated_examples);
        out += &format!("        ml_expertise: {},\n", self.ml_expertise);
        out += &format!("        budget_usd: {},\n", self.budget_usd);
        out += &format!("        can_wait_weeks: {},\n", self.can_wait_weeks);
        out += &format!("        needs_consistency: {},\n", self.needs_consistency);
        out += "    ),\n";
        out += "    targets: (\n";
        match self.target_accuracy {
            Some(a) => out += &format!("        accuracy: Some({}),\n", f(a)),
            None => out += "        accuracy: None,\n",
        }
        out += "        p95_latency_ms: None,\n";
        out += "        cost_per_1k_usd: None,\n";
        out += "    ),\n";
        if self.measurements.is_empty() {
            out += "    measurements: [],\n";
        } else {
            out += "    measurements: [\n";
            for (date, acc) in &self.measurements {
                out += &format!(
                    "        (date: \"{date}\", accuracy: {}, consistency: 0.8, p95_latency_ms: 900, cost_per_1k_usd: 2.5, satisfaction: 4.0, source: \"eval/{date}\"),\n",
                    f(*acc)
                );
            }
            out += "    ],\n";
        }
        if self.roi.is_empty() {
            out += "    roi: [],\n";
        } else {
            out += "    roi: [\n";
            for (date, value, confidence) in &self.roi {
                out += &format!(
                    "        (date: \"{date}\", kind: TimeSaved, value_usd: {value}, period: Quarter, evidence: \"finance/{date}.md\", confidence: {confidence}),\n"
                );
            }
            out += "    ],\n";
        }
        out += "    notes: \"\",\n";
        out += ")\n";
        out
    }
}

/// The default policy as canonical RON text.
pub fn default_policy_text() -> String {
    ripen::model::canonical::policy(&ripen::model::Policy::default())
}

/// `register.ron` of a test register, with `as_of` when given.
pub fn register_text(as_of: Option<&str>) -> String {
    let mut s = String::from(
        "Register(\n    name: \"Test Register\",\n    schema: 1,\n    fiscal_year_start_month: 1,\n    currency: \"USD\",\n",
    );
    if let Some(d) = as_of {
        s += &format!("    as_of: Some(\"{d}\"),\n");
    }
    s += ")\n";
    s
}

/// Writes a register with these use cases into `dir` (created if needed).
pub fn write_register(dir: &Path, as_of: Option<&str>, cases: &[(&str, &Case)]) {
    fs::create_dir_all(dir.join("use-cases")).unwrap();
    fs::write(dir.join("register.ron"), register_text(as_of)).unwrap();
    fs::write(dir.join("policy.ron"), default_policy_text()).unwrap();
    for (id, case) in cases {
        write_case(dir, id, case);
    }
}

/// Writes `case` as `use-cases/ID.ron` under the state directory `dir`.
pub fn write_case(dir: &Path, id: &str, case: &Case) {
    fs::write(dir.join("use-cases").join(format!("{id}.ron")), case.ron()).unwrap();
}
