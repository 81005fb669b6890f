//! Task matching stage: decides which task in one task list is the same task in another — two
//! versions of one post, or one week's post and the next (carry-over).
//!
//! Identity rests on the title alone (the parser has already stripped markup, notes and the
//! confidence rating from it), compared without regard to case or runs of whitespace. Pairing
//! runs in three rounds, cheapest first, and each round only sees what the earlier ones left:
//!
//! 1. **Aligned exact titles.** The two title sequences are aligned with Myers' diff, so order
//!    is respected and repeated titles pair up in order. Between two versions of a post this
//!    settles nearly every task, whatever the list's size.
//! 2. **Moved exact titles.** Equal titles left over (the task moved to another place) pair in
//!    order of appearance.
//! 3. **Similar titles.** What remains pairs greedily, most similar first, when the similarity
//!    reaches [`SAME_TASK_THRESHOLD`] and both titles hold the same numbers (`CS242 HW 3` and
//!    `CS242 HW 4` are different tasks, however alike they look). Empty titles never take part.

use std::cmp::Reverse;
use std::collections::HashMap;

use similar::{Algorithm, DiffOp, TextDiff, capture_diff_slices};

use crate::core::model::Task;

/// Lowest title similarity (`similar`'s character ratio, Myers, on normalised titles) at which
/// two different titles can still be the same task.
///
/// Why 0.75: the edits that keep a task's identity score well above it — a typo fix 0.96
/// (`Finsih studies on wavelets`), a word added 0.93 (`Finish the studies on wavelets`), a
/// reworded carry-over 0.79 (`Finish studies on eigenvalues and eigenvectors` → `Finish
/// eigenvalues and eigenvectors studies`) — while a widened scope falls below it (`Study
/// eigenvalues` → `Study eigenvalues and eigenvectors` 0.67) as does an unrelated task sharing
/// a few words (`Finish studies on wavelets` / `… on eigenvalues and eigenvectors` 0.64).
/// The ratio alone cannot tell titles built from one template apart (`Read the WaveNet paper`
/// / `Read the PixelCNN paper` 0.76, `review PR #12` / `#13` 0.92): the numbers veto and the
/// rule that a replaced word must be a misspelling of its replacement take care of those.
pub const SAME_TASK_THRESHOLD: f32 = 0.75;

/// Leftover pairs up to which round 3 compares every leftover old task with every leftover new
/// one. Above it, only tasks sharing an uncommon word are compared, so a wholesale rewrite of a
/// 10,000-task list stays near-linear instead of running millions of ratios.
const FULL_SCAN_PAIRS: usize = 4096;

/// A word in more leftover old titles than this says little about identity ("read", "the") and
/// is not used to find candidates.
const COMMON_WORD_LIMIT: usize = 32;

/// How many candidates (those sharing the most words) one new task is compared with, at most,
/// when the leftovers are too many for a full scan.
const CANDIDATES_PER_TASK: usize = 6;

/// Index pairs `(old, new)` of the tasks that are the same task in both lists: one-to-one,
/// sorted by the new index. Tasks of `old` without a pair were removed; tasks of `new` without
/// one were added.
pub fn pair_tasks(old: &[Task], new: &[Task]) -> Vec<(usize, usize)> {
    let old: Vec<Entry> = old.iter().map(Entry::new).collect();
    let new: Vec<Entry> = new.iter().map(Entry::new).collect();
    pair_entries(&old, &new)
}

/// [`pair_tasks`] over borrowed tasks, for callers that pair a selection (say, last week's
/// open tasks against next week's post) without copying it. Indices refer to the slices given.
pub fn pair_task_refs(old: &[&Task], new: &[&Task]) -> Vec<(usize, usize)> {
    let old: Vec<Entry> = old.iter().map(|task| Entry::new(task)).collect();
    let new: Vec<Entry> = new.iter().map(|task| Entry::new(task)).collect();
    pair_entries(&old, &new)
}

