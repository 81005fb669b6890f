//! The first ten minutes with gitgoals, as a new user has them (issue 18): each test is one
//! defect found by trying the demo and real blogs, pinned against real repositories and the
//! real binary.

mod common;

use std::process::Command;

use common::blog::Blog;
use common::{GITGOALS, Isolated, Scratch, finish};

/// A week's post with tasks; `extra` goes into the front matter.
fn week(title: &str, date: &str, extra: &str, tasks: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\n{extra}---\n\nThis week.\n\n{tasks}")
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn stdout(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// A blog of two weekly posts and a newer post without tasks, committed.
fn blog_with_an_essay() -> Blog {
    let blog = Blog::without_hook();
    blog.write(
        "_posts/2021-01-04-week-1.md",
        week(
            "Week 1",
            "2021-01-04",
            "",
            "- [x] Read a paper\n- [ ] Write\n",
        ),
    );
    blog.write(
        "_posts/2021-01-11-week-2.md",
        week("Week 2", "2021-01-11", "", "- [x] Write\n- [ ] Run 5k\n"),
    );
    blog.write(
        "_posts/2021-01-20-an-essay.md",
        "---\ntitle: An essay\n---\n\nNo goals here.\n",
    );
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "posts"]);
    blog
}

// 1 -------------------------------------------------------------------------------------------

#[test]
fn demo_suggests_commands_that_run_as_printed() {
    let scratch = Scratch::new();
    let dir = scratch.root.join("my demo");
    // PATH without the binary, as after `cargo run`.
    let output = finish(
        Command::new(GITGOALS)
            .arg("demo")
            .arg(&dir)
            .current_dir(&scratch.root)
            .isolated(&scratch.home)
            .env("PATH", "/usr/bin:/bin"),
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let text = stdout(&output);
    let (_, suggested) = text
        .split_once("Try (each line runs as printed):\n")
        .expect("a Try section");
    let lines: Vec<&str> = suggested.lines().map(str::trim).collect();
    assert!(lines.len() >= 3, "{suggested}");
    assert!(!suggested.contains(", "), "one command a line: {suggested}");
    // Pasted into a shell as printed, every line runs.
    let script = format!("set -e\n{}\n", lines.join("\n"));
    let run = finish(
        Command::new("sh")
            .arg("-c")
            .arg(&script)
            .current_dir(&scratch.root)
            .isolated(&scratch.home)
            .env("PATH", "/usr/bin:/bin"),
    );
    assert!(run.status.success(), "{script}\n{}", stderr(&run));
    assert!(stdout(&run).contains("Week 6"), "{}", stdout(&run));
}

// 2 -------------------------------------------------------------------------------------------

#[test]
fn show_without_a_path_picks_the_newest_goals_post_not_the_newest_post() {
    let blog = blog_with_an_essay();
    let shown = blog.gitgoals_ok(&["show"]);
    assert!(shown.starts_with("Week 2\n"), "{shown}");
    assert!(shown.contains("done  1/2"), "{shown}");
}

#[test]
fn show_and_history_agree_on_date_and_due() {
    let blog = Blog::without_hook();
    // No date in the file name or front matter, no due date in the text: history dates the
    // post by its first commit and its due date by the next post.
    blog.write("notes/plan.md", "# Plan\n\n- [x] One\n- [ ] Two\n");
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "plan"]);
    let history = blog.gitgoals_ok(&["history", "--format", "json"]);
    let history: serde_json::Value = serde_json::from_str(&history).expect("json");
    let week = &history["posts"][0];
    let show = blog.gitgoals_ok(&["show", "notes/plan.md", "--format", "json"]);
    let show: serde_json::Value = serde_json::from_str(&show).expect("json");
    assert_eq!(show["date"], week["date"], "{show}\n{week}");
    assert_eq!(show["due_source"], week["due_source"], "{show}\n{week}");
    assert_eq!(show["due"], week["due"], "{show}\n{week}");
    assert_eq!(show["date_source"], "first_commit");
    let text = blog.gitgoals_ok(&["show", "notes/plan.md"]);
    assert!(!text.contains("unknown"), "{text}");
    assert!(!text.contains("not stated"), "{text}");
}

// 3 -------------------------------------------------------------------------------------------

