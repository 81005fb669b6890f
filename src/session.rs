//! One run's resolved state: the repository, the settings, how posts read and how weeks count,
//! worked out once and handed to every command, the hook and the watcher.
//!
//! This is the seam tests call ([`Session::with_repo`]), as git-absorb's `run_with_repo` is:
//! nothing below it opens the repository again or reads `.gitgoals.toml` a second time.

use std::path::{Path, PathBuf};

use crate::cache;
use crate::config::{Config, ConfigWarning, Format};
use crate::core::delta::ObjectId;
use crate::core::fold::Engine;
use crate::core::history::History;
use crate::core::ledger::{Ledger, LedgerOptions};
use crate::core::model::{DueSource, Warning};
use crate::core::post::ParseOptions;
use crate::core::select::PostSelector;
use crate::error::Error;
use crate::git::Repo;
use crate::git::read::HistoryOptions;

/// What a run was asked for, before anything is resolved: the command line's global flags.
#[derive(Debug, Clone, Default)]
pub struct Args {
    /// `-C DIR`: run as if started there.
    pub dir: Option<PathBuf>,
    /// `--posts GLOB`: which files are posts, before any `-c posts=…`.
    pub posts: Option<String>,
    /// `-c KEY=VALUE` settings, in order.
    pub settings: Vec<String>,
    /// `--no-cache` turns it off.
    pub use_cache: bool,
    /// `--quiet`: no warnings on stderr.
    pub quiet: bool,
    /// `--verbose`: warnings about older versions of posts too.
    pub verbose: bool,
}

/// The resolved state of one run.
pub struct Session {
    /// Where the run started (`-C DIR`, else the current directory): paths given on the command
    /// line are relative to it.
    pub base: PathBuf,
    /// The repository, or why there is none (`show` and `config` work without one).
    repo: Result<Repo, Error>,
    /// The settings in effect: defaults, `.gitgoals.toml`, then `--posts` and `-c`.
    pub config: Config,
    /// The settings file that was read, when there was one.
    pub config_file: Option<PathBuf>,
    /// Notes about the settings that did not stop the run, not yet shown.
    pub config_warnings: Vec<ConfigWarning>,
    /// Which files are posts and how each version reads.
    pub read: HistoryOptions,
    /// How weeks are counted (due dates from the next post, days to the due date).
    pub ledger: LedgerOptions,
    pub use_cache: bool,
    pub quiet: bool,
    pub verbose: bool,
}

impl Session {
    /// Opens the repository at `args.dir` (or the one git's environment names, as inside a
    /// hook) and resolves the settings. Outside a repository the session still holds the
    /// settings; commands that need history get the reason from [`Session::repo`].
    pub fn open(args: &Args) -> Result<Session, Error> {
        let base = match &args.dir {
            Some(dir) => dir.clone(),
            None => std::env::current_dir().map_err(Error::CurrentDir)?,
        };
        let repo = Repo::open(args.dir.as_deref());
        Session::resolve(base, repo, args)
    }

    /// The seam: a session over an already opened repository.
    pub fn with_repo(repo: Repo, args: &Args) -> Result<Session, Error> {
        let base = match (&args.dir, repo.work_dir()) {
            (Some(dir), _) => dir.clone(),
            (None, Some(work_tree)) => work_tree,
            (None, None) => repo.git_dir(),
        };
        Session::resolve(base, Ok(repo), args)
    }

    fn resolve(base: PathBuf, repo: Result<Repo, Error>, args: &Args) -> Result<Session, Error> {
        let work_tree = repo.as_ref().ok().and_then(Repo::work_dir);
        let loaded =
            Config::load_with(work_tree.as_deref(), args.posts.as_deref(), &args.settings)?;
        // `format = "auto"` reads a vault (a tracked `.obsidian/` folder at HEAD) as Obsidian.
        let vault = repo
            .as_ref()
            .ok()
            .is_some_and(|repo| repo.has_dir_at_head(crate::core::select::OBSIDIAN_DIR));
        let (read, ledger) = reading_options(&loaded.config, vault);
        Ok(Session {
            base,
            repo,
            config: loaded.config,
            config_file: loaded.file,
            config_warnings: loaded.warnings,
            read,
            ledger,
            use_cache: args.use_cache,
            quiet: args.quiet,
            verbose: args.verbose,
        })
    }

    /// The repository, or why the run has none.
    pub fn repo(&self) -> Result<&Repo, Error> {
        match &self.repo {
            Ok(repo) => Ok(repo),
            Err(Error::NotARepository { dir }) => Err(Error::NotARepository { dir: dir.clone() }),
            Err(Error::OpenRepository { dir, message }) => Err(Error::OpenRepository {
                dir: dir.clone(),
                message: message.clone(),
            }),
            Err(other) => Err(Error::OpenRepository {
                dir: self.base.display().to_string(),
                message: other.to_string(),
            }),
        }
    }

