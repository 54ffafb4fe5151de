//! The process's own terminal, set up and restored without ever writing to
//! a standard error that may be gone.
//!
//! `ratatui::init` installs a panic hook and a `Terminal` whose drop report
//! failures with `eprintln!`. When the terminal has vanished (an SSH
//! connection dropped, a closed pty) standard error is usually that same
//! terminal: `eprintln!` then panics, the hook's own `eprintln!` panics
//! again while panicking, and the process aborts. Here every restoring step
//! ignores its failure, and a terminal whose output failed is leaked rather
//! than dropped, so its drop never runs.

use std::io::{self, Stdout};
use std::mem::ManuallyDrop;
use std::ops::{Deref, DerefMut};
use std::sync::Once;

use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use ratatui::crossterm::{
    execute,
    terminal::{EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode},
};

/// The UI's terminal on standard output, restored when dropped.
pub struct LocalTerminal {
    inner: ManuallyDrop<Terminal<CrosstermBackend<Stdout>>>,
}

impl LocalTerminal {
    /// Enters raw mode and the alternate screen, and installs (once per
    /// process) a panic hook that restores the terminal first.
    pub fn init() -> io::Result<LocalTerminal> {
        install_panic_hook();
        enable_raw_mode()?;
        if let Err(e) = execute!(io::stdout(), EnterAlternateScreen) {
            restore();
            return Err(e);
        }
        match Terminal::new(CrosstermBackend::new(io::stdout())) {
            Ok(t) => Ok(LocalTerminal {
                inner: ManuallyDrop::new(t),
            }),
            Err(e) => {
                restore();
                Err(e)
            }
        }
    }
}

impl LocalTerminal {
    /// Hands the terminal to another program (an editor): shows the
    /// cursor, leaves raw mode and the alternate screen.
    pub fn suspend(&mut self) {
        let _ = self.inner.show_cursor();
        restore();
    }

    /// Takes the terminal back after [`LocalTerminal::suspend`] and clears
    /// it, so the next draw repaints every cell.
    pub fn resume(&mut self) -> io::Result<()> {
        enable_raw_mode()?;
        execute!(io::stdout(), EnterAlternateScreen)?;
        self.inner.clear()
    }
}

impl Deref for LocalTerminal {
    type Target = Terminal<CrosstermBackend<Stdout>>;
    fn deref(&self) -> &Self::Target {
        &self.inner
    }
}

impl DerefMut for LocalTerminal {
    fn deref_mut(&mut self) -> &mut Self::Target {
        &mut self.inner
    }
}

impl Drop for LocalTerminal {
    fn drop(&mut self) {
        let shown = self.inner.show_cursor().is_ok();
        restore();
        if shown {
            // SAFETY: `inner` is dropped exactly once, here, and never used again.
            unsafe { ManuallyDrop::drop(&mut self.inner) };
        }
        // Otherwise the terminal is gone: dropping ratatui's `Terminal`
        // would try again and report the failure on standard error, which
        // panics when standard error is that same dead terminal. Its few
        // buffers are left to the process's exit.
    }
}

/// Leaves the alternate screen and raw mode, ignoring failure: the
/// terminal may be gone, and reporting that on it would fail too.
pub fn restore() {
    let _ = disable_raw_mode();
    let _ = execute!(io::stdout(), LeaveAlternateScreen);
}

/// Restores the terminal before the previous hook reports a panic. Nothing
/// in it can panic: a second panic inside a panic hook aborts the process.
fn install_panic_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Where there is no `poll(2)`: crossterm's own reader, as input.
#[cfg(not(unix))]
pub struct CrosstermInput;

#[cfg(not(unix))]
impl super::incoming::InputSource for CrosstermInput {
    fn next(
        &mut self,
        timeout: Option<std::time::Duration>,
    ) -> io::Result<Option<super::incoming::Incoming>> {
        use ratatui::crossterm::event;
        if let Some(t) = timeout {
            if !event::poll(t)? {
                return Ok(None);
            }
        }
        event::read().map(|e| Some(super::incoming::Incoming::Event(e)))
    }
}
