//! Whole-program snapshots: the exact text each command prints for a small hand-built blog
//! (and for `gitgoals demo`'s sample blog), kept in `tests/snapshots/*.snap`, so a reviewer
//! sees what a user sees and a refactor that must not change behaviour is shown to print the
//! same bytes.
//!
//! After changing an output on purpose, `INSTA_UPDATE=always cargo test --test snapshots`
//! rewrites the snapshots (or use `cargo insta review`); read the diff before committing it.
//!
//! What is pinned, and why it holds still from run to run and machine to machine:
//! - every commit of the hand-built blog is made with libgit2 at a fixed time, name and offset
//!   (+01:00), so commit ids, dates and short hashes repeat;
//! - the posts are dated December 2020. The only outputs that read the clock are
//!   `calibration` and `report` (the calibration inside it): they leave out weeks whose due
//!   date is today or later, and `calibration --format json` writes today's date. With every
//!   due date years in the past the text is the same on any day, so only the JSON `today`
//!   field would move, and it is not snapshotted. (`stats` and the hook date their block
//!   "now", though their default layout states only the due date: they are not snapshotted
//!   here either);
//! - each hand-built-blog snapshot is also what a second run (from the cache) and a
//!   `--no-cache` run print, so it pins all three ways of reading the history;
//! - `TZ=UTC` is set although no output here depends on the local offset (times are shown in
//!   each commit's own offset), so a future one that does still repeats on every machine;
//! - `NO_COLOR=1` and piped output, so no escape sequences; the temporary directory is
//!   replaced by `[TMP]` (the demo's by `[DEMO]`) wherever it is printed.

mod common;

use std::path::Path;

use common::{DAY, GITGOALS, MONDAY, Scratch, TestRepo, finish};

/// An hour in seconds.
const HOUR: i64 = 3_600;

/// `day` days and `hour` hours after 2020-12-07 00:00 UTC (the commits' offset is +01:00).
fn at(day: i64, hour: i64) -> i64 {
    MONDAY + day * DAY + hour * HOUR
}

const WEEK_1: &str = "_posts/2020-12-07-week-1.md";
const WEEK_2: &str = "_posts/2020-12-14-week-2.md";
const WEEK_3: &str = "_posts/2020-12-21-week-3.md";

/// Week 1: due date from the text ("by 12/12/2020").
fn week_1(tasks: &str) -> String {
    format!(
        "---\ntitle: \"Week 1: a fresh start\"\n---\n\nGoals I can finish by 12/12/2020.\n\n{tasks}"
    )
}

/// Week 2: due date from the front matter.
fn week_2(tasks: &str) -> String {
    format!(
        "---\ntitle: \"Week 2: catching up\"\ndue: 2020-12-19\n---\n\nWhat is left, and a little more.\n\n{tasks}"
    )
}

/// Week 3: no due date stated and no next post, so the post's date plus 7 days.
fn week_3(tasks: &str) -> String {
    format!("---\ntitle: \"Week 3: the holidays\"\n---\n\nA quiet week.\n\n{tasks}")
}

