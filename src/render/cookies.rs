//! Progress cookies, beside the stats block: org-mode's `[2/5]` and `[40%]` in a heading are
//! filled in with the heading's own tasks, as org-mode does.
//!
//! Pure: bytes in, bytes out. Only the cookie's own bytes change; everything else (line
//! endings, BOM, the rest of the heading) is kept byte for byte.

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

use crate::core::model::Mark;
use crate::core::post;

/// The post with every progress cookie in its headings brought up to date, or `None` when
/// nothing changes (or the post is not UTF-8). A heading's tasks are those from it to the
/// next heading of the same or a higher level; cancelled tasks (`[-]`) are not counted.
pub fn fill(path: &str, bytes: &[u8]) -> Option<Vec<u8>> {
    fill_with(path, bytes, &post::ParseOptions::default())
}

/// [`fill`], counting the tasks as `options` read them (in Obsidian, a task inside a `%%`
/// comment is no task of the heading).
pub fn fill_with(path: &str, bytes: &[u8], options: &post::ParseOptions) -> Option<Vec<u8>> {
    let offset_base = if bytes.starts_with(b"\xEF\xBB\xBF") {
        3
    } else {
        0
    };
    let text = std::str::from_utf8(&bytes[offset_base..]).ok()?;
    if !text.contains('[') {
        return None;
    }
    let body_start = crate::core::frontmatter::split(text).0.body_start;
    let headings = headings(&text[body_start..], offset_base + body_start);
    if headings.is_empty() {
        return None;
    }
    let tasks = post::parse_with(path, bytes, options).tasks.into_vec();

    let mut edits: Vec<(std::ops::Range<usize>, String)> = Vec::new();
    for (i, heading) in headings.iter().enumerate() {
        let cookies = cookies_in(&bytes[heading.range.clone()], heading.range.start);
        if cookies.is_empty() {
            continue;
        }
        let scope_end = headings[i + 1..]
            .iter()
            .find(|h| h.level <= heading.level)
            .map_or(bytes.len(), |h| h.range.start);
        let (done, total) = tasks
            .iter()
            .filter(|t| (heading.range.end..scope_end).contains(&t.marker.start))
            .filter(|t| t.mark != Mark::Cancelled)
            .fold((0usize, 0usize), |(d, n), t| {
                (d + usize::from(t.checked), n + 1)
            });
        for cookie in cookies {
            let is_percent = bytes[cookie.clone()].contains(&b'%');
            let value = if is_percent {
                // org-mode rounds down.
                let percent = (done * 100).checked_div(total).unwrap_or(0);
                format!("[{percent}%]")
            } else {
                format!("[{done}/{total}]")
            };
            if bytes[cookie.clone()] != *value.as_bytes() {
                edits.push((cookie, value));
            }
        }
    }
    if edits.is_empty() {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() + 8);
    let mut at = 0;
    for (range, value) in edits {
        out.extend_from_slice(&bytes[at..range.start]);
        out.extend_from_slice(value.as_bytes());
        at = range.end;
    }
    out.extend_from_slice(&bytes[at..]);
    Some(out)
}

struct Heading {
    level: usize,
    /// Byte range of the heading's source in the whole file.
    range: std::ops::Range<usize>,
}

fn headings(body: &str, base: usize) -> Vec<Heading> {
    let mut found = Vec::new();
    let mut open: Option<(usize, usize)> = None;
    let options = Options::ENABLE_TASKLISTS | Options::ENABLE_STRIKETHROUGH;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { level, .. }) => open = Some((level as usize, range.start)),
            Event::End(TagEnd::Heading(_)) => {
                if let Some((level, start)) = open.take() {
                    found.push(Heading {
                        level,
                        range: base + start..base + range.end,
                    });
                }
            }
            _ => {}
        }
    }
    found
}

/// Cookies in a heading's source, outside inline code, as ranges in the whole file.
fn cookies_in(heading: &[u8], base: usize) -> Vec<std::ops::Range<usize>> {
    let Ok(text) = std::str::from_utf8(heading) else {
        return Vec::new();
    };
    let mut found = Vec::new();
    let mut in_code = false;
    let mut i = 0;
    while i < text.len() {
        match text.as_bytes()[i] {
            b'`' => in_code = !in_code,
            b'[' if !in_code && !text[..i].ends_with('\\') => {
                if let Some(len) = post::cookie_len(&text[i..]) {
                    found.push(base + i..base + i + len);
                    i += len;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn filled(text: &str) -> Option<String> {
        fill("post.md", text.as_bytes()).map(|b| String::from_utf8(b).unwrap())
    }

    #[test]
    fn fraction_and_percent_cookies_count_the_heading_and_its_subsections() {
        let text = "# Week [/]\n## Courses [0%]\n- [x] a\n- [ ] b\n- [-] dropped\n### Extra [9/9]\n- [x] c\n## Papers [1/1]\n- [ ] d\n";
        let expected = "# Week [2/4]\n## Courses [66%]\n- [x] a\n- [ ] b\n- [-] dropped\n### Extra [1/1]\n- [x] c\n## Papers [0/1]\n- [ ] d\n";
        assert_eq!(filled(text).as_deref(), Some(expected));
        // Up to date: nothing to write.
        assert_eq!(filled(expected), None);
    }

    #[test]
    fn only_the_cookie_bytes_change() {
        let text = "\u{FEFF}---\ntitle: t\n---\r\n## Goals `[1/2]` [1/2] \\[3/4]\r\n- [x] a\r\n- [x] b\r\n";
        let out = filled(text).unwrap();
        assert_eq!(out, text.replacen("` [1/2] ", "` [2/2] ", 1));
    }

    #[test]
    fn headings_without_cookies_and_other_brackets_are_left_alone() {
        assert_eq!(filled("## Read [[Note]] [a/b]\n- [x] a\n"), None);
        assert_eq!(filled("no headings [1/2]\n- [x] a\n"), None);
    }

    #[test]
    fn in_obsidian_commented_tasks_are_not_counted_and_in_progress_is_open() {
        let text = "## Goals [0/0]\n- [x] a\n- [/] b\n%%\n- [x] hidden\n%%\n";
        let options = post::ParseOptions {
            obsidian: true,
            ..post::ParseOptions::default()
        };
        let out = fill_with("Daily/2024-01-15.md", text.as_bytes(), &options).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            text.replacen("[0/0]", "[1/2]", 1)
        );
        // Read as plain Markdown, the commented task counts and `[/]` is no task.
        assert_eq!(
            filled(text).as_deref(),
            Some(text.replacen("[0/0]", "[2/2]", 1).as_str())
        );
    }
}
