//! Fitting in: blog engines' folder layouts, task formats from Obsidian Tasks and bullet
//! journals, the configuration's precedence, and the shell side (completions, man page,
//! colour, a closed pipe). Each test drives the real binary on a temporary repository made
//! with the real `git`, kept away from the machine's git configuration.

mod common;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

use common::{GITGOALS, Isolated as _, Scratch, finish};
use serde_json::Value;

struct Blog {
    scratch: Scratch,
    dir: PathBuf,
}

impl Blog {
    fn new() -> Blog {
        let scratch = Scratch::new();
        let dir = scratch.init("blog");
        Blog { scratch, dir }
    }

    /// Colour is left to each test: none inherited from the shell running the tests.
    fn command(&self, program: &str, args: &[&str]) -> Command {
        let mut cmd = self.scratch.command(program, &self.dir, args);
        cmd.env_remove("NO_COLOR").env_remove("CLICOLOR_FORCE");
        cmd
    }

    fn git(&self, args: &[&str]) {
        let out = self.command("git", args).output().expect("run git");
        assert!(
            out.status.success(),
            "git {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn write(&self, path: &str, text: impl AsRef<[u8]>) {
        let file = self.dir.join(path);
        if let Some(parent) = file.parent() {
            fs::create_dir_all(parent).expect("parent dir");
        }
        fs::write(file, text).expect("write");
    }

    /// Commits everything, authored and committed at `date` (RFC 3339).
    fn commit(&self, date: &str) {
        self.git(&["add", "-A"]);
        let out = self
            .command("git", &["commit", "-q", "-m", "goals"])
            .dated(date)
            .output()
            .expect("git commit");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    fn gitgoals(&self, args: &[&str]) -> Output {
        finish(&mut self.command(GITGOALS, args))
    }

    fn stdout_ok(&self, args: &[&str]) -> String {
        let out = self.gitgoals(args);
        assert!(
            out.status.success(),
            "gitgoals {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout).expect("UTF-8 output")
    }

    /// The tasks `tasks --format json` gives, with `args` added.
    fn tasks(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["tasks", "--format", "json"];
        all.extend_from_slice(args);
        let doc: Value = serde_json::from_str(&self.stdout_ok(&all)).expect("JSON");
        doc["tasks"].as_array().expect("tasks").clone()
    }

    /// The tasks' titles, in `tasks`' order.
    fn task_titles(&self, args: &[&str]) -> Vec<String> {
        self.tasks(args)
            .iter()
            .filter_map(|t| t["text"].as_str().map(str::to_string))
            .collect()
    }

    fn history(&self, args: &[&str]) -> Vec<Value> {
        let mut all = vec!["history", "--format", "json"];
        all.extend_from_slice(args);
        let doc: Value = serde_json::from_str(&self.stdout_ok(&all)).expect("JSON");
        doc["posts"].as_array().expect("posts").clone()
    }
}

fn paths_and_dates(posts: &[Value]) -> Vec<(String, String)> {
    posts
        .iter()
        .map(|p| {
            (
                p["path"].as_str().unwrap_or_default().to_string(),
                p["date"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

const GOALS: &str = "- [x] Read a paper\n- [ ] Write the report\n";

#[test]
fn jekyll_posts_and_drafts_with_yaml() {
    let blog = Blog::new();
    blog.write(
        "_posts/2024-01-08-week-1.md",
        format!("---\ntitle: W1\n---\n{GOALS}"),
    );
    blog.write(
        "_drafts/2024-01-15-week-2.md",
        format!("---\ntitle: W2\n---\n{GOALS}"),
    );
    blog.write("about.md", GOALS);
    blog.commit("2024-01-08T10:00:00+00:00");
    assert_eq!(
        paths_and_dates(&blog.history(&[])),
        [
            ("_posts/2024-01-08-week-1.md".into(), "2024-01-08".into()),
            ("_drafts/2024-01-15-week-2.md".into(), "2024-01-15".into()),
        ]
    );
}

#[test]
fn hugo_content_with_toml_and_yaml_front_matter() {
    let blog = Blog::new();
    blog.write(
        "content/posts/first-week.md",
        format!("+++\ntitle = \"First\"\ndate = 2024-01-08T09:00:00Z\n+++\n{GOALS}"),
    );
    blog.write(
        "content/posts/second-week/index.md",
        format!("---\ntitle: Second\ndate: 2024-01-15\n---\n{GOALS}"),
    );
    blog.write("README.md", GOALS);
    blog.commit("2024-01-16T10:00:00+00:00");
    let posts = blog.history(&[]);
    assert_eq!(
        paths_and_dates(&posts),
        [
            ("content/posts/first-week.md".into(), "2024-01-08".into()),
            (
                "content/posts/second-week/index.md".into(),
                "2024-01-15".into()
            ),
        ]
    );
    assert_eq!(posts[0]["title"], "First");
}

#[test]
fn zola_content_with_toml_front_matter() {
    let blog = Blog::new();
    blog.write(
        "content/blog/2024-01-22-goals.md",
        format!("+++\ntitle = \"Goals\"\ndate = 2024-01-22\n[taxonomies]\ntags = [\"goals\"]\n+++\n{GOALS}"),
    );
    blog.write(
        "content/_index.md",
        "+++\ntitle = \"Blog\"\n+++\nNo tasks here.\n",
    );
    blog.commit("2024-01-22T10:00:00+00:00");
    assert_eq!(
        paths_and_dates(&blog.history(&[])),
        [(
            "content/blog/2024-01-22-goals.md".into(),
            "2024-01-22".into()
        )]
    );
}

#[test]
fn eleventy_posts_and_astro_src_posts() {
    let blog = Blog::new();
    blog.write("posts/2024-01-08-one.md", GOALS);
    blog.write("src/posts/2024-01-15-two.md", GOALS);
    blog.write("src/components/Todo.md", GOALS);
    blog.commit("2024-01-15T10:00:00+00:00");
    assert_eq!(
        paths_and_dates(&blog.history(&[])),
        [
            ("posts/2024-01-08-one.md".into(), "2024-01-08".into()),
            ("src/posts/2024-01-15-two.md".into(), "2024-01-15".into()),
        ]
    );

    // Astro alone.
    let astro = Blog::new();
    astro.write("src/posts/2024-02-05-goals.md", GOALS);
    astro.write("src/pages/todo.md", GOALS);
    astro.commit("2024-02-05T10:00:00+00:00");
    assert_eq!(
        paths_and_dates(&astro.history(&[])),
        [("src/posts/2024-02-05-goals.md".into(), "2024-02-05".into())]
    );
}

#[test]
fn obsidian_vault_reads_daily_and_weekly_notes_only() {
    let blog = Blog::new();
    blog.write(".obsidian/app.json", "{}\n");
    blog.write("Daily/2024-01-16.md", GOALS);
    blog.write("Weekly/2024-W04.md", GOALS);
    blog.write("Projects/Thesis.md", GOALS);
    blog.commit("2024-01-22T10:00:00+00:00");
    assert_eq!(
        paths_and_dates(&blog.history(&[])),
        [
            ("Daily/2024-01-16.md".into(), "2024-01-16".into()),
            // ISO week 4 of 2024 starts on Monday 22 January.
            ("Weekly/2024-W04.md".into(), "2024-01-22".into()),
        ]
    );
    // With weeks starting on Sunday, the weekly note is dated the Sunday before.
    let posts = blog.history(&["-c", "week_start=sunday"]);
    assert_eq!(posts[1]["date"], "2024-01-21");
}

/// A weekly note as people keep them in a vault: statuses of Obsidian Tasks, a comment block
/// of ideas not yet goals, an inline aside, and a `%%` shown in code.
const VAULT_WEEK: &str = "---\ndue: 2024-01-28\n---\n\
## Goals\n\
- [x] Write the chapter outline\n\
- [/] Port the parser %% started on Tuesday %%\n\
- [-] Learn Haskell\n\
- [?] Ask about the grant\n\
- [ ] Fix the bike\n\
%%\n\
Maybe later:\n\
- [ ] Learn Go\n\
- [ ] Build a shed\n\
%%\n\
Use `%%` to hide text.\n\
- [x] Book the train %% booked early %%\n";

#[test]
fn obsidian_vault_reads_tasks_as_obsidian_does() {
    let blog = Blog::new();
    blog.write(".obsidian/app.json", "{}\n");
    blog.write("Weekly/2024-W04.md", VAULT_WEEK);
    blog.commit("2024-01-22T10:00:00+00:00");

    let posts = blog.history(&[]);
    let week = &posts[0];
    // Six tasks: the two inside the comment are hidden; `[/]` and `[?]` are open.
    assert_eq!(week["tasks"], 6);
    assert_eq!(week["done"], 2);
    assert_eq!(week["open"], 3);
    assert_eq!(week["cancelled"], 1);
    // Completion leaves the cancelled task out: 2 of 5.
    assert_eq!(week["completion"], 0.4);
    assert_eq!(
        blog.task_titles(&[]),
        [
            "Write the chapter outline",
            "Port the parser",
            "Learn Haskell",
            "Ask about the grant",
            "Fix the bike",
            "Book the train"
        ]
    );

    // `format = "markdown"` reads the same note as plain Markdown: the comment is text, and
    // only `[-]` of the extra boxes is a task.
    let plain = blog.history(&["-c", "format=markdown"]);
    assert_eq!(plain[0]["tasks"], 6);
    assert_eq!(plain[0]["done"], 2);
    assert_eq!(plain[0]["open"], 3);

    // Other status characters are configured in `.gitgoals.toml`.
    blog.write(
        ".gitgoals.toml",
        "[statuses]\ndone = \"/\"\nignored = [\"?\"]\n",
    );
    blog.commit("2024-01-23T10:00:00+00:00");
    let configured = blog.history(&[]);
    assert_eq!(configured[0]["tasks"], 5);
    assert_eq!(configured[0]["done"], 3);
    let shown = blog.stdout_ok(&["config"]);
    assert!(
        shown
            .lines()
            .any(|l| l.starts_with("statuses.done = \"/\"") && l.ends_with("# file")),
        "{shown}"
    );
    assert!(shown.contains("format = \"auto\""), "{shown}");
}

#[test]
fn format_obsidian_reads_obsidian_outside_a_vault_and_bad_statuses_are_refused() {
    let blog = Blog::new();
    blog.write("_posts/2024-01-22-week.md", VAULT_WEEK);
    blog.commit("2024-01-22T10:00:00+00:00");
    // No vault: plain Markdown, where the commented tasks count and `[/]` is no box.
    let plain = blog.task_titles(&[]);
    assert!(plain.contains(&"Learn Go".to_string()), "{plain:?}");
    assert!(!plain.contains(&"Port the parser".to_string()), "{plain:?}");
    let obsidian = blog.task_titles(&["-c", "format=obsidian"]);
    assert!(!obsidian.contains(&"Learn Go".to_string()), "{obsidian:?}");
    assert!(
        obsidian.contains(&"Port the parser".to_string()),
        "{obsidian:?}"
    );
    let bad = blog.gitgoals(&["-c", "statuses.open=x", "history"]);
    assert!(!bad.status.success());
    let err = String::from_utf8_lossy(&bad.stderr);
    assert!(err.contains("statuses.open"), "{err}");
    let bad = blog.gitgoals(&["-c", "format=roam", "history"]);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("auto, markdown or obsidian"));
}

#[test]
fn obsidian_tasks_done_dates_and_statuses_count() {
    let blog = Blog::new();
    let first = "---\ndue: 2024-01-14\n---\n\
- [ ] Ship the draft\n\
- [ ] Call the bank\n\
- [ ] Learn Go\n\
- [ ] Fix the bike\n\
- [ ] Review PR 📅 2024-01-10\n";
    blog.write("_posts/2024-01-08-week.md", first);
    blog.commit("2024-01-08T09:00:00+00:00");
    // Ticked in a commit made after the due date, but Obsidian Tasks says when it was done.
    let later = "---\ndue: 2024-01-14\n---\n\
- [x] Ship the draft ✅ 2024-01-12\n\
- [x] Call the bank\n\
- [-] Learn Go\n\
- [>] Fix the bike\n\
- [x] Review PR 📅 2024-01-10 ✅ 2024-01-11\n";
    blog.write("_posts/2024-01-08-week.md", later);
    blog.commit("2024-01-20T09:00:00+00:00");

    let posts = blog.history(&[]);
    let week = &posts[0];
    assert_eq!(week["tasks"], 5);
    assert_eq!(week["done"], 3);
    assert_eq!(week["cancelled"], 1);
    assert_eq!(week["forwarded"], 1);
    assert_eq!(week["open"], 1);
    // ✅ 2024-01-12 is on time; "Call the bank" was ticked on the 20th, after the due date;
    // "Review PR" was due on the 10th and done on the 11th, late.
    assert_eq!(week["done_on_time"], 1);
    assert_eq!(week["completion"], 0.75);
    // The tasks keep their titles through the new marks and dates: no task was replaced.
    assert_eq!(week["removed"], 0);
    assert_eq!(week["planned"], 5);

    assert_eq!(
        blog.task_titles(&[]),
        [
            "Ship the draft",
            "Call the bank",
            "Learn Go",
            "Fix the bike",
            "Review PR"
        ]
    );

    // The done date a person wrote is shown beside the commit that checked the task, with
    // which of the two decided on-time.
    let list = blog.tasks(&[]);
    let fields = |i: usize| {
        (
            list[i]["done_date"].clone(),
            list[i]["on_time"].clone(),
            list[i]["on_time_by"].clone(),
        )
    };
    assert_eq!(
        fields(0),
        (
            Value::from("2024-01-12"),
            Value::from(true),
            Value::from("done_date")
        )
    );
    assert_eq!(
        fields(1),
        (Value::Null, Value::from(false), Value::from("commit"))
    );
    assert_eq!(fields(2), (Value::Null, Value::Null, Value::Null));
    assert_eq!(
        fields(4),
        (
            Value::from("2024-01-11"),
            Value::from(false),
            Value::from("done_date")
        )
    );
    let checked = |i: usize| list[i]["events"][1].clone();
    assert_eq!(checked(0)["kind"], "checked");
    assert_eq!(checked(0)["done_date"], "2024-01-12");
    assert_eq!(checked(1)["done_date"], Value::Null);
    let text = blog.stdout_ok(&["--color", "never", "tasks"]);
    assert!(text.contains("(✅ 2024-01-12)"), "{text}");
    let log = blog.stdout_ok(&["--color", "never", "log"]);
    let line = log
        .lines()
        .find(|l| l.contains("checked") && l.contains("Ship the draft"))
        .expect("the tick in the log");
    assert!(line.contains("✅ 2024-01-12"), "{log}");
    let review = log
        .lines()
        .find(|l| l.contains("checked") && l.contains("Call the bank"))
        .expect("the tick in the log");
    assert!(!review.contains('✅'), "{log}");
    let json_log = blog.stdout_ok(&["log", "--format", "json"]);
    assert!(
        json_log
            .lines()
            .any(|l| l.contains("\"Ship the draft\"") && l.contains("\"done_date\":\"2024-01-12\"")),
        "{json_log}"
    );
}

#[test]
fn tasks_open_lists_a_carried_goal_once_and_csv_and_markdown_are_offered() {
    let blog = Blog::new();
    blog.write(
        "_posts/2024-01-08-a.md",
        "- [ ] Implement BPE\n- [ ] Call the bank\n- [x] Run\n",
    );
    blog.commit("2024-01-08T09:00:00+00:00");
    // Both open goals carried; one is finished in the new week.
    blog.write(
        "_posts/2024-01-15-b.md",
        "- [x] Implement BPE continued\n- [ ] Call the bank again\n- [ ] Read, think \"hard\"\n",
    );
    blog.commit("2024-01-15T09:00:00+00:00");
    let open = blog.stdout_ok(&["--color", "never", "tasks", "--open"]);
    // The old week's copies are not open goals any more: only the new week is listed.
    assert!(!open.contains("2024-01-08"), "{open}");
    assert!(!open.contains("Implement BPE"), "{open}");
    assert!(open.contains("· Call the bank again"), "{open}");
    assert!(open.contains("· Read, think"), "{open}");
    // The marks are explained under the list.
    assert!(
        open.trim_end().ends_with(
            "✓ done  · open  – cancelled  ✗ removed  → carried into the week of that date"
        ),
        "{open}"
    );

    let csv = blog.stdout_ok(&["tasks", "--format", "csv"]);
    let rows: Vec<&str> = csv.lines().collect();
    assert!(
        rows[0].starts_with("id,post,title,section,confidence,status,planned,"),
        "{csv}"
    );
    assert_eq!(rows.len(), 1 + 6, "{csv}");
    assert!(
        rows.iter()
            .any(|r| r.contains(",\"Read, think \"\"hard\"\"\",")),
        "a title with a comma and quotes is one quoted field: {csv}"
    );
    let bpe = rows
        .iter()
        .find(|r| r.contains(",Implement BPE,"))
        .expect("the first week's copy");
    assert!(bpe.contains(",open,") && bpe.ends_with(",0"), "{bpe}");
    let markdown = blog.stdout_ok(&["tasks", "--format", "markdown"]);
    assert!(
        markdown.starts_with("| Week | Task | Status | Done | Carried |"),
        "{markdown}"
    );
    assert!(
        markdown.contains("| 2024-01-08 | Call the bank | open |  | → 2024-01-15 |"),
        "{markdown}"
    );
}

#[test]
fn show_without_a_path_skips_newer_posts_that_have_no_tasks() {
    let blog = Blog::new();
    blog.write(
        "_posts/2024-01-08-goals.md",
        "---\ntitle: Goals\n---\n- [x] Ship it\n- [ ] Call the bank\n",
    );
    blog.write(
        "_posts/2024-01-20-essay.md",
        "---\ntitle: An essay\n---\nNo task list here.\n",
    );
    blog.commit("2024-01-20T10:00:00+00:00");
    let shown = blog.stdout_ok(&["show"]);
    assert!(shown.starts_with("Goals\n"), "{shown}");
    assert!(shown.contains("done  1/2"), "{shown}");

    // With no post that has tasks, the newest post is shown as it is.
    let empty = Blog::new();
    empty.write("_posts/2024-01-08-old.md", "---\ntitle: Old\n---\nText.\n");
    empty.write("_posts/2024-01-20-new.md", "---\ntitle: New\n---\nText.\n");
    empty.commit("2024-01-20T10:00:00+00:00");
    let shown = empty.stdout_ok(&["show"]);
    assert!(shown.starts_with("New\n"), "{shown}");
}

#[test]
fn post_filters_take_a_path_as_typed_and_refuse_one_the_history_lacks() {
    let blog = Blog::new();
    let post = "_posts/2024-01-08-goals.md";
    blog.write(post, "- [x] Ship it\n- [ ] Call the bank\n");
    blog.commit("2024-01-08T10:00:00+00:00");
    for typed in [post, "./_posts/2024-01-08-goals.md"] {
        assert_eq!(blog.task_titles(&["--post", typed]).len(), 2, "{typed}");
        let log = blog.stdout_ok(&["log", "--post", typed]);
        assert!(log.contains("\"Ship it\""), "{typed}: {log}");
    }
    // Typed from inside the posts folder, as a path relative to it.
    let inside = blog.stdout_ok(&["-C", "_posts", "tasks", "--post", "2024-01-08-goals.md"]);
    assert!(inside.contains("Call the bank"), "{inside}");

    // A typo is an error that names the path, not an empty list.
    for command in ["tasks", "log"] {
        let out = blog.gitgoals(&[command, "--post", "_posts/2024-01-08-goal.md"]);
        assert_eq!(out.status.code(), Some(1), "{command}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("no post _posts/2024-01-08-goal.md in this history"),
            "{command}: {err}"
        );
    }
}

#[test]
fn a_forwarded_task_is_not_dropped() {
    let blog = Blog::new();
    blog.write(
        "_posts/2024-01-08-a.md",
        "- [>] Fix the bike\n- [ ] Learn Go\n- [x] Run\n",
    );
    blog.commit("2024-01-08T09:00:00+00:00");
    blog.write("_posts/2024-01-15-b.md", "- [ ] Something else\n");
    blog.commit("2024-01-15T09:00:00+00:00");
    let posts = blog.history(&[]);
    assert_eq!(posts[0]["open"], 2);
    assert_eq!(posts[0]["forwarded"], 1);
    assert_eq!(
        posts[0]["dropped"], 1,
        "only the unmarked open task is dropped"
    );
}

#[test]
fn stats_fills_progress_cookies_in_headings() {
    let blog = Blog::new();
    let text = "# Week 3 [/]\n\n## Courses [%]\n- [x] a\n- [ ] b\n\n## Papers [0/0]\n- [x] c\n";
    blog.write("_posts/2024-01-15-week.md", text);
    blog.commit("2024-01-15T09:00:00+00:00");
    let check = blog.gitgoals(&["stats", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    blog.stdout_ok(&["stats"]);
    let now = fs::read_to_string(blog.dir.join("_posts/2024-01-15-week.md")).expect("read");
    assert!(
        now.starts_with(
            "# Week 3 [2/3]\n\n## Courses [50%]\n- [x] a\n- [ ] b\n\n## Papers [1/1]\n- [x] c\n"
        ),
        "{now}"
    );
    assert_eq!(blog.gitgoals(&["stats", "--check"]).status.code(), Some(0));
}

#[test]
fn configuration_precedence_default_file_flag() {
    let blog = Blog::new();
    let post = "Goals to finish by 05/02/2024.\n\n- [ ] a\n";
    blog.write("_posts/2024-01-29-week.md", post);
    blog.commit("2024-01-29T09:00:00+00:00");
    let due = |args: &[&str]| {
        blog.history(args)[0]["due"]
            .as_str()
            .unwrap_or_default()
            .to_string()
    };

    // Default (auto): the reading a little after the post, 5 February.
    assert_eq!(due(&[]), "2024-02-05");
    // The file says month first: 2 May.
    blog.write(".gitgoals.toml", "[due]\ndate_order = \"mdy\"\n");
    assert_eq!(due(&[]), "2024-05-02");
    // A flag beats the file.
    assert_eq!(due(&["-c", "due.date_order=dmy"]), "2024-02-05");

    let shown = blog.stdout_ok(&["-c", "hook.strict=true", "config"]);
    let line = |key: &str| {
        shown
            .lines()
            .find(|l| l.starts_with(&format!("{key} = ")))
            .unwrap_or_default()
            .to_string()
    };
    assert!(
        line("due.date_order").contains("\"mdy\"") && line("due.date_order").ends_with("# file"),
        "{shown}"
    );
    assert!(
        line("hook.strict").contains("true") && line("hook.strict").ends_with("# flag"),
        "{shown}"
    );
    assert!(line("stats.placement").ends_with("# default"), "{shown}");
}

#[test]
fn a_configured_rating_scale_reaches_every_view() {
    let blog = Blog::new();
    blog.write(".gitgoals.toml", "[confidence]\nscale = 10\n");
    let post = "_posts/2024-01-08-week.md";
    let goals = |ticked: usize| {
        let mut text = String::from("# Goals\n");
        for n in 0..5 {
            let mark = if n < ticked { 'x' } else { ' ' };
            text.push_str(&format!("- [{mark}] Chapter {n}, 7/10\n"));
        }
        // 8/10 is beyond the default scale of 5: read on 10 it is a forecast like the others.
        text.push_str("- [ ] Tidy the garage (8/10)\n");
        text
    };
    blog.write(post, goals(0));
    blog.commit("2024-01-08T09:00:00+00:00");
    blog.write(post, goals(4));
    blog.commit("2024-01-11T18:00:00+00:00");

    let shown = blog.stdout_ok(&["show", post]);
    let label_of = |line: &str| {
        line.split_whitespace()
            .next()
            .unwrap_or_default()
            .to_string()
    };
    let by_confidence: Vec<String> = shown
        .split("by confidence\n")
        .nth(1)
        .unwrap_or_default()
        .lines()
        .take_while(|l| !l.is_empty())
        .map(label_of)
        .collect();
    assert_eq!(by_confidence, ["7/10", "8/10"], "{shown}");
    assert!(
        shown.contains("[ ] Tidy the garage  8/10  · line 7"),
        "{shown}"
    );

    let tasks = blog.stdout_ok(&["tasks"]);
    assert!(tasks.contains("Chapter 0 7/10"), "{tasks}");

    let doc: Value =
        serde_json::from_str(&blog.stdout_ok(&["calibration", "--format", "json"])).expect("JSON");
    assert_eq!(
        (doc["rated"].as_u64(), doc["unrated"].as_u64()),
        (Some(6), Some(0))
    );
    let ratings = doc["ratings"].as_array().expect("ratings");
    let claims: Vec<(u64, f64, u64)> = ratings
        .iter()
        .map(|r| {
            (
                r["rating"].as_u64().unwrap_or_default(),
                r["claim"].as_f64().unwrap_or_default(),
                r["done"].as_u64().unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(claims, [(7, 0.7, 4), (8, 0.8, 0)]);
    assert_eq!(
        ratings[0]["sentence"],
        "7/10 goals get done 80% of the time: well calibrated at 7/10"
    );
    // (0.7 − 1)² four times, 0.7² once, 0.8² once, over 6.
    let brier = (4.0 * 0.09 + 0.49 + 0.64) / 6.0;
    assert_eq!(
        doc["brier"].as_f64(),
        Some((brier * 1000.0_f64).round() / 1000.0)
    );

    blog.stdout_ok(&["stats"]);
    let with_block = fs::read_to_string(blog.dir.join(post)).expect("read");
    assert!(
        with_block.contains("**Done by confidence:** 7/10 → 4 of 5 · 8/10 → 0 of 1\n"),
        "{with_block}"
    );

    let page = blog.dir.join("report.html");
    blog.gitgoals(&["report", "--html", &page.to_string_lossy()]);
    let page = fs::read_to_string(page).expect("report written");
    assert!(page.contains("<tr><td>7/10</td>"), "{page}");
    assert!(
        page.contains("your rating (what it claims: N/10)"),
        "the calibration chart's axis"
    );
}

#[test]
fn configuration_errors_and_warnings_name_the_key() {
    let blog = Blog::new();
    blog.write("_posts/2024-01-29-week.md", "- [ ] a\n");
    blog.commit("2024-01-29T09:00:00+00:00");

    blog.write(".gitgoals.toml", "[due]\ndate_order = 3\n");
    let out = blog.gitgoals(&["history"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(".gitgoals.toml:2: `due.date_order` must be a string, not integer"),
        "{stderr}"
    );

    blog.write(".gitgoals.toml", "[stats]\ncolour = true\n");
    let out = blog.gitgoals(&["history"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("unknown key `stats.colour`"), "{stderr}");
    // --quiet keeps warnings off stderr.
    let out = blog.gitgoals(&["--quiet", "history"]);
    assert!(out.status.success());
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // A wrong key on the command line is a usage error of its own.
    let out = blog.gitgoals(&["-c", "due.order=dmy", "history"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("`due.order`"));
}

#[test]
fn completions_and_man_page_name_every_subcommand() {
    let blog = Blog::new();
    let subcommands = [
        "show", "history", "tasks", "log", "demo", "hook", "stats", "config",
    ];
    for shell in ["bash", "zsh", "fish", "powershell"] {
        let script = blog.stdout_ok(&["completions", shell]);
        assert!(script.len() > 500, "{shell}: {script}");
        for sub in subcommands {
            assert!(script.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let page = blog.stdout_ok(&["man"]);
    assert!(
        page.starts_with(".ie") || page.contains(".TH gitgoals"),
        "{page}"
    );
    for sub in subcommands {
        assert!(
            page.contains(&format!("gitgoals\\-{sub}")),
            "man page lacks {sub}"
        );
    }
    // Usage errors exit 2 and the help states the exit codes.
    assert_eq!(blog.gitgoals(&["--no-such-flag"]).status.code(), Some(2));
    assert!(
        blog.stdout_ok(&["--help"])
            .contains("Exit status: 0 success; 1 failure")
    );
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let blog = Blog::new();
    blog.write("_posts/2024-01-08-week.md", GOALS);
    blog.commit("2024-01-08T09:00:00+00:00");
    let escapes = |out: &Output| out.stdout.contains(&0x1b);

    // Piped, so `auto` means no colour.
    assert!(!escapes(&blog.gitgoals(&["history"])));
    let always = blog.gitgoals(&["--color", "always", "tasks"]);
    assert!(escapes(&always));
    let text = String::from_utf8_lossy(&always.stdout);
    assert!(text.contains("\x1b[32m✓\x1b[0m"), "{text}");
    let never = blog
        .command(GITGOALS, &["--color", "never", "tasks"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("run");
    assert!(!escapes(&never));
    // NO_COLOR wins over a forced terminal under `auto`.
    let no_color = blog
        .command(GITGOALS, &["tasks"])
        .env("CLICOLOR_FORCE", "1")
        .env("NO_COLOR", "1")
        .output()
        .expect("run");
    assert!(!escapes(&no_color));
    let forced = blog
        .command(GITGOALS, &["tasks"])
        .env("CLICOLOR_FORCE", "1")
        .output()
        .expect("run");
    assert!(
        escapes(&forced),
        "CLICOLOR_FORCE stands in for a terminal here"
    );
    // JSON is never coloured.
    let json = blog.gitgoals(&["--color", "always", "tasks", "--format", "json"]);
    assert!(!escapes(&json));
}

#[test]
fn a_closed_pipe_ends_quietly_with_success() {
    let blog = Blog::new();
    // Enough events that the output is far larger than a pipe's buffer.
    let open: String = (0..1500)
        .map(|i| format!("- [ ] Goal number {i}\n"))
        .collect();
    blog.write("_posts/2024-01-08-week.md", &open);
    blog.commit("2024-01-08T09:00:00+00:00");
    blog.write("_posts/2024-01-08-week.md", open.replace("[ ]", "[x]"));
    blog.commit("2024-01-09T09:00:00+00:00");

    let mut child = blog
        .command(GITGOALS, &["log"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn");
    let stdout = child.stdout.take().expect("stdout");
    let mut first = String::new();
    BufReader::new(stdout)
        .read_line(&mut first)
        .expect("first line");
    // The reader is dropped here: the pipe is closed while gitgoals still writes.
    assert!(first.contains("checked"), "{first}");
    let out = child.wait_with_output().expect("wait");
    assert_eq!(out.status.code(), Some(0));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !stderr.contains("Broken pipe") && !stderr.contains("panicked"),
        "{stderr}"
    );
    assert!(stderr.is_empty(), "{stderr}");
}
