//! Repositories in states a blog's author did not plan for: empty, unborn, detached, shallow,
//! bare, linked worktrees, submodules, thousands of merges, posts deleted and re-added, renames
//! git misreads, and paths no one should use. gitgoals keeps working, says what it could not
//! read, and never panics (exit code 101 fails every run here).

mod common;

use std::fs;
use std::path::Path;

use common::{DAY, MONDAY, READING_COMMANDS, Scratch, TestRepo};
use git2::{FileMode, Oid, Signature, Time};
use gitgoals::core::history::History;
use gitgoals::core::model::EventKind;
use gitgoals::git::Repo;
use gitgoals::git::read::{HistoryOptions, read_history};

const POST: &str = "_posts/2020-12-07-week.md";

fn week(tasks: &str) -> String {
    format!("---\ntitle: Week\n---\n\nThe plan for the week.\n\n{tasks}")
}

fn history_at(dir: &Path) -> History {
    let opened = Repo::open(Some(dir)).expect("open the repository");
    read_history(&opened, &HistoryOptions::default()).expect("read the history")
}

/// Titles of the tasks of the post at `path`, as of HEAD.
fn current_titles(history: &History, path: &str) -> Vec<String> {
    let post = history
        .posts
        .iter()
        .find(|p| p.path == path && !p.deleted)
        .unwrap_or_else(|| panic!("no live post {path}"));
    let version = post.current().expect("a version");
    version
        .post
        .tasks
        .contents()
        .map(|t| t.title.to_string())
        .collect()
}

fn kinds_of(history: &History, title: &str) -> Vec<EventKind> {
    let lives: Vec<_> = history
        .tasks
        .iter()
        .filter(|t| t.events.iter().any(|e| *e.title == *title))
        .collect();
    assert_eq!(lives.len(), 1, "{title:?} has {} lives", lives.len());
    lives[0].events.iter().map(|e| e.kind).collect()
}

fn every_reading_command_succeeds(scratch: &Scratch, dir: &Path) -> Vec<String> {
    READING_COMMANDS
        .iter()
        .map(|args| scratch.gitgoals(dir, args).ok().stdout)
        .collect()
}

#[test]
fn empty_repository_reads_as_no_posts_everywhere() {
    let scratch = Scratch::new();
    let dir = scratch.init("empty");
    let outputs = every_reading_command_succeeds(&scratch, &dir);
    assert!(outputs[0].contains("no goals posts"), "{}", outputs[0]);
    scratch.gitgoals(&dir, &["stats"]).ok();
    scratch.gitgoals(&dir, &["stats", "--check"]).ok();
    scratch.gitgoals(&dir, &["hook", "run", "pre-commit"]).ok();
    // `show` has nothing to show: a clear failure, not a panic.
    let show = scratch.gitgoals(&dir, &["show"]).fails();
    assert!(show.stderr.contains("no Markdown posts"), "{}", show.stderr);
    let history = history_at(&dir);
    assert!(history.head.is_none() && history.posts.is_empty());
}

#[test]
fn unborn_branch_after_commits_reads_as_no_posts_and_a_first_commit_there_works() {
    let scratch = Scratch::new();
    let dir = scratch.init("unborn");
    fs::create_dir_all(dir.join("_posts")).expect("posts dir");
    fs::write(dir.join(POST), week("- [x] on main\n")).expect("post");
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "main"]);
    scratch.git(&dir, &["checkout", "-q", "--orphan", "fresh"]);

    let history = history_at(&dir);
    assert!(
        history.head.is_none(),
        "an unborn branch has no HEAD commit"
    );
    assert!(history.posts.is_empty());
    every_reading_command_succeeds(&scratch, &dir);

    // The post is staged on the unborn branch: the hook writes its block as for a first commit.
    scratch.gitgoals(&dir, &["hook", "install"]).ok();
    scratch.git(&dir, &["commit", "-q", "-m", "first on fresh"]);
    let committed = scratch.git(&dir, &["show", &format!("HEAD:{POST}")]);
    assert!(committed.contains("gitgoals:stats"), "{committed}");
    assert!(committed.contains("1 of 1 done"), "{committed}");
}

