//! Drafting next week's goals post from the last one (`gitgoals plan`): its file name, front
//! matter and title moved on to the new date, its due-date sentence in the author's own words,
//! and its open goals carried forward under the same headings, each marked with how many weeks
//! it has been carried.
//!
//! Pure: the caller gives the last post's path, text and parsed tasks, each open goal's carry
//! streak, and the new post's date; writing the file is the command line's work.

use std::collections::HashMap;

use chrono::{Datelike, Days, NaiveDate};
use serde::Serialize;

use crate::core::block;
use crate::core::dates::{DateOrder, MONTHS};
use crate::core::model::{Mark, Post};

/// What a draft is made from.
#[derive(Debug, Clone)]
pub struct Source<'a> {
    /// The last post's path in the repository.
    pub path: &'a str,
    /// Its text as committed now.
    pub text: &'a str,
    /// The same text, read.
    pub post: &'a Post,
    /// Weeks each open goal has been carried already, by the 1-based line of its checkbox
    /// (the ledger's `carry_streak`); a goal not named here is fresh.
    pub streaks: &'a HashMap<usize, usize>,
    /// The new post's date.
    pub date: NaiveDate,
    /// How ambiguous numeric dates read (`due.date_order`): a due date written `12/12/2020`
    /// is rewritten in the order it was read.
    pub order: DateOrder,
}

/// A goal carried into the draft.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Carried {
    pub title: String,
    pub confidence: Option<u8>,
    /// Weeks it will have been carried in the new post (1 for a goal carried the first time).
    pub weeks: usize,
    pub section: String,
}

/// The drafted post.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// Its path in the repository.
    pub path: String,
    pub date: NaiveDate,
    pub due: Option<NaiveDate>,
    pub text: String,
    pub carried: Vec<Carried>,
}

/// The mark a carried goal bears: an HTML comment, which Jekyll, Hugo and Obsidian render as
/// nothing and which the post reader skips, so the goal's title (its identity) stays the same.
pub fn carry_mark(weeks: usize) -> String {
    let unit = if weeks == 1 { "week" } else { "weeks" };
    format!("<!-- carried {weeks} {unit} -->")
}

/// Drafts the post after `source`'s for `source.date`.
pub fn draft(source: &Source) -> Draft {
    let old_date = source.post.date.unwrap_or(source.date);
    let shift_days = (source.date - old_date).num_days();
    let shift_weeks = ((shift_days as f64) / 7.0).round().max(1.0) as i64;
    let moved = |day: NaiveDate| shift(day, shift_days);
    let path = move_path(source.path, old_date, source.date, shift_weeks);

    let text = source.text.strip_prefix('\u{feff}').unwrap_or(source.text);
    let (front, body_start) = front_matter(text);
    let mut out = String::new();
    if let Some(front) = front {
        out.push_str(&move_front_matter(front, shift_days, shift_weeks));
    }

    // The due-date sentence: the paragraph it stands in, with the date moved on.
    let due = source.post.due.as_ref().map(|d| moved(d.date));
    let body = &text[body_start..];
    if let Some(due_then) = &source.post.due
        && let Some(evidence) = &due_then.evidence
        && let Some(paragraph) = paragraph_with(body, evidence)
        && let Some(new_due) = due
    {
        let words = reword_date(evidence, due_then.date, new_due, source.order);
        let paragraph = paragraph.replacen(evidence.as_str(), &words, 1);
        push_block(&mut out, paragraph.trim());
    }

    // Lines are 1-based over the text without its byte order mark, as the parser counts
    // them; the body starts on this one.
    let first_body_line = text[..body_start].matches('\n').count() + 1;
    let (sections, carried) = carried_sections(body, first_body_line, source);
    if !sections.is_empty() {
        push_block(&mut out, sections.trim_end());
    }
    if !out.ends_with('\n') {
        out.push('\n');
    }
    Draft {
        path,
        date: source.date,
        due,
        text: out,
        carried,
    }
}

fn shift(day: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        day.checked_add_days(Days::new(days.unsigned_abs()))
    } else {
        day.checked_sub_days(Days::new(days.unsigned_abs()))
    }
    .unwrap_or(day)
}

