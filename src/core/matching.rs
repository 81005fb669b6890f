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
//! 3. **The same core content.** What remains is judged by the **core words** two titles
//!    share (connectives and progress words left out, so `Implement BPE` and `Implement BPE
//!    continued` are one task; see [`CarryRule`]) or by similar characters, always under the
//!    numbers veto (`CS242 HW 3` and `CS242 HW 4`, `part two` and `part three` are different
//!    tasks, however alike they look), and linked one to one by a maximum-weight assignment.
//!    Empty titles never take part.
//!
//! The same three rounds decide carry-over — one week's open goals against the next week's
//! goals ([`pair_carried`]) — and edits between two versions of one post ([`pair_tasks`]):
//! people reword a goal the same ways whether they carry it forward or edit it in place.

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

/// Leftover pairs from which round 3 reads titles and compares them on two threads: two
/// long lists of different goals (a week of a 700-goal checklist after another), which the
/// hook matches while the user waits. A weekly post's few leftovers stay on one thread.
const PARALLEL_SIMILAR_PAIRS: usize = 50_000;

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
/// equal ignoring case and whitespace, or the same core content with the same numbers.
pub fn same_task_title(a: &str, b: &str) -> bool {
    carry_rule(a, b).is_some()
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
    let mut found = pair_exact(old, new);

    // Round 3: the same core content, or similar titles. Empty titles stay out: they are
    // similar to nothing.
    let (old_left, new_left) = found.leftovers(old, new);
    if !old_left.is_empty() && !new_left.is_empty() {
        let judged = judge_leftovers(old, new, &old_left, &new_left, false);
        for decision in judged.links {
            found.link(decision.old, decision.new);
        }
    }
    found.into_pairs()
}

/// Rounds 1 and 2: equal titles, aligned in order, then those that moved.
fn pair_exact(old: &[Entry], new: &[Entry]) -> Pairing {
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
    found
}

/// Rounds 1 and 2 without the diff, when no title the two sides share appears twice on
/// either side (two weeks of different goals, as carry matching meets them): each shared
/// title then pairs with its one namesake whatever alignment round 1 would find, because an
/// aligned pair has equal titles and round 2 pairs every equal title left. None when a shared
/// title repeats: which copy pairs with which is then the alignment's to say.
fn pair_exact_unique(old: &[Entry], new: &[Entry]) -> Option<Pairing> {
    let mut found = Pairing {
        old_paired: vec![false; old.len()],
        new_paired: vec![false; new.len()],
        pairs: Vec::new(),
    };
    // Each old title with where it first is and whether it repeats.
    let mut olds: HashMap<&str, (usize, bool)> = HashMap::with_capacity(old.len());
    for (o, entry) in old.iter().enumerate() {
        olds.entry(entry.key.as_str())
            .and_modify(|(_, repeats)| *repeats = true)
            .or_insert((o, false));
    }
    for (n, entry) in new.iter().enumerate() {
        let Some(&(o, repeats)) = olds.get(entry.key.as_str()) else {
            continue;
        };
        // A repeat on the old side, or this title's second time on the new side.
        if repeats || found.old_paired[o] {
            return None;
        }
        found.link(o, n);
    }
    Some(found)
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

    /// The tasks of each side not paired yet, empty titles left out: they are similar to
    /// nothing.
    fn leftovers(&self, old: &[Entry], new: &[Entry]) -> (Vec<usize>, Vec<usize>) {
        let old_left = (0..old.len())
            .filter(|&o| !self.old_paired[o] && !old[o].key.is_empty())
            .collect();
        let new_left = (0..new.len())
            .filter(|&n| !self.new_paired[n] && !new[n].key.is_empty())
            .collect();
        (old_left, new_left)
    }

    /// The pairs, sorted by the new index.
    fn into_pairs(self) -> Vec<(usize, usize)> {
        let mut pairs = self.pairs;
        pairs.sort_unstable_by_key(|&(_, n)| n);
        pairs
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
    let pairs = old_left.len().saturating_mul(new_left.len());
    fn fuzzy_of<'a>(side: &'a [Entry], left: &[usize]) -> Vec<Fuzzy<'a>> {
        left.iter().map(|&i| Fuzzy::new(&side[i].key)).collect()
    }
    let (old_fuzzy, new_fuzzy) = if pairs >= PARALLEL_SIMILAR_PAIRS {
        std::thread::scope(|scope| {
            let old_fuzzy = scope.spawn(|| fuzzy_of(old, old_left));
            let new_fuzzy = fuzzy_of(new, new_left);
            (join(old_fuzzy), new_fuzzy)
        })
    } else {
        (fuzzy_of(old, old_left), fuzzy_of(new, new_left))
    };
    let sides = Sides {
        old,
        new,
        old_left,
        new_left,
        old_fuzzy: &old_fuzzy,
        new_fuzzy: &new_fuzzy,
    };

    let mut candidates = if pairs <= FULL_SCAN_PAIRS {
        let mut candidates = Vec::new();
        for j in 0..new_left.len() {
            for i in 0..old_left.len() {
                sides.consider(i, j, &mut candidates);
            }
        }
        candidates
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
        let all = 0..new_left.len();
        if pairs >= PARALLEL_SIMILAR_PAIRS {
            // The new tasks in two halves, one a thread: every candidate is kept and the
            // order below is total, so the halves give what one pass would.
            let half = new_left.len() / 2;
            std::thread::scope(|scope| {
                let first = scope.spawn(|| sides.by_shared_words(&by_word, 0..half));
                let mut second = sides.by_shared_words(&by_word, half..all.end);
                let mut candidates = join(first);
                candidates.append(&mut second);
                candidates
            })
        } else {
            sides.by_shared_words(&by_word, all)
        }
    };

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

/// The leftovers of round 3 with their titles read for comparison, by leftover index.
struct Sides<'s, 'e> {
    old: &'s [Entry<'e>],
    new: &'s [Entry<'e>],
    old_left: &'s [usize],
    new_left: &'s [usize],
    old_fuzzy: &'s [Fuzzy<'s>],
    new_fuzzy: &'s [Fuzzy<'s>],
}

impl Sides<'_, '_> {
    /// Adds leftover old `i` and new `j` to `candidates` when their titles pass for one task.
    fn consider(&self, i: usize, j: usize, candidates: &mut Vec<Candidate>) {
        let (a, b) = (&self.old_fuzzy[i], &self.new_fuzzy[j]);
        if a.numbers != b.numbers {
            return;
        }
        if let Some(score) = a.score(b) {
            let (o, n) = (self.old_left[i], self.new_left[j]);
            candidates.push(Candidate {
                score,
                same_section: self.old[o].section == self.new[n].section,
                old: o,
                new: n,
            });
        }
    }

