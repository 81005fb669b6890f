//! The hook's writing, driven through the real `git` binary (issue 15, "A hook people can
//! trust"): it writes only its own block, never what the user did not stage, never over text
//! it did not write, and leaves the index as `git add` would.
//!
//! Every test keeps the rule that nothing the user typed is ever absent from both the working
//! tree and the commit, and checks it byte for byte.

mod common;

use std::fs;

use common::blog::Blog;
use gitgoals::core::block::END_MARKER;

const POST: &str = "_posts/2020-12-07-week.md";

const POST_TEXT: &str = "---\ntitle: Week 5\n---\n\nGoals I can finish by 2020-12-12.\n\n### Courses\n- [x] CS242 HW 1\n- [ ] Graphics homework 0, 3/5\n\n### Papers\n- [ ] PixelCNN++\n";

/// How every opening marker starts, with or without the checksum gitgoals keeps in it.
const OPENING: &str = "<!-- gitgoals:stats";

/// [`Blog::new`] with [`POST`] committed through the hook (so it carries a block).
fn with_committed_post() -> Blog {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    let committed = repo.committed(POST);
    assert!(committed.contains(OPENING), "{committed}");
    assert_eq!(repo.read(POST), committed);
    repo
}

/// The harness's check, in a checkout of HEAD beside the work tree: for a commit whose
/// working file was left with the user's unstaged text, the committed block must still
/// be current and state history's figures, while the work tree stays as it is.
fn assert_committed_block_agrees_with_history(repo: &Blog, post: &str) {
    let checkout = repo.scratch.root.join(format!(
        "check-{}",
        repo.ok(&["rev-parse", "--short", "HEAD"]).trim()
    ));
    repo.ok(&[
        "worktree",
        "add",
        "-q",
        "--detach",
        checkout.to_str().expect("utf-8 path"),
        "HEAD",
    ]);
    repo.scratch
        .assert_block_agrees_with_history(&checkout, post);
    repo.ok(&[
        "worktree",
        "remove",
        "--force",
        checkout.to_str().expect("utf-8 path"),
    ]);
}

/// `text` with `insert` put just before the line that closes the stats block.
fn inside_the_block(text: &str, insert: &str) -> String {
    let at = text.find(END_MARKER).expect("a block");
    format!("{}{insert}{}", &text[..at], &text[at..])
}

/// `text` without its stats block (the marker lines and everything between them).
fn without_the_block(text: &str) -> String {
    let start = text.find(OPENING).expect("a block");
    let end = text.find(END_MARKER).expect("a block") + END_MARKER.len() + 1;
    format!("{}{}", &text[..start], &text[end..])
}

fn lines(stderr: &str) -> Vec<&str> {
    stderr.lines().collect()
}

// ---------------------------------------------------------------------------------------------
// F1, F2: text the user did not stage is never touched

#[test]
fn f1_unstaged_note_inside_the_block_survives_the_commit() {
    let repo = with_committed_post();
    let ticked = repo
        .read(POST)
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    repo.ok(&["add", POST]);
    // Typed after staging the tick, inside the block, and not staged.
    let typed = inside_the_block(&ticked, "Note to self: PixelCNN++ was a group effort.\n\n");
    repo.write(POST, &typed);

    let stderr = repo.commit_ok(&[]);
    assert_eq!(
        repo.read(POST),
        typed,
        "the working file is left exactly as typed"
    );
    let committed = repo.blob_text("HEAD", POST);
    assert!(committed.contains("2 of 3 done"), "{committed}");
    assert!(
        !committed.contains("Note to self"),
        "the unstaged note was not committed: {committed}"
    );
    assert_eq!(repo.ok(&["diff", "--cached"]), "", "nothing else staged");
    let notice = lines(&stderr);
    assert_eq!(notice.len(), 1, "one line: {stderr}");
    assert!(notice[0].contains(POST), "{stderr}");
    assert_committed_block_agrees_with_history(&repo, POST);
    assert_eq!(repo.read(POST), typed, "and still, after the check");
}

