//! Synthetic blog histories, for the tests and the benchmark (not part of gitgoals): a seeded
//! model of someone writing weekly goals posts, which writes the commits and knows the true
//! answer of every figure gitgoals reports.
//!
//! Each test file that needs it includes it with `#[path = "support/synthetic.rs"] mod
//! synthetic;` (`benches/perf.rs` too), and `tests/synthetic_model.rs` tests the model itself.
//!
//! The truth is tracked from the model's own decisions (what it chose to tick, carry, drop), never
//! by reading the files back, so it can check the parser, the matcher and the history engine.
//!
//! What the model promises, so that the truth is unambiguous under the identity rules:
//! - one kind of change per commit (never a removal and an addition together), so no commit can
//!   be read as "task A renamed to task B";
//! - titles in one post, and in a post and the one before it, are far apart (character-bigram
//!   similarity below [`DISTINCT_BELOW`]) except numbered homework of one course (`CS242 HW 3`,
//!   `CS242 HW 4`), which differ in a number and so are different tasks;
//! - within a post, the same task is only ever re-worded slightly (a transposed-letter typo
//!   fixed, one word added to a long title), re-rated, bolded with a note, moved to another
//!   section; carried into the next post it may also be re-worded the ways people carry goals
//!   forward ([`Rewording`], when [`Spec::carry_rewording`] is above zero), and the carry is
//!   still the one the model decided;
//! - once the next post exists, a post changes only by late ticks of tasks that were not carried,
//!   and a carried task is never removed from the post it was carried into;
//! - with [`Spec::merges`], a side branch holds only edits of the week's post (after its draft,
//!   if any, is published) while the main line touches other files, so its merge is clean and
//!   brings in nothing of its own: each change is the side commit's, as the truth records it;
//! - with [`Spec::drafts`], a draft is published within its week, before the next post: its
//!   tasks are the post's from the draft's first commit (`planned`), and the rename itself is
//!   no event.
//!
//! Conventions the truth follows where the definitions leave room:
//! - a task that first appears already ticked has one `added` event, and its `checked` stamp is
//!   that same commit;
//! - `checked` is the commit that last checked a task that is done now, else `None`;
//! - `carry_streak` counts the carries that led to this instance: 0 for a fresh task, 2 for the
//!   third week of a task carried twice.
#![allow(dead_code)] // each test binary that includes the module uses a different part of it

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveDateTime, NaiveTime, Offset};
use serde::Serialize;

use gitgoals::core::ledger::Figures;
use gitgoals::core::model::{DueSource, EventKind};

/// Two titles whose character-bigram similarity (Dice coefficient) reaches this are too alike to
/// be generated as different tasks.
pub const DISTINCT_BELOW: f64 = 0.45;

/// What history to generate.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Spec {
    pub seed: u64,
    /// Number of weekly posts.
    pub weeks: usize,
    /// Average number of commits editing a post during its week (after the one that adds it).
    pub edits_per_week: usize,
    /// Commits to other files (images, `_config.yml`, pages) per commit touching a post.
    pub other_commits_ratio: f64,
    /// The Monday of the first week; each post is dated on a Monday.
    pub start_date: NaiveDate,
    /// Author time offset of every commit, in minutes east of UTC.
    pub utc_offset_minutes: i32,
    /// Posts of the first weeks are committed together in one later commit ("imported history"):
    /// their first version is dated after their due date, so `done_on_time` is unknown (`None`).
    pub imported_weeks: usize,
    /// Range (inclusive) of the number of tasks a new post starts with, carried ones included.
    pub tasks_per_post: (usize, usize),
    /// Chance that a task still open when the next post is written is carried into it.
    pub carry_probability: f64,
    /// Chance that a dropped task is still ticked in its own post during the following week.
    pub late_tick_probability: f64,
    /// Add a page outside `_posts/` that holds a task list (gitgoals must ignore it).
    pub page_with_tasks: bool,
    /// Chance that a carried task is re-worded as people carry goals forward ([`Rewording`]),
    /// and that a fresh task gets a trailing qualifier such a re-wording may drop. At 0 the
    /// model draws nothing for it, so the other presets' histories are what they always were.
    pub carry_rewording: f64,
    /// Each goal's true chance of being done in its week, by rating (index 0: unrated, 1–5:
    /// the rating), times [`CARRIED_CHANCE_FACTOR`] for each week it has been carried. When
    /// set, the model decides at a goal's arrival whether it will be done, ticks the goals so
    /// decided before making any other change, and never unticks or re-rates one: the chance
    /// is the truth a forecast is judged against. None leaves the other presets' histories as
    /// they always were.
    pub done_chances: Option<[f64; 6]>,
    /// Chance that some of a week's edits are made on a side branch and merged back (a merge
    /// commit with two parents); meanwhile the main line gets other commits (late ticks of the
    /// week before, pages, images) or none. At 0 nothing is drawn for it.
    pub merges: f64,
    /// Chance that a week's post is first written as a Jekyll draft (`_drafts/week-N.md`,
    /// `published: false`, no date), edited there, and published during its week under its
    /// dated name (a rename, sometimes with a tick in the same commit). At 0 nothing is drawn.
    pub drafts: f64,
}

/// How much each week a goal has been carried multiplies its true chance of being done.
pub const CARRIED_CHANCE_FACTOR: f64 = 0.75;

impl Spec {
    /// A small history: six weeks, every kind of change at least once.
    pub fn small() -> Spec {
        Spec {
            seed: 11,
            weeks: 6,
            edits_per_week: 7,
            other_commits_ratio: 0.15,
            start_date: date(2021, 1, 4),
            utc_offset_minutes: 60,
            imported_weeks: 0,
            tasks_per_post: (8, 11),
            carry_probability: 0.7,
            late_tick_probability: 0.3,
            page_with_tasks: false,
            carry_rewording: 0.0,
            done_chances: None,
            merges: 0.0,
            drafts: 0.0,
        }
    }

    /// A history of about 300 commits for exact end-to-end tests; the first two posts arrive in
    /// one imported commit.
    pub fn test(seed: u64) -> Spec {
        Spec {
            seed,
            weeks: 24,
            edits_per_week: 8,
            other_commits_ratio: 0.3,
            start_date: date(2020, 11, 2),
            utc_offset_minutes: 60,
            imported_weeks: 2,
            tasks_per_post: (9, 14),
            carry_probability: 0.6,
            late_tick_probability: 0.25,
            page_with_tasks: true,
            carry_rewording: 0.0,
            done_chances: None,
            merges: 0.0,
            drafts: 0.0,
        }
    }

    /// Thirty weeks in which most carried goals are re-worded, every [`Rewording`] many times:
    /// what the carry-over matcher must see through.
    pub fn rewording(seed: u64) -> Spec {
        Spec {
            weeks: 30,
            edits_per_week: 6,
            other_commits_ratio: 0.1,
            imported_weeks: 0,
            carry_probability: 0.75,
            carry_rewording: 0.8,
            ..Spec::test(seed)
        }
    }

    /// Forty weeks in which every goal has a true chance of being done set by its rating
    /// ([`Spec::done_chances`]): what the forecasts of `gitgoals plan` are judged on.
    pub fn forecast(seed: u64) -> Spec {
        Spec {
            weeks: 40,
            edits_per_week: 16,
            imported_weeks: 0,
            tasks_per_post: (8, 12),
            late_tick_probability: 0.0,
            done_chances: Some([0.5, 0.15, 0.3, 0.5, 0.7, 0.9]),
            ..Spec::test(seed)
        }
    }

    /// [`Spec::rewording`] where a good part of the weeks are edited on a merged side branch
    /// and a good part of the posts start as drafts.
    pub fn rewording_merges_drafts(seed: u64) -> Spec {
        Spec {
            merges: 0.5,
            drafts: 0.4,
            ..Spec::rewording(seed)
        }
    }

    /// The benchmark blog: 1,000 weekly posts, about 13,000 commits.
    pub fn bench() -> Spec {
        Spec {
            seed: 2020,
            weeks: 1000,
            edits_per_week: 9,
            other_commits_ratio: 0.22,
            start_date: date(2003, 1, 6),
            utc_offset_minutes: 60,
            imported_weeks: 0,
            tasks_per_post: (10, 16),
            carry_probability: 0.6,
            late_tick_probability: 0.2,
            page_with_tasks: true,
            carry_rewording: 0.0,
            done_chances: None,
            merges: 0.0,
            drafts: 0.0,
        }
    }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or(NaiveDate::MIN)
}

/// A generated history: the commits in order (oldest first) and what they mean.
#[derive(Debug, Clone, PartialEq)]
pub struct Blog {
    pub spec: Spec,
    pub commits: Vec<SyntheticCommit>,
    /// Every file at the last commit, by path.
    pub final_files: BTreeMap<String, Vec<u8>>,
    pub truth: Truth,
}

/// One commit: the files it writes (whole contents) and deletes on top of its parent(s).
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticCommit {
    /// Author and committer time.
    pub time: DateTime<FixedOffset>,
    pub message: String,
    pub writes: Vec<FileWrite>,
    /// Paths removed (a draft published under its dated name).
    pub deletes: Vec<String>,
    pub line: Line,
}

/// Which line of history a commit is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Line {
    /// The main branch.
    Main,
    /// A side branch, forked from the main line's last commit when none is open.
    Side,
    /// A merge of the open side branch into the main line: first parent the main line's last
    /// commit, second the side branch's; its tree is the main line's with the side's changes.
    Merge,
}

/// A file's new contents.
#[derive(Debug, Clone, PartialEq)]
pub struct FileWrite {
    pub path: String,
    pub content: Vec<u8>,
}

/// The true answers: one entry per goals post (oldest first) and per task that ever appeared in
/// a committed version of a post.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Truth {
    pub posts: Vec<PostTruth>,
    pub tasks: Vec<TaskTruth>,
}

/// A post's figures, named and defined as in `gitgoals history --format json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PostTruth {
    pub path: String,
    pub title: String,
    pub date: NaiveDate,
    pub due: NaiveDate,
    pub due_source: DueSource,
    /// The counts, named as gitgoals names them; the oracle fills them in its own way.
    #[serde(flatten)]
    pub figures: Figures,
    pub completion: f64,
    /// Keys `"0"`–`"5"` and `"unrated"`, only those with tasks.
    pub by_confidence: BTreeMap<String, Tally>,
    /// Keys are section paths such as `Papers > CS294 week 3`.
    pub by_section: BTreeMap<String, Tally>,
}

/// How many tasks, and how many of them done.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub total: usize,
    pub done: usize,
}

/// Where a task stands in its post's current version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum TaskStatus {
    Done,
    Open,
    Removed,
}

