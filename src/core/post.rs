//! Reading one version of a post: its bytes become a [`Post`] — title, date, due date and the
//! task list with sections, confidence ratings, titles and notes.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use chrono::{NaiveDate, Weekday};

use std::sync::Arc;

use crate::core::chunks::{
    ChunkContext, ChunkMemo, PathChunks, StoredChunk, chunk_key, cut_points,
};
use crate::core::dates::{self, DateOrder};
use crate::core::frontmatter;
use crate::core::model::{DateSource, Due, DueSource, Mark, Post, Task, TaskList, Warning};
// The markers of the block gitgoals writes into posts: nothing between them is a task.

/// The highest confidence rating: ratings are written `N/5`.
pub const RATING_SCALE: u8 = 5;

/// How posts are read, from the configuration; the default reads `N/5` ratings, weeks that
/// start on Monday, and both due-date rules a post can state itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    pub rating_scale: u8,
    /// How a rating is written: `{n}` the rating, `{scale}` the scale; `None` is `{n}/{scale}`
    /// with its usual variants (`, 3/5`, `(3/5)`, `3 / 5`).
    pub rating_pattern: Option<String>,
    pub date_order: DateOrder,
    pub week_start: Weekday,
    /// Read `due:`/`deadline:` from the front matter.
    pub due_from_front_matter: bool,
    /// Read a "by DATE" phrase from the prose.
    pub due_from_text: bool,
    /// Read posts as Obsidian does (a vault, or `format = "obsidian"`): `%% … %%` comments
    /// hide what they hold, and a box with any character is a task, as Obsidian Tasks reads
    /// it — `[/]` (in progress) and characters it does not know are open.
    pub obsidian: bool,
    /// What the status characters of `statuses.*` stand for (`None`: not a task); they win
    /// over the built-in readings of `[-]`, `[>]` and, in Obsidian, `[/]`. A space, `x` and
    /// `X` are always open, done and done.
    pub statuses: Vec<(char, Option<Mark>)>,
}

impl Default for ParseOptions {
    fn default() -> ParseOptions {
        ParseOptions {
            rating_scale: RATING_SCALE,
            rating_pattern: None,
            date_order: DateOrder::Auto,
            week_start: Weekday::Mon,
            due_from_front_matter: true,
            due_from_text: true,
            obsidian: false,
            statuses: Vec::new(),
        }
    }
}

/// The largest post that is read (4 MiB). A goals post is a few kilobytes; a file this big is
/// something else (a data dump, an embedded image) and reading it would hold up every commit
/// the hook runs in. Bigger files are skipped with a warning.
pub const MAX_POST_BYTES: usize = 4 * 1024 * 1024;

/// How far into a file a NUL byte marks it as binary (git looks as far).
const BINARY_PROBE_BYTES: usize = 8000;

/// Reads one version of the post at `path` (used for the filename date and in warnings).
/// Never fails: what cannot be read becomes a warning and the rest still comes out.
///
/// Files that are not UTF-8 text are skipped with a warning rather than garbled into tasks:
/// UTF-16 (with a byte order mark), binary files (a NUL byte near the start) and files over
/// [`MAX_POST_BYTES`].
pub fn parse(path: &str, bytes: &[u8]) -> Post {
    parse_with(path, bytes, &ParseOptions::default())
}

/// [`parse`] with the reading rules of a configuration.
pub fn parse_with(path: &str, bytes: &[u8], options: &ParseOptions) -> Post {
    parse_remembering(path, bytes, options, None)
}

/// [`parse_with`] that reads a big post's chunks through `memo`: those the last version read
/// of the same path had are not parsed again. The post is the same as without it.
pub fn parse_remembering(
    path: &str,
    bytes: &[u8],
    options: &ParseOptions,
    memo: Option<&PostMemo>,
) -> Post {
    if let Some(reason) = unreadable(bytes) {
        let (date, date_source) = filename_or_nothing(path, options.week_start);
        return Post {
            date,
            date_source,
            warnings: vec![Warning {
                file: path.to_string(),
                line: None,
                commit: None,
                message: reason,
            }],
            ..Post::default()
        };
    }
    let mut warnings = Vec::new();
    let (text, source_map) = decode(path, bytes, &mut warnings);

    let (front, front_error) = frontmatter::split(&text);
    if let Some(error) = front_error {
        warnings.push(Warning {
            file: path.to_string(),
            line: Some(error.line),
            commit: None,
            message: error.message,
        });
    }

    let (date, date_source) = match front.date.as_deref() {
        Some(value) => {
            match dates::parse_front_matter_date(value) {
                Some(date) => (Some(date), Some(DateSource::FrontMatter)),
                None => {
                    warnings.push(warning_at(path, &text, 0, format!("front matter date {value:?} is not a date I can read; using the file name")));
                    filename_or_nothing(path, options.week_start)
                }
            }
        }
        None => filename_or_nothing(path, options.week_start),
    };

    let body = Body::read(
        &text,
        front.body_start,
        &source_map,
        options,
        memo.map(|memo| (memo, path)),
    );

    let mut due = None;
    if let Some(value) = front
        .due
        .as_deref()
        .filter(|_| options.due_from_front_matter)
    {
        match dates::parse_front_matter_date(value) {
            Some(date) => {
                due = Some(Due {
                    date,
                    source: DueSource::FrontMatter,
                    evidence: None,
                })
            }
            None => warnings.push(warning_at(
                path,
                &text,
                0,
                format!("front matter due date {value:?} is not a date I can read"),
            )),
        }
    }
    if due.is_none() && options.due_from_text {
        due = dates::find_due_phrase_with(&body.prose_before_tasks, date, options.date_order).map(
            |phrase| Due {
                date: phrase.date,
                source: DueSource::Text,
                evidence: Some(phrase.evidence),
            },
        );
    }

    // A post that opted out (`gitgoals: false`) has no tasks to count, so it is no goals
    // post: no week, no stats block.
    let tasks = if front.opted_out {
        TaskList::default()
    } else {
        body.tasks
    };
    Post {
        title: front.title.map(|t| collapse_whitespace(&t)),
        date,
        date_source,
        due,
        tasks,
        warnings,
    }
}

fn filename_or_nothing(path: &str, week_start: Weekday) -> (Option<NaiveDate>, Option<DateSource>) {
    match dates::filename_date_with(path, week_start) {
        Some(date) => (Some(date), Some(DateSource::Filename)),
        None => (None, None),
    }
}

fn warning_at(path: &str, text: &str, offset: usize, message: String) -> Warning {
    Warning {
        file: path.to_string(),
        line: Some(line_of(text, offset)),
        commit: None,
        message,
    }
}

/// Why a file of `len` bytes is too large to read as a post, if it is: the history walk asks
/// before it reads a blob at all.
pub fn over_size_cap(len: usize) -> Option<String> {
    (len > MAX_POST_BYTES).then(|| {
        format!(
            "skipped: {:.1} MiB is over the {} MiB a post may have",
            len as f64 / (1024.0 * 1024.0),
            MAX_POST_BYTES / (1024 * 1024)
        )
    })
}

/// Why a file is not read as a post at all, if it is not.
fn unreadable(bytes: &[u8]) -> Option<String> {
    if let Some(reason) = over_size_cap(bytes.len()) {
        return Some(reason);
    }
    if bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF") {
        return Some(
            "skipped: the file is UTF-16; gitgoals reads UTF-8 posts only (save it as UTF-8)"
                .to_string(),
        );
    }
    if bytes[..bytes.len().min(BINARY_PROBE_BYTES)].contains(&0) {
        return Some("skipped: a binary file (it holds NUL bytes), not a post".to_string());
    }
    None
}

/// Where each part of the decoded text came from in the original bytes: the start of every
/// run of valid UTF-8, as (offset in the text, offset in the bytes). A replacement character
/// is three bytes long while the bad bytes it stands for are one to three, so offsets after
/// it shift; markers must still slice to `[ ]` in the bytes the caller has.
struct SourceMap {
    runs: Vec<(usize, usize)>,
}

impl SourceMap {
    /// The one shift from text to bytes, when the text is the bytes less a prefix (no bad
    /// bytes replaced).
    fn shift(&self) -> Option<usize> {
        match self.runs.as_slice() {
            [(0, bytes)] => Some(*bytes),
            _ => None,
        }
    }

    fn original(&self, offset: usize) -> usize {
        let after = self.runs.partition_point(|&(text, _)| text <= offset);
        match after.checked_sub(1).map(|i| self.runs[i]) {
            Some((text, bytes)) => bytes + (offset - text),
            None => offset,
        }
    }
}

/// The text to parse and where its offsets lie in the original bytes (a BOM is dropped).
/// Invalid UTF-8 is read lossily, with a warning naming the first bad line.
fn decode<'a>(
    path: &str,
    bytes: &'a [u8],
    warnings: &mut Vec<Warning>,
) -> (std::borrow::Cow<'a, str>, SourceMap) {
    const BOM: &[u8] = b"\xEF\xBB\xBF";
    let (bytes, base) = match bytes.strip_prefix(BOM) {
        Some(rest) => (rest, BOM.len()),
        None => (bytes, 0),
    };
    match std::str::from_utf8(bytes) {
        Ok(text) => (
            // Borrowed, not copied: every version of a big post passes through here.
            std::borrow::Cow::Borrowed(text),
            SourceMap {
                runs: vec![(0, base)],
            },
        ),
        Err(error) => {
            let line = bytes[..error.valid_up_to()]
                .iter()
                .filter(|&&b| b == b'\n')
                .count()
                + 1;
            warnings.push(Warning {
                file: path.to_string(),
                line: Some(line),
                commit: None,
                message: "not valid UTF-8; read with the bad bytes replaced".to_string(),
            });
            let mut text = String::with_capacity(bytes.len() + 8);
            let mut runs = Vec::new();
            let mut original = base;
            for chunk in bytes.utf8_chunks() {
                runs.push((text.len(), original));
                text.push_str(chunk.valid());
                original += chunk.valid().len();
                if !chunk.invalid().is_empty() {
                    text.push(char::REPLACEMENT_CHARACTER);
                    original += chunk.invalid().len();
                }
            }
            (std::borrow::Cow::Owned(text), SourceMap { runs })
        }
    }
}

/// 1-based line number of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    line_of_bytes(text.as_bytes(), offset.min(text.len()))
}

