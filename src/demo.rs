//! The sample blog `gitgoals demo` writes: six weekly goals posts, scripted commit by commit so
//! that every kind of change gitgoals reports happens at least once.
//!
//! The commits are written at fixed author times by [`crate::git::write`], so every run makes
//! the same repository, down to the commit ids the README shows.

use std::path::Path;

use chrono::NaiveDateTime;

use crate::error::Result;
use crate::git::write::{Author, ScriptedCommit, write_history};

/// The blogger's time zone, in minutes east of UTC: every commit is authored in it.
const OFFSET_MINUTES: i32 = 60;

/// Writes the blog into `dir` (created if missing; the caller makes sure it is empty) on
/// branch `main`, checked out, and returns how many commits it made.
pub fn write(dir: &Path) -> Result<usize> {
    let commits: Vec<ScriptedCommit> = script()
        .into_iter()
        .map(|commit| ScriptedCommit {
            time: commit.time,
            offset_minutes: OFFSET_MINUTES,
            message: commit.message.to_string(),
            path: commit.path,
            bytes: commit.text.into_bytes(),
        })
        .collect();
    let author = Author {
        name: "Demo Blogger",
        email: "blogger@example.org",
    };
    write_history(dir, "main", &author, &commits)?;
    Ok(commits.len())
}

/// A commit of the script: author time (seconds since the epoch), message, and the one file it
/// writes, whole.
struct Commit {
    time: i64,
    message: &'static str,
    path: String,
    text: String,
}

#[derive(Default)]
struct Script {
    commits: Vec<Commit>,
}

impl Script {
    /// Commits `post` as it stands now, at `when` (`MM-DD HH:MM` in 2021, the blogger's time).
    fn post(&mut self, when: &str, message: &'static str, post: &Post) {
        self.file(when, message, &post.path, &post.render());
    }

    fn file(&mut self, when: &str, message: &'static str, path: &str, text: &str) {
        // A malformed time becomes 0, which the tests catch: times must increase.
        let time = NaiveDateTime::parse_from_str(&format!("2021-{when}"), "%Y-%m-%d %H:%M")
            .map_or(0, |t| {
                t.and_utc().timestamp() - i64::from(OFFSET_MINUTES) * 60
            });
        self.commits.push(Commit {
            time,
            message,
            path: path.to_string(),
            text: text.to_string(),
        });
    }
}

/// A goals post as the script edits it, line by line. The script names a task by a piece of
/// its line; naming one the post does not have is a mistake the tests catch.
struct Post {
    path: String,
    lines: Vec<String>,
}

impl Post {
    /// Week `week`'s post, dated on Monday `date` (`MM-DD`): Jekyll front matter, then `body`.
    fn new(week: u32, date: &str, title: &str, body: &str) -> Post {
        let front = format!(
            "---\nlayout: post\ntitle:  \"Week {week}: {title}\"\n\
             date:   2021-{date} 08:30:00 +0100\ncategories: goals weekly\n---"
        );
        Post {
            path: format!("_posts/2021-{date}-week-{week}.md"),
            lines: front
                .lines()
                .chain(body.lines())
                .map(String::from)
                .collect(),
        }
    }

    fn render(&self) -> String {
        self.lines.join("\n") + "\n"
    }

    fn find(&self, text: &str) -> Option<usize> {
        let found = self
            .lines
            .iter()
            .position(|l| l.starts_with("- [") && l.contains(text));
        debug_assert!(found.is_some(), "no task {text:?} in {}", self.path);
        found
    }

    fn edit(&mut self, text: &str, change: impl FnOnce(&str) -> String) -> &Post {
        if let Some(i) = self.find(text) {
            self.lines[i] = change(&self.lines[i]);
        }
        self
    }

    fn tick(&mut self, text: &str) -> &Post {
        self.edit(text, |line| line.replacen("- [ ]", "- [x]", 1))
    }

    fn untick(&mut self, text: &str) -> &Post {
        self.edit(text, |line| line.replacen("- [x]", "- [ ]", 1))
    }

    fn rewrite(&mut self, text: &str, line: &str) -> &Post {
        self.edit(text, |_| line.to_string())
    }

    /// Adds `line` at the end of the list under `heading` (a whole heading line).
    fn add(&mut self, heading: &str, line: &str) -> &Post {
        let start = self.lines.iter().position(|l| l == heading);
        debug_assert!(start.is_some(), "no heading {heading:?} in {}", self.path);
        let start = start.unwrap_or(self.lines.len());
        let end = (start + 1..self.lines.len())
            .find(|&i| self.lines[i].starts_with('#'))
            .unwrap_or(self.lines.len());
        let at = (start..end)
            .rfind(|&i| self.lines[i].starts_with("- ["))
            .map_or(start, |last| last + 1);
        self.lines
            .insert(at.min(self.lines.len()), line.to_string());
        self
    }

