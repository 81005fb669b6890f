//! Views: what a person or a script sees — text tables, JSON documents, charts, the HTML
//! report, the stats block written into a post, and the terminal's colours.

pub mod chart;
pub mod cookies;
pub mod export;
pub mod plan;
pub mod report;
pub mod statsblock;
pub mod style;
pub mod trends;

/// `1 goal`, `2 goals`: a count with its noun, plural unless it is one.
pub fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Writes a JSON document (pretty, with a final line break) to any writer.
pub fn write_json<T: serde::Serialize>(
    out: &mut impl std::io::Write,
    document: &T,
) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, document)?;
    out.write_all(b"\n")
}

/// How a command prints: a table for people, or a JSON document for scripts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Text,
    Json,
}
