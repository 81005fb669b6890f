//! A vault-shaped corpus read twice: by gitgoals in Obsidian mode and by a small reference
//! reader written here, apart from gitgoals' code, from Obsidian's and Obsidian Tasks'
//! documented reading of tasks. Every note must agree on its tasks, their titles, their status
//! class (open, done, cancelled) and the heading they sit under.
//!
//! The rules the reference reader encodes, and where they come from:
//! - A task is a list item (`-`, `*`, `+`, `1.`, `1)`), at any depth, in a blockquote or a
//!   callout too, whose text opens with `[c]` for one character `c` and a space: that is what
//!   Obsidian's metadata cache lists as a task (`ListItemCache.task` is the character), and
//!   what Obsidian Tasks reads, callouts and blockquotes included since Tasks 1.11.1.
//! - `%% … %%` comments, on one line or across lines, and a comment never closed (to the end of
//!   the note), hide what they hold: Obsidian leaves commented list items out of the metadata
//!   cache, so Tasks never sees them (obsidian-tasks issue 1172). `%%` in inline code, in fenced
//!   code (backticks or tildes) or in an indented code block is text, as is everything else
//!   there. HTML comments hide what they hold as in any CommonMark reader.
//! - Status, by Obsidian Tasks' status registry: a space is TODO, `x` DONE, `/` IN_PROGRESS
//!   (open), `-` CANCELLED, and a character the registry does not know is TODO (its unknown
//!   status). `X` is done: Obsidian itself renders it checked and struck through like `x`, and
//!   Tasks types an unknown `X` as DONE when it adds it to the settings.
//! - The title is what Obsidian Tasks calls the description, as read in the note: the text
//!   after the box with the block id (`^id`) and the Tasks fields at the end (dates, `🔁`
//!   recurrence, priorities) taken off, comments left out, and the inline markup shown as its
//!   text (`[[Page|Alias]]` shows `Alias`, `[[Page]]` and `![[Page]]` show `Page`).
//!
//! The corpus is generated from a fixed seed: about a hundred daily and weekly notes built of
//! the pieces real vaults hold.

mod common;

use common::{GITGOALS, Isolated as _, Scratch, finish};
use gitgoals::core::model::Mark;
use gitgoals::core::post::{ParseOptions, parse_with};
use serde_json::Value;

/// How many notes the corpus has.
const NOTES: usize = 100;

// ---------------------------------------------------------------------------------------------
// The corpus

/// A small deterministic generator (a 64-bit linear congruential one): the corpus is the same
/// on every run and every machine.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
    fn chance(&mut self, percent: usize) -> bool {
        self.below(100) < percent
    }
}

const TITLES: [&str; 24] = [
    "Draft the chapter outline",
    "Fix the bike",
    "Call the dentist",
    "Review pull requests",
    "Water the plants",
    "Read two papers",
    "Plan the trip to Lyon",
    "Refactor the parser",
    "Write the weekly review",
    "Book the train tickets",
    "Clean the inbox",
    "Prepare the talk slides",
    "Run 10 km",
    "Pay the electricity bill",
    "Update the CV",
    "Sketch the garden layout",
    "Back up the laptop",
    "Answer the survey",
    "Order new lenses",
    "Try the sourdough recipe",
    "Learn a Bach prelude",
    "Renew the passport",
    "Tidy the shed",
    "Send the invoice",
];

/// Status characters as they occur in vaults, spaces and `x` most often.
const STATUSES: [char; 14] = [
    ' ', ' ', ' ', ' ', 'x', 'x', 'x', 'X', '/', '-', '>', '<', '!', '?',
];

const HEADINGS: [&str; 6] = ["Goals", "Work", "Home", "Health", "Learning", "Errands"];

/// A task line's pieces: the generator also writes what the line must read as, so that the
/// comparison needs no third reading.
fn title(rng: &mut Rng) -> String {
    TITLES[rng.below(TITLES.len())].to_string()
}

fn status(rng: &mut Rng) -> char {
    STATUSES[rng.below(STATUSES.len())]
}

