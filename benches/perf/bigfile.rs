//! The big-file benchmark history: a handful of long study checklists (100–300 KB, about 700
//! tasks each, some of them translated) edited a few lines at a time over thousands of
//! commits — the shape of a curriculum repository, where every version of a big file is read
//! although nearly all of it is what the version before it said.
//!
//! The history is written with `git fast-import`, streamed: holding every version in memory
//! first would take gigabytes. Then it is packed as `git gc` packs a real repository:
//! fast-import's own pack stores each version as a plain delta of the last (35 MB here, against
//! 1.6 MB packed), which makes every reader, git included, inflate twenty times the bytes a
//! real repository holds, and hides how deep delta chains cost a reader that walks history
//! oldest first.

use std::path::Path;
use std::process::{Command, Stdio};

// The test generator's splitmix64: the same sequence, one definition.
use super::synthetic::Rng;

/// What to generate.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    pub seed: u64,
    /// Checklists written in the first language.
    pub originals: usize,
    /// How many of the originals also have a translation (kept in step with it).
    pub translated: usize,
    /// Commits after the ones that add the files.
    pub commits: usize,
}

impl Spec {
    /// The benchmark's: four checklists, two of them translated, 2,000 editing commits.
    pub fn bench() -> Spec {
        Spec {
            seed: 16,
            originals: 4,
            translated: 2,
            commits: 2000,
        }
    }
}

/// True `percent` times in a hundred.
fn chance(rng: &mut Rng, percent: usize) -> bool {
    rng.below(100) < percent
}

fn pick<'a>(rng: &mut Rng, words: &[&'a str]) -> &'a str {
    words[rng.below(words.len())]
}

const VERBS: [&str; 12] = [
    "Read",
    "Watch",
    "Summarise",
    "Implement",
    "Solve",
    "Review",
    "Write up",
    "Practise",
    "Revisit",
    "Annotate",
    "Build",
    "Explain",
];
const THINGS: [&str; 16] = [
    "the chapter on",
    "lecture notes about",
    "exercises on",
    "a toy version of",
    "the paper introducing",
    "problem set on",
    "flash cards for",
    "the survey of",
    "worked examples of",
    "the reference card for",
    "two blog posts on",
    "the lab on",
    "the appendix on",
    "a cheat sheet for",
    "the talk about",
    "the proofs in",
];
const TOPICS: [&str; 24] = [
    "hash tables",
    "red-black trees",
    "dynamic programming",
    "graph search",
    "TCP congestion",
    "page tables",
    "garbage collection",
    "type inference",
    "linear regression",
    "Bayes' rule",
    "consensus",
    "B-trees",
    "lexing",
    "register allocation",
    "virtual memory",
    "caches",
    "eigenvalues",
    "gradient descent",
    "public-key crypto",
    "compilers",
    "schedulers",
    "file systems",
    "SQL joins",
    "regular expressions",
];
const NOTES: [&str; 8] = [
    "took longer than planned",
    "redo the last third",
    "good summary in the notes folder",
    "ask about this at the meetup",
    "see the errata first",
    "pair with the exercises",
    "skim only",
    "worth a second pass",
];
const PROSE: [&str; 10] = [
    "This part follows the course order, with the optional material marked as such.",
    "Keep a notebook of the exercises that did not work the first time.",
    "The lectures are long; splitting them over two evenings works better.",
    "Most of the reading is available online; the rest is in the library.",
    "Where a chapter has starred exercises, do at least two of them.",
    "Revisit the earlier units before the project, not after.",
    "Links to the recordings are in the course page.",
    "The problem sets get harder towards the end of each unit.",
    "A study group meets on Thursdays for this part.",
    "Budget roughly a week for each unit.",
];

/// A word-for-word stand-in for a translation: the same structure, other text (so its
/// chunks never equal the original's), changed whenever the original changes.
fn translate(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 8);
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        let plain = word.chars().all(|c| c.is_ascii_alphabetic()) && word.len() > 3;
        if plain {
            // Reverse the word's letters and mark it: unreadable, but the same length class
            // and deterministic.
            out.extend(word.chars().rev());
            out.push('o');
        } else {
            out.push_str(word);
        }
    }
    out
}

/// One line of a checklist: a task (with its tick) or any other line.
#[derive(Clone)]
enum Line {
    Task {
        indent: usize,
        done: bool,
        text: String,
    },
    Other(String),
}

impl Line {
    fn render(&self, out: &mut String, translated: bool) {
        let text = match self {
            Line::Task { indent, done, text } => {
                out.extend(std::iter::repeat_n(' ', *indent));
                out.push_str(if *done { "- [x] " } else { "- [ ] " });
                text
            }
            Line::Other(text) => text,
        };
        if translated {
            out.push_str(&translate(text));
        } else {
            out.push_str(text);
        }
        out.push('\n');
    }
}

