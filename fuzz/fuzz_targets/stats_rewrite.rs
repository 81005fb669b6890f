//! Fuzz target: the stats-block rewrite. The input is a template and a post, split at the
//! first NUL byte. Whatever body the renderer accepts, a rewrite changes no byte outside the
//! block, and rewriting its own output again changes nothing.
#![no_main]

use chrono::NaiveDate;
use gitgoals::render::statsblock::{self, BlockStats, Renderer};
use gitgoals::core::block::{self, Rewrite};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (template, post) = match data.iter().position(|&b| b == 0) {
        Some(nul) => (&data[..nul], &data[nul + 1..]),
        None => (&data[..0], data),
    };
    let Ok(template) = std::str::from_utf8(template) else {
        return;
    };
    let Some(today) = NaiveDate::from_ymd_opt(2020, 12, 9) else {
        return;
    };
    // Titles are untrusted too: take them from the template text's lines.
    let titles: Vec<String> = template.lines().take(4).map(str::to_owned).collect();
    let stats = BlockStats {
        done: 1,
        total: 3,
        due: NaiveDate::from_ymd_opt(2020, 12, 12),
        today,
        carried_in: titles.clone(),
        added_mid_week: titles,
        by_confidence: Vec::new(),
        recent_completion: vec![0.5, 1.0],
        ..BlockStats::default()
    };
    let renderer = if template.is_empty() {
        Renderer::Default
    } else {
        Renderer::Template(template)
    };
    let Ok(body) = statsblock::render(&stats, renderer) else {
        return;
    };
    let before = block::find_block(post);
    let Ok(Rewrite::Changed(out)) = block::rewrite(post, &body) else {
        return;
    };
    match before {
        Ok(Some(span)) => {
            // Before the opening marker's text (which states the new checksum), nothing moves.
            assert_eq!(out[..span.marker.start], post[..span.marker.start]);
            let tail = post.len() - span.body.end;
            assert_eq!(out[out.len() - tail..], post[span.body.end..]);
        }
        _ => assert_eq!(out[..post.len()], *post),
    }
    assert!(matches!(block::rewrite(&out, &body), Ok(Rewrite::Unchanged)),
        "a second rewrite changed the file"
    );
});
