//! The library's one error type: what went wrong and where (the file, the commit, the line),
//! with the cause kept as the error's source so `main` can print the whole chain.
//!
//! Every stage returns it, the pure core included, so it names no stage's types: a cause from
//! a library (libgit2, notify, the template engine) is kept as a boxed source or its message.

use std::path::PathBuf;

/// A `Result` whose error is gitgoals' [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A cause from another library, kept whole for the chain.
pub type Cause = Box<dyn std::error::Error + Send + Sync>;

/// The line that opens the stats block, as messages name it (the same text as
/// `core::block::START_MARKER`, which a test keeps equal).
const START: &str = "<!-- gitgoals:stats -->";
/// The line that closes it.
const END: &str = "<!-- /gitgoals:stats -->";

/// What went wrong.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- The repository -------------------------------------------------------------------
    /// Every command that needs history says this same sentence outside a repository.
    #[error(
        "{dir} is not in a git repository: run gitgoals inside your blog's clone, or name it with -C DIR"
    )]
    NotARepository { dir: String },
    #[error("cannot open the git repository at {dir}: {message}")]
    OpenRepository { dir: String, message: String },
    /// An object, a reference or the index could not be read.
    #[error("cannot read {what}: {message}")]
    ReadGit { what: String, message: String },
    /// A git operation failed; `context` says which.
    #[error("{context}: {source}")]
    Git {
        context: String,
        #[source]
        source: Cause,
    },
    /// The `git` program, run for something libgit2 does not do, failed.
    #[error("git {args}: {reason}")]
    GitCommand { args: String, reason: String },
    #[error("this repository has no work tree (bare); the hook and `gitgoals stats` need one")]
    Bare,
    /// A sparse index (`index.sparse`), which libgit2 cannot read, and `git` could not expand.
    #[error(
        "the index is a sparse index (index.sparse=true), which gitgoals cannot read, and git could not expand it ({reason}); `git sparse-checkout reapply --no-sparse-index` keeps the sparse checkout with a full index"
    )]
    SparseIndex { reason: String },
    #[error("invalid posts glob {glob:?}: {reason}")]
    BadGlob { glob: String, reason: String },

    // --- Settings ---------------------------------------------------------------------------
    #[error("cannot read {}: {source}", path.display())]
    ReadSettings {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    /// `origin` names the file and line, or the `-c` flag.
    #[error("{origin}: {message}")]
    SettingsSyntax { origin: String, message: String },
    #[error("{origin}: `{key}` must be {expected}, not {found}")]
    SettingType {
        origin: String,
        key: String,
        expected: &'static str,
        found: &'static str,
    },
    #[error("{origin}: `{key}`: {message}")]
    SettingInvalid {
        origin: String,
        key: String,
        message: String,
    },
    #[error("-c {arg}: unknown configuration key `{key}` (known: {known})")]
    UnknownFlagKey {
        arg: String,
        key: String,
        known: String,
    },
    #[error("-c {arg}: expected KEY=VALUE, e.g. -c due.date_order=dmy")]
    BadFlag { arg: String },
    #[error(
        ".gitgoals.toml: `stats.template` = {}: {reason}; the template must be a file inside the repository",
        path.display()
    )]
    TemplateOutside { path: PathBuf, reason: String },

    // --- The stats block in a post ------------------------------------------------------------
    #[error("line {line}: a second `{marker}` (the first is on line {first})")]
    DuplicateMarker {
        marker: &'static str,
        line: usize,
        first: usize,
    },
    #[error("line {line}: `{START}` is never closed by a `{END}` line")]
    Unclosed { line: usize },
    #[error("line {line}: `{END}` comes before any `{START}` line")]
    CloseBeforeOpen { line: usize },
    #[error("the file is UTF-16; gitgoals writes stats blocks only into UTF-8 files")]
    Utf16,
    #[error("line {line}: the file is not valid UTF-8 there")]
    NotUtf8 { line: usize },
    #[error("stats template: {0}")]
    Template(String),
    #[error("stats block would be unsafe: {0}")]
    UnsafeBody(String),
    #[error(
        "the post ends inside an open code fence or HTML block, which would swallow a stats block appended after it; put the two marker lines where the block should go"
    )]
    OpenAtEnd,
    /// The text between the markers no longer matches the checksum gitgoals wrote with it.
    #[error(
        "line {line}: the stats block was edited by hand (its text no longer matches the checksum in its opening marker), so it is left as it is; `gitgoals stats --force` regenerates it"
    )]
    HandEdited { line: usize },
    /// Regenerating the block would give back the post HEAD has: the commit would lose what
    /// was staged.
    #[error(
        "the staged change is all inside the stats block, and a fresh block would undo it (the commit would lose it), so the post is committed as staged; `gitgoals stats --force` regenerates the block"
    )]
    BlockUndoesStagedChange,

    // --- Files ----------------------------------------------------------------------------------
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot read the current directory")]
    CurrentDir(#[source] std::io::Error),
    #[error("cannot write to standard output")]
    Output(#[source] std::io::Error),
    #[error("it is a symbolic link; gitgoals never writes through links")]
    Symlink,
    #[error("not a regular file")]
    NotRegularFile,
    #[error("no such file")]
    NoSuchFile,
    #[error("not in the index (unmerged?)")]
    NotInIndex,
    #[error("{}: not inside the work tree {}", path.display(), root.display())]
    OutsideWorkTree { path: PathBuf, root: PathBuf },

    // --- The hook's installation ----------------------------------------------------------------
    #[error(
        "the hooks directory {} (core.hooksPath) is outside this repository; pass --force to install there anyway",
        path.display()
    )]
    HooksPathOutside { path: PathBuf },
    #[error(
        "{} already exists beside a pre-commit hook gitgoals did not write; move one of them away and install again",
        path.display()
    )]
    LegacyTaken { path: PathBuf },

    // --- The hook's figures ----------------------------------------------------------------------
    /// The history the figures were to be folded on is not the one the commit about to be
    /// made sits on: using it would give another commit's figures.
    #[error(
        "the history read stands at {found}, not at {parent}, the parent of the commit being made"
    )]
    PendingParent { parent: String, found: String },

    // --- The cache ------------------------------------------------------------------------------
    /// Stored parts that do not fit together (an index out of range): they cannot be used.
    #[error("inconsistent stored history: {0}")]
    Snapshot(&'static str),

    // --- Charts ---------------------------------------------------------------------------------
    #[error("nothing to draw in the {0} chart: no goals posts")]
    EmptyChart(&'static str),
    /// A folder gitgoals writes generated files into (the charts', the site's data file's) is
    /// a link or a file.
    #[error("{} is not a folder (a link?); nothing is written into it", dir.display())]
    NotAFolder { dir: PathBuf },
    #[error("cannot draw the {chart} chart: {message}")]
    Draw {
        chart: &'static str,
        message: String,
    },

    // --- The watcher ----------------------------------------------------------------------------
    #[error(
        "too many file watches: the system's inotify limit was reached while watching {path}; \
         raise it (e.g. `sudo sysctl fs.inotify.max_user_watches=524288`, or fs.inotify.max_user_instances if that is the one exhausted) and start again"
    )]
    TooManyWatches { path: PathBuf },
    #[error("cannot watch {}", path.display())]
    Watch {
        path: PathBuf,
        #[source]
        source: Cause,
    },
    #[error("{} is a bare repository: there is no work tree with posts to watch", .0.display())]
    BareWatch(PathBuf),
    #[error(
        "the repository is gone: {} was removed or replaced; stopped watching (start again once it is back)",
        .0.display()
    )]
    RepositoryGone(PathBuf),
    #[error("cannot install the Ctrl-C/SIGTERM handler")]
    Signal(#[source] Cause),

    // --- Commands -------------------------------------------------------------------------------
    /// Something the command was doing failed; `doing` says what ("read _posts/week.md").
    #[error("cannot {doing}")]
    Cannot {
        doing: String,
        #[source]
        source: Cause,
    },
    #[error("cannot write JSON")]
    Json(#[from] serde_json::Error),
    #[error(
        "{} already exists and is not empty: remove it, or name another directory (gitgoals demo DIR)",
        dir.display()
    )]
    DemoDirTaken { dir: PathBuf },
    #[error("no Markdown posts under {}; name one: gitgoals show PATH", root.display())]
    NoPosts { root: PathBuf },
    #[error("no post {path} in this history (`gitgoals history` lists the goals posts)")]
    NotAPost { path: String },
    #[error(
        "no goals post in the history yet: commit a first weekly post (a Markdown task list, e.g. _posts/YYYY-MM-DD-week-1.md) and `gitgoals plan` drafts each next one from the last"
    )]
    NothingToPlan,
    #[error(
        "{path} exists already: `gitgoals plan --write` never overwrites a post; pick another week with --date DATE, or move the file away"
    )]
    PlanExists { path: String },
    /// A file gitgoals offers to write is there already: it is the user's now.
    #[error("{} already exists; it is left as it is (move it away to write it anew)", path.display())]
    FileExists { path: PathBuf },
    /// `stats --commit` commits whole files under gitgoals' name, so it refuses a post with
    /// changes of the user's that are not committed.
    #[error(
        "{path} has changes that are not committed: `stats --commit` would commit them as gitgoals'; commit them first, or run `gitgoals stats` without --commit"
    )]
    UncommittedPost { path: String },

    // --- Context --------------------------------------------------------------------------------
    /// Another error, met while doing something: "staged version, line 3: …".
    #[error("{doing}, {source}")]
    While {
        doing: &'static str,
        #[source]
        source: Box<Error>,
    },
    /// Another error, in the file it happened in.
    #[error("{path}: {source}")]
    InFile {
        path: String,
        #[source]
        source: Box<Error>,
    },
}

