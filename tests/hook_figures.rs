//! The figures the pre-commit hook writes are `history`'s for the commit being made, whatever
//! that commit is: an amend, a rename, several posts at once (issue 15, rows F4–F6). Each case
//! drives the real `git commit` with the hook installed, in a repository kept away from the
//! machine's git configuration, and checks every committed post against `history`.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{BlockFigures, Isolated, Scratch};

/// The date every commit is made at, as the harness's own `git` runs do.
const DATE: &str = "2020-12-08T10:00:00+00:00";

const WEEK_3: &str = "_posts/2020-11-30-week-3.md";
const WEEK_4: &str = "_posts/2020-12-07-week-4.md";
const WEEK_5: &str = "_posts/2020-12-14-week-5.md";

const WEEK_3_TEXT: &str =
    "---\ntitle: Week 3\n---\n\n- [x] CS242 HW 0\n- [ ] Graphics homework 0\n";

const WEEK_4_TEXT: &str = "---\ntitle: Week 4\n---\n\nGoals for the week.\n\n- [x] CS242 HW 1\n- [ ] Graphics homework 0\n- [ ] Read PixelCNN++\n";

/// A blog with one commit (a README) and gitgoals' hook installed.
struct Blog {
    scratch: Scratch,
    dir: PathBuf,
}

impl Blog {
    fn new() -> Blog {
        let scratch = Scratch::new();
        let dir = scratch.init("blog");
        let blog = Blog { scratch, dir };
        blog.write("README.md", "blog\n");
        blog.git(&["add", "README.md"]);
        blog.git(&["commit", "-q", "-m", "start"]);
        blog.scratch.gitgoals(&blog.dir, &["hook", "install"]).ok();
        blog
    }

    fn git(&self, args: &[&str]) -> String {
        self.scratch.git(&self.dir, args)
    }

    fn write(&self, path: &str, text: &str) {
        let file = self.dir.join(path);
        fs::create_dir_all(file.parent().expect("a folder")).expect("folder");
        fs::write(file, text).expect("write");
    }

    fn read(&self, path: &str) -> String {
        fs::read_to_string(self.dir.join(path)).expect("read")
    }

    /// `git commit -q -m MESSAGE` with `extra` arguments, through the hook; git must succeed
    /// and the hook must not complain.
    fn commit(&self, message: &str, extra: &[&str]) {
        let mut args = vec!["commit", "-q", "-m", message];
        args.extend_from_slice(extra);
        let output = self
            .scratch
            .command("git", &self.dir, &args)
            .dated(DATE)
            .output()
            .expect("run git");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "git {args:?} failed: {stderr}");
        assert!(
            !stderr.contains("gitgoals"),
            "the hook complained on git {args:?}: {stderr}"
        );
    }

    /// The committed block of `post`, read back.
    fn committed_block(&self, post: &str) -> BlockFigures {
        let committed = self.git(&["show", &format!("HEAD:{post}")]);
        BlockFigures::read(&committed).unwrap_or_else(|| panic!("no block in {post}"))
    }

    /// What every test checks after every commit: each post's block is `history`'s.
    fn agrees(&self, posts: &[&str]) {
        for post in posts {
            self.scratch
                .assert_block_agrees_with_history(&self.dir, post);
        }
    }

    /// Removes the cache, so the next hook reads the history through the engine.
    fn drop_cache(&self) {
        let git_dir = self.git(&["rev-parse", "--git-common-dir"]);
        let cache = self.dir.join(git_dir.trim()).join("gitgoals");
        let _ = fs::remove_dir_all(cache);
    }
}

/// The user's text of a committed post, without the block (what they would edit).
fn tasks_of(text: &str) -> &str {
    text.split("<!-- gitgoals:stats -->").next().unwrap_or(text)
}

