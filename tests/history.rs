//! The history engine against real repositories: each task event, task identity through the
//! edits people make, post renames, merges, rewritten histories, and the edges (an empty
//! repository, no repository at all).

mod common;

use common::{DAY, MONDAY, TestRepo};
use gitgoals::core::history::{History, PostLife, TaskLife};
use gitgoals::core::model::EventKind;
use gitgoals::error::Error;
use gitgoals::git::Repo;
use gitgoals::git::read::{HistoryOptions, read_history};

fn history_of(repo: &TestRepo) -> History {
    let opened = Repo::open(Some(repo.path())).expect("open the test repository");
    read_history(&opened, &HistoryOptions::default()).expect("read the history")
}

fn post<'h>(history: &'h History, path: &str) -> &'h PostLife {
    let paths: Vec<&str> = history.posts.iter().map(|p| p.path.as_str()).collect();
    history
        .posts
        .iter()
        .find(|p| p.path == path)
        .unwrap_or_else(|| panic!("no post {path} in {paths:?}"))
}

/// The life of the task that has (or last had) this title.
fn task<'h>(history: &'h History, title: &str) -> &'h TaskLife {
    let found: Vec<&TaskLife> = history
        .tasks
        .iter()
        .filter(|t| t.events.last().is_some_and(|e| *e.title == *title))
        .collect();
    assert_eq!(found.len(), 1, "tasks titled {title:?}: {found:#?}");
    found[0]
}

fn kinds(task: &TaskLife) -> Vec<EventKind> {
    task.events.iter().map(|e| e.kind).collect()
}

fn week(tasks: &str) -> String {
    format!("---\ntitle: Week\n---\n\nThe plan for the week.\n\n{tasks}")
}

const POST: &str = "_posts/2020-12-07-week.md";

#[test]
fn each_event_kind_is_reported_with_its_commit_and_author_time() {
    let repo = TestRepo::new();
    let added = repo.commit(
        &[(
            POST,
            Some(&week(
                "## Courses\n- [ ] Finish studies on wavelets, 3/5\n- [ ] Finish studies on eigenvalues\n- [ ] Implement RetinaNet\n",
            )),
        )],
        MONDAY,
        "plan",
    );
    let checked = repo.commit(
        &[(
            POST,
            Some(&week(
                "## Courses\n- [x] Finish studies on wavelets, 3/5\n- [ ] Finish studies on eigenvalues\n- [ ] Implement RetinaNet\n",
            )),
        )],
        MONDAY + DAY,
        "tick",
    );
    let unchecked = repo.commit(
        &[(
            POST,
            Some(&week(
                "## Courses\n- [ ] Finish studies on wavelets, 3/5\n- [ ] Finish studies on eigenvalues\n- [ ] Implement RetinaNet\n",
            )),
        )],
        MONDAY + 2 * DAY,
        "untick",
    );
    let edited = repo.commit(
        &[(
            POST,
            Some(&week(
                "## Courses\n- [ ] Finish studies on wavelets, 3/5\n- [ ] Finish the studies on eigenvalues\n- [ ] Implement RetinaNet\n",
            )),
        )],
        MONDAY + 3 * DAY,
        "reword",
    );
    let moved = repo.commit(
        &[(
            POST,
            Some(&week(
                "## Courses\n- [ ] Finish studies on wavelets, 3/5\n- [ ] Finish the studies on eigenvalues\n\n## Implementations\n- [ ] Implement RetinaNet\n",
            )),
        )],
        MONDAY + 4 * DAY,
        "move",
    );
    let removed = repo.commit(
        &[(
            POST,
            Some(&week(
                "## Courses\n- [ ] Finish studies on wavelets, 3/5\n\n## Implementations\n- [ ] Implement RetinaNet\n",
            )),
        )],
        MONDAY + 5 * DAY,
        "drop",
    );

    let history = history_of(&repo);
    assert_eq!(history.head, Some(removed.to_string()));
    let wavelets = task(&history, "Finish studies on wavelets");
    assert_eq!(
        kinds(wavelets),
        [EventKind::Added, EventKind::Checked, EventKind::Unchecked]
    );
    let ids: Vec<String> = wavelets
        .events
        .iter()
        .map(|e| e.commit.id.clone())
        .collect();
    assert_eq!(
        ids,
        [
            added.to_string(),
            checked.to_string(),
            unchecked.to_string()
        ]
    );
    // The author's own offset (+01:00 in these repositories) is kept.
    assert_eq!(
        wavelets.events[1].commit.time.to_rfc3339(),
        "2020-12-08T01:00:00+01:00"
    );

    let eigen = task(&history, "Finish the studies on eigenvalues");
    assert_eq!(
        kinds(eigen),
        [EventKind::Added, EventKind::Edited, EventKind::Removed]
    );
    assert_eq!(eigen.events[1].commit.id, edited.to_string());
    assert_eq!(
        eigen.events[1].previous_title.as_deref(),
        Some("Finish studies on eigenvalues")
    );
    assert_eq!(eigen.events[2].commit.id, removed.to_string());

    let retina = task(&history, "Implement RetinaNet");
    assert_eq!(kinds(retina), [EventKind::Added, EventKind::Moved]);
    assert_eq!(retina.events[1].commit.id, moved.to_string());
    assert_eq!(retina.events[1].from_section.as_deref(), Some("Courses"));
    assert_eq!(
        retina.events[1].to_section.as_deref(),
        Some("Implementations")
    );

    let life = post(&history, POST);
    assert_eq!(life.versions.len(), 6);
    assert!(!life.deleted);
    let current = life.current().expect("a current version");
    assert_eq!(current.post.tasks.len(), 2);
    assert_eq!(current.task_ids[0], wavelets.id);
    assert_eq!(current.task_ids[1], retina.id);
}