/// Three weekly posts and a week of commits each, written to cover every figure the tables
/// show:
/// - week 1: a goal ticked and bolded with a note, a goal added mid-week (then ticked), a
///   goal ticked the day after the due date (done, not on time), one carried to week 2 and
///   one dropped;
/// - week 2: a carried goal, a tick taken back (unchecked), a title typo fixed (edited), a
///   goal left open and dropped;
/// - week 3: the same goal carried a third week and still open, a goal removed, a goal
///   added and ticked mid-week;
/// - ratings 1/5 to 5/5 and unrated goals.
///
/// The work tree is checked out at the end, for `show`.
fn weekly_blog() -> TestRepo {
    let repo = TestRepo::new();

    let reading_1 = "## Reading\n- [ ] Read the survey on graph neural networks 3/5\n- [ ] Write the blog post about caching\n";
    let plan_1 = format!(
        "## Courses\n- [ ] Wavelets lecture notes, 4/5\n- [ ] Problem set 3 (2/5)\n\n{reading_1}"
    );
    repo.commit(
        &[(WEEK_1, Some(&week_1(&plan_1)))],
        at(0, 8),
        "Week 1 goals",
    );
    let notes_done = "## Courses\n- [x] **Wavelets lecture notes, 4/5** took two evenings\n";
    let courses_1 = format!("{notes_done}- [ ] Problem set 3 (2/5)\n\n{reading_1}");
    repo.commit(
        &[(WEEK_1, Some(&week_1(&courses_1)))],
        at(1, 20),
        "Wavelets notes done",
    );
    let bike = format!("{courses_1}\n## Chores\n- [ ] Fix the bike, 5/5\n");
    repo.commit(
        &[(WEEK_1, Some(&week_1(&bike)))],
        at(2, 12),
        "The bike broke",
    );
    let bike_done = format!("{courses_1}\n## Chores\n- [x] Fix the bike, 5/5\n");
    repo.commit(
        &[(WEEK_1, Some(&week_1(&bike_done)))],
        at(3, 19),
        "Bike fixed",
    );
    // 2020-12-13, the day after the due date: done, but late.
    let late = bike_done.replace("- [ ] Problem set 3", "- [x] Problem set 3");
    repo.commit(
        &[(WEEK_1, Some(&week_1(&late)))],
        at(6, 10),
        "Problem set 3, late",
    );

    let plan_2 = "## Courses\n- [ ] Problem set 4, 3/5\n\n## Reading\n- [ ] Read the survey on graph neural networks 3/5\n- [ ] Read the transformers paper, 2/5\n\n## Health\n- [ ] Go running three times, 1/5\n";
    repo.commit(&[(WEEK_2, Some(&week_2(plan_2)))], at(7, 7), "Week 2 goals");
    let set_4 = plan_2.replace("- [ ] Problem set 4", "- [x] Problem set 4");
    repo.commit(
        &[(WEEK_2, Some(&week_2(&set_4)))],
        at(8, 21),
        "Problem set 4 done",
    );
    let ran = set_4.replace("- [ ] Go running", "- [x] Go running");
    repo.commit(&[(WEEK_2, Some(&week_2(&ran)))], at(9, 18), "Ran");
    // Ticked too early: only twice. The tick is taken back.
    repo.commit(
        &[(WEEK_2, Some(&week_2(&set_4)))],
        at(10, 9),
        "Only ran twice",
    );
    let typo = set_4.replace("transformers paper", "transformer paper");
    repo.commit(&[(WEEK_2, Some(&week_2(&typo)))], at(11, 12), "Typo");

    let plan_3 = "## Reading\n- [ ] Read the survey on graph neural networks 3/5\n- [ ] Read the transformer paper, 2/5\n\n## Chores\n- [ ] Clean the garage, 4/5\n- [ ] Call the plumber\n";
    repo.commit(
        &[(WEEK_3, Some(&week_3(plan_3)))],
        at(14, 9),
        "Week 3 goals",
    );
    let paper = plan_3.replace("- [ ] Read the transformer", "- [x] Read the transformer");
    repo.commit(
        &[(WEEK_3, Some(&week_3(&paper)))],
        at(15, 20),
        "Transformer paper read",
    );
    let presents = paper.replace("- [ ] Call the plumber\n", "- [ ] Buy presents, 5/5\n");
    repo.commit(
        &[(WEEK_3, Some(&week_3(&presents)))],
        at(16, 11),
        "No plumber needed; presents",
    );
    let chores = presents
        .replace("- [ ] Clean the garage", "- [x] Clean the garage")
        .replace("- [ ] Buy presents", "- [x] Buy presents");
    repo.commit(
        &[(WEEK_3, Some(&week_3(&chores)))],
        at(17, 16),
        "Chores done",
    );

    repo.repo
        .checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .expect("check out the posts");
    repo
}

