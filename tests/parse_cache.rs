//! The parse cache (`.git/ripen-cache/parse-cache-v2`): `ripen list` and `ripen
//! validate` on real repositories made by `ripen demo`, with and without the
//! cache, after edits git's stat data can and cannot see, at another as-of
//! date, with a damaged cache, a cache of the older format, and a git
//! directory ripen cannot write to; and the bytes of a use case loaded from
//! the cache, which writes compare the file against.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use git2::Repository;

struct Demo {
    _dir: tempfile::TempDir,
    home: PathBuf,
    root: PathBuf,
}

impl Demo {
    fn new(use_cases: &str) -> Demo {
        let dir = tempfile::tempdir().unwrap();
        let home = dir.path().join("home");
        fs::create_dir(&home).unwrap();
        let root = dir.path().join("reg");
        let d = Demo {
            _dir: dir,
            home,
            root,
        };
        let root = d.root.to_str().unwrap().to_owned();
        let out = d.run_in(
            Path::new("."),
            &[
                "demo",
                &root,
                "--no-tui",
                "--use-cases",
                use_cases,
                "--commits",
                "30",
            ],
        );
        assert!(out.status.success(), "{}", stderr(&out));
        d
    }

    fn state(&self) -> PathBuf {
        self.root.join("state")
    }

    fn cache(&self) -> PathBuf {
        self.root.join(".git/ripen-cache/parse-cache-v2")
    }

    fn file(&self, id: &str) -> PathBuf {
        self.state().join("use-cases").join(format!("{id}.ron"))
    }

    fn run_in(&self, cwd: &Path, args: &[&str]) -> std::process::Output {
        Command::new(env!("CARGO_BIN_EXE_ripen"))
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .env("HOME", &self.home)
            .env_remove("XDG_CONFIG_HOME")
            .env_remove("RIPEN_STATE")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .output()
            .unwrap()
    }

    /// What a user sees of the register: the listing (text and JSON) and
    /// the validation report, with their exit codes.
    fn outputs(&self) -> String {
        self.outputs_at("2026-06-30")
    }

    /// [`Demo::outputs`] at the as-of date `as_of`.
    fn outputs_at(&self, as_of: &str) -> String {
        let state = self.state();
        let state = state.to_str().unwrap();
        let mut all = String::new();
        for args in [
            &["--state", state, "--as-of", as_of, "list"][..],
            &[
                "--state", state, "--as-of", as_of, "list", "--format", "json",
            ],
            &["--state", state, "--as-of", as_of, "validate"],
        ] {
            let out = self.run_in(&self.root, args);
            all.push_str(&format!(
                "$ {args:?} -> {:?}\n{}{}\n",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            ));
        }
        all
    }

    /// The outputs without any cache (removed before each command).
    fn outputs_uncached(&self) -> String {
        self.outputs_uncached_at("2026-06-30")
    }

    /// [`Demo::outputs_uncached`] at the as-of date `as_of`.
    fn outputs_uncached_at(&self, as_of: &str) -> String {
        let _ = fs::remove_file(self.cache());
        let state = self.state();
        let state = state.to_str().unwrap();
        let mut all = String::new();
        for args in [
            &["--state", state, "--as-of", as_of, "list"][..],
            &[
                "--state", state, "--as-of", as_of, "list", "--format", "json",
            ],
            &["--state", state, "--as-of", as_of, "validate"],
        ] {
            let _ = fs::remove_file(self.cache());
            let out = self.run_in(&self.root, args);
            all.push_str(&format!(
                "$ {args:?} -> {:?}\n{}{}\n",
                out.status.code(),
                String::from_utf8_lossy(&out.stdout),
                stderr(&out)
            ));
        }
        all
    }
}