#[test]
fn a_task_keeps_its_identity_through_bold_notes_rerating_section_moves_and_typo_fixes() {
    let repo = TestRepo::new();
    repo.commit(
        &[(
            POST,
            Some(&week(
                "## Papers\n- [ ] Read the Image Transformer paper, 3/5\n- [ ] Finsih studies on wavelets\n",
            )),
        )],
        MONDAY,
        "plan",
    );
    // Ticked, bolded, a note appended and re-rated, all at once.
    repo.commit(
        &[(
            POST,
            Some(&week(
                "## Papers\n- [x] **Read the Image Transformer paper, 4/5** *notes: attention over pixels*\n- [ ] Finsih studies on wavelets\n",
            )),
        )],
        MONDAY + DAY,
        "done",
    );
    // The typo fixed and the task moved to another section.
    repo.commit(
        &[(
            POST,
            Some(&week(
                "## Papers\n- [x] **Read the Image Transformer paper, 4/5** *notes: attention over pixels*\n\n## Studies\n- [ ] Finish studies on wavelets\n",
            )),
        )],
        MONDAY + 2 * DAY,
        "fix",
    );

    let history = history_of(&repo);
    assert_eq!(history.tasks.len(), 2, "{:#?}", history.tasks);
    let paper = task(&history, "Read the Image Transformer paper");
    assert_eq!(kinds(paper), [EventKind::Added, EventKind::Checked]);
    let wavelets = task(&history, "Finish studies on wavelets");
    assert_eq!(
        kinds(wavelets),
        [EventKind::Added, EventKind::Edited, EventKind::Moved]
    );
    let current = post(&history, POST).current().expect("current version");
    assert_eq!(
        current.post.tasks.placed(0).expect("a task").confidence,
        Some(4)
    );
    assert_eq!(current.task_ids, [paper.id, wavelets.id]);
}

#[test]
fn homework_3_and_homework_4_are_different_tasks() {
    let repo = TestRepo::new();
    repo.commit(&[(POST, Some(&week("- [x] CS242 HW 3\n")))], MONDAY, "hw 3");
    repo.commit(
        &[(POST, Some(&week("- [ ] CS242 HW 4\n")))],
        MONDAY + DAY,
        "hw 4",
    );

    let history = history_of(&repo);
    let hw3 = task(&history, "CS242 HW 3");
    let hw4 = task(&history, "CS242 HW 4");
    assert_ne!(hw3.id, hw4.id);
    assert_eq!(kinds(hw3), [EventKind::Added, EventKind::Removed]);
    assert_eq!(kinds(hw4), [EventKind::Added]);
}

#[test]
fn post_renamed_from_drafts_keeps_its_history() {
    let repo = TestRepo::new();
    let draft = "_drafts/week-5.md";
    let tasks_open = "- [ ] Graphics homework 1\n- [ ] Distributed systems lab 2\n- [ ] Read the WaveNet paper\n";
    let planned = repo.commit(
        &[(
            draft,
            Some(&format!(
                "---\ntitle: Week 5\npublished: false\n---\n\nGoals.\n\n{tasks_open}"
            )),
        )],
        MONDAY,
        "draft",
    );
    repo.commit(
        &[(
            draft,
            Some(&format!(
                "---\ntitle: Week 5\npublished: false\n---\n\nGoals.\n\n{}",
                tasks_open.replacen("- [ ] Graphics", "- [x] Graphics", 1)
            )),
        )],
        MONDAY + DAY,
        "tick in the draft",
    );
    // Published: a dated name, a date in the front matter, and another tick in the same commit.
    let published = "_posts/2020-12-14-week-5.md";
    let publish = repo.rename(
        draft,
        published,
        &format!(
            "---\ntitle: Week 5\ndate: 2020-12-14\n---\n\nGoals.\n\n{}",
            tasks_open
                .replacen("- [ ] Graphics", "- [x] Graphics", 1)
                .replacen("- [ ] Distributed", "- [x] Distributed", 1)
        ),
        MONDAY + 2 * DAY,
        "publish",
    );

    let history = history_of(&repo);
    assert_eq!(history.posts.len(), 1, "{:#?}", history.posts);
    let life = post(&history, published);
    assert!(!life.deleted);
    assert_eq!(life.versions.len(), 3);
    assert_eq!(life.versions[0].commit.id, planned.to_string());
    assert_eq!(&*life.versions[0].path, draft);
    let graphics = task(&history, "Graphics homework 1");
    assert_eq!(kinds(graphics), [EventKind::Added, EventKind::Checked]);
    let lab = task(&history, "Distributed systems lab 2");
    assert_eq!(kinds(lab), [EventKind::Added, EventKind::Checked]);
    assert_eq!(lab.events[1].commit.id, publish.to_string());
    assert_eq!(history.tasks.len(), 3);
}

#[test]
fn case_only_rename_and_a_move_into_a_folder_keep_the_post() {
    let repo = TestRepo::new();
    let text = week("- [ ] Part 1 of Depth First Learning\n- [ ] Look up detection models\n");
    repo.commit(
        &[("_posts/2020-12-07-week.md", Some(&text))],
        MONDAY,
        "plan",
    );
    repo.rename(
        "_posts/2020-12-07-week.md",
        "_posts/2020-12-07-Week.md",
        &text.replacen("- [ ] Part 1", "- [x] Part 1", 1),
        MONDAY + DAY,
        "capitalise",
    );
    repo.rename(
        "_posts/2020-12-07-Week.md",
        "_posts/2020/2020-12-07-Week.md",
        &text.replacen("- [ ] Part 1", "- [x] Part 1", 1),
        MONDAY + 2 * DAY,
        "file by year",
    );

    let history = history_of(&repo);
    assert_eq!(history.posts.len(), 1, "{:#?}", history.posts);
    let life = post(&history, "_posts/2020/2020-12-07-Week.md");
    assert_eq!(life.versions.len(), 3);
    let part1 = task(&history, "Part 1 of Depth First Learning");
    assert_eq!(kinds(part1), [EventKind::Added, EventKind::Checked]);
    assert_eq!(history.tasks.len(), 2);
}

