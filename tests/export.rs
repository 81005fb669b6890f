//! The site's data file (issue 18, "the site itself"): `gitgoals export` writes a document
//! that validates against the published schema, the README's Liquid include renders it, and
//! the hook refreshes and stages it on commit only when asked to, staging nothing else.
//!
//! No JSON-schema or Liquid crate is built for this: the checks below implement the part of
//! each that the schema and the include use, and refuse anything else, so neither can use a
//! feature that goes unchecked.

mod common;

use std::path::Path;

use serde_json::{Map, Value};

use common::Scratch;
use common::blog::Blog;

fn manifest_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(name)).expect(name)
}

fn schema() -> Value {
    serde_json::from_str(&manifest_file("schema/gitgoals-export.schema.json")).expect("schema")
}

// ---------------------------------------------------------------------------------------------
// A JSON-schema check of the keywords the published schema uses

/// The reasons `value` does not fit `schema` (empty: it fits); `at` names the place.
fn violations(root: &Value, schema: &Value, value: &Value, at: &str) -> Vec<String> {
    let Some(rules) = schema.as_object() else {
        return vec![format!("{at}: the schema is not an object")];
    };
    let mut found = Vec::new();
    for (keyword, rule) in rules {
        match keyword.as_str() {
            "$schema" | "$id" | "title" | "description" | "$defs" => {}
            "$ref" => {
                let name = rule
                    .as_str()
                    .and_then(|r| r.strip_prefix("#/$defs/"))
                    .expect("only local $defs references");
                found.extend(violations(root, &root["$defs"][name], value, at));
            }
            "type" => {
                let kinds: Vec<&str> = match rule {
                    Value::Array(kinds) => kinds.iter().filter_map(Value::as_str).collect(),
                    other => vec![other.as_str().expect("a type name")],
                };
                let fits = kinds.iter().any(|kind| match *kind {
                    "null" => value.is_null(),
                    "boolean" => value.is_boolean(),
                    "integer" => value.is_u64() || value.is_i64(),
                    "number" => value.is_number(),
                    "string" => value.is_string(),
                    "array" => value.is_array(),
                    "object" => value.is_object(),
                    other => panic!("unknown type {other}"),
                });
                if !fits {
                    found.push(format!("{at}: {value} is not {kinds:?}"));
                }
            }
            "enum" => {
                if !rule.as_array().expect("enum values").contains(value) {
                    found.push(format!("{at}: {value} is not one of {rule}"));
                }
            }
            "minimum" | "maximum" => {
                if let (Some(n), Some(bound)) = (value.as_f64(), rule.as_f64()) {
                    let ok = if keyword == "minimum" {
                        n >= bound
                    } else {
                        n <= bound
                    };
                    if !ok {
                        found.push(format!("{at}: {n} breaks {keyword} {bound}"));
                    }
                }
            }
            "format" => {
                assert_eq!(rule, "date", "only the date format");
                if let Some(text) = value.as_str()
                    && (text.len() != 10
                        || chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d").is_err())
                {
                    found.push(format!("{at}: {text:?} is not a YYYY-MM-DD date"));
                }
            }
            "required" => {
                if let Some(object) = value.as_object() {
                    for key in rule.as_array().expect("required keys") {
                        let key = key.as_str().expect("a key");
                        if !object.contains_key(key) {
                            found.push(format!("{at}: {key} is missing"));
                        }
                    }
                }
            }
            "properties" => {
                if let Some(object) = value.as_object() {
                    for (key, inner) in object {
                        if let Some(rule) = rule.get(key) {
                            found.extend(violations(root, rule, inner, &format!("{at}.{key}")));
                        }
                    }
                }
            }
            "additionalProperties" => {
                assert_eq!(
                    rule,
                    &Value::Bool(false),
                    "only additionalProperties: false"
                );
                if let Some(object) = value.as_object() {
                    for key in object.keys() {
                        if schema["properties"].get(key).is_none() {
                            found.push(format!("{at}: {key} is not in the schema"));
                        }
                    }
                }
            }
            "items" => {
                if let Some(items) = value.as_array() {
                    for (i, item) in items.iter().enumerate() {
                        found.extend(violations(root, rule, item, &format!("{at}[{i}]")));
                    }
                }
            }
            "oneOf" => {
                let fitting = rule
                    .as_array()
                    .expect("oneOf choices")
                    .iter()
                    .filter(|choice| violations(root, choice, value, at).is_empty())
                    .count();
                if fitting != 1 {
                    found.push(format!("{at}: {value} fits {fitting} of oneOf, not 1"));
                }
            }
            other => panic!("the check does not know the keyword {other}: teach it first"),
        }
    }
    found
}

fn validate(document: &Value) -> Vec<String> {
    let schema = schema();
    violations(&schema, &schema, document, "$")
}

// ---------------------------------------------------------------------------------------------
// Liquid, as much as the README's include uses: for (with `reversed`), if/else with `==` or a
// bare value, output with the `escape` filter. A name that is not in the data is an error, as
// with Jekyll's `strict_variables`.

enum Node {
    Text(String),
    Output {
        path: String,
        escape: bool,
    },
    For {
        name: String,
        path: String,
        reversed: bool,
        body: Vec<Node>,
    },
    If {
        test: String,
        then: Vec<Node>,
        otherwise: Vec<Node>,
    },
}

fn tokens(template: &str) -> Vec<(bool, String)> {
    // (is_tag, content); outputs keep their braces to be told from tags.
    let mut out = Vec::new();
    let mut rest = template;
    while let Some(start) = rest
        .find(['{'])
        .filter(|&i| rest[i..].starts_with("{{") || rest[i..].starts_with("{%"))
    {
        out.push((false, rest[..start].to_string()));
        let close = if rest[start..].starts_with("{{") {
            "}}"
        } else {
            "%}"
        };
        let end = rest[start..].find(close).expect("a closed tag") + start + 2;
        out.push((true, rest[start..end].to_string()));
        rest = &rest[end..];
    }
    out.push((false, rest.to_string()));
    out
}

fn parse(
    tokens: &mut std::iter::Peekable<std::vec::IntoIter<(bool, String)>>,
    until: &[&str],
) -> (Vec<Node>, String) {
    let mut nodes = Vec::new();
    while let Some((is_tag, text)) = tokens.next() {
        if !is_tag {
            nodes.push(Node::Text(text));
            continue;
        }
        if let Some(inner) = text.strip_prefix("{{").and_then(|t| t.strip_suffix("}}")) {
            let mut parts = inner.split('|').map(str::trim);
            let path = parts.next().expect("a name").to_string();
            let filters: Vec<&str> = parts.collect();
            assert!(
                filters.iter().all(|f| *f == "escape"),
                "filters {filters:?}"
            );
            nodes.push(Node::Output {
                path,
                escape: !filters.is_empty(),
            });
            continue;
        }
        let inner = text[2..text.len() - 2].trim().to_string();
        let words: Vec<&str> = inner.split_whitespace().collect();
        match words[0] {
            word if until.contains(&word) => return (nodes, word.to_string()),
            "for" => {
                assert_eq!(words[2], "in", "{inner}");
                let reversed = words.get(4) == Some(&"reversed");
                assert!(words.len() == 4 || reversed, "{inner}");
                let (body, _) = parse(tokens, &["endfor"]);
                nodes.push(Node::For {
                    name: words[1].to_string(),
                    path: words[3].to_string(),
                    reversed,
                    body,
                });
            }
            "if" => {
                let test = words[1..].join(" ");
                let (then, end) = parse(tokens, &["else", "endif"]);
                let otherwise = if end == "else" {
                    parse(tokens, &["endif"]).0
                } else {
                    Vec::new()
                };
                nodes.push(Node::If {
                    test,
                    then,
                    otherwise,
                });
            }
            other => panic!("unknown tag {other}"),
        }
    }
    (nodes, String::new())
}

fn lookup<'a>(scope: &'a Map<String, Value>, path: &str) -> &'a Value {
    let mut parts = path.split('.');
    let first = parts.next().expect("a name");
    let mut value = scope
        .get(first)
        .unwrap_or_else(|| panic!("{path}: no {first}"));
    for part in parts {
        value = value
            .get(part)
            .unwrap_or_else(|| panic!("{path}: no {part} in the data"));
    }
    value
}