/// F4: `git commit --amend` of the post's first commit, adding a goal. The amended commit
/// is still the post's first: every goal is planned, none was added mid-week. Amended three
/// times: right after the commit (the cache at the amended commit's parent: its view serves
/// the hook), after a gitgoals command wrote the cache at the commit being amended (the
/// history is read up to the parent), and with no cache at all.
#[test]
fn f4_amend_of_the_first_commit_adding_a_goal_keeps_every_goal_planned() {
    let blog = Blog::new();
    blog.write(WEEK_3, WEEK_3_TEXT);
    blog.git(&["add", WEEK_3]);
    blog.commit("week 3", &[]);
    blog.agrees(&[WEEK_3]);

    blog.write(WEEK_4, WEEK_4_TEXT);
    blog.git(&["add", WEEK_4]);
    blog.commit("week 4", &[]);
    let first = blog.committed_block(WEEK_4);
    assert_eq!((first.total, first.added_mid_week), (3, 0));

    // Amended before any other gitgoals command ran.
    let grown = format!("{}- [ ] Plan the talk\n", tasks_of(&blog.read(WEEK_4)));
    blog.write(WEEK_4, &grown);
    blog.git(&["add", WEEK_4]);
    blog.commit("week 4", &["--amend"]);
    assert_eq!(blog.git(&["rev-list", "--count", "HEAD"]).trim(), "3");
    let amended = blog.committed_block(WEEK_4);
    assert_eq!((amended.total, amended.added_mid_week), (4, 0));
    blog.agrees(&[WEEK_4]);

    // Amended again, now that `stats --check` and `history` ran at HEAD.
    let grown = format!("{}- [ ] Book the room\n", tasks_of(&blog.read(WEEK_4)));
    blog.write(WEEK_4, &grown);
    blog.git(&["add", WEEK_4]);
    blog.commit("week 4", &["--amend", "--no-edit"]);
    assert_eq!(blog.committed_block(WEEK_4).added_mid_week, 0);
    blog.agrees(&[WEEK_4]);

    // And with no cache, `commit -a --amend`.
    blog.drop_cache();
    let grown = format!("{}- [ ] Write it up\n", tasks_of(&blog.read(WEEK_4)));
    blog.write(WEEK_4, &grown);
    blog.commit("week 4", &["-a", "--amend"]);
    let last = blog.committed_block(WEEK_4);
    assert_eq!((last.total, last.added_mid_week), (6, 0));
    blog.agrees(&[WEEK_4]);
}

/// F4 on a blog whose first commit is the post: amending it folds onto nothing at all.
#[test]
fn f4_amend_of_the_first_commit_of_the_repository_keeps_every_goal_planned() {
    let scratch = Scratch::new();
    let dir = scratch.init("blog");
    scratch.gitgoals(&dir, &["hook", "install"]).ok();
    let blog = Blog { scratch, dir };
    blog.write(WEEK_4, WEEK_4_TEXT);
    blog.git(&["add", WEEK_4]);
    blog.commit("week 4", &[]);
    blog.agrees(&[WEEK_4]);

    let grown = format!("{}- [ ] Plan the talk\n", tasks_of(&blog.read(WEEK_4)));
    blog.write(WEEK_4, &grown);
    blog.commit("week 4", &["-a", "--amend"]);
    assert_eq!(blog.git(&["rev-list", "--count", "HEAD"]).trim(), "1");
    let block = blog.committed_block(WEEK_4);
    assert_eq!((block.total, block.added_mid_week), (4, 0));
    blog.agrees(&[WEEK_4]);

    // Through an alias of the repository's configuration.
    blog.git(&["config", "alias.amend-all", "commit -a --amend --no-edit"]);
    let grown = format!("{}- [ ] Book the room\n", tasks_of(&blog.read(WEEK_4)));
    blog.write(WEEK_4, &grown);
    let output = blog
        .scratch
        .command("git", &blog.dir, &["amend-all", "-q"])
        .dated(DATE)
        .output()
        .expect("run git");
    assert!(output.status.success(), "{output:?}");
    assert_eq!(blog.git(&["rev-list", "--count", "HEAD"]).trim(), "1");
    assert_eq!(blog.committed_block(WEEK_4).added_mid_week, 0);
    blog.agrees(&[WEEK_4]);
}