#[test]
fn detached_head_reads_the_history_up_to_the_detached_commit() {
    let repo = TestRepo::new();
    let first = repo.commit(&[(POST, Some(&week("- [ ] alpha\n")))], MONDAY, "plan");
    repo.commit(
        &[(POST, Some(&week("- [x] alpha\n- [ ] beta\n")))],
        MONDAY + DAY,
        "later",
    );
    repo.repo.set_head_detached(first).expect("detach");

    let history = history_at(repo.path());
    assert_eq!(history.head.as_deref(), Some(first.to_string().as_str()));
    assert_eq!(current_titles(&history, POST), ["alpha"]);
    assert_eq!(kinds_of(&history, "alpha"), [EventKind::Added]);

    let scratch = Scratch::new();
    let out = scratch.gitgoals(repo.path(), &["history"]).ok().stdout;
    assert!(out.contains("0/1"), "{out}");
}

#[test]
fn shallow_clone_says_where_history_stops_and_names_each_post_it_cuts() {
    let scratch = Scratch::new();
    let origin = scratch.init("origin");
    fs::create_dir_all(origin.join("_posts")).expect("posts dir");
    let old = "_posts/2020-11-30-old.md";
    fs::write(origin.join(old), week("- [x] finished long ago\n")).expect("old post");
    fs::write(origin.join(POST), week("- [ ] alpha\n- [ ] beta\n")).expect("post");
    scratch.git(&origin, &["add", "."]);
    scratch.git(&origin, &["commit", "-q", "-m", "plan"]);
    fs::write(origin.join(POST), week("- [x] alpha\n- [ ] beta\n")).expect("post");
    scratch.git(&origin, &["commit", "-q", "-am", "alpha done"]);
    fs::write(origin.join(POST), week("- [x] alpha\n- [x] beta\n")).expect("post");
    scratch.git(&origin, &["commit", "-q", "-am", "beta done"]);

    let url = format!("file://{}", origin.display());
    scratch.git(
        &scratch.root,
        &["clone", "-q", "--depth", "1", &url, "shallow"],
    );
    let shallow = scratch.root.join("shallow");

    let history = history_at(&shallow);
    let boundary = scratch
        .git(&shallow, &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    let commit_warning = history
        .warnings
        .iter()
        .find(|w| w.message.contains("shallow clone"))
        .unwrap_or_else(|| panic!("no shallow warning: {:?}", history.warnings));
    assert_eq!(commit_warning.commit.as_deref(), Some(boundary.as_str()));
    for path in [old, POST] {
        assert!(
            history
                .warnings
                .iter()
                .any(|w| w.file == path && w.message.contains("history cut")),
            "{path} is not marked: {:?}",
            history.warnings
        );
    }
    // The figures still come out, from what is there.
    assert_eq!(current_titles(&history, POST), ["alpha", "beta"]);
    let run = scratch.gitgoals(&shallow, &["history"]).ok();
    assert!(run.stderr.contains("shallow clone"), "{}", run.stderr);
    assert!(run.stdout.contains("2/2"), "{}", run.stdout);

    // A full clone of the same history has no such warning.
    scratch.git(&scratch.root, &["clone", "-q", &url, "full"]);
    let full = history_at(&scratch.root.join("full"));
    assert!(
        !full.warnings.iter().any(|w| w.message.contains("shallow")),
        "{:?}",
        full.warnings
    );
}

#[test]
fn bare_repository_reads_history_and_the_hook_and_stats_say_they_need_a_work_tree() {
    let scratch = Scratch::new();
    let origin = scratch.init("origin");
    fs::create_dir_all(origin.join("_posts")).expect("posts dir");
    fs::write(origin.join(POST), week("- [x] alpha\n- [ ] beta\n")).expect("post");
    scratch.git(&origin, &["add", "."]);
    scratch.git(&origin, &["commit", "-q", "-m", "plan"]);
    scratch.git(
        &scratch.root,
        &[
            "clone",
            "-q",
            "--bare",
            origin.to_str().expect("utf-8"),
            "bare.git",
        ],
    );
    let bare = scratch.root.join("bare.git");

    let history = history_at(&bare);
    assert_eq!(current_titles(&history, POST), ["alpha", "beta"]);
    let outputs = every_reading_command_succeeds(&scratch, &bare);
    assert!(outputs[0].contains("1/2"), "{}", outputs[0]);

    for args in [
        &["stats"][..],
        &["stats", "--check"],
        &["hook", "install"],
        &["hook", "uninstall"],
        &["hook", "run", "pre-commit", "--strict"],
    ] {
        let run = scratch.gitgoals(&bare, args).fails();
        assert!(
            run.stderr.contains("work tree"),
            "gitgoals {args:?}: {}",
            run.stderr
        );
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    }
    // Not strict: the hook still says why, but never blocks.
    let run = scratch.gitgoals(&bare, &["hook", "run", "pre-commit"]).ok();
    assert!(run.stderr.contains("work tree"), "{}", run.stderr);
}

#[test]
fn linked_worktree_reads_its_own_branch_and_the_hook_writes_into_its_files() {
    let scratch = Scratch::new();
    let main = scratch.init("main");
    fs::create_dir_all(main.join("_posts")).expect("posts dir");
    fs::write(main.join(POST), week("- [ ] alpha\n")).expect("post");
    scratch.git(&main, &["add", "."]);
    scratch.git(&main, &["commit", "-q", "-m", "plan"]);
    scratch.gitgoals(&main, &["hook", "install"]).ok();
    let linked = scratch.root.join("linked");
    scratch.git(
        &main,
        &[
            "worktree",
            "add",
            "-q",
            "-b",
            "side",
            linked.to_str().expect("utf-8"),
        ],
    );

    fs::write(linked.join(POST), week("- [x] alpha\n- [ ] beta\n")).expect("post");
    scratch.git(&linked, &["commit", "-q", "-am", "on the side"]);

    // The commit in the linked worktree ran the shared hook, in that worktree's files.
    let committed = scratch.git(&linked, &["show", &format!("HEAD:{POST}")]);
    assert!(committed.contains("1 of 2 done"), "{committed}");
    assert_eq!(
        fs::read_to_string(linked.join(POST)).expect("post"),
        committed
    );
    assert!(
        !fs::read_to_string(main.join(POST))
            .expect("post")
            .contains("gitgoals:stats"),
        "the main worktree's file was touched"
    );
    let status = scratch.git(&linked, &["status", "--porcelain"]);
    assert!(status.is_empty(), "{status}");

    // Each worktree reads its own HEAD.
    assert_eq!(
        current_titles(&history_at(&linked), POST),
        ["alpha", "beta"]
    );
    assert_eq!(current_titles(&history_at(&main), POST), ["alpha"]);
    let out = scratch.gitgoals(&linked, &["history"]).ok().stdout;
    assert!(out.contains("1/2"), "{out}");
    scratch.gitgoals(&linked, &["stats", "--check"]).ok();
}

#[test]
fn submodules_are_skipped_not_read_as_posts_or_errors() {
    let repo = TestRepo::new();
    repo.commit(&[(POST, Some(&week("- [ ] alpha\n")))], MONDAY, "plan");
    // A gitlink (a submodule's commit) inside the posts folder and at the root, naming a
    // commit this repository does not have, as a real submodule does.
    let gitlink = Oid::from_str("0123456789abcdef0123456789abcdef01234567").expect("oid");
    let head = repo
        .repo
        .head()
        .expect("head")
        .peel_to_commit()
        .expect("commit");
    let mut update = git2::build::TreeUpdateBuilder::new();
    update.upsert("_posts/vendored.md", gitlink, FileMode::Commit);
    update.upsert("_posts/theme", gitlink, FileMode::Commit);
    update.upsert("themes", gitlink, FileMode::Commit);
    let tree_id = update
        .create_updated(&repo.repo, &head.tree().expect("tree"))
        .expect("tree with gitlinks");
    let tree = repo.repo.find_tree(tree_id).expect("tree");
    let when =
        Signature::new("Ada", "ada@example.org", &Time::new(MONDAY + DAY, 0)).expect("signature");
    repo.repo
        .commit(
            Some("HEAD"),
            &when,
            &when,
            "add submodules",
            &tree,
            &[&head],
        )
        .expect("commit");
    repo.commit(
        &[(POST, Some(&week("- [x] alpha\n")))],
        MONDAY + 2 * DAY,
        "done",
    );

    let history = history_at(repo.path());
    let paths: Vec<&str> = history.posts.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, [POST]);
    assert_eq!(
        kinds_of(&history, "alpha"),
        [EventKind::Added, EventKind::Checked]
    );
    let scratch = Scratch::new();
    every_reading_command_succeeds(&scratch, repo.path());
}

