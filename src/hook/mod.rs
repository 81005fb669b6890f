//! Stats block delivery: installs the pre-commit hook, and puts a fresh stats block into the
//! staged goals posts (`hook run pre-commit`) or into working-tree files (`stats`).
//!
//! The block itself is rendered and placed by [`crate::render::statsblock`]; this module owns the
//! delivery: finding the hooks directory, choosing the staged posts (by [`select::choose`], as
//! history does), reading their staged blobs from the index git hands the hook
//! (`GIT_INDEX_FILE`) and writing the new blob into that same index through
//! [`crate::git::index`], and writing the same block change into the working file atomically
//! where the working file's block is still the staged one (text the user did not stage is
//! never touched: a working file whose block differs is left as it is, with a notice).
//!
//! Failure policy: a post that cannot be updated is left exactly as it was (file and index),
//! and the reason is reported as one line; only `--strict` turns that into a failed commit.

pub mod ci;
mod commit;
pub mod export;

use std::fmt;
use std::fs;
use std::io::Write as _;
use std::path::{Component, Path, PathBuf};
use std::process::Command;

use chrono::{DateTime, FixedOffset, NaiveDate};

use crate::config::{Config, Placement};
use crate::core::block::{self, Rewrite};
use crate::core::delta::{CommitDelta, ObjectId};
use crate::core::fold::Engine;
use crate::core::ledger;
use crate::core::select::{self, PostSelector};
use crate::error::Error;
use crate::git::index::{StagedEntry, StagedIndex};
use crate::git::{self, Repo};
use crate::render::statsblock::{self, BlockStats, Renderer};
use crate::session::Session;

mod merge;
pub use merge::{MergeFiles, merge as merge_driver, plain_merge};

/// The script `gitgoals hook install` writes (kept in the repository as `hooks/pre-commit`).
pub const HOOK_SCRIPT: &str = include_str!("../../hooks/pre-commit");
/// The line that tells a hook written by gitgoals from anyone else's.
pub const HOOK_MARKER: &str = "# gitgoals-managed-hook";
/// The repository's optional configuration file, at the work tree's root.
pub use crate::config::CONFIG_FILE;

const HOOK_NAME: &str = "pre-commit";
const LEGACY_NAME: &str = "pre-commit.legacy";
/// The line of [`HOOK_SCRIPT`] that `install` fills in with the binary that installed it.
const INSTALLED_BY_LINE: &str = "installed_by=''";

/// Computes the figures for one post from its path and the bytes about to be committed.
/// `Ok(None)` means "not a goals post" (no tasks): the post is left alone.
pub type StatsSource<'a> = dyn Fn(&str, &[u8]) -> Result<Option<BlockStats>, Error> + 'a;

fn io_error(path: &Path) -> impl FnOnce(std::io::Error) -> Error + '_ {
    Error::io(path)
}

// ---------------------------------------------------------------------------------------------
// install / uninstall

/// What `hook install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum InstallOutcome {
    /// The hook was written; a hook that was there before was kept as `legacy`.
    Installed {
        hook: PathBuf,
        legacy: Option<PathBuf>,
    },
    /// gitgoals' hook was there in an older version and was replaced.
    Updated { hook: PathBuf },
    /// The same hook was already there: nothing changed.
    AlreadyInstalled { hook: PathBuf },
}

impl fmt::Display for InstallOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            InstallOutcome::Installed { hook, legacy: None } => {
                write!(f, "installed {}", hook.display())
            }
            InstallOutcome::Installed {
                hook,
                legacy: Some(legacy),
            } => write!(
                f,
                "installed {}; the hook that was there is kept as {} and runs first",
                hook.display(),
                legacy.display()
            ),
            InstallOutcome::Updated { hook } => write!(f, "updated {}", hook.display()),
            InstallOutcome::AlreadyInstalled { hook } => {
                write!(f, "already installed: {}", hook.display())
            }
        }
    }
}

/// Which gitgoals the installed hook runs: the one on PATH when there is one, else the binary
/// that installed it (recorded in the script by its absolute path).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HookRunner {
    /// `gitgoals` as found on PATH now (the hook looks it up again at each commit).
    OnPath(PathBuf),
    /// Not on PATH: the hook runs the binary that installed it.
    Installer(PathBuf),
    /// Not on PATH, and where this binary is could not be told: the hook will say so.
    Unknown,
}

impl fmt::Display for HookRunner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            HookRunner::OnPath(path) => {
                write!(f, "the hook runs gitgoals from PATH ({})", path.display())
            }
            HookRunner::Installer(path) => write!(
                f,
                "gitgoals is not on PATH: the hook runs {}, the binary that installed it",
                path.display()
            ),
            HookRunner::Unknown => write!(
                f,
                "gitgoals is not on PATH and this binary's path is unknown: put gitgoals on PATH"
            ),
        }
    }
}

/// What `hook install` did, which binary the hook will run, and where the merge driver for
/// posts is registered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstallReport {
    pub outcome: InstallOutcome,
    pub runner: HookRunner,
    /// The attributes file that names the merge driver for posts (`info/attributes`).
    pub attributes: PathBuf,
}

impl fmt::Display for InstallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}\n{}\nmerge driver for the stats block: merge.{} in the repository's git config, posts named in {}",
            self.outcome,
            self.runner,
            merge::DRIVER,
            self.attributes.display()
        )
    }
}

/// What `hook uninstall` did, and whether it removed the merge driver.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UninstallReport {
    pub outcome: UninstallOutcome,
    pub merge_driver_removed: bool,
}

impl fmt::Display for UninstallReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.outcome)?;
        if self.merge_driver_removed {
            write!(f, "\nremoved the merge driver for the stats block")?;
        }
        Ok(())
    }
}

/// The hook script, with `installed_by` (the absolute path of the binary that installs it)
/// written in, quoted for the shell, as its fallback when no gitgoals is on PATH.
pub fn hook_script(installed_by: Option<&Path>) -> Vec<u8> {
    let Some(binary) = installed_by else {
        return HOOK_SCRIPT.as_bytes().to_vec();
    };
    let mut line = b"installed_by=".to_vec();
    line.extend_from_slice(&shell_quoted(binary));
    let script = HOOK_SCRIPT.as_bytes();
    let at = HOOK_SCRIPT.find(INSTALLED_BY_LINE).unwrap_or(script.len());
    let end = (at + INSTALLED_BY_LINE.len()).min(script.len());
    [&script[..at], &line, &script[end..]].concat()
}

/// `path` as one POSIX shell word: in single quotes, each `'` written `'\''`. Nothing inside
/// single quotes is special to the shell (`$`, backquotes, spaces, newlines).
fn shell_quoted(path: &Path) -> Vec<u8> {
    let mut out = vec![b'\''];
    for &byte in path_bytes(path).iter() {
        if byte == b'\'' {
            out.extend_from_slice(b"'\\''");
        } else {
            out.push(byte);
        }
    }
    out.push(b'\'');
    out
}

