//! The layout is the pipeline, and this test keeps it so: it reads the crate's own imports and
//! fails when the pure core reaches for git, the file system or the clock, when a stage imports
//! one above it, or when files import each other in a circle.
//!
//! Stages, lowest first: `error` (the one error type), `core` (pure), `git` (the only user of
//! git2), `cache`, `render`,
//! `config`, `session`, then `hook`, `watch` and `demo` side by side, and `cli` on top.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Each top-level module and its rank: a module may import its own or lower ranks only, and
/// modules of one rank only themselves.
const STAGES: [(&str, u8); 11] = [
    ("error", 0),
    ("core", 1),
    ("git", 2),
    ("cache", 3),
    ("render", 4),
    ("config", 5),
    ("session", 6),
    ("hook", 7),
    ("watch", 7),
    ("demo", 7),
    ("cli", 8),
];

/// What the core must never name: git, the file system, processes, the environment, the
/// clock, the terminal and file watching all belong to the stages around it.
const NOT_IN_CORE: [&str; 12] = [
    "git2",
    "std::fs",
    "fs::",
    "std::process",
    "std::env",
    "Local::now",
    "Utc::now",
    "SystemTime",
    "Instant",
    "notify::",
    "anstream",
    "indicatif",
];

struct Source {
    /// `core::fold`, `git`, `cli::args`: the module the file holds.
    module: String,
    /// The file's code without its tests and comments.
    code: String,
}

fn sources() -> Vec<Source> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    collect(&root, &mut files);
    files
        .into_iter()
        .filter_map(|file| {
            let relative = file.strip_prefix(&root).expect("under src").to_path_buf();
            let module = module_of(&relative)?;
            let text = std::fs::read_to_string(&file).expect("source reads");
            Some(Source {
                module,
                code: without_comments(without_tests(&text)),
            })
        })
        .collect()
}

