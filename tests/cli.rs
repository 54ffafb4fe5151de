//! The `ripen` binary run as a user runs it: real processes, real files in
//! temporary folders, real git repositories.
//!
//! Every run sets `NO_COLOR=1` and clears `RIPEN_STATE`; runs that evaluate
//! readiness pass a fixed `--as-of` (or rely on register.ron's `as_of`) so
//! that nothing depends on today's date.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use git2::{Repository, Signature};
use serde_json::Value;
use support::data::{Case, default_policy_text, register_text, write_case, write_register};
use support::repo::{EMAIL, NAME};
use support::run::Run;

// ---------------------------------------------------------------------------
// Running the binary
// ---------------------------------------------------------------------------

/// Runs `ripen` in `cwd` with `args`, optionally with `RIPEN_STATE` set.
fn ripen_env(cwd: &Path, args: &[&str], ripen_state: Option<&Path>) -> Run {
    let run = support::run::ripen(args).cwd(cwd);
    match ripen_state {
        Some(s) => run.env("RIPEN_STATE", s),
        None => run,
    }
    .run()
}

fn ripen(cwd: &Path, args: &[&str]) -> Run {
    ripen_env(cwd, args, None)
}

/// The ids of a JSON array of rows, in order.
fn ids(rows: &Value) -> Vec<String> {
    rows.as_array()
        .expect("an array")
        .iter()
        .map(|r| r["id"].as_str().expect("id is a string").to_owned())
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().expect("an object").keys().cloned().collect()
}

fn set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|s| (*s).to_owned()).collect()
}

/// Every file under `dir` (outside `.git`) with its bytes.
fn tree_bytes(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut todo = vec![dir.to_path_buf()];
    while let Some(d) = todo.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.file_name().is_some_and(|n| n == ".git") {
                continue;
            }
            if path.is_dir() {
                todo.push(path);
            } else {
                let bytes = fs::read(&path).unwrap();
                out.push((path, bytes));
            }
        }
    }
    out.sort();
    out
}

// ---------------------------------------------------------------------------
// Building registers
// ---------------------------------------------------------------------------

/// The evaluation date of most tests.
const AS_OF: &str = "2026-06-30";

/// The portfolio most tests read, at [`AS_OF`]:
/// - `zeta`: ready, 90,000 measured ROI
/// - `alpha`: ready, 40,000 measured ROI
/// - `beta`: almost (its timeline cannot wait)
/// - `gamma`: not-yet (general task, few examples)
/// - `delta`: not applicable (already fine-tuned)
fn portfolio() -> Vec<(&'static str, Case)> {
    let mut zeta = Case::ready("Zeta invoices");
    zeta.roi = vec![("2026-03-01", 90000, "Measured")];
    let alpha = Case::ready("Alpha contracts");
    let mut beta = Case::ready("Beta claims");
    beta.can_wait_weeks = false;
    let mut gamma = Case::ready("Gamma marketing");
    gamma.specificity = "General";
    gamma.curated_examples = 10;
    let mut delta = Case::ready("Delta translation");
    delta.stage = "Evaluate";
    delta.approach =
        r#"FineTuned(method: Lora, base_model: "llama-3-8b", dataset: "translations-v2")"#
            .to_owned();
    vec![
        ("alpha", alpha),
        ("beta", beta),
        ("delta", delta),
        ("gamma", gamma),
        ("zeta", zeta),
    ]
}

/// A temporary folder holding `state/` with [`portfolio`].
fn portfolio_dir() -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    let cases = portfolio();
    let refs: Vec<(&str, &Case)> = cases.iter().map(|(id, c)| (*id, c)).collect();
    write_register(&tmp.path().join("state"), None, &refs);
    tmp
}

// ---------------------------------------------------------------------------
// git
// ---------------------------------------------------------------------------

fn signature() -> Signature<'static> {
    support::repo::signature(NAME, EMAIL, 1_700_000_000)
}

/// Commits every change of the working tree, removals too, on HEAD.
fn commit_all(repo: &Repository, message: &str) -> git2::Oid {
    support::repo::commit_all(repo, message, &signature())
}

// ---------------------------------------------------------------------------
// init
// ---------------------------------------------------------------------------

#[test]
fn init_creates_a_register_with_the_default_policy_and_a_repository() {
    let tmp = tempfile::tempdir().unwrap();
    let run = ripen(tmp.path(), &["init"]).expect(0);
    assert!(
        run.stdout
            .contains("Created the register in state and committed it"),
        "{}",
        run.stdout
    );

    let state = tmp.path().join("state");
    assert!(state.join("use-cases").is_dir());
    let register = fs::read_to_string(state.join("register.ron")).unwrap();
    let settings = ripen::register::parse_settings(&register).unwrap();
    assert_eq!(settings.name, "AI Use Case Register");
    assert_eq!(settings.schema, ripen::model::SCHEMA_VERSION);
    assert_eq!(settings.as_of, None);

    let policy = fs::read_to_string(state.join("policy.ron")).unwrap();
    assert_eq!(policy, default_policy_text(), "policy.ron is canonical");
    assert_eq!(
        ripen::register::parse_policy(&policy).unwrap(),
        ripen::model::Policy::default()
    );

    // Not inside a repository before: the folder is one now (not state/).
    let repo = Repository::open(tmp.path()).expect("a git repository at the folder");
    assert!(!state.join(".git").exists());
    assert!(run.stdout.contains("Initialized a git repository"));

    // The new register is valid and canonical.
    let v = ripen(tmp.path(), &["validate", "--format", "json"]).expect(0);
    let v = v.json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["use_cases"], 0);
    assert_eq!(v["warnings"], 0);
    ripen(tmp.path(), &["fmt", "--check"]).expect(0);
    drop(repo);
}

#[test]
fn init_takes_a_folder_and_a_name() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init", "registers/acme", "--name", "Acme AI"]).expect(0);
    let text = fs::read_to_string(tmp.path().join("registers/acme/state/register.ron")).unwrap();
    assert_eq!(
        ripen::register::parse_settings(&text).unwrap().name,
        "Acme AI"
    );
    assert!(!tmp.path().join("state").exists());
    assert!(Repository::open(tmp.path().join("registers/acme")).is_ok());
}

#[test]
fn init_inside_a_repository_does_not_create_another() {
    let tmp = tempfile::tempdir().unwrap();
    Repository::init(tmp.path()).unwrap();
    let run = ripen(tmp.path(), &["init"]).expect(0);
    assert!(!tmp.path().join("state/.git").exists());
    assert!(!run.stdout.contains("Initialized"), "{}", run.stdout);
    assert!(
        run.stdout.contains("Using the git repository at"),
        "{}",
        run.stdout
    );
}