#[test]
fn post_paths_are_taken_from_the_current_directory_as_git_takes_them() {
    let blog = blog_with_an_essay();
    let in_posts = blog.dir.join("_posts");
    let run = blog
        .scratch
        .gitgoals(&in_posts, &["tasks", "--post", "2021-01-11-week-2.md"])
        .ok();
    assert!(run.stdout.contains("Run 5k"), "{}", run.stdout);
    assert!(!run.stdout.contains("Read a paper"), "{}", run.stdout);
    let run = blog
        .scratch
        .gitgoals(&in_posts, &["log", "--post", "./2021-01-04-week-1.md"])
        .ok();
    assert!(run.stdout.contains("Read a paper"), "{}", run.stdout);
}

#[test]
fn a_post_path_that_is_no_post_is_an_error() {
    let blog = blog_with_an_essay();
    for command in ["tasks", "log"] {
        let run = blog
            .scratch
            .gitgoals(&blog.dir, &[command, "--post", "_posts/nope.md"])
            .fails();
        assert!(
            run.stderr
                .contains("no post _posts/nope.md in this history"),
            "{}",
            run.stderr
        );
    }
    // Typed from the root while in a folder: taken as typed, since it names a post.
    let run = blog
        .scratch
        .gitgoals(
            &blog.dir.join("_posts"),
            &["tasks", "--post", "_posts/2021-01-04-week-1.md"],
        )
        .ok();
    assert!(run.stdout.contains("Read a paper"), "{}", run.stdout);
}

// 4 -------------------------------------------------------------------------------------------

#[test]
fn log_shows_the_part_of_a_long_title_an_edit_changed() {
    let blog = Blog::without_hook();
    let title = "Read >=101 machine learning papers (I get credit only when I have produced some output related to the paper)";
    blog.write(
        "_posts/2021-01-04-week-1.md",
        week(
            "Week 1",
            "2021-01-04",
            "",
            &format!("- [ ] {title} 0️⃣ 4️⃣ 2️⃣\n"),
        ),
    );
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "one"]);
    blog.write(
        "_posts/2021-01-04-week-1.md",
        week(
            "Week 1",
            "2021-01-04",
            "",
            &format!("- [ ] {title} 0️⃣ 4️⃣ 8️⃣\n"),
        ),
    );
    blog.ok(&["commit", "-q", "-am", "two"]);
    let log = blog.gitgoals_ok(&["log"]);
    let edited = log
        .lines()
        .find(|line| line.contains("edited"))
        .expect("an edited line");
    let (now, was) = edited.split_once(" (was ").expect("both titles");
    assert!(now.contains("8️⃣\""), "{edited}");
    assert!(was.contains("2️⃣\""), "{edited}");
}

// 5 -------------------------------------------------------------------------------------------

#[test]
fn weeks_with_the_same_title_are_named_by_their_path() {
    let blog = Blog::without_hook();
    for (dir, date) in [("lists", "2021-01-04"), ("trees", "2021-01-11")] {
        blog.write(
            &format!("{dir}/task.md"),
            week("task", date, "", "- [x] One\n- [ ] Two\n"),
        );
    }
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "tasks"]);
    for format in ["text", "markdown"] {
        let history = blog.gitgoals_ok(&["history", "--format", format]);
        assert!(history.contains("lists/task.md"), "{history}");
        assert!(history.contains("trees/task.md"), "{history}");
    }
}

#[test]
fn exclusion_globs_take_templates_out() {
    let blog = blog_with_an_essay();
    blog.write(
        "_posts/templates/2021-01-01-template.md",
        week(
            "Template",
            "2021-01-01",
            "",
            "- [ ] Goal one\n- [ ] Goal two\n",
        ),
    );
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "template"]);
    assert!(blog.gitgoals_ok(&["history"]).contains("Template"));
    let history = blog.gitgoals_ok(&["--posts", "!_posts/templates/**", "history"]);
    assert!(!history.contains("Template"), "{history}");
    assert!(history.contains("Week 2"), "{history}");
    // From the settings file too.
    blog.write(".gitgoals.toml", "posts = [\"!_posts/templates/**\"]\n");
    let history = blog.gitgoals_ok(&["history"]);
    assert!(!history.contains("Template"), "{history}");
    assert!(history.contains("Week 1"), "{history}");
}

