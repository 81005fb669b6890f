//! The command line: arguments (clap), dispatch to the stages, output and exit codes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use crate::{post, report};

/// Where blog engines keep posts, in the order they are looked for.
pub const POSTS_DIRS: [&str; 4] = ["_posts", "_drafts", "content", "posts"];

#[derive(Debug, Parser)]
#[command(
    name = "gitgoals",
    version,
    about = "Weekly goals from your blog's git history: completion, carry-over, confidence"
)]
pub struct Cli {
    /// Run as if started in DIR (like `git -C`).
    #[arg(short = 'C', long = "repo", global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show one goals post: done/total, per section, per confidence rating, open tasks.
    Show {
        /// The post (default: the newest post in the repository's posts directories).
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Follow the repository live: task events as you commit, progress as you save.
    Watch {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// After each batch of output, run CMD with `sh -c`, the batch's JSON lines on stdin.
        #[arg(long, value_name = "CMD")]
        exec: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}

/// How a run ended, as an exit code: 0 success, 1 failure (2, bad usage, is clap's).
pub fn run(cli: Cli) -> Result<()> {
    let base = match &cli.repo {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    match cli.command {
        Command::Show { path, format } => {
            let path = match path {
                Some(path) if cli.repo.is_some() && path.is_relative() => base.join(path),
                Some(path) => path,
                None => newest_post(&base)?,
            };
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let shown = path.display().to_string();
            let post = post::parse(&shown, &bytes);
            let text = match format {
                Format::Text => report::show_text(&shown, &post),
                Format::Json => json(&report::ShowDocument::new(&shown, &post))?,
            };
            print(&text)
        }
        Command::Watch { format, exec } => {
            let options = crate::watch::Options {
                format,
                exec,
                debounce: crate::watch::DEFAULT_DEBOUNCE,
            };
            Ok(crate::watch::run(&base, &options)?)
        }
    }
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Writes to stdout; a reader that went away (`gitgoals … | head`) is not an error.
pub fn print(text: &str) -> Result<()> {
    let mut stdout = io::stdout().lock();
    match stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to standard output"),
    }
}

/// The newest post under the work tree's posts directories (by the date in its file name,
/// then by modification time); with no posts directory, the newest Markdown file anywhere.
fn newest_post(base: &Path) -> Result<PathBuf> {
    let root = git2::Repository::discover(base)
        .ok()
        .and_then(|repo| repo.workdir().map(Path::to_path_buf))
        .unwrap_or_else(|| base.to_path_buf());
    let dirs: Vec<PathBuf> = POSTS_DIRS
        .iter()
        .map(|d| root.join(d))
        .filter(|d| d.is_dir())
        .collect();
    let mut candidates = Vec::new();
    if dirs.is_empty() {
        collect_markdown(&root, &mut candidates, 0);
    } else {
        for dir in &dirs {
            collect_markdown(dir, &mut candidates, 0);
        }
    }
    candidates
        .into_iter()
        .max_by_key(|path| {
            let name = path.to_string_lossy();
            let modified = std::fs::metadata(path).and_then(|m| m.modified()).ok();
            (crate::dates::filename_date(&name), modified)
        })
        .map_or_else(
            || {
                bail!(
                    "no Markdown posts under {}; name one: gitgoals show PATH",
                    root.display()
                )
            },
            Ok,
        )
}

/// Markdown files under `dir`, skipping hidden directories (`.git`) and symlinked ones.
fn collect_markdown(dir: &Path, out: &mut Vec<PathBuf>, depth: usize) {
    const MAX_DEPTH: usize = 16;
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        let Ok(kind) = entry.file_type() else {
            continue;
        };
        let hidden = entry.file_name().to_string_lossy().starts_with('.');
        if kind.is_dir() && !hidden && depth < MAX_DEPTH {
            collect_markdown(&path, out, depth + 1);
        } else if kind.is_file() && is_markdown(&path) {
            out.push(path);
        }
    }
}

pub fn is_markdown(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("md") || e.eq_ignore_ascii_case("markdown"))
}