#[test]
fn init_refuses_an_existing_register_and_changes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init"]).expect(0);
    let state = tmp.path().join("state");
    // Make the register the user's own, then lose a file init would create.
    fs::write(state.join("register.ron"), register_text(Some(AS_OF))).unwrap();
    write_case(&state, "alpha", &Case::ready("Alpha"));
    fs::remove_file(state.join("policy.ron")).unwrap();
    let before = tree_bytes(&state);

    let run = ripen(tmp.path(), &["init", "--name", "Other"]).expect(2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    let repo = Repository::open(tmp.path()).unwrap();
    assert_eq!(
        repo.head().unwrap().peel_to_commit().unwrap().summary(),
        Ok(Some("Create the register")),
        "no second commit"
    );
    assert!(run.stderr.contains("nothing was changed"), "{}", run.stderr);
    assert_eq!(tree_bytes(&state), before, "init changed the register");
}

// ---------------------------------------------------------------------------
// new
// ---------------------------------------------------------------------------

#[test]
fn new_writes_a_canonical_use_case_that_validates_cleanly() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init"]).expect(0);
    let run = ripen(
        tmp.path(),
        &[
            "new",
            "contract-review",
            "--title",
            "Contract review",
            "--owner",
            "maria@example.com",
            "--team",
            "Legal",
        ],
    )
    .expect(0);
    assert!(run.stdout.contains("contract-review.ron"), "{}", run.stdout);

    let path = tmp.path().join("state/use-cases/contract-review.ron");
    let text = fs::read_to_string(&path).unwrap();
    let case = ripen::register::parse_use_case(&text).unwrap();
    assert_eq!(case.title, "Contract review");
    assert_eq!(case.owner, "maria@example.com");
    assert_eq!(case.team, "Legal");
    assert_eq!(text, ripen::model::canonical::use_case(&case));

    let v = ripen(tmp.path(), &["validate", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(v["use_cases"], 1);
    assert_eq!(v["errors"], 0);
    // What `new` could not know is left as placeholders: warnings until replaced.
    let placeholders: Vec<&str> = v["diagnostics"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            assert_eq!(d["severity"], "warning", "{d}");
            assert!(
                d["message"].as_str().unwrap().contains("placeholder"),
                "{d}"
            );
            d["line"]
                .as_u64()
                .map(|_| d["message"].as_str().unwrap())
                .unwrap()
        })
        .collect();
    assert_eq!(
        placeholders.len(),
        3,
        "summary, model, notes: {placeholders:?}"
    );
    assert_eq!(v["warnings"], 3);
    ripen(tmp.path(), &["fmt", "--check"]).expect(0);

    let rows = ripen(tmp.path(), &["list", "--format", "json", "--as-of", AS_OF])
        .expect(0)
        .json();
    assert_eq!(ids(&rows), ["contract-review"]);
}

#[test]
fn new_refuses_a_bad_id_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init"]).expect(0);
    let before = tree_bytes(&tmp.path().join("state"));
    for bad in [
        "Contract_Review",
        "-lead",
        "trail-",
        "two--hyphens",
        "sp ace",
    ] {
        // `--` lets an id start with a hyphen, as a user would have to type it.
        let run = ripen(tmp.path(), &["new", "--", bad]).expect(2);
        assert!(
            run.stderr.contains(&format!("\"{bad}\"")),
            "{bad}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("lowercase letters"), "{}", run.stderr);
    }
    assert_eq!(tree_bytes(&tmp.path().join("state")), before);
}

#[test]
fn new_refuses_an_existing_id_and_keeps_the_file() {
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["init"]).expect(0);
    let path = tmp.path().join("state/use-cases/alpha.ron");
    ripen(tmp.path(), &["new", "alpha"]).expect(0);
    fs::write(&path, Case::ready("Edited by hand").ron()).unwrap();

    let run = ripen(tmp.path(), &["new", "alpha", "--title", "Again"]).expect(2);
    assert!(run.stderr.contains("already exists"), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(&path).unwrap(),
        Case::ready("Edited by hand").ron()
    );
}

#[test]
fn new_without_a_register_says_how_to_get_one() {
    let tmp = tempfile::tempdir().unwrap();
    let run = ripen(tmp.path(), &["new", "alpha"]).expect(2);
    assert!(run.stderr.contains("ripen init"), "{}", run.stderr);
    assert!(run.stderr.contains("--state"), "{}", run.stderr);
    // An existing folder without register.ron is not a register either.
    fs::create_dir(tmp.path().join("state")).unwrap();
    let run = ripen(tmp.path(), &["new", "alpha"]).expect(2);
    assert!(run.stderr.contains("ripen init"), "{}", run.stderr);
    assert!(!tmp.path().join("state/use-cases/alpha.ron").exists());
}

// ---------------------------------------------------------------------------
// Finding the register
// ---------------------------------------------------------------------------