    fn remove(&mut self, text: &str) -> &Post {
        if let Some(i) = self.find(text) {
            self.lines.remove(i);
        }
        self
    }

    fn move_to(&mut self, text: &str, heading: &str) -> &Post {
        if let Some(i) = self.find(text) {
            let line = self.lines.remove(i);
            self.add(heading, &line);
        }
        self
    }
}

/// The blog, commit by commit.
#[rustfmt::skip] // One line per commit, like a log; rustfmt would spread most over five.
fn script() -> Vec<Commit> {
    let mut s = Script::default();
    let config = "title: Weekly goals\npermalink: /:year/:month/:day/:title.html\n";
    s.file("01-03 12:00", "Start the blog", "_config.yml", config);

    let mut w1 = Post::new(1, "01-04", "a fresh start", WEEK_1);
    s.post("01-04 09:12", "Week 1 goals", &w1);
    let done = "- [x] **Linear algebra problem set 1, 4/5** *Question 4 took the longest.*";
    s.post("01-04 21:40", "Problem set 1 done", w1.rewrite("problem set 1", done));
    // An unplanned goal, added mid-week.
    let feed = "- [ ] Fix the broken RSS feed";
    s.post("01-05 19:05", "One more goal: the feed is broken", w1.add("### Implementations", feed));
    let config = format!("{config}feed:\n  path: feed.xml\n");
    s.file("01-06 12:30", "Fix the feed's path", "_config.yml", &config);
    s.post("01-06 12:35", "Feed fixed", w1.tick("RSS feed"));
    let fixed = "- [ ] Read chapter 2 of the probability book, 3/5";
    s.post("01-07 08:15", "Fix a typo", w1.rewrite("probabilty", fixed));
    s.post("01-07 22:50", "Compilers lab 1 done", w1.tick("Compilers lab 1"));
    s.post("01-08 18:20", "Dropout paper read", w1.tick("dropout"));
    s.post("01-09 10:05", "Untick the dropout paper: one line is not a few", w1.untick("dropout"));
    // Late: the post was due on Saturday.
    s.post("01-10 16:40", "Adam summary written, a day late", w1.tick("Adam"));

    // Carried over from week 1: the probability chapter, the autograd library, dark mode. The
    // hash table notes are dropped.
    let mut w2 = Post::new(2, "01-11", "catching up", WEEK_2);
    s.post("01-11 08:40", "Week 2 goals", &w2);
    let rerated = "- [ ] Start a tiny autograd library, 1/5";
    s.post("01-11 22:15", "Less hope for the autograd library", w2.rewrite("autograd", rerated));
    // Ticked in last week's post after this week's was written: done late, not dropped.
    s.post("01-12 19:30", "Dropout notes finished after all", w1.tick("dropout"));
    let done = "- [x] **Linear algebra problem set 2, 4/5** *Done on the train.*";
    s.post("01-13 20:10", "Problem set 2 done", w2.rewrite("problem set 2", done));
    let moved = w2.move_to("hash table", "### Implementations");
    s.post("01-14 09:00", "The hash table benchmark is code, not study", moved);
    s.post("01-14 21:30", "Probability chapter 2, finally", w2.tick("chapter 2"));
    let help = "- [ ] Help a classmate with eigenvectors (4/5)";
    s.post("01-15 17:45", "Add: help with eigenvectors", w2.add("#### Studies", help));
    s.post("01-16 11:20", "Eigenvectors explained", w2.tick("eigenvectors"));

    let mut w3 = Post::new(3, "01-18", "one thing at a time", WEEK_3);
    s.post("01-18 09:30", "Week 3 goals", &w3);
    let quest = "- [ ] Try the static site generator everyone talks about";
    s.post("01-18 20:00", "A side quest", w3.add("### Implementations", quest));
    s.post("01-19 22:10", "Tried it; staying with Jekyll", w3.tick("static site"));
    let quest = "- [ ] Write a Sudoku solver in Prolog (2/5)";
    s.post("01-20 19:00", "Another side quest", w3.add("### Implementations", quest));
    s.post("01-20 21:15", "Problem set 3 done", w3.tick("problem set 3"));
    let done = "- [x] **Compilers lab 2 (3/5)** *The register allocator was the hard part.*";
    s.post("01-21 23:00", "Compilers lab 2 done", w3.rewrite("Compilers lab 2", done));
    s.post("01-22 18:10", "Not this week, Prolog", w3.remove("Sudoku"));
    s.post("01-23 15:40", "Layer norm paper read", w3.tick("layer normalization"));
    let about = "---\nlayout: page\ntitle: About\n---\n\nA student writing down weekly goals.\n";
    s.file("01-24 11:00", "Add an about page", "about.md", about);

    // Dark mode is dropped after three weeks; the autograd library gains a word as it carries.
    let mut w4 = Post::new(4, "01-25", "back on track", WEEK_4);
    s.post("01-25 08:55", "Week 4 goals", &w4);
    s.post("01-26 20:30", "Problem set 4 done", w4.tick("problem set 4"));
    s.post("01-27 21:05", "Probability chapter 3 done", w4.tick("chapter 3"));
    // The blogger's way with a link: the rating goes after it.
    let done = "- [x] **Benchmark my hash table against the standard one** \
                [[results]](https://example.org/hash-table-benchmark) 3/5";
    s.post("01-28 22:40", "Hash table benchmarked", w4.rewrite("hash table", done));
    s.post("01-29 13:10", "Attention summary sent", w4.tick("attention"));
    s.post("01-30 17:25", "Compilers lab 3 done", w4.tick("Compilers lab 3"));

    let mut w5 = Post::new(5, "02-01", "exam week", WEEK_5);
    s.post("02-01 08:45", "Week 5 goals", &w5);
    s.post("02-02 21:50", "Eigenvalues revised", w5.tick("eigenvalues"));
    s.post("02-03 20:15", "Practice exam done", w5.tick("practice exam"));
    let rerated = "- [ ] Read chapter 4 of the probability book (1/5)";
    s.post("02-04 09:30", "Chapter 4 is not happening", w5.rewrite("chapter 4", rerated));
    let done = "- [x] **Start a tiny autograd library in Rust, 2/5** *It differentiates sin(x).*";
    s.post("02-05 22:30", "The autograd library exists", w5.rewrite("autograd", done));
    s.post("02-06 14:00", "Compilers lab 4 done, a day late", w5.tick("Compilers lab 4"));

    let mut w6 = Post::new(6, "02-08", "after the exam", WEEK_6);
    s.post("02-08 09:05", "Week 6 goals", &w6);
    s.post("02-09 19:40", "Problem set 5 done", w6.tick("problem set 5"));
    let pick = "- [ ] Pick next week's paper for the reading group";
    s.post("02-10 12:20", "Add: pick a paper", w6.add("### Papers", pick));
    s.post("02-10 18:05", "Paper picked", w6.tick("next week's paper"));
    let done = "- [x] **Read the Transformer-XL paper, 1/5** *Clearer than I expected.*";
    s.post("02-11 22:15", "Transformer-XL read", w6.rewrite("Transformer-XL", done));
    s.post("02-12 20:45", "Matrices in the autograd library", w6.tick("matrices"));
    s.commits
}