/// Line numbers of increasing offsets, counted once: a post with thousands of tasks would
/// otherwise be read from its start again for every task.
struct LineCounter<'a> {
    text: &'a [u8],
    offset: usize,
    line: usize,
}

impl<'a> LineCounter<'a> {
    fn new(text: &'a str) -> Self {
        LineCounter {
            text: text.as_bytes(),
            offset: 0,
            line: 1,
        }
    }

    /// 1-based line of `offset`; offsets asked for must not decrease.
    fn line_of(&mut self, offset: usize) -> usize {
        let offset = offset.min(self.text.len());
        if offset < self.offset {
            return line_of_bytes(self.text, offset);
        }
        self.line += self.text[self.offset..offset]
            .iter()
            .filter(|&&b| b == b'\n')
            .count();
        self.offset = offset;
        self.line
    }
}

fn line_of_bytes(text: &[u8], offset: usize) -> usize {
    count_newlines(&text[..offset]) + 1
}

fn count_newlines(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&b| b == b'\n').count()
}

/// What the Markdown body yields.
struct Body {
    tasks: TaskList,
    /// Paragraph text before the first task, where a "by DATE" phrase is looked for.
    prose_before_tasks: String,
}

/// One top-level piece of an item's own text, in order.
#[derive(Debug)]
enum Piece {
    /// Text inside a strong or emphasis span that sits directly in the item.
    Span(String),
    /// Text of a link that sits directly in the item.
    Link(String),
    Text(String),
    /// A line break: soft or hard break, `<br>`, or a paragraph boundary.
    Break,
}

/// A list item being read.
struct OpenItem {
    /// Index in `tasks` when the item is a task.
    task: Option<usize>,
    pieces: Vec<Piece>,
    /// Depth of lists nested inside this item (their text belongs to their own items).
    nested_lists: usize,
    /// Depth of strong/emphasis/link spans open directly in this item.
    span_depth: usize,
    paragraphs: usize,
    /// Nothing of the item's own text has been seen yet: a `[-]`/`[>]` box may still come.
    fresh: bool,
    /// The item's text opens with a `[-]`/`[>]` box that is not text.
    strip_box: bool,
}

/// What one chunk of a body yields, with positions relative to the chunk: task lines count
/// from 1 at its first line, markers from its first byte, parents index its own tasks.
#[derive(Debug, Default)]
pub struct ChunkReading {
    tasks: Arc<[Task]>,
    /// The heading stack after the chunk.
    headings: Vec<(usize, String)>,
    prose: String,
    /// How many lines the chunk ends (set for a remembered chunk).
    newlines: usize,
}

/// The chunks of big posts read so far, shared by the versions of each post.
pub type PostMemo = ChunkMemo<ChunkReading>;

impl Body {
    /// Reads the body, in chunks that each parse alone when the post is big and a memo is
    /// given (only chunks not read before are parsed), else whole. Either way the result is
    /// the same.
    fn read(
        text: &str,
        body_start: usize,
        source_map: &SourceMap,
        options: &ParseOptions,
        memo: Option<(&PostMemo, &str)>,
    ) -> Body {
        let body = &text[body_start..];
        // Obsidian's comments are blanked out byte for byte, so every offset (markers, lines)
        // stays where it is in the file.
        let uncommented;
        let body = if options.obsidian && body.contains("%%") {
            uncommented = blank_obsidian_comments(body);
            uncommented.as_str()
        } else {
            body
        };
        let excluded = stats_block_ranges(body);
        let cuts = memo
            .filter(|(memo, _)| memo.chunks(body.len()))
            .and_then(|_| cut_points(body))
            .unwrap_or_default();
        let chunked = !cuts.is_empty();
        // What a chunk's reading depends on: the rating and the status boxes (hashed only
        // when there are chunks to look up).
        let options_key = chunked.then(|| {
            let mut hasher = std::hash::DefaultHasher::new();
            std::hash::Hash::hash(
                &(
                    options.rating_scale,
                    &options.rating_pattern,
                    options.obsidian,
                    &options.statuses,
                ),
                &mut hasher,
            );
            std::hash::Hasher::finish(&hasher)
        });
        let previous = match (memo, options_key) {
            (Some((memo, path)), Some(key)) => memo.previous(path, key),
            _ => None,
        };
        let mut kept = options_key.map(PathChunks::new);
        let mut ends = cuts;
        ends.push(body.len());

        // A big post's versions share the tasks of the chunks they have in common, placed as
        // runs; a source map that is not one shift (bad bytes replaced) places each task.
        let shift = source_map.shift().filter(|_| kept.is_some());
        let mut tasks: Vec<Task> = Vec::new();
        let mut list = TaskList::default();
        let mut count = 0;
        let mut prose = String::new();
        let mut context = ChunkContext::default();
        // The line each chunk starts on, counted on from chunk to chunk with the lines each
        // holds (kept with a remembered chunk): counting the newlines of every version of a
        // big post again was a sixth of a cold read.
        let mut first_line = line_of_bytes(text.as_bytes(), body_start);
        let mut chunk_start = 0;
        for (index, end) in ends.into_iter().enumerate() {
            let chunk = &body[chunk_start..end];
            context.tasks_before = count > 0;
            context.excluded = excluded
                .iter()
                .filter(|r| r.start < end && r.end > chunk_start)
                .map(|r| r.start.saturating_sub(chunk_start)..r.end - chunk_start)
                .collect();
            let start = body_start + chunk_start;
            let mut place = |reading: &ChunkReading| {
                count += reading.tasks.len();
                if let Some(shift) = shift {
                    list.push_run(Arc::clone(&reading.tasks), first_line - 1, shift + start);
                    return;
                }
                let offset = tasks.len();
                tasks.extend(reading.tasks.iter().map(|task| {
                    let mut task = task.clone();
                    task.parent = task.parent.map(|p| p + offset);
                    task.line += first_line - 1;
                    task.marker = source_map.original(start + task.marker.start)
                        ..source_map.original(start + task.marker.end);
                    task
                }));
            };
            match kept.as_mut() {
                None => {
                    let reading = read_chunk(chunk, &context, options, None);
                    place(&reading);
                    prose.push_str(&reading.prose);
                    context.headings = reading.headings;
                }
                Some(kept) => {
                    let key = chunk_key(chunk, &context);
                    let stored = match previous.as_ref().and_then(|p| p.find(key, chunk, &context))
                    {
                        Some(stored) => Arc::clone(stored),
                        None => {
                            let replaced =
                                previous.as_ref().and_then(|p| p.replaced(index, &context));
                            let mut reading = read_chunk(chunk, &context, options, replaced);
                            reading.newlines = count_newlines(chunk.as_bytes());
                            Arc::new(StoredChunk::new(chunk, context.clone(), reading))
                        }
                    };
                    place(&stored.reading);
                    prose.push_str(&stored.reading.prose);
                    context.headings = stored.reading.headings.clone();
                    first_line += stored.reading.newlines;
                    kept.insert(key, stored);
                }
            }
            chunk_start = end;
        }
        let tasks = if shift.is_some() {
            list.shrink_to_fit();
            list
        } else {
            tasks.shrink_to_fit();
            TaskList::placed_already(tasks)
        };
        if let (Some((memo, path)), Some(mut kept)) = (memo, kept) {
            kept.set_tasks(count);
            memo.store(path, kept);
        }
        Body {
            tasks,
            prose_before_tasks: prose,
        }
    }
}

/// Reads one chunk of a body (the whole body is one chunk too) in its context. `replaced` is
/// the chunk an edited one replaces: the tasks that keep their text share its copies.
fn read_chunk(
    body: &str,
    context: &ChunkContext,
    options: &ParseOptions,
    replaced: Option<&ChunkReading>,
) -> ChunkReading {
    let excluded = &context.excluded;
    let mut markdown = Options::empty();
    markdown.insert(Options::ENABLE_TASKLISTS);
    markdown.insert(Options::ENABLE_STRIKETHROUGH);
    if options.obsidian {
        // `[[Page|Alias]]` reads as `Alias`, `[[Page]]` and `![[Page]]` as `Page`: what
        // the note shows.
        markdown.insert(Options::ENABLE_WIKILINKS);
    }

    let mut tasks: Vec<Task> = Vec::new();
    let mut items: Vec<OpenItem> = Vec::new();
    let mut headings: Vec<(usize, String)> = context.headings.clone();
    let mut heading_text: Option<(usize, String)> = None;
    let mut prose = String::new();
    let mut in_code = 0usize;
    let mut lines = LineCounter::new(body);

    for (event, range) in Parser::new_ext(body, markdown).into_offset_iter() {
        if let Some((_, heading)) = heading_text.as_mut() {
            match &event {
                Event::Text(t) | Event::Code(t) => heading.push_str(t),
                Event::SoftBreak | Event::HardBreak => heading.push(' '),
                Event::End(TagEnd::Heading(_)) => {
                    let (level, raw) = heading_text.take().unwrap_or_default();
                    headings.retain(|(l, _)| *l < level);
                    headings.push((level, strip_progress_cookies(&collapse_whitespace(&raw))));
                }
                _ => {}
            }
            continue;
        }
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading_text = Some((level as usize, String::new()));
            }
            Event::Start(Tag::CodeBlock(_)) => {
                in_code += 1;
                // A code block in an item is a block of its own: never part of the title.
                if let Some(item) = items.last_mut() {
                    item.pieces.push(Piece::Break);
                }
            }
            Event::End(TagEnd::CodeBlock) => in_code = in_code.saturating_sub(1),
            Event::Start(Tag::Item) => {
                if let Some(parent) = items.last_mut() {
                    parent.pieces.push(Piece::Break);
                }
                items.push(OpenItem {
                    task: None,
                    pieces: Vec::new(),
                    nested_lists: 0,
                    span_depth: 0,
                    paragraphs: 0,
                    fresh: true,
                    strip_box: false,
                });
            }
            Event::End(TagEnd::Item) => {
                if let Some(item) = items.pop()
                    && let Some(index) = item.task
                {
                    fill_text(&mut tasks[index], &item.pieces, item.strip_box, options);
                }
            }
            Event::TaskListMarker(checked) => {
                let Some(range) = checkbox_in(body, range) else {
                    continue;
                };
                let start = range.start;
                if excluded.iter().any(|r| r.contains(&start)) {
                    continue;
                }
                let parent = items.iter().rev().skip(1).find_map(|item| item.task);
                let Some(item) = items.last_mut() else {
                    continue;
                };
                item.task = Some(tasks.len());
                item.fresh = false;
                item.pieces.clear();
                let mark = if checked { Mark::Done } else { Mark::Open };
                let line = lines.line_of(range.start);
                tasks.push(new_task(&headings, &tasks, parent, mark, line, range));
            }
            // `[-]` and `[>]` are not task markers to CommonMark: they arrive as the first
            // text of the item, and only the source tells them from an escaped `\[-]`.
            Event::Text(_)
                if in_code == 0
                    && items
                        .last()
                        .is_some_and(|item| item.fresh && item.nested_lists == 0)
                    && !excluded.iter().any(|r| r.contains(&range.start)) =>
            {
                let parent = items.iter().rev().skip(1).find_map(|item| item.task);
                // An escaped `\[-]` arrives as text starting at the bracket.
                let escaped = body[..range.start].ends_with('\\');
                let extra_box = status_box(&body[range.start..], options).filter(|_| !escaped);
                if let Some(item) = items.last_mut() {
                    item.fresh = false;
                    if let Some(mark) = extra_box {
                        item.task = Some(tasks.len());
                        item.strip_box = true;
                        item.pieces.clear();
                        let marker = range.start..range.start + 3;
                        let line = lines.line_of(marker.start);
                        tasks.push(new_task(&headings, &tasks, parent, mark, line, marker));
                    }
                    collect_item_text(item, event);
                }
            }
            event => match items.last_mut() {
                Some(item) => collect_item_text(item, event),
                None if tasks.is_empty() && !context.tasks_before && in_code == 0 => {
                    collect_prose(&mut prose, event)
                }
                None => {}
            },
        }
    }
    if let Some(replaced) = replaced {
        share_text_with(&mut tasks, &replaced.tasks);
    }
    ChunkReading {
        tasks: tasks.into(),
        headings,
        prose,
        newlines: 0,
    }
}

