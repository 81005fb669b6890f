//! The command line: arguments (clap), dispatch to the stages, output and exit codes.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};

use chrono::NaiveDate;

use crate::config::Config;
use crate::git::Repo;
use crate::history::{self, History, HistoryOptions};
use crate::ledger::{self, Ledger, Status};
use crate::{cache, chart, demo, hook, post, report, trends};

/// Where blog engines keep posts, in the order they are looked for.
pub use crate::git::POSTS_DIRS;

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
    /// Print the configuration in effect and where each value came from.
    Config,
    /// Print a shell completion script (e.g. `gitgoals completions bash > ~/.local/share/bash-completion/completions/gitgoals`).
    Completions {
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff) to stdout (e.g. `gitgoals man | man -l -`).
    Man,
    /// Show one goals post: done/total, per section, per confidence rating, open tasks.
    Show {
        /// The post (default: the newest post in the repository's posts directories).
        path: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
        /// Only tasks still open.
        #[arg(long)]
        open: bool,
        /// Only tasks of this post (its path in the repository).
        #[arg(long, value_name = "PATH")]
        post: Option<String>,
        /// Only tasks carried from or into another week.
        #[arg(long)]
        carried: bool,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
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
        /// A template file for the block instead of the default layout.
        #[arg(long, value_name = "FILE")]
        template: Option<PathBuf>,
    },
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
    /// Task events, newest first, like `git log` for goals.
    Log {
        /// Show at most N events.
        #[arg(short = 'n', long = "max-count", value_name = "N")]
        max_count: Option<usize>,
        /// Only events of this post (its path in the repository).
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
pub enum Format {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum TableFormat {
    Text,
    Json,
    Csv,
    Markdown,
}

/// Options given once for the whole run that every stage reads through [`load`] (kept here
/// so `load`'s callers need not thread them through).
#[derive(Debug, Default)]
struct RunWide {
    config_flags: Vec<String>,
    quiet: bool,
}

static RUN_WIDE: OnceLock<RunWide> = OnceLock::new();

fn run_wide() -> &'static RunWide {
    RUN_WIDE.get_or_init(RunWide::default)
}

/// Prints a warning on stderr unless `--quiet`.
pub fn warn(message: impl std::fmt::Display) {
    if !run_wide().quiet {
        let _ = writeln!(io::stderr(), "warning: {message}");
    }
}

/// How a run ended, as an exit code: 0 success, 1 failure (2, bad usage, is clap's).
pub fn run(cli: Cli) -> Result<()> {
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let _ = RUN_WIDE.set(RunWide {
        config_flags: cli.set.clone(),
        quiet: cli.quiet,
    });
    let base = match &cli.repo {
        Some(dir) => dir.clone(),
        None => std::env::current_dir().context("cannot read the current directory")?,
    };
    match cli.command {
        Command::Config => {
            let work_tree = Repo::open(cli.repo.as_deref())
                .ok()
                .and_then(|repo| repo.work_dir());
            let (config, file) = effective_config(work_tree.as_deref(), &cli.posts)?;
            print(&config.describe(file.as_deref()))
        }
        Command::Completions { shell } => {
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut command(), "gitgoals", &mut script);
            print(&String::from_utf8_lossy(&script))
        }
        Command::Man => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command())
                .render(&mut page)
                .context("cannot render the manual page")?;
            print(&String::from_utf8_lossy(&page))
        }
        Command::Show { path, format } => {
            let path = match path {
                Some(path) if cli.repo.is_some() && path.is_relative() => base.join(path),
                Some(path) => path,
                None => newest_post(&base)?,
            };
            let bytes =
                std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
            // The newest post is found under the work tree; name it as people would type it.
            let shown = path
                .strip_prefix(&base)
                .unwrap_or(&path)
                .display()
                .to_string();
            let work_tree = Repo::open(Some(&base))
                .ok()
                .and_then(|repo| repo.work_dir());
            let (config, _) = effective_config(work_tree.as_deref(), &cli.posts)?;
            let parse = history_options(&config).0.parse;
            let post = post::parse_with(&shown, &bytes, &parse);
            let text = match format {
                Format::Text => {
                    crate::style::paint(&report::show_text(&shown, &post, parse.rating_scale))
                }
                Format::Json => json(&report::ShowDocument::new(&shown, &post))?,
            };
            print(&text)
        }
        Command::History {
            since,
            until,
            last,
            format,
            chart,
        } => {
            let (ledger, _) = load_ledger(&cli.repo, &cli.posts, !cli.no_cache)?;
            let mut weeks: Vec<&ledger::Week> = ledger
                .weeks
                .iter()
                .filter(|w| since.is_none_or(|d| w.date >= d) && until.is_none_or(|d| w.date <= d))
                .collect();
            if let Some(n) = last {
                weeks.drain(..weeks.len().saturating_sub(n));
            }
            if let Some(path) = &chart {
                write_chart(path, &chart::history_svg(&trends::week_points(&weeks))?)?;
            }
            let text = match format {
                TableFormat::Text => crate::style::paint(&report::history_text(&ledger, &weeks)),
                TableFormat::Json => json(&report::history_document(&ledger, &weeks))?,
                TableFormat::Csv => report::history_csv(&weeks),
                TableFormat::Markdown => report::history_markdown(&weeks),
            };
            print(&text)
        }
        Command::Tasks {
            open,
            post,
            carried,
            format,
        } => {
            let (history, ledger, rating_scale) = load(&cli.repo, &cli.posts, !cli.no_cache)?;
            let records: Vec<&ledger::TaskRecord> = ledger
                .tasks
                .iter()
                .filter(|r| !open || r.status == Status::Open)
                .filter(|r| {
                    post.as_deref()
                        .is_none_or(|p| ledger.weeks[r.week].path == p)
                })
                .filter(|r| !carried || r.carried_from.is_some() || r.carried_to.is_some())
                .collect();
            let text = match format {
                Format::Text => {
                    crate::style::paint(&report::tasks_text(&ledger, &records, rating_scale))
                }
                Format::Json => json(&report::tasks_document(&ledger, &history, &records))?,
            };
            print(&text)
        }
        Command::Hook { action } => run_hook(&base, &cli.posts, !cli.no_cache, action),
        Command::Demo { dir } => {
            let dir = if dir.is_relative() {
                base.join(dir)
            } else {
                dir
            };
            if std::fs::read_dir(&dir).is_ok_and(|mut entries| entries.next().is_some()) {
                bail!(
                    "{} already exists and is not empty: remove it, or name another directory \
                     (gitgoals demo DIR)",
                    dir.display()
                );
            }
            let commits = demo::write(&dir)?;
            let (_, ledger, _) = load(&Some(dir.clone()), &None, !cli.no_cache)?;
            let weeks: Vec<&ledger::Week> = ledger.weeks.iter().collect();
            print(&format!(
                "A sample blog with {} weekly goals posts and {} commits is in {}\n\n{}\nTry: cd {} && gitgoals tasks --carried, gitgoals log -n 10, gitgoals show\n",
                ledger.weeks.len(),
                commits,
                dir.display(),
                report::history_text(&ledger, &weeks),
                dir.display()
            ))
        }
        Command::Stats {
            files,
            check,
            template,
        } => {
            let (engine, head, ledger_options) =
                engine_at_head(&Some(base.clone()), &cli.posts, !cli.no_cache)?;
            let compute = hook::history_stats_with(&engine, head, now(), ledger_options);
            let options = hook::RunOptions {
                strict: true,
                template,
                config_flags: config_flags(&cli.posts),
            };
            let report = hook::run_stats(&base, &files, check, &options, &compute);
            for failure in &report.failures {
                eprintln!("{failure}");
            }
            for path in &report.stale {
                eprintln!("gitgoals: stats block is out of date in {path}");
            }
            exit_with(report.exit_code())
        }
        Command::Calibration { chart, format } => {
            let (ledger, rating_scale) = load_ledger(&cli.repo, &cli.posts, !cli.no_cache)?;
            let today = chrono::Local::now().date_naive();
            let calibration = trends::calibration(&ledger, Some(today), rating_scale);
            if let Some(path) = &chart {
                write_chart(path, &chart::calibration_svg(&calibration)?)?;
            }
            let text = match format {
                Format::Text => trends::calibration_text(&calibration),
                Format::Json => json(&trends::calibration_document(
                    &ledger,
                    &calibration,
                    Some(today),
                ))?,
            };
            print(&text)
        }
        Command::Carry { min_weeks, format } => {
            let (ledger, _) = load_ledger(&cli.repo, &cli.posts, !cli.no_cache)?;
            let chains = trends::carry_chains(&ledger, min_weeks);
            let oldest = trends::oldest_open(&ledger);
            let text = match format {
                Format::Text => trends::carry_text(&ledger, &chains, oldest.as_ref(), min_weeks),
                Format::Json => json(&trends::carry_document(
                    &ledger,
                    &chains,
                    oldest.as_ref(),
                    min_weeks,
                ))?,
            };
            print(&text)
        }
        Command::Report { html } => {
            let (ledger, rating_scale) = load_ledger(&cli.repo, &cli.posts, !cli.no_cache)?;
            let today = chrono::Local::now().date_naive();
            let calibration = trends::calibration(&ledger, Some(today), rating_scale);
            let chains = trends::carry_chains(&ledger, 2);
            let oldest = trends::oldest_open(&ledger);
            let page = chart::report_html(&ledger, &calibration, &chains, oldest.as_ref())?;
            std::fs::write(&html, page)
                .with_context(|| format!("cannot write the report {}", html.display()))?;
            eprintln!("gitgoals: report written to {}", html.display());
            Ok(())
        }
        Command::Watch { format, exec } => {
            let repo = Repo::open(Some(&base))?;
            let (config, _) = effective_config(repo.work_dir().as_deref(), &cli.posts)?;
            let (history, ledger) = history_options(&config);
            let options = crate::watch::Options {
                format,
                exec,
                history,
                ledger,
                use_cache: !cli.no_cache,
                debounce: crate::watch::DEFAULT_DEBOUNCE,
            };
            Ok(crate::watch::run(&base, &options)?)
        }
        Command::Log {
            max_count,
            post,
            format,
        } => {
            let (history, _, _) = load(&cli.repo, &cli.posts, !cli.no_cache)?;
            let mut lines: Vec<report::LogLine> = history
                .tasks
                .iter()
                .flat_map(|life| {
                    let path = history.posts[life.post].path.as_str();
                    life.events
                        .iter()
                        .map(move |event| report::LogLine { event, post: path })
                })
                .filter(|line| post.as_deref().is_none_or(|p| line.post == p))
                .collect();
            // Newest first by the commit graph; events of one commit keep the post's order.
            lines.sort_by_key(|line| std::cmp::Reverse(line.event.order));
            lines.truncate(max_count.unwrap_or(usize::MAX));
            let text = match format {
                Format::Text => crate::style::paint(&report::log_text(&lines)),
                Format::Json => {
                    let mut out = String::new();
                    for line in &lines {
                        out.push_str(&serde_json::to_string(&report::EventDocument::new(
                            line.event, line.post,
                        ))?);
                        out.push('\n');
                    }
                    out
                }
            };
            print(&text)
        }
    }
}