#[cfg(unix)]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    use std::os::unix::ffi::OsStrExt;
    std::borrow::Cow::Borrowed(path.as_os_str().as_bytes())
}

#[cfg(not(unix))]
fn path_bytes(path: &Path) -> std::borrow::Cow<'_, [u8]> {
    std::borrow::Cow::Owned(path.to_string_lossy().into_owned().into_bytes())
}

/// `gitgoals` as a shell would find it on PATH now.
fn gitgoals_on_path() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(format!("gitgoals{}", std::env::consts::EXE_SUFFIX)))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    path.is_file()
}

/// This binary's absolute path, for the hook's fallback.
fn this_binary() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()
        .filter(|path| path.is_absolute())
}

/// What `hook uninstall` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UninstallOutcome {
    Removed {
        hook: PathBuf,
        restored_legacy: bool,
    },
    /// No gitgoals hook there (a hook someone else wrote is never touched).
    NotInstalled { hook: PathBuf },
}

impl fmt::Display for UninstallOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            UninstallOutcome::Removed {
                hook,
                restored_legacy: true,
            } => write!(f, "removed {}; the previous hook is back", hook.display()),
            UninstallOutcome::Removed { hook, .. } => write!(f, "removed {}", hook.display()),
            UninstallOutcome::NotInstalled { hook } => {
                write!(f, "no gitgoals hook at {}", hook.display())
            }
        }
    }
}

/// Where git looks for hooks, as git itself says (`core.hooksPath`, linked worktrees), and
/// whether that is inside the repository (the work tree or the git directory).
struct HooksDir {
    path: PathBuf,
    inside_repository: bool,
}

/// Runs the `git` program in `repo_dir`, for what libgit2 does not do.
fn git_in(repo_dir: &Path, args: &[&str]) -> Result<std::process::Output, Error> {
    Command::new("git")
        .arg("-C")
        .arg(repo_dir)
        .args(args)
        .output()
        .map_err(|e| Error::GitCommand {
            args: args.join(" "),
            reason: e.to_string(),
        })
}

fn hooks_dir(repo_dir: &Path) -> Result<HooksDir, Error> {
    let args = [
        "rev-parse",
        "--path-format=absolute",
        "--git-path",
        "hooks",
        "--git-common-dir",
        "--show-toplevel",
    ];
    let output = git_in(repo_dir, &args)?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    let mut lines = stdout.lines();
    let (Some(hooks), Some(common), top) = (lines.next(), lines.next(), lines.next()) else {
        return Err(Error::GitCommand {
            args: args.join(" "),
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        });
    };
    let Some(top) = top.filter(|_| output.status.success()) else {
        return Err(Error::Bare);
    };
    let path = PathBuf::from(hooks);
    let resolved = canonical_or_self(&path);
    let inside_repository = [top, common]
        .iter()
        .any(|root| resolved.starts_with(canonical_or_self(Path::new(root))));
    Ok(HooksDir {
        path,
        inside_repository,
    })
}

/// The canonical form of a path, or of its nearest existing ancestor joined with the rest
/// (a hooks directory need not exist yet).
fn canonical_or_self(path: &Path) -> PathBuf {
    let mut existing = path;
    let mut rest = Vec::new();
    loop {
        if let Ok(canonical) = existing.canonicalize() {
            return rest
                .iter()
                .rev()
                .fold(canonical, |acc, part| acc.join(part));
        }
        match (existing.parent(), existing.file_name()) {
            (Some(parent), Some(name)) => {
                rest.push(name.to_owned());
                existing = parent;
            }
            _ => return path.to_path_buf(),
        }
    }
}

fn is_ours(hook: &Path) -> bool {
    fs::read_to_string(hook).is_ok_and(|text| text.lines().any(|l| l.trim() == HOOK_MARKER))
}

/// Installs the pre-commit hook in the repository at (or above) `repo_dir`. A pre-commit hook
/// gitgoals did not write is kept as `pre-commit.legacy` and run first by ours. The hook runs
/// the gitgoals on PATH, else this binary (by its absolute path); the report says which.
pub fn install(repo_dir: &Path, force: bool) -> Result<InstallReport, Error> {
    let installer = this_binary();
    let outcome = install_script(repo_dir, force, &hook_script(installer.as_deref()))?;
    let attributes = merge::register(repo_dir, installer.as_deref())?;
    let runner = match (gitgoals_on_path(), installer) {
        (Some(found), _) => HookRunner::OnPath(found),
        (None, Some(installer)) => HookRunner::Installer(installer),
        (None, None) => HookRunner::Unknown,
    };
    Ok(InstallReport {
        outcome,
        runner,
        attributes,
    })
}

fn install_script(repo_dir: &Path, force: bool, script: &[u8]) -> Result<InstallOutcome, Error> {
    let dir = hooks_dir(repo_dir)?;
    if !dir.inside_repository && !force {
        return Err(Error::HooksPathOutside { path: dir.path });
    }
    fs::create_dir_all(&dir.path).map_err(io_error(&dir.path))?;
    let hook = dir.path.join(HOOK_NAME);
    let mut legacy = None;
    if fs::symlink_metadata(&hook).is_ok() {
        if is_ours(&hook) {
            if fs::read(&hook).is_ok_and(|bytes| bytes == script) {
                return Ok(InstallOutcome::AlreadyInstalled { hook });
            }
            write_atomically(&hook, script, Some(0o755))?;
            return Ok(InstallOutcome::Updated { hook });
        }
        let legacy_path = dir.path.join(LEGACY_NAME);
        if fs::symlink_metadata(&legacy_path).is_ok() {
            return Err(Error::LegacyTaken { path: legacy_path });
        }
        // A rename keeps the foreign hook byte for byte, with its mode (or as the link it is).
        fs::rename(&hook, &legacy_path).map_err(io_error(&hook))?;
        legacy = Some(legacy_path);
    }
    if let Err(e) = write_atomically(&hook, script, Some(0o755)) {
        if let Some(legacy_path) = &legacy {
            let _ = fs::rename(legacy_path, &hook);
        }
        return Err(e);
    }
    Ok(InstallOutcome::Installed { hook, legacy })
}

/// Removes gitgoals' pre-commit hook and puts back the one it replaced, if any, and removes
/// the merge driver `install` registered.
pub fn uninstall(repo_dir: &Path) -> Result<UninstallReport, Error> {
    let outcome = uninstall_script(repo_dir)?;
    let merge_driver_removed = merge::unregister(repo_dir)?;
    Ok(UninstallReport {
        outcome,
        merge_driver_removed,
    })
}