/// F4, the other way round: a goal added by a later commit is still added mid-week after
/// that commit is amended (the amend folds onto the post's first commit, not onto itself).
#[test]
fn f4_amend_of_a_later_commit_keeps_its_goal_added_mid_week() {
    let blog = Blog::new();
    blog.write(WEEK_4, WEEK_4_TEXT);
    blog.git(&["add", WEEK_4]);
    blog.commit("week 4", &[]);
    blog.agrees(&[WEEK_4]);

    let grown = format!("{}- [ ] Plan the talk\n", tasks_of(&blog.read(WEEK_4)));
    blog.write(WEEK_4, &grown);
    blog.git(&["add", WEEK_4]);
    blog.commit("a goal mid-week", &[]);
    assert_eq!(blog.committed_block(WEEK_4).added_mid_week, 1);
    blog.agrees(&[WEEK_4]);

    // Ticking it in an amend: still one goal added mid-week, and now done.
    let ticked = blog
        .read(WEEK_4)
        .replace("- [ ] Plan the talk", "- [x] Plan the talk");
    blog.write(WEEK_4, &ticked);
    blog.git(&["add", WEEK_4]);
    blog.commit("a goal mid-week, done", &["--amend"]);
    let block = blog.committed_block(WEEK_4);
    assert_eq!((block.done, block.added_mid_week), (2, 1));
    blog.agrees(&[WEEK_4]);
}

/// F5: a post renamed in the commit that ticks a goal (`git mv` and an edit) is the same
/// post under its new name, not a week of its own after itself.
#[test]
fn f5_a_post_renamed_in_the_same_commit_is_the_same_week() {
    let blog = Blog::new();
    blog.write(WEEK_4, WEEK_4_TEXT);
    blog.git(&["add", WEEK_4]);
    blog.commit("week 4", &[]);
    blog.agrees(&[WEEK_4]);

    let renamed = "_posts/2020-12-07-week-four.md";
    blog.git(&["mv", WEEK_4, renamed]);
    let ticked = blog
        .read(renamed)
        .replace("- [ ] Graphics homework 0", "- [x] Graphics homework 0");
    blog.write(renamed, &ticked);
    blog.git(&["add", renamed]);
    blog.commit("renamed, and a tick", &[]);
    let block = blog.committed_block(renamed);
    assert_eq!(
        (block.done, block.total, block.carried_in),
        (2, 3, 0),
        "{}",
        blog.read(renamed)
    );
    assert!(
        !blog.read(renamed).contains("Last 2 weeks"),
        "one week, not two: {}",
        blog.read(renamed)
    );
    blog.agrees(&[renamed]);

    // Renamed back by `commit -a` (the deletion and the addition both staged by git).
    blog.git(&["mv", renamed, WEEK_4]);
    let ticked = blog
        .read(WEEK_4)
        .replace("- [ ] Read PixelCNN++", "- [x] Read PixelCNN++");
    blog.write(WEEK_4, &ticked);
    blog.commit("renamed back, and done", &["-a"]);
    let block = blog.committed_block(WEEK_4);
    assert_eq!((block.done, block.total, block.carried_in), (3, 3, 0));
    blog.agrees(&[WEEK_4]);
}

/// F6: two posts staged at once (week 4 ticked, week 5 new): each block is computed from the
/// whole staged state, so week 5 does not list as carried in the goal week 4 just ticked.
#[test]
fn f6_two_posts_staged_at_once_each_see_the_whole_staged_state() {
    let blog = Blog::new();
    blog.write(WEEK_4, WEEK_4_TEXT);
    blog.git(&["add", WEEK_4]);
    blog.commit("week 4", &[]);
    blog.agrees(&[WEEK_4]);

    let ticked = blog
        .read(WEEK_4)
        .replace("- [ ] Graphics homework 0", "- [x] Graphics homework 0");
    blog.write(WEEK_4, &ticked);
    // Week 5 starts with both goals still open at HEAD; one of them week 4 ticks now.
    blog.write(
        WEEK_5,
        "---\ntitle: Week 5\n---\n\n- [ ] Graphics homework 0\n- [ ] Read PixelCNN++\n- [ ] CS242 HW 2\n",
    );
    blog.git(&["add", WEEK_4, WEEK_5]);
    blog.commit("week 4 ticked, week 5", &[]);
    let week_5 = blog.committed_block(WEEK_5);
    assert_eq!(week_5.carried_in, 1, "{}", blog.read(WEEK_5));
    assert_eq!(blog.committed_block(WEEK_4).done, 2);
    blog.agrees(&[WEEK_4, WEEK_5]);

    // Both again by `commit -a`, with no cache: week 4's last goal done, week 5 grows. What
    // was open in week 4 when week 5 began stays carried in.
    blog.drop_cache();
    let done = blog
        .read(WEEK_4)
        .replace("- [ ] Read PixelCNN++", "- [x] Read PixelCNN++");
    blog.write(WEEK_4, &done);
    let grown = format!("{}- [ ] Plan the talk\n", tasks_of(&blog.read(WEEK_5)));
    blog.write(WEEK_5, &grown);
    blog.commit("week 4 done, week 5 grows", &["-a"]);
    let week_5 = blog.committed_block(WEEK_5);
    assert_eq!((week_5.carried_in, week_5.added_mid_week), (1, 1));
    blog.agrees(&[WEEK_4, WEEK_5]);
}

