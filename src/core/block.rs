//! The stats block's place in a post: the marker lines, where the block is, and rewriting
//! the bytes between them — touching nothing outside it.
//!
//! Decisions a caller can rely on:
//! - The block is the text between a line `<!-- gitgoals:stats -->` and a line
//!   `<!-- /gitgoals:stats -->`. A marker counts only when it is an HTML block of its own line
//!   (at most three spaces of indentation, nothing else on the line) as CommonMark reads the
//!   file: markers in fenced or indented code, in front matter, in a block quote or inline in
//!   a paragraph are text, not markers.
//! - Rewriting replaces only the bytes between the two marker lines; the marker lines stay
//!   byte for byte. Inside the block the file's line ending is used (the one ending the opening
//!   marker line).
//! - Without markers, the block is appended after one blank line, using the line ending most of
//!   the file uses. A file whose last line has no line break gets one (so the last line stays
//!   what it was) and the appended block then ends without a line break, as the file did. A
//!   UTF-8 byte order mark stays where it is.
//! - A body that gives the same bytes is reported as [`Rewrite::Unchanged`], so callers do not
//!   write the file again.

use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::error::{Error, Result};

/// The line that opens the stats block.
pub const START_MARKER: &str = "<!-- gitgoals:stats -->";
/// The line that closes the stats block.
pub const END_MARKER: &str = "<!-- /gitgoals:stats -->";

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// The outcome of [`rewrite`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rewrite {
    /// The block already says this: leave the file alone.
    Unchanged,
    /// The whole new file.
    Changed(Vec<u8>),
}

/// Refuses a body that would break the block or be read back as tasks.
pub fn check_body(body: &str) -> Result<()> {
    if body.contains(START_MARKER) || body.contains(END_MARKER) {
        return Err(Error::UnsafeBody(
            "it contains a gitgoals:stats marker".into(),
        ));
    }
    let parser = Parser::new_ext(body, Options::ENABLE_TASKLISTS).into_offset_iter();
    for (event, range) in parser {
        if let Event::TaskListMarker(_) = event {
            return Err(Error::UnsafeBody(format!(
                "line {} of the rendered block is a task-list item",
                line_of(body.as_bytes(), range.start)
            )));
        }
    }
    // A code fence or an HTML block (`<pre>`, `<!--`, `<script>`) left open would run past the
    // closing marker to the end of the post: the blog would show the rest as code and the next
    // run could not find the block. Placed between markers, the end marker must still be one.
    let mut framed = String::with_capacity(body.len() + 64);
    framed.push_str(START_MARKER);
    framed.push('\n');
    framed.push_str(&frame_body(body, "\n"));
    framed.push_str(END_MARKER);
    framed.push('\n');
    if !matches!(find_block(framed.as_bytes()), Ok(Some(_))) {
        return Err(Error::UnsafeBody(
            "it leaves a code fence or HTML block open, which would swallow the end marker".into(),
        ));
    }
    Ok(())
}

/// Where an existing block sits in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockSpan {
    /// From the start of the opening marker line to the end of the closing marker line
    /// (including its line break): what a reader of tasks should skip.
    pub whole: Range<usize>,
    /// The bytes between the two marker lines: what [`rewrite`] replaces.
    pub body: Range<usize>,
    /// The line ending used after the opening marker.
    pub crlf: bool,
}

