//! The cache when a run dies while writing it: killed at any moment, it leaves at most a
//! temporary file or a torn cache behind, and the next run prints what a run without the cache
//! prints.

mod common;
#[path = "support/synthetic.rs"]
mod synthetic;

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use common::{GITGOALS, Scratch, assert_no_panic};
use gitgoals::cache;
use gitgoals::git::Repo;
use synthetic::Spec;

#[test]
fn a_run_killed_mid_write_of_the_cache_is_recovered_by_the_next_one() {
    common::hermetic_libgit2();
    let scratch = Scratch::new();
    let dir = scratch.root.join("blog");
    synthetic::write_repo(&synthetic::generate(&Spec::test(7)), &dir).expect("blog");
    let truth = scratch
        .gitgoals(&dir, &["--no-cache", "tasks", "--format", "json"])
        .ok()
        .stdout;
    let file = cache::cache_file(&Repo::open(Some(&dir)).expect("repo"));
    let cache_dir = file.parent().expect("cache dir").to_path_buf();

    // Kill cold runs at moments spread over their whole length: some before the cache is
    // written, some while its temporary file is written, some after.
    for delay_ms in [5u64, 20, 40, 60, 80, 120, 160, 240] {
        let _ = std::fs::remove_dir_all(&cache_dir);
        let mut child = scratch
            .command(GITGOALS, &dir, &["tasks", "--format", "json"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start");
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill();
        let status = child.wait().expect("wait");
        assert_no_panic(status.code(), "panicked before the kill");

        let after = scratch
            .gitgoals(&dir, &["tasks", "--format", "json"])
            .ok()
            .stdout;
        assert_eq!(after, truth, "after a kill at {delay_ms} ms");
    }

    // What a kill leaves at worst: a torn temporary file beside a torn cache. (Named after a
    // process that is alive, this test's, it stands for a writer still at work.)
    scratch.gitgoals(&dir, &["tasks"]).ok();
    let whole = std::fs::read(&file).expect("cache written");
    let torn = &whole[..whole.len() * 2 / 3];
    std::fs::write(&file, torn).expect("torn cache");
    let leftover = cache_dir.join(format!(
        "{}.{}.tmp",
        file.file_name().and_then(|n| n.to_str()).expect("name"),
        std::process::id()
    ));
    std::fs::write(&leftover, &whole[..whole.len() / 3]).expect("torn temporary");
    let after = scratch
        .gitgoals(&dir, &["tasks", "--format", "json"])
        .ok()
        .stdout;
    assert_eq!(after, truth, "after a torn cache");
    assert_ne!(std::fs::read(&file).expect("cache"), torn, "not rebuilt");
    // The hook reads the same cache: it still works.
    scratch.gitgoals(&dir, &["hook", "run", "pre-commit"]).ok();
    assert!(Path::new(&file).is_file());

    // A temporary file left long ago by a killed writer is cleared at the next run; a recent
    // one of a live process may be a writer at work and stays.
    let abandoned = cache_dir.join(format!(
        "{}.{}.tmp",
        file.file_name().and_then(|n| n.to_str()).expect("name"),
        999_998
    ));
    std::fs::write(&abandoned, b"torn").expect("abandoned temporary");
    let an_hour_ago = std::time::SystemTime::now() - Duration::from_secs(3600);
    std::fs::File::options()
        .write(true)
        .open(&abandoned)
        .and_then(|f| f.set_modified(an_hour_ago))
        .expect("age the file");
    std::fs::write(&file, torn).expect("torn cache again");
    scratch.gitgoals(&dir, &["tasks"]).ok();
    assert!(!abandoned.exists(), "an abandoned temporary file was left");
    assert!(leftover.exists(), "a recent temporary file was removed");
}
