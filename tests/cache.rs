//! The history cache against real repositories: whatever state the cache is in (missing,
//! warm, behind by a commit, left over from before a rewrite, damaged, from another format,
//! written by two processes at once), the documents the user sees are the ones a run without
//! the cache prints.

mod common;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{GITGOALS, Isolated as _, Scratch};
use gitgoals::cache;
use gitgoals::git::Repo;
use gitgoals::git::read::HistoryOptions;
use synthetic::Spec;

/// When the tests' own commits are made: after every commit of the synthetic blog.
const DATE: &str = "2021-05-03T12:00:00+01:00";

/// A synthetic blog of about 300 commits, in a scratch directory whose `HOME` keeps git away
/// from the machine's configuration.
struct Blog {
    scratch: Scratch,
    path: PathBuf,
    commits: u32,
}

fn blog(seed: u64) -> Blog {
    // Some tests open the repository in this process too: keep libgit2 off the machine's config.
    common::hermetic_libgit2();
    let scratch = Scratch::new();
    let path = scratch.root.join("blog");
    synthetic::write_repo(&synthetic::generate(&Spec::test(seed)), &path).expect("blog written");
    Blog {
        scratch,
        path,
        commits: 0,
    }
}

impl Blog {
    fn git(&self, args: &[&str]) -> String {
        self.git_in(&self.path, args)
    }

    fn git_in(&self, dir: &Path, args: &[&str]) -> String {
        let output = self
            .scratch
            .command("git", dir, args)
            .dated(DATE)
            .output()
            .expect("git runs");
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("git prints UTF-8")
    }

    fn gitgoals_command(&self, dir: &Path, args: &[&str]) -> Command {
        let mut command = self.scratch.command(GITGOALS, dir, args);
        command.dated(DATE);
        command
    }

    /// stdout of a successful gitgoals run in `dir`.
    fn run_in(&self, dir: &Path, args: &[&str]) -> String {
        let output = self
            .gitgoals_command(dir, args)
            .output()
            .expect("gitgoals runs");
        success(&output, args)
    }

    /// `history --format json` and `tasks --format json`, with or without the cache.
    fn documents_in(&self, dir: &Path, use_cache: bool) -> (String, String) {
        let flag: &[&str] = if use_cache { &[] } else { &["--no-cache"] };
        let history = [flag, &["history", "--format", "json"]].concat();
        let tasks = [flag, &["tasks", "--format", "json"]].concat();
        (self.run_in(dir, &history), self.run_in(dir, &tasks))
    }

    fn documents(&self, use_cache: bool) -> (String, String) {
        self.documents_in(&self.path, use_cache)
    }

    fn cache_file(&self) -> PathBuf {
        cache::cache_file(&Repo::open(Some(&self.path)).expect("repository opens"))
    }

    fn newest_post(&self) -> PathBuf {
        let posts = self.path.join("_posts");
        std::fs::read_dir(&posts)
            .expect("posts dir")
            .flatten()
            .map(|e| e.path())
            .max()
            .expect("a post")
    }

    /// Commits one more task in the newest post.
    fn commit_new_task(&mut self, extra_args: &[&str]) {
        self.commits += 1;
        let post = self.newest_post();
        let mut text = std::fs::read_to_string(&post).expect("post reads");
        if !text.ends_with('\n') {
            text.push('\n');
        }
        text.push_str(&format!(
            "- [ ] a task added by test commit {}\n",
            self.commits
        ));
        std::fs::write(&post, text).expect("post writes");
        let message = format!("test commit {}", self.commits);
        let args = [&["commit", "-q", "-a", "-m", &message][..], extra_args].concat();
        self.git(&args);
    }

