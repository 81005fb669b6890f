//! The hook in the setups people really have (issue 15, F9–F12): a sparse checkout with a
//! sparse index, cache writers killed mid-write, `stats --check` on a later day, and a hook
//! installed by a binary that is not on PATH. Every case drives the real `git` binary with the
//! machine's git configuration kept away ([`common::Isolated`]).

mod common;

use std::ffi::OsString;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chrono::{Duration, Local};
use common::blog::Blog;
use common::{GITGOALS, Isolated, finish};
use gitgoals::hook::{self, RunOptions};
use gitgoals::session::{Args as SessionArgs, Session};

const POST: &str = "_posts/2020-12-07-week.md";

const POST_TEXT: &str = "---\ntitle: Week 5\n---\n\nGoals I can finish by 2020-12-12.\n\n### Courses\n- [x] CS242 HW 1\n- [ ] Graphics homework 0, 3/5\n\n### Papers\n- [ ] PixelCNN++\n";

/// Commits what is staged (the hook runs) and returns git's stderr, where the hook speaks.
fn commit_through_the_hook(blog: &Blog, message: &str) -> String {
    let out = blog.git(&["commit", "-q", "-m", message]);
    assert!(
        out.status.success(),
        "commit failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// Where the cache lives.
fn cache_dir(blog: &Blog) -> PathBuf {
    blog.dir.join(".git").join("gitgoals")
}

/// The user's text of a committed post: everything before the stats block.
fn before_block(post: &str) -> &str {
    let at = post.find("<!-- gitgoals:stats").expect("a stats block");
    &post[..at]
}

// ---------------------------------------------------------------------------------------------
// F9: a sparse checkout with a sparse index

#[test]
fn f9_sparse_index_checkout_commit_gets_its_block_and_keeps_the_sparse_entries() {
    let blog = Blog::without_hook();
    blog.write(POST, POST_TEXT);
    blog.write("notes/ideas.md", "- [ ] not a post\n");
    blog.write("assets/style.css", "body {}\n");
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "posts and the rest"]);
    blog.gitgoals_ok(&["hook", "install"]);
    blog.ok(&[
        "sparse-checkout",
        "set",
        "--cone",
        "--sparse-index",
        "_posts",
    ]);
    let index = fs::read(blog.dir.join(".git/index")).expect("index");
    assert!(
        index.windows(4).any(|w| w == b"sdir"),
        "the precondition: git wrote a sparse index"
    );
    assert!(
        !blog.dir.join("notes").exists(),
        "notes/ is outside the cone"
    );

    let ticked = POST_TEXT.replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    blog.write(POST, &ticked);
    blog.ok(&["add", POST]);
    let stderr = commit_through_the_hook(&blog, "tick");
    assert_eq!(stderr, "", "the hook worked without a word");

    let committed = blog.committed(POST);
    assert_eq!(before_block(&committed), format!("{ticked}\n"));
    assert!(committed.contains("2 of 3 done"), "{committed}");
    assert_eq!(
        blog.read(POST),
        committed,
        "the working file carries the block"
    );
    assert_eq!(blog.ok(&["status", "--porcelain"]), "");
    // Nothing outside the cone was lost from the index or checked out.
    let tracked = blog.ok(&["ls-files", "--sparse"]);
    let all = blog.ok(&["ls-tree", "-r", "--name-only", "HEAD"]);
    assert!(all.contains("notes/ideas.md") && all.contains("assets/style.css"));
    assert!(
        tracked.contains("notes/") && tracked.contains("assets/"),
        "{tracked}"
    );
    assert!(!blog.dir.join("notes").exists(), "still outside the cone");
    blog.scratch
        .assert_block_agrees_with_history(&blog.dir, POST);

    // `commit -a` (a temporary index git builds from the sparse one) works too.
    let more = committed.replace("- [ ] Graphics homework 0", "- [x] Graphics homework 0");
    blog.write(POST, &more);
    let out = blog.git(&["commit", "-q", "-a", "-m", "tick again"]);
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    let committed = blog.committed(POST);
    assert!(committed.contains("3 of 3 done"), "{committed}");
    assert_eq!(blog.read(POST), committed);
    assert_eq!(blog.ok(&["status", "--porcelain"]), "");
    blog.scratch
        .assert_block_agrees_with_history(&blog.dir, POST);

    // `commit -- PATH` (a temporary index, and the sparse real one git keeps locked).
    blog.ok(&["sparse-checkout", "reapply"]);
    let unticked = committed.replace("- [x] CS242 HW 1", "- [ ] CS242 HW 1");
    blog.write(POST, &unticked);
    let out = blog.git(&["commit", "-q", "-m", "untick", "--", POST]);
    assert!(out.status.success());
    // (git itself hints that `commit PATH` expands a sparse index; the hook says nothing.)
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("gitgoals"), "{stderr}");
    let committed = blog.committed(POST);
    assert!(committed.contains("2 of 3 done"), "{committed}");
    assert_eq!(blog.read(POST), committed);
    assert_eq!(blog.ok(&["status", "--porcelain"]), "");
    blog.scratch
        .assert_block_agrees_with_history(&blog.dir, POST);
}