/// Whether two titles, on their own, name the same task under the rules of [`pair_tasks`]:
/// equal ignoring case and whitespace, or similar enough with the same numbers.
pub fn same_task_title(a: &str, b: &str) -> bool {
    let (a, b) = (normalize(a), normalize(b));
    if a == b {
        return true;
    }
    let (a, b) = (Fuzzy::new(&a), Fuzzy::new(&b));
    !a.text.is_empty() && !b.text.is_empty() && a.numbers == b.numbers && a.score(&b).is_some()
}

/// Similarity of two titles in `0.0..=1.0`, ignoring case and whitespace runs: `similar`'s
/// character ratio under Myers' algorithm. It does not apply the numbers veto; see
/// [`same_task_title`] for the identity decision.
pub fn title_similarity(a: &str, b: &str) -> f32 {
    char_ratio(&normalize(a), &normalize(b))
}

/// One task as the matcher sees it.
struct Entry<'a> {
    key: String,
    section: &'a [String],
}

impl<'a> Entry<'a> {
    fn new(task: &'a Task) -> Self {
        Entry {
            key: normalize(&task.title),
            section: &task.section,
        }
    }
}

fn pair_entries(old: &[Entry], new: &[Entry]) -> Vec<(usize, usize)> {
    let mut found = Pairing {
        old_paired: vec![false; old.len()],
        new_paired: vec![false; new.len()],
        pairs: Vec::with_capacity(new.len().min(old.len())),
    };

    // Round 1: aligned exact titles.
    let old_keys: Vec<&str> = old.iter().map(|e| e.key.as_str()).collect();
    let new_keys: Vec<&str> = new.iter().map(|e| e.key.as_str()).collect();
    for op in capture_diff_slices(Algorithm::Myers, &old_keys, &new_keys) {
        if let DiffOp::Equal {
            old_index,
            new_index,
            len,
        } = op
        {
            for k in 0..len {
                found.link(old_index + k, new_index + k);
            }
        }
    }

    // Round 2: exact titles that moved, paired in order of appearance. Stacks are filled
    // back to front so popping yields the earliest old task first.
    let mut waiting: HashMap<&str, Vec<usize>> = HashMap::new();
    for (o, entry) in old.iter().enumerate().rev() {
        if !found.old_paired[o] {
            waiting.entry(entry.key.as_str()).or_default().push(o);
        }
    }
    for (n, entry) in new.iter().enumerate() {
        if found.new_paired[n] {
            continue;
        }
        if let Some(o) = waiting.get_mut(entry.key.as_str()).and_then(Vec::pop) {
            found.link(o, n);
        }
    }

    // Round 3: similar titles. Empty titles stay out: they are similar to nothing.
    let old_left: Vec<usize> = (0..old.len())
        .filter(|&o| !found.old_paired[o] && !old[o].key.is_empty())
        .collect();
    let new_left: Vec<usize> = (0..new.len())
        .filter(|&n| !found.new_paired[n] && !new[n].key.is_empty())
        .collect();
    if !old_left.is_empty() && !new_left.is_empty() {
        for (o, n) in pair_similar(old, new, &old_left, &new_left) {
            found.link(o, n);
        }
    }

    let mut pairs = found.pairs;
    pairs.sort_unstable_by_key(|&(_, n)| n);
    pairs
}

/// Pairs found so far, and which tasks on each side they use.
struct Pairing {
    old_paired: Vec<bool>,
    new_paired: Vec<bool>,
    pairs: Vec<(usize, usize)>,
}

impl Pairing {
    fn link(&mut self, old: usize, new: usize) {
        self.old_paired[old] = true;
        self.new_paired[new] = true;
        self.pairs.push((old, new));
    }
}

/// A scored candidate pair for round 3.
struct Candidate {
    score: f32,
    same_section: bool,
    old: usize,
    new: usize,
}

