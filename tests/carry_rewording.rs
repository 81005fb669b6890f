//! Carry-over through re-wordings: on synthetic blogs where most carried goals are re-worded
//! the ways people carry goals forward (`Continue: …`, `… (cont.)`, a qualifier dropped, case
//! changed, moved and re-rated at once …), the carry links gitgoals finds are the ones the
//! generator decided, and every weekly figure that depends on them is exact.

#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::{BTreeSet, HashSet};

use gitgoals::core::ledger::{self, Ledger};
use gitgoals::git::Repo;
use gitgoals::git::read::HistoryOptions;
use synthetic::{Blog, Rewording, Spec};

/// The seeds measured; each blog has 30 weeks.
const SEEDS: [u64; 4] = [1, 2, 3, 4];

type Link = ((String, String), (String, String));

fn read(blog: &Blog) -> Ledger {
    let dir = tempfile::tempdir().expect("temp dir");
    synthetic::write_repo(blog, dir.path()).expect("repository written");
    let repo = Repo::open(Some(dir.path())).expect("repository opens");
    let history =
        gitgoals::git::read::read_history(&repo, &HistoryOptions::default()).expect("history");
    ledger::build(&history)
}

fn true_links(blog: &Blog) -> BTreeSet<Link> {
    blog.truth
        .tasks
        .iter()
        .filter_map(|task| {
            let to = task.carried_to.as_ref()?;
            Some((
                (task.post.clone(), task.text.clone()),
                (to.post.clone(), to.text.clone()),
            ))
        })
        .collect()
}

fn found_links(ledger: &Ledger) -> BTreeSet<Link> {
    let named = |index: usize| {
        let record = &ledger.tasks[index];
        (
            ledger.weeks[record.week].path.clone(),
            record.task.title.to_string(),
        )
    };
    ledger
        .tasks
        .iter()
        .enumerate()
        .filter_map(|(index, record)| Some((named(index), named(record.carried_to?))))
        .collect()
}

#[test]
fn reworded_carries_are_linked_and_weekly_figures_are_exact() {
    let (mut true_total, mut found_total, mut right_total) = (0, 0, 0);
    let (mut weeks, mut exact_weeks) = (0, 0);
    let mut classes: HashSet<Rewording> = HashSet::new();
    let mut wrong = Vec::new();
    for seed in SEEDS {
        let blog = synthetic::generate(&Spec::rewording(seed));
        classes.extend(blog.truth.tasks.iter().filter_map(|t| t.rewording));
        let ledger = read(&blog);
        let (truth, found) = (true_links(&blog), found_links(&ledger));
        true_total += truth.len();
        found_total += found.len();
        right_total += truth.intersection(&found).count();
        for link in truth.symmetric_difference(&found) {
            let side = if truth.contains(link) {
                "missed"
            } else {
                "wrong"
            };
            wrong.push(format!("seed {seed}: {side} {link:?}"));
        }
        assert_eq!(ledger.weeks.len(), blog.truth.posts.len(), "seed {seed}");
        for (week, want) in ledger.weeks.iter().zip(&blog.truth.posts) {
            let (got, want_figures) = (&week.figures, &want.figures);
            let figures =
                |f: &ledger::Figures| (f.planned, f.added, f.carried_in, f.carried_out, f.dropped);
            weeks += 1;
            if figures(got) == figures(want_figures) {
                exact_weeks += 1;
            } else {
                wrong.push(format!(
                    "seed {seed}, {}: (planned, added, carried_in, carried_out, dropped) \
                     {:?}, truth {:?}",
                    want.path,
                    figures(got),
                    figures(want_figures)
                ));
            }
        }
    }
    let precision = right_total as f64 / found_total.max(1) as f64;
    let recall = right_total as f64 / true_total.max(1) as f64;
    eprintln!(
        "seeds {SEEDS:?}: {true_total} true carries, {found_total} found, {right_total} right: \
         precision {precision:.4}, recall {recall:.4}; weekly figures exact in \
         {exact_weeks} of {weeks} weeks"
    );
    for line in &wrong {
        eprintln!("{line}");
    }
    assert!(true_total > 200, "enough carries to measure: {true_total}");
    assert_eq!(
        classes.len(),
        17,
        "every re-wording class occurs: {classes:?}"
    );
    assert!(precision >= 0.99, "precision {precision:.4}");
    assert!(recall >= 0.99, "recall {recall:.4}");
    assert_eq!(exact_weeks, weeks, "every weekly figure exact");
}

#[test]
fn carry_explain_shows_each_link_with_its_rule_and_score() {
    let blog = synthetic::generate(&Spec::rewording(1));
    let dir = tempfile::tempdir().expect("temp dir");
    synthetic::write_repo(&blog, dir.path()).expect("repository written");
    let run = |format: &str| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_gitgoals"))
            .args(["--no-cache", "--color", "never", "carry", "--explain"])
            .args(["--format", format])
            .current_dir(dir.path())
            .output()
            .expect("gitgoals runs");
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let document: serde_json::Value = serde_json::from_str(&run("json")).expect("JSON");
    let links: Vec<&serde_json::Value> = document["weeks"]
        .as_array()
        .expect("weeks")
        .iter()
        .flat_map(|week| week["links"].as_array().expect("links"))
        .collect();
    assert_eq!(links.len(), true_links(&blog).len());
    assert!(
        links
            .iter()
            .all(|l| l["rule"].is_string() && l["score"].is_number())
    );
    for rule in ["same_title", "same_core_words"] {
        assert!(links.iter().any(|l| l["rule"] == rule), "no link by {rule}");
    }
    let text = run("text");
    assert!(text.contains("  carried      "), "{text}");
    assert!(text.contains("same core words"), "{text}");
}
