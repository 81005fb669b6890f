//! Fuzz target: the front-matter reader takes any text, never panics or hangs, and the body
//! start it gives is a character boundary inside the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (front, error) = gitgoals::core::frontmatter::split(text);
    assert!(text.is_char_boundary(front.body_start));
    if let Some(error) = error {
        assert!(error.line >= 1);
        // A malformed block gives no keys, only the body start.
        assert!(front.title.is_none() && front.date.is_none() && front.due.is_none());
    }
});
