//! The ledger as the cache stores it: a part per week (its own figures and task records) and
//! one part for the links between weeks, so a week whose post did not change keeps its part.

use std::sync::Arc;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use super::file::{Span, Writer};
use crate::cache::record::{CommitRecord, Interner, StoredTask, TextTable, TextTables};
use crate::core::history::TaskId;
use crate::core::ledger::{self, Ledger, Status, TaskRecord, Week};
use crate::core::model::{CommitInfo, DueSource};
use crate::core::tally::{Breakdown, Tally};

/// Where the stored ledger is: a part per week, and one for the links between weeks.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct LedgerSpans {
    pub(super) head: Option<String>,
    pub(super) weeks: Vec<Span>,
    pub(super) links: Span,
}

/// One week of the ledger as stored: its own figures and task records, commits written once,
/// dates as day numbers. What ties it to the weeks around it (carried in and out, dropped,
/// the carry links and streaks) is in the [`LinksPart`] and worked out again on reading, so
/// a week whose post did not change keeps its part when its neighbours change.
///
/// Generic over how text is held, like [`crate::cache::record::LifeParts`]: [`WeekPartView`]
/// borrows from a ledger to be written, and [`WeekPartRecord`] owns what was read back. The
/// tasks' titles, notes and sections are written once each, as in a post's record.
#[derive(Debug, Serialize, Deserialize)]
struct WeekPart<S> {
    commits: Vec<CommitRecord<S>>,
    texts: Vec<S>,
    sections: Vec<Vec<u32>>,
    week: WeekRecord<S>,
    tasks: Vec<TaskRecordParts<S>>,
}

type WeekPartView<'a> = WeekPart<&'a str>;
type WeekPartRecord = WeekPart<String>;

#[derive(Debug, Serialize, Deserialize)]
struct WeekRecord<S> {
    post: usize,
    path: S,
    title: S,
    date: i32,
    due: i32,
    due_source: DueSource,
    first_commit_after_due: bool,
    has_next: bool,
    /// tasks, planned, added, removed, done, open, cancelled, forwarded.
    counts: [usize; 8],
    done_on_time: Option<usize>,
    by_confidence: Vec<(S, usize, usize)>,
    by_section: Vec<(S, usize, usize)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TaskRecordParts<S> {
    id: usize,
    key: S,
    task: StoredTask,
    status: u8,
    planned: bool,
    /// Indices into the part's commits.
    added: u32,
    checked: Option<u32>,
}

/// How the stored weeks link up: each week's next week in its series, and the (from, to)
/// task ids carried from it into that week.
#[derive(Debug, Serialize, Deserialize)]
struct LinksPart {
    next_week: Vec<Option<u32>>,
    links: Vec<Vec<(usize, usize)>>,
}

impl LinksPart {
    /// The parts [`ledger::assemble`] takes, checked against the number of weeks.
    #[allow(clippy::type_complexity)]
    fn into_parts(self, weeks: usize) -> Option<(Vec<Option<usize>>, Vec<Vec<(TaskId, TaskId)>>)> {
        if self.next_week.len() != weeks || self.links.len() != weeks {
            return None;
        }
        let mut next_week = Vec::with_capacity(weeks);
        for (week, next) in self.next_week.into_iter().enumerate() {
            let next = next.map(|n| n as usize);
            if next.is_some_and(|n| n <= week || n >= weeks) {
                return None;
            }
            next_week.push(next);
        }
        let links = self
            .links
            .into_iter()
            .map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(from, to)| (TaskId::at(from), TaskId::at(to)))
                    .collect()
            })
            .collect();
        Some((next_week, links))
    }
}

fn status_code(status: Status) -> u8 {
    match status {
        Status::Done => 0,
        Status::Open => 1,
        Status::Removed => 2,
        Status::Cancelled => 3,
    }
}

fn status_of(code: u8) -> Option<Status> {
    Some(match code {
        0 => Status::Done,
        1 => Status::Open,
        2 => Status::Removed,
        3 => Status::Cancelled,
        _ => return None,
    })
}

impl<'a> WeekPartView<'a> {
    fn new(week: &'a Week, records: &[&'a TaskRecord]) -> WeekPartView<'a> {
        let mut commits = Interner::<CommitInfo>::new();
        let mut texts = TextTable::default();
        let breakdown = |b: &'a Breakdown| -> Vec<(&'a str, usize, usize)> {
            b.0.iter()
                .map(|(key, tally)| (key.as_str(), tally.total, tally.done))
                .collect()
        };
        let tasks = records
            .iter()
            .map(|t| TaskRecordParts {
                id: t.id.index(),
                key: t.key.as_str(),
                task: texts.task(&t.task),
                status: status_code(t.status),
                planned: t.planned,
                added: commits.id(&t.added),
                checked: t.checked.as_ref().map(|c| commits.id(c)),
            })
            .collect();
        let week = WeekRecord {
            post: week.post,
            path: week.path.as_str(),
            title: week.title.as_str(),
            date: week.date.num_days_from_ce(),
            due: week.due.num_days_from_ce(),
            due_source: week.due_source,
            first_commit_after_due: week.first_commit_after_due,
            has_next: week.has_next,
            counts: [
                week.figures.tasks,
                week.figures.planned,
                week.figures.added,
                week.figures.removed,
                week.figures.done,
                week.figures.open,
                week.figures.cancelled,
                week.figures.forwarded,
            ],
            done_on_time: week.figures.done_on_time,
            by_confidence: breakdown(&week.by_confidence),
            by_section: breakdown(&week.by_section),
        };
        let (texts, sections) = texts.into_tables();
        WeekPart {
            commits: commits
                .into_values()
                .into_iter()
                .map(CommitRecord::of)
                .collect(),
            texts,
            sections,
            week,
            tasks,
        }
    }
}