fn stderr(out: &std::process::Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Sets a file's modification time.
fn set_mtime(path: &Path, t: std::time::SystemTime) {
    let f = fs::File::options().write(true).open(path).unwrap();
    f.set_times(fs::FileTimes::new().set_modified(t)).unwrap();
}

/// Replaces the text `from` with `to` (of the same length) in a file and
/// gives the file its old modification time back.
fn edit_same_size_same_mtime(path: &Path, from: &str, to: &str) {
    assert_eq!(from.len(), to.len());
    let mtime = fs::metadata(path).unwrap().modified().unwrap();
    let text = fs::read_to_string(path).unwrap();
    assert!(text.contains(from), "{from:?} not in {}", path.display());
    fs::write(path, text.replacen(from, to, 1)).unwrap();
    set_mtime(path, mtime);
    assert_eq!(fs::metadata(path).unwrap().modified().unwrap(), mtime);
}

fn first_title(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    let start = text.find("title: \"").unwrap() + 8;
    text[start..start + text[start..].find('"').unwrap()].to_owned()
}

#[test]
fn the_cache_changes_no_output_only_the_time() {
    let demo = Demo::new("300");
    let uncached = demo.outputs_uncached();
    assert!(!demo.cache().exists() || fs::remove_file(demo.cache()).is_ok());
    let cold = demo.outputs();
    assert!(demo.cache().is_file(), "the first load writes the cache");
    let warm = demo.outputs();
    assert_eq!(cold, uncached);
    assert_eq!(warm, uncached);
    assert!(warm.contains("uc-00001"), "{warm}");

    // Edits of every kind: a changed title, a file that no longer parses,
    // one with a validation error, a removed file and a new one.
    let title = first_title(&demo.file("uc-00002"));
    let text = fs::read_to_string(demo.file("uc-00002")).unwrap();
    fs::write(
        demo.file("uc-00002"),
        text.replacen(&title, "A title changed in the working tree", 1),
    )
    .unwrap();
    fs::write(demo.file("uc-00003"), "UseCase(title: \"broken\"").unwrap();
    let text = fs::read_to_string(demo.file("uc-00004")).unwrap();
    let title = first_title(&demo.file("uc-00004"));
    fs::write(
        demo.file("uc-00004"),
        text.replacen(&format!("title: \"{title}\""), "title: \"\"", 1),
    )
    .unwrap();
    fs::remove_file(demo.file("uc-00005")).unwrap();
    fs::copy(demo.file("uc-00006"), demo.file("uc-09999")).unwrap();

    // A copy with the same content, committed beside its original: two
    // index entries with one blob.
    fs::copy(demo.file("uc-00010"), demo.file("uc-00011")).unwrap();
    let repo = Repository::open(&demo.root).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_path(Path::new("state/use-cases/uc-00011.ron"))
        .unwrap();
    index.write().unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));

    let edited_cached = demo.outputs();
    let written = fs::metadata(demo.cache()).unwrap().modified().unwrap();
    let edited_again = demo.outputs();
    assert_eq!(
        fs::metadata(demo.cache()).unwrap().modified().unwrap(),
        written,
        "a run over an unchanged register rewrote the cache"
    );
    let edited_uncached = demo.outputs_uncached();
    assert_eq!(edited_cached, edited_uncached);
    assert_eq!(edited_again, edited_uncached);
    assert_ne!(edited_uncached, uncached);
    assert!(edited_cached.contains("A title changed in the working tree"));
    assert!(edited_cached.contains("uc-09999"));
    assert!(edited_cached.contains("uc-00003.ron:"), "{edited_cached}");
    assert!(edited_cached.contains("title is empty"), "{edited_cached}");
}

#[test]
fn the_cache_lives_in_the_git_directory_and_is_never_committed() {
    let demo = Demo::new("50");
    demo.outputs();
    assert!(demo.cache().is_file());
    let repo = Repository::open(&demo.root).unwrap();
    let statuses = repo
        .statuses(Some(
            git2::StatusOptions::new()
                .include_untracked(true)
                .include_ignored(true),
        ))
        .unwrap();
    let listed: Vec<String> = statuses
        .iter()
        .filter_map(|s| s.path().ok().map(str::to_owned))
        .collect();
    assert!(listed.is_empty(), "the working tree changed: {listed:?}");
}