fn uninstall_script(repo_dir: &Path) -> Result<UninstallOutcome, Error> {
    let dir = hooks_dir(repo_dir)?;
    let hook = dir.path.join(HOOK_NAME);
    if !is_ours(&hook) {
        return Ok(UninstallOutcome::NotInstalled { hook });
    }
    let legacy = dir.path.join(LEGACY_NAME);
    let restored_legacy = fs::symlink_metadata(&legacy).is_ok();
    if restored_legacy {
        fs::rename(&legacy, &hook).map_err(io_error(&legacy))?;
    } else {
        fs::remove_file(&hook).map_err(io_error(&hook))?;
    }
    Ok(UninstallOutcome::Removed {
        hook,
        restored_legacy,
    })
}

/// Reads a template named in the repository's config; the path must stay inside the work tree
/// (a repository cannot make gitgoals read files elsewhere).
pub fn read_template(work_tree: &Path, relative: &Path) -> Result<String, Error> {
    let resolved = inside_work_tree(work_tree, &work_tree.join(relative))?;
    fs::read_to_string(&resolved).map_err(io_error(relative))
}

/// Creates `dir` and the folders above it, refusing one that is, or lies under, a link out
/// of the work tree: checked on the nearest folder that exists before anything is created,
/// and on `dir` once it is there.
pub(crate) fn create_dir_inside(work_tree: &Path, dir: &Path) -> Result<(), Error> {
    if let Some(existing) = dir.ancestors().find(|d| d.exists()) {
        inside_work_tree(work_tree, existing)?;
    }
    fs::create_dir_all(dir).map_err(io_error(dir))?;
    inside_work_tree(work_tree, dir).map(drop)
}

/// Canonicalises `path` and checks that it lies inside the work tree.
fn inside_work_tree(work_tree: &Path, path: &Path) -> Result<PathBuf, Error> {
    let root = work_tree.canonicalize().map_err(io_error(work_tree))?;
    let resolved = path.canonicalize().map_err(io_error(path))?;
    if resolved.starts_with(&root) {
        Ok(resolved)
    } else {
        Err(Error::OutsideWorkTree {
            path: path.to_path_buf(),
            root,
        })
    }
}

// ---------------------------------------------------------------------------------------------
// run pre-commit / stats

/// Options of `hook run pre-commit` and `stats` given on the command line; they win over the
/// repository's config.
#[derive(Debug, Clone, Default)]
pub struct RunOptions {
    pub strict: bool,
    /// A template file given on the command line (`--template`), used as is.
    pub template: Option<PathBuf>,
    /// `stats --force`: regenerate blocks edited by hand too (the hook never does).
    pub force: bool,
    /// Write the stats blocks (and charts) only, as the hook does: no progress cookies in
    /// headings (`stats --commit`, which must change nothing outside the blocks).
    pub blocks_only: bool,
}

/// One post (or the whole run, when `path` is `None`) that was not updated, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    pub path: Option<String>,
    pub reason: String,
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.path {
            Some(path) => write!(
                f,
                "gitgoals: stats block not updated for {path}: {}",
                self.reason
            ),
            None => write!(f, "gitgoals: stats blocks not updated: {}", self.reason),
        }
    }
}

/// A post whose commit got the new block while its working file was left as it was, because
/// the working file's block has changes that are not staged: they are the user's, and the
/// hook never touches what was not staged.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub path: String,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "gitgoals: {}: the commit has the new stats block; the working file was left as it is, because its block has changes that are not staged",
            self.path
        )
    }
}

/// What a run did, for the CLI to print and turn into an exit code.
#[derive(Debug, Clone, Default)]
pub struct RunReport {
    /// Posts whose block was written (staged blob and/or working file).
    pub updated: Vec<String>,
    /// Posts whose staged blob got the new block but whose working file was left alone.
    pub notices: Vec<Notice>,
    /// Posts whose block is out of date (`stats --check` only; nothing was written).
    pub stale: Vec<String>,
    /// Goals posts with no block at all yet (`stats --check` only): "out of date" would send
    /// the user looking for a block that is not there.
    pub missing: Vec<String>,
    pub failures: Vec<Failure>,
    /// Failures fail the run (`--strict` or `[hook] strict`; always for `stats`).
    pub strict: bool,
}

impl RunReport {
    /// 0 when all is well (or failures are not fatal), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        if (self.strict && !self.failures.is_empty())
            || !self.stale.is_empty()
            || !self.missing.is_empty()
        {
            1
        } else {
            0
        }
    }

    fn fail(&mut self, path: Option<&str>, reason: impl fmt::Display) {
        self.failures.push(Failure {
            path: path.map(str::to_owned),
            reason: reason.to_string(),
        });
    }
}

/// Computes the figures of the commit about to be made: `pending` (every staged post change on
/// the commit's parents, [`StagedIndex::pending_commit`]) folded in once, and the figures of
/// each of `paths` from that one history: one for each path, in their order. `None` for a path
/// that is not a goals post (no tasks): it is left alone.
pub type FiguresSource<'a> =
    dyn Fn(&CommitDelta, &[&str]) -> Result<Vec<Option<BlockStats>>, Error> + 'a;

/// The commit `git commit` is about to make, as far as the hook can tell: its parents (first
/// parent first) and its date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitBeingMade {
    pub parents: Vec<ObjectId>,
    pub time: DateTime<FixedOffset>,
    /// It replaces HEAD (`git commit --amend`): its parents are HEAD's.
    pub amend: bool,
}

impl CommitBeingMade {
    /// The commit its history is folded on: its first parent (none for a first commit).
    pub fn first_parent(&self) -> Option<ObjectId> {
        self.parents.first().copied()
    }
}

/// The commit about to be made in `repo`, dated as `git commit` dates it (`GIT_AUTHOR_DATE`,
/// else `now`): on HEAD, or, for an amend, on HEAD's parents. How an amend is told, and when
/// it cannot be, is the notes of the `commit` module beside this one; when it cannot, the
/// commit is taken to be made on HEAD. The amend of a merge is taken so too: the history is
/// read up to one parent only.
pub fn commit_being_made(
    repo: &Repo,
    now: DateTime<FixedOffset>,
) -> Result<CommitBeingMade, Error> {
    let time = commit::author_date().unwrap_or(now);
    let Some(head) = repo.head_commit()? else {
        return Ok(CommitBeingMade {
            parents: Vec::new(),
            time,
            amend: false,
        });
    };
    let amend = head.parents.len() <= 1 && commit::amending(&|name| repo.alias(name));
    Ok(CommitBeingMade {
        parents: if amend { head.parents } else { vec![head.id] },
        time,
        amend,
    })
}

