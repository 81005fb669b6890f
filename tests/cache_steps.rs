//! The cache walked along a history one step at a time, in process: at every step the ledger
//! through the cache equals the one a read without the cache gives, whichever way the cache
//! got there (a plain new commit folded onto the few posts it touches, several at once, a
//! reset back, an amend-like rewrite, a merged branch, a rename, a deletion, a post's date
//! moved in its front matter).

mod common;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::path::{Path, PathBuf};

use git2::build::TreeUpdateBuilder;
use git2::{FileMode, Oid, Repository, Signature, Time};
use gitgoals::cache;
use gitgoals::core::ledger::LedgerOptions;
use gitgoals::git::Repo;
use gitgoals::git::read::HistoryOptions;
use synthetic::Spec;

/// Magic and format version: the first post record starts right after them.
const START_LEN: usize = 12;
/// The trailer that locates the index, rewritten by every append.
const TRAILER_LEN: usize = 32;

/// A small deterministic generator for the walk's choices.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: u64) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_f491_4f6c_dd1d) >> 33) % n
    }
}

/// A synthetic blog walked by moving a detached HEAD, with what the walk saw of the cache.
struct Walk {
    _dir: tempfile::TempDir,
    path: PathBuf,
    git: Repository,
    seed: u64,
    steps: usize,
    /// Steps after which the cache file was its old bytes (less the trailer) and more.
    appends: usize,
    /// Steps shown to have gone through the partial update (see [`Walk::probe`]).
    partial: usize,
    /// For the commits this test writes: an hour after the last.
    clock: i64,
    /// Steps of [`Walk::step`] that did not go through the partial update.
    not_partial: Vec<String>,
}

impl Walk {
    fn new(spec: Spec) -> (Walk, Vec<Oid>) {
        common::hermetic_libgit2();
        let seed = spec.seed;
        let dir = tempfile::tempdir().expect("temporary directory");
        let path = dir.path().join("blog");
        let written =
            synthetic::write_repo(&synthetic::generate(&spec), &path).expect("blog written");
        let git = Repository::open(&path).expect("blog opens");
        let clock = git
            .find_commit(written.head)
            .expect("head commit")
            .time()
            .seconds();
        let walk = Walk {
            _dir: dir,
            path,
            git,
            seed,
            steps: 0,
            appends: 0,
            partial: 0,
            clock,
            not_partial: Vec::new(),
        };
        (walk, written.commits)
    }

    fn cache_file(&self) -> PathBuf {
        cache::cache_file(&self.repo())
    }

    fn repo(&self) -> Repo {
        Repo::open(Some(&self.path)).expect("repository opens")
    }

    fn head(&self) -> Oid {
        self.git
            .head()
            .ok()
            .and_then(|h| h.target())
            .expect("a HEAD")
    }

    fn move_to(&self, commit: Oid) {
        self.git.set_head_detached(commit).expect("HEAD moves");
    }

    /// The ledger through the cache equals the one read without it; with `history`, the
    /// history and ledger of [`cache::load_history_and_ledger`] too.
    fn check(&mut self, what: &str, history: bool) {
        self.steps += 1;
        let context = format!("seed {}, step {} ({what})", self.seed, self.steps);
        let file = self.cache_file();
        let before = std::fs::read(&file).ok();
        let repo = self.repo();
        let options = HistoryOptions::default();
        let ledger_options = LedgerOptions::default();
        let fresh = cache::load_ledger(&repo, &options, &ledger_options, false).expect("ledger");
        let cached = cache::load_ledger(&repo, &options, &ledger_options, true).expect("ledger");
        assert_eq!(
            format!("{cached:?}"),
            format!("{fresh:?}"),
            "{context}: load_ledger"
        );
        let after = std::fs::read(&file).ok();
        if let (Some(before), Some(after)) = (&before, &after)
            && appended(before, after)
        {
            self.appends += 1;
        }
        if history {
            let fresh = cache::load_history_and_ledger(&repo, &options, &ledger_options, false)
                .expect("history");
            let cached = cache::load_history_and_ledger(&repo, &options, &ledger_options, true)
                .expect("history");
            assert_eq!(
                format!("{:?}", cached.0),
                format!("{:?}", fresh.0),
                "{context}: load_history_and_ledger, history"
            );
            assert_eq!(
                format!("{:?}", cached.1),
                format!("{:?}", fresh.1),
                "{context}: load_history_and_ledger, ledger"
            );
        }
    }

