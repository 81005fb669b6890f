//! The synthetic blog model checked on its own: its figures add up, its files say what its
//! truth says, and its presets cover what the engine must handle. (Kept here rather than in
//! the module, whose tests would run again in every test binary that includes it.)

#[path = "support/synthetic.rs"]
mod synthetic;

use gitgoals::core::dates::find_due_phrase;
use gitgoals::core::model::{DueSource, EventKind};
use std::path::Path;

use synthetic::{Blog, Line, Spec, TaskStatus, TaskTruth, bigrams, dice, generate};

fn text_of<'a>(blog: &'a Blog, path: &str) -> &'a str {
    std::str::from_utf8(&blog.final_files[path]).unwrap_or_default()
}

fn several() -> Vec<Blog> {
    let mut blogs: Vec<Blog> = (1..=4).map(|seed| generate(&Spec::test(seed))).collect();
    blogs.push(generate(&Spec::small()));
    blogs
}

#[test]
fn same_seed_gives_the_same_bytes_and_truth() {
    let first = generate(&Spec::test(42));
    let second = generate(&Spec::test(42));
    assert_eq!(first.commits, second.commits);
    assert_eq!(first.final_files, second.final_files);
    assert_eq!(first.truth, second.truth);
    let other = generate(&Spec::test(43));
    assert_ne!(first.final_files, other.final_files);
}

#[test]
fn weekly_figures_add_up() {
    for blog in several() {
        let posts = &blog.truth.posts;
        assert_eq!(posts.len(), blog.spec.weeks);
        for (index, post) in posts.iter().enumerate() {
            assert!(post.figures.tasks > 0, "{} has no tasks", post.path);
            assert_eq!(
                post.figures.tasks,
                post.figures.done + post.figures.open,
                "{}",
                post.path
            );
            assert_eq!(
                post.figures.tasks,
                post.figures.planned + post.figures.added,
                "{}",
                post.path
            );
            let by_confidence: usize = post.by_confidence.values().map(|t| t.total).sum();
            let by_section: usize = post.by_section.values().map(|t| t.total).sum();
            let done_by_section: usize = post.by_section.values().map(|t| t.done).sum();
            assert_eq!(
                (by_confidence, by_section),
                (post.figures.tasks, post.figures.tasks)
            );
            assert_eq!(done_by_section, post.figures.done);
            if let Some(on_time) = post.figures.done_on_time {
                assert!(on_time <= post.figures.done);
            }
            match posts.get(index + 1) {
                Some(next) => {
                    assert_eq!(
                        post.figures.carried_out, next.figures.carried_in,
                        "{}",
                        post.path
                    );
                    assert_eq!(
                        post.figures.dropped,
                        post.figures.open - post.figures.carried_out,
                        "{}",
                        post.path
                    );
                    assert!(post.date < next.date);
                }
                None => assert_eq!((post.figures.dropped, post.figures.carried_out), (0, 0)),
            }
            assert!(
                (post.completion - post.figures.done as f64 / post.figures.tasks as f64).abs()
                    < 1e-12
            );
        }
        assert_eq!(posts[0].figures.carried_in, 0);
    }
}

#[test]
fn task_lives_agree_with_the_weekly_figures() {
    for blog in several() {
        for post in &blog.truth.posts {
            let mine: Vec<&TaskTruth> = blog
                .truth
                .tasks
                .iter()
                .filter(|t| t.post == post.path)
                .collect();
            let status = |s: TaskStatus| mine.iter().filter(|t| t.status == s).count();
            assert_eq!(status(TaskStatus::Done), post.figures.done);
            assert_eq!(status(TaskStatus::Open), post.figures.open);
            assert_eq!(status(TaskStatus::Removed), post.figures.removed);
            for task in &mine {
                assert_eq!(task.checked.is_some(), task.status == TaskStatus::Done);
                assert_eq!(task.events.first().map(|e| e.kind), Some(EventKind::Added));
                assert_eq!(task.events[0].commit, task.added.commit);
                if let Some(checked) = task.checked {
                    assert!(checked.commit >= task.added.commit);
                }
            }
        }
        for task in &blog.truth.tasks {
            if let Some(to) = &task.carried_to {
                let next = &blog.truth.tasks[to.task];
                assert_eq!(next.carried_from.as_ref().map(|l| l.task), Some(task.id));
                assert_eq!(next.carry_streak, task.carry_streak + 1);
                assert_eq!(task.status, TaskStatus::Open);
                assert_ne!(next.status, TaskStatus::Removed);
                assert!(next.planned);
            }
            if task.carried_from.is_none() {
                assert_eq!(task.carry_streak, 0);
            }
        }
    }
}

