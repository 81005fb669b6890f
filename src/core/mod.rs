//! The pure core: post versions → task lists → task events → ledger → trends, as plain values.
//!
//! Nothing here reads git, the file system or the clock; callers hand it bytes, commits and the
//! day that counts as today. `tests/layers.rs` fails when a file here imports anything else.

pub mod block;
pub mod chunks;
pub mod dates;
pub mod delta;
pub mod events;
pub mod fold;
pub mod forecast;
pub mod frontmatter;
pub mod history;
pub mod ledger;
pub mod matching;
pub mod model;
pub mod plan;
pub mod post;
pub mod select;
pub mod tally;
pub mod trends;
