//! The pre-commit hook and `gitgoals stats` driven through the real `git` binary, in temporary
//! repositories kept away from the machine's git configuration.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use chrono::NaiveDate;
use common::blog::Blog;
use gitgoals::core::block::{END_MARKER, START_MARKER, START_PREFIX};
use gitgoals::hook::{self, RunOptions};
use gitgoals::render::statsblock::BlockStats;
use gitgoals::session::{Args as SessionArgs, Session};

const POST: &str = "_posts/2020-12-07-week.md";

const POST_TEXT: &str = "---\ntitle: Week 5\n---\n\nGoals I can finish by 2020-12-12.\n\n### Courses\n- [x] CS242 HW 1\n- [ ] Graphics homework 0, 3/5\n\n### Papers\n- [ ] PixelCNN++\n";

/// How many commits HEAD has.
fn commit_count(repo: &Blog) -> usize {
    repo.ok(&["rev-list", "--count", "HEAD"])
        .trim()
        .parse()
        .expect("count")
}

fn text(bytes: &[u8]) -> &str {
    std::str::from_utf8(bytes).expect("utf-8")
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

#[test]
fn commit_of_a_post_carries_the_block_and_leaves_the_work_tree_equal_to_it() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    let stderr = repo.commit_ok(&[]);
    assert_eq!(stderr, "", "a successful update prints nothing");

    let committed = repo.blob("HEAD", POST);
    let committed = text(&committed);
    assert!(
        committed.starts_with(POST_TEXT),
        "the user's text is kept byte for byte"
    );
    assert!(committed.contains(START_PREFIX) && committed.contains(END_MARKER));
    assert!(committed.contains("1 of 3 done (33%)"), "{committed}");
    assert!(committed.contains("due 2020-12-12") || committed.contains("(2020-12-12)"));
    assert_eq!(repo.read_bytes(POST), committed.as_bytes());
    assert_eq!(repo.status(), "", "nothing left modified or staged");
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

/// The hook reads the history only for a commit that stages a post: a stylesheet or a page
/// committed on a long history would otherwise wait for every commit since the cache to be
/// folded in (with no cache, the whole history read and a cache written).
#[test]
fn a_commit_that_stages_no_post_reads_no_history() {
    let repo = Blog::new();
    let cache = repo.dir.join(".git").join("gitgoals").join("cache-v1.bin");
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.ok(&["commit", "-q", "--no-verify", "-m", "week"]);
    repo.write("assets/site.css", "body { margin: 0 }\n");
    repo.ok(&["add", "assets/site.css"]);
    assert_eq!(repo.commit_ok(&[]), "", "nothing to say");
    assert!(
        !cache.exists(),
        "no history was read for a commit without a post"
    );

    repo.write(POST, format!("{POST_TEXT}- [ ] one more\n"));
    repo.ok(&["add", POST]);
    assert_eq!(repo.commit_ok(&[]), "");
    assert!(
        cache.is_file(),
        "the post's commit read the history (and cached it)"
    );
    assert!(text(&repo.blob("HEAD", POST)).contains(START_PREFIX));
}

#[test]
fn a_cache_eight_commits_behind_is_brought_forward_by_the_hook_and_one_nearly_current_is_not() {
    // Every commit behind the cache costs each hook run its folding; past a few, the hook
    // writes the cache again at HEAD once, and `history` then reads it as it reads a fresh one.
    let repo = Blog::new();
    let cache = repo.dir.join(".git").join("gitgoals").join("cache-v1.bin");
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.ok(&["commit", "-q", "--no-verify", "-m", "week"]);
    repo.gitgoals_ok(&["history"]);
    let mut body = POST_TEXT.to_string();
    let mut edit = |n: usize| {
        body.push_str(&format!("- [ ] goal added later {n}\n"));
        repo.write(POST, &body);
        repo.ok(&["add", POST]);
    };
    for n in 0..8 {
        edit(n);
        repo.ok(&["commit", "-q", "--no-verify", "-m", "edit"]);
    }
    let stale = fs::read(&cache).expect("the cache");
    edit(8);
    repo.commit_ok(&[]);
    let brought = fs::read(&cache).expect("the cache");
    assert!(brought != stale, "eight commits behind: written again");
    let cached = repo.gitgoals_ok(&["history", "--format", "json"]);
    let fresh = repo.gitgoals_ok(&["--no-cache", "history", "--format", "json"]);
    assert_eq!(
        cached, fresh,
        "the cache brought forward reads as the history"
    );

    // `history` wrote it at HEAD; two commits behind, the hook folds them and leaves it.
    let current = fs::read(&cache).expect("the cache");
    for n in 9..11 {
        edit(n);
        repo.ok(&["commit", "-q", "--no-verify", "-m", "edit"]);
    }
    edit(11);
    repo.commit_ok(&[]);
    assert!(
        fs::read(&cache).expect("the cache") == current,
        "not rewritten"
    );
    assert!(text(&repo.blob("HEAD", POST)).contains(START_PREFIX));
}

#[test]
fn second_commit_with_the_same_numbers_does_not_rewrite_the_post() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);

    // Edit prose only: the figures stay the same, so the hook must not touch the file.
    let edited = String::from_utf8(repo.read_bytes(POST))
        .expect("utf-8")
        .replace("### Papers", "### Papers to read");
    repo.write(POST, &edited);
    let old_time = SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(repo.dir.join(POST))
        .and_then(|f| f.set_modified(old_time))
        .expect("set mtime");
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);

    let meta = fs::metadata(repo.dir.join(POST)).expect("metadata");
    assert_eq!(
        meta.modified().expect("mtime"),
        old_time,
        "file not rewritten"
    );
    assert_eq!(repo.read_bytes(POST), edited.as_bytes());
    assert_eq!(repo.blob("HEAD", POST), edited.as_bytes());
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn partially_staged_post_keeps_its_unstaged_hunk_unstaged() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    let base = String::from_utf8(repo.read_bytes(POST)).expect("utf-8");

    // Stage a tick (as `git add -p` would) while an unrelated edit stays in the work tree only.
    let staged = base.replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    let working = staged.replace("Goals I can", "Draft note, not ready.\n\nGoals I can");
    let staged_file = repo.dir.join("staged.tmp");
    fs::write(&staged_file, &staged).expect("write");
    let oid = repo.ok(&["hash-object", "-w", "staged.tmp"]);
    fs::remove_file(&staged_file).expect("remove");
    repo.ok(&[
        "update-index",
        "--cacheinfo",
        &format!("100644,{},{POST}", oid.trim()),
    ]);
    repo.write(POST, &working);

    repo.commit_ok(&[]);
    let committed = String::from_utf8(repo.blob("HEAD", POST)).expect("utf-8");
    assert!(committed.contains("2 of 3 done"), "{committed}");
    assert!(
        !committed.contains("Draft note"),
        "the unstaged hunk was not committed"
    );

    let now = String::from_utf8(repo.read_bytes(POST)).expect("utf-8");
    assert!(
        now.contains("Draft note, not ready."),
        "the unstaged hunk is intact"
    );
    assert!(
        now.contains("2 of 3 done"),
        "the working file got the same block"
    );
    assert_eq!(repo.ok(&["diff", "--cached"]), "", "nothing else staged");
    let unstaged = repo.ok(&["diff", "--", POST]);
    let changed: Vec<&str> = unstaged
        .lines()
        .filter(|l| {
            (l.starts_with('+') || l.starts_with('-'))
                && !l.starts_with("+++")
                && !l.starts_with("---")
        })
        .collect();
    assert_eq!(changed, ["+Draft note, not ready.", "+"], "{unstaged}");
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn commit_all_updates_the_temporary_index() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    let ticked = String::from_utf8(repo.read_bytes(POST))
        .expect("utf-8")
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);

    repo.commit_ok(&["-a"]);
    let committed = repo.blob("HEAD", POST);
    assert!(text(&committed).contains("2 of 3 done"));
    assert_eq!(repo.read_bytes(POST), committed);
    assert_eq!(repo.status(), "");
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn commit_of_a_path_updates_the_commit_and_the_real_index() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.write("about.md", "about\n");
    repo.ok(&["add", POST, "about.md"]);
    repo.commit_ok(&[]);
    let ticked = String::from_utf8(repo.read_bytes(POST))
        .expect("utf-8")
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    repo.write("about.md", "about me\n");

    repo.commit_ok(&["--", POST]);
    let committed = repo.blob("HEAD", POST);
    assert!(text(&committed).contains("2 of 3 done"));
    assert_eq!(repo.read_bytes(POST), committed);
    assert_eq!(
        repo.blob("HEAD", "about.md"),
        b"about\n",
        "other files not committed"
    );
    assert_eq!(
        repo.status(),
        " M about.md\n",
        "only the other file is left modified"
    );
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn amend_updates_the_amended_commit() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    let before = commit_count(&repo);
    let ticked = String::from_utf8(repo.read_bytes(POST))
        .expect("utf-8")
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    repo.ok(&["add", POST]);

    repo.commit_ok(&["--amend", "--no-edit"]);
    assert_eq!(commit_count(&repo), before);
    let committed = repo.blob("HEAD", POST);
    assert!(text(&committed).contains("2 of 3 done"));
    assert_eq!(repo.read_bytes(POST), committed);
    assert_eq!(repo.status(), "");
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn crlf_post_gets_a_crlf_block_and_keeps_its_bytes() {
    let repo = Blog::new();
    let crlf = POST_TEXT.replace('\n', "\r\n");
    repo.write(POST, &crlf);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);

    let committed = repo.blob("HEAD", POST);
    assert!(committed.starts_with(crlf.as_bytes()));
    let lone_lf = committed
        .iter()
        .enumerate()
        .filter(|&(i, &b)| b == b'\n' && (i == 0 || committed[i - 1] != b'\r'))
        .count();
    assert_eq!(lone_lf, 0, "every line ends with CRLF");
    assert!(text(&committed).contains(START_PREFIX));
    assert_eq!(repo.read_bytes(POST), committed);
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn markers_in_the_middle_are_filled_in_place() {
    let repo = Blog::new();
    let (head, tail) = POST_TEXT.split_at(POST_TEXT.find("### Courses").expect("section"));
    let with_markers = format!("{head}{START_MARKER}\n{END_MARKER}\n\n{tail}");
    repo.write(POST, &with_markers);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);

    let committed = String::from_utf8(repo.blob("HEAD", POST)).expect("utf-8");
    assert!(committed.starts_with(&format!("{head}{START_PREFIX} ")));
    assert!(
        committed.ends_with(&format!("{END_MARKER}\n\n{tail}")),
        "{committed}"
    );
    assert!(committed.contains("1 of 3 done"));
    assert_eq!(count(&committed, START_PREFIX), 1, "nothing appended");
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn foreign_hook_is_kept_chained_and_restored() {
    let repo = Blog::empty();
    let foreign = "#!/bin/sh\necho ran >> \"$(git rev-parse --git-dir)/legacy-ran\"\n";
    let hook_path = repo.dir.join(".git/hooks/pre-commit");
    fs::write(&hook_path, foreign).expect("write hook");
    make_executable(&hook_path);

    repo.gitgoals_ok(&["hook", "install"]);
    assert_eq!(
        fs::read_to_string(repo.dir.join(".git/hooks/pre-commit.legacy")).expect("legacy"),
        foreign
    );
    let installed = fs::read(&hook_path).expect("hook");
    repo.gitgoals_ok(&["hook", "install"]);
    assert_eq!(
        fs::read(&hook_path).expect("hook"),
        installed,
        "installing twice changes nothing"
    );
    assert_eq!(
        fs::read_to_string(repo.dir.join(".git/hooks/pre-commit.legacy")).expect("legacy"),
        foreign
    );

    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    assert!(
        repo.dir.join(".git/legacy-ran").exists(),
        "the old hook ran"
    );
    assert!(
        text(&repo.blob("HEAD", POST)).contains(START_PREFIX),
        "and then ours"
    );

    // A failing old hook still stops the commit.
    fs::write(
        repo.dir.join(".git/hooks/pre-commit.legacy"),
        "#!/bin/sh\nexit 3\n",
    )
    .expect("write");
    repo.write("notes.md", "x\n");
    repo.ok(&["add", "notes.md"]);
    assert!(!repo.commit(&[]).status.success());
    fs::write(repo.dir.join(".git/hooks/pre-commit.legacy"), foreign).expect("write");

    repo.gitgoals_ok(&["hook", "uninstall"]);
    assert_eq!(fs::read_to_string(&hook_path).expect("hook"), foreign);
    assert!(!repo.dir.join(".git/hooks/pre-commit.legacy").exists());
}

