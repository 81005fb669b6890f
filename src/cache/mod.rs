//! Beside stage 2 (history): the incremental cache. The history engine's state as of a commit
//! is kept in the repository's git directory, so a later run folds in only the commits made
//! since, and reads and writes only the posts they change.
//!
//! The file is `<common git dir>/gitgoals/cache-v1.bin` (the common directory, so linked
//! worktrees share one file). It starts with a magic line and a format version and ends with a
//! trailer that locates the index: the crate version and settings it was built under, the
//! tip's post state, every post's path and date and where its record is, and where the
//! ledger's weeks and the known commits are. Each post's life (its versions and its tasks'
//! events) is a record of its own, and so is each week of the ledger (module `weeks`), so the
//! pre-commit hook and an incremental run decode only the few posts they need. Every part
//! carries its own checksum (module `file`); any mismatch or damage makes the file worthless,
//! never an error: the history is read again and the file replaced.
//!
//! Two ways to write:
//! - **whole**: a temporary file beside it, renamed into place, so a reader sees the old file
//!   or the new one, never half of one (a cold run, or when appended parts have piled up);
//! - **append**: a run that changed a few posts appends their records, the weeks it worked
//!   out again, the new commits and a new index and trailer, under an exclusive lock, and
//!   only when the file is still the length it read (else another run wrote meanwhile and
//!   this one's write is dropped: it only costs speed). Readers hold a shared lock while they read the trailer
//!   and index; what an index points to is never written again, so later reads need no lock.
//!
//! The state is per commit: it is reused as it is when HEAD is the cached commit, and new
//! commits are folded onto it only when the cached commit is an ancestor of HEAD and every new
//! commit descends from it alone. Anything else (amend, rebase, reset, a merge of an older
//! branch) reads the history afresh, so the result is always the one a run without the cache
//! gives.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::cache::record::{LifeRecord, TipParts};
use crate::core::delta::{CommitDelta, FileChange, ObjectId};
use crate::core::fold::{Engine, StoredLife};
use crate::core::history::{History, PostLife};
use crate::core::ledger::{self, Ledger, LedgerOptions};
use crate::core::model::Warning;
use crate::error::Error;
use crate::git::Repo;
use crate::git::read::HistoryOptions;

/// Bump when the file layout or anything the engine or ledger stores changes meaning.
pub const FORMAT_VERSION: u32 = 11;

mod file;
pub mod record;
mod weeks;

use file::{
    FILE_NAME, MAGIC, START_LEN, Span, TRAILER_LEN, TRAILER_MAGIC, Writer, checksum, read_at,
    read_span,
};
use weeks::LedgerSpans;

/// A cold read shorter than this shows no progress bar.
const PROGRESS_AFTER: Duration = Duration::from_millis(500);

/// More new commits than this since the cached tip: the whole engine is read back and
/// extended, rather than folding them onto the few posts they touch.
const PARTIAL_FOLDS_AT_MOST: usize = 64;

/// Where the cache of `repo` lives.
pub fn cache_file(repo: &Repo) -> PathBuf {
    repo.common_dir().join("gitgoals").join(FILE_NAME)
}

/// The root of the file: what the rest is, and where.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Index {
    crate_version: String,
    /// The settings the state was built under ([`selector_key`]).
    selector: String,
    tip: TipParts,
    posts: Vec<PostEntry>,
    /// The commits folded in, in pieces: each append adds the new ones.
    known: Vec<Span>,
    warnings: Vec<Warning>,
    /// The ledger as of the tip, when a run built it.
    ledger: Option<LedgerSpans>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct PostEntry {
    /// The post's path at the tip, or its last path when it is gone (whether it is gone is
    /// the tip's post state's to say).
    path: String,
    /// Its date as a goals post (days from the common era) when it has tasks now, whether
    /// or not it is still in the tree.
    date: Option<i32>,
    /// Its life's record.
    record: Span,
}

impl Index {
    /// Bytes the index points to: what a whole rewrite would keep.
    fn live_bytes(&self) -> u64 {
        let records: u64 = self.posts.iter().map(|p| p.record.len).sum();
        let known: u64 = self.known.iter().map(|s| s.len).sum();
        let ledger: u64 = self.ledger.as_ref().map_or(0, |l| {
            l.links.len + l.weeks.iter().map(|s| s.len).sum::<u64>()
        });
        records + known + ledger
    }
}

