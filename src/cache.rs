//! Beside stage 2 (history): the incremental cache. The history engine's state as of a commit
//! is kept in the repository's git directory, so a later run folds in only the commits made
//! since.
//!
//! The file is `<common git dir>/gitgoals/cache-v1.bin` (the common directory, so linked
//! worktrees share one file). It starts with a magic line and a format version, then a header
//! (crate version, which files were read as posts, payload length and checksum), then the
//! engine's [`EngineSnapshot`] in postcard, the ledger when one was built, and the hook's part:
//! an index (the tip's post state, every post's path and date, where its life is stored) and
//! each post's life as a record of its own, so the pre-commit hook decodes only the few posts
//! a stats block shows ([`HookView`]). Any mismatch or damage makes it worthless, never an
//! error: the history is read again and the file replaced.
//!
//! Writers write a temporary file beside it and rename it into place, so a reader sees the old
//! file or the new one, never half of one; two writers at once both succeed and the last
//! rename wins, and either file is a whole, valid state. Nothing is synced to disk: a file
//! damaged by a crash fails its checksum and is rebuilt.
//!
//! The state is per commit: it is reused as it is when HEAD is the cached commit, and new
//! commits are folded onto it only when the cached commit is an ancestor of HEAD and every new
//! commit descends from it alone. Anything else (amend, rebase, reset, a merge of an older
//! branch) reads the history afresh, so the result is always the one a run without the cache
//! gives.

use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::git::{ObjectId, Repo};
use crate::history::{
    self, Engine, EngineSnapshot, History, HistoryError, HistoryOptions, LifeRecord, PostLife,
    PostVersion, TaskId, TipParts,
};
use crate::ledger::{self, Ledger, LedgerOptions, Status, TaskRecord, Week};
use crate::model::{CommitInfo, DueSource, Task};
use crate::tally::{Breakdown, Tally};

/// Bump when the file layout or anything the engine or ledger stores changes meaning.
pub const FORMAT_VERSION: u32 = 4;

const MAGIC: &[u8; 8] = b"ggcache\n";
const FILE_NAME: &str = "cache-v1.bin";

/// A cold read shorter than this shows no progress bar.
const PROGRESS_AFTER: Duration = Duration::from_millis(500);

/// Where the cache of `repo` lives.
pub fn cache_file(repo: &Repo) -> PathBuf {
    repo.common_dir().join("gitgoals").join(FILE_NAME)
}