#[cfg(unix)]
fn make_executable(path: &Path) {
    use std::os::unix::fs::PermissionsExt;
    fs::set_permissions(path, fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[test]
fn hooks_path_inside_is_used_and_outside_needs_force() {
    let repo = Blog::empty();
    repo.ok(&["config", "core.hooksPath", ".githooks"]);
    repo.gitgoals_ok(&["hook", "install"]);
    assert!(repo.dir.join(".githooks/pre-commit").is_file());
    assert!(!repo.dir.join(".git/hooks/pre-commit").exists());
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    assert!(text(&repo.blob("HEAD", POST)).contains(START_PREFIX));

    let outside = repo.scratch.home.join("shared-hooks");
    repo.ok(&[
        "config",
        "core.hooksPath",
        outside.to_str().expect("utf-8 path"),
    ]);
    let refused = repo.gitgoals(&["hook", "install"]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--force"));
    assert!(!outside.join("pre-commit").exists());
    repo.gitgoals_ok(&["hook", "install", "--force"]);
    assert!(outside.join("pre-commit").is_file());
}

#[cfg(unix)]
#[test]
fn symlinked_post_is_never_written() {
    let repo = Blog::new();
    repo.write("notes/week.md", POST_TEXT);
    fs::create_dir_all(repo.dir.join("_posts")).expect("dir");
    std::os::unix::fs::symlink("../notes/week.md", repo.dir.join(POST)).expect("symlink");
    repo.ok(&["add", "notes/week.md", POST]);

    let stderr = repo.commit_ok(&[]);
    assert_eq!(
        repo.read_bytes("notes/week.md"),
        POST_TEXT.as_bytes(),
        "link target untouched"
    );
    assert!(
        fs::symlink_metadata(repo.dir.join(POST))
            .expect("meta")
            .file_type()
            .is_symlink()
    );
    assert_eq!(repo.blob("HEAD", POST), b"../notes/week.md");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.contains(POST) && stderr.contains("symbolic link"),
        "{stderr}"
    );
}

#[test]
fn hostile_task_title_does_not_break_the_block() {
    let repo = Blog::new();
    let hostile = format!("{POST_TEXT}- [ ] --> <script>alert(1)</script> {END_MARKER}\n");
    repo.write(POST, &hostile);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);

    let committed = String::from_utf8(repo.blob("HEAD", POST)).expect("utf-8");
    assert!(committed.starts_with(&hostile));
    let block = &committed[hostile.len()..];
    assert!(block.contains("1 of 4 done"), "{block}");
    assert_eq!(
        count(block, "-->"),
        2,
        "only the two markers close comments"
    );
    assert!(!block.contains("<script"));

    // Titles placed in the block (carried-in tasks) are escaped.
    let carried = |_: &str, _: &[u8]| {
        Ok(Some(BlockStats {
            done: 0,
            total: 1,
            due: None,
            today: NaiveDate::from_ymd_opt(2020, 12, 9).expect("date"),
            carried_in: vec!["--> <script>alert(1)</script>".into(), "[ ] x".into()],
            added_mid_week: vec![],
            by_confidence: vec![],
            recent_completion: vec![],
            ..Default::default()
        }))
    };
    let session = Session::open(&SessionArgs {
        dir: Some(repo.dir.clone()),
        ..SessionArgs::default()
    })
    .expect("a session");
    let report = hook::run_stats(
        &session,
        &[PathBuf::from(POST)],
        false,
        &RunOptions::default(),
        &carried,
    );
    assert!(report.failures.is_empty(), "{:?}", report.failures);
    let written = String::from_utf8(repo.read_bytes(POST)).expect("utf-8");
    let block = &written[hostile.len()..];
    assert!(
        block.contains("--&gt; &lt;script&gt;alert(1)&lt;/script&gt;"),
        "{block}"
    );
    assert_eq!(count(block, "-->"), 2);
    assert!(!block.contains("[ ]"));
}

#[test]
fn broken_template_or_config_leaves_the_post_alone_and_says_so_once() {
    let repo = Blog::new();
    repo.write(".gitgoals.toml", "[stats]\ntemplate = \"stats.j2\"\n");
    repo.write("stats.j2", "{{ done ");
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    let stderr = repo.commit_ok(&[]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with("gitgoals: stats block not updated for "),
        "{stderr}"
    );
    assert!(stderr.contains("template"), "{stderr}");
    assert_eq!(repo.blob("HEAD", POST), POST_TEXT.as_bytes());
    assert_eq!(repo.read_bytes(POST), POST_TEXT.as_bytes());

    repo.write(".gitgoals.toml", "[hook\nstrict = 1\n");
    repo.write(
        POST,
        POST_TEXT.replace("- [ ] PixelCNN++", "- [x] PixelCNN++"),
    );
    repo.ok(&["add", POST]);
    let stderr = repo.commit_ok(&[]);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains(".gitgoals.toml"), "{stderr}");
    assert!(!text(&repo.blob("HEAD", POST)).contains(START_PREFIX));

    // Strict mode blocks the commit instead.
    repo.write(
        ".gitgoals.toml",
        "[hook]\nstrict = true\n[stats]\ntemplate = \"stats.j2\"\n",
    );
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    let out = repo.commit(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("template"));
}