#[test]
fn a_post_opts_out_with_gitgoals_false_in_its_front_matter() {
    let blog = blog_with_an_essay();
    let path = "_posts/2021-01-12-dashboard.md";
    blog.write(
        path,
        week("Dashboard", "2021-01-12", "", "- [ ] Read 100 papers\n"),
    );
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "dashboard"]);
    assert!(blog.gitgoals_ok(&["history"]).contains("Dashboard"));
    // The long-running tracker opts out: no week, and its tasks are not shown as removed.
    blog.write(
        path,
        week(
            "Dashboard",
            "2021-01-12",
            "gitgoals: false\n",
            "- [ ] Read 100 papers\n",
        ),
    );
    blog.ok(&["commit", "-q", "-am", "opt out"]);
    let history = blog.gitgoals_ok(&["history"]);
    assert!(!history.contains("Dashboard"), "{history}");
    assert!(history.contains("2 weeks"), "{history}");
    let log = blog.gitgoals_ok(&["log"]);
    assert!(!log.contains("Read 100 papers"), "{log}");
    let tasks = blog.gitgoals_ok(&["tasks"]);
    assert!(!tasks.contains("Read 100 papers"), "{tasks}");
}

// 6 -------------------------------------------------------------------------------------------

#[test]
fn posts_globs_that_match_nothing_say_so_in_the_users_words() {
    let blog = blog_with_an_essay();
    let out = blog.gitgoals(&["--posts", "notes/**", "history"]);
    let said = stderr(&out);
    assert!(said.contains("--posts notes/**: matches no file"), "{said}");
    let out = blog.gitgoals(&["--posts", "!templates/**", "history"]);
    let said = stderr(&out);
    assert!(
        said.contains("--posts !templates/**: takes out no post"),
        "{said}"
    );
    let out = blog.gitgoals(&["--posts", "a/**b", "history"]);
    assert_eq!(out.status.code(), Some(1));
    let said = stderr(&out);
    assert!(said.contains("--posts a/**b"), "{said}");
    assert!(!said.contains("-c posts="), "{said}");
}

#[test]
fn config_prints_the_posts_it_reads_and_has_json() {
    let blog = blog_with_an_essay();
    let text = blog.gitgoals_ok(&["config"]);
    assert!(
        text.contains("# posts read: Markdown files under the posts folders _posts/"),
        "{text}"
    );
    let json = blog.gitgoals_ok(&["--posts", "!_posts/x/**", "config", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&json).expect("json");
    assert_eq!(json["settings"]["posts"]["value"][0], "!_posts/x/**");
    assert_eq!(json["settings"]["posts"]["source"], "flag");
    assert!(
        json["posts_read"]
            .as_str()
            .is_some_and(|s| s.ends_with("except files matching _posts/x/**")),
        "{json}"
    );
}

// 7 -------------------------------------------------------------------------------------------

#[test]
fn every_command_outside_a_repository_says_the_same_sentence() {
    let scratch = Scratch::new();
    let outside = scratch.root.join("plain");
    std::fs::create_dir_all(&outside).expect("dir");
    for args in [
        &["hook", "install"][..],
        &["hook", "uninstall"],
        &["history"],
        &["tasks"],
        &["log"],
        &["stats"],
        &["stats", "--check"],
        &["carry"],
        &["calibration"],
    ] {
        let run = finish(
            scratch
                .command(GITGOALS, &outside, args)
                .env("GIT_CEILING_DIRECTORIES", &scratch.root),
        );
        assert_eq!(run.status.code(), Some(1), "{args:?}");
        let said = stderr(&run);
        assert_eq!(
            said.trim_end(),
            format!(
                "gitgoals: {} is not in a git repository: run gitgoals inside your blog's clone, or name it with -C DIR",
                outside.display()
            ),
            "{args:?}"
        );
    }
}

// 10 ------------------------------------------------------------------------------------------

#[test]
fn stats_check_tells_a_missing_block_from_a_stale_one_and_stats_names_what_it_wrote() {
    let blog = blog_with_an_essay();
    let check = blog.gitgoals(&["stats", "--check"]);
    assert_eq!(check.status.code(), Some(1));
    let said = stderr(&check);
    assert!(
        said.contains("_posts/2021-01-11-week-2.md has no stats block yet"),
        "{said}"
    );
    assert!(!said.contains("out of date"), "{said}");
    let written = blog.gitgoals_ok(&["stats"]);
    assert!(
        written.contains("stats block written in _posts/2021-01-11-week-2.md"),
        "{written}"
    );
    assert!(blog.gitgoals_ok(&["stats"]).contains("up to date"));
    // A stale block is called so.
    let post = blog.read("_posts/2021-01-11-week-2.md");
    blog.write(
        "_posts/2021-01-11-week-2.md",
        post.replace("- [ ] Run 5k", "- [x] Run 5k"),
    );
    let said = stderr(&blog.gitgoals(&["stats", "--check"]));
    assert!(
        said.contains("out of date in _posts/2021-01-11-week-2.md"),
        "{said}"
    );
}

#[test]
fn a_one_week_block_draws_no_one_cell_sparkline() {
    let blog = Blog::without_hook();
    blog.write(
        "_posts/2021-01-04-week-1.md",
        week("Week 1", "2021-01-04", "", "- [x] One\n- [ ] Two\n"),
    );
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "one"]);
    blog.gitgoals_ok(&["stats"]);
    let post = blog.read("_posts/2021-01-04-week-1.md");
    assert!(post.contains("**Goals:** 1 of 2 done"), "{post}");
    assert!(!post.contains("oldest to newest"), "{post}");
}