#[test]
fn a_deleted_post_removes_its_tasks_and_is_marked_deleted() {
    let repo = TestRepo::new();
    repo.commit(
        &[(POST, Some(&week("- [ ] Write the report\n")))],
        MONDAY,
        "plan",
    );
    let gone = repo.commit(&[(POST, None)], MONDAY + DAY, "delete");

    let history = history_of(&repo);
    let life = post(&history, POST);
    assert!(life.deleted);
    let report = task(&history, "Write the report");
    assert_eq!(kinds(report), [EventKind::Added, EventKind::Removed]);
    assert_eq!(report.events[1].commit.id, gone.to_string());
}

/// main: A ─ C ─ M, branch: A ─ B ─ M. B ticks "Graphics", C ticks "Study" in the same post.
#[test]
fn a_merged_branch_tick_is_counted_once_and_dated_by_the_branch_commit() {
    let repo = TestRepo::new();
    let both_open = week("- [ ] Graphics homework 1\n- [ ] Study chapter 3\n- [ ] Read WaveNet\n");
    let a = repo.commit(&[(POST, Some(&both_open))], MONDAY, "plan");
    let graphics_done = both_open.replacen("- [ ] Graphics", "- [x] Graphics", 1);
    let b = repo.commit_with(
        &[a],
        &[(POST, Some(&graphics_done))],
        MONDAY + DAY,
        MONDAY + DAY,
        "tick graphics on a branch",
        None,
    );
    let study_done = both_open.replacen("- [ ] Study", "- [x] Study", 1);
    let c = repo.commit(&[(POST, Some(&study_done))], MONDAY + 2 * DAY, "tick study");
    let both_done = graphics_done.replacen("- [ ] Study", "- [x] Study", 1);
    let m = repo.commit_with(
        &[c, b],
        &[(POST, Some(&both_done))],
        MONDAY + 3 * DAY,
        MONDAY + 3 * DAY,
        "merge",
        Some("HEAD"),
    );

    let history = history_of(&repo);
    assert_eq!(history.head, Some(m.to_string()));
    let graphics = task(&history, "Graphics homework 1");
    assert_eq!(kinds(graphics), [EventKind::Added, EventKind::Checked]);
    assert_eq!(graphics.events[1].commit.id, b.to_string());
    let study = task(&history, "Study chapter 3");
    assert_eq!(kinds(study), [EventKind::Added, EventKind::Checked]);
    assert_eq!(study.events[1].commit.id, c.to_string());
    assert_eq!(history.tasks.len(), 3);
    let current = post(&history, POST).current().expect("current version");
    assert_eq!(current.commit.id, m.to_string());
    assert!(
        current.post.tasks.placed(0).expect("a task").checked
            && current.post.tasks.placed(1).expect("a task").checked
    );
}

/// A merge that takes the branch's version of a post as it is (the first parent did not touch
/// it), and a branch that added a task: no event at the merge, the branch's identity kept.
#[test]
fn a_merge_taking_the_branch_version_adds_no_events() {
    let repo = TestRepo::new();
    let plan = week("- [ ] Graphics homework 1\n");
    let a = repo.commit(&[(POST, Some(&plan))], MONDAY, "plan");
    let more = week("- [x] Graphics homework 1\n- [ ] Unplanned: fix the blog theme\n");
    let b = repo.commit_with(
        &[a],
        &[(POST, Some(&more))],
        MONDAY + DAY,
        MONDAY + DAY,
        "branch work",
        None,
    );
    let c = repo.commit(
        &[("about.md", Some("About me\n"))],
        MONDAY + 2 * DAY,
        "other",
    );
    repo.commit_with(
        &[c, b],
        &[(POST, Some(&more))],
        MONDAY + 3 * DAY,
        MONDAY + 3 * DAY,
        "merge",
        Some("HEAD"),
    );

    let history = history_of(&repo);
    let theme = task(&history, "Unplanned: fix the blog theme");
    assert_eq!(kinds(theme), [EventKind::Added]);
    assert_eq!(theme.events[0].commit.id, b.to_string());
    let graphics = task(&history, "Graphics homework 1");
    assert_eq!(kinds(graphics), [EventKind::Added, EventKind::Checked]);
    assert_eq!(graphics.events[1].commit.id, b.to_string());
    let current = post(&history, POST).current().expect("current version");
    assert_eq!(current.task_ids, [graphics.id, theme.id]);
}

/// A branch deleted a post and was merged: the tasks were removed by the branch's commit.
#[test]
fn a_merged_deletion_is_dated_by_the_branch_commit() {
    let repo = TestRepo::new();
    let a = repo.commit(
        &[(POST, Some(&week("- [ ] Write the report\n")))],
        MONDAY,
        "plan",
    );
    let b = repo.commit_with(
        &[a],
        &[(POST, None)],
        MONDAY + DAY,
        MONDAY + DAY,
        "drop",
        None,
    );
    let c = repo.commit(&[("about.md", Some("About\n"))], MONDAY + 2 * DAY, "other");
    repo.commit_with(
        &[c, b],
        &[(POST, None)],
        MONDAY + 3 * DAY,
        MONDAY + 3 * DAY,
        "merge",
        Some("HEAD"),
    );

    let history = history_of(&repo);
    assert!(post(&history, POST).deleted);
    let report = task(&history, "Write the report");
    assert_eq!(kinds(report), [EventKind::Added, EventKind::Removed]);
    assert_eq!(report.events[1].commit.id, b.to_string());
}