/// HEAD, the key of the settings in force and the cache file read under them; none when the
/// cache is off or the repository has no commit yet.
fn open_cache(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<Option<(ObjectId, String, Option<CacheFile>)>, Error> {
    let Some(head) = repo.head()?.filter(|_| use_cache) else {
        return Ok(None);
    };
    let selector = selector_key(repo, options, ledger_options)?;
    let path = cache_file(repo);
    if let Some(dir) = path.parent() {
        file::remove_abandoned_temporaries(dir);
    }
    let file = CacheFile::open(&path, &selector);
    Ok(Some((head, selector, file)))
}

/// The weekly ledger as of HEAD, through the cache unless `use_cache` is false. When HEAD is
/// the cached commit, only the stored ledger is decoded; after a few new commits, only the
/// posts they touch and their neighbours' weeks are.
pub fn load_ledger(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<Ledger, Error> {
    let Some((head, selector, file)) = open_cache(repo, options, ledger_options, use_cache)? else {
        let history = read_fresh(repo, options, repo.head()?)?.into_history();
        let ledger = ledger::build_with(&history, ledger_options);
        drop_aside(history);
        return Ok(ledger);
    };
    if let Some(file) = &file {
        if file.index.tip.tip() == head
            && let Some(ledger) = file.ledger()
        {
            return Ok(ledger);
        }
        if file.index.tip.tip() != head
            && continues_from(repo, file.index.tip.tip(), head)
            && let Some(ledger) = update_partially(file, repo, options, ledger_options, head)?
        {
            return Ok(ledger);
        }
    }
    let (history, ledger) =
        whole_with_ledger(file, repo, options, ledger_options, head, &selector)?;
    drop_aside(history);
    Ok(ledger)
}

/// Frees `history` on a thread of its own: a long history is millions of small allocations
/// (a twentieth of a cold run), and the caller, which wanted only the weeks, goes on to print
/// them meanwhile. A process that ends first leaves the freeing to the system.
fn drop_aside(history: History) {
    // Without a thread (none could be started), it is freed here.
    let _ = std::thread::Builder::new().spawn(move || drop(history));
}

/// The history and its ledger as of HEAD, through the cache unless `use_cache` is false.
pub fn load_history_and_ledger(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<(History, Ledger), Error> {
    let Some((head, selector, file)) = open_cache(repo, options, ledger_options, use_cache)? else {
        let history = read_fresh(repo, options, repo.head()?)?.into_history();
        let ledger = ledger::build_with(&history, ledger_options);
        return Ok((history, ledger));
    };
    whole_with_ledger(file, repo, options, ledger_options, head, &selector)
}

/// The history as of HEAD, through the cache unless `use_cache` is false. The commands and the
/// hook read history through this module, so they share one cache.
pub fn load_history(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<History, Error> {
    Ok(load_engine(repo, options, ledger_options, use_cache)?.into_history())
}

/// The engine folded up to HEAD, through the cache unless `use_cache` is false: for callers
/// that go on feeding it (the hook folds in the commit about to be made, the watcher new
/// commits).
pub fn load_engine(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
) -> Result<Engine, Error> {
    load_engine_at(repo, options, ledger_options, use_cache, repo.head()?)
}

/// [`load_engine`] folded up to `tip` instead of HEAD (none: nothing folded in), for a commit
/// about to be made on another parent than HEAD: an amend's. The cache serves it when its
/// commit is `tip` or an ancestor of it, and is then brought up to `tip`.
pub fn load_engine_at(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    use_cache: bool,
    tip: Option<ObjectId>,
) -> Result<Engine, Error> {
    let cache = open_cache(repo, options, ledger_options, use_cache)?;
    let (Some(tip), Some((_, selector, file))) = (tip, cache) else {
        return read_fresh(repo, options, tip);
    };
    let mut engine = whole(file, repo, options, ledger_options, tip, &selector)?;
    // The hook goes on to parse the staged post with it.
    engine.set_parse_options(options.parse.clone());
    Ok(engine)
}

/// The whole engine at `head`: read back from the cache and continued when it can be, else
/// read afresh; with the file it came from, when it did.
fn whole_engine<'a>(
    file: Option<&'a CacheFile>,
    repo: &Repo,
    options: &HistoryOptions,
    head: ObjectId,
) -> Result<(Engine, Option<&'a CacheFile>), Error> {
    let stored = file.and_then(|f| f.engine().map(|engine| (f, engine)));
    Ok(match stored {
        Some((file, engine)) if file.index.tip.tip() == head => (engine, Some(file)),
        Some((file, engine)) => match extend(engine, repo, options, head)? {
            Some(engine) => (engine, Some(file)),
            None => (read_fresh(repo, options, Some(head))?, None),
        },
        None => (read_fresh(repo, options, Some(head))?, None),
    })
}

/// The whole engine at `head`, with the cache brought up to it, its stored ledger too: the
/// next `history` reads it warm.
fn whole(
    file: Option<CacheFile>,
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    head: ObjectId,
    selector: &str,
) -> Result<Engine, Error> {
    let (engine, base) = whole_engine(file.as_ref(), repo, options, head)?;
    if base.is_none_or(|f| f.index.tip.tip() != head) {
        // A cache that cannot be written (a read-only repository, a full disk) only costs
        // speed.
        let path = cache_file(repo);
        if let Ok(pending) = prepare_store(&path, selector, base, &engine) {
            // The caller goes on with the engine: the ledger is brought forward on a copy of
            // its history, when there is a stored ledger to bring forward.
            let forward = base.and_then(CacheFile::ledger).and_then(|previous| {
                let history = engine.history();
                brought_forward(&previous, &history, engine.touched(), ledger_options)
            });
            let _ = match &forward {
                Some(forward) => pending.complete(Some(&forward.ledger), &|w| forward.kept(w)),
                None => pending.complete(None, &|_| None),
            };
        }
    }
    Ok(engine)
}

/// A stored ledger brought forward over the posts new commits touched, and which of its
/// weeks were kept as they were.
struct BroughtForward {
    ledger: Ledger,
    plan: ledger::UpdatePlan,
    goals: Vec<(usize, NaiveDate)>,
}

impl BroughtForward {
    /// The stored week that week `week` was kept from, unchanged.
    fn kept(&self, week: usize) -> Option<usize> {
        self.plan.kept_week(week, &self.goals)
    }
}

/// `previous` brought forward to `history`, a whole history whose posts `touched` changed
/// since; none when it does not fit.
fn brought_forward(
    previous: &Ledger,
    history: &History,
    touched: &std::collections::BTreeSet<usize>,
    options: &LedgerOptions,
) -> Option<BroughtForward> {
    let goals = ledger::goals_with(history, |_, life| ledger::goal_date(life));
    let plan = ledger::plan_update(previous, history, &goals, touched);
    let ledger = ledger::apply_update(&plan, previous, history, options, &goals)?;
    Some(BroughtForward {
        ledger,
        plan,
        goals,
    })
}

/// The whole history at `head` and its ledger, with the cache brought up to them. The engine
/// becomes the history (moved, not copied) and the post records are written from it.
fn whole_with_ledger(
    file: Option<CacheFile>,
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    head: ObjectId,
    selector: &str,
) -> Result<(History, Ledger), Error> {
    let (engine, base) = whole_engine(file.as_ref(), repo, options, head)?;
    repo.let_go_of_packs();
    if let Some(ledger) = base
        .filter(|f| f.index.tip.tip() == head)
        .and_then(CacheFile::ledger)
    {
        return Ok((engine.into_history(), ledger));
    }
    let path = cache_file(repo);
    let tip = engine.tip_parts();
    let known = engine.known_ids();
    let touched = engine.touched().clone();
    let history = engine.into_history();
    // The post records are written on a thread of their own while the ledger is built: the
    // two only read the history, and each took about as long as the other.
    let ledger = std::thread::scope(|scope| {
        let (history, touched, path) = (&history, &touched, &path);
        let writer = scope.spawn(move || {
            let tip = tip.ok_or_else(|| std::io::Error::other("no commit to store"))?;
            let records = Records::of_history(history, touched, known);
            prepare_store_of(path, selector, base, &records, tip)
        });
        // A write that failed, or whose thread stopped, only costs speed.
        let written = || writer.join().ok().and_then(Result::ok);
        // The stored ledger, brought forward over the posts the new commits touched; built
        // whole when there is none.
        let forward = base
            .and_then(CacheFile::ledger)
            .and_then(|previous| brought_forward(&previous, history, touched, ledger_options));
        match forward {
            Some(forward) => {
                if let Some(pending) = written() {
                    let _ = pending.complete(Some(&forward.ledger), &|week| forward.kept(week));
                }
                forward.ledger
            }
            None => {
                let ledger = ledger::build_with(history, ledger_options);
                if let Some(pending) = written() {
                    let _ = pending.complete(Some(&ledger), &|_| None);
                }
                ledger
            }
        }
    });
    Ok((history, ledger))
}

/// Folds the commits made since the cached tip onto `engine`; none when the history was
/// rewritten and reading it afresh is the quicker way.
fn extend(
    mut engine: Engine,
    repo: &Repo,
    options: &HistoryOptions,
    head: ObjectId,
) -> Result<Option<Engine>, Error> {
    let Some(tip) = engine.tip() else {
        return Ok(None);
    };
    // HEAD moved back or sideways (reset, amend, rebase, another branch): what is cached
    // holds commits HEAD no longer has. The engine would notice too, but only after walking
    // the new commits once for nothing.
    if !continues_from(repo, tip, head) {
        return Ok(None);
    }
    // A new root commit (an unrelated history merged in) may sort before the cached ones
    // in a full walk; folding it after them could order events differently.
    let mut new_root = false;
    let mut progress = Progress::new();
    crate::git::read::update_to(&mut engine, repo, options, Some(head), &mut |delta| {
        progress.tick();
        new_root |= delta.parents.is_empty();
    })?;
    progress.finish();
    Ok((!new_root).then_some(engine))
}

/// Whether HEAD is the cached tip or descends from it. A tip git cannot find (pruned by gc
/// after an amend or a rebase) is not continued: HEAD is read afresh, as with no cache.
fn continues_from(repo: &Repo, tip: ObjectId, head: ObjectId) -> bool {
    repo.is_ancestor(tip, head).unwrap_or(false)
}

/// The history up to `tip` (HEAD, or an amended commit's parent), read without the cache.
fn read_fresh(
    repo: &Repo,
    options: &HistoryOptions,
    tip: Option<ObjectId>,
) -> Result<Engine, Error> {
    let mut engine = Engine::new();
    let mut progress = Progress::new();
    crate::git::read::update_to(&mut engine, repo, options, tip, &mut |_| progress.tick())?;
    progress.finish();
    repo.let_go_of_packs();
    Ok(engine)
}

/// The ledger at `head` from the cached one, when the commits since the cached tip are a few
/// plain ones: they are folded onto an engine that holds only the posts they change, and only
/// the weeks those posts and their neighbours make are worked out again. None when that does
/// not fit (a merge, many commits, a damaged record): the caller goes the whole way.
fn update_partially(
    file: &CacheFile,
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    head: ObjectId,
) -> Result<Option<Ledger>, Error> {
    let Some(previous) = file.ledger() else {
        return Ok(None);
    };
    let Some(engine) = file.partial_engine(options, head, repo)? else {
        return Ok(None);
    };
    Ok(update_from_partial(
        file,
        engine,
        &previous,
        repo,
        ledger_options,
    ))
}

/// [`update_partially`] from a partial engine already folded to HEAD (the hook's view has
/// one): the weeks of the posts it changed worked out again, the rest taken from `previous`,
/// and the cache written. None when that does not fit (a damaged record).
fn update_from_partial(
    file: &CacheFile,
    mut engine: Engine,
    previous: &Ledger,
    repo: &Repo,
    ledger_options: &LedgerOptions,
) -> Option<Ledger> {
    // The partial engine saw only the new commits' warnings; the stored ones come first.
    engine.put_warnings_first(&file.index.warnings);
    let touched = engine.touched().clone();
    let mut history = engine.history();
    let goals = file.goals(&history);
    let plan = ledger::plan_update(previous, &history, &goals, &touched);
    for &post in &plan.needed {
        if history
            .posts
            .get(post)
            .is_some_and(|l| l.versions.is_empty())
        {
            history.posts[post].versions = file.life(post)?.versions;
        }
    }
    let ledger = ledger::apply_update(&plan, previous, &history, ledger_options, &goals)?;
    let selector = file.index.selector.clone();
    let path = cache_file(repo);
    if let Ok(pending) = prepare_store(&path, &selector, Some(file), &engine) {
        let _ = pending.complete(Some(&ledger), &|week| plan.kept_week(week, &goals));
    }
    drop_aside(history);
    drop_aside(engine.into_history());
    Some(ledger)
}

/// What decides which files are posts, how they read and how weeks are counted: a cache
/// built under other settings is of no use.
fn selector_key(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
) -> Result<String, Error> {
    let selector = repo.post_selector_for(&options.globs())?;
    Ok(format!(
        "{selector:?} {:?} {ledger_options:?}",
        options.parse
    ))
}

/// A cache file whose framing, versions and index are right, held open: every other part is
/// read (and its checksum checked) only when asked for, so a warm `history` reads the ledger
/// and not the post lives. The open handle keeps reading the same file even if another
/// process renames a new one into place meanwhile.
struct CacheFile {
    index: Index,
    file: std::fs::File,
    /// The file's length when its index was read: an append must find it unchanged.
    length: u64,
}

impl CacheFile {
    fn open(path: &Path, selector: &str) -> Option<CacheFile> {
        let file = std::fs::File::open(path).ok()?;
        // An appending writer holds the exclusive lock until its trailer is whole. Where
        // locks are not supported, a torn trailer fails its checks like any damage.
        let locked = file.lock_shared().is_ok();
        let read = Self::read_index(&file, selector);
        if locked {
            let _ = file.unlock();
        }
        let (index, length) = read?;
        Some(CacheFile {
            index,
            file,
            length,
        })
    }

    fn read_index(file: &std::fs::File, selector: &str) -> Option<(Index, u64)> {
        let length = file.metadata().ok()?.len();
        let start = read_at(file, 0, START_LEN)?;
        let version = start.strip_prefix(MAGIC)?;
        if version != FORMAT_VERSION.to_le_bytes() {
            return None;
        }
        let trailer = read_at(file, length.checked_sub(TRAILER_LEN)?, TRAILER_LEN)?;
        let (words, magic) = trailer.split_at(24);
        if magic != TRAILER_MAGIC {
            return None;
        }
        let word = |i: usize| {
            let mut bytes = [0u8; 8];
            bytes.copy_from_slice(&words[i * 8..i * 8 + 8]);
            u64::from_le_bytes(bytes)
        };
        let span = Span {
            at: word(0),
            len: word(1),
            checksum: word(2),
        };
        if span.at.checked_add(span.len)? != length - TRAILER_LEN {
            return None;
        }
        let index: Index = postcard::from_bytes(&read_span(file, span)?).ok()?;
        let fits = index.crate_version == env!("CARGO_PKG_VERSION") && index.selector == selector;
        fits.then_some((index, length))
    }

    fn read(&self, span: Span) -> Option<Vec<u8>> {
        let end = span.at.checked_add(span.len)?;
        (span.at >= START_LEN && end <= self.length)
            .then(|| read_span(&self.file, span))
            .flatten()
    }

    /// The stored ledger: each week's part read, and the weeks linked again.
    fn ledger(&self) -> Option<Ledger> {
        let spans = self.index.ledger.as_ref()?;
        let weeks = self.each_part(&spans.weeks, weeks::week_from)?;
        let (next_week, links) = weeks::links_from(&self.read(spans.links)?, weeks.len())?;
        Some(ledger::assemble(
            spans.head.clone(),
            self.index.warnings.clone(),
            weeks,
            &next_week,
            &links,
        ))
    }

    /// `decode` applied to each part at `spans` (with its index), each checked; the parts are
    /// read in one go when they lie together ([`Self::read_stretch`]), else one by one.
    fn each_part<T>(
        &self,
        spans: &[Span],
        mut decode: impl FnMut(&[u8], usize) -> Option<T>,
    ) -> Option<Vec<T>> {
        let stretch = self.read_stretch(spans);
        let mut decoded = Vec::with_capacity(spans.len());
        for (index, &span) in spans.iter().enumerate() {
            let owned;
            let bytes = match &stretch {
                Some((start, buffer)) => {
                    let from = usize::try_from(span.at.checked_sub(*start)?).ok()?;
                    let part =
                        buffer.get(from..from.checked_add(usize::try_from(span.len).ok()?)?)?;
                    (checksum(part) == span.checksum).then_some(part)?
                }
                None => {
                    owned = self.read(span)?;
                    owned.as_slice()
                }
            };
            decoded.push(decode(bytes, index)?);
        }
        Some(decoded)
    }

    /// The stretch of the file that holds all of `spans`, with where it starts, read at once
    /// when the parts mostly fill it (parts written together lie together, and a thousand
    /// small reads cost more than one); none when they are scattered.
    fn read_stretch(&self, spans: &[Span]) -> Option<(u64, Vec<u8>)> {
        let start = spans.iter().map(|s| s.at).min()?;
        let end = spans
            .iter()
            .map(|s| s.at.checked_add(s.len))
            .collect::<Option<Vec<u64>>>()?
            .into_iter()
            .max()?;
        let filled: u64 = spans.iter().map(|s| s.len).sum();
        let fits = start >= START_LEN && end <= self.length;
        if !fits || end - start > 2 * filled + (1 << 20) {
            return None;
        }
        Some((start, read_at(&self.file, start, end - start)?))
    }

    /// Where week `week` of the stored ledger is, to be kept as it is.
    fn week_span(&self, week: usize) -> Option<Span> {
        self.index.ledger.as_ref()?.weeks.get(week).copied()
    }

    /// Every goals post of a history that holds only some posts' versions, with its date
    /// ([`ledger::goals_with`]): a post not read stands as it was when the cache was written.
    fn goals(&self, history: &History) -> Vec<(usize, NaiveDate)> {
        let stored = &self.index.posts;
        ledger::goals_with(history, |post, life| match stored.get(post) {
            Some(entry) if life.versions.is_empty() => {
                if life.deleted {
                    None
                } else {
                    entry.date.and_then(NaiveDate::from_num_days_from_ce_opt)
                }
            }
            _ => ledger::goal_date(life),
        })
    }

    /// Post `post`'s life, read and checked from its record.
    fn life(&self, post: usize) -> Option<StoredLife> {
        let entry = self.index.posts.get(post)?;
        self.life_from(&self.read(entry.record)?, post)
    }

    /// Gives each of `posts` that `history` holds no versions of its life from the cache;
    /// none when a post is not in the history or its record is damaged.
    fn read_lives(
        &self,
        history: &mut History,
        posts: impl IntoIterator<Item = usize>,
    ) -> Option<()> {
        for post in posts {
            if history.posts.get(post)?.versions.is_empty() {
                history.posts[post].versions = self.life(post)?.versions;
            }
        }
        Some(())
    }

    /// Post `post`'s life from its record's bytes.
    fn life_from(&self, bytes: &[u8], post: usize) -> Option<StoredLife> {
        decode_life(bytes, post, self.index.tip.task_count())
    }

    fn known(&self) -> Option<Vec<[u8; 20]>> {
        let mut known = Vec::new();
        for &span in &self.index.known {
            let part: Vec<[u8; 20]> = postcard::from_bytes(&self.read(span)?).ok()?;
            known.extend(part);
        }
        Some(known)
    }

    /// The whole engine at the cached tip.
    fn engine(&self) -> Option<Engine> {
        let spans: Vec<Span> = self.index.posts.iter().map(|p| p.record).collect();
        let lives = self.each_part(&spans, |bytes, post| {
            Some((
                self.index.posts[post].path.clone(),
                self.life_from(bytes, post)?,
            ))
        })?;
        Engine::from_stored(
            self.index.tip.clone(),
            self.known()?,
            self.index.warnings.clone(),
            lives,
        )
        .ok()
    }

    /// An engine at the cached tip that holds no post's life yet: each post has its path as
    /// the index says.
    fn empty_engine(&self, options: &HistoryOptions) -> Option<Engine> {
        let lives: Vec<PostLife> = self
            .index
            .posts
            .iter()
            .map(|entry| PostLife {
                path: entry.path.clone(),
                deleted: false,
                versions: Vec::new(),
            })
            .collect();
        let mut engine = Engine::partial(self.index.tip.clone(), lives).ok()?;
        engine.set_parse_options(options.parse.clone());
        Some(engine)
    }

    /// An engine at HEAD that holds only the posts the commits since the cached tip change,
    /// those folded in; none when the commits are not a few plain ones on top of the tip.
    fn partial_engine(
        &self,
        options: &HistoryOptions,
        head: ObjectId,
        repo: &Repo,
    ) -> Result<Option<Engine>, Error> {
        let Some(mut engine) = self.empty_engine(options) else {
            return Ok(None);
        };
        let tip = self.index.tip.tip();
        if tip == head {
            return Ok(Some(engine));
        }
        let selector = repo.post_selector_for(&options.globs())?;
        let mut deltas = Vec::new();
        let mut too_many = false;
        let summary = repo.walk_from(Some(head), &selector, &HashSet::from([tip]), |delta| {
            if deltas.len() < PARTIAL_FOLDS_AT_MOST {
                deltas.push(delta);
            } else {
                too_many = true;
            }
        })?;
        if too_many || !engine.extend_partial(deltas, |post| self.life(post)) {
            return Ok(None);
        }
        // What the walk itself could not read (a missing commit), as a whole read says it.
        for warning in summary.warnings {
            engine.warn(warning);
        }
        Ok((engine.tip() == Some(head)).then_some(engine))
    }
}

/// Post `post`'s life from its record's bytes, checked against the `task_count` tasks of
/// the engine that wrote it.
fn decode_life(bytes: &[u8], post: usize, task_count: usize) -> Option<StoredLife> {
    let record: LifeRecord = postcard::from_bytes(bytes).ok()?;
    record.into_life(post, task_count).ok()
}

/// A write under way: the post records and commits are written, the ledger and the index
/// are to come.
struct PendingStore<'a> {
    path: &'a Path,
    writer: Writer,
    index: Index,
    append: Option<&'a CacheFile>,
}

/// Starts bringing the cache up to `engine`: when `base` is the file it was read from, only
/// the posts the engine changed and the new commits are appended; a whole new file is
/// written when there is no base or appended parts have piled up.
fn prepare_store<'a>(
    path: &'a Path,
    selector: &str,
    base: Option<&'a CacheFile>,
    engine: &Engine,
) -> std::io::Result<PendingStore<'a>> {
    let tip = engine
        .tip_parts()
        .ok_or_else(|| std::io::Error::other("no commit to store"))?;
    prepare_store_of(path, selector, base, &Records::of_engine(engine), tip)
}