/// Greedy best-first pairing of leftover tasks by title similarity.
fn pair_similar(
    old: &[Entry],
    new: &[Entry],
    old_left: &[usize],
    new_left: &[usize],
) -> Vec<(usize, usize)> {
    let old_fuzzy: Vec<Fuzzy> = old_left.iter().map(|&o| Fuzzy::new(&old[o].key)).collect();
    let new_fuzzy: Vec<Fuzzy> = new_left.iter().map(|&n| Fuzzy::new(&new[n].key)).collect();

    let mut candidates = Vec::new();
    let mut consider = |i: usize, j: usize| {
        let (a, b) = (&old_fuzzy[i], &new_fuzzy[j]);
        if a.numbers != b.numbers {
            return;
        }
        if let Some(score) = a.score(b) {
            let (o, n) = (old_left[i], new_left[j]);
            candidates.push(Candidate {
                score,
                same_section: old[o].section == new[n].section,
                old: o,
                new: n,
            });
        }
    };

    if old_left.len().saturating_mul(new_left.len()) <= FULL_SCAN_PAIRS {
        for j in 0..new_left.len() {
            for i in 0..old_left.len() {
                consider(i, j);
            }
        }
    } else {
        // Candidates share at least one uncommon word; each new task meets only the few old
        // tasks sharing the most words with it.
        let mut by_word: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, fuzzy) in old_fuzzy.iter().enumerate() {
            let mut words = fuzzy.words.clone();
            words.sort_unstable();
            words.dedup();
            for word in words {
                by_word.entry(word).or_default().push(i);
            }
        }
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for (j, fuzzy) in new_fuzzy.iter().enumerate() {
            shared.clear();
            let mut words = fuzzy.words.clone();
            words.sort_unstable();
            words.dedup();
            for word in words {
                match by_word.get(word) {
                    Some(olds) if olds.len() <= COMMON_WORD_LIMIT => {
                        for &i in olds {
                            *shared.entry(i).or_default() += 1;
                        }
                    }
                    _ => {}
                }
            }
            let mut ranked: Vec<(usize, usize)> = shared.iter().map(|(&i, &c)| (i, c)).collect();
            ranked.sort_unstable_by_key(|&(i, count)| (Reverse(count), i));
            for &(i, _) in ranked.iter().take(CANDIDATES_PER_TASK) {
                consider(i, j);
            }
        }
    }

    // Best first; among equals prefer the same section, then the nearer position, so ties
    // resolve the way a reader would and the result never depends on hashing order.
    candidates.sort_unstable_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(b.same_section.cmp(&a.same_section))
            .then(a.old.abs_diff(a.new).cmp(&b.old.abs_diff(b.new)))
            .then(a.new.cmp(&b.new))
            .then(a.old.cmp(&b.old))
    });
    let mut old_taken = vec![false; old.len()];
    let mut new_taken = vec![false; new.len()];
    let mut pairs = Vec::new();
    for c in candidates {
        if old_taken[c.old] || new_taken[c.new] {
            continue;
        }
        old_taken[c.old] = true;
        new_taken[c.new] = true;
        pairs.push((c.old, c.new));
    }
    pairs
}

/// What round 3 needs to know about one title, computed once.
struct Fuzzy<'a> {
    text: &'a str,
    chars: usize,
    /// The title's runs of digits, leading zeros dropped, sorted: equal for the same task.
    numbers: Vec<&'a str>,
    /// The words (runs of letters and digits), in order.
    words: Vec<&'a str>,
    /// How many characters fall in each of [`BUCKETS`] buckets (by code point).
    histogram: [u16; BUCKETS],
}

/// Buckets of the character histogram: enough to tell most unrelated titles apart, small
/// enough to compare in a few nanoseconds.
const BUCKETS: usize = 64;

/// The runs of ASCII digits in `text` that name something: keycap emoji (`4️⃣`, a digit then
/// U+FE0F U+20E3) are a progress counter the author bumps, not part of the goal's name.
fn digit_runs(text: &str) -> impl Iterator<Item = &str> {
    let mut runs = Vec::new();
    let mut start = None;
    for (i, c) in text
        .char_indices()
        .chain(std::iter::once((text.len(), ' ')))
    {
        match (c.is_ascii_digit(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                if !matches!(c, '\u{FE0F}' | '\u{20E3}') {
                    runs.push(&text[s..i]);
                }
                start = None;
            }
            _ => {}
        }
    }
    runs.into_iter()
}

