//! Front matter: the YAML (`---`) or TOML (`+++`) block at the top of a post, and the few keys
//! gitgoals reads from it (`title`, `date`, `due`/`deadline`).

use std::cell::RefCell;
use std::collections::HashMap;

use serde::Deserialize;

/// Where the front matter ends and what it says. Offsets are into the text given to [`split`].
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct FrontMatter {
    pub title: Option<String>,
    pub date: Option<String>,
    pub due: Option<String>,
    /// `gitgoals: false`: the author keeps this post out of the goals (a template, a
    /// dashboard kept for years).
    pub opted_out: bool,
    /// Byte offset where the body (everything after the closing delimiter line) starts.
    pub body_start: usize,
}

/// A front matter block that could not be read: the message and the 1-based line it is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FrontMatterError {
    pub line: usize,
    pub message: String,
}

#[derive(Clone, Copy)]
enum Syntax {
    Yaml,
    Toml,
}

/// Finds and reads the front matter at the very start of `text` (after any BOM was removed).
/// No front matter gives the default (body starts at 0). A malformed block still yields the
/// body start, so the post's tasks are read; the error is returned beside it.
pub fn split(text: &str) -> (FrontMatter, Option<FrontMatterError>) {
    let Some((syntax, content, body_start)) = locate(text) else {
        return (FrontMatter::default(), None);
    };
    let parsed = read_remembered(syntax, content);
    match parsed {
        Ok(keys) => (
            FrontMatter {
                title: keys.title,
                date: keys.date,
                due: keys.due.or(keys.deadline),
                opted_out: keys
                    .gitgoals
                    .is_some_and(|value| ["false", "no", "off"].contains(&value.trim())),
                body_start,
            },
            None,
        ),
        Err(mut error) => {
            // Lines inside the block are counted from the delimiter line, which is line 1.
            error.line += 1;
            (
                FrontMatter {
                    body_start,
                    ..FrontMatter::default()
                },
                Some(error),
            )
        }
    }
}

/// How many blocks each thread remembers before it starts over: far more than a blog has
/// posts, and a few hundred kilobytes at most.
const REMEMBERED_BLOCKS: usize = 4096;

thread_local! {
    /// Blocks already read on this thread, by syntax and text. A post's front matter rarely
    /// changes between its versions, and reading the YAML again for each of them was a
    /// twentieth of a cold history read.
    static READ_BLOCKS: RefCell<[HashMap<String, Result<Keys, FrontMatterError>>; 2]> =
        RefCell::new([HashMap::new(), HashMap::new()]);
}

/// [`read_yaml`] or [`read_toml`], each distinct block read once a thread.
fn read_remembered(syntax: Syntax, content: &str) -> Result<Keys, FrontMatterError> {
    let slot = match syntax {
        Syntax::Yaml => 0,
        Syntax::Toml => 1,
    };
    let known = READ_BLOCKS.with(|blocks| blocks.borrow()[slot].get(content).cloned());
    if let Some(read) = known {
        return read;
    }
    let read = match syntax {
        Syntax::Yaml => read_yaml(content),
        Syntax::Toml => read_toml(content),
    };
    READ_BLOCKS.with(|blocks| {
        let mut blocks = blocks.borrow_mut();
        let map = &mut blocks[slot];
        if map.len() >= REMEMBERED_BLOCKS {
            map.clear();
        }
        map.insert(content.to_string(), read.clone());
    });
    read
}

/// Where the body starts after the front matter (its closing delimiter line included); `None`
/// when the text has none, by the same rule [`split`] reads it with.
pub fn body_start(text: &str) -> Option<usize> {
    locate(text).map(|(_, _, body_start)| body_start)
}

/// The block's syntax, its content and where the body starts; `None` when the text does not
/// open with a delimiter line or the block is never closed (then it is not front matter).
fn locate(text: &str) -> Option<(Syntax, &str, usize)> {
    let (syntax, delimiter) = if is_delimiter_line(text, "---") {
        (Syntax::Yaml, "---")
    } else if is_delimiter_line(text, "+++") {
        (Syntax::Toml, "+++")
    } else {
        return None;
    };
    let content_start = text.find('\n')? + 1;
    let mut line_start = content_start;
    while line_start <= text.len() {
        let rest = &text[line_start..];
        let line_end = rest.find('\n').map_or(text.len(), |i| line_start + i + 1);
        let line = text[line_start..line_end].trim_end();
        let closes = line == delimiter || (matches!(syntax, Syntax::Yaml) && line == "...");
        if closes {
            return Some((syntax, &text[content_start..line_start], line_end));
        }
        if line_end == text.len() {
            break;
        }
        line_start = line_end;
    }
    None
}