/// What a cache write takes from an engine, or from the history an engine became and what
/// the engine alone knew: so the cold run can write the cache while the ledger is built.
struct Records<'a> {
    posts: &'a [PostLife],
    lives: &'a [crate::core::history::TaskLife],
    /// Each post's path at the tip, or its last path when it is gone.
    paths: Vec<&'a str>,
    touched: &'a std::collections::BTreeSet<usize>,
    known: Vec<[u8; 20]>,
    warnings: &'a [Warning],
}

impl<'a> Records<'a> {
    fn of_engine(engine: &'a Engine) -> Records<'a> {
        Records {
            posts: engine.lives(),
            lives: engine.task_lives(),
            paths: engine.tip_paths(),
            touched: engine.touched(),
            known: engine.known_ids(),
            warnings: engine.warnings(),
        }
    }

    /// A whole engine's records once it became `history` (which names each post by its tip
    /// path, as [`Engine::tip_paths`] does); `known` and `touched` are the engine's.
    fn of_history(
        history: &'a History,
        touched: &'a std::collections::BTreeSet<usize>,
        known: Vec<[u8; 20]>,
    ) -> Records<'a> {
        Records {
            posts: &history.posts,
            lives: &history.tasks,
            paths: history
                .posts
                .iter()
                .map(|life| life.path.as_str())
                .collect(),
            touched,
            known,
            warnings: &history.warnings,
        }
    }

