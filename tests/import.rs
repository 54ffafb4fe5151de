//! Importing CSV files: the federal inventory sample through the `omb-2025`
//! preset, a spreadsheet through a mapping file, re-imports, broken input,
//! and the single commit an import makes (real git repositories).
//!
//! The sample (`tests/data/omb-2025-sample.csv`) holds 320 real rows of the
//! 2025 federal AI use case inventory chosen for their edge cases: rows
//! without an id, names repeated within an agency, ids repeated, text over
//! several lines, non-ASCII letters, tabs, a byte-order mark, empty cells,
//! withheld contacts, a row without a name, and every value of
//! `development_stage`, `is_high_impact` and `classification`.

mod support;

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use git2::{Oid, Repository, RepositoryInitOptions};
use ripen::git::commit::{self, ChangeError, FileWrite};
use ripen::import::{self, Action, ImportError, Mapping, Plan, Preset, block};
use ripen::model::{
    Approach, Date, Measurement, Policy, Settings, Specificity, Stage, Technique, canonical,
};
use ripen::readiness::{self, Verdict};
use ripen::register::{self, Register, Snapshot};
use ripen::store;
use support::repo::hermetic;
use support::run::Run;

const SAMPLE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/omb-2025-sample.csv"
);
const SHEET: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/spreadsheet.csv");
const SHEET_MAPPING: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/data/spreadsheet-mapping.ron"
);

fn today() -> Date {
    Date::parse("2026-01-15").unwrap()
}

// ---------------------------------------------------------------------------
// Registers in temporary folders
// ---------------------------------------------------------------------------

struct Fixture {
    _dir: tempfile::TempDir,
    root: PathBuf,
    state: PathBuf,
}

impl Fixture {
    /// An empty register at `<tmp>/state`, not in a git repository.
    fn plain() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        let state = root.join("state");
        fs::create_dir_all(state.join("use-cases")).unwrap();
        fs::write(
            state.join("register.ron"),
            canonical::settings(&Settings::new("Imports")),
        )
        .unwrap();
        fs::write(
            state.join("policy.ron"),
            canonical::policy(&Policy::default()),
        )
        .unwrap();
        fs::write(state.join("use-cases/.gitkeep"), "").unwrap();
        Fixture {
            _dir: dir,
            root,
            state,
        }
    }

    /// The same, in a git repository on `main` with an identity, committed
    /// once with a fixed signature and time.
    fn git() -> Fixture {
        hermetic();
        let fx = Fixture::plain();
        let mut opts = RepositoryInitOptions::new();
        opts.initial_head("main");
        let repo = Repository::init_opts(&fx.root, &opts).unwrap();
        let mut config = repo.config().unwrap();
        config.set_str("user.name", "Importer").unwrap();
        config
            .set_str("user.email", "importer@example.com")
            .unwrap();
        fs::write(fx.root.join("README.md"), "# Register\n").unwrap();
        fx.commit_all("Create the register", 0);
        fx
    }

    fn repo(&self) -> Repository {
        Repository::open(&self.root).unwrap()
    }

    fn commit_all(&self, message: &str, seconds_later: i64) -> Oid {
        let sig = support::repo::signature(
            "Seed Author",
            "seed@example.com",
            1_700_000_000 + seconds_later,
        );
        support::repo::commit_paths(&self.repo(), &["*"], message, &sig)
    }

    fn head(&self) -> Oid {
        self.repo().head().unwrap().target().unwrap()
    }

    fn load(&self) -> (Snapshot, Register) {
        let snapshot = store::snapshot(&self.state).unwrap();
        let reg = register::load(&snapshot, None, today());
        (snapshot, reg)
    }

    fn plan(&self, csv: &[u8], mapping: &Mapping) -> Result<Plan, ImportError> {
        let (snapshot, reg) = self.load();
        import::plan("data.csv", csv, mapping, &reg, &snapshot)
    }

    /// Writes a plan's files as the command line does outside git.
    fn apply(&self, plan: &Plan) {
        for w in &plan.writes {
            store::write_atomic(&self.state.join(&w.rel), &w.bytes).unwrap();
        }
    }

    fn import(&self, csv: &[u8], mapping: &Mapping) -> Plan {
        let plan = self.plan(csv, mapping).unwrap_or_else(|e| panic!("{e}"));
        self.apply(&plan);
        plan
    }

    /// Every file under the folder (outside `.git`) with its bytes.
    fn files(&self) -> Vec<(PathBuf, Vec<u8>)> {
        let mut out = Vec::new();
        let mut todo = vec![self.root.clone()];
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

    fn ripen(&self, args: &[&str]) -> Run {
        let home = self.root.join(".home");
        fs::create_dir_all(&home).unwrap();
        support::run::ripen(args)
            .cwd(&self.root)
            .env("HOME", &home)
            .env("XDG_CONFIG_HOME", &home)
            .run()
    }
}

fn preset() -> Mapping {
    Preset::Omb2025.mapping()
}

fn sample() -> Vec<u8> {
    fs::read(SAMPLE).unwrap()
}

