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
use synthetic::{Blog, Line, Rewording, Spec};

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

/// What one configuration measured over [`SEEDS`].
#[derive(Debug, Default)]
struct Measured {
    true_links: usize,
    found_links: usize,
    right_links: usize,
    weeks: usize,
    exact_weeks: usize,
    merges: usize,
    drafts: usize,
    classes: HashSet<Rewording>,
    wrong: Vec<String>,
}

impl Measured {
    fn precision(&self) -> f64 {
        self.right_links as f64 / self.found_links.max(1) as f64
    }

    fn recall(&self) -> f64 {
        self.right_links as f64 / self.true_links.max(1) as f64
    }
}

/// Generates a blog per seed, reads it as gitgoals does, and compares the carry links and the
/// weekly figures with the generator's own truth.
fn measure(name: &str, spec: fn(u64) -> Spec) -> Measured {
    let mut m = Measured::default();
    for seed in SEEDS {
        let blog = synthetic::generate(&spec(seed));
        m.classes
            .extend(blog.truth.tasks.iter().filter_map(|t| t.rewording));
        m.merges += blog
            .commits
            .iter()
            .filter(|c| c.line == Line::Merge)
            .count();
        m.drafts += blog
            .commits
            .iter()
            .filter(|c| c.deletes.iter().any(|path| path.starts_with("_drafts/")))
            .count();
        let ledger = read(&blog);
        let (truth, found) = (true_links(&blog), found_links(&ledger));
        m.true_links += truth.len();
        m.found_links += found.len();
        m.right_links += truth.intersection(&found).count();
        for link in truth.symmetric_difference(&found) {
            let side = if truth.contains(link) {
                "missed"
            } else {
                "wrong"
            };
            m.wrong.push(format!("seed {seed}: {side} {link:?}"));
        }
        assert_eq!(ledger.weeks.len(), blog.truth.posts.len(), "seed {seed}");
        for (week, want) in ledger.weeks.iter().zip(&blog.truth.posts) {
            let (got, want_figures) = (&week.figures, &want.figures);
            let figures = |f: &ledger::Figures| {
                (
                    f.planned,
                    f.added,
                    f.carried_in,
                    f.carried_out,
                    f.dropped,
                    f.done,
                    f.removed,
                    f.done_on_time,
                )
            };
            m.weeks += 1;
            if week.path == want.path && figures(got) == figures(want_figures) {
                m.exact_weeks += 1;
            } else {
                m.wrong.push(format!(
                    "seed {seed}, {} (read as {}): (planned, added, carried_in, carried_out, \
                     dropped, done, removed, done_on_time) {:?}, truth {:?}",
                    want.path,
                    week.path,
                    figures(got),
                    figures(want_figures)
                ));
            }
        }
    }
    eprintln!(
        "{name}, seeds {SEEDS:?}: {} merges, {} drafts published; {} true carries, {} found, \
         {} right: precision {:.4}, recall {:.4}; weekly figures exact in {} of {} weeks",
        m.merges,
        m.drafts,
        m.true_links,
        m.found_links,
        m.right_links,
        m.precision(),
        m.recall(),
        m.exact_weeks,
        m.weeks
    );
    for line in &m.wrong {
        eprintln!("{line}");
    }
    m
}

fn assert_measured(m: &Measured) {
    assert!(
        m.true_links > 200,
        "enough carries to measure: {}",
        m.true_links
    );
    assert_eq!(
        m.classes.len(),
        17,
        "every re-wording class occurs: {:?}",
        m.classes
    );
    assert!(m.precision() >= 0.99, "precision {:.4}", m.precision());
    assert!(m.recall() >= 0.99, "recall {:.4}", m.recall());
    assert_eq!(m.exact_weeks, m.weeks, "every weekly figure exact");
}

#[test]
fn reworded_carries_are_linked_and_weekly_figures_are_exact() {
    let m = measure("linear history, no drafts", Spec::rewording);
    assert_eq!((m.merges, m.drafts), (0, 0));
    assert_measured(&m);
}

#[test]
fn reworded_carries_through_merges_and_drafts_are_linked_and_figures_exact() {
    let m = measure("with merges and drafts", Spec::rewording_merges_drafts);
    // Each seed has a good number of both, or the test would prove nothing about them.
    assert!(m.merges >= 10 * SEEDS.len(), "{} merges", m.merges);
    assert!(m.drafts >= 8 * SEEDS.len(), "{} drafts", m.drafts);
    assert_measured(&m);
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

#[test]
fn reworded_carries_through_merges_alone_and_drafts_alone() {
    let merges = measure("with merges, no drafts", |seed| Spec {
        drafts: 0.0,
        ..Spec::rewording_merges_drafts(seed)
    });
    assert!(merges.merges >= 10 * SEEDS.len() && merges.drafts == 0);
    assert_measured(&merges);
    let drafts = measure("with drafts, no merges", |seed| Spec {
        merges: 0.0,
        ..Spec::rewording_merges_drafts(seed)
    });
    assert!(drafts.drafts >= 8 * SEEDS.len() && drafts.merges == 0);
    assert_measured(&drafts);
}
