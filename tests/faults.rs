//! Faults around gitgoals' writes: the disk filling up while it writes a post, and the index
//! locked by another git process. The post is never left half-written, gitgoals says what
//! happened in one line, and it never blocks a commit unless asked to (`--strict`).

mod common;

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

use common::Scratch;

const POST: &str = "_posts/2020-12-07-week.md";

fn text(ticked: bool) -> String {
    format!(
        "---\ntitle: Week\n---\n\nGoals by 2020-12-12.\n\n- [{}] alpha\n- [ ] beta\n",
        if ticked { "x" } else { " " }
    )
}

/// A small tmpfs mounted for one test, unmounted when dropped. Needs root and `mount`; `None`
/// (with a message) where the test cannot mount one.
struct TinyDisk {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

impl TinyDisk {
    fn mount(size: &str) -> Option<TinyDisk> {
        let dir = tempfile::tempdir().ok()?;
        let path = dir.path().to_path_buf();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&path)
            .stderr(std::process::Stdio::null())
            .status();
        match status {
            Ok(status) if status.success() => Some(TinyDisk { _dir: dir, path }),
            _ => {
                eprintln!("skipped: cannot mount a tmpfs here (needs root)");
                None
            }
        }
    }

    /// Writes a filler file until the disk is full.
    fn fill(&self) {
        let mut filler = fs::File::create(self.path.join("filler")).expect("filler");
        let chunk = vec![b'.'; 1024];
        while filler.write_all(&chunk).is_ok() {}
        // What is left is smaller than a page; take that too.
        while filler.write_all(b".").is_ok() {}
        let _ = filler.sync_all();
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg(&self.path).status();
    }
}

/// Names of files in `dir` other than the expected ones (a temporary file left behind).
fn strays(dir: &Path, expected: &[&str]) -> Vec<String> {
    fs::read_dir(dir)
        .expect("dir")
        .map(|e| e.expect("entry").file_name().to_string_lossy().into_owned())
        .filter(|name| !expected.contains(&name.as_str()))
        .collect()
}

#[test]
fn disk_full_while_writing_the_post_leaves_it_untouched() {
    let Some(disk) = TinyDisk::mount("256k") else {
        return;
    };
    let scratch = Scratch::new();
    let dir = disk.path.join("blog");
    fs::create_dir_all(dir.join("_posts")).expect("posts dir");
    // No template directory: the sample hooks alone would take a third of the disk.
    scratch.git(&dir, &["init", "-q", "--template=", "-b", "main"]);
    fs::write(dir.join(POST), text(false)).expect("post");
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "plan"]);
    // A change staged for the hook, its blob already written.
    fs::write(dir.join(POST), text(true)).expect("post");
    scratch.git(&dir, &["add", POST]);
    let index_before = fs::read(dir.join(".git/index")).expect("index");
    disk.fill();

    // `stats` writes the working file: fails, says why, leaves the post as it was.
    let run = scratch.gitgoals(&dir, &["stats"]).fails();
    assert!(
        run.stderr.contains("No space left") && run.stderr.contains(POST),
        "{}",
        run.stderr
    );
    assert_eq!(
        fs::read_to_string(dir.join(POST)).expect("post"),
        text(true)
    );
    assert_eq!(
        strays(&dir.join("_posts"), &["2020-12-07-week.md"]),
        [""; 0]
    );

    // The hook cannot even store the new blob: one line, the commit goes on, nothing changed.
    let run = scratch.gitgoals(&dir, &["hook", "run", "pre-commit"]).ok();
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(run.stderr.contains(POST), "{}", run.stderr);
    assert_eq!(
        fs::read_to_string(dir.join(POST)).expect("post"),
        text(true)
    );
    assert_eq!(
        fs::read(dir.join(".git/index")).expect("index"),
        index_before
    );
    assert_eq!(
        strays(&dir.join("_posts"), &["2020-12-07-week.md"]),
        [""; 0]
    );
    scratch
        .gitgoals(&dir, &["hook", "run", "pre-commit", "--strict"])
        .fails();

    // Room again: the same run succeeds.
    fs::remove_file(disk.path.join("filler")).expect("free the disk");
    scratch.gitgoals(&dir, &["hook", "run", "pre-commit"]).ok();
    let post = fs::read_to_string(dir.join(POST)).expect("post");
    assert!(post.contains("1 of 2 done"), "{post}");
}

#[test]
fn index_locked_by_another_git_process_is_one_line_and_never_blocks_or_breaks_anything() {
    let scratch = Scratch::new();
    let dir = scratch.init("blog");
    fs::create_dir_all(dir.join("_posts")).expect("posts dir");
    fs::write(dir.join(POST), text(false)).expect("post");
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "plan"]);
    fs::write(dir.join(POST), text(true)).expect("post");
    scratch.git(&dir, &["add", POST]);
    let staged_before = scratch.git(&dir, &["ls-files", "-s", POST]);
    // Another git process is in the middle of writing the index.
    let lock = dir.join(".git/index.lock");
    fs::write(&lock, b"another process's half-written index").expect("lock");

    let run = scratch.gitgoals(&dir, &["hook", "run", "pre-commit"]).ok();
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(POST) && run.stderr.contains("index"),
        "{}",
        run.stderr
    );
    // Nothing changed: the post, the staged blob, and the other process's lock.
    assert_eq!(
        fs::read_to_string(dir.join(POST)).expect("post"),
        text(true)
    );
    assert_eq!(scratch.git(&dir, &["ls-files", "-s", POST]), staged_before);
    assert_eq!(
        fs::read(&lock).expect("the lock is still there"),
        b"another process's half-written index"
    );
    assert_eq!(
        strays(&dir.join("_posts"), &["2020-12-07-week.md"]),
        [""; 0]
    );
    scratch
        .gitgoals(&dir, &["hook", "run", "pre-commit", "--strict"])
        .fails();

    // Once the other process is done, the next run writes the block.
    fs::remove_file(&lock).expect("unlock");
    scratch.gitgoals(&dir, &["hook", "run", "pre-commit"]).ok();
    let staged = scratch.git(&dir, &["show", &format!(":{POST}")]);
    assert!(staged.contains("1 of 2 done"), "{staged}");
}