    /// The ids of each post's tasks.
    fn tasks_by_post(&self) -> Vec<Vec<crate::core::history::TaskId>> {
        let mut by_post = vec![Vec::new(); self.posts.len()];
        for life in self.lives {
            if let Some(ids) = by_post.get_mut(life.post) {
                ids.push(life.id);
            }
        }
        by_post
    }
}

/// [`prepare_store`] from records.
fn prepare_store_of<'a>(
    path: &'a Path,
    selector: &str,
    base: Option<&'a CacheFile>,
    records: &Records,
    tip: TipParts,
) -> std::io::Result<PendingStore<'a>> {
    // Appending keeps what the base holds; once the dead parts outgrow the live ones, the
    // file is written whole again, copying the records that did not change.
    let base = base.filter(|b| b.index.tip.task_count() <= tip.task_count());
    let append = base.filter(|b| b.length <= 2 * b.index.live_bytes() + (4 << 20));
    let mut writer = match append {
        Some(b) => Writer::append(b.length),
        None => Writer::whole(path)?,
    };
    match write_parts(&mut writer, selector, base, append.is_some(), records, tip) {
        Ok(index) => Ok(PendingStore {
            path,
            writer,
            index,
            append,
        }),
        Err(e) => {
            writer.abandon();
            Err(e)
        }
    }
}

impl PendingStore<'_> {
    /// Writes the ledger, when there is one, and the index, and puts the new state in place.
    /// `kept` names the week of the file read that a week of `ledger` is unchanged from:
    /// when appending, that week's part stays where it is.
    fn complete(
        mut self,
        ledger: Option<&Ledger>,
        kept: &dyn Fn(usize) -> Option<usize>,
    ) -> std::io::Result<()> {
        if let Some(ledger) = ledger {
            let base = self.append;
            let kept_span = |week: usize| base.and_then(|b| b.week_span(kept(week)?));
            match weeks::write_ledger(&mut self.writer, ledger, &kept_span) {
                Ok(spans) => self.index.ledger = Some(spans),
                Err(e) => {
                    self.writer.abandon();
                    return Err(e);
                }
            }
        }
        self.writer
            .finish(self.path, &self.index, self.append.map(|b| &b.file))
    }
}

/// Writes every part but the index, and returns the index that names them.
/// Task entries over all versions of the records to write above which they are encoded on
/// two threads: on a cold read of a history of big posts, encoding them was the last thing
/// still running, on one thread, while the other had finished the weeks.
const PARALLEL_RECORD_TASKS: usize = 200_000;

