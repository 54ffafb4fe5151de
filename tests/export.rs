//! Exporting: the federal sample imported then exported back, compared
//! column by column; edits in the register carried into the inventory's
//! terms; `ripen export csv` with its columns, quoting and exact text; and
//! the command line's `--output`, `--columns` and `--rev`.

mod support;

use std::fs;
use std::path::{Path, PathBuf};

use ripen::export;
use ripen::import::{self, Mapping, Plan, Preset};
use ripen::model::{
    Approach, Confidence, Date, Measurement, Method, Period, Policy, Risk, RoiEntry, RoiKind,
    Settings, Specificity, Stage, Targets, Technique, UseCase, canonical,
};
use ripen::register::{self, Register};
use ripen::store;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/omb-2025-sample.csv"
);

fn today() -> Date {
    Date::parse("2026-01-15").unwrap()
}

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    state: PathBuf,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let state = root.join("state");
        fs::create_dir_all(state.join("use-cases")).unwrap();
        fs::write(
            state.join("register.ron"),
            canonical::settings(&Settings::new("Exports")),
        )
        .unwrap();
        fs::write(
            state.join("policy.ron"),
            canonical::policy(&Policy::default()),
        )
        .unwrap();
        Fixture {
            _dir: dir,
            root,
            state,
        }
    }

    fn load(&self) -> Register {
        let snapshot = store::snapshot(&self.state).unwrap();
        register::load(&snapshot, None, today())
    }

    fn import(&self, csv: &[u8], mapping: &Mapping) -> Plan {
        let snapshot = store::snapshot(&self.state).unwrap();
        let reg = register::load(&snapshot, None, today());
        let plan = import::plan("data.csv", csv, mapping, &reg, &snapshot).unwrap();
        for w in &plan.writes {
            store::write_atomic(&self.state.join(&w.rel), &w.bytes).unwrap();
        }
        plan
    }

    fn put(&self, id: &str, u: &UseCase) {
        fs::write(
            self.state.join(format!("use-cases/{id}.ron")),
            canonical::use_case(u),
        )
        .unwrap();
    }

    fn ripen(&self, args: &[&str]) -> (i32, Vec<u8>, String) {
        let run = support::run::ripen(args)
            .cwd(&self.root)
            .env("HOME", &self.root)
            .run();
        (run.code, run.raw_stdout, run.stderr)
    }
}

fn read_csv(bytes: &[u8]) -> (Vec<String>, Vec<Vec<String>>) {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(bytes);
    let mut rows: Vec<Vec<String>> = r
        .records()
        .map(|rec| rec.unwrap().iter().map(str::to_owned).collect())
        .collect();
    let header = rows.remove(0);
    (header, rows)
}

/// The exported row of each use case, by id (exports are in id order).
fn by_id<'a>(
    reg: &'a Register,
    rows: &'a [Vec<String>],
) -> impl Iterator<Item = (&'a str, &'a Vec<String>)> {
    assert_eq!(reg.use_cases.len(), rows.len());
    reg.use_cases.iter().map(|e| e.id.as_str()).zip(rows)
}

#[test]
fn the_federal_sample_comes_back_column_by_column() {
    let fx = Fixture::new();
    let source = fs::read(SAMPLE).unwrap();
    let plan = fx.import(&source, &Preset::Omb2025.mapping());
    let (src_header, src_rows) = read_csv(&source);

    let reg = fx.load();
    let bytes = export::omb_2025(&reg, export::Cells::Exact).unwrap();
    assert!(
        bytes.starts_with(b"\xEF\xBB\xBF"),
        "the inventory's byte-order mark"
    );
    let (header, rows) = read_csv(&bytes);
    assert_eq!(header, src_header, "the same header as the source file");

    let mut compared = 0;
    for (id, exported) in by_id(&reg, &rows) {
        let outcome = plan
            .report
            .outcomes
            .iter()
            .find(|o| o.id.as_deref() == Some(id))
            .unwrap();
        let original = &src_rows[outcome.row - 1];
        for (c, name) in header.iter().enumerate() {
            assert_eq!(
                exported[c], original[c],
                "{id} (row {}), column {name}",
                outcome.row
            );
            compared += 1;
        }
    }
    assert_eq!(compared, 319 * 36);
}