    /// Moves HEAD to `commit` with the first post's record damaged. A whole read of the cache
    /// then fails and writes the file anew; only the partial update, which reads the records
    /// of the posts the new commits touch and of their neighbours' weeks, can append to it.
    /// When it did, and the record was still the live one (a later whole read at the same
    /// HEAD stumbles on it and rewrites the file), the step went through the partial update.
    fn probe(&mut self, commit: Oid, what: &str) -> bool {
        let file = self.cache_file();
        let Ok(mut bytes) = std::fs::read(&file) else {
            self.move_to(commit);
            self.check(what, false);
            return false;
        };
        bytes[START_LEN + 1] ^= 0x20;
        std::fs::write(&file, &bytes).expect("cache writes");
        self.move_to(commit);
        self.check(what, false);
        let after = std::fs::read(&file).expect("cache reads");
        if !appended(&bytes, &after) {
            return false;
        }
        let repo = self.repo();
        let history = cache::load_history(
            &repo,
            &HistoryOptions::default(),
            &LedgerOptions::default(),
            true,
        )
        .expect("history");
        let fresh = cache::load_history(
            &repo,
            &HistoryOptions::default(),
            &LedgerOptions::default(),
            false,
        )
        .expect("history");
        assert_eq!(
            format!("{history:?}"),
            format!("{fresh:?}"),
            "after a probe"
        );
        let partial = std::fs::read(&file).expect("cache reads") != after;
        self.partial += usize::from(partial);
        // The ledger back in the cache, for the next step to update.
        self.check(what, false);
        partial
    }

    /// A commit of `edits` (path, new text or deletion) on `parents`, leaving refs alone.
    fn commit(&mut self, parents: &[Oid], edits: &[(&str, Option<&str>)], message: &str) -> Oid {
        self.clock += 3_600;
        let git = &self.git;
        let mut update = TreeUpdateBuilder::new();
        for (path, text) in edits {
            match text {
                Some(text) => {
                    let blob = git.blob(text.as_bytes()).expect("blob");
                    update.upsert(*path, blob, FileMode::Blob);
                }
                None => {
                    update.remove(*path);
                }
            }
        }
        let parent_commits: Vec<git2::Commit<'_>> = parents
            .iter()
            .map(|p| git.find_commit(*p).expect("parent"))
            .collect();
        let base = parent_commits[0].tree().expect("tree");
        let tree = git
            .find_tree(update.create_updated(git, &base).expect("tree"))
            .expect("tree");
        let who = Signature::new("Ada", "ada@example.org", &Time::new(self.clock, 60))
            .expect("signature");
        let refs: Vec<&git2::Commit<'_>> = parent_commits.iter().collect();
        git.commit(None, &who, &who, message, &tree, &refs)
            .expect("commit")
    }

    /// The text of `path` at `commit`.
    fn text_at(&self, commit: Oid, path: &str) -> String {
        let tree = self
            .git
            .find_commit(commit)
            .and_then(|c| c.tree())
            .expect("tree");
        let entry = tree.get_path(Path::new(path)).expect("path in tree");
        let blob = self.git.find_blob(entry.id()).expect("blob");
        String::from_utf8(blob.content().to_vec()).expect("UTF-8 post")
    }

    /// The goals posts at `commit`, oldest first.
    fn posts_at(&self, commit: Oid) -> Vec<String> {
        let tree = self
            .git
            .find_commit(commit)
            .and_then(|c| c.tree())
            .expect("tree");
        let posts = tree
            .get_path(Path::new("_posts"))
            .and_then(|e| e.to_object(&self.git))
            .expect("posts dir");
        let mut names: Vec<String> = posts
            .as_tree()
            .expect("a tree")
            .iter()
            .filter_map(|e| e.name().ok().map(|n| format!("_posts/{n}")))
            .collect();
        names.sort();
        names
    }