impl<'a> Fuzzy<'a> {
    fn new(text: &'a str) -> Self {
        let mut numbers: Vec<&str> = digit_runs(text)
            .map(|run| {
                let trimmed = run.trim_start_matches('0');
                if trimmed.is_empty() { "0" } else { trimmed }
            })
            .collect();
        numbers.sort_unstable();
        let words = text
            .split(|c: char| !c.is_alphanumeric())
            .filter(|word| !word.is_empty())
            .collect();
        let mut histogram = [0u16; BUCKETS];
        for c in text.chars() {
            let bucket = &mut histogram[c as usize % BUCKETS];
            *bucket = bucket.saturating_add(1);
        }
        Fuzzy {
            text,
            chars: text.chars().count(),
            numbers,
            words,
            histogram,
        }
    }

    /// The similarity when the two titles pass for the same task, else `None`. Cheapest
    /// tests first: the ratio can be no more than `2·min / (a + b)`, so titles of very
    /// different lengths are rejected before `similar` is asked.
    fn score(&self, other: &Fuzzy) -> Option<f32> {
        let total = self.chars + other.chars;
        if total == 0 {
            return None;
        }
        let bound = 2.0 * self.chars.min(other.chars) as f32 / total as f32;
        if bound < SAME_TASK_THRESHOLD {
            return None;
        }
        // Matched characters are at most the characters the two titles share, and those at
        // most the bucket-wise minimum: most unrelated titles stop here, before the diff.
        let shared: u32 = self
            .histogram
            .iter()
            .zip(&other.histogram)
            .map(|(a, b)| u32::from(*a.min(b)))
            .sum();
        if 2.0 * shared as f32 / (total as f32) < SAME_TASK_THRESHOLD {
            return None;
        }
        let score = char_ratio(self.text, other.text);
        (score >= SAME_TASK_THRESHOLD && self.only_small_word_changes(other)).then_some(score)
    }

    /// Whether every run of words swapped for other words is a spelling-level change.
    ///
    /// Titles written from one template score high on characters while naming different
    /// things: `Read the WaveNet paper` / `Read the PixelCNN paper` (0.76), `Fix bug in
    /// parser` / `Fix bug in printer` (0.86). Words added or dropped are allowed (the ratio
    /// already bounds how many); a word replaced must be a misspelling of its replacement
    /// (`finsih` → `finish`, `hw1` → `hw 1`), or both sides must be short function words
    /// (`for` → `on`).
    fn only_small_word_changes(&self, other: &Fuzzy) -> bool {
        let ops = capture_diff_slices(Algorithm::Myers, &self.words, &other.words);
        ops.iter().all(|op| match *op {
            DiffOp::Replace {
                old_index,
                old_len,
                new_index,
                new_len,
            } => {
                let before: String = self.words[old_index..old_index + old_len].concat();
                let after: String = other.words[new_index..new_index + new_len].concat();
                is_small_word_change(&before, &after)
            }
            _ => true,
        })
    }
}

/// A misspelling-sized change between two runs of words (spaces removed), or two short words.
fn is_small_word_change(before: &str, after: &str) -> bool {
    let before: Vec<char> = before.chars().collect();
    let after: Vec<char> = after.chars().collect();
    let shorter = before.len().min(after.len());
    if before.len().max(after.len()) <= 3 {
        return true;
    }
    // One slip per word of about five letters: `finsih` (two edits) still reads as `finish`.
    edit_distance(&before, &after) <= 1 + shorter / 5
}

