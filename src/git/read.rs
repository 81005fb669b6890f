//! Reading a repository's history into the fold: git walks on this thread while the fold
//! matches tasks on another, and posts are parsed on whichever of the two has time.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;

use crate::core::delta::{CommitDelta, ObjectId};
use crate::core::fold::{Engine, parse_blobs};
use crate::core::history::History;
use crate::core::model::Post;
use crate::core::select::PostSelector;
use crate::error::Error;
use crate::git::{Repo, WalkSummary};

/// What to read.
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// `--posts GLOB`: which files are posts, instead of the posts directories.
    pub posts_glob: Option<String>,
    /// More globs (from the configuration): a file matching any of them is a post.
    pub posts_globs: Vec<String>,
    /// How each version is read (rating scale, date order, …).
    pub parse: crate::core::post::ParseOptions,
}

impl HistoryOptions {
    /// Every posts glob in force: `--posts` and the configuration's.
    pub fn globs(&self) -> Vec<&str> {
        self.posts_glob
            .iter()
            .chain(&self.posts_globs)
            .map(String::as_str)
            .collect()
    }
}

/// Reads the whole history reachable from HEAD. The walk (git, parsing posts) and the fold
/// (matching tasks) run on two threads.
pub fn read_history(repo: &Repo, options: &HistoryOptions) -> Result<History, Error> {
    let mut engine = Engine::new();
    update(&mut engine, repo, options)?;
    Ok(engine.into_history())
}

/// Feeds the commits reachable from HEAD that `engine` has not seen yet onto it. When the
/// new commits do not continue what the engine holds (an amend, a rebase, a reset, a merge
/// of a branch that left from an older commit, another choice of post files), it starts
/// over from an empty engine, so the result always equals a full read.
pub fn update(
    engine: &mut Engine,
    repo: &Repo,
    options: &HistoryOptions,
) -> Result<WalkSummary, Error> {
    update_observed(engine, repo, options, &mut |_| {})
}

/// [`update`], showing each commit to `observe` as it is folded in (a progress bar, a check
/// of where new commits attach).
pub fn update_observed(
    engine: &mut Engine,
    repo: &Repo,
    options: &HistoryOptions,
    observe: &mut (dyn FnMut(&CommitDelta) + Send),
) -> Result<WalkSummary, Error> {
    update_to(engine, repo, options, repo.head()?, observe)
}

/// [`update_observed`] up to `tip` instead of HEAD: the history an amended commit's parent
/// stands on, say. Posts are chosen as for HEAD.
pub fn update_to(
    engine: &mut Engine,
    repo: &Repo,
    options: &HistoryOptions,
    tip: Option<ObjectId>,
    observe: &mut (dyn FnMut(&CommitDelta) + Send),
) -> Result<WalkSummary, Error> {
    let selector = repo.post_selector_for(&options.globs())?;
    engine.parse_options = options.parse.clone();
    if engine.selector.as_ref().is_some_and(|s| *s != selector) {
        engine.restart();
    }
    let tip_before = engine.tip();
    let fed_before = engine.next_order;
    let summary = walk_into(engine, repo, tip, &selector, observe)?;
    let nothing_new = engine.next_order == fed_before;
    let moved_back = nothing_new && summary.head != tip_before;
    if engine.lost_parent_state || moved_back {
        engine.restart();
        return walk_into(engine, repo, tip, &selector, observe);
    }
    Ok(summary)
}

/// Commits handed to the fold thread in one message: one message a commit cost a wake-up
/// of the other thread each (about a tenth of a cold walk on a 13,000-commit blog).
const FOLD_BATCH: usize = 16;

/// How many commits the fold may have waiting before the walk parses posts itself. Below it
/// the fold is keeping up and parses what it is sent; above it the walk takes the parsing
/// over. Either thread can be the slower one (many small posts, or a few big ones with many
/// tasks), so the parsing goes to whichever has time.
const FOLD_BACKLOG: usize = 4 * FOLD_BATCH;

/// One walk feeding `engine`: git on this thread, matching and folding on another, and the
/// parsing of posts on whichever of the two is ahead.
fn walk_into(
    engine: &mut Engine,
    repo: &Repo,
    tip: Option<ObjectId>,
    selector: &PostSelector,
    observe: &mut (dyn FnMut(&CommitDelta) + Send),
) -> Result<WalkSummary, Error> {
    engine.selector = Some(selector.clone());
    // Each commit with its posts parsed, or `None` for the fold to parse them.
    type Batch = Vec<(CommitDelta, Option<Vec<Post>>)>;
    let (sender, receiver) = mpsc::sync_channel::<Batch>(64);
    // Commits sent (or about to be) and not yet folded in.
    let backlog = AtomicUsize::new(0);
    // The walk needs the known commits while the fold adds to them.
    let known = engine.known.clone();
    let parse_options = engine.parse_options.clone();
    let memo = std::sync::Arc::clone(&engine.memo);
    let summary = std::thread::scope(|scope| {
        let backlog = &backlog;
        let folder = scope.spawn(|| {
            for batch in receiver {
                for (delta, posts) in batch {
                    observe(&delta);
                    let posts = posts.unwrap_or_else(|| {
                        parse_blobs(&delta, &engine.parse_options, Some(&engine.memo))
                    });
                    engine.feed_parsed(delta, posts);
                    backlog.fetch_sub(1, Ordering::Relaxed);
                }
            }
        });
        let mut batch: Batch = Vec::with_capacity(FOLD_BATCH);
        let summary = repo.walk_from(tip, selector, &known, |delta| {
            let posts = (backlog.load(Ordering::Relaxed) >= FOLD_BACKLOG)
                .then(|| parse_blobs(&delta, &parse_options, Some(&memo)));
            backlog.fetch_add(1, Ordering::Relaxed);
            batch.push((delta, posts));
            if batch.len() >= FOLD_BATCH {
                // The receiver only goes away if the fold thread panicked; the join reports it.
                let _ = sender.send(std::mem::replace(
                    &mut batch,
                    Vec::with_capacity(FOLD_BATCH),
                ));
            }
        });
        if !batch.is_empty() {
            let _ = sender.send(batch);
        }
        drop(sender);
        if folder.join().is_err() {
            return Err(Error::ReadGit {
                what: "the history".to_string(),
                message: "the task matching thread stopped unexpectedly".to_string(),
            });
        }
        summary
    });
    let summary = summary?;
    for warning in &summary.warnings {
        engine.warn(warning.clone());
    }
    engine.head = summary.head;
    // Only the tip continues into a later walk; earlier tips' states are done with.
    let head = engine.head;
    let children_left = &engine.children_left;
    engine
        .states
        .retain(|id, _| Some(*id) == head || children_left.contains_key(id));
    Ok(summary)
}