/// Post `post`'s record, encoded as the cache file stores it.
fn encode_record(
    records: &Records,
    tasks: &[Vec<crate::core::history::TaskId>],
    post: usize,
) -> std::io::Result<Vec<u8>> {
    let ids = tasks.get(post).map_or(&[][..], Vec::as_slice);
    let record = record::life_record(records.posts, records.lives, post, ids);
    postcard::to_stdvec(&record).map_err(std::io::Error::other)
}

/// The records of posts `fresh` (in that order), encoded on two threads, when they hold
/// enough tasks over their versions to repay it; none when they do not (they are encoded
/// as they are written, and a small blog's are never all held at once).
fn encoded_ahead(
    records: &Records,
    tasks: &[Vec<crate::core::history::TaskId>],
    fresh: &[usize],
) -> std::io::Result<Option<Vec<Vec<u8>>>> {
    let weight = |post: usize| -> usize {
        records.posts.get(post).map_or(0, |life| {
            life.versions.iter().map(|v| v.task_ids.len()).sum()
        })
    };
    let total: usize = fresh.iter().map(|&post| weight(post)).sum();
    if fresh.len() < 2 || total < PARALLEL_RECORD_TASKS {
        return Ok(None);
    }
    let encode = |posts: &[usize]| -> std::io::Result<Vec<Vec<u8>>> {
        posts
            .iter()
            .map(|&post| encode_record(records, tasks, post))
            .collect()
    };
    // Two runs of posts of about the same weight, one on each thread.
    let mut sum = 0;
    let split = fresh
        .iter()
        .position(|&post| {
            sum += weight(post);
            2 * sum >= total
        })
        .map_or(fresh.len(), |at| at + 1);
    std::thread::scope(|scope| {
        let later = scope.spawn(|| encode(&fresh[split..]));
        let mut encoded = encode(&fresh[..split])?;
        encoded.extend(
            later
                .join()
                .unwrap_or_else(|e| std::panic::resume_unwind(e))?,
        );
        Ok(Some(encoded))
    })
}

fn write_parts(
    writer: &mut Writer,
    selector: &str,
    base: Option<&CacheFile>,
    appending: bool,
    records: &Records,
    tip: TipParts,
) -> std::io::Result<Index> {
    let touched = records.touched;
    let stored = base.map_or(&[][..], |b| b.index.posts.as_slice());
    let tasks = records.tasks_by_post();
    let fresh: Vec<usize> = (0..records.paths.len())
        .filter(|post| stored.get(*post).is_none() || touched.contains(post))
        .collect();
    // Encoded ahead on two threads when they are many, else each as it is written.
    let mut encoded = encoded_ahead(records, &tasks, &fresh)?.map(Vec::into_iter);
    let mut posts = Vec::with_capacity(records.paths.len());
    for (post, &path) in records.paths.iter().enumerate() {
        let kept = stored.get(post).filter(|_| !touched.contains(&post));
        let (record, date) = match kept {
            Some(entry) if appending => (entry.record, entry.date),
            Some(entry) => {
                let bytes = base
                    .and_then(|b| b.read(entry.record))
                    .ok_or_else(|| std::io::Error::other("a stored record is damaged"))?;
                (writer.part(&bytes)?, entry.date)
            }
            None => {
                let bytes = match encoded.as_mut() {
                    Some(ahead) => ahead
                        .next()
                        .ok_or_else(|| std::io::Error::other("a post's record was not encoded"))?,
                    None => encode_record(records, &tasks, post)?,
                };
                let life = &records.posts[post];
                let has_tasks = life
                    .versions
                    .last()
                    .is_some_and(|v| !v.post.tasks.is_empty());
                let date = has_tasks
                    .then(|| ledger::post_date(life))
                    .flatten()
                    .map(|d| d.num_days_from_ce());
                (writer.part(&bytes)?, date)
            }
        };
        posts.push(PostEntry {
            path: path.to_string(),
            date,
            record,
        });
    }
    // A partial engine knows only the commits it folded in: the base's are kept either way.
    let old_known: Vec<[u8; 20]> = match base {
        Some(b) => b
            .known()
            .ok_or_else(|| std::io::Error::other("the stored commits are damaged"))?,
        None => Vec::new(),
    };
    let old_set: HashSet<[u8; 20]> = old_known.iter().copied().collect();
    let new_known = records
        .known
        .iter()
        .copied()
        .filter(|id| !old_set.contains(id));
    let mut known = Vec::new();
    if appending && let Some(b) = base {
        known = b.index.known.clone();
        let new_known: Vec<[u8; 20]> = new_known.collect();
        if !new_known.is_empty() || known.is_empty() {
            known.push(writer.encoded(&new_known)?);
        }
    } else {
        let mut all = old_known;
        all.extend(new_known);
        all.sort_unstable();
        known.push(writer.encoded(&all)?);
    }
    // A whole engine holds every warning in the order a read without the cache gives them;
    // a partial one was given the stored ones first.
    let warnings = records.warnings.to_vec();
    Ok(Index {
        crate_version: env!("CARGO_PKG_VERSION").to_string(),
        selector: selector.to_string(),
        tip,
        posts,
        known,
        warnings,
        ledger: None,
    })
}

/// The cache as the pre-commit hook reads it: the tip's state and every post's date, with
/// each post's life read only when the stats block needs it or a commit made since the cache
/// was written changed it. The weeks of the block's window that no such commit changed are
/// read from the stored ledger, as are the carry links between two of them.
pub struct HookView {
    file: CacheFile,
    /// A partial engine at HEAD: the cached tip with the commits made since folded on.
    base: Engine,
    /// The due-date rules the stored ledger was built with (the cache is kept per rules).
    ledger_options: LedgerOptions,
    /// The week before each post `base` holds (those the commits since the cache changed,
    /// most often the post being staged again), as far as its carry links to that post read
    /// it, decoded on a thread of their own since the view was made; the first
    /// [`HookView::ledgers_around`] takes them.
    ahead: std::sync::Mutex<Option<Ahead>>,
    /// How many windows were built with weeks read from the stored ledger.
    from_store: std::sync::atomic::AtomicUsize,
}

/// The first versions of a post, up to a commit's topological index: as much of the week
/// before a changed post as the carry matcher reads.
struct Prefix {
    post: usize,
    /// Every version committed at or before this index is there.
    until: usize,
    life: PostLife,
}

impl Prefix {
    /// The versions of post `post` committed up to index `until`, from its record's bytes,
    /// checked against the `task_count` tasks of the engine that wrote it.
    fn decode(
        bytes: &[u8],
        (post, until): (usize, usize),
        task_count: usize,
        path: String,
        deleted: bool,
    ) -> Option<Prefix> {
        let versions = record::versions_until(bytes, task_count, until).ok()?;
        Some(Prefix {
            post,
            until,
            life: PostLife {
                path,
                deleted,
                versions,
            },
        })
    }
}

/// Prefixes decoded on a thread of their own.
type Ahead = std::thread::JoinHandle<Vec<Prefix>>;

/// Records of this many bytes or more are decoded on a second thread by the hook
/// ([`ahead_records`]): a big post's, not a weekly post's.
const EARLY_RECORD_BYTES: u64 = 128 << 10;

/// More commits than this since the cache was written: the hook reads the whole engine,
/// and writes the cache again, rather than folding them onto a partial one at every commit.
const HOOK_FOLDS_AT_MOST: usize = 32;

/// From this many commits since the cache, the hook brings it forward after writing its
/// block ([`HookView::bring_forward`]): each commit behind costs every later hook run its
/// folding (a millisecond or more on a long checklist), and at [`HOOK_FOLDS_AT_MOST`] the
/// whole history is read. Brought forward once, the next runs fold nothing.
const HOOK_BRINGS_FORWARD_AT: usize = 8;

