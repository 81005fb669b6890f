//! gitgoals: weekly goals posts in a blog's git history, turned into completion, carry-over and
//! confidence statistics.
//!
//! The crate is a pipeline; each module is one stage:
//!
//! ```text
//! git history ─▶ post versions ─▶ task lists ─▶ task events ─▶ ledger ─▶ reports
//!  (git)          (history)        (post)        (matching)     (ledger)  (report)
//!                                                                   ├─▶ stats block (statsblock, hook)
//!                                                                   └─▶ live view (watch)
//! ```
//!
//! The stages in the middle are pure functions of their input: no clock, no file system, no git.
//! `cache` keeps the history stage's state and the ledger between runs, in the git directory.

pub mod cache;
pub mod chart;
pub mod cli;
pub mod config;
pub mod cookies;
pub mod dates;
pub mod events;
pub mod frontmatter;
pub mod git;
pub mod history;
pub mod hook;
pub mod ledger;
pub mod matching;
pub mod model;
pub mod post;
pub mod report;
pub mod statsblock;
pub mod style;
pub mod synthetic;
pub mod tally;
pub mod trends;
pub mod watch;