// The posts as first committed. Ratings come in the blogger's two spellings, `, 3/5` and
// `(3/5)`; a task carried over is copied into the next week's list as it stood.

const WEEK_1: &str = "
I start a lot of things and finish few of them. From now on I write down every Monday what I
mean to get done, tick it off here as I go, and let git keep the score.

Below are the tasks that I can finish by 01/09/2021, each with how sure I am of it out of 5.

### Courses
#### Assignments
- [ ] Linear algebra problem set 1, 4/5
- [ ] Compilers lab 1 (3/5)
<br>
<br>
#### Studies
- [ ] Read chapter 2 of the probabilty book, 3/5
- [ ] Go through the lecture notes on hash tables (2/5)
<br>
<br>

### Papers
- [ ] Write a few lines on the dropout paper, 2/5
- [ ] Summarise the Adam optimizer paper (3/5)
<br>
<br>

### Implementations
- [ ] Start a tiny autograd library, 2/5
- [ ] Dark mode for this blog's theme
<br>";

const WEEK_2: &str = "
Last week went well until I spent an evening on the site's feed instead of studying. Three
goals come along from last week.

Below are the tasks that I can finish by 01/16/2021, each with how sure I am of it out of 5.

### Courses
#### Assignments
- [ ] Linear algebra problem set 2, 4/5
- [ ] Compilers lab 2 (3/5)
<br>
<br>
#### Studies
- [ ] Read chapter 2 of the probability book, 3/5
- [ ] Benchmark my hash table against the standard one, 3/5
<br>
<br>

### Papers
- [ ] Notes on the batch normalization paper (2/5)
<br>
<br>

### Implementations
- [ ] Start a tiny autograd library, 2/5
- [ ] Dark mode for this blog's theme
<br>";

const WEEK_3: &str = "
This week I finish the compilers lab before I start anything new.

Below are the tasks that I can finish by 01/23/2021, each with how sure I am of it out of 5.