    /// The candidates of the leftover new tasks `new`, each compared with the old ones
    /// sharing the most uncommon words with it (`by_word`: the old tasks each word is in).
    fn by_shared_words(
        &self,
        by_word: &HashMap<&str, Vec<usize>>,
        new: std::ops::Range<usize>,
    ) -> Vec<Candidate> {
        let mut candidates = Vec::new();
        let mut shared: HashMap<usize, usize> = HashMap::new();
        for j in new {
            shared.clear();
            let mut words = self.new_fuzzy[j].words.clone();
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
                self.consider(i, j, &mut candidates);
            }
        }
        candidates
    }
}

/// A scoped thread's result; its panic goes on in the caller.
fn join<T>(thread: std::thread::ScopedJoinHandle<'_, T>) -> T {
    thread
        .join()
        .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
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

/// Numbers written as words, with the digits they stand for: `part two` and `part three` are
/// different tasks as `part 2` and `part 3` are, and `week one` is `week 1`. Ordinals are left
/// out: as core words they already tell `third chapter` from `fourth chapter`, and a dropped
/// one (`Redo C with third multiplication method` → `Redo C with multiplication method +
/// refactor`, a real edit) is no sign of another task.
const SPELLED_NUMBERS: &[(&str, &str)] = &[
    ("zero", "0"),
    ("one", "1"),
    ("two", "2"),
    ("three", "3"),
    ("four", "4"),
    ("five", "5"),
    ("six", "6"),
    ("seven", "7"),
    ("eight", "8"),
    ("nine", "9"),
    ("ten", "10"),
    ("eleven", "11"),
    ("twelve", "12"),
    ("thirteen", "13"),
    ("fourteen", "14"),
    ("fifteen", "15"),
    ("sixteen", "16"),
    ("seventeen", "17"),
    ("eighteen", "18"),
    ("nineteen", "19"),
    ("twenty", "20"),
];

/// Words after which a spelled number counts attempts at the same goal (`take two`, `round
/// two`, `attempt three`), not which goal it is: such a number is no veto.
const ATTEMPT_WORDS: &[&str] = &["take", "round", "attempt", "try", "pass", "go"];

/// The digits a word spells, when it spells a number.
fn spelled_number(word: &str) -> Option<&'static str> {
    SPELLED_NUMBERS
        .iter()
        .find(|(spelled, _)| *spelled == word)
        .map(|(_, digits)| *digits)
}

/// The words of a title: runs of letters and digits, each with the `+` and `#` right after
/// it, so that `C++` and `C#` are words of their own and not `C` (a task about C++ is not one
/// about C).
fn words_of(text: &str) -> Vec<&str> {
    let mut words = Vec::new();
    // Where the current word starts, and whether it is past its letters, in its `+`/`#`.
    let mut start: Option<usize> = None;
    let mut in_suffix = false;
    for (i, c) in text.char_indices() {
        let continues = match start {
            Some(_) if !in_suffix && c.is_alphanumeric() => true,
            Some(_) if matches!(c, '+' | '#') => {
                in_suffix = true;
                true
            }
            _ => false,
        };
        if continues {
            continue;
        }
        if let Some(s) = start.take() {
            words.push(&text[s..i]);
        }
        in_suffix = false;
        if c.is_alphanumeric() {
            start = Some(i);
        }
    }
    if let Some(s) = start {
        words.push(&text[s..]);
    }
    words
}

impl<'a> Fuzzy<'a> {
    fn new(text: &'a str) -> Self {
        let words = words_of(text);
        let mut numbers: Vec<&str> = digit_runs(text)
            .map(|run| {
                let trimmed = run.trim_start_matches('0');
                if trimmed.is_empty() { "0" } else { trimmed }
            })
            .collect();
        for (k, word) in words.iter().enumerate() {
            let attempt = k > 0 && ATTEMPT_WORDS.contains(&words[k - 1]);
            if let Some(digits) = spelled_number(word)
                && !attempt
            {
                numbers.push(digits);
            }
        }
        numbers.sort_unstable();
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
        // The word-level check first: it is the cheaper of the two, and most pairs fail it.
        if !self.only_small_word_changes(other) {
            return None;
        }
        let score = char_ratio(self.text, other.text);
        (score >= SAME_TASK_THRESHOLD).then_some(score)
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
    is_small_change_of_length(before, before.chars().count(), after, after.chars().count())
}

/// [`is_small_word_change`] of words whose lengths in chars are known.
fn is_small_change_of_length(
    before: &str,
    before_len: usize,
    after: &str,
    after_len: usize,
) -> bool {
    let shorter = before_len.min(after_len);
    if before_len.max(after_len) <= 3 {
        return true;
    }
    let allowed = allowed_slips(shorter);
    // The edit distance is at least the difference in length: most unrelated words stop here,
    // before the distance is worked out (carry matching asks this of every pair of words).
    if before_len.abs_diff(after_len) > allowed {
        return false;
    }
    // As many chars as bytes: ASCII.
    if before_len == before.len() && after_len == after.len() {
        return edit_distance(before.as_bytes(), after.as_bytes()) <= allowed;
    }
    let before: Vec<char> = before.chars().collect();
    let after: Vec<char> = after.chars().collect();
    edit_distance(&before, &after) <= allowed
}

/// How many edits still make a misspelling of a word of `chars` chars: one slip per word of
/// about five letters, so `finsih` (two edits) still reads as `finish`.
fn allowed_slips(chars: usize) -> usize {
    1 + chars / 5
}

/// The chars of `word` as a set of 64 buckets (a char's code modulo 64): a substitution
/// changes at most two buckets, an insertion or a deletion one, so half the buckets two words
/// differ in is a lower bound of their edit distance.
fn letter_set(word: &str) -> u64 {
    word.chars()
        .fold(0, |set, c| set | 1 << (u32::from(c) % 64))
}

/// Levenshtein distance; only ever run on the few words a title swapped, so the quadratic
/// table stays tiny.
fn edit_distance<T: PartialEq>(a: &[T], b: &[T]) -> usize {
    // Words fit the stack; a heap row only for a long run of words.
    let mut stack = [0usize; 32];
    let mut heap = Vec::new();
    let row: &mut [usize] = if b.len() < stack.len() {
        &mut stack[..=b.len()]
    } else {
        heap.resize(b.len() + 1, 0);
        &mut heap
    };
    for (j, cell) in row.iter_mut().enumerate() {
        *cell = j;
    }
    for (i, ca) in a.iter().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
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

// ---------------------------------------------------------------------------------------------
// Carry-over: one week's open goals against the next week's goals.

/// The rule that linked a goal to the next week's goal, or would have.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CarryRule {
    /// Equal titles, ignoring case and whitespace.
    SameTitle,
    /// The rule of [`pair_tasks`]: similar characters, no word replaced, same numbers.
    SimilarTitle,
    /// The same core words, whatever progress words were put around them (`Continue: …`,
    /// `… (cont.)`, `… again`) and whatever the case or punctuation.
    SameCoreWords,
    /// Every core word of one title is in the other, which adds at most as many (`Implement
    /// BPE` → `Implement BPE in Rust`; `… for the reading group` dropped).
    ContainedTitle,
}

impl CarryRule {
    pub fn as_str(self) -> &'static str {
        match self {
            CarryRule::SameTitle => "same title",
            CarryRule::SimilarTitle => "similar title",
            CarryRule::SameCoreWords => "same core words",
            CarryRule::ContainedTitle => "title contained",
        }
    }
}