/// The figures of each of `paths` once `pending` is made, from one fold of it onto `engine`,
/// which must stand at `pending`'s first parent (else [`Error::PendingParent`]): the weeks
/// [`ledger::build_around`] gives each path, written on `today`; with the start-of-week
/// forecast only when `forecast` (`stats.forecast`) says the blocks show it.
pub fn pending_stats(
    engine: &Engine,
    pending: &CommitDelta,
    paths: &[&str],
    today: NaiveDate,
    options: ledger::LedgerOptions,
    forecast: bool,
) -> Result<Vec<Option<BlockStats>>, Error> {
    let parent = pending.parents.first().copied();
    if engine.tip() != parent {
        let name =
            |id: Option<ObjectId>| id.map_or_else(|| "no commit".to_string(), |id| id.to_string());
        return Err(Error::PendingParent {
            parent: name(parent),
            found: name(engine.tip()),
        });
    }
    let mut engine = engine.clone();
    engine.feed_pending(pending.clone());
    let history = engine.into_history();
    Ok(paths
        .iter()
        .map(|path| {
            let ledger =
                ledger::build_around(&history, &options, path, statsblock::SPARKLINE_WEEKS);
            stats_of(&ledger, path, today, forecast)
        })
        .collect())
}

/// [`pending_stats`] read from the cache's view for the hook (only the posts the blocks show
/// and the commit changes are decoded); `None` when the view cannot serve it (a damaged
/// record, a commit not on the view's tip) and the caller must read the history another way.
pub fn view_pending_stats(
    view: &crate::cache::HookView,
    pending: &CommitDelta,
    paths: &[&str],
    today: NaiveDate,
    options: &ledger::LedgerOptions,
    forecast: bool,
) -> Option<Vec<Option<BlockStats>>> {
    let ledgers =
        view.ledgers_around(pending.clone(), paths, options, statsblock::SPARKLINE_WEEKS)?;
    Some(
        ledgers
            .iter()
            .zip(paths)
            .map(|(ledger, path)| stats_of(ledger, path, today, forecast))
            .collect(),
    )
}

/// The block's figures of the week at `path` in `ledger`, when it is a goals post's.
fn stats_of(
    ledger: &ledger::Ledger,
    path: &str,
    today: NaiveDate,
    forecast: bool,
) -> Option<BlockStats> {
    ledger
        .weeks
        .iter()
        .position(|week| week.path == path)
        .map(|week| BlockStats::from_ledger(ledger, week, today, forecast))
}

/// The figures of a post as they will be once it is committed: the history up to HEAD
/// (`engine`, read once per run) with this version of the post on top, dated `now`. A file
/// with no tasks is not a goals post: `Ok(None)`, and it is left alone.
pub fn history_stats(
    engine: &Engine,
    head: Option<ObjectId>,
    now: DateTime<FixedOffset>,
) -> impl Fn(&str, &[u8]) -> Result<Option<BlockStats>, Error> + '_ {
    history_stats_with(engine, head, now, ledger::LedgerOptions::default(), false)
}

/// [`history_stats`] with the configured due-date rules and `stats.forecast`.
pub fn history_stats_with(
    engine: &Engine,
    head: Option<ObjectId>,
    now: DateTime<FixedOffset>,
    options: ledger::LedgerOptions,
    forecast: bool,
) -> impl Fn(&str, &[u8]) -> Result<Option<BlockStats>, Error> + '_ {
    move |path, bytes| {
        let pending = git::pending_commit(head, now, &[(path.to_string(), bytes.to_vec())]);
        let mut stats = pending_stats(
            engine,
            &pending,
            &[path],
            now.date_naive(),
            options,
            forecast,
        )?;
        Ok(stats.pop().flatten())
    }
}

/// The figures of a post as they will be once it is committed, read from the cache's view
/// for the hook (only the posts the block shows are decoded); `None` when the view turns out
/// damaged and the caller must read the history another way. Equal to what
/// [`history_stats_with`] gives from the whole engine.
pub fn view_stats(
    view: &crate::cache::HookView,
    (path, bytes): (&str, &[u8]),
    now: DateTime<FixedOffset>,
    options: &ledger::LedgerOptions,
    forecast: bool,
) -> Option<Option<BlockStats>> {
    let pending = git::pending_commit(view.tip(), now, &[(path.to_string(), bytes.to_vec())]);
    view_pending_stats(view, &pending, &[path], now.date_naive(), options, forecast)?.pop()
}

/// Settings resolved for one run: strictness, the renderer's template text, and where a block
/// may go.
struct Resolved {
    strict: bool,
    template: Option<String>,
    placement: Placement,
    /// `stats.chart`: draw the post's recent weeks beside it and link the picture.
    chart: bool,
    /// `confidence.scale`: the block writes ratings out of it.
    rating_scale: u8,
    /// `stats.forecast`: the block shows the week's start-of-week forecast.
    forecast: bool,
}

impl Resolved {
    fn renderer(&self) -> Renderer<'_> {
        self.template
            .as_deref()
            .map_or(Renderer::Default, Renderer::Template)
    }
}

/// The work tree and the settings of an opened repository, for the hook and `stats` alike; a
/// bare repository or broken settings go into `report` (strict if the settings say so).
fn work_tree_and_settings(
    repo: &Repo,
    config: &Config,
    options: &RunOptions,
    report: &mut RunReport,
) -> Option<(PathBuf, Resolved)> {
    let Some(work_tree) = repo.work_dir() else {
        report.fail(None, Error::Bare);
        return None;
    };
    match resolve(&work_tree, config, options) {
        Ok(resolved) => Some((work_tree, resolved)),
        Err((strict, e)) => {
            report.strict |= strict;
            report.fail(None, e);
            None
        }
    }
}

fn resolve(
    work_tree: &Path,
    config: &Config,
    options: &RunOptions,
) -> Result<Resolved, (bool, Error)> {
    let strict = options.strict || config.hook_strict.value;
    let template_file = match &options.template {
        Some(given) => Some(given.clone()),
        None => config.template_path(work_tree).map_err(|e| (strict, e))?,
    };
    let template = match template_file {
        Some(file) => Some(fs::read_to_string(&file).map_err(|e| {
            (
                strict,
                Error::Io {
                    path: file.clone(),
                    source: e,
                },
            )
        })?),
        None => None,
    };
    Ok(Resolved {
        strict,
        template,
        placement: config.stats_placement.value,
        chart: config.stats_chart.value,
        rating_scale: config.confidence_scale.value,
        forecast: config.stats_forecast.value,
    })
}