    /// One commit on HEAD, HEAD moved to it through a probe of the partial update; with
    /// `history`, the whole history checked too; a step not shown to go through the partial
    /// update is noted in `not_partial`.
    fn step(&mut self, edits: &[(&str, Option<&str>)], what: &str, history: bool) {
        let commit = self.commit(&[self.head()], edits, what);
        if !self.probe(commit, what) {
            self.not_partial.push(what.to_string());
        }
        if history {
            self.check(what, true);
        }
    }
}

/// `after` is `before` without its trailer, then more.
fn appended(before: &[u8], after: &[u8]) -> bool {
    let kept = before.len().saturating_sub(TRAILER_LEN);
    after.len() > before.len() && after[..kept] == before[..kept]
}

/// `text` with its first open task ticked and a task added at the end.
fn ticked_and_grown(text: &str, added: &str) -> String {
    let mut text = text.replacen("- [ ]", "- [x]", 1);
    if !text.ends_with('\n') {
        text.push('\n');
    }
    text.push_str(&format!("- [ ] {added}\n"));
    text
}

/// Walks HEAD from three quarters of the blog's first-parent line to its end: mostly one commit
/// forward, sometimes several, back, a rewritten HEAD or a probe of the partial update.
fn walk_line(walk: &mut Walk, line: &[Oid], dice: &mut Dice) {
    let mut at = line.len() * 3 / 4;
    walk.move_to(line[at]);
    walk.check("cold", true);
    while at + 1 < line.len() {
        let roll = dice.below(100);
        match roll {
            0..=64 => {
                at += 1;
                walk.move_to(line[at]);
                walk.check("one forward", false);
            }
            65..=72 => {
                at = (at + 2 + dice.below(4) as usize).min(line.len() - 1);
                walk.move_to(line[at]);
                walk.check("several forward", false);
            }
            73..=78 => {
                at = at.saturating_sub(1 + dice.below(5) as usize);
                walk.move_to(line[at]);
                walk.check("back", false);
            }
            79..=84 if at > 0 => {
                // Another commit in HEAD's place, as `commit --amend` makes: the line then
                // goes on from the commit it replaced.
                let newest = walk.posts_at(line[at]).pop().expect("a post");
                let text = walk.text_at(line[at], &newest);
                let amended = walk.commit(
                    &[line[at - 1]],
                    &[(&newest, Some(&ticked_and_grown(&text, "amended in")))],
                    "amended",
                );
                walk.move_to(amended);
                walk.check("amended", false);
            }
            85..=94 => {
                at += 1;
                walk.probe(line[at], "probe");
            }
            _ => walk.check("warm", true),
        }
        if walk.steps.is_multiple_of(7) {
            walk.check("every few steps, history too", true);
        }
    }
}