/// Levenshtein distance; only ever run on the few words a title swapped, so the quadratic
/// table stays tiny.
fn edit_distance(a: &[char], b: &[char]) -> usize {
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, &ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, &cb) in b.iter().enumerate() {
            let substitute = diagonal + usize::from(ca != cb);
            diagonal = row[j + 1];
            row[j + 1] = substitute.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// `similar`'s character ratio with the algorithm fixed: the ratio differs between algorithms,
/// and the threshold was chosen for Myers.
fn char_ratio(a: &str, b: &str) -> f32 {
    TextDiff::configure()
        .algorithm(Algorithm::Myers)
        .diff_chars(a, b)
        .ratio()
}

/// Lower case, whitespace runs collapsed to one space, trimmed.
fn normalize(title: &str) -> String {
    let mut collapsed = crate::core::post::collapse_whitespace(title);
    if collapsed.is_ascii() {
        collapsed.make_ascii_lowercase();
        return collapsed;
    }
    // Titles are nearly all ASCII, or ASCII with a few curly quotes: runs of ASCII are lowered
    // a byte at a time, and only the other chars go through `char::to_lowercase` (which
    // lowering the whole title char by char was a seventh of a cold history read).
    let mut out = String::with_capacity(collapsed.len());
    let mut rest = collapsed.as_str();
    while !rest.is_empty() {
        let ascii = rest
            .bytes()
            .position(|b| !b.is_ascii())
            .unwrap_or(rest.len());
        let start = out.len();
        out.push_str(&rest[..ascii]);
        out[start..].make_ascii_lowercase();
        let mut chars = rest[ascii..].chars();
        if let Some(c) = chars.next() {
            out.extend(c.to_lowercase());
        }
        rest = chars.as_str();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(title: &str) -> Task {
        Task {
            title: title.into(),
            note: Default::default(),
            checked: false,
            confidence: None,
            section: Default::default(),
            parent: None,
            line: 1,
            marker: 2..5,
            ..Task::default()
        }
    }

    fn tasks(titles: &[&str]) -> Vec<Task> {
        titles.iter().map(|title| task(title)).collect()
    }

    fn diagonal(n: usize) -> Vec<(usize, usize)> {
        (0..n).map(|i| (i, i)).collect()
    }

    #[test]
    fn unchanged_list_pairs_by_position() {
        let list = tasks(&[
            "CS242 HW 1",
            "Graphics homework 0",
            "Part 1 of Depth First Learning",
        ]);
        assert_eq!(pair_tasks(&list, &list), diagonal(3));
    }

    #[test]
    fn ticking_rerating_and_notes_keep_identity() {
        let old = tasks(&[
            "Study up to chapter 3 of the RL book",
            "Finish studies on wavelets",
        ]);
        let mut new = old.clone();
        new[0].checked = true;
        new[0].note = "done on Tuesday, notes in the wiki".into();
        new[1].confidence = Some(2);
        assert_eq!(pair_tasks(&old, &new), diagonal(2));
        // And back: unticking is no new task either.
        assert_eq!(pair_tasks(&new, &old), diagonal(2));
    }

    #[test]
    fn task_moved_to_another_section_keeps_identity() {
        let old = tasks(&["Finish studies on wavelets", "PixelCNN++", "WaveNet"]);
        let mut new = tasks(&["PixelCNN++", "WaveNet", "Finish studies on wavelets"]);
        new[2].section = vec!["Carried over".to_owned()].into();
        assert_eq!(pair_tasks(&old, &new), vec![(1, 0), (2, 1), (0, 2)]);
    }

    #[test]
    fn reversed_list_pairs_every_task() {
        let titles = [
            "Gym",
            "Read a paper",
            "Write the weekly post",
            "Call the bank",
        ];
        let old = tasks(&titles);
        let reversed: Vec<&str> = titles.iter().rev().copied().collect();
        let new = tasks(&reversed);
        assert_eq!(pair_tasks(&old, &new), vec![(3, 0), (2, 1), (1, 2), (0, 3)]);
    }

    #[test]
    fn typo_fixes_and_words_added_or_removed_keep_identity() {
        let old = tasks(&[
            "Finsih studies on wavelets",
            "Look up background for detection models",
            "Do the laundry",
            "Study up to the end of chapter 3 of the RL book",
        ]);
        let new = tasks(&[
            "Finish studies on wavelets",
            "Look up some background for detection models",
            "Do laundry",
            "Study up to the end of chapter 3 of the RL book",
        ]);
        assert_eq!(pair_tasks(&old, &new), diagonal(4));
    }

    #[test]
    fn titles_differing_in_a_number_are_different_tasks() {
        for (before, after) in [
            ("CS242 HW 3", "CS242 HW 4"),
            ("Week 4", "Week 5"),
            ("review PR #12", "review PR #13"),
            (
                "Part 1 of Depth First Learning",
                "Part 2 of Depth First Learning",
            ),
        ] {
            let pairs = pair_tasks(&tasks(&[before]), &tasks(&[after]));
            assert!(pairs.is_empty(), "{before:?} paired with {after:?}");
            assert!(!same_task_title(before, after), "{before:?} / {after:?}");
        }
    }

    #[test]
    fn titles_from_one_template_naming_different_things_are_different_tasks() {
        for (before, after) in [
            ("Read the WaveNet paper", "Read the PixelCNN paper"),
            ("Fix bug in parser", "Fix bug in printer"),
            ("Read chapter on monads", "Read chapter on functors"),
        ] {
            assert!(title_similarity(before, after) >= SAME_TASK_THRESHOLD);
            assert!(!same_task_title(before, after), "{before:?} / {after:?}");
        }
    }

    #[test]
    fn comparison_ignores_case_and_whitespace() {
        assert!(same_task_title("CS242  HW 3 ", "cs242 hw 3"));
        let pairs = pair_tasks(&tasks(&["Week  4 REVIEW"]), &tasks(&["week 4 review"]));
        assert_eq!(pairs, vec![(0, 0)]);
    }

    #[test]
    fn normalized_titles_lower_case_in_any_script() {
        assert_eq!(
            normalize("  Read\tTHE  Paper\u{a0}NOW "),
            "read the paper now"
        );
        // Words outside ASCII lower case letter by letter (a final sigma stays a sigma).
        assert_eq!(normalize("ÉTUDE ΟΔΟΣ Straße"), "étude οδοσ straße");
        assert_eq!(normalize("İstanbul"), "i\u{307}stanbul");
        assert_eq!(normalize("Read “Deep  NETS” ICML"), "read “deep nets” icml");
    }

    #[test]
    fn keycap_counters_are_not_numbers_that_name_a_task() {
        assert!(same_task_title(
            "Read >=101 machine learning papers (credit per paper) 0\u{fe0f}\u{20e3} 4\u{fe0f}\u{20e3} 2\u{fe0f}\u{20e3}",
            "Read >=101 machine learning papers (credit per paper) 0\u{fe0f}\u{20e3} 4\u{fe0f}\u{20e3} 8\u{fe0f}\u{20e3}",
        ));
        assert!(!same_task_title("Read 101 papers", "Read 102 papers"));
    }

    #[test]
    fn numbers_compare_by_value_and_split_words_still_match() {
        assert!(same_task_title("CS242 HW1", "CS242 HW 1"));
        assert!(same_task_title("Problem set 03", "Problem set 3"));
    }

    #[test]
    fn duplicate_titles_pair_in_order() {
        let old = tasks(&["Gym", "Read", "Gym", "Gym"]);
        let new = tasks(&["Gym", "Gym", "Read"]);
        // The alignment keeps "Gym", "Gym" in front; "Read" moved after them.
        let pairs = pair_tasks(&old, &new);
        assert_eq!(pairs.len(), 3);
        assert_eq!(pairs[2], (1, 2));
        assert!(pairs[0].0 < pairs[1].0, "duplicates crossed: {pairs:?}");
        assert!(pairs.iter().all(|&(o, n)| old[o].title == new[n].title));
    }

    #[test]
    fn duplicate_titles_that_moved_pair_in_order() {
        let old = tasks(&["Gym", "Gym", "Read", "Write", "Cook"]);
        let new = tasks(&["Read", "Write", "Cook", "Gym", "Gym"]);
        let pairs = pair_tasks(&old, &new);
        assert_eq!(pairs, vec![(2, 0), (3, 1), (4, 2), (0, 3), (1, 4)]);
    }

    #[test]
    fn best_match_wins_when_two_new_titles_compete() {
        let old = tasks(&["Finish studies on wavelets"]);
        let new = tasks(&[
            "Finish some studies on wavelets",
            "Finish studies on wavelet",
        ]);
        assert_eq!(pair_tasks(&old, &new), vec![(0, 1)]);
    }

    #[test]
    fn pairing_is_one_to_one() {
        let old = tasks(&["Finish studies on wavelets"]);
        let new = tasks(&["Finish studies on wavelet", "Finish study on wavelets"]);
        assert_eq!(pair_tasks(&old, &new).len(), 1);
    }

    #[test]
    fn empty_titles_pair_only_with_empty_titles() {
        let old = tasks(&["", "Read a paper", ""]);
        let new = tasks(&["Read a paper", ""]);
        // The trailing empty task keeps its place after "Read a paper": the alignment wins.
        assert_eq!(pair_tasks(&old, &new), vec![(1, 0), (2, 1)]);

        assert!(pair_tasks(&tasks(&[""]), &tasks(&["x"])).is_empty());
        assert!(pair_tasks(&tasks(&["x"]), &tasks(&[""])).is_empty());
        assert!(!same_task_title("", "a"));
        assert!(same_task_title(" ", ""));
    }

    #[test]
    fn ten_thousand_tasks_with_three_ticks_and_one_edit() {
        let old: Vec<Task> = (0..10_000)
            .map(|i| task(&format!("Read section {i} of the handbook")))
            .collect();
        let mut new = old.clone();
        for i in [17, 4_242, 9_998] {
            new[i].checked = true;
        }
        new[5_000].title = "Read section 5000 of the hanbdook".into();
        assert_eq!(pair_tasks(&old, &new), diagonal(10_000));
    }

    #[test]
    fn many_reworded_leftovers_still_pair_through_shared_words() {
        // 150 × 150 leftovers is past the full-scan budget, so candidates come from the
        // word index; the words common to all titles are skipped as uninformative.
        let topics: Vec<String> = (0..150).map(|i| format!("topic{i}")).collect();
        let old: Vec<Task> = topics
            .iter()
            .map(|t| task(&format!("Study {t} in depth")))
            .collect();
        let new: Vec<Task> = topics
            .iter()
            .rev()
            .map(|t| task(&format!("Study {t} in more depth")))
            .collect();
        let pairs = pair_tasks(&old, &new);
        let expected: Vec<(usize, usize)> = (0..150).map(|n| (149 - n, n)).collect();
        assert_eq!(pairs, expected);
    }

    #[test]
    fn wholesale_rewrite_pairs_nothing() {
        let old: Vec<Task> = (0..3_000)
            .map(|i| task(&format!("Old goal number {i}")))
            .collect();
        let new: Vec<Task> = (0..3_000)
            .map(|i| task(&format!("Completely different aim {}", i + 5_000)))
            .collect();
        assert!(pair_tasks(&old, &new).is_empty());
    }

    #[test]
    fn open_tasks_carry_into_next_week_reworded() {
        let mut last_week = tasks(&[
            "CS242 HW 3",
            "Finish studies on wavelets",
            "Part 1 of Depth First Learning",
            "Look up background for detection models",
        ]);
        last_week[2].checked = true;
        let mut next_week = tasks(&[
            "CS242 HW 4",
            "Finish the studies on wavelets",
            "Look up background on detection models",
            "Part 2 of Depth First Learning",
        ]);
        for task in &mut next_week {
            task.section = vec!["Carried over".to_owned()].into();
            task.confidence = Some(4);
        }
        let open: Vec<&Task> = last_week.iter().filter(|t| !t.checked).collect();
        let next: Vec<&Task> = next_week.iter().collect();
        // HW 3 (open) is not HW 4; the rewording and the section change do not matter.
        assert_eq!(pair_task_refs(&open, &next), vec![(1, 1), (2, 2)]);
    }
}
