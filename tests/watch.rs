//! `gitgoals watch` as a user runs it: the built binary watches a temporary repository while
//! the real `git` commits, amends and switches branches in it, and its JSON lines are read as
//! they come. Every wait has a deadline; none is a fixed sleep.

#![cfg(unix)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use common::{GITGOALS, Isolated as _, Scratch};
use serde_json::Value;
use tempfile::TempDir;

const DEADLINE: Duration = Duration::from_secs(20);
const POST: &str = "_posts/2021-01-04-week-5.md";

fn post(ticks: [bool; 4]) -> String {
    let mark = |done: bool| if done { "[x]" } else { "[ ]" };
    format!(
        "---\ntitle: Week 5 goals\n---\nFinish by 2021-01-10.\n\n## Courses\n\
         - {} Graphics homework 0\n- {} CS242 HW 1\n\n## Papers\n\
         - {} Read the WaveNet paper 3/5\n- {} Read the PixelCNN paper\n",
        mark(ticks[0]),
        mark(ticks[1]),
        mark(ticks[2]),
        mark(ticks[3]),
    )
}

/// A blog repository in a temporary directory, driven with the real `git`, kept away from
/// the machine's git configuration.
struct Blog {
    scratch: Scratch,
    dir: PathBuf,
    commits: u32,
}

impl Blog {
    fn new() -> Blog {
        let scratch = Scratch::new();
        let dir = scratch.init("blog");
        std::fs::create_dir(dir.join("_posts")).unwrap();
        Blog {
            scratch,
            dir,
            commits: 0,
        }
    }

    fn path(&self) -> &Path {
        &self.dir
    }

    fn git(&self, args: &[&str]) -> String {
        // Author dates are fixed so the commits are the same on every run; each commit gets
        // its own minute, so an amend makes a new commit id.
        let date = format!("2021-01-05T10:{:02}:00+01:00", self.commits % 60);
        let output = self
            .scratch
            .command("git", self.path(), args)
            .dated(&date)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    }

    fn write(&self, path: &str, text: &str) {
        std::fs::write(self.path().join(path), text).unwrap();
    }

    /// Writes the files and commits them; returns the new commit's id.
    fn commit(&mut self, files: &[(&str, &str)], message: &str) -> String {
        for (path, text) in files {
            self.write(path, text);
            self.git(&["add", path]);
        }
        self.commits += 1;
        self.git(&["commit", "-q", "-m", message]);
        self.head()
    }

    fn head(&self) -> String {
        self.git(&["rev-parse", "HEAD"])
    }
}

/// The watcher as a child process, its stdout read line by line on a thread.
struct Watcher {
    child: Child,
    lines: Receiver<String>,
}