/// A task's life, as `gitgoals tasks --format json` reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TaskTruth {
    /// Index of this task in [`Truth::tasks`] (not gitgoals' id).
    pub id: usize,
    /// Path of its post.
    pub post: String,
    /// Current title (the last one for a removed task).
    pub text: String,
    /// Current section path.
    pub section: String,
    pub confidence: Option<u8>,
    pub status: TaskStatus,
    /// In the post's first committed version.
    pub planned: bool,
    pub added: Stamp,
    /// The commit that last checked it, when it is done.
    pub checked: Option<Stamp>,
    pub carried_from: Option<TaskLink>,
    pub carried_to: Option<TaskLink>,
    pub carry_streak: usize,
    /// How it was re-worded when it was carried in, if it was.
    pub rewording: Option<Rewording>,
    pub events: Vec<EventTruth>,
}

/// A commit, by its index in [`Blog::commits`] (see [`WrittenRepo::commit_id`]), and its time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Stamp {
    pub commit: usize,
    pub time: DateTime<FixedOffset>,
}

/// The other end of a carry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TaskLink {
    /// Index in [`Truth::tasks`].
    pub task: usize,
    pub post: String,
    pub text: String,
}

/// One task event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EventTruth {
    pub kind: EventKind,
    pub commit: usize,
    pub time: DateTime<FixedOffset>,
}

// ---------------------------------------------------------------------------------------------
// Randomness

/// splitmix64: tiny, fast, and the same sequence on every platform. Also the benchmark's
/// big-file generator's.
pub struct Rng(pub u64);

impl Rng {
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        ((self.next_u64() >> 11) % n as u64) as usize
    }

    fn range(&mut self, low: usize, high_inclusive: usize) -> usize {
        low + self.below(high_inclusive.saturating_sub(low) + 1)
    }

    fn chance(&mut self, p: f64) -> bool {
        ((self.next_u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

// ---------------------------------------------------------------------------------------------
// Vocabulary (our own words)

const STUDY_TOPICS: &[&str] = &[
    "singular value decomposition",
    "Fourier series",
    "Markov chains",
    "convex duality",
    "measure theory",
    "information theory",
    "Bayesian inference",
    "graph algorithms",
    "dynamic programming",
    "numerical integration",
    "Lagrangian mechanics",
    "group theory",
    "complex analysis",
    "stochastic calculus",
    "kernel methods",
    "Gaussian processes",
    "variational inference",
    "control theory",
    "type systems",
    "register allocation",
    "category theory",
    "spectral clustering",
    "optimal transport",
    "queueing models",
    "signal filtering",
    "causal inference",
    "point-set topology",
    "modular arithmetic",
    "auction design",
    "ordinary differential equations",
    "Monte Carlo methods",
    "hash tables",
    "lock-free queues",
    "the lambda calculus",
    "tensor calculus",
    "error-correcting codes",
];

const STUDY_TEMPLATES: &[&str] = &[
    "Work through the chapter on {}",
    "Finish the lecture series on {}",
    "Summarise what I know about {}",
    "Do the end-of-chapter exercises on {}",
    "Make flashcards for {}",
    "Review my notes on {}",
    "Watch a recorded seminar about {}",
    "Solve practice problems in {}",
    "Read the survey article covering {}",
    "Explain {} to my study group",
    "Fill the gaps in my understanding of {}",
    "Go over the proofs behind {}",
];

const SURNAMES: &[&str] = &[
    "Okafor",
    "Lindqvist",
    "Moreau",
    "Tanaka",
    "Hernández",
    "Novak",
    "Achterberg",
    "Kowalski",
    "Ferreira",
    "Nakamura",
    "Osei",
    "Petrov",
    "Quinlan",
    "Rahman",
    "Silvestri",
    "Varga",
    "Whitfield",
    "Yilmaz",
    "Zhou",
    "Abbott",
    "Brennan",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fontaine",
    "Gallagher",
    "Haddad",
    "Iyer",
    "Jovanović",
    "Keller",
];

const PAPER_ADJECTIVES: &[&str] = &[
    "Sparse",
    "Hierarchical",
    "Contrastive",
    "Recurrent",
    "Equivariant",
    "Latent",
    "Adversarial",
    "Probabilistic",
    "Structured",
    "Implicit",
    "Modular",
    "Causal",
    "Efficient",
    "Robust",
    "Self-Supervised",
    "Differentiable",
    "Continuous",
    "Discrete",
    "Memory-Augmented",
    "Scalable",
];

const PAPER_NOUNS: &[&str] = &[
    "Routing",
    "Embeddings",
    "Normalizing Flows",
    "Attention",
    "Planning",
    "Retrieval",
    "Distillation",
    "Priors",
    "Program Search",
    "Neural Fields",
    "Message Passing",
    "Policies",
    "Kernels",
    "Codebooks",
    "Mixtures of Experts",
    "Operators",
    "Tokenization",
    "World Models",
];

const PAPER_TASKS: &[&str] = &[
    "Protein Design",
    "Music Generation",
    "Video Prediction",
    "Program Synthesis",
    "Weather Forecasting",
    "Speech Recognition",
    "Robot Control",
    "Question Answering",
    "Image Compression",
    "Molecule Generation",
    "Open-Domain Dialogue",
    "Theorem Proving",
    "Board Games",
    "Machine Translation",
    "Anomaly Detection",
    "Table Understanding",
];

const VENUES: &[&str] = &[
    "NeurIPS", "ICML", "ICLR", "ACL", "CVPR", "EMNLP", "AAAI", "arXiv",
];

/// Courses whose homework is numbered: the number is what tells one week's from the next.
const COURSES: &[(&str, &str)] = &[
    ("CS242", "HW"),
    ("EE263", "homework"),
    ("MATH51", "problem set"),
    ("Compilers", "lab"),
    ("CS224n", "assignment"),
    ("Physics 8", "worksheet"),
    ("Robotics", "milestone"),
];

const COURSE_CHORES: &[&str] = &[
    "Catch up on the {} lecture videos",
    "Post my questions about {} on the course forum",
    "Rewatch the {} section recording",
];

const ALGORITHMS: &[&str] = &[
    "beam search",
    "a Kalman filter",
    "k-means clustering",
    "a tiny ray tracer",
    "a bloom filter",
    "byte-pair encoding",
    "a B-tree",
    "a Raft leader election",
    "backpropagation with plain arrays",
    "a Sudoku solver",
    "a regex engine",
    "Dijkstra with a pairing heap",
    "a diffusion sampler",
    "an LSM tree",
    "a gossip protocol",
];

const IMPLEMENTATION_TEMPLATES: &[&str] = &[
    "Implement {} from scratch",
    "Write a blog-sized walkthrough of {}",
    "Benchmark my version of {}",
    "Reproduce a textbook figure with {}",
];

const PROJECTS: &[&str] = &[
    "StarChart",
    "Tidepool",
    "Lanternfish",
    "PaperTrail",
    "Quillwork",
    "Marginalia",
    "Pebblebed",
    "Kestrel",
    "Driftwood",
    "Copperleaf",
    "Foxglove",
    "Gannet",
];

const PROJECT_TEMPLATES: &[&str] = &[
    "Finish the first release of {}",
    "Deploy {} to a small server",
    "Profile and speed up {}",
    "Add a settings page to {}",
    "Write integration tests for {}",
    "Clean up the {} README",
];

const WRITING_TEMPLATES: &[&str] = &[
    "Write a blog post explaining {}",
    "Draft a lightning talk on {}",
    "Pair with someone on {}",
    "Record a short screencast about {}",
];

const NOTES: &[&str] = &[
    "Took longer than planned, but the central idea finally clicked.",
    "The second half was harder going; I wrote a summary afterwards.",
    "Worth coming back to: the appendix has the interesting part.",
    "Paired on this, which made it far quicker than working alone.",
    "Mostly plain sailing once the environment was set up.",
    "I kept a list of open questions to bring to the next meeting.",
    "Shorter than it looked; the exercises were the real work.",
    "The results section convinced me more than the introduction did.",
    "I now see why people recommend this as a starting point.",
    "Needed two sittings, and a whiteboard for the derivations.",
];

const MORE_NOTES: &[&str] = &[
    "Added a diagram later in the week.",
    "A follow-up idea is on my list for next month.",
    "Someone at the study group pointed out a neater argument.",
    "Corrected a mistake in my first summary.",
];

const WEEK_THEMES: &[&str] = &[
    "steady progress",
    "too many side quests",
    "back on track",
    "a slow start",
    "finishing what I started",
    "learning to say no",
    "long stretches of focus",
    "lots of reading",
    "small wins",
    "a scattered week",
];

const INTRO_SENTENCES: &[&str] = &[
    "This week felt calmer than the last one, mostly because I planned less.",
    "I noticed again how easily a fun new idea pulls me away from the list.",
    "Mornings went well; afternoons were where the time leaked away.",
    "Writing the list in public keeps me honest about what I finish.",
    "I spent too long polishing things that nobody asked me to polish.",
    "Checking in with the group every day helped me keep going.",
    "Some goals were bigger than they looked when I wrote them down.",
    "I tried to stop starting and start finishing, with mixed results.",
    "Reading other people's updates gave me ideas and also distractions.",
    "A couple of tasks keep rolling over, so I split one of them up.",
    "I took a day off in the middle of the week and do not regret it.",
    "Short sessions with a timer worked better than long open ones.",
];

const PLAN_LEADS: &[&str] = &[
    "Below are the tasks that I can finish by {} and how sure I am of each.",
    "These are the tasks that I can finish by {}, each with a rough confidence.",
    "Here is the list of tasks that I can finish by {} if I stay focused.",
];

const PLAN_WITHOUT_DUE: &[&str] = &[
    "Here is what I hope to get through this week, with a rough confidence for some.",
    "The plan for the coming days, roughly in order of priority.",
];

const READING_LISTS: &[&str] = &[
    "Generative models",
    "Graph networks",
    "Efficient attention",
    "Reinforcement learning",
    "Interpretability",
    "Compression",
];

const PAPERS_BLURBS: &[&str] = &[
    "For each paper the bar is a few sentences about it in a post here.",
    "A paper counts as read once I have written a short summary of it.",
];

const ADDED_WORDS: &[&str] = &["again", "properly", "carefully", "thoroughly"];

/// Trailing qualifiers a goal may be written with, and lose when it is carried forward.
const QUALIFIERS: &[&str] = &[
    " for the reading group",
    " with notes",
    " before the Friday meetup",
    " for my mentor",
    " in a notebook",
];

/// Qualifiers a carried goal may gain (a short title grown by a word or two).
const GAINED_QUALIFIERS: &[&str] = &[" in Rust", " tonight", " with diagrams", " for review"];

/// How a carried goal is re-worded in the next week's post (the model's own list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Rewording {
    /// `Continue: X`
    ContinueColon,
    /// `Continue x` (the title's first letter lowered)
    ContinuePrefix,
    /// `Still: X`
    StillPrefix,
    /// `Finish: X`
    FinishColon,
    /// `Keep working on x`
    KeepWorkingOn,
    /// `X (cont.)`
    ContSuffix,
    /// `X continued`
    ContinuedSuffix,
    /// `X — last part`
    LastPartSuffix,
    /// `X, take two`
    TakeTwoSuffix,
    /// `X again`
    AgainSuffix,
    /// `X (round two)`
    RoundTwoSuffix,
    /// `x` all in lower case
    LowerCase,
    /// `X` all in upper case
    UpperCase,
    /// `X for the reading group` → `X`
    QualifierDropped,
    /// `X` → `X in Rust`
    QualifierGained,
    /// `X for the reading group` → `Continue: X`
    QualifierDroppedAndPrefixed,
    /// `Continue: X`, moved to another section and re-rated in the same post
    PrefixedMovedAndRerated,
}

const REWORDINGS: &[Rewording] = &[
    Rewording::ContinueColon,
    Rewording::ContinuePrefix,
    Rewording::StillPrefix,
    Rewording::FinishColon,
    Rewording::KeepWorkingOn,
    Rewording::ContSuffix,
    Rewording::ContinuedSuffix,
    Rewording::LastPartSuffix,
    Rewording::TakeTwoSuffix,
    Rewording::AgainSuffix,
    Rewording::RoundTwoSuffix,
    Rewording::LowerCase,
    Rewording::UpperCase,
    Rewording::QualifierDropped,
    Rewording::QualifierGained,
    Rewording::QualifierDroppedAndPrefixed,
    Rewording::PrefixedMovedAndRerated,
];

/// `X` with its first letter lowered, for a prefix that reads on into the title.
fn lower_first(title: &str) -> String {
    let mut chars = title.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

const AUTHOR_NAME: &str = "Synthetic Blogger";
const AUTHOR_EMAIL: &str = "blogger@example.org";

// ---------------------------------------------------------------------------------------------
// The model

/// What a task is about; decides its section and how its title is made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    Assignments,
    Studies,
    Papers,
    Implementations,
    Writing,
}

const BASE_KINDS: [Kind; 4] = [
    Kind::Assignments,
    Kind::Studies,
    Kind::Papers,
    Kind::Implementations,
];

/// How a rating is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Style {
    Unrated,
    /// `Title, 3/5`
    Comma,
    /// `Title (3/5)`
    Paren,
    /// `[Title](url) 4/5`, ticked as `**Title** [[link]](url) 4/5`
    Link,
}

#[derive(Debug, Clone)]
struct Section {
    kind: Kind,
    top: String,
    /// The `####` heading as written (may hold a link or doubled spaces).
    sub_markdown: Option<String>,
    /// Plain-text path, as gitgoals reports it.
    path: String,
}

#[derive(Debug, Clone)]
struct TaskModel {
    post: usize,
    /// Decided at arrival, with the spec's `done_chances`: this goal gets done this week.
    destined: bool,
    /// Current title as written (may hold a typo).
    title: String,
    /// The title without the typo, while the typo is still there.
    typo_of: Option<String>,
    grams: Vec<u64>,
    kind: Kind,
    /// Numbered homework: (course, number).
    family: Option<(usize, u32)>,
    style: Style,
    confidence: Option<u8>,
    url: String,
    section: Kind,
    checked: bool,
    bold: bool,
    note: Option<String>,
    br_after: bool,
    present: bool,
    planned: bool,
    /// False for a task removed before its post was ever committed (imported history).
    visible: bool,
    added: Option<Stamp>,
    checked_at: Option<Stamp>,
    events: Vec<EventTruth>,
    carried_from: Option<usize>,
    carried_to: Option<usize>,
    streak: usize,
    /// The title as first written, before any carry re-worded it (typo and added word aside).
    base_title: String,
    /// The trailing qualifier of `base_title` (` for the reading group`), which a re-wording
    /// may drop.
    qualifier: Option<&'static str>,
    /// How it was re-worded when carried in.
    rewording: Option<Rewording>,
}

#[derive(Debug, Clone)]
struct PostModel {
    path: String,
    /// While a draft: the `_drafts/` path it is written at (`path` is where it is published).
    draft_path: Option<String>,
    title: String,
    date: NaiveDate,
    time: NaiveTime,
    week_number: usize,
    due: NaiveDate,
    due_in_text: bool,
    intro: Vec<String>,
    plan_sentence: String,
    papers_blurb: String,
    sections: Vec<Section>,
    /// Task ids in file order (removed ones too; they are skipped when rendering).
    order: Vec<usize>,
    /// Every task id that was ever in this post.
    all: Vec<usize>,
    first: Option<Stamp>,
    committed: bool,
}

/// A change scheduled at a time; what exactly it touches is decided when it happens.
#[derive(Debug, Clone, Copy)]
enum Slot {
    Import,
    NewPost,
    Edit,
    LateTick(usize),
    Other,
    /// The week's draft is published under its dated name.
    Publish,
}

/// What the writer does to a post during its week.
#[derive(Debug, Clone, Copy)]
enum Edit {
    Tick,
    TickTwo,
    Untick,
    AddUnplanned,
    Retitle,
    Move,
    Remove,
    AppendNote,
    Rerate,
    Prose,
}

const EDIT_WEIGHTS: &[(Edit, u32)] = &[
    (Edit::Tick, 40),
    (Edit::TickTwo, 5),
    (Edit::Untick, 4),
    (Edit::AddUnplanned, 12),
    (Edit::Retitle, 7),
    (Edit::Move, 6),
    (Edit::Remove, 5),
    (Edit::AppendNote, 8),
    (Edit::Rerate, 5),
    (Edit::Prose, 8),
];

struct Generator<'a> {
    spec: &'a Spec,
    rng: Rng,
    offset: FixedOffset,
    posts: Vec<PostModel>,
    tasks: Vec<TaskModel>,
    commits: Vec<SyntheticCommit>,
    files: BTreeMap<String, Vec<u8>>,
    homework_numbers: Vec<u32>,
    /// Events waiting for the commit that makes them visible.
    pending: Vec<(usize, EventKind)>,
    last_time: Option<DateTime<FixedOffset>>,
    other_debt: f64,
    images: usize,
    config_revision: usize,
    page_revision: usize,
    project_ideas: Vec<(String, bool)>,
    /// The line the next commit goes on.
    line: Line,
    /// The week being scheduled starts its post as a draft.
    draft_week: bool,
    /// A side branch has commits not merged yet.
    side_open: bool,
}