/// Which files are goals posts once the index is committed: [`select::choose`], the one
/// definition history uses, asked about the index instead of HEAD's tree (`has_file_under`
/// says whether the index holds a file under a folder). What is staged is what HEAD holds
/// after the commit, so a file gets a block exactly when `history` will read it as a post.
fn post_selector(
    globs: &[&str],
    has_file_under: impl Fn(&str) -> bool,
) -> Result<PostSelector, Error> {
    select::choose(globs, true, has_file_under)
}

/// Whether a post gets a block: always, or (placement `markers`) only when it has the markers
/// (the opening one with a checksum or without).
fn placed(placement: Placement, source: &[u8]) -> bool {
    placement == Placement::End
        || source
            .windows(block::START_PREFIX.len())
            .any(|w| w == block::START_PREFIX.as_bytes())
}

/// `gitgoals hook run pre-commit`: puts a fresh stats block into every staged goals post, in
/// the index git commits from and in the working file, and nowhere else.
///
/// Runs in the environment git gives a hook: the repository from `GIT_DIR` (or the current
/// directory) and the index from `GIT_INDEX_FILE`, which is a temporary index for
/// `commit -a`, `commit PATH` and some `--amend`s.
pub fn run_pre_commit(
    session: &Session,
    options: &RunOptions,
    made: &CommitBeingMade,
    figures: &FiguresSource<'_>,
) -> RunReport {
    let mut report = RunReport {
        strict: options.strict,
        ..RunReport::default()
    };
    let repo = match session.repo() {
        Ok(repo) => repo,
        Err(e) => {
            report.fail(None, format!("cannot open the repository: {e}"));
            return report;
        }
    };
    let Some((work_tree, resolved)) =
        work_tree_and_settings(repo, &session.config, options, &mut report)
    else {
        return report;
    };
    report.strict = resolved.strict;
    let renderer = resolved.renderer();
    let globs = session.read.globs();
    if let Err(e) = update_staged_posts(
        repo,
        &work_tree,
        BlockLayout {
            renderer,
            placement: resolved.placement,
            chart: resolved.chart,
            rating_scale: resolved.rating_scale,
            forecast: resolved.forecast,
            globs: &globs,
        },
        made,
        figures,
        &mut report,
    ) {
        report.fail(None, e);
    }
    report
}

/// How blocks are written in this run.
#[derive(Clone, Copy)]
struct BlockLayout<'a> {
    renderer: Renderer<'a>,
    placement: Placement,
    chart: bool,
    /// Ratings in the block read N/`rating_scale`.
    rating_scale: u8,
    forecast: bool,
    /// The posts globs in force (`--posts`, the configuration's), as history reads them.
    globs: &'a [&'a str],
}

/// One post's planned change, computed in full before anything is written.
struct Plan {
    path: String,
    entry: StagedEntry,
    new_staged: Option<Vec<u8>>,
    working: Option<WorkingChange>,
    /// The working file's block differs from the staged one: it is left as it is.
    working_left: bool,
    chart: Option<ChartFile>,
}

/// The opt-in chart written beside a post (`stats.chart`): a generated file the user asked
/// for, so the hook stages it beside the post (as it does the site's data file with
/// `[export] on_commit`, [`export`]).
struct ChartFile {
    /// Repository path, `assets/gitgoals/<post's file stem>.svg`.
    path: String,
    bytes: Vec<u8>,
}

/// Where the opt-in charts go: Jekyll serves `assets/` as is.
pub const CHART_DIR: &str = "assets/gitgoals";

/// How the block links the chart of `post`. A Jekyll site may be served below a path (a
/// project site at `/REPO/`): its `relative_url` filter puts the site's `baseurl` in front,
/// where a bare `/assets/…` link would miss it. Other engines get the path from the site's
/// root.
pub fn chart_link(work_tree: &Path, post: &str) -> String {
    let path = format!("/{CHART_DIR}/{}.svg", post_stem(post));
    let jekyll = ["_config.yml", "_config.yaml", "_config.toml"]
        .iter()
        .any(|name| work_tree.join(name).is_file());
    if jekyll {
        format!("{{{{ '{path}' | relative_url }}}}")
    } else {
        path
    }
}

struct WorkingChange {
    file: PathBuf,
    old: Vec<u8>,
    new: Vec<u8>,
}

fn update_staged_posts(
    repo: &Repo,
    work_tree: &Path,
    layout: BlockLayout<'_>,
    made: &CommitBeingMade,
    figures: &FiguresSource<'_>,
    report: &mut RunReport,
) -> Result<(), Error> {
    let mut index = StagedIndex::open(repo)?;
    let changed = index.changed_paths()?;
    let posts = post_selector(layout.globs, |dir| index.has_file_under(dir))?;
    let candidates: Vec<String> = changed.into_iter().filter(|p| posts.is_post(p)).collect();
    if candidates.is_empty() {
        return Ok(());
    }
    // One commit of the whole staged state, folded once: each block sees every other staged
    // change (a renamed post, a post ticked beside a new one) as `history` will.
    let pending = index.pending_commit(&made.parents, made.time, &|path| posts.is_post(path))?;
    let paths: Vec<&str> = candidates.iter().map(String::as_str).collect();
    let stats = match figures(&pending, &paths) {
        Ok(stats) => stats,
        Err(reason) => {
            for path in &candidates {
                report.fail(Some(path), &reason);
            }
            return Ok(());
        }
    };
    let mut plans = Vec::new();
    for (path, stats) in candidates.into_iter().zip(stats) {
        match plan_post(&index, work_tree, &path, layout, stats) {
            Ok(Some(plan)) => plans.push(plan),
            Ok(None) => {}
            Err(reason) => report.fail(Some(&path), reason),
        }
    }
    if plans.is_empty() {
        return Ok(());
    }

    // With `git commit PATH` git commits from a temporary index and, afterwards, keeps the real
    // index it locked as `index.lock`: give that one the same blob, or the post would show as
    // modified after the commit.
    let mut real_index = index.partial_commit_real_index();

    let mut written: Vec<&WorkingChange> = Vec::new();
    let mut staged_any = false;
    for plan in &plans {
        let staged_id = match plan
            .new_staged
            .as_deref()
            .map(|bytes| index.write_blob(bytes))
        {
            None => None,
            Some(Ok(id)) => Some(id),
            Some(Err(e)) => {
                report.fail(Some(&plan.path), e);
                continue;
            }
        };
        if let Some(chart) = &plan.chart {
            if let Err(reason) = write_chart(work_tree, &mut index, real_index.as_mut(), chart) {
                report.fail(Some(&plan.path), reason);
                continue;
            }
            staged_any = true;
        }
        if let Some(change) = &plan.working
            && let Err(e) = write_atomically(&change.file, &change.new, None)
        {
            report.fail(Some(&plan.path), e);
            continue;
        }
        if let (Some(id), Some(bytes)) = (staged_id, plan.new_staged.as_deref()) {
            let entry = entry_for_written(&plan.entry, (id, bytes), work_tree, &plan.path);
            if let Err(e) = index.stage(&entry) {
                if let Some(change) = &plan.working {
                    let _ = write_atomically(&change.file, &change.old, None);
                }
                report.fail(Some(&plan.path), e);
                continue;
            }
            if let Some(real) = real_index.as_mut() {
                let same_as_committed = real
                    .entry(&plan.path)
                    .is_some_and(|e| e.blob_id() == plan.entry.blob_id());
                if same_as_committed {
                    let _ = real.stage(&entry);
                }
            }
            staged_any = true;
        }
        if let Some(change) = &plan.working {
            written.push(change);
        }
        if plan.working_left {
            report.notices.push(Notice {
                path: plan.path.clone(),
            });
        }
        report.updated.push(plan.path.clone());
    }
    if staged_any {
        if let Err(e) = index.write() {
            for change in written {
                let _ = write_atomically(&change.file, &change.old, None);
            }
            let updated = std::mem::take(&mut report.updated);
            for path in updated {
                report.fail(Some(&path), &e);
            }
            return Ok(());
        }
        if let Some(real) = real_index.as_mut() {
            // Best effort: the commit itself is already right without it.
            let _ = real.write();
        }
    }
    Ok(())
}