/// Commits this test writes on top of the blog: the changes a partial update must notice
/// beyond the post it edits.
fn scripted(walk: &mut Walk) {
    let head = walk.head();
    let posts = walk.posts_at(head);
    let n = posts.len();
    let newest = posts[n - 1].clone();
    let text = walk.text_at(head, &newest);

    // A new week with no due date in its text: the week before it is due when it starts.
    let new_week = "_posts/2021-04-19-week-25.md";
    let plain = "---\nlayout: post\ntitle: \"Week 25\"\n---\n\n- [ ] Draft a lightning talk on a Kalman filter\n- [ ] Book the venue\n- [x] Read one paper\n";
    walk.step(&[(new_week, Some(plain))], "a new week", false);
    walk.step(
        &[(new_week, Some(&ticked_and_grown(plain, "Call the bank")))],
        "a tick in the new week",
        false,
    );

    // A post renamed (and edited): its week moves to the new path.
    let renamed = "_posts/2021-04-20-week-25-renamed.md";
    let moved = ticked_and_grown(plain, "Call the bank");
    walk.step(
        &[(new_week, None), (renamed, Some(&moved))],
        "a rename",
        true,
    );

    // A post's date moved in its front matter: a week from the middle goes to the end.
    let middle = posts[n - 4].clone();
    let middle_text = walk.text_at(head, &middle);
    let redated = middle_text
        .lines()
        .map(|line| {
            if line.starts_with("date:") {
                "date:   2021-04-26 09:00:00 +0100".to_string()
            } else {
                line.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n";
    assert_ne!(redated, middle_text, "the post states its date");
    walk.step(&[(&middle, Some(&redated))], "a date moved", true);

    // A post deleted: its neighbours become each other's.
    walk.step(&[(&posts[n - 3], None)], "a deletion", true);

    // A post left with no task: no longer a goals post.
    let emptied: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("- ["))
        .collect::<Vec<_>>()
        .join("\n");
    walk.step(&[(&newest, Some(&emptied))], "a post emptied", false);
    walk.step(&[(&newest, Some(&text))], "its tasks back", false);

    // A post renamed into a series of its own, and a second of that series.
    let series_a = "_posts/2021-05-03--all-hands.md";
    walk.step(
        &[(renamed, None), (series_a, Some(&moved))],
        "a rename into a series",
        false,
    );
    let series_b = "_posts/2021-05-10--all-hands.md";
    walk.step(
        &[(
            series_b,
            Some("---\ntitle: All hands\n---\n\n- [ ] Call the bank again\n"),
        )],
        "the series' second post",
        true,
    );

    // Front matter that does not read: a warning, given once however often it comes back.
    let broken = "---\ntitle: [All hands\n---\n\n- [ ] Call the bank again\n";
    let fixed = "---\ntitle: All hands\n---\n\n- [x] Call the bank again\n";
    walk.step(&[(series_b, Some(broken))], "a warning", false);
    let fresh = cache::load_ledger(
        &walk.repo(),
        &HistoryOptions::default(),
        &LedgerOptions::default(),
        false,
    )
    .expect("ledger");
    assert!(
        fresh.warnings.iter().any(|w| w.file == series_b),
        "the broken front matter is warned about"
    );
    walk.step(&[(series_b, Some(fixed))], "the warning fixed", false);
    walk.step(&[(series_b, Some(broken))], "the warning again", true);

    // A branch from a few commits back merged in, then a plain commit on the merge.
    let fork = walk
        .git
        .find_commit(walk.head())
        .and_then(|c| c.parent_id(0))
        .expect("a parent");
    let side = walk.commit(
        &[fork],
        &[(
            "_posts/2021-04-28-side.md",
            Some("---\ntitle: Side\n---\n\n- [ ] From the side branch\n"),
        )],
        "side",
    );
    // The merge's tree is the first parent's with the side post added.
    let side_text = walk.text_at(side, "_posts/2021-04-28-side.md");
    let merge = walk.commit(
        &[walk.head(), side],
        &[("_posts/2021-04-28-side.md", Some(&side_text))],
        "merge side",
    );
    walk.move_to(merge);
    walk.check("a merge", false);
    walk.step(
        &[(
            "_posts/2021-04-28-side.md",
            Some("---\ntitle: Side\n---\n\n- [x] From the side branch\n"),
        )],
        "a tick after the merge",
        true,
    );
}

fn run(seed: u64) -> Walk {
    let spec = Spec {
        weeks: 14,
        ..Spec::test(seed)
    };
    let (mut walk, commits) = Walk::new(spec);
    let mut dice = Dice(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
    walk_line(&mut walk, &commits, &mut dice);
    scripted(&mut walk);
    walk
}

#[test]
fn a_walk_step_by_step_gives_the_ledger_a_read_without_the_cache_gives() {
    let (mut appends, mut partial) = (0, 0);
    for seed in [1, 2, 3] {
        let walk = run(seed);
        eprintln!(
            "seed {seed}: {} steps, {} appends, {} shown partial",
            walk.steps, walk.appends, walk.partial
        );
        assert!(
            walk.not_partial.is_empty(),
            "seed {seed}: plain commits on a cached HEAD that took the long way: {:?}",
            walk.not_partial
        );
        appends += walk.appends;
        partial += walk.partial;
    }
    assert!(appends >= 10, "the cache was appended to ({appends} times)");
    assert!(
        partial >= 2,
        "steps went through the partial update ({partial} shown)"
    );
}
