//! The README's examples are the tool's real output: each block that starts with
//! `$ gitgoals ARGS` is run on `gitgoals demo`'s sample blog and must print exactly the rest of
//! the block, and the stats block shown is the one `gitgoals stats` writes there.
//!
//! After changing an output on purpose, `GITGOALS_UPDATE_README=1 cargo test --test readme`
//! writes the new outputs into the README.

mod common;

use std::path::{Path, PathBuf};

use common::{GITGOALS, Scratch};

/// stdout of a successful run in `dir`, without colour, as the README shows it.
fn gitgoals(scratch: &Scratch, dir: &Path, args: &[&str]) -> String {
    let out = scratch
        .command(GITGOALS, dir, args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run gitgoals");
    assert!(
        out.status.success(),
        "gitgoals {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8 output")
}

/// `gitgoals demo`'s sample blog, made in the scratch directory.
fn demo_blog(scratch: &Scratch) -> PathBuf {
    let demo = scratch.root.join("demo");
    gitgoals(
        scratch,
        &scratch.root,
        &["demo", demo.to_str().expect("utf-8 path")],
    );
    demo
}

fn trim_lines(text: &str) -> String {
    text.lines()
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n")
}

/// The fenced blocks of `readme` as (start line index of the content, content lines).
fn blocks(lines: &[&str]) -> Vec<(usize, usize)> {
    let mut found = Vec::new();
    let mut open = None;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("```") {
            match open.take() {
                None => open = Some(i + 1),
                Some(start) => found.push((start, i)),
            }
        }
    }
    found
}

#[test]
fn readme_examples_are_what_the_tool_prints() {
    let readme_path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("README.md");
    let readme = std::fs::read_to_string(&readme_path).expect("README.md");
    let scratch = Scratch::new();
    let demo = demo_blog(&scratch);

    let lines: Vec<&str> = readme.lines().collect();
    let mut replacements: Vec<(usize, usize, String)> = Vec::new();
    let mut checked = 0;
    for (start, end) in blocks(&lines) {
        let Some(first) = lines.get(start) else {
            continue;
        };
        let actual = if let Some(command) = first.strip_prefix("$ gitgoals ") {
            let args: Vec<&str> = command.split_whitespace().collect();
            format!("{first}\n{}", trim_lines(&gitgoals(&scratch, &demo, &args)))
        } else if gitgoals::core::block::opening_marker_at(first).is_some() {
            let post = "_posts/2021-02-08-week-6.md";
            gitgoals(&scratch, &demo, &["stats", post]);
            let text = std::fs::read_to_string(demo.join(post)).expect("post");
            let begin = text
                .find(gitgoals::core::block::START_PREFIX)
                .expect("block written");
            trim_lines(&text[begin..])
        } else {
            continue;
        };
        checked += 1;
        let shown = lines[start..end].join("\n");
        if shown != actual {
            replacements.push((start, end, actual));
        }
    }
    assert!(
        checked >= 5,
        "the README shows only {checked} checked examples"
    );

    if replacements.is_empty() {
        return;
    }
    if std::env::var_os("GITGOALS_UPDATE_README").is_some() {
        let mut out: Vec<String> = lines.iter().map(|l| l.to_string()).collect();
        for (start, end, actual) in replacements.into_iter().rev() {
            out.splice(start..end, actual.lines().map(str::to_string));
        }
        std::fs::write(&readme_path, out.join("\n") + "\n").expect("write README");
        return;
    }
    let (start, _, actual) = &replacements[0];
    panic!(
        "README.md line {} shows an old output ({} blocks differ); it is now:\n{actual}\n\nRun GITGOALS_UPDATE_README=1 cargo test --test readme to update it.",
        start + 1,
        replacements.len()
    );
}

#[test]
fn demo_into_a_used_directory_says_what_to_do_and_changes_nothing() {
    let scratch = Scratch::new();
    let demo = demo_blog(&scratch);
    let head = std::fs::read(demo.join(".git/HEAD")).expect("HEAD");
    let again = scratch
        .command(
            GITGOALS,
            &scratch.root,
            &["demo", demo.to_str().expect("utf-8 path")],
        )
        .output()
        .expect("run gitgoals");
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("gitgoals demo DIR"), "{stderr}");
    assert_eq!(std::fs::read(demo.join(".git/HEAD")).expect("HEAD"), head);
}