/// The sample's header and rows, as the csv crate reads them.
fn sample_rows() -> (Vec<String>, Vec<Vec<String>>) {
    read_csv(&sample())
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

fn write_csv(header: &[String], rows: &[Vec<String>]) -> Vec<u8> {
    let mut w = csv::WriterBuilder::new().from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record(header).unwrap();
    for r in rows {
        w.write_record(r).unwrap();
    }
    w.into_inner().unwrap()
}

fn col(header: &[String], name: &str) -> usize {
    header.iter().position(|h| h == name).unwrap()
}

fn sheet_mapping() -> Mapping {
    Mapping::parse(
        "tests/data/spreadsheet-mapping.ron",
        &fs::read_to_string(SHEET_MAPPING).unwrap(),
    )
    .unwrap_or_else(|e| panic!("{e}"))
}

// ---------------------------------------------------------------------------
// The federal inventory sample
// ---------------------------------------------------------------------------

#[test]
fn the_federal_sample_imports_validates_and_reimports_without_change() {
    let fx = Fixture::plain();
    let (header, rows) = sample_rows();
    let plan = fx.import(&sample(), &preset());
    let r = &plan.report;
    assert_eq!(r.rows, rows.len());
    assert_eq!(r.rows, 320);
    assert_eq!(
        (r.created, r.updated, r.unchanged, r.skipped),
        (319, 0, 0, 1)
    );
    assert!(r.unmapped.is_empty(), "{:?}", r.unmapped);
    assert!(r.dropped_columns.is_empty(), "{:?}", r.dropped_columns);

    // The one row without a name is skipped, by its number, with the reason.
    let name = col(&header, "use_case_name");
    let nameless = rows.iter().position(|r| r[name].trim().is_empty()).unwrap() + 1;
    let skipped: Vec<_> = r.with(Action::Skipped).collect();
    assert_eq!(skipped[0].row, nameless);
    assert!(
        skipped[0].reason.as_deref().unwrap().contains("no title"),
        "{:?}",
        skipped[0]
    );

    // Keys and file names are unique, ids repeated in the file included.
    let keys: BTreeSet<&str> = plan
        .writes
        .iter()
        .map(|w| w.use_case.source.as_ref().unwrap().id.as_str())
        .collect();
    assert_eq!(keys.len(), 319);
    for k in ["DOJ/DOJ-0357", "DOJ/DOJ-0357#2", "STB/TBD", "STB/TBD#2"] {
        assert!(keys.contains(k), "{k}");
    }
    let files: BTreeSet<&str> = plan.writes.iter().map(|w| w.rel.as_str()).collect();
    assert_eq!(files.len(), 319);

    // A row without an id is known by agency and normalized name.
    let id = col(&header, "id");
    let agency = col(&header, "agency");
    let noid = rows
        .iter()
        .find(|r| r[id].is_empty() && !r[name].trim().is_empty())
        .unwrap();
    let fallback = format!(
        "{}/{}",
        noid[agency].to_lowercase(),
        noid[name]
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_lowercase()
    );
    assert!(
        keys.iter()
            .any(|k| k.split('#').next() == Some(fallback.as_str())),
        "{fallback}"
    );

    // The register loads with no error and no warning, and nothing looks
    // ready: the decision profiles are not assessed yet.
    let (_, reg) = fx.load();
    assert_eq!(reg.use_cases.len(), 319);
    let problems: Vec<String> = reg.diagnostics.iter().map(|d| d.to_string()).collect();
    assert!(problems.is_empty(), "{problems:#?}");
    for e in &reg.use_cases {
        let a = readiness::assess(&e.use_case, &Policy::default(), today());
        match &e.use_case.approach {
            Approach::Prompting { .. } if e.use_case.stage == Stage::Retired => {
                assert_eq!(a.verdict, Verdict::NotApplicable, "{}", e.id)
            }
            Approach::Prompting { .. } => assert_eq!(a.verdict, Verdict::NotYet, "{}", e.id),
            Approach::Other { .. } => {
                assert_eq!(a.verdict, Verdict::NotApplicable, "{}", e.id);
                let because = a.not_applicable_because.as_deref().unwrap();
                if e.use_case.stage == Stage::Retired {
                    assert_eq!(because, "retired");
                } else {
                    assert!(
                        because.contains("not a language-model approach"),
                        "{because}"
                    );
                }
            }
            other => panic!("{}: unexpected approach {other:?}", e.id),
        }
        assert!(
            e.use_case
                .notes
                .starts_with("Decision profile not yet assessed")
        );
    }

    // Importing the same file again changes nothing.
    let again = fx.plan(&sample(), &preset()).unwrap();
    assert!(again.writes.is_empty());
    let r = &again.report;
    assert_eq!(
        (r.created, r.updated, r.unchanged, r.skipped),
        (0, 0, 319, 1)
    );
    assert!(r.absent.is_empty());
}

#[test]
fn the_preset_maps_each_column_as_documented() {
    let fx = Fixture::plain();
    let plan = fx.import(&sample(), &preset());
    let (header, rows) = sample_rows();
    let c = |n: &str| col(&header, n);
    for (outcome, row) in plan.report.outcomes.iter().zip(&rows) {
        let Some(id) = &outcome.id else { continue };
        let u = &plan
            .writes
            .iter()
            .find(|w| w.id.as_str() == id)
            .unwrap()
            .use_case;
        let one_line = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(u.title, one_line(&row[c("use_case_name")]));
        assert_eq!(u.summary, row[c("problem_solved")]);
        let team = if row[c("agency_bureau")].trim().is_empty() {
            &row[c("agency_name")]
        } else {
            &row[c("agency_bureau")]
        };
        assert_eq!(u.team, one_line(team));
        if row[c("contact_email")].is_empty() {
            assert_eq!(u.owner, "(no contact in the inventory)");
        } else {
            assert_eq!(u.owner, one_line(&row[c("contact_email")]));
        }
        let stage = match row[c("development_stage")].as_str() {
            "Pre-deployment" | "" => Stage::Identify,
            "Pilot" => Stage::Collect,
            "Deployed" => Stage::Evaluate,
            "Retired" => Stage::Retired,
            other => panic!("{other}"),
        };
        assert_eq!(u.stage, stage, "{id}");
        let risk = match row[c("is_high_impact")].as_str() {
            "High-impact" => "High",
            "Presumed High-Impact, but Not High-impact" | "" => "Limited",
            "Not High-impact" => "Minimal",
            other => panic!("{other}"),
        };
        assert_eq!(u.risk.name(), risk);
        match row[c("classification")].as_str() {
            "Generative AI" | "Agentic AI" => {
                assert!(matches!(u.approach, Approach::Prompting { .. }))
            }
            "" => assert_eq!(
                u.approach,
                Approach::Other {
                    description: "not classified in the inventory".to_owned()
                }
            ),
            other => assert_eq!(
                u.approach,
                Approach::Other {
                    description: other.to_owned()
                }
            ),
        }
        // Benefits first in the block, then the other columns with a value.
        let (own, kept) = block::split(&u.notes);
        assert!(own.starts_with("Decision profile not yet assessed"));
        let kept = kept.unwrap();
        assert_eq!(kept.system, "omb-2025");
        if !row[c("benefits")].is_empty() {
            assert_eq!(
                kept.columns[0],
                ("benefits".to_owned(), row[c("benefits")].clone())
            );
        }
        assert_eq!(kept.get("agency"), Some(row[c("agency")].as_str()));
        assert_eq!(
            kept.get("development_stage"),
            Some(row[c("development_stage")].as_str())
        );
        assert_eq!(u.profile.specificity, Specificity::General);
        assert_eq!(u.profile.daily_volume, 0);
    }
}

#[test]
fn names_repeated_within_an_agency_get_distinct_stable_files() {
    let fx = Fixture::plain();
    let plan = fx.import(&sample(), &preset());
    let (header, rows) = sample_rows();
    let (agency, name) = (col(&header, "agency"), col(&header, "use_case_name"));
    // A name that repeats within one agency.
    let mut seen = BTreeSet::new();
    let dup = rows
        .iter()
        .map(|r| (r[agency].clone(), r[name].trim().to_lowercase()))
        .find(|k| !k.1.is_empty() && !seen.insert(k.clone()))
        .unwrap();
    let ids: Vec<String> = plan
        .report
        .outcomes
        .iter()
        .zip(&rows)
        .filter(|(_, r)| (r[agency].clone(), r[name].trim().to_lowercase()) == dup)
        .map(|(o, _)| o.id.clone().unwrap())
        .collect();
    assert!(ids.len() >= 2);
    assert!(ids[1].ends_with("-2"), "{ids:?}");
    assert_eq!(ids.iter().collect::<BTreeSet<_>>().len(), ids.len());
    // A re-import finds each one by its source, not by its file name.
    let again = fx.plan(&sample(), &preset()).unwrap();
    let again_ids: Vec<String> = again
        .report
        .outcomes
        .iter()
        .zip(&rows)
        .filter(|(_, r)| (r[agency].clone(), r[name].trim().to_lowercase()) == dup)
        .map(|(o, _)| o.id.clone().unwrap())
        .collect();
    assert_eq!(ids, again_ids);
}

#[test]
fn a_newer_inventory_updates_only_the_rows_that_changed() {
    let fx = Fixture::plain();
    let first = fx.import(&sample(), &preset());
    let (header, mut rows) = sample_rows();
    let c = |n: &str| col(&header, n);
    let id_of = |row: usize| first.report.outcomes[row].id.clone().unwrap();

    // Row a: a new summary. Row b: deployed since. Row g: gone from the
    // file. And one use case new this year.
    let a = 0;
    assert_eq!(rows[a][c("agency")], "CFTC");
    let b = (1..rows.len())
        .find(|&i| rows[i][c("development_stage")] == "Pre-deployment")
        .unwrap();
    let g = (1..rows.len())
        .find(|&i| i != b && rows[i][c("agency")] == "CFTC" && !rows[i][c("id")].is_empty())
        .unwrap();
    let gone = id_of(g);
    rows[a][c("problem_solved")] = "A new problem statement.".to_owned();
    rows[b][c("development_stage")] = "Deployed".to_owned();
    let mut new_row = rows[a].clone();
    new_row[c("id")] = "CFTC-900".to_owned();
    new_row[c("use_case_name")] = "Brand-new surveillance assistant".to_owned();
    rows.remove(g);
    rows.push(new_row);
    let newer = write_csv(&header, &rows);

    let plan = fx.plan(&newer, &preset()).unwrap();
    let r = &plan.report;
    assert_eq!(
        (r.created, r.updated, r.unchanged, r.skipped),
        (1, 2, 316, 1)
    );
    assert_eq!(r.absent, vec![gone.clone()]);
    let updated: Vec<_> = r.with(Action::Updated).collect();
    assert_eq!(updated[0].id.as_deref(), Some(id_of(a).as_str()));
    assert_eq!(updated[0].changes, ["summary"]);
    assert_eq!(updated[1].id.as_deref(), Some(id_of(b).as_str()));
    assert_eq!(updated[1].changes, ["stage", "notes"]);
    let created = r.with(Action::Created).next().unwrap();
    assert_eq!(created.key.as_deref(), Some("CFTC/CFTC-900"));
    assert_eq!(
        created.id.as_deref(),
        Some("cftc-brand-new-surveillance-assistant")
    );
    // Only those files are written; the one gone from the file is kept.
    assert_eq!(plan.writes.len(), 3);
    fx.apply(&plan);
    assert!(fx.state.join(format!("use-cases/{gone}.ron")).is_file());
    let (_, reg) = fx.load();
    assert_eq!(reg.get(&id_of(b)).unwrap().use_case.stage, Stage::Evaluate);
    assert_eq!(reg.errors(), 0);

    let again = fx.plan(&newer, &preset()).unwrap();
    assert!(again.writes.is_empty());
    assert_eq!(again.report.unchanged, 319);
}

#[test]
fn what_the_team_added_in_the_register_survives_a_reimport() {
    let fx = Fixture::plain();
    let first = fx.import(&sample(), &preset());
    let (header, mut rows) = sample_rows();
    let c = |n: &str| col(&header, n);
    let find = |pred: &dyn Fn(&Vec<String>) -> bool| {
        let i = rows.iter().position(pred).unwrap();
        (i, first.report.outcomes[i].id.clone().unwrap())
    };
    let (genai_row, genai) = find(&|r| {
        r[c("classification")] == "Generative AI" && r[c("development_stage")] == "Pre-deployment"
    });
    let (_, withheld) = find(&|r| {
        r[c("contact_email")].is_empty()
            && !r[c("use_case_name")].is_empty()
            && r[c("classification")] != "Generative AI"
    });

    // The team assesses one use case and names the other's owner.
    let path = |id: &str| fx.state.join(format!("use-cases/{id}.ron"));
    let (_, reg) = fx.load();
    let mut u = reg.get(&genai).unwrap().use_case.clone();
    u.stage = Stage::Collect;
    u.approach = Approach::Prompting {
        technique: Technique::FewShot,
        model: "gpt-4o".to_owned(),
    };
    u.profile.specificity = Specificity::Narrow;
    u.profile.daily_volume = 2500;
    u.measurements.push(Measurement {
        date: Date::parse("2026-01-05").unwrap(),
        accuracy: 0.81,
        consistency: 0.7,
        p95_latency_ms: 1800,
        cost_per_1k_usd: 3.5,
        satisfaction: 3.9,
        source: "eval/2026-01".to_owned(),
    });
    let (_, kept) = block::split(&u.notes);
    let kept = kept.unwrap();
    u.notes = block::render(
        "Assessed with the contact centre, January 2026.",
        &kept.system,
        &kept.columns,
    );
    fs::write(path(&genai), canonical::use_case(&u)).unwrap();
    let mut w = reg.get(&withheld).unwrap().use_case.clone();
    w.owner = "jane.doe@agency.gov".to_owned();
    fs::write(path(&withheld), canonical::use_case(&w)).unwrap();

    // The same file again: nothing the team did is undone.
    let plan = fx.plan(&sample(), &preset()).unwrap();
    assert!(
        plan.writes.is_empty(),
        "{:?}",
        plan.report.with(Action::Updated).collect::<Vec<_>>()
    );

    // The source moves the first one to production: the stage follows, the
    // rest of the team's work stays.
    rows[genai_row][c("development_stage")] = "Deployed".to_owned();
    let plan = fx.plan(&write_csv(&header, &rows), &preset()).unwrap();
    assert_eq!(plan.writes.len(), 1);
    let after = &plan.writes[0].use_case;
    assert_eq!(after.stage, Stage::Evaluate);
    assert_eq!(after.approach, u.approach);
    assert_eq!(after.profile, u.profile);
    assert_eq!(after.measurements, u.measurements);
    assert!(
        after
            .notes
            .starts_with("Assessed with the contact centre, January 2026.\n\n--- source columns")
    );
    assert_eq!(
        block::split(&after.notes)
            .1
            .unwrap()
            .get("development_stage"),
        Some("Deployed")
    );
}

#[test]
fn a_row_that_gains_an_id_keeps_its_use_case() {
    let fx = Fixture::plain();
    let first = fx.import(&sample(), &preset());
    let (header, mut rows) = sample_rows();
    let (id, name) = (col(&header, "id"), col(&header, "use_case_name"));
    let agency = col(&header, "agency");
    let same = |x: &Vec<String>, y: &Vec<String>| {
        x[agency] == y[agency] && x[name].trim().to_lowercase() == y[name].trim().to_lowercase()
    };
    let i = rows
        .iter()
        .position(|r| {
            r[id].is_empty()
                && !r[name].trim().is_empty()
                && rows.iter().filter(|o| same(o, r)).count() == 1
        })
        .unwrap();
    let file = first.report.outcomes[i].id.clone().unwrap();
    rows[i][id] = "NEW-0001".to_owned();
    let plan = fx.plan(&write_csv(&header, &rows), &preset()).unwrap();
    assert_eq!(plan.report.created, 0);
    let o = &plan.report.outcomes[i];
    assert_eq!(o.action, Action::Updated);
    assert_eq!(o.id.as_deref(), Some(file.as_str()));
    assert!(o.changes.contains(&"source".to_owned()), "{:?}", o.changes);
}

// ---------------------------------------------------------------------------
// A spreadsheet with a mapping file
// ---------------------------------------------------------------------------

#[test]
fn a_spreadsheet_imports_through_its_mapping() {
    let fx = Fixture::plain();
    let plan = fx.import(&fs::read(SHEET).unwrap(), &sheet_mapping());
    let r = &plan.report;
    assert_eq!((r.rows, r.created, r.skipped), (7, 5, 2));
    let skipped: Vec<(usize, String)> = r
        .with(Action::Skipped)
        .map(|o| (o.row, o.reason.clone().unwrap()))
        .collect();
    assert_eq!(
        skipped,
        [
            (
                5,
                "Status \"On hold\" is not in the mapping's `stages`".to_owned()
            ),
            (6, "no title (Use case empty)".to_owned()),
        ]
    );
    assert_eq!(r.unmapped.len(), 1);
    assert_eq!(
        (
            r.unmapped[0].column.as_str(),
            r.unmapped[0].value.as_str(),
            r.unmapped[0].rows
        ),
        ("Status", "On hold", 1)
    );

    let (_, reg) = fx.load();
    assert_eq!(reg.errors(), 0, "{:?}", reg.diagnostics);
    let ids: Vec<&str> = reg.use_cases.iter().map(|e| e.id.as_str()).collect();
    assert_eq!(
        ids,
        [
            "churn-prediction",
            "contract-clause-review",
            "invoice-triage",
            "invoice-triage-2",
            "shelf-gap-detection"
        ]
    );
    let invoice = &reg.get("invoice-triage").unwrap().use_case;
    assert_eq!(invoice.owner, "maria.lopez@acme.example");
    assert_eq!(invoice.team, "Finance");
    assert_eq!(invoice.stage, Stage::Evaluate);
    assert_eq!(invoice.risk.name(), "Limited");
    assert_eq!(
        invoice.approach,
        Approach::Prompting {
            technique: Technique::FewShot,
            model: "not recorded".to_owned()
        }
    );
    assert_eq!(invoice.source.as_ref().unwrap().id, "AI-001");
    assert_eq!(
        invoice.notes,
        "Decision profile not yet assessed: imported from the AI inventory spreadsheet.\n\n\
         --- source columns from acme-ai-inventory (ripen import rewrites everything below) ---\n\
         Benefits: Saves 2 FTE, mostly in Q4.\n\
         Vendor: OpenAI\n\
         Ref: AI-001\n\
         Status: Live\n\
         Risk rating: Medium\n\
         Technology: LLM\n\
         Last reviewed: 2025-11-03"
    );
    // The owner falls back to the second column; line breaks stay in the summary.
    let contract = &reg.get("contract-clause-review").unwrap().use_case;
    assert_eq!(contract.owner, "legal-ops@acme.example");
    assert_eq!(
        contract.summary,
        "Flags non-standard clauses:\n- indemnity\n- liability caps"
    );
    assert!(matches!(contract.approach, Approach::FineTuned { .. }));
    // No reference: known by its normalized title.
    let churn = &reg.get("churn-prediction").unwrap().use_case;
    assert_eq!(churn.source.as_ref().unwrap().id, "churn prediction");
    assert_eq!(
        churn.approach,
        Approach::Other {
            description: "Classical ML".to_owned()
        }
    );
    // Empty cells take the defaults.
    let second = &reg.get("invoice-triage-2").unwrap().use_case;
    assert_eq!(second.risk.name(), "Limited");
    assert_eq!(
        second.approach,
        Approach::Other {
            description: "not recorded".to_owned()
        }
    );
    let shelf = &reg.get("shelf-gap-detection").unwrap().use_case;
    assert_eq!(shelf.owner, "zoë.brandt@acme.example");
    assert!(shelf.summary.contains("\"near real time\""));

    let again = fx
        .plan(&fs::read(SHEET).unwrap(), &sheet_mapping())
        .unwrap();
    assert!(again.writes.is_empty());
    assert_eq!(again.report.unchanged, 5);
}

#[test]
fn the_documented_mapping_example_is_the_tested_one() {
    let docs = fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/import.md")).unwrap();
    let example = fs::read_to_string(SHEET_MAPPING).unwrap();
    assert!(
        docs.contains(&format!("```ron\n{example}```")),
        "docs/import.md must show tests/data/spreadsheet-mapping.ron verbatim"
    );
    let preset_text = Preset::Omb2025.text();
    assert!(
        docs.contains(&format!("```ron\n{preset_text}```")),
        "docs/import.md must show src/import/omb-2025.ron verbatim"
    );
}

// ---------------------------------------------------------------------------
// Broken input: a clear error, and nothing written
// ---------------------------------------------------------------------------

fn refused(fx: &Fixture, csv: &[u8], mapping: &Mapping) -> Vec<String> {
    let e = fx.plan(csv, mapping).unwrap_err();
    e.problems.iter().map(|p| p.to_string()).collect()
}

#[test]
fn broken_csv_files_are_refused_with_the_row_named() {
    let fx = Fixture::plain();
    let m = sheet_mapping();
    let sheet = fs::read_to_string(SHEET).unwrap();

    // A quote opened on line 6 and never closed.
    let open = sheet.replacen("Churn prediction,", "Churn prediction,\"Scores", 1);
    let e = refused(&fx, open.as_bytes(), &m);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("data.csv:7:"), "{e:?}");
    assert!(
        e[0].contains("row 4") && e[0].contains("never closed"),
        "{e:?}"
    );

    // A row with a field too few.
    let ragged = sheet.replacen(",Marketing,", ",", 1);
    let e = refused(&fx, ragged.as_bytes(), &m);
    assert_eq!(
        e,
        [
            "data.csv:7: row 4 has 11 field(s) but the header has 12: check the commas and quotes of this row"
        ]
    );

    // Latin-1 bytes.
    let latin1: Vec<u8> = sheet
        .replace('ë', "\u{1}")
        .bytes()
        .map(|b| if b == 1 { 0xEB } else { b })
        .collect();
    let e = refused(&fx, &latin1, &m);
    assert_eq!(e.len(), 1);
    assert!(e[0].starts_with("data.csv:6:"), "{e:?}");
    assert!(e[0].contains("0xEB is not UTF-8"), "{e:?}");

    // Empty, and UTF-16.
    assert!(refused(&fx, b"", &m)[0].contains("empty"));
    assert!(refused(&fx, b"\xFF\xFEa\x00", &m)[0].contains("UTF-16"));

    // A header naming the same column twice.
    let twice = sheet.replacen("Last reviewed", "Vendor", 1);
    assert!(refused(&fx, twice.as_bytes(), &m)[0].contains("appears twice"));
    assert_eq!(fx.files().len(), 3, "nothing was written");
}

