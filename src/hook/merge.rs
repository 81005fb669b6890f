//! The merge driver `hook install` registers for posts, so that a change confined to the stats
//! block never conflicts: merges, cherry-picks and rebases of branches that both ticked goals
//! (and so both rewrote the block) merge the text outside the block as git would, and the block
//! is written anew for the merged text.
//!
//! How: the block's body is taken out of the three versions (its marker lines stay, so a block
//! the user placed keeps its place), `git merge-file` merges what is left, and then
//! - clean: the block is rendered for the merged text, as the hook would write it for a commit
//!   of that text on HEAD (or, when no figures can be had, ours is put back);
//! - conflicts: git's conflict markers stay in the text outside the block, ours is put back
//!   inside it, and git is told (exit 1) — a real conflict stays a normal conflict, and the
//!   hook writes the block when the resolution is committed.
//!
//! Registration lives in the repository's git config (`merge.gitgoals.*`) and in
//! `$GIT_COMMON_DIR/info/attributes`, never in a tracked `.gitattributes`.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::core::block;
use crate::error::Error;
use crate::render::statsblock;
use crate::session::Session;

use super::{RunOptions, StatsSource, git_in, resolve, write_atomically};

/// The driver's name in git config and in the attributes (`merge=gitgoals`).
pub const DRIVER: &str = "gitgoals";
/// The first line of gitgoals' entries in the attributes file.
const ATTRIBUTES_HEADER: &str = "# gitgoals: stats blocks merge without conflicts (`gitgoals hook uninstall` removes these lines)";
/// Markdown files, as history tells posts (`core::select::is_markdown`).
const MARKDOWN: [&str; 5] = ["md", "markdown", "mdown", "mkd", "mkdn"];

/// What git hands a merge driver: `%O %A %B %P %L`.
#[derive(Debug, Clone)]
pub struct MergeFiles {
    /// The common ancestor's version (`%O`).
    pub base: PathBuf,
    /// Ours (`%A`): the driver leaves the result here.
    pub ours: PathBuf,
    /// Theirs (`%B`).
    pub theirs: PathBuf,
    /// The path in the repository the result is for (`%P`).
    pub path: String,
    /// The conflict marker size (`%L`).
    pub marker_size: Option<usize>,
}

/// A version with its block's body taken out: the text git merges, and the body it had.
struct Split {
    text: Vec<u8>,
    body: Option<Vec<u8>>,
}

fn split(bytes: &[u8]) -> Result<Split, Error> {
    // The opening marker carries a checksum of the body each side wrote: without it the marker
    // lines are equal and git merges around them.
    let bytes = &*block::with_bare_marker(bytes);
    Ok(match block::find_block(bytes)? {
        Some(span) => Split {
            text: [&bytes[..span.body.start], &bytes[span.body.end..]].concat(),
            body: Some(bytes[span.body.clone()].to_vec()),
        },
        None => Split {
            text: bytes.to_vec(),
            body: None,
        },
    })
}

/// `text` with `body` put between its (empty) block's markers; `None` when it has no block
/// that can be found.
fn with_body(text: &[u8], body: &[u8]) -> Option<Vec<u8>> {
    let span = block::find_block(text).ok()??;
    Some([&text[..span.body.start], body, &text[span.body.end..]].concat())
}

/// Runs the merge and leaves the result in `files.ours`. `Ok(true)`: merged cleanly;
/// `Ok(false)`: conflicts remain outside the block (git's markers are in the file). An error
/// means nothing was written: the caller falls back to a plain merge.
pub fn merge(
    session: &Session,
    files: &MergeFiles,
    compute: &StatsSource<'_>,
) -> Result<bool, Error> {
    let read = |path: &Path| fs::read(path).map_err(Error::io(path));
    let (base, ours, theirs) = (
        split(&read(&files.base)?)?,
        split(&read(&files.ours)?)?,
        split(&read(&files.theirs)?)?,
    );
    // Beside git's own temporary files (the work tree's top), not in a shared temp folder.
    let dir = match files.ours.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let texts = Temporaries::new(dir, [&ours.text, &base.text, &theirs.text])?;
    let (merged, clean) = merge_file(&texts, files.marker_size)?;
    let kept = ours.body.as_deref().or(theirs.body.as_deref());
    let result = if clean {
        match fresh_block(session, &files.path, &merged, compute) {
            Some(fresh) => fresh,
            None => kept
                .and_then(|body| with_body(&merged, body))
                .unwrap_or(merged),
        }
    } else {
        kept.and_then(|body| with_body(&merged, body))
            .unwrap_or(merged)
    };
    write_atomically(&files.ours, &result, None)?;
    Ok(clean)
}