#[test]
fn without_a_register_every_reading_command_points_to_init_and_state() {
    let tmp = tempfile::tempdir().unwrap();
    for args in [
        &[][..],
        &["list"],
        &["validate"],
        &["ready"],
        &["fmt"],
        &["fmt", "--check"],
    ] {
        let run = ripen(tmp.path(), args).expect(2);
        assert!(
            run.stderr.contains("ripen init"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("--state"), "{args:?}: {}", run.stderr);
        assert!(run.stdout.is_empty(), "{args:?}: {}", run.stdout);
    }
    assert!(
        fs::read_dir(tmp.path()).unwrap().next().is_none(),
        "nothing was created"
    );
}

#[test]
fn ripen_state_is_honoured_and_state_overrides_it() {
    let tmp = tempfile::tempdir().unwrap();
    let elsewhere = tmp.path().join("elsewhere");
    write_register(&elsewhere, None, &[("alpha", &Case::ready("Alpha"))]);
    let work = tmp.path().join("work");
    fs::create_dir(&work).unwrap();

    let rows = ripen_env(
        &work,
        &["list", "--format", "json", "--as-of", AS_OF],
        Some(&elsewhere),
    )
    .expect(0)
    .json();
    assert_eq!(ids(&rows), ["alpha"]);

    // `new` writes where RIPEN_STATE points (outside a repository it can
    // only write, and says so).
    let run = ripen_env(&work, &["new", "beta"], Some(&elsewhere)).expect(2);
    assert!(run.stderr.contains("--no-commit"), "{}", run.stderr);
    ripen_env(&work, &["new", "beta", "--no-commit"], Some(&elsewhere)).expect(0);
    assert!(elsewhere.join("use-cases/beta.ron").is_file());

    // --state wins over RIPEN_STATE.
    let missing = tmp.path().join("missing");
    let rows = ripen_env(
        &work,
        &[
            "--state",
            elsewhere.to_str().unwrap(),
            "list",
            "--format",
            "json",
            "--as-of",
            AS_OF,
        ],
        Some(&missing),
    )
    .expect(0)
    .json();
    assert_eq!(ids(&rows), ["alpha", "beta"]);

    // And a RIPEN_STATE that points nowhere is reported, naming it.
    let run = ripen_env(&work, &["list"], Some(&missing)).expect(2);
    assert!(run.stderr.contains("RIPEN_STATE"), "{}", run.stderr);
    assert!(
        run.stderr.contains("missing/register.ron"),
        "{}",
        run.stderr
    );
}

#[test]
fn usage_errors_exit_2() {
    let tmp = portfolio_dir();
    let run = ripen(tmp.path(), &["list", "--as-of", "2026-13-01"]).expect(2);
    assert!(run.stderr.contains("2026-13-01"), "{}", run.stderr);
    ripen(tmp.path(), &["frobnicate"]).expect(2);
    ripen(tmp.path(), &["list", "--format", "yaml"]).expect(2);
    ripen(tmp.path(), &["--help"]).expect(0);
}

// ---------------------------------------------------------------------------
// validate
// ---------------------------------------------------------------------------

#[test]
fn validate_a_clean_register() {
    let tmp = portfolio_dir();
    let run = ripen(tmp.path(), &["validate", "--as-of", AS_OF]).expect(0);
    assert_eq!(
        run.stdout.trim_end(),
        "state: 5 use case(s) loaded, 0 error(s), 0 warning(s)"
    );
}

/// A use case with an unknown field on line 3, column 5.
const BROKEN: &str = "UseCase(\n    title: \"Broken\",\n    bogus: 1,\n)\n";

#[test]
fn validate_reports_a_broken_file_at_its_position_and_loads_the_rest() {
    let tmp = portfolio_dir();
    fs::write(tmp.path().join("state/use-cases/broken.ron"), BROKEN).unwrap();

    let run = ripen(tmp.path(), &["validate", "--as-of", AS_OF]).expect(1);
    let first = run.stdout.lines().next().unwrap();
    assert!(
        first.starts_with("state/use-cases/broken.ron:3:5: error: unknown field `bogus`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("state: 5 use case(s) loaded, 1 error(s), 0 warning(s)"),
        "{}",
        run.stdout
    );

    // The other use cases are still listed and assessed; the exit code and
    // standard error tell that something is wrong.
    let list = ripen(tmp.path(), &["list", "--format", "json", "--as-of", AS_OF]).expect(1);
    assert_eq!(
        ids(&list.json()),
        ["alpha", "beta", "delta", "gamma", "zeta"]
    );
    assert!(list.stderr.contains("ripen validate"), "{}", list.stderr);
    let ready = ripen(tmp.path(), &["ready", "--format", "json", "--as-of", AS_OF]).expect(1);
    assert_eq!(ids(&ready.json()), ["zeta", "alpha", "beta"]);
}

#[test]
fn validate_json_has_the_documented_shape() {
    let tmp = portfolio_dir();
    let clean = ripen(
        tmp.path(),
        &["validate", "--format", "json", "--as-of", AS_OF],
    )
    .expect(0)
    .json();
    assert_eq!(
        keys(&clean),
        set(&["ok", "use_cases", "errors", "warnings", "diagnostics"])
    );
    assert_eq!(clean["ok"], true);
    assert_eq!(clean["use_cases"], 5);

    fs::write(tmp.path().join("state/use-cases/broken.ron"), BROKEN).unwrap();
    // A measurement after the as-of date is a warning, not an error.
    let mut future = Case::ready("Future");
    future.measurements.push(("2026-09-01", 0.9));
    write_case(&tmp.path().join("state"), "future", &future);

    let v = ripen(
        tmp.path(),
        &["validate", "--format", "json", "--as-of", AS_OF],
    )
    .expect(1)
    .json();
    assert_eq!(
        keys(&v),
        set(&["ok", "use_cases", "errors", "warnings", "diagnostics"])
    );
    assert_eq!(v["ok"], false);
    assert_eq!(v["use_cases"], 6);
    assert_eq!(v["errors"], 1);
    assert_eq!(v["warnings"], 1);
    let diags = v["diagnostics"].as_array().unwrap();
    assert_eq!(diags.len(), 2);
    for d in diags {
        assert_eq!(
            keys(d),
            set(&["severity", "file", "line", "column", "message"])
        );
        assert!(d["line"].is_u64() && d["column"].is_u64());
    }
    assert_eq!(diags[0]["severity"], "error");
    assert_eq!(diags[0]["file"], "state/use-cases/broken.ron");
    assert_eq!(diags[0]["line"], 3);
    assert_eq!(diags[0]["column"], 5);
    assert!(
        diags[0]["message"]
            .as_str()
            .unwrap()
            .contains("unknown field `bogus`")
    );
    assert_eq!(diags[1]["severity"], "warning");
    assert_eq!(diags[1]["file"], "state/use-cases/future.ron");
    assert!(
        diags[1]["message"]
            .as_str()
            .unwrap()
            .contains("after the as-of date 2026-06-30"),
        "{}",
        diags[1]["message"]
    );

    // Warnings alone keep the exit code at 0.
    fs::remove_file(tmp.path().join("state/use-cases/broken.ron")).unwrap();
    let v = ripen(
        tmp.path(),
        &["validate", "--format", "json", "--as-of", AS_OF],
    )
    .expect(0)
    .json();
    assert_eq!(v["ok"], true);
    assert_eq!(v["warnings"], 1);
}

// ---------------------------------------------------------------------------
// ready
// ---------------------------------------------------------------------------

#[test]
fn ready_ranks_candidates_best_first() {
    let tmp = portfolio_dir();
    let rows = ripen(tmp.path(), &["ready", "--format", "json", "--as-of", AS_OF])
        .expect(0)
        .json();
    // Ready before almost; among the ready, more measured ROI first.
    assert_eq!(ids(&rows), ["zeta", "alpha", "beta"]);
    let verdicts: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["verdict"].as_str().unwrap())
        .collect();
    assert_eq!(verdicts, ["ready", "ready", "almost"]);

    let all = ripen(
        tmp.path(),
        &["ready", "--all", "--format", "json", "--as-of", AS_OF],
    )
    .expect(0)
    .json();
    assert_eq!(ids(&all), ["zeta", "alpha", "beta", "gamma"]);
    assert_eq!(all[3]["verdict"], "not-yet");

    // The text shows the same order and leaves out the not-yet one.
    let text = ripen(tmp.path(), &["ready", "--as-of", AS_OF])
        .expect(0)
        .stdout;
    let at = |needle: &str| {
        text.find(needle)
            .unwrap_or_else(|| panic!("{needle} missing:\n{text}"))
    };
    assert!(at("zeta · Zeta invoices") < at("alpha · Alpha contracts"));
    assert!(at("alpha · Alpha contracts") < at("beta · Beta claims"));
    assert!(!text.contains("gamma"), "{text}");
    assert!(!text.contains("delta"), "{text}");
    assert!(text.contains("2 ready, 1 almost at 2026-06-30"), "{text}");
    // The one failing gate of `beta` is shown with a cross.
    assert!(
        text.contains("✗ timeline      timeline cannot wait for training"),
        "{text}"
    );

    let text = ripen(tmp.path(), &["ready", "--all", "--as-of", AS_OF])
        .expect(0)
        .stdout;
    assert!(text.contains("gamma · Gamma marketing"), "{text}");
    assert!(!text.contains("delta"), "{text}");
}

#[test]
fn ready_json_has_the_documented_shape() {
    let tmp = portfolio_dir();
    let rows = ripen(
        tmp.path(),
        &["ready", "--all", "--format", "json", "--as-of", AS_OF],
    )
    .expect(0)
    .json();
    for row in rows.as_array().unwrap() {
        for key in ["id", "title", "verdict", "criteria", "flags"] {
            assert!(row.get(key).is_some(), "{key} missing in {row}");
        }
        assert!(row["flags"].is_array());
        let criteria = row["criteria"].as_array().unwrap();
        let names: Vec<&str> = criteria
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "data",
                "volume",
                "specificity",
                "proven_value",
                "plateau",
                "expertise",
                "budget",
                "timeline"
            ]
        );
        for c in criteria {
            assert!(c["passed"].is_boolean(), "{c}");
            assert!(c.get("value").is_some() && c.get("threshold").is_some());
        }
    }
    let beta = &rows[2];
    assert_eq!(beta["id"], "beta");
    assert_eq!(beta["title"], "Beta claims");
    let failing: Vec<&str> = beta["criteria"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["passed"] == false)
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(failing, ["timeline"]);
    let data = &beta["criteria"][0];
    assert_eq!(data["value"], 5000);
    assert_eq!(data["threshold"], 1000);
    let value = &beta["criteria"][3];
    assert_eq!(value["value"], 40000);
    assert_eq!(value["threshold"], 25000);
}