fn run_hook(
    base: &Path,
    posts: &Option<String>,
    use_cache: bool,
    action: HookAction,
) -> Result<()> {
    match action {
        HookAction::Install { force } => {
            let outcome = hook::install(base, force)?;
            print(&format!("{outcome}\n"))
        }
        HookAction::Uninstall => {
            let outcome = hook::uninstall(base)?;
            print(&format!("{outcome}\n"))
        }
        HookAction::Run {
            strict, template, ..
        } => {
            // Inside a hook git says where the repository is (GIT_DIR); `-C` is for people.
            let fail = |error: anyhow::Error| {
                eprintln!("gitgoals: stats block not updated: {error:#}");
                exit_with(if strict { 1 } else { 0 })
            };
            let now = now();
            let view = match use_cache.then(|| hook_view(posts)).transpose() {
                Ok(view) => view.flatten(),
                Err(error) => return fail(error),
            };
            // The whole engine, read only when the cache cannot serve the hook on its own.
            let full = std::cell::OnceCell::new();
            let engine = || full.get_or_init(|| engine_at_head(&None, posts, use_cache));
            if view.is_none()
                && let Err(error) = engine()
            {
                return fail(anyhow::anyhow!("{error:#}"));
            }
            let compute = |path: &str, bytes: &[u8]| {
                if let Some((view, ledger_options)) = &view
                    && let Some(stats) = hook::view_stats(view, (path, bytes), now, ledger_options)
                {
                    return Ok(stats);
                }
                match engine() {
                    Ok((engine, head, ledger_options)) => {
                        hook::history_stats_with(engine, *head, now, *ledger_options)(path, bytes)
                    }
                    Err(error) => Err(format!("{error:#}")),
                }
            };
            let report = hook::run_pre_commit(
                &hook::RunOptions {
                    strict,
                    template,
                    config_flags: config_flags(posts),
                },
                &compute,
            );
            for failure in &report.failures {
                eprintln!("{failure}");
            }
            exit_with(report.exit_code())
        }
    }
}