/// Why a pair of goals that share something was not linked.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum CarryMiss {
    /// The titles hold different numbers (`CS242 HW 3` / `CS242 HW 4`).
    NumbersDiffer,
    /// Too few core words in common: `shared` of the old title's `old` and the new one's `new`.
    FewSharedWords {
        shared: usize,
        old: usize,
        new: usize,
    },
    /// The pair passed a rule, but the week's assignment linked one of the two elsewhere.
    LostToBetterMatch,
}

impl std::fmt::Display for CarryMiss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CarryMiss::NumbersDiffer => f.write_str("numbers differ"),
            CarryMiss::FewSharedWords { shared, old, new } => {
                let words = if *shared == 1 { "word" } else { "words" };
                write!(
                    f,
                    "only {shared} core {words} in common ({old} in the old title, {new} in the new)"
                )
            }
            CarryMiss::LostToBetterMatch => f.write_str("lost to a better match"),
        }
    }
}

/// One pair of goals the carry matcher weighed: a link, or a near miss.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CarryDecision {
    /// Index into the old (open) goals.
    pub old: usize,
    /// Index into the next week's goals.
    pub new: usize,
    /// The pair's score in `0.0..=1.0` (1 for equal titles).
    pub score: f32,
    /// The rule that linked them, or that they passed before losing to a better match.
    pub rule: Option<CarryRule>,
    /// Why they were not linked; `None` for a link.
    pub miss: Option<CarryMiss>,
}

/// Every link and near miss between two weeks' goals, as [`explain_carried`] gives it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CarryExplanation {
    /// Sorted by the new index.
    pub links: Vec<CarryDecision>,
    /// Pairs sharing a core word (or close in characters) that were not linked.
    pub near_misses: Vec<CarryDecision>,
}

/// Leftover pairs up to which carry matching scores every pair and solves the assignment;
/// above it (a list of thousands of goals, never a week) the greedy rule of [`pair_tasks`]
/// decides.
const CARRY_ASSIGNMENT_PAIRS: usize = 4096;

/// Connective words, and the progress and manner words people put around a goal they carry
/// forward: they say how the work goes on, not what the work is.
const PROGRESS_WORDS: &[&str] = &[
    // connectives
    "a",
    "an",
    "the",
    "of",
    "on",
    "in",
    "for",
    "to",
    "with",
    "and",
    "or",
    "at",
    "by",
    "from",
    "into",
    "about",
    "my",
    "me",
    "i",
    "our",
    "your",
    "this",
    "that",
    "it",
    "its",
    "up",
    "some",
    "more",
    "et",
    "al",
    "vs",
    "via",
    "per",
    "then",
    "so",
    "also",
    // progress
    "continue",
    "continued",
    "continuing",
    "continuation",
    "cont",
    "contd",
    "finish",
    "finished",
    "finishing",
    "still",
    "again",
    "part",
    "last",
    "take",
    "round",
    "keep",
    "keeping",
    "working",
    "wrap",
    "remaining",
    "rest",
    "another",
    "next",
    "try",
    "two",
    "second",
    "finally",
    "carry",
    "carried",
    "over",
    "wip",
    "pending",
    "ongoing",
    "resume",
    "redo",
    "retry",
    // manner: how the work is to be done, not what it is
    "properly",
    "carefully",
    "thoroughly",
    "fully",
    "quickly",
    "really",
    "actually",
];

/// Pairs one week's open goals (`old`) with the goals of the next week's post (`new`): the
/// carry-over links, one-to-one, sorted by the new index.
///
/// Equal titles pair first, as in [`pair_tasks`]. What is left is decided by the core content
/// the titles share — their words without connectives and progress words — under the rules
/// of [`CarryRule`], with the numbers veto of [`pair_tasks`]; the links are a maximum-weight
/// assignment over the whole week, not a first-come match. A pair sharing only a topic word
/// (`Study wavelets` / `Implement wavelets in Rust`) is no link: where the evidence is weak,
/// nothing is said.
pub fn pair_carried(old: &[&Task], new: &[&Task]) -> Vec<(usize, usize)> {
    carry(old, new, false)
        .links
        .iter()
        .map(|d| (d.old, d.new))
        .collect()
}

/// [`pair_carried`] with its reasons: each link with the rule and score that decided it, and
/// each near miss with why it missed.
pub fn explain_carried(old: &[&Task], new: &[&Task]) -> CarryExplanation {
    carry(old, new, true)
}

/// Whether two titles, on their own, pass a carry-over rule (the assignment aside), and which.
pub fn carry_rule(a: &str, b: &str) -> Option<CarryRule> {
    let (a, b) = (normalize(a), normalize(b));
    if a == b {
        return Some(CarryRule::SameTitle);
    }
    let (a, b) = (Core::new(&a), Core::new(&b));
    match a.verdict(&b, false) {
        Verdict::Link { rule, .. } => Some(rule),
        _ => None,
    }
}