/// One checklist file and its translation, if it has one.
struct Checklist {
    path: String,
    translation: Option<String>,
    lines: Vec<Line>,
}

impl Checklist {
    fn new(rng: &mut Rng, index: usize, translated: bool) -> Checklist {
        let slug = [
            "systems",
            "theory",
            "machine-learning",
            "languages",
            "networks",
            "math",
        ][index % 6];
        let date = format!("2021-{:02}-04", 1 + index % 12);
        let mut lines = vec![
            Line::Other("---".to_string()),
            Line::Other(format!("title: \"Study plan: {slug}\"")),
            Line::Other("layout: post".to_string()),
            Line::Other("---".to_string()),
            Line::Other(String::new()),
            Line::Other(pick(rng, &PROSE).to_string()),
            Line::Other(String::new()),
        ];
        // 500 to 900 tasks: files of roughly 100 to 300 KB.
        let tasks = 500 + rng.below(401);
        let mut made = 0;
        let mut part = 0;
        while made < tasks {
            part += 1;
            lines.push(Line::Other(format!(
                "## Part {part}: {}",
                pick(rng, &TOPICS)
            )));
            lines.push(Line::Other(String::new()));
            lines.push(Line::Other(pick(rng, &PROSE).to_string()));
            lines.push(Line::Other(String::new()));
            for unit in 1..=2 + rng.below(4) {
                lines.push(Line::Other(format!(
                    "### Unit {part}.{unit} — {} [0/0]",
                    pick(rng, &TOPICS)
                )));
                lines.push(Line::Other(String::new()));
                if chance(rng, 15) {
                    // Code that looks like a heading must not split the file.
                    lines.push(Line::Other("```".to_string()));
                    lines.push(Line::Other("## not a heading: inside a fence".to_string()));
                    lines.push(Line::Other("```".to_string()));
                    lines.push(Line::Other(String::new()));
                }
                for _ in 0..8 + rng.below(12) {
                    lines.push(new_task(rng, 0, made));
                    made += 1;
                    if chance(rng, 20) {
                        lines.push(new_task(rng, 2, made));
                        made += 1;
                    }
                    if chance(rng, 10) {
                        lines.push(Line::Other(format!("  > {}", pick(rng, &NOTES))));
                    }
                }
                lines.push(Line::Other(String::new()));
            }
        }
        let path = format!("_posts/{date}-study-plan-{slug}.md");
        let translation = translated.then(|| format!("_posts/es/{date}-study-plan-{slug}.md"));
        Checklist {
            path,
            translation,
            lines,
        }
    }

    fn render(&self, translated: bool) -> String {
        let mut out = String::with_capacity(self.lines.len() * 120);
        for line in &self.lines {
            line.render(&mut out, translated);
        }
        out
    }

    fn task_lines(&self) -> Vec<usize> {
        (0..self.lines.len())
            .filter(|&i| matches!(self.lines[i], Line::Task { .. }))
            .collect()
    }

    /// A change of a few lines, as the owner of such a file makes them.
    fn edit(&mut self, rng: &mut Rng, serial: usize) -> String {
        let tasks = self.task_lines();
        let at = tasks[rng.below(tasks.len())];
        let roll = rng.below(100);
        if roll < 55 {
            // Ticks (or unticks) one to three tasks near each other.
            let count = 1 + rng.below(3);
            for &i in tasks.iter().skip_while(|&&i| i < at).take(count) {
                if let Line::Task { done, .. } = &mut self.lines[i] {
                    *done = !*done || chance(rng, 90);
                }
            }
            "tick".to_string()
        } else if roll < 70 {
            let task = new_task(rng, 0, serial);
            self.lines.insert(at + 1, task);
            "add a task".to_string()
        } else if roll < 82 {
            if let Line::Task { text, .. } = &mut self.lines[at] {
                text.push_str(&format!(" — {}", pick(rng, &NOTES)));
            }
            "note on a task".to_string()
        } else if roll < 90 {
            if let Line::Task { text, .. } = &mut self.lines[at] {
                *text = text.replacen("the", "all of the", 1);
            }
            "reword a task".to_string()
        } else if roll < 95 {
            if tasks.len() > 400 {
                self.lines.remove(at);
            }
            "drop a task".to_string()
        } else {
            let prose = (at..self.lines.len())
                .find(|&i| matches!(&self.lines[i], Line::Other(t) if t.ends_with('.')));
            if let Some(i) = prose {
                self.lines[i] = Line::Other(format!("{} (revised {serial})", pick(rng, &PROSE)));
            }
            "revise the notes".to_string()
        }
    }
}