#[test]
fn edits_in_the_register_are_exported_in_the_inventorys_terms() {
    let fx = Fixture::new();
    let source = fs::read(SAMPLE).unwrap();
    let plan = fx.import(&source, &Preset::Omb2025.mapping());
    let (header, src_rows) = read_csv(&source);
    let c = |n: &str| header.iter().position(|h| h == n).unwrap();
    let reg = fx.load();
    // An agentic use case with a withheld contact, if the sample has one;
    // else any agentic one.
    let (row, id) = plan
        .report
        .outcomes
        .iter()
        .filter_map(|o| o.id.as_ref().map(|id| (o.row, id.clone())))
        .find(|(r, _)| src_rows[r - 1][c("classification")] == "Agentic AI")
        .unwrap();
    let original = &src_rows[row - 1];
    let mut u = reg.get(&id).unwrap().use_case.clone();
    u.title = "Renamed in ripen".to_owned();
    u.owner = "owner@agency.gov".to_owned();
    u.stage = Stage::FineTune;
    u.risk = Risk::Unacceptable;
    u.approach = Approach::FineTuned {
        method: Method::Lora,
        base_model: "llama".to_owned(),
        dataset: "tickets".to_owned(),
    };
    fx.put(&id, &u);
    // A use case that was never imported.
    fx.put(
        "native",
        &UseCase::scaffold("Native one", "me@example.com", "Ops"),
    );

    let reg = fx.load();
    let (_, rows) = read_csv(&export::omb_2025(&reg, export::Cells::Exact).unwrap());
    let exported: Vec<_> = by_id(&reg, &rows).collect();
    let (_, edited) = exported.iter().find(|(i, _)| *i == id).unwrap();
    assert_eq!(edited[c("use_case_name")], "Renamed in ripen");
    assert_eq!(edited[c("contact_email")], "owner@agency.gov");
    assert_eq!(
        edited[c("development_stage")],
        "Pilot",
        "FineTune: the nearest earlier stage"
    );
    assert_eq!(
        edited[c("is_high_impact")],
        "High-impact",
        "the nearest lower tier"
    );
    assert_eq!(edited[c("classification")], "Generative AI");
    // What was not edited comes back as it was.
    for col in [
        "agency",
        "id",
        "problem_solved",
        "benefits",
        "topic_area",
        "agency_bureau",
    ] {
        assert_eq!(edited[c(col)], original[c(col)], "{col}");
    }
    let (_, native) = exported.iter().find(|(i, _)| *i == "native").unwrap();
    assert_eq!(native[c("use_case_name")], "Native one");
    assert_eq!(native[c("agency_bureau")], "Ops");
    assert_eq!(native[c("development_stage")], "Pre-deployment");
    assert_eq!(
        native[c("is_high_impact")],
        "Presumed High-Impact, but Not High-impact"
    );
    assert_eq!(native[c("classification")], "Generative AI");
    assert_eq!(native[c("agency")], "");
    assert_eq!(native[c("benefits")], "");
}

fn measured(date: &str, accuracy: f64) -> Measurement {
    Measurement {
        date: Date::parse(date).unwrap(),
        accuracy,
        consistency: 0.7,
        p95_latency_ms: 1800,
        cost_per_1k_usd: 4.5,
        satisfaction: 3.8,
        source: "eval".to_owned(),
    }
}

/// A use case every gate of the default policy passes at 2026-01-15.
fn ready_case() -> UseCase {
    let mut u = UseCase::scaffold("Contract review, \"clauses\"", "ana@example.com", "Legal");
    u.summary = "Two\nlines".to_owned();
    u.stage = Stage::Collect;
    u.approach = Approach::Prompting {
        technique: Technique::FewShot,
        model: "gpt-4o".to_owned(),
    };
    u.profile.specificity = Specificity::Narrow;
    u.profile.daily_volume = 5000;
    u.profile.curated_examples = 5000;
    u.profile.ml_expertise = true;
    u.profile.budget_usd = 100_000;
    u.profile.can_wait_weeks = true;
    u.targets = Targets {
        accuracy: Some(0.9),
        p95_latency_ms: Some(1500),
        cost_per_1k_usd: None,
    };
    u.measurements = vec![
        measured("2025-10-31", 0.80),
        measured("2025-11-30", 0.805),
        measured("2025-12-31", 0.81),
    ];
    u.roi = vec![RoiEntry {
        date: Date::parse("2025-12-31").unwrap(),
        kind: RoiKind::TimeSaved,
        value_usd: 30_000,
        period: Period::Quarter,
        evidence: "finance".to_owned(),
        confidence: Confidence::Measured,
    }];
    u.notes = "Bell \u{7} and escape \u{1b}[31m stay exact.".to_owned();
    u
}