#[test]
fn ready_for_one_use_case() {
    let tmp = portfolio_dir();
    // Any use case can be shown by id, whatever its verdict.
    let gamma = ripen(
        tmp.path(),
        &["ready", "gamma", "--format", "json", "--as-of", AS_OF],
    )
    .expect(0)
    .json();
    assert_eq!(ids(&gamma), ["gamma"]);
    assert_eq!(gamma[0]["verdict"], "not-yet");

    let delta = ripen(tmp.path(), &["ready", "delta", "--as-of", AS_OF])
        .expect(0)
        .stdout;
    assert!(delta.contains("not-applicable"), "{delta}");
    assert!(
        delta.contains("not applicable: already FineTuned"),
        "{delta}"
    );

    let run = ripen(tmp.path(), &["ready", "omega", "--as-of", AS_OF]).expect(2);
    assert!(run.stderr.contains("`omega`"), "{}", run.stderr);
    assert!(run.stdout.is_empty());
}

/// One ready use case whose only measured ROI (30,000) is dated 2025-07-01,
/// plus a large estimate that never counts.
fn window_case() -> Case {
    let mut c = Case::ready("Window");
    c.roi = vec![
        ("2025-07-01", 30000, "Measured"),
        ("2026-06-01", 500000, "Estimated"),
    ];
    c
}

fn verdict_of(cwd: &Path, id: &str, extra: &[&str]) -> (String, Value) {
    let mut args = vec!["ready", id, "--format", "json"];
    args.extend_from_slice(extra);
    let rows = ripen(cwd, &args).expect(0).json();
    let row = rows[0].clone();
    (row["verdict"].as_str().unwrap().to_owned(), row)
}

#[test]
fn as_of_moves_roi_out_of_the_365_day_window() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    write_register(&state, None, &[("window", &window_case())]);

    // 2026-06-30 is 364 days after 2025-07-01: the entry counts.
    let (verdict, row) = verdict_of(tmp.path(), "window", &["--as-of", "2026-06-30"]);
    assert_eq!(verdict, "ready");
    assert_eq!(row["criteria"][3]["value"], 30000);

    // One day later the entry is 365 days old and falls out of the window;
    // the estimate never counts, so proven value fails.
    let (verdict, row) = verdict_of(tmp.path(), "window", &["--as-of", "2026-07-01"]);
    assert_eq!(verdict, "almost");
    assert_eq!(row["criteria"][3]["name"], "proven_value");
    assert_eq!(row["criteria"][3]["value"], 0);
    assert_eq!(row["criteria"][3]["passed"], false);

    // Before the third measurement, there is no plateau over three yet.
    let (verdict, row) = verdict_of(tmp.path(), "window", &["--as-of", "2026-05-01"]);
    assert_eq!(verdict, "almost");
    assert_eq!(row["criteria"][4]["name"], "plateau");
    assert_eq!(row["criteria"][4]["passed"], false);
}

#[test]
fn register_as_of_is_used_without_the_flag() {
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    write_register(&state, Some("2026-07-01"), &[("window", &window_case())]);

    let (verdict, _) = verdict_of(tmp.path(), "window", &[]);
    assert_eq!(verdict, "almost");
    let list = ripen(tmp.path(), &["list"]).expect(0).stdout;
    assert!(list.contains("at 2026-07-01"), "{list}");

    // The flag wins over register.ron.
    let (verdict, _) = verdict_of(tmp.path(), "window", &["--as-of", "2026-06-30"]);
    assert_eq!(verdict, "ready");
    let list = ripen(tmp.path(), &["list", "--as-of", "2026-06-30"])
        .expect(0)
        .stdout;
    assert!(list.contains("at 2026-06-30"), "{list}");
}