impl Watcher {
    fn start(blog: &Blog, extra: &[&str]) -> Watcher {
        let mut child = Command::new(GITGOALS)
            .arg("-C")
            .arg(blog.path())
            .args(["watch", "--format", "json"])
            .args(extra)
            .isolated(&blog.scratch.home)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (sender, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if sender.send(line).is_err() {
                    break;
                }
            }
        });
        let mut watcher = Watcher { child, lines };
        let ready = watcher.next();
        assert_eq!(ready["type"], "ready", "{ready}");
        watcher
    }

    fn next_line(&mut self) -> String {
        match self.lines.recv_timeout(DEADLINE) {
            Ok(line) => line,
            Err(error) => panic!(
                "no output within {DEADLINE:?} ({error}); stderr: {}",
                self.stderr()
            ),
        }
    }

    fn next(&mut self) -> Value {
        let line = self.next_line();
        serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}"))
    }

    /// The next line about committed history: live (uncommitted) lines are skipped, since a
    /// file written just before `git commit` may or may not be seen as a save first.
    fn next_committed(&mut self) -> Value {
        loop {
            let value = self.next();
            if value["uncommitted"] != true {
                return value;
            }
        }
    }

    /// Committed lines up to and including the next progress line.
    fn committed_batch(&mut self) -> Vec<Value> {
        let mut batch = Vec::new();
        loop {
            let value = self.next_committed();
            let done = value["type"] == "progress";
            batch.push(value);
            if done {
                return batch;
            }
        }
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args(["-s", name, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
    }

    fn wait(&mut self) -> ExitStatus {
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < DEADLINE,
                "the watcher did not stop within {DEADLINE:?}"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    fn stderr(&mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let mut text = String::new();
        if let Some(mut stderr) = self.child.stderr.take() {
            use std::io::Read;
            let _ = stderr.read_to_string(&mut text);
        }
        text
    }
}

impl Drop for Watcher {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn events(batch: &[Value]) -> Vec<(String, String)> {
    batch
        .iter()
        .filter(|v| v["type"] == "event")
        .map(|v| {
            (
                v["kind"].as_str().unwrap().to_string(),
                v["task"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, t)| (k.to_string(), t.to_string()))
        .collect()
}

fn started_blog() -> (Blog, Watcher) {
    let mut blog = Blog::new();
    blog.commit(&[(POST, &post([false; 4]))], "Week 5 goals");
    let watcher = Watcher::start(&blog, &[]);
    (blog, watcher)
}

#[test]
fn a_commit_that_ticks_two_tasks_prints_two_checked_events_and_the_progress() {
    let (mut blog, mut watcher) = started_blog();
    let id = blog.commit(&[(POST, &post([true, false, true, false]))], "two done");

    let batch = watcher.committed_batch();
    assert_eq!(
        events(&batch),
        pairs(&[
            ("checked", "Graphics homework 0"),
            ("checked", "Read the WaveNet paper")
        ])
    );
    for event in batch.iter().filter(|v| v["type"] == "event") {
        assert_eq!(event["commit"], id.as_str());
        assert_eq!(event["post"], POST);
        assert_eq!(event["title"], "Week 5 goals");
        assert_eq!(event["uncommitted"], false);
        assert_eq!(event["time"], "2021-01-05T10:02:00+01:00");
    }
    let progress = batch.last().unwrap();
    assert_eq!(progress["done"], 2);
    assert_eq!(progress["total"], 4);
    assert_eq!(progress["uncommitted"], false);
}

#[test]
fn a_commit_touching_no_post_prints_nothing() {
    let (mut blog, mut watcher) = started_blog();
    blog.commit(&[("about.md", "# About\n- [ ] not a post\n")], "about page");
    let ticked = blog.commit(&[(POST, &post([false, true, false, false]))], "HW done");

    // Had the first commit printed anything, it would come before this.
    let first = watcher.next_committed();
    assert_eq!(first["type"], "event", "{first}");
    assert_eq!(first["task"], "CS242 HW 1");
    assert_eq!(first["commit"], ticked.as_str());
}

#[test]
fn an_amend_prints_only_what_it_adds() {
    let (mut blog, mut watcher) = started_blog();
    blog.commit(&[(POST, &post([true, false, false, false]))], "graphics");
    assert_eq!(
        events(&watcher.committed_batch()),
        pairs(&[("checked", "Graphics homework 0")])
    );

    blog.write(POST, &post([true, false, false, true]));
    blog.commits += 1;
    blog.git(&[
        "commit",
        "-q",
        "--amend",
        "-a",
        "-m",
        "graphics and pixelcnn",
    ]);
    let amended = blog.head();

    let batch = watcher.committed_batch();
    assert_eq!(batch[0]["type"], "rewrite", "{:?}", batch);
    assert_eq!(batch[0]["to"], amended.as_str());
    assert_eq!(
        events(&batch),
        pairs(&[("checked", "Read the PixelCNN paper")])
    );
    assert_eq!(batch.last().unwrap()["done"], 2);

    // Amended again: the watcher takes back the amended commit as it took back the first.
    blog.write(POST, &post([true, true, false, true]));
    blog.commits += 1;
    blog.git(&["commit", "-q", "--amend", "-a", "-m", "three ticks"]);
    let batch = watcher.committed_batch();
    assert_eq!(batch[0]["type"], "rewrite", "{:?}", batch);
    assert_eq!(batch[0]["to"], blog.head().as_str());
    assert_eq!(events(&batch), pairs(&[("checked", "CS242 HW 1")]));
    assert_eq!(batch.last().unwrap()["done"], 3);
}

#[test]
fn a_branch_switch_shows_the_other_branch_differences_once() {
    let mut blog = Blog::new();
    blog.commit(&[(POST, &post([false; 4]))], "Week 5 goals");
    blog.git(&["branch", "papers"]);
    blog.commit(&[(POST, &post([true, false, false, false]))], "graphics");
    blog.git(&["checkout", "-q", "papers"]);
    blog.commit(&[(POST, &post([false, false, true, true]))], "papers");
    blog.git(&["checkout", "-q", "main"]);
    let mut watcher = Watcher::start(&blog, &[]);

    blog.git(&["checkout", "-q", "papers"]);
    let batch = watcher.committed_batch();
    assert_eq!(batch[0]["type"], "rewrite");
    assert_eq!(batch[0]["branch"], "papers");
    assert_eq!(
        events(&batch),
        pairs(&[
            ("checked", "Read the WaveNet paper"),
            ("checked", "Read the PixelCNN paper")
        ])
    );

    // Back to main, then to papers again: everything there has been shown already.
    blog.git(&["checkout", "-q", "main"]);
    let back = watcher.next_committed();
    assert_eq!(back["type"], "rewrite", "{back}");
    assert_eq!(back["branch"], "main");
    blog.git(&["checkout", "-q", "papers"]);
    let again = watcher.next_committed();
    assert_eq!(again["type"], "rewrite", "{again}");
    assert_eq!(again["branch"], "papers");
    let id = blog.commit(&[(POST, &post([false, true, true, true]))], "HW");
    let next = watcher.next_committed();
    assert_eq!(next["type"], "event", "{next}");
    assert_eq!(next["task"], "CS242 HW 1");
    assert_eq!(next["commit"], id.as_str());
}

#[test]
fn a_draft_published_with_a_tick_prints_only_the_tick() {
    let mut blog = Blog::new();
    std::fs::create_dir(blog.path().join("_drafts")).unwrap();
    blog.commit(&[("_drafts/week-5.md", &post([false; 4]))], "draft");
    let mut watcher = Watcher::start(&blog, &[]);

    blog.git(&["mv", "_drafts/week-5.md", POST]);
    let id = blog.commit(&[(POST, &post([true, false, false, false]))], "publish");
    let batch = watcher.committed_batch();
    assert_eq!(events(&batch), pairs(&[("checked", "Graphics homework 0")]));
    assert_eq!(batch[0]["post"], POST);
    assert_eq!(batch[0]["commit"], id.as_str());
}

#[test]
fn a_merged_branch_tick_is_printed_once_dated_by_the_branch_commit() {
    let mut blog = Blog::new();
    blog.commit(&[(POST, &post([false; 4]))], "Week 5 goals");
    blog.git(&["checkout", "-q", "-b", "papers"]);
    let on_branch = blog.commit(&[(POST, &post([false, false, true, false]))], "paper");
    blog.git(&["checkout", "-q", "main"]);
    blog.commit(&[("about.md", "# About\n")], "about");
    let mut watcher = Watcher::start(&blog, &[]);

    blog.commits += 1;
    blog.git(&["merge", "-q", "--no-ff", "-m", "merge papers", "papers"]);
    let batch = watcher.committed_batch();
    assert_eq!(
        events(&batch),
        pairs(&[("checked", "Read the WaveNet paper")])
    );
    assert_eq!(batch[0]["commit"], on_branch.as_str());
    assert_eq!(batch.last().unwrap()["commit"], blog.head().as_str());
}

#[test]
fn a_saved_post_shows_live_progress_marked_uncommitted() {
    let (blog, mut watcher) = started_blog();
    blog.write(POST, &post([false, true, false, false]));

    let event = watcher.next();
    assert_eq!(event["type"], "event", "{event}");
    assert_eq!(event["kind"], "checked");
    assert_eq!(event["task"], "CS242 HW 1");
    assert_eq!(event["uncommitted"], true);
    assert_eq!(event["commit"], Value::Null);
    let progress = watcher.next();
    assert_eq!(progress["type"], "progress", "{progress}");
    assert_eq!(progress["uncommitted"], true);
    assert_eq!(progress["uncommitted_ticks"], 1);
    assert_eq!(progress["done"], 1);
    assert_eq!(progress["total"], 4);

    // An editor's swap file and a save that leaves the tasks as they were say nothing; the
    // next tick is the next line, and only the new tick is an event.
    blog.write("_posts/.2021-01-04-week-5.md.swp", "swap");
    blog.write(
        POST,
        &(post([false, true, false, false]) + "\nSome prose.\n"),
    );
    blog.write(POST, &post([true, true, false, false]));
    let event = watcher.next();
    assert_eq!(event["task"], "Graphics homework 0", "{event}");
    assert_eq!(event["uncommitted"], true);
    let progress = watcher.next();
    assert_eq!(progress["type"], "progress", "{progress}");
    assert_eq!(progress["uncommitted_ticks"], 2);
}

#[test]
fn sigterm_and_ctrl_c_stop_it_cleanly() {
    for signal in ["TERM", "INT"] {
        let (_blog, mut watcher) = started_blog();
        watcher.signal(signal);
        let status = watcher.wait();
        assert_eq!(status.code(), Some(0), "SIG{signal}: {status}");
    }
}

#[test]
fn a_removed_repository_is_reported_and_ends_the_watch_with_failure() {
    let (blog, mut watcher) = started_blog();
    std::fs::remove_dir_all(blog.path().join(".git")).unwrap();
    let status = watcher.wait();
    assert_eq!(status.code(), Some(1));
    let stderr = watcher.stderr();
    assert!(stderr.contains("repository is gone"), "{stderr}");
}

#[test]
fn exec_runs_after_each_batch_with_the_batch_on_stdin() {
    let mut blog = Blog::new();
    blog.commit(&[(POST, &post([false; 4]))], "Week 5 goals");
    let mut watcher = Watcher::start(&blog, &["--exec", "sed 's/^/exec: /'"]);
    blog.commit(&[(POST, &post([false, false, false, true]))], "pixelcnn");

    let mut printed = Vec::new();
    let mut fed = Vec::new();
    while fed.len() < printed.len() || printed.is_empty() {
        let line = watcher.next_line();
        match line.strip_prefix("exec: ") {
            Some(json) => fed.push(json.to_string()),
            None => printed.push(line),
        }
    }
    // Live lines may come in a batch of their own before the commit's; each batch is fed
    // whole, in order.
    assert_eq!(fed, printed);
}

#[test]
fn outside_a_repository_it_says_so() {
    let dir = TempDir::new().unwrap();
    let output = Command::new(GITGOALS)
        .arg("-C")
        .arg(dir.path())
        .args(["watch"])
        .env(
            "GIT_CEILING_DIRECTORIES",
            dir.path().parent().unwrap_or(dir.path()),
        )
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("is not in a git repository"), "{stderr}");
}

#[test]
fn a_watch_started_from_a_warm_cache_reports_new_commits_and_nothing_old() {
    let mut blog = Blog::new();
    blog.commit(
        &[(POST, &post([true, false, false, false]))],
        "Week 5 goals",
    );
    // Another command fills the cache first; the watcher starts from it.
    let status = Command::new(GITGOALS)
        .arg("-C")
        .arg(blog.path())
        .arg("tasks")
        .isolated(&blog.scratch.home)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success());
    assert!(
        blog.path().join(".git/gitgoals").is_dir(),
        "no cache written"
    );

    let mut watcher = Watcher::start(&blog, &[]);
    blog.commit(&[(POST, &post([true, true, false, false]))], "HW done");
    let batch = watcher.committed_batch();
    assert_eq!(events(&batch), pairs(&[("checked", "CS242 HW 1")]));
}

/// The case: with `confidence.scale = 10` and a pattern of one's own, a task's
/// rating is not part of its title, in the live view of a save as in `tasks` and `log`.
/// (The watcher once read saved posts with the default scale and pattern, so a live event
/// named the task `Run 10k (7 of 10)` where the history says `Run 10k`, rated 7.)
#[test]
fn live_events_read_ratings_with_the_configured_scale_and_pattern() {
    const CONFIG: &str = "[confidence]\nscale = 10\npattern = \"({n} of {scale})\"\n";
    let rated = |run_ticked: bool, with_paper: bool| {
        let mut text = format!(
            "---\ntitle: Week 5 goals\n---\n## Training\n\
             - [{}] Run 10k (7 of 10)\n- [x] Stretch daily (9 of 10)\n- [ ] Swim\n",
            if run_ticked { "x" } else { " " }
        );
        if with_paper {
            text.push_str("\n## Papers\n- [ ] Read the WaveNet paper (10 of 10)\n");
        }
        text
    };
    let mut blog = Blog::new();
    blog.commit(
        &[(".gitgoals.toml", CONFIG), (POST, &rated(false, false))],
        "Week 5 goals",
    );
    let mut watcher = Watcher::start(&blog, &[]);

    // Saved, not committed: a tick and a new rated task.
    blog.write(POST, &rated(true, true));
    let mut live = Vec::new();
    let live_progress = loop {
        let line = watcher.next();
        assert_eq!(line["uncommitted"], true, "{line}");
        if line["type"] == "progress" {
            break line;
        }
        live.push(line);
    };

    // The same content committed.
    blog.git(&["add", POST]);
    blog.commits += 1;
    blog.git(&["commit", "-q", "-m", "ran, and a paper"]);
    let head = blog.head();
    let batch = watcher.committed_batch();
    let committed: Vec<Value> = batch
        .iter()
        .filter(|v| v["type"] == "event")
        .cloned()
        .collect();
    let committed_progress = batch.last().unwrap();

    // What the history reports for the same repository, read afresh.
    let json = |args: &[&str]| -> Vec<Value> {
        let args = [&["--no-cache"], args].concat();
        let stdout = blog.scratch.gitgoals(blog.path(), &args).ok().stdout;
        serde_json::Deserializer::from_str(&stdout)
            .into_iter::<Value>()
            .map(Result::unwrap)
            .collect()
    };
    let tasks = json(&["tasks", "--format", "json"]).remove(0);
    let ratings: Vec<(String, Value)> = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["text"].as_str().unwrap().to_string(),
                t["confidence"].clone(),
            )
        })
        .collect();
    assert_eq!(
        ratings,
        [
            ("Run 10k".to_string(), Value::from(7)),
            ("Stretch daily".to_string(), Value::from(9)),
            ("Swim".to_string(), Value::Null),
            ("Read the WaveNet paper".to_string(), Value::from(10)),
        ],
        "the history reads the configured ratings: {tasks}"
    );
    let logged: Vec<(String, String)> = json(&["log", "--format", "json"])
        .iter()
        .filter(|e| e["commit"] == head.as_str())
        .map(|e| {
            (
                e["kind"].as_str().unwrap().to_string(),
                e["task"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let sorted = |mut list: Vec<(String, String)>| {
        list.sort();
        list
    };
    let expected = pairs(&[("added", "Read the WaveNet paper"), ("checked", "Run 10k")]);
    assert_eq!(sorted(logged), expected, "log of {head}");

    // The live events of the save and the events of the commit are the history's: same
    // kinds, same titles, no rating left in a title.
    assert_eq!(sorted(events(&live)), expected, "live: {live:?}");
    assert_eq!(
        sorted(events(&committed)),
        expected,
        "committed: {committed:?}"
    );
    let known: Vec<&str> = ratings.iter().map(|(text, _)| text.as_str()).collect();
    for event in live.iter().chain(&committed) {
        let task = event["task"].as_str().unwrap();
        assert!(
            known.contains(&task),
            "{task:?} is not a task of tasks: {event}"
        );
        assert!(
            !task.contains(" of 10"),
            "the rating stayed in the title: {event}"
        );
        assert_eq!(event["post"], POST);
        assert_eq!(event["title"], "Week 5 goals");
    }
    for event in &live {
        let section = if event["task"] == "Run 10k" {
            "Training"
        } else {
            "Papers"
        };
        assert_eq!(event["section"], section, "{event}");
    }
    for event in &committed {
        assert_eq!(event["commit"], head.as_str());
        // A committed tick names the section the task stands in, as a live one does.
        let section = if event["task"] == "Run 10k" {
            "Training"
        } else {
            "Papers"
        };
        assert_eq!(event["section"], section, "{event}");
    }

    // Progress live and committed counts what history counts for the post.
    let history = json(&["history", "--format", "json"]).remove(0);
    let post = &history["posts"][0];
    assert_eq!(post["path"], POST);
    for progress in [&live_progress, committed_progress] {
        assert_eq!(progress["done"], post["done"], "{progress} vs {post}");
        assert_eq!(progress["total"], post["tasks"], "{progress} vs {post}");
    }
    assert_eq!(live_progress["uncommitted_ticks"], 1);
    assert_eq!(live_progress["uncommitted_changes"], 2);
    assert_eq!(committed_progress["commit"], head.as_str());
}