/// Generates the whole history in memory. The same spec always gives the same bytes.
pub fn generate(spec: &Spec) -> Blog {
    let mut generator = Generator {
        spec,
        rng: Rng(spec.seed ^ 0x6769_7467_6F61_6C73),
        offset: FixedOffset::east_opt(spec.utc_offset_minutes * 60)
            .unwrap_or_else(|| FixedOffset::east_opt(0).unwrap_or(chrono::Utc.fix())),
        posts: Vec::with_capacity(spec.weeks),
        tasks: Vec::new(),
        commits: Vec::new(),
        files: BTreeMap::new(),
        homework_numbers: vec![0; COURSES.len()],
        pending: Vec::new(),
        last_time: None,
        other_debt: 0.0,
        images: 0,
        config_revision: 0,
        page_revision: 0,
        project_ideas: Vec::new(),
        line: Line::Main,
        draft_week: false,
        side_open: false,
    };
    generator.run();
    let truth = generator.truth();
    Blog {
        spec: spec.clone(),
        commits: generator.commits,
        final_files: generator.files,
        truth,
    }
}

impl Generator<'_> {
    fn run(&mut self) {
        self.initial_commit();
        for week in 0..=self.spec.weeks {
            let monday = self.spec.start_date + Duration::days(7 * week as i64);
            let mut slots = self.schedule(week, monday);
            slots.sort_by_key(|(time, _)| *time);
            let side = self.side_branch(&slots);
            for (k, (time, slot)) in slots.into_iter().enumerate() {
                self.line = if side.contains(&k) {
                    Line::Side
                } else {
                    Line::Main
                };
                self.apply(week, time, slot);
                if side.last() == Some(&k) && self.side_open {
                    self.line = Line::Merge;
                    let at = self.next_time(time + Duration::minutes(20));
                    let message = format!("Merge branch 'week-{}-goals'", week + 1);
                    self.commit(at, message, Vec::new());
                }
            }
            self.line = Line::Main;
        }
    }

    fn local(&self, at: NaiveDateTime) -> DateTime<FixedOffset> {
        let utc = at - Duration::seconds(i64::from(self.offset.local_minus_utc()));
        DateTime::from_naive_utc_and_offset(utc, self.offset)
    }

    /// A random moment in `[from, from + span_minutes)`, to the second.
    fn moment(&mut self, from: NaiveDateTime, span_minutes: usize) -> NaiveDateTime {
        from + Duration::seconds(self.rng.below(span_minutes.max(1) * 60) as i64)
    }

    /// Which of the week's slots (positions in `slots`) are made on a side branch: a run of one
    /// to three of the post's edits, after its draft is published (the main line renames the
    /// file, so the side branch must not edit it meanwhile); the slots between them (late ticks,
    /// other files) stay on the main line. Empty for most weeks.
    fn side_branch(&mut self, slots: &[(NaiveDateTime, Slot)]) -> Vec<usize> {
        if self.spec.merges <= 0.0 || !self.rng.chance(self.spec.merges) {
            return Vec::new();
        }
        let published = slots
            .iter()
            .position(|(_, slot)| matches!(slot, Slot::Publish))
            .unwrap_or(0);
        let edits: Vec<usize> = (published..slots.len())
            .filter(|&k| matches!(slots[k].1, Slot::Edit))
            .collect();
        if edits.is_empty() {
            return Vec::new();
        }
        let start = self.rng.below(edits.len());
        let len = self.rng.range(1, 3).min(edits.len() - start);
        edits[start..start + len].to_vec()
    }

    /// The week's slots. Week `weeks` (one past the last) only carries the import of an
    /// all-imported history.
    fn schedule(&mut self, week: usize, monday: NaiveDate) -> Vec<(NaiveDateTime, Slot)> {
        let monday = monday.and_time(NaiveTime::MIN);
        let mut slots = Vec::new();
        let imported = self.spec.imported_weeks.min(self.spec.weeks);
        if imported > 0 && week == imported {
            slots.push((monday + Duration::hours(6), Slot::Import));
        }
        if week == self.spec.weeks {
            return slots;
        }
        let first = self.moment(monday + Duration::hours(7), 180);
        slots.push((first, Slot::NewPost));
        let after_first = first + Duration::minutes(5);
        self.draft_week =
            self.spec.drafts > 0.0 && week >= imported && self.rng.chance(self.spec.drafts);
        if self.draft_week {
            // Published within three days: before the next post, and before most late ticks.
            slots.push((self.moment(after_first, 3 * 24 * 60), Slot::Publish));
        }
        let week_end = monday + Duration::days(7);
        let span = ((week_end - after_first).num_minutes() - 1).max(1) as usize;
        let edits = self.rng.range(
            self.spec.edits_per_week.saturating_sub(1),
            self.spec.edits_per_week + 1,
        );
        for _ in 0..edits {
            slots.push((self.moment(after_first, span), Slot::Edit));
        }
        let mut post_commits = 1 + edits;
        if let Some(previous) = week.checked_sub(1) {
            // Decided now, before the carry, so the random sequence does not depend on it;
            // `apply` skips a late tick whose task was carried after all.
            let candidates: Vec<usize> = self.posts[previous]
                .order
                .iter()
                .copied()
                .filter(|&id| self.tasks[id].present && !self.tasks[id].checked)
                .collect();
            for id in candidates {
                if self.rng.chance(self.spec.late_tick_probability) {
                    slots.push((self.moment(after_first, span), Slot::LateTick(id)));
                    post_commits += 1;
                }
            }
        }
        self.other_debt += self.spec.other_commits_ratio * post_commits as f64;
        while self.other_debt >= 1.0 {
            self.other_debt -= 1.0;
            slots.push((self.moment(monday, 7 * 24 * 60 - 1), Slot::Other));
        }
        slots
    }

    fn apply(&mut self, week: usize, at: NaiveDateTime, slot: Slot) {
        let time = self.next_time(at);
        match slot {
            Slot::Import => self.import(time),
            Slot::NewPost => self.new_post(week, time),
            Slot::Edit => self.edit(week, time),
            Slot::LateTick(id) => self.late_tick(id, time),
            Slot::Other => self.other_commit(time),
            Slot::Publish => self.publish(week, time),
        }
    }

    /// Author times strictly increase, one second at least between commits.
    fn next_time(&mut self, at: NaiveDateTime) -> DateTime<FixedOffset> {
        let mut time = self.local(at);
        if let Some(last) = self.last_time
            && time <= last
        {
            time = last + Duration::seconds(1);
        }
        self.last_time = Some(time);
        time
    }

    fn commit(
        &mut self,
        time: DateTime<FixedOffset>,
        message: String,
        writes: Vec<FileWrite>,
    ) -> Stamp {
        for write in &writes {
            self.files.insert(write.path.clone(), write.content.clone());
        }
        self.commits.push(SyntheticCommit {
            time,
            message,
            writes,
            deletes: Vec::new(),
            line: self.line,
        });
        match self.line {
            Line::Side => self.side_open = true,
            Line::Merge => self.side_open = false,
            Line::Main => {}
        }
        Stamp {
            commit: self.commits.len() - 1,
            time,
        }
    }

    /// Commits the post's current text and gives the waiting events their commit; a post of
    /// imported history is not committed yet, and its events vanish into the import.
    fn commit_post(
        &mut self,
        post: usize,
        time: DateTime<FixedOffset>,
        message: String,
    ) -> Option<Stamp> {
        if !self.posts[post].committed {
            self.pending.clear();
            return None;
        }
        let model = &self.posts[post];
        let write = FileWrite {
            path: model
                .draft_path
                .clone()
                .unwrap_or_else(|| model.path.clone()),
            content: self.render_post(post).into_bytes(),
        };
        let stamp = self.commit(time, message, vec![write]);
        for (id, kind) in std::mem::take(&mut self.pending) {
            let task = &mut self.tasks[id];
            match kind {
                EventKind::Added => {
                    task.added = Some(stamp);
                    if task.checked {
                        task.checked_at = Some(stamp);
                    }
                }
                EventKind::Checked => task.checked_at = Some(stamp),
                EventKind::Unchecked => task.checked_at = None,
                EventKind::Edited | EventKind::Moved | EventKind::Removed => {}
            }
            task.events.push(EventTruth {
                kind,
                commit: stamp.commit,
                time,
            });
        }
        Some(stamp)
    }

    fn initial_commit(&mut self) {
        let at = (self.spec.start_date - Duration::days(1)).and_time(NaiveTime::MIN)
            + Duration::hours(12);
        let time = self.next_time(at);
        let mut writes = vec![
            FileWrite {
                path: "_config.yml".into(),
                content: self.render_config().into_bytes(),
            },
            FileWrite {
                path: "index.md".into(),
                content: b"---\nlayout: home\n---\n\nWeekly goals, and how they went.\n".to_vec(),
            },
            FileWrite {
                path: "about.md".into(),
                content: self.render_about().into_bytes(),
            },
        ];
        if self.spec.page_with_tasks {
            self.project_ideas = PROJECTS
                .iter()
                .take(5)
                .map(|name| (format!("Sketch a plan for {name}"), false))
                .collect();
            writes.push(FileWrite {
                path: "projects.md".into(),
                content: self.render_projects().into_bytes(),
            });
        }
        self.commit(time, "Start the blog".into(), writes);
    }

    fn new_post(&mut self, week: usize, time: DateTime<FixedOffset>) {
        let date = self.spec.start_date + Duration::days(7 * week as i64);
        let imported = week < self.spec.imported_weeks;
        let carried: Vec<usize> = match week.checked_sub(1) {
            Some(previous) => {
                let open: Vec<usize> = self.posts[previous]
                    .order
                    .iter()
                    .copied()
                    .filter(|&id| self.tasks[id].present && !self.tasks[id].checked)
                    .collect();
                open.into_iter()
                    .filter(|&id| {
                        self.rng.chance(self.spec.carry_probability) && self.tasks[id].streak < 4
                    })
                    .collect()
            }
            None => Vec::new(),
        };
        let writing = carried
            .iter()
            .any(|&id| self.tasks[id].section == Kind::Writing)
            || self.rng.chance(0.35);
        let sections = self.make_sections(week, writing);
        let due_in_text = imported || !self.rng.chance(0.1);
        let due = if due_in_text {
            date + Duration::days(if self.rng.chance(0.2) { 6 } else { 5 })
        } else {
            date + Duration::days(7)
        };
        let plan_sentence = if due_in_text {
            self.rng
                .pick(PLAN_LEADS)
                .replace("{}", &due.format("%m/%d/%Y").to_string())
        } else {
            self.rng.pick(PLAN_WITHOUT_DUE).to_string()
        };
        let mut intro = Vec::new();
        for _ in 0..self.rng.range(2, 3) {
            let sentence = self.rng.pick(INTRO_SENTENCES).to_string();
            if !intro.contains(&sentence) {
                intro.push(sentence);
            }
        }
        let theme = self.rng.pick(WEEK_THEMES);
        let week_number = week + 1;
        let post = self.posts.len();
        self.posts.push(PostModel {
            path: format!("_posts/{date}-week-{week_number}.md"),
            draft_path: self
                .draft_week
                .then(|| format!("_drafts/week-{week_number}.md")),
            title: format!("Week {week_number}: {theme}"),
            date,
            time: time.time(),
            week_number,
            due,
            due_in_text,
            intro,
            plan_sentence,
            papers_blurb: self.rng.pick(PAPERS_BLURBS).to_string(),
            sections,
            order: Vec::new(),
            all: Vec::new(),
            first: None,
            committed: !imported,
        });
        for &from in &carried {
            self.carry(from, post);
        }
        let target = self
            .rng
            .range(self.spec.tasks_per_post.0, self.spec.tasks_per_post.1);
        let fresh = target.saturating_sub(carried.len()).max(3);
        for _ in 0..fresh {
            self.new_task(post, true, 0.15);
        }
        let stamp = self.commit_post(post, time, format!("Add goals for week {week_number}"));
        self.posts[post].first = stamp;
    }

    fn make_sections(&mut self, week: usize, writing: bool) -> Vec<Section> {
        let mut kinds = BASE_KINDS.to_vec();
        if writing {
            kinds.push(Kind::Writing);
        }
        kinds
            .into_iter()
            .map(|kind| {
                let (top, sub_markdown, sub_plain) = match kind {
                    Kind::Assignments => ("Courses", Some("Assignments".to_string()), None),
                    Kind::Studies => ("Courses", Some("Studies".to_string()), None),
                    Kind::Papers => {
                        let list = self.rng.pick(READING_LISTS);
                        match self.rng.below(3) {
                            0 => {
                                let name = format!("CS294 week {}", week + 1);
                                (" Papers", Some(format!(" {name}")), Some(name))
                            }
                            1 => {
                                let slug = slug(list);
                                (
                                    "Papers",
                                    Some(format!(
                                        "{list} (picked from [this survey](https://example.org/surveys/{slug}))"
                                    )),
                                    Some(format!("{list} (picked from this survey)")),
                                )
                            }
                            _ => ("Papers", Some(list.to_string()), None),
                        }
                    }
                    Kind::Implementations => ("Implementations", None, None),
                    Kind::Writing => ("Writing", None, None),
                };
                let top_plain = top.trim();
                let path = match (&sub_plain, &sub_markdown) {
                    (Some(plain), _) => format!("{top_plain} > {plain}"),
                    (None, Some(sub)) => format!("{top_plain} > {sub}"),
                    (None, None) => top_plain.to_string(),
                };
                Section {
                    kind,
                    top: top.to_string(),
                    sub_markdown,
                    path,
                }
            })
            .collect()
    }

    /// The next post's instance of an open task: same task, sometimes a word longer or re-rated.
    fn carry(&mut self, from: usize, post: usize) {
        let mut task = self.tasks[from].clone();
        task.post = post;
        task.events = Vec::new();
        task.added = None;
        task.checked_at = None;
        task.carried_from = Some(from);
        task.carried_to = None;
        task.streak += 1;
        task.planned = true;
        task.br_after = self.rng.chance(0.15);
        if self.rng.chance(0.25)
            && let Some(longer) = self.with_added_word(&task)
        {
            task.grams = bigrams(&longer);
            task.title = longer;
        }
        if let Some(confidence) = task.confidence
            && self.rng.chance(0.25)
        {
            task.confidence = Some(self.other_rating(confidence));
        }
        task.rewording = None;
        if self.spec.carry_rewording > 0.0
            && task.typo_of.is_none()
            && self.rng.chance(self.spec.carry_rewording)
        {
            self.reword(&mut task, post);
        }
        let id = self.tasks.len();
        self.tasks.push(task);
        self.tasks[from].carried_to = Some(id);
        self.place(post, id);
        self.destine(id);
        if self.rng.chance(0.08) && self.may_tick(id) {
            self.tasks[id].checked = true;
            self.dress_tick(id);
        }
        self.pending.push((id, EventKind::Added));
    }

    /// Re-words a carried task one of the ways of [`Rewording`], from the title as first
    /// written (so a goal carried twice is not `Continue: Continue: …`).
    fn reword(&mut self, task: &mut TaskModel, post: usize) {
        let mut choices: Vec<Rewording> = REWORDINGS
            .iter()
            .copied()
            .filter(|r| match r {
                Rewording::QualifierDropped | Rewording::QualifierDroppedAndPrefixed => {
                    task.qualifier.is_some()
                }
                Rewording::QualifierGained => task.qualifier.is_none() && task.family.is_none(),
                _ => true,
            })
            .collect();
        if task.qualifier.is_some() {
            // Goals written with a qualifier lose it more often than not.
            choices.push(Rewording::QualifierDropped);
            choices.push(Rewording::QualifierDroppedAndPrefixed);
        }
        let rewording = *self.rng.pick(&choices);
        let base = task.base_title.clone();
        let bare = task
            .qualifier
            .and_then(|q| base.strip_suffix(q))
            .unwrap_or(&base)
            .to_string();
        let bare_title = bare.clone();
        let title = match rewording {
            Rewording::ContinueColon => format!("Continue: {base}"),
            Rewording::ContinuePrefix => format!("Continue {}", lower_first(&base)),
            Rewording::StillPrefix => format!("Still: {base}"),
            Rewording::FinishColon => format!("Finish: {base}"),
            Rewording::KeepWorkingOn => format!("Keep working on {}", lower_first(&base)),
            Rewording::ContSuffix => format!("{base} (cont.)"),
            Rewording::ContinuedSuffix => format!("{base} continued"),
            Rewording::LastPartSuffix => format!("{base} — last part"),
            Rewording::TakeTwoSuffix => format!("{base}, take two"),
            Rewording::AgainSuffix => format!("{base} again"),
            Rewording::RoundTwoSuffix => format!("{base} (round two)"),
            Rewording::LowerCase => base.to_lowercase(),
            Rewording::UpperCase => base.to_uppercase(),
            Rewording::QualifierDropped => bare,
            Rewording::QualifierGained => {
                format!("{base}{}", self.rng.pick(GAINED_QUALIFIERS))
            }
            Rewording::QualifierDroppedAndPrefixed => format!("Continue: {bare}"),
            Rewording::PrefixedMovedAndRerated => {
                let elsewhere: Vec<Kind> = self.posts[post]
                    .sections
                    .iter()
                    .map(|s| s.kind)
                    .filter(|&k| k != task.section)
                    .collect();
                if !elsewhere.is_empty() {
                    task.section = *self.rng.pick(&elsewhere);
                }
                if let Some(confidence) = task.confidence {
                    task.confidence = Some(self.other_rating(confidence));
                }
                format!("Continue: {base}")
            }
        };
        // A goal that lost its qualifier or grew one keeps that form: later carries re-word
        // the goal as it now reads, not as it first read.
        match rewording {
            Rewording::QualifierGained => task.base_title = title.clone(),
            Rewording::QualifierDropped | Rewording::QualifierDroppedAndPrefixed => {
                task.base_title = bare_title;
                task.qualifier = None;
            }
            _ => {}
        }
        if title == task.title {
            return;
        }
        task.grams = bigrams(&title);
        task.title = title;
        task.rewording = Some(rewording);
    }

    fn place(&mut self, post: usize, id: usize) {
        self.posts[post].order.push(id);
        self.posts[post].all.push(id);
    }

    /// A title one word longer, for titles long enough that a word is a small change.
    fn with_added_word(&mut self, task: &TaskModel) -> Option<String> {
        let eligible = task.family.is_none()
            && task.kind != Kind::Papers
            && task.typo_of.is_none()
            && task.title.chars().count() >= 24
            && !ADDED_WORDS.iter().any(|word| task.title.ends_with(word));
        eligible.then(|| format!("{} {}", task.title, self.rng.pick(ADDED_WORDS)))
    }

    fn other_rating(&mut self, current: u8) -> u8 {
        let mut rating = current;
        while rating == current {
            rating = 1 + self.rng.below(5) as u8;
        }
        rating
    }

    /// Adds a fresh task to the post; `None` when no title far enough from the others was found.
    fn new_task(&mut self, post: usize, planned: bool, checked_chance: f64) -> Option<usize> {
        let kinds: Vec<Kind> = self.posts[post].sections.iter().map(|s| s.kind).collect();
        let weights: Vec<u32> = kinds
            .iter()
            .map(|kind| match kind {
                Kind::Assignments | Kind::Studies | Kind::Papers => 25,
                Kind::Implementations => 15,
                Kind::Writing => 10,
            })
            .collect();
        let kind = kinds[self.weighted(&weights)];
        for _ in 0..40 {
            let (mut title, family) = self.make_title(kind);
            let mut qualifier = None;
            if self.spec.carry_rewording > 0.0
                && family.is_none()
                && self.rng.chance(self.spec.carry_rewording / 4.0)
            {
                let chosen = *self.rng.pick(QUALIFIERS);
                title.push_str(chosen);
                qualifier = Some(chosen);
            }
            let base_title = title.clone();
            let grams = bigrams(&title);
            if !self.is_distinct(post, &grams, family) {
                continue;
            }
            if let Some((course, number)) = family {
                self.homework_numbers[course] = number;
            }
            let style = self.make_style(kind);
            let confidence = match style {
                Style::Unrated => None,
                _ => Some(*self.rng.pick(&[1u8, 2, 3, 3, 3, 4, 4, 4, 5])),
            };
            let (title, typo_of) = if family.is_none()
                && kind != Kind::Papers
                && self.rng.chance(0.12)
                && let Some(typo) = self.make_typo(&title)
            {
                (typo, Some(title))
            } else {
                (title, None)
            };
            let url = format!("https://example.org/notes/{}", slug(&title));
            let id = self.tasks.len();
            self.tasks.push(TaskModel {
                post,
                title,
                typo_of,
                grams,
                kind,
                family,
                style,
                confidence,
                url,
                section: kind,
                checked: false,
                bold: false,
                note: None,
                br_after: self.rng.chance(0.15),
                present: true,
                planned,
                visible: true,
                added: None,
                checked_at: None,
                events: Vec::new(),
                carried_from: None,
                carried_to: None,
                streak: 0,
                base_title,
                qualifier,
                rewording: None,
                destined: false,
            });
            self.place(post, id);
            self.destine(id);
            if self.rng.chance(checked_chance) && self.may_tick(id) {
                self.tasks[id].checked = true;
                self.dress_tick(id);
            }
            self.pending.push((id, EventKind::Added));
            return Some(id);
        }
        None
    }

    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut roll = self.rng.below(total as usize) as u32;
        for (index, &weight) in weights.iter().enumerate() {
            if roll < weight {
                return index;
            }
            roll -= weight;
        }
        weights.len().saturating_sub(1)
    }

    fn make_title(&mut self, kind: Kind) -> (String, Option<(usize, u32)>) {
        let rng = &mut self.rng;
        match kind {
            Kind::Assignments => {
                let course = rng.below(COURSES.len());
                let (code, word) = COURSES[course];
                if rng.chance(0.7) {
                    let number = self.homework_numbers[course] + 1;
                    (format!("{code} {word} {number}"), Some((course, number)))
                } else {
                    (rng.pick(COURSE_CHORES).replace("{}", code), None)
                }
            }
            Kind::Studies => {
                let template = rng.pick(STUDY_TEMPLATES);
                (template.replace("{}", rng.pick::<&str>(STUDY_TOPICS)), None)
            }
            Kind::Papers => {
                let title = format!(
                    "{} {} for {}",
                    rng.pick(PAPER_ADJECTIVES),
                    rng.pick(PAPER_NOUNS),
                    rng.pick(PAPER_TASKS)
                );
                let year = 2014 + rng.below(8);
                let venue = rng.pick(VENUES);
                let first = rng.pick(SURNAMES);
                if rng.chance(0.7) {
                    (format!("{first}, et al. “{title}” {venue} {year}."), None)
                } else {
                    let second = rng.pick(SURNAMES);
                    (
                        format!("{first} and {second}. “{title}”. {venue}, {year}."),
                        None,
                    )
                }
            }
            Kind::Implementations => {
                if rng.chance(0.5) {
                    let template = rng.pick(IMPLEMENTATION_TEMPLATES);
                    (template.replace("{}", rng.pick::<&str>(ALGORITHMS)), None)
                } else {
                    let template = rng.pick(PROJECT_TEMPLATES);
                    (template.replace("{}", rng.pick::<&str>(PROJECTS)), None)
                }
            }
            Kind::Writing => {
                let template = rng.pick(WRITING_TEMPLATES);
                let topic = if rng.chance(0.5) {
                    rng.pick(STUDY_TOPICS)
                } else {
                    rng.pick(ALGORITHMS)
                };
                (template.replace("{}", topic), None)
            }
        }
    }

    fn make_style(&mut self, kind: Kind) -> Style {
        // Weights of Unrated, Comma, Paren, Link.
        let weights: [u32; 4] = match kind {
            Kind::Assignments => [40, 50, 10, 0],
            Kind::Studies => [40, 45, 15, 0],
            Kind::Papers => [50, 5, 45, 0],
            Kind::Implementations => [20, 35, 0, 45],
            Kind::Writing => [50, 30, 0, 20],
        };
        [Style::Unrated, Style::Comma, Style::Paren, Style::Link][self.weighted(&weights)]
    }

    /// Two neighbouring letters of a long word swapped: the kind of slip people fix later.
    fn make_typo(&mut self, title: &str) -> Option<String> {
        let words: Vec<&str> = title.split(' ').collect();
        let long: Vec<usize> = (0..words.len())
            .filter(|&i| words[i].len() >= 6 && words[i].chars().all(|c| c.is_ascii_lowercase()))
            .collect();
        if long.is_empty() {
            return None;
        }
        let index = long[self.rng.below(long.len())];
        let mut letters: Vec<char> = words[index].chars().collect();
        let at = 1 + self.rng.below(letters.len() - 3);
        if letters[at] == letters[at + 1] {
            return None;
        }
        letters.swap(at, at + 1);
        let typo: String = letters.into_iter().collect();
        let mut changed: Vec<String> = words.iter().map(|w| w.to_string()).collect();
        changed[index] = typo;
        Some(changed.join(" "))
    }

    /// Far enough from every title of this post and the previous one (whose open tasks may be
    /// carried into it), unless it is another number of the same course's homework.
    fn is_distinct(&self, post: usize, grams: &[u64], family: Option<(usize, u32)>) -> bool {
        let window = post
            .checked_sub(1)
            .map(|previous| self.posts[previous].all.as_slice())
            .unwrap_or(&[])
            .iter()
            .chain(self.posts[post].all.iter());
        for &id in window {
            let other = &self.tasks[id];
            match (family, other.family) {
                (Some((course, number)), Some((other_course, other_number)))
                    if course == other_course =>
                {
                    if number == other_number {
                        return false;
                    }
                }
                _ => {
                    if dice(grams, &other.grams) >= DISTINCT_BELOW {
                        return false;
                    }
                }
            }
        }
        true
    }

    /// Bold, with a note or not, as people mark a finished item.
    fn dress_tick(&mut self, id: usize) {
        let roll = self.rng.below(10);
        let note = self.rng.pick(NOTES).to_string();
        let task = &mut self.tasks[id];
        if task.style == Style::Link {
            task.bold = roll < 7;
        } else if roll < 5 {
            task.bold = true;
            task.note = Some(note);
        } else if roll < 8 {
            task.bold = true;
        }
    }

    fn undress(&mut self, id: usize) {
        let task = &mut self.tasks[id];
        task.bold = false;
        task.note = None;
    }

    fn present_tasks(&self, post: usize, keep: impl Fn(&TaskModel) -> bool) -> Vec<usize> {
        self.posts[post]
            .order
            .iter()
            .copied()
            .filter(|&id| self.tasks[id].present && keep(&self.tasks[id]))
            .collect()
    }

    fn pick_id(&mut self, ids: &[usize]) -> Option<usize> {
        (!ids.is_empty()).then(|| ids[self.rng.below(ids.len())])
    }

    fn edit(&mut self, week: usize, time: DateTime<FixedOffset>) {
        let post = week;
        if self.spec.done_chances.is_some() {
            // The goals destined to be done are ticked before anything else changes.
            let due = self.present_tasks(post, |t| t.destined && !t.checked);
            if let Some(id) = self.pick_id(&due) {
                self.tick(id);
                let message = format!("Done: {}", self.tasks[id].title);
                self.commit_post(post, time, message);
                return;
            }
        }
        let weights: Vec<u32> = EDIT_WEIGHTS.iter().map(|(_, w)| *w).collect();
        let chosen = EDIT_WEIGHTS[self.weighted(&weights)].0;
        let message = self
            .try_edit(post, chosen)
            .or_else(|| self.try_edit(post, Edit::Tick))
            .or_else(|| self.try_edit(post, Edit::Prose));
        if let Some(message) = message {
            self.commit_post(post, time, message);
        }
    }

    /// Applies one kind of change to the model; `None` when nothing in the post allows it.
    fn try_edit(&mut self, post: usize, edit: Edit) -> Option<String> {
        match edit {
            Edit::Tick => {
                let chances = self.spec.done_chances.is_some();
                let id = self.pick_id(
                    &self.present_tasks(post, |t| !t.checked && (!chances || t.destined)),
                )?;
                self.tick(id);
                Some(format!("Done: {}", self.tasks[id].title))
            }
            Edit::TickTwo => {
                let chances = self.spec.done_chances.is_some();
                let open = self.present_tasks(post, |t| !t.checked && (!chances || t.destined));
                if open.len() < 2 {
                    return None;
                }
                let first = self.rng.below(open.len());
                let second = (first + 1 + self.rng.below(open.len() - 1)) % open.len();
                self.tick(open[first]);
                self.tick(open[second]);
                Some("Tick off two goals".into())
            }
            Edit::Untick if self.spec.done_chances.is_some() => None,
            Edit::Rerate if self.spec.done_chances.is_some() => None,
            Edit::Untick => {
                let id = self.pick_id(&self.present_tasks(post, |t| t.checked))?;
                self.tasks[id].checked = false;
                self.undress(id);
                self.pending.push((id, EventKind::Unchecked));
                Some(format!("Not finished after all: {}", self.tasks[id].title))
            }
            Edit::AddUnplanned => {
                let id = self.new_task(post, false, 0.3)?;
                Some(format!("New goal: {}", self.tasks[id].title))
            }
            Edit::Retitle => {
                let typos = self.present_tasks(post, |t| t.typo_of.is_some());
                if let Some(id) = self.pick_id(&typos) {
                    let task = &mut self.tasks[id];
                    task.title = task.typo_of.take().unwrap_or_default();
                    self.pending.push((id, EventKind::Edited));
                    return Some("Fix a typo".into());
                }
                let long = self.present_tasks(post, |t| {
                    t.family.is_none()
                        && t.kind != Kind::Papers
                        && t.title.chars().count() >= 24
                        && !ADDED_WORDS.iter().any(|word| t.title.ends_with(word))
                });
                let id = self.pick_id(&long)?;
                let task = self.tasks[id].clone();
                let longer = self.with_added_word(&task)?;
                self.tasks[id].grams = bigrams(&longer);
                self.tasks[id].title = longer;
                self.pending.push((id, EventKind::Edited));
                Some("Reword a goal".into())
            }
            Edit::Move => {
                let id = self.pick_id(&self.present_tasks(post, |_| true))?;
                let here = self.tasks[id].section;
                let elsewhere: Vec<Kind> = self.posts[post]
                    .sections
                    .iter()
                    .map(|s| s.kind)
                    .filter(|&k| k != here)
                    .collect();
                let target = *self.rng.pick(&elsewhere);
                self.tasks[id].section = target;
                let order = &mut self.posts[post].order;
                order.retain(|&other| other != id);
                order.push(id);
                self.pending.push((id, EventKind::Moved));
                Some(format!(
                    "Move a goal to {}",
                    self.section(post, target).path
                ))
            }
            Edit::Remove => {
                if self.present_tasks(post, |_| true).len() <= 3 {
                    return None;
                }
                let candidates =
                    self.present_tasks(post, |t| !t.checked && t.carried_from.is_none());
                let id = self.pick_id(&candidates)?;
                self.tasks[id].present = false;
                self.pending.push((id, EventKind::Removed));
                Some(format!("Drop a goal: {}", self.tasks[id].title))
            }
            Edit::AppendNote => {
                let noted = self.present_tasks(post, |t| {
                    t.note.as_ref().is_some_and(|note| note.len() < 300)
                });
                let id = self.pick_id(&noted)?;
                let more = self.rng.pick(MORE_NOTES);
                let note = self.tasks[id].note.as_mut()?;
                if note.contains(more) {
                    return None;
                }
                note.push(' ');
                note.push_str(more);
                Some("More notes".into())
            }
            Edit::Rerate => {
                let rated = self.present_tasks(post, |t| !t.checked && t.confidence.is_some());
                let id = self.pick_id(&rated)?;
                let current = self.tasks[id].confidence.unwrap_or(3);
                self.tasks[id].confidence = Some(self.other_rating(current));
                Some("Revise a confidence rating".into())
            }
            Edit::Prose => {
                let replacement = self.rng.pick(INTRO_SENTENCES).to_string();
                let intro = &mut self.posts[post].intro;
                if intro.contains(&replacement) {
                    intro.push("Edit: the list below changed a little during the week.".into());
                    intro.dedup();
                } else {
                    let at = self.rng.below(intro.len());
                    intro[at] = replacement;
                }
                Some("Reword the introduction".into())
            }
        }
    }

    /// With true chances, draws whether goal `id` gets done this week; without, draws nothing.
    fn destine(&mut self, id: usize) {
        let Some(chances) = self.spec.done_chances else {
            return;
        };
        let task = &self.tasks[id];
        let rating = usize::from(task.confidence.unwrap_or(0)).min(5);
        let chance = chances[rating] * CARRIED_CHANCE_FACTOR.powi(task.streak as i32);
        self.tasks[id].destined = self.rng.chance(chance);
    }

    /// Without true chances any goal may be ticked; with them, only one destined to be done.
    fn may_tick(&self, id: usize) -> bool {
        self.spec.done_chances.is_none() || self.tasks[id].destined
    }

    fn tick(&mut self, id: usize) {
        self.tasks[id].checked = true;
        self.dress_tick(id);
        self.pending.push((id, EventKind::Checked));
    }

    /// The week's draft gets its dated name and a date, and loses `published: false`; half the
    /// time a goal is ticked in the same commit.
    fn publish(&mut self, week: usize, time: DateTime<FixedOffset>) {
        let post = week;
        let Some(draft) = self.posts[post].draft_path.take() else {
            return;
        };
        let mut message = "Publish this week's goals".to_string();
        if self.rng.chance(0.5)
            && let Some(done) = self.try_edit(post, Edit::Tick)
        {
            message = format!("{message} ({done})");
        }
        let stamp = self.commit_post(post, time, message);
        if stamp.is_some()
            && let Some(last) = self.commits.last_mut()
        {
            last.deletes.push(draft.clone());
        }
        self.files.remove(&draft);
    }

    fn late_tick(&mut self, id: usize, time: DateTime<FixedOffset>) {
        let task = &self.tasks[id];
        if !task.present || task.checked || task.carried_to.is_some() {
            return;
        }
        let post = task.post;
        self.tick(id);
        let message = format!("Finally done: {}", self.tasks[id].title);
        self.commit_post(post, time, message);
    }

    /// One commit bringing in every post not committed yet, each as it stands now.
    fn import(&mut self, time: DateTime<FixedOffset>) {
        let waiting: Vec<usize> = (0..self.posts.len())
            .filter(|&post| !self.posts[post].committed)
            .collect();
        if waiting.is_empty() {
            return;
        }
        self.pending.clear();
        let mut writes = Vec::new();
        for &post in &waiting {
            self.posts[post].committed = true;
            writes.push(FileWrite {
                path: self.posts[post].path.clone(),
                content: self.render_post(post).into_bytes(),
            });
        }
        let stamp = self.commit(time, "Import earlier weekly posts".into(), writes);
        for &post in &waiting {
            self.posts[post].first = Some(stamp);
            for &id in &self.posts[post].all {
                let task = &mut self.tasks[id];
                if !task.present {
                    task.visible = false;
                    continue;
                }
                task.planned = true;
                task.added = Some(stamp);
                task.checked_at = task.checked.then_some(stamp);
                task.events = vec![EventTruth {
                    kind: EventKind::Added,
                    commit: stamp.commit,
                    time,
                }];
            }
        }
    }

    fn other_commit(&mut self, time: DateTime<FixedOffset>) {
        let roll = self.rng.below(10);
        let (message, write) = if roll < 5 {
            self.images += 1;
            let size = self.rng.range(600, 3000);
            let mut content = b"\x89PNG\r\n\x1a\n".to_vec();
            content.extend((0..size).map(|_| (self.rng.next_u64() >> 56) as u8));
            let path = format!(
                "assets/img/{}-figure-{}.png",
                time.date_naive(),
                self.images
            );
            (
                format!("Add figure {}", self.images),
                FileWrite { path, content },
            )
        } else if roll < 7 {
            self.config_revision += 1;
            (
                "Tweak the site configuration".into(),
                FileWrite {
                    path: "_config.yml".into(),
                    content: self.render_config().into_bytes(),
                },
            )
        } else if self.spec.page_with_tasks && roll < 9 {
            let index = self.rng.below(self.project_ideas.len().max(1));
            if let Some(idea) = self.project_ideas.get_mut(index) {
                idea.1 = !idea.1;
            }
            (
                "Update the projects page".into(),
                FileWrite {
                    path: "projects.md".into(),
                    content: self.render_projects().into_bytes(),
                },
            )
        } else {
            self.page_revision += 1;
            (
                "Update the about page".into(),
                FileWrite {
                    path: "about.md".into(),
                    content: self.render_about().into_bytes(),
                },
            )
        };
        self.commit(time, message, vec![write]);
    }

    fn section(&self, post: usize, kind: Kind) -> &Section {
        let sections = &self.posts[post].sections;
        sections
            .iter()
            .find(|s| s.kind == kind)
            .unwrap_or(&sections[0])
    }

    // -----------------------------------------------------------------------------------------
    // Rendering

    fn offset_text(&self) -> String {
        let minutes = self.offset.local_minus_utc() / 60;
        let sign = if minutes < 0 { '-' } else { '+' };
        format!("{sign}{:02}{:02}", minutes.abs() / 60, minutes.abs() % 60)
    }

    fn render_post(&self, post: usize) -> String {
        let model = &self.posts[post];
        let mut out = String::with_capacity(4096);
        out.push_str("---\nlayout: post\n");
        out.push_str(&format!("title:  \"{}\"\n", model.title));
        if model.draft_path.is_some() {
            // A draft: no date yet, and kept off the site.
            out.push_str("published: false\n");
        } else {
            out.push_str(&format!(
                "date:   {} {} {}\n",
                model.date,
                model.time.format("%H:%M:%S"),
                self.offset_text()
            ));
        }
        out.push_str("categories: goals weekly\n---\n\n");
        for sentence in &model.intro {
            out.push_str(sentence);
            out.push_str("\n\n");
        }
        out.push_str(&format!("### Goals for week {}\n\n", model.week_number));
        out.push_str(&model.plan_sentence);
        out.push_str("\n\n");
        let mut previous_top: Option<&str> = None;
        for section in &model.sections {
            if previous_top != Some(section.top.as_str()) {
                out.push_str(&format!("### {}\n", section.top));
                if section.kind == Kind::Papers {
                    out.push('\n');
                    out.push_str(&model.papers_blurb);
                    out.push_str("\n\n");
                }
                previous_top = Some(section.top.as_str());
            }
            if let Some(sub) = &section.sub_markdown {
                out.push_str(&format!("#### {sub}\n"));
                if section.kind == Kind::Papers {
                    out.push('\n');
                }
            }
            // An empty section (its tasks moved away) keeps its heading and nothing else.
            let mut last_had_breaks = true;
            for &id in &model.order {
                let task = &self.tasks[id];
                if !task.present || task.section != section.kind {
                    continue;
                }
                render_task(task, &mut out);
                last_had_breaks = task.br_after;
                if task.br_after {
                    out.push_str("<br>\n<br>\n");
                }
            }
            if !last_had_breaks {
                out.push_str("<br>\n<br>\n");
            }
            out.push('\n');
        }
        out
    }

    fn render_config(&self) -> String {
        format!(
            "title: Weekly goals\ndescription: What I planned, and what I finished\n\
             markdown: kramdown\npermalink: /:year/:month/:day/:title.html\n\
             # revision {}\n",
            self.config_revision
        )
    }

    fn render_about(&self) -> String {
        let topic = STUDY_TOPICS[self.page_revision % STUDY_TOPICS.len()];
        format!(
            "---\nlayout: page\ntitle: About\npermalink: /about/\n---\n\n\
             I write down my goals every Monday and tick them off in git.\n\n\
             These days I am learning about {topic}.\n"
        )
    }

    /// A page, not a post: its task list is not anyone's weekly goals.
    fn render_projects(&self) -> String {
        let mut out = String::from(
            "---\nlayout: page\ntitle: Projects\npermalink: /projects/\n---\n\nSide projects I might pick up:\n\n",
        );
        for (idea, done) in &self.project_ideas {
            out.push_str(&format!("- [{}] {idea}\n", if *done { 'x' } else { ' ' }));
        }
        out
    }

    // -----------------------------------------------------------------------------------------
    // Truth

    fn truth(&self) -> Truth {
        let mut ids: Vec<Option<usize>> = vec![None; self.tasks.len()];
        let mut order = Vec::new();
        for post in &self.posts {
            for &id in &post.all {
                if self.tasks[id].visible && self.tasks[id].added.is_some() {
                    ids[id] = Some(order.len());
                    order.push(id);
                }
            }
        }
        let link = |id: Option<usize>| {
            let id = id?;
            let task = &self.tasks[id];
            Some(TaskLink {
                task: ids[id]?,
                post: self.posts[task.post].path.clone(),
                text: task.title.clone(),
            })
        };
        let tasks = order
            .iter()
            .enumerate()
            .filter_map(|(index, &id)| {
                let task = &self.tasks[id];
                let status = match (task.present, task.checked) {
                    (false, _) => TaskStatus::Removed,
                    (true, true) => TaskStatus::Done,
                    (true, false) => TaskStatus::Open,
                };
                Some(TaskTruth {
                    id: index,
                    post: self.posts[task.post].path.clone(),
                    text: task.title.clone(),
                    section: self.section(task.post, task.section).path.clone(),
                    confidence: task.confidence,
                    status,
                    planned: task.planned,
                    added: task.added?,
                    checked: if status == TaskStatus::Done {
                        task.checked_at
                    } else {
                        None
                    },
                    carried_from: link(task.carried_from),
                    carried_to: link(task.carried_to),
                    carry_streak: task.streak,
                    rewording: task.rewording,
                    events: task.events.clone(),
                })
            })
            .collect();
        let posts = (0..self.posts.len())
            .map(|post| self.post_truth(post))
            .collect();
        Truth { posts, tasks }
    }

    fn post_truth(&self, post: usize) -> PostTruth {
        let model = &self.posts[post];
        let newest = post + 1 == self.posts.len();
        let visible: Vec<&TaskModel> = model
            .all
            .iter()
            .map(|&id| &self.tasks[id])
            .filter(|t| t.visible)
            .collect();
        let current: Vec<&TaskModel> = visible.iter().copied().filter(|t| t.present).collect();
        let (due, due_source) = if model.due_in_text {
            (model.due, DueSource::Text)
        } else if newest {
            (model.date + Duration::days(7), DueSource::DatePlusWeek)
        } else {
            (self.posts[post + 1].date, DueSource::NextPost)
        };
        let count = |keep: &dyn Fn(&TaskModel) -> bool| current.iter().filter(|t| keep(t)).count();
        let tasks = current.len();
        let done = count(&|t| t.checked);
        let imported_late = model
            .first
            .is_none_or(|first| first.time.date_naive() > due);
        let done_on_time = (!imported_late).then(|| {
            count(&|t| {
                t.checked
                    && t.checked_at
                        .is_some_and(|stamp| stamp.time.date_naive() <= due)
            })
        });
        let mut by_confidence: BTreeMap<String, Tally> = BTreeMap::new();
        let mut by_section: BTreeMap<String, Tally> = BTreeMap::new();
        for task in &current {
            let key = task
                .confidence
                .map_or_else(|| "unrated".to_string(), |c| c.to_string());
            for tally in [
                by_confidence.entry(key).or_default(),
                by_section
                    .entry(self.section(post, task.section).path.clone())
                    .or_default(),
            ] {
                tally.total += 1;
                tally.done += usize::from(task.checked);
            }
        }
        PostTruth {
            path: model.path.clone(),
            title: model.title.clone(),
            date: model.date,
            due,
            due_source,
            figures: Figures {
                tasks,
                planned: count(&|t| t.planned),
                added: count(&|t| !t.planned),
                removed: visible.len() - tasks,
                done,
                done_on_time,
                open: tasks - done,
                carried_in: count(&|t| t.carried_from.is_some()),
                carried_out: count(&|t| t.carried_to.is_some()),
                dropped: if newest {
                    0
                } else {
                    count(&|t| !t.checked && t.carried_to.is_none())
                },
                cancelled: 0,
                forwarded: 0,
            },
            completion: if tasks == 0 {
                0.0
            } else {
                done as f64 / tasks as f64
            },
            by_confidence,
            by_section,
        }
    }
}

