//! Fault injection for the crash and signal tests, read from the
//! environment by the command line and the terminal UI (never by the core).
//!
//! - `RIPEN_CRASH_AT=<step>`: the process kills itself with SIGKILL right
//!   after that step of a commit, as a power cut would.
//! - `RIPEN_PAUSE_AT=<step>`: the commit sleeps two seconds after that step,
//!   so that a test can send a signal in the middle of a save.
//!
//! Steps are those of [`crate::git::commit::Step`]: for a commit `checked`,
//! `committed`, `moved`, `written`, `indexed`; for a plain multi-file write
//! (`ripen fmt`, an import outside a repository) `checked`, `staged`,
//! `written`.

use crate::git::commit::Step;

/// An observer for [`crate::git::commit::commit_files_observed`] that
/// applies the hooks set in the environment (none: it does nothing).
pub fn commit_observer() -> impl FnMut(Step) {
    let crash = std::env::var("RIPEN_CRASH_AT").ok();
    let pause = std::env::var("RIPEN_PAUSE_AT").ok();
    move |step| {
        if pause.as_deref() == Some(step.name()) {
            std::thread::sleep(std::time::Duration::from_secs(2));
        }
        if crash.as_deref() == Some(step.name()) {
            #[cfg(unix)]
            // SAFETY: sends a signal to this very process.
            unsafe {
                libc::kill(libc::getpid(), libc::SIGKILL);
            }
        }
    }
}