/// A merge that keeps only its first parent's side: a post the branch added is not in the
/// result, so its tasks end at the merge.
#[test]
fn a_post_the_merge_leaves_out_ends_at_the_merge() {
    let repo = TestRepo::new();
    let a = repo.commit(&[("about.md", Some("About\n"))], MONDAY, "start");
    let b = repo.commit_with(
        &[a],
        &[(POST, Some(&week("- [ ] Write the report\n")))],
        MONDAY + DAY,
        MONDAY + DAY,
        "branch adds a post",
        None,
    );
    let c = repo.commit(
        &[("about.md", Some("About me\n"))],
        MONDAY + 2 * DAY,
        "main",
    );
    let m = repo.commit_with(
        &[c, b],
        &[],
        MONDAY + 3 * DAY,
        MONDAY + 3 * DAY,
        "merge -s ours",
        Some("HEAD"),
    );

    let history = history_of(&repo);
    assert!(post(&history, POST).deleted);
    let report = task(&history, "Write the report");
    assert_eq!(kinds(report), [EventKind::Added, EventKind::Removed]);
    assert_eq!(report.events[0].commit.id, b.to_string());
    assert_eq!(report.events[1].commit.id, m.to_string());
}

/// A conflict resolved by hand: what the merge itself changes is the merge's event.
#[test]
fn what_a_merge_itself_changes_is_its_own_event() {
    let repo = TestRepo::new();
    let plan = week("- [ ] Graphics homework 1\n- [ ] Read WaveNet\n");
    let a = repo.commit(&[(POST, Some(&plan))], MONDAY, "plan");
    let b = repo.commit_with(
        &[a],
        &[(
            POST,
            Some(&plan.replacen("- [ ] Graphics", "- [x] Graphics", 1)),
        )],
        MONDAY + DAY,
        MONDAY + DAY,
        "branch tick",
        None,
    );
    let c = repo.commit(
        &[(POST, Some(&format!("{plan}- [ ] Write notes\n")))],
        MONDAY + 2 * DAY,
        "add",
    );
    let resolved = week("- [x] Graphics homework 1\n- [x] Read WaveNet\n- [ ] Write notes\n");
    let m = repo.commit_with(
        &[c, b],
        &[(POST, Some(&resolved))],
        MONDAY + 3 * DAY,
        MONDAY + 3 * DAY,
        "merge, and tick WaveNet while at it",
        Some("HEAD"),
    );

    let history = history_of(&repo);
    let wavenet = task(&history, "Read WaveNet");
    assert_eq!(kinds(wavenet), [EventKind::Added, EventKind::Checked]);
    assert_eq!(wavenet.events[1].commit.id, m.to_string());
    let graphics = task(&history, "Graphics homework 1");
    assert_eq!(graphics.events[1].commit.id, b.to_string());
    assert_eq!(graphics.events.len(), 2);
    let notes = task(&history, "Write notes");
    assert_eq!(kinds(notes), [EventKind::Added]);
    assert_eq!(notes.events[0].commit.id, c.to_string());
}

/// A rewritten history: every committer date equal, and the root commit authored after its
/// children. Only the graph says which came first.
#[test]
fn a_rewritten_history_is_ordered_by_the_graph_not_by_dates() {
    let repo = TestRepo::new();
    let same = MONDAY + 100 * DAY;
    let root = repo.commit_with(
        &[],
        &[(
            POST,
            Some(&week("- [ ] Graphics homework 1\n- [ ] Read WaveNet\n")),
        )],
        MONDAY + 50 * DAY,
        same,
        "plan",
        Some("HEAD"),
    );
    let tick = repo.commit_with(
        &[root],
        &[(
            POST,
            Some(&week("- [x] Graphics homework 1\n- [ ] Read WaveNet\n")),
        )],
        MONDAY + DAY,
        same,
        "tick",
        Some("HEAD"),
    );
    let untick = repo.commit_with(
        &[tick],
        &[(
            POST,
            Some(&week("- [ ] Graphics homework 1\n- [x] Read WaveNet\n")),
        )],
        MONDAY + 2 * DAY,
        same,
        "untick and tick",
        Some("HEAD"),
    );

    let history = history_of(&repo);
    let life = post(&history, POST);
    let order: Vec<String> = life.versions.iter().map(|v| v.commit.id.clone()).collect();
    assert_eq!(
        order,
        [root.to_string(), tick.to_string(), untick.to_string()]
    );
    let graphics = task(&history, "Graphics homework 1");
    assert_eq!(
        kinds(graphics),
        [EventKind::Added, EventKind::Checked, EventKind::Unchecked]
    );
    assert_eq!(graphics.events[0].commit.id, root.to_string());
    let wavenet = task(&history, "Read WaveNet");
    assert_eq!(wavenet.events[1].commit.id, untick.to_string());
    // The version as of the tick is the ticked one.
    let at_tick = life.version_at(1).expect("a version at the tick");
    assert_eq!(at_tick.commit.id, tick.to_string());
}

