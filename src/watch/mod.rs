//! Live view stage (`gitgoals watch`): follows the blog repository as the user writes and
//! commits, and reports task events as they happen.
//!
//! It watches, through inotify (notify), the git directory narrowly — `HEAD`, `refs/`
//! recursively and `packed-refs`, never `objects/` — and the posts directories of the work
//! tree. File events are gathered into batches: a batch closes once no event has arrived for
//! [`DEFAULT_DEBOUNCE`] (git writes a burst of files per commit, editors save in bursts). Each
//! batch is then classified:
//!
//! - **HEAD moved** (commit, merge, pull, amend, rebase, reset, checkout): the task events of
//!   the commits new on HEAD are printed, each post's progress after them, and — when the old
//!   HEAD is not an ancestor of the new one — one line saying history was rewritten. The
//!   events come from the history engine ([`crate::git::read::update`]), fed only the new
//!   commits; after a rewrite it reads the history again. Events are known by what they say
//!   (post, task, kind, detail), not by commit id: one is printed only when the new history
//!   holds it more times than any history seen before, so an amend or rebase that re-creates
//!   a tick, or a branch visited again, prints nothing twice.
//! - **A post saved** in the work tree: the file is compared with its version at HEAD and the
//!   uncommitted events and live progress are printed. A save that leaves the task list as it
//!   was (prose edits, a stats block rewritten by gitgoals' hook, a touch) prints nothing.
//! - **The repository gone** (`.git` removed or replaced): says so and stops with an error.
//!
//! While nothing happens no thread wakes up: the main thread blocks on one channel that the
//! inotify thread and the Ctrl-C/SIGTERM handler send into. Ctrl-C or SIGTERM stop it with
//! success.
//!
//! # Output with `--format json`
//!
//! One JSON object per line; stdout is flushed after each batch. Every object has a `type`:
//!
//! ```text
//! {"type":"ready","repo":"/path/to/blog","head":"<oid>"|null,"branch":"main"|null}
//! {"type":"event","kind":"checked","post":"_posts/2021-01-04-week-5.md","title":"Week 5 goals",
//!  "task":"Graphics homework 0","section":"Courses > CS 148","previous":null,
//!  "commit":"<oid>","time":"2021-01-06T21:14:03+01:00","uncommitted":false}
//! {"type":"progress","post":"_posts/…","title":"Week 5 goals","done":12,"total":27,
//!  "completion":0.444,"uncommitted":true,"uncommitted_ticks":2,"uncommitted_changes":3,
//!  "commit":"<oid>"|null}
//! {"type":"rewrite","from":"<oid>"|null,"to":"<oid>"|null,"base":"<oid>"|null,
//!  "branch":"main"|null,"commits_dropped":1,"commits_new":1}
//! ```
//!
//! (Each object is printed on one line; they are wrapped here to be read.)
//!
//! - `kind` is one of `added`, `checked`, `unchecked`, `edited`, `moved`, `removed`.
//! - `previous` is the old title of an `edited` task and the old section of a `moved` one.
//! - `commit` and `time` (the commit's author time, RFC 3339 in its own offset) are `null` for
//!   uncommitted events, which come from a save and compare the work tree with HEAD.
//! - A `progress` line follows the events of each post: after a commit it counts HEAD's version
//!   (`uncommitted: false`, `commit` set), after a save the saved file (`uncommitted: true`).
//! - `rewrite` is printed when the new HEAD does not descend from the old one; the events that
//!   follow it are those of the new history that had not been printed yet.
//!
//! `--exec CMD` runs `sh -c CMD` after each batch that printed something, with that batch's
//! JSON lines on its standard input (whatever `--format` is). The watcher waits for it.

mod paths;
mod tracker;

use std::io::{self, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use notify::{RecursiveMode, Watcher};
use serde::Serialize;

use crate::core::model::{EventKind, short_id};
use crate::error::Error;
use crate::render::Format;
use crate::session::Session;

pub use paths::Layout;

/// How long the file system must stay quiet before a batch is handled. 100 ms gave one batch
/// per `git commit` in measurements; 50 ms split some.
pub const DEFAULT_DEBOUNCE: Duration = Duration::from_millis(100);

/// A batch never waits longer than this for quiet, so a stream of writes (a long rebase)
/// still shows progress.
const MAX_BATCH_WAIT: Duration = Duration::from_secs(2);

/// How `gitgoals watch` runs.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    /// A shell command to run after each batch, fed the batch's JSON lines.
    pub exec: Option<String>,
    pub debounce: Duration,
}