/// Ends the process with `code` once output is flushed: for commands whose outcome is a code
/// rather than an error (the hook, `stats --check`).
fn exit_with(code: i32) -> Result<()> {
    if code == 0 {
        return Ok(());
    }
    let _ = io::stdout().flush();
    std::process::exit(code)
}

/// The clap command, for completions and the manual page.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

/// The configuration in effect for a work tree: defaults, `.gitgoals.toml`, then flags
/// (`--posts`, `-c`). Warnings about the file go to stderr.
fn effective_config(
    work_tree: Option<&Path>,
    posts: &Option<String>,
) -> Result<(Config, Option<PathBuf>)> {
    let loaded = Config::load(work_tree, &config_flags(posts))?;
    for warning in &loaded.warnings {
        warn(warning);
    }
    Ok((loaded.config, loaded.file))
}

/// The `-c KEY=VALUE` settings of this run, `--posts` among them.
fn config_flags(posts: &Option<String>) -> Vec<String> {
    let mut flags = run_wide().config_flags.clone();
    if let Some(glob) = posts {
        // `--posts` is shorthand for `-c posts=…`, applied before the other flags.
        flags.insert(0, format!("posts={}", toml::Value::String(glob.clone())));
    }
    flags
}

/// What the history and ledger stages need from a configuration.
pub fn history_options(config: &Config) -> (HistoryOptions, ledger::LedgerOptions) {
    use crate::model::DueSource;
    let rules = &config.due_from.value;
    let parse = post::ParseOptions {
        rating_scale: config.confidence_scale.value,
        rating_pattern: (config.confidence_pattern.value
            != crate::config::DEFAULT_CONFIDENCE_PATTERN)
            .then(|| config.confidence_pattern.value.clone()),
        date_order: config.date_order.value,
        week_start: config.week_start.value,
        due_from_front_matter: rules.contains(&DueSource::FrontMatter),
        due_from_text: rules.contains(&DueSource::Text),
    };
    let history = HistoryOptions {
        posts_glob: None,
        posts_globs: config.posts.value.clone(),
        parse,
    };
    let ledger = ledger::LedgerOptions {
        due_from_next_post: rules.contains(&DueSource::NextPost),
        due_days: config.due_days.value,
    };
    (history, ledger)
}