// ---------------------------------------------------------------------------------------------
// F10: temporaries of cache writers that were killed

/// A process id that no process has now: a child that has already ended.
fn dead_pid() -> u32 {
    let mut child = Command::new("true").spawn().expect("spawn true");
    let pid = child.id();
    child.wait().expect("wait");
    pid
}

#[test]
fn f10_temporaries_of_killed_cache_writers_are_removed_by_the_next_run() {
    let blog = Blog::without_hook();
    blog.write(POST, POST_TEXT);
    blog.ok(&["add", POST]);
    blog.ok(&["commit", "-q", "-m", "week"]);
    blog.gitgoals_ok(&["history"]);
    let cache = cache_dir(&blog);
    assert!(
        cache.join("cache-v1.bin").is_file(),
        "the cache was written"
    );

    // What a cold run killed mid-write leaves: a temporary named after its process, just
    // written (a kill a moment ago), of a good size.
    let junk = vec![0x5a_u8; 1 << 20];
    let dead: Vec<PathBuf> = (0..3)
        .map(|_| cache.join(format!("cache-v1.bin.{}.tmp", dead_pid())))
        .collect();
    for file in &dead {
        fs::write(file, &junk).expect("leave a temporary");
    }
    // A writer still at work (this test process is alive) is never disturbed, and files that
    // are not gitgoals' temporaries are left alone.
    let alive = cache.join(format!("cache-v1.bin.{}.tmp", std::process::id()));
    fs::write(&alive, b"being written").expect("live temporary");
    let other = cache.join("notes.tmp");
    fs::write(&other, b"someone else's").expect("other file");

    // A warm run: nothing to write, the history is read from the cache.
    blog.gitgoals_ok(&["history"]);
    for file in &dead {
        assert!(
            !file.exists(),
            "{} of a dead writer is still there",
            file.display()
        );
    }
    assert!(alive.exists(), "a live writer's temporary was removed");
    assert!(other.exists());

    // The same after a run that writes (a new commit, appended to the cache).
    let again = cache.join(format!("cache-v1.bin.{}.tmp", dead_pid()));
    fs::write(&again, &junk).expect("leave a temporary");
    blog.write(
        POST,
        POST_TEXT.replace("- [ ] PixelCNN++", "- [x] PixelCNN++"),
    );
    blog.ok(&["commit", "-q", "-a", "-m", "tick"]);
    blog.gitgoals_ok(&["log"]);
    assert!(!again.exists(), "{} is still there", again.display());
    assert!(alive.exists());
}

// ---------------------------------------------------------------------------------------------
// F11: the block is a function of the commit, not of the clock

#[test]
fn f11_stats_check_the_day_after_a_commit_still_passes() {
    let blog = Blog::without_hook();
    blog.gitgoals_ok(&["hook", "install"]);
    // A post of this week, due in three days: a countdown would read "3 days left" today.
    let today = Local::now().date_naive();
    let due = today + Duration::days(3);
    let post = format!("_posts/{}-week.md", today.format("%Y-%m-%d"));
    let text = format!(
        "---\ntitle: This week\n---\n\nGoals I can finish by {}.\n\n- [x] One 3/5\n- [ ] Two 4/5\n",
        due.format("%Y-%m-%d")
    );
    blog.write(&post, &text);
    blog.ok(&["add", &post]);
    // Committed at the real time, as the hook dates its block.
    let out = blog
        .scratch
        .command("git", &blog.dir, &["commit", "-q", "-m", "this week"])
        .output()
        .expect("commit");
    assert!(out.status.success());
    let committed = blog.committed(&post);
    assert_eq!(before_block(&committed), format!("{text}\n"));
    assert!(
        committed.contains(&format!("due {}", due.format("%Y-%m-%d"))),
        "the block states the due date:\n{committed}"
    );
    blog.scratch
        .assert_block_agrees_with_history(&blog.dir, &post);

    // `stats --check` as it runs on each of the next days, up to after the due date: nothing
    // changed, so nothing is stale.
    let session = Session::open(&SessionArgs {
        dir: Some(blog.dir.clone()),
        ..SessionArgs::default()
    })
    .expect("a session");
    let engine = session.engine().expect("history");
    for days_later in [1, 3, 4, 30] {
        let later = Local::now().fixed_offset() + Duration::days(days_later);
        let compute = hook::history_stats_with(
            &engine,
            engine.tip(),
            later,
            session.ledger,
            session.config.stats_forecast.value,
        );
        let report = hook::run_stats(&session, &[], true, &RunOptions::default(), &compute);
        assert!(
            report.failures.is_empty() && report.stale.is_empty(),
            "{days_later} days later: stale {:?}, failures {:?}",
            report.stale,
            report.failures
        );
    }
    assert_eq!(blog.read(&post), committed, "the check wrote nothing");
}