/// The cache's fast path gives the figures the whole history gives for a commit of several
/// staged changes at once — a rename with a tick, a deletion, an edit and a new post — with
/// the cache at HEAD and with it two commits behind.
#[test]
fn the_cache_view_and_the_whole_history_agree_on_a_commit_of_many_staged_changes() {
    use gitgoals::cache;
    use gitgoals::core::delta::FileChange;
    use gitgoals::core::ledger::LedgerOptions;
    use gitgoals::git::Repo;
    use gitgoals::git::index::StagedIndex;
    use gitgoals::git::read::HistoryOptions;
    use gitgoals::hook;

    let week = |n: u32, day: u32, tasks: &[&str]| -> (String, String) {
        let path = format!("_posts/2021-03-{day:02}-week-{n}.md");
        let list: String = tasks.iter().map(|t| format!("- [ ] {t}\n")).collect();
        (path, format!("---\ntitle: Week {n}\n---\n\n{list}"))
    };
    let now = chrono::DateTime::parse_from_rfc3339("2021-04-01T12:00:00+02:00").expect("date");
    let today = now.date_naive();
    for commits_after_cache in [0, 2] {
        let scratch = Scratch::new();
        let dir = scratch.init("blog");
        let weeks = [
            week(1, 1, &["Read WaveNet", "CS242 HW 1", "Call home"]),
            week(2, 8, &["Read WaveNet", "CS242 HW 2", "Plan the talk"]),
            week(3, 15, &["CS242 HW 3", "Plan the talk", "Book the room"]),
            week(4, 22, &["CS242 HW 4", "Book the room", "Write it up"]),
        ];
        for (path, text) in &weeks {
            let file = dir.join(path);
            fs::create_dir_all(file.parent().expect("folder")).expect("folder");
            fs::write(&file, text).expect("write");
            scratch.git(&dir, &["add", path]);
            scratch.git(&dir, &["commit", "-q", "-m", path]);
        }
        let repo = Repo::open(Some(&dir)).expect("repository opens");
        let options = HistoryOptions::default();
        let ledger_options = LedgerOptions::default();
        cache::load_engine(&repo, &options, &ledger_options, true).expect("writes the cache");
        let edit = |path: &str, from: &str, to: &str| {
            let text = fs::read_to_string(dir.join(path)).expect("read");
            fs::write(dir.join(path), text.replacen(from, to, 1)).expect("write");
        };
        for n in 0..commits_after_cache {
            edit(&weeks[0].0, "- [ ]", "- [x]");
            scratch.git(&dir, &["commit", "-q", "-a", "-m", &format!("tick {n}")]);
        }

        // Staged: week 2 renamed and ticked, week 3 deleted, week 4 ticked, week 5 new.
        let renamed = "_posts/2021-03-08-week-two.md";
        scratch.git(&dir, &["mv", &weeks[1].0, renamed]);
        edit(renamed, "- [ ] CS242 HW 2", "- [x] CS242 HW 2");
        scratch.git(&dir, &["rm", "-q", &weeks[2].0]);
        edit(&weeks[3].0, "- [ ] Write it up", "- [x] Write it up");
        let (new_week, text) = week(
            5,
            29,
            &[
                "Book the room",
                "CS242 HW 5",
                "Read Transformer-XL",
                "Mail the slides",
            ],
        );
        fs::write(dir.join(&new_week), text).expect("write");
        scratch.git(&dir, &["add", "-A"]);

        let head = repo.head().expect("HEAD").expect("a commit");
        let index = StagedIndex::open(&repo).expect("index");
        let pending = index
            .pending_commit(&[head], now, &|path| path.starts_with("_posts/"))
            .expect("the staged commit");
        assert!(
            pending.changes.iter().any(|c| matches!(
                c,
                FileChange::Renamed { from, to, .. } if *from == weeks[1].0 && to == renamed
            )),
            "{:?}",
            pending.changes
        );
        assert!(
            pending
                .changes
                .iter()
                .any(|c| matches!(c, FileChange::Deleted { path } if *path == weeks[2].0)),
            "{:?}",
            pending.changes
        );
        let paths = [weeks[0].0.as_str(), renamed, &weeks[3].0, &new_week];
        let engine = cache::load_engine(&repo, &options, &ledger_options, false).expect("history");
        let whole = hook::pending_stats(&engine, &pending, &paths, today, ledger_options, true)
            .expect("figures from the whole history");
        let view = cache::load_hook_view(&repo, &options, &ledger_options)
            .expect("cache opens")
            .expect("the cache is at HEAD or just behind it");
        let fast = hook::view_pending_stats(&view, &pending, &paths, today, &ledger_options, true)
            .expect("the view serves the commit");
        assert_eq!(fast, whole, "{commits_after_cache} commits after the cache");
        // Week 4's next week is week 5 now; week 3, deleted, is not a week anymore.
        let renamed_week = whole[1].as_ref().expect("week 2 is a goals post");
        assert_eq!(renamed_week.done, 1);
        assert!(whole.iter().all(Option::is_some));
        let week_5 = whole[3].as_ref().expect("week 5");
        assert_eq!(week_5.carried_in, vec!["Book the room".to_string()]);
    }
}