/// Appends a block of lines, a blank line before it unless it opens the text.
fn push_block(out: &mut String, block: &str) {
    if !out.is_empty() && !out.ends_with("\n\n") {
        if !out.ends_with('\n') {
            out.push('\n');
        }
        out.push('\n');
    }
    out.push_str(block);
    out.push('\n');
}

/// The front matter (fences included) and where the body starts, as the post is read.
fn front_matter(text: &str) -> (Option<&str>, usize) {
    match crate::core::frontmatter::body_start(text) {
        Some(end) => (Some(&text[..end]), end),
        None => (None, 0),
    }
}

/// The front matter with its dates moved on and its title to the new week's ([`move_title`]).
fn move_front_matter(front: &str, days: i64, weeks: i64) -> String {
    let mut out = String::with_capacity(front.len());
    for line in front.split_inclusive('\n') {
        let key = line
            .split([':', '='])
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let moved = match key.as_str() {
            "title" => move_title(line, weeks),
            "date" | "due" | "deadline" | "lastmod" | "publishdate" => move_iso_dates(line, days),
            _ => line.to_string(),
        };
        out.push_str(&moved);
    }
    out
}

/// Every `YYYY-MM-DD` in `text` moved by `days`.
fn move_iso_dates(text: &str, days: i64) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if let Some(found) = rest.get(..10).and_then(iso_date) {
            out.push_str(&shift(found, days).format("%Y-%m-%d").to_string());
            rest = &rest[10..];
            continue;
        }
        let mut chars = rest.chars();
        if let Some(c) = chars.next() {
            out.push(c);
        }
        rest = chars.as_str();
    }
    out
}

fn iso_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// `Week 6` → `Week 7`; a range `Weeks 1-4` keeps its start and moves its end (`Weeks 1-5`).
/// The number may follow `week`, `weeks` or `wk` with a space, `-`, `_` or `#` between.
pub fn move_week_numbers(text: &str, weeks: i64) -> String {
    let mut out = String::with_capacity(text.len());
    let mut at = 0;
    for (start, end) in week_numbers(text) {
        let number: i64 = text[start..end].parse().unwrap_or(0);
        out.push_str(&text[at..start]);
        out.push_str(&(number + weeks).to_string());
        at = end;
    }
    out.push_str(&text[at..]);
    out
}

/// Where the week numbers of `text` are, in order: the span of each number that moves (the
/// end of a range).
fn week_numbers(text: &str) -> Vec<(usize, usize)> {
    let lower = text.to_ascii_lowercase();
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let word = ["weeks", "week", "wk"]
            .into_iter()
            .find(|w| lower[i..].starts_with(w));
        let starts_word = i == 0 || !bytes[i - 1].is_ascii_alphanumeric();
        if let (Some(word), true) = (word, starts_word) {
            let mut j = i + word.len();
            while j < text.len() && matches!(bytes[j], b' ' | b'-' | b'_' | b'#') {
                j += 1;
            }
            let digits = text[j..].bytes().take_while(u8::is_ascii_digit).count();
            if digits > 0 && digits <= 3 && j > i + word.len() {
                let first_end = j + digits;
                // A range: `1-4` moves its end only.
                let range_digits = (text[first_end..].starts_with('-'))
                    .then(|| {
                        text[first_end + 1..]
                            .bytes()
                            .take_while(u8::is_ascii_digit)
                            .count()
                    })
                    .filter(|&d| d > 0 && d <= 3);
                let span = match range_digits {
                    Some(d) => (first_end + 1, first_end + 1 + d),
                    None => (j, first_end),
                };
                found.push(span);
                i = span.1;
                continue;
            }
        }
        i += text[i..].chars().next().map_or(1, char::len_utf8);
    }
    found
}

