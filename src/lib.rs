//! ripen: a git-versioned register of AI use cases that says which
//! prompt-based ones are ripe for fine-tuning, and why.
//!
//! Map of the crate, pure core first, edges last:
//! - [`model`]: the use case, settings and policy types, and their canonical RON form.
//! - [`access`]: `access.ron`, who may sign in and what each role may do.
//! - [`register`]: loading a set of files into a register, with `path:line:col` diagnostics.
//! - [`validate`]: semantic rules beyond parsing (ranges, dates, control characters).
//! - [`readiness`]: the engine that weighs the decision factors and explains its verdict.
//! - [`economics`]: the cost model of fine-tuning as data, payback beside
//!   every verdict, and whether a fine-tune delivered against its baseline.
//! - [`change`]: edits to a use case and the commit messages that describe them.
//! - [`form`]: field-by-field validation of values typed into forms.
//! - [`report`]: the rows that the command line and the terminal UI show, and
//!   the quarterly report ([`report::quarterly`]: model, build, render).
//! - [`whatif`]: the register under a changed policy, in memory, and every
//!   verdict that would flip.
//! - [`diff`]: the semantic diff of two versions of the register, field by field.
//! - [`text`]: safe display of untrusted text.
//! - [`agenda`]: the quarterly review's agenda from the register, its
//!   policy, the open proposals and the last review's record.
//! - [`minutes`]: a review's record (`state/reviews/YYYY-Qn.ron`): checked
//!   with diagnostics, its canonical text, the approvals a decision needs.
//! - [`verify`]: who signed a change to the register (SSH signatures checked
//!   by ripen itself) and whether their role allows it.
//! - [`principals`]: who may do what: `access.ron`'s principals (or git's
//!   allowed signers), their roles and keys.
//! - [`import`]: planning an import of a CSV file (a spreadsheet, the US
//!   federal inventory) through a mapping: the files to write and a report.
//! - [`export`]: the register as CSV, or back in a source's format.
//! - [`store`]: the file-system edge (reading a state directory, atomic writes,
//!   and the journal that makes a multi-file write one step or none).
//! - [`git`]: the git edge (reading a register at any revision; committing by
//!   compare-and-swap; one writer of commit and tag objects that runs the
//!   repository's hooks and signs as it asks; the parse cache and the
//!   history index under `.git/ripen-cache/`).
//! - [`ops`]: the operations layer, one function per operation every front
//!   end offers (load, move a stage, add a measurement or ROI entry, commit
//!   an edited file, fmt, import, close a review, accept a proposal, init,
//!   new, commit a changed policy), each taking an explicit context (state directory, identity to
//!   author commits as, today, as-of) and returning a typed outcome that
//!   words itself; also finding the register as git finds `.git`.
//! - [`serve`]: `ripen serve`, the register over SSH: keys and roles from
//!   `access.ron`, one UI session per connection over one shared register,
//!   commands run as `--principal`.
//! - [`demo`]: `ripen demo`, a register repository with a believable history (planned purely, written fast).
//! - [`testhooks`]: fault injection for the crash and signal tests, read by the shells.
//! - [`cli`] and [`tui`]: the command line and the terminal UI, thin peers
//!   over the above: they parse input, call [`ops`] (or the core, for
//!   reading), and render its outcomes with its wording. The UI is
//!   Elm-style: keys become actions through one keymap ([`tui::keymap`]),
//!   [`tui::app`] holds the global state and routes each action to the
//!   current screen, one component per screen ([`tui::screens`]: state,
//!   update and view together) and one for the dialogs ([`tui::dialog`]);
//!   every list is drawn by one helper ([`tui::list`]). The UI's runtime
//!   ([`tui::session`]) runs one user's UI on any terminal (a ratatui
//!   backend and an input source, [`tui::incoming`]), with loads on worker
//!   threads ([`tui::worker`]); the process's own terminal is one.
//!
//! The core (model, register, validate, readiness, economics, whatif, diff,
//! report, import, export, text, change, form, access, agenda, minutes,
//! principals, verify) does no I/O, reads no clock and knows nothing
//! of git or terminals; `tests/architecture.rs` fails on any path in its
//! source that reaches out. Orchestration that touches files and git
//! (checks, commits, the words of a result) lives once, in [`ops`]; a new
//! front end (a server) calls it with its own [`ops::Context`].

pub mod access;
pub mod agenda;
pub mod change;
pub mod cli;
pub mod demo;
pub mod diff;
pub mod economics;
pub mod export;
pub mod form;
pub mod git;
pub mod import;
pub mod minutes;
pub mod model;
pub mod ops;
pub mod principals;
pub mod readiness;
pub mod register;
pub mod report;
pub mod serve;
pub mod store;
pub mod testhooks;
pub mod text;
pub mod tui;
pub mod validate;
pub mod verify;
pub mod whatif;