/// A task's title with the decorations vaults put on tasks.
fn decorated(rng: &mut Rng) -> String {
    let mut text = title(rng);
    match rng.below(16) {
        0 => text = format!("{text} with [[People/Ana Souza|Ana]]"),
        1 => text = format!("{text} for [[Project Atlas]]"),
        2 => text.push_str(" #work"),
        3 => text.push_str(" #home #errand"),
        4 => text.push_str(" 📅 2024-03-15"),
        5 => text.push_str(" ⏳ 2024-03-12 📅 2024-03-15"),
        6 => text.push_str(" 🔁 every week"),
        7 => text.push_str(" 🔁 every 2 weeks on Monday 📅 2024-03-18"),
        8 => text.push_str(" ⏫ 📅 2024-03-20"),
        9 => text.push_str(" ^task-7f3a"),
        10 => text.push_str(" %% asked on Monday %%"),
        11 => text = format!("{text} (see [the notes](https://example.org/notes))"),
        12 => text = format!("*Maybe* {text}"),
        13 => text.push_str(" <!-- from the old list -->"),
        14 => text = format!("{text} using `%%` markers"),
        _ => {}
    }
    text
}

/// A task line; `x` statuses sometimes carry the done date Tasks writes.
fn task_line(rng: &mut Rng, indent: &str, marker: &str) -> String {
    let status = status(rng);
    let mut text = decorated(rng);
    if status == 'x' && rng.chance(40) {
        // Tasks writes the done date before a block id, which always closes the line.
        match text.find(" ^") {
            Some(at) => text.insert_str(at, " ✅ 2024-03-14"),
            None => text.push_str(" ✅ 2024-03-14"),
        }
    }
    format!("{indent}{marker} [{status}] {text}")
}

fn plain_list(rng: &mut Rng) -> String {
    let marker = rng.pick(&["-", "*", "+"]);
    let n = 2 + rng.below(4);
    let mut lines: Vec<String> = (0..n).map(|_| task_line(rng, "", marker)).collect();
    if rng.chance(30) {
        lines.insert(1, format!("{marker} a plain bullet, no task"));
    }
    lines.join("\n")
}

fn nested_list(rng: &mut Rng) -> String {
    let indent = rng.pick(&["  ", "    ", "\t"]);
    let mut lines = vec![task_line(rng, "", "-")];
    for _ in 0..1 + rng.below(3) {
        lines.push(task_line(rng, indent, "-"));
    }
    lines.push(format!("{indent}- a note under it"));
    lines.push(task_line(rng, &format!("{indent}{indent}"), "-"));
    lines.push("- a bullet with nested tasks".to_string());
    lines.push(task_line(rng, indent, "*"));
    lines.join("\n")
}

fn numbered(rng: &mut Rng) -> String {
    let delimiter = rng.pick(&[".", ")"]);
    let n = 2 + rng.below(3);
    (1..=n)
        .map(|i| task_line(rng, "", &format!("{i}{delimiter}")))
        .collect::<Vec<_>>()
        .join("\n")
}

fn callout(rng: &mut Rng) -> String {
    let kind = rng.pick(&["[!todo]", "[!todo]-", "[!note]+", "[!tip] This week"]);
    let mut lines = vec![format!("> {kind}")];
    for _ in 0..1 + rng.below(3) {
        lines.push(format!("> {}", task_line(rng, "", "-")));
    }
    if rng.chance(40) {
        lines.push(format!(">   {}", task_line(rng, "", "-")));
    }
    if rng.chance(30) {
        lines.push(">".to_string());
        lines.push("> > [!note] Nested".to_string());
        lines.push(format!("> > {}", task_line(rng, "", "-")));
    }
    lines.join("\n")
}

fn blockquote(rng: &mut Rng) -> String {
    format!(
        "> Carried from last week:\n>\n> {}\n> {}",
        task_line(rng, "", "-"),
        task_line(rng, "", "-")
    )
}

fn block_comment(rng: &mut Rng) -> String {
    let heading = rng.pick(&HEADINGS);
    format!(
        "%%\n## {heading} someday\n{}\n{}\n%%",
        task_line(rng, "", "-"),
        task_line(rng, "", "-")
    )
}

fn comment_across_lines(rng: &mut Rng) -> String {
    format!(
        "{}\nNotes from the call %% private:\n{}\nend of private %% and back.\n{}",
        task_line(rng, "", "-"),
        task_line(rng, "", "-"),
        task_line(rng, "", "-")
    )
}