impl Error {
    /// The error and its causes, each said once, as `main` prints it: a cause whose text the
    /// message already ends with is not repeated.
    pub fn report(&self) -> String {
        let mut text = self.to_string();
        let mut cause = std::error::Error::source(self);
        while let Some(next) = cause {
            let said = next.to_string();
            if !text.ends_with(&said) {
                text.push_str(": ");
                text.push_str(&said);
            }
            cause = next.source();
        }
        text
    }

    /// `doing` failed because of the error it is given.
    pub fn cannot<E>(doing: impl Into<String>) -> impl FnOnce(E) -> Error
    where
        E: std::error::Error + Send + Sync + 'static,
    {
        let doing = doing.into();
        move |source| Error::Cannot {
            doing,
            source: Box::new(source),
        }
    }

    /// This error, said of `path`.
    pub fn in_file(self, path: impl Into<String>) -> Error {
        Error::InFile {
            path: path.into(),
            source: Box::new(self),
        }
    }

    /// This error, met while `doing` something.
    pub fn during(self, doing: &'static str) -> Error {
        Error::While {
            doing,
            source: Box::new(self),
        }
    }

    /// An I/O error on `path`.
    pub fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |source| Error::Io { path, source }
    }

    /// A failure of another library while doing `context`.
    pub fn git(context: impl Into<String>) -> impl FnOnce(Cause) -> Error {
        let context = context.into();
        move |source| Error::Git { context, source }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_markers_in_messages_are_the_markers_the_block_uses() {
        assert_eq!(START, crate::core::block::START_MARKER);
        assert_eq!(END, crate::core::block::END_MARKER);
    }

    #[test]
    fn a_report_says_each_cause_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = Error::cannot("read _posts/week.md")(io);
        assert_eq!(error.report(), "cannot read _posts/week.md: no such file");
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let error = Error::io("_posts/week.md")(io);
        assert_eq!(error.report(), "_posts/week.md: no such file");
    }

    #[test]
    fn context_keeps_the_cause_in_the_chain() {
        let error = Error::Unclosed { line: 3 }.in_file("_posts/week.md");
        assert_eq!(
            error.to_string(),
            "_posts/week.md: line 3: `<!-- gitgoals:stats -->` is never closed by a `<!-- /gitgoals:stats -->` line"
        );
        let source = std::error::Error::source(&error).map(ToString::to_string);
        assert_eq!(
            source.as_deref(),
            Some(
                "line 3: `<!-- gitgoals:stats -->` is never closed by a `<!-- /gitgoals:stats -->` line"
            )
        );
    }
}