// ---------------------------------------------------------------------------
// list
// ---------------------------------------------------------------------------

#[test]
fn piped_text_is_never_cut() {
    let tmp = portfolio_dir();
    let state = tmp.path().join("state");
    // The longest id allowed, a wide-character title, a long team name.
    let long_id = format!("{}-end", "a".repeat(96));
    let title = "東京の契約書レビューと請求書の照合".repeat(4);
    let mut wide = Case::ready(&title);
    wide.team = "Contact Centre Workforce Management and Quality Assurance".repeat(2);
    wide.needs_consistency = true;
    // Stale (last measurement long ago) and regressed (a 0.1 drop).
    wide.measurements = vec![("2025-01-01", 0.9), ("2025-02-01", 0.8)];
    write_case(&state, &long_id, &wide);

    for args in [
        &["list"][..],
        &["ready", "--all"],
        &["ready", &long_id],
        &["validate"],
    ] {
        let mut args = args.to_vec();
        args.extend(["--as-of", AS_OF]);
        let run = ripen(tmp.path(), &args).expect(0);
        assert!(!run.stdout.contains('…'), "{args:?} cut:\n{}", run.stdout);
    }
    let list = ripen(tmp.path(), &["list", "--as-of", AS_OF])
        .expect(0)
        .stdout;
    assert!(list.contains(&long_id), "{list}");
    assert!(
        list.contains(&format!("[stale] [regression] {title} · {}", wide.team)),
        "{list}"
    );
    assert!(list.contains("6 use case(s) at 2026-06-30"), "{list}");
    let ready = ripen(tmp.path(), &["ready", &long_id, "--as-of", AS_OF])
        .expect(0)
        .stdout;
    assert!(ready.contains(&format!("{long_id} · {title}")), "{ready}");
}

#[test]
fn list_json_has_one_row_per_use_case() {
    let tmp = portfolio_dir();
    let mut stale = Case::ready("Stale and regressed");
    stale.measurements = vec![("2025-12-01", 0.9), ("2026-01-01", 0.85)];
    write_case(&tmp.path().join("state"), "omega", &stale);

    let rows = ripen(tmp.path(), &["list", "--format", "json", "--as-of", AS_OF])
        .expect(0)
        .json();
    assert_eq!(
        ids(&rows),
        ["alpha", "beta", "delta", "gamma", "omega", "zeta"]
    );
    for row in rows.as_array().unwrap() {
        for key in [
            "id", "title", "team", "owner", "stage", "approach", "risk", "verdict", "flags",
        ] {
            assert!(row.get(key).is_some(), "{key} missing in {row}");
        }
    }
    let alpha = &rows[0];
    assert_eq!(alpha["title"], "Alpha contracts");
    assert_eq!(alpha["stage"], "Collect");
    assert_eq!(alpha["approach"], "Prompting");
    assert_eq!(alpha["risk"], "Limited");
    assert_eq!(alpha["verdict"], "ready");
    assert_eq!(alpha["flags"], serde_json::json!([]));
    assert_eq!(rows[2]["verdict"], "not-applicable");
    assert_eq!(rows[2]["approach"], "FineTuned");
    assert_eq!(rows[3]["verdict"], "not-yet");
    assert_eq!(rows[4]["flags"], serde_json::json!(["stale", "regression"]));

    // No command at all is `list`.
    let bare = ripen(tmp.path(), &["--as-of", AS_OF]).expect(0).stdout;
    let list = ripen(tmp.path(), &["list", "--as-of", AS_OF])
        .expect(0)
        .stdout;
    assert_eq!(bare, list);
}

#[test]
fn a_reader_that_stops_early_ends_ripen_quietly() {
    use std::io::Read;
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    write_register(&state, None, &[]);
    // Far more output than a pipe buffers, so that some of it is written
    // after the reader is gone, however late it goes.
    for n in 0..80 {
        write_case(&state, &format!("case-{n}"), &Case::ready("Bulk"));
    }
    let mut child = support::run::ripen(&["ready", "--all", "--format", "json", "--as-of", AS_OF])
        .cwd(tmp.path())
        .command()
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
    assert_eq!(status.code(), Some(0));
}

/// Every kind of output (text, generated scripts, CSV) stops quietly with
/// success when its reader has gone.
#[test]
fn every_output_ends_quietly_when_its_reader_has_gone() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    write_register(&state, None, &[]);
    for n in 0..80 {
        write_case(&state, &format!("case-{n}"), &Case::ready("Bulk"));
    }
    for args in [
        &["list"][..],
        &["completions", "bash"][..],
        &["man"][..],
        &["export", "csv"][..],
    ] {
        for _ in 0..10 {
            let mut child = support::run::ripen(args)
                .cwd(tmp.path())
                .command()
                .stdin(Stdio::null())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            drop(child.stdout.take());
            let out = child.wait_with_output().unwrap();
            let stderr = String::from_utf8_lossy(&out.stderr);
            assert!(stderr.is_empty(), "{args:?}: {stderr}");
            assert_eq!(out.status.code(), Some(0), "{args:?}");
        }
    }
}

/// Output that cannot be written for another reason than a reader gone
/// (here a full device; a terminal that hung up answers EIO): exit code 2
/// and one line on standard error that says so, never a panic.
#[test]
fn output_that_cannot_be_written_ends_ripen_with_one_line_and_code_2() {
    use std::process::Stdio;
    let tmp = tempfile::tempdir().unwrap();
    let state = tmp.path().join("state");
    write_register(&state, None, &[("alpha", &Case::ready("Alpha"))]);
    for args in [
        &["list"][..],
        &["ready", "--all", "--format", "json", "--as-of", AS_OF][..],
        &["validate"][..],
    ] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let out = support::run::ripen(args)
            .cwd(tmp.path())
            .command()
            .stdin(Stdio::null())
            .stdout(full)
            .stderr(Stdio::piped())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert_eq!(
            stderr.lines().collect::<Vec<_>>(),
            ["ripen: error: cannot write the output: No space left on device (os error 28)"],
            "{args:?}"
        );
    }
}

// ---------------------------------------------------------------------------
// fmt
// ---------------------------------------------------------------------------