#[test]
fn a_file_edited_with_the_same_size_and_time_is_read_again() {
    let demo = Demo::new("50");
    demo.outputs(); // writes the cache
    let path = demo.file("uc-00007");
    let title = first_title(&path);
    let changed: String = title
        .chars()
        .map(|c| if c.is_ascii_lowercase() { 'x' } else { c })
        .collect();
    assert_ne!(title, changed);
    edit_same_size_same_mtime(&path, &title, &changed);
    let out = demo.outputs();
    assert!(out.contains(&changed), "the edit is not shown:\n{out}");
    assert_eq!(out, demo.outputs_uncached());
}

/// git's racy-clean case: the index holds stat data that equals the
/// file's, but was written in the same tick as the file was modified, so
/// the content may differ from the entry's blob. Here the entry's stat
/// data is made to match the edited file exactly, with the old blob, and
/// the index file given the entry's own modification time.
#[test]
fn a_racily_clean_index_entry_is_read_again() {
    let demo = Demo::new("50");
    demo.outputs(); // writes the cache, holding the old content's blob
    let path = demo.file("uc-00008");
    let title = first_title(&path);
    let changed: String = title
        .chars()
        .map(|c| if c.is_ascii_lowercase() { 'q' } else { c })
        .collect();
    edit_same_size_same_mtime(&path, &title, &changed);

    let repo = Repository::open(&demo.root).unwrap();
    let mut index = repo.index().unwrap();
    let rel = "state/use-cases/uc-00008.ron";
    let mut entry = index.get_path(Path::new(rel), 0).unwrap();
    let meta = fs::metadata(&path).unwrap();
    use std::os::unix::fs::MetadataExt;
    entry.mtime = git2::IndexTime::new(meta.mtime() as i32, meta.mtime_nsec() as u32);
    entry.ctime = git2::IndexTime::new(meta.ctime() as i32, meta.ctime_nsec() as u32);
    entry.file_size = meta.len() as u32;
    entry.ino = meta.ino() as u32;
    entry.dev = meta.dev() as u32;
    index.add(&entry).unwrap();
    index.write().unwrap();
    // The index as git would leave it: written in the tick of the edit.
    let reread = Repository::open(&demo.root).unwrap().index().unwrap();
    let kept = reread.get_path(Path::new(rel), 0).unwrap();
    assert_eq!(kept.file_size, meta.len() as u32, "stat data not kept");
    set_mtime(&demo.root.join(".git/index"), meta.modified().unwrap());

    let out = demo.outputs();
    assert!(out.contains(&changed), "the edit is not shown:\n{out}");
    assert_eq!(out, demo.outputs_uncached());
}

#[test]
fn a_damaged_cache_is_ignored_and_rebuilt() {
    let demo = Demo::new("100");
    let expected = demo.outputs_uncached();
    demo.outputs();
    let good = fs::read(demo.cache()).unwrap();
    assert!(good.len() > 1000);

    let mut damaged: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("garbage", b"not a cache at all".repeat(100)),
        ("truncated", good[..good.len() / 2].to_vec()),
    ];
    for at in [3, 40, good.len() / 3, good.len() / 2, good.len() - 2] {
        let mut flipped = good.clone();
        flipped[at] ^= 0x20;
        damaged.push(("flipped", flipped));
    }
    // The same cache as written by another version of ripen.
    let version = env!("CARGO_PKG_VERSION").as_bytes();
    let pos = good
        .windows(version.len())
        .position(|w| w == version)
        .unwrap();
    let mut other = good.clone();
    other[pos] = if other[pos] == b'9' { b'8' } else { b'9' };
    let n = other.len() - 4;
    let sum = crc32(&other[..n]);
    other[n..].copy_from_slice(&sum.to_le_bytes());
    damaged.push(("other version", other));

    for (what, bytes) in damaged {
        fs::write(demo.cache(), &bytes).unwrap();
        assert_eq!(demo.outputs(), expected, "with a cache that is {what}");
        assert_ne!(
            fs::read(demo.cache()).unwrap(),
            bytes,
            "a cache that is {what} was not rebuilt"
        );
    }
}