fn truthy(value: &Value) -> bool {
    !matches!(value, Value::Null | Value::Bool(false))
}

fn render(nodes: &[Node], scope: &Map<String, Value>, out: &mut String) {
    for node in nodes {
        match node {
            Node::Text(text) => out.push_str(text),
            Node::Output { path, escape } => {
                let text = match lookup(scope, path) {
                    Value::String(s) => s.clone(),
                    Value::Null => String::new(),
                    other => other.to_string(),
                };
                if *escape {
                    out.push_str(
                        &text
                            .replace('&', "&amp;")
                            .replace('<', "&lt;")
                            .replace('>', "&gt;")
                            .replace('"', "&quot;")
                            .replace('\'', "&#39;"),
                    );
                } else {
                    out.push_str(&text);
                }
            }
            Node::For {
                name,
                path,
                reversed,
                body,
            } => {
                let mut items: Vec<&Value> = lookup(scope, path)
                    .as_array()
                    .expect("a list")
                    .iter()
                    .collect();
                if *reversed {
                    items.reverse();
                }
                for item in items {
                    let mut inner = scope.clone();
                    inner.insert(name.clone(), item.clone());
                    render(body, &inner, out);
                }
            }
            Node::If {
                test,
                then,
                otherwise,
            } => {
                let holds = match test.split_once("==") {
                    Some((left, right)) => {
                        let literal = right.trim().trim_matches('"');
                        lookup(scope, left.trim()).as_str() == Some(literal)
                    }
                    None => truthy(lookup(scope, test.trim())),
                };
                render(if holds { then } else { otherwise }, scope, out);
            }
        }
    }
}