#[test]
fn only_posts_directories_are_read_when_one_exists_else_all_markdown() {
    let repo = TestRepo::new();
    repo.commit(
        &[
            (POST, Some(&week("- [ ] A goal\n"))),
            ("README.md", Some("- [ ] not a goal\n")),
        ],
        MONDAY,
        "blog",
    );
    let history = history_of(&repo);
    assert_eq!(history.posts.len(), 1);
    assert_eq!(history.posts[0].path, POST);

    let notes = TestRepo::new();
    notes.commit(
        &[
            ("notes/2020-12-07.md", Some("- [ ] Weekly goal\n")),
            ("img/logo.png", Some("not markdown")),
        ],
        MONDAY,
        "notes",
    );
    let history = history_of(&notes);
    assert_eq!(history.posts.len(), 1);
    assert_eq!(history.posts[0].path, "notes/2020-12-07.md");
}

#[test]
fn a_posts_glob_chooses_the_files() {
    let repo = TestRepo::new();
    repo.commit(
        &[
            ("goals/2020/week-49.md", Some("- [ ] A goal\n")),
            ("goals/2020/notes.md", Some("- [ ] Not a weekly post\n")),
            (POST, Some(&week("- [ ] Ignored with the glob\n"))),
        ],
        MONDAY,
        "mixed",
    );
    let opened = Repo::open(Some(repo.path())).expect("open");
    let options = HistoryOptions {
        posts_glob: Some("goals/**/week-*.md".to_string()),
        ..HistoryOptions::default()
    };
    let history = read_history(&opened, &options).expect("history");
    let paths: Vec<&str> = history.posts.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(paths, ["goals/2020/week-49.md"]);
}

#[test]
fn a_post_that_is_not_utf8_warns_with_file_and_commit_and_the_rest_comes_out() {
    let repo = TestRepo::new();
    repo.commit(&[(POST, Some(&week("- [ ] Good goal\n")))], MONDAY, "good");
    let bad_path = "_posts/2020-12-14-bad.md";
    let blob = repo.repo.blob(b"- [ ] Caf\xe9 goal\n").expect("blob");
    let head = repo.head().expect("head");
    let base = repo
        .repo
        .find_commit(head)
        .and_then(|c| c.tree())
        .expect("tree");
    let mut update = git2::build::TreeUpdateBuilder::new();
    update.upsert(bad_path, blob, git2::FileMode::Blob);
    let tree = repo
        .repo
        .find_tree(update.create_updated(&repo.repo, &base).expect("tree"))
        .expect("tree");
    let sig = git2::Signature::new("Ada", "ada@example.org", &git2::Time::new(MONDAY + DAY, 0))
        .expect("signature");
    let parent = repo.repo.find_commit(head).expect("parent");
    let bad = repo
        .repo
        .commit(Some("HEAD"), &sig, &sig, "latin-1", &tree, &[&parent])
        .expect("commit");

    let history = history_of(&repo);
    assert_eq!(history.posts.len(), 2);
    let warning = history
        .warnings
        .iter()
        .find(|w| w.file == bad_path)
        .unwrap_or_else(|| panic!("no warning for {bad_path}: {:?}", history.warnings));
    assert_eq!(warning.commit.as_deref(), Some(bad.to_string().as_str()));
    assert!(warning.message.contains("UTF-8"), "{warning}");
}

#[test]
fn an_empty_repository_has_an_empty_history() {
    let repo = TestRepo::new();
    let history = history_of(&repo);
    assert_eq!(history.head, None);
    assert!(history.posts.is_empty() && history.tasks.is_empty());
}

#[test]
fn outside_a_repository_the_error_says_so() {
    common::hermetic_libgit2();
    let dir = tempfile::tempdir().expect("temporary directory");
    let error = Repo::open(Some(dir.path()))
        .err()
        .expect("no repository here");
    assert!(matches!(error, Error::NotARepository { .. }));
    assert_eq!(
        error.to_string(),
        format!(
            "{} is not in a git repository: run gitgoals inside your blog's clone, or name it with -C DIR",
            dir.path().display()
        )
    );
}

/// Amending the tip after a walk: the engine cannot continue from a state it let go of, so
/// it starts over and the result equals a full read.
#[test]
fn an_amended_tip_read_onto_an_earlier_engine_equals_a_full_read() {
    let repo = TestRepo::new();
    let plan = repo.commit(
        &[(POST, Some(&week("- [ ] Graphics homework 1\n")))],
        MONDAY,
        "plan",
    );
    repo.commit(
        &[(POST, Some(&week("- [x] Graphics homework 1\n")))],
        MONDAY + DAY,
        "tick",
    );
    let opened = Repo::open(Some(repo.path())).expect("open");
    let options = HistoryOptions::default();
    let mut engine = gitgoals::core::fold::Engine::new();
    gitgoals::git::read::update(&mut engine, &opened, &options).expect("first walk");
    // The amend: the tick replaced by a new task on top of the plan.
    let amended = repo.commit_with(
        &[plan],
        &[(
            POST,
            Some(&week("- [ ] Graphics homework 1\n- [ ] Read WaveNet\n")),
        )],
        MONDAY + DAY,
        MONDAY + DAY,
        "amended",
        None,
    );
    repo.move_branch(amended);
    gitgoals::git::read::update(&mut engine, &opened, &options).expect("second walk");
    let incremental = engine.into_history();

    assert_eq!(incremental.head, Some(amended.to_string()));
    let graphics = task(&incremental, "Graphics homework 1");
    assert_eq!(kinds(graphics), [EventKind::Added]);
    assert_eq!(incremental.tasks.len(), 2);
    assert_eq!(post(&incremental, POST).versions.len(), 2);
}