/// One task line as the seed post writes it, in one of the three rating spellings.
fn render_task(task: &TaskModel, out: &mut String) {
    out.push_str(if task.checked { "- [x] " } else { "- [ ] " });
    let title = &task.title;
    if task.style == Style::Link {
        let rating = task.confidence.unwrap_or(3);
        if task.bold {
            out.push_str(&format!("**{title}** [[link]]({}) {rating}/5", task.url));
        } else {
            out.push_str(&format!("[{title}]({}) {rating}/5", task.url));
        }
    } else {
        let core = match (task.style, task.confidence) {
            (Style::Comma, Some(rating)) => format!("{title}, {rating}/5"),
            (Style::Paren, Some(rating)) => format!("{title} ({rating}/5)"),
            _ => title.clone(),
        };
        if task.bold {
            out.push_str(&format!("**{core}**"));
        } else {
            out.push_str(&core);
        }
        if let Some(note) = &task.note {
            out.push_str(&format!(" *{note}*"));
        }
    }
    out.push('\n');
}

fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Sorted character bigrams of the lower-cased text.
pub fn bigrams(text: &str) -> Vec<u64> {
    let chars: Vec<char> = text.to_lowercase().chars().collect();
    let mut grams: Vec<u64> = chars
        .windows(2)
        .map(|pair| (u64::from(u32::from(pair[0])) << 32) | u64::from(u32::from(pair[1])))
        .collect();
    grams.sort_unstable();
    grams
}

