//! What the `git commit` that runs the pre-commit hook is making: whether it amends HEAD (so
//! the commit's parents are HEAD's parents, not HEAD), and the date it gives the commit.
//!
//! **The date.** Before it runs the hook, `git commit` works out the author of the commit and
//! exports it: `GIT_AUTHOR_DATE` is `@SECONDS ±HHMM`, the amended commit's own date for an
//! amend (unless `--reset-author` or `--date`), `--date`'s, or now. History dates a commit by
//! its author date, so the pending commit takes that one; without it (the hook run by hand),
//! now.
//!
//! **Amend.** Git does not tell a pre-commit hook that it is amending: no argument, no
//! variable, no file in the git directory says so. The one place it is written is the command
//! line of the `git commit` process itself. On Linux that is `/proc/PID/cmdline` of the
//! nearest `git` process above this one (git runs the hook; a hook manager or the legacy
//! hook's shell may stand between). It is read as git reads it: global options before the
//! command, an alias from the repository's configuration expanded, then `commit`'s own
//! options: `--amend` or an abbreviation of it (`--am`), the last of `--amend` and
//! `--no-amend` winning, bundles of short options (`-am MESSAGE`), and an option's value told
//! from an option (`-m --amend` is a message), up to `--`.
//!
//! Every doubt reads as "not an amend", which is what the hook assumed before it could tell:
//! the figures of a commit on HEAD. That is what happens where there is no `/proc` (macOS,
//! Windows, the BSDs), with a shell alias (`!…`) or an alias given with `-c` on the command
//! line (libgit2 reads the configuration files only), when the commit is made by a program
//! other than the `git` binary that runs the hook itself (an editor through libgit2), more
//! than [`MAX_ANCESTORS`] processes up, or when `/proc` cannot be read. The one guess that
//! would be wrong the other way, an amend where there is none, needs a `git commit` command
//! line that git itself would read as an amend.

use chrono::{DateTime, FixedOffset};

/// How far up the process tree the `git commit` is looked for.
const MAX_ANCESTORS: usize = 16;

/// How many aliases in a row are expanded (git stops at a loop; this stops sooner).
const MAX_ALIASES: usize = 8;

/// Global options of git that take their value as the next argument.
const GLOBAL_WITH_VALUE: [&str; 8] = [
    "-c",
    "-C",
    "--git-dir",
    "--work-tree",
    "--namespace",
    "--super-prefix",
    "--config-env",
    "--attr-source",
];

/// `commit`'s long options that take a value, given as the next argument unless written
/// `--option=value`.
const LONG_WITH_VALUE: [&str; 12] = [
    "message",
    "file",
    "reuse-message",
    "reedit-message",
    "author",
    "date",
    "template",
    "cleanup",
    "fixup",
    "squash",
    "trailer",
    "pathspec-from-file",
];

/// `commit`'s short options that take a value: the rest of the bundle, else the next argument.
const SHORT_WITH_VALUE: [char; 5] = ['m', 'F', 'C', 'c', 't'];

/// `commit`'s short options whose value, if any, is the rest of the bundle (`-uno`, `-SKEY`).
const SHORT_WITH_OPTIONAL_VALUE: [char; 2] = ['u', 'S'];

/// The date `git commit` gives the commit it is making, from the environment it gives the
/// hook; none outside a commit.
pub(super) fn author_date() -> Option<DateTime<FixedOffset>> {
    git_date(&std::env::var("GIT_AUTHOR_DATE").ok()?)
}

/// A date as git exports it to hooks: `@SECONDS ±HHMM` (the `@` may be missing).
fn git_date(text: &str) -> Option<DateTime<FixedOffset>> {
    let (seconds, zone) = text.trim().trim_start_matches('@').split_once(' ')?;
    let seconds: i64 = seconds.parse().ok()?;
    let (sign, digits) = match zone.as_bytes().first()? {
        b'+' => (1, &zone[1..]),
        b'-' => (-1, &zone[1..]),
        _ => return None,
    };
    if digits.len() != 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let hours: i32 = digits[..2].parse().ok()?;
    let minutes: i32 = digits[2..].parse().ok()?;
    let offset = FixedOffset::east_opt(sign * (hours * 3600 + minutes * 60))?;
    Some(DateTime::from_timestamp(seconds, 0)?.with_timezone(&offset))
}

