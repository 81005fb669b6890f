//! Hostile post content: bytes a blog should never hold but some repository will. The parser
//! must read what it can, say what it could not (a warning naming the file and line), never
//! garble text and never panic, in bounded time and memory.

use std::fmt::Write as _;

use gitgoals::core::frontmatter;
use gitgoals::core::model::{DateSource, Post};
use gitgoals::core::post;

const PATH: &str = "_posts/2020-12-07-week.md";

fn parse(text: &str) -> Post {
    post::parse(PATH, text.as_bytes())
}

fn titles(post: &Post) -> Vec<&str> {
    post.tasks.contents().map(|t| &*t.title).collect()
}

/// Every marker range slices to a checkbox in the bytes the parser was given.
fn assert_markers_slice_to_checkboxes(bytes: &[u8], post: &Post) {
    for task in post.tasks.contents() {
        let marker = bytes.get(task.marker.clone());
        assert!(
            matches!(marker, Some(b"[ ]" | b"[x]" | b"[X]" | b"[-]" | b"[>]")),
            "marker {:?} of {:?} slices to {marker:?}",
            task.marker,
            task.title
        );
    }
}

#[test]
fn invalid_utf8_is_read_with_the_bad_bytes_replaced_and_a_warning_naming_the_line() {
    let bytes = b"# Week\n- [x] good task\n- [ ] bad \xFF\xFE byte\n- [ ] after it\n";
    let post = post::parse(PATH, bytes);
    assert_eq!(post.tasks.len(), 3);
    assert_eq!(&*post.tasks.placed(0).expect("a task").title, "good task");
    assert_eq!(
        &*post.tasks.placed(1).expect("a task").title,
        "bad \u{FFFD}\u{FFFD} byte"
    );
    assert_eq!(&*post.tasks.placed(2).expect("a task").title, "after it");
    let warning = post
        .warnings
        .iter()
        .find(|w| w.message.contains("UTF-8"))
        .expect("a warning about the encoding");
    assert_eq!(warning.line, Some(3));
    assert_eq!(warning.file, PATH);
    assert_markers_slice_to_checkboxes(bytes, &post);
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        let pair = if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        bytes.extend_from_slice(&pair);
    }
    bytes
}

#[test]
fn utf16_with_a_bom_is_refused_with_a_warning_not_garbled_into_tasks() {
    for little_endian in [true, false] {
        let bytes = utf16("# Week\n- [x] réussi\n- [ ] open\n", little_endian);
        let post = post::parse(PATH, &bytes);
        assert!(
            post.tasks.is_empty(),
            "UTF-16 read as garbled tasks: {:?}",
            titles(&post)
        );
        let warning = post
            .warnings
            .iter()
            .find(|w| w.message.contains("UTF-16"))
            .unwrap_or_else(|| panic!("no UTF-16 warning: {:?}", post.warnings));
        assert!(warning.message.contains("UTF-8"), "{}", warning.message);
    }
}

#[test]
fn binary_bytes_in_a_markdown_file_are_skipped_with_a_warning() {
    // A PNG header, a NUL, and bytes that happen to spell a task.
    let mut bytes = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR".to_vec();
    bytes.extend_from_slice(b"\n- [ ] not a task, a picture\n");
    bytes.extend((0..=255u8).cycle().take(4096));
    let post = post::parse(PATH, &bytes);
    assert!(post.tasks.is_empty(), "{:?}", titles(&post));
    assert!(
        post.warnings.iter().any(|w| w.message.contains("binary")),
        "{:?}",
        post.warnings
    );
}

#[test]
fn a_post_over_the_size_cap_is_skipped_with_a_clear_warning() {
    // 50 MB of tasks: far over any goals post; reading it would hold up every commit.
    let line = "- [ ] a task that repeats itself for a long while, 3/5\n";
    let text = line.repeat(50 * 1024 * 1024 / line.len() + 1);
    assert!(text.len() > 50 * 1024 * 1024);
    let post = parse(&text);
    assert!(post.tasks.is_empty());
    let warning = post
        .warnings
        .iter()
        .find(|w| w.message.contains("skipped"))
        .unwrap_or_else(|| panic!("no skip warning: {:?}", post.warnings));
    assert!(warning.message.contains("MiB"), "{}", warning.message);

    // A post at the cap is still read in full.
    let filler = "a long paragraph of notes about the week\n";
    let mut at_cap = String::from("- [ ] first\n\n");
    at_cap.push_str(&filler.repeat((post::MAX_POST_BYTES - 64) / filler.len()));
    at_cap.push_str("\n- [x] last\n");
    assert!(at_cap.len() <= post::MAX_POST_BYTES);
    let post = parse(&at_cap);
    assert_eq!(titles(&post), ["first", "last"]);
    assert!(post.warnings.is_empty(), "{:?}", post.warnings);
}