/// Dice coefficient of two sorted bigram multisets: 1 for the same text, near 0 for unrelated.
pub fn dice(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut shared) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                shared += 1;
                i += 1;
                j += 1;
            }
        }
    }
    2.0 * shared as f64 / (a.len() + b.len()) as f64
}

// ---------------------------------------------------------------------------------------------
// Writing the repository

/// Why the sample repository could not be written.
#[derive(Debug, thiserror::Error)]
pub enum SyntheticError {
    #[error("{path} is not empty: the synthetic blog needs a new or empty directory")]
    NotEmpty { path: PathBuf },
    #[error("cannot prepare {path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot write the synthetic repository in {path}: {source}")]
    Git {
        path: PathBuf,
        #[source]
        source: git2::Error,
    },
    #[error("cannot write commit {index} (\"{message}\") into {path}: {source}")]
    Commit {
        path: PathBuf,
        index: usize,
        message: String,
        #[source]
        source: git2::Error,
    },
}

/// Above the loose and pack backends, so every write lands in memory first.
const MEMPACK_PRIORITY: i32 = 999;

/// Commits whose objects go into one pack; bounds the memory the batch holds (its trees are
/// kept whole until the pack is written).
const COMMITS_PER_PACK: usize = 1000;

/// The repository as written: its head and the id of every commit, in [`Blog::commits`] order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WrittenRepo {
    pub head: git2::Oid,
    pub commits: Vec<git2::Oid>,
}