    /// The work tree's root, when there is a repository with one.
    pub fn work_tree(&self) -> Option<PathBuf> {
        self.repo.as_ref().ok().and_then(Repo::work_dir)
    }

    /// How each post version is read.
    pub fn parse_options(&self) -> &ParseOptions {
        &self.read.parse
    }

    /// The scale confidence ratings are written on (`confidence.scale`): every view that
    /// prints or judges a rating needs it.
    pub fn rating_scale(&self) -> u8 {
        self.read.parse.rating_scale
    }

    /// Which files of HEAD's tree are posts. Decided by [`crate::core::select::choose`], the
    /// one definition the walk, the hook and `show` share.
    pub fn selector(&self) -> Result<PostSelector, Error> {
        self.repo()?.post_selector_for(&self.read.globs())
    }

    /// What is wrong with the user's posts globs at HEAD, in their words: a glob that
    /// matches no file, an exclusion that takes nothing out. Empty without a repository.
    pub fn posts_glob_problems(&self) -> Vec<String> {
        let globs = &self.config.posts.value;
        if globs.is_empty() {
            return Vec::new();
        }
        let Ok(repo) = self.repo() else {
            return Vec::new();
        };
        let (Ok(paths), Ok(selector)) = (repo.head_paths(), self.selector()) else {
            return Vec::new();
        };
        let origin = match self.config.posts.source {
            crate::config::Source::File => format!("{} `posts`", crate::config::CONFIG_FILE),
            _ => "--posts".to_string(),
        };
        let unchosen = match &selector {
            PostSelector::Except(chosen, _) => Some(chosen.as_ref()),
            _ => None,
        };
        let mut problems = Vec::new();
        for pattern in globs {
            let (excluding, text) = match pattern.strip_prefix('!') {
                Some(rest) => (true, rest),
                None => (false, pattern.as_str()),
            };
            let Ok(glob) = crate::core::select::Glob::new(text) else {
                continue;
            };
            if excluding {
                let takes_out = paths.iter().any(|path| {
                    glob.matches(path) && unchosen.is_some_and(|chosen| chosen.is_post(path))
                });
                if !takes_out {
                    problems.push(format!(
                        "{origin} {pattern}: takes out no post (no post at HEAD matches {text}; globs start at the repository's root, so `!**/{text}` reaches into folders)"
                    ));
                }
            } else if !paths.iter().any(|path| glob.matches(path)) {
                problems.push(format!(
                    "{origin} {pattern}: matches no file at HEAD, so no post is read from it (globs start at the repository's root, e.g. `_posts/**/*.md`)"
                ));
            }
        }
        problems
    }

    /// Prints a warning on stderr unless `--quiet`.
    pub fn warn(&self, message: impl std::fmt::Display) {
        if !self.quiet {
            eprintln!("warning: {message}");
        }
    }

    /// Shows the settings' warnings (once: they are taken).
    pub fn show_config_warnings(&mut self) {
        for warning in std::mem::take(&mut self.config_warnings) {
            self.warn(warning);
        }
    }

    /// Prints history's warnings. A front-matter warning about an older version of a post
    /// (fixed since, or the post gone) would come back on every run and cannot be acted on, so
    /// only `--verbose` prints it; one the post at HEAD still deserves is always printed, and
    /// so is every other warning.
    fn warn_all(&self, warnings: &[Warning]) {
        if self.quiet {
            return;
        }
        let mut still: std::collections::HashMap<&str, Vec<String>> = Default::default();
        for warning in warnings {
            let shown = self.verbose
                || warning.commit.is_none()
                || warning.file.is_empty()
                || !warning.message.starts_with("front matter")
                || still
                    .entry(warning.file.as_str())
                    .or_insert_with(|| self.warnings_at_head(&warning.file))
                    .contains(&warning.message);
            if shown {
                self.warn(warning);
            }
        }
    }

    /// Whether the post at `path` in HEAD's tree opts out of gitgoals (`gitgoals: false` in
    /// its front matter).
    pub fn opted_out(&self, path: &str) -> bool {
        self.repo()
            .ok()
            .and_then(|repo| repo.head_file(path))
            .is_some_and(|bytes| {
                crate::core::frontmatter::split(&String::from_utf8_lossy(&bytes))
                    .0
                    .opted_out
            })
    }

    /// The messages the post at `path` in HEAD's tree reads with; none when it is not there.
    fn warnings_at_head(&self, path: &str) -> Vec<String> {
        let Some(bytes) = self.repo().ok().and_then(|repo| repo.head_file(path)) else {
            return Vec::new();
        };
        crate::core::post::parse_with(path, &bytes, self.parse_options())
            .warnings
            .into_iter()
            .map(|warning| warning.message)
            .collect()
    }