fn render_liquid(template: &str, data: &Value) -> String {
    let mut tokens = tokens(template).into_iter().peekable();
    let (nodes, end) = parse(&mut tokens, &[]);
    assert!(end.is_empty());
    let mut scope = Map::new();
    scope.insert(
        "site".to_string(),
        serde_json::json!({ "data": { "gitgoals": data } }),
    );
    let mut out = String::new();
    render(&nodes, &scope, &mut out);
    out
}

/// The README's Liquid include.
fn readme_include() -> String {
    let readme = manifest_file("README.md");
    let start = readme.find("```liquid\n").expect("a Liquid block") + "```liquid\n".len();
    let end = readme[start..].find("```").expect("closed") + start;
    readme[start..end].to_string()
}

// ---------------------------------------------------------------------------------------------

fn demo(scratch: &Scratch) -> std::path::PathBuf {
    let dir = scratch.root.join("demo");
    scratch
        .gitgoals(&scratch.root, &["demo", dir.to_str().expect("utf-8")])
        .ok();
    dir
}

fn read_json(path: &Path) -> Value {
    serde_json::from_str(&std::fs::read_to_string(path).expect("the data file")).expect("JSON")
}

#[test]
fn the_export_validates_against_the_published_schema() {
    let scratch = Scratch::new();
    let dir = demo(&scratch);
    let run = scratch.gitgoals(&dir, &["export", "--jekyll"]).ok();
    assert_eq!(
        run.stdout,
        "gitgoals: wrote _data/gitgoals.json (6 goals posts)\n"
    );
    let document = read_json(&dir.join("_data/gitgoals.json"));
    assert_eq!(validate(&document), Vec::<String>::new());
    // The figures are the history's.
    let history: Value = serde_json::from_str(
        &scratch
            .gitgoals(&dir, &["history", "--format", "json"])
            .ok()
            .stdout,
    )
    .expect("history JSON");
    let posts = document["posts"].as_array().expect("posts");
    assert_eq!(posts.len(), 6);
    for (post, week) in posts
        .iter()
        .zip(history["posts"].as_array().expect("weeks"))
    {
        for key in [
            "path",
            "title",
            "date",
            "due",
            "tasks",
            "done",
            "done_on_time",
            "carried_in",
            "completion",
        ] {
            assert_eq!(post[key], week[key], "{key}");
        }
        let goals = post["goals"].as_array().expect("goals");
        let done = goals.iter().filter(|g| g["status"] == "done").count();
        assert_eq!(Some(done as u64), week["done"].as_u64());
    }
    assert_eq!(document["summary"], history["summary"]["all"]);

    // Run again: the same bytes, and it says so; for Hugo, the same document elsewhere.
    let before = std::fs::read(dir.join("_data/gitgoals.json")).expect("file");
    let again = scratch.gitgoals(&dir, &["export"]).ok();
    assert!(
        again
            .stdout
            .starts_with("gitgoals: unchanged: _data/gitgoals.json")
    );
    scratch.gitgoals(&dir, &["export", "--hugo"]).ok();
    assert_eq!(
        std::fs::read(dir.join("data/gitgoals.json")).expect("hugo"),
        before
    );

    // No goals posts at all: still a valid document.
    let empty = scratch.init("empty");
    std::fs::write(empty.join("README.md"), "nothing\n").expect("write");
    scratch.git(&empty, &["add", "."]);
    scratch.git(&empty, &["commit", "-q", "-m", "start"]);
    scratch.gitgoals(&empty, &["export"]).ok();
    let document = read_json(&empty.join("_data/gitgoals.json"));
    assert_eq!(document["summary"], Value::Null);
    assert_eq!(validate(&document), Vec::<String>::new());
}