/// CRC-32 (IEEE), as the cache's checksum.
fn crc32(data: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[test]
fn a_git_directory_ripen_cannot_write_to_disables_the_cache() {
    let demo = Demo::new("50");
    let expected = demo.outputs_uncached();
    // Where the cache would go is taken by a folder: it can be neither
    // read nor replaced.
    let _ = fs::remove_file(demo.cache());
    fs::create_dir_all(demo.cache().join("taken")).unwrap();
    let out = demo.outputs();
    assert!(out == expected, "the output changed:\n{out}");
    assert!(demo.cache().join("taken").is_dir());
    fs::remove_dir_all(demo.cache()).unwrap();

    // A read-only git directory (effective only for a user that file
    // permissions bind, i.e. not root).
    let git = demo.root.join(".git");
    use std::os::unix::fs::PermissionsExt;
    let mode = fs::metadata(&git).unwrap().permissions().mode();
    let _ = fs::remove_dir_all(demo.root.join(".git/ripen-cache"));
    fs::set_permissions(&git, fs::Permissions::from_mode(0o555)).unwrap();
    let out = demo.outputs();
    fs::set_permissions(&git, fs::Permissions::from_mode(mode)).unwrap();
    assert_eq!(out, expected);
}

#[test]
fn diagnostics_kept_at_one_as_of_date_are_not_shown_at_another() {
    let demo = Demo::new("100");
    let june = demo.outputs_uncached_at("2026-06-30");
    let march = demo.outputs_uncached_at("2026-03-31");
    let future = |out: &str| out.matches("after the as-of date").count();
    assert!(
        future(&march) > future(&june),
        "the earlier date should find more entries dated after it:\n{march}"
    );
    assert_eq!(demo.outputs_at("2026-06-30"), june, "cold");
    assert_eq!(demo.outputs_at("2026-06-30"), june, "warm");
    assert_eq!(demo.outputs_at("2026-03-31"), march, "a cache of June");
    assert_eq!(demo.outputs_at("2026-03-31"), march, "a cache of March");
    assert_eq!(demo.outputs_at("2026-06-30"), june, "June again");

    // Later dates, after every entry: what was found at one holds at the
    // other but for the date itself, which the summary names.
    let january = demo.outputs_uncached_at("2027-01-31");
    let february = demo.outputs_uncached_at("2027-02-28");
    assert_eq!(demo.outputs_at("2027-01-31"), january, "a cache of June");
    assert_eq!(
        demo.outputs_at("2027-02-28"),
        february,
        "a cache of January"
    );
}

#[test]
fn a_cache_of_the_first_format_is_ignored_and_removed() {
    let demo = Demo::new("50");
    let expected = demo.outputs_uncached();
    let old = demo.root.join(".git/ripen-cache/parse-cache-v1");
    fs::create_dir_all(old.parent().unwrap()).unwrap();
    fs::write(&old, b"ripen parse cache\n".repeat(1000)).unwrap();
    fs::remove_file(demo.cache()).unwrap();
    assert_eq!(demo.outputs(), expected);
    assert!(demo.cache().is_file());
    assert!(!old.exists(), "the first format's cache was left behind");
}

/// A use case loaded from the cache holds no bytes until asked, then gives
/// exactly those it was loaded from, even once the file has changed since:
/// what a write's compare-and-swap compares the file against, so that a
/// change made meanwhile is refused, as without the cache.
#[test]
fn a_use_case_from_the_cache_gives_the_bytes_it_was_loaded_from() {
    use ripen::model::Date;
    let demo = Demo::new("50");
    demo.outputs(); // writes the cache
    let date = Date::parse("2026-06-30").unwrap();
    let state = demo.state();
    let cached = ripen::git::cache::load_working_tree(&state, Some(date), date).unwrap();
    // The file written last may be racily clean and read again.
    let lazy = cached
        .use_cases
        .iter()
        .filter(|e| e.original.held().is_none());
    assert!(
        lazy.count() >= 45,
        "use cases from the cache hold their bytes"
    );
    let path = demo.file("uc-00012");
    let before = fs::read(&path).unwrap();
    fs::write(&path, b"UseCase(title: \"changed meanwhile\")").unwrap();
    let e = cached.get("uc-00012").unwrap();
    assert_eq!(e.original.held(), None);
    assert_eq!(e.original.bytes(), &before[..]);
    fs::write(&path, &before).unwrap();

    let uncached =
        ripen::register::load(&ripen::store::snapshot(&state).unwrap(), Some(date), date);
    assert_eq!(cached, uncached, "the bytes or use cases differ");

    // A change through the cache's register commits as without it.
    fs::write(
        demo.home.join(".gitconfig"),
        "[user]\n\tname = Ada Example\n\temail = ada@example.com\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_ripen"))
        .args(["--state", state.to_str().unwrap(), "move", "--as-of"])
        .args(["2026-06-30", "uc-00012", "Retired", "-m", "no longer used"])
        .current_dir(&demo.root)
        .env("HOME", &demo.home)
        .env_remove("XDG_CONFIG_HOME")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Ada Example")
        .env("GIT_AUTHOR_EMAIL", "ada@example.com")
        .env("GIT_AUTHOR_DATE", "2026-06-30T12:00:00Z")
        .env("GIT_COMMITTER_NAME", "Ada Example")
        .env("GIT_COMMITTER_EMAIL", "ada@example.com")
        .env("GIT_COMMITTER_DATE", "2026-06-30T12:00:00Z")
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let after = fs::read_to_string(&path).unwrap();
    assert!(after.contains("stage: Retired"), "{after}");
    let repo = Repository::open(&demo.root).unwrap();
    assert!(repo.statuses(None).unwrap().is_empty(), "not committed");
}

