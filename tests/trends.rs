//! Trends and charts checked against synthetic blogs whose truth is known: every figure is
//! recomputed here from the generator's own record of what it did, not by gitgoals' code.

mod common;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;
use gitgoals::core::ledger::{self, Ledger, Week};
use gitgoals::git::Repo;
use gitgoals::git::read::HistoryOptions;
use gitgoals::{core::trends, render::chart};
use synthetic::{Blog, Spec, TaskStatus, TaskTruth};

fn read(seed: u64) -> (Blog, tempfile::TempDir, Ledger) {
    common::hermetic_libgit2();
    let blog = synthetic::generate(&Spec::test(seed));
    let dir = tempfile::tempdir().expect("temp dir");
    synthetic::write_repo(&blog, dir.path()).expect("repository written");
    let repo = Repo::open(Some(dir.path())).expect("repository opens");
    let history =
        gitgoals::git::read::read_history(&repo, &HistoryOptions::default()).expect("history");
    let ledger = ledger::build(&history);
    assert_eq!(ledger.weeks.len(), blog.truth.posts.len(), "seed {seed}");
    (blog, dir, ledger)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-12
}

/// (tasks, done, on time known, done on time) per rating, and the two Brier sums.
#[derive(Default)]
struct Expected {
    by_rating: BTreeMap<u8, [usize; 4]>,
    unrated: usize,
    on_time_unknown: usize,
    squared: f64,
    squared_on_time: f64,
}

fn expected_calibration(blog: &Blog) -> Expected {
    let post_of: HashMap<&str, &synthetic::PostTruth> = blog
        .truth
        .posts
        .iter()
        .map(|p| (p.path.as_str(), p))
        .collect();
    let mut e = Expected::default();
    for task in &blog.truth.tasks {
        if task.status == TaskStatus::Removed {
            continue;
        }
        let post = post_of[task.post.as_str()];
        let Some(rating) = task.confidence else {
            e.unrated += 1;
            continue;
        };
        let forecast = f64::from(rating) / 5.0;
        let done = task.status == TaskStatus::Done;
        let row = e.by_rating.entry(rating).or_default();
        row[0] += 1;
        row[1] += usize::from(done);
        e.squared += (forecast - if done { 1.0 } else { 0.0 }).powi(2);
        if post.figures.done_on_time.is_some() {
            let on_time = done
                && task
                    .checked
                    .is_some_and(|c| c.time.date_naive() <= post.due);
            row[2] += 1;
            row[3] += usize::from(on_time);
            e.squared_on_time += (forecast - if on_time { 1.0 } else { 0.0 }).powi(2);
        } else {
            e.on_time_unknown += 1;
        }
    }
    e
}

fn check_calibration(seed: u64, blog: &Blog, ledger: &Ledger) {
    let want = expected_calibration(blog);
    let got = trends::calibration(ledger, None, gitgoals::core::post::RATING_SCALE);
    let rows: BTreeMap<u8, [usize; 4]> = got
        .ratings
        .iter()
        .map(|r| (r.rating, [r.tasks, r.done, r.on_time_known, r.done_on_time]))
        .collect();
    assert_eq!(rows, want.by_rating, "seed {seed}: per rating");
    assert!(want.by_rating.len() >= 4, "seed {seed}: ratings spread out");
    assert!(
        want.on_time_unknown > 0,
        "seed {seed}: imported weeks present"
    );
    assert_eq!(got.unrated, want.unrated, "seed {seed}");
    assert_eq!(got.on_time_unknown, want.on_time_unknown, "seed {seed}");
    let rated: usize = want.by_rating.values().map(|r| r[0]).sum();
    let known: usize = want.by_rating.values().map(|r| r[2]).sum();
    assert_eq!(got.rated, rated);
    assert!(close(
        got.brier.expect("rated tasks"),
        want.squared / rated as f64
    ));
    assert!(close(
        got.brier_on_time.expect("known"),
        want.squared_on_time / known as f64
    ));
    for row in &got.ratings {
        let claim = f64::from(row.rating) / 5.0;
        let share = row.done as f64 / row.tasks as f64;
        let verdict = if row.tasks < 5 {
            trends::Verdict::TooFewToJudge
        } else if share < claim - 0.1 - 1e-9 {
            trends::Verdict::OverConfident
        } else if share > claim + 0.1 + 1e-9 {
            trends::Verdict::UnderConfident
        } else {
            trends::Verdict::WellCalibrated
        };
        assert_eq!(row.verdict, verdict, "seed {seed}: rating {}", row.rating);
    }
}

