//! The stats block's place in a post: the marker lines, where the block is, and rewriting
//! the bytes between them — touching nothing outside it.
//!
//! Decisions a caller can rely on:
//! - The block is the text between a line `<!-- gitgoals:stats -->` and a line
//!   `<!-- /gitgoals:stats -->`. A marker counts only when it is an HTML block of its own line
//!   (at most three spaces of indentation, nothing else on the line) as CommonMark reads the
//!   file: markers in fenced or indented code, in front matter, in a block quote or inline in
//!   a paragraph are text, not markers.
//! - gitgoals writes the opening marker with a checksum of the text it put between the markers
//!   (`<!-- gitgoals:stats 3f9a1c2e -->`, see [`checksum`]), so a block edited by hand can be
//!   told from its own: [`rewrite`] refuses to overwrite one ([`Error::HandEdited`]);
//!   [`regenerate`] (`gitgoals stats --force`) does it anyway. The bare marker, as a person
//!   types it or an older gitgoals wrote it, opens a block that is gitgoals' own.
//! - Rewriting replaces only the bytes between the two marker lines and the opening marker's
//!   text (to state the new checksum); its indentation, line ending and the closing marker line
//!   stay byte for byte. Inside the block the file's line ending is used (the one ending the
//!   opening marker line). A bare marker over a body that is already current stays bare: a
//!   post from before checksums changes only when its figures do.
//! - Without markers, the block is appended after one blank line, using the line ending most of
//!   the file uses. A file whose last line has no line break gets one (so the last line stays
//!   what it was) and the appended block then ends without a line break, as the file did. A
//!   UTF-8 byte order mark stays where it is.
//! - A body that gives the same bytes is reported as [`Rewrite::Unchanged`], so callers do not
//!   write the file again.

use std::borrow::Cow;
use std::ops::Range;

use pulldown_cmark::{Event, Options, Parser, Tag};

use crate::error::{Error, Result};

/// The line that opens the stats block, as a person types it (and as gitgoals wrote it before
/// it kept a checksum there; see [`opening_marker`]).
pub const START_MARKER: &str = "<!-- gitgoals:stats -->";
/// How every opening marker begins, with a checksum or without.
pub const START_PREFIX: &str = "<!-- gitgoals:stats";
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

/// The checksum gitgoals keeps in the opening marker: 32-bit FNV-1a over the bytes between the
/// marker lines, a CR that ends a line left out (git may turn LF into CRLF in the work tree).
/// Specified once and for all, so a block written by any version on any machine checks the
/// same; std's hashers make no such promise. It tells an accidental edit from gitgoals' own
/// text (one edit in four billion goes unseen); it is no protection against a forger.
pub fn checksum(body: &[u8]) -> u32 {
    let mut hash: u32 = 0x811c_9dc5;
    for (i, &byte) in body.iter().enumerate() {
        if byte == b'\r' && body.get(i + 1) == Some(&b'\n') {
            continue;
        }
        hash ^= u32::from(byte);
        hash = hash.wrapping_mul(0x0100_0193);
    }
    hash
}

/// The opening marker gitgoals writes above `body` (the bytes between the marker lines).
pub fn opening_marker(body: &[u8]) -> String {
    format!("{START_PREFIX} {:08x} -->", checksum(body))
}

/// The length of the opening marker `text` starts with (bare, or with a checksum), and the
/// checksum it states; `None` when `text` does not start with one.
pub fn opening_marker_at(text: &str) -> Option<(usize, Option<u32>)> {
    if text.starts_with(START_MARKER) {
        return Some((START_MARKER.len(), None));
    }
    let rest = text.strip_prefix(START_PREFIX)?.strip_prefix(' ')?;
    let hex = rest.get(..8)?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) || !rest[8..].starts_with(" -->") {
        return None;
    }
    let sum = u32::from_str_radix(hex, 16).ok()?;
    Some((START_PREFIX.len() + 1 + 8 + " -->".len(), Some(sum)))
}