fn carry(old: &[&Task], new: &[&Task], explain: bool) -> CarryExplanation {
    let old_entries: Vec<Entry> = old.iter().map(|task| Entry::new(task)).collect();
    let new_entries: Vec<Entry> = new.iter().map(|task| Entry::new(task)).collect();
    // Two weeks share few titles, so the diff of round 1 mostly aligns nothing, at a cost
    // that grows with how much differs: a long week of new goals made it most of a match.
    let found = pair_exact_unique(&old_entries, &new_entries)
        .unwrap_or_else(|| pair_exact(&old_entries, &new_entries));
    let (old_left, new_left) = found.leftovers(&old_entries, &new_entries);
    let mut explanation = if old_left.is_empty() || new_left.is_empty() {
        CarryExplanation::default()
    } else {
        judge_leftovers(&old_entries, &new_entries, &old_left, &new_left, explain)
    };
    for &(o, n) in &found.pairs {
        explanation.links.push(CarryDecision {
            old: o,
            new: n,
            score: 1.0,
            rule: Some(CarryRule::SameTitle),
            miss: None,
        });
    }
    explanation.links.sort_unstable_by_key(|d| d.new);
    explanation
}

/// Round 3 of both [`pair_tasks`] and [`pair_carried`]: the tasks left over after equal
/// titles, linked by the core content they share ([`CarryRule`]) under the numbers veto, one
/// to one by a maximum-weight assignment. Above [`CARRY_ASSIGNMENT_PAIRS`] leftover pairs (a
/// list of thousands rewritten wholesale, never a week) the greedy character rule decides.
fn judge_leftovers(
    old_entries: &[Entry],
    new_entries: &[Entry],
    old_left: &[usize],
    new_left: &[usize],
    explain: bool,
) -> CarryExplanation {
    let mut explanation = CarryExplanation::default();
    if old_left.len().saturating_mul(new_left.len()) > CARRY_ASSIGNMENT_PAIRS {
        for (o, n) in pair_similar(old_entries, new_entries, old_left, new_left) {
            let (a, b) = (&old_entries[o].key, &new_entries[n].key);
            explanation.links.push(CarryDecision {
                old: o,
                new: n,
                // Only an explanation shows the score: a wholesale rewrite need not pay twice.
                score: if explain { char_ratio(a, b) } else { 0.0 },
                rule: Some(CarryRule::SimilarTitle),
                miss: None,
            });
        }
        explanation.links.sort_unstable_by_key(|d| d.new);
        return explanation;
    }

    let old_core: Vec<Core> = old_left
        .iter()
        .map(|&o| Core::new(&old_entries[o].key))
        .collect();
    let new_core: Vec<Core> = new_left
        .iter()
        .map(|&n| Core::new(&new_entries[n].key))
        .collect();
    let verdicts: Vec<Vec<Verdict>> = old_core
        .iter()
        .map(|a| new_core.iter().map(|b| a.verdict(b, explain)).collect())
        .collect();
    // Weights for the assignment: the score, a thousandth more in the same section, and a
    // millionth less per place apart, so ties resolve the way a reader would.
    let weights: Vec<Vec<f64>> = verdicts
        .iter()
        .enumerate()
        .map(|(i, row)| {
            row.iter()
                .enumerate()
                .map(|(j, verdict)| match verdict {
                    Verdict::Link { score, .. } => {
                        let (o, n) = (old_left[i], new_left[j]);
                        let section = old_entries[o].section == new_entries[n].section;
                        f64::from(*score) + if section { 1e-3 } else { 0.0 }
                            - 1e-6 * (o.abs_diff(n) as f64).min(100.0)
                    }
                    _ => 0.0,
                })
                .collect()
        })
        .collect();
    let assigned = max_weight_assignment(&weights);
    let mut linked = vec![vec![false; new_left.len()]; old_left.len()];
    for (i, j) in assigned {
        if let Verdict::Link { rule, score } = verdicts[i][j] {
            linked[i][j] = true;
            explanation.links.push(CarryDecision {
                old: old_left[i],
                new: new_left[j],
                score,
                rule: Some(rule),
                miss: None,
            });
        }
    }
    explanation.links.sort_unstable_by_key(|d| d.new);
    if explain {
        for (i, row) in verdicts.iter().enumerate() {
            for (j, verdict) in row.iter().enumerate() {
                let (rule, score, miss) = match verdict {
                    Verdict::Link { .. } if linked[i][j] => continue,
                    Verdict::Link { rule, score } => {
                        (Some(*rule), *score, CarryMiss::LostToBetterMatch)
                    }
                    Verdict::Miss { score, why } => (None, *score, why.clone()),
                    Verdict::Unrelated => continue,
                };
                explanation.near_misses.push(CarryDecision {
                    old: old_left[i],
                    new: new_left[j],
                    score,
                    rule,
                    miss: Some(miss),
                });
            }
        }
    }
    explanation
}

/// How the carry matcher judges one pair of titles on their own.
#[derive(Debug, Clone)]
enum Verdict {
    Link {
        rule: CarryRule,
        score: f32,
    },
    /// Something in common, but not enough: a near miss worth explaining.
    Miss {
        score: f32,
        why: CarryMiss,
    },
    Unrelated,
}

/// What the carry matcher needs to know about one (normalised) title.
struct Core<'a> {
    fuzzy: Fuzzy<'a>,
    /// The core words, each once, in order: words less connectives and progress words,
    /// each folded to its [`stem`].
    words: Vec<String>,
    /// Each core word's length in chars and the set of its letters ([`letter_set`]): carry
    /// matching compares every word of one week's titles with every word of the next's, and
    /// most pairs are told apart by these alone, before an edit distance.
    word_chars: Vec<(usize, u64)>,
}

impl<'a> Core<'a> {
    fn new(text: &'a str) -> Self {
        let fuzzy = Fuzzy::new(text);
        let mut words: Vec<String> = Vec::new();
        for word in &fuzzy.words {
            let folded = stem(word);
            // Numbers, spelled or not, are the veto's business, not core words.
            if word.chars().all(|c| c.is_ascii_digit())
                || spelled_number(word).is_some()
                || PROGRESS_WORDS.contains(word)
                || PROGRESS_WORDS.contains(&folded.as_str())
            {
                continue;
            }
            let word = folded;
            if !words.contains(&word) {
                words.push(word);
            }
        }
        let word_chars = words
            .iter()
            .map(|w| (w.chars().count(), letter_set(w)))
            .collect();
        Core {
            fuzzy,
            words,
            word_chars,
        }
    }

