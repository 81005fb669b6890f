//! Which files are posts: the one definition the history, the hook, the watcher and `show`
//! all use — the user's globs, else the posts folders of the usual site generators, else an
//! Obsidian vault's dated notes, else every Markdown file.

use crate::error::{Error, Result};

/// Directories that hold posts in the static site generators people use — Jekyll (`_posts`,
/// `_drafts`), Hugo and Zola (`content`), Eleventy, Astro and plain folders (`posts`,
/// `src/posts`); when any of them exists at HEAD only they are read.
pub const POSTS_DIRS: [&str; 5] = ["_posts", "_drafts", "content", "posts", "src/posts"];

/// The folder Obsidian keeps a vault's settings in: a repository that tracks it is a vault,
/// and its posts are the daily and weekly notes (files named by a date or an ISO week).
pub const OBSIDIAN_DIR: &str = ".obsidian";

/// Decides which files are posts: any of the user's `globs`; else the posts directories when
/// any of them is a directory at HEAD (`is_dir` answers for a path at HEAD); else, in an
/// Obsidian vault (a tracked `.obsidian/` folder), the notes named by a date or an ISO week;
/// else every Markdown file. Before the first commit (`has_head` false) the posts directories
/// are taken.
pub fn choose(
    globs: &[&str],
    has_head: bool,
    is_dir: impl Fn(&str) -> bool,
) -> Result<PostSelector> {
    // `!GLOB` takes files out of whatever the other globs (or the defaults) choose.
    let (excluded, globs): (Vec<&str>, Vec<&str>) =
        globs.iter().partition(|glob| glob.starts_with('!'));
    let chosen = choose_included(&globs, has_head, is_dir)?;
    if excluded.is_empty() {
        return Ok(chosen);
    }
    let excluded = excluded
        .iter()
        .map(|glob| Glob::new(&glob[1..]))
        .collect::<Result<_, _>>()?;
    Ok(PostSelector::Except(Box::new(chosen), excluded))
}

/// [`choose`] without the exclusions.
fn choose_included(
    globs: &[&str],
    has_head: bool,
    is_dir: impl Fn(&str) -> bool,
) -> Result<PostSelector> {
    match globs {
        [] => {}
        [glob] => return Ok(PostSelector::Glob(Glob::new(glob)?)),
        _ => {
            return Ok(PostSelector::AnyGlob(
                globs
                    .iter()
                    .map(|g| Glob::new(g))
                    .collect::<Result<_, _>>()?,
            ));
        }
    }
    let all_dirs = || PostSelector::Dirs(POSTS_DIRS.iter().map(|d| d.to_string()).collect());
    if !has_head {
        return Ok(all_dirs());
    }
    // All of them, not only those at HEAD: a draft folder emptied by publishing its last
    // draft still holds the early versions of posts.
    Ok(if POSTS_DIRS.iter().any(|dir| is_dir(dir)) {
        all_dirs()
    } else if is_dir(OBSIDIAN_DIR) {
        PostSelector::DatedNotes
    } else {
        PostSelector::AllMarkdown
    })
}

/// Which files of a tree are posts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostSelector {
    /// Markdown files under these top-level directories.
    Dirs(Vec<String>),
    /// Every Markdown file in the repository.
    AllMarkdown,
    /// Files whose path matches a user's `--posts` glob.
    Glob(Glob),
    /// Files whose path matches any of these globs (the configuration's `posts`).
    AnyGlob(Vec<Glob>),
    /// An Obsidian vault: Markdown notes named by a date (`2024-01-15.md`) or an ISO week
    /// (`2024-W03.md`), in any folder.
    DatedNotes,
    /// The files the first chooses, but for those a `!GLOB` takes out (templates, a
    /// dashboard that is no week's goals).
    Except(Box<PostSelector>, Vec<Glob>),
}

impl PostSelector {
    /// Whether a directory (path relative to the repository root) can contain posts.
    pub fn may_contain_posts(&self, dir: &str) -> bool {
        match self {
            PostSelector::Dirs(dirs) => dirs.iter().any(|d| is_under(dir, d) || is_under(d, dir)),
            PostSelector::AllMarkdown | PostSelector::DatedNotes => true,
            PostSelector::Glob(glob) => glob.may_match_under(dir),
            PostSelector::AnyGlob(globs) => globs.iter().any(|g| g.may_match_under(dir)),
            // A folder some exclusion takes out whole may still be looked in: cheap, and
            // `is_post` decides.
            PostSelector::Except(chosen, _) => chosen.may_contain_posts(dir),
        }
    }