/// An engine that starts over after a rewrite reads posts with the options it was given, not
/// the defaults: a `7/10` rating stays a rating after a reset.
#[test]
fn an_engine_starting_over_after_a_reset_keeps_its_reading_options() {
    let repo = TestRepo::new();
    let plan = repo.commit(
        &[(POST, Some(&week("- [ ] Write the essay, 7/10\n")))],
        MONDAY,
        "plan",
    );
    repo.commit(
        &[(POST, Some(&week("- [x] Write the essay, 7/10\n")))],
        MONDAY + DAY,
        "tick",
    );
    let opened = Repo::open(Some(repo.path())).expect("open");
    let mut options = HistoryOptions::default();
    options.parse.rating_scale = 10;
    let mut engine = gitgoals::core::fold::Engine::new();
    gitgoals::git::read::update(&mut engine, &opened, &options).expect("first walk");
    repo.move_branch(plan);
    gitgoals::git::read::update(&mut engine, &opened, &options).expect("walk after the reset");
    let history = engine.into_history();
    let task = &history.posts[0]
        .versions
        .last()
        .expect("a version")
        .post
        .tasks
        .placed(0)
        .expect("a task");
    assert_eq!(
        history.posts[0].versions.len(),
        1,
        "read again from the reset HEAD"
    );
    assert_eq!(
        (&*task.title, task.confidence),
        ("Write the essay", Some(7))
    );
}

/// Feeding only the new commits onto an engine gives what a full read gives.
#[test]
fn new_commits_fed_onto_an_earlier_state_match_a_full_read() {
    let repo = TestRepo::new();
    repo.commit(
        &[(
            POST,
            Some(&week("- [ ] Graphics homework 1\n- [ ] Read WaveNet\n")),
        )],
        MONDAY,
        "plan",
    );
    let opened = Repo::open(Some(repo.path())).expect("open");
    let options = HistoryOptions::default();
    let mut engine = gitgoals::core::fold::Engine::new();
    gitgoals::git::read::update(&mut engine, &opened, &options).expect("first walk");
    repo.commit(
        &[(
            POST,
            Some(&week("- [x] Graphics homework 1\n- [ ] Read WaveNet\n")),
        )],
        MONDAY + DAY,
        "tick",
    );
    repo.commit(
        &[(POST, Some(&week("- [x] Graphics homework 1\n")))],
        MONDAY + 2 * DAY,
        "drop",
    );
    gitgoals::git::read::update(&mut engine, &opened, &options).expect("second walk");
    let incremental = engine.into_history();
    let full = history_of(&repo);

    assert_eq!(incremental.head, full.head);
    let summary = |h: &History| -> Vec<(String, Vec<EventKind>, Vec<String>)> {
        h.tasks
            .iter()
            .map(|t| {
                (
                    t.events[0].title.to_string(),
                    kinds(t),
                    t.events.iter().map(|e| e.commit.id.clone()).collect(),
                )
            })
            .collect()
    };
    assert_eq!(summary(&incremental), summary(&full));
    assert_eq!(incremental.posts[0].versions.len(), 3);
}

/// The real blog: `_posts/2020-12-07-RC-Week-4.md` as `../shared/fixtures/…expected.json`
/// describes its history (first version, then three ticks with their commits and times).
#[test]
fn the_seed_posts_history_in_the_real_blog_matches_the_expected_figures() {
    let Some(clone) = common::clone_shared_bundle("rikurse.bundle", "gh-pages") else {
        return;
    };
    let expected_path = common::shared_dir().join("fixtures/2020-12-07-RC-Week-4.expected.json");
    let Ok(expected) = std::fs::read(&expected_path) else {
        eprintln!("skipped: {} is not here", expected_path.display());
        return;
    };
    let expected: serde_json::Value = serde_json::from_slice(&expected).expect("expected JSON");
    let expected = &expected["history_in_the_real_repo"];

    let opened = Repo::open(Some(&clone.path().join("repo"))).expect("open the clone");
    let history = read_history(&opened, &HistoryOptions::default()).expect("history");
    assert!(history.warnings.is_empty(), "{:?}", history.warnings);
    let life = post(&history, "_posts/2020-12-07-RC-Week-4.md");
    let first = &life.versions[0];
    let first_expected = &expected["first_version"];
    assert_eq!(
        Some(first.commit.short_id()),
        first_expected["commit"].as_str()
    );
    assert_eq!(
        Some(first.commit.time.to_rfc3339().as_str()),
        first_expected["time"].as_str()
    );
    assert_eq!(
        Some(first.post.tasks.len() as u64),
        first_expected["tasks"].as_u64()
    );
    let done = first.post.tasks.contents().filter(|t| t.checked).count();
    assert_eq!(Some(done as u64), first_expected["done"].as_u64());

    let post_index = history.post_index(&life.path).expect("post index");
    let mut checks: Vec<(String, String, String)> = history
        .tasks
        .iter()
        .filter(|t| t.post == post_index)
        .flat_map(|t| t.events.iter())
        .filter(|e| e.kind != EventKind::Added)
        .map(|e| {
            assert_eq!(e.kind, EventKind::Checked, "{e:?}");
            (
                e.title.to_string(),
                e.commit.short_id().to_string(),
                e.commit.time.to_rfc3339(),
            )
        })
        .collect();
    checks.sort_by(|a, b| a.2.cmp(&b.2));
    let wanted: Vec<(String, String, String)> = expected["checked_later"]
        .as_array()
        .expect("checked_later")
        .iter()
        .map(|c| {
            let field = |name: &str| c[name].as_str().unwrap_or_default().to_string();
            (field("title"), field("commit"), field("time"))
        })
        .collect();
    assert_eq!(checks, wanted);

    // The history starts after the due date: how much was done on time is unknown, not 0.
    let ledger = gitgoals::core::ledger::build(&history);
    let week = ledger
        .weeks
        .iter()
        .find(|w| w.path == "_posts/2020-12-07-RC-Week-4.md")
        .expect("a goals post");
    assert_eq!(week.due.to_string(), "2020-12-12");
    assert_eq!((week.figures.tasks, week.figures.done), (27, 14));
    assert_eq!(week.figures.done_on_time, None);
}