/// A chain as the truth tells it: the posts it went through, its last title, its fate.
type Chain = (Vec<String>, String, trends::Fate);

fn expected_chains(blog: &Blog) -> Vec<Chain> {
    let tasks = &blog.truth.tasks;
    let newest = blog.truth.posts.last().map(|p| p.path.clone());
    let mut chains = Vec::new();
    for start in tasks
        .iter()
        .filter(|t| t.carried_from.is_none() && t.carried_to.is_some())
    {
        let mut posts = vec![start.post.clone()];
        let mut last: &TaskTruth = start;
        while let Some(link) = &last.carried_to {
            last = &tasks[link.task];
            posts.push(last.post.clone());
        }
        // The streak recorded on the last post is an independent count of the same chain.
        assert_eq!(posts.len(), last.carry_streak + 1, "{:?}", last.text);
        let fate = match last.status {
            TaskStatus::Done => trends::Fate::Done,
            TaskStatus::Removed => trends::Fate::Removed,
            TaskStatus::Open if Some(&last.post) == newest.as_ref() => trends::Fate::Open,
            TaskStatus::Open => trends::Fate::Dropped,
        };
        chains.push((posts, last.text.clone(), fate));
    }
    chains
}

fn check_carry(seed: u64, blog: &Blog, ledger: &Ledger) {
    let got = trends::carry_chains(ledger, 2);
    assert!(
        got.windows(2).all(|w| w[0].weeks() >= w[1].weeks()),
        "seed {seed}: longest first"
    );
    let mut got: Vec<Chain> = got
        .iter()
        .map(|c| {
            let posts = c
                .tasks
                .iter()
                .map(|&i| ledger.weeks[ledger.tasks[i].week].path.clone())
                .collect();
            let last = c.last(ledger).expect("chain has a last task");
            (posts, last.task.title.to_string(), c.fate)
        })
        .collect();
    let mut want = expected_chains(blog);
    assert!(
        want.iter().any(|c| c.0.len() >= 3),
        "seed {seed}: some task carried twice"
    );
    let order = |c: &Chain| (c.0.clone(), c.1.clone(), c.2.as_str());
    got.sort_by_key(order);
    want.sort_by_key(order);
    assert_eq!(got, want, "seed {seed}: carry chains");

    // The oldest open goal: open in the newest post, its chain starting earliest.
    let tasks = &blog.truth.tasks;
    let newest = &blog.truth.posts.last().expect("posts").path;
    let post_index: HashMap<&str, usize> = blog
        .truth
        .posts
        .iter()
        .enumerate()
        .map(|(i, p)| (p.path.as_str(), i))
        .collect();
    let origin = |task: &TaskTruth| {
        let mut t = task;
        let mut weeks = 1;
        while let Some(link) = &t.carried_from {
            t = &tasks[link.task];
            weeks += 1;
        }
        (post_index[t.post.as_str()], weeks)
    };
    let open: Vec<(usize, usize, &str)> = tasks
        .iter()
        .filter(|t| &t.post == newest && t.status == TaskStatus::Open)
        .map(|t| {
            let (start, weeks) = origin(t);
            (start, weeks, t.text.as_str())
        })
        .collect();
    let got = trends::oldest_open(ledger);
    match open.iter().map(|o| o.0).min() {
        None => assert_eq!(got, None, "seed {seed}"),
        Some(earliest) => {
            let got = got.expect("an open goal");
            let title = &*got.last(ledger).expect("last").task.title;
            assert!(
                open.iter().any(|&(start, weeks, text)| start == earliest
                    && text == title
                    && weeks == got.weeks()),
                "seed {seed}: oldest open {title:?}, {} weeks; candidates {open:?}",
                got.weeks()
            );
        }
    }
}

