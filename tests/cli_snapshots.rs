//! What a user reads on the command line, snapshot-tested: the text output
//! of `list`, `ready` (all, `--all`, one use case), `validate`, `history`,
//! `diff`, `review list`, `review agenda`, `verify`, `proposals`,
//! `proposals accept` (preview and refusal), `move`, `new`, `fmt --check`,
//! `fmt` and `import --dry-run`, and the quarterly report (Markdown and
//! JSON), from the real binary. `what-if` has its own snapshots in
//! `tests/whatif.rs`.
//!
//! The register is a copy of the shipped `state/` in a temporary git
//! repository with a fixed identity and fixed dates (the environment for
//! git's variables, a temporary home's `.gitconfig` for libgit2, which
//! reads the identity from the configuration), evaluated at a fixed
//! `--as-of`, with `NO_COLOR=1`. Its history: the shipped register, a
//! review closed on it, then two stage moves and a new measurement; the
//! working tree holds one uncommitted edit for `diff`. Filters hide the
//! temporary folder, commit ids and the date of ripen's own commits (made
//! at the time of the run), so a snapshot changes only when what the user
//! reads changes.
//!
//! The repository's first branch is `main` whatever the machine's git
//! configuration says, and its commits are made at fixed times.
//!
//! Regenerate with `INSTA_UPDATE=always cargo test --test cli_snapshots`
//! and read `git diff tests/snapshots` before committing.

mod support;

use std::fs;
use std::path::PathBuf;

use git2::Repository;
use support::data::edit;

const AS_OF: &str = "2026-10-15";

/// The moved and edited use cases.
const MOVED: &str = "invoice-extraction";
const EDITED: &str = "customer-faq";

/// A register repository built once for every snapshot of this file.
struct Fixture {
    /// The repository's work tree (holds `state/`).
    dir: tempfile::TempDir,
}

/// Commits the whole work tree on HEAD, as `git add -A && git commit`, by
/// the default identity on 2026-06-30 at noon UTC.
fn commit_all(repo: &Repository, message: &str) {
    support::repo::commit_all(repo, message, &support::repo::keeper());
}

impl Fixture {
    fn new() -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().unwrap(),
        };
        let repo = support::repo::init(f.dir.path());
        support::data::copy_shipped(f.dir.path());
        commit_all(&repo, "The register as shipped");

        f.ok(&["review", "close", "2026-Q3"]);
        f.ok(&[
            "move",
            MOVED,
            "Evaluate",
            "--because",
            "The fine-tuned model is trained; measure it",
        ]);
        // A measurement and ROI evidence recorded by hand, committed as
        // git would.
        edit(
            &f.state().join("use-cases").join(format!("{EDITED}.ron")),
            "source: \"cx/chat-eval-2026-09\"),\n",
            "source: \"cx/chat-eval-2026-09\"),\n        (date: \"2026-10-10\", accuracy: 0.89, consistency: 0.84, p95_latency_ms: 1250, cost_per_1k_usd: 0.95, satisfaction: 4.2, source: \"cx/chat-eval-2026-10\"),\n",
        );
        edit(
            &f.state().join("use-cases").join(format!("{EDITED}.ron")),
            "confidence: Measured),\n    ],",
            "confidence: Measured),\n        (date: \"2026-10-10\", kind: TimeSaved, value_usd: 7500, period: Quarter, evidence: \"cx/handle-time-2026-10.md\", confidence: Estimated),\n    ],",
        );
        commit_all(
            &repo,
            "customer-faq: October evaluation and handle-time estimate",
        );
        // An uncommitted edit, for `ripen diff`.
        edit(
            &f.state().join("use-cases").join(format!("{MOVED}.ron")),
            "risk: Minimal,",
            "risk: Limited,",
        );
        f
    }

    fn state(&self) -> PathBuf {
        self.dir.path().join("state")
    }

    /// Runs `ripen` in the repository; returns (exit code, stdout, stderr).
    fn run(&self, args: &[&str]) -> (i32, String, String) {
        let run = support::run::ripen(args).cwd(self.dir.path()).run();
        (run.code, run.stdout, run.stderr)
    }

    fn ok(&self, args: &[&str]) -> String {
        let (code, out, err) = self.run(args);
        assert_eq!(
            code, 0,
            "ripen {args:?}\n--- stdout\n{out}\n--- stderr\n{err}"
        );
        out
    }

    /// Filters that hide what changes from run to run: the temporary
    /// folder, the date of the run, and every commit and tag id of the
    /// repository (full or abbreviated).
    fn settings(&self) -> insta::Settings {
        let mut s = insta::Settings::clone_current();
        s.set_prepend_module_to_snapshot(true);
        let dir = self.dir.path().canonicalize().unwrap();
        for d in [dir.clone(), self.dir.path().to_path_buf()] {
            s.add_filter(&regex_escape(&d.to_string_lossy()), "[repo]");
        }
        // ripen signs its own commits and tags with the time of the run
        // (libgit2 takes the identity from the configuration and the time
        // from the clock): that time shows as `[time of the run]`, its date as
        // `[today]`.
        for today in [
            chrono::Utc::now().date_naive(),
            chrono::Local::now().date_naive(),
        ] {
            let today = today.format("%Y-%m-%d").to_string();
            s.add_filter(
                &format!(r"{today} \d\d:\d\d [+-]\d\d:\d\d"),
                "[time of the run]",
            );
            s.add_filter(&today, "[today]");
        }
        let repo = Repository::open(self.dir.path()).unwrap();
        let mut ids = Vec::new();
        let mut walk = repo.revwalk().unwrap();
        walk.push_head().unwrap();
        // Other branches (proposals) too.
        walk.push_glob("refs/heads/*").unwrap();
        for id in walk {
            ids.push(id.unwrap());
        }
        repo.tag_foreach(|id, _| {
            ids.push(id);
            true
        })
        .unwrap();
        for id in ids {
            let hex = id.to_string();
            s.add_filter(&format!(r"\b{}[0-9a-f]*\b", &hex[..7]), "[commit]");
        }
        s
    }
}