fn collect(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("src is readable") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            collect(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// `core/fold.rs` → `core::fold`, `git/mod.rs` → `git`; the crate root and the binary hold no
/// stage.
fn module_of(relative: &Path) -> Option<String> {
    let mut parts: Vec<String> = relative
        .with_extension("")
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|last| last == "mod") {
        parts.pop();
    }
    match parts.as_slice() {
        [only] if only == "lib" || only == "main" => None,
        _ => Some(parts.join("::")),
    }
}

/// The code before the file's unit tests: tests may use whatever helps them.
fn without_tests(text: &str) -> &str {
    text.find("#[cfg(test)]").map_or(text, |at| &text[..at])
}

/// Drops `//` comments (doc comments included), so a link in a doc is not an import.
fn without_comments(code: &str) -> String {
    code.lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string literal ("https://…") is rare in this crate's code; a
            // line whose comment start follows a quote is kept whole to be safe.
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The code with the text of string literals left out: a message may say "inotify".
fn without_strings(code: &str) -> String {
    let mut out = String::with_capacity(code.len());
    let mut in_string = false;
    let mut escaped = false;
    for c in code.chars() {
        if in_string {
            match c {
                _ if escaped => escaped = false,
                '\\' => escaped = true,
                '"' => {
                    in_string = false;
                    out.push(c);
                }
                _ => {}
            }
        } else {
            in_string = c == '"';
            out.push(c);
        }
    }
    out
}

/// The modules a file names through `crate::`, as full paths as far as they are modules of
/// this crate (`crate::core::fold::Engine` → `core::fold`).
fn imports(code: &str, known: &BTreeSet<String>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    for (at, _) in code.match_indices("crate::") {
        let rest = &code[at + "crate::".len()..];
        for path in expand(rest) {
            // The longest known module the path starts with.
            let segments: Vec<&str> = path.split("::").collect();
            for n in (1..=segments.len()).rev() {
                let candidate = segments[..n].join("::");
                if known.contains(&candidate) {
                    found.insert(candidate);
                    break;
                }
            }
        }
    }
    found
}

/// The paths one `crate::…` reference names: `core::{fold, post::X}` gives `core::fold` and
/// `core::post::X`.
fn expand(rest: &str) -> Vec<String> {
    let mut prefix = String::new();
    for (i, c) in rest.char_indices() {
        match c {
            c if c.is_alphanumeric() || c == '_' || c == ':' => prefix.push(c),
            '{' => {
                let inner = &rest[i + 1..];
                let mut depth = 1;
                let mut end = inner.len();
                for (j, c) in inner.char_indices() {
                    match c {
                        '{' => depth += 1,
                        '}' => {
                            depth -= 1;
                            if depth == 0 {
                                end = j;
                                break;
                            }
                        }
                        _ => {}
                    }
                }
                return split_top_level(&inner[..end])
                    .into_iter()
                    .flat_map(|item| expand(item.trim()))
                    .map(|tail| format!("{prefix}{tail}"))
                    .collect();
            }
            _ => break,
        }
    }
    vec![prefix.trim_end_matches(':').to_string()]
}

fn split_top_level(group: &str) -> Vec<&str> {
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in group.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&group[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&group[start..]);
    items.retain(|item| !item.trim().is_empty());
    items
}

fn stage_of(module: &str) -> &str {
    module.split("::").next().unwrap_or(module)
}

fn rank(stage: &str) -> u8 {
    STAGES
        .iter()
        .find(|(name, _)| *name == stage)
        .map(|(_, rank)| *rank)
        .unwrap_or_else(|| panic!("src/{stage} is not a known stage: add it to STAGES"))
}

fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let sources = sources();
    let known: BTreeSet<String> = sources.iter().map(|s| s.module.clone()).collect();
    sources
        .iter()
        .map(|s| {
            let mut deps = imports(&s.code, &known);
            deps.remove(&s.module);
            (s.module.clone(), deps)
        })
        .collect()
}

#[test]
fn the_core_names_no_git_file_system_or_clock() {
    let mut offences = Vec::new();
    let pure = |module: &str| matches!(stage_of(module), "core" | "error");
    for source in sources().iter().filter(|s| pure(&s.module)) {
        let code = without_strings(&source.code);
        for word in NOT_IN_CORE {
            if code.contains(word) {
                offences.push(format!("{} names `{word}`", source.module));
            }
        }
    }
    assert!(offences.is_empty(), "{offences:#?}");
}

#[test]
fn only_the_git_stage_names_git2() {
    let offences: Vec<String> = sources()
        .iter()
        .filter(|s| stage_of(&s.module) != "git")
        .filter(|s| without_strings(&s.code).contains("git2"))
        .map(|s| s.module.clone())
        .collect();
    assert!(offences.is_empty(), "git2 outside src/git/: {offences:#?}");
}

#[test]
fn every_stage_imports_only_its_own_or_lower_stages() {
    let mut offences = Vec::new();
    for (module, deps) in graph() {
        let stage = stage_of(&module);
        for dep in deps {
            let to = stage_of(&dep);
            let allowed = to == stage || rank(to) < rank(stage);
            if !allowed {
                offences.push(format!("{module} imports {dep}"));
            }
        }
    }
    assert!(
        offences.is_empty(),
        "imports that run up the pipeline: {offences:#?}"
    );
}

#[test]
fn no_files_import_each_other_in_a_circle() {
    let graph = graph();
    // A module and the files inside it (`watch` and `watch::tracker`) share their types both
    // ways by design; a circle is one between files that are not parent and child.
    let related =
        |a: &str, b: &str| a.starts_with(&format!("{b}::")) || b.starts_with(&format!("{a}::"));
    let mut circles = Vec::new();
    for start in graph.keys() {
        // Depth-first search for a path back to `start`.
        let mut stack = vec![(start.clone(), vec![start.clone()])];
        let mut seen = BTreeSet::new();
        while let Some((node, path)) = stack.pop() {
            for next in graph.get(&node).into_iter().flatten() {
                if related(&node, next) {
                    continue;
                }
                if next == start {
                    circles.push(format!("{} → {start}", path.join(" → ")));
                } else if seen.insert(next.clone()) {
                    let mut longer = path.clone();
                    longer.push(next.clone());
                    stack.push((next.clone(), longer));
                }
            }
        }
    }
    assert!(circles.is_empty(), "import circles: {circles:#?}");
}

#[test]
fn the_checks_see_imports_in_every_form_they_are_written() {
    let known: BTreeSet<String> = ["core", "core::fold", "core::post", "git", "git::read"]
        .into_iter()
        .map(String::from)
        .collect();
    let code = "use crate::core::{fold::Engine, post};\nlet x = crate::git::read::update(a);\nuse crate::git::{self, Repo};";
    let found = imports(code, &known);
    let expected: BTreeSet<String> = ["core::fold", "core::post", "git", "git::read"]
        .into_iter()
        .map(String::from)
        .collect();
    assert_eq!(found, expected);
    assert_eq!(
        without_comments("//! see [`crate::git`]\nuse crate::core::post; // crate::cli"),
        "\nuse crate::core::post; "
    );
    assert_eq!(
        without_strings(r#"let a = "fs::read \" notify"; fs::read(a)"#),
        r#"let a = ""; fs::read(a)"#
    );
    assert_eq!(module_of(Path::new("git/mod.rs")).as_deref(), Some("git"));
    assert_eq!(
        module_of(Path::new("core/fold.rs")).as_deref(),
        Some("core::fold")
    );
}
