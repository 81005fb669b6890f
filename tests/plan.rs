//! `gitgoals plan` (issue 17): the drafted next post on real repositories (Jekyll, Hugo, an
//! Obsidian weekly note), written without ever overwriting, committed and read back as carried;
//! and the forecasts judged on synthetic blogs whose every goal has a known true chance.

#[path = "support/synthetic.rs"]
mod synthetic;

mod common;

use chrono::NaiveDate;
use common::blog::Blog;
use gitgoals::core::forecast;
use gitgoals::core::ledger;
use gitgoals::git::Repo;
use gitgoals::git::read::HistoryOptions;
use serde_json::Value;
use synthetic::Spec;

fn json(text: &str) -> Value {
    serde_json::from_str(text).expect("a JSON document")
}

/// A blog with the given posts committed one commit each, in order.
fn blog_with(posts: &[(&str, &str)]) -> Blog {
    let blog = Blog::without_hook();
    for (path, text) in posts {
        blog.write(path, text);
        blog.ok(&["add", path]);
        blog.ok(&["commit", "-q", "-m", path]);
    }
    blog
}

const WEEK_1: &str = "---\nlayout: post\ntitle: \"Week 1: starting\"\ndate: 2021-01-04 08:00:00 +0100\ncategories: goals\n---\n\nGoals I can finish by 01/09/2021.\n\n### Courses\n- [x] Linear algebra set 1, 4/5\n- [ ] Compilers lab 1, 2/5\n\n### Papers\n- [ ] Read the attention paper, 3/5\n- [-] Read the other paper, 1/5\n";

const WEEK_2: &str = "---\nlayout: post\ntitle: \"Week 2: going on\"\ndate: 2021-01-11 08:00:00 +0100\ncategories: goals\n---\n\nGoals I can finish by 01/16/2021.\n\n### Courses\n- [ ] Compilers lab 1, 2/5\n- [x] Linear algebra set 2, 4/5\n\n### Papers\n- [ ] Read the attention paper, 3/5\n- [>] Plan the reading group, 3/5\n- [x] Write the summary, 5/5\n";