/// Two big weeks of a series (checklists of thousands of goals, their records decoded on a
/// second thread by the hook): the cache's fast path gives the figures the whole history
/// gives for an edit of the second, with the cache at HEAD and with it a commit behind (the
/// view then decodes the week before while it is made).
#[test]
fn the_cache_view_and_the_whole_history_agree_on_big_posts() {
    for commits_after_cache in [0, 1] {
        big_posts_agree(commits_after_cache);
    }
}

fn big_posts_agree(commits_after_cache: usize) {
    use gitgoals::cache;
    use gitgoals::core::ledger::LedgerOptions;
    use gitgoals::git::Repo;
    use gitgoals::git::index::StagedIndex;
    use gitgoals::git::read::HistoryOptions;
    use gitgoals::hook;

    let list = |range: std::ops::Range<usize>| -> String {
        range
            .map(|k| format!("- [ ] Work through exercise {k} of the long study checklist\n"))
            .collect()
    };
    let first = "_posts/2021-03-01-plan.md";
    let second = "_posts/2021-03-08-plan.md";
    let scratch = Scratch::new();
    let dir = scratch.init("blog");
    fs::create_dir_all(dir.join("_posts")).expect("folder");
    let commit = |path: &str, text: &str| {
        fs::write(dir.join(path), text).expect("write");
        scratch.git(&dir, &["add", path]);
        scratch.git(&dir, &["commit", "-q", "-m", path]);
    };
    let week_1 = list(0..3000);
    commit(first, &week_1);
    commit(first, &week_1.replacen("- [ ] Work", "- [x] Work", 700));
    commit(second, &list(1500..4500));
    let repo = Repo::open(Some(&dir)).expect("repository opens");
    let options = HistoryOptions::default();
    let ledger_options = LedgerOptions::default();
    cache::load_engine(&repo, &options, &ledger_options, true).expect("writes the cache");
    let cache_bytes = fs::metadata(cache::cache_file(&repo)).expect("cache").len();
    assert!(cache_bytes > 300_000, "records this big: {cache_bytes}");
    for n in 0..commits_after_cache {
        commit(second, &(list(1500..4500) + &format!("- [ ] Extra {n}\n")));
    }

    let edited = list(1500..4500).replacen("- [ ] Work", "- [x] Work", 3)
        + &"- [ ] Extra\n".repeat(commits_after_cache)
        + "- [ ] One more\n";
    fs::write(dir.join(second), edited).expect("write");
    scratch.git(&dir, &["add", second]);
    let now = chrono::DateTime::parse_from_rfc3339("2021-03-10T12:00:00+01:00").expect("date");
    let head = repo.head().expect("HEAD").expect("a commit");
    let index = StagedIndex::open(&repo).expect("index");
    let pending = index
        .pending_commit(&[head], now, &|path| path.starts_with("_posts/"))
        .expect("the staged commit");
    let engine = cache::load_engine(&repo, &options, &ledger_options, false).expect("history");
    let today = now.date_naive();
    let whole = hook::pending_stats(&engine, &pending, &[second], today, ledger_options, true)
        .expect("figures from the whole history");
    let view = cache::load_hook_view(&repo, &options, &ledger_options)
        .expect("cache opens")
        .expect("the cache is at HEAD or just behind it");
    let fast = hook::view_pending_stats(&view, &pending, &[second], today, &ledger_options, true)
        .expect("the view serves the commit");
    assert_eq!(fast, whole, "{commits_after_cache} commits after the cache");
    let week = whole[0].as_ref().expect("a goals post");
    // Exercises 1500 to 2999 were open in week 1 when week 2 began.
    assert_eq!((week.done, week.carried_in.len()), (3, 1500));
}