/// The hook's view of the cache when it is whole and at HEAD or at an ancestor that only a
/// few plain commits separate from HEAD; none otherwise (the caller then reads the history
/// through [`load_engine`], which writes the cache again).
pub fn load_hook_view(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
) -> Result<Option<HookView>, Error> {
    match repo.head()? {
        Some(head) => load_hook_view_at(repo, options, ledger_options, head),
        None => Ok(None),
    }
}

/// [`load_hook_view`] at `head` instead of HEAD: the parent of an amended commit, say. None
/// unless the cached commit is `head` or an ancestor that a few plain commits separate from
/// it.
pub fn load_hook_view_at(
    repo: &Repo,
    options: &HistoryOptions,
    ledger_options: &LedgerOptions,
    head: ObjectId,
) -> Result<Option<HookView>, Error> {
    let Some((_, _, Some(file))) = open_cache(repo, options, ledger_options, true)? else {
        return Ok(None);
    };
    let tip = file.index.tip.tip();
    if !continues_from(repo, tip, head) {
        return Ok(None);
    }
    let Some(base) = file.partial_engine(options, head, repo)? else {
        return Ok(None);
    };
    if base.known_commits().len() > HOOK_FOLDS_AT_MOST {
        return Ok(None);
    }
    // The weeks before the posts the commits since the cache changed, decoded meanwhile.
    let ahead = ahead_records(&file, &base).and_then(|records| {
        let task_count = file.index.tip.task_count();
        let paths: Vec<String> = file.index.posts.iter().map(|p| p.path.clone()).collect();
        std::thread::Builder::new()
            .spawn(move || {
                records
                    .into_iter()
                    .filter_map(|(post, until, bytes)| {
                        let path = paths.get(post)?.clone();
                        Prefix::decode(&bytes, (post, until), task_count, path, false)
                    })
                    .collect()
            })
            .ok()
    });
    Ok(Some(HookView {
        file,
        base,
        ledger_options: *ledger_options,
        ahead: std::sync::Mutex::new(ahead),
        from_store: std::sync::atomic::AtomicUsize::new(0),
    }))
}

impl HookView {
    /// The commit the view stands at: the first parent of the commit about to be made.
    pub fn tip(&self) -> Option<ObjectId> {
        self.base.tip()
    }

    /// Writes the cache again at HEAD when the view folded [`HOOK_BRINGS_FORWARD_AT`]
    /// commits or more onto the cached tip and stands at HEAD (not under an amend), as an
    /// incremental `history` would, from the engine the view folded already; true when it
    /// did. Never a full read: the view exists only for a few plain commits behind.
    pub fn bring_forward(mut self, repo: &Repo) -> bool {
        let at_head = repo.head().ok().flatten() == self.tip();
        if !at_head || self.base.known_commits().len() < HOOK_BRINGS_FORWARD_AT {
            return false;
        }
        let Some(previous) = self.file.ledger() else {
            return false;
        };
        let engine = std::mem::take(&mut self.base);
        update_from_partial(&self.file, engine, &previous, repo, &self.ledger_options).is_some()
    }

    /// How many of the windows built so far read the weeks the commits since the cache
    /// left alone from the stored ledger, rather than from the posts' lives: for tests, as
    /// the two ways give the same ledger.
    pub fn windows_from_store(&self) -> usize {
        self.from_store.load(std::sync::atomic::Ordering::Relaxed)
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
        let pending =
            crate::git::pending_commit(self.base.tip(), now, &[(path.to_string(), bytes.to_vec())]);
        self.ledgers_around(pending, &[path], options, window)?
            .pop()
    }

    /// The ledgers [`ledger::build_around`] gives for each of `paths` once `pending` (a commit
    /// on the view's tip) is made, folded in once: the same weeks and figures as from the
    /// whole history. None when a record turns out damaged or `pending` is not a commit on
    /// the view's tip alone.
    pub fn ledgers_around(
        &self,
        pending: CommitDelta,
        paths: &[&str],
        options: &LedgerOptions,
        window: usize,
    ) -> Option<Vec<Ledger>> {
        if pending.parents != Vec::from_iter(self.base.tip()) {
            return None;
        }
        let mut engine = self.base.clone();
        // Every post the commit changes, renames or deletes is folded on its whole life.
        let mut changed = Vec::new();
        for change in &pending.changes {
            let paths: [Option<&String>; 2] = match change {
                FileChange::Added { path, .. }
                | FileChange::Modified { path, .. }
                | FileChange::Deleted { path } => [Some(path), None],
                FileChange::Renamed { from, to, .. } => [Some(from), Some(to)],
            };
            changed.extend(
                paths
                    .into_iter()
                    .flatten()
                    .filter_map(|path| engine.post_at_tip(path)),
            );
        }
        let posts = engine.fill_lives_parsing(&changed, &pending, |post| self.file.life(post))?;
        engine.feed_pending_parsed(pending, posts);
        let mut history = engine.into_history();
        let goals = self.file.goals(&history);
        // The posts whose lives may differ from the cache's: those the engine holds, which
        // the commits since the cache and this one changed. No other post is decoded yet.
        let changed: Vec<bool> = history
            .posts
            .iter()
            .map(|life| !life.versions.is_empty())
            .collect();
        let ahead = self.ahead.lock().ok().and_then(|mut ahead| ahead.take());
        // A thread that failed leaves its posts to be decoded here.
        let mut prefixes = ahead
            .and_then(|thread| thread.join().ok())
            .unwrap_or_default();
        let mut ledgers = Vec::with_capacity(paths.len());
        for path in paths {
            let stored = (*options == self.ledger_options)
                .then(|| {
                    self.window_from_store(
                        &mut history,
                        &goals,
                        &changed,
                        &mut prefixes,
                        path,
                        window,
                    )
                })
                .flatten();
            let ledger = match stored {
                Some(ledger) => {
                    self.from_store
                        .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                    ledger
                }
                None => {
                    // Every week worked out and every pair matched, from the posts' lives.
                    let chain = ledger::window_goals(&history, &goals, path, window);
                    self.file
                        .read_lives(&mut history, chain.iter().map(|goal| goal.post))?;
                    let history = &history;
                    ledger::build_window(
                        history,
                        options,
                        &chain,
                        vec![None; chain.len()],
                        vec![None; chain.len().saturating_sub(1)],
                        &|post| history.posts.get(post),
                    )?
                }
            };
            ledgers.push(ledger);
        }
        drop_aside(history);
        Some(ledgers)
    }

