//! The synthetic blog written as a real git repository reads back as the generator meant it.

mod common;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

use common::{Isolated as _, hermetic_libgit2};
use synthetic::{Blog, Spec, SyntheticError};

fn files_of(repo: &git2::Repository, tree: &git2::Tree<'_>) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    tree.walk(git2::TreeWalkMode::PreOrder, |dir, entry| {
        if entry.kind() == Some(git2::ObjectType::Blob) {
            let blob = repo.find_blob(entry.id()).expect("blob listed in a tree");
            let name = entry.name().expect("utf-8 name");
            files.insert(format!("{dir}{name}"), blob.content().to_vec());
        }
        git2::TreeWalkResult::Ok
    })
    .expect("walk the head tree");
    files
}

fn written(spec: &Spec) -> (Blog, tempfile::TempDir, synthetic::WrittenRepo) {
    hermetic_libgit2();
    let blog = synthetic::generate(spec);
    let dir = tempfile::tempdir().expect("temp dir");
    let repo_dir = dir.path().join("blog");
    let written = synthetic::write_repo(&blog, &repo_dir).expect("write the synthetic repo");
    (blog, dir, written)
}

#[test]
fn written_history_has_every_commit_and_the_final_files() {
    let (blog, dir, written) = written(&Spec::test(3));
    let repo = git2::Repository::open(dir.path().join("blog")).expect("open");
    let head = repo.head().expect("head");
    assert_eq!(head.shorthand().ok(), Some("main"));
    assert_eq!(head.target(), Some(written.head));

    let mut walk = repo.revwalk().expect("revwalk");
    walk.push_head().expect("push head");
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::REVERSE)
        .expect("sorting");
    let ids: Vec<git2::Oid> = walk.map(|id| id.expect("walk")).collect();
    assert_eq!(ids.len(), blog.commits.len());
    assert_eq!(ids, written.commits);

    for (id, planned) in ids.iter().zip(&blog.commits) {
        let commit = repo.find_commit(*id).expect("commit");
        assert_eq!(commit.author().when().seconds(), planned.time.timestamp());
        assert_eq!(commit.author().when().offset_minutes(), 60);
        assert_eq!(
            commit.committer().when().seconds(),
            planned.time.timestamp()
        );
        assert_eq!(
            commit.summary().ok().flatten(),
            Some(planned.message.as_str())
        );
        assert!(commit.parent_count() <= 1);
    }

    let tree = repo
        .find_commit(written.head)
        .and_then(|c| c.tree())
        .expect("head tree");
    assert_eq!(files_of(&repo, &tree), blog.final_files);

    // Checked out, as a blog someone cloned.
    for (path, content) in &blog.final_files {
        let on_disk = std::fs::read(dir.path().join("blog").join(path)).expect("checked out");
        assert_eq!(&on_disk, content, "{path}");
    }
}

#[test]
fn truth_stamps_name_commits_that_change_the_post_at_that_time() {
    let (blog, dir, written) = written(&Spec::test(4));
    let repo = git2::Repository::open(dir.path().join("blog")).expect("open");
    for task in &blog.truth.tasks {
        let stamps = std::iter::once(&task.added).chain(task.checked.as_ref());
        for stamp in stamps {
            let id = written.commit_id(stamp).expect("stamp names a commit");
            let commit = repo.find_commit(id).expect("commit");
            assert_eq!(commit.author().when().seconds(), stamp.time.timestamp());
            let post_blob = |commit: &git2::Commit<'_>| {
                let tree = commit.tree().expect("tree");
                tree.get_path(Path::new(&task.post)).ok().map(|e| e.id())
            };
            let here = post_blob(&commit);
            let before = commit.parent(0).ok().and_then(|p| post_blob(&p));
            assert!(here.is_some(), "{} not in {id}", task.post);
            assert_ne!(here, before, "{id} does not change {}", task.post);
        }
    }
}

#[test]
fn git_itself_accepts_the_objects() {
    let (_blog, dir, written) = written(&Spec::small());
    let home = tempfile::tempdir().expect("temp home");
    let output = Command::new("git")
        .args(["fsck", "--strict", "--no-progress"])
        .current_dir(dir.path().join("blog"))
        .isolated(home.path())
        .output();
    let Ok(output) = output else {
        eprintln!("skipped: no git binary to run fsck with");
        return;
    };
    assert!(
        output.status.success(),
        "git fsck: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let log = Command::new("git")
        .args(["rev-list", "--count", "HEAD"])
        .current_dir(dir.path().join("blog"))
        .isolated(home.path())
        .output()
        .expect("git ran once already");
    let count: usize = String::from_utf8_lossy(&log.stdout)
        .trim()
        .parse()
        .expect("count");
    assert_eq!(count, written.commits.len());
}

#[test]
fn refuses_a_directory_that_is_not_empty() {
    hermetic_libgit2();
    let blog = synthetic::generate(&Spec::small());
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("notes.txt"), "mine").expect("write");
    let error = synthetic::write_repo(&blog, dir.path()).expect_err("must refuse");
    assert!(matches!(error, SyntheticError::NotEmpty { .. }));
    assert!(
        error
            .to_string()
            .contains(&dir.path().display().to_string())
    );
}
