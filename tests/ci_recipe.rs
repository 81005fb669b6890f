//! The CI recipe for edits made where no hook runs (issue 18): the workflow `gitgoals init-ci`
//! writes is played against a bare "remote" with the real git binary. Its script is taken
//! from the workflow file itself and run with the values the forge would give it.

mod common;

use std::path::{Path, PathBuf};

use common::Scratch;
use common::blog::Blog;

const POST: &str = "_posts/2021-03-01-week.md";

fn post(done: &str, note: &str) -> String {
    format!(
        "---\ntitle: Week 1\n---\nGoals for the week.{note}\n\n- [{done}] Write the parser 3/5\n- [ ] Read a paper\n"
    )
}

/// The bare remote, the user's clone (with the hook) and what the user pushed.
struct Forge {
    blog: Blog,
    remote: PathBuf,
}

impl Forge {
    fn new() -> Forge {
        let blog = Blog::new();
        let remote = blog.scratch.root.join("remote.git");
        blog.scratch.git(
            &blog.scratch.root,
            &["init", "-q", "--bare", "-b", "main", "remote.git"],
        );
        blog.ok(&["remote", "add", "origin", remote.to_str().expect("utf-8")]);
        // The user sets the recipe up and writes a post with the hook on.
        let init = blog.gitgoals_ok(&["init-ci"]);
        assert!(init.contains(".github/workflows/gitgoals.yml"), "{init}");
        blog.write(POST, post(" ", ""));
        blog.ok(&["add", "."]);
        blog.commit_ok(&[]);
        blog.ok(&["push", "-q", "origin", "main"]);
        Forge { blog, remote }
    }

    fn remote_head(&self) -> String {
        git_out(&self.blog.scratch, &self.remote, &["rev-parse", "main"])
    }

    /// A push from where no hook runs (the forge's web editor): `text` committed without
    /// the hook. Gives the commit before the push, as the forge's `github.event.before`.
    fn web_edit(&self, text: &str, message: &str) -> String {
        let before = self.remote_head();
        self.blog.write(POST, text);
        self.blog.ok(&["add", POST]);
        self.blog
            .ok(&["commit", "-q", "--no-verify", "-m", message]);
        self.blog.ok(&["push", "-q", "origin", "main"]);
        before
    }

    /// The forge's runner: a fresh full clone of the pushed branch, and the recipe's script
    /// run there with `BEFORE` and `GITHUB_REF` set as the workflow sets them. Its stderr.
    fn run_recipe(&self, name: &str, before: &str) -> String {
        let scratch = &self.blog.scratch;
        let runner = scratch.root.join(name);
        scratch.git(
            &scratch.root,
            &[
                "clone",
                "-q",
                self.remote.to_str().expect("utf-8"),
                runner.to_str().expect("utf-8"),
            ],
        );
        let script = recipe_script(&runner.join(".github/workflows/gitgoals.yml"));
        let out = scratch
            .command("sh", &runner, &["-c", &script])
            .env("BEFORE", before)
            .env("GITHUB_REF", "refs/heads/main")
            // A runner has no identity of its own: gitgoals must bring its own.
            .env_remove("GIT_AUTHOR_NAME")
            .env_remove("GIT_AUTHOR_EMAIL")
            .env_remove("GIT_COMMITTER_NAME")
            .env_remove("GIT_COMMITTER_EMAIL")
            .output()
            .expect("run the recipe");
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "the recipe failed: {stderr}");
        stderr
    }
}

fn git_out(scratch: &Scratch, dir: &Path, args: &[&str]) -> String {
    scratch.git(dir, args).trim().to_string()
}

/// The `run` of the workflow's step that calls gitgoals, and a check that it reads `BEFORE`
/// from the push event.
fn recipe_script(workflow: &Path) -> String {
    let text = std::fs::read_to_string(workflow).expect("the workflow");
    let doc: serde_json::Value = serde_saphyr::from_str(&text).expect("the workflow is YAML");
    let steps = doc["jobs"]["stats"]["steps"]
        .as_array()
        .expect("the job's steps");
    let step = steps
        .iter()
        .find(|s| {
            s["run"]
                .as_str()
                .is_some_and(|run| run.contains("gitgoals stats"))
        })
        .expect("a step runs gitgoals stats");
    assert_eq!(step["env"]["BEFORE"], "${{ github.event.before }}");
    assert!(
        doc["jobs"]["stats"]["if"]
            .as_str()
            .is_some_and(|cond| cond.contains("Gitgoals-Refresh:")),
        "the job skips gitgoals' own commits"
    );
    step["run"].as_str().expect("a script").to_string()
}