/// The weekly ledger as of HEAD, through the cache unless `use_cache` is false. When HEAD is
/// the cached commit, only the stored ledger is decoded.
pub fn load_ledger(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<Ledger, HistoryError> {
    let (_, ledger) = load_parts(repo, options, ledger_options, use_cache, false, true)?;
    ledger.ok_or_else(unreachable_state)
}

/// The history and its ledger as of HEAD, through the cache unless `use_cache` is false.
pub fn load_history_and_ledger(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<(History, Ledger), HistoryError> {
    match load_parts(repo, options, ledger_options, use_cache, true, true)? {
        (Some(history), Some(ledger)) => Ok((history, ledger)),
        _ => Err(unreachable_state()),
    }
}

/// The history as of HEAD, through the cache unless `use_cache` is false. The commands and the
/// hook read history through this module, so they share one cache.
pub fn load_history(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<History, HistoryError> {
    let (history, _) = load_parts(repo, options, ledger_options, use_cache, true, false)?;
    history.ok_or_else(unreachable_state)
}

fn unreachable_state() -> HistoryError {
    HistoryError::Git(crate::git::GitError::Read {
        what: "the history cache".to_string(),
        message: "a part that was asked for was not produced".to_string(),
    })
}

/// The engine folded up to HEAD, through the cache unless `use_cache` is false: for callers
/// that go on feeding it (the hook folds in the commit about to be made).
pub fn load_engine(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<Engine, HistoryError> {
    let Some(head) = repo.head()?.filter(|_| use_cache) else {
        return read_fresh(repo, options);
    };
    let selector = selector_key(repo, options, ledger_options)?;
    let path = cache_file(repo);
    let file = CacheFile::open(&path, &selector);
    if let Some(mut engine) = file
        .as_ref()
        .filter(|f| f.header.tip == head.0)
        .and_then(CacheFile::engine)
    {
        // The hook goes on to parse the staged post with it.
        engine.set_parse_options(options.parse.clone());
        return Ok(engine);
    }
    let engine = engine_from(file, repo, options, head)?;
    if let Ok(bytes) = postcard::to_allocvec(&engine.snapshot()) {
        // No ledger: the hook has no use for one, and HEAD moves with the commit anyway.
        let hook = hook_section(&engine);
        let tip = engine.tip().unwrap_or(head);
        let _ = write_file(&path, &selector, tip, &bytes, None, hook.as_ref());
    }
    Ok(engine)
}

/// What was asked for (the history, the ledger), reading as little as HEAD allows.
fn load_parts(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
    want_history: bool,
    want_ledger: bool,
) -> Result<(Option<History>, Option<Ledger>), HistoryError> {
    let finish = |engine: Engine| {
        let history = engine.into_history();
        let ledger = want_ledger.then(|| ledger::build_with(&history, ledger_options));
        (want_history.then_some(history), ledger)
    };
    let Some(head) = repo.head()?.filter(|_| use_cache) else {
        return Ok(finish(read_fresh(repo, options)?));
    };
    let selector = selector_key(repo, options, ledger_options)?;
    let path = cache_file(repo);
    let file = CacheFile::open(&path, &selector);

    if let Some(file) = file.as_ref().filter(|f| f.header.tip == head.0) {
        let ledger = if want_ledger { file.ledger() } else { None };
        let ledger_ok = !want_ledger || ledger.is_some();
        if ledger_ok && !want_history {
            return Ok((None, ledger));
        }
        if let Some(engine) = file.engine() {
            let history = engine.into_history();
            let ledger = match ledger {
                Some(ledger) => Some(ledger),
                None if want_ledger => {
                    // Cached by a caller that did not build the ledger (the hook): build it
                    // once and keep it, with the stored engine bytes as they are.
                    let ledger = ledger::build_with(&history, ledger_options);
                    if let Some(engine_bytes) = file.engine_bytes() {
                        let hook = file.hook_bytes();
                        let _ = write_file(
                            &path,
                            &selector,
                            head,
                            &engine_bytes,
                            Some(&ledger),
                            hook.as_ref(),
                        );
                    }
                    Some(ledger)
                }
                None => None,
            };
            return Ok((want_history.then_some(history), ledger));
        }
    }

    let engine = engine_from(file, repo, options, head)?;
    let tip = engine.tip().unwrap_or(head);
    let engine_bytes = postcard::to_allocvec(&engine.snapshot()).ok();
    let hook = hook_section(&engine);
    let (history, ledger) = finish(engine);
    if let Some(engine_bytes) = engine_bytes {
        // A cache that cannot be written (a read-only repository, a full disk) only costs speed.
        let _ = write_file(
            &path,
            &selector,
            tip,
            &engine_bytes,
            ledger.as_ref(),
            hook.as_ref(),
        );
    }
    Ok((history, ledger))
}

/// The engine at `head`: the cached one continued when it can be, else read afresh.
fn engine_from(
    file: Option<CacheFile>,
    repo: &Repo,
    options: &HistoryOptions,
    head: ObjectId,
) -> Result<Engine, HistoryError> {
    let cached = file
        .filter(|f| f.header.tip != head.0)
        .and_then(|f| f.engine());
    match cached {
        Some(engine) => match extend(engine, repo, options, head)? {
            Some(engine) => Ok(engine),
            None => read_fresh(repo, options),
        },
        None => read_fresh(repo, options),
    }
}

/// Folds the commits made since the cached tip onto `engine`; none when the history was
/// rewritten and reading it afresh is the quicker way.
fn extend(
    mut engine: Engine,
    repo: &Repo,
    options: &HistoryOptions,
    head: ObjectId,
) -> Result<Option<Engine>, HistoryError> {
    let Some(tip) = engine.tip() else {
        return Ok(None);
    };
    // HEAD moved back or sideways (reset, amend, rebase, another branch): what is cached
    // holds commits HEAD no longer has. The engine would notice too, but only after walking
    // the new commits once for nothing.
    if !repo.is_ancestor(tip, head)? {
        return Ok(None);
    }
    // A new root commit (an unrelated history merged in) may sort before the cached ones
    // in a full walk; folding it after them could order events differently.
    let mut new_root = false;
    let mut progress = Progress::new();
    history::update_observed(&mut engine, repo, options, &mut |delta| {
        progress.tick();
        new_root |= delta.parents.is_empty();
    })?;
    progress.finish();
    Ok((!new_root).then_some(engine))
}

fn read_fresh(repo: &Repo, options: &HistoryOptions) -> Result<Engine, HistoryError> {
    let mut engine = Engine::new();
    let mut progress = Progress::new();
    history::update_observed(&mut engine, repo, options, &mut |_| progress.tick())?;
    progress.finish();
    Ok(engine)
}

/// What decides which files are posts, how they read and how weeks are counted: a cache
/// built under other settings is of no use.
fn selector_key(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
) -> Result<String, HistoryError> {
    let selector = repo.post_selector_for(&options.globs())?;
    Ok(format!(
        "{selector:?} {:?} {ledger_options:?}",
        options.parse
    ))
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct Header {
    crate_version: String,
    selector: String,
    /// The commit the stored state is at.
    tip: [u8; 20],
    engine: Section,
    ledger: Option<Section>,
    /// The hook's index (tip state, every post's path and date, where its life is), then
    /// the post lives one record each, each with its own checksum in the index.
    hook: Option<Section>,
    records_len: u64,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Section {
    len: u64,
    checksum: u64,
}

impl Section {
    fn of(bytes: &[u8]) -> Section {
        Section {
            len: bytes.len() as u64,
            checksum: checksum(bytes),
        }
    }
}

/// A cache file whose framing and versions are right, held open: each section is read (and
/// its checksum checked) only when asked for, so a warm `history` reads the small ledger and
/// not the engine. The open handle keeps reading the same file even if another process
/// renames a new one into place meanwhile.
struct CacheFile {
    header: Header,
    file: std::fs::File,
    /// Where the sections start: the engine, the ledger, the hook's index, the post lives.
    engine_at: u64,
    ledger_at: u64,
    hook_at: u64,
    records_at: u64,
}

/// The header is read from this much of the file's start.
const HEADER_READ: u64 = 64 * 1024;

impl CacheFile {
    fn open(path: &Path, selector: &str) -> Option<CacheFile> {
        use std::io::Read;
        let file = std::fs::File::open(path).ok()?;
        let length = file.metadata().ok()?.len();
        let mut start = Vec::new();
        (&file).take(HEADER_READ).read_to_end(&mut start).ok()?;
        let (header, header_len) = parse_header(&start, selector)?;
        let engine_at = header_len as u64;
        let ledger_at = engine_at.checked_add(header.engine.len)?;
        let hook_at = ledger_at.checked_add(header.ledger.map_or(0, |s| s.len))?;
        let records_at = hook_at.checked_add(header.hook.map_or(0, |s| s.len))?;
        let end = records_at.checked_add(header.records_len)?;
        if end != length {
            return None;
        }
        Some(CacheFile {
            header,
            file,
            engine_at,
            ledger_at,
            hook_at,
            records_at,
        })
    }

    fn read_section(&self, section: Section, at: u64) -> Option<Vec<u8>> {
        let bytes = self.read_raw(at, section.len)?;
        (checksum(&bytes) == section.checksum).then_some(bytes)
    }

    fn read_raw(&self, at: u64, len: u64) -> Option<Vec<u8>> {
        use std::io::{Read, Seek, SeekFrom};
        let mut file = &self.file;
        file.seek(SeekFrom::Start(at)).ok()?;
        let mut bytes = vec![0; usize::try_from(len).ok()?];
        file.read_exact(&mut bytes).ok()?;
        Some(bytes)
    }

    /// The hook's index and the post lives as stored, to be written again unchanged.
    fn hook_bytes(&self) -> Option<HookBytes> {
        let index = self.read_section(self.header.hook?, self.hook_at)?;
        let records = self.read_raw(self.records_at, self.header.records_len)?;
        Some(HookBytes { index, records })
    }

    fn hook_index(&self) -> Option<HookIndex> {
        let bytes = self.read_section(self.header.hook?, self.hook_at)?;
        postcard::from_bytes(&bytes).ok()
    }

    fn engine_bytes(&self) -> Option<Vec<u8>> {
        self.read_section(self.header.engine, self.engine_at)
    }

    fn engine(&self) -> Option<Engine> {
        let bytes = self.engine_bytes()?;
        let snapshot: EngineSnapshot = postcard::from_bytes(&bytes).ok()?;
        Engine::from_snapshot(snapshot).ok()
    }

    fn ledger(&self) -> Option<Ledger> {
        let bytes = self.read_section(self.header.ledger?, self.ledger_at)?;
        let record: LedgerRecord = postcard::from_bytes(&bytes).ok()?;
        record.into_ledger()
    }
}

/// The header at the start of a cache file, and the header's length with the framing, when
/// the magic, format version, crate version and selector are this run's.
fn parse_header(start: &[u8], selector: &str) -> Option<(Header, usize)> {
    let rest = start.strip_prefix(MAGIC)?;
    let (version, rest) = rest.split_first_chunk::<4>()?;
    if u32::from_le_bytes(*version) != FORMAT_VERSION {
        return None;
    }
    let (header, after): (Header, &[u8]) = postcard::take_from_bytes(rest).ok()?;
    let fits = header.crate_version == env!("CARGO_PKG_VERSION") && header.selector == selector;
    fits.then_some((header, start.len() - after.len()))
}

/// Writes the cache file whole under a temporary name, then renames it into place.
/// How old a temporary cache file must be before it counts as left by a killed writer: far
/// longer than any write takes, so a writer at work is never disturbed.
const ABANDONED_AFTER: Duration = Duration::from_secs(600);

/// Removes temporary files that writers killed mid-write left behind (best effort).
fn remove_abandoned_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let ours = name.starts_with(&format!("{FILE_NAME}.")) && name.ends_with(".tmp");
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > ABANDONED_AFTER);
        if ours && old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

fn write_file(
    path: &Path,
    selector: &str,
    tip: ObjectId,
    engine: &[u8],
    ledger: Option<&Ledger>,
    hook: Option<&HookBytes>,
) -> std::io::Result<()> {
    let ledger = match ledger {
        Some(ledger) => {
            Some(postcard::to_allocvec(&LedgerRecord::new(ledger)).map_err(std::io::Error::other)?)
        }
        None => None,
    };
    let header = Header {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        selector: selector.to_string(),
        tip: tip.0,
        engine: Section::of(engine),
        ledger: ledger.as_deref().map(Section::of),
        hook: hook.map(|h| Section::of(&h.index)),
        records_len: hook.map_or(0, |h| h.records.len() as u64),
    };
    let header = postcard::to_allocvec(&header).map_err(std::io::Error::other)?;
    let ledger = ledger.unwrap_or_default();

    let dir = path
        .parent()
        .ok_or_else(|| std::io::Error::other("the cache path has no directory"))?;
    std::fs::create_dir_all(dir)?;
    remove_abandoned_temporaries(dir);
    // One temporary name per process, so two writers never write into the same file.
    let temporary = dir.join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
    let written = (|| {
        use std::io::Write;
        // Piece by piece: joining them first would hold a second copy of the engine.
        let mut file = std::fs::File::create(&temporary)?;
        file.write_all(MAGIC)?;
        file.write_all(&FORMAT_VERSION.to_le_bytes())?;
        file.write_all(&header)?;
        file.write_all(engine)?;
        file.write_all(&ledger)?;
        if let Some(hook) = hook {
            file.write_all(&hook.index)?;
            file.write_all(&hook.records)?;
        }
        drop(file);
        std::fs::rename(&temporary, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    written
}

/// The hook's part of the file, encoded: the index, then the post lives it points into.
struct HookBytes {
    index: Vec<u8>,
    records: Vec<u8>,
}

/// What the hook reads first: enough to fold a staged post onto the tip and to order every
/// goals post, without any post's versions.
#[derive(Debug, Serialize, Deserialize)]
struct HookIndex {
    tip: TipParts,
    posts: Vec<PostEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct PostEntry {
    /// The post's last path (its path at the tip when it is there).
    path: String,
    /// Its date as a goals post (days from the common era) when it has tasks now, whether
    /// or not it is still in the tree.
    date: Option<i32>,
    /// Its life's record: where it starts after the index, its length and checksum.
    at: u64,
    len: u64,
    checksum: u64,
}

/// The hook's part of the cache for `engine`; none for an engine with no commit.
fn hook_section(engine: &Engine) -> Option<HookBytes> {
    let tip = engine.tip_parts()?;
    let lives = engine.lives();
    let mut records = Vec::new();
    let mut posts = Vec::with_capacity(lives.len());
    for (life, record) in lives.iter().zip(engine.life_records()) {
        let bytes = postcard::to_allocvec(&record).ok()?;
        let has_tasks = life
            .versions
            .last()
            .is_some_and(|v| !v.post.tasks.is_empty());
        posts.push(PostEntry {
            path: life.path.clone(),
            date: has_tasks
                .then(|| ledger::post_date(life))
                .flatten()
                .map(|d| d.num_days_from_ce()),
            at: records.len() as u64,
            len: bytes.len() as u64,
            checksum: checksum(&bytes),
        });
        records.extend_from_slice(&bytes);
    }
    let index = postcard::to_allocvec(&HookIndex { tip, posts }).ok()?;
    Some(HookBytes { index, records })
}

/// The cache as the pre-commit hook reads it: the tip's state and every post's date, with
/// each post's life read only when the stats block needs it (the staged post and the weeks
/// before it in its series) or a commit made since the cache was written changed it.
pub struct HookView {
    file: CacheFile,
    index: HookIndex,
    /// A partial engine at HEAD: the cached tip with the commits made since folded on.
    base: Engine,
}

/// More commits than this since the cache was written: the hook reads the whole engine,
/// and writes the cache again, rather than folding them onto a partial one at every commit.
const HOOK_FOLDS_AT_MOST: usize = 32;

/// The hook's view of the cache when it is whole and at HEAD or at an ancestor that only a
/// few plain commits separate from HEAD; none otherwise (the caller then reads the history
/// through [`load_engine`], which writes the cache again).
pub fn load_hook_view(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
) -> Result<Option<HookView>, HistoryError> {
    let Some(head) = repo.head()? else {
        return Ok(None);
    };
    let selector = selector_key(repo, options, ledger_options)?;
    let Some(file) = CacheFile::open(&cache_file(repo), &selector) else {
        return Ok(None);
    };
    let Some(index) = file.hook_index() else {
        return Ok(None);
    };
    let tip = index.tip.tip();
    if tip.0 != file.header.tip || (tip != head && !repo.is_ancestor(tip, head)?) {
        return Ok(None);
    }
    let lives: Vec<PostLife> = index
        .posts
        .iter()
        .map(|entry| PostLife {
            path: entry.path.clone(),
            deleted: false,
            versions: Vec::new(),
        })
        .collect();
    let Ok(mut base) = Engine::partial(index.tip.clone(), lives) else {
        return Ok(None);
    };
    base.set_parse_options(options.parse.clone());
    let mut view = HookView { file, index, base };
    if tip != head {
        let selector = repo.post_selector_for(&options.globs())?;
        let mut deltas = Vec::new();
        repo.walk(
            &selector,
            &std::collections::HashSet::from([tip]),
            |delta| deltas.push(delta),
        )?;
        if deltas.len() > HOOK_FOLDS_AT_MOST {
            return Ok(None);
        }
        let mut base = std::mem::take(&mut view.base);
        if !base.extend_partial(deltas, |post| view.versions(post)) || base.tip() != Some(head) {
            return Ok(None);
        }
        view.base = base;
    }
    Ok(Some(view))
}

impl HookView {
    /// The versions of post `post`, read and checked from its record.
    fn versions(&self, post: usize) -> Option<Vec<PostVersion>> {
        let entry = self.index.posts.get(post)?;
        let bytes = self
            .file
            .read_raw(self.file.records_at.checked_add(entry.at)?, entry.len)?;
        if checksum(&bytes) != entry.checksum {
            return None;
        }
        let record: LifeRecord = postcard::from_bytes(&bytes).ok()?;
        record.into_versions(self.index.tip.task_count()).ok()
    }

    /// The ledger [`ledger::build_around`] gives for `path` once `bytes` are committed there
    /// at `now`: the same weeks and figures as from the whole history. None when a record
    /// turns out damaged.
    pub fn ledger_around(
        &self,
        path: &str,
        bytes: &[u8],
        now: chrono::DateTime<chrono::FixedOffset>,
        options: &LedgerOptions,
        window: usize,
    ) -> Option<Ledger> {
        let mut engine = self.base.clone();
        if let Some(post) = engine.post_at_tip(path)
            && !engine.holds_life(post)
            && !engine.fill_life(post, self.versions(post)?)
        {
            return None;
        }
        let head = engine.tip();
        engine.feed_pending(crate::git::pending_commit(
            head,
            now,
            &[(path.to_string(), bytes.to_vec())],
        ));
        let mut history = engine.into_history();
        let stored = &self.index.posts;
        let goals = ledger::goals_with(&history, |post, life| {
            match stored.get(post) {
                // A post not read stands as it was when the cache was written.
                Some(entry) if life.versions.is_empty() => {
                    if life.deleted {
                        None
                    } else {
                        entry.date.and_then(NaiveDate::from_num_days_from_ce_opt)
                    }
                }
                _ => ledger::goal_date(life),
            }
        });
        for post in ledger::window_posts(&history, &goals, path, window) {
            if history.posts.get(post)?.versions.is_empty() {
                history.posts[post].versions = self.versions(post)?;
            }
        }
        Some(ledger::build_around_goals(
            &history, options, &goals, path, window,
        ))
    }
}

/// The ledger in plain parts: commits stored once, dates as day numbers.
#[derive(Debug, Serialize, Deserialize)]
struct LedgerRecord {
    head: Option<String>,
    commits: Vec<CommitRecord>,
    weeks: Vec<WeekRecord>,
    tasks: Vec<TaskRecordParts>,
    warnings: Vec<crate::model::Warning>,
}

#[derive(Debug, Serialize, Deserialize)]
struct CommitRecord {
    id: String,
    seconds: i64,
    offset_seconds: i32,
    summary: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct WeekRecord {
    post: usize,
    path: String,
    title: String,
    date: i32,
    due: i32,
    due_source: DueSource,
    first_commit_after_due: bool,
    has_next: bool,
    counts: [usize; 11],
    done_on_time: Option<usize>,
    by_confidence: Vec<(String, usize, usize)>,
    by_section: Vec<(String, usize, usize)>,
}

#[derive(Debug, Serialize, Deserialize)]
struct TaskRecordParts {
    id: usize,
    key: String,
    week: usize,
    task: Task,
    status: u8,
    planned: bool,
    added: u32,
    checked: Option<u32>,
    carried_from: Option<usize>,
    carried_to: Option<usize>,
    carry_streak: usize,
}

impl LedgerRecord {
    fn new(ledger: &Ledger) -> LedgerRecord {
        let mut index: std::collections::HashMap<*const CommitInfo, u32> =
            std::collections::HashMap::new();
        let mut commits = Vec::new();
        let mut intern = |commit: &Arc<CommitInfo>| -> u32 {
            *index.entry(Arc::as_ptr(commit)).or_insert_with(|| {
                commits.push(CommitRecord {
                    id: commit.id.clone(),
                    seconds: commit.time.timestamp(),
                    offset_seconds: commit.time.offset().local_minus_utc(),
                    summary: commit.summary.clone(),
                });
                (commits.len() - 1) as u32
            })
        };
        let breakdown = |b: &Breakdown| -> Vec<(String, usize, usize)> {
            b.0.iter()
                .map(|(key, tally)| (key.clone(), tally.total, tally.done))
                .collect()
        };
        let weeks = ledger
            .weeks
            .iter()
            .map(|w| WeekRecord {
                post: w.post,
                path: w.path.clone(),
                title: w.title.clone(),
                date: w.date.num_days_from_ce(),
                due: w.due.num_days_from_ce(),
                due_source: w.due_source,
                first_commit_after_due: w.first_commit_after_due,
                has_next: w.has_next,
                counts: [
                    w.tasks,
                    w.planned,
                    w.added,
                    w.removed,
                    w.done,
                    w.open,
                    w.carried_in,
                    w.carried_out,
                    w.dropped,
                    w.cancelled,
                    w.forwarded,
                ],
                done_on_time: w.done_on_time,
                by_confidence: breakdown(&w.by_confidence),
                by_section: breakdown(&w.by_section),
            })
            .collect();
        let tasks = ledger
            .tasks
            .iter()
            .map(|t| TaskRecordParts {
                id: t.id.0,
                key: t.key.clone(),
                week: t.week,
                task: t.task.clone(),
                status: match t.status {
                    Status::Done => 0,
                    Status::Open => 1,
                    Status::Removed => 2,
                    Status::Cancelled => 3,
                },
                planned: t.planned,
                added: intern(&t.added),
                checked: t.checked.as_ref().map(&mut intern),
                carried_from: t.carried_from,
                carried_to: t.carried_to,
                carry_streak: t.carry_streak,
            })
            .collect();
        LedgerRecord {
            head: ledger.head.clone(),
            commits,
            weeks,
            tasks,
            warnings: ledger.warnings.clone(),
        }
    }

    fn into_ledger(self) -> Option<Ledger> {
        let commits: Vec<Arc<CommitInfo>> = self.commits.into_iter().map(commit_info).collect();
        let commit = |i: u32| commits.get(i as usize).cloned();
        let breakdown = |parts: Vec<(String, usize, usize)>| {
            Breakdown(
                parts
                    .into_iter()
                    .map(|(key, total, done)| (key, Tally { total, done }))
                    .collect(),
            )
        };
        let day = |n: i32| NaiveDate::from_num_days_from_ce_opt(n);
        let mut weeks = Vec::with_capacity(self.weeks.len());
        for w in self.weeks {
            let [
                tasks,
                planned,
                added,
                removed,
                done,
                open,
                carried_in,
                carried_out,
                dropped,
                cancelled,
                forwarded,
            ] = w.counts;
            weeks.push(Week {
                post: w.post,
                path: w.path,
                title: w.title,
                date: day(w.date)?,
                due: day(w.due)?,
                due_source: w.due_source,
                first_commit_after_due: w.first_commit_after_due,
                tasks,
                planned,
                added,
                removed,
                done,
                done_on_time: w.done_on_time,
                open,
                carried_in,
                carried_out,
                dropped,
                cancelled,
                forwarded,
                has_next: w.has_next,
                by_confidence: breakdown(w.by_confidence),
                by_section: breakdown(w.by_section),
            });
        }
        let mut tasks = Vec::with_capacity(self.tasks.len());
        for t in self.tasks {
            tasks.push(TaskRecord {
                id: TaskId(t.id),
                key: t.key,
                week: t.week,
                task: t.task,
                status: match t.status {
                    0 => Status::Done,
                    1 => Status::Open,
                    2 => Status::Removed,
                    3 => Status::Cancelled,
                    _ => return None,
                },
                planned: t.planned,
                added: commit(t.added)?,
                checked: match t.checked {
                    Some(i) => Some(commit(i)?),
                    None => None,
                },
                carried_from: t.carried_from,
                carried_to: t.carried_to,
                carry_streak: t.carry_streak,
            });
        }
        Some(Ledger {
            head: self.head,
            weeks,
            tasks,
            warnings: self.warnings,
        })
    }
}

fn commit_info(record: CommitRecord) -> Arc<CommitInfo> {
    let utc = crate::git::to_datetime(record.seconds, 0);
    let time = chrono::FixedOffset::east_opt(record.offset_seconds)
        .map_or(utc, |offset| utc.with_timezone(&offset));
    Arc::new(CommitInfo {
        id: record.id,
        time,
        summary: record.summary,
    })
}

/// A fast 64-bit checksum of the payload (damage detection, not security): a multiply-rotate
/// over 8-byte words.
fn checksum(bytes: &[u8]) -> u64 {
    const K: u64 = 0x9fb2_1c65_1e98_df25;
    let mut hash = (bytes.len() as u64).wrapping_mul(K);
    let mut words = bytes.chunks_exact(8);
    for word in &mut words {
        let mut value = [0u8; 8];
        value.copy_from_slice(word);
        hash = (hash ^ u64::from_le_bytes(value))
            .wrapping_mul(K)
            .rotate_left(29);
    }
    let mut last = [0u8; 8];
    last[..words.remainder().len()].copy_from_slice(words.remainder());
    hash = (hash ^ u64::from_le_bytes(last)).wrapping_mul(K);
    hash ^ (hash >> 32)
}

/// A spinner on stderr counting commits, shown only when stderr is a terminal and the walk
/// has already taken [`PROGRESS_AFTER`].
struct Progress {
    started: Instant,
    commits: u64,
    bar: Option<indicatif::ProgressBar>,
    terminal: bool,
}

impl Progress {
    fn new() -> Progress {
        Progress {
            started: Instant::now(),
            commits: 0,
            bar: None,
            terminal: std::io::stderr().is_terminal(),
        }
    }

    fn tick(&mut self) {
        self.commits += 1;
        if let Some(bar) = &self.bar {
            bar.set_position(self.commits);
        } else if self.terminal
            && self.commits.is_multiple_of(64)
            && self.started.elapsed() > PROGRESS_AFTER
        {
            let bar = indicatif::ProgressBar::new_spinner();
            if let Ok(style) =
                indicatif::ProgressStyle::with_template("{spinner} reading history: {pos} commits")
            {
                bar.set_style(style);
            }
            bar.enable_steady_tick(Duration::from_millis(100));
            bar.set_position(self.commits);
            self.bar = Some(bar);
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SELECTOR: &str = "Dirs([\"_posts\"])";

    fn file_with(version: u32, engine: &[u8]) -> Vec<u8> {
        let header = Header {
            crate_version: env!("CARGO_PKG_VERSION").to_string(),
            selector: SELECTOR.to_string(),
            tip: [7; 20],
            engine: Section::of(engine),
            ledger: None,
            hook: None,
            records_len: 0,
        };
        let mut file = MAGIC.to_vec();
        file.extend_from_slice(&version.to_le_bytes());
        file.extend_from_slice(&postcard::to_allocvec(&header).unwrap());
        file.extend_from_slice(engine);
        file
    }

    fn open(bytes: &[u8]) -> Option<CacheFile> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        std::fs::write(&path, bytes).unwrap();
        CacheFile::open(&path, SELECTOR)
    }

    #[test]
    fn a_whole_file_gives_back_its_sections() {
        let engine = b"some engine state bytes";
        let file = open(&file_with(FORMAT_VERSION, engine)).unwrap();
        assert_eq!(file.header.tip, [7; 20]);
        assert_eq!(file.engine_bytes().as_deref(), Some(&engine[..]));
    }

    #[test]
    fn another_format_version_selector_or_length_is_refused() {
        let engine = b"some engine state bytes";
        assert!(open(&file_with(FORMAT_VERSION - 1, engine)).is_none());
        let whole = file_with(FORMAT_VERSION, engine);
        assert!(parse_header(&whole, "AllMarkdown").is_none());
        assert!(open(&whole[..whole.len() - 3]).is_none());
        let mut longer = whole.clone();
        longer.push(0);
        assert!(open(&longer).is_none());
        assert!(open(b"garbage").is_none());
    }

    #[test]
    fn a_damaged_section_fails_its_checksum() {
        let mut bytes = file_with(FORMAT_VERSION, b"some engine state bytes");
        let last = bytes.len() - 1;
        bytes[last] ^= 1;
        let file = open(&bytes).unwrap();
        assert_eq!(file.engine_bytes(), None);
        assert!(file.engine().is_none());
    }

    #[test]
    fn checksum_sees_a_change_in_any_byte_and_in_length() {
        let bytes: Vec<u8> = (0..100u8).collect();
        let base = checksum(&bytes);
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x40;
            assert_ne!(checksum(&changed), base, "byte {i}");
        }
        assert_ne!(checksum(&bytes[..99]), base);
        let mut padded = bytes.clone();
        padded.push(0);
        assert_ne!(checksum(&padded), base);
    }
}