fn plan_post(
    index: &StagedIndex<'_>,
    work_tree: &Path,
    path: &str,
    layout: BlockLayout<'_>,
    stats: Option<BlockStats>,
) -> Result<Option<Plan>, Error> {
    let entry = index.entry(path).ok_or(Error::NotInIndex)?;
    if entry.is_symlink() {
        return Err(Error::Symlink);
    }
    let blob = index.blob(&entry)?;
    let staged = blob.as_slice();
    if !placed(layout.placement, staged) {
        return Ok(None);
    }
    let Some(mut stats) = stats else {
        return Ok(None);
    };
    stats.rating_scale = layout.rating_scale;
    stats.show_forecast = layout.forecast;
    let chart = if layout.chart && !stats.recent_weeks.is_empty() {
        let chart = plan_chart(index, work_tree, path, &stats)?;
        stats.chart = Some(chart_link(work_tree, path));
        chart
    } else {
        None
    };
    let body = statsblock::render(&stats, layout.renderer)?;
    // A block edited by hand is refused here: the post is left as staged, with one line.
    let new_staged = match block::rewrite(staged, &body).map_err(|e| e.during("staged version"))? {
        Rewrite::Unchanged => None,
        Rewrite::Changed(bytes) => Some(bytes),
    };
    if let Some(bytes) = new_staged.as_deref()
        && let Some(committed) = index.committed_blob(path)
        && block::with_bare_marker(bytes) == block::with_bare_marker(&committed)
    {
        // The post differed from HEAD only inside its block (an edit in a block from before
        // checksums, a stale block): the new block would drop the whole staged change (all
        // but the checksum), and could leave nothing to commit.
        return Err(Error::BlockUndoesStagedChange);
    }
    let (working, working_left) = match new_staged.as_deref() {
        // The staged block is current: the working file's block, whatever it holds, is the
        // user's business.
        None => (None, false),
        Some(committed) => match plan_working_file(work_tree, path, (staged, committed), &body)? {
            WorkingPlan::Current => (None, false),
            WorkingPlan::Write(change) => (Some(change), false),
            WorkingPlan::LeaveAlone => (None, true),
        },
    };
    if new_staged.is_none() && chart.is_none() {
        return Ok(None);
    }
    Ok(Some(Plan {
        path: path.to_owned(),
        entry,
        new_staged,
        working,
        working_left,
        chart,
    }))
}

/// Writes the chart file (atomically, inside the work tree) and stages it, in the temporary
/// index and, for `git commit PATH`, in the real one too.
fn write_chart(
    work_tree: &Path,
    index: &mut StagedIndex<'_>,
    real_index: Option<&mut StagedIndex<'_>>,
    chart: &ChartFile,
) -> Result<(), Error> {
    write_chart_file(work_tree, chart)?;
    let id = index.write_blob(&chart.bytes)?;
    let entry = entry_for_written(
        &StagedEntry::new_file(&chart.path, id),
        (id, &chart.bytes),
        work_tree,
        &chart.path,
    );
    index.stage(&entry)?;
    if let Some(real) = real_index {
        let _ = real.stage(&entry);
    }
    Ok(())
}

/// `2020-12-07-week-5` for `_posts/2020-12-07-week-5.md`.
fn post_stem(path: &str) -> &str {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.rsplit_once('.').map_or(name, |(stem, _)| stem)
}

/// The chart of the post's recent weeks, when it differs from what is staged or on disk.
fn plan_chart(
    index: &StagedIndex<'_>,
    work_tree: &Path,
    post: &str,
    stats: &BlockStats,
) -> Result<Option<ChartFile>, Error> {
    let chart = draw_chart(work_tree, post, stats)?;
    let staged_same = index.holds(&chart.path, &chart.bytes);
    Ok((!staged_same || !chart_on_disk(work_tree, &chart)?).then_some(chart))
}

/// Draws the chart for `post`; its folder must be a real folder inside the work tree.
fn draw_chart(work_tree: &Path, post: &str, stats: &BlockStats) -> Result<ChartFile, Error> {
    let bytes = crate::render::chart::history_svg(
        &stats.recent_weeks,
        crate::core::trends::ChartGrouping::PerPost,
    )
    .map_err(|e| e.during("drawing the chart"))?
    .into_bytes();
    let mut dir = work_tree.to_path_buf();
    for part in CHART_DIR.split('/') {
        dir.push(part);
        if fs::symlink_metadata(&dir).is_ok_and(|m| !m.is_dir()) {
            return Err(Error::NotAFolder {
                dir: dir.to_path_buf(),
            });
        }
    }
    Ok(ChartFile {
        path: format!("{CHART_DIR}/{}.svg", post_stem(post)),
        bytes,
    })
}

/// Whether the working tree already holds exactly this chart.
fn chart_on_disk(work_tree: &Path, chart: &ChartFile) -> Result<bool, Error> {
    let on_disk = read_regular_file_in(work_tree, &work_tree.join(&chart.path))?;
    Ok(on_disk.as_deref() == Some(chart.bytes.as_slice()))
}

/// Writes the chart file atomically, in a folder inside the work tree.
fn write_chart_file(work_tree: &Path, chart: &ChartFile) -> Result<(), Error> {
    let file = work_tree.join(&chart.path);
    let dir = file
        .parent()
        .ok_or(Error::NotAFolder { dir: file.clone() })?;
    fs::create_dir_all(dir).map_err(Error::io(dir))?;
    inside_work_tree(work_tree, dir)?;
    write_atomically(&file, &chart.bytes, None)
}