/// The text outside the stats block.
fn outside_block(text: &str) -> String {
    let start = text.find("<!-- gitgoals:stats").unwrap_or(text.len());
    let end = text
        .find("<!-- /gitgoals:stats -->")
        .map_or(text.len(), |i| i + "<!-- /gitgoals:stats -->".len());
    format!("{}{}", &text[..start], &text[end.min(text.len())..])
}

#[test]
fn a_push_with_a_stale_block_gets_one_refresh_commit_and_no_loop() {
    let forge = Forge::new();
    let hooked = forge.blog.committed(POST);
    assert!(hooked.contains("0 of 2 done"), "{hooked}");

    // A box ticked in the web editor: the pushed block still says 0 of 2.
    let before = forge.web_edit(
        &hooked.replace("- [ ] Write the parser", "- [x] Write the parser"),
        "Tick a goal on the web",
    );
    let pushed = forge.remote_head();
    let stderr = forge.run_recipe("runner-1", &before);
    assert!(
        stderr.contains("committed the refreshed stats block of _posts/2021-03-01-week.md"),
        "{stderr}"
    );

    // Exactly one commit on top of the push, by gitgoals, touching only the block.
    let scratch = &forge.blog.scratch;
    let remote = &forge.remote;
    let head = forge.remote_head();
    assert_eq!(
        git_out(
            scratch,
            remote,
            &["rev-list", "--count", &format!("{pushed}..main")]
        ),
        "1"
    );
    assert_eq!(git_out(scratch, remote, &["rev-parse", "main^"]), pushed);
    assert_eq!(
        git_out(
            scratch,
            remote,
            &["log", "-1", "--format=%an <%ae>|%cn", "main"]
        ),
        "gitgoals <gitgoals@stats-block.invalid>|gitgoals"
    );
    let message = git_out(scratch, remote, &["log", "-1", "--format=%B", "main"]);
    assert!(message.starts_with("gitgoals: refresh the stats block of _posts/2021-03-01-week.md"));
    assert!(
        message.lines().any(|l| l == "Gitgoals-Refresh: stats"),
        "{message}"
    );
    assert_eq!(
        git_out(scratch, remote, &["diff", "--name-only", &pushed, "main"]),
        POST
    );
    let show = |rev: &str| git_out(scratch, remote, &["show", &format!("{rev}:{POST}")]);
    let (old, new) = (show(&pushed), show(&head));
    assert_eq!(
        outside_block(&old),
        outside_block(&new),
        "nothing outside the block"
    );
    assert!(new.contains("1 of 2 done"), "{new}");

    // The block is the one the hook would have written: it agrees with history there.
    forge.blog.ok(&["pull", "-q", "origin", "main"]);
    assert_eq!(forge.blog.ok(&["rev-parse", "HEAD"]).trim(), head);
    scratch.assert_block_agrees_with_history(&forge.blog.dir, POST);

    // Its own push starts the workflow again where the forge does not skip it: nothing.
    let stderr = forge.run_recipe("runner-2", &pushed);
    assert!(stderr.contains("gitgoals' own refresh commit"), "{stderr}");
    assert_eq!(forge.remote_head(), head);

    // A push whose block is current (only prose changed): no commit either.
    let before = forge.web_edit(
        &forge
            .blog
            .read(POST)
            .replace("Goals for the week.", "Goals for this week."),
        "Reword the intro on the web",
    );
    let pushed = forge.remote_head();
    let stderr = forge.run_recipe("runner-3", &before);
    assert!(stderr.contains("nothing to commit"), "{stderr}");
    assert_eq!(forge.remote_head(), pushed);
}

#[test]
fn a_push_of_other_files_or_a_new_branch_touches_no_post_without_a_block() {
    let forge = Forge::new();
    // A second post with no block, committed without the hook, and a README edit.
    let before = forge.remote_head();
    forge
        .blog
        .write("_posts/2021-03-08-week.md", post(" ", " Second week."));
    forge.blog.write("README.md", "a blog about goals\n");
    forge.blog.ok(&["add", "."]);
    forge
        .blog
        .ok(&["commit", "-q", "--no-verify", "-m", "More"]);
    forge.blog.ok(&["push", "-q", "origin", "main"]);
    let pushed = forge.remote_head();

    // A new branch's push has no "before" (all zeros): only posts that have a block are
    // refreshed, and the one with a block is current.
    let stderr = forge.run_recipe("runner-new", &"0".repeat(40));
    assert!(stderr.contains("nothing to commit"), "{stderr}");
    assert_eq!(forge.remote_head(), pushed);

    // The push itself: the new post changed and gets its first block, in one commit.
    let stderr = forge.run_recipe("runner-push", &before);
    assert!(stderr.contains("2021-03-08-week.md"), "{stderr}");
    let scratch = &forge.blog.scratch;
    assert_eq!(
        git_out(
            scratch,
            &forge.remote,
            &["diff", "--name-only", &pushed, "main"]
        ),
        "_posts/2021-03-08-week.md"
    );
}