    /// What the selection is, in words, as `gitgoals config` prints it.
    pub fn describe(&self) -> String {
        let globs = |globs: &[Glob]| {
            globs
                .iter()
                .map(|g| g.as_str().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        };
        match self {
            PostSelector::Dirs(dirs) => format!(
                "Markdown files under the posts folders {}",
                dirs.iter()
                    .map(|d| format!("{d}/"))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            PostSelector::AllMarkdown => {
                "every Markdown file (no posts folder at HEAD)".to_string()
            }
            PostSelector::Glob(glob) => format!("files matching {}", glob.as_str()),
            PostSelector::AnyGlob(all) => format!("files matching any of {}", globs(all)),
            PostSelector::DatedNotes => "Obsidian notes named by a date or an ISO week".to_string(),
            PostSelector::Except(chosen, excluded) => format!(
                "{}, except files matching {}",
                chosen.describe(),
                globs(excluded)
            ),
        }
    }

    /// Whether a file (path relative to the repository root) is a post.
    pub fn is_post(&self, path: &str) -> bool {
        match self {
            PostSelector::Dirs(dirs) => {
                is_markdown(path)
                    && dirs.iter().any(|d| {
                        path.strip_prefix(d.as_str())
                            .is_some_and(|rest| rest.starts_with('/'))
                    })
            }
            PostSelector::AllMarkdown => is_markdown(path),
            PostSelector::Glob(glob) => glob.matches(path),
            PostSelector::AnyGlob(globs) => globs.iter().any(|g| g.matches(path)),
            PostSelector::DatedNotes => {
                is_markdown(path)
                    && !path.split('/').any(|part| part.starts_with('.'))
                    && crate::core::dates::filename_date(path).is_some()
            }
            PostSelector::Except(chosen, excluded) => {
                chosen.is_post(path) && !excluded.iter().any(|glob| glob.matches(path))
            }
        }
    }
}

/// Whether `path` is `dir` or lies under it (both relative, `/`-separated).
fn is_under(path: &str, dir: &str) -> bool {
    path.strip_prefix(dir)
        .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
}

/// Whether a file name has one of the extensions Markdown files use.
pub fn is_markdown(path: &str) -> bool {
    let Some((_, ext)) = path.rsplit_once('.') else {
        return false;
    };
    ["md", "markdown", "mdown", "mkd", "mkdn"]
        .iter()
        .any(|known| ext.eq_ignore_ascii_case(known))
}

/// A path glob: `*` and `?` match within one path segment, `**` matches any number of whole
/// segments. Paths are relative to the repository root and use `/`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    source: String,
    segments: Vec<String>,
}

impl Glob {
    /// Compiles a glob; an empty pattern, or `**` glued to other characters, is refused.
    pub fn new(pattern: &str) -> Result<Glob> {
        let bad = |reason: &str| Error::BadGlob {
            glob: pattern.to_string(),
            reason: reason.to_string(),
        };
        let trimmed = pattern.trim_start_matches("./").trim_start_matches('/');
        if trimmed.is_empty() {
            return Err(bad("the pattern is empty"));
        }
        let segments: Vec<String> = trimmed
            .split('/')
            .filter(|s| !s.is_empty())
            .map(str::to_string)
            .collect();
        if segments
            .iter()
            .any(|s| s.contains("**") && s.as_str() != "**")
        {
            return Err(bad(
                "`**` must be a whole path segment, as in `posts/**/*.md`",
            ));
        }
        Ok(Glob {
            source: pattern.to_string(),
            segments,
        })
    }

    /// The pattern as the user wrote it.
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether the whole path matches.
    pub fn matches(&self, path: &str) -> bool {
        let parts: Vec<&str> = path.split('/').collect();
        match_segments(&self.segments, &parts, false)
    }