impl WrittenRepo {
    /// The git id of the commit a truth stamp names.
    pub fn commit_id(&self, stamp: &Stamp) -> Option<git2::Oid> {
        self.commits.get(stamp.commit).copied()
    }
}

/// Writes the history as a git repository in `dir` (created if missing, else it must be
/// empty), on branch `main`, with the last commit checked out. Objects go straight into the
/// object database, no index or work tree per commit, so 13,000 commits take seconds.
pub fn write_repo(blog: &Blog, dir: &Path) -> Result<WrittenRepo, SyntheticError> {
    let io_error = |source| SyntheticError::Io {
        path: dir.to_path_buf(),
        source,
    };
    let git_error = |source| SyntheticError::Git {
        path: dir.to_path_buf(),
        source,
    };
    if dir.exists() {
        if std::fs::read_dir(dir).map_err(io_error)?.next().is_some() {
            return Err(SyntheticError::NotEmpty {
                path: dir.to_path_buf(),
            });
        }
    } else {
        std::fs::create_dir_all(dir).map_err(io_error)?;
    }
    let mut options = git2::RepositoryInitOptions::new();
    options.initial_head("main");
    let repo = git2::Repository::init_opts(dir, &options).map_err(git_error)?;
    let odb = repo.odb().map_err(git_error)?;
    // Objects gather in memory and reach the disk as one pack per batch: a loose file per
    // object (50,000 of them for the benchmark blog) made file creation the whole cost.
    let mempack = odb
        .add_new_mempack_backend(MEMPACK_PRIORITY)
        .map_err(git_error)?;
    let pack_dir = repo.path().join("objects").join("pack");
    // The pack builder rather than the mempack's own dump, for its threads: the delta search
    // is most of the work.
    let flush = |batch: &mut Vec<(git2::Oid, String)>| -> Result<(), git2::Error> {
        let mut builder = repo.packbuilder()?;
        builder.set_threads(0);
        for (id, name) in batch.drain(..) {
            builder.insert_object(id, Some(&name))?;
        }
        builder.write(&pack_dir, 0)?;
        mempack.reset()?;
        odb.refresh()
    };
    let mut batch: Vec<(git2::Oid, String)> = Vec::new();
    let mut root = TreeNode::default();
    let mut parent: Option<git2::Oid> = None;
    let mut side: Option<SideBranch> = None;
    let mut ids = Vec::with_capacity(blog.commits.len());
    let mut buffer = Vec::new();
    for (index, commit) in blog.commits.iter().enumerate() {
        let written = (|| -> Result<git2::Oid, git2::Error> {
            let mut changes: Vec<(String, Option<git2::Oid>)> = Vec::new();
            for write in &commit.writes {
                let blob = odb.write(git2::ObjectType::Blob, &write.content)?;
                batch.push((blob, write.path.clone()));
                changes.push((write.path.clone(), Some(blob)));
            }
            changes.extend(commit.deletes.iter().map(|path| (path.clone(), None)));
            let parents: Vec<git2::Oid> = match commit.line {
                Line::Main => {
                    root.apply(&changes);
                    parent.into_iter().collect()
                }
                Line::Side => {
                    let (tree, _, changed) =
                        side.get_or_insert_with(|| (root.clone(), parent, BTreeMap::new()));
                    tree.apply(&changes);
                    changed.extend(changes.iter().cloned());
                    side.as_ref()
                        .and_then(|(_, tip, _)| *tip)
                        .into_iter()
                        .collect()
                }
                Line::Merge => {
                    let (_, side_tip, changed) = side.take().ok_or_else(|| {
                        git2::Error::from_str("a merge commit with no side branch open")
                    })?;
                    let changed: Vec<(String, Option<git2::Oid>)> = changed.into_iter().collect();
                    root.apply(&changed);
                    root.apply(&changes);
                    parent.into_iter().chain(side_tip).collect()
                }
            };
            let tree = match (&commit.line, &mut side) {
                (Line::Side, Some((tree, _, _))) => tree.write(&odb, "", &mut batch)?,
                _ => root.write(&odb, "", &mut batch)?,
            };
            commit_bytes(tree, &parents, commit, &mut buffer);
            let id = odb.write(git2::ObjectType::Commit, &buffer)?;
            batch.push((id, String::new()));
            Ok(id)
        })()
        .map_err(|source| SyntheticError::Commit {
            path: dir.to_path_buf(),
            index,
            message: commit.message.clone(),
            source,
        })?;
        ids.push(written);
        match (commit.line, &mut side) {
            (Line::Side, Some((_, tip, _))) => *tip = Some(written),
            _ => parent = Some(written),
        }
        if (index + 1) % COMMITS_PER_PACK == 0 {
            flush(&mut batch).map_err(git_error)?;
        }
    }
    flush(&mut batch).map_err(git_error)?;
    let head = parent.ok_or_else(|| {
        git_error(git2::Error::from_str(
            "the synthetic history has no commits",
        ))
    })?;
    repo.reference("refs/heads/main", head, true, "synthetic blog history")
        .map_err(git_error)?;
    let mut checkout = git2::build::CheckoutBuilder::new();
    checkout.force();
    repo.checkout_head(Some(&mut checkout)).map_err(git_error)?;
    Ok(WrittenRepo { head, commits: ids })
}