/// The date the diagnostics are kept at can come from `register.ron`:
/// changing it there (without `--as-of`) is seen as changing the flag is.
#[test]
fn the_as_of_date_of_register_ron_decides_which_diagnostics_are_kept() {
    let demo = Demo::new("100");
    let settings = demo.state().join("register.ron");
    let original = fs::read_to_string(&settings).unwrap();
    let pinned = |date: &str| {
        let text = original.replacen(
            "    currency: \"USD\",\n",
            &format!("    currency: \"USD\",\n    as_of: \"{date}\",\n"),
            1,
        );
        assert_ne!(text, original, "register.ron has no currency line");
        fs::write(&settings, text).unwrap();
    };
    let run = |uncached: bool| {
        let state = demo.state();
        let state = state.to_str().unwrap();
        let mut all = String::new();
        for args in [
            &["--state", state, "list"][..],
            &["--state", state, "validate"],
        ] {
            if uncached {
                let _ = fs::remove_file(demo.cache());
            }
            let out = demo.run_in(&demo.root, args);
            all.push_str(&String::from_utf8_lossy(&out.stdout));
            all.push_str(&stderr(&out));
        }
        all
    };
    pinned("2026-06-30");
    let june = run(true);
    assert_eq!(run(false), june, "cold");
    assert_eq!(run(false), june, "warm");
    pinned("2026-03-31");
    let march = run(true);
    assert_ne!(march, june);
    pinned("2026-06-30");
    run(false); // the cache holds June
    pinned("2026-03-31");
    assert_eq!(run(false), march, "a cache of June at March");
    assert_eq!(run(false), march, "a cache of March");
}