/// Whether the `git commit` running this process amends HEAD, as its command line says;
/// false when that cannot be told. `alias` gives the value of `alias.NAME`.
pub(super) fn amending(alias: &dyn Fn(&str) -> Option<String>) -> bool {
    nearest_git_command_line().is_some_and(|argv| command_line_amends(&argv, alias))
}

/// The command line of the nearest `git` process above this one.
#[cfg(target_os = "linux")]
fn nearest_git_command_line() -> Option<Vec<String>> {
    let mut pid = std::os::unix::process::parent_id();
    for _ in 0..MAX_ANCESTORS {
        if pid <= 1 {
            return None;
        }
        let argv = command_line(pid)?;
        if argv.first().is_some_and(|program| is_git(program)) {
            return Some(argv);
        }
        pid = parent_of(pid)?;
    }
    None
}

#[cfg(not(target_os = "linux"))]
fn nearest_git_command_line() -> Option<Vec<String>> {
    None
}

/// A process's arguments, from `/proc/PID/cmdline`.
#[cfg(target_os = "linux")]
fn command_line(pid: u32) -> Option<Vec<String>> {
    let bytes = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let mut argv: Vec<String> = bytes
        .split(|&b| b == 0)
        .map(|arg| String::from_utf8_lossy(arg).into_owned())
        .collect();
    // The arguments end in a zero byte: the last piece is empty.
    if argv.last().is_some_and(String::is_empty) {
        argv.pop();
    }
    Some(argv)
}

/// A process's parent, from `/proc/PID/stat` (the field after the command name, which is in
/// parentheses and may hold spaces and parentheses itself).
#[cfg(target_os = "linux")]
fn parent_of(pid: u32) -> Option<u32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 1..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// The program's file name, without its folder.
fn program_name(program: &str) -> &str {
    program.rsplit('/').next().unwrap_or(program)
}

/// Whether a program is git: `git`, or the dashed form of its commit command.
fn is_git(program: &str) -> bool {
    matches!(program_name(program), "git" | "git-commit")
}

/// Whether a git command line makes an amending commit.
fn command_line_amends(argv: &[String], alias: &dyn Fn(&str) -> Option<String>) -> bool {
    let Some((program, rest)) = argv.split_first() else {
        return false;
    };
    if program_name(program) == "git-commit" {
        return commit_amends(rest);
    }
    let mut args: Vec<String> = rest.to_vec();
    for _ in 0..=MAX_ALIASES {
        let mut at = 0;
        while let Some(arg) = args.get(at).filter(|arg| arg.starts_with('-')) {
            at += if GLOBAL_WITH_VALUE.contains(&arg.as_str()) {
                2
            } else {
                1
            };
        }
        let Some(command) = args.get(at) else {
            return false;
        };
        if command == "commit" {
            return commit_amends(&args[at + 1..]);
        }
        // An alias of git commands (a shell alias, `!…`, runs something else).
        let Some(expansion) = alias(command).filter(|value| !value.trim().starts_with('!')) else {
            return false;
        };
        let mut expanded = split_words(&expansion);
        expanded.extend_from_slice(&args[at + 1..]);
        args = expanded;
    }
    false
}

/// Whether `commit`'s arguments ask for an amend.
fn commit_amends(args: &[String]) -> bool {
    let mut amend = false;
    let mut at = 0;
    while let Some(arg) = args.get(at) {
        at += 1;
        if arg == "--" {
            break;
        }
        if let Some(long) = arg.strip_prefix("--") {
            let (name, has_value) = match long.split_once('=') {
                Some((name, _)) => (name, true),
                None => (long, false),
            };
            if abbreviates(name, "amend") {
                amend = true;
            } else if name
                .strip_prefix("no-")
                .is_some_and(|name| abbreviates(name, "amend"))
            {
                amend = false;
            } else if !has_value && LONG_WITH_VALUE.iter().any(|o| abbreviates(name, o)) {
                at += 1;
            }
        } else if let Some(shorts) = arg.strip_prefix('-') {
            for (offset, short) in shorts.char_indices() {
                if SHORT_WITH_VALUE.contains(&short) {
                    if offset + short.len_utf8() == shorts.len() {
                        at += 1;
                    }
                    break;
                }
                if SHORT_WITH_OPTIONAL_VALUE.contains(&short) {
                    break;
                }
            }
        }
        // Anything else is a pathspec.
    }
    amend
}