/// What becomes of the working file when the staged blob gets a new block.
enum WorkingPlan {
    /// Absent, or its block already is the new one.
    Current,
    /// Its block is the staged one: it gets the same new block, in its own bytes (so unstaged
    /// edits elsewhere in the file stay).
    Write(WorkingChange),
    /// Its block differs from the staged one (an unstaged note, a deletion, a broken marker):
    /// those changes are the user's and are never touched.
    LeaveAlone,
}

/// Plans the working file's side of the block change from `staged` to `committed`: the new
/// block goes in only where the working file's block region still equals the staged one.
fn plan_working_file(
    work_tree: &Path,
    path: &str,
    (staged, committed): (&[u8], &[u8]),
    body: &str,
) -> Result<WorkingPlan, Error> {
    let file = work_tree.join(path);
    let Some(old) = read_regular_file_in(work_tree, &file)? else {
        return Ok(WorkingPlan::Current);
    };
    if block::same_block(&old, committed) {
        return Ok(WorkingPlan::Current);
    }
    if !block::same_block(&old, staged) {
        return Ok(WorkingPlan::LeaveAlone);
    }
    match block::rewrite(&old, body).map_err(|e| e.during("working file"))? {
        Rewrite::Unchanged => Ok(WorkingPlan::Current),
        Rewrite::Changed(new) => Ok(WorkingPlan::Write(WorkingChange { file, old, new })),
    }
}

/// The index entry of `entry` once it holds `blob` (its id and bytes), with the stat data
/// `git add` would leave: the working file's own when it holds exactly these bytes (it was
/// just written with them), else what git had, never claiming a file that differs is clean.
fn entry_for_written(
    entry: &StagedEntry,
    (id, bytes): (ObjectId, &[u8]),
    work_tree: &Path,
    path: &str,
) -> StagedEntry {
    let file = work_tree.join(path);
    match read_with_stat(work_tree, &file) {
        Ok(Some((on_disk, meta))) if on_disk == bytes => entry.with_blob(id).with_stat_of(&meta),
        Ok(Some((_, meta))) => entry.with_blob_beside(id, Some(&meta)),
        Ok(None) => entry.with_blob_beside(id, None),
        Err(_) => entry.with_blob_beside(id, fs::symlink_metadata(&file).ok().as_ref()),
    }
}

/// Reads a regular file inside the work tree together with the stat data of the very file
/// read (as `git add` takes them); `None` when it does not exist.
fn read_with_stat(work_tree: &Path, file: &Path) -> Result<Option<(Vec<u8>, fs::Metadata)>, Error> {
    let looked_at = match fs::symlink_metadata(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(file)(e)),
        Ok(meta) if meta.file_type().is_symlink() => return Err(Error::Symlink),
        Ok(meta) if !meta.is_file() => return Err(Error::NotRegularFile),
        Ok(meta) => meta,
    };
    inside_work_tree(work_tree, file)?;
    let mut opened = fs::File::open(file).map_err(Error::io(file))?;
    let meta = opened.metadata().map_err(Error::io(file))?;
    if !same_file(&looked_at, &meta) {
        // Replaced (by a link?) since it was looked at.
        return Err(Error::NotRegularFile);
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    std::io::Read::read_to_end(&mut opened, &mut bytes).map_err(Error::io(file))?;
    Ok(Some((bytes, meta)))
}

#[cfg(unix)]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    use std::os::unix::fs::MetadataExt;
    a.dev() == b.dev() && a.ino() == b.ino()
}

#[cfg(not(unix))]
fn same_file(a: &fs::Metadata, b: &fs::Metadata) -> bool {
    a.is_file() && b.is_file()
}

/// Reads a file that is a regular file inside the work tree; `None` when it does not exist.
fn read_regular_file_in(work_tree: &Path, file: &Path) -> Result<Option<Vec<u8>>, Error> {
    match fs::symlink_metadata(file) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(file)(e)),
        Ok(meta) if meta.file_type().is_symlink() => {
            return Err(Error::Symlink);
        }
        Ok(meta) if !meta.is_file() => return Err(Error::NotRegularFile),
        Ok(_) => {}
    }
    inside_work_tree(work_tree, file)?;
    fs::read(file).map(Some).map_err(Error::io(file))
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so a
/// reader (or a crash) sees the old file or the new one, never half of one. Keeps the old
/// file's permissions (or uses `mode` for a new file).
pub fn write_atomically(path: &Path, bytes: &[u8], mode: Option<u32>) -> Result<(), Error> {
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temp = dir.join(format!(".{name}.gitgoals-{}.tmp", std::process::id()));
    let result = (|| {
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&temp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
        match fs::metadata(path) {
            Ok(meta) => fs::set_permissions(&temp, meta.permissions())?,
            Err(_) => {
                if let Some(mode) = mode {
                    set_mode(&temp, mode)?;
                }
            }
        }
        fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&temp);
    }
    result.map_err(io_error(path))
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) -> std::io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(mode))
}

#[cfg(not(unix))]
fn set_mode(_path: &Path, _mode: u32) -> std::io::Result<()> {
    Ok(())
}