#[test]
fn the_schema_check_catches_what_does_not_fit() {
    let good = serde_json::json!({
        "schema": "gitgoals-export/1",
        "summary": null,
        "posts": [{
            "path": "_posts/a.md", "title": "A", "date": "2021-01-04", "due": "2021-01-11",
            "tasks": 1, "planned": 1, "added": 0, "removed": 0, "done": 1, "done_on_time": null,
            "open": 0, "cancelled": 0, "forwarded": 0, "carried_in": 0, "carried_out": 0,
            "dropped": 0, "completion": 1.0, "percent": 100,
            "goals": [{"title": "x", "section": "", "status": "done", "confidence": 3,
                       "planned": true, "done_on": "2021-01-05", "carried_from": null,
                       "carried_to": null, "carry_streak": 0}]
        }]
    });
    assert_eq!(validate(&good), Vec::<String>::new());
    let broken = |edit: &dyn Fn(&mut Value)| {
        let mut doc = good.clone();
        edit(&mut doc);
        validate(&doc)
    };
    assert!(!broken(&|d| d["schema"] = "gitgoals-export/2".into()).is_empty());
    assert!(!broken(&|d| d["posts"][0]["extra"] = 1.into()).is_empty());
    assert!(
        !broken(&|d| {
            d["posts"][0].as_object_mut().map(|o| o.remove("percent"));
        })
        .is_empty()
    );
    assert!(!broken(&|d| d["posts"][0]["date"] = "04/01/2021".into()).is_empty());
    assert!(!broken(&|d| d["posts"][0]["completion"] = 1.5.into()).is_empty());
    assert!(!broken(&|d| d["posts"][0]["goals"][0]["status"] = "removed".into()).is_empty());
    assert!(!broken(&|d| d["posts"][0]["tasks"] = (-1).into()).is_empty());
}