/// A failure of the repository while doing `context`.
fn git_error(context: &'static str) -> impl FnOnce(Error) -> Error {
    move |source| Error::Git {
        context: context.to_string(),
        source: Box::new(source),
    }
}

/// What the main thread waits for.
enum Message {
    Fs(notify::Result<notify::Event>),
    Stop,
}

/// One line of output, before it is rendered as text or JSON.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Line {
    Ready {
        repo: String,
        head: Option<String>,
        branch: Option<String>,
    },
    Event(TaskEvent),
    Progress(Progress),
    Rewrite {
        from: Option<String>,
        to: Option<String>,
        base: Option<String>,
        branch: Option<String>,
        commits_dropped: usize,
        commits_new: usize,
    },
}

/// A task event as the watcher reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskEvent {
    pub kind: EventKind,
    /// The post's path in the repository, `/`-separated.
    pub post: String,
    /// The post's title (front matter), else its file name.
    pub title: String,
    pub task: String,
    pub section: String,
    /// The old title of an edited task, the old section of a moved one.
    pub previous: Option<String>,
    pub commit: Option<String>,
    pub time: Option<chrono::DateTime<chrono::FixedOffset>>,
    pub uncommitted: bool,
}

/// A post's completion after a batch.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Progress {
    pub post: String,
    pub title: String,
    pub done: usize,
    pub total: usize,
    pub completion: f64,
    pub uncommitted: bool,
    /// Tasks checked in the work tree but not at HEAD.
    pub uncommitted_ticks: usize,
    /// All task events between HEAD's version and the work tree's.
    pub uncommitted_changes: usize,
    pub commit: Option<String>,
}

impl Line {
    /// The line a person reads in a terminal.
    pub fn text(&self) -> String {
        match self {
            Line::Ready { repo, head, branch } => {
                let at = match (branch, head) {
                    (Some(branch), Some(head)) => format!("{branch} at {}", short_id(head)),
                    (None, Some(head)) => format!("detached HEAD at {}", short_id(head)),
                    (Some(branch), None) => format!("{branch}, no commits yet"),
                    (None, None) => "no commits yet".to_string(),
                };
                format!("watching {repo} ({at}); Ctrl-C to stop")
            }
            Line::Event(event) => event_text(event),
            Line::Progress(p) => {
                let mut line = format!(
                    "  {}: {}/{} done ({})",
                    p.title,
                    p.done,
                    p.total,
                    crate::core::tally::percent(if p.total == 0 {
                        0.0
                    } else {
                        p.done as f64 / p.total as f64
                    })
                );
                if p.uncommitted {
                    match p.uncommitted_ticks {
                        0 => {}
                        1 => line.push_str(", 1 uncommitted tick"),
                        n => line.push_str(&format!(", {n} uncommitted ticks")),
                    }
                    let others = p.uncommitted_changes - p.uncommitted_ticks;
                    match (others, p.uncommitted_changes) {
                        (_, 0) => line.push_str(", nothing uncommitted"),
                        (0, _) => {}
                        (1, _) => line.push_str(", 1 other uncommitted change"),
                        (n, _) => line.push_str(&format!(", {n} other uncommitted changes")),
                    }
                }
                line
            }
            Line::Rewrite {
                to,
                branch,
                commits_dropped,
                commits_new,
                ..
            } => {
                let onto = match (branch, to) {
                    (Some(branch), Some(to)) => format!("{branch} at {}", short_id(to)),
                    (None, Some(to)) => format!("detached HEAD at {}", short_id(to)),
                    (Some(branch), None) => format!("{branch}, no commits yet"),
                    (None, None) => "no commits".to_string(),
                };
                format!(
                    "↺ history rewritten, now {onto}: {commits_dropped} commit(s) left HEAD's history, {commits_new} came in; showing only what was not shown before"
                )
            }
        }
    }