#[test]
fn two_thousand_merges_are_read_and_every_branch_tick_counts_once() {
    let repo = TestRepo::new();
    const MERGES: usize = 2_000;
    let open = week("- [ ] the goal\n- [ ] another\n");
    let done = week("- [x] the goal\n- [ ] another\n");
    let mut main = repo.commit(&[(POST, Some(&open))], MONDAY, "plan");
    let mut at = MONDAY;
    for i in 0..MERGES {
        // A side branch ticks (or unticks) the goal; main merges it, conflict-free.
        let text = if i % 2 == 0 { &done } else { &open };
        at += 60;
        let side = repo.commit_with(&[main], &[(POST, Some(text))], at, at, "tick", None);
        at += 60;
        main = repo.commit_with(&[main, side], &[(POST, Some(text))], at, at, "merge", None);
    }
    repo.move_branch(main);

    let history = history_at(repo.path());
    assert_eq!(history.tasks.len(), 2);
    let goal = kinds_of(&history, "the goal");
    assert_eq!(goal.len(), 1 + MERGES);
    let life = history
        .tasks
        .iter()
        .find(|t| &*t.events[0].title == "the goal")
        .expect("the goal");
    for (i, event) in life.events.iter().skip(1).enumerate() {
        let expected = if i % 2 == 0 {
            EventKind::Checked
        } else {
            EventKind::Unchecked
        };
        assert_eq!(event.kind, expected, "event {i}");
        // Dated by the branch commit that made it, not by the merge.
        assert_eq!(event.commit.summary, "tick");
    }
    assert_eq!(kinds_of(&history, "another"), [EventKind::Added]);
    let scratch = Scratch::new();
    let out = scratch.gitgoals(repo.path(), &["history"]).ok().stdout;
    assert!(out.contains("0/2"), "{out}");
    scratch.gitgoals(repo.path(), &["log", "-n", "3"]).ok();
}

