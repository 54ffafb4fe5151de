//! A private tmux server driven as a person would drive a terminal: send
//! keys, type text, read the screen, wait for it to settle.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use super::run::BIN;

/// A private tmux server, killed when dropped (also when a test fails).
pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts a server named after `name` running `command` in a `w`×`h`
    /// window, with no escape delay and the pane kept when it exits.
    pub fn start(name: &str, command: &str, w: u16, h: u16) -> Tmux {
        let socket = format!("ripen-e2e-{name}-{}", std::process::id());
        let tmux = Tmux { socket };
        let ok = Command::new("tmux")
            .args(["-L", &tmux.socket, "-f", "/dev/null", "new-session", "-d"])
            .args(["-x", &w.to_string(), "-y", &h.to_string()])
            .arg(command)
            .status()
            .expect("tmux is required for the end-to-end tests (apt-get install tmux)");
        assert!(ok.success(), "tmux new-session failed");
        for opt in [["escape-time", "0"], ["remain-on-exit", "on"]] {
            tmux.run(&["set-option", "-g", opt[0], opt[1]]);
        }
        tmux
    }

    /// Runs a tmux command on this server and returns its standard output.
    pub fn run(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("run tmux");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Sends each of `keys` as a tmux key name (`Enter`, `C-c`, `j`).
    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.run(&["send-keys", "-t", "0", k]);
        }
    }

    /// Types `text` literally.
    pub fn text(&self, text: &str) {
        self.run(&["send-keys", "-t", "0", "-l", text]);
    }

    /// The screen as it is now.
    pub fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", "0"])
    }

    /// Waits until the screen satisfies `pred` and has settled (two
    /// captures in a row are the same, so no frame is half drawn), then
    /// returns it.
    pub fn wait(&self, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        let mut last = String::new();
        loop {
            let s = self.screen();
            if pred(&s) && s == last {
                return s;
            }
            if start.elapsed() > Duration::from_secs(20) {
                panic!("timed out waiting for {what}; the screen was:\n{s}");
            }
            last = s;
            std::thread::sleep(Duration::from_millis(60));
        }
    }

    /// Waits until the settled screen contains `needle`, then returns it.
    pub fn wait_for(&self, needle: &str) -> String {
        self.wait(needle, |s| s.contains(needle))
    }

    /// From the Portfolio of the shipped register: filters to
    /// contract-review and opens the dialog that moves it a stage on;
    /// returns the screen with the dialog.
    pub fn open_move_of_contract_review(&self) -> String {
        self.wait_for("Portfolio · 20 of 20");
        self.keys(&["/"]);
        self.text("contract clause");
        self.wait_for("/ contract clause");
        self.keys(&["Enter", ">"]);
        self.wait_for("Move contract-review")
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

/// The shell command that runs ripen on `state` in tmux without colour,
/// prints `ripen-exited-CODE` when it ends and keeps the pane open.
pub fn shell_command(state: &Path) -> String {
    format!(
        "sh -c 'NO_COLOR=1 TERM=xterm-256color {BIN} --state {}; echo ripen-exited-$?; sleep 600'",
        state.display()
    )
}