/// A front-matter title line moved on a week: its week numbers moved, and a subtitle right
/// after the first one dropped (`Week 6: after the exam` → `Week 7`): it names that week's
/// theme, which the new week does not share. Words that go on without a separator are part of
/// the title and stay (`Weeks 1-4 at RC and ideas for week 5` → `Weeks 1-5 at RC and ideas
/// for week 6`), as does a title with no week number.
fn move_title(line: &str, weeks: i64) -> String {
    let moved = move_week_numbers(line, weeks);
    let Some(&(_, number_end)) = week_numbers(&moved).first() else {
        return moved;
    };
    // The value ends before trailing blanks, the line break and, when it opened with one,
    // its closing quote.
    let trimmed = moved.trim_end();
    let opening = moved
        .split_once([':', '='])
        .and_then(|(_, value)| value.trim_start().chars().next())
        .filter(|c| matches!(c, '"' | '\''));
    let closed = opening.is_some_and(|q| trimmed.len() > number_end && trimmed.ends_with(q));
    let value_end = trimmed.len() - usize::from(closed);
    let Some(rest) = moved.get(number_end..value_end) else {
        return moved;
    };
    let after = rest.trim_start();
    let spaced = after.len() < rest.len();
    let subtitle = [":", ",", "-", "–", "—", "|"].into_iter().any(|sep| {
        // A dash or bar only with a space before it: `Week 6-ish` is no separator.
        let needs_space = !matches!(sep, ":" | ",");
        after
            .strip_prefix(sep)
            .is_some_and(|text| !text.trim().is_empty() && (spaced || !needs_space))
    });
    if subtitle {
        format!("{}{}", &moved[..number_end], &moved[value_end..])
    } else {
        moved
    }
}

/// The new post's path: the date in its name moved to the new date (or its ISO week, for
/// Obsidian's weekly notes), and a week number in it moved on as the title's is.
fn move_path(path: &str, old: NaiveDate, new: NaiveDate, weeks: i64) -> String {
    let (dir, name) = match path.rfind('/') {
        Some(at) => (&path[..=at], &path[at + 1..]),
        None => ("", path),
    };
    let old_iso = old.iso_week();
    let new_iso = new.iso_week();
    let old_week = format!("{}-W{:02}", old_iso.year(), old_iso.week());
    let new_week = format!("{}-W{:02}", new_iso.year(), new_iso.week());
    let dated = if name.starts_with(&old_week) || name.to_ascii_uppercase().starts_with(&old_week) {
        format!("{new_week}{}", &name[old_week.len()..])
    } else {
        move_iso_dates(name, (new - old).num_days())
    };
    // The date was moved already; a week number in the rest of the name moves like the title's.
    // `get`: ten bytes in may fall inside a character of a name in another script.
    let moved = if let (Some(date), Some(rest)) = (dated.get(..10), dated.get(10..))
        && iso_date(date).is_some()
    {
        format!("{date}{}", move_week_numbers(rest, weeks))
    } else if dated.starts_with(&new_week) {
        dated
    } else {
        move_week_numbers(&dated, weeks)
    };
    format!("{dir}{moved}")
}

/// The paragraph of `body` that holds `needle`, as written.
fn paragraph_with<'a>(body: &'a str, needle: &str) -> Option<&'a str> {
    let at = body.find(needle)?;
    let start = body[..at].rfind("\n\n").map_or(0, |i| i + 2);
    let end = body[at..].find("\n\n").map_or(body.len(), |i| at + i);
    Some(&body[start..end])
}

/// `by 12/12/2020` with `old` replaced by `new` as the author wrote it: the same separators,
/// order, padding and month names.
pub fn reword_date(words: &str, old: NaiveDate, new: NaiveDate, order: DateOrder) -> String {
    // Numbers in the phrase, in order, each matched to the part of the old date it is.
    let mut pieces: Vec<(usize, usize)> = Vec::new();
    let bytes = words.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            pieces.push((start, i));
        } else {
            i += 1;
        }
    }
    let numeric_month_first = match order {
        DateOrder::Dmy => false,
        DateOrder::Mdy | DateOrder::Auto => true,
    };
    let has_month_name = MONTHS
        .iter()
        .any(|m| words.to_ascii_lowercase().contains(&m[..3]));
    let mut out = String::with_capacity(words.len());
    let mut last = 0;
    let mut seen_day_or_month = 0;
    for &(start, end) in &pieces {
        let text = &words[start..end];
        let value: u32 = text.parse().unwrap_or(0);
        // Zero-padded as the author padded it.
        let width = if text.starts_with('0') { text.len() } else { 1 };
        let replacement = if text.len() == 4 && value == old.year().unsigned_abs() {
            new.year().to_string()
        } else if has_month_name {
            format!("{:0width$}", new.day())
        } else {
            // Which of day and month is this number? By value when it tells, else by order.
            let is_month = if old.day() != old.month() {
                value == old.month()
            } else {
                (seen_day_or_month == 0) == numeric_month_first
            };
            seen_day_or_month += 1;
            let part = if is_month { new.month() } else { new.day() };
            format!("{part:0width$}")
        };
        out.push_str(&words[last..start]);
        out.push_str(&replacement);
        last = end;
    }
    out.push_str(&words[last..]);
    if has_month_name {
        out = rename_month(&out, old.month0() as usize, new.month0() as usize);
    }
    out
}