fn comment_in_list(rng: &mut Rng) -> String {
    format!(
        "{}\n%% {} %%\n{}",
        task_line(rng, "", "-"),
        task_line(rng, "", "-"),
        task_line(rng, "", "-")
    )
}

fn inline_code(rng: &mut Rng) -> String {
    format!(
        "Hide a line with `%%` on both sides, or ``%% two %%``.\n\n{}",
        task_line(rng, "", "-")
    )
}

fn fenced(rng: &mut Rng) -> String {
    let fence = rng.pick(&["```", "~~~", "````"]);
    format!(
        "{fence}markdown\n%% a comment in a template\n- [ ] not a task, code\n{fence}\n\n{}",
        task_line(rng, "", "-")
    )
}

fn fenced_in_list(rng: &mut Rng) -> String {
    format!(
        "{}\n  ```sh\n  echo '%%'\n  - [ ] still code\n  ```\n{}",
        task_line(rng, "", "-"),
        task_line(rng, "", "-")
    )
}

fn indented_code(rng: &mut Rng) -> String {
    format!(
        "The template, as code:\n\n    %% hidden in the template\n    - [ ] an example task\n\n{}",
        task_line(rng, "", "-")
    )
}

fn embeds(rng: &mut Rng) -> String {
    format!(
        "![[Weekly template]]\n![[whiteboard.png|300]]\n\n{}\n- [ ] Annotate ![[whiteboard.png]]",
        task_line(rng, "", "-")
    )
}

fn html_comment(rng: &mut Rng) -> String {
    format!(
        "<!--\n- [ ] an old task kept in an HTML comment\n-->\n\n{}",
        task_line(rng, "", "-")
    )
}

fn table(rng: &mut Rng) -> String {
    format!(
        "| Habit | Mon | Tue |\n| --- | --- | --- |\n| Run | [ ] | [x] |\n| Read | [x] | [ ] |\n\n{}",
        task_line(rng, "", "-")
    )
}

fn near_misses(rng: &mut Rng) -> String {
    format!(
        "- \\[ ] escaped, not a task\n[ ] no list marker, not a task\n- [x]no space, not a task\n- [ab] two characters, not a task\n{}",
        task_line(rng, "", "-")
    )
}

fn tags_line(rng: &mut Rng) -> String {
    format!(
        "#weekly #review\nLinked from [[2024-W10]] and [[Projects/Atlas|Atlas]].\n\n{}",
        task_line(rng, "", "-")
    )
}

fn bold_lead(rng: &mut Rng) -> String {
    let first = task_line(rng, "", "-");
    let status = status(rng);
    format!("{first}\n- [{status}] **Ship** the release notes")
}

type Piece = fn(&mut Rng) -> String;

const PIECES: [Piece; 19] = [
    plain_list,
    plain_list,
    nested_list,
    numbered,
    callout,
    blockquote,
    block_comment,
    comment_across_lines,
    comment_in_list,
    inline_code,
    fenced,
    fenced_in_list,
    indented_code,
    embeds,
    html_comment,
    table,
    near_misses,
    tags_line,
    bold_lead,
];