#[test]
fn committed_files_show_what_the_truth_says() {
    // An independent reading: count checkbox lines in each post's last version.
    for blog in several() {
        for post in &blog.truth.posts {
            let text = text_of(&blog, &post.path);
            let open = text.lines().filter(|l| l.starts_with("- [ ] ")).count();
            let done = text.lines().filter(|l| l.starts_with("- [x] ")).count();
            assert_eq!(
                (open, done),
                (post.figures.open, post.figures.done),
                "{}",
                post.path
            );
            let first_task = text.find("- [").unwrap_or(text.len());
            let due = find_due_phrase(&text[..first_task], Some(post.date));
            match post.due_source {
                DueSource::Text => assert_eq!(due.map(|d| d.date), Some(post.due)),
                _ => assert_eq!(due, None, "{}", post.path),
            }
        }
        for task in &blog.truth.tasks {
            let text = text_of(&blog, &task.post);
            let line = text.lines().find(|l| {
                l.starts_with("- [")
                    && (l.contains(&format!("{}**", task.text))
                        || l.contains(&format!("{},", task.text))
                        || l.contains(&format!("{} (", task.text))
                        || l.contains(&format!("[{}]", task.text))
                        || l.ends_with(&format!("] {}", task.text)))
            });
            assert_eq!(
                line.is_some(),
                task.status != TaskStatus::Removed,
                "{task:?}"
            );
        }
    }
}

#[test]
fn posts_use_every_pattern_of_the_seed_post() {
    let blog = generate(&Spec::small());
    let all: String = blog
        .truth
        .posts
        .iter()
        .map(|p| text_of(&blog, &p.path))
        .collect();
    let has = |needle: &str| {
        all.lines()
            .any(|l| l.starts_with("- [") && l.contains(needle))
    };
    let rated = |line: &str, pattern: fn(&str, u8) -> String| {
        (1..=5).any(|r| line.contains(&pattern("", r)))
    };
    assert!(
        all.lines()
            .any(|l| l.starts_with("- [") && rated(l, |_, r| format!(", {r}/5")))
    );
    assert!(
        all.lines()
            .any(|l| l.starts_with("- [") && rated(l, |_, r| format!(" ({r}/5)")))
    );
    assert!(
        all.lines()
            .any(|l| l.starts_with("- [") && rated(l, |_, r| format!(") {r}/5")))
    );
    assert!(has("** [[link]]("));
    assert!(
        all.lines()
            .any(|l| l.starts_with("- [x] **") && l.contains("** *") && l.ends_with('*'))
    );
    assert!(
        all.lines()
            .any(|l| l.starts_with("- [ ] ") && !l.contains("/5"))
    );
    assert!(all.contains("\n<br>\n<br>\n"));
    assert!(all.contains("\n### Courses\n#### Assignments\n"));
    assert!(all.contains("tasks that I can finish by "));
    assert!(all.starts_with("---\nlayout: post\ntitle:  \"Week 1: "));
}

#[test]
fn distinct_tasks_have_distinct_titles() {
    for blog in several() {
        let posts = &blog.truth.posts;
        for pair in posts
            .windows(2)
            .map(|w| [&w[0], &w[1]])
            .chain([[&posts[0], &posts[0]]])
        {
            let titles: Vec<&TaskTruth> = blog
                .truth
                .tasks
                .iter()
                .filter(|t| t.post == pair[0].path || t.post == pair[1].path)
                .collect();
            for (i, a) in titles.iter().enumerate() {
                for b in &titles[i + 1..] {
                    let same_task = a.carried_to.as_ref().is_some_and(|l| l.task == b.id);
                    let numbers = |t: &str| -> Vec<String> {
                        t.split(|c: char| !c.is_ascii_digit())
                            .filter(|s| !s.is_empty())
                            .map(String::from)
                            .collect()
                    };
                    if same_task || numbers(&a.text) != numbers(&b.text) {
                        continue;
                    }
                    let similarity = dice(&bigrams(&a.text), &bigrams(&b.text));
                    assert!(
                        similarity < 0.6,
                        "{:?} vs {:?}: {similarity}",
                        a.text,
                        b.text
                    );
                }
            }
        }
    }
}

#[test]
fn the_test_preset_covers_every_case_the_engine_must_handle() {
    let blog = generate(&Spec::test(1));
    assert!(
        (250..=350).contains(&blog.commits.len()),
        "{}",
        blog.commits.len()
    );
    let tasks = &blog.truth.tasks;
    for kind in [
        EventKind::Added,
        EventKind::Checked,
        EventKind::Unchecked,
        EventKind::Edited,
        EventKind::Moved,
        EventKind::Removed,
    ] {
        assert!(
            tasks
                .iter()
                .any(|t| t.events.iter().any(|e| e.kind == kind)),
            "{kind:?}"
        );
    }
    assert!(tasks.iter().any(|t| t.carry_streak >= 2));
    assert!(
        tasks
            .iter()
            .any(|t| t.carried_from.as_ref().is_some_and(|l| l.text != t.text))
    );
    let posts = &blog.truth.posts;
    assert!(posts[..2].iter().all(|p| p.figures.done_on_time.is_none()));
    assert!(posts[2..].iter().all(|p| p.figures.done_on_time.is_some()));
    assert!(
        posts
            .iter()
            .any(|p| p.figures.done_on_time.is_some_and(|n| n < p.figures.done))
    );
    assert!(
        posts
            .iter()
            .any(|p| p.figures.dropped > 0 && p.figures.added > 0 && p.figures.removed > 0)
    );
    assert!(posts.iter().any(|p| p.due_source == DueSource::NextPost));
    // The same course's homework in one post, told apart only by its number.
    assert!(posts.iter().any(|p| {
        let hw: Vec<&str> = tasks
            .iter()
            .filter(|t| t.post == p.path && t.text.starts_with("CS242 HW "))
            .map(|t| t.text.as_str())
            .collect();
        hw.len() >= 2
    }));
}