/// The `[ ]`, `[x]` or `[X]` inside the range pulldown-cmark gives a task-list marker, or
/// `None` for the other boxes it accepts: `[` + tab, vertical tab or form feed + `]` is a
/// task in the letter of GFM, but no one writes it on purpose (it comes from binary junk or a
/// broken editor) and kramdown does not read it as a checkbox.
fn checkbox_in(body: &str, range: std::ops::Range<usize>) -> Option<std::ops::Range<usize>> {
    let open = range.start + body.get(range.clone())?.find('[')?;
    let checkbox = open..open + 3;
    match body.as_bytes().get(checkbox.clone())? {
        b"[ ]" | b"[x]" | b"[X]" => Some(checkbox),
        _ => None,
    }
}

/// A task found at `range` (relative to the chunk; [`Body::read`] places it) under
/// `headings`, after the chunk's tasks `before`: tasks under the same headings share one copy
/// of their section.
fn new_task(
    headings: &[(usize, String)],
    before: &[Task],
    parent: Option<usize>,
    mark: Mark,
    line: usize,
    range: std::ops::Range<usize>,
) -> Task {
    let names = headings.iter().map(|(_, h)| h).filter(|h| !h.is_empty());
    let section = match before.last() {
        Some(last) if names.clone().eq(last.section.iter()) => Arc::clone(&last.section),
        _ => names.cloned().collect(),
    };
    Task {
        checked: mark == Mark::Done,
        mark,
        section,
        parent,
        line,
        marker: range,
        ..Task::default()
    }
}

/// How far from its own index a task of an edited chunk looks for itself in the chunk it
/// replaces: an edit adds or removes a task or two.
const SHARE_NEAR: usize = 4;

/// Points the title, note and section of each of `tasks` at the copies of `replaced` (the
/// chunk they replace) where the text is the same: an edited chunk of a big post is read
/// again for every version, and without this each reading held its own copy of all its text.
fn share_text_with(tasks: &mut [Task], replaced: &[Task]) {
    let mut last_section: Option<Arc<[String]>> = None;
    for (index, task) in tasks.iter_mut().enumerate() {
        let near = index.saturating_sub(SHARE_NEAR)..(index + SHARE_NEAR + 1).min(replaced.len());
        // Its own index first: most tasks of an edited chunk stay where they were.
        let same = replaced
            .get(index)
            .filter(|old| old.title == task.title)
            .or_else(|| {
                replaced
                    .get(near)
                    .and_then(|near| near.iter().find(|old| old.title == task.title))
            });
        if let Some(old) = same {
            task.share_text_of(old);
        }
        // A task whose section is not yet a kept copy: the section of the task at its place,
        // else of the task before (a new task beside kept ones).
        if !same.is_some_and(|old| Arc::ptr_eq(&old.section, &task.section)) {
            let section = replaced
                .get(index)
                .filter(|_| same.is_none())
                .map(|old| &old.section)
                .into_iter()
                .chain(&last_section)
                .find(|section| **section == task.section);
            if let Some(section) = section {
                task.section = Arc::clone(section);
            }
        }
        last_section = Some(Arc::clone(&task.section));
    }
}

/// The box characters read the same in every format, unless `statuses.*` says otherwise:
/// `[-]` cancelled and `[>]` forwarded, as task tools write them.
pub const BUILT_IN_STATUSES: [(char, Mark); 2] = [('-', Mark::Cancelled), ('>', Mark::Forwarded)];

/// The status a box other than `[ ]`/`[x]` at the start of `source` stands for: one of the
/// configured `statuses`, else `[-]` (cancelled) or `[>]` (forwarded), else in Obsidian any
/// other character, open (`[/]` in progress, and the characters Obsidian Tasks does not know).
/// Like GFM's own boxes it must be followed by white space.
fn status_box(source: &str, options: &ParseOptions) -> Option<Mark> {
    let mut chars = source.chars();
    let (Some('['), Some(status), Some(']')) = (chars.next(), chars.next(), chars.next()) else {
        return None;
    };
    if !chars.as_str().starts_with([' ', '\t']) || matches!(status, ' ' | 'x' | 'X' | ']' | '[') {
        return None;
    }
    if let Some((_, mark)) = options.statuses.iter().find(|(c, _)| *c == status) {
        return *mark;
    }
    if let Some((_, mark)) = BUILT_IN_STATUSES.iter().find(|(c, _)| *c == status) {
        return Some(*mark);
    }
    match status {
        _ if options.obsidian && !status.is_whitespace() && !status.is_control() => {
            Some(Mark::Open)
        }
        _ => None,
    }
}

/// `body` with Obsidian's comments — `%%` to the next `%%`, on one line or across lines, or to
/// the end of the note when it is never closed — turned into spaces (line breaks kept), the
/// `%%` themselves included. Code (fenced and indented blocks, inline spans) shows `%%` as it
/// is.
pub fn blank_obsidian_comments(body: &str) -> String {
    let bytes = body.as_bytes();
    let mut out = body.as_bytes().to_vec();
    let mut in_comment = false;
    // Code blocks as CommonMark finds them — fenced (with backticks or tildes, in lists and
    // blockquotes too) and indented — show `%%` as text. A comment that opens before one runs
    // on through it: the blocks only matter outside comments.
    let code_blocks: Vec<std::ops::Range<usize>> = Parser::new(body)
        .into_offset_iter()
        .filter_map(|(event, range)| {
            matches!(event, Event::Start(Tag::CodeBlock(_))).then_some(range)
        })
        .collect();
    let mut line_start = 0;
    while line_start < bytes.len() {
        let line_end = body[line_start..]
            .find('\n')
            .map_or(bytes.len(), |i| line_start + i + 1);
        if !in_comment
            && code_blocks
                .iter()
                .any(|block| block.start < line_end && line_start < block.end)
        {
            line_start = line_end;
            continue;
        }
        // A line that opens with a comment (or with the end of one) is no list item, heading or
        // quote in Obsidian, whatever follows the comment: its first `%%`, when only white space
        // and quote markers come before it and text after it, becomes a no-break space (two
        // bytes, as `%%`), which starts a paragraph where spaces would have let the text after
        // the comment start a block.
        let mut lead: Option<usize> = None;
        let mut only_prefix = true;
        let mut text_after_lead = false;
        let mut i = line_start;
        while i < line_end {
            if !in_comment && bytes[i] == b'`' {
                only_prefix = false;
                text_after_lead |= lead.is_some();
                // An inline code span: skip to the closing run of as many backticks.
                let run = bytes[i..line_end]
                    .iter()
                    .take_while(|&&b| b == b'`')
                    .count();
                let closing = "`".repeat(run);
                match body[i + run..line_end].find(&closing) {
                    Some(at) => {
                        i += run + at + run;
                        continue;
                    }
                    None => {
                        i += run;
                        continue;
                    }
                }
            }
            if bytes[i..line_end].starts_with(b"%%") {
                if only_prefix {
                    lead = Some(i);
                    only_prefix = false;
                }
                out[i] = b' ';
                out[i + 1] = b' ';
                in_comment = !in_comment;
                i += 2;
                continue;
            }
            if in_comment {
                if bytes[i] != b'\n' && bytes[i] != b'\r' {
                    out[i] = b' ';
                }
            } else if !bytes[i].is_ascii_whitespace() {
                text_after_lead |= lead.is_some();
                only_prefix &= bytes[i] == b'>';
            }
            i += 1;
        }
        if let Some(at) = lead
            && text_after_lead
        {
            out[at..at + 2].copy_from_slice("\u{A0}".as_bytes());
        }
        line_start = line_end;
    }
    // Inside a comment every byte of a character is replaced, so the text stays UTF-8 and each
    // character keeps its length in bytes; the lossy branch is never taken.
    String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
}

/// A heading without its org-style progress cookies (`[2/5]`, `[40%]`), which change as tasks
/// are ticked and must not make the section look renamed.
pub fn strip_progress_cookies(heading: &str) -> String {
    let mut out = String::with_capacity(heading.len());
    let mut rest = heading;
    while let Some(start) = rest.find('[') {
        out.push_str(&rest[..start]);
        match cookie_len(&rest[start..]) {
            Some(len) => rest = &rest[start + len..],
            None => {
                out.push('[');
                rest = &rest[start + 1..];
            }
        }
    }
    out.push_str(rest);
    collapse_whitespace(&out)
}