    fn json(&self) -> String {
        // A Line holds strings, numbers and dates only: serializing cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }
}

fn event_text(event: &TaskEvent) -> String {
    let mark = if event.uncommitted {
        "~"
    } else {
        match event.kind {
            EventKind::Added => "+",
            EventKind::Checked => "✓",
            EventKind::Unchecked => "○",
            EventKind::Edited => "✎",
            EventKind::Moved => "→",
            EventKind::Removed => "−",
        }
    };
    let task = crate::render::report::display_title(&event.task);
    let what = match (event.kind, event.previous.as_deref()) {
        (EventKind::Edited, Some(old)) => {
            format!(
                "edited \"{}\" → \"{task}\"",
                crate::render::report::display_title(old)
            )
        }
        (EventKind::Moved, Some(old)) => {
            format!("moved \"{task}\" from {old:?} to {:?}", event.section)
        }
        (kind, _) => format!("{} \"{task}\"", kind.as_str()),
    };
    let whence = match &event.commit {
        Some(commit) => format!(" · {}", short_id(commit)),
        None => " (uncommitted)".to_string(),
    };
    format!("{mark} {what} · {}{whence}", event.title)
}

/// Watches the repository that contains `start` until Ctrl-C/SIGTERM (then `Ok`), the
/// repository disappears, or output can no longer be written.
pub fn run(session: &Session, options: &Options) -> Result<(), Error> {
    let repo = session.repo()?;
    let layout = Layout::of(repo, session.selector()?)?;
    let (sender, receiver) = mpsc::channel();

    let stop = sender.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Message::Stop);
    })
    .map_err(|e| Error::Signal(Box::new(e)))?;

    let mut watcher = start_watching(&layout, sender)?;
    let mut tracker = tracker::Tracker::new(session)?;
    let mut out = Output::new(options);
    let (head, branch) = tracker.head_summary();
    if !out.emit(&[Line::Ready {
        repo: layout.workdir.display().to_string(),
        head,
        branch,
    }])? {
        return Ok(());
    }

    // Saves seen while git held the index lock: a checkout rewrites the work tree before it
    // moves HEAD, and may take longer than one batch to do it.
    let mut pending_saves = std::collections::BTreeSet::new();
    while let Some(batch) = next_batch(&receiver, options.debounce) {
        let mut triggers = paths::Triggers::default();
        for result in batch {
            match result {
                Ok(event) => {
                    let created_dir = matches!(
                        event.kind,
                        notify::EventKind::Create(notify::event::CreateKind::Folder)
                    );
                    for path in &event.paths {
                        layout.classify(path, created_dir, &mut triggers);
                    }
                }
                Err(error) => {
                    if matches!(error.kind, notify::ErrorKind::MaxFilesWatch) {
                        return Err(Error::TooManyWatches {
                            path: layout.workdir.clone(),
                        });
                    }
                    eprintln!("gitgoals watch: {error}");
                }
            }
        }
        if !layout.still_there() {
            return Err(Error::RepositoryGone(layout.git_dir_shown()));
        }
        for dir in &triggers.new_dirs {
            // A directory that appeared (a new posts folder) is watched from now on; one that
            // vanished again before we got to it needs nothing.
            match watcher.watch(dir, RecursiveMode::Recursive) {
                Err(error) if matches!(error.kind, notify::ErrorKind::MaxFilesWatch) => {
                    return Err(Error::TooManyWatches { path: dir.clone() });
                }
                _ => {}
            }
        }
        pending_saves.append(&mut triggers.saved);
        let git_busy = layout.git_is_busy();
        let mut lines = Vec::new();
        // HEAD first: a checkout rewrites posts in the work tree, and those saves must be
        // compared with the HEAD they came with, not the one they replace.
        if triggers.refs_moved || (!pending_saves.is_empty() && !git_busy) {
            tracker.check_head(&mut lines);
        }
        if !git_busy {
            for post in std::mem::take(&mut pending_saves) {
                tracker.post_saved(&layout.workdir, &post, &mut lines);
            }
        }
        if !out.emit(&lines)? {
            return Ok(());
        }
    }
    Ok(())
}

