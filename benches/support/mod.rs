//! What the benchmarks share: the date they are run at and the demo
//! registers of the realistic shape they measure on.

use std::path::PathBuf;

use ripen::model::Date;

/// The date every benchmark runs at, so that figures do not drift with the
/// calendar.
pub fn today() -> Date {
    Date::parse("2026-11-29").unwrap()
}

/// A demo repository in a temporary directory.
pub struct Repo {
    _dir: tempfile::TempDir,
    /// The repository's root.
    pub root: PathBuf,
    /// Its state directory.
    pub state: PathBuf,
}

/// `use_cases` realistic use cases with `commits` commits of history and
/// `proposals` open proposal branches, each changing one file.
pub fn make(use_cases: usize, commits: usize, proposals: usize) -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let h =
        ripen::demo::synthetic_with_proposals(use_cases, commits, proposals, 7, today()).unwrap();
    let repo = ripen::demo::write(dir.path(), &h).unwrap();
    Repo {
        root: repo.root.clone(),
        state: repo.state_dir.clone(),
        _dir: dir,
    }
}