/// One gitgoals run in `dir`, isolated, without colour, in UTC.
struct Output {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

fn gitgoals(scratch: &Scratch, dir: &Path, args: &[&str]) -> Output {
    let output = finish(
        scratch
            .command(GITGOALS, dir, args)
            .env("NO_COLOR", "1")
            .env("TZ", "UTC"),
    );
    Output {
        code: output.status.code(),
        stdout: String::from_utf8(output.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(output.stderr).expect("utf-8 stderr"),
    }
}

/// Ends `text` with an `[EOF]` line, as jj's snapshots do: insta trims trailing white space
/// from a snapshot, and the marker keeps a lost (or extra) final newline visible.
fn with_eof(text: &str) -> String {
    if text.is_empty() || text.ends_with('\n') {
        format!("{text}[EOF]\n")
    } else {
        format!("{text}\n[no newline at the end]\n[EOF]\n")
    }
}

/// `text` with every spelling of `dir` (as given and with links resolved: macOS's /tmp is
/// one) replaced by `name`: a temporary path differs on every run.
fn redact(text: &str, dir: &Path, name: &str) -> String {
    let mut out = text.to_string();
    let canonical = dir.canonicalize().unwrap_or_else(|_| dir.to_path_buf());
    // The longer spelling first, so a path that contains the other is replaced whole.
    let mut spellings = [dir.display().to_string(), canonical.display().to_string()];
    spellings.sort_by_key(|s| std::cmp::Reverse(s.len()));
    for spelling in spellings {
        out = out.replace(&spelling, name);
    }
    out
}

/// What a snapshot holds for one run: the command line, stdout, then stderr and the exit
/// code only when there is something to see, with temporary paths redacted.
fn transcript(args: &[&str], run: &Output, dir: &Path, name: &str) -> String {
    let mut out = format!("$ gitgoals {}\n", args.join(" "));
    out.push_str(&with_eof(&run.stdout));
    if !run.stderr.is_empty() {
        out.push_str("--- stderr ---\n");
        out.push_str(&with_eof(&run.stderr));
    }
    if run.code != Some(0) {
        out.push_str(&format!("[exit code {:?}]\n", run.code));
    }
    redact(&out, dir, name)
}

/// The hand-built blog with a scratch `HOME` to run gitgoals in.
struct Blog {
    scratch: Scratch,
    repo: TestRepo,
}

impl Blog {
    fn new() -> Blog {
        Blog {
            scratch: Scratch::new(),
            repo: weekly_blog(),
        }
    }

    /// The transcript of `gitgoals ARGS` in the blog. The first run writes the cache; a
    /// second run (served by it) and a run with `--no-cache` must print the same, so the
    /// snapshot speaks for all three ways of reading the history.
    fn run(&self, args: &[&str]) -> String {
        let dir = self.repo.path();
        let cold = gitgoals(&self.scratch, dir, args);
        assert_eq!(cold.code, Some(0), "gitgoals {args:?}: {}", cold.stderr);
        let warm = gitgoals(&self.scratch, dir, args);
        assert_eq!(
            warm.stdout, cold.stdout,
            "gitgoals {args:?} from the cache printed something else"
        );
        let uncached: Vec<&str> = std::iter::once("--no-cache")
            .chain(args.iter().copied())
            .collect();
        let fresh = gitgoals(&self.scratch, dir, &uncached);
        assert_eq!(
            fresh.stdout, cold.stdout,
            "gitgoals {uncached:?} printed something else than with the cache"
        );
        transcript(args, &cold, dir, "[TMP]")
    }
}

#[test]
fn history_table_with_trend_of_three_weeks() {
    insta::assert_snapshot!(Blog::new().run(&["history"]));
}

#[test]
fn history_json_document_of_three_weeks() {
    insta::assert_snapshot!(Blog::new().run(&["history", "--format", "json"]));
}

#[test]
fn tasks_with_their_lives() {
    insta::assert_snapshot!(Blog::new().run(&["tasks"]));
}

#[test]
fn log_of_every_task_event_newest_first() {
    insta::assert_snapshot!(Blog::new().run(&["log"]));
}

#[test]
fn carry_chains_longest_first() {
    insta::assert_snapshot!(Blog::new().run(&["carry"]));
}

#[test]
fn calibration_per_rating_with_verdicts() {
    insta::assert_snapshot!(Blog::new().run(&["calibration"]));
}

#[test]
fn show_of_a_post_with_its_due_date_from_the_text() {
    insta::assert_snapshot!(Blog::new().run(&["show", WEEK_1]));
}

/// `report` prints nothing on stdout: the snapshot is its message and the page it writes.
#[test]
fn report_html_page() {
    let blog = Blog::new();
    let dir = blog.repo.path();
    let page_path = blog.scratch.root.join("report.html");
    let page_arg = page_path.to_str().expect("utf-8 path");
    let page = |args: &[&str]| {
        let run = gitgoals(&blog.scratch, dir, args);
        assert_eq!(run.code, Some(0), "gitgoals {args:?}: {}", run.stderr);
        let html = std::fs::read_to_string(&page_path).expect("the report");
        std::fs::remove_file(&page_path).expect("remove the report");
        (run, html)
    };
    let args = ["report", "--html", page_arg];
    let (cold, html) = page(&args);
    assert_eq!(page(&args).1, html, "the report from the cache differs");
    assert_eq!(
        page(&["--no-cache", "report", "--html", page_arg]).1,
        html,
        "the report without the cache differs"
    );
    let mut snapshot = transcript(&args, &cold, &blog.scratch.root, "[TMP]");
    snapshot.push_str("--- [TMP]/report.html ---\n");
    snapshot.push_str(&with_eof(&html));
    insta::assert_snapshot!(snapshot);
}

/// `gitgoals demo`'s sample blog. Its generator may be replaced: these snapshots then change
/// on purpose and are rewritten; the hand-built blog above is what stays fixed.
struct Demo {
    scratch: Scratch,
    /// What `gitgoals demo DIR` printed.
    made: String,
}

impl Demo {
    fn new() -> Demo {
        let scratch = Scratch::new();
        let dir = scratch.root.join("demo");
        let args = ["demo", dir.to_str().expect("utf-8 path")];
        let run = gitgoals(&scratch, &scratch.root, &args);
        assert_eq!(run.code, Some(0), "gitgoals demo: {}", run.stderr);
        // The demo's own directory first, then the scratch root that holds it.
        let made = redact(
            &transcript(&args, &run, &dir, "[DEMO]"),
            &scratch.root,
            "[TMP]",
        );
        Demo { scratch, made }
    }

    fn dir(&self) -> std::path::PathBuf {
        self.scratch.root.join("demo")
    }

    /// The transcript of `gitgoals ARGS` in the demo blog.
    fn run(&self, args: &[&str]) -> String {
        let dir = self.dir();
        let run = gitgoals(&self.scratch, &dir, args);
        assert_eq!(run.code, Some(0), "gitgoals {args:?}: {}", run.stderr);
        transcript(args, &run, &dir, "[DEMO]")
    }
}

#[test]
fn demo_says_what_it_made_and_shows_its_history() {
    insta::assert_snapshot!(Demo::new().made);
}

#[test]
fn demo_tasks_log_carry_and_calibration() {
    let demo = Demo::new();
    let all: Vec<String> = [
        &["tasks"][..],
        &["log"],
        &["carry"],
        &["calibration"],
        &["show"],
    ]
    .iter()
    .map(|args| demo.run(args))
    .collect();
    insta::assert_snapshot!(all.join("\n"));
}

#[test]
fn demo_history_json_document() {
    insta::assert_snapshot!(Demo::new().run(&["history", "--format", "json"]));
}