#[test]
fn post_deleted_and_re_added_keeps_one_post_and_its_tasks_are_added_again() {
    let repo = TestRepo::new();
    let text = week("- [x] alpha\n- [ ] beta\n");
    repo.commit(&[(POST, Some(&text))], MONDAY, "plan");
    repo.commit(&[(POST, None)], MONDAY + DAY, "oops, deleted");
    let history = history_at(repo.path());
    assert!(history.posts.iter().all(|p| p.deleted));
    repo.commit(&[(POST, Some(&text))], MONDAY + 2 * DAY, "restored");

    let history = history_at(repo.path());
    let live: Vec<_> = history.posts.iter().filter(|p| !p.deleted).collect();
    assert_eq!(live.len(), 1);
    assert_eq!(current_titles(&history, POST), ["alpha", "beta"]);
    let scratch = Scratch::new();
    let out = scratch.gitgoals(repo.path(), &["history"]).ok().stdout;
    assert!(out.contains("1/2"), "{out}");
    for args in READING_COMMANDS {
        scratch.gitgoals(repo.path(), args).ok();
    }
}

#[test]
fn case_only_rename_keeps_every_task_life() {
    let repo = TestRepo::new();
    let upper = "_posts/2020-12-07-Week.md";
    let lower = "_posts/2020-12-07-week.md";
    repo.commit(
        &[(upper, Some(&week("- [ ] alpha\n- [ ] beta\n")))],
        MONDAY,
        "plan",
    );
    repo.rename(
        upper,
        lower,
        &week("- [ ] alpha\n- [ ] beta\n"),
        MONDAY + DAY,
        "rename",
    );
    repo.commit(
        &[(lower, Some(&week("- [x] alpha\n- [ ] beta\n")))],
        MONDAY + 2 * DAY,
        "tick",
    );

    let history = history_at(repo.path());
    assert_eq!(history.posts.len(), 1, "the rename made a second post");
    assert_eq!(history.posts[0].path, lower);
    assert_eq!(
        kinds_of(&history, "alpha"),
        [EventKind::Added, EventKind::Checked]
    );
    assert_eq!(kinds_of(&history, "beta"), [EventKind::Added]);
}