/// The corpus: (path, text) of every note.
fn vault() -> Vec<(String, String)> {
    let mut rng = Rng(0x0b51_d1a2_2024);
    (0..NOTES)
        .map(|i| {
            let path = if i % 4 == 3 {
                format!("Weekly/2024-W{:02}.md", 1 + i / 4)
            } else {
                format!("Daily/2024-{:02}-{:02}.md", 1 + i / 28, 1 + i % 28)
            };
            let mut text = String::new();
            if rng.chance(60) {
                text.push_str("---\ntags:\n  - daily\n  - goals\naliases: [\"Today\"]\n---\n");
            }
            text.push_str(&format!(
                "# {}\n\n",
                &path[path.find('/').unwrap_or(0) + 1..]
            ));
            let pieces = 3 + rng.below(5);
            for _ in 0..pieces {
                if rng.chance(40) {
                    text.push_str(&format!("## {}\n\n", rng.pick(&HEADINGS)));
                }
                text.push_str(&PIECES[rng.below(PIECES.len())](&mut rng));
                text.push_str("\n\n");
            }
            if rng.chance(10) {
                text.push_str(&format!(
                    "{}\n%% unfinished thought, never closed\n{}\n",
                    task_line(&mut rng, "", "-"),
                    task_line(&mut rng, "", "-")
                ));
            }
            (path, text)
        })
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The reference reader

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Class {
    Open,
    Done,
    Cancelled,
}

/// One task as read: status class, title, nearest heading above it.
type Seen = (Class, String, String);

/// Obsidian Tasks' status types for its default registry, as classes.
fn class_of(status: char) -> Class {
    match status {
        'x' | 'X' => Class::Done,
        '-' => Class::Cancelled,
        // ' ' TODO, '/' IN_PROGRESS, any other character an unknown status of type TODO.
        _ => Class::Open,
    }
}

/// The line without its blockquote (callout) markers, and whether it had any.
fn unquoted(line: &str) -> (&str, bool) {
    let mut rest = line;
    let mut quoted = false;
    loop {
        let trimmed = rest.trim_start_matches(' ');
        if rest.len() - trimmed.len() <= 3
            && let Some(after) = trimmed.strip_prefix('>')
        {
            rest = after.strip_prefix(' ').unwrap_or(after);
            quoted = true;
        } else {
            return (rest, quoted);
        }
    }
}

/// Columns of leading white space (a tab to the next multiple of four).
fn indentation(text: &str) -> usize {
    let mut columns = 0;
    for c in text.chars() {
        match c {
            ' ' => columns += 1,
            '\t' => columns = columns / 4 * 4 + 4,
            _ => break,
        }
    }
    columns
}

/// The list marker at the start of `text` and what follows it, when there is one.
fn after_list_marker(text: &str) -> Option<&str> {
    let text = text.trim_start_matches([' ', '\t']);
    let rest = if let Some(rest) = text.strip_prefix(['-', '*', '+']) {
        rest
    } else {
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 || digits > 9 {
            return None;
        }
        text[digits..].strip_prefix(['.', ')'])?
    };
    if rest.is_empty() {
        return Some(rest);
    }
    rest.starts_with([' ', '\t'])
        .then(|| rest.trim_start_matches([' ', '\t']))
}

/// The part of `line` outside Obsidian comments; `open` says whether a comment is open at its
/// start and is left saying whether one is open at its end. Inline code shows `%%` as text.
fn outside_comments(line: &str, open: &mut bool) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut i = 0;
    while i < chars.len() {
        if !*open && chars[i] == '`' {
            let run = chars[i..].iter().take_while(|&&c| c == '`').count();
            let mut j = i + run;
            let mut closed = None;
            while j < chars.len() {
                if chars[j] == '`' {
                    let other = chars[j..].iter().take_while(|&&c| c == '`').count();
                    if other == run {
                        closed = Some(j + other);
                        break;
                    }
                    j += other;
                } else {
                    j += 1;
                }
            }
            let end = closed.unwrap_or(i + run);
            out.extend(&chars[i..end]);
            i = end;
            continue;
        }
        if chars[i] == '%' && chars.get(i + 1) == Some(&'%') {
            *open = !*open;
            i += 2;
            continue;
        }
        if !*open {
            out.push(chars[i]);
        }
        i += 1;
    }
    out
}