/// `gitgoals stats [FILES…] [--check | --force]`: rewrites the blocks in working-tree files
/// (every tracked goals post when no file is named). A block edited by hand is left as it is
/// and reported, unless `options.force`. With `check`, writes nothing and reports stale blocks
/// instead.
pub fn run_stats(
    session: &Session,
    files: &[PathBuf],
    check: bool,
    options: &RunOptions,
    compute: &StatsSource<'_>,
) -> RunReport {
    // `stats` is run on purpose: any failure fails it.
    let mut report = RunReport {
        strict: true,
        ..RunReport::default()
    };
    let dir = session.base.clone();
    let repo = match session.repo() {
        Ok(repo) => repo,
        Err(e) => {
            report.fail(None, e);
            return report;
        }
    };
    let Some((work_tree, resolved)) =
        work_tree_and_settings(repo, &session.config, options, &mut report)
    else {
        return report;
    };
    let renderer = resolved.renderer();

    let targets: Vec<(String, PathBuf)> = if files.is_empty() {
        match tracked_posts(repo, &session.read.globs()) {
            Ok(paths) => paths
                .into_iter()
                .map(|p| (p.clone(), work_tree.join(p)))
                .collect(),
            Err(e) => {
                report.fail(None, e);
                return report;
            }
        }
    } else {
        files
            .iter()
            .map(|f| (display_path(f), dir.join(f)))
            .collect()
    };
    for (shown, file) in targets {
        let relative = relative_slash_path(&work_tree, &file).unwrap_or_else(|| shown.clone());
        let result = (|| -> Result<Option<Vec<u8>>, Error> {
            let Some(old) = read_regular_file_in(&work_tree, &file)? else {
                return Err(Error::NoSuchFile);
            };
            let Some(mut stats) = compute(&relative, &old)? else {
                return Ok(None);
            };
            stats.rating_scale = resolved.rating_scale;
            stats.show_forecast = resolved.forecast;
            if resolved.chart && !stats.recent_weeks.is_empty() {
                let chart = draw_chart(&work_tree, &relative, &stats)?;
                if !chart_on_disk(&work_tree, &chart)? {
                    if check {
                        // The block links the picture: a stale picture is a stale block.
                        return Ok(Some(Vec::new()));
                    }
                    write_chart_file(&work_tree, &chart)?;
                }
                stats.chart = Some(chart_link(&work_tree, &relative));
            }
            let with_block = if placed(resolved.placement, &old) {
                let body = statsblock::render(&stats, renderer)?;
                let rewrite = if options.force {
                    block::regenerate
                } else {
                    block::rewrite
                };
                match rewrite(&old, &body)? {
                    Rewrite::Unchanged => None,
                    Rewrite::Changed(new) => Some(new),
                }
            } else {
                None
            };
            // Org-style progress cookies in headings are filled in too.
            if options.blocks_only {
                return Ok(with_block);
            }
            let current = with_block.as_deref().unwrap_or(&old);
            Ok(
                crate::render::cookies::fill_with(&relative, current, session.parse_options())
                    .or(with_block),
            )
        })();
        match result {
            Ok(None) => {}
            Ok(Some(_)) if check => match read_regular_file_in(&work_tree, &file) {
                // Where a block goes but none is there yet (not a stale cookie or chart).
                Ok(Some(old))
                    if placed(resolved.placement, &old)
                        && matches!(block::find_block(&old), Ok(None)) =>
                {
                    report.missing.push(shown)
                }
                _ => report.stale.push(shown),
            },
            Ok(Some(new)) => match write_atomically(&file, &new, None) {
                Ok(()) => report.updated.push(shown),
                Err(e) => report.fail(Some(&shown), e),
            },
            Err(reason) => report.fail(Some(&shown), reason),
        }
    }
    report
}

fn display_path(path: &Path) -> String {
    path.to_string_lossy().into_owned()
}

/// The path of `file` relative to the work tree with `/` separators, as git names it.
pub fn relative_slash_path(work_tree: &Path, file: &Path) -> Option<String> {
    let root = work_tree.canonicalize().ok()?;
    let parent = file.parent()?.canonicalize().ok()?;
    let relative = parent.join(file.file_name()?);
    let relative = relative.strip_prefix(&root).ok()?;
    let parts: Option<Vec<&str>> = relative
        .components()
        .map(|c| match c {
            Component::Normal(part) => part.to_str(),
            _ => None,
        })
        .collect();
    Some(parts?.join("/"))
}

/// Tracked goals posts that are not links, as history will read them ([`post_selector`]).
fn tracked_posts(repo: &Repo, globs: &[&str]) -> Result<Vec<String>, Error> {
    let index = StagedIndex::open(repo)?;
    let posts = post_selector(globs, |dir| index.has_file_under(dir))?;
    Ok(index
        .tracked_files()
        .into_iter()
        .filter(|p| posts.is_post(p))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The selector the hook builds for an index holding `files`.
    fn posts_of(globs: &[&str], files: &[&str]) -> PostSelector {
        post_selector(globs, |dir| {
            files.iter().any(|f| {
                f.strip_prefix(dir)
                    .is_some_and(|rest| rest.starts_with('/'))
            })
        })
        .unwrap()
    }

    #[test]
    fn staged_posts_are_the_files_history_reads_posts_folders_count_at_the_top_only() {
        let blog = posts_of(
            &[],
            &[
                "_posts/2020-12-07-week.md",
                "blog/_posts/2020-12-14-week.md",
            ],
        );
        assert!(blog.is_post("_posts/2020-12-07-week.md"));
        assert!(blog.is_post("_drafts/week.mkd"), "any Markdown extension");
        assert!(!blog.is_post("blog/_posts/2020-12-14-week.md"));
        assert!(!blog.is_post("blog/content/posts/week.md"));
        assert!(!blog.is_post("posts.md"));
        assert!(!blog.is_post("notes/week.md"));

        let nested_only = posts_of(&[], &["blog/_posts/2020-12-14-week.md", "README.md"]);
        assert_eq!(nested_only, PostSelector::AllMarkdown);

        let vault = posts_of(&[], &[".obsidian/app.json", "Daily/2024-01-15.md"]);
        assert!(vault.is_post("Daily/2024-01-15.md"));
        assert!(vault.is_post("2024-W03.md"));
        assert!(!vault.is_post("Ideas/Books.md"));
        assert!(!vault.is_post(".obsidian/2024-01-15.md"));

        let globbed = posts_of(&["journal/*.md"], &["_posts/2020-12-07-week.md"]);
        assert!(globbed.is_post("journal/2020-12-07-week.md"));
        assert!(!globbed.is_post("_posts/2020-12-07-week.md"));
    }

    #[test]
    fn a_bad_posts_glob_is_an_error_naming_the_glob() {
        let error = post_selector(&["posts/a**b"], |_| false).unwrap_err();
        assert!(matches!(error, Error::BadGlob { ref glob, .. } if glob == "posts/a**b"));
    }

    #[cfg(unix)]
    #[test]
    fn atomic_write_keeps_permissions_and_leaves_no_temp_file() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("post.md");
        fs::write(&file, "old").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o640)).unwrap();
        write_atomically(&file, b"new", None).unwrap();
        assert_eq!(fs::read(&file).unwrap(), b"new");
        let mode = fs::metadata(&file).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o640);
        assert_eq!(fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn hook_script_carries_the_marker_and_chains_the_legacy_hook() {
        assert!(HOOK_SCRIPT.lines().any(|l| l == HOOK_MARKER));
        assert!(HOOK_SCRIPT.contains(LEGACY_NAME));
        assert!(HOOK_SCRIPT.contains("gitgoals hook run pre-commit \"$@\""));
        assert_eq!(HOOK_SCRIPT.matches(INSTALLED_BY_LINE).count(), 1);
    }

    #[test]
    fn hook_script_records_the_installing_binary_as_one_shell_word() {
        let script = hook_script(Some(Path::new("/opt/it's $HOME/`x`/gitgoals")));
        let script = String::from_utf8(script).unwrap();
        assert!(
            script.contains("\ninstalled_by='/opt/it'\\''s $HOME/`x`/gitgoals'\n"),
            "{script}"
        );
        assert!(!script.contains(INSTALLED_BY_LINE));
        assert_eq!(hook_script(None), HOOK_SCRIPT.as_bytes());
    }
}