#[test]
fn with_export_on_commit_the_refresh_brings_the_sites_data_file_along() {
    let forge = Forge::new();
    // The user asks for the data file; the hook writes it with this commit.
    forge
        .blog
        .write(".gitgoals.toml", "[export]\non_commit = true\n");
    forge.blog.ok(&["add", ".gitgoals.toml"]);
    forge.blog.commit_ok(&[]);
    forge.blog.ok(&["push", "-q", "origin", "main"]);
    let data = |rev: &str| {
        let text = git_out(
            &forge.blog.scratch,
            &forge.remote,
            &["show", &format!("{rev}:_data/gitgoals.json")],
        );
        serde_json::from_str::<serde_json::Value>(&text).expect("JSON")
    };
    assert_eq!(data("main")["posts"][0]["done"], 0);

    let hooked = forge.blog.committed(POST);
    let before = forge.web_edit(
        &hooked.replace("- [ ] Write the parser", "- [x] Write the parser"),
        "Tick a goal on the web",
    );
    let pushed = forge.remote_head();
    let stderr = forge.run_recipe("runner", &before);
    assert!(
        stderr.contains("stats block of _posts/2021-03-01-week.md and _data/gitgoals.json"),
        "{stderr}"
    );
    let scratch = &forge.blog.scratch;
    let changed = git_out(
        scratch,
        &forge.remote,
        &["diff", "--name-only", &pushed, "main"],
    );
    assert_eq!(changed, format!("_data/gitgoals.json\n{POST}"));
    assert_eq!(data("main")["posts"][0]["done"], 1);
    assert_eq!(
        git_out(
            scratch,
            &forge.remote,
            &["rev-list", "--count", &format!("{pushed}..main")]
        ),
        "1"
    );
}

#[test]
fn stats_commit_refuses_a_post_with_uncommitted_edits_and_commits_nothing() {
    let blog = Blog::without_hook();
    blog.write(POST, post(" ", ""));
    blog.ok(&["add", POST]);
    blog.ok(&["commit", "-q", "-m", "week"]);
    let head = blog.ok(&["rev-parse", "HEAD"]);
    // The user ticks a goal and has not committed it yet; a stale block is the only change
    // `stats --commit` may commit under gitgoals' name.
    let edited = post("x", " Still typing.");
    blog.write(POST, &edited);
    let out = blog.gitgoals(&["stats", "--commit", POST]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_ne!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains(POST) && stderr.contains("not committed"),
        "{stderr}"
    );
    assert_eq!(blog.ok(&["rev-parse", "HEAD"]), head, "no commit was made");
    assert_eq!(
        blog.read(POST),
        edited,
        "the working file is left as it was"
    );
}

#[test]
fn init_ci_writes_the_readme_workflow_and_never_overwrites() {
    let blog = Blog::without_hook();
    blog.gitgoals_ok(&["init-ci"]);
    let written = blog.read(".github/workflows/gitgoals.yml");
    // The README shows the same file.
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("README");
    let first = written.lines().next().expect("a first line");
    let start = readme.find(first).expect("the README shows the workflow");
    let shown = &readme[start..];
    let shown = &shown[..shown.find("```").expect("the block ends")];
    assert_eq!(shown, written);

    blog.write(".github/workflows/gitgoals.yml", "mine\n");
    let again = blog.gitgoals(&["init-ci"]);
    assert_eq!(again.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert_eq!(blog.read(".github/workflows/gitgoals.yml"), "mine\n");
}

#[cfg(unix)]
#[test]
fn init_ci_refuses_a_github_folder_linked_out_of_the_repository() {
    let blog = Blog::without_hook();
    let outside = tempfile::tempdir().expect("a temp dir");
    std::os::unix::fs::symlink(outside.path(), blog.dir.join(".github")).expect("link .github");
    let out = blog.gitgoals(&["init-ci"]);
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not inside the work tree"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(outside.path()).expect("read dir").count(),
        0,
        "nothing is written outside the repository"
    );
}
