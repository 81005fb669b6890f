//! The pack reader (`git::pack`) against git itself: every blob and tree of a packed
//! repository reads byte for byte as `git cat-file` gives it, whichever way the pack's delta chains run (git gc
//! makes the newest version whole and older ones deltas of it; fast-import the other way
//! round), and an object no pack holds is left to libgit2.

mod common;

use std::io::Write as _;
use std::path::Path;
use std::process::{Command, Stdio};

use common::blog::Blog;
use gitgoals::core::delta::ObjectId;
use gitgoals::git::Repo;

/// Every blob and tree of the repository with its kind and bytes, as `git cat-file` reads
/// them.
fn objects_by_git(blog: &Blog) -> Vec<(String, String, Vec<u8>)> {
    let out = blog
        .command("git", &["cat-file", "--batch-all-objects", "--batch"])
        .output()
        .expect("run git cat-file");
    assert!(out.status.success());
    let mut objects = Vec::new();
    let mut rest = out.stdout.as_slice();
    while let Some(newline) = rest.iter().position(|&b| b == b'\n') {
        let header = String::from_utf8_lossy(&rest[..newline]).to_string();
        let fields: Vec<&str> = header.split(' ').collect();
        let size: usize = fields[2].parse().expect("object size");
        let body = &rest[newline + 1..newline + 1 + size];
        if fields[1] == "blob" || fields[1] == "tree" {
            objects.push((fields[0].to_string(), fields[1].to_string(), body.to_vec()));
        }
        rest = &rest[newline + 1 + size + 1..];
    }
    objects
}

/// Checks every blob and tree of `blog`; returns how many the pack reader read itself. An
/// object asked for as the other kind is never read.
fn every_object_reads_as_git_reads_it(blog: &Blog) -> usize {
    let repo = Repo::open(Some(&blog.dir)).expect("open the repository");
    let objects = objects_by_git(blog);
    assert!(!objects.is_empty());
    let mut packed = 0;
    for (id, kind, bytes) in &objects {
        let id = ObjectId::from_hex(id).expect("object id");
        let (read, other) = if kind == "blob" {
            (repo.packed_blob(id), repo.packed_tree(id))
        } else {
            (repo.packed_tree(id), repo.packed_blob(id))
        };
        assert!(other.is_none(), "{kind} {id} was read as the other kind");
        if let Some(read) = read {
            assert!(*read == *bytes, "{kind} {id} reads differently from git's");
            packed += 1;
        }
    }
    packed
}

/// A checklist of `tasks` lines, `version` of them ticked, with a note that grows.
fn checklist(tasks: usize, version: usize) -> String {
    let mut text = String::from("---\ntitle: Study plan\n---\n");
    for n in 0..tasks {
        if n % 40 == 0 {
            text.push_str(&format!("\n## Part {}\n\n", n / 40));
        }
        let mark = if n < version { 'x' } else { ' ' };
        text.push_str(&format!(
            "- [{mark}] read chapter {n} of the book on compilers and write notes 3/5\n"
        ));
    }
    text.push_str(&format!("\nNotes after {version} sittings.\n"));
    text
}

fn commit_versions(blog: &Blog, versions: usize) {
    for version in 0..versions {
        blog.write("_posts/2021-01-04-plan.md", checklist(400, version));
        blog.write(
            "_posts/2021-01-11-small.md",
            format!("- [ ] goal {version}\n"),
        );
        blog.ok(&["add", "_posts"]);
        blog.ok(&["commit", "-q", "-m", &format!("version {version}")]);
    }
}

/// Packs every object as `git gc` does: the newest version whole, the older ones deltas of
/// it, chains up to 50 deep.
fn pack_as_gc_does(blog: &Blog) {
    blog.ok(&[
        "repack",
        "-a",
        "-d",
        "-f",
        "-q",
        "--depth=50",
        "--window=10",
    ]);
}

#[test]
fn a_gc_packed_history_reads_as_git_reads_it() {
    let blog = Blog::without_hook();
    commit_versions(&blog, 120);
    // Loose objects are libgit2's to read.
    assert_eq!(every_object_reads_as_git_reads_it(&blog), 0);
    pack_as_gc_does(&blog);
    let objects = objects_by_git(&blog).len();
    assert_eq!(every_object_reads_as_git_reads_it(&blog), objects);
}

#[test]
fn a_history_packed_oldest_first_reads_as_git_reads_it() {
    // fast-import stores each version as a delta of the one before.
    let blog = Blog::empty();
    let mut stream = Vec::new();
    for version in 0..80 {
        let text = checklist(300, version);
        writeln!(stream, "commit refs/heads/main").unwrap();
        writeln!(
            stream,
            "committer Goal Setter <goals@example.com> {} +0000",
            1_609_459_200 + version * 3600
        )
        .unwrap();
        writeln!(stream, "data 1\nv").unwrap();
        writeln!(stream, "M 100644 inline _posts/2021-01-04-plan.md").unwrap();
        writeln!(stream, "data {}\n{text}", text.len()).unwrap();
    }
    let mut import = blog
        .command("git", &["fast-import", "--quiet"])
        .stdin(Stdio::piped())
        .spawn()
        .expect("run git fast-import");
    import
        .stdin
        .take()
        .expect("stdin")
        .write_all(&stream)
        .expect("feed git fast-import");
    assert!(import.wait().expect("git fast-import").success());
    let objects = objects_by_git(&blog).len();
    assert_eq!(every_object_reads_as_git_reads_it(&blog), objects);
}

#[test]
fn the_history_read_through_packs_is_the_one_read_from_loose_objects() {
    let blog = Blog::without_hook();
    // Enough commits for the walk to read through the packs (64 or more).
    commit_versions(&blog, 70);
    let loose = blog.gitgoals_ok(&["--no-cache", "history", "--format", "json"]);
    pack_as_gc_does(&blog);
    let packed = blog.gitgoals_ok(&["--no-cache", "history", "--format", "json"]);
    assert_eq!(loose, packed);
}

#[test]
fn the_real_repositories_read_as_git_reads_them() {
    let corpora = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpora");
    let Ok(entries) = std::fs::read_dir(&corpora) else {
        eprintln!("skipped: no ../shared/corpora");
        return;
    };
    let mut bundles: Vec<_> = entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "bundle"))
        .collect();
    bundles.sort();
    for bundle in bundles {
        let blog = Blog::empty();
        let clone = blog.scratch.root.join("clone");
        let status = Command::new("git")
            .args(["-c", "init.defaultBranch=main", "clone", "-q", "--bare"])
            .arg(&bundle)
            .arg(&clone)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .status()
            .expect("run git clone");
        assert!(status.success(), "cannot clone {}", bundle.display());
        let cloned = Blog {
            scratch: blog.scratch,
            dir: clone,
        };
        let objects = objects_by_git(&cloned).len();
        assert_eq!(
            every_object_reads_as_git_reads_it(&cloned),
            objects,
            "{}",
            bundle.display()
        );
    }
}