/// Everything a history says, for comparing two of them whole.
fn whole(history: &History) -> String {
    format!("{history:?}")
}

/// What the watcher does when HEAD moves from `old` to the repository's HEAD: a rewrite
/// whose new HEAD descends from the checkpoint's tip is taken back to it first; a new
/// checkpoint is taken before each update.
fn watch_step(
    engine: &mut gitgoals::core::fold::Engine,
    checkpoint: &mut Option<gitgoals::core::fold::Checkpoint>,
    repo: &TestRepo,
    opened: &Repo,
    old: git2::Oid,
) -> bool {
    let new = repo.head().expect("a HEAD");
    let base = repo.repo.merge_base(old, new).ok();
    let mut rolled = false;
    if let Some(taken) = checkpoint.take()
        && base != Some(old)
    {
        let head = gitgoals::core::delta::ObjectId::from_hex(&new.to_string()).expect("an id");
        if opened.is_ancestor(taken.tip(), head).expect("ancestry") {
            rolled = engine.roll_back(taken);
        }
    }
    *checkpoint = engine.checkpoint();
    gitgoals::git::read::update(engine, opened, &HistoryOptions::default()).expect("walk");
    rolled
}

/// A merge folded in after the checkpoint (a post made on each line, one made and deleted,
/// a rename, a conflict resolved), then amended: taken back and folded anew, the engine
/// says what a full read says.
#[test]
fn an_amended_merge_rolled_back_to_the_checkpoint_equals_a_full_read() {
    let repo = TestRepo::new();
    let other = "_posts/2020-12-14-week.md";
    let third = "_posts/2020-12-21-week.md";
    let renamed = "_posts/2020-12-08-week.md";
    let start = repo.commit(
        &[(POST, Some(&week("- [ ] Alpha\n- [ ] Beta\n- [ ] Gamma\n")))],
        MONDAY,
        "plan",
    );
    let opened = Repo::open(Some(repo.path())).expect("open");
    let mut engine = gitgoals::core::fold::Engine::new();
    let mut checkpoint = None;
    gitgoals::git::read::update(&mut engine, &opened, &HistoryOptions::default()).expect("walk");

    // Two lines from the start: one ticks Alpha and starts another post; the other
    // renames the post, ticks Beta, makes a third post and deletes it again.
    let side = repo.commit_with(
        &[start],
        &[
            (POST, Some(&week("- [x] Alpha\n- [ ] Beta\n- [ ] Gamma\n"))),
            (other, Some(&week("- [ ] Delta\n"))),
        ],
        MONDAY + DAY,
        MONDAY + DAY,
        "side",
        None,
    );
    let main1 = repo.commit_with(
        &[start],
        &[
            (POST, None),
            (
                renamed,
                Some(&week("- [ ] Alpha\n- [x] Beta\n- [ ] Gamma\n")),
            ),
            (third, Some(&week("- [ ] Epsilon\n"))),
        ],
        MONDAY + 2 * DAY,
        MONDAY + 2 * DAY,
        "main rename",
        None,
    );
    let main2 = repo.commit_with(
        &[main1],
        &[(third, None)],
        MONDAY + 3 * DAY,
        MONDAY + 3 * DAY,
        "main drop",
        None,
    );
    let merge = repo.commit_with(
        &[main2, side],
        &[
            (
                renamed,
                Some(&week("- [x] Alpha\n- [x] Beta\n- [ ] Gamma\n")),
            ),
            (other, Some(&week("- [ ] Delta\n"))),
        ],
        MONDAY + 4 * DAY,
        MONDAY + 4 * DAY,
        "merge",
        None,
    );
    repo.move_branch(merge);
    watch_step(&mut engine, &mut checkpoint, &repo, &opened, start);
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));

    // The merge amended: another resolution, the other post left out, Gamma ticked.
    let amended = repo.commit_with(
        &[main2, side],
        &[(
            renamed,
            Some(&week("- [x] Alpha\n- [x] Beta\n- [x] Gamma\n")),
        )],
        MONDAY + 4 * DAY,
        MONDAY + 5 * DAY,
        "merge, amended",
        None,
    );
    repo.move_branch(amended);
    let rolled = watch_step(&mut engine, &mut checkpoint, &repo, &opened, merge);
    assert!(rolled, "the amend is taken back to the checkpoint");
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));

    // And amended again, back to the first resolution.
    let again = repo.commit_with(
        &[main2, side],
        &[
            (
                renamed,
                Some(&week("- [x] Alpha\n- [x] Beta\n- [ ] Gamma\n")),
            ),
            (other, Some(&week("- [ ] Delta\n"))),
        ],
        MONDAY + 4 * DAY,
        MONDAY + 6 * DAY,
        "merge, amended again",
        None,
    );
    repo.move_branch(again);
    assert!(watch_step(
        &mut engine,
        &mut checkpoint,
        &repo,
        &opened,
        amended
    ));
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));
}