fn check_weekly_series(seed: u64, blog: &Blog, ledger: &Ledger) {
    let posts = &blog.truth.posts;
    let weeks: Vec<&Week> = ledger.weeks.iter().collect();
    let points = trends::week_points(&weeks);
    let mut window: Vec<f64> = Vec::new();
    for (point, post) in points.iter().zip(posts) {
        let completion = post.figures.done as f64 / post.figures.tasks as f64;
        window.push(completion);
        if window.len() > 4 {
            window.remove(0);
        }
        let rolling = window.iter().sum::<f64>() / window.len() as f64;
        assert_eq!(point.date, post.date, "seed {seed}");
        assert!(close(point.completion, completion), "seed {seed}");
        assert!(close(point.rolling_completion, rolling), "seed {seed}");
        assert_eq!(
            (point.carried_in, point.added),
            (post.figures.carried_in, post.figures.added)
        );
        let hit = post
            .figures
            .done_on_time
            .map(|n| n as f64 / post.figures.tasks as f64);
        assert_eq!(point.due_hit_rate.is_some(), hit.is_some(), "seed {seed}");
        if let (Some(got), Some(want)) = (point.due_hit_rate, hit) {
            assert!(close(got, want), "seed {seed}: {}", post.path);
        }
    }

    // Unplanned goals' share of what got done.
    let done: Vec<&TaskTruth> = blog
        .truth
        .tasks
        .iter()
        .filter(|t| t.status == TaskStatus::Done)
        .collect();
    let unplanned = trends::unplanned_share(ledger, &weeks);
    assert_eq!(unplanned.done, done.len(), "seed {seed}");
    assert_eq!(
        unplanned.unplanned_done,
        done.iter().filter(|t| !t.planned).count(),
        "seed {seed}"
    );
    assert!(
        unplanned.unplanned_done > 0,
        "seed {seed}: unplanned work done"
    );

    // Carry-over rate over the weeks that have a next post, in the last four and before.
    let rate = |part: &[synthetic::PostTruth]| {
        let closed: Vec<_> = part
            .iter()
            .take_while(|p| p.path != posts[posts.len() - 1].path)
            .collect();
        let tasks: usize = closed.iter().map(|p| p.figures.tasks).sum();
        let carried: usize = closed.iter().map(|p| p.figures.carried_out).sum();
        gitgoals::core::tally::round3(carried as f64 / tasks as f64)
    };
    let (before, recent) = posts.split_at(posts.len() - gitgoals::render::report::RECENT_WEEKS);
    let summary =
        gitgoals::render::report::Summary::of(&weeks, gitgoals::render::report::RECENT_WEEKS);
    assert_eq!(
        summary.recent.unwrap().carry_over_rate,
        rate(recent),
        "seed {seed}"
    );
    assert_eq!(
        summary.before.unwrap().carry_over_rate,
        rate(before),
        "seed {seed}"
    );

    // When the done tasks were ticked, day by day from each post's date.
    let mut days: HashMap<&str, [usize; 8]> = HashMap::new();
    for task in &done {
        let post = posts.iter().find(|p| p.path == task.post).expect("post");
        let checked = task.checked.expect("done tasks have a checking commit");
        let offset = (checked.time.date_naive() - post.date)
            .num_days()
            .clamp(0, 7);
        days.entry(task.post.as_str()).or_default()[offset as usize] += 1;
    }
    for (week, got) in ledger.weeks.iter().zip(trends::tick_days(ledger)) {
        let want = days.get(week.path.as_str()).copied().unwrap_or_default();
        assert_eq!(got, want, "seed {seed}: ticks of {}", week.path);
    }
}

/// Set `GITGOALS_TEST_CHARTS=DIR` to keep the charts drawn here, to look at them.
fn keep(name: &str, svg: &str) {
    if let Some(dir) = std::env::var_os("GITGOALS_TEST_CHARTS") {
        let path = std::path::Path::new(&dir).join(name);
        std::fs::write(&path, svg).expect("chart kept");
    }
}