/// A valid use case written by hand: comments, odd spacing, fields on one
/// line, integers where reals are expected, `targets` and `roi` left out.
const HANDWRITTEN: &str = r#"// Written by hand.
UseCase(title:"Hand written",summary:"A summary.",owner:"o@example.com",team:"T",
  stage:Collect, approach:Prompting(technique:Retrieval,model:"m"), risk:Minimal,
  profile:(specificity:Mixed,daily_volume:12,curated_examples:3,ml_expertise:false,
           budget_usd:0,can_wait_weeks:true,needs_consistency:true),
  measurements:[(date:"2026-01-02",accuracy:1,consistency:0.5,p95_latency_ms:10,
                 cost_per_1k_usd:2,satisfaction:4,source:"s")],
  notes:"Line one\nline two")
"#;

#[test]
fn fmt_check_lists_a_non_canonical_file_and_changes_nothing() {
    let tmp = portfolio_dir();
    let path = tmp.path().join("state/use-cases/hand.ron");
    fs::write(&path, HANDWRITTEN).unwrap();
    let before = tree_bytes(&tmp.path().join("state"));

    let run = ripen(tmp.path(), &["fmt", "--check"]).expect(1);
    assert_eq!(
        run.stdout.trim_end(),
        "state/use-cases/hand.ron: not canonical"
    );
    assert!(run.stderr.contains("ripen fmt"), "{}", run.stderr);
    assert_eq!(tree_bytes(&tmp.path().join("state")), before);
}