    /// The window [`ledger::build_around`] builds for `path`, with each week whose post
    /// is not `changed` since the cache read from the stored ledger (unless the next post of
    /// its series moved its due date), and the carry links of each pair of such weeks too:
    /// only the weeks and links the commits since the cache can have changed are worked out.
    /// Of a post kept before one that changed, only the versions the carry matcher reads are
    /// decoded (`prefixes` holds those decoded ahead). None when the stored ledger does not
    /// line up with the history (a post added before the window, say): the caller builds
    /// the window from the posts' lives.
    fn window_from_store(
        &self,
        history: &mut History,
        goals: &[(usize, NaiveDate)],
        changed: &[bool],
        prefixes: &mut Vec<Prefix>,
        path: &str,
        window: usize,
    ) -> Option<Ledger> {
        // The stored ledger is the cached tip's: a write that stores none clears it.
        let spans = self
            .file
            .index
            .ledger
            .as_ref()
            .filter(|spans| spans.head == Some(self.file.index.tip.tip().to_string()))?;
        let chain = ledger::window_goals(history, goals, path, window);
        if chain.is_empty() {
            return None;
        }
        let is_changed = |post: usize| changed.get(post).copied().unwrap_or(true);
        // Each kept week as stored, the week at the same place among the stored goals posts
        // (the stored ledger's weeks are the cached tip's goals posts, in the same order):
        // another post there means the goals posts moved, and the window is built whole.
        let mut stored_at = vec![None; chain.len()];
        let mut given = Vec::with_capacity(chain.len());
        for (index, goal) in chain.iter().enumerate() {
            if is_changed(goal.post) {
                given.push(None);
                continue;
            }
            let (week, records) =
                weeks::week_from(&self.file.read(*spans.weeks.get(goal.goal)?)?, index)?;
            if week.post != goal.post || week.path != history.posts.get(goal.post)?.path {
                return None;
            }
            stored_at[index] = Some(goal.goal);
            given.push(
                ledger::week_still_holds(&week, goal, &self.ledger_options)
                    .then_some((week, records)),
            );
        }
        // Where the later week of a pair is in the stored ledger, when its carry links in can
        // be the stored ones: an unchanged week, or a changed one that has no goal first read
        // since the cache (a box ticked, a note added). The matcher reads the week before as
        // it stood when this week's post was first committed, and each of this post's goals
        // as it first read: with the week before unchanged, none of that changed. A goal new
        // since the cache has an id the cache's engine had not given.
        let task_count = self.file.index.tip.task_count();
        let mut links_into = stored_at.clone();
        for index in 1..chain.len() {
            let goal = &chain[index];
            if links_into[index].is_some() || stored_at[index - 1].is_none() {
                continue;
            }
            // A changed post's whole life is held; without it nothing can be told.
            let old_goals_only = history.posts.get(goal.post).is_some_and(|life| {
                !life.versions.is_empty()
                    && life
                        .versions
                        .iter()
                        .all(|v| v.task_ids.iter().all(|id| id.index() < task_count))
            });
            let stored_here = || {
                let (week, _) =
                    weeks::week_from(&self.file.read(*spans.weeks.get(goal.goal)?)?, index)?;
                let life = history.posts.get(goal.post)?;
                (week.post == goal.post && week.path == life.path).then_some(goal.goal)
            };
            if old_goals_only {
                links_into[index] = stored_here();
            }
        }
        let mut stored_links = None;
        if stored_at
            .iter()
            .zip(links_into.iter().skip(1))
            .any(|(week, next)| week.is_some() && next.is_some())
        {
            stored_links = Some(weeks::links_from(
                &self.file.read(spans.links)?,
                spans.weeks.len(),
            )?);
        }
        let given_links: Vec<Option<Vec<_>>> = stored_at
            .iter()
            .zip(links_into.iter().skip(1))
            .map(|pair| match (*pair.0, *pair.1, &stored_links) {
                (Some(week), Some(next), Some((next_week, links)))
                    if next_week.get(week) == Some(&Some(next)) =>
                {
                    links.get(week).cloned()
                }
                _ => None,
            })
            .collect();
        // The posts whose whole lives are read: each week worked out, and the later post of
        // each pair matched.
        let mut whole: Vec<usize> = chain
            .iter()
            .zip(&given)
            .filter(|(_, week)| week.is_none())
            .map(|(goal, _)| goal.post)
            .collect();
        whole.extend(
            chain
                .windows(2)
                .zip(&given_links)
                .filter(|(_, links)| links.is_none())
                .map(|(pair, _)| pair[1].post),
        );
        self.file.read_lives(history, whole)?;
        // The earlier post of each pair matched, as far as the matcher reads it: up to the
        // later post's first version.
        let mut earlier: Vec<Prefix> = Vec::new();
        for (pair, links) in chain.windows(2).zip(&given_links) {
            let (post, next) = (pair[0].post, pair[1].post);
            if links.is_some() || !history.posts[post].versions.is_empty() {
                continue;
            }
            let until = history.posts[next].versions.first()?.order;
            let prefix = match prefixes
                .iter()
                .position(|p| p.post == post && p.until >= until)
            {
                Some(at) => prefixes.swap_remove(at),
                None => Prefix::decode(
                    &self.file.read(self.file.index.posts.get(post)?.record)?,
                    (post, until),
                    task_count,
                    history.posts[post].path.clone(),
                    history.posts[post].deleted,
                )?,
            };
            earlier.push(prefix);
        }
        let history: &History = history;
        let earlier_life = |post: usize| -> Option<&PostLife> {
            let life = history.posts.get(post)?;
            if !life.versions.is_empty() {
                return Some(life);
            }
            earlier.iter().find(|p| p.post == post).map(|p| &p.life)
        };
        ledger::build_window(
            history,
            &self.ledger_options,
            &chain,
            given,
            given_links,
            &earlier_life,
        )
    }
}

/// The records of the weeks before the posts `engine` holds (as the cache's tip has them),
/// each with how far the carry matcher reads it (the later post's first commit), read to be
/// decoded early; none when they are small (a blog's weekly posts) and a thread would cost
/// more than it saves. A guess: a post it misses is decoded when needed, one it names
/// needlessly costs only time.
fn ahead_records(file: &CacheFile, engine: &Engine) -> Option<Vec<(usize, usize, Vec<u8>)>> {
    let stored = &file.index.posts;
    if !stored.iter().any(|p| p.record.len >= EARLY_RECORD_BYTES) {
        return None;
    }
    // Enough of each post for its path and its date as a goals post: the first and the
    // last version of those the engine holds.
    let posts = engine
        .lives()
        .iter()
        .map(|life| PostLife {
            path: life.path.clone(),
            deleted: life.deleted,
            versions: match (life.versions.first(), life.versions.last()) {
                (Some(first), Some(last)) => vec![first.clone(), last.clone()],
                _ => Vec::new(),
            },
        })
        .collect();
    let light = History {
        posts,
        ..History::default()
    };
    let goals = file.goals(&light);
    let mut wanted: Vec<(usize, usize)> = light
        .posts
        .iter()
        .filter_map(|life| Some((life, life.versions.first()?.order)))
        .filter_map(|(life, first)| {
            match ledger::window_goals(&light, &goals, &life.path, 2).as_slice() {
                [before, _] if light.posts[before.post].versions.is_empty() => {
                    Some((before.post, first))
                }
                _ => None,
            }
        })
        .collect();
    wanted.sort_unstable();
    wanted.dedup_by_key(|(post, _)| *post);
    let bytes: u64 = wanted
        .iter()
        .filter_map(|&(post, _)| stored.get(post))
        .map(|p| p.record.len)
        .sum();
    if bytes < EARLY_RECORD_BYTES {
        return None;
    }
    wanted
        .into_iter()
        .map(|(post, until)| Some((post, until, file.read(stored.get(post)?.record)?)))
        .collect()
}

impl Drop for HookView {
    fn drop(&mut self) {
        drop_aside(std::mem::take(&mut self.base).into_history());
    }
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
    use crate::core::delta::CommitDelta;
    use std::sync::Arc;

    /// Brings the cache up to `engine` and `ledger` in one go; see [`prepare_store`].
    fn store(
        path: &Path,
        selector: &str,
        base: Option<&CacheFile>,
        engine: &Engine,
        ledger: Option<&Ledger>,
    ) -> std::io::Result<()> {
        prepare_store(path, selector, base, engine)?.complete(ledger, &|_| None)
    }

    const SELECTOR: &str = "Dirs([\"_posts\"])";

    /// Commit `n` on top of commit `n - 1`, writing `text` to `path`.
    fn delta(n: u8, path: &str, text: &str) -> CommitDelta {
        let parents: &[u8] = if n == 1 { &[] } else { &[n - 1] };
        crate::core::fold::tests::delta(n, parents, 1, path, text, n == 1)
    }

    fn engine_with(commits: &[(&str, &str)]) -> Engine {
        let mut engine = Engine::new();
        for (n, (path, text)) in commits.iter().enumerate() {
            engine.feed(delta(n as u8 + 1, path, text));
        }
        engine
    }

    fn history_of(engine: &Engine) -> String {
        format!("{:?}", engine.history())
    }

    const WEEK_1: &str = "_posts/2020-12-07-week-1.md";
    const WEEK_2: &str = "_posts/2020-12-14-week-2.md";