/// Whether `name` is `option` or an abbreviation git accepts for it.
fn abbreviates(name: &str, option: &str) -> bool {
    name.len() >= 2 && option.starts_with(name)
}

/// An alias's value split into words as git splits it: at white space, except inside single
/// or double quotes, with a backslash escaping the next character.
fn split_words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (_, '\\') => {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
                in_word = true;
            }
            (Some(q), c) if c == q => quote = None,
            (Some(_), c) => word.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
            }
            (None, c) => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;

    fn amends(line: &str) -> bool {
        amends_with(line, &|_| None)
    }

    fn amends_with(line: &str, alias: &dyn Fn(&str) -> Option<String>) -> bool {
        command_line_amends(&split_words(line), alias)
    }

    #[test]
    fn amend_is_read_from_commit_options_as_git_reads_them() {
        assert!(amends("git commit --amend"));
        assert!(amends("/usr/bin/git commit -q --amend --no-edit"));
        assert!(amends("git commit --am -m 'fix'"));
        assert!(amends("git commit -a --amend -- _posts/week.md"));
        assert!(amends("git commit --no-amend --amend"));
        assert!(amends("git-commit --amend"));
        assert!(amends("git commit --amend --reset-author --date=now"));

        assert!(!amends("git commit"));
        assert!(!amends("git commit -m --amend"));
        assert!(!amends("git commit -am --amend"));
        assert!(!amends("git commit --message --amend"));
        assert!(!amends("git commit --fixup amend:HEAD"));
        assert!(!amends("git commit --amend --no-amend"));
        assert!(!amends("git commit -- --amend"));
        assert!(!amends("git commit -C --amend"));
        assert!(!amends("git commit --a"), "ambiguous: git refuses it");
        assert!(!amends("git merge --continue"));
        assert!(!amends("git"));
    }

    #[test]
    fn global_options_come_before_the_command() {
        assert!(amends("git -C blog -c core.hooksPath=hooks commit --amend"));
        assert!(amends(
            "git --git-dir .git --work-tree . --no-pager commit --amend"
        ));
        assert!(!amends("git -c commit=1 status --amend"));
        assert!(!amends("git -C commit"), "-C takes the next word");
    }

    #[test]
    fn aliases_of_git_commands_are_expanded_and_shell_aliases_are_not() {
        let alias = |name: &str| match name {
            "ca" => Some("commit --amend".to_string()),
            "cm" => Some("commit -m".to_string()),
            "caa" => Some("ca -a".to_string()),
            "loop" => Some("loop".to_string()),
            "sh" => Some("!git commit --amend".to_string()),
            _ => None,
        };
        assert!(amends_with("git ca --no-edit", &alias));
        assert!(amends_with("git caa", &alias));
        assert!(amends_with("git cm fix --amend", &alias));
        assert!(!amends_with("git cm --amend", &alias), "the message");
        assert!(!amends_with("git sh", &alias));
        assert!(!amends_with("git loop", &alias));
    }

    #[test]
    fn words_split_as_git_splits_an_alias() {
        assert_eq!(
            split_words(r#"commit  -m "two words" --author='A B' a\ b"#),
            ["commit", "-m", "two words", "--author=A B", "a b"]
        );
        assert_eq!(split_words("''"), [""]);
    }

    #[test]
    fn git_dates_read_as_git_exports_them() {
        let date = git_date("@1607421600 +0130").expect("a date");
        assert_eq!(date.to_rfc3339(), "2020-12-08T11:30:00+01:30");
        assert_eq!(
            git_date("1607421600 -0500").map(|d| d.to_rfc3339()),
            Some("2020-12-08T05:00:00-05:00".to_string())
        );
        assert_eq!(git_date("2020-12-08T10:00:00+00:00"), None);
        assert_eq!(git_date("@1607421600"), None);
        assert_eq!(git_date("@1607421600 +01"), None);
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn the_process_tree_is_read_from_proc() {
        let own = command_line(std::process::id()).expect("own command line");
        assert_eq!(own.first(), std::env::args().next().as_ref());
        assert_eq!(
            parent_of(std::process::id()),
            Some(std::os::unix::process::parent_id())
        );
    }
}