#[test]
fn fmt_rewrites_canonically_keeping_every_value() {
    let tmp = portfolio_dir();
    let state = tmp.path().join("state");
    let path = state.join("use-cases/hand.ron");
    fs::write(&path, HANDWRITTEN).unwrap();
    // register.ron and policy.ron are formatted too.
    let policy = "Policy(min_curated_examples:500,min_daily_volume:100,min_annual_roi_usd:1,plateau_window:4,plateau_max_gain:0.05,min_budget_usd:0,stale_after_days:30,regression_drop:0.1,gates:[Data,Volume])";
    fs::write(state.join("policy.ron"), policy).unwrap();
    let before_case = ripen::register::parse_use_case(HANDWRITTEN).unwrap();
    let before_policy = ripen::register::parse_policy(policy).unwrap();
    let untouched = fs::read(state.join("use-cases/alpha.ron")).unwrap();

    let run = ripen(tmp.path(), &["fmt"]).expect(0);
    assert!(
        run.stdout.contains("formatted state/use-cases/hand.ron"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("formatted state/policy.ron"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains("alpha"), "{}", run.stdout);

    let text = fs::read_to_string(&path).unwrap();
    let after_case = ripen::register::parse_use_case(&text).unwrap();
    assert_eq!(after_case, before_case, "fmt changed a value");
    assert_eq!(text, ripen::model::canonical::use_case(&after_case));
    assert!(text.contains("        accuracy: None,\n"), "{text}");
    assert!(text.contains("    roi: [],\n"), "{text}");
    assert!(!text.contains("Written by hand"), "comments are not kept");
    let policy_after = fs::read_to_string(state.join("policy.ron")).unwrap();
    assert_eq!(
        ripen::register::parse_policy(&policy_after).unwrap(),
        before_policy
    );
    assert!(
        policy_after.contains("    gates: [Data, Volume],\n"),
        "{policy_after}"
    );
    assert_eq!(
        fs::read(state.join("use-cases/alpha.ron")).unwrap(),
        untouched
    );

    // A second run finds nothing to do.
    let canonical = tree_bytes(&state);
    let again = ripen(tmp.path(), &["fmt"]).expect(0);
    assert!(again.stdout.is_empty(), "{}", again.stdout);
    assert_eq!(tree_bytes(&state), canonical);
    ripen(tmp.path(), &["fmt", "--check"]).expect(0);
    ripen(tmp.path(), &["validate", "--as-of", AS_OF]).expect(0);
}

#[test]
fn fmt_leaves_a_file_with_a_syntax_error_untouched() {
    let tmp = portfolio_dir();
    let state = tmp.path().join("state");
    // The comma after the title is missing.
    let broken = "UseCase(\n    title: \"Oops\"\n    summary: \"x\",\n)\n";
    fs::write(state.join("use-cases/broken.ron"), broken).unwrap();
    fs::write(state.join("use-cases/hand.ron"), HANDWRITTEN).unwrap();

    let run = ripen(tmp.path(), &["fmt"]).expect(1);
    let line = run
        .stderr
        .lines()
        .find(|l| l.starts_with("state/use-cases/broken.ron:"))
        .unwrap_or_else(|| panic!("no diagnostic for broken.ron:\n{}", run.stderr));
    // `path:line:col: error: message`, placed at the end of the title or at
    // the field that follows it.
    let mut parts = line.splitn(4, ':');
    parts.next();
    let at_line: usize = parts.next().unwrap().parse().expect("a line number");
    let at_col: usize = parts.next().unwrap().parse().expect("a column number");
    assert!((2..=3).contains(&at_line) && at_col > 1, "{line}");
    assert!(parts.next().unwrap().starts_with(" error: "), "{line}");
    assert!(line.ends_with("(not formatted)"), "{line}");
    assert_eq!(
        fs::read(state.join("use-cases/broken.ron")).unwrap(),
        broken.as_bytes()
    );
    // The other files are still formatted.
    assert!(
        run.stdout.contains("formatted state/use-cases/hand.ron"),
        "{}",
        run.stdout
    );
    let check = ripen(tmp.path(), &["fmt", "--check"]).expect(1);
    assert!(
        check
            .stderr
            .contains(line.trim_end_matches(" (not formatted)")),
        "{}",
        check.stderr
    );
    assert_eq!(
        fs::read(state.join("use-cases/broken.ron")).unwrap(),
        broken.as_bytes()
    );
}

// ---------------------------------------------------------------------------
// --rev
// ---------------------------------------------------------------------------

/// A repository at the temporary folder's root with `state/` committed once.
fn committed_portfolio() -> (tempfile::TempDir, Repository) {
    let tmp = portfolio_dir();
    let repo = Repository::init(tmp.path()).unwrap();
    commit_all(&repo, "Add the register");
    (tmp, repo)
}

fn list_ids(cwd: &Path, extra: &[&str]) -> Vec<String> {
    let mut args = vec!["list", "--format", "json", "--as-of", AS_OF];
    args.extend_from_slice(extra);
    ids(&ripen(cwd, &args).expect(0).json())
}

#[test]
fn rev_head_shows_the_committed_register() {
    let (tmp, _repo) = committed_portfolio();
    let state = tmp.path().join("state");
    fs::remove_file(state.join("use-cases/beta.ron")).unwrap();
    write_case(&state, "alpha", &Case::ready("Alpha renamed"));
    write_case(&state, "new-one", &Case::ready("New"));

    assert_eq!(
        list_ids(tmp.path(), &[]),
        ["alpha", "delta", "gamma", "new-one", "zeta"]
    );
    assert_eq!(
        list_ids(tmp.path(), &["--rev", "HEAD"]),
        ["alpha", "beta", "delta", "gamma", "zeta"]
    );
    let rows = ripen(
        tmp.path(),
        &[
            "--rev", "HEAD", "list", "--format", "json", "--as-of", AS_OF,
        ],
    )
    .expect(0)
    .json();
    assert_eq!(rows[0]["title"], "Alpha contracts");

    // Diagnostics of a revision name it.
    let v = ripen(tmp.path(), &["validate", "--rev", "HEAD", "--as-of", AS_OF])
        .expect(0)
        .stdout;
    assert!(v.starts_with("HEAD:state: 5 use case(s) loaded"), "{v}");
}

#[test]
fn rev_reads_tags_and_older_commits() {
    let (tmp, repo) = committed_portfolio();
    let first = repo.head().unwrap().peel_to_commit().unwrap();
    repo.tag_lightweight("v1", first.as_object(), false)
        .unwrap();
    let sig = signature();
    repo.tag(
        "audit-2026",
        first.as_object(),
        &sig,
        "Audit snapshot",
        false,
    )
    .unwrap();

    let state = tmp.path().join("state");
    fs::remove_file(state.join("use-cases/gamma.ron")).unwrap();
    write_case(&state, "omega", &Case::ready("Omega"));
    let second = commit_all(&repo, "Replace gamma by omega");

    let before = ["alpha", "beta", "delta", "gamma", "zeta"];
    let after = ["alpha", "beta", "delta", "omega", "zeta"];
    assert_eq!(list_ids(tmp.path(), &["--rev", "v1"]), before);
    assert_eq!(list_ids(tmp.path(), &["--rev", "audit-2026"]), before);
    assert_eq!(list_ids(tmp.path(), &["--rev", "HEAD~1"]), before);
    assert_eq!(list_ids(tmp.path(), &["--rev", "HEAD"]), after);
    let full = second.to_string();
    assert_eq!(list_ids(tmp.path(), &["--rev", &full]), after);
    assert_eq!(list_ids(tmp.path(), &["--rev", &full[..10]]), after);
}

#[test]
fn a_bad_rev_is_a_clear_error() {
    let (tmp, _repo) = committed_portfolio();
    for rev in ["no-such-branch", "HEAD~5"] {
        let run = ripen(tmp.path(), &["list", "--rev", rev]).expect(2);
        assert!(
            run.stderr.contains(&format!("revision `{rev}` not found")),
            "{}",
            run.stderr
        );
        assert!(run.stdout.is_empty());
    }
    // A register outside any repository cannot be read at a revision.
    let plain = portfolio_dir();
    let run = ripen(plain.path(), &["list", "--rev", "HEAD"]).expect(2);
    assert!(
        run.stderr.contains("not inside a git repository"),
        "{}",
        run.stderr
    );
}

#[test]
fn rev_works_when_the_state_folder_is_gone_from_the_working_tree() {
    let (tmp, _repo) = committed_portfolio();
    fs::remove_dir_all(tmp.path().join("state")).unwrap();

    // Without --rev, there is nothing to read.
    ripen(tmp.path(), &["list"]).expect(2);
    let expected = ["alpha", "beta", "delta", "gamma", "zeta"];
    assert_eq!(list_ids(tmp.path(), &["--rev", "HEAD"]), expected);
    let absolute = tmp.path().join("state");
    assert_eq!(
        list_ids(
            tmp.path(),
            &["--rev", "HEAD", "--state", absolute.to_str().unwrap()]
        ),
        expected
    );
    ripen(tmp.path(), &["validate", "--rev", "HEAD", "--as-of", AS_OF]).expect(0);

    // A folder that was never committed is reported as such.
    let run = ripen(tmp.path(), &["list", "--rev", "HEAD", "--state", "other"]).expect(2);
    assert!(
        run.stderr
            .contains("`other` does not exist at revision `HEAD`"),
        "{}",
        run.stderr
    );
}

#[test]
fn commands_that_write_refuse_rev() {
    let (tmp, _repo) = committed_portfolio();
    let state = tmp.path().join("state");
    fs::write(state.join("use-cases/hand.ron"), HANDWRITTEN).unwrap();
    let before = tree_bytes(&state);
    // Given before the command, --rev is refused by the command; after
    // it, these commands do not even have the option.
    for args in [
        &["--rev", "HEAD", "fmt"][..],
        &["--rev", "HEAD", "fmt", "--check"],
        &["--rev", "HEAD", "new", "other"],
    ] {
        let run = ripen(tmp.path(), args).expect(2);
        assert!(run.stderr.contains("cannot take --rev"), "{}", run.stderr);
    }
    for args in [
        &["fmt", "--rev", "HEAD"][..],
        &["fmt", "--check", "--rev", "HEAD"],
        &["new", "other", "--rev", "HEAD"],
    ] {
        let run = ripen(tmp.path(), args).expect(2);
        assert!(
            run.stderr.contains("unexpected argument '--rev'"),
            "{}",
            run.stderr
        );
    }
    assert_eq!(tree_bytes(&state), before);
}

// ---------------------------------------------------------------------------
// Hostile text
// ---------------------------------------------------------------------------

const ESC: u8 = 0x1b;
const BEL: u8 = 0x07;

fn assert_no_control_bytes(what: &str, bytes: &[u8]) {
    assert!(
        !bytes.contains(&ESC) && !bytes.contains(&BEL),
        "{what} holds a raw ESC or BEL:\n{}",
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn escape_sequences_in_a_register_never_reach_the_terminal() {
    let tmp = portfolio_dir();
    let state = tmp.path().join("state");
    let hostile = "\u{1b}]0;pwned\u{7}\u{1b}[31m";
    let shown = r"\u{1b}]0;pwned\u{7}\u{1b}[31m";

    // Once written with RON escapes, once with the raw bytes in the file.
    let mut escaped = Case::ready("placeholder");
    escaped.team = format!("Team{hostile}");
    let text = escaped
        .ron()
        .replace("\"placeholder\"", &format!("\"{shown}\""))
        .replace(&format!("{:?}", escaped.team), &format!("\"Team{shown}\""));
    fs::write(state.join("use-cases/escaped.ron"), text).unwrap();
    let mut raw = Case::ready("placeholder");
    raw.needs_consistency = true;
    let text = raw
        .ron()
        .replace("\"placeholder\"", &format!("\"{hostile}\""));
    assert!(text.as_bytes().contains(&ESC));
    fs::write(state.join("use-cases/raw.ron"), text).unwrap();
    // A file name with an escape sequence, too.
    fs::write(
        state.join(format!("use-cases/{hostile}.ron")),
        Case::ready("x").ron(),
    )
    .unwrap();

    for args in [
        &["list"][..],
        &["list", "--format", "json"],
        &["ready", "--all"],
        &["ready", "--format", "json"],
        &["ready", "raw"],
        &["validate"],
        &["validate", "--format", "json"],
        &["fmt", "--check"],
    ] {
        let mut args = args.to_vec();
        args.extend(["--as-of", AS_OF]);
        let run = ripen(tmp.path(), &args);
        assert_no_control_bytes(&format!("stdout of {args:?}"), &run.raw_stdout);
        assert_no_control_bytes(&format!("stderr of {args:?}"), &run.raw_stderr);
        if args[0] != "fmt" && !args.contains(&"json") {
            assert!(
                run.stdout.contains(shown),
                "{args:?} does not show the escaped form:\n{}",
                run.stdout
            );
        }
    }

    let validate = ripen(tmp.path(), &["validate", "--as-of", AS_OF]).expect(1);
    assert!(
        validate.stdout.contains(
            "state/use-cases/escaped.ron:2:12: warning: title holds the control character U+001B"
        ),
        "{}",
        validate.stdout
    );
    assert!(
        validate.stdout.contains(&format!(
            "state/use-cases/{shown}.ron:1:1: error: invalid use-case id"
        )),
        "{}",
        validate.stdout
    );
    let list = ripen(tmp.path(), &["list", "--as-of", AS_OF])
        .expect(1)
        .stdout;
    assert!(list.contains(&format!("{shown} · Team{shown}")), "{list}");
    // JSON keeps the real text, escaped the JSON way.
    let rows = ripen(tmp.path(), &["list", "--format", "json", "--as-of", AS_OF])
        .expect(1)
        .json();
    let row = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "raw")
        .unwrap();
    assert_eq!(row["title"], hostile);
}

// ---------------------------------------------------------------------------
// The shipped demo register
// ---------------------------------------------------------------------------

fn shipped_state() -> String {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("state");
    assert!(
        dir.is_dir(),
        "the shipped register {} is missing",
        dir.display()
    );
    dir.to_str().unwrap().to_owned()
}

#[test]
fn the_shipped_register_validates_without_errors_or_warnings() {
    let state = shipped_state();
    let tmp = tempfile::tempdir().unwrap();
    let v = ripen(
        tmp.path(),
        &["--state", &state, "validate", "--format", "json"],
    )
    .expect(0)
    .json();
    assert_eq!(v["errors"], 0, "{v:#}");
    assert_eq!(v["warnings"], 0, "{v:#}");
    assert!(v["use_cases"].as_u64().unwrap() >= 15, "{v:#}");
}

#[test]
fn the_shipped_register_is_canonical() {
    let state = shipped_state();
    let tmp = tempfile::tempdir().unwrap();
    ripen(tmp.path(), &["--state", &state, "fmt", "--check"]).expect(0);
}

#[test]
fn the_shipped_register_has_candidates_and_watch_flags() {
    let state = shipped_state();
    let tmp = tempfile::tempdir().unwrap();
    let rows = ripen(
        tmp.path(),
        &["--state", &state, "ready", "--format", "json"],
    )
    .expect(0)
    .json();
    let count = |v: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["verdict"] == v)
            .count()
    };
    assert!(count("ready") >= 3, "{rows:#}");
    assert!(count("almost") >= 2, "{rows:#}");

    let list = ripen(tmp.path(), &["--state", &state, "list", "--format", "json"])
        .expect(0)
        .json();
    let flagged = |flag: &str| {
        list.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["flags"].as_array().unwrap().iter().any(|f| f == flag))
            .count()
    };
    assert!(flagged("stale") >= 1, "{list:#}");
    assert!(flagged("regression") >= 1, "{list:#}");

    // Piped, the text views hold every character (a terminal gets them
    // fitted to its width: see the end-to-end tests).
    for args in [&["list"][..], &["ready"], &["ready", "--all"]] {
        let mut all = vec!["--state", state.as_str()];
        all.extend_from_slice(args);
        let run = ripen(tmp.path(), &all).expect(0);
        assert!(!run.stdout.contains('…'), "{args:?}:\n{}", run.stdout);
    }
}