/// The local time now, in the offset git would date a commit made now.
fn now() -> chrono::DateTime<chrono::FixedOffset> {
    chrono::Local::now().fixed_offset()
}

/// The history engine fed up to HEAD, and HEAD: what a commit about to be made sits on.
fn engine_at_head(
    dir: &Option<PathBuf>,
    posts: &Option<String>,
    use_cache: bool,
) -> Result<(
    history::Engine,
    Option<crate::git::ObjectId>,
    ledger::LedgerOptions,
)> {
    let repo = Repo::open(dir.as_deref())?;
    let (config, _) = effective_config(repo.work_dir().as_deref(), posts)?;
    let (options, ledger_options) = history_options(&config);
    let engine = cache::load_engine(&repo, &options, &ledger_options, use_cache)?;
    let head = engine.tip();
    Ok((engine, head, ledger_options))
}

/// The cache's view for the hook, with the options it was built under, when the cache is
/// at HEAD; none when the history must be read through the engine.
fn hook_view(posts: &Option<String>) -> Result<Option<(cache::HookView, ledger::LedgerOptions)>> {
    let repo = Repo::open(None)?;
    let (config, _) = effective_config(repo.work_dir().as_deref(), posts)?;
    let (options, ledger_options) = history_options(&config);
    let view = cache::load_hook_view(&repo, &options, &ledger_options)?;
    Ok(view.map(|view| (view, ledger_options)))
}

