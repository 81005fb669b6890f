//! The plain types every pipeline stage shares: a post as read, its tasks, commits and task events.
//!
//! git2, pulldown-cmark and notify types never leave the module that uses them; they are
//! converted into these at the edge, so the stages in the middle stay pure and easy to test.

use std::fmt;
use std::ops::Range;
use std::sync::Arc;

use chrono::{DateTime, FixedOffset, NaiveDate};
use serde::{Deserialize, Serialize};

/// What a task's box says: `[ ]`, `[x]`, and the two statuses bullet journals and Obsidian
/// Tasks add, `[-]` and `[>]`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Mark {
    #[default]
    Open,
    Done,
    /// `[-]`: decided against; counted apart from open and done.
    Cancelled,
    /// `[>]`: moved on to a later list on purpose (an explicit carry-over).
    Forwarded,
}

/// One task-list item in one version of a post.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Plain-text title without markup, rating or note: what identifies the task over time.
    /// Shared: the versions of a post that keep a task's title hold one copy of it.
    pub title: Arc<str>,
    /// Plain text written after the title (notes appended while working); empty when none.
    pub note: Arc<str>,
    pub checked: bool,
    /// The `N` of an `N/5` rating written at the end of the title, when there is one.
    pub confidence: Option<u8>,
    /// The chain of headings above the task, outermost first, as plain text; shared like
    /// the title.
    pub section: Arc<[String]>,
    /// Index, in the post's task list, of the task this one is nested under.
    pub parent: Option<usize>,
    /// 1-based line of the checkbox marker.
    pub line: usize,
    /// Byte range of the `[ ]` / `[x]` marker in the source.
    pub marker: Range<usize>,
    /// The box as written; `checked` is true exactly when this is [`Mark::Done`].
    pub mark: Mark,
    /// Obsidian Tasks' done date, `✅ YYYY-MM-DD`: when present it is the day the task was
    /// done, whatever the date of the commit that ticked it.
    pub done_date: Option<NaiveDate>,
    /// Obsidian Tasks' due date for this task alone, `📅 YYYY-MM-DD`.
    pub due: Option<NaiveDate>,
}

impl Task {
    /// The section as people write it: `Papers > CS294 week 1` (empty above the first heading).
    pub fn section_path(&self) -> String {
        self.section.join(" > ")
    }
}

/// Where a post's date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DateSource {
    FrontMatter,
    Filename,
    FirstCommit,
}

/// Where a post's due date came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DueSource {
    /// `due:` or `deadline:` in the front matter.
    FrontMatter,
    /// A "by DATE" phrase in the prose before the first task.
    Text,
    /// The date of the next goals post (history only).
    NextPost,
    /// The post's date plus seven days (history only).
    DatePlusWeek,
}

/// A post's due date and the evidence for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Due {
    pub date: NaiveDate,
    pub source: DueSource,
    /// The words it was read from, e.g. `by 12/12/2020`, when it came from the text.
    pub evidence: Option<String>,
}

/// A problem in the input that did not stop the work: it names the file, and the line or
/// commit when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    pub file: String,
    pub line: Option<usize>,
    pub commit: Option<String>,
    pub message: String,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(commit) = &self.commit {
            // A warning about a commit rather than a file names just the commit.
            let space = if self.file.is_empty() { "" } else { " " };
            write!(f, "{space}(commit {})", short_id(commit))?;
        }
        write!(f, ": {}", self.message)
    }
}

/// One version of a goals post, as read from its bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Post {
    pub title: Option<String>,
    /// The post's own date: front matter, else the `YYYY-MM-DD-` filename prefix.
    pub date: Option<NaiveDate>,
    pub date_source: Option<DateSource>,
    /// Front matter `due`/`deadline`, else a "by DATE" phrase; history fills in the rest.
    pub due: Option<Due>,
    pub tasks: Vec<Task>,
    pub warnings: Vec<Warning>,
}

/// A commit as the history stages need it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitInfo {
    /// Full hex object id.
    pub id: String,
    /// Author time in the author's own offset: when the change was made, even after a rebase.
    pub time: DateTime<FixedOffset>,
    pub summary: String,
}

impl CommitInfo {
    pub fn short_id(&self) -> &str {
        short_id(&self.id)
    }
}

/// The 7-character abbreviation people see in `git log --oneline`.
pub fn short_id(id: &str) -> &str {
    id.get(..7).unwrap_or(id)
}

/// What happened to a task between two versions of its post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventKind {
    Added,
    Checked,
    Unchecked,
    /// The title changed, but it is still the same task.
    Edited,
    /// The section changed.
    Moved,
    Removed,
}

impl EventKind {
    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::Added => "added",
            EventKind::Checked => "checked",
            EventKind::Unchecked => "unchecked",
            EventKind::Edited => "edited",
            EventKind::Moved => "moved",
            EventKind::Removed => "removed",
        }
    }
}