/// Finds the stats block in a file. `Ok(None)` when there are no markers.
pub fn find_block(source: &[u8]) -> Result<Option<BlockSpan>> {
    let text_start = check_encoding(source)?;
    // Checked before the markers are looked for: a block appended to a file that is not UTF-8
    // could never be found again, and every later run would fail on it.
    let text = std::str::from_utf8(&source[text_start..]).map_err(|e| Error::NotUtf8 {
        line: line_of(source, text_start + e.valid_up_to()),
    })?;
    // Most posts have no block yet: skip the Markdown parse entirely for them.
    if !text.contains(START_MARKER) && !text.contains(END_MARKER) {
        return Ok(None);
    }

    let mut start: Option<usize> = None;
    let mut end: Option<usize> = None;
    // Front matter only at the very top, as Jekyll and Hugo read it: pulldown-cmark's metadata
    // options take a `---` line anywhere for the start of one, which would hide a marker behind
    // a thematic break. The post parser reads the body the same way.
    let body_start = crate::core::frontmatter::split(text).0.body_start;
    for (event, range) in Parser::new_ext(&text[body_start..], Options::empty()).into_offset_iter()
    {
        if !matches!(event, Event::Start(Tag::HtmlBlock)) {
            continue;
        }
        let range = body_start + range.start..body_start + range.end;
        let Some(marker) = marker_at(text, range.start) else {
            continue;
        };
        let offset = text_start + line_start(text, range.start);
        let line = line_of(source, offset);
        if marker == START_MARKER {
            if let Some(first) = start {
                return Err(Error::DuplicateMarker {
                    marker: START_MARKER,
                    line,
                    first: line_of(source, first),
                });
            }
            start = Some(offset);
        } else {
            if let Some(first) = end {
                return Err(Error::DuplicateMarker {
                    marker: END_MARKER,
                    line,
                    first: line_of(source, first),
                });
            }
            if start.is_none() {
                return Err(Error::CloseBeforeOpen { line });
            }
            end = Some(offset);
        }
    }
    match (start, end) {
        (None, None) => Ok(None),
        (Some(open), None) => Err(Error::Unclosed {
            line: line_of(source, open),
        }),
        (None, Some(close)) => Err(Error::CloseBeforeOpen {
            line: line_of(source, close),
        }),
        (Some(open), Some(close)) => {
            let body_start = line_end(source, open);
            let crlf = source[..body_start].ends_with(b"\r\n");
            Ok(Some(BlockSpan {
                whole: open..line_end(source, close),
                body: body_start..close,
                crlf,
            }))
        }
    }
}