fn new_task(rng: &mut Rng, indent: usize, serial: usize) -> Line {
    let mut text = format!(
        "{} {} {} (item {serial})",
        pick(rng, &VERBS),
        pick(rng, &THINGS),
        pick(rng, &TOPICS)
    );
    if chance(rng, 30) {
        text = format!("**{text}**");
    }
    if chance(rng, 25) {
        text.push_str(&format!(", {}/5", 1 + rng.below(5)));
    }
    if chance(rng, 35) {
        text.push_str(&format!(" — {}", pick(rng, &NOTES)));
    }
    if chance(rng, 50) {
        let topic = pick(rng, &TOPICS).replace(' ', "-");
        text.push_str(&format!(
            " [materials](https://example.org/courses/{topic}/{serial}.html)"
        ));
    }
    if chance(rng, 70) {
        // A note on the lines under the task, as people keep them.
        let pad = " ".repeat(indent + 2);
        text.push_str(&format!(
            "\n{pad}{} {}",
            pick(rng, &PROSE),
            pick(rng, &PROSE)
        ));
    }
    Line::Task {
        indent,
        done: chance(rng, 20),
        text,
    }
}

/// Writes the history into a new repository at `dir` (branch `main`, checked out).
pub fn write_repo(spec: &Spec, dir: &Path) -> Result<(), String> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    let git = |args: &[&str]| -> Result<(), String> {
        let status = Command::new("git")
            .args(args)
            .current_dir(dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .stdout(Stdio::null())
            .status()
            .map_err(|e| format!("cannot run git {args:?}: {e}"))?;
        if status.success() {
            Ok(())
        } else {
            Err(format!("git {args:?} failed: {status}"))
        }
    };
    git(&["init", "-q", "-b", "main"])?;
    let mut import = Command::new("git")
        .args(["fast-import", "--quiet"])
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .stdin(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run git fast-import: {e}"))?;
    let stream = import.stdin.take().ok_or("git fast-import has no input")?;
    let written = write_stream(spec, std::io::BufWriter::new(stream));
    let status = import.wait().map_err(|e| format!("git fast-import: {e}"))?;
    written.map_err(|e| format!("cannot feed git fast-import: {e}"))?;
    if !status.success() {
        return Err(format!("git fast-import failed: {status}"));
    }
    git(&["repack", "-a", "-d", "-f", "-q"])?;
    git(&["checkout", "-q", "-f", "main"])
}

fn write_stream(spec: &Spec, mut out: impl std::io::Write) -> std::io::Result<()> {
    let mut rng = Rng(spec.seed ^ 0x6269_6766_696C_6573);
    let mut lists: Vec<Checklist> = (0..spec.originals)
        .map(|i| Checklist::new(&mut rng, i, i < spec.translated))
        .collect();
    // A week of commits a day or two apart, from a fixed start.
    let mut time: i64 = 1_609_459_200;
    // Each commit continues the branch fast-import is building: no `from` is needed.
    let commit = |out: &mut dyn std::io::Write,
                  time: i64,
                  message: &str,
                  files: &[(&str, String)]|
     -> std::io::Result<()> {
        writeln!(out, "commit refs/heads/main")?;
        writeln!(out, "committer Bench <bench@example.org> {time} +0000")?;
        writeln!(out, "data {}\n{message}", message.len())?;
        for (path, text) in files {
            writeln!(out, "M 100644 inline {path}")?;
            writeln!(out, "data {}", text.len())?;
            out.write_all(text.as_bytes())?;
            writeln!(out)?;
        }
        Ok(())
    };
    let readme = "# Study plans\n\nChecklists of what to study, ticked as it is done.\n";
    commit(
        &mut out,
        time,
        "Start the study plans",
        &[("README.md", readme.to_string())],
    )?;
    for list in &lists {
        time += 3600;
        let mut files = vec![(list.path.as_str(), list.render(false))];
        if let Some(path) = &list.translation {
            files.push((path.as_str(), list.render(true)));
        }
        commit(&mut out, time, &format!("Add {}", list.path), &files)?;
    }
    for serial in 0..spec.commits {
        time += 1800 + rng.below(3 * 86_400) as i64;
        // The first files are edited most, as real plans are.
        let which = rng.below(lists.len()).min(rng.below(lists.len()));
        let list = &mut lists[which];
        let what = list.edit(&mut rng, serial);
        let mut files = vec![(list.path.as_str(), list.render(false))];
        // The translation follows the original in the same commit, most of the time.
        if let Some(path) = &list.translation
            && chance(&mut rng, 60)
        {
            files.push((path.as_str(), list.render(true)));
        }
        commit(&mut out, time, &format!("{what} ({serial})"), &files)?;
    }
    out.flush()
}