/// The merged text with the block the hook would write for it; `None` when it has no block
/// or no figures can be had (not a goals post, a broken setting, an unreadable history).
fn fresh_block(
    session: &Session,
    path: &str,
    merged: &[u8],
    compute: &StatsSource<'_>,
) -> Option<Vec<u8>> {
    block::find_block(merged).ok()??;
    let work_tree = session.work_tree()?;
    let resolved = resolve(&work_tree, &session.config, &RunOptions::default()).ok()?;
    let mut stats = compute(path, merged).ok()??;
    stats.rating_scale = resolved.rating_scale;
    stats.show_forecast = resolved.forecast;
    if resolved.chart && !stats.recent_weeks.is_empty() {
        stats.chart = Some(super::chart_link(&work_tree, path));
    }
    let body = statsblock::render(&stats, resolved.renderer()).ok()?;
    match block::rewrite(merged, &body).ok()? {
        block::Rewrite::Unchanged => Some(merged.to_vec()),
        block::Rewrite::Changed(bytes) => Some(bytes),
    }
}

/// `git merge-file` on three texts (ours, base, theirs): the merged text, and whether it
/// merged cleanly.
fn merge_file(
    temporaries: &Temporaries,
    marker_size: Option<usize>,
) -> Result<(Vec<u8>, bool), Error> {
    let mut git = Command::new("git");
    git.args([
        "merge-file",
        "-p",
        "-L",
        "ours",
        "-L",
        "base",
        "-L",
        "theirs",
    ]);
    if let Some(size) = marker_size {
        git.arg(format!("--marker-size={size}"));
    }
    let output = git
        .args(&temporaries.paths)
        .output()
        .map_err(|e| Error::GitCommand {
            args: "merge-file".into(),
            reason: e.to_string(),
        })?;
    // 0: clean; 1 to 127: that many conflicts; anything else: merge-file failed.
    match output.status.code() {
        Some(0) => Ok((output.stdout, true)),
        Some(1..=127) => Ok((output.stdout, false)),
        _ => Err(Error::GitCommand {
            args: "merge-file".into(),
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        }),
    }
}

/// Files that hold the three texts for `git merge-file`, removed when dropped.
struct Temporaries {
    paths: Vec<PathBuf>,
}

impl Temporaries {
    fn new(dir: &Path, texts: [&[u8]; 3]) -> Result<Temporaries, Error> {
        let mut made = Temporaries { paths: Vec::new() };
        for (n, text) in texts.into_iter().enumerate() {
            let path = dir.join(format!(
                ".gitgoals-merge-{}-{n}-{}.tmp",
                std::process::id(),
                unique()
            ));
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
                .and_then(|mut file| std::io::Write::write_all(&mut file, text))
                .map_err(Error::io(&path))?;
            made.paths.push(path);
        }
        Ok(made)
    }
}

impl Drop for Temporaries {
    fn drop(&mut self) {
        for path in &self.paths {
            let _ = fs::remove_file(path);
        }
    }
}

/// A number no other temporary of this process has used.
fn unique() -> u64 {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    (u64::from(nanos) << 16) | NEXT.fetch_add(1, Ordering::Relaxed)
}

/// A plain three-way merge of the files as they are, in place, as git merges without a
/// driver: what the driver does when it cannot do better. `true` when clean.
pub fn plain_merge(files: &MergeFiles) -> bool {
    let mut git = Command::new("git");
    git.args(["merge-file", "-L", "ours", "-L", "base", "-L", "theirs"]);
    if let Some(size) = files.marker_size {
        git.arg(format!("--marker-size={size}"));
    }
    git.arg(&files.ours)
        .arg(&files.base)
        .arg(&files.theirs)
        .status()
        .is_ok_and(|status| status.success())
}

// ---------------------------------------------------------------------------------------------
// registration

/// The command git runs for the driver (through the shell, `%X` replaced by file names): the
/// gitgoals on PATH, else the binary that installed it, else a plain merge.
fn driver_command(installed_by: Option<&Path>) -> String {
    let args = "merge-driver %O %A %B %P %L";
    let plain = "git merge-file -L ours -L base -L theirs %A %O %B";
    let mut command = format!("if command -v gitgoals >/dev/null 2>&1; then gitgoals {args}; ");
    if let Some(binary) = installed_by {
        let quoted = String::from_utf8_lossy(&super::shell_quoted(binary)).into_owned();
        command.push_str(&format!("elif [ -x {quoted} ]; then {quoted} {args}; "));
    }
    command.push_str(&format!("else {plain}; fi"));
    command
}

fn git_ok(repo_dir: &Path, args: &[&str]) -> Result<String, Error> {
    let output = git_in(repo_dir, args)?;
    if output.status.success() {
        Ok(String::from_utf8_lossy(&output.stdout)
            .trim_end()
            .to_owned())
    } else {
        Err(Error::GitCommand {
            args: args.join(" "),
            reason: String::from_utf8_lossy(&output.stderr).trim().to_owned(),
        })
    }
}

/// The attributes file of the repository (shared by its worktrees), which nobody commits.
fn attributes_file(repo_dir: &Path) -> Result<PathBuf, Error> {
    git_ok(
        repo_dir,
        &[
            "rev-parse",
            "--path-format=absolute",
            "--git-path",
            "info/attributes",
        ],
    )
    .map(PathBuf::from)
}