#[test]
fn a_rename_git_similarity_misses_still_keeps_the_task_lives() {
    // Published from drafts with most of the prose rewritten: git's 50% similarity calls
    // this a deletion and an addition (checked below); the goals are the same.
    let draft = "_drafts/week.md";
    let tasks = |first: char| {
        format!("- [{first}] alpha\n- [ ] beta\n- [ ] gamma\n- [ ] delta\n- [ ] epsilon\n")
    };
    let before = format!(
        "---\ntitle: Draft\n---\nSome notes.\nMore notes.\nA plan.\n\n{}",
        tasks(' ')
    );
    let after = format!(
        "---\ntitle: Week 5 of the batch, published\n---\nRewritten opening for readers.\nWhat went well this week.\nWhat did not.\n\n{}",
        tasks('x')
    );
    let scratch = Scratch::new();
    let dir = scratch.init("blog");
    fs::create_dir_all(dir.join("_drafts")).expect("drafts");
    fs::create_dir_all(dir.join("_posts")).expect("posts");
    fs::write(dir.join(draft), &before).expect("draft");
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "draft"]);
    fs::remove_file(dir.join(draft)).expect("rm draft");
    fs::write(dir.join(POST), &after).expect("post");
    scratch.git(&dir, &["add", "-A"]);
    scratch.git(&dir, &["commit", "-q", "-m", "publish"]);
    let git_says = scratch.git(&dir, &["show", "--name-status", "-M", "--format=", "HEAD"]);
    assert!(
        !git_says.starts_with('R'),
        "git found the rename after all, so this case tests nothing: {git_says}"
    );

    let history = history_at(&dir);
    let live: Vec<_> = history.posts.iter().filter(|p| !p.deleted).collect();
    assert_eq!(live.len(), 1);
    assert_eq!(history.posts.len(), 1, "the draft is a post of its own");
    assert_eq!(
        kinds_of(&history, "alpha"),
        [EventKind::Added, EventKind::Checked]
    );
    assert_eq!(kinds_of(&history, "beta"), [EventKind::Added]);
}

/// Paths a blog should not have but git allows: spaces, tabs, non-ASCII, and longer than
/// most tools expect (git stores any length; the file system caps each name at 255 bytes).
fn odd_paths() -> Vec<String> {
    let long_dir: String = (0..8).map(|i| format!("{}{i}/", "d".repeat(99))).collect();
    vec![
        "_posts/2020-12-07-with spaces.md".to_string(),
        "_posts/2020-12-08-with\ttab.md".to_string(),
        "_posts/2020-12-09-ünïcødé-週報.md".to_string(),
        format!("_posts/{long_dir}2020-12-10-long.md"),
    ]
}