    /// How many of `self`'s core words are in `other`, a misspelt word counting as its
    /// spelling (`finsih` is `finish`), each word of `other` used once.
    fn shared_words(&self, other: &Core) -> usize {
        let mut used = vec![false; other.words.len()];
        let mut shared = 0;
        for (word, &(chars, letters)) in self.words.iter().zip(&self.word_chars) {
            let exact = other
                .words
                .iter()
                .enumerate()
                .position(|(k, w)| !used[k] && w == word);
            let found = exact.or_else(|| {
                if chars < 5 {
                    return None;
                }
                (0..other.words.len()).find(|&k| {
                    let (other_chars, other_letters) = other.word_chars[k];
                    // An edit changes at most two letters of the set: more differences than
                    // twice the slips allowed cannot be a small change.
                    let differing = (letters ^ other_letters).count_ones() as usize;
                    !used[k]
                        && other_chars >= 5
                        && differing <= 2 * allowed_slips(chars.min(other_chars))
                        && is_small_change_of_length(word, chars, &other.words[k], other_chars)
                })
            });
            if let Some(k) = found {
                used[k] = true;
                shared += 1;
            }
        }
        shared
    }

    /// How `self` and `other` compare. Without `explain`, only links are told apart: a near
    /// miss is reported as unrelated, which saves the character diff that only scores it (a
    /// diff per pair of titles sharing a word was a fifth of a cold history's time).
    fn verdict(&self, other: &Core, explain: bool) -> Verdict {
        let shared = self.shared_words(other);
        // The character rule of `pair_tasks`, before its numbers veto (applied below).
        let similar = self.fuzzy.score(&other.fuzzy);
        if shared == 0 && similar.is_none() {
            return Verdict::Unrelated;
        }
        let ratio_once = std::cell::OnceCell::new();
        let ratio = || *ratio_once.get_or_init(|| char_ratio(self.fuzzy.text, other.fuzzy.text));
        let (small, large) = if self.words.len() <= other.words.len() {
            (self.words.len(), other.words.len())
        } else {
            (other.words.len(), self.words.len())
        };
        let mut best: Option<(CarryRule, f32)> = similar.map(|s| (CarryRule::SimilarTitle, s));
        let mut consider = |rule: CarryRule, score: f32| {
            if best.is_none_or(|(_, b)| score > b) {
                best = Some((rule, score));
            }
        };
        if small > 0 && shared == small {
            if small == large {
                consider(CarryRule::SameCoreWords, 0.9 + 0.1 * ratio());
            } else if large - small <= small {
                // At most as many words added as kept: `Study wavelets` may grow into
                // `Study wavelets in Rust`, but not into a different goal about wavelets.
                consider(
                    CarryRule::ContainedTitle,
                    0.5 + 0.4 * small as f32 / large as f32,
                );
            }
        }
        match best {
            // Numbers veto: `CS242 HW 3` and `CS242 HW 4` pass every other rule.
            Some(_) if self.fuzzy.numbers != other.fuzzy.numbers => Verdict::Miss {
                score: if explain { ratio() } else { 0.0 },
                why: CarryMiss::NumbersDiffer,
            },
            Some((rule, score)) => Verdict::Link { rule, score },
            None if !explain => Verdict::Unrelated,
            // A near miss worth explaining shares half the core words of the shorter title and
            // a third of the longer's, or most of the characters; less is no evidence at all.
            None if (2 * shared >= small.max(1) && 3 * shared >= large) || ratio() >= 0.6 => {
                Verdict::Miss {
                    score: ratio(),
                    why: CarryMiss::FewSharedWords {
                        shared,
                        old: self.words.len(),
                        new: other.words.len(),
                    },
                }
            }
            None => Verdict::Unrelated,
        }
    }
}

/// A word folded to a rough stem, so the forms people switch between while carrying a goal
/// meet: plurals (`papers` → `paper`, `studies` → `study`), `-ing` and `-ed` (`implementing`,
/// `implemented` → `implement`) and a final `e` (`writing` and `write` → `writ`).
fn stem(word: &str) -> String {
    let mut stem = word.to_string();
    if stem.chars().count() > 4 {
        if let Some(rest) = stem.strip_suffix("ies") {
            stem = format!("{rest}y");
        } else if let Some(rest) = stem.strip_suffix('s')
            && !rest.ends_with('s')
        {
            stem = rest.to_string();
        }
    }
    for suffix in ["ing", "ed"] {
        if let Some(rest) = stem.strip_suffix(suffix)
            && rest.chars().count() >= 3
        {
            stem = rest.to_string();
            break;
        }
    }
    if stem.chars().count() > 3 && stem.ends_with('e') {
        stem.pop();
    }
    stem
}

