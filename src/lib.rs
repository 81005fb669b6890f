//! gitgoals: weekly goals posts in a blog's git history, turned into completion, carry-over and
//! confidence statistics.
//!
//! The crate is a pipeline, and its folders are the stages:
//!
//! ```text
//! git history ─▶ post versions ─▶ task lists ─▶ task events ─▶ ledger ─▶ views
//!   git/           core::fold      core::post     core::matching  core::ledger  render/
//!   (walk, read)   core::history   core::select   core::events    core::trends  ├─▶ stats block (hook/)
//!                  core::delta     core::block                                  └─▶ live view (watch/)
//! ```
//!
//! - `error` is the one error type every stage returns.
//! - `core/` is pure: no git2, no file system, no clock (`tests/layers.rs` keeps it so). It
//!   takes bytes and commits and gives values.
//! - `git/` is the only stage that reads a repository; `cache/` keeps the fold's state and the
//!   ledger between runs, in the git directory.
//! - `core::forecast` and `core::plan` look ahead: the next week's chances and its drafted post
//!   (`gitgoals plan`).
//! - `render/` turns values into what people and scripts read.
//! - `config` reads `.gitgoals.toml`; `session` resolves one run (repository, settings, which
//!   files are posts, how they read) once and hands it to `cli/`, `hook/` and `watch/`.
//! - `demo` writes the sample blog of `gitgoals demo`.

#![warn(clippy::unwrap_used, clippy::expect_used)]

pub mod cache;
pub mod cli;
pub mod config;
pub mod core;
pub mod error;
pub mod git;
pub mod hook;
pub mod render;
pub mod session;
pub mod watch;

// Private: only `gitgoals demo` writes its sample blog.
mod demo;