/// The old month's name (full or three letters, any case) replaced by the new one's.
fn rename_month(text: &str, old: usize, new: usize) -> String {
    let lower = text.to_ascii_lowercase();
    let (full, short) = (MONTHS[old], &MONTHS[old][..3]);
    let (name, at) = match lower.find(full) {
        Some(at) => (MONTHS[new].to_string(), (at, full.len())),
        None => match lower.find(short) {
            Some(at) => (MONTHS[new][..3].to_string(), (at, 3)),
            None => return text.to_string(),
        },
    };
    let written = &text[at.0..at.0 + at.1];
    let name = if written.chars().all(|c| c.is_ascii_uppercase()) {
        name.to_ascii_uppercase()
    } else if written.starts_with(|c: char| c.is_ascii_uppercase()) {
        let mut chars = name.chars();
        chars
            .next()
            .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
            .unwrap_or_default()
    } else {
        name
    };
    format!("{}{}{}", &text[..at.0], name, &text[at.0 + at.1..])
}

/// The headings of the last post's goals, with its open goals under them.
fn carried_sections(body: &str, first_body_line: usize, source: &Source) -> (String, Vec<Carried>) {
    let tasks = source.post.tasks.placed_slice();
    let tasks = &*tasks;
    let Some(first) = tasks.first() else {
        return (String::new(), Vec::new());
    };
    let lines: Vec<&str> = body.lines().collect();
    let line_at = |n: usize| n.checked_sub(first_body_line).and_then(|i| lines.get(i));
    // The goals start at the outermost heading above the first goal.
    let mut start = first.line;
    if let Some(outer) = first.section.first() {
        for n in (first_body_line..first.line).rev() {
            if line_at(n).is_some_and(|l| heading_text(l).is_some_and(|h| h == *outer)) {
                start = n;
                break;
            }
        }
    }
    // The stats block is gitgoals' own; the hook writes the new post's.
    let block = block::find_block(body.as_bytes())
        .ok()
        .flatten()
        .map(|span| {
            let from = body[..span.whole.start].matches('\n').count() + first_body_line;
            let to = body[..span.whole.end].matches('\n').count() + first_body_line;
            from..to.max(from + 1)
        });
    let by_line: HashMap<usize, usize> = tasks
        .iter()
        .enumerate()
        .map(|(index, task)| (task.line, index))
        .collect();
    let open = |index: usize| tasks[index].mark == Mark::Open;
    let mut out = String::new();
    let mut carried = Vec::new();
    // The level of the heading just written, while no goal has come under it.
    let mut after_heading: Option<usize> = None;
    for n in start..first_body_line + lines.len() {
        if block.as_ref().is_some_and(|b| b.contains(&n)) {
            continue;
        }
        let Some(line) = line_at(n) else { continue };
        if heading_text(line).is_some() {
            let level = line.trim_start().bytes().take_while(|&b| b == b'#').count();
            // A heading right under its parent (`### Courses`, `#### Assignments`) stays close.
            if !out.is_empty() && after_heading.is_none_or(|above| level <= above) {
                out.push('\n');
            }
            out.push_str(line.trim_end());
            out.push('\n');
            after_heading = Some(level);
            continue;
        }
        let Some(&index) = by_line.get(&n) else {
            continue;
        };
        if !open(index) {
            continue;
        }
        let task = &tasks[index];
        let weeks = source.streaks.get(&n).copied().unwrap_or(0) + 1;
        // The outermost goal of its carried chain starts the line; the ones nested under it
        // keep only the indentation they had beyond it, so nothing turns into a code block.
        let mut root = index;
        while let Some(parent) = tasks[root].parent.filter(|&p| open(p)) {
            root = parent;
        }
        let root_indent = line_at(tasks[root].line).map_or(0, |l| indent_of(l));
        let text = strip_carry_mark(line).trim_end();
        let cut = indent_of(text).min(root_indent);
        out.push_str(&text[cut..]);
        out.push(' ');
        out.push_str(&carry_mark(weeks));
        out.push('\n');
        after_heading = None;
        carried.push(Carried {
            title: task.title.to_string(),
            confidence: task.confidence,
            weeks,
            section: task.section_path(),
        });
    }
    (out, carried)
}