#[test]
fn odd_paths_are_read_and_shown_and_their_blocks_written() {
    let paths = odd_paths();
    assert!(paths[3].len() > 800);
    let scratch = Scratch::new();
    let dir = scratch.init("blog");
    for (i, path) in paths.iter().enumerate() {
        let file = dir.join(path);
        fs::create_dir_all(file.parent().expect("parent")).expect("dirs");
        fs::write(&file, week(&format!("- [x] done {i}\n- [ ] open {i}\n"))).expect("post");
    }
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "odd names"]);

    let history = history_at(&dir);
    for (i, path) in paths.iter().enumerate() {
        assert_eq!(
            current_titles(&history, path),
            [format!("done {i}"), format!("open {i}")]
        );
    }
    let json = scratch
        .gitgoals(&dir, &["history", "--format", "json"])
        .ok()
        .stdout;
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("json");
    let text = parsed.to_string();
    for path in &paths {
        let escaped = serde_json::to_string(path).expect("json string");
        assert!(text.contains(&escaped), "{path:?} missing from the JSON");
    }
    every_reading_command_succeeds(&scratch, &dir);

    // The block goes into every one of them, named by the tracked path.
    let run = scratch.gitgoals(&dir, &["stats"]).ok();
    for path in &paths {
        let written = fs::read_to_string(dir.join(path)).expect("post");
        assert!(written.contains("1 of 2 done"), "{path:?}: {}", run.stderr);
    }
    scratch.gitgoals(&dir, &["stats", "--check"]).ok();
    // And through the hook in a real commit.
    scratch.gitgoals(&dir, &["hook", "install"]).ok();
    let path = &paths[2];
    fs::write(dir.join(path), week("- [x] done 2\n- [x] open 2\n")).expect("post");
    scratch.git(&dir, &["commit", "-q", "-am", "tick"]);
    let committed = scratch.git(&dir, &["show", &format!("HEAD:{path}")]);
    assert!(committed.contains("2 of 2 done"), "{committed}");
}

#[test]
fn hostile_blobs_in_history_are_warned_about_and_the_rest_still_reads() {
    let repo = TestRepo::new();
    let mut utf16 = vec![0xFF, 0xFE];
    for unit in "- [ ] sixteen\n".encode_utf16() {
        utf16.extend_from_slice(&unit.to_le_bytes());
    }
    let big = "- [ ] huge\n".repeat(50 * 1024 * 1024 / 11 + 1);
    let blobs: [(&str, &[u8]); 4] = [
        ("_posts/2020-12-01-utf16.md", &utf16),
        ("_posts/2020-12-02-binary.md", b"\x00\x01- [ ] nope\xFF"),
        (
            "_posts/2020-12-03-photo.png",
            b"\x89PNG\r\n\x1a\n- [ ] not a post",
        ),
        ("_posts/2020-12-04-huge.md", big.as_bytes()),
    ];
    let head = {
        let mut update = git2::build::TreeUpdateBuilder::new();
        for (path, bytes) in blobs {
            let blob = repo.repo.blob(bytes).expect("blob");
            update.upsert(path, blob, FileMode::Blob);
        }
        let text = week("- [ ] fine\n");
        let blob = repo.repo.blob(text.as_bytes()).expect("blob");
        update.upsert(POST, blob, FileMode::Blob);
        let empty = repo
            .repo
            .treebuilder(None)
            .and_then(|b| b.write())
            .expect("empty");
        let base = repo.repo.find_tree(empty).expect("tree");
        let tree = update.create_updated(&repo.repo, &base).expect("tree");
        let tree = repo.repo.find_tree(tree).expect("tree");
        let when = Signature::new("Ada", "ada@example.org", &Time::new(MONDAY, 0)).expect("sig");
        repo.repo
            .commit(Some("HEAD"), &when, &when, "hostile", &tree, &[])
            .expect("commit")
    };
    assert!(!head.is_zero());

    let history = history_at(repo.path());
    assert_eq!(current_titles(&history, POST), ["fine"]);
    for (path, what) in [
        ("_posts/2020-12-01-utf16.md", "UTF-16"),
        ("_posts/2020-12-02-binary.md", "binary"),
        ("_posts/2020-12-04-huge.md", "MiB"),
    ] {
        assert!(
            history
                .warnings
                .iter()
                .any(|w| w.file == path && w.message.contains(what)),
            "{path}: {:?}",
            history.warnings
        );
    }
    assert!(history.posts.iter().all(|p| !p.path.ends_with(".png")));
    assert!(history.tasks.iter().all(|t| &*t.events[0].title == "fine"));
    let scratch = Scratch::new();
    let run = scratch.gitgoals(repo.path(), &["history"]).ok();
    assert!(run.stderr.contains("UTF-16"), "{}", run.stderr);
}