// 11 ------------------------------------------------------------------------------------------

#[test]
fn the_chart_link_of_a_jekyll_site_goes_through_relative_url() {
    let blog = blog_with_an_essay();
    blog.write("_config.yml", "baseurl: /blog\n");
    blog.gitgoals_ok(&["-c", "stats.chart=true", "stats"]);
    let post = blog.read("_posts/2021-01-11-week-2.md");
    assert!(
        post.contains(
            "![Goals done per week]({{ '/assets/gitgoals/2021-01-11-week-2.svg' | relative_url }})"
        ),
        "{post}"
    );
    // Not Jekyll: the path from the site's root.
    std::fs::remove_file(blog.dir.join("_config.yml")).expect("remove");
    blog.gitgoals_ok(&["-c", "stats.chart=true", "stats"]);
    let post = blog.read("_posts/2021-01-11-week-2.md");
    assert!(
        post.contains("![Goals done per week](/assets/gitgoals/2021-01-11-week-2.svg)"),
        "{post}"
    );
}

// 12 ------------------------------------------------------------------------------------------

#[test]
fn a_toml_mistake_is_named_by_file_and_line_like_a_type_error() {
    let blog = blog_with_an_essay();
    blog.write(
        ".gitgoals.toml",
        "posts = [\n  \"_posts/*.md\"\n  \"_drafts/*.md\"\n]\n",
    );
    let said = stderr(&blog.gitgoals(&["history"]));
    assert!(
        said.starts_with("gitgoals: .gitgoals.toml:2: missing comma"),
        "{said}"
    );
    blog.write(".gitgoals.toml", "\n[confidence]\nscale = \"five\"\n");
    let said = stderr(&blog.gitgoals(&["history"]));
    assert!(said.starts_with("gitgoals: .gitgoals.toml:3: "), "{said}");
}

/// A blog whose one post was committed with front matter that is no YAML, and the post's path.
fn blog_with_broken_front_matter() -> (Blog, &'static str) {
    let blog = Blog::without_hook();
    let path = "_posts/2021-01-04-week-1.md";
    blog.write(path, "---\ntitle: [broken\n---\n\n- [x] One\n- [ ] Two\n");
    blog.ok(&["add", "."]);
    blog.ok(&["commit", "-q", "-m", "broken front matter"]);
    (blog, path)
}

#[test]
fn warnings_about_old_versions_only_with_verbose() {
    let (blog, path) = blog_with_broken_front_matter();
    let said = stderr(&blog.gitgoals(&["history"]));
    assert!(said.contains("front matter is not valid YAML"), "{said}");
    // Fixed: the old commit's warning is history, not news.
    blog.write(
        path,
        week("Week 1", "2021-01-04", "", "- [x] One\n- [ ] Two\n"),
    );
    blog.ok(&["commit", "-q", "-am", "fixed"]);
    let said = stderr(&blog.gitgoals(&["history"]));
    assert!(!said.contains("not valid YAML"), "{said}");
    let said = stderr(&blog.gitgoals(&["--verbose", "history"]));
    assert!(said.contains("not valid YAML"), "{said}");
}

#[test]
fn show_says_each_warning_once() {
    // `show` reads the history once for the post's dates and its forecast line: a warning
    // printed twice reads as two problems.
    let (blog, path) = blog_with_broken_front_matter();
    let shown = blog.gitgoals(&["show", path]);
    assert!(shown.status.success(), "{}", stderr(&shown));
    let said = stderr(&shown);
    assert_eq!(said.matches("not valid YAML").count(), 1, "{said}");
}
