//! Property tests of the invariants the fuzz targets check, run with every `cargo test`: the
//! parser never panics and its markers slice to checkboxes (`[ ]`, `[x]`, `[X]`, `[-]`, `[>]`) in the bytes it was given; the
//! front-matter reader never panics; a stats-block rewrite changes nothing outside the block
//! and rewriting its own output again changes nothing.

use chrono::NaiveDate;
use gitgoals::core::block::{self, Rewrite};
use gitgoals::core::frontmatter;
use gitgoals::core::post;
use gitgoals::render::statsblock::{self, BlockStats, Renderer};
use proptest::prelude::*;

/// Pieces goals posts are made of, including the awkward ones, so generated files reach the
/// interesting paths rather than only plain paragraphs.
fn fragment() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("- [ ] ".to_string()),
        Just("- [x] ".to_string()),
        Just("* [X] ".to_string()),
        Just("1. [ ] ".to_string()),
        Just("- [-] ".to_string()),
        Just("- [>] ".to_string()),
        Just("\\[-] ".to_string()),
        Just("  - ".to_string()),
        Just("> ".to_string()),
        Just("```".to_string()),
        Just("~~~".to_string()),
        Just("    ".to_string()),
        Just("## ".to_string()),
        Just("---".to_string()),
        Just("+++".to_string()),
        Just("**".to_string()),
        Just("<!-- ".to_string()),
        Just("-->".to_string()),
        Just(block::START_MARKER.to_string()),
        // An opening marker with a checksum, as gitgoals writes it (here, seldom the body's).
        Just(block::opening_marker(b"\n")),
        Just(block::END_MARKER.to_string()),
        Just("<pre>".to_string()),
        Just("[link](x)".to_string()),
        Just(", 3/5".to_string()),
        Just("by 12/12/2020".to_string()),
        Just("title: ".to_string()),
        Just("date: 2020-12-07".to_string()),
        Just("\t".to_string()),
        Just("\u{FEFF}".to_string()),
        "[a-zé週 ]{0,12}",
    ]
}

fn line_break() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just("\n"), Just("\r\n"), Just(""), Just("\n\n")]
}

/// A Markdown-ish text built from fragments and line breaks.
fn markdownish() -> impl Strategy<Value = String> {
    prop::collection::vec((fragment(), line_break()), 0..40).prop_map(|parts| {
        parts
            .into_iter()
            .map(|(fragment, newline)| fragment + newline)
            .collect()
    })
}

/// Bytes of a post: usually Markdown-ish text, sometimes with stray bytes spliced in.
fn post_bytes() -> impl Strategy<Value = Vec<u8>> {
    (
        markdownish(),
        prop::collection::vec(any::<u8>(), 0..8),
        any::<prop::sample::Index>(),
    )
        .prop_map(|(text, junk, at)| {
            let mut bytes = text.into_bytes();
            let at = at.index(bytes.len() + 1);
            bytes.splice(at..at, junk);
            bytes
        })
}

fn assert_markers_slice(bytes: &[u8]) -> Result<(), TestCaseError> {
    let parsed = post::parse("_posts/2020-12-07-week.md", bytes);
    for task in parsed.tasks.iter_placed() {
        let marker = bytes.get(task.marker.clone());
        prop_assert!(
            matches!(marker, Some(b"[ ]" | b"[x]" | b"[X]" | b"[-]" | b"[>]")),
            "marker {:?} slices to {:?}",
            task.marker,
            marker
        );
        prop_assert_eq!(task.checked, matches!(marker, Some(b"[x]" | b"[X]")));
    }
    Ok(())
}

/// A post as lines: fragments after an optional heading opening at column 0, so that many
/// lines are places a big post may be cut at, and the constructs that forbid a cut (fences,
/// HTML blocks, reference definitions, containers) fall on either side of them.
fn post_lines() -> impl Strategy<Value = Vec<String>> {
    let line = (
        prop_oneof![
            4 => Just(""),
            2 => Just("## "),
            1 => Just("# "),
            1 => Just("### [1/2] "),
            1 => Just("#\t"),
            1 => Just("[ref]: /url "),
            1 => Just("  ```"),
            2 => Just("```"),
            1 => Just("<!--"),
            1 => Just("<div>"),
            1 => Just("- [ ] "),
            1 => Just("  - [x] "),
        ],
        prop::collection::vec(fragment(), 0..3),
        prop_oneof![4 => Just("\n"), 1 => Just("\r\n"), 1 => Just("\n\n")],
    )
        .prop_map(|(start, fragments, end)| format!("{start}{}{end}", fragments.concat()));
    prop::collection::vec(line, 0..30)
}

/// An edit of a version into the next: lines replaced, put in or taken out at a place.
fn line_edits() -> impl Strategy<Value = Vec<(prop::sample::Index, usize, Vec<String>)>> {
    prop::collection::vec(
        (
            any::<prop::sample::Index>(),
            0..3usize,
            post_lines().prop_map(|mut l| {
                l.truncate(3);
                l
            }),
        ),
        1..5,
    )
}

fn stats(titles: Vec<String>) -> BlockStats {
    BlockStats {
        done: 1,
        total: 3,
        due: NaiveDate::from_ymd_opt(2020, 12, 12),
        today: NaiveDate::from_ymd_opt(2020, 12, 9).unwrap_or_default(),
        carried_in: titles.clone(),
        added_mid_week: titles,
        by_confidence: Vec::new(),
        recent_completion: vec![0.0, 0.5, 1.0],
        ..Default::default()
    }
}