/// Reads the history of the repository at `dir` (or the current one) with its configuration
/// and folds it into the ledger, through the cache unless `use_cache` is false. Warnings go
/// to stderr, one line each (none with `--quiet`); the work goes on.
///
/// Also gives the rating scale (`confidence.scale`) the posts were read with: the ledger
/// holds ratings as bare numbers, and every view that prints or judges one needs the scale.
/// It comes back from here because the configuration is read here, once.
fn load(
    dir: &Option<PathBuf>,
    posts: &Option<String>,
    use_cache: bool,
) -> Result<(History, Ledger, u8)> {
    let repo = Repo::open(dir.as_deref())?;
    let (config, _) = effective_config(repo.work_dir().as_deref(), posts)?;
    let (options, ledger_options) = history_options(&config);
    let (history, ledger) =
        cache::load_history_and_ledger(&repo, &options, &ledger_options, use_cache)?;
    for warning in &history.warnings {
        warn(warning);
    }
    Ok((history, ledger, options.parse.rating_scale))
}

/// The ledger alone (for `history`): with a warm cache the task lives are not even read.
/// With the rating scale, as [`load`] gives it.
fn load_ledger(
    dir: &Option<PathBuf>,
    posts: &Option<String>,
    use_cache: bool,
) -> Result<(Ledger, u8)> {
    let repo = Repo::open(dir.as_deref())?;
    let (config, _) = effective_config(repo.work_dir().as_deref(), posts)?;
    let (options, ledger_options) = history_options(&config);
    let ledger = cache::load_ledger(&repo, &options, &ledger_options, use_cache)?;
    for warning in &ledger.warnings {
        warn(warning);
    }
    Ok((ledger, options.parse.rating_scale))
}

/// Writes an SVG chart and says where on stderr, so stdout stays the report.
fn write_chart(path: &Path, svg: &str) -> Result<()> {
    std::fs::write(path, svg)
        .with_context(|| format!("cannot write the chart {}", path.display()))?;
    eprintln!("gitgoals: chart written to {}", path.display());
    Ok(())
}

fn json<T: serde::Serialize>(value: &T) -> Result<String> {
    let mut text = serde_json::to_string_pretty(value)?;
    text.push('\n');
    Ok(text)
}

/// Writes to stdout (styles are dropped unless colour is on); a reader that went away
/// (`gitgoals … | head`) is not an error.
pub fn print(text: &str) -> Result<()> {
    // Text without escape sequences (JSON, CSV, plain text) needs no colour handling, and
    // scanning a megabyte of JSON for them cost a warm `history` several milliseconds.
    let written = if text.contains('\x1b') {
        let mut stdout = anstream::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
    } else {
        let mut stdout = io::stdout().lock();
        stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
    };
    match written {
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
