//! The session seam: a run resolved once — repository, settings, which files are posts, how
//! they read — and every stage taking its answers from it. These tests call the seam directly,
//! as git-absorb's tests call `run_with_repo`.

mod common;

use std::fs;

use common::{DAY, MONDAY, TestRepo};
use gitgoals::error::Error;
use gitgoals::git::Repo;
use gitgoals::session::{Args, Session};

const WEEK: &str = "---\ntitle: Week\n---\n\n## Goals\n\n- [x] Read the paper, 4/5\n- [ ] Write the notes (3 of 10)\n";

fn session(repo: &TestRepo, args: Args) -> Session {
    let opened = Repo::open(Some(repo.path())).expect("the repository opens");
    Session::with_repo(opened, &args).expect("a session")
}

#[test]
fn one_definition_of_a_post_for_history_and_the_selector_the_hook_and_show_use() {
    let repo = TestRepo::new();
    repo.commit(
        &[
            ("_posts/2024-01-08-week.md", Some(WEEK)),
            // A posts folder below the top level, beside a top-level one: not a post.
            ("notes/_posts/2024-01-15-week.md", Some(WEEK)),
            // Markdown with tasks outside the posts folders: not a post either.
            ("README.md", Some(WEEK)),
        ],
        MONDAY,
        "posts",
    );
    let session = session(&repo, Args::default());
    let selector = session.selector().expect("a selector");
    assert!(selector.is_post("_posts/2024-01-08-week.md"));
    assert!(!selector.is_post("notes/_posts/2024-01-15-week.md"));
    assert!(!selector.is_post("README.md"));
    let (history, ledger) = session.history_and_ledger().expect("history");
    let paths: Vec<&str> = history.posts.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["_posts/2024-01-08-week.md"]);
    assert_eq!(ledger.weeks.len(), 1);
}

#[test]
fn posts_flag_applies_before_dash_c_and_over_the_settings_file() {
    let repo = TestRepo::new();
    // The settings file is read from the work tree, as a user edits it.
    fs::write(
        repo.path().join(".gitgoals.toml"),
        "posts = [\"file/*.md\"]\n",
    )
    .expect("settings");
    repo.commit(&[("flag/2024-01-08-week.md", Some(WEEK))], MONDAY, "a post");
    let from_file = session(&repo, Args::default());
    assert_eq!(from_file.read.globs(), ["file/*.md"]);
    let with_flag = session(
        &repo,
        Args {
            posts: Some("flag/*.md".into()),
            ..Args::default()
        },
    );
    assert_eq!(with_flag.read.globs(), ["flag/*.md"]);
    let both = session(
        &repo,
        Args {
            posts: Some("flag/*.md".into()),
            settings: vec!["posts=[\"dash-c/*.md\"]".into()],
            ..Args::default()
        },
    );
    assert_eq!(both.read.globs(), ["dash-c/*.md"], "-c has the last word");
    let (history, _) = with_flag.history_and_ledger().expect("history");
    assert_eq!(history.posts.len(), 1, "the flag's glob is the one read");
}

#[test]
fn the_reading_options_come_from_the_settings_once_for_every_stage() {
    let repo = TestRepo::new();
    fs::write(
        repo.path().join(".gitgoals.toml"),
        "[confidence]\nscale = 10\npattern = \"({n} of {scale})\"\n",
    )
    .expect("settings");
    repo.commit(
        &[("_posts/2024-01-08-week.md", Some(WEEK))],
        MONDAY + DAY,
        "post",
    );
    let session = session(&repo, Args::default());
    assert_eq!(session.rating_scale(), 10);
    assert_eq!(session.parse_options().rating_scale, 10);
    let (history, _) = session.history_and_ledger().expect("history");
    let post = &history.posts[0].versions[0].post;
    let notes = post
        .tasks
        .contents()
        .find(|t| t.title.starts_with("Write the notes"))
        .expect("the task");
    assert_eq!(
        &*notes.title, "Write the notes",
        "the rating is not in the title"
    );
    assert_eq!(notes.confidence, Some(3));
}

#[test]
fn outside_a_repository_the_session_keeps_its_settings_and_says_why_there_is_no_history() {
    let dir = tempfile::tempdir().expect("temp dir");
    let session = Session::open(&Args {
        dir: Some(dir.path().to_path_buf()),
        settings: vec!["confidence.scale=10".into()],
        ..Args::default()
    })
    .expect("a session without a repository");
    assert_eq!(session.rating_scale(), 10);
    let error = session
        .ledger()
        .expect_err("no history outside a repository");
    assert!(matches!(error, Error::NotARepository { .. }), "{error}");
    assert!(error.to_string().contains("is not in a git repository"));
}

#[test]
fn a_broken_setting_stops_the_session_naming_the_key() {
    let dir = tempfile::tempdir().expect("temp dir");
    let error = Session::open(&Args {
        dir: Some(dir.path().to_path_buf()),
        settings: vec!["confidence.scale=eleven".into()],
        ..Args::default()
    })
    .err()
    .expect("a broken setting is an error");
    assert!(error.to_string().contains("confidence.scale"), "{error}");
}