#[test]
fn f1_unstaged_note_outside_the_block_gets_the_new_block_beside_it() {
    // The working file's block equals the staged one: it gets the new block, and the note
    // stays where it is, unstaged.
    let repo = with_committed_post();
    let ticked = repo
        .read(POST)
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    repo.ok(&["add", POST]);
    let note = "Draft note, not ready.\n\n";
    let typed = ticked.replace("Goals I can", &format!("{note}Goals I can"));
    repo.write(POST, &typed);

    let stderr = repo.commit_ok(&[]);
    assert_eq!(stderr, "", "nothing to say");
    let committed = repo.blob_text("HEAD", POST);
    assert!(committed.contains("2 of 3 done"), "{committed}");
    assert!(!committed.contains("Draft note"), "{committed}");
    assert_eq!(
        repo.read(POST),
        committed.replace("Goals I can", &format!("{note}Goals I can")),
        "the working file is the commit plus the note, byte for byte"
    );
    assert_committed_block_agrees_with_history(&repo, POST);
}

#[test]
fn f2_block_deleted_in_the_working_tree_only_stays_deleted() {
    let repo = with_committed_post();
    let ticked = repo
        .read(POST)
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    repo.ok(&["add", POST]);
    let typed = without_the_block(&ticked);
    assert!(!typed.contains("gitgoals:stats"));
    repo.write(POST, &typed);

    let stderr = repo.commit_ok(&[]);
    assert_eq!(
        repo.read(POST),
        typed,
        "the unstaged deletion is not undone"
    );
    let committed = repo.blob_text("HEAD", POST);
    assert!(committed.contains("2 of 3 done"), "{committed}");
    assert_eq!(
        without_the_block(&committed),
        typed,
        "the commit is the staged text with its new block"
    );
    let notice = lines(&stderr);
    assert_eq!(notice.len(), 1, "one line: {stderr}");
    assert!(notice[0].contains(POST), "{stderr}");
    assert_committed_block_agrees_with_history(&repo, POST);
    assert_eq!(repo.read(POST), typed);
}

// ---------------------------------------------------------------------------------------------
// F3: text gitgoals did not write is never destroyed

#[test]
fn f3_staged_hand_edit_inside_the_block_is_committed_as_written() {
    let repo = with_committed_post();
    let before = repo.ok(&["rev-parse", "HEAD"]);
    let edited = inside_the_block(&repo.read(POST), "Tough week: the flu took Wednesday.\n\n");
    repo.write(POST, &edited);
    repo.ok(&["add", POST]);

    let stderr = repo.commit_ok(&[]);
    assert_ne!(repo.ok(&["rev-parse", "HEAD"]), before, "a commit was made");
    assert!(
        !repo.succeeds(&["diff", "--quiet", "HEAD~1", "HEAD"]),
        "and it is not empty"
    );
    assert_eq!(repo.blob_text("HEAD", POST), edited, "committed as staged");
    assert_eq!(repo.read(POST), edited, "the working file is untouched");
    let warning = lines(&stderr);
    assert_eq!(warning.len(), 1, "one line: {stderr}");
    assert!(warning[0].contains(POST), "{stderr}");
    assert!(warning[0].contains("gitgoals stats --force"), "{stderr}");

    // `stats` leaves it too, and says how to regenerate it.
    let refused = repo.gitgoals(&["stats", POST]);
    assert_eq!(refused.status.code(), Some(1));
    let said = String::from_utf8_lossy(&refused.stderr);
    assert!(said.contains("--force") && said.contains(POST), "{said}");
    assert_eq!(repo.read(POST), edited);

    let check = repo.gitgoals(&["stats", "--check", POST]);
    assert_eq!(check.status.code(), Some(1), "not what gitgoals writes");
    assert!(String::from_utf8_lossy(&check.stderr).contains("--force"));
    let both = repo.gitgoals(&["stats", "--check", "--force", POST]);
    assert_eq!(both.status.code(), Some(2), "--check writes nothing");
    assert_eq!(repo.read(POST), edited);

    // `stats --force` regenerates it; committed, the block is gitgoals' own again.
    repo.gitgoals_ok(&["stats", "--force", POST]);
    let regenerated = repo.read(POST);
    assert!(!regenerated.contains("Tough week"), "{regenerated}");
    assert!(regenerated.contains("1 of 3 done"), "{regenerated}");
    repo.ok(&["add", POST]);
    assert_eq!(repo.commit_ok(&[]), "");
    assert_eq!(repo.blob_text("HEAD", POST), regenerated);
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
    assert!(
        repo.blob_text("HEAD~1", POST).contains("Tough week"),
        "the note stays in the history"
    );
}