/// An open side branch while the repository is written: its tree, its last commit, and what
/// it changed since the fork (path → blob, `None` for a deletion), which its merge brings into
/// the main line.
type SideBranch = (
    TreeNode,
    Option<git2::Oid>,
    BTreeMap<String, Option<git2::Oid>>,
);

/// The raw commit object: the same author and committer, at the commit's own time and offset.
fn commit_bytes(
    tree: git2::Oid,
    parents: &[git2::Oid],
    commit: &SyntheticCommit,
    out: &mut Vec<u8>,
) {
    use std::fmt::Write as _;
    let minutes = commit.time.offset().local_minus_utc() / 60;
    let sign = if minutes < 0 { '-' } else { '+' };
    let who = format!(
        "{AUTHOR_NAME} <{AUTHOR_EMAIL}> {} {sign}{:02}{:02}",
        commit.time.timestamp(),
        minutes.abs() / 60,
        minutes.abs() % 60
    );
    let mut text = String::with_capacity(256 + commit.message.len());
    let _ = writeln!(text, "tree {tree}");
    for parent in parents {
        let _ = writeln!(text, "parent {parent}");
    }
    let _ = writeln!(text, "author {who}");
    let _ = writeln!(text, "committer {who}");
    let _ = writeln!(text, "\n{}", commit.message);
    out.clear();
    out.extend_from_slice(text.as_bytes());
}