#[test]
fn the_readme_include_renders_a_goals_page() {
    let scratch = Scratch::new();
    let dir = demo(&scratch);
    scratch.gitgoals(&dir, &["export", "--jekyll"]).ok();
    let document = read_json(&dir.join("_data/gitgoals.json"));
    let page = render_liquid(&readme_include(), &document);
    // Newest week first, with its figures and goals; a carried goal says from when.
    let week6 = page.find("2021-02-08 · Week 6: after the exam: 4 of 7 done (57%)");
    let week1 = page.find("2021-01-04 · Week 1: a fresh start: 5 of 9 done (56%)");
    assert!(week6.is_some() && week1.is_some(), "{page}");
    assert!(week6 < week1, "newest first");
    assert!(page.contains("✓ Linear algebra problem set 1"), "{page}");
    assert!(
        page.contains(
            "· Read chapter 4 of the probability book <em>(carried from 2021-02-01)</em>"
        ),
        "{page}"
    );
    assert_eq!(page.matches("<section class=\"goals-week\">").count(), 6);
    // Titles are escaped by the include.
    let hostile = serde_json::json!({"posts": [{"date": "2021-01-04", "title": "<b>", "done": 0,
        "tasks": 0, "percent": 0, "goals": []}]});
    assert!(render_liquid(&readme_include(), &hostile).contains("&lt;b&gt;"));
}

fn blog_with_export(on_commit: bool) -> Blog {
    let blog = Blog::new();
    if on_commit {
        blog.write(".gitgoals.toml", "[export]\non_commit = true\n");
        blog.ok(&["add", ".gitgoals.toml"]);
        blog.commit_ok(&[]);
    }
    blog
}

const POST: &str = "_posts/2021-03-01-week.md";
const TEXT: &str = "---\ntitle: Week 1\n---\n- [ ] Write the parser\n- [ ] Read a paper\n";

#[test]
fn the_hook_refreshes_and_stages_the_data_file_only_when_asked() {
    let blog = blog_with_export(true);
    // Something the user changed but did not stage must stay so.
    blog.write("README.md", "an unstaged change\n");
    blog.write(POST, TEXT);
    blog.ok(&["add", POST]);
    let stderr = blog.commit_ok(&[]);
    assert!(
        stderr.contains("_data/gitgoals.json refreshed and staged"),
        "{stderr}"
    );
    let files = blog.ok(&["show", "--name-only", "--format=", "HEAD"]);
    let mut files: Vec<&str> = files.lines().collect();
    files.sort_unstable();
    assert_eq!(files, ["_data/gitgoals.json", POST]);
    assert_eq!(blog.status(), " M README.md\n", "the README stays unstaged");
    // The committed file is the export of the history with this commit in it.
    let committed: Value =
        serde_json::from_str(&blog.committed("_data/gitgoals.json")).expect("JSON");
    assert_eq!(validate(&committed), Vec::<String>::new());
    assert_eq!(committed["posts"][0]["tasks"], 2);
    let out = blog.gitgoals_ok(&["export"]);
    assert!(out.contains("unchanged"), "{out}");

    // Ticking a goal refreshes it again, with `git commit PATH` too (git commits from a
    // temporary index and keeps the real one: both get the file, so nothing shows as
    // changed afterwards); a commit that changes no goal leaves it alone.
    blog.write(POST, TEXT.replacen("[ ]", "[x]", 1));
    blog.commit_ok(&["--", POST]);
    let committed: Value =
        serde_json::from_str(&blog.committed("_data/gitgoals.json")).expect("JSON");
    assert_eq!(committed["posts"][0]["done"], 1);
    assert_eq!(blog.status(), " M README.md\n");
    blog.ok(&["add", "README.md"]);
    let stderr = blog.commit_ok(&[]);
    assert!(!stderr.contains("gitgoals.json"), "{stderr}");
    let files = blog.ok(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), "README.md");

    // Without the setting, the hook writes and stages no data file.
    let plain = blog_with_export(false);
    plain.write(POST, TEXT);
    plain.ok(&["add", POST]);
    plain.commit_ok(&[]);
    assert!(!plain.dir.join("_data").exists());
}

