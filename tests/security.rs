//! Nothing in a repository makes gitgoals run a command, or read or write a file outside the
//! work tree; task and post text is escaped wherever gitgoals writes it (the stats block, SVG
//! charts, the HTML report). A repository here is the attacker: a cloned blog is untrusted.

mod common;

use std::fs;
use std::path::{Path, PathBuf};

use common::{READING_COMMANDS, Scratch};
use gitgoals::core::block::{self};
use gitgoals::render::statsblock::{self, BlockStats, Renderer};

const POST: &str = "_posts/2020-12-07-week.md";
const TEXT: &str = "---\ntitle: Week\n---\n\nGoals by 2020-12-12.\n\n- [x] alpha\n- [ ] beta\n";
const SECRET: &str = "SECRET-OUTSIDE-THE-WORK-TREE";

/// A repository with one committed post, and a file outside it that nothing may read or change.
struct Blog {
    scratch: Scratch,
    dir: PathBuf,
    outside: PathBuf,
}

impl Blog {
    fn new() -> Blog {
        let scratch = Scratch::new();
        let dir = scratch.init("blog");
        fs::create_dir_all(dir.join("_posts")).expect("posts dir");
        fs::write(dir.join(POST), TEXT).expect("post");
        scratch.git(&dir, &["add", "."]);
        scratch.git(&dir, &["commit", "-q", "-m", "plan"]);
        let outside = scratch.root.join("outside");
        fs::create_dir_all(&outside).expect("outside dir");
        let secret = format!("- [ ] {SECRET}\n{{{{ done }}}} {SECRET}\n");
        fs::write(outside.join("secret.md"), &secret).expect("secret");
        Blog {
            scratch,
            dir,
            outside,
        }
    }

    fn secret_file(&self) -> PathBuf {
        self.outside.join("secret.md")
    }

    fn assert_outside_untouched(&self) {
        let entries: Vec<_> = fs::read_dir(&self.outside)
            .expect("outside dir")
            .map(|e| e.expect("entry").file_name())
            .collect();
        assert_eq!(
            entries,
            ["secret.md"],
            "a file appeared outside the work tree"
        );
        let text = fs::read_to_string(self.secret_file()).expect("secret");
        assert!(!text.contains("gitgoals:stats"), "written through: {text}");
    }

    fn run_everything(&self) -> String {
        let mut seen = String::new();
        for args in READING_COMMANDS {
            let run = self.scratch.gitgoals(&self.dir, args);
            seen.push_str(&run.stdout);
            seen.push_str(&run.stderr);
        }
        for args in [
            &["show"][..],
            &["stats"],
            &["stats", "--check"],
            &["hook", "run", "pre-commit"],
        ] {
            let run = self.scratch.gitgoals(&self.dir, args);
            seen.push_str(&run.stdout);
            seen.push_str(&run.stderr);
        }
        seen
    }
}

#[cfg(unix)]
fn symlink(target: &Path, link: &Path) {
    std::os::unix::fs::symlink(target, link).expect("symlink");
}

#[cfg(unix)]
#[test]
fn a_post_symlinked_outside_the_work_tree_is_neither_read_nor_written() {
    let blog = Blog::new();
    // The newest post by name is a link to a file outside; a posts folder links outside too.
    let link = "_posts/2020-12-14-link.md";
    symlink(&blog.secret_file(), &blog.dir.join(link));
    symlink(&blog.outside, &blog.dir.join("_drafts"));
    blog.scratch.git(&blog.dir, &["add", link, "_drafts"]);
    blog.scratch
        .git(&blog.dir, &["commit", "-q", "-m", "links"]);

    let seen = blog.run_everything();
    assert!(!seen.contains(SECRET), "read through a link:\n{seen}");
    blog.assert_outside_untouched();

    // Named on the command line: refused with the reason.
    let run = blog.scratch.gitgoals(&blog.dir, &["stats", link]).fails();
    assert!(run.stderr.contains("symbolic link"), "{}", run.stderr);
    let run = blog
        .scratch
        .gitgoals(&blog.dir, &["stats", "_drafts/secret.md"])
        .fails();
    assert!(
        run.stderr.contains("not inside the work tree"),
        "{}",
        run.stderr
    );
    // Staged for a commit: the hook leaves it alone, says so once and does not block.
    fs::write(blog.dir.join(POST), TEXT.replace("[ ] beta", "[x] beta")).expect("post");
    blog.scratch.git(&blog.dir, &["add", POST]);
    let run = blog
        .scratch
        .gitgoals(&blog.dir, &["hook", "run", "pre-commit"])
        .ok();
    assert!(!run.stderr.contains(SECRET));
    blog.assert_outside_untouched();
    // The real post next to the link was still updated.
    let post = fs::read_to_string(blog.dir.join(POST)).expect("post");
    assert!(post.contains("2 of 2 done"), "{post}");
}