/// Refuses a body that would break the block or be read back as tasks.
pub fn check_body(body: &str) -> Result<()> {
    if body.contains(START_PREFIX) || body.contains(END_MARKER) {
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
    /// The opening marker's own text (no indentation, no line ending): where a rewrite states
    /// the new checksum.
    pub marker: Range<usize>,
    /// The checksum the opening marker states; `None` for a bare marker.
    pub checksum: Option<u32>,
}

impl BlockSpan {
    /// Whether the text between the markers is no longer what gitgoals wrote there: the opening
    /// marker states a checksum that text does not have. A block under a bare marker is
    /// gitgoals' own (regenerable), as it was before checksums.
    pub fn hand_edited(&self, source: &[u8]) -> bool {
        self.checksum
            .is_some_and(|sum| sum != checksum(&source[self.body.clone()]))
    }
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
    if !text.contains(START_PREFIX) && !text.contains(END_MARKER) {
        return Ok(None);
    }

    let mut start: Option<usize> = None;
    let mut end: Option<usize> = None;
    // The opening marker's text and the checksum it states.
    let mut opening = (0..0, None);
    // Front matter only at the very top, as Jekyll and Hugo read it: pulldown-cmark's metadata
    // options take a `---` line anywhere for the start of one, which would hide a marker behind
    // a thematic break. The post parser reads the body the same way.
    let body_start = crate::core::frontmatter::split(text).0.body_start;
    for block in html_blocks(&text[body_start..]) {
        let block = body_start + block;
        let Some(marker) = marker_at(text, block) else {
            continue;
        };
        let offset = text_start + line_start(text, block);
        let line = line_of(source, offset);
        if let Marker::Open { len, checksum } = marker {
            if let Some(first) = start {
                return Err(Error::DuplicateMarker {
                    marker: START_MARKER,
                    line,
                    first: line_of(source, first),
                });
            }
            start = Some(offset);
            let at = text_start + block;
            opening = (at..at + len, checksum);
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
            let (marker, checksum) = opening;
            Ok(Some(BlockSpan {
                whole: open..line_end(source, close),
                body: body_start..close,
                crlf,
                marker,
                checksum,
            }))
        }
    }
}

/// Bodies from this long are searched for markers chunk by chunk ([`html_blocks`]); below
/// it one parse costs less than finding the cut points.
const CHUNKED_SEARCH_BYTES: usize = 16 * 1024;

/// Where each HTML block that could be a marker starts in `body`, in order: on a big post
/// (the hook looks for the block several times per commit) only the chunks that hold a
/// marker's text are parsed, each alone, which reads them as the whole file does
/// ([`crate::core::chunks::cut_points`]).
fn html_blocks(body: &str) -> Vec<usize> {
    let starts = |text: &str, offset: usize| -> Vec<usize> {
        Parser::new_ext(text, Options::empty())
            .into_offset_iter()
            .filter(|(event, _)| matches!(event, Event::Start(Tag::HtmlBlock)))
            .map(|(_, range)| offset + range.start)
            .collect()
    };
    let cuts = (body.len() >= CHUNKED_SEARCH_BYTES)
        .then(|| crate::core::chunks::cut_points(body))
        .flatten();
    let Some(cuts) = cuts else {
        return starts(body, 0);
    };
    let bounds: Vec<usize> = std::iter::once(0)
        .chain(cuts)
        .chain(std::iter::once(body.len()))
        .collect();
    bounds
        .windows(2)
        .filter_map(|pair| {
            let chunk = body.get(pair[0]..pair[1])?;
            (chunk.contains(START_PREFIX) || chunk.contains(END_MARKER))
                .then(|| starts(chunk, pair[0]))
        })
        .flatten()
        .collect()
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

/// `source` with its opening marker written bare, without the checksum: two versions of a post
/// that differ only in the checksum gitgoals keeps there compare equal this way.
pub fn with_bare_marker(source: &[u8]) -> Cow<'_, [u8]> {
    match find_block(source) {
        Ok(Some(span)) if span.checksum.is_some() => {
            let mut out = Vec::with_capacity(source.len());
            out.extend_from_slice(&source[..span.marker.start]);
            out.extend_from_slice(START_MARKER.as_bytes());
            out.extend_from_slice(&source[span.marker.end..]);
            Cow::Owned(out)
        }
        _ => Cow::Borrowed(source),
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
/// A block edited by hand is refused ([`Error::HandEdited`]): text gitgoals did not write is
/// never destroyed.
pub fn rewrite(source: &[u8], block_body: &str) -> Result<Rewrite> {
    rewrite_block(source, block_body, false)
}

/// [`rewrite`], over a block edited by hand too (`gitgoals stats --force`): what was typed
/// between the markers is replaced.
pub fn regenerate(source: &[u8], block_body: &str) -> Result<Rewrite> {
    rewrite_block(source, block_body, true)
}

fn rewrite_block(source: &[u8], block_body: &str, over_hand_edits: bool) -> Result<Rewrite> {
    match find_block(source)? {
        Some(span) => {
            if !over_hand_edits && span.hand_edited(source) {
                return Err(Error::HandEdited {
                    line: line_of(source, span.whole.start),
                });
            }
            let body = frame_body(block_body, eol(span.crlf));
            let sum = checksum(body.as_bytes());
            if source[span.body.clone()] == *body.as_bytes()
                && span.checksum.is_none_or(|stated| stated == sum)
            {
                return Ok(Rewrite::Unchanged);
            }
            let marker = opening_marker(body.as_bytes());
            let mut out = Vec::with_capacity(source.len() + body.len() + 16);
            out.extend_from_slice(&source[..span.marker.start]);
            out.extend_from_slice(marker.as_bytes());
            out.extend_from_slice(&source[span.marker.end..span.body.start]);
            let body_start = out.len();
            out.extend_from_slice(body.as_bytes());
            out.extend_from_slice(&source[span.body.end..]);
            // The body is checked on its own when rendered; what follows the block in this post
            // could still combine with it so that the end marker is no longer one.
            match find_block(&out) {
                Ok(Some(again))
                    if again.body == (body_start..body_start + body.len())
                        && again.checksum == Some(sum) =>
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
    out.extend_from_slice(opening_marker(body.as_bytes()).as_bytes());
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

/// A marker line.
enum Marker {
    /// An opening marker `len` bytes long, stating `checksum` or none.
    Open {
        len: usize,
        checksum: Option<u32>,
    },
    Close,
}

/// Which marker, if any, is the whole of the line holding an HTML block that starts at `at`.
fn marker_at(text: &str, at: usize) -> Option<Marker> {
    let start = line_start(text, at);
    let indent = &text[start..at];
    if indent.len() > 3 || indent.bytes().any(|b| b != b' ') {
        return None;
    }
    let end = text[at..].find('\n').map_or(text.len(), |i| at + i);
    let line = text[at..end].trim_end();
    if line == END_MARKER {
        return Some(Marker::Close);
    }
    match opening_marker_at(line) {
        Some((len, checksum)) if len == line.len() => Some(Marker::Open { len, checksum }),
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
pub(crate) mod tests {
    use super::*;

    /// The new bytes of a rewrite that must change the file.
    pub(crate) fn changed(r: Rewrite) -> Vec<u8> {
        match r {
            Rewrite::Changed(bytes) => bytes,
            Rewrite::Unchanged => panic!("expected a change"),
        }
    }

    pub(crate) fn text(bytes: &[u8]) -> &str {
        std::str::from_utf8(bytes).unwrap()
    }

    /// The opening marker gitgoals writes above these bytes between the markers.
    fn opening(between: &str) -> String {
        opening_marker(between.as_bytes())
    }

    /// A big post's body: sections of tasks, with `middle` as a section of its own halfway
    /// and `end` at the end.
    fn big_body(middle: &str, end: &str) -> String {
        let section = |n: usize| -> String {
            let tasks: String = (0..60)
                .map(|k| format!("- [ ] Task {n}.{k} of the study plan, with a few words\n"))
                .collect();
            format!("## Section {n}\n\n{tasks}\n")
        };
        let first: String = (0..4).map(section).collect();
        let second: String = (4..8).map(section).collect();
        format!("{first}{middle}\n{second}{end}")
    }

    /// Every HTML block's start, from one parse of the whole body.
    fn html_blocks_whole(body: &str) -> Vec<usize> {
        Parser::new_ext(body, Options::empty())
            .into_offset_iter()
            .filter(|(event, _)| matches!(event, Event::Start(Tag::HtmlBlock)))
            .map(|(_, range)| range.start)
            .collect()
    }

    #[test]
    fn a_big_post_finds_its_markers_where_a_whole_parse_does() {
        let block = format!("{START_MARKER}\nfigures\n{END_MARKER}\n");
        let cases = [
            // The block at the end; a marker quoted in a fence that spans a heading.
            big_body(
                &format!("## Notes\n\n```\n{START_MARKER}\n# not a heading\n```\n"),
                &block,
            ),
            // In indented code, in a block quote, inline, and inside an open HTML block.
            big_body(
                &format!(
                    "## Notes\n\n    {END_MARKER}\n\n> {START_MARKER}\n\ntext {START_MARKER}\n\n<div>\n{END_MARKER}\n</div>\n"
                ),
                &block,
            ),
            // Two blocks, the second in a chunk of its own.
            big_body(
                &format!("## Old\n\n{block}"),
                &format!("## Stats\n\n{block}"),
            ),
            // A link reference definition: the body is parsed whole.
            big_body("[ref]: https://example.com\n", &block),
        ];
        for body in &cases {
            assert!(body.len() >= CHUNKED_SEARCH_BYTES);
            assert_eq!(html_blocks(body), html_blocks_whole(body), "{body}");
        }
        // The first goes by chunks: a cut before each heading but the first and the fenced one.
        assert_eq!(
            crate::core::chunks::cut_points(&cases[0]).map(|c| c.len()),
            Some(8)
        );
        assert!(!html_blocks(&cases[0]).is_empty());
        let whole = format!("---\ntitle: x\n---\n{}", cases[2]);
        assert!(matches!(
            find_block(whole.as_bytes()),
            Err(Error::DuplicateMarker { .. })
        ));
    }

    #[test]
    fn appends_after_one_blank_line_when_no_markers() {
        let out = changed(rewrite(b"# Week\n\n- [ ] a\n", "body").unwrap());
        assert_eq!(
            text(&out),
            format!(
                "# Week\n\n- [ ] a\n\n{}\n\nbody\n\n<!-- /gitgoals:stats -->\n",
                opening("\nbody\n\n")
            )
        );
    }

    #[test]
    fn append_does_not_add_a_second_blank_line() {
        let out = changed(rewrite(b"- [ ] a\n\n", "body").unwrap());
        assert!(text(&out).starts_with(&format!("- [ ] a\n\n{}\n", opening("\nbody\n\n"))));
    }

    #[test]
    fn replaces_in_place_between_markers_in_the_middle() {
        let src =
            "intro\n\n<!-- gitgoals:stats -->\nold\nstuff\n<!-- /gitgoals:stats -->\n\n- [ ] a\n";
        let out = changed(rewrite(src.as_bytes(), "new").unwrap());
        assert_eq!(
            text(&out),
            format!(
                "intro\n\n{}\n\nnew\n\n<!-- /gitgoals:stats -->\n\n- [ ] a\n",
                opening("\nnew\n\n")
            )
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
            format!(
                "\r\n{}\r\n\r\none\r\ntwo\r\n\r\n<!-- /gitgoals:stats -->\r\n",
                opening("\none\ntwo\n\n")
            ),
            "the checksum leaves line endings aside"
        );
        let in_place = changed(rewrite(&out, "three").unwrap());
        assert!(!text(&in_place).replace("\r\n", "").contains('\n'));
    }

    #[test]
    fn bom_is_kept() {
        let out = changed(rewrite(b"\xEF\xBB\xBF- [ ] a\n", "b").unwrap());
        let marker = opening("\nb\n\n");
        assert!(out.starts_with(format!("\u{feff}- [ ] a\n\n{marker}").as_bytes()));
        let with_markers = b"\xEF\xBB\xBF<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n";
        let out = changed(rewrite(with_markers, "b").unwrap());
        assert!(out.starts_with(format!("\u{feff}{marker}\n\nb\n").as_bytes()));
    }

    #[test]
    fn file_without_trailing_newline_keeps_its_last_line_and_ends_without_one() {
        let out = changed(rewrite(b"- [ ] a", "b").unwrap());
        assert_eq!(
            text(&out),
            format!(
                "- [ ] a\n\n{}\n\nb\n\n<!-- /gitgoals:stats -->",
                opening("\nb\n\n")
            )
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
        assert!(text(&out[src.len()..]).starts_with(&format!("\n{}\n\nb\n", opening("\nb\n\n"))));
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
    fn the_checksum_is_fnv_1a_over_the_text_between_the_markers_line_endings_aside() {
        // The published FNV-1a (32-bit) test vectors.
        assert_eq!(checksum(b""), 0x811c_9dc5);
        assert_eq!(checksum(b"a"), 0xe40c_292c);
        assert_eq!(checksum(b"foobar"), 0xbf9c_f968);
        assert_eq!(checksum(b"\r\nbody\r\n"), checksum(b"\nbody\n"));
        assert_ne!(
            checksum(b"a\rb"),
            checksum(b"ab"),
            "only a CR ending a line is left out"
        );
        assert_eq!(opening_marker(b"a"), "<!-- gitgoals:stats e40c292c -->");
    }

    #[test]
    fn both_opening_markers_are_read_and_nothing_else() {
        assert_eq!(
            opening_marker_at(START_MARKER),
            Some((START_MARKER.len(), None))
        );
        let marker = "<!-- gitgoals:stats 3f9a1c2e -->";
        assert_eq!(
            opening_marker_at(marker),
            Some((marker.len(), Some(0x3f9a_1c2e)))
        );
        assert_eq!(
            opening_marker_at("<!-- gitgoals:stats 3F9A1C2E --> and more").map(|m| m.1),
            Some(Some(0x3f9a_1c2e))
        );
        for not_one in [
            "<!-- gitgoals:stats 3f9a1c2 -->",
            "<!-- gitgoals:stats 3f9a1c2e0 -->",
            "<!-- gitgoals:stats 3f9a1cxe -->",
            "<!-- gitgoals:stats  -->",
            "<!-- gitgoals:statsx -->",
            "<!-- /gitgoals:stats -->",
        ] {
            assert_eq!(opening_marker_at(not_one), None, "{not_one}");
        }
        let post = format!("- [ ] a\n\n  {marker}\nx\n{END_MARKER}\n");
        let span = find_block(post.as_bytes()).unwrap().unwrap();
        assert_eq!(&post[span.marker.clone()], marker, "indentation aside");
        assert_eq!(span.checksum, Some(0x3f9a_1c2e));
        let line = format!("  {marker} \n");
        assert!(
            find_block(format!("{line}x\n{END_MARKER}\n").as_bytes())
                .unwrap()
                .is_some()
        );
        let trailing = format!("{marker} x\nx\n{END_MARKER}\n");
        assert!(
            find_block(trailing.as_bytes()).is_err(),
            "not a marker: the end comes first"
        );
    }

    #[test]
    fn a_block_edited_by_hand_is_refused_and_regenerated_only_on_request() {
        let ours = changed(rewrite(b"- [ ] a\n", "**Goals:** 0 of 1").unwrap());
        assert!(!find_block(&ours).unwrap().unwrap().hand_edited(&ours));
        let edited = text(&ours).replace("0 of 1", "0 of 1\n\nA hard week.");
        let span = find_block(edited.as_bytes()).unwrap().unwrap();
        assert!(span.hand_edited(edited.as_bytes()));
        assert!(matches!(
            rewrite(edited.as_bytes(), "**Goals:** 1 of 1"),
            Err(Error::HandEdited { line: 3 })
        ));
        assert!(matches!(
            rewrite(edited.as_bytes(), "**Goals:** 0 of 1"),
            Err(Error::HandEdited { line: 3 })
        ));
        let forced = changed(regenerate(edited.as_bytes(), "**Goals:** 0 of 1").unwrap());
        assert_eq!(
            forced, ours,
            "regenerated, the block is gitgoals' own again"
        );
        assert_eq!(
            regenerate(&ours, "**Goals:** 0 of 1").unwrap(),
            Rewrite::Unchanged
        );

        // Line endings changed by git (autocrlf) are no hand edit.
        let crlf = text(&ours).replace('\n', "\r\n");
        assert_eq!(
            rewrite(crlf.as_bytes(), "**Goals:** 0 of 1").unwrap(),
            Rewrite::Unchanged
        );
    }

    #[test]
    fn a_block_under_a_bare_marker_is_gitgoals_own_and_stays_bare_while_current() {
        // As an older gitgoals wrote it.
        let old = format!("- [ ] a\n\n{START_MARKER}\n\nbody\n\n{END_MARKER}\n");
        let span = find_block(old.as_bytes()).unwrap().unwrap();
        assert_eq!(span.checksum, None);
        assert!(!span.hand_edited(old.as_bytes()));
        assert_eq!(rewrite(old.as_bytes(), "body").unwrap(), Rewrite::Unchanged);
        let new = changed(rewrite(old.as_bytes(), "new body").unwrap());
        assert_eq!(
            text(&new),
            format!(
                "- [ ] a\n\n{}\n\nnew body\n\n{END_MARKER}\n",
                opening("\nnew body\n\n")
            )
        );
        // Typed by hand inside a bare block: gitgoals cannot tell, and regenerates it.
        let typed = old.replace("body\n", "body\nmy note\n");
        assert!(matches!(
            rewrite(typed.as_bytes(), "body"),
            Ok(Rewrite::Changed(_))
        ));
    }

    #[test]
    fn with_a_bare_marker_versions_differing_only_in_the_checksum_are_equal() {
        let old = format!("- [ ] a\n\n{START_MARKER}\n\nbody\n\n{END_MARKER}\n");
        let other = changed(rewrite(old.as_bytes(), "other").unwrap());
        let sealed = changed(rewrite(&other, "body").unwrap());
        assert_ne!(sealed, old.as_bytes());
        assert_eq!(with_bare_marker(&sealed), old.as_bytes());
        assert_eq!(with_bare_marker(old.as_bytes()), old.as_bytes());
        assert_ne!(with_bare_marker(&other), old.as_bytes());
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
