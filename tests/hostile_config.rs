//! A repository's `.gitgoals.toml` as someone might get it wrong, and the watcher running
//! while commits go through the hook. A mistake in the configuration is named (key, line) and
//! never blocks a commit; the watcher and the hook never trip over each other.

mod common;

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{GITGOALS, Scratch, assert_no_panic};

const POST: &str = "_posts/2020-12-07-week.md";

fn text(done: usize) -> String {
    let mut out = String::from("---\ntitle: Week\n---\n\nGoals by 2020-12-12.\n\n");
    for i in 0..6 {
        let mark = if i < done { "x" } else { " " };
        out.push_str(&format!("- [{mark}] goal {i}\n"));
    }
    out
}

/// A blog with one committed post and the hook installed.
fn blog(scratch: &Scratch) -> PathBuf {
    let dir = scratch.init("blog");
    fs::create_dir_all(dir.join("_posts")).expect("posts dir");
    fs::write(dir.join(POST), text(0)).expect("post");
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "plan"]);
    scratch.gitgoals(&dir, &["hook", "install"]).ok();
    dir
}

/// Commits a change to the post with `git commit -a`; returns git's stderr (where the hook's
/// lines go). Fails the test when the commit is blocked.
fn commit(scratch: &Scratch, dir: &Path, done: usize) -> String {
    let current = fs::read_to_string(dir.join(POST)).expect("post");
    let updated = current.replacen(
        &format!("- [ ] goal {}", done - 1),
        &format!("- [x] goal {}", done - 1),
        1,
    );
    fs::write(dir.join(POST), updated).expect("post");
    let output = scratch
        .command(
            "git",
            dir,
            &["commit", "-q", "-am", &format!("tick {done}")],
        )
        .output()
        .expect("git commit");
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "the commit was blocked: {stderr}");
    stderr
}

#[test]
fn unknown_keys_are_a_warning_naming_them_and_the_work_goes_on() {
    let scratch = Scratch::new();
    let dir = blog(&scratch);
    fs::write(
        dir.join(".gitgoals.toml"),
        "[hook]\nstrict = false\ncolour = \"red\"\n[statistics]\nshow = true\n",
    )
    .expect("config");
    let run = scratch.gitgoals(&dir, &["history"]).ok();
    assert!(run.stderr.contains("hook.colour"), "{}", run.stderr);
    assert!(run.stderr.contains("statistics"), "{}", run.stderr);
    assert!(run.stdout.contains("0/6"), "{}", run.stdout);
    commit(&scratch, &dir, 1);
    let committed = scratch.git(&dir, &["show", &format!("HEAD:{POST}")]);
    assert!(committed.contains("1 of 6 done"), "{committed}");
}

#[test]
fn wrong_types_are_an_error_naming_the_key_and_never_block_a_commit() {
    let scratch = Scratch::new();
    let dir = blog(&scratch);
    for (i, (config, key)) in [
        ("[hook]\nstrict = \"yes\"\n", "hook.strict"),
        ("[confidence]\nscale = \"five\"\n", "confidence.scale"),
        ("week_start = 3\n", "week_start"),
        ("[stats]\ntemplate = 7\n", "stats.template"),
        ("posts = { a = 1 }\n", "posts"),
    ]
    .into_iter()
    .enumerate()
    {
        fs::write(dir.join(".gitgoals.toml"), config).expect("config");
        let run = scratch.gitgoals(&dir, &["history"]).fails();
        assert!(run.stderr.contains(key), "{config}: {}", run.stderr);
        assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
        let said = commit(&scratch, &dir, i + 1);
        assert!(said.contains(key), "{config}: {said}");
        assert_eq!(said.lines().count(), 1, "{said}");
        // The post went in as written, without a block.
        let committed = scratch.git(&dir, &["show", &format!("HEAD:{POST}")]);
        assert!(!committed.contains("gitgoals:stats"), "{committed}");
    }
}

#[test]
fn a_broken_config_file_or_template_never_blocks_a_commit() {
    let scratch = Scratch::new();
    let dir = blog(&scratch);
    fs::write(dir.join("block.j2"), "{% for t in %}{{ t }}").expect("template");
    for (i, config) in [
        "[hook\nstrict = true\n",
        "[stats]\ntemplate = \"block.j2\"\n",
        "[stats]\ntemplate = \"missing.j2\"\n",
    ]
    .into_iter()
    .enumerate()
    {
        fs::write(dir.join(".gitgoals.toml"), config).expect("config");
        let said = commit(&scratch, &dir, i + 1);
        assert_eq!(said.lines().count(), 1, "{config}: {said}");
        assert!(said.starts_with("gitgoals:"), "{said}");
        let committed = scratch.git(&dir, &["show", &format!("HEAD:{POST}")]);
        assert!(!committed.contains("gitgoals:stats"), "{committed}");
        assert_eq!(
            fs::read_to_string(dir.join(POST)).expect("post"),
            committed,
            "the working file and the commit differ"
        );
    }
}

#[test]
fn the_watcher_and_the_hook_at_the_same_time_neither_breaks_the_other() {
    let scratch = Scratch::new();
    let dir = blog(&scratch);
    let mut watcher = scratch
        .command(GITGOALS, &dir, &["watch", "--format", "json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the watcher");
    // Let it set up its watches before the first commit.
    std::thread::sleep(Duration::from_millis(500));

    for done in 1..=4 {
        commit(&scratch, &dir, done);
        // The hook rewrote the file the watcher watches; edit again right away.
        std::thread::sleep(Duration::from_millis(50));
    }
    let committed = scratch.git(&dir, &["show", &format!("HEAD:{POST}")]);
    assert!(committed.contains("4 of 6 done"), "{committed}");
    assert_eq!(fs::read_to_string(dir.join(POST)).expect("post"), committed);
    assert!(scratch.git(&dir, &["status", "--porcelain"]).is_empty());
    // Give the watcher its debounce window to report the last commit.
    let deadline = Instant::now() + Duration::from_secs(3);
    while Instant::now() < deadline && watcher.try_wait().ok().flatten().is_none() {
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(
        watcher.try_wait().ok().flatten().is_none(),
        "the watcher stopped on its own"
    );
    let stopped = Command::new("kill")
        .args(["-TERM", &watcher.id().to_string()])
        .status()
        .expect("kill");
    assert!(stopped.success());
    let status = watcher.wait().expect("watcher exit");
    let mut stdout = String::new();
    let mut stderr = String::new();
    if let Some(mut out) = watcher.stdout.take() {
        let _ = out.read_to_string(&mut stdout);
    }
    if let Some(mut err) = watcher.stderr.take() {
        let _ = err.read_to_string(&mut stderr);
    }
    assert_no_panic(
        status.code(),
        format_args!("the watcher panicked: {stderr}"),
    );
    assert_eq!(status.code(), Some(0), "{stderr}");
    // Every tick was seen, once.
    for i in 0..4 {
        let ticks = stdout
            .lines()
            .filter(|l| l.contains("\"checked\"") && l.contains(&format!("goal {i}")))
            .count();
        assert!(ticks >= 1, "tick of goal {i} not reported:\n{stdout}");
    }
}