#[test]
fn f3_a_tick_beside_a_hand_edited_block_is_committed_and_the_block_left_alone() {
    let repo = with_committed_post();
    let edited = inside_the_block(&repo.read(POST), "Tough week.\n\n")
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &edited);
    repo.ok(&["add", POST]);

    let stderr = repo.commit_ok(&[]);
    assert_eq!(repo.blob_text("HEAD", POST), edited);
    assert_eq!(repo.read(POST), edited);
    assert_eq!(lines(&stderr).len(), 1, "{stderr}");
    assert!(stderr.contains("gitgoals stats --force"), "{stderr}");
}

#[test]
fn f3_a_strict_hook_stops_the_commit_of_a_hand_edited_block_and_changes_nothing() {
    let repo = with_committed_post();
    repo.write(".gitgoals.toml", "[hook]\nstrict = true\n");
    let edited = inside_the_block(&repo.read(POST), "Tough week.\n\n");
    repo.write(POST, &edited);
    repo.ok(&["add", POST]);
    let before = repo.ok(&["rev-parse", "HEAD"]);
    let out = repo.commit(&[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("gitgoals stats --force"));
    assert_eq!(repo.ok(&["rev-parse", "HEAD"]), before);
    assert_eq!(repo.blob_text("", POST), edited, "still staged as it was");
    assert_eq!(repo.read(POST), edited);
}

#[test]
fn f3_with_placement_markers_a_block_carrying_its_checksum_is_still_updated() {
    let repo = Blog::new();
    repo.write(".gitgoals.toml", "[stats]\nplacement = \"markers\"\n");
    let (head, tail) = POST_TEXT.split_at(POST_TEXT.find("### Courses").expect("section"));
    let with_markers = format!("{head}<!-- gitgoals:stats -->\n{END_MARKER}\n\n{tail}");
    repo.write(POST, &with_markers);
    repo.ok(&["add", ".gitgoals.toml", POST]);
    repo.commit_ok(&[]);
    assert!(repo.blob_text("HEAD", POST).contains("1 of 3 done"));

    let ticked = repo
        .read(POST)
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    repo.commit_ok(&["-a"]);
    let committed = repo.blob_text("HEAD", POST);
    assert!(committed.contains("2 of 3 done"), "{committed}");
    assert_eq!(repo.read(POST), committed);
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn f3_a_block_written_before_checksums_is_still_regenerated() {
    // Posts committed by an older gitgoals have a bare opening marker: the block is gitgoals'
    // own and is regenerated as before.
    let repo = Blog::new();
    let old = format!(
        "{POST_TEXT}\n<!-- gitgoals:stats -->\n\n**Goals:** 0 of 3 done (0%)\n\n{END_MARKER}\n"
    );
    repo.write(POST, &old);
    repo.ok(&["add", POST]);
    assert_eq!(repo.commit_ok(&[]), "");
    let committed = repo.blob_text("HEAD", POST);
    assert!(committed.starts_with(POST_TEXT), "{committed}");
    assert!(committed.contains("1 of 3 done"), "{committed}");
    assert_eq!(committed.matches(OPENING).count(), 1, "{committed}");
    assert_eq!(repo.read(POST), committed);
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn f3_an_edit_inside_a_block_without_checksum_never_makes_the_commit_empty() {
    // An older block (no checksum) holding current figures is committed without the hook;
    // then an edit inside it is the only staged change. Regenerating the block would give
    // back HEAD's post: the commit would be empty.
    let repo = with_committed_post();
    let current = repo.read(POST);
    let start = current.find(OPENING).expect("block");
    let line_end = start + current[start..].find('\n').expect("marker line");
    let old_style = format!(
        "{}<!-- gitgoals:stats -->{}",
        &current[..start],
        &current[line_end..]
    );
    repo.write(POST, &old_style);
    repo.ok(&["add", POST]);
    if !repo.succeeds(&["diff", "--cached", "--quiet"]) {
        repo.ok(&["commit", "-q", "--no-verify", "-m", "older gitgoals"]);
    }

    let edited = inside_the_block(&old_style, "Tough week.\n\n");
    repo.write(POST, &edited);
    repo.ok(&["add", POST]);
    let stderr = repo.commit_ok(&[]);
    assert!(
        !repo.succeeds(&["diff", "--quiet", "HEAD~1", "HEAD"]),
        "the commit is not empty"
    );
    assert_eq!(repo.blob_text("HEAD", POST), edited);
    assert_eq!(repo.read(POST), edited);
    assert_eq!(lines(&stderr).len(), 1, "{stderr}");
    assert!(stderr.contains(POST), "{stderr}");
}

// ---------------------------------------------------------------------------------------------
// F7: the index entries of files the hook wrote carry their real stat data

#[test]
fn f7_after_a_hook_commit_the_index_says_the_tree_is_clean() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", POST]);
    repo.commit_ok(&[]);
    // No `git status` first: it would refresh the index and hide the hook's entry.
    assert!(
        repo.succeeds(&["diff-index", "--quiet", "HEAD"]),
        "after `git commit`: {}",
        repo.ok(&["ls-files", "--debug", POST])
    );
    let debug = repo.ok(&["ls-files", "--debug", POST]);
    let size = fs::metadata(repo.dir.join(POST)).expect("post").len();
    assert!(debug.contains(&format!("size: {size}\t")), "{debug}");

    let tick = |from: &str, to: &str| {
        let text = repo.read(POST).replace(from, to);
        repo.write(POST, &text);
    };
    tick("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.commit_ok(&["-a"]);
    assert!(
        repo.succeeds(&["diff-index", "--quiet", "HEAD"]),
        "after `git commit -a`"
    );

    tick("- [ ] Graphics", "- [x] Graphics");
    repo.commit_ok(&["--", POST]);
    assert!(
        repo.succeeds(&["diff-index", "--quiet", "HEAD"]),
        "after `git commit -- PATH`"
    );
    assert!(repo.blob_text("HEAD", POST).contains("3 of 3 done"));
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);
}

#[test]
fn f7_sparse_checkout_set_leaves_no_post_behind() {
    let repo = Blog::new();
    repo.write(POST, POST_TEXT);
    repo.write("notes/todo.md", "later\n");
    repo.ok(&["add", POST, "notes/todo.md"]);
    repo.commit_ok(&[]);
    repo.scratch
        .assert_block_agrees_with_history(&repo.dir, POST);

    let out = repo.git(&["sparse-checkout", "set", "notes"]);
    assert!(out.status.success());
    assert!(
        !repo.dir.join(POST).exists(),
        "the post is outside the sparse checkout: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(repo.dir.join("notes/todo.md").exists());
    repo.ok(&["sparse-checkout", "disable"]);
    assert_eq!(repo.read(POST), repo.blob_text("HEAD", POST));
}

#[test]
fn f7_the_opt_in_chart_is_staged_with_its_stat_data_too() {
    let repo = Blog::new();
    repo.write(".gitgoals.toml", "[stats]\nchart = true\n");
    repo.write(POST, POST_TEXT);
    repo.ok(&["add", ".gitgoals.toml", POST]);
    repo.commit_ok(&[]);
    assert!(
        repo.dir
            .join("assets/gitgoals/2020-12-07-week.svg")
            .is_file()
    );
    assert!(
        repo.succeeds(&["diff-index", "--quiet", "HEAD"]),
        "{}",
        repo.ok(&["ls-files", "--debug"])
    );
}

#[test]
fn f7_an_unstaged_change_stays_visible_after_a_hook_commit() {
    // The working file differs from the staged blob: the index must not claim it is clean.
    let repo = with_committed_post();
    let ticked = repo
        .read(POST)
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++");
    repo.write(POST, &ticked);
    repo.ok(&["add", POST]);
    let typed = ticked.replace("Goals I can", "Draft note.\n\nGoals I can");
    repo.write(POST, &typed);
    repo.commit_ok(&[]);

    assert!(
        !repo.succeeds(&["diff-files", "--quiet"]),
        "the post is modified in the work tree"
    );
    assert!(repo.ok(&["diff", "--", POST]).contains("+Draft note."));
    assert!(repo.read(POST).contains("Draft note."));
    assert!(!repo.blob_text("HEAD", POST).contains("Draft note."));
    assert_committed_block_agrees_with_history(&repo, POST);
}