/// Sets up inotify watches; their events go to `sender` from notify's own thread.
fn start_watching(
    layout: &Layout,
    sender: Sender<Message>,
) -> Result<notify::RecommendedWatcher, Error> {
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        // inotify reports every open and read close, ours included (reading HEAD after a
        // batch would start the next batch): only writes wake the main thread.
        if event.as_ref().is_ok_and(|e| !is_write(&e.kind)) {
            return;
        }
        let _ = sender.send(Message::Fs(event));
    })
    .map_err(|source| watch_error(&layout.workdir, source))?;
    for (path, recursive) in layout.watch_list() {
        let mode = if recursive {
            RecursiveMode::Recursive
        } else {
            RecursiveMode::NonRecursive
        };
        watcher
            .watch(&path, mode)
            .map_err(|source| watch_error(&path, source))?;
    }
    Ok(watcher)
}

/// Whether an event can mean new content: anything but an open, a read or a close after
/// reading.
fn is_write(kind: &notify::EventKind) -> bool {
    use notify::event::{AccessKind, AccessMode};
    match kind {
        notify::EventKind::Access(AccessKind::Close(AccessMode::Write)) => true,
        notify::EventKind::Access(_) => false,
        _ => true,
    }
}

fn watch_error(path: &Path, source: notify::Error) -> Error {
    let too_many = match &source.kind {
        notify::ErrorKind::MaxFilesWatch => true,
        // Creating an inotify instance past fs.inotify.max_user_instances fails with EMFILE.
        notify::ErrorKind::Io(error) => error.raw_os_error() == Some(24),
        _ => false,
    };
    if too_many {
        Error::TooManyWatches {
            path: path.to_path_buf(),
        }
    } else {
        Error::Watch {
            path: path.to_path_buf(),
            source: Box::new(source),
        }
    }
}

/// Blocks until something happens, then gathers events until `quiet` passes without one.
/// `None` means stop.
fn next_batch(
    receiver: &Receiver<Message>,
    quiet: Duration,
) -> Option<Vec<notify::Result<notify::Event>>> {
    let mut batch = match receiver.recv() {
        Ok(Message::Fs(event)) => vec![event],
        Ok(Message::Stop) | Err(_) => return None,
    };
    let started = Instant::now();
    loop {
        let wait = quiet.min(MAX_BATCH_WAIT.saturating_sub(started.elapsed()));
        if wait.is_zero() {
            return Some(batch);
        }
        match receiver.recv_timeout(wait) {
            Ok(Message::Fs(event)) => batch.push(event),
            Ok(Message::Stop) | Err(RecvTimeoutError::Disconnected) => return None,
            Err(RecvTimeoutError::Timeout) => return Some(batch),
        }
    }
}

/// Writes lines to stdout and feeds `--exec`.
struct Output<'a> {
    options: &'a Options,
}

impl<'a> Output<'a> {
    fn new(options: &'a Options) -> Self {
        Output { options }
    }

    /// Prints one batch and flushes; `false` when the reader went away (`… | head`), which
    /// ends the watch quietly.
    fn emit(&mut self, lines: &[Line]) -> Result<bool, Error> {
        if lines.is_empty() {
            return Ok(true);
        }
        let json: Vec<String> = lines.iter().map(Line::json).collect();
        let mut text = String::new();
        for (line, json) in lines.iter().zip(&json) {
            match self.options.format {
                Format::Json => text.push_str(json),
                Format::Text => text.push_str(&line.text()),
            }
            text.push('\n');
        }
        let mut stdout = io::stdout().lock();
        match stdout
            .write_all(text.as_bytes())
            .and_then(|()| stdout.flush())
        {
            Err(error) if error.kind() == io::ErrorKind::BrokenPipe => return Ok(false),
            Err(error) => return Err(Error::Output(error)),
            Ok(()) => {}
        }
        drop(stdout);
        let is_ready = matches!(lines, [Line::Ready { .. }]);
        if let (Some(command), false) = (&self.options.exec, is_ready) {
            run_exec(command, &json);
        }
        Ok(true)
    }
}