#[test]
fn extremely_long_lines_keep_their_text() {
    let long_title = "word ".repeat(200_000);
    let text = format!(
        "Prose {}\n\n- [ ] {}\n- [x] short one\n",
        "x".repeat(1_000_000),
        long_title
    );
    let post = parse(&text);
    assert_eq!(post.tasks.len(), 2);
    assert_eq!(
        &*post.tasks.placed(0).expect("a task").title,
        long_title.trim()
    );
    assert_eq!(&*post.tasks.placed(1).expect("a task").title, "short one");
    assert_eq!(post.tasks.placed(1).expect("a task").line, 4);
    assert_markers_slice_to_checkboxes(text.as_bytes(), &post);
}

#[test]
fn ten_thousand_tasks_are_all_read_with_their_lines() {
    let mut text = String::from("---\ntitle: Busy week\n---\n## Everything\n");
    for i in 0..10_000 {
        let _ = writeln!(
            text,
            "- [{}] task number {i}, {}/5",
            ["x", " "][i % 2],
            i % 5 + 1
        );
    }
    let post = parse(&text);
    assert_eq!(post.tasks.len(), 10_000);
    let last = &post.tasks.placed(9_999).expect("a task");
    assert_eq!(&*last.title, "task number 9999");
    assert_eq!(last.confidence, Some(5));
    assert!(!last.checked);
    assert_eq!(last.line, 5 + 9_999);
    assert_eq!(post.tasks.contents().filter(|t| t.checked).count(), 5_000);
    assert_markers_slice_to_checkboxes(text.as_bytes(), &post);
}

/// Runs `work` on a thread with a small stack: a recursion that grows with the input would
/// overflow it (and abort the test binary) long before nesting 10,000 deep.
fn on_small_stack<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    std::thread::Builder::new()
        .stack_size(256 * 1024)
        .spawn(work)
        .expect("spawn")
        .join()
        .expect("the parser panicked")
}

#[test]
fn lists_nested_ten_thousand_deep_do_not_overflow_the_stack() {
    // `- - - … [ ] bottom` opens a list inside a list on one line, 10,000 deep in 20 kB.
    let one_line = format!("{}[ ] bottom\n- [x] top level\n", "- ".repeat(10_000));
    let post = on_small_stack(move || parse(&one_line));
    assert_eq!(titles(&post), ["bottom", "top level"]);

    // Indented the usual way (each level's text indented under the one above), as deep as
    // fits under the size cap.
    let mut indented = String::new();
    for depth in 0..1_000 {
        let _ = writeln!(indented, "{}- [ ] level {depth}", "  ".repeat(depth));
    }
    let post = on_small_stack(move || parse(&indented));
    assert_eq!(post.tasks.len(), 1_000);
    assert_eq!(&*post.tasks.placed(999).expect("a task").title, "level 999");
    assert_eq!(post.tasks.placed(999).expect("a task").parent, Some(998));
}

#[test]
fn blockquotes_nested_ten_thousand_deep_do_not_overflow_the_stack() {
    let text = format!(
        "{} - [x] deep inside\n\n- [ ] outside\n",
        ">".repeat(10_000)
    );
    let post = on_small_stack(move || parse(&text));
    assert_eq!(titles(&post).last(), Some(&"outside"));
}

#[test]
fn mixed_nesting_of_lists_and_quotes_ten_thousand_deep_does_not_overflow_the_stack() {
    let text = format!("{}[ ] bottom\n", "> - ".repeat(10_000));
    let post = on_small_stack(move || parse(&text));
    assert!(post.tasks.len() <= 10_000);
}

#[test]
fn an_unclosed_code_fence_swallows_the_rest_of_the_file_as_commonmark_says() {
    let text =
        "- [x] before the fence\n\n```\n- [ ] inside the fence\n\n## Heading\n- [ ] still inside\n";
    let post = parse(text);
    assert_eq!(titles(&post), ["before the fence"]);
}

#[test]
fn malformed_front_matter_warns_with_its_line_and_the_tasks_are_still_read() {
    let text = "---\ntitle: Week\ndate: [2020-12-07\nlayout: post\n---\n- [ ] still read\n";
    let post = parse(text);
    assert_eq!(titles(&post), ["still read"]);
    let warning = post
        .warnings
        .iter()
        .find(|w| w.message.contains("YAML"))
        .expect("a YAML warning");
    assert!(
        warning.line.is_some_and(|l| (2..=5).contains(&l)),
        "{warning}"
    );
    // The file name still dates the post.
    assert_eq!(post.date_source, Some(DateSource::Filename));
}