/// gitgoals' lines in the attributes file.
fn attribute_lines() -> Vec<String> {
    std::iter::once(ATTRIBUTES_HEADER.to_owned())
        .chain(MARKDOWN.iter().map(|ext| format!("*.{ext} merge={DRIVER}")))
        .collect()
}

fn is_our_line(line: &str) -> bool {
    line == ATTRIBUTES_HEADER || attribute_lines().iter().any(|ours| ours == line)
}

/// Registers the driver: `merge.gitgoals.name` and `.driver` in the repository's config, and
/// the posts' `merge=gitgoals` in its `info/attributes`. Returns the attributes file.
pub fn register(repo_dir: &Path, installed_by: Option<&Path>) -> Result<PathBuf, Error> {
    git_ok(
        repo_dir,
        &[
            "config",
            "--local",
            &format!("merge.{DRIVER}.name"),
            "gitgoals: a stats block never conflicts",
        ],
    )?;
    git_ok(
        repo_dir,
        &[
            "config",
            "--local",
            &format!("merge.{DRIVER}.driver"),
            &driver_command(installed_by),
        ],
    )?;
    let file = attributes_file(repo_dir)?;
    let old = match fs::read(&file) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
        Err(e) => return Err(Error::io(&file)(e)),
    };
    let mut new = without_our_lines(&old);
    if !new.is_empty() && !new.ends_with(b"\n") {
        new.push(b'\n');
    }
    for line in attribute_lines() {
        new.extend_from_slice(line.as_bytes());
        new.push(b'\n');
    }
    if new != old {
        if let Some(dir) = file.parent() {
            fs::create_dir_all(dir).map_err(Error::io(dir))?;
        }
        write_atomically(&file, &new, None)?;
    }
    Ok(file)
}

/// `bytes` of an attributes file without gitgoals' lines, every other byte kept.
fn without_our_lines(bytes: &[u8]) -> Vec<u8> {
    bytes
        .split_inclusive(|&b| b == b'\n')
        .filter(|line| {
            let text = String::from_utf8_lossy(line);
            !is_our_line(text.trim_end_matches(['\n', '\r']))
        })
        .flatten()
        .copied()
        .collect()
}

/// Removes what [`register`] added; `true` when there was something to remove.
pub fn unregister(repo_dir: &Path) -> Result<bool, Error> {
    let section = format!("merge.{DRIVER}");
    let had_config = git_in(
        repo_dir,
        &[
            "config",
            "--local",
            "--get-regexp",
            &format!("^{section}\\."),
        ],
    )?
    .status
    .success();
    if had_config {
        git_ok(
            repo_dir,
            &["config", "--local", "--remove-section", &section],
        )?;
    }
    let file = attributes_file(repo_dir)?;
    let Ok(old) = fs::read(&file) else {
        return Ok(had_config);
    };
    let new = without_our_lines(&old);
    if new == old {
        return Ok(had_config);
    }
    if new.is_empty() {
        fs::remove_file(&file).map_err(Error::io(&file))?;
    } else {
        write_atomically(&file, &new, None)?;
    }
    Ok(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_takes_out_only_the_body_and_puts_it_back() {
        let post =
            b"- [ ] a\n\n<!-- gitgoals:stats -->\n\nbody\n\n<!-- /gitgoals:stats -->\nafter\n";
        let parts = split(post).unwrap();
        assert_eq!(
            parts.text,
            b"- [ ] a\n\n<!-- gitgoals:stats -->\n<!-- /gitgoals:stats -->\nafter\n"
        );
        assert_eq!(parts.body.as_deref(), Some(&b"\nbody\n\n"[..]));
        assert_eq!(with_body(&parts.text, b"\nbody\n\n").unwrap(), post);
        let plain = split(b"- [ ] a\n").unwrap();
        assert_eq!(plain.text, b"- [ ] a\n");
        assert!(plain.body.is_none());
    }

    #[test]
    fn attributes_keep_every_line_of_the_users_and_lose_only_ours() {
        let mut with_ours = b"*.png binary\r\n# mine\n".to_vec();
        for line in attribute_lines() {
            with_ours.extend_from_slice(line.as_bytes());
            with_ours.push(b'\n');
        }
        with_ours.extend_from_slice(b"*.md diff=markdown");
        assert_eq!(
            without_our_lines(&with_ours),
            b"*.png binary\r\n# mine\n*.md diff=markdown"
        );
    }

    #[test]
    fn the_driver_command_quotes_the_installing_binary() {
        let command = driver_command(Some(Path::new("/opt/it's/gitgoals")));
        assert!(command.contains("elif [ -x '/opt/it'\\''s/gitgoals' ]; then '/opt/it'\\''s/gitgoals' merge-driver %O %A %B %P %L;"), "{command}");
        assert!(command.starts_with("if command -v gitgoals"));
        assert!(command.ends_with("else git merge-file -L ours -L base -L theirs %A %O %B; fi"));
    }
}