/// `git reset --hard HEAD~1` then a new commit, and a switch to a branch that left from the
/// checkpoint's tip: each step says what a full read says.
#[test]
fn a_reset_then_a_commit_and_a_branch_switch_after_a_roll_back_equal_full_reads() {
    let repo = TestRepo::new();
    let other = "_posts/2020-12-14-week.md";
    let start = repo.commit(
        &[(POST, Some(&week("- [ ] Alpha\n- [ ] Beta\n")))],
        MONDAY,
        "plan",
    );
    let opened = Repo::open(Some(repo.path())).expect("open");
    let mut engine = gitgoals::core::fold::Engine::new();
    let mut checkpoint = None;
    gitgoals::git::read::update(&mut engine, &opened, &HistoryOptions::default()).expect("walk");

    let tick = repo.commit(
        &[
            (POST, Some(&week("- [x] Alpha\n- [ ] Beta\n"))),
            (other, Some(&week("- [ ] Delta\n"))),
        ],
        MONDAY + DAY,
        "tick",
    );
    watch_step(&mut engine, &mut checkpoint, &repo, &opened, start);
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));

    // reset --hard HEAD~1
    repo.move_branch(start);
    assert!(watch_step(
        &mut engine,
        &mut checkpoint,
        &repo,
        &opened,
        tick
    ));
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));
    let new = repo.commit(
        &[(other, Some(&week("- [ ] Zeta\n- [x] Delta\n")))],
        MONDAY + 2 * DAY,
        "new",
    );
    watch_step(&mut engine, &mut checkpoint, &repo, &opened, start);
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));

    // Back to the old tick (a branch that forked at the checkpoint's tip).
    repo.move_branch(tick);
    assert!(watch_step(
        &mut engine,
        &mut checkpoint,
        &repo,
        &opened,
        new
    ));
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));
    let later = repo.commit(
        &[(POST, Some(&week("- [x] Alpha\n- [x] Beta\n")))],
        MONDAY + 3 * DAY,
        "later",
    );
    watch_step(&mut engine, &mut checkpoint, &repo, &opened, tick);
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));
    repo.move_branch(new);
    watch_step(&mut engine, &mut checkpoint, &repo, &opened, later);
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));
}

/// Warnings given by commits folded in after the checkpoint are taken back with them: an
/// amend that mends a broken post leaves no warning of it, and one that breaks it again
/// warns again, as a full read does.
#[test]
fn warnings_after_the_checkpoint_are_taken_back_with_their_commits() {
    let repo = TestRepo::new();
    let broken = "---\ntitle: [unclosed\n---\n\n- [ ] Alpha\n";
    let start = repo.commit(&[(POST, Some(&week("- [ ] Alpha\n")))], MONDAY, "plan");
    let opened = Repo::open(Some(repo.path())).expect("open");
    let mut engine = gitgoals::core::fold::Engine::new();
    let mut checkpoint = None;
    gitgoals::git::read::update(&mut engine, &opened, &HistoryOptions::default()).expect("walk");

    let bad = repo.commit(&[(POST, Some(broken))], MONDAY + DAY, "broken");
    watch_step(&mut engine, &mut checkpoint, &repo, &opened, start);
    let full = history_of(&repo);
    assert!(!full.warnings.is_empty(), "the broken front matter warns");
    assert_eq!(whole(&engine.history()), whole(&full));

    let mended = repo.commit_with(
        &[start],
        &[(POST, Some(&week("- [x] Alpha\n")))],
        MONDAY + DAY,
        MONDAY + 2 * DAY,
        "mended",
        None,
    );
    repo.move_branch(mended);
    assert!(watch_step(
        &mut engine,
        &mut checkpoint,
        &repo,
        &opened,
        bad
    ));
    let full = history_of(&repo);
    assert!(full.warnings.is_empty());
    assert_eq!(whole(&engine.history()), whole(&full));

    let broken_again = repo.commit_with(
        &[start],
        &[(POST, Some(broken))],
        MONDAY + DAY,
        MONDAY + 3 * DAY,
        "broken again",
        None,
    );
    repo.move_branch(broken_again);
    assert!(watch_step(
        &mut engine,
        &mut checkpoint,
        &repo,
        &opened,
        mended
    ));
    assert_eq!(whole(&engine.history()), whole(&history_of(&repo)));
}

/// Ancestry as the cache asks it: a commit a few back, one far back (past the nearest
/// ancestors gitgoals looks through itself), both parents of a merge, and a commit on
/// another line that is no ancestor at all.
#[test]
fn ancestry_near_and_far_and_across_a_merge() {
    let repo = TestRepo::new();
    let id = |oid: git2::Oid| {
        gitgoals::core::delta::ObjectId::from_hex(&oid.to_string()).expect("an id")
    };
    let root = repo.commit(&[(POST, Some("- [ ] a\n"))], MONDAY, "root");
    let mut line = Vec::new();
    for n in 0..80 {
        let text = format!("- [ ] a\n- [ ] step {n}\n");
        line.push(repo.commit(&[(POST, Some(&text))], MONDAY + n * 60, "step"));
    }
    let side = repo.commit_with(
        &[line[70]],
        &[("_posts/side.md", Some("- [ ] side\n"))],
        MONDAY + 9_000,
        MONDAY + 9_000,
        "side",
        None,
    );
    let merge = repo.commit_with(
        &[line[79], side],
        &[("_posts/side.md", Some("- [ ] side\n"))],
        MONDAY + 9_600,
        MONDAY + 9_600,
        "merge",
        Some("HEAD"),
    );
    let opened = Repo::open(Some(repo.path())).expect("open");
    let head = id(merge);
    for ancestor in [line[77], side, line[70], line[3], root, merge] {
        assert!(opened.is_ancestor(id(ancestor), head).expect("ancestry"));
    }
    assert!(
        !opened
            .is_ancestor(id(side), id(line[79]))
            .expect("ancestry")
    );
    assert!(!opened.is_ancestor(head, id(line[79])).expect("ancestry"));
}