    #[test]
    fn a_whole_file_gives_back_the_engine_and_an_append_adds_only_what_changed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let mut commits = vec![
            (WEEK_1, "- [ ] Read WaveNet\n- [ ] CS242 HW 3\n"),
            (WEEK_1, "- [x] Read WaveNet\n- [ ] CS242 HW 3\n"),
            (WEEK_2, "- [ ] CS242 HW 3\n"),
        ];
        let engine = engine_with(&commits);
        store(&path, SELECTOR, None, &engine, None).unwrap();
        let file = CacheFile::open(&path, SELECTOR).unwrap();
        let read_back = file.engine().unwrap();
        assert_eq!(history_of(&read_back), history_of(&engine));
        assert!(read_back.touched().is_empty());
        // Read back, the versions of a post still share the text they keep.
        let versions = &read_back.lives()[0].versions;
        let (first, second) = (&versions[0].post.tasks, &versions[1].post.tasks);
        let (first, second) = (first.content_refs(), second.content_refs());
        assert!(Arc::ptr_eq(&first[1].title, &second[1].title));
        assert!(Arc::ptr_eq(&first[0].section, &second[0].section));

        // One more commit to week 2: the file grows by its record, not by week 1's.
        commits.push((WEEK_2, "- [x] CS242 HW 3\n"));
        let mut extended = read_back;
        extended.feed_pending(delta(4, WEEK_2, commits[3].1));
        assert_eq!(extended.touched().iter().copied().collect::<Vec<_>>(), [1]);
        let before = file.length;
        store(&path, SELECTOR, Some(&file), &extended, None).unwrap();
        let appended = CacheFile::open(&path, SELECTOR).unwrap();
        assert!(appended.length > before, "appended to");
        assert_eq!(appended.index.posts[0].record, file.index.posts[0].record);
        assert_ne!(appended.index.posts[1].record, file.index.posts[1].record);
        assert_eq!(
            history_of(&appended.engine().unwrap()),
            history_of(&engine_with(&commits))
        );
    }

    #[test]
    fn a_big_post_read_back_while_its_next_version_is_parsed_folds_as_if_fed_whole() {
        // From 64 KB the stored life is read back on one thread while the commit's version
        // of the post is parsed on another: the post's history must be a whole fold's.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let big: String = (0..3000)
            .map(|n| format!("- [ ] Study chapter {n} of the long checklist\n"))
            .collect();
        assert!(big.len() >= 64 << 10);
        let ticked = big.replacen("- [ ] Study chapter 7 ", "- [x] Study chapter 7 ", 1)
            + "- [ ] One more goal\n";
        let mut commits = vec![(WEEK_1, big.as_str()), (WEEK_2, "- [ ] CS242 HW 3\n")];
        store(&path, SELECTOR, None, &engine_with(&commits), None).unwrap();
        let file = CacheFile::open(&path, SELECTOR).unwrap();
        let mut partial = file.empty_engine(&HistoryOptions::default()).unwrap();
        assert!(partial.extend_partial(vec![delta(3, WEEK_1, &ticked)], |post| file.life(post)));
        commits.push((WEEK_1, &ticked));
        let (folded, whole) = (partial.history(), engine_with(&commits).history());
        assert_eq!(
            format!("{:?}", folded.posts[0]),
            format!("{:?}", whole.posts[0])
        );
        let tasks_of_week_1 = |history: &History| {
            let tasks: Vec<_> = history.tasks.iter().filter(|t| t.post == 0).collect();
            format!("{tasks:?}")
        };
        assert_eq!(tasks_of_week_1(&folded), tasks_of_week_1(&whole));
        assert_eq!(folded.posts[0].versions.len(), 2);
        // A life that cannot be read back leaves the engine of no use, as on one thread.
        let mut unreadable = file.empty_engine(&HistoryOptions::default()).unwrap();
        assert!(!unreadable.extend_partial(vec![delta(3, WEEK_1, &ticked)], |_| None));
    }

    #[test]
    fn a_file_compacted_from_a_partial_engine_still_knows_every_commit_folded_in() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let engine = engine_with(&[
            (WEEK_1, "- [ ] Read WaveNet\n"),
            (WEEK_1, "- [x] Read WaveNet\n"),
            (WEEK_2, "- [ ] CS242 HW 3\n"),
        ]);
        store(&path, SELECTOR, None, &engine, None).unwrap();
        let mut file = CacheFile::open(&path, SELECTOR).unwrap();
        // One more commit onto the posts it touches, as an incremental run folds it.
        let mut partial = file.empty_engine(&HistoryOptions::default()).unwrap();
        assert!(
            partial.extend_partial(vec![delta(4, WEEK_2, "- [x] CS242 HW 3\n")], |post| {
                file.life(post)
            })
        );
        // Dead parts have piled up: this write is a whole one, not an append.
        file.length = 64 << 20;
        store(&path, SELECTOR, Some(&file), &partial, None).unwrap();
        let compacted = CacheFile::open(&path, SELECTOR).unwrap();
        assert_eq!(
            compacted.index.posts[0].record.at, START_LEN,
            "rewritten whole"
        );
        // A later walk stops at the commits already folded in, all of them.
        let known: HashSet<[u8; 20]> = compacted.known().unwrap().into_iter().collect();
        for n in 1..=4u8 {
            assert!(known.contains(&[n; 20]), "commit {n} is known");
        }
    }

    #[test]
    fn an_append_is_dropped_when_another_writer_went_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let commits = [(WEEK_1, "- [ ] Read WaveNet\n")];
        let engine = engine_with(&commits);
        store(&path, SELECTOR, None, &engine, None).unwrap();
        let stale = CacheFile::open(&path, SELECTOR).unwrap();
        let mut first = stale.engine().unwrap();
        first.feed_pending(delta(2, WEEK_1, "- [x] Read WaveNet\n"));
        store(&path, SELECTOR, Some(&stale), &first, None).unwrap();
        let after_first = std::fs::read(&path).unwrap();
        // A second writer still holding the old file's view must not append onto the first's.
        let mut second = stale.engine().unwrap();
        second.feed_pending(delta(2, WEEK_1, "- [ ] Read WaveNet carefully\n"));
        store(&path, SELECTOR, Some(&stale), &second, None).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), after_first);
    }

    /// A cache file of one post with one task, in a directory of its own.
    fn one_post_file() -> (tempfile::TempDir, PathBuf) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(FILE_NAME);
        let engine = engine_with(&[(WEEK_1, "- [ ] a\n")]);
        store(&path, SELECTOR, None, &engine, None).unwrap();
        (dir, path)
    }

    #[test]
    fn another_format_version_selector_or_length_is_refused() {
        let (_dir, path) = one_post_file();
        let whole = std::fs::read(&path).unwrap();
        assert!(CacheFile::open(&path, "AllMarkdown").is_none());
        let rewrite = |bytes: &[u8]| {
            std::fs::write(&path, bytes).unwrap();
            CacheFile::open(&path, SELECTOR)
        };
        let mut older = whole.clone();
        older[8..12].copy_from_slice(&(FORMAT_VERSION - 1).to_le_bytes());
        assert!(rewrite(&older).is_none());
        assert!(rewrite(&whole[..whole.len() - 3]).is_none());
        let mut longer = whole.clone();
        longer.push(0);
        assert!(rewrite(&longer).is_none());
        assert!(rewrite(b"garbage").is_none());
        assert!(rewrite(&whole).is_some());
    }

    #[test]
    fn a_damaged_record_fails_its_checksum() {
        let (_dir, path) = one_post_file();
        let mut bytes = std::fs::read(&path).unwrap();
        // The first record starts right after the magic and version.
        bytes[START_LEN as usize + 1] ^= 1;
        std::fs::write(&path, &bytes).unwrap();
        let file = CacheFile::open(&path, SELECTOR).unwrap();
        assert!(file.life(0).is_none());
        assert!(file.engine().is_none());
    }
}