    /// Ticks the first open task of the newest post.
    fn commit_tick(&mut self, extra_args: &[&str]) {
        self.commits += 1;
        let post = self.newest_post();
        let text = std::fs::read_to_string(&post).expect("post reads");
        let ticked = text.replacen("- [ ]", "- [x]", 1);
        assert_ne!(ticked, text, "the newest post has an open task");
        std::fs::write(&post, ticked).expect("post writes");
        let message = format!("test tick {}", self.commits);
        let args = [&["commit", "-q", "-a", "-m", &message][..], extra_args].concat();
        self.git(&args);
    }
}

fn success(output: &Output, args: &[&str]) -> String {
    assert!(
        output.status.success(),
        "gitgoals {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout.clone()).expect("gitgoals prints UTF-8")
}

/// Cached documents equal uncached ones, compared whole.
fn assert_same_as_no_cache(blog: &Blog, when: &str) {
    let fresh = blog.documents(false);
    let cached = blog.documents(true);
    assert!(fresh.0.contains("\"posts\""), "{when}: a history document");
    assert_eq!(cached.0, fresh.0, "{when}: history --format json");
    assert_eq!(cached.1, fresh.1, "{when}: tasks --format json");
}

fn format_version_of(file: &Path) -> u32 {
    let bytes = std::fs::read(file).expect("cache file reads");
    let version: [u8; 4] = bytes[8..12].try_into().expect("a version field");
    u32::from_le_bytes(version)
}

#[test]
fn no_cache_cold_warm_and_incremental_runs_print_the_same_documents() {
    let mut blog = blog(1);
    let fresh = blog.documents(false);
    assert!(
        !blog.cache_file().exists(),
        "--no-cache neither reads nor writes the cache"
    );

    let cold = blog.documents(true);
    assert!(blog.cache_file().is_file(), "a cold run writes the cache");
    let warm = blog.documents(true);
    assert_eq!(cold, fresh, "cold");
    assert_eq!(warm, fresh, "warm");

    blog.commit_new_task(&[]);
    let after_one = blog.documents(false);
    assert_ne!(after_one.1, fresh.1, "the new task is in the documents");
    assert_eq!(
        blog.documents(true),
        after_one,
        "incremental after one commit"
    );

    blog.commit_tick(&[]);
    blog.commit_new_task(&[]);
    assert_same_as_no_cache(&blog, "incremental after two commits");
}

#[test]
fn a_new_commit_is_appended_to_the_cache_not_rewritten_whole() {
    let mut blog = blog(11);
    let history = ["history", "--format", "json"];
    success(
        &blog
            .gitgoals_command(&blog.path, &history)
            .output()
            .expect("gitgoals runs"),
        &history,
    );
    let before = std::fs::read(blog.cache_file()).expect("cache reads");
    blog.commit_new_task(&[]);
    let printed = success(
        &blog
            .gitgoals_command(&blog.path, &history)
            .output()
            .expect("gitgoals runs"),
        &history,
    );
    assert_eq!(printed, blog.documents(false).0, "the incremental figures");
    let after = std::fs::read(blog.cache_file()).expect("cache reads");
    // Everything but the old trailer stays where it was; the changed post, the new ledger and
    // a new index follow it.
    let kept = before.len() - 32;
    assert!(after.len() > before.len(), "the file grew");
    assert_eq!(
        &after[..kept],
        &before[..kept],
        "what was there is untouched"
    );
    assert!(
        after.len() - before.len() < before.len(),
        "only the changed parts were appended"
    );
}

#[test]
fn history_alone_then_tasks_from_a_warm_cache() {
    // `history` decodes only the stored ledger when warm; `tasks` needs the task lives too.
    let mut blog = blog(2);
    blog.run_in(&blog.path, &["history", "--format", "json"]);
    blog.commit_tick(&[]);
    let history = blog.run_in(&blog.path, &["history", "--format", "json"]);
    let tasks = blog.run_in(&blog.path, &["tasks", "--format", "json"]);
    let fresh = blog.documents(false);
    assert_eq!((history, tasks), fresh);
}

#[test]
fn tasks_first_after_new_commits_brings_the_stored_ledger_forward() {
    // `tasks` reads every post's life; after new commits it updates the stored ledger over
    // the posts they touched rather than building it again, and `history` then reads it warm.
    let mut blog = blog(12);
    blog.documents(true);
    for round in 0..3 {
        blog.commit_tick(&[]);
        if round == 1 {
            blog.commit_new_task(&[]);
        }
        let tasks = blog.run_in(&blog.path, &["tasks", "--format", "json"]);
        let history = blog.run_in(&blog.path, &["history", "--format", "json"]);
        assert_eq!((history, tasks), blog.documents(false), "round {round}");
    }
}

#[test]
fn reading_the_engine_after_new_commits_brings_the_stored_ledger_forward() {
    // The hook (past what it folds on its own), `stats` and the watcher read the whole
    // engine; they bring the stored figures forward too, so `history` then reads them warm.
    let mut blog = blog(13);
    blog.documents(true);
    blog.commit_new_task(&[]);
    let repo = Repo::open(Some(&blog.path)).expect("repository opens");
    cache::load_engine(
        &repo,
        &HistoryOptions::default(),
        &gitgoals::core::ledger::LedgerOptions::default(),
        true,
    )
    .expect("engine");
    let before = std::fs::read(blog.cache_file()).expect("cache reads");
    let history = blog.run_in(&blog.path, &["history", "--format", "json"]);
    assert_eq!(history, blog.documents(false).0);
    assert_eq!(
        std::fs::read(blog.cache_file()).expect("cache reads"),
        before,
        "history found the figures at HEAD and wrote nothing"
    );
}

#[test]
fn a_cache_written_without_the_ledger_still_gives_the_same_documents() {
    // The hook's path stores the engine only; the next command builds the ledger once.
    let mut blog = blog(3);
    blog.commit_tick(&[]);
    let repo = Repo::open(Some(&blog.path)).expect("repository opens");
    let history = cache::load_history(
        &repo,
        &HistoryOptions::default(),
        &gitgoals::core::ledger::LedgerOptions::default(),
        true,
    )
    .expect("history");
    assert!(!history.posts.is_empty());
    assert!(blog.cache_file().is_file());
    let history_first = blog.run_in(&blog.path, &["history", "--format", "json"]);
    assert_eq!(history_first, blog.documents(false).0);
    assert_same_as_no_cache(&blog, "after the engine-only cache");
}

#[test]
fn an_amended_commit_reads_as_if_there_were_no_cache() {
    let mut blog = blog(4);
    blog.commit_new_task(&[]);
    blog.documents(true);
    let before = blog.documents(false);
    // The cached tip is replaced by a commit with another task in it.
    blog.commit_new_task(&["--amend"]);
    let after = blog.documents(false);
    assert_ne!(after, before, "the amend changed the history");
    assert_same_as_no_cache(&blog, "after --amend");
}

#[test]
fn a_cached_commit_pruned_after_an_amend_reads_as_if_there_were_no_cache() {
    use gitgoals::core::ledger::LedgerOptions;

    let mut blog = blog(13);
    blog.commit_new_task(&[]);
    blog.documents(true);
    // The cached tip is replaced, then gone from the object store once gc prunes it.
    blog.commit_new_task(&["--amend"]);
    blog.git(&["reflog", "expire", "--expire=now", "--all"]);
    blog.git(&["gc", "-q", "--prune=now"]);
    assert_same_as_no_cache(&blog, "after --amend and gc");

    // The hook's view of a cache whose tip is gone: none, so the hook reads the history.
    blog.commit_new_task(&["--amend"]);
    blog.git(&["reflog", "expire", "--expire=now", "--all"]);
    blog.git(&["gc", "-q", "--prune=now"]);
    let repo = Repo::open(Some(&blog.path)).expect("repository opens");
    let view = cache::load_hook_view(&repo, &HistoryOptions::default(), &LedgerOptions::default())
        .expect("the hook reads a cache whose tip is gone");
    assert!(view.is_none(), "no view of a history that is gone");
}

#[test]
fn a_reset_to_an_older_commit_reads_as_if_there_were_no_cache() {
    let mut blog = blog(5);
    blog.commit_new_task(&[]);
    blog.commit_tick(&[]);
    blog.documents(true);
    blog.git(&["reset", "-q", "--hard", "HEAD~2"]);
    assert_same_as_no_cache(&blog, "after reset --hard HEAD~2");
}

#[test]
fn a_rebase_onto_a_new_commit_reads_as_if_there_were_no_cache() {
    let mut blog = blog(6);
    blog.commit_new_task(&[]);
    blog.commit_tick(&[]);
    blog.documents(true);
    // A side branch from a few commits back adds a goals post of its own; main is then
    // replayed on top of it, so every cached commit after the fork is gone.
    blog.git(&["branch", "side", "HEAD~3"]);
    blog.git(&["checkout", "-q", "side"]);
    let post = blog.path.join("_posts/2021-04-26-side-week.md");
    std::fs::write(
        &post,
        "---\ntitle: Side week\n---\n## Goals\n- [ ] write the side post\n- [x] read a paper\n",
    )
    .expect("post writes");
    blog.git(&["add", "_posts/2021-04-26-side-week.md"]);
    blog.git(&["commit", "-q", "-m", "side post"]);
    blog.git(&["checkout", "-q", "main"]);
    blog.git(&["rebase", "-q", "side"]);
    let rebased = blog.documents(false);
    assert!(rebased.1.contains("write the side post"));
    assert_same_as_no_cache(&blog, "after rebase");
}

#[test]
fn a_merge_of_an_older_branch_reads_as_if_there_were_no_cache() {
    let mut blog = blog(7);
    blog.git(&["branch", "older", "HEAD~4"]);
    blog.documents(true);
    blog.git(&["checkout", "-q", "older"]);
    std::fs::write(
        blog.path.join("_posts/2021-04-19-branch-week.md"),
        "---\ntitle: Branch week\n---\n- [ ] from the older branch\n",
    )
    .expect("post writes");
    blog.git(&["add", "."]);
    blog.git(&["commit", "-q", "-m", "branch post"]);
    blog.git(&["checkout", "-q", "main"]);
    blog.git(&["merge", "-q", "--no-edit", "older"]);
    blog.commit_tick(&[]);
    assert_same_as_no_cache(&blog, "after merging a branch that forked before the cache");
}

#[test]
fn a_damaged_cache_is_rebuilt_silently() {
    let mut blog = blog(8);
    let fresh = blog.documents(false);
    blog.documents(true);
    let file = blog.cache_file();
    let whole = std::fs::read(&file).expect("cache reads");

    std::fs::write(&file, b"this is not a gitgoals cache at all").expect("garbage written");
    let output = blog
        .gitgoals_command(&blog.path, &["history", "--format", "json"])
        .output()
        .expect("gitgoals runs");
    assert!(output.stderr.is_empty(), "no complaint about the cache");
    assert_eq!(success(&output, &["history"]), fresh.0, "after garbage");
    assert_eq!(blog.documents(true), fresh, "after garbage");
    assert!(
        std::fs::read(&file).expect("cache reads") == whole,
        "rebuilt as it was"
    );

    std::fs::write(&file, &whole[..whole.len() / 2]).expect("truncated");
    assert_eq!(blog.documents(true), fresh, "after truncation");

    // Damage inside the payload, where the framing still reads.
    let mut flipped = whole.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x55;
    std::fs::write(&file, &flipped).expect("flipped");
    assert_eq!(blog.documents(true), fresh, "after a flipped byte");

    // And the rebuilt cache still goes on incrementally.
    blog.commit_tick(&[]);
    assert_same_as_no_cache(&blog, "a commit after the rebuild");
}

#[test]
fn a_cache_from_an_older_format_is_replaced() {
    let blog = blog(9);
    let fresh = blog.documents(false);
    blog.documents(true);
    let file = blog.cache_file();
    let mut old = std::fs::read(&file).expect("cache reads");
    old[8..12].copy_from_slice(&(cache::FORMAT_VERSION - 1).to_le_bytes());
    std::fs::write(&file, &old).expect("old version written");
    assert_eq!(format_version_of(&file), cache::FORMAT_VERSION - 1);

    assert_eq!(blog.documents(true), fresh);
    assert_eq!(
        format_version_of(&file),
        cache::FORMAT_VERSION,
        "the old file was rebuilt in the current format"
    );
}

#[test]
fn two_processes_at_once_both_succeed_with_the_same_output() {
    let mut blog = blog(10);
    let file = blog.cache_file();
    let args = ["tasks", "--format", "json"];
    for round in 0..4 {
        match round {
            // Both cold: both build and write.
            0 | 1 => {
                let _ = std::fs::remove_file(&file);
            }
            // One new commit: both extend the cached state and write.
            2 => blog.commit_tick(&[]),
            // Both warm.
            _ => {}
        }
        let fresh = blog.documents(false).1;
        let spawn = || {
            blog.gitgoals_command(&blog.path, &args)
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .expect("gitgoals starts")
        };
        let (first, second) = (spawn(), spawn());
        let first = success(&first.wait_with_output().expect("ends"), &args);
        let second = success(&second.wait_with_output().expect("ends"), &args);
        assert_eq!(first, fresh, "round {round}: first process");
        assert_eq!(second, fresh, "round {round}: second process");
        assert_same_as_no_cache(&blog, "the cache the two left behind");
    }
}

#[test]
fn linked_worktrees_share_one_cache_in_the_common_git_dir() {
    let blog = blog(12);
    blog.documents(true);
    let worktree = blog.scratch.home.join("second-checkout");
    let worktree_arg = worktree.to_str().expect("UTF-8 temp path");
    blog.git(&["worktree", "add", "-q", "--detach", worktree_arg, "HEAD~5"]);
    let in_worktree = Repo::open(Some(&worktree)).expect("worktree opens");
    assert_eq!(cache::cache_file(&in_worktree), blog.cache_file());

    let fresh = blog.documents_in(&worktree, false);
    assert_eq!(
        blog.documents_in(&worktree, true),
        fresh,
        "the worktree's own HEAD"
    );
    assert_same_as_no_cache(
        &blog,
        "the main checkout after the worktree wrote the cache",
    );
}

/// A staged version of `text`: its first open task ticked, one task reworded, one added.
fn staged_edit(text: &str) -> String {
    let ticked = text.replacen("- [ ]", "- [x]", 1);
    let reworded = match ticked.match_indices("- [").nth(1) {
        Some((at, _)) => {
            let end = ticked[at..].find('\n').map_or(ticked.len(), |n| at + n);
            format!("{} (reworded){}", &ticked[..end], &ticked[end..])
        }
        None => ticked,
    };
    let mut edited = reworded;
    if !edited.ends_with('\n') {
        edited.push('\n');
    }
    edited.push_str("- [ ] a task the staged version adds\n");
    edited
}

#[test]
fn the_hook_reads_from_the_cache_the_block_a_whole_history_gives() {
    use gitgoals::core::ledger::LedgerOptions;
    use gitgoals::hook;
    use gitgoals::render::statsblock::{self, Renderer};

    let now = chrono::DateTime::parse_from_rfc3339("2021-05-03T12:00:00+01:00").expect("date");
    // The cache at HEAD, then two commits behind it (folded onto the view by the hook).
    for (seed, commits_after_cache) in [(3, 0), (11, 0), (29, 0), (3, 2), (17, 2)] {
        let mut blog = blog(seed);
        let repo = Repo::open(Some(&blog.path)).expect("repository opens");
        let options = HistoryOptions::default();
        let ledger_options = LedgerOptions::default();
        // Writes the cache.
        cache::load_engine(&repo, &options, &ledger_options, true).expect("cached history");
        for n in 0..commits_after_cache {
            if n % 2 == 0 {
                blog.commit_tick(&[]);
            } else {
                blog.commit_new_task(&[]);
            }
        }
        let whole = cache::load_engine(&repo, &options, &ledger_options, false).expect("history");
        let view = cache::load_hook_view(&repo, &options, &ledger_options)
            .expect("cache opens")
            .expect("the cache is at HEAD or just behind it");
        let whole_stats = hook::history_stats_with(&whole, whole.tip(), now, ledger_options, true);

        let mut posts: Vec<PathBuf> = std::fs::read_dir(blog.path.join("_posts"))
            .expect("posts dir")
            .flatten()
            .map(|e| e.path())
            .collect();
        posts.sort();
        assert!(posts.len() > 10, "seed {seed}: a blog of many posts");
        // The first, some in the middle and the newest; plus a post the tip does not have.
        let mut cases: Vec<(String, String)> = posts
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 7 == 0 || *i == posts.len() - 1)
            .map(|(_, post)| {
                let name = post.file_name().and_then(|n| n.to_str()).expect("name");
                let text = std::fs::read_to_string(post).expect("post reads");
                (format!("_posts/{name}"), staged_edit(&text))
            })
            .collect();
        cases.push((
            "_posts/2099-01-04-a-new-week.md".to_string(),
            "---\ntitle: A new week\n---\n\n- [ ] start\n- [x] done already\n".to_string(),
        ));
        let mut compared = 0;
        for (path, text) in &cases {
            let expected = whole_stats(path, text.as_bytes()).expect("whole history");
            let fast = hook::view_stats(&view, (path, text.as_bytes()), now, &ledger_options, true)
                .expect("the view reads its records");
            assert_eq!(fast, expected, "seed {seed}, {path}");
            if let Some(stats) = &fast {
                compared += 1;
                assert_eq!(
                    statsblock::render(stats, Renderer::Default).expect("renders"),
                    statsblock::render(expected.as_ref().expect("same"), Renderer::Default)
                        .expect("renders"),
                );
            }
        }
        assert!(
            compared >= 3,
            "seed {seed}: only {compared} goals posts compared"
        );
    }
}