/// Runs the user's `--exec` command with the batch on stdin. Its failure is reported and the
/// watch goes on: a broken status-bar script should not stop the watcher.
fn run_exec(command: &str, json: &[String]) {
    let mut input = json.join("\n");
    input.push('\n');
    let child = Command::new("sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(child) => child,
        Err(error) => {
            eprintln!("gitgoals watch: cannot run --exec command {command:?}: {error}");
            return;
        }
    };
    if let Some(mut stdin) = child.stdin.take() {
        // A command that does not read its input closes the pipe early; that is its choice.
        let _ = stdin.write_all(input.as_bytes());
    }
    match child.wait() {
        Ok(status) if status.success() => {}
        Ok(status) => eprintln!("gitgoals watch: --exec command {command:?} failed: {status}"),
        Err(error) => eprintln!("gitgoals watch: --exec command {command:?}: {error}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(kind: EventKind, commit: Option<&str>) -> TaskEvent {
        TaskEvent {
            kind,
            post: "_posts/2021-01-04-week-5.md".into(),
            title: "Week 5 goals".into(),
            task: "Graphics homework 0".into(),
            section: "Courses".into(),
            previous: None,
            commit: commit.map(str::to_string),
            time: None,
            uncommitted: commit.is_none(),
        }
    }

    #[test]
    fn committed_and_uncommitted_events_read_as_the_user_expects() {
        let committed = Line::Event(event(EventKind::Checked, Some("a1b2c3d4e5f6")));
        assert_eq!(
            committed.text(),
            "✓ checked \"Graphics homework 0\" · Week 5 goals · a1b2c3d"
        );
        let live = Line::Event(event(EventKind::Checked, None));
        assert_eq!(
            live.text(),
            "~ checked \"Graphics homework 0\" · Week 5 goals (uncommitted)"
        );
    }

    #[test]
    fn edits_and_moves_name_what_they_were() {
        let mut edited = event(EventKind::Edited, Some("a1b2c3d4"));
        edited.previous = Some("Grahpics homework 0".into());
        assert_eq!(
            Line::Event(edited).text(),
            "✎ edited \"Grahpics homework 0\" → \"Graphics homework 0\" · Week 5 goals · a1b2c3d"
        );
        let mut moved = event(EventKind::Moved, None);
        moved.previous = Some("Papers".into());
        assert!(
            Line::Event(moved)
                .text()
                .contains("moved \"Graphics homework 0\" from \"Papers\" to \"Courses\"")
        );
    }

    #[test]
    fn progress_counts_uncommitted_ticks() {
        let progress = Progress {
            post: "_posts/w.md".into(),
            title: "Week 5 goals".into(),
            done: 12,
            total: 27,
            completion: 0.444,
            uncommitted: true,
            uncommitted_ticks: 2,
            uncommitted_changes: 2,
            commit: None,
        };
        assert_eq!(
            Line::Progress(progress.clone()).text(),
            "  Week 5 goals: 12/27 done (44%), 2 uncommitted ticks"
        );
        let committed = Progress {
            uncommitted: false,
            uncommitted_ticks: 0,
            uncommitted_changes: 0,
            ..progress
        };
        assert_eq!(
            Line::Progress(committed).text(),
            "  Week 5 goals: 12/27 done (44%)"
        );
    }

    #[test]
    fn opens_and_reads_are_not_worth_waking_up_for() {
        use notify::EventKind as Kind;
        use notify::event::{AccessKind, AccessMode, CreateKind, ModifyKind};
        assert!(!is_write(&Kind::Access(AccessKind::Open(AccessMode::Any))));
        assert!(!is_write(&Kind::Access(AccessKind::Close(
            AccessMode::Read
        ))));
        assert!(is_write(&Kind::Access(AccessKind::Close(
            AccessMode::Write
        ))));
        assert!(is_write(&Kind::Modify(ModifyKind::Any)));
        assert!(is_write(&Kind::Create(CreateKind::File)));
    }

    #[test]
    fn json_lines_carry_a_type_and_the_documented_fields() {
        let line = Line::Event(event(EventKind::Checked, Some("a1b2c3d")));
        let value: serde_json::Value = serde_json::from_str(&line.json()).unwrap();
        assert_eq!(value["type"], "event");
        assert_eq!(value["kind"], "checked");
        assert_eq!(value["task"], "Graphics homework 0");
        assert_eq!(value["commit"], "a1b2c3d");
        assert_eq!(value["uncommitted"], false);
        assert!(!line.json().contains('\n'));
    }
}