/// Bytes of leading spaces and tabs.
fn indent_of(line: &str) -> usize {
    line.len() - line.trim_start_matches([' ', '\t']).len()
}

/// An ATX heading's text, without its `#`s.
fn heading_text(line: &str) -> Option<String> {
    let trimmed = line.trim_start();
    if line.len() - trimmed.len() > 3 {
        return None;
    }
    let hashes = trimmed.bytes().take_while(|&b| b == b'#').count();
    if hashes == 0 || hashes > 6 {
        return None;
    }
    let rest = &trimmed[hashes..];
    if !(rest.is_empty() || rest.starts_with([' ', '\t'])) {
        return None;
    }
    let text = rest.trim().trim_end_matches('#').trim();
    Some(
        crate::core::post::strip_progress_cookies(text)
            .trim()
            .to_string(),
    )
}

/// The line without a carry mark a draft wrote earlier.
fn strip_carry_mark(line: &str) -> &str {
    match line.find("<!-- carried ") {
        Some(at) if line[at..].trim_end().ends_with("-->") => line[..at].trim_end(),
        _ => line,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::post;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    const JEKYLL: &str = "---\nlayout: post\ntitle:  \"Week 6: after the exam\"\ndate:   2021-02-08 08:30:00 +0100\ncategories: goals weekly\n---\n\nThe exam went better than I feared.\n\nBelow are the tasks that I can finish by 02/13/2021, each with how sure I am of it out of 5.\n\n### Courses\n#### Assignments\n- [x] Linear algebra problem set 5, 4/5\n- [ ] Compilers lab 5 (3/5)\n<br>\n\n#### Studies\n- [ ] Read chapter 4 of the probability book (1/5) <!-- carried 1 week -->\n- [-] Watch the lecture again\n- [>] Plan the summer\n\n### Papers\n- [x] **Read the Transformer-XL paper, 1/5** *Clearer than I expected.*\n";

    fn draft_of(path: &str, text: &str, streaks: &[(usize, usize)], date: &str) -> Draft {
        let post = post::parse(path, text.as_bytes());
        let streaks: HashMap<usize, usize> = streaks.iter().copied().collect();
        draft(&Source {
            path,
            text,
            post: &post,
            streaks: &streaks,
            date: day(date),
            order: DateOrder::Auto,
        })
    }

    #[test]
    fn the_front_matter_is_the_one_the_post_reader_finds() {
        // An opening fence with a space after it, and YAML's `...` closing the block: the
        // reader takes both as front matter, so the draft moves its date and leaves none of
        // it in the body.
        let text = "--- \ntitle: Week 6\ndate: 2021-02-08\n...\n\n- [ ] Compilers lab 5\n";
        let d = draft_of("_posts/2021-02-08-week-6.md", text, &[], "2021-02-15");
        assert!(
            d.text
                .starts_with("--- \ntitle: Week 7\ndate: 2021-02-15\n...\n"),
            "{}",
            d.text
        );
        assert_eq!(d.text.matches("date:").count(), 1, "{}", d.text);
        assert!(d.text.contains("- [ ] Compilers lab 5"), "{}", d.text);
    }

    #[test]
    fn a_post_named_in_non_ascii_letters_moves_its_week_number_without_a_panic() {
        // Ten bytes into this name is the middle of a character.
        let path = "content/posts/\u{76ee}\u{6a19}\u{76ee}\u{6a19}-week-6.md";
        let d = draft_of(path, "- [ ] Read a paper\n", &[], "2021-02-15");
        assert_eq!(
            d.path,
            "content/posts/\u{76ee}\u{6a19}\u{76ee}\u{6a19}-week-7.md"
        );
    }

    #[test]
    fn a_post_opening_with_a_byte_order_mark_carries_its_open_goals() {
        let text =
            "\u{feff}---\ntitle: Week 6\n---\n\n## Goals\n- [ ] Read a paper\n- [x] Write notes\n";
        let d = draft_of("_posts/2021-02-08-week-6.md", text, &[], "2021-02-15");
        assert_eq!(d.carried.len(), 1, "{}", d.text);
        assert!(
            d.text
                .contains("## Goals\n- [ ] Read a paper <!-- carried 1 week -->")
        );
        assert!(!d.text.contains("Write notes"));
    }

    #[test]
    fn jekyll_post_moves_on_a_week_and_carries_its_open_goals() {
        let d = draft_of(
            "_posts/2021-02-08-week-6.md",
            JEKYLL,
            &[(19, 1)],
            "2021-02-15",
        );
        assert_eq!(d.path, "_posts/2021-02-15-week-7.md");
        assert_eq!(d.due, Some(day("2021-02-20")));
        assert_eq!(
            d.text,
            "---\nlayout: post\ntitle:  \"Week 7\"\ndate:   2021-02-15 08:30:00 +0100\ncategories: goals weekly\n---\n\nBelow are the tasks that I can finish by 02/20/2021, each with how sure I am of it out of 5.\n\n### Courses\n#### Assignments\n- [ ] Compilers lab 5 (3/5) <!-- carried 1 week -->\n\n#### Studies\n- [ ] Read chapter 4 of the probability book (1/5) <!-- carried 2 weeks -->\n\n### Papers\n"
        );
        let titles: Vec<(&str, Option<u8>, usize)> = d
            .carried
            .iter()
            .map(|c| (c.title.as_str(), c.confidence, c.weeks))
            .collect();
        assert_eq!(
            titles,
            [
                ("Compilers lab 5", Some(3), 1),
                ("Read chapter 4 of the probability book", Some(1), 2)
            ]
        );
    }

    #[test]
    fn the_carry_mark_is_not_part_of_a_goals_title() {
        let d = draft_of("_posts/2021-02-08-week-6.md", JEKYLL, &[], "2021-02-15");
        let again = post::parse(&d.path, d.text.as_bytes());
        let read: Vec<(String, Option<u8>)> = again
            .tasks
            .contents()
            .map(|t| (t.title.to_string(), t.confidence))
            .collect();
        assert_eq!(
            read,
            [
                ("Compilers lab 5".to_string(), Some(3)),
                (
                    "Read chapter 4 of the probability book".to_string(),
                    Some(1)
                )
            ]
        );
        assert_eq!(again.date, Some(day("2021-02-15")));
        assert_eq!(again.due.map(|d| d.date), Some(day("2021-02-20")));
        assert!(again.warnings.is_empty(), "{:?}", again.warnings);
    }

    #[test]
    fn hugo_toml_front_matter_and_a_named_month() {
        let text = "+++\ntitle = \"Goals, week 12\"\ndate = 2024-03-18T09:00:00Z\ntags = [\"goals\"]\n+++\n\nThis week, done by March 23, 2024:\n\n## Work\n- [ ] Ship the release 4/5\n- [x] Review the design\n";
        let d = draft_of("content/posts/2024-03-18-goals.md", text, &[], "2024-03-25");
        assert_eq!(d.path, "content/posts/2024-03-25-goals.md");
        assert!(
            d.text.starts_with(
                "+++\ntitle = \"Goals, week 13\"\ndate = 2024-03-25T09:00:00Z\ntags = [\"goals\"]\n+++\n\nThis week, done by March 30, 2024:\n\n## Work\n- [ ] Ship the release 4/5 <!-- carried 1 week -->\n"
            ),
            "{}",
            d.text
        );
    }

    #[test]
    fn obsidian_weekly_note_takes_the_next_iso_week() {
        let text = "- [ ] Call the bank 📅 2024-01-19\n- [x] Renew the passport ✅ 2024-01-17\n- [ ] Tidy the notes\n";
        let d = draft_of("Weekly/2024-W03.md", text, &[], "2024-01-22");
        assert_eq!(d.path, "Weekly/2024-W04.md");
        assert_eq!(
            d.text,
            "- [ ] Call the bank 📅 2024-01-19 <!-- carried 1 week -->\n- [ ] Tidy the notes <!-- carried 1 week -->\n"
        );
    }

    #[test]
    fn a_subtitle_after_the_week_number_is_that_weeks_theme_and_is_dropped() {
        let title = |line: &str| move_title(line, 1);
        assert_eq!(
            title("title:  \"Week 6: after the exam\"\n"),
            "title:  \"Week 7\"\n"
        );
        assert_eq!(title("title: 'Week 6 - exam week'\n"), "title: 'Week 7'\n");
        assert_eq!(title("title: Week 6 — exam week\n"), "title: Week 7\n");
        assert_eq!(
            title("title = \"Goals, week 12: shipping\"\n"),
            "title = \"Goals, week 13\"\n"
        );
        assert_eq!(
            title("title: Goals for week 6, exams\n"),
            "title: Goals for week 7\n"
        );
        // An unquoted value keeps a quote of its own words.
        assert_eq!(title("title: Week 6 | the \"exam\"\n"), "title: Week 7\n");
        // Words that go on without a separator are the title itself.
        assert_eq!(
            title("title:  \"Weeks 1-4 at RC and ideas for week 5\"\n"),
            "title:  \"Weeks 1-5 at RC and ideas for week 6\"\n"
        );
        assert_eq!(title("title: \"Week 6-ish\"\n"), "title: \"Week 7-ish\"\n");
        assert_eq!(title("title: \"Week 6:\"\n"), "title: \"Week 7:\"\n");
        // A week number only after the subtitle, or none: moved as before, nothing dropped.
        assert_eq!(
            title("title: \"Exams: week 6\"\n"),
            "title: \"Exams: week 7\"\n"
        );
        assert_eq!(
            title("title: Weekly goals: exams\n"),
            "title: Weekly goals: exams\n"
        );
        // Titles in other scripts: cut at the separator, never inside a character.
        assert_eq!(
            title("title: \"Week 6: \u{8a66}\u{9a13}\u{306e}\u{5f8c}\"\n"),
            "title: \"Week 7\"\n"
        );
        assert_eq!(
            title("title: Week 6\u{ff1a}\u{8a66}\u{9a13}\n"),
            "title: Week 7\u{ff1a}\u{8a66}\u{9a13}\n"
        );
    }

    #[test]
    fn week_numbers_ranges_and_dates_in_the_authors_order() {
        assert_eq!(
            move_week_numbers("Weeks 1-4 at RC and ideas for week 5", 1),
            "Weeks 1-5 at RC and ideas for week 6"
        );
        assert_eq!(move_week_numbers("Weekly goals", 1), "Weekly goals");
        assert_eq!(
            reword_date(
                "by 12/12/2020",
                day("2020-12-12"),
                day("2020-12-19"),
                DateOrder::Auto
            ),
            "by 12/19/2020"
        );
        assert_eq!(
            reword_date(
                "by 12/12/2020",
                day("2020-12-12"),
                day("2020-12-19"),
                DateOrder::Dmy
            ),
            "by 19/12/2020"
        );
        assert_eq!(
            reword_date(
                "by 05/02/2021",
                day("2021-02-05"),
                day("2021-02-12"),
                DateOrder::Auto
            ),
            "by 12/02/2021"
        );
        assert_eq!(
            reword_date(
                "by 28 Dec 2020",
                day("2020-12-28"),
                day("2021-01-04"),
                DateOrder::Auto
            ),
            "by 4 Jan 2021"
        );
    }

    #[test]
    fn nested_goals_keep_their_nesting_under_a_carried_parent_only() {
        let text = "- [x] Done parent\n    - [ ] Orphan child\n- [ ] Open parent\n    - [ ] Its child\n        - [ ] Grandchild\n";
        let d = draft_of("notes/2021-01-04.md", text, &[], "2021-01-11");
        assert_eq!(
            d.text,
            "- [ ] Orphan child <!-- carried 1 week -->\n- [ ] Open parent <!-- carried 1 week -->\n    - [ ] Its child <!-- carried 1 week -->\n        - [ ] Grandchild <!-- carried 1 week -->\n"
        );
    }

    #[test]
    fn the_stats_block_is_not_copied() {
        let text = "---\ntitle: Week 2\ndate: 2021-01-11\n---\n\n- [ ] A goal\n\n<!-- gitgoals:stats -->\nold figures\n<!-- /gitgoals:stats -->\n";
        let d = draft_of("_posts/2021-01-11-week-2.md", text, &[], "2021-01-18");
        assert!(!d.text.contains("figures"), "{}", d.text);
        assert!(d.text.contains("title: Week 3"));
    }
}