impl WeekPartRecord {
    /// Week `index` and its records, with nothing carried yet ([`ledger::assemble`] links
    /// them); none when the part does not hold together.
    fn into_week(self, index: usize) -> Option<(Week, Vec<TaskRecord>)> {
        let commits: Vec<Arc<CommitInfo>> = self
            .commits
            .into_iter()
            .map(|c| Arc::new(c.into_info()))
            .collect();
        let commit = |i: u32| commits.get(i as usize).cloned();
        let tables = TextTables::read(self.texts, self.sections)?;
        let breakdown = |parts: Vec<(String, usize, usize)>| {
            Breakdown(
                parts
                    .into_iter()
                    .map(|(key, total, done)| (key, Tally { total, done }))
                    .collect(),
            )
        };
        let day = |n: i32| NaiveDate::from_num_days_from_ce_opt(n);
        let w = self.week;
        let [
            tasks,
            planned,
            added,
            removed,
            done,
            open,
            cancelled,
            forwarded,
        ] = w.counts;
        let week = Week {
            post: w.post,
            path: w.path,
            title: w.title,
            date: day(w.date)?,
            due: day(w.due)?,
            due_source: w.due_source,
            first_commit_after_due: w.first_commit_after_due,
            has_next: w.has_next,
            by_confidence: breakdown(w.by_confidence),
            by_section: breakdown(w.by_section),
            figures: crate::core::ledger::Figures {
                tasks,
                planned,
                added,
                removed,
                done,
                done_on_time: w.done_on_time,
                open,
                cancelled,
                forwarded,
                carried_in: 0,
                carried_out: 0,
                dropped: 0,
            },
        };
        let mut records = Vec::with_capacity(self.tasks.len());
        for t in self.tasks {
            records.push(TaskRecord {
                id: TaskId::at(t.id),
                key: t.key,
                week: index,
                task: tables.task(t.task)?,
                status: status_of(t.status)?,
                planned: t.planned,
                added: commit(t.added)?,
                checked: match t.checked {
                    Some(i) => Some(commit(i)?),
                    None => None,
                },
                carried_from: None,
                carried_to: None,
                carry_streak: 0,
            });
        }
        Some((week, records))
    }
}

/// Writes `ledger` as a part per week (or the span of an unchanged week already in the file)
/// and a part for the links between weeks.
pub(super) fn write_ledger(
    writer: &mut Writer,
    ledger: &Ledger,
    kept: &dyn Fn(usize) -> Option<Span>,
) -> std::io::Result<LedgerSpans> {
    let mut records: Vec<Vec<&TaskRecord>> = vec![Vec::new(); ledger.weeks.len()];
    for record in &ledger.tasks {
        if let Some(week) = records.get_mut(record.week) {
            week.push(record);
        }
    }
    let mut weeks = Vec::with_capacity(ledger.weeks.len());
    for (index, (week, records)) in ledger.weeks.iter().zip(&records).enumerate() {
        let span = match kept(index) {
            Some(span) => span,
            None => writer.encoded(&WeekPartView::new(week, records))?,
        };
        weeks.push(span);
    }
    let links = ledger::carry_links_of(ledger)
        .ok_or_else(|| std::io::Error::other("a carry link points nowhere"))?;
    let links = LinksPart {
        next_week: ledger::next_weeks(ledger)
            .into_iter()
            .map(|n| n.map(|n| n as u32))
            .collect(),
        links: links
            .into_iter()
            .map(|pairs| {
                pairs
                    .into_iter()
                    .map(|(a, b)| (a.index(), b.index()))
                    .collect()
            })
            .collect(),
    };
    Ok(LedgerSpans {
        head: ledger.head.clone(),
        weeks,
        links: writer.encoded(&links)?,
    })
}

/// Week `index` of a stored ledger and its records, from its part's bytes.
pub(super) fn week_from(bytes: &[u8], index: usize) -> Option<(Week, Vec<TaskRecord>)> {
    let part: WeekPartRecord = postcard::from_bytes(bytes).ok()?;
    part.into_week(index)
}

/// How the stored weeks link up, from the links part's bytes, checked against the number of
/// weeks: what [`ledger::assemble`] takes.
#[allow(clippy::type_complexity)]
pub(super) fn links_from(
    bytes: &[u8],
    weeks: usize,
) -> Option<(Vec<Option<usize>>, Vec<Vec<(TaskId, TaskId)>>)> {
    let part: LinksPart = postcard::from_bytes(bytes).ok()?;
    part.into_parts(weeks)
}