/// Where `needle` starts in `text`, as `line:col` (1-based).
fn line_col(text: &str, needle: &str) -> String {
    let at = text.find(needle).unwrap();
    let before = &text[..at];
    let line = before.matches('\n').count() + 1;
    let col = before[before.rfind('\n').map_or(0, |i| i + 1)..]
        .chars()
        .count()
        + 1;
    format!("{line}:{col}")
}

#[test]
fn broken_mappings_are_refused_at_path_line_col() {
    let fx = Fixture::plain();
    let csv = fs::read(SHEET).unwrap();
    let good = fs::read_to_string(SHEET_MAPPING).unwrap();
    let parse = |text: &str| Mapping::parse("map.ron", text);

    // A column the file does not have.
    let typo = good.replace("summary: [\"Description\"]", "summary: [\"description\"]");
    let m = parse(&typo).unwrap();
    let e = refused(&fx, &csv, &m);
    assert_eq!(e.len(), 1);
    assert!(
        e[0].starts_with(&format!("map.ron:{}: column \"description\" (in `summary`) is not in the header of data.csv (did you mean", line_col(&typo, "\"description\""))),
        "{e:?}"
    );
    // A stage that does not exist.
    let bad = good.replace("\"Live\": Evaluate", "\"Live\": Production");
    let e = parse(&bad).unwrap_err().to_string();
    assert_eq!(
        e,
        format!(
            "map.ron:{}: unknown stage `Production`; expected one of `Identify`, `Collect`, `FineTune`, `Evaluate`, `Retired`",
            line_col(&bad, "Production")
        )
    );
    // A syntax error.
    let syntax = good.replace("team: [\"Department\"],", "team: [\"Department\"]");
    let e = parse(&syntax).unwrap_err();
    assert_eq!(e.path, "map.ron");
    assert_eq!(
        format!("{}:{}", e.line, e.column),
        line_col(&syntax, "stage: [\"Status\"]"),
        "{e}"
    );
    // An unknown key, a missing title, a value listed twice.
    let e = parse(&good.replace("keep_other_columns", "keep_others")).unwrap_err();
    assert!(e.message.starts_with("unknown key `keep_others`"), "{e}");
    let e = parse(&good.replace("    title: [\"Use case\"],\n", "")).unwrap_err();
    assert!(e.message.contains("missing key `title`"), "{e}");
    let e = parse(&good.replace(
        "\"Pilot\": Collect,",
        "\"Pilot\": Collect, \"pilot \": Identify,",
    ))
    .unwrap_err();
    assert!(e.message.contains("\"Pilot\" and \"pilot \""), "{e}");
    let e = parse(&good.replace(
        "\"Pilot\": Collect,",
        "\"Pilot\": Collect, \"Pilot\": Identify,",
    ))
    .unwrap_err();
    assert!(e.message.contains("listed twice"), "{e}");
}