    /// Every post's versions and every task's life, and the weeks they make, through the cache
    /// unless it is off. The history's warnings go to stderr; the work goes on.
    pub fn history_and_ledger(&self) -> Result<(History, Ledger), Error> {
        let (history, ledger) =
            cache::load_history_and_ledger(self.repo()?, &self.read, &self.ledger, self.use_cache)?;
        self.warn_all(&history.warnings);
        Ok((history, ledger))
    }

    /// The weeks alone: with a warm cache the task lives are not even read.
    pub fn ledger(&self) -> Result<Ledger, Error> {
        let ledger = cache::load_ledger(self.repo()?, &self.read, &self.ledger, self.use_cache)?;
        self.warn_all(&ledger.warnings);
        Ok(ledger)
    }

    /// The fold fed up to HEAD: what a commit about to be made sits on.
    pub fn engine(&self) -> Result<Engine, Error> {
        cache::load_engine(self.repo()?, &self.read, &self.ledger, self.use_cache)
    }

    /// The fold fed up to `tip` (none: nothing fed): what a commit about to be made on `tip`
    /// sits on, HEAD or, for an amend, the amended commit's parent.
    pub fn engine_at(&self, tip: Option<ObjectId>) -> Result<Engine, Error> {
        cache::load_engine_at(self.repo()?, &self.read, &self.ledger, self.use_cache, tip)
    }

    /// The cache's view for a commit about to be made on `tip`, when the cache is at `tip` or
    /// a few plain commits behind it; none when the history must be read through the engine.
    pub fn hook_view_at(&self, tip: Option<ObjectId>) -> Result<Option<cache::HookView>, Error> {
        match tip {
            Some(tip) if self.use_cache => {
                cache::load_hook_view_at(self.repo()?, &self.read, &self.ledger, tip)
            }
            _ => Ok(None),
        }
    }

    /// `path` as given on the command line, resolved against where the run started.
    pub fn resolve_path(&self, path: &Path) -> PathBuf {
        if path.is_relative() {
            self.base.join(path)
        } else {
            path.to_path_buf()
        }
    }

    /// `path` as given on the command line, as history names it: relative to where the run
    /// started (as git takes paths), then `/`-separated from the work tree's root. None when it
    /// lies outside the work tree, or there is none. The file need not exist any more: a
    /// deleted post is still in history.
    pub fn repo_path(&self, path: &Path) -> Option<String> {
        let root = self.work_tree()?;
        let root = std::fs::canonicalize(&root).unwrap_or(root);
        let mut full = self.resolve_path(path);
        if full.is_relative() {
            full = std::env::current_dir().ok()?.join(full);
        }
        let full = real_path(&full);
        let inside = full.strip_prefix(&root).ok()?;
        let parts: Vec<String> = inside
            .components()
            .map(|part| part.as_os_str().to_string_lossy().into_owned())
            .collect();
        Some(parts.join("/"))
    }
}

/// `path` with `.` and `..` worked out and links followed as far as the path exists, so it
/// compares with the work tree's real path even for a file that is gone.
fn real_path(path: &Path) -> PathBuf {
    use std::path::Component;
    let mut plain = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                plain.pop();
            }
            other => plain.push(other),
        }
    }
    // The longest part that exists, made real; the rest appended as written.
    let mut missing = Vec::new();
    let mut existing = plain.as_path();
    loop {
        if let Ok(real) = std::fs::canonicalize(existing) {
            let mut real = real;
            real.extend(missing.iter().rev());
            return real;
        }
        match (existing.file_name(), existing.parent()) {
            (Some(name), Some(parent)) => {
                missing.push(name.to_os_string());
                existing = parent;
            }
            _ => return plain,
        }
    }
}

/// What the history and ledger stages need from the settings; `vault` says the repository is
/// an Obsidian vault, which `format = "auto"` reads as Obsidian.
pub fn reading_options(config: &Config, vault: bool) -> (HistoryOptions, LedgerOptions) {
    let rules = &config.due_from.value;
    let parse = ParseOptions {
        rating_scale: config.confidence_scale.value,
        rating_pattern: (config.confidence_pattern.value
            != crate::config::DEFAULT_CONFIDENCE_PATTERN)
            .then(|| config.confidence_pattern.value.clone()),
        date_order: config.date_order.value,
        week_start: config.week_start.value,
        due_from_front_matter: rules.contains(&DueSource::FrontMatter),
        due_from_text: rules.contains(&DueSource::Text),
        obsidian: match config.format.value {
            Format::Auto => vault,
            Format::Markdown => false,
            Format::Obsidian => true,
        },
        statuses: config.status_table(),
    };
    let read = HistoryOptions {
        posts_glob: None,
        posts_globs: config.posts.value.clone(),
        parse,
    };
    let ledger = LedgerOptions {
        due_from_next_post: rules.contains(&DueSource::NextPost),
        due_days: config.due_days.value,
    };
    (read, ledger)
}