#[test]
fn a_template_path_leaving_the_work_tree_is_refused_and_never_read() {
    let blog = Blog::new();
    let secret = blog.secret_file();
    let mut templates = vec![
        "../outside/secret.md".to_string(),
        format!("{}", secret.display()),
        "_posts/../../outside/secret.md".to_string(),
    ];
    #[cfg(unix)]
    {
        symlink(&secret, &blog.dir.join("template.j2"));
        templates.push("template.j2".to_string());
    }
    for template in templates {
        let config = format!("[stats]\ntemplate = {template:?}\n");
        fs::write(blog.dir.join(".gitgoals.toml"), config).expect("config");
        let run = blog.scratch.gitgoals(&blog.dir, &["stats"]).fails();
        assert!(
            run.stderr.contains("inside the work tree")
                || run.stderr.contains("inside the repository"),
            "{template}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains(SECRET));
        assert_eq!(
            fs::read_to_string(blog.dir.join(POST)).expect("post"),
            TEXT,
            "{template}"
        );
        // In the hook: one line, the post untouched, the commit not blocked.
        let run = blog
            .scratch
            .gitgoals(&blog.dir, &["hook", "run", "pre-commit"])
            .ok();
        assert!(run.stderr.lines().count() <= 1, "{}", run.stderr);
        blog.assert_outside_untouched();
    }
}

#[test]
fn a_template_cannot_include_or_import_files() {
    let blog = Blog::new();
    for (i, body) in [
        "{% include \"../outside/secret.md\" %}",
        "{% import \"../outside/secret.md\" as s %}{{ done }}",
        "{% extends \"/etc/passwd\" %}",
        "{% include \"_posts/2020-12-07-week.md\" %}",
    ]
    .into_iter()
    .enumerate()
    {
        let name = format!("block-{i}.j2");
        fs::write(blog.dir.join(&name), body).expect("template");
        fs::write(
            blog.dir.join(".gitgoals.toml"),
            format!("[stats]\ntemplate = {name:?}\n"),
        )
        .expect("config");
        let run = blog.scratch.gitgoals(&blog.dir, &["stats"]).fails();
        assert!(run.stderr.contains("template"), "{body}: {}", run.stderr);
        assert!(!run.stderr.contains(SECRET) && !run.stderr.contains("root:"));
        assert_eq!(fs::read_to_string(blog.dir.join(POST)).expect("post"), TEXT);
    }
}

#[test]
fn repository_config_and_attributes_never_make_gitgoals_run_a_command() {
    let blog = Blog::new();
    let canary = blog.outside.join("ran");
    // Stage a change first: `git add` itself would run the filter below.
    fs::write(blog.dir.join(POST), TEXT.replace("[ ] beta", "[x] beta")).expect("post");
    blog.scratch.git(&blog.dir, &["add", POST]);
    let touch = format!("touch {}", canary.display());
    for (key, value) in [
        ("core.fsmonitor", touch.as_str()),
        ("core.pager", touch.as_str()),
        ("core.editor", touch.as_str()),
        ("core.sshCommand", touch.as_str()),
        ("diff.external", touch.as_str()),
        ("filter.evil.clean", touch.as_str()),
        ("filter.evil.smudge", touch.as_str()),
        ("filter.evil.process", touch.as_str()),
        ("filter.evil.required", "true"),
        ("diff.evil.textconv", touch.as_str()),
        ("gpg.program", touch.as_str()),
        ("commit.gpgSign", "true"),
        ("alias.rev-parse", &format!("!{touch}")),
    ] {
        blog.scratch.git(&blog.dir, &["config", key, value]);
    }
    fs::write(
        blog.dir.join(".gitattributes"),
        "*.md filter=evil diff=evil\n",
    )
    .expect("attributes");
    fs::write(
        blog.dir.join(".gitgoals.toml"),
        format!("command = {touch:?}\n[hook]\nrun = {touch:?}\n[stats]\nexec = {touch:?}\n"),
    )
    .expect("config");

    blog.run_everything();
    let html = blog.dir.join("report.html");
    blog.scratch
        .gitgoals(
            &blog.dir,
            &["report", "--html", html.to_str().expect("utf-8")],
        )
        .ok();
    blog.scratch.gitgoals(&blog.dir, &["hook", "install"]).ok();
    assert!(
        !canary.exists(),
        "a command from the repository's configuration ran"
    );
}

// ---------------------------------------------------------------------------------------------
// escaping

const HOSTILE_TITLE: &str = "--> </svg><script>alert(1)</script><img src=x onerror=alert(2)>";

fn contains_live_markup(text: &str) -> Option<&'static str> {
    let lower = text.to_ascii_lowercase();
    ["<script", "<img", "</svg><", "onerror=alert(2)>"]
        .into_iter()
        .find(|needle| lower.contains(needle))
}

