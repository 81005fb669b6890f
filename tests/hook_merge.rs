//! Issue 15, F8: branches that both ticked goals merge, cherry-pick and rebase without a
//! conflict in the stats block, while a real conflict outside it stays a conflict. Driven
//! through the real `git` binary, its configuration kept away ([`common::Isolated`]).

mod common;

use std::fs;

use common::Scratch;
use common::blog::Blog;

const POST: &str = "_posts/2020-12-07-week.md";

/// A post with prose between the sections, so each side can edit text of its own.
const BASE: &str = "---\ntitle: Week 5\n---\n\nGoals I can finish by 2020-12-12.\n\n### Courses\n\nThe courses come first this week.\n\n- [ ] CS242 HW 1 2/5\n- [ ] Graphics homework 0, 3/5\n\n### Papers\n\nTwo papers, one of them long.\n\n- [ ] PixelCNN++ 4/5\n- [ ] Wavenet\n\n### Notes\n\nNothing yet.\n";

/// A repository with the hook installed and the post committed on `main` (with its block).
fn blog_with_post() -> Blog {
    let blog = Blog::new();
    blog.write(POST, BASE);
    blog.ok(&["add", POST]);
    blog.ok(&["commit", "-q", "-m", "week 5"]);
    assert!(blog.committed(POST).contains("0 of 4 done"));
    blog
}

/// On `branch` (made from `from`), replaces each `(old, new)` in the post and commits
/// through the hook.
fn edit_on(blog: &Blog, branch: &str, from: &str, edits: &[(&str, &str)]) {
    blog.ok(&["checkout", "-q", "-b", branch, from]);
    let mut text = blog.read(POST);
    for (old, new) in edits {
        assert!(text.contains(old), "{old:?} is not in the post");
        text = text.replace(old, new);
    }
    blog.write(POST, &text);
    blog.ok(&["add", POST]);
    blog.ok(&["commit", "-q", "-m", &format!("{branch}: {}", edits[0].1)]);
}

/// After a merge, cherry-pick or rebase that went through: the post states both sides'
/// text byte for byte, the block agrees with history and nothing is left over.
fn assert_merged(blog: &Blog, user_text: &str, done: usize) {
    let committed = blog.committed(POST);
    let at = committed
        .find("<!-- gitgoals:stats")
        .expect("a stats block");
    assert_eq!(
        &committed[..at],
        format!("{user_text}\n"),
        "the user's text"
    );
    assert_eq!(count(&committed, "<!-- gitgoals:stats"), 1);
    assert!(
        committed.contains(&format!("{done} of 4 done")),
        "{committed}"
    );
    assert!(!committed.contains("<<<<<<<") && !committed.contains(">>>>>>>"));
    assert_eq!(blog.read(POST), committed, "the working file is the commit");
    assert_eq!(blog.status(), "", "nothing left modified or staged");
    blog.scratch
        .assert_block_agrees_with_history(&blog.dir, POST);
}

fn count(haystack: &str, needle: &str) -> usize {
    haystack.matches(needle).count()
}

/// Side A ticks a course and rewrites the Courses prose; side B ticks a paper and rewrites the
/// Papers prose. Both commits change the block's "Goals" and "Done by confidence" lines.
const A_EDITS: [(&str, &str); 2] = [
    ("- [ ] CS242 HW 1", "- [x] CS242 HW 1"),
    (
        "The courses come first this week.",
        "The courses come first this week, homework before labs.",
    ),
];
const B_EDITS: [(&str, &str); 2] = [
    ("- [ ] PixelCNN++", "- [x] PixelCNN++"),
    (
        "Two papers, one of them long.",
        "Two papers, one of them long; read the short one first.",
    ),
];

fn both_sides() -> String {
    let mut text = BASE.to_string();
    for (old, new) in A_EDITS.iter().chain(B_EDITS.iter()) {
        text = text.replace(old, new);
    }
    text
}

#[test]
fn f8_merge_of_branches_that_both_ticked_goals_does_not_conflict_in_the_block() {
    let blog = blog_with_post();
    edit_on(&blog, "a", "main", &A_EDITS);
    edit_on(&blog, "b", "main", &B_EDITS);
    blog.ok(&["checkout", "-q", "a"]);
    let merge = blog.git(&["merge", "-q", "--no-edit", "b"]);
    assert!(
        merge.status.success(),
        "the merge conflicted:\n{}{}\n{}",
        String::from_utf8_lossy(&merge.stdout),
        String::from_utf8_lossy(&merge.stderr),
        blog.read(POST)
    );
    assert_merged(&blog, &both_sides(), 2);
}

