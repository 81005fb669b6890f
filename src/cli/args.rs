//! The command line's grammar: global flags, commands and their options (clap).

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::{Parser, Subcommand, ValueEnum};

pub use crate::render::Format;

#[derive(Debug, Parser)]
#[command(
    name = "gitgoals",
    version,
    about = "Weekly goals from your blog's git history: completion, carry-over, confidence",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Run as if started in DIR (like `git -C`).
    #[arg(short = 'C', long = "repo", global = true, value_name = "DIR")]
    pub repo: Option<PathBuf>,

    /// Which files are posts, as a glob over repository paths (default: the posts
    /// directories `_posts/`, `_drafts/`, `content/`, `posts/`, else every Markdown file).
    #[arg(long, global = true, value_name = "GLOB")]
    pub posts: Option<String>,

    /// Set a configuration value for this run, over `.gitgoals.toml` (like `git -c`);
    /// e.g. `-c due.date_order=dmy`. See `gitgoals config`.
    #[arg(short = 'c', global = true, value_name = "KEY=VALUE")]
    pub set: Vec<String>,

    /// When to colour text output: `auto` (only on a terminal, and never with NO_COLOR set).
    #[arg(long, global = true, value_enum, default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Print no warnings (errors still go to stderr).
    #[arg(short, long, global = true)]
    pub quiet: bool,

    /// Also print warnings about older versions of posts (by default only the warnings the
    /// files still deserve are printed).
    #[arg(short, long, global = true, conflicts_with = "quiet")]
    pub verbose: bool,

    /// Read the whole history again instead of using (and updating) the cache in the
    /// repository's git directory.
    #[arg(long, global = true)]
    pub no_cache: bool,

    #[command(subcommand)]
    pub command: Command,
}

