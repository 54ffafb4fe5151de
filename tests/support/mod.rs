//! The test suite's shared set-up, one module for every test binary:
//!
//! - [`repo`]: hermetic git repositories (fixed identity and dates, commit
//!   helpers, branches, the `git` command without system configuration);
//! - [`run`]: the `ripen` binary run in a hermetic environment, and what it
//!   produced;
//! - [`data`]: use-case RON text, registers written from it, the shipped
//!   register copied into a throwaway repository;
//! - [`need`]: what a test needs from the machine (tmux, sshd, root...),
//!   skipped with a printed reason or, in CI, required;
//! - [`tmux`]: a private tmux server driven as a person would;
//! - [`observe`]: everything a refused change must leave alone, observed.
//!
//! A test binary includes it with `mod support;`.

// Every test binary compiles this whole module but uses only part of it;
// what one binary leaves unused would otherwise warn in that binary.
#![allow(dead_code)]

pub mod data;
pub mod need;
pub mod observe;
pub mod repo;
pub mod run;
pub mod tmux;