    /// Whether some path under directory `dir` could match: lets the tree walk skip
    /// directories the glob can never reach.
    pub fn may_match_under(&self, dir: &str) -> bool {
        let parts: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
        match_segments(&self.segments, &parts, true)
    }
}

/// Matches path segments against pattern segments. With `prefix`, succeeds when the path is
/// used up while the pattern still has segments to match deeper paths.
fn match_segments(pattern: &[String], path: &[&str], prefix: bool) -> bool {
    match pattern.split_first() {
        None => path.is_empty() && !prefix,
        Some((first, rest)) if first == "**" => {
            // `**` takes zero or more whole segments.
            (0..=path.len()).any(|skip| match_segments(rest, &path[skip..], prefix))
                || (prefix && !path.is_empty())
        }
        Some((first, rest)) => match path.split_first() {
            None => prefix,
            Some((segment, path_rest)) => {
                match_one_segment(first.as_bytes(), segment.as_bytes())
                    && match_segments(rest, path_rest, prefix)
            }
        },
    }
}

/// `*` and `?` within one segment, by backtracking to the last `*`.
fn match_one_segment(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if p < pattern.len() && (pattern[p] == b'?' || pattern[p] == text[t]) {
            p += 1;
            t += 1;
        } else if p < pattern.len() && pattern[p] == b'*' {
            star = Some((p, t));
            p += 1;
        } else if let Some((star_p, star_t)) = star {
            p = star_p + 1;
            t = star_t + 1;
            star = Some((star_p, star_t + 1));
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_star_stays_within_a_segment() {
        let glob = Glob::new("_posts/*.md").unwrap();
        assert!(glob.matches("_posts/2020-12-07-week.md"));
        assert!(!glob.matches("_posts/2020/week.md"));
        assert!(!glob.matches("_drafts/week.md"));
    }

    #[test]
    fn glob_double_star_spans_folders() {
        let glob = Glob::new("notes/**/*.md").unwrap();
        assert!(glob.matches("notes/week.md"));
        assert!(glob.matches("notes/2020/12/week.md"));
        assert!(!glob.matches("other/week.md"));
        assert!(glob.may_match_under("notes"));
        assert!(glob.may_match_under("notes/2020"));
        assert!(!glob.may_match_under("other"));
    }

    #[test]
    fn glob_question_mark_is_one_character() {
        let glob = Glob::new("week-?.md").unwrap();
        assert!(glob.matches("week-1.md"));
        assert!(!glob.matches("week-10.md"));
        assert!(!glob.may_match_under("sub"));
    }

    #[test]
    fn glob_leading_double_star_matches_at_any_depth() {
        let glob = Glob::new("**/goals-*.md").unwrap();
        assert!(glob.matches("goals-1.md"));
        assert!(glob.matches("a/b/goals-1.md"));
        assert!(!glob.matches("a/b/notes.md"));
        assert!(glob.may_match_under("a/b"));
    }

    #[test]
    fn glob_refuses_double_star_inside_a_segment() {
        assert!(Glob::new("posts/a**b").is_err());
        assert!(Glob::new("").is_err());
    }

    #[test]
    fn segment_star_backtracks() {
        assert!(match_one_segment(b"*-week-*.md", b"2020-12-07-week-4.md"));
        assert!(!match_one_segment(b"*-week-*.md", b"2020-12-07-month-4.md"));
        assert!(match_one_segment(b"*", b""));
    }

    #[test]
    fn dirs_selector_reads_markdown_under_the_dirs_only() {
        let selector = PostSelector::Dirs(vec!["_posts".into(), "_drafts".into()]);
        assert!(selector.is_post("_posts/2020-12-07-week.md"));
        assert!(selector.is_post("_drafts/sub/week.markdown"));
        assert!(!selector.is_post("_posts/image.png"));
        assert!(!selector.is_post("README.md"));
        assert!(selector.may_contain_posts("_posts/2020"));
        assert!(!selector.may_contain_posts("assets"));
    }

    #[test]
    fn nested_posts_dirs_and_dated_notes() {
        let selector = PostSelector::Dirs(vec!["posts".into(), "src/posts".into()]);
        assert!(selector.is_post("src/posts/first.md"));
        assert!(selector.may_contain_posts("src"));
        assert!(selector.may_contain_posts("src/posts/2024"));
        assert!(!selector.may_contain_posts("src/components"));
        assert!(!selector.is_post("src/components/x.md"));
        assert!(!selector.is_post("postscript/x.md"));
        let notes = PostSelector::DatedNotes;
        assert!(notes.is_post("Daily/2024-01-15.md"));
        assert!(notes.is_post("Weekly/2024-W03.md"));
        assert!(!notes.is_post("Ideas/Books.md"));
        assert!(!notes.is_post(".trash/2024-01-15.md"));
    }
}