// ---------------------------------------------------------------------------------------------
// F12: a hook installed by a binary that is not on PATH

/// A PATH that has git and the shell tools but no gitgoals.
fn path_without_gitgoals() -> OsString {
    let gitgoals_dir = Path::new(GITGOALS).parent().expect("bin dir");
    let kept: Vec<PathBuf> = std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default())
        .filter(|dir| dir != gitgoals_dir && !dir.join("gitgoals").exists())
        .collect();
    std::env::join_paths(kept).expect("PATH")
}

/// Waits until `binary`, just written by this process, can be run. A program spawned by a
/// test on another thread while the copy was open holds the written file open until its own
/// exec, and running the copy meanwhile fails with "Text file busy".
fn wait_until_executable(binary: &Path) {
    for _ in 0..100 {
        match Command::new(binary).arg("--version").output() {
            Err(e) if e.kind() == std::io::ErrorKind::ExecutableFileBusy => {
                std::thread::sleep(std::time::Duration::from_millis(20))
            }
            Err(e) => panic!("cannot run {}: {e}", binary.display()),
            Ok(_) => return,
        }
    }
    panic!("{} stayed busy", binary.display());
}

#[test]
fn f12_hook_installed_by_a_binary_off_path_runs_that_binary() {
    let blog = Blog::without_hook();
    // A binary in a folder whose name needs quoting in a shell script.
    let elsewhere = blog.scratch.root.join("build dir/it's $HOME `here`");
    fs::create_dir_all(&elsewhere).expect("folder");
    let binary = elsewhere.join("gitgoals");
    fs::copy(GITGOALS, &binary).expect("copy the binary");
    wait_until_executable(&binary);
    let path = path_without_gitgoals();
    let on_path = Command::new("sh")
        .args(["-c", "command -v gitgoals"])
        .env("PATH", &path)
        .output()
        .expect("sh");
    assert!(
        !on_path.status.success(),
        "the precondition: no gitgoals on PATH"
    );

    let run = |program: &Path, args: &[&str]| -> Output {
        let mut cmd = Command::new(program);
        cmd.args(args)
            .current_dir(&blog.dir)
            .isolated(&blog.scratch.home)
            .env("PATH", &path);
        finish(&mut cmd)
    };
    let install = run(&binary, &["hook", "install"]);
    assert!(install.status.success());
    let said = String::from_utf8_lossy(&install.stdout);
    assert!(
        said.contains(&binary.display().to_string()),
        "install names the binary the hook runs: {said}"
    );
    let script = fs::read_to_string(blog.dir.join(".git/hooks/pre-commit")).expect("hook");
    let syntax = Command::new("sh")
        .arg("-n")
        .arg(blog.dir.join(".git/hooks/pre-commit"))
        .output()
        .expect("sh -n");
    assert!(syntax.status.success(), "not POSIX sh:\n{script}");

    blog.write(POST, POST_TEXT);
    blog.ok(&["add", POST]);
    let commit = run(Path::new("git"), &["commit", "-q", "-m", "week"]);
    assert!(commit.status.success());
    let stderr = String::from_utf8_lossy(&commit.stderr);
    assert_eq!(stderr, "", "the hook ran the binary that installed it");
    let committed = blog.committed(POST);
    assert_eq!(before_block(&committed), format!("{POST_TEXT}\n"));
    assert!(committed.contains("1 of 3 done"), "{committed}");
    assert_eq!(blog.read(POST), committed);
    blog.scratch
        .assert_block_agrees_with_history(&blog.dir, POST);

    // Installing again from the same binary changes nothing; a gitgoals on PATH still wins
    // when there is one (the tests' PATH has the built one first).
    let again = run(&binary, &["hook", "install"]);
    assert!(
        String::from_utf8_lossy(&again.stdout).starts_with("already installed"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
    blog.write(
        POST,
        committed.replace("- [ ] PixelCNN++", "- [x] PixelCNN++"),
    );
    blog.ok(&["add", POST]);
    assert_eq!(commit_through_the_hook(&blog, "tick"), "");
    assert!(blog.committed(POST).contains("2 of 3 done"));
    blog.scratch
        .assert_block_agrees_with_history(&blog.dir, POST);

    // Once that binary is gone too, the hook says so in one line and lets the commit through.
    fs::remove_file(&binary).expect("remove the binary");
    blog.write(
        POST,
        blog.read(POST).replace("### Papers", "### Papers to read"),
    );
    blog.ok(&["add", POST]);
    let gone = run(Path::new("git"), &["commit", "-q", "-m", "prose"]);
    assert!(gone.status.success());
    let stderr = String::from_utf8_lossy(&gone.stderr);
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("gitgoals"), "{stderr}");
}