/// A copy of the shipped register in `tmp/state`.
fn shipped_copy(tmp: &Path) -> PathBuf {
    support::data::copy_shipped(tmp)
}

#[test]
fn a_prompting_use_case_moved_to_finetune_is_underway_not_ready() {
    let tmp = tempfile::tempdir().unwrap();
    let state = shipped_copy(tmp.path());
    let file = state.join("use-cases/customer-faq.ron");
    let text = fs::read_to_string(&file).unwrap();
    fs::write(&file, text.replace("stage: Collect,", "stage: FineTune,")).unwrap();

    let run = ripen(tmp.path(), &["ready"]).expect(0);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with("customer-faq · "))
        .unwrap_or_else(|| panic!("{}", run.stdout));
    assert!(line.ends_with("FineTune  fine-tuning underway"), "{line}");
    assert!(
        run.stdout
            .contains("Fine-tuning underway: the use case is already in stage FineTune"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("3 ready, 3 almost, 1 fine-tuning underway at"),
        "{}",
        run.stdout
    );
    // Listed after every open decision.
    let rows = ripen(tmp.path(), &["ready", "--format", "json"])
        .expect(0)
        .json();
    let last = rows.as_array().unwrap().last().unwrap();
    assert_eq!(last["id"], "customer-faq");
    assert_eq!(last["verdict"], "underway");
    assert_eq!(last["stage"], "FineTune");
    assert_eq!(rows[0]["stage"], "Collect");

    let list = ripen(tmp.path(), &["list"]).expect(0);
    assert!(
        list.stdout.contains("  1 fine-tuning underway"),
        "{}",
        list.stdout
    );
    assert!(
        list.stdout.contains("  3 ready, 3 almost"),
        "{}",
        list.stdout
    );
}