fn is_delimiter_line(text: &str, delimiter: &str) -> bool {
    text.strip_prefix(delimiter)
        .and_then(|rest| rest.split('\n').next())
        .is_some_and(|tail| tail.trim().is_empty())
}

/// The keys gitgoals reads; every other key is ignored.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(default)]
struct Keys {
    #[serde(deserialize_with = "scalar")]
    title: Option<String>,
    #[serde(deserialize_with = "scalar")]
    date: Option<String>,
    #[serde(deserialize_with = "scalar")]
    due: Option<String>,
    #[serde(deserialize_with = "scalar")]
    deadline: Option<String>,
    #[serde(deserialize_with = "scalar")]
    gitgoals: Option<String>,
}

/// Accepts any scalar (string, number, boolean, TOML date) as text; anything else as absent.
fn scalar<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<Option<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Scalar {
        Text(String),
        Integer(i64),
        Float(f64),
        Bool(bool),
        Toml(toml::value::Datetime),
    }
    Ok(match Scalar::deserialize(deserializer)? {
        Scalar::Text(text) => Some(text),
        Scalar::Integer(n) => Some(n.to_string()),
        Scalar::Float(x) => Some(x.to_string()),
        Scalar::Bool(b) => Some(b.to_string()),
        Scalar::Toml(datetime) => Some(datetime.to_string()),
    })
}

fn read_yaml(content: &str) -> Result<Keys, FrontMatterError> {
    if content.trim().is_empty() {
        return Ok(Keys::default());
    }
    serde_saphyr::from_str::<Option<Keys>>(content)
        .map(Option::unwrap_or_default)
        .map_err(|error| {
            let message = error.to_string();
            FrontMatterError {
                line: line_in_message(&message).unwrap_or(1),
                message: format!(
                    "front matter is not valid YAML: {}",
                    without_position(first_line(&message))
                ),
            }
        })
}

fn read_toml(content: &str) -> Result<Keys, FrontMatterError> {
    toml::from_str::<Keys>(content).map_err(|error| {
        let line = error.span().map_or(1, |span| {
            content[..span.start.min(content.len())]
                .matches('\n')
                .count()
                + 1
        });
        FrontMatterError {
            line,
            message: format!(
                "front matter is not valid TOML: {}",
                first_line(error.message())
            ),
        }
    })
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message).trim()
}

/// The parser's message without its own "error: line 9 column 1: " prefix: the warning
/// already names the line in the file, and a second, different line number (counted from the
/// opening `---`) would only confuse.
fn without_position(message: &str) -> &str {
    let rest = message.strip_prefix("error: ").unwrap_or(message);
    let Some(after) = rest.strip_prefix("line ") else {
        return message;
    };
    let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
    let Some(after) = after.strip_prefix(" column ") else {
        return message;
    };
    let after = after.trim_start_matches(|c: char| c.is_ascii_digit());
    after.strip_prefix(": ").unwrap_or(message)
}

