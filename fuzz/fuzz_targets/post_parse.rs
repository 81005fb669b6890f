//! Fuzz target: the post parser takes any bytes, never panics, and every task's marker range
//! slices to a box (`[ ]`, `[x]`, `[X]`, or the `[-]`/`[>]` of the task formats) in the bytes
//! it was given.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let post = gitgoals::core::post::parse("_posts/2020-12-07-week.md", data);
    for task in &post.tasks {
        let marker = data.get(task.marker.clone());
        assert!(
            matches!(marker, Some(b"[ ]" | b"[x]" | b"[X]" | b"[-]" | b"[>]")),
            "marker {:?} slices to {:?}",
            task.marker,
            marker
        );
        assert_eq!(task.checked, matches!(marker, Some(b"[x]" | b"[X]")));
        assert!(task.line >= 1);
    }
});