/// The byte length of a progress cookie at the start of `text`: `[n/m]`, `[/]`, `[n%]`, `[%]`.
pub fn cookie_len(text: &str) -> Option<usize> {
    let inner_end = text.find(']')?;
    let inner = text.get(1..inner_end)?;
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let ok = match inner.split_once('/') {
        Some((a, b)) => digits(a) && digits(b),
        None => inner.strip_suffix('%').is_some_and(digits),
    };
    ok.then_some(inner_end + 1)
}

/// Byte ranges of gitgoals' own stats blocks in `body`, markers included: the block the hook
/// writes, found by the one definition the writer uses ([`crate::core::block::find_block`]),
/// so marker text shown in code, inline or in a task's title hides nothing. A post whose
/// markers do not make a block (one missing, or two) hides nothing either: its tasks count.
fn stats_block_ranges(body: &str) -> Vec<std::ops::Range<usize>> {
    // Most versions have no block: one scan (memchr's, the quickest) instead of the block
    // reader's checks and parse.
    static NAME: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new(BLOCK_NAME));
    if NAME.find(body.as_bytes()).is_none() {
        return Vec::new();
    }
    match crate::core::block::find_block(body.as_bytes()) {
        Ok(Some(span)) => vec![span.whole],
        Ok(None) | Err(_) => Vec::new(),
    }
}

/// What both of the stats block's markers hold ([`crate::core::block::START_PREFIX`],
/// [`crate::core::block::END_MARKER`]): a body without it has no block.
const BLOCK_NAME: &str = "gitgoals:stats";

fn collect_prose(prose: &mut String, event: Event) {
    match event {
        Event::Text(t) | Event::Code(t) => prose.push_str(&t),
        Event::SoftBreak | Event::HardBreak | Event::End(TagEnd::Paragraph) => prose.push(' '),
        _ => {}
    }
}

fn collect_item_text(item: &mut OpenItem, event: Event) {
    match event {
        Event::Start(Tag::List(_)) => item.nested_lists += 1,
        Event::End(TagEnd::List(_)) => item.nested_lists = item.nested_lists.saturating_sub(1),
        _ if item.nested_lists > 0 => {}
        Event::Start(Tag::Paragraph) => {
            if item.paragraphs > 0 {
                item.pieces.push(Piece::Break);
            }
            item.paragraphs += 1;
        }
        Event::Start(Tag::Strong | Tag::Emphasis | Tag::Strikethrough) => {
            if item.span_depth == 0 {
                item.pieces.push(Piece::Span(String::new()));
            }
            item.span_depth += 1;
        }
        Event::Start(Tag::Link { .. }) => {
            if item.span_depth == 0 {
                item.pieces.push(Piece::Link(String::new()));
            }
            item.span_depth += 1;
        }
        Event::End(TagEnd::Strong | TagEnd::Emphasis | TagEnd::Strikethrough | TagEnd::Link) => {
            item.span_depth = item.span_depth.saturating_sub(1);
        }
        Event::Text(t) | Event::Code(t) => push_text(item, &t),
        Event::SoftBreak | Event::HardBreak => item.pieces.push(Piece::Break),
        Event::InlineHtml(html) | Event::Html(html) if is_line_break_tag(&html) => {
            item.pieces.push(Piece::Break)
        }
        _ => {}
    }
}

fn push_text(item: &mut OpenItem, text: &str) {
    if item.span_depth > 0
        && let Some(Piece::Span(s) | Piece::Link(s)) = item.pieces.last_mut()
    {
        s.push_str(text);
        return;
    }
    match item.pieces.last_mut() {
        Some(Piece::Text(s)) => s.push_str(text),
        _ => item.pieces.push(Piece::Text(text.to_string())),
    }
}

fn is_line_break_tag(html: &str) -> bool {
    let tag = html.trim().to_ascii_lowercase();
    tag == "<br>" || tag == "<br/>" || tag == "<br />"
}

/// Splits an item's text into title and note, and reads the confidence rating.
///
/// An item that opens with a bold or italic span followed by more text has the span as its
/// title (the author bolds a finished goal and appends notes after it); otherwise the first
/// line is the title. Either way, ticking, bolding or annotating keeps the title the same.
fn fill_text(task: &mut Task, pieces: &[Piece], strip_box: bool, options: &ParseOptions) {
    let unboxed: Vec<Piece>;
    let pieces = if strip_box {
        // The `[-]`/`[>]` box came in as text: drop it from the first text piece.
        unboxed = pieces
            .iter()
            .enumerate()
            .map(|(i, piece)| match piece {
                Piece::Text(t) if i == 0 => Piece::Text(t.get(3..).unwrap_or_default().to_string()),
                Piece::Text(t) => Piece::Text(t.clone()),
                Piece::Span(t) => Piece::Span(t.clone()),
                Piece::Link(t) => Piece::Link(t.clone()),
                Piece::Break => Piece::Break,
            })
            .collect();
        &unboxed[..]
    } else {
        pieces
    };
    let pieces: Vec<&Piece> = pieces
        .iter()
        .skip_while(|p| matches!(p, Piece::Break) || is_blank_text(p))
        .collect();
    let has_more_after_first = pieces
        .iter()
        .skip(1)
        .any(|p| !matches!(p, Piece::Break) && !is_blank_text(p));

    let (title, rest): (String, &[&Piece]) = match pieces.first() {
        // Obsidian Tasks' description is the whole line: in a vault, a leading bold word is
        // part of the title.
        Some(Piece::Span(span)) if has_more_after_first && !options.obsidian => {
            (span.clone(), &pieces[1..])
        }
        _ => {
            let line_end = pieces
                .iter()
                .position(|p| matches!(p, Piece::Break))
                .unwrap_or(pieces.len());
            (pieces_text(&pieces[..line_end]), &pieces[line_end..])
        }
    };

    let mut title = collapse_whitespace(&literal_links_to_text(&title));
    let dates = take_task_dates(&mut title);
    if options.obsidian {
        title = without_block_id(&title).to_string();
    }
    let (title, mut confidence) = split_rating_with(&title, options);
    let mut rest = rest;
    // A rating may follow the title after a link on the same line: `**Title** [[link]](…) 4/5`.
    if confidence.is_none() {
        let line_end = rest
            .iter()
            .position(|p| matches!(p, Piece::Break))
            .unwrap_or(rest.len());
        let same_line = &rest[..line_end];
        if let Some((last, before)) = same_line.split_last()
            && before
                .iter()
                .all(|p| matches!(p, Piece::Link(_)) || is_blank_text(p))
            && let Piece::Text(text) = last
            && let (remainder, Some(rating)) =
                split_rating_with(&collapse_whitespace(text), options)
            && remainder.is_empty()
        {
            confidence = Some(rating);
            rest = &rest[line_end..];
        }
    }
    task.title = title.into();
    task.confidence = confidence;
    let mut note = collapse_whitespace(&pieces_text(rest));
    let note_dates = take_task_dates(&mut note);
    task.note = note.into();
    task.done_date = dates.done.or(note_dates.done);
    task.due = dates.due.or(note_dates.due);
}

/// `title` without the block id (` ^id`) that closes it: Obsidian hides it in the note, and
/// linking to a task must not rename it.
fn without_block_id(title: &str) -> &str {
    match title.rsplit_once(" ^") {
        Some((before, id))
            if !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') =>
        {
            before.trim_end()
        }
        _ => title,
    }
}

/// The dates Obsidian Tasks writes after a task.
#[derive(Debug, Default, PartialEq, Eq)]
struct TaskDates {
    done: Option<NaiveDate>,
    due: Option<NaiveDate>,
}

/// Emoji that Obsidian Tasks puts before a date: ✅ done, 📅 due, and the others it writes
/// (⏳ scheduled, 🛫 start, ➕ created, ❌ cancelled), which are removed from the title too so
/// that adding one does not look like a renamed task.
const TASK_DATE_SIGNS: [&str; 6] = ["✅", "📅", "⏳", "🛫", "➕", "❌"];

/// Obsidian Tasks' other fields, removed from the title like its dates: priorities (a sign
/// alone), and signs followed by a value — 🔁 a recurrence rule (`every 2 weeks on Monday`),
/// 🆔 an id, ⛔ the ids it depends on, 🏁 what happens on completion.
const TASK_PRIORITY_SIGNS: [&str; 5] = ["🔺", "⏫", "🔼", "🔽", "⏬"];
const TASK_VALUE_SIGNS: [&str; 4] = ["🔁", "🆔", "⛔", "🏁"];