#[test]
fn jekyll_draft_is_written_once_committed_and_read_back_as_carried() {
    let blog = blog_with(&[
        ("_posts/2021-01-04-week-1.md", WEEK_1),
        ("_posts/2021-01-11-week-2.md", WEEK_2),
    ]);
    let printed = blog.gitgoals_ok(&["plan", "--today", "2021-01-13"]);
    assert!(
        printed.contains("draft of _posts/2021-01-18-week-3.md (not written"),
        "{printed}"
    );
    assert!(
        !blog.dir.join("_posts/2021-01-18-week-3.md").exists(),
        "plan without --write writes nothing"
    );
    blog.gitgoals_ok(&["plan", "--write", "--today", "2021-01-13"]);
    let written = blog.read("_posts/2021-01-18-week-3.md");
    assert_eq!(
        written,
        "---\nlayout: post\ntitle: \"Week 3: going on\"\ndate: 2021-01-18 08:00:00 +0100\ncategories: goals\n---\n\nGoals I can finish by 01/23/2021.\n\n### Courses\n- [ ] Compilers lab 1, 2/5 <!-- carried 2 weeks -->\n\n### Papers\n- [ ] Read the attention paper, 3/5 <!-- carried 2 weeks -->\n"
    );
    // The earlier posts are as they were.
    assert_eq!(blog.read("_posts/2021-01-11-week-2.md"), WEEK_2);

    blog.ok(&["add", "_posts/2021-01-18-week-3.md"]);
    blog.ok(&["commit", "-q", "-m", "week 3"]);
    let tasks = json(&blog.gitgoals_ok(&["tasks", "--format", "json"]));
    let week_3: Vec<&Value> = tasks["tasks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|t| t["post"] == "_posts/2021-01-18-week-3.md")
        .collect();
    assert_eq!(week_3.len(), 2);
    for task in week_3 {
        assert_eq!(task["carry_streak"], 2, "{task}");
        assert!(task["carried_from"].is_object(), "{task}");
        assert!(task["planned"].as_bool().unwrap());
    }
    let history = json(&blog.gitgoals_ok(&["history", "--format", "json"]));
    let posts = history["posts"].as_array().unwrap();
    assert_eq!(posts.len(), 3);
    assert_eq!(posts[2]["carried_in"], 2, "{}", posts[2]);
}

#[test]
fn a_week_whose_file_exists_is_refused_and_left_alone() {
    let blog = blog_with(&[
        ("_posts/2021-01-04-week-1.md", WEEK_1),
        ("_posts/2021-01-11-week-2.md", WEEK_2),
    ]);
    blog.write("_posts/2021-01-18-week-3.md", "my own draft\n");
    let out = blog.gitgoals(&["plan", "--write", "--today", "2021-01-13"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("_posts/2021-01-18-week-3.md exists already") && stderr.contains("--date"),
        "{stderr}"
    );
    assert_eq!(blog.read("_posts/2021-01-18-week-3.md"), "my own draft\n");
    // Another week is fine.
    blog.gitgoals_ok(&[
        "plan",
        "--write",
        "--date",
        "2021-01-25",
        "--today",
        "2021-01-13",
    ]);
    let other = blog.read("_posts/2021-01-25-week-4.md");
    assert!(
        other.contains("date: 2021-01-25") && other.contains("by 01/30/2021"),
        "{other}"
    );
}

#[cfg(unix)]
#[test]
fn a_posts_folder_linked_out_of_the_repository_is_not_written_through() {
    let blog = blog_with(&[
        ("_posts/2021-01-04-week-1.md", WEEK_1),
        ("_posts/2021-01-11-week-2.md", WEEK_2),
    ]);
    let outside = tempfile::tempdir().expect("a temp dir");
    std::fs::remove_dir_all(blog.dir.join("_posts")).expect("remove _posts");
    std::os::unix::fs::symlink(outside.path(), blog.dir.join("_posts")).expect("link _posts");
    let out = blog.gitgoals(&["plan", "--write", "--today", "2021-01-13"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not inside the work tree"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(outside.path()).expect("read dir").count(),
        0,
        "nothing is written outside the repository"
    );
}

#[test]
fn a_blog_with_no_history_gets_a_clear_message() {
    let blog = Blog::without_hook();
    let out = blog.gitgoals(&["plan"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("no goals post in the history yet"),
        "{stderr}"
    );
    let backtest = blog.gitgoals_ok(&["plan", "--backtest"]);
    assert!(backtest.contains("nothing to backtest yet"), "{backtest}");
}

#[test]
fn hugo_post_follows_its_own_layout() {
    let week = |n: u32, date: &str, due: &str| {
        format!(
            "+++\ntitle = \"Goals, week {n}\"\ndate = {date}T09:00:00Z\ndraft = false\n+++\n\nAll done by {due}, I hope.\n\n## Work\n- [ ] Ship the release 4/5\n- [x] Review the design 3/5\n"
        )
    };
    let blog = blog_with(&[
        (
            "content/posts/2024-03-11-goals.md",
            &week(11, "2024-03-11", "March 16, 2024"),
        ),
        (
            "content/posts/2024-03-18-goals.md",
            &week(12, "2024-03-18", "March 23, 2024"),
        ),
    ]);
    let out = json(&blog.gitgoals_ok(&[
        "plan",
        "--write",
        "--format",
        "json",
        "--today",
        "2024-03-20",
    ]));
    assert_eq!(out["path"], "content/posts/2024-03-25-goals.md");
    assert_eq!(out["written"], true);
    assert_eq!(out["carried"][0]["weeks"], 2);
    assert_eq!(
        blog.read("content/posts/2024-03-25-goals.md"),
        "+++\ntitle = \"Goals, week 13\"\ndate = 2024-03-25T09:00:00Z\ndraft = false\n+++\n\nAll done by March 30, 2024, I hope.\n\n## Work\n- [ ] Ship the release 4/5 <!-- carried 2 weeks -->\n"
    );
    // Two weeks of history are enough for a forecast, and JSON gives all of it.
    let forecast = &out["forecast"];
    assert!(
        forecast["glance"]
            .as_str()
            .unwrap()
            .starts_with("1 goal: expect")
    );
    for key in [
        "expected_done",
        "low",
        "high",
        "chance_all",
        "keep",
        "expected_unplanned",
    ] {
        assert!(!forecast[key].is_null(), "{key} in {forecast}");
    }
}

#[test]
fn obsidian_weekly_note_moves_to_the_next_iso_week() {
    let blog = blog_with(&[
        (
            "Weekly/2024-W02.md",
            "- [x] Book the train\n- [ ] Call the bank\n",
        ),
        (
            "Weekly/2024-W03.md",
            "- [ ] Call the bank\n- [x] Renew the passport ✅ 2024-01-17\n- [ ] Tidy the notes\n",
        ),
    ]);
    blog.gitgoals_ok(&[
        "--posts",
        "Weekly/*.md",
        "plan",
        "--write",
        "--today",
        "2024-01-18",
    ]);
    assert_eq!(
        blog.read("Weekly/2024-W04.md"),
        "- [ ] Call the bank <!-- carried 2 weeks -->\n- [ ] Tidy the notes <!-- carried 1 week -->\n"
    );
}

#[test]
fn show_forecasts_the_rest_of_the_newest_week() {
    let blog = blog_with(&[
        (
            "_posts/2020-12-28-week-0.md",
            "---\ntitle: Week 0\n---\n\n- [x] Set up the blog, 5/5\n- [ ] Pick the courses, 2/5\n",
        ),
        ("_posts/2021-01-04-week-1.md", WEEK_1),
        ("_posts/2021-01-11-week-2.md", WEEK_2),
    ]);
    let shown = blog.gitgoals_ok(&[
        "show",
        "_posts/2021-01-11-week-2.md",
        "--today",
        "2021-01-13",
    ]);
    assert!(
        shown.contains("forecast  2 of 5 done, 3 days left: expect"),
        "{shown}"
    );
    // A finished week has no forecast, only its outcome.
    let later = blog.gitgoals_ok(&[
        "show",
        "_posts/2021-01-11-week-2.md",
        "--today",
        "2021-02-01",
    ]);
    assert!(!later.contains("forecast"), "{later}");
}

/// The ledger of a synthetic blog whose goals have true chances by rating.
fn synthetic_ledger(seed: u64) -> ledger::Ledger {
    let blog = synthetic::generate(&Spec::forecast(seed));
    let dir = tempfile::tempdir().expect("temp dir");
    synthetic::write_repo(&blog, dir.path()).expect("repository written");
    let repo = Repo::open(Some(dir.path())).expect("repository opens");
    let history =
        gitgoals::git::read::read_history(&repo, &HistoryOptions::default()).expect("history");
    ledger::build(&history)
}

#[test]
fn on_synthetic_blogs_the_backtest_holds_its_80_percent_and_beats_the_overall_rate() {
    let far = NaiveDate::from_ymd_opt(2030, 1, 1).unwrap();
    let (mut held, mut weeks) = (0, 0);
    let (mut brier, mut reference, mut goals) = (0.0, 0.0, 0usize);
    let mut errors = Vec::new();
    for seed in [1, 2, 3] {
        let ledger = synthetic_ledger(seed);
        // The generator's chances come true: rated 5 far more often done than rated 1.
        let model = forecast::learn(&ledger, &(0..ledger.weeks.len()).collect::<Vec<_>>())
            .expect("a model");
        let share = |r: u8| {
            model
                .by_rating
                .iter()
                .find(|(rating, _)| *rating == Some(r))
                .map(|(_, rate)| rate.done as f64 / rate.total as f64)
                .unwrap()
        };
        assert!(share(5) > 0.7 && share(1) < 0.25, "seed {seed}: {model:?}");

        let test = forecast::backtest(&ledger, far, forecast::SEED).expect("a backtest");
        eprintln!(
            "seed {seed}: {} weeks, coverage {:.2}, Brier {:.3} vs {:.3}, mean error {:+.2}",
            test.weeks.len(),
            test.coverage,
            test.brier,
            test.brier_reference,
            test.mean_error
        );
        held += test.weeks.iter().filter(|w| w.held).count();
        weeks += test.weeks.len();
        let n: usize = test.weeks.iter().map(|w| w.goals).sum();
        brier += test.brier * n as f64;
        reference += test.brier_reference * n as f64;
        goals += n;
        errors.push(test.mean_error);
        assert!(test.brier < test.brier_reference, "seed {seed}: {test:?}");
    }
    let coverage = held as f64 / weeks as f64;
    assert!(
        (0.7..=0.9).contains(&coverage),
        "80% intervals held in {held} of {weeks} weeks"
    );
    assert!(
        brier < reference,
        "pooled Brier {brier} vs {reference} over {goals} goals"
    );
    let mean_error = errors.iter().sum::<f64>() / errors.len() as f64;
    assert!(mean_error.abs() < 1.0, "mean error {mean_error}");
}

#[test]
fn the_stats_block_shows_the_start_of_week_forecast_when_asked() {
    let blog = Blog::new();
    let week_0 =
        "---\ntitle: Week 0\n---\n\n- [x] Set up the blog, 5/5\n- [ ] Pick the courses, 2/5\n";
    let commit = |path: &str, text: &str| {
        blog.write(path, text);
        blog.ok(&["add", path]);
        blog.commit_ok(&[]);
    };
    commit("_posts/2020-12-28-week-0.md", week_0);
    commit("_posts/2021-01-04-week-1.md", WEEK_1);
    commit("_posts/2021-01-11-week-2.md", WEEK_2);
    let plain = blog.committed("_posts/2021-01-11-week-2.md");
    assert!(!plain.contains("Forecast"), "off unless asked:\n{plain}");

    blog.write(".gitgoals.toml", "[stats]\nforecast = true\n");
    blog.ok(&["add", ".gitgoals.toml"]);
    blog.commit_ok(&[]);
    blog.gitgoals_ok(&["stats"]);
    let block = blog.read("_posts/2021-01-11-week-2.md");
    assert!(
        block.contains("**Forecast at the week's start:** 5 goals: expect "),
        "{block}"
    );
    // The outcome is beside it, and the sentence does not depend on the day it is written.
    assert!(block.contains("**Goals:** 2 of 5 done"), "{block}");
    blog.gitgoals_ok(&["stats", "--check"]);
}
