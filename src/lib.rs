//! gitgoals: weekly goals posts in a blog's git history, turned into completion, carry-over and
//! confidence statistics.
//!
//! The crate is a pipeline; each module is one stage:
//!
//! ```text
//! git history ─▶ post versions ─▶ task lists ─▶ task events ─▶ ledger ─▶ reports, trends, charts
//!  (git)          (history)        (post)        (matching,     (ledger)  (report, trends, chart)
//!                                                 events)          ├─▶ stats block (statsblock, hook)
//!                                                                  └─▶ live view (watch)
//! ```
//!
//! Beside the pipeline: `frontmatter`, `dates` and `cookies` read the pieces of a post, `tally`
//! counts tasks, `config` holds the settings, `cache` keeps the history stage's state and the
//! ledger between runs (in the git directory), `cli` and `style` are the command line, and
//! `demo` writes the sample blog of `gitgoals demo`.
//!
//! The stages in the middle are pure functions of their input: no clock, no file system, no git.

pub mod cache;
pub mod cli;
pub mod config;
pub mod core;
pub mod git;
pub mod hook;
pub mod render;
pub mod session;
pub mod watch;

// Private: only `gitgoals demo` writes its sample blog.
mod demo;