#[test]
fn good_template_is_used() {
    let repo = Blog::new();
    repo.write(".gitgoals.toml", "[stats]\ntemplate = \"stats.j2\"\n");
    repo.write(
        "stats.j2",
        "Done {{ done }} of {{ total }}, {{ open }} to go.\n",
    );
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    assert!(text(&repo.blob("HEAD", POST)).contains("\nDone 1 of 3, 2 to go.\n"));
}

#[test]
fn the_committed_block_writes_ratings_on_the_configured_scale() {
    let repo = Blog::new();
    repo.write(".gitgoals.toml", "[confidence]\nscale = 10\n");
    repo.write(
        POST,
        "# Goals\n- [x] Write the essay, 7/10\n- [ ] Read a paper (9/10)\n- [ ] Run, 7/10\n",
    );
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    let committed = repo.blob("HEAD", POST);
    assert!(
        text(&committed).contains("**Done by confidence:** 7/10 → 1 of 2 · 9/10 → 0 of 1\n"),
        "{}",
        text(&committed)
    );
}

#[test]
fn configured_posts_globs_decide_which_staged_files_get_a_block() {
    let repo = Blog::new();
    // The blog keeps its goals in `journal/`; `_posts/` holds ordinary articles.
    repo.write(".gitgoals.toml", "posts = [\"journal/*.md\"]\n");
    let journal = "journal/2020-12-07-week.md";
    let article = "_posts/2020-12-01-a-list-article.md";
    repo.write(journal, POST_TEXT);
    repo.write(article, "# Reading list\n- [ ] The Raft paper\n");
    repo.ok(&["add", "."]);
    repo.commit_ok(&[]);
    assert!(
        text(&repo.blob("HEAD", journal)).contains(START_PREFIX),
        "the goals post the globs name gets its block"
    );
    assert!(
        !text(&repo.blob("HEAD", article)).contains(START_PREFIX),
        "a file the globs do not name is left alone, posts folder or not"
    );
}