#[test]
fn a_commit_a_strict_hook_stops_leaves_the_data_file_unstaged() {
    // The commit is not made: a data file staged for it would stay staged, to be committed
    // with whatever the user commits next.
    let blog = Blog::new();
    blog.write(
        ".gitgoals.toml",
        "[export]\non_commit = true\n[hook]\nstrict = true\n",
    );
    blog.write(POST, TEXT);
    blog.ok(&["add", ".gitgoals.toml", POST]);
    blog.commit_ok(&[]);
    let exported = blog.committed("_data/gitgoals.json");

    // A tick (the export would change) and a hand edit inside the block (the hook refuses).
    let text = blog.read(POST).replacen("[ ]", "[x]", 1);
    let end = text
        .find(gitgoals::core::block::END_MARKER)
        .expect("a block");
    blog.write(
        POST,
        format!("{}Edited by hand.\n{}", &text[..end], &text[end..]),
    );
    blog.ok(&["add", POST]);
    let out = blog.commit(&[]);
    assert!(!out.status.success(), "the strict hook stops the commit");
    let staged = blog.ok(&["diff", "--cached", "--name-only"]);
    assert_eq!(staged.trim(), POST, "only what the user staged");
    assert_eq!(
        blog.read("_data/gitgoals.json"),
        exported,
        "the data file untouched"
    );
}

/// The README's Hugo shortcode reads only fields the schema publishes, each where it is: the
/// posts' fields in the outer loop, the goals' in the inner one. (Hugo itself is not needed to
/// run the tests; the shortcode was rendered with Hugo 0.111 when it was written.)
#[test]
fn readme_hugo_shortcode_reads_fields_the_schema_publishes() {
    let readme = manifest_file("README.md");
    let start =
        readme.find("```go-html-template\n").expect("a Hugo block") + "```go-html-template\n".len();
    let template = &readme[start..start + readme[start..].find("```").expect("block end")];
    assert!(template.contains("site.Data.gitgoals.posts"), "{template}");
    let schema = schema();
    let fields = |def: &str| -> Vec<String> {
        schema["$defs"][def]["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .cloned()
            .collect()
    };
    let (post, goal) = (fields("post"), fields("goal"));
    // Fields used between `range .goals` and its `end` are a goal's; the others a post's.
    let (outer, inner) = template
        .split_once("{{ range .goals }}")
        .expect("a loop over the goals");
    let (inner, after) = inner.split_once("{{ end }}\n  </ul>").expect("its end");
    let used = |text: &str| -> Vec<String> {
        text.replace("site.Data.gitgoals.posts", "")
            .split('.')
            .skip(1)
            .map(|s| {
                s.chars()
                    .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                    .collect()
            })
            .filter(|s: &String| !s.is_empty())
            .collect()
    };
    for name in used(outer).into_iter().chain(used(after)) {
        assert!(
            post.contains(&name),
            "post field {name:?} is not in the schema"
        );
    }
    let goal_fields = used(inner);
    assert!(
        goal_fields.contains(&"status".to_string()),
        "{goal_fields:?}"
    );
    for name in goal_fields {
        assert!(
            goal.contains(&name),
            "goal field {name:?} is not in the schema"
        );
    }
}

#[cfg(unix)]
#[test]
fn a_data_folder_linked_out_of_the_repository_is_refused_by_name_and_the_commit_goes_on() {
    let blog = blog_with_export(true);
    // The data file the commit of the config brought is taken away, hook off.
    if blog.dir.join("_data").exists() {
        blog.ok(&["rm", "-r", "-q", "_data"]);
        blog.ok(&["commit", "-q", "--no-verify", "-m", "no data"]);
    }
    let outside = tempfile::tempdir().expect("a temp dir");
    std::os::unix::fs::symlink(outside.path(), blog.dir.join("_data")).expect("link _data");
    blog.write(POST, TEXT);
    blog.ok(&["add", POST]);
    let stderr = blog.commit_ok(&[]);
    assert!(
        stderr.contains("the site's data file was not refreshed")
            && stderr.contains("_data is not a folder")
            && !stderr.contains("chart"),
        "{stderr}"
    );
    let files = blog.ok(&["show", "--name-only", "--format=", "HEAD"]);
    assert_eq!(files.trim(), POST);
    assert_eq!(
        std::fs::read_dir(outside.path()).expect("read dir").count(),
        0,
        "nothing is written outside the repository"
    );
}