/// Whether two versions of a file hold the same stats block: the same marker lines and the
/// same bytes between them, line endings aside (a work tree with CRLF and a blob with LF hold
/// the same block). Two files without a block hold the same (none); a file whose markers
/// cannot be read holds none that is the same as another's.
pub fn same_block(a: &[u8], b: &[u8]) -> bool {
    let region = |source: &[u8]| -> Result<Option<Vec<u8>>> {
        Ok(find_block(source)?.map(|span| without_cr(&source[span.whole])))
    };
    match (region(a), region(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `bytes` with every CR that ends a line left out.
fn without_cr(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len());
    for (i, &b) in bytes.iter().enumerate() {
        if !(b == b'\r' && bytes.get(i + 1) == Some(&b'\n')) {
            out.push(b);
        }
    }
    out
}

/// Puts `block_body` (Markdown with `\n` line breaks, as [`crate::render::statsblock::render`] gives it) into the file's
/// stats block: in place between the markers when they are there, else appended at the end.
pub fn rewrite(source: &[u8], block_body: &str) -> Result<Rewrite> {
    match find_block(source)? {
        Some(span) => {
            let body = frame_body(block_body, eol(span.crlf));
            if source[span.body.clone()] == *body.as_bytes() {
                return Ok(Rewrite::Unchanged);
            }
            let mut out = Vec::with_capacity(source.len() + body.len());
            out.extend_from_slice(&source[..span.body.start]);
            out.extend_from_slice(body.as_bytes());
            out.extend_from_slice(&source[span.body.end..]);
            // The body is checked on its own when rendered; what follows the block in this post
            // could still combine with it so that the end marker is no longer one.
            match find_block(&out) {
                Ok(Some(again))
                    if again.body == (span.body.start..span.body.start + body.len()) =>
                {
                    Ok(Rewrite::Changed(out))
                }
                _ => Err(Error::UnsafeBody(
                    "with the rest of this post it would hide its own end marker".into(),
                )),
            }
        }
        None => {
            let out = append_block(source, block_body);
            // Appended after an unclosed fence or `<pre>`, the markers would be code: never
            // found again, so every later run would append one more block.
            match find_block(&out) {
                Ok(Some(_)) => Ok(Rewrite::Changed(out)),
                _ => Err(Error::OpenAtEnd),
            }
        }
    }
}

fn append_block(source: &[u8], block_body: &str) -> Vec<u8> {
    let newline = eol(mostly_crlf(source));
    let content = source.strip_prefix(UTF8_BOM).unwrap_or(source);
    let body = frame_body(block_body, newline);
    let mut out = Vec::with_capacity(source.len() + body.len() + 64);
    out.extend_from_slice(source);
    let ends_with_break = content.ends_with(b"\n");
    if !content.is_empty() {
        if !ends_with_break {
            out.extend_from_slice(newline.as_bytes());
        }
        // One blank line before the block, unless the file already ends with one.
        if !(content.ends_with(b"\n\n") || content.ends_with(b"\n\r\n")) {
            out.extend_from_slice(newline.as_bytes());
        }
    }
    out.extend_from_slice(START_MARKER.as_bytes());
    out.extend_from_slice(newline.as_bytes());
    out.extend_from_slice(body.as_bytes());
    out.extend_from_slice(END_MARKER.as_bytes());
    if content.is_empty() || ends_with_break {
        out.extend_from_slice(newline.as_bytes());
    }
    out
}

/// The bytes between the marker lines: a blank line, the body, a blank line. The blank lines
/// keep kramdown and GitHub from gluing the body to the HTML comments.
fn frame_body(block_body: &str, newline: &str) -> String {
    let mut out = String::with_capacity(block_body.len() + 16);
    out.push_str(newline);
    let mut any = false;
    for line in block_body.trim_matches(['\n', '\r']).lines() {
        out.push_str(line.trim_end());
        out.push_str(newline);
        any = true;
    }
    if any {
        out.push_str(newline);
    }
    out
}

fn eol(crlf: bool) -> &'static str {
    if crlf { "\r\n" } else { "\n" }
}

/// Returns where the text starts (after a UTF-8 byte order mark), refusing UTF-16.
fn check_encoding(source: &[u8]) -> Result<usize> {
    if source.starts_with(b"\xFF\xFE") || source.starts_with(b"\xFE\xFF") {
        return Err(Error::Utf16);
    }
    Ok(if source.starts_with(UTF8_BOM) {
        UTF8_BOM.len()
    } else {
        0
    })
}

/// Which marker, if any, is the whole of the line holding an HTML block that starts at `at`.
fn marker_at(text: &str, at: usize) -> Option<&'static str> {
    let start = line_start(text, at);
    let indent = &text[start..at];
    if indent.len() > 3 || indent.bytes().any(|b| b != b' ') {
        return None;
    }
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    match text[at..end].trim_end() {
        START_MARKER => Some(START_MARKER),
        END_MARKER => Some(END_MARKER),
        _ => None,
    }
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The offset just past the line break ending the line that holds `at` (or the end of input).
fn line_end(source: &[u8], at: usize) -> usize {
    source[at..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(source.len(), |i| at + i + 1)
}

/// 1-based line number of a byte offset.
fn line_of(source: &[u8], offset: usize) -> usize {
    source[..offset.min(source.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

fn mostly_crlf(source: &[u8]) -> bool {
    let breaks = source.iter().filter(|&&b| b == b'\n').count();
    let crlf = source.windows(2).filter(|w| w == b"\r\n").count();
    crlf * 2 > breaks
}

#[cfg(test)]
mod tests {
    use super::*;

    fn changed(r: Rewrite) -> Vec<u8> {
        match r {
            Rewrite::Changed(bytes) => bytes,
            Rewrite::Unchanged => panic!("expected a change"),
        }
    }

    fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    #[test]
    fn appends_after_one_blank_line_when_no_markers() {
        let out = changed(rewrite(b"# Week\n\n- [ ] a\n", "body").unwrap());
        assert_eq!(
            text(&out),
            "# Week\n\n- [ ] a\n\n<!-- gitgoals:stats -->\n\nbody\n\n<!-- /gitgoals:stats -->\n"
        );
    }

    #[test]
    fn append_does_not_add_a_second_blank_line() {
        let out = changed(rewrite(b"- [ ] a\n\n", "body").unwrap());
        assert!(text(&out).starts_with("- [ ] a\n\n<!-- gitgoals:stats -->\n"));
    }

    #[test]
    fn replaces_in_place_between_markers_in_the_middle() {
        let src =
            "intro\n\n<!-- gitgoals:stats -->\nold\nstuff\n<!-- /gitgoals:stats -->\n\n- [ ] a\n";
        let out = changed(rewrite(src.as_bytes(), "new").unwrap());
        assert_eq!(
            text(&out),
            "intro\n\n<!-- gitgoals:stats -->\n\nnew\n\n<!-- /gitgoals:stats -->\n\n- [ ] a\n"
        );
    }

    #[test]
    fn rewriting_twice_equals_rewriting_once() {
        for src in [
            &b"- [ ] a\n"[..],
            b"- [ ] a",
            b"\xEF\xBB\xBF- [ ] a\r\n",
            b"x\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\ny\n",
            b"",
        ] {
            let once = changed(rewrite(src, "**a**\nb\n").unwrap());
            assert_eq!(rewrite(&once, "**a**\nb\n").unwrap(), Rewrite::Unchanged);
            let other = changed(rewrite(&once, "c").unwrap());
            assert_eq!(
                changed(rewrite(&other, "**a**\nb\n").unwrap()),
                once,
                "a new body then the old one gives back the same file"
            );
        }
    }

    #[test]
    fn crlf_file_gets_crlf_inside_the_block() {
        let src = b"- [ ] a\r\n- [x] b\r\n";
        let out = changed(rewrite(src, "one\ntwo").unwrap());
        assert!(out.starts_with(src));
        let added = &out[src.len()..];
        assert_eq!(
            text(added),
            "\r\n<!-- gitgoals:stats -->\r\n\r\none\r\ntwo\r\n\r\n<!-- /gitgoals:stats -->\r\n"
        );
        let in_place = changed(rewrite(&out, "three").unwrap());
        assert!(!text(&in_place).replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn bom_is_kept() {
        let out = changed(rewrite(b"\xEF\xBB\xBF- [ ] a\n", "b").unwrap());
        assert!(out.starts_with(b"\xEF\xBB\xBF- [ ] a\n\n<!-- gitgoals:stats -->"));
        let with_markers = b"\xEF\xBB\xBF<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n";
        let out = changed(rewrite(with_markers, "b").unwrap());
        assert!(out.starts_with(b"\xEF\xBB\xBF<!-- gitgoals:stats -->\n\nb\n"));
    }

    #[test]
    fn file_without_trailing_newline_keeps_its_last_line_and_ends_without_one() {
        let out = changed(rewrite(b"- [ ] a", "b").unwrap());
        assert_eq!(
            text(&out),
            "- [ ] a\n\n<!-- gitgoals:stats -->\n\nb\n\n<!-- /gitgoals:stats -->"
        );
        let again = changed(rewrite(&out, "c").unwrap());
        assert!(again.ends_with(END_MARKER.as_bytes()));
    }

    #[test]
    fn markers_in_code_fences_or_inline_are_not_markers() {
        let src = "```\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n```\n\nsay <!-- gitgoals:stats --> here\n\n    <!-- gitgoals:stats -->\n";
        let out = changed(rewrite(src.as_bytes(), "b").unwrap());
        assert!(
            out.starts_with(src.as_bytes()),
            "the fenced text is untouched"
        );
        assert!(text(&out[src.len()..]).starts_with("\n<!-- gitgoals:stats -->\n\nb\n"));
        // An unclosed fence swallows the rest of the file, markers included (CommonMark).
        let unclosed = "~~~\n<!-- gitgoals:stats -->\n";
        assert!(find_block(unclosed.as_bytes()).unwrap().is_none());
    }

    #[test]
    fn same_block_compares_the_marker_lines_and_body_line_endings_aside() {
        let post = changed(rewrite(b"- [ ] a\n", "body").unwrap());
        let elsewhere = [b"intro\n\n".as_slice(), &post].concat();
        assert!(same_block(&post, &elsewhere), "the rest of the file aside");
        let crlf = text(&post).replace('\n', "\r\n");
        assert!(same_block(&post, crlf.as_bytes()));
        assert!(same_block(b"- [ ] a\n", b"- [x] a\n"), "neither has one");

        let noted = text(&post).replace("body\n", "body\nmy note\n");
        assert!(!same_block(&post, noted.as_bytes()));
        assert!(!same_block(&post, b"- [ ] a\n"), "deleted");
        let broken = text(&post).replace(END_MARKER, "");
        assert!(!same_block(&post, broken.as_bytes()));
        assert!(!same_block(broken.as_bytes(), broken.as_bytes()));
    }

    #[test]
    fn mismatched_markers_are_errors_naming_the_line() {
        assert!(matches!(
            rewrite(b"a\n<!-- gitgoals:stats -->\nb\n", "x"),
            Err(Error::Unclosed { line: 2 })
        ));
        assert!(matches!(
            rewrite(b"<!-- /gitgoals:stats -->\n<!-- gitgoals:stats -->\n", "x"),
            Err(Error::CloseBeforeOpen { line: 1 })
        ));
        let twice = b"<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n";
        assert!(matches!(
            rewrite(twice, "x"),
            Err(Error::DuplicateMarker {
                marker: START_MARKER,
                line: 4,
                first: 1
            })
        ));
        assert!(matches!(rewrite(b"\xFF\xFEa\0", "x"), Err(Error::Utf16)));
    }
}