/// A directory of the tree being built; remembers its object id until something under it
/// changes, so a commit rewrites only the trees on the paths it touched.
#[derive(Debug, Default, Clone)]
struct TreeNode {
    /// Keyed by git's tree order: a directory sorts as its name followed by `/`.
    entries: BTreeMap<Vec<u8>, TreeEntry>,
    written: Option<git2::Oid>,
}

#[derive(Debug, Clone)]
enum TreeEntry {
    File(git2::Oid),
    Dir(TreeNode),
}

impl TreeNode {
    /// Writes (`Some(blob)`) and deletes (`None`) files.
    fn apply(&mut self, changes: &[(String, Option<git2::Oid>)]) {
        for (path, blob) in changes {
            match blob {
                Some(blob) => self.insert(path, *blob),
                None => {
                    self.remove(path);
                }
            }
        }
    }

    /// Removes a file; a directory left empty goes too (git keeps no empty trees). Returns
    /// whether this node is empty now.
    fn remove(&mut self, path: &str) -> bool {
        self.written = None;
        match path.split_once('/') {
            None => {
                self.entries.remove(path.as_bytes());
            }
            Some((dir, rest)) => {
                let mut key = dir.as_bytes().to_vec();
                key.push(b'/');
                if let Some(TreeEntry::Dir(node)) = self.entries.get_mut(&key)
                    && node.remove(rest)
                {
                    self.entries.remove(&key);
                }
            }
        }
        self.entries.is_empty()
    }

    fn insert(&mut self, path: &str, blob: git2::Oid) {
        self.written = None;
        match path.split_once('/') {
            None => {
                self.entries
                    .insert(path.as_bytes().to_vec(), TreeEntry::File(blob));
            }
            Some((dir, rest)) => {
                let mut key = dir.as_bytes().to_vec();
                key.push(b'/');
                let entry = self
                    .entries
                    .entry(key)
                    .or_insert_with(|| TreeEntry::Dir(TreeNode::default()));
                if let TreeEntry::Dir(node) = entry {
                    node.insert(rest, blob);
                }
            }
        }
    }

    /// Writes the trees that changed, listing each new one (with its path, a hint for the
    /// pack's delta search) in `written`.
    fn write(
        &mut self,
        odb: &git2::Odb<'_>,
        path: &str,
        written: &mut Vec<(git2::Oid, String)>,
    ) -> Result<git2::Oid, git2::Error> {
        if let Some(id) = self.written {
            return Ok(id);
        }
        let mut bytes = Vec::with_capacity(self.entries.len() * 64);
        for (key, entry) in &mut self.entries {
            let (mode, name, id): (&[u8], &[u8], git2::Oid) = match entry {
                TreeEntry::File(id) => (b"100644", key, *id),
                TreeEntry::Dir(node) => {
                    let name = &key[..key.len() - 1];
                    let child = format!("{path}{}/", String::from_utf8_lossy(name));
                    (b"40000", name, node.write(odb, &child, written)?)
                }
            };
            bytes.extend_from_slice(mode);
            bytes.push(b' ');
            bytes.extend_from_slice(name);
            bytes.push(0);
            bytes.extend_from_slice(id.as_bytes());
        }
        let id = odb.write(git2::ObjectType::Tree, &bytes)?;
        written.push((id, path.to_string()));
        self.written = Some(id);
        Ok(id)
    }
}