#[test]
fn the_small_preset_shows_carry_over_and_a_late_tick() {
    let blog = generate(&Spec::small());
    assert!((5..=8).contains(&blog.truth.posts.len()));
    let tasks = &blog.truth.tasks;
    assert!(tasks.iter().any(|t| t.carry_streak >= 2));
    assert!(tasks.iter().any(|t| !t.planned));
    assert!(
        blog.truth
            .posts
            .iter()
            .any(|p| p.figures.done_on_time.is_some_and(|n| n < p.figures.done))
    );
    assert!(blog.truth.posts.iter().any(|p| p.figures.dropped > 0));
}

#[test]
fn commit_times_increase_in_the_fixed_offset() {
    let blog = generate(&Spec::test(5));
    for pair in blog.commits.windows(2) {
        assert!(pair[0].time < pair[1].time);
    }
    assert!(
        blog.commits
            .iter()
            .all(|c| c.time.offset().local_minus_utc() == 3600)
    );
}

#[test]
fn the_bench_preset_is_about_thirteen_thousand_commits() {
    let blog = generate(&Spec::bench());
    assert_eq!(blog.truth.posts.len(), 1000);
    assert!(
        (12_500..=13_500).contains(&blog.commits.len()),
        "{}",
        blog.commits.len()
    );
    let other = blog
        .commits
        .iter()
        .filter(|c| c.writes.iter().all(|w| !w.path.starts_with("_posts/")))
        .count();
    assert!(other > 2000, "{other}");
}

#[test]
fn dice_scores_near_duplicates_high_and_strangers_low() {
    let score = |a: &str, b: &str| dice(&bigrams(a), &bigrams(b));
    assert!(
        score(
            "Review my notes on Markov chains",
            "Review my notes on Markov chians"
        ) > 0.8
    );
    assert!(
        score(
            "Review my notes on Markov chains",
            "Deploy Kestrel to a small server"
        ) < 0.3
    );
    assert_eq!(score("same", "same"), 1.0);
}

#[test]
fn merges_and_drafts_are_real_merge_commits_and_renames() {
    let blog = generate(&Spec::rewording_merges_drafts(1));
    let dir = tempfile::tempdir().expect("temp dir");
    let written = synthetic::write_repo(&blog, dir.path()).expect("repository written");
    let repo = git2::Repository::open(dir.path()).expect("repository opens");
    let (mut merges, mut side_posts, mut drafts_seen) = (0, 0, false);
    for (commit, id) in blog.commits.iter().zip(&written.commits) {
        let object = repo.find_commit(*id).expect("commit written");
        let tree = object.tree().expect("tree");
        drafts_seen |= tree.get_name("_drafts").is_some();
        match commit.line {
            Line::Merge => {
                merges += 1;
                assert_eq!(object.parent_count(), 2, "{}", commit.message);
                // The merge brings the side branch's post into the main line.
                let side = object.parent(1).expect("side parent").tree().expect("tree");
                let first = object
                    .parent(0)
                    .expect("first parent")
                    .tree()
                    .expect("tree");
                let diff = repo
                    .diff_tree_to_tree(Some(&first), Some(&tree), None)
                    .expect("diff");
                assert!(diff.deltas().len() >= 1, "{}", commit.message);
                let post = diff
                    .deltas()
                    .next()
                    .and_then(|d| d.new_file().path().map(Path::to_owned));
                let post = post.expect("a changed path");
                assert!(post.starts_with("_posts"), "{post:?}");
                assert_eq!(
                    side.get_path(&post).expect("on the side").id(),
                    tree.get_path(&post).expect("merged").id()
                );
            }
            Line::Side => {
                side_posts += 1;
                assert_eq!(object.parent_count(), 1);
            }
            Line::Main => assert!(object.parent_count() <= 1),
        }
    }
    assert!(
        merges >= 10 && side_posts >= merges,
        "{merges} merges, {side_posts} side commits"
    );
    assert!(drafts_seen, "some commit holds a draft");
    // Every draft was published: the last tree has none, and no truth names one.
    assert!(
        !blog
            .final_files
            .keys()
            .any(|path| path.starts_with("_drafts/"))
    );
    assert!(
        blog.truth
            .posts
            .iter()
            .all(|p| p.path.starts_with("_posts/"))
    );
    let head = repo.head().expect("head").peel_to_tree().expect("tree");
    assert!(head.get_name("_drafts").is_none());
    // A draft is written without a date and kept off the site until it is published.
    let draft = blog
        .commits
        .iter()
        .flat_map(|c| &c.writes)
        .find(|w| w.path.starts_with("_drafts/"))
        .expect("a draft written");
    let text = String::from_utf8_lossy(&draft.content);
    assert!(
        text.contains("published: false") && !text.contains("\ndate:"),
        "{text}"
    );
}