/// The exit codes, as `--help` states them.
const EXIT_CODES: &str = "Exit status: 0 success; 1 failure (an error, or `stats --check` found a stale block, or a strict hook failed); 2 bad usage. A closed output pipe (`gitgoals log | head`) is success.";

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the configuration in effect, where each value came from, and which files are read
    /// as posts.
    Config {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Print a shell completion script (e.g. `gitgoals completions bash > ~/.local/share/bash-completion/completions/gitgoals`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout (e.g. `gitgoals man | man -l -`).
    Man,
    /// Show one goals post: done/total, per section, per confidence rating, open tasks.
    Show {
        /// The post (default: the newest goals post, a post with tasks, of `history`).
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The day that counts as today for the mid-week forecast (default: the clock's).
        #[arg(long, value_name = "DATE", hide = true)]
        today: Option<NaiveDate>,
    },
    /// Draft next week's goals post from the last one (open goals carried forward), with a
    /// forecast of the week from this blog's own history.
    Plan {
        /// Create the post (never overwrites: an existing file is an error).
        #[arg(long)]
        write: bool,
        /// The new post's date (default: a week after the last post's), YYYY-MM-DD.
        #[arg(long, value_name = "DATE")]
        date: Option<NaiveDate>,
        /// Instead of a draft, replay the history: forecast each finished week from the weeks
        /// before it only, and say how often the forecasts held.
        #[arg(long, conflicts_with_all = ["write", "date"])]
        backtest: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The day that counts as today (default: the clock's).
        #[arg(long, value_name = "DATE", hide = true)]
        today: Option<NaiveDate>,
    },
    /// One row per goals post, oldest first, and the trend.
    History {
        /// Only posts dated on or after this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        since: Option<NaiveDate>,
        /// Only posts dated on or before this day (YYYY-MM-DD).
        #[arg(long, value_name = "DATE")]
        until: Option<NaiveDate>,
        /// Only the last N posts.
        #[arg(long, value_name = "N")]
        last: Option<usize>,
        #[arg(long, value_enum, default_value_t = TableFormat::Text)]
        format: TableFormat,
        /// Also draw completion, carry-over and unplanned goals per week into this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        chart: Option<PathBuf>,
    },
    /// Every task with its life: added, checked, carried.
    Tasks {
        /// Only tasks still open (an open task carried into a later week shows there only).
        #[arg(long)]
        open: bool,
        /// Only tasks of this post (a path from the current directory, as git takes paths).
        #[arg(long, value_name = "PATH")]
        post: Option<String>,
        /// Only tasks carried from or into another week.
        #[arg(long)]
        carried: bool,
        #[arg(long, value_enum, default_value_t = TableFormat::Text)]
        format: TableFormat,
    },
    /// Build a sample blog repository with a few weeks of goals and show its history.
    Demo {
        /// Where to create it (must be new or empty).
        #[arg(default_value = "gitgoals-demo")]
        dir: PathBuf,
    },
    /// Install, remove or run the pre-commit hook that writes the stats block into posts.
    Hook {
        #[command(subcommand)]
        action: HookAction,
    },
    /// Rewrite the stats blocks of working-tree posts (for pre-commit frameworks).
    Stats {
        /// Posts to update (default: every goals post in the work tree).
        files: Vec<PathBuf>,
        /// Change nothing; exit 1 when a block is out of date.
        #[arg(long)]
        check: bool,
        /// Regenerate blocks edited by hand too: what was typed between the markers is
        /// replaced (without it such a block is left as it is, and reported).
        #[arg(long, conflicts_with = "check")]
        force: bool,
        /// A template file for the block instead of the default layout.
        #[arg(long, value_name = "FILE")]
        template: Option<PathBuf>,
        /// Only the goals posts changed between REV and HEAD (in CI: the commit before the
        /// push). A REV this clone does not have (all zeros: a new branch) means every post
        /// that already has a block.
        #[arg(long, value_name = "REV", conflicts_with = "files")]
        since: Option<String>,
        /// Commit the refreshed blocks, and nothing else, as gitgoals (with a
        /// `Gitgoals-Refresh: stats` trailer); when HEAD is such a commit, do nothing.
        #[arg(long, conflicts_with = "check")]
        commit: bool,
    },
    /// Write the history as the site's data file, for a goals page: `_data/gitgoals.json`
    /// (Jekyll) or `data/gitgoals.json` (Hugo). See schema/gitgoals-export.schema.json.
    Export {
        /// For Jekyll: `_data/gitgoals.json` (the default, unless `export.site` says hugo).
        #[arg(long, conflicts_with = "hugo")]
        jekyll: bool,
        /// For Hugo: `data/gitgoals.json`.
        #[arg(long)]
        hugo: bool,
    },
    /// Write a CI workflow (.github/workflows/gitgoals.yml) that refreshes the stats blocks of
    /// posts pushed without the hook (a web editor, a phone app) and commits them back.
    InitCi,
    /// How well your confidence ratings (N/5, or N/scale as configured) predict what gets done.
    Calibration {
        /// Also draw the calibration curve against the diagonal into this SVG file.
        #[arg(long, value_name = "FILE.svg")]
        chart: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The chronic carry-overs: goals carried from post to post, longest first.
    Carry {
        /// Only goals that went through at least N posts (2: carried at least once).
        #[arg(long, value_name = "N", default_value_t = 2)]
        min_weeks: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Instead of the chains, show how each week's goals were matched to the next week's:
        /// every link and every near miss, with the two titles and the score and rule that
        /// decided it.
        #[arg(long)]
        explain: bool,
    },
    /// Write one self-contained HTML page with the charts and tables.
    Report {
        /// The page to write.
        #[arg(long, value_name = "FILE.html")]
        html: PathBuf,
    },
    /// Follow the repository live: task events as you commit, progress as you save.
    Watch {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// After each batch of output, run CMD with `sh -c`, the batch's JSON lines on stdin.
        #[arg(long, value_name = "CMD")]
        exec: Option<String>,
    },
    /// The merge driver `hook install` registers: git runs it as `merge-driver %O %A %B %P %L`
    /// and it leaves the merge of a post in OURS, its stats block written anew.
    #[command(hide = true)]
    MergeDriver {
        base: PathBuf,
        ours: PathBuf,
        theirs: PathBuf,
        /// The path in the repository the merge is for.
        path: String,
        /// The conflict marker size.
        marker_size: Option<usize>,
    },
    /// Task events, newest first, like `git log` for goals.
    Log {
        /// Show at most N events.
        #[arg(short = 'n', long = "max-count", value_name = "N")]
        max_count: Option<usize>,
        /// Only events of this post (a path from the current directory, as git takes paths).
        #[arg(long, value_name = "PATH")]
        post: Option<String>,
        /// `json` prints one event per line.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Debug, Subcommand)]
pub enum HookAction {
    /// Install the pre-commit hook (an existing foreign hook is kept and run first).
    Install {
        /// Install even when core.hooksPath points outside the repository.
        #[arg(long)]
        force: bool,
    },
    /// Remove the hook and put back the one it replaced.
    Uninstall,
    /// What the installed hook runs; git calls it.
    Run {
        #[arg(value_parser = ["pre-commit"])]
        hook: String,
        /// Block the commit when the stats block cannot be written.
        #[arg(long)]
        strict: bool,
        /// A template file for the block instead of the default layout.
        #[arg(long, value_name = "FILE")]
        template: Option<PathBuf>,
        /// Arguments git passes to the hook.
        #[arg(trailing_var_arg = true, allow_hyphen_values = true, hide = true)]
        rest: Vec<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Text,
    Json,
    Csv,
    Markdown,
}