#[test]
fn task_titles_are_escaped_in_the_stats_block_default_and_templated() {
    let stats = BlockStats {
        done: 0,
        total: 2,
        due: None,
        today: chrono::NaiveDate::from_ymd_opt(2020, 12, 9).expect("date"),
        carried_in: vec![HOSTILE_TITLE.to_string()],
        added_mid_week: vec![format!("{HOSTILE_TITLE} <!-- /gitgoals:stats -->")],
        by_confidence: Vec::new(),
        recent_completion: Vec::new(),
        ..Default::default()
    };
    let template = "{% for t in carried_in %}{{ t }}{% endfor %}\n{{ added_mid_week[0] }}";
    for renderer in [Renderer::Default, Renderer::Template(template)] {
        let body = statsblock::render(&stats, renderer).expect("render");
        assert_eq!(contains_live_markup(&body), None, "{body}");
        assert!(!body.contains("-->"), "{body}");
        assert!(body.contains("&lt;script&gt;"), "{body}");
        let post = format!("- [ ] a\n\n{}\n", block::START_MARKER);
        let post = format!("{post}{}\n", block::END_MARKER);
        let Ok(block::Rewrite::Changed(out)) = block::rewrite(post.as_bytes(), &body) else {
            panic!("not rewritten");
        };
        assert!(matches!(
            block::rewrite(&out, &body),
            Ok(block::Rewrite::Unchanged)
        ));
    }
}

#[test]
fn post_and_task_titles_are_escaped_in_svg_charts_and_the_html_report() {
    let scratch = Scratch::new();
    let dir = scratch.init("blog");
    fs::create_dir_all(dir.join("_posts")).expect("posts dir");
    let title = serde_json::to_string(HOSTILE_TITLE).expect("json");
    let first = format!(
        "---\ntitle: {title}\n---\n\n- [x] {HOSTILE_TITLE}, 3/5\n- [ ] {HOSTILE_TITLE} carried, 2/5\n"
    );
    let second = format!(
        "---\ntitle: {title}\n---\n\n- [ ] {HOSTILE_TITLE} carried, 2/5\n- [x] plain, 4/5\n"
    );
    fs::write(dir.join("_posts/2020-12-07-one.md"), first).expect("post");
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "one"]);
    fs::write(dir.join("_posts/2020-12-14-two.md"), second).expect("post");
    scratch.git(&dir, &["add", "."]);
    scratch.git(&dir, &["commit", "-q", "-m", "two"]);

    let history_svg = dir.join("history.svg");
    let calibration_svg = dir.join("calibration.svg");
    let html = dir.join("report.html");
    let path = |p: &Path| p.to_str().expect("utf-8").to_string();
    scratch
        .gitgoals(&dir, &["history", "--chart", &path(&history_svg)])
        .ok();
    scratch
        .gitgoals(&dir, &["calibration", "--chart", &path(&calibration_svg)])
        .ok();
    scratch
        .gitgoals(&dir, &["report", "--html", &path(&html)])
        .ok();

    for svg in [&history_svg, &calibration_svg] {
        let text = fs::read_to_string(svg).expect("svg");
        assert_eq!(contains_live_markup(&text), None, "{}", svg.display());
        let doc = roxmltree::Document::parse(&text).expect("well-formed SVG");
        assert_eq!(doc.root_element().tag_name().name(), "svg");
        assert_eq!(
            doc.descendants()
                .filter(|n| n.tag_name().name() == "script")
                .count(),
            0
        );
    }
    let page = fs::read_to_string(&html).expect("html");
    assert_eq!(contains_live_markup(&page), None);
    assert!(
        page.contains("&lt;script&gt;"),
        "the hostile title is not on the page at all, so this tests nothing"
    );
    assert_eq!(page.to_ascii_lowercase().matches("<svg").count(), 2);
}