/// A maximum-weight one-to-one assignment of rows to columns (weights ≥ 0; a zero weight is
/// no edge), by the Hungarian algorithm in O(n²·m): (row, column) pairs of positive weight.
fn max_weight_assignment(weights: &[Vec<f64>]) -> Vec<(usize, usize)> {
    let rows = weights.len();
    let cols = weights.first().map_or(0, Vec::len);
    if rows == 0 || cols == 0 {
        return Vec::new();
    }
    // The algorithm wants no more rows than columns: transpose if needed.
    let transposed = rows > cols;
    let (n, m) = if transposed {
        (cols, rows)
    } else {
        (rows, cols)
    };
    let cost = |i: usize, j: usize| -> f64 {
        if transposed {
            -weights[j][i]
        } else {
            -weights[i][j]
        }
    };
    // Potentials and matching, 1-based with 0 as the sentinel column (e-maxx formulation).
    let mut u = vec![0.0f64; n + 1];
    let mut v = vec![0.0f64; m + 1];
    let mut row_of = vec![0usize; m + 1];
    let mut way = vec![0usize; m + 1];
    for i in 1..=n {
        row_of[0] = i;
        let mut j0 = 0;
        let mut min_to = vec![f64::INFINITY; m + 1];
        let mut used = vec![false; m + 1];
        loop {
            used[j0] = true;
            let i0 = row_of[j0];
            let mut delta = f64::INFINITY;
            let mut j1 = 0;
            for j in 1..=m {
                if used[j] {
                    continue;
                }
                let reduced = cost(i0 - 1, j - 1) - u[i0] - v[j];
                if reduced < min_to[j] {
                    min_to[j] = reduced;
                    way[j] = j0;
                }
                if min_to[j] < delta {
                    delta = min_to[j];
                    j1 = j;
                }
            }
            for j in 0..=m {
                if used[j] {
                    u[row_of[j]] += delta;
                    v[j] -= delta;
                } else {
                    min_to[j] -= delta;
                }
            }
            j0 = j1;
            if row_of[j0] == 0 {
                break;
            }
        }
        loop {
            let j1 = way[j0];
            row_of[j0] = row_of[j1];
            j0 = j1;
            if j0 == 0 {
                break;
            }
        }
    }
    let mut pairs: Vec<(usize, usize)> = (1..=m)
        .filter(|&j| row_of[j] != 0)
        .map(|j| {
            let (i, j) = (row_of[j] - 1, j - 1);
            if transposed { (j, i) } else { (i, j) }
        })
        .filter(|&(r, c)| weights[r][c] > 0.0)
        .collect();
    pairs.sort_unstable();
    pairs
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repeatable stream of numbers, each below the bound it is asked for.
    fn numbers_below(seed: u64) -> impl FnMut(usize) -> usize {
        let mut state = seed;
        move |n| {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            (state >> 33) as usize % n
        }
    }

    #[test]
    fn titles_shared_once_pair_without_the_diff_exactly_as_with_it() {
        // Carry matching skips the diff when no shared title repeats; the pairs must be the
        // very ones the diff and round 2 give, or a carried goal would change its partner.
        let mut next = numbers_below(0x2545_f491_4f6c_dd1d);
        let section: Vec<String> = Vec::new();
        let (mut shortcut, mut declined) = (0, 0);
        for _ in 0..5_000 {
            // Titles from a small pool, so that some are shared and some repeat.
            let pool = 3 + next(40);
            let (old_len, new_len) = (next(12), next(12));
            let keys: Vec<String> = (0..old_len + new_len)
                .map(|_| format!("goal {}", next(pool)))
                .collect();
            let entries = |keys: &[String]| -> Vec<Entry> {
                keys.iter()
                    .map(|key| Entry {
                        key: key.clone(),
                        section: &section,
                    })
                    .collect()
            };
            let (old, new) = (entries(&keys[..old_len]), entries(&keys[old_len..]));
            let diffed = pair_exact(&old, &new);
            match pair_exact_unique(&old, &new) {
                Some(direct) => {
                    shortcut += 1;
                    assert_eq!(direct.old_paired, diffed.old_paired);
                    assert_eq!(direct.new_paired, diffed.new_paired);
                    assert_eq!(direct.into_pairs(), diffed.into_pairs());
                }
                None => declined += 1,
            }
        }
        assert!(
            shortcut > 1_000 && declined > 1_000,
            "{shortcut} / {declined}"
        );
    }

    #[test]
    fn half_the_letters_two_words_differ_in_never_exceeds_their_edit_distance() {
        // The bound lets carry matching skip the edit distance of most pairs of words; if it
        // ever overshot, a misspelt word would stop counting as its spelling.
        let alphabet: Vec<char> = "abcdefghijklmnopqrstuvwxyzé0123".chars().collect();
        let mut next = numbers_below(0x9e37_79b9_7f4a_7c15);
        for _ in 0..20_000 {
            let word: String = (0..3 + next(8))
                .map(|_| alphabet[next(alphabet.len())])
                .collect();
            // A few random edits of it, or an unrelated word.
            let mut other: Vec<char> = word.chars().collect();
            for _ in 0..next(4) {
                match next(3) {
                    0 if !other.is_empty() => {
                        let at = next(other.len());
                        other[at] = alphabet[next(alphabet.len())];
                    }
                    1 => other.insert(next(other.len() + 1), alphabet[next(alphabet.len())]),
                    _ if !other.is_empty() => {
                        other.remove(next(other.len()));
                    }
                    _ => {}
                }
            }
            let other: String = other.into_iter().collect();
            let a: Vec<char> = word.chars().collect();
            let b: Vec<char> = other.chars().collect();
            let differing = (letter_set(&word) ^ letter_set(&other)).count_ones() as usize;
            assert!(
                differing <= 2 * edit_distance(&a, &b),
                "{word:?} and {other:?}: {differing} buckets differ"
            );
        }
    }

    #[test]
    fn misspelt_words_still_count_as_their_spelling_when_lengths_are_known() {
        assert!(is_small_word_change("finish", "finsih"));
        assert!(is_small_word_change("wavelets", "wavelet"));
        assert!(is_small_word_change("café", "cafe"));
        assert!(!is_small_word_change("finish", "polish"));
        assert!(!is_small_word_change("implement", "implore"));
    }

    #[test]
    fn a_near_miss_on_shared_words_reads_as_a_sentence() {
        let one = CarryMiss::FewSharedWords {
            shared: 1,
            old: 3,
            new: 2,
        };
        assert_eq!(
            one.to_string(),
            "only 1 core word in common (3 in the old title, 2 in the new)"
        );
        let two = CarryMiss::FewSharedWords {
            shared: 2,
            old: 4,
            new: 4,
        };
        assert!(two.to_string().starts_with("only 2 core words in common"));
    }

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

    // Carry-over: one test per way people reword a goal they carry forward.

    /// The carry links between last week's open goals and next week's goals, by title.
    fn carried(old: &[&str], new: &[&str]) -> Vec<(usize, usize)> {
        let (old, new) = (tasks(old), tasks(new));
        let old: Vec<&Task> = old.iter().collect();
        let new: Vec<&Task> = new.iter().collect();
        pair_carried(&old, &new)
    }

    /// Each `(before, after)` links on its own, and among unrelated goals of both weeks.
    fn assert_carries(cases: &[(&str, &str)]) {
        for &(before, after) in cases {
            assert!(
                carry_rule(before, after).is_some(),
                "{before:?} → {after:?} is no carry"
            );
            let old = [
                "Solve practice problems in group theory",
                before,
                "Deploy Kestrel to a small server",
            ];
            let new = [
                "Make flashcards for Markov chains",
                "Write integration tests for Gannet",
                after,
            ];
            assert_eq!(carried(&old, &new), vec![(1, 2)], "{before:?} → {after:?}");
        }
    }

    fn assert_no_carry(cases: &[(&str, &str)]) {
        for &(before, after) in cases {
            assert_eq!(carry_rule(before, after), None, "{before:?} → {after:?}");
            assert!(
                carried(&[before], &[after]).is_empty(),
                "{before:?} → {after:?}"
            );
        }
    }

    #[test]
    fn carry_continue_prefix() {
        assert_carries(&[
            ("Implement BPE", "Continue implementing BPE"),
            ("Implement BPE", "Continue: Implement BPE"),
            (
                "Read the RL book chapter 3",
                "Continue reading the RL book chapter 3",
            ),
            (
                "Read the RL book chapter 3",
                "Keep working on: read the RL book chapter 3",
            ),
        ]);
    }

    #[test]
    fn carry_continued_suffix() {
        assert_carries(&[
            ("Implement BPE", "Implement BPE continued"),
            ("Implement BPE", "Implement BPE (cont.)"),
            ("Implement BPE", "Implement BPE, contd"),
        ]);
    }

    #[test]
    fn carry_still_prefix() {
        assert_carries(&[("Write the weekly post", "Still: write the weekly post")]);
    }

    #[test]
    fn carry_finish_prefix() {
        assert_carries(&[
            ("Wavelets chapter", "Finish: wavelets chapter"),
            (
                "Port the parser to Rust",
                "Finish porting the parser to Rust",
            ),
        ]);
    }

    #[test]
    fn carry_last_part_suffix() {
        assert_carries(&[(
            "Review my notes on convex duality",
            "Review my notes on convex duality — last part",
        )]);
    }

    #[test]
    fn carry_take_two_suffix() {
        assert_carries(&[
            ("Deploy StarChart", "Deploy StarChart, take two"),
            ("Deploy StarChart", "Deploy StarChart: round two"),
        ]);
    }

    #[test]
    fn carry_again_suffix() {
        assert_carries(&[("Call the bank", "Call the bank again")]);
    }

    #[test]
    fn carry_trailing_qualifier_dropped() {
        assert_carries(&[
            (
                "Summarise the attention paper for the reading group",
                "Summarise the attention paper",
            ),
            (
                "Watch the lecture on kernels with notes",
                "Watch the lecture on kernels",
            ),
        ]);
    }

    #[test]
    fn carry_short_title_grown_by_a_word() {
        assert_carries(&[
            ("Implement BPE", "Implement BPE tokenizer"),
            ("Gym", "Gym twice"),
            ("Study eigenvalues", "Study eigenvalues and eigenvectors"),
        ]);
    }

    #[test]
    fn carry_case_changed() {
        assert_carries(&[
            (
                "implement bpe from scratch",
                "IMPLEMENT BPE FROM SCRATCH (cont.)",
            ),
            ("Read The Survey Article", "read the survey article again"),
        ]);
    }

    #[test]
    fn carry_typo_fixed_and_prefixed() {
        assert_carries(&[(
            "Finsih the lecture series on optimal transport",
            "Continue: finish the lecture series on optimal transport",
        )]);
    }

    #[test]
    fn carry_plural_changed() {
        assert_carries(&[(
            "Solve the practice problem on queueing models",
            "Solve the practice problems on queueing models, take two",
        )]);
    }

    #[test]
    fn carry_moved_and_rerated_while_reworded() {
        let mut old = task("Write a blog post explaining Raft");
        old.confidence = Some(2);
        old.section = vec!["Writing".to_owned()].into();
        let mut new = task("Continue: write a blog post explaining Raft (round two)");
        new.confidence = Some(4);
        new.section = vec!["Carried over".to_owned()].into();
        assert_eq!(pair_carried(&[&old], &[&new]), vec![(0, 0)]);
    }

    #[test]
    fn carry_numbers_still_veto() {
        assert_no_carry(&[
            ("CS242 HW 3", "CS242 HW 4"),
            ("CS242 HW 3", "Continue CS242 HW 4"),
            ("Read part 2 of the RL book", "Read part 3 of the RL book"),
            (
                "Catch up on the CS242 lecture videos",
                "Catch up on the EE263 lecture videos",
            ),
        ]);
        // The same number carried with a progress word is still the same goal.
        assert_carries(&[("CS242 HW 3", "CS242 HW 3 (cont.)")]);
    }

    #[test]
    fn carry_needs_more_than_a_shared_topic() {
        assert_no_carry(&[
            ("Study wavelets", "Implement wavelets in Rust"),
            ("Read the WaveNet paper", "Read the PixelCNN paper"),
            ("Fix bug in parser", "Fix bug in printer"),
            (
                "Make flashcards for Markov chains",
                "Review my notes on Markov chains",
            ),
            (
                "Catch up on the compilers lecture videos",
                "Catch up on the robotics lecture videos",
            ),
            ("Read", "Read the WaveNet paper"),
            ("Continue", "Continue the RL book"),
            (
                "Implement BPE",
                "Implement a BPE tokenizer benchmark suite in Rust",
            ),
        ]);
    }

    #[test]
    fn carry_is_an_assignment_over_the_week_not_a_greedy_match() {
        // Most alike first would give "Read wavelets book" the first goal and leave the
        // other open goal with nothing; the week's best assignment links both.
        let old = ["Read wavelets book", "Read wavelets book carefully"];
        let new = ["Read wavelets book again", "Read wavelets book chapter"];
        assert_eq!(carried(&old, &new), vec![(1, 0), (0, 1)]);
    }

    #[test]
    fn carry_pairs_equal_titles_first_and_one_to_one() {
        let old = ["Implement BPE", "Deploy StarChart"];
        let new = [
            "Implement BPE",
            "Implement BPE continued",
            "Deploy StarChart again",
        ];
        assert_eq!(carried(&old, &new), vec![(0, 0), (1, 2)]);
    }

    #[test]
    fn carry_explanation_gives_rules_scores_and_near_misses() {
        let old = tasks(&["CS242 HW 3", "Implement BPE", "Study wavelets"]);
        let new = tasks(&[
            "CS242 HW 4",
            "Implement BPE continued",
            "Implement wavelets in Rust",
        ]);
        let old: Vec<&Task> = old.iter().collect();
        let new: Vec<&Task> = new.iter().collect();
        let explained = explain_carried(&old, &new);
        assert_eq!(explained.links.len(), 1);
        let link = &explained.links[0];
        assert_eq!((link.old, link.new), (1, 1));
        assert_eq!(link.rule, Some(CarryRule::SameCoreWords));
        assert!(link.score > 0.9 && link.score <= 1.0, "{}", link.score);
        let misses: Vec<(usize, usize, Option<CarryMiss>)> = explained
            .near_misses
            .iter()
            .map(|d| (d.old, d.new, d.miss.clone()))
            .collect();
        assert!(misses.contains(&(0, 0, Some(CarryMiss::NumbersDiffer))));
        assert!(misses.contains(&(
            2,
            2,
            Some(CarryMiss::FewSharedWords {
                shared: 1,
                old: 2,
                new: 3
            })
        )));
        assert_eq!(pair_carried(&old, &new), vec![(1, 1)]);
    }

    #[test]
    fn assignment_maximises_total_weight() {
        let weights = vec![vec![0.9, 0.8], vec![0.85, 0.0]];
        assert_eq!(max_weight_assignment(&weights), vec![(0, 1), (1, 0)]);
        // More rows than columns, and rows with no edge.
        let weights = vec![vec![0.0], vec![0.5], vec![0.7]];
        assert_eq!(max_weight_assignment(&weights), vec![(2, 0)]);
        assert!(max_weight_assignment(&[vec![0.0, 0.0]]).is_empty());
        assert!(max_weight_assignment(&[]).is_empty());
    }

    // One regression test per re-wording class of the synthetic generator
    // (`tests/support/synthetic.rs`, `Rewording`), named by the class; the classes not listed
    // here have theirs above: `ContinuePrefix` and `ContinueColon` in `carry_continue_prefix`,
    // `StillPrefix`, `FinishColon`, `ContinuedSuffix`, `LastPartSuffix`, `TakeTwoSuffix`,
    // `AgainSuffix`, `QualifierDropped` (`carry_trailing_qualifier_dropped`) and
    // `PrefixedMovedAndRerated` (`carry_moved_and_rerated_while_reworded`).

    #[test]
    fn carry_continue_colon() {
        assert_carries(&[(
            "Work through the chapter on Markov chains",
            "Continue: Work through the chapter on Markov chains",
        )]);
    }

    #[test]
    fn carry_keep_working_on() {
        assert_carries(&[(
            "Finish the first release of Tidepool",
            "Keep working on finish the first release of Tidepool",
        )]);
    }

    #[test]
    fn carry_cont_suffix() {
        assert_carries(&[(
            "Profile and speed up Kestrel",
            "Profile and speed up Kestrel (cont.)",
        )]);
    }

    #[test]
    fn carry_round_two_suffix() {
        assert_carries(&[(
            "Benchmark my version of a bloom filter",
            "Benchmark my version of a bloom filter (round two)",
        )]);
    }

    #[test]
    fn carry_lower_case() {
        assert_carries(&[(
            "Explain Bayesian inference to my study group",
            "explain bayesian inference to my study group",
        )]);
    }

    #[test]
    fn carry_upper_case() {
        assert_carries(&[(
            "Deploy Gannet to a small server",
            "DEPLOY GANNET TO A SMALL SERVER",
        )]);
    }

    #[test]
    fn carry_qualifier_gained() {
        assert_carries(&[
            (
                "Implement a regex engine from scratch",
                "Implement a regex engine from scratch in Rust",
            ),
            (
                "Make flashcards for group theory",
                "Make flashcards for group theory with diagrams",
            ),
        ]);
    }

    #[test]
    fn carry_qualifier_dropped_and_prefixed() {
        assert_carries(&[(
            "Review my notes on kernel methods for my mentor",
            "Continue: Review my notes on kernel methods",
        )]);
    }

    #[test]
    fn c_plus_plus_is_a_word_of_its_own() {
        assert_eq!(
            words_of("c++ (multiplication method)"),
            ["c++", "multiplication", "method"]
        );
        assert_eq!(words_of("learn c#, f# + c"), ["learn", "c#", "f#", "c"]);
        assert_eq!(words_of("a++b"), ["a++", "b"]);
        assert_no_carry(&[(
            "C++ (multiplication method)",
            "Redo C with third multiplication method",
        )]);
    }

    // Spelled-out numbers veto as digits do.

    #[test]
    fn spelled_out_numbers_veto_like_digits() {
        assert_no_carry(&[
            (
                "Read part two of the RL book",
                "Read part three of the RL book",
            ),
            ("Watch week one lectures", "Watch week two lectures"),
            (
                "Read the third chapter of SICP",
                "Read the fourth chapter of SICP",
            ),
            ("Read part two of the RL book", "Read part 3 of the RL book"),
            ("Implement BPE", "Implement BPE, part two"),
        ]);
        for (before, after) in [
            (
                "Read part two of the RL book",
                "Read part three of the RL book",
            ),
            ("Watch week one lectures", "Watch week two lectures"),
        ] {
            assert!(!same_task_title(before, after), "{before:?} / {after:?}");
            assert!(pair_tasks(&tasks(&[before]), &tasks(&[after])).is_empty());
        }
        // A number spelled one way and written the other is the same number.
        assert_carries(&[(
            "Read part two of the RL book",
            "Continue: read part 2 of the RL book",
        )]);
        // `take two` and `round two` count attempts, not which goal: no veto.
        assert_carries(&[
            ("Deploy StarChart", "Deploy StarChart, take two"),
            ("Deploy StarChart", "Deploy StarChart (round three)"),
        ]);
    }

    // Between two versions of one post, edits follow the carry rules.

    #[test]
    fn edits_in_a_post_follow_the_carry_rules() {
        let old = tasks(&[
            "Solve practice problems in group theory",
            "Implement BPE",
            "Summarise the attention paper for the reading group",
            "Deploy Kestrel to a small server",
        ]);
        let new = tasks(&[
            "Solve practice problems in group theory",
            "Implement BPE continued",
            "Summarise the attention paper",
            "DEPLOY KESTREL TO A SMALL SERVER (cont.)",
        ]);
        assert_eq!(pair_tasks(&old, &new), diagonal(4));
        // One-to-one over the whole list: each edit goes to the title that fits it best.
        let old = tasks(&["Implement BPE", "Implement BPE tokenizer in Rust"]);
        let new = tasks(&[
            "Implement BPE tokenizer in Rust, take two",
            "Implement BPE again",
        ]);
        assert_eq!(pair_tasks(&old, &new), vec![(1, 0), (0, 1)]);
    }

    #[test]
    fn edits_in_a_post_keep_the_numbers_veto_and_precision() {
        for (before, after) in [
            ("CS242 HW 3", "CS242 HW 4"),
            (
                "Read part two of the RL book",
                "Read part three of the RL book",
            ),
            ("Study wavelets", "Implement wavelets in Rust"),
            ("Read the WaveNet paper", "Read the PixelCNN paper"),
        ] {
            let pairs = pair_tasks(
                &tasks(&["Call the bank", before]),
                &tasks(&["Call the bank", after]),
            );
            assert_eq!(pairs, vec![(0, 0)], "{before:?} → {after:?}");
        }
    }
}