#[test]
fn a_yaml_alias_bomb_is_refused_quickly_with_a_warning() {
    let mut text = String::from("---\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
    for level in 1..12 {
        let previous = format!("*l{}", level - 1);
        let list = [previous.as_str(); 9].join(", ");
        let _ = writeln!(text, "l{level}: &l{level} [{list}]");
    }
    text.push_str("title: *l11\n---\n- [ ] survive the bomb\n");
    let post = parse(&text);
    assert_eq!(titles(&post), ["survive the bomb"]);
    assert!(!post.warnings.is_empty());
    assert_eq!(post.title, None);
}

#[test]
fn duplicate_front_matter_keys_are_a_warning_not_a_silent_pick() {
    let text = "---\ntitle: First\ntitle: Second\n---\n- [ ] task\n";
    let post = parse(text);
    assert_eq!(titles(&post), ["task"]);
    assert_eq!(post.title, None);
    assert!(
        post.warnings.iter().any(|w| w.message.contains("YAML")),
        "{:?}",
        post.warnings
    );
}

#[test]
fn odd_front_matter_dates_are_read_or_named_in_a_warning() {
    let read = [
        ("2020-12-07", (2020, 12, 7)),
        ("2020-12-07 12:01:20 +0000", (2020, 12, 7)),
        ("2020-12-07T23:59:59-08:00", (2020, 12, 7)),
        ("'2020/12/07'", (2020, 12, 7)),
        ("2020-1-7", (2020, 1, 7)),
    ];
    for (value, (y, m, d)) in read {
        let post = parse(&format!("---\ndate: {value}\n---\n- [ ] t\n"));
        assert_eq!(
            post.date,
            chrono::NaiveDate::from_ymd_opt(y, m, d),
            "date: {value}"
        );
        assert_eq!(post.date_source, Some(DateSource::FrontMatter), "{value}");
    }
    let unreadable = [
        "12/07/2020",
        "yesterday",
        "2020-13-45",
        "20201207",
        "99999999-12-07",
        "-2020-12-07",
        "2020-02-30",
        "[2020, 12, 7]",
        "{y: 2020}",
        "''",
        "~",
    ];
    for value in unreadable {
        let post = parse(&format!("---\ndate: {value}\n---\n- [ ] t\n"));
        // The file name dates it instead, and nothing panics.
        assert_eq!(
            post.date,
            chrono::NaiveDate::from_ymd_opt(2020, 12, 7),
            "date: {value}"
        );
        assert_eq!(post.tasks.len(), 1, "date: {value}");
    }
    let post = parse("---\ndate: yesterday\n---\n");
    assert!(
        post.warnings
            .iter()
            .any(|w| w.message.contains("yesterday")),
        "{:?}",
        post.warnings
    );
}

#[test]
fn front_matter_reader_survives_unclosed_blocks_and_odd_delimiters() {
    for text in [
        "---",
        "---\n",
        "---\ntitle: never closed\n",
        "+++\ntitle = \"never closed\"",
        "---\r\n---\r\n",
        "---\n...\n",
        "+++\n[[[\n+++\n",
        "---\n\t- tab indented\n---\n",
        "---\n\u{FEFF}title: x\n---\n",
    ] {
        let (front, _) = frontmatter::split(text);
        assert!(text.is_char_boundary(front.body_start), "{text:?}");
        assert!(front.body_start <= text.len(), "{text:?}");
    }
}

fn block_stats(titles: &[&str]) -> gitgoals::render::statsblock::BlockStats {
    gitgoals::render::statsblock::BlockStats {
        done: 1,
        total: 2,
        due: chrono::NaiveDate::from_ymd_opt(2020, 12, 12),
        today: chrono::NaiveDate::from_ymd_opt(2020, 12, 9).expect("date"),
        carried_in: titles.iter().map(|t| t.to_string()).collect(),
        added_mid_week: Vec::new(),
        by_confidence: Vec::new(),
        recent_completion: vec![0.5],
        ..Default::default()
    }
}

#[test]
fn a_template_that_leaves_a_fence_or_html_block_open_is_refused_before_it_swallows_the_post() {
    use gitgoals::core::block::{self, Rewrite};
    use gitgoals::render::statsblock::{self, Renderer};
    let post = b"- [ ] a task\n\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\n\nThe rest of the post.\n";
    for template in [
        "```\n{{ done }}",
        "~~~",
        "<pre>\n{{ done }}",
        "<!-- an open comment",
        "<script>",
        "<?php",
        "<![CDATA[",
    ] {
        match statsblock::render(&block_stats(&[]), Renderer::Template(template)) {
            Err(error) => assert!(error.to_string().contains("open"), "{template:?}: {error}"),
            Ok(body) => {
                // Accepted: then the block must still be found after writing it.
                let Ok(Rewrite::Changed(out)) = block::rewrite(post, &body) else {
                    panic!("{template:?}: no rewrite");
                };
                assert!(
                    matches!(block::rewrite(&out, &body), Ok(Rewrite::Unchanged)),
                    "{template:?} broke the block:\n{}",
                    String::from_utf8_lossy(&out)
                );
            }
        }
    }
}

#[test]
fn checkboxes_holding_a_tab_or_form_feed_are_not_tasks_and_markers_always_slice_to_a_checkbox() {
    // Found by the post_parse fuzz target: pulldown-cmark reads `[\f]` as an open task, whose
    // marker then sliced to `[\x0c]`, not a checkbox.
    let found = include_bytes!("../fuzz/regressions/post_parse-form-feed-checkbox.md");
    let post = post::parse(PATH, found);
    assert_markers_slice_to_checkboxes(found, &post);
    assert!(!titles(&post).iter().any(|t| t.starts_with("neste")));

    let text =
        "- [\t] tab\n- [\x0b] vertical tab\n- [\x0c] form feed\n- [ ] space\n-\t[x] after a tab\n";
    let post = parse(text);
    assert_eq!(titles(&post), ["space", "after a tab"]);
    assert_markers_slice_to_checkboxes(text.as_bytes(), &post);
}

#[test]
fn a_post_not_in_utf8_gets_no_block_it_could_never_find_again() {
    use gitgoals::core::block;
    use gitgoals::error::Error;
    use gitgoals::render::statsblock::{self};
    // Found by the property tests: the block was appended to a file that is not UTF-8, and
    // the next run could not read the block it had written.
    let body = statsblock::render(&block_stats(&[]), statsblock::Renderer::Default).expect("body");
    assert!(matches!(
        block::rewrite(b"- [ ] caf\xE9\n", &body),
        Err(Error::NotUtf8 { line: 1 })
    ));
}

#[test]
fn a_post_ending_inside_an_open_fence_or_html_block_gets_no_appended_block() {
    use gitgoals::core::block::{self, Rewrite};
    use gitgoals::error::Error;
    use gitgoals::render::statsblock::{self};
    // Found by the property tests: the appended markers were code, never found again, and
    // each run appended one more block.
    let body = statsblock::render(&block_stats(&[]), statsblock::Renderer::Default).expect("body");
    for post in [
        "- [ ] a\n```\nsome code",
        "- [ ] a\n~~~~\n",
        "- [ ] a\n<pre>\n",
        "- [ ] a\n<!-- a comment never closed\n",
    ] {
        assert!(
            matches!(
                block::rewrite(post.as_bytes(), &body),
                Err(Error::OpenAtEnd)
            ),
            "{post:?}"
        );
    }
    // With the markers placed before the fence, the block goes there.
    let placed = format!(
        "- [ ] a\n\n{}\n{}\n```\nsome code",
        block::START_MARKER,
        block::END_MARKER
    );
    let Ok(Rewrite::Changed(out)) = block::rewrite(placed.as_bytes(), &body) else {
        panic!("not written between the markers");
    };
    assert!(matches!(
        block::rewrite(&out, &body),
        Ok(Rewrite::Unchanged)
    ));
}

#[test]
fn a_dash_line_inside_the_block_is_not_front_matter_that_hides_the_end_marker() {
    use gitgoals::core::block::{self, Rewrite};
    use gitgoals::render::statsblock::{self, Renderer};
    // Found by the stats_rewrite fuzz target (template, NUL, post): a block body starting
    // with `---` was read as a front matter block running to a later `---` line of the post,
    // past the end marker, so the second run could not find the block it had written.
    let found =
        include_bytes!("../fuzz/regressions/stats_rewrite-dashes-after-the-start-marker.bin");
    let nul = found.iter().position(|&b| b == 0).expect("a NUL");
    let template = std::str::from_utf8(&found[..nul]).expect("template");
    let post = &found[nul + 1..];
    let body = statsblock::render(&block_stats(&[]), Renderer::Template(template)).expect("body");
    match block::rewrite(post, &body) {
        Ok(Rewrite::Changed(out)) => {
            assert!(matches!(
                block::rewrite(&out, &body),
                Ok(Rewrite::Unchanged)
            ))
        }
        Ok(Rewrite::Unchanged) => {}
        Err(error) => panic!("refused: {error}"),
    }

    // Written plainly: a thematic break and a later `---` around the markers.
    let post = format!(
        "- [ ] a\n\n---\n\n{}\n{}\n\ntail\n---\n",
        block::START_MARKER,
        block::END_MARKER
    );
    let found = block::find_block(post.as_bytes()).expect("readable");
    assert!(found.is_some(), "the markers after a rule were not found");
}