/// The parser reports positions in its message ("line 3 column 5"); take the line from it.
fn line_in_message(message: &str) -> Option<usize> {
    let after = &message[message.find("line ")? + 5..];
    let digits: String = after.chars().take_while(char::is_ascii_digit).collect();
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jekyll_yaml() {
        let text = "---\nlayout: post\ntitle:  \"Weeks 1-4\"\ndate:   2020-12-07 12:01:20 +0000\ncategories: rc log \n---\n\nBody";
        let (front, error) = split(text);
        assert_eq!(error, None);
        assert_eq!(front.title.as_deref(), Some("Weeks 1-4"));
        assert_eq!(front.date.as_deref(), Some("2020-12-07 12:01:20 +0000"));
        assert_eq!(&text[front.body_start..], "\nBody");
    }

    #[test]
    fn hugo_toml_with_native_dates_and_deadline() {
        let text = "+++\ntitle = \"Week 5\"\ndate = 2020-12-14\ndeadline = 2020-12-19T18:00:00Z\ntags = [\"goals\"]\n+++\nBody";
        let (front, error) = split(text);
        assert_eq!(error, None);
        assert_eq!(front.title.as_deref(), Some("Week 5"));
        assert_eq!(front.date.as_deref(), Some("2020-12-14"));
        assert_eq!(front.due.as_deref(), Some("2020-12-19T18:00:00Z"));
        assert_eq!(&text[front.body_start..], "Body");
    }

    #[test]
    fn crlf_front_matter() {
        let text = "---\r\ntitle: Week\r\ndue: 2020-12-12\r\n---\r\nBody";
        let (front, error) = split(text);
        assert_eq!(error, None);
        assert_eq!(front.title.as_deref(), Some("Week"));
        assert_eq!(front.due.as_deref(), Some("2020-12-12"));
        assert_eq!(&text[front.body_start..], "Body");
    }

    #[test]
    fn numbers_and_lists_do_not_break_reading() {
        let text = "---\ntitle: 2020\ntags:\n  - a\n  - b\ndate: 2020-12-07\n---\n";
        let (front, error) = split(text);
        assert_eq!(error, None);
        assert_eq!(front.title.as_deref(), Some("2020"));
        assert_eq!(front.date.as_deref(), Some("2020-12-07"));
    }

    #[test]
    fn malformed_yaml_is_an_error_with_a_line_and_the_body_still_starts_after_it() {
        let text = "---\ntitle: ok\ndate: [unclosed\n---\nBody";
        let (front, error) = split(text);
        let error = error.expect("malformed");
        assert!(
            error.message.contains("not valid YAML"),
            "{}",
            error.message
        );
        assert!(error.line >= 2, "line {}", error.line);
        assert_eq!(&text[front.body_start..], "Body");
    }

    #[test]
    fn malformed_yaml_names_one_line_the_file_line_not_the_parsers_own() {
        // The YAML parser counts from the line after `---`: "line 2" in its message is line 3
        // of the file, which the warning names; its own count is left out.
        let text = "---\ntitle: ok\nbad: *\n---\nBody";
        let (_, error) = split(text);
        let error = error.expect("malformed");
        assert_eq!(error.line, 3, "{}", error.message);
        assert!(!error.message.contains("line "), "{}", error.message);
        assert!(
            error
                .message
                .starts_with("front matter is not valid YAML: "),
            "{}",
            error.message
        );
        assert!(
            error.message.len() > "front matter is not valid YAML: ".len(),
            "{}",
            error.message
        );
    }

    #[test]
    fn a_block_read_again_gives_the_same_keys_and_the_same_error() {
        // The second reading of each comes from the thread's memory of blocks.
        let good = "---\ntitle: Again\ndue: 2021-03-01\n---\nBody";
        let bad = "---\ntitle: ok\ndate: [unclosed\n---\nOther body";
        let first = (split(good), split(bad));
        let second = (split(good), split(bad));
        assert_eq!(first, second);
        assert_eq!(second.0.0.title.as_deref(), Some("Again"));
        assert_eq!(second.0.0.due.as_deref(), Some("2021-03-01"));
        assert_eq!(&bad[second.1.0.body_start..], "Other body");
        assert_eq!(first.1.1.map(|e| e.line), second.1.1.map(|e| e.line));
        // The same text in the other syntax is another block.
        let (toml_front, toml_error) = split("+++\ntitle: Again\ndue: 2021-03-01\n+++\n");
        assert!(toml_error.is_some(), "YAML read as TOML: {toml_front:?}");
    }

    #[test]
    fn duplicate_keys_and_alias_bombs_are_errors_not_hangs() {
        let (_, error) = split("---\ntitle: a\ntitle: b\n---\n");
        assert!(error.is_some(), "duplicate key accepted");
        let mut bomb = String::from("---\na: &a [x, x, x, x, x, x, x, x, x, x]\n");
        let mut previous = 'a';
        for name in 'b'..='z' {
            bomb.push_str(&format!(
                "{name}: &{name} [*{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}, *{previous}]\n"
            ));
            previous = name;
        }
        bomb.push_str("title: boom\n---\nBody");
        let (front, error) = split(&bomb);
        assert!(error.is_some(), "alias expansion was not bounded");
        assert_eq!(&bomb[front.body_start..], "Body");
    }

    #[test]
    fn not_front_matter() {
        for text in [
            "Body\n---\n",
            "--- \ntitle: x\n",
            "----\ntitle: x\n----\n",
            "",
        ] {
            let (front, error) = split(text);
            assert_eq!(front.body_start, 0, "{text:?}");
            assert_eq!(error, None);
        }
    }

    #[test]
    fn empty_front_matter() {
        let (front, error) = split("---\n---\nBody");
        assert_eq!(error, None);
        assert_eq!(front.body_start, 8);
    }
}