/// Checks the rewrite invariants for one post and one body.
fn check_rewrite(post: &[u8], body: &str) -> Result<(), TestCaseError> {
    let before = block::find_block(post);
    let Ok(Rewrite::Changed(out)) = block::rewrite(post, body) else {
        return Ok(());
    };
    match &before {
        Ok(Some(span)) => {
            // Before the opening marker's text (which states the new checksum), nothing moves.
            prop_assert_eq!(&out[..span.marker.start], &post[..span.marker.start]);
            let tail = post.len() - span.body.end;
            prop_assert_eq!(&out[out.len() - tail..], &post[span.body.end..]);
        }
        _ => prop_assert_eq!(&out[..post.len()], post),
    }
    prop_assert!(matches!(block::rewrite(&out, body), Ok(Rewrite::Unchanged)));
    // What gitgoals wrote is never read back as tasks.
    // Counted against the post without its old block: a NUL byte there makes the whole file
    // binary to the reader, and the rewrite, which drops it, would bring the user's own tasks
    // back into view.
    let parsed = post::parse("_posts/2020-12-07-week.md", &out);
    let outside = match &before {
        Ok(Some(span)) => [&post[..span.whole.start], &post[span.whole.end..]].concat(),
        _ => post.to_vec(),
    };
    let before_tasks = post::parse("_posts/2020-12-07-week.md", &outside)
        .tasks
        .len();
    prop_assert!(parsed.tasks.len() <= before_tasks);
    Ok(())
}

proptest! {
    // No failure files: a failing case is printed, and pinned as a named test once understood.
    #![proptest_config(ProptestConfig {
        cases: 256,
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn parser_never_panics_on_any_bytes_and_markers_slice_to_checkboxes(
        bytes in prop::collection::vec(any::<u8>(), 0..512)
    ) {
        assert_markers_slice(&bytes)?;
    }

    #[test]
    fn parser_never_panics_on_markdownish_posts_and_markers_slice_to_checkboxes(
        bytes in post_bytes()
    ) {
        assert_markers_slice(&bytes)?;
    }

    #[test]
    fn front_matter_reader_never_panics_and_the_body_starts_on_a_char_boundary(
        (open, text, close, rest) in (
            prop_oneof![Just("---\n"), Just("+++\n"), Just("---\r\n"), Just("")],
            markdownish(),
            prop_oneof![Just("---\n"), Just("+++\n"), Just("...\n"), Just("")],
            "[a-z\n]{0,20}",
        )
    ) {
        let whole = format!("{open}{text}{close}{rest}");
        let (front, _) = frontmatter::split(&whole);
        prop_assert!(whole.is_char_boundary(front.body_start));
    }

    #[test]
    fn rewrite_with_the_default_layout_is_idempotent_and_touches_nothing_outside_the_block(
        post in post_bytes(),
        titles in prop::collection::vec(markdownish(), 0..3),
    ) {
        if let Ok(body) = statsblock::render(&stats(titles), Renderer::Default) {
            check_rewrite(&post, &body)?;
        }
    }

    #[test]
    fn rewrite_with_any_accepted_template_is_idempotent_and_touches_nothing_outside_the_block(
        post in post_bytes(),
        template in markdownish(),
    ) {
        // Most generated templates are plain text, which renders as itself: any body the
        // renderer accepts.
        if let Ok(body) = statsblock::render(&stats(Vec::new()), Renderer::Template(&template)) {
            check_rewrite(&post, &body)?;
        }
    }

    #[test]
    fn a_post_read_in_remembered_chunks_equals_the_post_read_whole_in_every_version(
        first in post_lines(),
        edits in line_edits(),
    ) {
        // Every body is chunked (no size floor), and each version reuses the chunks the
        // one before it left in the memo: both the cutting and the reuse are checked.
        let memo = post::PostMemo::chunking_from(0);
        let path = "_posts/2020-12-07-week.md";
        let options = post::ParseOptions::default();
        let mut lines = first;
        let mut versions = vec![lines.concat()];
        for (at, remove, insert) in edits {
            let at = at.index(lines.len() + 1);
            let end = (at + remove).min(lines.len());
            lines.splice(at..end, insert);
            versions.push(lines.concat());
        }
        for text in versions {
            let front = format!("---\ntitle: t\n---\n{text}");
            for bytes in [text.as_bytes(), front.as_bytes()] {
                let whole = post::parse_with(path, bytes, &options);
                let chunked = post::parse_remembering(path, bytes, &options, Some(&memo));
                prop_assert_eq!(&chunked, &whole, "in {:?}", String::from_utf8_lossy(bytes));
            }
        }
    }
}

/// Found by the rewrite property: a NUL byte inside the old block made the post binary to the
/// reader (git's rule), so it had no tasks; the rewritten block holds none, and the user's task
/// above it is read again. That task is the user's, not gitgoals' writing.
#[test]
fn a_nul_byte_in_the_old_block_does_not_count_the_users_tasks_as_written_by_gitgoals() {
    let post = b"- [ ] \n<!-- gitgoals:stats -->\n\x00- [ ] \n\n<!-- /gitgoals:stats -->\n";
    let body = statsblock::render(&stats(Vec::new()), Renderer::Default).expect("render");
    check_rewrite(post, &body).expect("the rewrite invariants");
}