/// Removes every `<sign> YYYY-MM-DD` and every other Obsidian Tasks field from `text` and
/// returns the done and due dates among them.
fn take_task_dates(text: &mut String) -> TaskDates {
    let mut found = TaskDates::default();
    // Every sign is outside ASCII: most titles and notes are ruled out by one scan.
    if text.is_ascii()
        || !TASK_DATE_SIGNS
            .iter()
            .chain(&TASK_PRIORITY_SIGNS)
            .chain(&TASK_VALUE_SIGNS)
            .any(|sign| text.contains(sign))
    {
        return found;
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    'scan: while !rest.is_empty() {
        for sign in TASK_DATE_SIGNS {
            let Some(after) = rest.strip_prefix(sign) else {
                continue;
            };
            let after = after.strip_prefix('\u{FE0F}').unwrap_or(after);
            let spaced = after.trim_start();
            if let Some(date) = spaced
                .get(..10)
                .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
            {
                match sign {
                    "✅" => found.done = Some(date),
                    "📅" => found.due = Some(date),
                    _ => {}
                }
                rest = &spaced[10..];
                continue 'scan;
            }
        }
        for sign in TASK_PRIORITY_SIGNS {
            if let Some(after) = rest.strip_prefix(sign) {
                rest = after.strip_prefix('\u{FE0F}').unwrap_or(after);
                out.push(' ');
                continue 'scan;
            }
        }
        for sign in TASK_VALUE_SIGNS {
            if let Some(after) = rest.strip_prefix(sign) {
                let after = after.strip_prefix('\u{FE0F}').unwrap_or(after);
                // A rule is words, numbers and commas (`every week, when done`); ids are
                // letters, digits, `-` and `_`, and a dependency list separates them by commas.
                let value = after
                    .find(|c: char| {
                        !(c.is_ascii_alphanumeric() || matches!(c, ' ' | ',' | '!' | '-' | '_'))
                    })
                    .unwrap_or(after.len());
                rest = &after[value..];
                out.push(' ');
                continue 'scan;
            }
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    *text = collapse_whitespace(&out);
    found
}

fn is_blank_text(piece: &Piece) -> bool {
    matches!(piece, Piece::Text(t) if t.trim().is_empty())
}

fn pieces_text(pieces: &[&Piece]) -> String {
    let mut out = String::new();
    for piece in pieces {
        match piece {
            Piece::Span(t) | Piece::Link(t) | Piece::Text(t) => out.push_str(t),
            Piece::Break => out.push(' '),
        }
    }
    out
}

/// Removes a trailing `N/5` rating written as `, 3/5`, ` (3/5)` or ` 3/5` (or the whole text
/// being `3/5`) and returns the rest with it. Digits elsewhere are left alone.
pub fn split_rating(title: &str) -> (String, Option<u8>) {
    split_rating_with(title, &ParseOptions::default())
}

/// [`split_rating`] on the configured scale and pattern.
pub fn split_rating_with(title: &str, options: &ParseOptions) -> (String, Option<u8>) {
    if let Some(pattern) = &options.rating_pattern {
        return split_patterned_rating(title, pattern, options.rating_scale);
    }
    let scale = options.rating_scale;
    let trimmed = title.trim_end();
    let (inner, parenthesised) = match trimmed.strip_suffix(')') {
        Some(inner) => (inner.trim_end(), true),
        None => (trimmed, false),
    };
    let Some(rating) = trailing_rating(inner, scale) else {
        return (trimmed.to_string(), None);
    };
    let mut before = &inner[..rating.start];
    if parenthesised {
        match before.trim_end().strip_suffix('(') {
            Some(b) => before = b,
            None => return (trimmed.to_string(), None),
        }
    } else if !(before.is_empty() || before.ends_with(|c: char| c.is_whitespace() || c == ',')) {
        return (trimmed.to_string(), None);
    }
    let title = before.trim_end().trim_end_matches([',', ';']).trim_end();
    (title.to_string(), Some(rating.value))
}

struct Rating {
    start: usize,
    value: u8,
}

/// `N/scale` (spaces allowed around the slash) at the very end of `text`, N from 0 to the
/// scale (one digit, or two for a scale of 10).
fn trailing_rating(text: &str, scale: u8) -> Option<Rating> {
    let before_scale = text.strip_suffix(&scale.to_string())?.trim_end();
    let before_slash = before_scale.strip_suffix('/')?.trim_end();
    let (value, start) = trailing_number(before_slash, scale)?;
    if before_slash[..start]
        .chars()
        .next_back()
        .is_some_and(|c| c.is_alphanumeric() || c == '/' || c == '.')
    {
        return None;
    }
    Some(Rating { start, value })
}

/// The number (up to the scale's own digit count) at the end of `text`, and where it starts.
fn trailing_number(text: &str, scale: u8) -> Option<(u8, usize)> {
    let digits = text.bytes().rev().take_while(u8::is_ascii_digit).count();
    let width = scale.to_string().len();
    if digits == 0 || digits > width {
        return None;
    }
    let start = text.len() - digits;
    let value: u8 = text[start..].parse().ok()?;
    (value <= scale).then_some((value, start))
}

/// A rating written as a configured pattern (`{n}` the rating, `{scale}` the scale) at the end
/// of the title, after white space or a comma.
fn split_patterned_rating(title: &str, pattern: &str, scale: u8) -> (String, Option<u8>) {
    let trimmed = title.trim_end();
    let pattern = pattern.replace("{scale}", &scale.to_string());
    let Some((prefix, suffix)) = pattern.split_once("{n}") else {
        return (trimmed.to_string(), None);
    };
    let found = (|| {
        let before_suffix = trimmed.strip_suffix(suffix)?;
        let (value, start) = trailing_number(before_suffix, scale)?;
        let before = before_suffix[..start].strip_suffix(prefix)?;
        let boundary = before.is_empty()
            || before.ends_with(|c: char| c.is_whitespace() || c == ',')
            || prefix.starts_with(|c: char| !c.is_alphanumeric());
        boundary.then_some((before, value))
    })();
    match found {
        Some((before, value)) => (
            before
                .trim_end()
                .trim_end_matches([',', ';'])
                .trim_end()
                .to_string(),
            Some(value),
        ),
        None => (trimmed.to_string(), None),
    }
}

/// `[text](target)` that Markdown did not read as a link (a Liquid tag with spaces in the
/// target, say) is still a link to the author: keep its text, drop the target.
fn literal_links_to_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(open) = rest.find('[') {
        let after_open = &rest[open + 1..];
        let link = after_open.find("](").and_then(|close| {
            let target = &after_open[close + 2..];
            let end = matching_paren(target)?;
            Some((close, close + 2 + end + 1))
        });
        match link {
            Some((close, consumed)) if !after_open[..close].contains('[') => {
                out.push_str(&rest[..open]);
                out.push_str(&after_open[..close]);
                rest = &after_open[consumed..];
            }
            _ => {
                out.push_str(&rest[..open + 1]);
                rest = after_open;
            }
        }
    }
    out.push_str(rest);
    out
}

/// Byte offset of the `)` closing a link target that starts right after its `(`.
fn matching_paren(target: &str) -> Option<usize> {
    let mut depth = 0usize;
    for (i, c) in target.char_indices() {
        match c {
            '(' => depth += 1,
            ')' if depth == 0 => return Some(i),
            ')' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// Every run of white space (non-breaking spaces included) becomes one space; ends trimmed.
pub fn collapse_whitespace(text: &str) -> String {
    // Every task's title and note, and every heading, goes through here, more than once: one
    // pass into one buffer, testing ASCII bytes (nearly all of them, even in titles with
    // curly quotes) without decoding them as chars. Splits exactly where `split_whitespace`
    // does.
    if is_collapsed(text) {
        // Titles mostly are already (and `matching` collapses them again).
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    while at < text.len() {
        while let Some(len) = white_space_at(text, at) {
            at += len;
        }
        let start = at;
        while at < text.len() && white_space_at(text, at).is_none() {
            at += utf8_len(text.as_bytes()[at]);
        }
        if start < at {
            if !out.is_empty() {
                out.push(' ');
            }
            out.push_str(&text[start..at]);
        }
    }
    out
}

/// Whether `text` has no white space but single spaces between words.
fn is_collapsed(text: &str) -> bool {
    let bytes = text.as_bytes();
    let mut after_space = true;
    let mut at = 0;
    while at < bytes.len() {
        let byte = bytes[at];
        if byte == b' ' {
            if after_space {
                return false;
            }
            after_space = true;
            at += 1;
        } else if byte.is_ascii() {
            if is_ascii_white_space(byte) {
                return false;
            }
            after_space = false;
            at += 1;
        } else {
            if white_space_at(text, at).is_some() {
                return false;
            }
            after_space = false;
            at += utf8_len(byte);
        }
    }
    bytes.is_empty() || !after_space
}

/// The byte length of the white space char that starts at byte `at` of `text` (a char
/// boundary), if it is one.
fn white_space_at(text: &str, at: usize) -> Option<usize> {
    let byte = *text.as_bytes().get(at)?;
    if byte.is_ascii() {
        return is_ascii_white_space(byte).then_some(1);
    }
    let c = text.get(at..)?.chars().next()?;
    c.is_whitespace().then(|| c.len_utf8())
}

/// The length of the UTF-8 sequence a lead byte opens.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0..0x80 => 1,
        0xC0..0xE0 => 2,
        0xE0..0xF0 => 3,
        _ => 4,
    }
}

/// `char::is_whitespace` for an ASCII byte (it counts the vertical tab, unlike
/// `u8::is_ascii_whitespace`).
fn is_ascii_white_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | 0x0B | 0x0C | b'\r')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_block_markers_hold_the_name_a_body_is_searched_for() {
        use crate::core::block::{END_MARKER, START_MARKER, START_PREFIX};
        for marker in [START_MARKER, START_PREFIX, END_MARKER] {
            assert!(marker.contains(BLOCK_NAME), "{marker}");
        }
    }
    use crate::core::block::{END_MARKER as STATS_END, START_MARKER as STATS_BEGIN};

    fn tasks(markdown: &str) -> Vec<Task> {
        parse("_posts/2021-03-01-week.md", markdown.as_bytes())
            .tasks
            .into_vec()
    }

    fn titles(markdown: &str) -> Vec<String> {
        tasks(markdown)
            .into_iter()
            .map(|t| t.title.to_string())
            .collect()
    }

    #[test]
    fn an_edited_chunk_shares_the_text_its_tasks_keep_with_the_version_before() {
        let memo = PostMemo::chunking_from(0);
        let path = "_posts/2021-03-01-week.md";
        let options = ParseOptions::default();
        let before =
            "## Work\n- [ ] write the report\n- [ ] call Ann *soon*\n## Home\n- [ ] paint\n";
        let after = "## Work\n- [ ] write the report\n- [x] call Ann *soon*\n- [ ] new one\n## Home\n- [ ] paint\n";
        let old = parse_remembering(path, before.as_bytes(), &options, Some(&memo)).tasks;
        let new = parse_remembering(path, after.as_bytes(), &options, Some(&memo)).tasks;
        assert_eq!(
            new.clone().into_vec(),
            tasks(after),
            "the same reading as a whole parse"
        );
        let (old, new) = (old.content_refs(), new.content_refs());
        // The ticked task and the one beside it keep their text: one copy of it.
        for (o, n) in [(0, 0), (1, 1)] {
            assert!(
                Arc::ptr_eq(&old[o].title, &new[n].title),
                "title of task {n}"
            );
            assert!(Arc::ptr_eq(&old[o].note, &new[n].note), "note of task {n}");
            assert!(
                Arc::ptr_eq(&old[o].section, &new[n].section),
                "section of task {n}"
            );
        }
        assert!(new[1].checked && !old[1].checked);
        // The new task has its own title, and the section of the tasks beside it.
        assert_eq!(&*new[2].title, "new one");
        assert!(Arc::ptr_eq(&new[1].section, &new[2].section));
    }

    #[test]
    fn tasks_under_the_same_headings_share_one_section() {
        let read = tasks("# A\n## B\n- [ ] one\n- [ ] two\n  - [ ] nested\n## C\n- [ ] three\n");
        assert!(Arc::ptr_eq(&read[0].section, &read[1].section));
        assert!(Arc::ptr_eq(&read[1].section, &read[2].section));
        assert_eq!(*read[3].section, ["A".to_string(), "C".to_string()]);
    }

    #[test]
    fn every_list_marker_makes_a_task() {
        let md = "- [ ] dash\n\n* [ ] star\n\n+ [ ] plus\n\n1. [ ] dot\n\n1) [x] paren\n";
        let found = tasks(md);
        assert_eq!(titles(md), ["dash", "star", "plus", "dot", "paren"]);
        assert_eq!(found.iter().filter(|t| t.checked).count(), 1);
    }

    #[test]
    fn upper_case_x_is_checked_and_marker_range_slices_the_box() {
        let md = "- [X] shout\n- [x] whisper\n- [ ] later\n";
        let found = tasks(md);
        assert_eq!(
            found.iter().map(|t| t.checked).collect::<Vec<_>>(),
            [true, true, false]
        );
        let markers: Vec<&str> = found.iter().map(|t| &md[t.marker.clone()]).collect();
        assert_eq!(markers, ["[X]", "[x]", "[ ]"]);
        assert_eq!(found.iter().map(|t| t.line).collect::<Vec<_>>(), [1, 2, 3]);
    }

    #[test]
    fn nested_tasks_know_their_parent_and_own_only_their_text() {
        let md =
            "- [ ] outer\n  - [x] inner one\n  - [ ] inner two\n    - [ ] deeper\n- [ ] next\n";
        let found = tasks(md);
        assert_eq!(
            titles(md),
            ["outer", "inner one", "inner two", "deeper", "next"]
        );
        let parents: Vec<Option<usize>> = found.iter().map(|t| t.parent).collect();
        assert_eq!(parents, [None, Some(0), Some(0), Some(2), None]);
        assert_eq!(&*found[0].note, "");
    }

    #[test]
    fn nested_task_under_a_plain_item_has_no_task_parent() {
        let md = "- plain\n  - [ ] child\n";
        assert_eq!(tasks(md)[0].parent, None);
    }

    #[test]
    fn code_blocks_hold_no_tasks() {
        let md =
            "```\n- [ ] fenced\n```\n\n    - [ ] indented\n\n~~~md\n- [x] tilde\n~~~\n- [ ] real\n";
        assert_eq!(titles(md), ["real"]);
    }

    #[test]
    fn an_unclosed_fence_swallows_the_rest_as_commonmark_says() {
        let md = "- [ ] before\n\n```\n- [ ] swallowed\n- [x] also\n";
        assert_eq!(titles(md), ["before"]);
    }

    #[test]
    fn html_blocks_and_spans_hold_no_tasks() {
        let md = "<div>\n- [ ] in html\n</div>\n\n<span>[ ] literal</span>\n\n- [ ] real\n";
        assert_eq!(titles(md), ["real"]);
    }

    #[test]
    fn tasks_in_blockquotes_count() {
        let md = "> - [x] quoted\n> - [ ] quoted open\n";
        assert_eq!(titles(md), ["quoted", "quoted open"]);
    }

    #[test]
    fn a_task_with_no_text_is_still_a_task() {
        let found = tasks("- [ ]\n- [ ] \n- [x] named\n");
        assert_eq!(found.len(), 3);
        assert_eq!(&*found[0].title, "");
        assert_eq!(&*found[1].title, "");
    }

    #[test]
    fn near_misses_are_not_tasks() {
        for md in [
            "-[ ] no space\n",
            "- [y] wrong letter\n",
            "- [-]dash glued\n",
            "- [  ] two spaces\n",
            "- []\n",
            "[ ] no list\n",
            "- [ ]text glued\n",
        ] {
            assert!(tasks(md).is_empty(), "{md:?} read as a task");
        }
    }

    #[test]
    fn crlf_and_bom_read_like_lf() {
        let lf = "---\ntitle: Week\n---\n# Goals\n- [x] **Done thing, 3/5** *note*\n- [ ] open thing (2/5)\n";
        let crlf = lf.replace('\n', "\r\n");
        let mut bom = b"\xEF\xBB\xBF".to_vec();
        bom.extend_from_slice(lf.as_bytes());
        let a = parse("p.md", lf.as_bytes());
        let b = parse("p.md", crlf.as_bytes());
        let c = parse("p.md", &bom);
        let strip = |p: &Post| {
            p.tasks
                .contents()
                .map(|t| {
                    (
                        t.title.clone(),
                        t.note.clone(),
                        t.checked,
                        t.confidence,
                        t.section.clone(),
                        t.line,
                    )
                })
                .collect::<Vec<_>>()
        };
        assert_eq!(strip(&a), strip(&b));
        assert_eq!(strip(&a), strip(&c));
        assert_eq!(a.title.as_deref(), Some("Week"));
        assert_eq!(b.title, a.title);
        assert_eq!(c.title, a.title);
        // Marker offsets stay true to the original bytes, BOM included.
        assert_eq!(&bom[c.tasks.placed_slice()[0].marker.clone()], b"[x]");
        assert_eq!(
            &crlf.as_bytes()[b.tasks.placed_slice()[1].marker.clone()],
            b"[ ]"
        );
    }

    #[test]
    fn a_post_with_no_tasks() {
        let post = parse(
            "_posts/2021-03-01-notes.md",
            b"# Notes\n\nJust prose, by 2021-03-05.\n",
        );
        assert!(post.tasks.is_empty());
        assert!(post.warnings.is_empty());
    }

    #[test]
    fn invalid_utf8_is_a_warning_with_a_line_and_still_read() {
        let post = parse("_posts/x.md", b"# Week\n- [x] caf\xE9 visit\n- [ ] next\n");
        assert_eq!(post.tasks.len(), 2);
        assert_eq!(post.warnings.len(), 1);
        assert_eq!(post.warnings[0].line, Some(2));
        assert!(
            post.warnings[0]
                .to_string()
                .starts_with("_posts/x.md:2: not valid UTF-8")
        );
        assert!(post.tasks.placed_slice()[0].title.starts_with("caf"));
    }

    #[test]
    fn the_three_rating_spellings() {
        let md = "- [ ] Comma rated, 3/5\n- [ ] Paren rated (2/5)\n- [ ] Space rated 4/5\n- [ ] Unrated\n- [ ] **Bold rated, 5/5**\n- [ ] [Linked](https://example.org) 1/5\n- [ ] Zero, 0/5\n";
        let found = tasks(md);
        let got: Vec<(&str, Option<u8>)> =
            found.iter().map(|t| (&*t.title, t.confidence)).collect();
        assert_eq!(
            got,
            [
                ("Comma rated", Some(3)),
                ("Paren rated", Some(2)),
                ("Space rated", Some(4)),
                ("Unrated", None),
                ("Bold rated", Some(5)),
                ("Linked", Some(1)),
                ("Zero", Some(0)),
            ]
        );
    }

    #[test]
    fn digits_that_are_not_ratings() {
        for title in [
            "Read arXiv:1904.10509 (2019).",
            "Train 64 layers",
            "Chapter 3/4 of the book",
            "Score 15/5",
            "Ratio 6/5",
            "Version 1.3/5",
            "Paper (2015)",
            "CS242 HW 1",
        ] {
            let found = tasks(&format!("- [ ] {title}\n"));
            assert_eq!(found[0].confidence, None, "{title}");
            assert_eq!(&*found[0].title, title);
        }
    }

    #[test]
    fn a_bold_title_with_notes_keeps_the_title_and_the_rating() {
        let before = "- [ ] Graphics homework 0, 3/5\n";
        let after = "- [x] **Graphics homework 0, 3/5** *Took longer than planned.*\n<br>\n<br>\n*More notes on a later line.*\n";
        let a = &tasks(before)[0];
        let b = &tasks(after)[0];
        assert_eq!(&*a.title, "Graphics homework 0");
        assert_eq!(b.title, a.title);
        assert_eq!(b.confidence, Some(3));
        assert_eq!(
            &*b.note,
            "Took longer than planned. More notes on a later line."
        );
        assert!(b.checked);
    }

    #[test]
    fn bold_title_then_link_then_rating() {
        let found = tasks("- [x] **Finish the web app** [[link]](https://example.org/app) 4/5\n");
        assert_eq!(&*found[0].title, "Finish the web app");
        assert_eq!(found[0].confidence, Some(4));
        assert_eq!(&*found[0].note, "");
    }

    #[test]
    fn rating_inside_bold_after_a_paren() {
        let found = tasks("- [x] **Read “Image Models” 2018. (4/5)** *notes here*\n");
        assert_eq!(&*found[0].title, "Read “Image Models” 2018.");
        assert_eq!(found[0].confidence, Some(4));
        assert_eq!(&*found[0].note, "notes here");
    }

    #[test]
    fn plain_item_title_is_its_first_line() {
        let found = tasks("- [ ] First line title\n  continued as a note\n");
        assert_eq!(&*found[0].title, "First line title");
        assert_eq!(&*found[0].note, "continued as a note");
    }

    #[test]
    fn a_wholly_bold_item_is_its_own_title() {
        let found = tasks("- [x] **CS242 HW 1**\n<br>\n<br>\n");
        assert_eq!(&*found[0].title, "CS242 HW 1");
        assert_eq!(&*found[0].note, "");
    }

    #[test]
    fn markup_is_removed_and_white_space_collapsed() {
        let found =
            tasks("- [ ] Read  the `docs` of [the *crate*](https://example.org)\u{a0}today\n");
        assert_eq!(&*found[0].title, "Read the docs of the crate today");
    }

    #[test]
    fn white_space_runs_of_any_kind_become_one_space() {
        assert_eq!(
            collapse_whitespace(" \t a\u{a0}\u{2003} b\r\n\u{b}c  "),
            "a b c"
        );
        assert_eq!(collapse_whitespace(" \u{3000}\n "), "");
        assert_eq!(collapse_whitespace(""), "");
        assert_eq!(collapse_whitespace(" "), "");
        assert_eq!(collapse_whitespace("a b "), "a b");
        assert_eq!(collapse_whitespace("já fiz"), "já fiz");
        // The ASCII path splits exactly where `split_whitespace` does.
        // It splits exactly where `split_whitespace` does, for every ASCII char and a span of
        // others that holds the Latin-1, general punctuation and ideographic spaces.
        let others = (0x80u32..0x3100).filter_map(char::from_u32);
        for c in (0u8..128).map(char::from).chain(others) {
            let texts = [
                format!("a{c}{c}“b”{c}é"),
                format!("a{c}b"),
                format!("{c}a b"),
            ];
            for text in texts {
                let expected = text.split_whitespace().collect::<Vec<_>>().join(" ");
                assert_eq!(
                    collapse_whitespace(&text),
                    expected,
                    "char {:#06x}",
                    c as u32
                );
            }
        }
    }

    #[test]
    fn link_markup_markdown_did_not_take_is_still_reduced_to_its_text() {
        let found = tasks(
            "- [ ] [Read 101 papers]({{site.baseurl}}{% post_url 2021-01-12-Papers %}) (credit per paper)\n",
        );
        assert_eq!(&*found[0].title, "Read 101 papers (credit per paper)");
        let kept = tasks("- [ ] Keep [brackets] and (parens) as written\n");
        assert_eq!(&*kept[0].title, "Keep [brackets] and (parens) as written");
    }

    #[test]
    fn ten_thousand_tasks_keep_their_lines() {
        let md: String = (0..10_000)
            .map(|i| format!("- [ ] task number {i}\n"))
            .collect();
        let found = tasks(&md);
        assert_eq!(found.len(), 10_000);
        assert_eq!(found[9_999].line, 10_000);
        assert_eq!(&*found[9_999].title, "task number 9999");
    }

    #[test]
    fn sections_are_heading_chains() {
        let md = "# Week\n## Courses\n### Assignments\n- [ ] a\n## Papers\n- [ ] b\n### [Linked](x) heading\n- [ ] c\n# Other\n- [ ] d\n";
        let found = tasks(md);
        let sections: Vec<String> = found.iter().map(|t| t.section_path()).collect();
        assert_eq!(
            sections,
            [
                "Week > Courses > Assignments",
                "Week > Papers",
                "Week > Papers > Linked heading",
                "Other"
            ]
        );
    }

    #[test]
    fn tasks_in_the_stats_block_are_not_tasks() {
        for opening in [
            crate::core::block::START_MARKER,
            "<!-- gitgoals:stats 3f9a1c2e -->",
        ] {
            let md =
                format!("- [ ] real\n\n{opening}\n- [x] fake\n{STATS_END}\n\n- [ ] also real\n");
            assert_eq!(titles(&md), ["real", "also real"], "{opening}");
        }
        let not_a_marker = format!("- [ ] real\n\n{STATS_BEGIN}s -->\n- [x] seen\n");
        assert_eq!(titles(&not_a_marker), ["real", "seen"]);
    }

    #[test]
    fn marker_text_in_a_code_fence_hides_no_task() {
        let md = format!("- [ ] before\n\n```\n{STATS_BEGIN}\n```\n\n- [ ] after\n- [x] last\n");
        assert_eq!(titles(&md), ["before", "after", "last"]);
    }

    #[test]
    fn marker_text_in_inline_code_hides_no_task() {
        let md = format!("The hook writes `{STATS_BEGIN}` here.\n\n- [ ] one\n- [ ] two\n");
        assert_eq!(titles(&md), ["one", "two"]);
    }

    #[test]
    fn marker_text_in_a_task_title_hides_no_task() {
        let md = format!("- [ ] explain {STATS_BEGIN} in the README\n- [ ] next\n");
        assert_eq!(titles(&md).len(), 2, "{:?}", titles(&md));
        assert_eq!(titles(&md)[1], "next");
    }

    #[test]
    fn an_unclosed_block_hides_no_task() {
        let md = format!("- [ ] before\n\n{STATS_BEGIN}\n\n- [ ] after\n");
        assert_eq!(titles(&md), ["before", "after"]);
    }

    #[test]
    fn due_date_sources() {
        let front = parse(
            "_posts/2020-12-07-w.md",
            b"---\ndue: 2020-12-13\n---\nFinish by 12/12/2020.\n- [ ] a\n",
        );
        let due = front.due.unwrap();
        assert_eq!(due.source, DueSource::FrontMatter);
        assert_eq!(due.date.to_string(), "2020-12-13");

        let deadline = parse(
            "_posts/2020-12-07-w.md",
            b"---\ndeadline: 2020-12-14\n---\n- [ ] a\n",
        );
        assert_eq!(deadline.due.unwrap().date.to_string(), "2020-12-14");

        let text = parse(
            "_posts/2020-12-07-w.md",
            b"I can finish these by 12/12/2020.\n\n- [ ] a\n",
        );
        let due = text.due.unwrap();
        assert_eq!(due.source, DueSource::Text);
        assert_eq!(due.evidence.as_deref(), Some("by 12/12/2020"));

        // Only prose before the first task counts: notes written on a task are not the due date.
        let late = parse(
            "_posts/2020-12-07-w.md",
            b"- [ ] a\n\nDone by 12/12/2020.\n",
        );
        assert_eq!(late.due, None);
    }

    #[test]
    fn front_matter_date_wins_over_the_file_name() {
        let post = parse(
            "_posts/2020-01-09-Daily-Log.md",
            b"---\ndate: 2021-01-09\n---\n- [ ] a\n",
        );
        assert_eq!(post.date.unwrap().to_string(), "2021-01-09");
        assert_eq!(post.date_source, Some(DateSource::FrontMatter));
        let named = parse("_posts/2020-01-09-Daily-Log.md", b"- [ ] a\n");
        assert_eq!(named.date.unwrap().to_string(), "2020-01-09");
        assert_eq!(named.date_source, Some(DateSource::Filename));
        let unknown = parse("notes/log.md", b"- [ ] a\n");
        assert_eq!(unknown.date, None);
    }

    #[test]
    fn malformed_front_matter_is_a_warning_and_tasks_still_come_out() {
        let post = parse(
            "_posts/2020-12-07-w.md",
            b"---\ntitle: [oops\n---\n- [ ] a\n",
        );
        assert_eq!(post.tasks.len(), 1);
        assert_eq!(post.warnings.len(), 1);
        assert_eq!(post.warnings[0].file, "_posts/2020-12-07-w.md");
        assert!(post.warnings[0].line.is_some());
        assert_eq!(post.date.unwrap().to_string(), "2020-12-07");
    }

    /// The task-list cases of the GFM specification and of pulldown-cmark's own suite, in our
    /// own words: each input with the tasks (checked or not) a reader must see.
    #[test]
    fn gfm_task_list_cases() {
        let cases: &[(&str, &[bool])] = &[
            ("- [ ] foo\n- [x] bar\n", &[false, true]),
            (
                "- [x] foo\n  - [ ] bar\n  - [x] baz\n- [ ] bim\n",
                &[true, false, true, false],
            ),
            ("* [ ] loose\n\n* [x] items\n", &[false, true]),
            ("- [ ] \n", &[false]),
            ("- [x]\tTabbed\n", &[true]),
            ("1. [X] ordered\n2. [ ] two\n", &[true, false]),
            ("- *[ ] emphasised box*\n", &[]),
            ("- foo [ ] inline\n", &[]),
            ("- [ ]\n  indented continuation\n", &[false]),
            ("> 1. [x] quoted\n", &[true]),
        ];
        for (markdown, want) in cases {
            let got: Vec<bool> = tasks(markdown).iter().map(|t| t.checked).collect();
            assert_eq!(&got, want, "{markdown:?}");
        }
    }
}

#[cfg(test)]
mod task_format_tests {
    use super::*;

    fn tasks(markdown: &str) -> Vec<Task> {
        parse("_posts/2024-01-15-week.md", markdown.as_bytes())
            .tasks
            .into_vec()
    }

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn obsidian_tasks_dates_are_read_and_left_out_of_the_title() {
        let found = tasks(
            "- [x] Write report 📅 2024-01-19 ✅ 2024-01-18\n- [ ] Call Ann, 3/5 📅 2024-01-20\n- [ ] Plain\n",
        );
        assert_eq!(&*found[0].title, "Write report");
        assert_eq!(found[0].due, Some(ymd(2024, 1, 19)));
        assert_eq!(found[0].done_date, Some(ymd(2024, 1, 18)));
        assert_eq!(&*found[1].title, "Call Ann");
        assert_eq!(found[1].confidence, Some(3));
        assert_eq!(found[1].due, Some(ymd(2024, 1, 20)));
        assert_eq!(found[1].done_date, None);
        assert_eq!((found[2].due, found[2].done_date), (None, None));
        // A sign without a date is text.
        assert_eq!(&*tasks("- [ ] Ship ✅ soon\n")[0].title, "Ship ✅ soon");
        // After a bold title the dates sit in the note, and still count.
        let bold = &tasks("- [x] **Paper** read twice ✅ 2024-01-17\n")[0];
        assert_eq!((&*bold.title, &*bold.note), ("Paper", "read twice"));
        assert_eq!(bold.done_date, Some(ymd(2024, 1, 17)));
    }

    #[test]
    fn cancelled_and_forwarded_boxes_are_tasks_with_their_marker_offsets() {
        let source = "# Week\n\n- [-] Dropped idea\n- [>] Move to next week 4/5\n- [x] Done\n  - [-] nested cancel\n";
        let found = tasks(source);
        let marks: Vec<Mark> = found.iter().map(|t| t.mark).collect();
        assert_eq!(
            marks,
            [
                Mark::Cancelled,
                Mark::Forwarded,
                Mark::Done,
                Mark::Cancelled
            ]
        );
        assert_eq!(&*found[0].title, "Dropped idea");
        assert!(!found[0].checked);
        assert_eq!(&*found[1].title, "Move to next week");
        assert_eq!(found[1].confidence, Some(4));
        assert_eq!(found[3].parent, Some(2));
        for task in &found {
            let slice = &source[task.marker.clone()];
            assert!(matches!(slice, "[-]" | "[>]" | "[x]"), "{slice}");
        }
        assert_eq!(found[1].line, 4);
    }

    #[test]
    fn status_boxes_in_loose_lists_with_bom_and_front_matter() {
        let source = "\u{FEFF}---\ntitle: W\n---\n- [-] one\n\n- [>] **two** notes\n";
        let found = parse("p.md", source.as_bytes()).tasks.into_vec();
        assert_eq!(found.len(), 2);
        assert_eq!(&source.as_bytes()[found[0].marker.clone()], b"[-]");
        assert_eq!(&source.as_bytes()[found[1].marker.clone()], b"[>]");
        assert_eq!((&*found[1].title, &*found[1].note), ("two", "notes"));
    }

    fn obsidian_tasks(markdown: &str, statuses: &[(char, Option<Mark>)]) -> Vec<(String, Mark)> {
        let options = ParseOptions {
            obsidian: true,
            statuses: statuses.to_vec(),
            ..ParseOptions::default()
        };
        parse_with("Daily/2024-01-15.md", markdown.as_bytes(), &options)
            .tasks
            .contents()
            .map(|t| (t.title.to_string(), t.mark))
            .collect()
    }

    fn named(pairs: &[(&str, Mark)]) -> Vec<(String, Mark)> {
        pairs.iter().map(|(t, m)| (t.to_string(), *m)).collect()
    }

    #[test]
    fn obsidian_code_blocks_of_every_kind_show_comment_markers_as_text() {
        // An indented code block and a fence in a blockquote hold `%%` as text: no comment
        // opens there to hide the tasks after them.
        let note = "Template:\n\n    %% in code\n    - [ ] example\n\n- [ ] After indented code\n\
                    > ~~~\n> %%\n> ~~~\n- [ ] After a quoted fence\n";
        assert_eq!(
            obsidian_tasks(note, &[]),
            named(&[
                ("After indented code", Mark::Open),
                ("After a quoted fence", Mark::Open)
            ])
        );
    }

    #[test]
    fn a_line_that_opens_with_a_comment_is_no_task() {
        // Obsidian reads the rest of such a line as text: the box after the comment is none,
        // whether the comment closes on that line or came from lines before.
        let note = "- [ ] Shown\n%% aside %% - [ ] not a task\n%%\nhidden\n%% - [x] not one either\n\
                    > %% note %% - [ ] nor in a quote\n- [ ] Last\n";
        assert_eq!(
            obsidian_tasks(note, &[]),
            named(&[("Shown", Mark::Open), ("Last", Mark::Open)])
        );
    }

    #[test]
    fn obsidian_titles_are_what_the_note_shows() {
        let note = "- [ ] Call [[People/Ana Souza|Ana]] about [[Invoices]] ^call-ana\n\
                    - [ ] Annotate ![[whiteboard.png]] #work\n\
                    - [x] **Ship** the release notes\n\
                    - [ ] Water plants 🔁 every 2 weeks on Monday 📅 2024-01-10 ⏫\n\
                    - [ ] Review 🆔 abc123 ⛔ xyz789,def456 🔼 🏁 delete\n";
        assert_eq!(
            obsidian_tasks(note, &[]),
            named(&[
                ("Call Ana about Invoices", Mark::Open),
                ("Annotate whiteboard.png #work", Mark::Open),
                ("Ship the release notes", Mark::Done),
                ("Water plants", Mark::Open),
                ("Review", Mark::Open)
            ])
        );
        // Outside a vault wikilinks and block ids are text, and a bold lead is the title; the
        // Tasks fields still go, as its dates always did.
        let plain: Vec<String> = tasks(note).iter().map(|t| t.title.to_string()).collect();
        assert_eq!(
            plain,
            [
                "Call [[People/Ana Souza|Ana]] about [[Invoices]] ^call-ana",
                "Annotate ![[whiteboard.png]] #work",
                "Ship",
                "Water plants",
                "Review"
            ]
        );
    }

    #[test]
    fn a_code_block_in_a_task_is_no_part_of_its_title() {
        let note = "- [ ] Fix the script\n  ```sh\n  echo hi\n  ```\n- [ ] Next\n";
        let found = tasks(note);
        assert_eq!(&*found[0].title, "Fix the script");
        assert_eq!(&*found[0].note, "echo hi");
        assert_eq!(&*found[1].title, "Next");
    }

    #[test]
    fn obsidian_comments_hide_tasks_inline_and_across_lines() {
        let note = "- [ ] Shown\n%%\n- [ ] Hidden in a block\n- [x] Hidden too\n%%\n\
                    - [ ] Also shown %% a private aside %%\n\
                    %% - [ ] hidden on one line %%\n\
                    - [ ] Last shown\n%% never closed\n- [ ] hidden to the end\n";
        assert_eq!(
            obsidian_tasks(note, &[]),
            named(&[
                ("Shown", Mark::Open),
                ("Also shown", Mark::Open),
                ("Last shown", Mark::Open)
            ])
        );
        // Outside Obsidian `%%` is text, and every task in a list counts.
        assert_eq!(tasks(note).len(), 6);
        // Code shows `%%` as it is: no comment starts there.
        let code = "```\n%%\n```\n- [ ] After a fence\n- [ ] Inline `%%` code\n- [ ] Third\n";
        assert_eq!(obsidian_tasks(code, &[]).len(), 3);
        // Markers keep their place in the file: the box is still at its bytes.
        let parsed = parse_with(
            "Daily/2024-01-15.md",
            "%% é %% x\n- [ ] Task\n".as_bytes(),
            &ParseOptions {
                obsidian: true,
                ..ParseOptions::default()
            },
        );
        let marker = parsed.tasks.placed_slice()[0].marker.clone();
        assert_eq!(&"%% é %% x\n- [ ] Task\n".as_bytes()[marker], b"[ ]");
        assert_eq!(parsed.tasks.placed_slice()[0].line, 2);
    }

    #[test]
    fn obsidian_statuses_follow_obsidian_tasks_and_the_configuration() {
        let note = "- [/] Half done\n- [-] Dropped on purpose\n- [>] Moved on\n- [?] A question\n- [x] Done\n";
        assert_eq!(
            obsidian_tasks(note, &[]),
            named(&[
                ("Half done", Mark::Open),
                ("Dropped on purpose", Mark::Cancelled),
                ("Moved on", Mark::Forwarded),
                ("A question", Mark::Open),
                ("Done", Mark::Done),
            ])
        );
        // Plain Markdown reads only the boxes gitgoals always read.
        let plain: Vec<Mark> = tasks(note).iter().map(|t| t.mark).collect();
        assert_eq!(plain, [Mark::Cancelled, Mark::Forwarded, Mark::Done]);
        // Configured characters win, in Obsidian and outside it.
        let configured = [
            ('?', None),
            ('/', Some(Mark::Done)),
            ('-', Some(Mark::Open)),
        ];
        assert_eq!(
            obsidian_tasks(note, &configured),
            named(&[
                ("Half done", Mark::Done),
                ("Dropped on purpose", Mark::Open),
                ("Moved on", Mark::Forwarded),
                ("Done", Mark::Done),
            ])
        );
        let options = ParseOptions {
            statuses: vec![('!', Some(Mark::Done))],
            ..ParseOptions::default()
        };
        let found = parse_with(
            "_posts/2024-01-15-week.md",
            b"- [!] Urgent, done\n",
            &options,
        )
        .tasks
        .into_vec();
        assert_eq!((found[0].mark, found[0].checked), (Mark::Done, true));
        assert_eq!(&*found[0].title, "Urgent, done");
    }

    #[test]
    fn near_misses_of_status_boxes_are_not_tasks() {
        for text in [
            "- [-]no space\n",
            "- \\[-] escaped\n",
            "- `[-]` in code\n",
            "    - [-] indented code block\n",
            "```\n- [-] fenced\n```\n",
            "- text [-] later\n",
            "[-] not in a list\n",
            "- [=] other\n",
        ] {
            assert!(tasks(text).is_empty(), "{text:?}");
        }
    }

    #[test]
    fn progress_cookies_do_not_change_the_section() {
        let a = tasks("## Courses [1/3]\n- [ ] a\n");
        let b = tasks("## Courses [2/3]\n- [ ] a\n");
        let c = tasks("## Courses [66%]\n- [ ] a\n");
        assert_eq!(&*a[0].section, ["Courses"]);
        assert_eq!(a[0].section, b[0].section);
        assert_eq!(a[0].section, c[0].section);
        assert_eq!(
            strip_progress_cookies("Read [[links]] [x/y]"),
            "Read [[links]] [x/y]"
        );
    }

    #[test]
    fn configured_rating_scale_and_pattern() {
        let ten = ParseOptions {
            rating_scale: 10,
            ..ParseOptions::default()
        };
        assert_eq!(
            split_rating_with("Run 10k, 7/10", &ten),
            ("Run 10k".into(), Some(7))
        );
        assert_eq!(
            split_rating_with("Run (10/10)", &ten),
            ("Run".into(), Some(10))
        );
        assert_eq!(split_rating_with("Run 3/5", &ten), ("Run 3/5".into(), None));
        let stars = ParseOptions {
            rating_pattern: Some("c{n}".into()),
            ..ParseOptions::default()
        };
        assert_eq!(
            split_rating_with("Essay c4", &stars),
            ("Essay".into(), Some(4))
        );
        assert_eq!(
            split_rating_with("Essayc4", &stars),
            ("Essayc4".into(), None)
        );
        assert_eq!(
            split_rating_with("Essay c9", &stars),
            ("Essay c9".into(), None)
        );
        let bracketed = ParseOptions {
            rating_pattern: Some("[{n}/{scale}]".into()),
            ..ParseOptions::default()
        };
        assert_eq!(
            split_rating_with("Essay [2/5]", &bracketed),
            ("Essay".into(), Some(2))
        );
    }

    #[test]
    fn configured_due_rules_and_date_order() {
        let text = "---\ndue: 2024-01-21\n---\nGoals to finish by 05/02/2024.\n\n- [ ] a\n";
        let no_front = ParseOptions {
            due_from_front_matter: false,
            date_order: DateOrder::Dmy,
            ..ParseOptions::default()
        };
        let post = parse_with("_posts/2024-01-29-w.md", text.as_bytes(), &no_front);
        assert_eq!(post.due.map(|d| d.date), Some(ymd(2024, 2, 5)));
        let neither = ParseOptions {
            due_from_front_matter: false,
            due_from_text: false,
            ..ParseOptions::default()
        };
        assert_eq!(parse_with("p.md", text.as_bytes(), &neither).due, None);
    }
}