#[test]
fn a_damaged_post_record_makes_the_hook_view_step_aside() {
    use gitgoals::core::ledger::LedgerOptions;
    use gitgoals::hook;

    let blog = blog(5);
    let repo = Repo::open(Some(&blog.path)).expect("repository opens");
    let options = HistoryOptions::default();
    let ledger_options = LedgerOptions::default();
    cache::load_engine(&repo, &options, &ledger_options, true).expect("cached history");
    // Post records come first, each naming its own path; the index and the ledger, which
    // name every path too, come after them. So the first mention of the newest post's path
    // is inside its record.
    let post = blog.newest_post();
    let name = post.file_name().and_then(|n| n.to_str()).expect("name");
    let file = blog.cache_file();
    let mut bytes = std::fs::read(&file).expect("cache reads");
    let needle = format!("_posts/{name}");
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle.as_bytes())
        .expect("the post's record names it");
    bytes[at + needle.len() - 1] ^= 0x55;
    std::fs::write(&file, bytes).expect("cache writes");

    let view = cache::load_hook_view(&repo, &options, &ledger_options)
        .expect("cache opens")
        .expect("the index is whole");
    let text = std::fs::read_to_string(&post).expect("post reads");
    let now = chrono::DateTime::parse_from_rfc3339("2021-05-03T12:00:00+01:00").expect("date");
    let stats = hook::view_stats(
        &view,
        (&format!("_posts/{name}"), text.as_bytes()),
        now,
        &ledger_options,
        true,
    );
    assert_eq!(stats, None, "a damaged record is not read as figures");
}