#[test]
fn a_register_with_a_broken_use_case_is_not_imported_into() {
    let fx = Fixture::plain();
    fs::write(fx.state.join("use-cases/broken.ron"), "UseCase(title: ").unwrap();
    let e = refused(&fx, &fs::read(SHEET).unwrap(), &sheet_mapping());
    assert!(
        e[0].contains("use-cases/broken.ron") && e[0].contains("does not load"),
        "{e:?}"
    );
}

// ---------------------------------------------------------------------------
// The command line: one commit, dry runs, refusals
// ---------------------------------------------------------------------------

#[test]
fn an_import_is_one_commit_whose_message_has_the_counts() {
    let fx = Fixture::git();
    let before = fx.head();
    let run = fx
        .ripen(&["import", SAMPLE, "--preset", "omb-2025"])
        .expect(0);
    assert!(
        run.stdout
            .contains("320 row(s): 319 created, 0 updated, 0 unchanged, 1 skipped"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Skipped rows:\n  row "),
        "{}",
        run.stdout
    );
    let repo = fx.repo();
    let head = repo.head().unwrap().peel_to_commit().unwrap();
    assert_eq!(head.parent_ids().collect::<Vec<_>>(), [before]);
    let message = head.message().unwrap();
    assert!(
        message.starts_with("Import omb-2025-sample.csv (omb-2025): 319 created, 0 updated\n\n320 row(s): 319 created, 0 updated, 0 unchanged, 1 skipped.\n\nSkipped:\n- row "),
        "{message}"
    );
    // Exactly the 319 new files, and a clean working tree and index.
    let old = repo.find_commit(before).unwrap().tree().unwrap();
    let diff = repo
        .diff_tree_to_tree(Some(&old), Some(&head.tree().unwrap()), None)
        .unwrap();
    assert_eq!(diff.deltas().len(), 319);
    assert!(diff.deltas().all(|d| d.status() == git2::Delta::Added
        && d.new_file().path().unwrap().starts_with("state/use-cases")));
    let statuses = repo.statuses(None).unwrap();
    let dirty: Vec<String> = statuses
        .iter()
        .filter(|s| !s.path().unwrap_or("").starts_with(".home"))
        .map(|s| format!("{:?} {}", s.status(), s.path().unwrap_or("")))
        .collect();
    assert!(dirty.is_empty(), "{dirty:?}");
    fx.ripen(&["validate"]).expect(0);

    // The second import finds nothing to change and makes no commit.
    let head_id = fx.head();
    let again = fx
        .ripen(&["import", SAMPLE, "--preset", "omb-2025"])
        .expect(0);
    assert!(
        again
            .stdout
            .contains("0 created, 0 updated, 319 unchanged, 1 skipped")
    );
    assert!(again.stdout.contains("Nothing to change"));
    assert_eq!(fx.head(), head_id);
}

#[test]
fn a_dry_run_reports_and_writes_nothing() {
    let fx = Fixture::git();
    let before = (fx.head(), fx.files());
    let run = fx
        .ripen(&["import", SHEET, "--mapping", SHEET_MAPPING, "--dry-run"])
        .expect(0);
    assert!(
        run.stdout
            .contains("7 row(s): 5 created, 0 updated, 0 unchanged, 2 skipped")
    );
    assert!(
        run.stdout
            .contains("row 5 (line 8): Status \"On hold\" is not in the mapping's `stages`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Status \"On hold\" (stage): 1 row(s)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Dry run: nothing was written."));
    assert_eq!((fx.head(), fx.files()), before);

    let json = fx
        .ripen(&[
            "import",
            SHEET,
            "--mapping",
            SHEET_MAPPING,
            "--dry-run",
            "--format",
            "json",
        ])
        .expect(0);
    let v: serde_json::Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!(v["dry_run"], true);
    assert_eq!(v["written"], 0);
    assert_eq!(v["report"]["created"], 5);
    assert_eq!(v["report"]["outcomes"][4]["action"], "skipped");
    assert_eq!(v["report"]["unmapped"][0]["value"], "On hold");
}

#[test]
fn refused_imports_write_nothing_and_say_where() {
    let fx = Fixture::git();
    let before = (fx.head(), fx.files());
    let bad_csv = fx.root.join("bad.csv");
    fs::write(&bad_csv, "Ref,Use case\nAI-1,\"Open\n").unwrap();
    let run = fx
        .ripen(&["import", "bad.csv", "--mapping", SHEET_MAPPING])
        .expect(2);
    assert!(
        run.stderr
            .contains("bad.csv:2:6: error: a quoted field opens here (in row 1)"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("nothing was imported"));

    let map = fx.root.join("map.ron");
    fs::write(
        &map,
        "Mapping(system: \"x\", title: [\"Name\"], stages: {\"A\": Done})\n",
    )
    .unwrap();
    let run = fx
        .ripen(&["import", SHEET, "--mapping", "map.ron"])
        .expect(2);
    assert!(
        run.stderr.contains("map.ron:1:53: unknown stage `Done`"),
        "{}",
        run.stderr
    );
    fs::write(&map, "Mapping(system: \"x\", title: [\"Name\"])\n").unwrap();
    let run = fx
        .ripen(&["import", SHEET, "--mapping", "map.ron"])
        .expect(2);
    assert!(
        run.stderr
            .contains("map.ron:1:30: error: column \"Name\" (in `title`) is not in the header"),
        "{}",
        run.stderr
    );

    let run = fx.ripen(&["import", SHEET]).expect(2);
    assert!(run.stderr.contains("--mapping"), "{}", run.stderr);
    let run = fx
        .ripen(&["--rev", "HEAD", "import", SHEET, "--preset", "omb-2025"])
        .expect(2);
    assert!(run.stderr.contains("cannot take --rev"), "{}", run.stderr);
    fs::remove_file(&bad_csv).unwrap();
    fs::remove_file(&map).unwrap();
    assert_eq!((fx.head(), fx.files()), before);
}

#[test]
fn outside_git_an_import_writes_the_files_without_a_commit() {
    let fx = Fixture::plain();
    let run = fx
        .ripen(&["import", SHEET, "--mapping", SHEET_MAPPING])
        .expect(0);
    assert!(
        run.stdout
            .contains("not in a git repository, so nothing was committed"),
        "{}",
        run.stdout
    );
    assert!(fx.state.join("use-cases/invoice-triage-2.ron").is_file());
    assert!(Repository::discover(&fx.root).is_err());
}

// ---------------------------------------------------------------------------
// commit_files: the one-file protocol for many files
// ---------------------------------------------------------------------------

fn scaffold_bytes(title: &str) -> Vec<u8> {
    canonical::use_case(&ripen::model::UseCase::scaffold(
        title,
        "o@example.com",
        "T",
    ))
    .into_bytes()
}

#[test]
fn commit_files_commits_exactly_those_files_and_updates_the_index() {
    let fx = Fixture::git();
    fs::write(fx.state.join("use-cases/old.ron"), scaffold_bytes("Old")).unwrap();
    fx.commit_all("Add old", 10);
    // Work of the user's own: staged and unstaged, elsewhere.
    fs::write(fx.root.join("README.md"), "# Changed, staged\n").unwrap();
    let repo = fx.repo();
    let mut index = repo.index().unwrap();
    index.add_path(Path::new("README.md")).unwrap();
    index.write().unwrap();
    fs::write(fx.root.join("notes.txt"), "untracked\n").unwrap();

    let old = fs::read(fx.state.join("use-cases/old.ron")).unwrap();
    let (a, b, c) = (
        scaffold_bytes("A"),
        scaffold_bytes("B"),
        scaffold_bytes("Old, renamed"),
    );
    let files = [
        FileWrite {
            rel: "use-cases/a.ron",
            expected: None,
            new: &a,
        },
        FileWrite {
            rel: "use-cases/b.ron",
            expected: None,
            new: &b,
        },
        FileWrite {
            rel: "use-cases/old.ron",
            expected: Some(&old),
            new: &c,
        },
    ];
    let head = fx.head();
    let done = commit::commit_files(&fx.state, &files, "Import three", Some(head)).unwrap();
    let commit = repo.find_commit(done.id).unwrap();
    assert_eq!(commit.parent_ids().collect::<Vec<_>>(), [head]);
    assert_eq!(commit.message().unwrap(), "Import three");
    let diff = repo
        .diff_tree_to_tree(
            Some(&repo.find_commit(head).unwrap().tree().unwrap()),
            Some(&commit.tree().unwrap()),
            None,
        )
        .unwrap();
    let changed: Vec<String> = diff
        .deltas()
        .map(|d| d.new_file().path().unwrap().display().to_string())
        .collect();
    assert_eq!(
        changed,
        [
            "state/use-cases/a.ron",
            "state/use-cases/b.ron",
            "state/use-cases/old.ron"
        ]
    );
    // The user's staged README is still staged, not committed; our files are clean.
    let mut opts = git2::StatusOptions::new();
    opts.include_untracked(true);
    let statuses = repo.statuses(Some(&mut opts)).unwrap();
    let mut dirty: Vec<String> = statuses
        .iter()
        .map(|s| format!("{:?} {}", s.status(), s.path().unwrap()))
        .filter(|s| !s.contains(".home"))
        .collect();
    dirty.sort();
    assert_eq!(
        dirty,
        [
            "Status(INDEX_MODIFIED) README.md",
            "Status(WT_NEW) notes.txt"
        ]
    );
}

#[test]
fn commit_files_checks_every_file_before_writing_any() {
    let fx = Fixture::git();
    fs::write(fx.state.join("use-cases/old.ron"), scaffold_bytes("Old")).unwrap();
    fx.commit_all("Add old", 10);
    let old = fs::read(fx.state.join("use-cases/old.ron")).unwrap();
    fs::write(
        fx.state.join("use-cases/old.ron"),
        scaffold_bytes("Edited, uncommitted"),
    )
    .unwrap();
    let edited = fs::read(fx.state.join("use-cases/old.ron")).unwrap();
    let a = scaffold_bytes("A");
    let head = fx.head();
    let before = fx.files();

    // Loaded before the user's edit: changed on disk.
    let files = [
        FileWrite {
            rel: "use-cases/a.ron",
            expected: None,
            new: &a,
        },
        FileWrite {
            rel: "use-cases/old.ron",
            expected: Some(&old),
            new: &a,
        },
    ];
    let e = commit::commit_files(&fx.state, &files, "x", Some(head)).unwrap_err();
    assert!(
        matches!(e, ChangeError::ChangedOnDisk(ref p) if p == "state/use-cases/old.ron"),
        "{e}"
    );
    // Loaded after it: uncommitted changes of its own.
    let files = [
        FileWrite {
            rel: "use-cases/a.ron",
            expected: None,
            new: &a,
        },
        FileWrite {
            rel: "use-cases/old.ron",
            expected: Some(&edited),
            new: &a,
        },
    ];
    let e = commit::commit_files(&fx.state, &files, "x", Some(head)).unwrap_err();
    assert!(matches!(e, ChangeError::Uncommitted(_)), "{e}");
    // A stale head.
    let files = [FileWrite {
        rel: "use-cases/a.ron",
        expected: None,
        new: &a,
    }];
    let e = commit::commit_files(&fx.state, &files, "x", Some(Oid::ZERO_SHA1)).unwrap_err();
    assert!(matches!(e, ChangeError::HeadMoved), "{e}");
    // The same file twice.
    let twice = [files[0], files[0]];
    assert!(commit::commit_files(&fx.state, &twice, "x", Some(head)).is_err());
    assert_eq!(fx.files(), before);
    assert_eq!(fx.head(), head);
}

#[test]
fn commit_files_puts_every_file_back_when_one_cannot_be_written() {
    let fx = Fixture::git();
    let head = fx.head();
    let before = fx.files();
    let a = scaffold_bytes("A");
    let names: Vec<String> = (0..40).map(|i| format!("use-cases/new-{i}.ron")).collect();
    let mut files: Vec<FileWrite<'_>> = names
        .iter()
        .map(|rel| FileWrite {
            rel,
            expected: None,
            new: &a,
        })
        .collect();
    // Its folder does not exist: the atomic write fails.
    files.push(FileWrite {
        rel: "no-such-folder/x.ron",
        expected: None,
        new: &a,
    });
    let e = commit::commit_files(&fx.state, &files, "x", Some(head)).unwrap_err();
    assert!(matches!(e, ChangeError::Io(_)), "{e}");
    assert_eq!(fx.files(), before);
    assert_eq!(fx.head(), head);
}