/// The hook reads the weeks of its window that no commit since the cache changed from the
/// stored ledger, where the window's first week was linked to the week before it and its
/// carry streaks counted from the series' start: a window reads them from its own start. On
/// ten weeks that each carry goals into the next (one goal from the first week to the last),
/// the view's window ledger and blocks equal those built from the whole history, for an edit
/// of the newest post, a new post a week on, an edit of a post in the middle, and two posts
/// at once; with the cache at HEAD and two commits behind.
#[test]
fn the_window_read_from_the_stored_ledger_is_the_window_built_from_the_lives() {
    use gitgoals::cache;
    use gitgoals::core::ledger::{self, LedgerOptions};
    use gitgoals::git::Repo;
    use gitgoals::git::index::StagedIndex;
    use gitgoals::git::read::HistoryOptions;
    use gitgoals::hook;

    const WINDOW: usize = 8;
    let day = |week: u32| {
        chrono::NaiveDate::from_ymd_opt(2021, 1, 4).expect("date")
            + chrono::Days::new(7 * u64::from(week - 1))
    };
    let path_of = |week: u32| format!("_posts/{}-week-{week}.md", day(week));
    let text_of = |week: u32, extra: &str| {
        let mut text = format!("---\ntitle: Week {week}\n---\n\n- [ ] Write the thesis outline\n");
        text += &format!("- [ ] Read chapter {week} of the compilers book\n");
        if week > 1 {
            let before = week - 1;
            text += &format!("- [ ] Read chapter {before} of the compilers book\n");
        }
        text += &format!("- [x] Mail the reading group about session {week}\n{extra}");
        text
    };
    let now = chrono::DateTime::parse_from_rfc3339("2021-03-20T12:00:00+01:00").expect("date");
    let today = now.date_naive();
    let options = HistoryOptions::default();
    let ledger_options = LedgerOptions::default();
    // (what is staged, the posts the blocks are asked for)
    type Stage = fn(&dyn Fn(&str, &str), &dyn Fn(u32) -> String) -> Vec<String>;
    let stagings: [(&str, Stage); 5] = [
        ("an edit of the newest post", |write, path| {
            write(&path(10), "- [x] Call the lab\n- [ ] Book the room\n");
            vec![path(10)]
        }),
        // No goal new since the cache: the newest week's carry links in are the stored ones
        // when no commit came after the cache.
        ("a note under the newest post's goals", |write, path| {
            write(&path(10), "\nA quiet week; no new goal.\n");
            vec![path(10)]
        }),
        ("a new post a week on", |write, path| {
            write(&path(11), "");
            vec![path(11)]
        }),
        ("an edit of a post in the middle", |write, path| {
            write(&path(6), "- [ ] Call the lab\n");
            vec![path(6)]
        }),
        ("two posts at once", |write, path| {
            write(&path(9), "- [ ] Call the lab\n");
            write(&path(10), "- [ ] Book the room\n");
            vec![path(9), path(10)]
        }),
    ];
    for commits_after_cache in [0, 2] {
        for (staging, stage) in stagings {
            let scratch = Scratch::new();
            let dir = scratch.init("blog");
            fs::create_dir_all(dir.join("_posts")).expect("folder");
            let write = |path: &str, text: &str| {
                fs::write(dir.join(path), text).expect("write");
                scratch.git(&dir, &["add", path]);
            };
            for week in 1..=10 {
                write(&path_of(week), &text_of(week, ""));
                scratch.git(&dir, &["commit", "-q", "-m", &format!("week {week}")]);
                // Added mid-week, and open when the next week begins: carried.
                write(&path_of(week), &text_of(week, "- [ ] Fix the parser bug\n"));
                scratch.git(&dir, &["commit", "-q", "-m", &format!("week {week} more")]);
            }
            let repo = Repo::open(Some(&dir)).expect("repository opens");
            // As `history` writes it: with the ledger.
            cache::load_ledger(&repo, &options, &ledger_options, true).expect("writes the cache");
            for n in 0..commits_after_cache {
                let extra = format!("- [ ] Fix the parser bug\n- [ ] Later goal {n}\n");
                write(&path_of(10), &text_of(10, &extra));
                scratch.git(&dir, &["commit", "-q", "-m", &format!("later {n}")]);
            }
            let staged_write = |path: &str, extra: &str| {
                let week: u32 = path
                    .trim_end_matches(".md")
                    .rsplit('-')
                    .next()
                    .and_then(|n| n.parse().ok())
                    .expect("a week number");
                write(
                    path,
                    &text_of(week, &format!("- [ ] Fix the parser bug\n{extra}")),
                );
            };
            let paths = stage(&staged_write, &path_of);
            let paths: Vec<&str> = paths.iter().map(String::as_str).collect();

            let head = repo.head().expect("HEAD").expect("a commit");
            let index = StagedIndex::open(&repo).expect("index");
            let pending = index
                .pending_commit(&[head], now, &|path| path.starts_with("_posts/"))
                .expect("the staged commit");
            let engine =
                cache::load_engine(&repo, &options, &ledger_options, false).expect("history");
            let mut whole_engine = engine.clone();
            whole_engine.feed_pending(pending.clone());
            let history = whole_engine.into_history();
            let case = format!("{staging}, {commits_after_cache} commits after the cache");

            let view = cache::load_hook_view(&repo, &options, &ledger_options)
                .expect("cache opens")
                .expect("the cache is at HEAD or just behind it");
            let windows = view
                .ledgers_around(pending.clone(), &paths, &ledger_options, WINDOW)
                .expect("the view serves the commit");
            assert_eq!(view.windows_from_store(), paths.len(), "{case}");
            for (window, path) in windows.iter().zip(&paths) {
                let built = ledger::build_around(&history, &ledger_options, path, WINDOW);
                assert_eq!(
                    format!("{window:?}"),
                    format!("{built:?}"),
                    "{case}: {path}"
                );
                // The thesis outline, carried from week 1, counts its streak from the
                // window's first week, which nothing is carried into here.
                let weeks = window.weeks.len();
                assert!(weeks >= 6, "{case}: {weeks} weeks");
                assert_eq!(window.weeks[0].figures.carried_in, 0, "{case}");
                let streak = window.tasks.iter().map(|t| t.carry_streak).max();
                assert_eq!(streak, Some(weeks - 1), "{case}");
            }

            let whole = hook::pending_stats(&engine, &pending, &paths, today, ledger_options, true)
                .expect("figures from the whole history");
            let view = cache::load_hook_view(&repo, &options, &ledger_options)
                .expect("cache opens")
                .expect("the cache is at HEAD or just behind it");
            let fast =
                hook::view_pending_stats(&view, &pending, &paths, today, &ledger_options, true)
                    .expect("the view serves the commit");
            assert_eq!(view.windows_from_store(), paths.len(), "{case}");
            assert_eq!(fast, whole, "{case}");
            let carried = &whole[0].as_ref().expect("a goals post").carried_in;
            assert!(carried.len() >= 3, "{case}: {carried:?}");
        }
    }
}