#[test]
fn the_csv_export_has_every_column_quoted_as_rfc_4180_says() {
    let fx = Fixture::new();
    fx.put("contract-review", &ready_case());
    let mut stale = UseCase::scaffold("Old triage", "bo@example.com", "Support");
    stale.measurements = vec![measured("2025-01-31", 0.9), measured("2025-02-28", 0.8)];
    fx.put("old-triage", &stale);
    let reg = fx.load();
    assert_eq!(reg.errors(), 0, "{:?}", reg.diagnostics);

    let bytes = export::csv(&reg, &[], export::Cells::Exact).unwrap();
    let text = String::from_utf8(bytes.clone()).unwrap();
    assert!(
        text.starts_with("id,title,summary,owner,team,stage,approach,model,"),
        "{text}"
    );
    assert!(text.contains("\r\n"));
    assert!(
        text.contains("\"Contract review, \"\"clauses\"\"\""),
        "quoted, quotes doubled"
    );
    assert!(
        text.contains("\"Two\nlines\""),
        "a line break inside a quoted field"
    );
    assert!(
        text.contains('\u{1b}') && text.contains('\u{7}'),
        "control characters exact"
    );

    let (header, rows) = read_csv(&bytes);
    let names: Vec<&str> = export::COLUMNS.iter().map(|c| c.name).collect();
    assert_eq!(header, names);
    let get =
        |row: &Vec<String>, name: &str| row[header.iter().position(|h| h == name).unwrap()].clone();
    let ready = &rows[0];
    assert_eq!(get(ready, "id"), "contract-review");
    assert_eq!(get(ready, "title"), "Contract review, \"clauses\"");
    assert_eq!(get(ready, "summary"), "Two\nlines");
    assert_eq!(get(ready, "approach"), "Prompting");
    assert_eq!(get(ready, "model"), "gpt-4o");
    assert_eq!(get(ready, "approach_detail"), "FewShot");
    assert_eq!(get(ready, "verdict"), "ready");
    assert_eq!(get(ready, "failing_gates"), "");
    assert_eq!(get(ready, "flags"), "");
    assert_eq!(get(ready, "measured_roi_last_year"), "30000");
    assert_eq!(get(ready, "latest_date"), "2025-12-31");
    assert_eq!(get(ready, "latest_accuracy"), "0.81");
    assert_eq!(get(ready, "measurements"), "3");
    assert_eq!(get(ready, "target_accuracy"), "0.9");
    assert_eq!(get(ready, "target_cost_per_1k_usd"), "");
    assert_eq!(get(ready, "ml_expertise"), "true");
    assert_eq!(get(ready, "as_of"), "2026-01-15");
    assert_eq!(get(ready, "source_system"), "");
    assert_eq!(
        get(ready, "notes"),
        "Bell \u{7} and escape \u{1b}[31m stay exact."
    );
    let old = &rows[1];
    assert_eq!(get(old, "verdict"), "not-yet");
    assert_eq!(get(old, "flags"), "stale;regression");
    assert_eq!(
        get(old, "failing_gates"),
        "data;volume;specificity;proven_value;plateau;expertise;budget;timeline"
    );

    // Chosen columns, in the order given; an unknown one is refused.
    let some = export::csv(
        &reg,
        &["verdict".to_owned(), "id".to_owned()],
        export::Cells::Exact,
    )
    .unwrap();
    assert_eq!(
        String::from_utf8(some).unwrap(),
        "verdict,id\r\nready,contract-review\r\nnot-yet,old-triage\r\n"
    );
    let e = export::csv(&reg, &["verdikt".to_owned()], export::Cells::Exact)
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("unknown column `verdikt`; the columns are: id, title,"),
        "{e}"
    );
}

#[test]
fn every_csv_column_is_documented() {
    let docs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/import.md")).unwrap();
    for c in export::COLUMNS {
        assert!(
            docs.contains(&format!("| `{}` | {} |", c.name, c.about)),
            "docs/import.md must list column `{}`",
            c.name
        );
    }
}

/// Commits everything in `dir` with a fixed signature and time.
fn commit_all(dir: &Path, message: &str) {
    let repo = git2::Repository::open(dir).unwrap();
    let sig = support::repo::signature("T", "t@example.com", 1_767_225_600);
    support::repo::commit_paths(&repo, &["*"], message, &sig);
}

#[test]
fn the_command_line_writes_to_stdout_or_a_file_at_any_revision() {
    let fx = Fixture::new();
    fx.put("contract-review", &ready_case());
    git2::Repository::init(&fx.root).unwrap();
    commit_all(&fx.root, "First");
    let mut u = ready_case();
    u.title = "Renamed".to_owned();
    fx.put("contract-review", &u);

    let (code, stdout, stderr) = fx.ripen(&[
        "--as-of",
        "2026-01-15",
        "export",
        "csv",
        "--columns",
        "id,title",
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(stdout, b"id,title\r\ncontract-review,Renamed\r\n");
    let (code, stdout, _) = fx.ripen(&["--rev", "HEAD", "export", "csv", "--columns", "id,title"]);
    assert_eq!(code, 0);
    assert_eq!(
        stdout,
        b"id,title\r\ncontract-review,\"Contract review, \"\"clauses\"\"\"\r\n"
    );

    let (code, stdout, stderr) = fx.ripen(&["export", "omb-2025", "--output", "out.csv"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        String::from_utf8_lossy(&stdout),
        format!("Wrote 1 use case(s) to out.csv\n")
    );
    let (_, piped, _) = fx.ripen(&["export", "omb-2025"]);
    assert_eq!(fs::read(fx.root.join("out.csv")).unwrap(), piped);
    let (header, rows) = read_csv(&piped);
    assert_eq!(header.len(), 36);
    assert_eq!(rows[0][3], "Renamed");

    let (code, _, stderr) = fx.ripen(&["export", "omb-2025", "--columns", "id"]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("--columns applies to `ripen export csv` only"),
        "{stderr}"
    );
    let (code, _, stderr) = fx.ripen(&["export", "csv", "--columns", "id,nope"]);
    assert_eq!(code, 2);
    assert!(stderr.contains("unknown column `nope`"), "{stderr}");
}
