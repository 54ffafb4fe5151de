//! The `ripen` binary, run as a user would but in a hermetic environment:
//! none of the caller's `GIT_*`, `RIPEN_*`, `XDG_*` or `SSH_ORIGINAL_COMMAND`
//! variables, a home of its own whose `.gitconfig` names a fixed identity
//! (libgit2 reads the identity from the configuration), no system git
//! configuration, fixed git dates and no colour.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::OnceLock;

use super::repo::{DATE, EMAIL, NAME};

/// The `ripen` binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_ripen");

/// A home folder, one per test process, whose `.gitconfig` holds the
/// identity [`NAME`] <[`EMAIL`]>.
pub fn home() -> &'static Path {
    static HOME: OnceLock<tempfile::TempDir> = OnceLock::new();
    HOME.get_or_init(|| {
        let home = tempfile::tempdir().unwrap();
        std::fs::write(
            home.path().join(".gitconfig"),
            format!("[user]\n\tname = {NAME}\n\temail = {EMAIL}\n"),
        )
        .unwrap();
        home
    })
    .path()
}

/// Whether the variable `key` of the caller's environment could change
/// what ripen or git does, so that a hermetic run leaves it out.
fn leaks(key: &OsStr) -> bool {
    let key = key.to_string_lossy();
    ["GIT_", "RIPEN_", "XDG_"]
        .iter()
        .any(|p| key.starts_with(p))
        || key == "SSH_ORIGINAL_COMMAND"
}

/// One run of `ripen` being set up: arguments, folder, environment.
pub struct Ripen {
    cmd: Command,
}

/// A fresh home folder whose `.gitconfig` names `name <email>` and makes
/// `main` the first branch of a new repository, as a newcomer's machine
/// might be set up.
pub fn home_as(name: &str, email: &str) -> tempfile::TempDir {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".gitconfig"),
        format!("[user]\n\tname = {name}\n\temail = {email}\n[init]\n\tdefaultBranch = main\n"),
    )
    .unwrap();
    home
}

/// `PATH` with the binary's folder first, as after `cargo install`, for
/// commands run through a shell as a user types them.
pub fn path_with_ripen() -> std::ffi::OsString {
    let bin = Path::new(BIN).parent().unwrap();
    let path = std::env::var_os("PATH").unwrap_or_default();
    let mut paths = vec![bin.to_path_buf()];
    paths.extend(std::env::split_paths(&path));
    std::env::join_paths(paths).unwrap()
}

/// Makes `cmd`'s environment hermetic: none of the caller's variables
/// that could change what ripen or git does, `home` as `HOME`, no system
/// git configuration, no colour. Identity and dates are left to the
/// caller (see [`ripen`]).
pub fn hermetic<'c>(cmd: &'c mut Command, home: &Path) -> &'c mut Command {
    for (key, _) in std::env::vars_os() {
        if leaks(&key) {
            cmd.env_remove(key);
        }
    }
    cmd.env("NO_COLOR", "1")
        .env("HOME", home)
        .env("GIT_CONFIG_NOSYSTEM", "1")
}

/// `ripen ARGS` in a hermetic environment (see the module's documentation);
/// add to it with [`Ripen`]'s methods, then [`Ripen::run`] it.
pub fn ripen(args: &[&str]) -> Ripen {
    let mut cmd = Command::new(BIN);
    hermetic(&mut cmd, home())
        .args(args)
        .env("GIT_AUTHOR_NAME", NAME)
        .env("GIT_AUTHOR_EMAIL", EMAIL)
        .env("GIT_AUTHOR_DATE", DATE)
        .env("GIT_COMMITTER_NAME", NAME)
        .env("GIT_COMMITTER_EMAIL", EMAIL)
        .env("GIT_COMMITTER_DATE", DATE);
    Ripen { cmd }
}

impl Ripen {
    /// Runs in `dir` (where ripen looks for `state/` without `--state`).
    pub fn cwd(mut self, dir: &Path) -> Ripen {
        self.cmd.current_dir(dir);
        self
    }

    /// Adds `--state STATE`.
    pub fn state(mut self, state: &Path) -> Ripen {
        self.cmd.arg("--state").arg(state);
        self
    }

    /// Adds more arguments.
    pub fn args(mut self, args: &[&str]) -> Ripen {
        self.cmd.args(args);
        self
    }

    /// Sets one variable of the environment.
    pub fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Ripen {
        self.cmd.env(key, value);
        self
    }

    /// Sets each of `vars` in the environment.
    pub fn envs<V: AsRef<OsStr>>(mut self, vars: &[(&str, V)]) -> Ripen {
        for (k, v) in vars {
            self.cmd.env(k, v);
        }
        self
    }

    /// Leaves one variable out of the environment.
    pub fn env_remove(mut self, key: &str) -> Ripen {
        self.cmd.env_remove(key);
        self
    }

    /// The command as set up, to spawn or adjust further.
    pub fn command(self) -> Command {
        self.cmd
    }

    /// Runs ripen to the end and returns what the process produced.
    pub fn output(mut self) -> Output {
        self.cmd.output().expect("run ripen")
    }

    /// Runs ripen to the end and returns what it did.
    pub fn run(self) -> Run {
        Run::from(self.output())
    }
}

/// What one run of `ripen` produced.
#[derive(Debug)]
pub struct Run {
    /// The exit code.
    pub code: i32,
    /// Standard output, as text.
    pub stdout: String,
    /// Standard error, as text.
    pub stderr: String,
    /// Standard output's bytes.
    pub raw_stdout: Vec<u8>,
    /// Standard error's bytes.
    pub raw_stderr: Vec<u8>,
}

impl From<Output> for Run {
    fn from(out: Output) -> Run {
        Run {
            code: out.status.code().expect("ripen was killed by a signal"),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
            raw_stdout: out.stdout,
            raw_stderr: out.stderr,
        }
    }
}

impl Run {
    /// Asserts the exit code, showing both outputs when it differs.
    pub fn expect(self, code: i32) -> Run {
        assert_eq!(
            self.code, code,
            "exit code\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// Asserts success ([`Run::expect`] 0).
    pub fn ok(self) -> Run {
        self.expect(0)
    }

    /// Standard output parsed as JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}):\n{}", self.stdout))
    }
}

/// Runs ripen on the state directory `state` with `args` and extra
/// environment, hermetic, and returns what the process produced.
pub fn ripen_env(state: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    ripen(&[]).state(state).args(args).envs(env).output()
}
