//! `history` and `tasks` checked figure by figure against synthetic blogs whose every answer is
//! known: the generator decides each tick, addition, carry and drop, and records the truth.

#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::HashMap;

use gitgoals::git::Repo;
use gitgoals::git::read::HistoryOptions;
use gitgoals::{core::ledger, core::tally, render::report};
use serde_json::{Value, json};
use synthetic::{Line, Spec, TaskStatus};

fn check_seed(seed: u64) {
    check(seed, Spec::test(seed));
}

fn check(seed: u64, spec: Spec) {
    let blog = synthetic::generate(&spec);
    let dir = tempfile::tempdir().expect("temp dir");
    let written = synthetic::write_repo(&blog, dir.path()).expect("repository written");
    let id = |commit: usize| written.commits[commit].to_string();

    let repo = Repo::open(Some(dir.path())).expect("repository opens");
    let history =
        gitgoals::git::read::read_history(&repo, &HistoryOptions::default()).expect("history");
    let ledger = ledger::build(&history);
    let weeks: Vec<&ledger::Week> = ledger.weeks.iter().collect();
    let got = serde_json::to_value(report::history_document(&ledger, &weeks)).unwrap();
    assert_eq!(got["head"], json!(written.head.to_string()));

    let posts = got["posts"].as_array().unwrap();
    assert!(
        blog.truth.posts.len() > 10 && blog.truth.tasks.len() > 100,
        "seed {seed}: a blog big enough to mean something"
    );
    assert!(blog.truth.posts.iter().any(|p| p.figures.carried_in > 0
        && p.figures.done_on_time.is_some()
        && p.figures.added > 0));
    assert_eq!(
        posts.len(),
        blog.truth.posts.len(),
        "seed {seed}: number of goals posts"
    );
    for (post, want) in posts.iter().zip(&blog.truth.posts) {
        let mut want = serde_json::to_value(want).unwrap();
        want["completion"] = json!(tally::round3(want["completion"].as_f64().unwrap()));
        for key in want.as_object().unwrap().keys() {
            assert_eq!(post[key], want[key], "seed {seed}, {}: {key}", want["path"]);
        }
    }

    let records: Vec<&ledger::TaskRecord> = ledger.tasks.iter().collect();
    let got = serde_json::to_value(report::tasks_document(&ledger, &history, &records)).unwrap();
    let got = got["tasks"].as_array().unwrap();
    assert_eq!(
        got.len(),
        blog.truth.tasks.len(),
        "seed {seed}: number of tasks"
    );
    let by_name: HashMap<(String, String), &Value> = got
        .iter()
        .map(|t| {
            let key = (
                t["post"].as_str().unwrap().to_string(),
                t["text"].as_str().unwrap().to_string(),
            );
            (key, t)
        })
        .collect();
    for want in &blog.truth.tasks {
        let context = format!("seed {seed}, {} / {:?}", want.post, want.text);
        let task = by_name
            .get(&(want.post.clone(), want.text.clone()))
            .unwrap_or_else(|| panic!("{context}: no such task"));
        let status = match want.status {
            TaskStatus::Done => "done",
            TaskStatus::Open => "open",
            TaskStatus::Removed => "removed",
        };
        assert_eq!(task["status"], json!(status), "{context}: status");
        assert_eq!(task["section"], json!(want.section), "{context}: section");
        assert_eq!(
            task["confidence"],
            json!(want.confidence),
            "{context}: confidence"
        );
        assert_eq!(task["planned"], json!(want.planned), "{context}: planned");
        assert_eq!(
            task["added"]["commit"],
            json!(id(want.added.commit)),
            "{context}: added"
        );
        assert_eq!(
            task["checked"]["commit"],
            want.checked.map_or(Value::Null, |c| json!(id(c.commit))),
            "{context}: checked"
        );
        assert_eq!(
            task["carry_streak"],
            json!(want.carry_streak),
            "{context}: streak"
        );
        for (side, link) in [
            ("carried_from", &want.carried_from),
            ("carried_to", &want.carried_to),
        ] {
            let got_link = (&task[side]["post"], &task[side]["text"]);
            match link {
                Some(link) => assert_eq!(
                    got_link,
                    (&json!(link.post), &json!(link.text)),
                    "{context}: {side}"
                ),
                None => assert_eq!(task[side], Value::Null, "{context}: {side}"),
            }
        }
        let events: Vec<(String, String)> = task["events"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    e["kind"].as_str().unwrap().to_string(),
                    e["commit"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        let want_events: Vec<(String, String)> = want
            .events
            .iter()
            .map(|e| (e.kind.as_str().to_string(), id(e.commit)))
            .collect();
        assert_eq!(events, want_events, "{context}: events");
    }
}

#[test]
fn history_and_tasks_match_the_truth_of_synthetic_blogs() {
    for seed in [1, 2, 3] {
        check_seed(seed);
    }
}

#[test]
fn history_and_tasks_match_the_truth_through_merges_and_drafts() {
    for seed in [1, 2] {
        let spec = Spec {
            merges: 0.5,
            drafts: 0.4,
            ..Spec::test(seed)
        };
        let blog = synthetic::generate(&spec);
        let merges = blog
            .commits
            .iter()
            .filter(|c| c.line == Line::Merge)
            .count();
        let published = blog
            .commits
            .iter()
            .filter(|c| !c.deletes.is_empty())
            .count();
        assert!(
            merges >= 5 && published >= 5,
            "{merges} merges, {published} drafts"
        );
        check(seed, spec);
    }
}