/// The Tasks fields that may close a description, taken off its end one at a time.
fn without_trailing_field(text: &str) -> Option<String> {
    let text = text.trim_end();
    for sign in ["📅", "⏳", "🛫", "➕", "✅", "❌"] {
        if text.len() >= 10
            && let Some(before) = text[..text.len() - 10].trim_end().strip_suffix(sign)
            && text[text.len() - 10..].bytes().enumerate().all(|(i, b)| {
                if i == 4 || i == 7 {
                    b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
        {
            return Some(before.to_string());
        }
    }
    for priority in ["🔺", "⏫", "🔼", "🔽", "⏬"] {
        if let Some(before) = text.strip_suffix(priority) {
            return Some(before.to_string());
        }
    }
    if let Some(at) = text.rfind("🔁") {
        let rule = &text[at + "🔁".len()..];
        if rule
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | ',' | '!'))
        {
            return Some(text[..at].to_string());
        }
    }
    None
}

/// What the reading view shows of inline Markdown, as text.
fn shown(text: &str) -> String {
    let mut text = text.to_string();
    // HTML comments.
    while let Some(start) = text.find("<!--") {
        let end = text[start..]
            .find("-->")
            .map_or(text.len(), |e| start + e + 3);
        text.replace_range(start..end, "");
    }
    // Embeds and wikilinks: the alias, else the target.
    while let Some(start) = text.find("[[") {
        let Some(end) = text[start..].find("]]").map(|e| start + e) else {
            break;
        };
        let inner = &text[start + 2..end];
        let label = inner.rsplit('|').next().unwrap_or(inner).to_string();
        let from = if start > 0 && text.as_bytes()[start - 1] == b'!' {
            start - 1
        } else {
            start
        };
        text.replace_range(from..end + 2, &label);
    }
    // Markdown links: their text.
    while let Some(start) = text.find("](") {
        let Some(open) = text[..start].rfind('[') else {
            break;
        };
        let end = text[start..]
            .find(')')
            .map_or(text.len(), |e| start + e + 1);
        let label = text[open + 1..start].to_string();
        text.replace_range(open..end, &label);
    }
    // Emphasis and code markers.
    let text = text.replace(['*', '`'], "");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The title Obsidian Tasks reads from a task's text after the box.
fn description(after_box: &str) -> String {
    let mut text = after_box.trim().to_string();
    // The block id closes the line.
    if let Some(at) = text.rfind(" ^")
        && text[at + 2..]
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
        && at + 2 < text.len()
    {
        text.truncate(at);
    }
    while let Some(shorter) = without_trailing_field(&text) {
        text = shorter;
    }
    shown(&text)
}

/// A note's tasks as Obsidian and Obsidian Tasks read them.
fn obsidian_reads(note: &str) -> Vec<Seen> {
    let lines: Vec<&str> = note.lines().collect();
    let mut start = 0;
    if lines.first() == Some(&"---")
        && let Some(end) = lines.iter().skip(1).position(|l| *l == "---")
    {
        start = end + 2;
    }
    let mut seen = Vec::new();
    let mut comment = false;
    let mut fence: Option<(char, usize)> = None;
    let mut html_comment = false;
    let mut previous_blank = true;
    let mut in_list = false;
    let mut indented_code = false;
    let mut heading = String::new();
    for line in &lines[start..] {
        let (body, _quoted) = unquoted(line);
        let columns = indentation(body);
        let blank = body.trim().is_empty();
        if !comment {
            if let Some((c, n)) = fence {
                let t = body.trim_start();
                let run = t.chars().take_while(|&x| x == c).count();
                if run >= n && t[run * c.len_utf8()..].trim().is_empty() {
                    fence = None;
                }
                continue;
            }
            if html_comment {
                html_comment = !line.contains("-->");
                continue;
            }
            if indented_code {
                if blank || columns >= 4 {
                    continue;
                }
                indented_code = false;
            }
            let content = after_list_marker(body).unwrap_or(body).trim_start();
            for c in ['`', '~'] {
                let run = content.chars().take_while(|&x| x == c).count();
                if run >= 3 && (columns <= 3 || in_list) {
                    fence = Some((c, run));
                }
            }
            if fence.is_some() {
                if after_list_marker(body).is_some() {
                    in_list = true;
                }
                previous_blank = false;
                continue;
            }
            if columns >= 4 && previous_blank && !in_list {
                indented_code = true;
                continue;
            }
            if content.starts_with("<!--") && !content.contains("-->") {
                html_comment = true;
                continue;
            }
        }
        let began_in_comment = comment;
        let visible = outside_comments(line, &mut comment);
        if began_in_comment {
            // Text after a comment closes on this line is prose, never a list item here.
            previous_blank = blank;
            continue;
        }
        let (visible_body, quoted) = unquoted(&visible);
        if !quoted && let Some(text) = visible_body.strip_prefix("## ") {
            heading = text.trim().to_string();
            in_list = false;
        } else if !quoted && let Some(text) = visible_body.strip_prefix("# ") {
            heading = text.trim().to_string();
            in_list = false;
        }
        // The marker must open the line itself: after a comment, text is a paragraph's.
        if let Some(item) =
            after_list_marker(visible_body).filter(|_| after_list_marker(body).is_some())
        {
            in_list = true;
            let chars: Vec<char> = item.chars().collect();
            if chars.len() >= 3
                && chars[0] == '['
                && chars[2] == ']'
                && chars.get(3).is_none_or(|c| *c == ' ' || *c == '\t')
            {
                let after: String = chars[3..].iter().collect();
                seen.push((class_of(chars[1]), description(&after), heading.clone()));
            }
        } else if !blank && previous_blank && columns == 0 {
            in_list = false;
        }
        previous_blank = visible.trim().is_empty() || (quoted && visible_body.trim().is_empty());
    }
    seen
}

// ---------------------------------------------------------------------------------------------
// gitgoals' reading, in the same terms

fn gitgoals_reads(path: &str, note: &str) -> Vec<Seen> {
    let options = ParseOptions {
        obsidian: true,
        ..ParseOptions::default()
    };
    parse_with(path, note.as_bytes(), &options)
        .tasks
        .iter_placed()
        .map(|task| {
            let class = match task.mark {
                Mark::Done => Class::Done,
                Mark::Cancelled => Class::Cancelled,
                // Forwarded `[>]` is open to gitgoals' figures (a goal moved on, not done).
                Mark::Open | Mark::Forwarded => Class::Open,
            };
            let heading = task.section.last().cloned().unwrap_or_default();
            (class, task.title.to_string(), heading)
        })
        .collect()
}

#[test]
fn every_note_of_a_vault_reads_as_obsidian_reads_it() {
    let notes = vault();
    assert_eq!(notes.len(), NOTES);
    let mut agree = 0;
    let mut differences = Vec::new();
    let mut tasks = 0;
    for (path, text) in &notes {
        let want = obsidian_reads(text);
        let got = gitgoals_reads(path, text);
        tasks += want.len();
        if want == got {
            agree += 1;
        } else {
            differences.push(format!(
                "{path}:\n  Obsidian: {want:?}\n  gitgoals: {got:?}\n--- note ---\n{text}"
            ));
        }
    }
    println!(
        "oracle: {agree} of {} notes agree ({tasks} tasks)",
        notes.len()
    );
    assert!(tasks > 800, "the corpus holds {tasks} tasks");
    assert!(
        differences.is_empty(),
        "{agree} of {} notes agree; differences:\n{}",
        notes.len(),
        differences.join("\n")
    );
}

/// The same corpus as a vault in git, read by the command: the vault is found by its
/// `.obsidian/` folder, and every note's figures are the reference reader's counts.
#[test]
fn the_vault_in_git_counts_every_note_as_obsidian_reads_it() {
    let scratch = Scratch::new();
    let dir = scratch.init("vault");
    let notes = vault();
    std::fs::create_dir_all(dir.join(".obsidian")).expect("mkdir");
    std::fs::write(dir.join(".obsidian/app.json"), "{}\n").expect("write");
    for (path, text) in &notes {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("mkdir");
        std::fs::write(file, text).expect("write");
    }
    let git = |args: &[&str]| {
        let out = finish(
            scratch
                .command("git", &dir, args)
                .dated("2024-06-30T10:00:00+00:00"),
        );
        assert!(out.status.success(), "git {args:?}");
    };
    git(&["add", "-A"]);
    git(&["commit", "-q", "-m", "vault"]);
    let out = finish(&mut scratch.command(GITGOALS, &dir, &["history", "--format", "json"]));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let doc: Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let posts = doc["posts"].as_array().expect("posts");
    let mut agree = 0;
    for (path, text) in &notes {
        let want = obsidian_reads(text);
        let count = |class| want.iter().filter(|(c, _, _)| *c == class).count() as u64;
        let Some(post) = posts.iter().find(|p| p["path"] == path.as_str()) else {
            assert!(want.is_empty(), "{path} is missing");
            continue;
        };
        // `open` counts forwarded `[>]` goals too: they are not done.
        let open = post["open"].as_u64();
        let got = (
            post["tasks"].as_u64(),
            post["done"].as_u64(),
            post["cancelled"].as_u64(),
            open,
        );
        let wanted = (
            Some(want.len() as u64),
            Some(count(Class::Done)),
            Some(count(Class::Cancelled)),
            Some(count(Class::Open)),
        );
        assert_eq!(got, wanted, "{path}: (tasks, done, cancelled, open)");
        agree += 1;
    }
    assert_eq!(agree, notes.len());
}
