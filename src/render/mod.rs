//! Views: what a person or a script sees — text tables, JSON documents, charts, the HTML
//! report, the stats block written into a post, and the terminal's colours.

pub mod chart;
pub mod cookies;
pub mod report;
pub mod statsblock;
pub mod style;
pub mod trends;