### Courses
#### Assignments
- [ ] Compilers lab 2 (3/5)
- [ ] Linear algebra problem set 3, 4/5
<br>
<br>
#### Studies
- [ ] Read chapter 3 of the probability book, 3/5
<br>
<br>

### Papers
- [ ] Read the layer normalization paper (3/5)
<br>
<br>

### Implementations
- [ ] Start a tiny autograd library, 1/5
- [ ] Dark mode for this blog's theme
- [ ] Benchmark my hash table against the standard one, 3/5
<br>";

const WEEK_4: &str = "
The side quests won last week. No new projects until the old ones are done.

Below are the tasks that I can finish by 01/30/2021, each with how sure I am of it out of 5.

### Courses
#### Assignments
- [ ] Linear algebra problem set 4, 4/5
- [ ] Compilers lab 3 (3/5)
<br>
<br>
#### Studies
- [ ] Read chapter 3 of the probability book, 3/5
<br>
<br>

### Papers
- [ ] Summarise the attention paper for the reading group, 4/5
<br>
<br>

### Implementations
- [ ] Benchmark my hash table against the standard one, 3/5
- [ ] Start a tiny autograd library in Rust, 2/5
<br>";

const WEEK_5: &str = "
The linear algebra exam is on Friday, so most of this week is revision.

Below are the tasks that I can finish by 02/05/2021, each with how sure I am of it out of 5.

### Courses
#### Assignments
- [ ] Linear algebra practice exam, 3/5
- [ ] Compilers lab 4 (2/5)
<br>
<br>
#### Studies
- [ ] Revise eigenvalues for the exam, 4/5
- [ ] Read chapter 4 of the probability book (2/5)
<br>
<br>

### Papers
- [ ] Read the Transformer-XL paper, 1/5
<br>
<br>

### Implementations
- [ ] Start a tiny autograd library in Rust, 2/5
<br>";

const WEEK_6: &str = "
The exam went better than I feared. After six weeks of lists I want to write about what they
taught me.

Below are the tasks that I can finish by 02/13/2021, each with how sure I am of it out of 5.

### Courses
#### Assignments
- [ ] Linear algebra problem set 5, 4/5
- [ ] Compilers lab 5 (3/5)
<br>
<br>
#### Studies
- [ ] Read chapter 4 of the probability book (1/5)
<br>
<br>

### Papers
- [ ] Read the Transformer-XL paper, 1/5
<br>
<br>

### Implementations
- [ ] Add matrices to the autograd library, 3/5
- [ ] Write a post about six weeks of goals lists
<br>";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::model::{DueSource, EventKind};

    #[test]
    fn every_step_finds_its_task_and_time_moves_forward() {
        // The edits' debug assertions fail here when a step names a task its post lacks.
        let commits = script();
        assert!(commits[0].time > 0);
        assert!(commits.windows(2).all(|w| w[0].time < w[1].time));
    }

    #[test]
    fn the_blog_shows_every_kind_of_change() {
        let dir = tempfile::tempdir().expect("temp dir");
        let commits = write(dir.path()).expect("demo written");
        let repo = crate::git::Repo::open(Some(dir.path())).expect("repository opens");
        let history =
            crate::git::read::read_history(&repo, &Default::default()).expect("history read");
        let ledger = crate::core::ledger::build(&history);

        assert_eq!(ledger.weeks.len(), 6);
        let post_commits: usize = history.posts.iter().map(|p| p.versions.len()).sum();
        assert!(commits > post_commits, "a commit that touches no post");
        let events: Vec<EventKind> = history
            .tasks
            .iter()
            .flat_map(|t| t.events.iter().map(|e| e.kind))
            .collect();
        for kind in [
            EventKind::Added,
            EventKind::Checked,
            EventKind::Unchecked,
            EventKind::Edited,
            EventKind::Moved,
            EventKind::Removed,
        ] {
            assert!(events.contains(&kind), "{kind:?}");
        }
        let weeks = &ledger.weeks;
        assert!(weeks.iter().all(|w| w.due_source == DueSource::Text));
        assert!(weeks.iter().any(|w| w.figures.added > 0));
        assert!(weeks.iter().any(|w| w.figures.dropped > 0));
        assert!(
            weeks
                .iter()
                .any(|w| w.figures.done_on_time.is_some_and(|n| n < w.figures.done))
        );
        let tasks = &ledger.tasks;
        assert!(tasks.iter().any(|t| t.carry_streak >= 4));
        // Carried with a word added, and rated again along the way.
        assert!(tasks.iter().any(|t| {
            t.carried_from.is_some_and(|from| {
                let before = &tasks[from].task;
                before.title != t.task.title && before.confidence != t.task.confidence
            })
        }));
        assert!(
            tasks
                .iter()
                .any(|t| t.task.checked && !t.task.note.is_empty())
        );
    }
}