fn regex_escape(s: &str) -> String {
    let mut out = String::new();
    for c in s.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Snapshots one command's exit code, standard output and standard error.
fn snapshot(f: &Fixture, name: &str, args: &[&str]) {
    let (code, out, err) = f.run(args);
    let text = format!(
        "$ ripen {}\nexit code: {code}\n--- stdout\n{out}--- stderr\n{err}",
        args.join(" ")
    );
    f.settings().bind(|| insta::assert_snapshot!(name, text));
}

#[test]
fn command_line_output() {
    let f = Fixture::new();
    snapshot(&f, "list", &["list", "--as-of", AS_OF]);
    snapshot(&f, "ready", &["ready", "--as-of", AS_OF]);
    snapshot(&f, "validate", &["validate", "--as-of", AS_OF]);
    snapshot(&f, "history", &["history", MOVED]);
    snapshot(&f, "diff_working_tree", &["diff", "--as-of", AS_OF]);
    snapshot(
        &f,
        "diff_since_review",
        &["diff", "review/2026-Q3", "HEAD", "--as-of", AS_OF],
    );
    snapshot(&f, "report_markdown", &["report", "--as-of", AS_OF]);
    snapshot(
        &f,
        "report_json",
        &["report", "--format", "json", "--as-of", AS_OF],
    );
    snapshot(&f, "review_list", &["review", "list", "--as-of", AS_OF]);
    // One use case's verdict explained, as `ripen ready ID` shows it: the
    // moved one (now evaluated) and the one with new evidence.
    snapshot(&f, "ready_one_moved", &["ready", MOVED, "--as-of", AS_OF]);
    snapshot(&f, "ready_one_edited", &["ready", EDITED, "--as-of", AS_OF]);
    snapshot(&f, "ready_all", &["ready", "--all", "--as-of", AS_OF]);
    snapshot(&f, "history_edited", &["history", EDITED]);
    snapshot(&f, "review_agenda", &["review", "agenda", "--as-of", AS_OF]);
    // No commit is signed and there is no access.ron: each change to the
    // register is named with its author and why it breaks the rules.
    snapshot(&f, "verify_unsigned", &["verify"]);

    // A file with a mistake: where and what, and the rest still listed.
    let faq = f.state().join("use-cases").join(format!("{EDITED}.ron"));
    let broken = f.state().join("use-cases").join("faq-copy.ron");
    fs::copy(&faq, &broken).unwrap();
    edit(&broken, "stage: Collect,", "stage: Later,");
    edit(&broken, "daily_volume: 5400", "daily_volume: -5");
    snapshot(&f, "validate_broken", &["validate", "--as-of", AS_OF]);
    snapshot(&f, "list_broken", &["list", "--as-of", AS_OF]);
    fs::remove_file(&broken).unwrap();

    // A quarter in which every section of the report has something to say:
    // a use case retired, one removed, one renamed, one added, the policy
    // and the settings changed, and the risk edit committed.
    f.ok(&["review", "close", "2026-Q4"]);
    f.ok(&[
        "move",
        "marketing-copy",
        "Retired",
        "--because",
        "Replaced by the agency's own tool",
    ]);
    let cases = f.state().join("use-cases");
    fs::remove_file(cases.join("kb-search.ron")).unwrap();
    fs::rename(
        cases.join("meeting-summaries.ron"),
        cases.join("meeting-notes.ron"),
    )
    .unwrap();
    fs::copy(
        cases.join(format!("{EDITED}.ron")),
        cases.join("faq-de.ron"),
    )
    .unwrap();
    edit(
        &cases.join("faq-de.ron"),
        "Customer service FAQ assistant",
        "Customer service FAQ assistant (German)",
    );
    edit(
        &f.state().join("policy.ron"),
        "stale_after_days: 120,",
        "stale_after_days: 90,",
    );
    edit(
        &f.state().join("policy.ron"),
        "Expertise, Budget, Timeline]",
        "Expertise, Budget]",
    );
    edit(
        &f.state().join("register.ron"),
        "fiscal_year_start_month: 1,",
        "fiscal_year_start_month: 4,",
    );
    commit_all(&Repository::open(f.dir.path()).unwrap(), "Q4 housekeeping");
    snapshot(
        &f,
        "report_markdown_every_section",
        &["report", "--as-of", AS_OF],
    );

    // Two teams' branches: `proposals` lists them, `proposals accept`
    // without `--yes` says what accepting would do, or why it is refused.
    let repo = Repository::open(f.dir.path()).unwrap();
    for (id, branch, who, email) in [
        (
            "contract-review",
            "proposal/contract-finetune",
            "Legal Team",
            "legal@example.com",
        ),
        (
            "claims-triage",
            "proposal/claims-finetune",
            "Claims Team",
            "claims@example.com",
        ),
    ] {
        let path = format!("state/use-cases/{id}.ron");
        let text = fs::read_to_string(f.dir.path().join(&path)).unwrap();
        support::repo::commit_on_branch(
            &repo,
            branch,
            &[(
                &path,
                text.replace("stage: Collect,", "stage: FineTune,")
                    .as_bytes(),
            )],
            &format!("{id}: stage Collect -> FineTune"),
            // 2026-10-11 12:00 UTC.
            &support::repo::signature(who, email, 1_791_720_000),
        );
    }
    snapshot(&f, "proposals", &["proposals", "--as-of", AS_OF]);
    snapshot(
        &f,
        "proposals_accept_preview",
        &[
            "proposals",
            "accept",
            "proposal/contract-finetune",
            "--as-of",
            AS_OF,
        ],
    );
    snapshot(
        &f,
        "proposals_accept_refused",
        &[
            "proposals",
            "accept",
            "proposal/claims-finetune",
            "--as-of",
            AS_OF,
        ],
    );

    // What a write prints: a stage move, a new use case.
    snapshot(
        &f,
        "move",
        &[
            "move",
            "contract-review",
            "Evaluate",
            "--because",
            "The fine-tuned model is ready to measure",
        ],
    );
    snapshot(&f, "new", &["new", "expense-audit"]);

    // A file edited by hand off the canonical form: `fmt --check` names it
    // and changes nothing, `fmt` rewrites it.
    edit(
        &cases.join("hr-policy-qa.ron"),
        "    stage: ",
        "      stage: ",
    );
    snapshot(&f, "fmt_check", &["fmt", "--check"]);
    snapshot(&f, "fmt", &["fmt"]);

    // An import previewed: what it would create, skip and why; nothing
    // written.
    let sheet = f.dir.path().join("omb-2025-sample.csv");
    fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/data/omb-2025-sample.csv"
        ),
        &sheet,
    )
    .unwrap();
    snapshot(
        &f,
        "import_dry_run",
        &[
            "import",
            "omb-2025-sample.csv",
            "--preset",
            "omb-2025",
            "--dry-run",
            "--as-of",
            AS_OF,
        ],
    );
    fs::remove_file(&sheet).unwrap();
}