#[test]
fn obsidian_vault_dated_note_gets_the_block_and_stats_check_passes() {
    let repo = Blog::new();
    // A vault: Obsidian's settings folder is tracked, there is no posts folder.
    repo.write(".obsidian/app.json", "{}\n");
    repo.ok(&["add", ".obsidian/app.json"]);
    repo.commit_ok(&[]);

    let note = "2024-01-15.md";
    let idea = "Ideas/Books.md";
    repo.write(
        note,
        "# Week 3\n\n- [x] Finish the draft\n- [ ] Send it out\n",
    );
    repo.write(idea, "# To read\n\n- [ ] Dune\n");
    repo.ok(&["add", note, idea]);
    let stderr = repo.commit_ok(&[]);
    assert_eq!(stderr, "", "a successful update prints nothing");

    let committed = repo.blob("HEAD", note);
    assert!(
        text(&committed).contains(START_PREFIX),
        "the vault's dated note is a post: it gets its block\n{}",
        text(&committed)
    );
    assert_eq!(
        repo.read_bytes(note),
        committed,
        "the work tree holds what was committed"
    );
    assert!(
        !text(&repo.blob("HEAD", idea)).contains(START_PREFIX),
        "a note not named by a date is not a post in a vault, tasks or not"
    );
    let history = repo.gitgoals_ok(&["history", "--format", "json"]);
    assert!(history.contains(note), "{history}");
    assert!(!history.contains(idea), "{history}");

    let check = repo.gitgoals(&["stats", "--check"]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "the committed block is current: {}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn nested_posts_folder_beside_a_top_level_one_gets_no_block_and_is_not_in_history() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    assert!(text(&repo.blob("HEAD", POST)).contains(START_PREFIX));

    // Posts folders count at the top of the repository only: `notes/_posts/` is just a
    // folder of notes, for the hook as for history.
    let nested = "notes/_posts/2024-01-15-week.md";
    let nested_text = "# Week 3\n\n- [x] Finish the draft\n- [ ] Send it out\n";
    repo.write(nested, nested_text);
    repo.ok(&["add", nested]);
    let stderr = repo.commit_ok(&[]);
    assert_eq!(stderr, "");
    assert_eq!(repo.blob("HEAD", nested), nested_text.as_bytes());
    assert_eq!(repo.read_bytes(nested), nested_text.as_bytes());

    let history = repo.gitgoals_ok(&["history", "--format", "json"]);
    assert!(history.contains(POST), "{history}");
    assert!(
        !history.contains(nested),
        "history does not read it either: {history}"
    );
}

#[test]
fn stats_check_tells_a_post_with_no_block_from_one_whose_block_is_out_of_date() {
    let repo = Blog::empty();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", "."]);
    let check = repo.gitgoals(&["stats", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        said.contains(&format!("{POST} has no stats block yet")),
        "{said}"
    );
    assert!(!said.contains("out of date"), "{said}");

    repo.gitgoals_ok(&["stats"]);
    let ticked = text(&repo.read_bytes(POST)).replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    let check = repo.gitgoals(&["stats", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    let said = String::from_utf8_lossy(&check.stderr);
    assert!(
        said.contains(&format!("stats block is out of date in {POST}")),
        "{said}"
    );
    assert!(!said.contains("no stats block"), "{said}");
}

#[test]
fn stats_check_reports_stale_blocks_and_stats_fixes_them() {
    let repo = Blog::empty();
    repo.write(POST, POST_TEXT);
    repo.write("_posts/2020-11-30-no-tasks.md", "just prose\n");
    repo.ok(&["add", "."]);

    let check = repo.gitgoals(&["stats", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&check.stderr).contains(POST));
    assert_eq!(
        repo.read_bytes(POST),
        POST_TEXT.as_bytes(),
        "--check writes nothing"
    );

    repo.gitgoals_ok(&["stats"]);
    assert!(text(&repo.read_bytes(POST)).contains(START_PREFIX));
    assert_eq!(
        repo.read_bytes("_posts/2020-11-30-no-tasks.md"),
        b"just prose\n"
    );
    let check = repo.gitgoals(&["stats", "--check", POST]);
    assert_eq!(
        check.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&check.stderr)
    );
}

#[test]
fn commit_without_posts_is_untouched_and_quiet() {
    let repo = Blog::new();
    repo.write("notes.md", "- [ ] a task outside the posts folder\n");
    repo.write(POST, "prose only\n");
    repo.ok(&["add", "."]);
    let stderr = repo.commit_ok(&[]);
    assert_eq!(stderr, "");
    assert_eq!(
        repo.read_bytes("notes.md"),
        b"- [ ] a task outside the posts folder\n"
    );
    assert_eq!(repo.read_bytes(POST), b"prose only\n");
}

#[test]
fn block_names_what_was_carried_in_and_what_was_added_mid_week() {
    let repo = Blog::new();
    repo.write(
        "_posts/2020-12-07-week-5.md",
        "---\ntitle: Week 5\n---\n\n- [x] Graphics homework 0\n- [ ] Write the parser for the interpreter\n",
    );
    repo.ok(&["add", "-A"]);
    repo.commit_ok(&[]);
    let next = "_posts/2020-12-14-week-6.md";
    repo.write(
        next,
        "---\ntitle: Week 6\n---\n\n- [ ] Write the parser for the interpreter, 3/5\n- [ ] Read the Raft paper\n",
    );
    repo.ok(&["add", next]);
    repo.commit_ok(&[]);
    let first = String::from_utf8(repo.blob("HEAD", next)).expect("utf-8");
    assert!(
        first.contains("Carried in from last week (1):** Write the parser for the interpreter"),
        "{first}"
    );
    assert!(
        !first.contains("Added mid-week"),
        "nothing was added yet: {first}"
    );

    let with_addition = first.replace(
        "- [ ] Read the Raft paper\n",
        "- [ ] Read the Raft paper\n- [ ] Fix the flaky login test\n",
    );
    repo.write(next, &with_addition);
    repo.commit_ok(&["-a"]);
    let second = String::from_utf8(repo.blob("HEAD", next)).expect("utf-8");
    assert!(
        second.contains("Added mid-week (1):** Fix the flaky login test"),
        "{second}"
    );
    assert!(second.contains("0 of 3 done"), "{second}");
    assert_eq!(repo.read_bytes(next), second.as_bytes());
}

#[test]
fn opt_in_chart_is_drawn_beside_the_post_staged_and_linked_from_the_block() {
    let repo = Blog::new();
    repo.write(".gitgoals.toml", "[stats]\nchart = true\n");
    repo.write(
        "_posts/2020-12-07-week-5.md",
        "---\ntitle: Week 5\n---\n\n- [x] Graphics homework 0\n- [ ] Write the parser for the interpreter\n",
    );
    repo.ok(&["add", "-A"]);
    repo.commit_ok(&[]);
    let post = "_posts/2020-12-14-week-6.md";
    repo.write(
        post,
        "---\ntitle: Week 6\n---\n\n- [ ] Write the parser for the interpreter\n- [x] Read the Raft paper\n",
    );
    repo.ok(&["add", post]);
    repo.commit_ok(&[]);

    let chart = "assets/gitgoals/2020-12-14-week-6.svg";
    let committed = String::from_utf8(repo.blob("HEAD", post)).expect("utf-8");
    assert!(
        committed.contains("![Goals done per week](/assets/gitgoals/2020-12-14-week-6.svg)"),
        "{committed}"
    );
    let svg = repo.blob("HEAD", chart);
    let svg = std::str::from_utf8(&svg).expect("utf-8 SVG");
    let document = roxmltree::Document::parse(svg).expect("the chart is XML");
    assert_eq!(document.root_element().tag_name().name(), "svg");
    assert!(
        svg.contains("2020-12-07") && svg.contains("2020-12-14"),
        "both weeks plotted"
    );
    assert_eq!(
        repo.read_bytes(chart),
        svg.as_bytes(),
        "working chart equals the committed one"
    );
    assert_eq!(repo.status(), "", "nothing left modified or staged");
    // `gitgoals stats --check` agrees with what the hook wrote, chart link included.
    repo.gitgoals_ok(&["stats", "--check", post]);

    // Nothing new to draw: neither the post nor the chart is rewritten.
    repo.write("notes.txt", "unrelated\n");
    repo.ok(&["add", "notes.txt"]);
    let before = commit_count(&repo);
    repo.commit_ok(&[]);
    assert_eq!(commit_count(&repo), before + 1);
    let changed = repo.ok(&["diff", "--name-only", "HEAD~1", "HEAD"]);
    assert_eq!(changed.trim(), "notes.txt");
}

#[test]
fn without_the_option_no_chart_is_written() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    assert!(!repo.dir.join("assets").exists());
    let committed = String::from_utf8(repo.blob("HEAD", POST)).expect("utf-8");
    assert!(!committed.contains("!["), "{committed}");
}

#[cfg(unix)]
#[test]
fn chart_folder_linked_out_of_the_work_tree_is_never_written() {
    let repo = Blog::new();
    let outside = tempfile::tempdir().expect("outside dir");
    std::os::unix::fs::symlink(outside.path(), repo.dir.join("assets")).expect("link");
    repo.write(".gitgoals.toml", "[stats]\nchart = true\n");
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", ".gitgoals.toml", POST]);
    let stderr = repo.commit_ok(&[]);
    assert!(stderr.contains("not a folder"), "{stderr}");
    assert_eq!(count(&stderr, "\n"), 1, "one line: {stderr}");
    assert_eq!(
        repo.read_bytes(POST),
        POST_TEXT.as_bytes(),
        "the post is left as it was"
    );
    assert_eq!(
        fs::read_dir(outside.path()).expect("outside").count(),
        0,
        "nothing written outside the work tree"
    );
}
