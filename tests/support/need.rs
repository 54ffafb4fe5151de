//! What a test needs from the machine. A contributor's machine may lack
//! tmux, sshd or root: [`machine_has`] then skips the test, saying why on
//! standard error. CI sets `RIPEN_REQUIRE_ALL_TESTS=1` (in `.ci/run`), which
//! turns every missing need into a failure, so CI never passes by skipping.

use std::path::Path;
use std::process::Command;

/// Something a test needs that a contributor's machine may lack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// The tmux terminal multiplexer.
    Tmux,
    /// Root (mounting a tmpfs, starting sshd, handing files to another user).
    Root,
    /// The OpenSSH server and client (`/usr/sbin/sshd`, `ssh`, `ssh-keygen`).
    Sshd,
    /// `pkill` (procps).
    Pkill,
    /// The `git` command.
    Git,
    /// `ssh-keygen` (OpenSSH's client tools), to make signing keys.
    SshKeygen,
    /// GnuPG, to make an OpenPGP signing key.
    Gpg,
    /// The OpenSSH client (`ssh`, `ssh-keygen`), to connect to `ripen serve`.
    Ssh,
}

fn runs(program: &str, arg: &str) -> bool {
    Command::new(program)
        .arg(arg)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok()
}

impl Need {
    fn present(self) -> bool {
        match self {
            Need::Tmux => runs("tmux", "-V"),
            // SAFETY: geteuid has no preconditions and cannot fail.
            Need::Root => (unsafe { libc::geteuid() }) == 0,
            Need::Sshd => {
                Path::new("/usr/sbin/sshd").exists()
                    && runs("ssh", "-V")
                    && runs("ssh-keygen", "-?")
            }
            Need::Pkill => runs("pkill", "-V"),
            Need::Git => runs("git", "--version"),
            Need::SshKeygen => runs("ssh-keygen", "-?"),
            Need::Gpg => runs("gpg", "--version"),
            Need::Ssh => runs("ssh", "-V") && runs("ssh-keygen", "-?"),
        }
    }

    fn why(self) -> &'static str {
        match self {
            Need::Tmux => "tmux (apt-get install tmux)",
            Need::Root => "root (run as root, as CI does)",
            Need::Sshd => "OpenSSH (apt-get install openssh-server openssh-client)",
            Need::Pkill => "pkill (apt-get install procps)",
            Need::Git => "git (apt-get install git)",
            Need::SshKeygen => "ssh-keygen (apt-get install openssh-client)",
            Need::Gpg => "GnuPG (apt-get install gnupg)",
            Need::Ssh => "the OpenSSH client (apt-get install openssh-client)",
        }
    }
}

/// Whether the machine has everything `test` needs. When it does not, the
/// test is skipped: this says why on standard error (past the test
/// harness's capture, so that it shows) and returns false. With
/// `RIPEN_REQUIRE_ALL_TESTS=1` (as `.ci/run` sets) a missing need fails the
/// test instead, so CI never passes by skipping.
pub fn machine_has(test: &str, needs: &[Need]) -> bool {
    use std::io::Write;
    let missing: Vec<&str> = needs
        .iter()
        .filter(|n| !n.present())
        .map(|n| n.why())
        .collect();
    if missing.is_empty() {
        return true;
    }
    let reason = format!("{test}: needs {}", missing.join(", "));
    if std::env::var_os("RIPEN_REQUIRE_ALL_TESTS").is_some_and(|v| v == "1") {
        panic!("{reason}; RIPEN_REQUIRE_ALL_TESTS=1 requires every test to run");
    }
    let _ = writeln!(
        std::io::stderr(),
        "skipped {reason} (set RIPEN_REQUIRE_ALL_TESTS=1 to make this a failure)"
    );
    false
}