#[test]
fn f8_cherry_pick_and_rebase_of_ticks_do_not_conflict_in_the_block() {
    let blog = blog_with_post();
    edit_on(&blog, "a", "main", &A_EDITS);
    edit_on(&blog, "b", "main", &B_EDITS);

    // cherry-pick b's tick onto a copy of a.
    blog.ok(&["checkout", "-q", "-b", "picked", "a"]);
    let pick = blog.git(&["cherry-pick", "b"]);
    assert!(
        pick.status.success(),
        "the cherry-pick conflicted:\n{}{}",
        String::from_utf8_lossy(&pick.stderr),
        blog.read(POST)
    );
    assert_merged(&blog, &both_sides(), 2);

    // rebase -i of b (two commits: the tick, then another tick) onto a.
    blog.ok(&["checkout", "-q", "b"]);
    let text = blog.read(POST).replace("- [ ] Wavenet", "- [x] Wavenet");
    blog.write(POST, &text);
    blog.ok(&["commit", "-q", "-a", "-m", "b: wavenet"]);
    let rebase = blog.git(&["rebase", "-i", "a"]);
    assert!(
        rebase.status.success(),
        "the rebase conflicted:\n{}{}",
        String::from_utf8_lossy(&rebase.stderr),
        blog.read(POST)
    );
    assert_eq!(blog.ok(&["rev-list", "--count", "a..HEAD"]).trim(), "2");
    assert_merged(
        &blog,
        &both_sides().replace("- [ ] Wavenet", "- [x] Wavenet"),
        3,
    );
}

#[test]
fn f8_a_real_conflict_outside_the_block_stays_a_conflict_and_resolves_as_usual() {
    let blog = blog_with_post();
    edit_on(
        &blog,
        "a",
        "main",
        &[
            ("- [ ] CS242 HW 1", "- [x] CS242 HW 1"),
            ("Nothing yet.", "Homework went well."),
        ],
    );
    edit_on(
        &blog,
        "b",
        "main",
        &[
            ("- [ ] PixelCNN++", "- [x] PixelCNN++"),
            ("Nothing yet.", "The paper was hard."),
        ],
    );
    blog.ok(&["checkout", "-q", "a"]);
    let merge = blog.git(&["merge", "-q", "--no-edit", "b"]);
    assert!(
        !merge.status.success(),
        "a real conflict must stop the merge"
    );
    let unmerged = blog.ok(&["diff", "--name-only", "--diff-filter=U"]);
    assert_eq!(unmerged.trim(), POST);
    let conflicted = blog.read(POST);
    // Git's markers are around the Notes line, and both sides' words are there.
    let notes = conflicted.find("### Notes").expect("notes");
    let block = conflicted.find("<!-- gitgoals:stats").expect("block");
    let open = conflicted.find("<<<<<<<").expect("conflict markers");
    let close = conflicted.find(">>>>>>>").expect("conflict markers");
    assert!(notes < open && close < block, "{conflicted}");
    assert!(
        conflicted.contains("Homework went well.") && conflicted.contains("The paper was hard.")
    );
    assert_eq!(count(&conflicted, "<<<<<<<"), 1, "{conflicted}");
    // Both sides' ticks merged cleanly.
    assert!(conflicted.contains("- [x] CS242 HW 1") && conflicted.contains("- [x] PixelCNN++"));

    // Resolved as people do: edit, add, commit. The hook writes the block for the result.
    let resolved = {
        let start = conflicted.find("<<<<<<<").expect("open");
        let end = conflicted[close..]
            .find('\n')
            .map_or(conflicted.len(), |n| close + n + 1);
        format!(
            "{}Homework went well. The paper was hard.\n{}",
            &conflicted[..start],
            &conflicted[end..]
        )
    };
    blog.write(POST, &resolved);
    blog.ok(&["add", POST]);
    blog.ok(&["commit", "-q", "--no-edit"]);
    let user = BASE
        .replace("- [ ] CS242 HW 1", "- [x] CS242 HW 1")
        .replace("- [ ] PixelCNN++", "- [x] PixelCNN++")
        .replace("Nothing yet.", "Homework went well. The paper was hard.");
    assert_merged(&blog, &user, 2);
}

#[test]
fn f8_install_registers_the_merge_driver_outside_tracked_files_and_uninstall_removes_it() {
    let scratch = Scratch::new();
    let dir = scratch.init("blog");
    let attributes = dir.join(".git/info/attributes");
    fs::create_dir_all(attributes.parent().expect("info")).expect("info dir");
    let mine = "*.png binary\n# my own line\n";
    fs::write(&attributes, mine).expect("attributes");
    let gitgoals = |args: &[&str]| scratch.gitgoals(&dir, args).ok();
    let config = |key: &str| {
        scratch
            .command("git", &dir, &["config", "--get", key])
            .output()
            .expect("git config")
    };

    gitgoals(&["hook", "install"]);
    let driver = String::from_utf8_lossy(&config("merge.gitgoals.driver").stdout).into_owned();
    assert!(
        driver.contains("merge-driver") && driver.contains("%A"),
        "{driver}"
    );
    assert!(config("merge.gitgoals.name").status.success());
    let with_ours = fs::read_to_string(&attributes).expect("attributes");
    assert!(
        with_ours.starts_with(mine),
        "the user's lines stay first: {with_ours}"
    );
    assert!(with_ours.contains("merge=gitgoals"), "{with_ours}");
    let check = scratch.git(&dir, &["check-attr", "merge", "--", POST]);
    assert_eq!(check.trim(), format!("{POST}: merge: gitgoals"));
    assert!(
        !dir.join(".gitattributes").exists(),
        "no tracked file is touched"
    );

    gitgoals(&["hook", "install"]);
    assert_eq!(
        fs::read_to_string(&attributes).expect("attributes"),
        with_ours,
        "installing twice changes nothing"
    );

    gitgoals(&["hook", "uninstall"]);
    assert_eq!(fs::read_to_string(&attributes).expect("attributes"), mine);
    assert!(!config("merge.gitgoals.driver").status.success());
    assert!(!config("merge.gitgoals.name").status.success());
}