fn check_charts(seed: u64, blog: &Blog, ledger: &Ledger) {
    let weeks: Vec<&Week> = ledger.weeks.iter().collect();
    let (points, grouping) = trends::chart_points(&weeks);
    assert_eq!(
        grouping,
        trends::ChartGrouping::PerPost,
        "a blog is one series"
    );
    let svg = chart::history_svg(&points, grouping).expect("history chart");
    keep(&format!("history-{seed}.svg"), &svg);
    let doc = roxmltree::Document::parse(&svg).expect("the history chart is XML");
    let count = |tag: &str, color: plotters::style::RGBColor| {
        let color = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
        doc.descendants()
            .filter(|n| n.has_tag_name(tag) && n.attribute("fill") == Some(color.as_str()))
            .count()
    };
    let posts = &blog.truth.posts;
    // One point a week, one bar a week with carried-in or added goals; plus the legend's.
    assert_eq!(count("circle", chart::COMPLETION), posts.len() + 1);
    let carried = posts.iter().filter(|p| p.figures.carried_in > 0).count();
    let added = posts.iter().filter(|p| p.figures.added > 0).count();
    assert_eq!(count("rect", chart::CARRIED_IN), carried + 1);
    assert_eq!(count("rect", chart::ADDED), added + 1);
    let known = posts
        .iter()
        .filter(|p| p.figures.done_on_time.is_some())
        .count();
    assert_eq!(count("polygon", chart::DUE_HIT), known);
    let first = posts[0].date.to_string();
    assert!(
        doc.descendants()
            .any(|n| n.text().map(str::trim) == Some(first.as_str())),
        "first week's date labelled"
    );

    let calibration = trends::calibration(ledger, None, gitgoals::core::post::RATING_SCALE);
    let svg = chart::calibration_svg(&calibration).expect("calibration chart");
    keep(&format!("calibration-{seed}.svg"), &svg);
    let doc = roxmltree::Document::parse(&svg).expect("the calibration chart is XML");
    let color = chart::DONE_SHARE;
    let color = format!("#{:02X}{:02X}{:02X}", color.0, color.1, color.2);
    let points = doc
        .descendants()
        .filter(|n| n.has_tag_name("circle") && n.attribute("fill") == Some(color.as_str()))
        .count();
    let want = expected_calibration(blog);
    assert_eq!(points, want.by_rating.len() + 1);
    for (rating, row) in &want.by_rating {
        let label = format!("{rating}/5 (n={})", row[0]);
        assert!(
            doc.descendants()
                .any(|n| n.text().map(str::trim) == Some(label.as_str())),
            "{label}"
        );
    }
}

#[test]
fn trends_match_the_truth_of_synthetic_blogs() {
    for seed in [1, 2, 3] {
        let (blog, _dir, ledger) = read(seed);
        check_calibration(seed, &blog, &ledger);
        check_carry(seed, &blog, &ledger);
        check_weekly_series(seed, &blog, &ledger);
        check_charts(seed, &blog, &ledger);
    }
}

#[test]
fn commands_write_charts_that_parse() {
    use clap::Parser;
    let (blog, dir, _) = read(4);
    let out = tempfile::tempdir().expect("temp dir");
    let history_chart = out.path().join("history.svg");
    let calibration_chart = out.path().join("calibration.svg");
    let repo = dir.path().to_string_lossy().to_string();
    for args in [
        vec![
            "history",
            "--last",
            "8",
            "--chart",
            history_chart.to_str().unwrap(),
        ],
        vec![
            "calibration",
            "--chart",
            calibration_chart.to_str().unwrap(),
        ],
    ] {
        let mut argv = vec!["gitgoals", "-C", repo.as_str()];
        argv.extend(args);
        let cli = gitgoals::cli::Cli::try_parse_from(&argv).expect("arguments parse");
        gitgoals::cli::run(cli).expect("command runs");
    }
    let svg = std::fs::read_to_string(&history_chart).expect("history chart written");
    let doc = roxmltree::Document::parse(&svg).expect("XML");
    // Only the last eight weeks are drawn, labelled by their dates.
    let shown: Vec<String> = blog.truth.posts[blog.truth.posts.len() - 8..]
        .iter()
        .map(|p| p.date.to_string())
        .collect();
    let dates: Vec<&str> = doc
        .descendants()
        .filter(|n| n.has_tag_name("text"))
        .filter_map(|n| n.text().map(str::trim))
        .filter(|t| NaiveDate::parse_from_str(t, "%Y-%m-%d").is_ok())
        .collect();
    assert!(dates.len() >= 3, "{dates:?}");
    assert!(
        dates.iter().all(|d| shown.iter().any(|s| s == d)),
        "{dates:?}"
    );
    assert_eq!(dates[0], shown[0]);
    let svg = std::fs::read_to_string(&calibration_chart).expect("calibration chart written");
    roxmltree::Document::parse(&svg).expect("XML");
}
