//! Configuration, read before every stage: defaults, then `.gitgoals.toml` at the work tree's
//! root, then flags (`-c KEY=VALUE`, `--posts`, `--template`, `--strict`), each value
//! remembering where it came from so `gitgoals config` can say.
//!
//! The file is read as a plain TOML table and walked key by key (rather than through derived
//! serde structs) so that an unknown key is a warning naming it, and a value of the wrong type
//! is an error naming the key, its line and what was expected.

use crate::error::Error;
use std::fmt;
use std::fs;
use std::path::{Component, Path, PathBuf};

use chrono::Weekday;
use toml::{Table, Value};

use crate::core::dates::DateOrder;
use crate::core::model::{DueSource, Mark};
use crate::render::export::Site;

/// The repository's optional configuration file, at the work tree's root.
pub const CONFIG_FILE: &str = ".gitgoals.toml";

/// Where an effective value came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Source {
    Default,
    File,
    Flag,
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Source::Default => "default",
            Source::File => "file",
            Source::Flag => "flag",
        })
    }
}

/// One effective value and its origin.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Setting<T> {
    pub value: T,
    pub source: Source,
}

impl<T> Setting<T> {
    fn default(value: T) -> Setting<T> {
        Setting {
            value,
            source: Source::Default,
        }
    }

    fn set(&mut self, value: T, source: Source) {
        self.value = value;
        self.source = source;
    }
}

/// Where `gitgoals stats` and the hook put a block in a post that has no markers yet.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Appended at the end after one blank line (the default).
    End,
    /// Only posts that already carry the markers get a block; others are left alone.
    Markers,
}

impl Placement {
    pub fn as_str(self) -> &'static str {
        match self {
            Placement::End => "end",
            Placement::Markers => "markers",
        }
    }
}

/// The effective configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Globs naming the post files; empty means the blog engines' usual folders.
    pub posts: Setting<Vec<String>>,
    /// The first day of a week: an ISO week note (`2024-W03.md`) is dated on this day.
    pub week_start: Setting<Weekday>,
    /// The highest confidence rating (`N/scale`).
    pub confidence_scale: Setting<u8>,
    /// How a rating is written after a task's title; `{n}` is the rating, `{scale}` the scale.
    pub confidence_pattern: Setting<String>,
    /// Which due-date rules apply, in the order they are tried.
    pub due_from: Setting<Vec<DueSource>>,
    /// Days after the post's date for the `date_plus_week` rule.
    pub due_days: Setting<u32>,
    /// How an ambiguous numeric date such as `05/12/2020` is read.
    pub date_order: Setting<DateOrder>,
    /// A template file for the stats block (relative to the work tree when from the file).
    pub stats_template: Setting<Option<PathBuf>>,
    pub stats_placement: Setting<Placement>,
    /// Whether the stats block carries a small chart.
    pub stats_chart: Setting<bool>,
    /// Whether the stats block shows the week's start-of-week forecast beside its outcome.
    pub stats_forecast: Setting<bool>,
    /// Whether a failed block update fails the commit.
    pub hook_strict: Setting<bool>,
    /// Whether the hook refreshes the site's data file (`gitgoals export`) on each commit.
    pub export_on_commit: Setting<bool>,
    /// The engine the site is built with: where the data file goes.
    pub export_site: Setting<Site>,
    /// How posts are read: as Obsidian reads them, as plain Markdown, or (`auto`) as Obsidian
    /// in a vault (a tracked `.obsidian/` folder) and as Markdown elsewhere.
    pub format: Setting<Format>,
    /// Status characters of task boxes (`- [/] …`), each a string of characters, by what they
    /// stand for: `statuses.open`, `.done`, `.cancelled`, `.forwarded`, `.ignored` (not a task).
    pub statuses: [Setting<String>; 5],
}

/// How posts are read (`format`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Auto,
    Markdown,
    Obsidian,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Markdown => "markdown",
            Format::Obsidian => "obsidian",
        }
    }
}

/// The `statuses.*` keys, in the order of [`Config::statuses`], with what each stands for.
pub const STATUS_KEYS: [(&str, Option<Mark>); 5] = [
    ("statuses.open", Some(Mark::Open)),
    ("statuses.done", Some(Mark::Done)),
    ("statuses.cancelled", Some(Mark::Cancelled)),
    ("statuses.forwarded", Some(Mark::Forwarded)),
    ("statuses.ignored", None),
];

/// The default pattern of a confidence rating.
pub const DEFAULT_CONFIDENCE_PATTERN: &str = "{n}/{scale}";
/// Every key the file may hold, in the order `gitgoals config` prints them.
pub const KEYS: [&str; 20] = [
    "posts",
    "week_start",
    "confidence.scale",
    "confidence.pattern",
    "due.from",
    "due.days",
    "due.date_order",
    "stats.template",
    "stats.placement",
    "stats.chart",
    "stats.forecast",
    "hook.strict",
    "export.on_commit",
    "export.site",
    "format",
    "statuses.open",
    "statuses.done",
    "statuses.cancelled",
    "statuses.forwarded",
    "statuses.ignored",
];

impl Default for Config {
    fn default() -> Config {
        Config {
            posts: Setting::default(Vec::new()),
            week_start: Setting::default(Weekday::Mon),
            confidence_scale: Setting::default(5),
            confidence_pattern: Setting::default(DEFAULT_CONFIDENCE_PATTERN.to_string()),
            due_from: Setting::default(vec![
                DueSource::FrontMatter,
                DueSource::Text,
                DueSource::NextPost,
                DueSource::DatePlusWeek,
            ]),
            due_days: Setting::default(7),
            date_order: Setting::default(DateOrder::Auto),
            stats_template: Setting::default(None),
            stats_placement: Setting::default(Placement::End),
            stats_chart: Setting::default(false),
            stats_forecast: Setting::default(false),
            hook_strict: Setting::default(false),
            export_on_commit: Setting::default(false),
            export_site: Setting::default(Site::Jekyll),
            format: Setting::default(Format::Auto),
            statuses: std::array::from_fn(|_| Setting::default(String::new())),
        }
    }
}

/// A note about the configuration that did not stop the work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigWarning(pub String);

impl fmt::Display for ConfigWarning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The configuration in effect and how it was found.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The file that was read, when there was one.
    pub file: Option<PathBuf>,
    pub warnings: Vec<ConfigWarning>,
}

impl Config {
    /// Reads `.gitgoals.toml` in `work_tree` (when given and present) over the defaults, then
    /// applies `flags` (`KEY=VALUE` pairs, as given to `-c`).
    pub fn load(work_tree: Option<&Path>, flags: &[String]) -> Result<Loaded, Error> {
        Config::load_with(work_tree, None, flags)
    }

    /// [`Config::load`] with `--posts GLOB` applied after the file and before the flags (so a
    /// `-c posts=…` still has the last word).
    pub fn load_with(
        work_tree: Option<&Path>,
        posts: Option<&str>,
        flags: &[String],
    ) -> Result<Loaded, Error> {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        let mut file = None;
        if let Some(root) = work_tree {
            let path = root.join(CONFIG_FILE);
            match fs::read_to_string(&path) {
                Ok(text) => {
                    config.apply_file(&text, CONFIG_FILE, &mut warnings)?;
                    file = Some(path);
                }
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(source) => return Err(Error::ReadSettings { path, source }),
            }
        }
        if let Some(glob) = posts {
            let value = Value::String(glob.to_string());
            let origin = format!("--posts {glob}");
            config.apply_key("posts", &value, Source::Flag, &origin)?;
        }
        for flag in flags {
            config.apply_flag(flag)?;
        }
        Ok(Loaded {
            config,
            file,
            warnings,
        })
    }

    /// Applies the text of a configuration file; `origin` names it in messages.
    pub fn apply_file(
        &mut self,
        text: &str,
        origin: &str,
        warnings: &mut Vec<ConfigWarning>,
    ) -> Result<(), Error> {
        let table: Table = toml::from_str(text).map_err(|e| Error::SettingsSyntax {
            // `FILE:LINE: message`, as the type errors are said.
            origin: match e.span() {
                Some(span) => format!("{origin}:{}", mistake_line(text, span.start, e.message())),
                None => origin.to_string(),
            },
            message: e.message().trim_end().to_string(),
        })?;
        let mut unknown = Vec::new();
        for (name, value) in &table {
            match value {
                Value::Table(section) if is_section(name) => {
                    for (key, value) in section {
                        let dotted = format!("{name}.{key}");
                        let here = located(origin, text, Some(name), key);
                        if !self.apply_key(&dotted, value, Source::File, &here)? {
                            unknown.push(dotted);
                        }
                    }
                }
                _ if is_section(name) => {
                    return Err(Error::SettingType {
                        origin: located(origin, text, None, name),
                        key: name.clone(),
                        expected: "a table (a [section])",
                        found: value.type_str(),
                    });
                }
                _ => {
                    let here = located(origin, text, None, name);
                    if !self.apply_key(name, value, Source::File, &here)? {
                        unknown.push(name.clone());
                    }
                }
            }
        }
        warnings.extend(unknown.into_iter().map(|key| {
            ConfigWarning(format!(
                "{origin}: unknown key `{key}` is ignored (known: {})",
                KEYS.join(", ")
            ))
        }));
        Ok(())
    }

    /// Applies one `KEY=VALUE` flag. The value is read as TOML (`true`, `3`, `["a", "b"]`),
    /// or as a plain string when it is not TOML.
    pub fn apply_flag(&mut self, arg: &str) -> Result<(), Error> {
        let Some((key, raw)) = arg.split_once('=') else {
            return Err(Error::BadFlag {
                arg: arg.to_string(),
            });
        };
        let key = key.trim();
        let value = toml::from_str::<Table>(&format!("v = {raw}"))
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or_else(|| Value::String(raw.to_string()));
        let origin = format!("-c {arg}");
        if self.apply_key(key, &value, Source::Flag, &origin)? {
            Ok(())
        } else {
            Err(Error::UnknownFlagKey {
                arg: arg.to_string(),
                key: key.to_string(),
                known: KEYS.join(", "),
            })
        }
    }

    /// Sets one key; `Ok(false)` when the key is not one gitgoals knows.
    fn apply_key(
        &mut self,
        key: &str,
        value: &Value,
        source: Source,
        origin: &str,
    ) -> Result<bool, Error> {
        let typed = Typed { key, origin, value };
        match key {
            "posts" => {
                let globs = typed.strings()?;
                for glob in &globs {
                    crate::core::select::Glob::new(glob.strip_prefix('!').unwrap_or(glob))
                        .map_err(|e| typed.invalid(e.to_string()))?;
                }
                self.posts.set(globs, source);
            }
            "week_start" => {
                let name = typed.string()?;
                let day = name.parse::<Weekday>().map_err(|_| {
                    typed.invalid(format!(
                        "{name:?} is not a day of the week (e.g. \"monday\")"
                    ))
                })?;
                self.week_start.set(day, source);
            }
            "confidence.scale" => {
                let scale = typed.integer()?;
                if !(1..=10).contains(&scale) {
                    return Err(typed.invalid(format!("{scale} is not between 1 and 10")));
                }
                self.confidence_scale.set(scale as u8, source);
            }
            "confidence.pattern" => {
                let pattern = typed.string()?;
                if pattern.matches("{n}").count() != 1 {
                    return Err(typed.invalid(format!(
                        "{pattern:?} must contain `{{n}}` (the rating) exactly once, as in \"{DEFAULT_CONFIDENCE_PATTERN}\""
                    )));
                }
                self.confidence_pattern.set(pattern, source);
            }
            "due.from" => {
                let names = typed.strings()?;
                let rules = names
                    .iter()
                    .map(|name| {
                        due_rule(name).ok_or_else(|| {
                            typed.invalid(format!(
                                "{name:?} is not a due-date rule (front_matter, text, next_post, date_plus_week)"
                            ))
                        })
                    })
                    .collect::<Result<Vec<_>, _>>()?;
                self.due_from.set(rules, source);
            }
            "due.days" => {
                let days = typed.integer()?;
                if !(1..=366).contains(&days) {
                    return Err(typed.invalid(format!("{days} is not between 1 and 366")));
                }
                self.due_days.set(days as u32, source);
            }
            "due.date_order" => {
                let name = typed.string()?;
                let order = match name.as_str() {
                    "dmy" => DateOrder::Dmy,
                    "mdy" => DateOrder::Mdy,
                    "auto" => DateOrder::Auto,
                    _ => {
                        return Err(typed.invalid(format!("{name:?} is not dmy, mdy or auto")));
                    }
                };
                self.date_order.set(order, source);
            }
            "stats.template" => {
                let path = typed.string()?;
                self.stats_template
                    .set((!path.is_empty()).then(|| PathBuf::from(path)), source);
            }
            "stats.placement" => {
                let name = typed.string()?;
                let placement = match name.as_str() {
                    "end" => Placement::End,
                    "markers" => Placement::Markers,
                    _ => return Err(typed.invalid(format!("{name:?} is not end or markers"))),
                };
                self.stats_placement.set(placement, source);
            }
            "stats.chart" => self.stats_chart.set(typed.boolean()?, source),
            "stats.forecast" => self.stats_forecast.set(typed.boolean()?, source),
            "hook.strict" => self.hook_strict.set(typed.boolean()?, source),
            "export.on_commit" => self.export_on_commit.set(typed.boolean()?, source),
            "export.site" => {
                let name = typed.string()?;
                let site = Site::parse(&name)
                    .ok_or_else(|| typed.invalid(format!("{name:?} is not jekyll or hugo")))?;
                self.export_site.set(site, source);
            }
            "format" => {
                let name = typed.string()?;
                let format = match name.as_str() {
                    "auto" => Format::Auto,
                    "markdown" => Format::Markdown,
                    "obsidian" => Format::Obsidian,
                    _ => {
                        return Err(
                            typed.invalid(format!("{name:?} is not auto, markdown or obsidian"))
                        );
                    }
                };
                self.format.set(format, source);
            }
            _ if STATUS_KEYS.iter().any(|(k, _)| *k == key) => {
                let chars: String = typed.strings()?.concat();
                if let Some(bad) = chars
                    .chars()
                    .find(|c| matches!(c, ' ' | 'x' | 'X' | '[' | ']') || c.is_whitespace())
                {
                    return Err(typed.invalid(format!(
                        "{bad:?} cannot be a status: a space, `x` and `X` keep their meaning, \
                         and brackets or white space make no box"
                    )));
                }
                let index = STATUS_KEYS.iter().position(|(k, _)| *k == key).unwrap_or(0);
                self.statuses[index].set(chars, source);
            }
            _ => return Ok(false),
        }
        Ok(true)
    }

    /// The status characters configured, with what each stands for (a character listed under
    /// two keys takes the first: open, done, cancelled, forwarded, ignored).
    pub fn status_table(&self) -> Vec<(char, Option<Mark>)> {
        let mut table: Vec<(char, Option<Mark>)> = Vec::new();
        for ((_, mark), setting) in STATUS_KEYS.iter().zip(&self.statuses) {
            for c in setting.value.chars() {
                if !table.iter().any(|(known, _)| *known == c) {
                    table.push((c, *mark));
                }
            }
        }
        table
    }

    /// The characters each `statuses.*` key stands for in effect, in [`STATUS_KEYS`] order:
    /// the configured ones a key keeps (a character listed twice goes to the first key), then
    /// the built-in `-` and `>` where no key claimed them. Written back as the keys' values,
    /// this reads posts the same way.
    pub fn effective_statuses(&self) -> [String; 5] {
        let table = self.status_table();
        std::array::from_fn(|index| {
            let mark = STATUS_KEYS[index].1;
            let configured = table.iter().filter(|(_, m)| *m == mark).map(|(c, _)| *c);
            let built_in = crate::core::post::BUILT_IN_STATUSES
                .iter()
                .filter(|(c, m)| Some(*m) == mark && !table.iter().any(|(t, _)| t == c))
                .map(|(c, _)| *c);
            configured.chain(built_in).collect()
        })
    }

    /// Every key with its effective value (as TOML) and origin, in [`KEYS`] order.
    pub fn entries(&self) -> Vec<(&'static str, String, Source)> {
        let quoted = |s: &str| Value::String(s.to_string()).to_string();
        let list = |items: Vec<String>| format!("[{}]", items.join(", "));
        vec![
            (
                "posts",
                list(self.posts.value.iter().map(|g| quoted(g)).collect()),
                self.posts.source,
            ),
            (
                "week_start",
                quoted(weekday_name(self.week_start.value)),
                self.week_start.source,
            ),
            (
                "confidence.scale",
                self.confidence_scale.value.to_string(),
                self.confidence_scale.source,
            ),
            (
                "confidence.pattern",
                quoted(&self.confidence_pattern.value),
                self.confidence_pattern.source,
            ),
            (
                "due.from",
                list(
                    self.due_from
                        .value
                        .iter()
                        .map(|r| quoted(due_rule_name(*r)))
                        .collect(),
                ),
                self.due_from.source,
            ),
            (
                "due.days",
                self.due_days.value.to_string(),
                self.due_days.source,
            ),
            (
                "due.date_order",
                quoted(self.date_order.value.as_str()),
                self.date_order.source,
            ),
            (
                "stats.template",
                quoted(
                    &self
                        .stats_template
                        .value
                        .as_deref()
                        .map(|p| p.display().to_string())
                        .unwrap_or_default(),
                ),
                self.stats_template.source,
            ),
            (
                "stats.placement",
                quoted(self.stats_placement.value.as_str()),
                self.stats_placement.source,
            ),
            (
                "stats.chart",
                self.stats_chart.value.to_string(),
                self.stats_chart.source,
            ),
            (
                "stats.forecast",
                self.stats_forecast.value.to_string(),
                self.stats_forecast.source,
            ),
            (
                "hook.strict",
                self.hook_strict.value.to_string(),
                self.hook_strict.source,
            ),
            (
                "export.on_commit",
                self.export_on_commit.value.to_string(),
                self.export_on_commit.source,
            ),
            (
                "export.site",
                quoted(self.export_site.value.as_str()),
                self.export_site.source,
            ),
            (
                "format",
                quoted(self.format.value.as_str()),
                self.format.source,
            ),
        ]
        .into_iter()
        .chain(
            STATUS_KEYS
                .iter()
                .zip(&self.statuses)
                .zip(self.effective_statuses())
                .map(|(((key, _), setting), chars)| (*key, quoted(&chars), setting.source)),
        )
        .collect()
    }

    /// The template file to read, if any. A path from the repository's file must stay inside
    /// the work tree: no absolute path, no `..`, and no symbolic link that leads out (a cloned
    /// repository cannot make gitgoals read the user's files). A path given as a flag is the
    /// user's own choice and is taken as is.
    pub fn template_path(&self, work_tree: &Path) -> Result<Option<PathBuf>, Error> {
        let Some(path) = &self.stats_template.value else {
            return Ok(None);
        };
        if self.stats_template.source != Source::File {
            return Ok(Some(path.clone()));
        }
        let outside = |reason: &str| Error::TemplateOutside {
            path: path.clone(),
            reason: reason.to_string(),
        };
        if path.is_absolute() || path.has_root() {
            return Err(outside("an absolute path"));
        }
        if path
            .components()
            .any(|c| matches!(c, Component::ParentDir | Component::Prefix(_)))
        {
            return Err(outside("it climbs out with `..`"));
        }
        let root = work_tree
            .canonicalize()
            .map_err(|source| Error::ReadSettings {
                path: work_tree.to_path_buf(),
                source,
            })?;
        let joined = root.join(path);
        let resolved = joined
            .canonicalize()
            .map_err(|source| Error::ReadSettings {
                path: joined.clone(),
                source,
            })?;
        if !resolved.starts_with(&root) {
            return Err(outside("a symbolic link leads outside the repository"));
        }
        Ok(Some(resolved))
    }

    /// `gitgoals config --format json`: each key with its value (as JSON) and origin, the
    /// file read, and the posts the selection reads (`posts_read`, in words; none outside a
    /// repository).
    pub fn document(&self, file: Option<&Path>, posts_read: Option<&str>) -> serde_json::Value {
        let settings: serde_json::Map<String, serde_json::Value> = self
            .entries()
            .into_iter()
            .map(|(key, value, source)| {
                let value = toml::from_str::<Table>(&format!("v = {value}"))
                    .ok()
                    .and_then(|mut t| t.remove("v"))
                    .and_then(|v| serde_json::to_value(v).ok())
                    .unwrap_or(serde_json::Value::String(value));
                (
                    key.to_string(),
                    serde_json::json!({ "value": value, "source": source.to_string() }),
                )
            })
            .collect();
        serde_json::json!({
            "file": file.map(|path| path.display().to_string()),
            "settings": settings,
            "posts_read": posts_read,
        })
    }

    /// The text `gitgoals config` prints: one `key = value  # origin` line per key.
    pub fn describe(&self, file: Option<&Path>) -> String {
        let entries = self.entries();
        let width = entries
            .iter()
            .map(|(k, v, _)| k.len() + v.len())
            .max()
            .unwrap_or(0);
        let mut out = match file {
            Some(path) => format!("# configuration file: {}\n", path.display()),
            None => format!("# no {CONFIG_FILE}: defaults and flags only\n"),
        };
        let effective = self.effective_statuses();
        for (key, value, source) in entries {
            let pad = width - key.len() - value.len();
            // A key set to extra characters keeps the built-in one: say so, or the printed
            // value would not be the one in the file.
            let mut origin = source.to_string();
            if let Some(index) = STATUS_KEYS.iter().position(|(k, _)| *k == key) {
                let set = &self.statuses[index];
                let built_in: String = effective[index]
                    .chars()
                    .filter(|c| !set.value.contains(*c))
                    .collect();
                if set.source != Source::Default && !built_in.is_empty() {
                    origin.push_str(&format!(", and the built-in {built_in:?}"));
                }
            }
            out.push_str(&format!(
                "{key} = {value}{:pad$}  # {origin}\n",
                "",
                pad = pad
            ));
        }
        out
    }
}

/// Names of the sections the file may have.
fn is_section(name: &str) -> bool {
    matches!(
        name,
        "confidence" | "due" | "stats" | "hook" | "statuses" | "export"
    )
}

fn due_rule(name: &str) -> Option<DueSource> {
    Some(match name {
        "front_matter" => DueSource::FrontMatter,
        "text" => DueSource::Text,
        "next_post" => DueSource::NextPost,
        "date_plus_week" => DueSource::DatePlusWeek,
        _ => return None,
    })
}

fn due_rule_name(rule: DueSource) -> &'static str {
    match rule {
        DueSource::FrontMatter => "front_matter",
        DueSource::Text => "text",
        DueSource::NextPost => "next_post",
        DueSource::DatePlusWeek => "date_plus_week",
    }
}

fn weekday_name(day: Weekday) -> &'static str {
    match day {
        Weekday::Mon => "monday",
        Weekday::Tue => "tuesday",
        Weekday::Wed => "wednesday",
        Weekday::Thu => "thursday",
        Weekday::Fri => "friday",
        Weekday::Sat => "saturday",
        Weekday::Sun => "sunday",
    }
}

/// A value being read as the type its key wants.
struct Typed<'a> {
    key: &'a str,
    origin: &'a str,
    value: &'a Value,
}

impl Typed<'_> {
    fn wrong(&self, expected: &'static str) -> Error {
        Error::SettingType {
            origin: self.origin.to_string(),
            key: self.key.to_string(),
            expected,
            found: self.value.type_str(),
        }
    }

    fn invalid(&self, message: String) -> Error {
        Error::SettingInvalid {
            origin: self.origin.to_string(),
            key: self.key.to_string(),
            message,
        }
    }

    fn string(&self) -> Result<String, Error> {
        self.value
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| self.wrong("a string"))
    }

    fn boolean(&self) -> Result<bool, Error> {
        self.value
            .as_bool()
            .ok_or_else(|| self.wrong("true or false"))
    }

    fn integer(&self) -> Result<i64, Error> {
        self.value
            .as_integer()
            .ok_or_else(|| self.wrong("a whole number"))
    }

    /// A string, or an array of strings.
    fn strings(&self) -> Result<Vec<String>, Error> {
        const EXPECTED: &str = "a string or an array of strings";
        match self.value {
            Value::String(s) => Ok(vec![s.clone()]),
            Value::Array(items) => items
                .iter()
                .map(|item| {
                    item.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| self.wrong(EXPECTED))
                })
                .collect(),
            _ => Err(self.wrong(EXPECTED)),
        }
    }
}

/// `origin` with the line where `key` is set (inside `[section]` when given), when found.
fn located(origin: &str, text: &str, section: Option<&str>, key: &str) -> String {
    let mut current: Option<String> = None;
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(header) = trimmed.strip_prefix('[') {
            current = Some(header.trim_end_matches(']').trim().to_string());
            continue;
        }
        let in_place = match (section, &current) {
            (None, None) => true,
            (Some(want), Some(have)) => want == have,
            _ => false,
        };
        let Some(rest) = trimmed.strip_prefix(key) else {
            continue;
        };
        if in_place && rest.trim_start().starts_with('=') {
            return format!("{origin}:{}", index + 1);
        }
    }
    origin.to_string()
}

/// The line a TOML syntax error is about. For something missing at the end of a value (a
/// comma, a closing bracket) the parser stops at the next token, often on a later line; the
/// mistake is at the end of the last thing written before it.
fn mistake_line(text: &str, offset: usize, message: &str) -> usize {
    let offset = offset.min(text.len());
    let missing = message.starts_with("missing") || message.starts_with("unclosed");
    if !missing {
        return line_of_offset(text, offset);
    }
    let before = text[..offset].trim_end();
    line_of_offset(text, before.len().max(1) - 1)
}

fn line_of_offset(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|&&b| b == b'\n')
        .count()
        + 1
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from_file(text: &str) -> Result<(Config, Vec<ConfigWarning>), Error> {
        let mut config = Config::default();
        let mut warnings = Vec::new();
        config.apply_file(text, CONFIG_FILE, &mut warnings)?;
        Ok((config, warnings))
    }

    #[test]
    fn defaults_come_from_nowhere() {
        let config = Config::default();
        assert!(
            config
                .entries()
                .iter()
                .all(|(_, _, s)| *s == Source::Default)
        );
        assert_eq!(config.confidence_scale.value, 5);
        assert_eq!(config.date_order.value, DateOrder::Auto);
        assert!(!config.hook_strict.value);
    }

    #[test]
    fn every_key_is_read_from_the_file() {
        let text = r#"
posts = ["notes/**/*.md", "_posts/*.md"]
week_start = "sunday"
format = "obsidian"

[confidence]
scale = 10
pattern = "({n})"

[due]
from = ["front_matter", "date_plus_week"]
days = 6
date_order = "dmy"

[stats]
template = "stats.j2"
placement = "markers"
chart = true
forecast = true

[hook]
strict = true

[export]
on_commit = true
site = "hugo"

[statuses]
open = "/"
done = ["!", "*"]
cancelled = "-"
forwarded = ">"
ignored = "?~"
"#;
        let (config, warnings) = from_file(text).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(config.posts.value, ["notes/**/*.md", "_posts/*.md"]);
        assert_eq!(config.week_start.value, Weekday::Sun);
        assert_eq!(config.confidence_scale.value, 10);
        assert_eq!(config.confidence_pattern.value, "({n})");
        assert_eq!(
            config.due_from.value,
            [DueSource::FrontMatter, DueSource::DatePlusWeek]
        );
        assert_eq!(config.due_days.value, 6);
        assert_eq!(config.date_order.value, DateOrder::Dmy);
        assert_eq!(
            config.stats_template.value.as_deref(),
            Some(Path::new("stats.j2"))
        );
        assert_eq!(config.stats_placement.value, Placement::Markers);
        assert!(config.stats_chart.value);
        assert!(config.stats_forecast.value);
        assert!(config.hook_strict.value);
        assert!(config.export_on_commit.value);
        assert_eq!(config.export_site.value, Site::Hugo);
        assert!(from_file("[export]\nsite = \"zola\"\n").is_err());
        assert_eq!(config.format.value, Format::Obsidian);
        assert_eq!(
            config.status_table(),
            [
                ('/', Some(Mark::Open)),
                ('!', Some(Mark::Done)),
                ('*', Some(Mark::Done)),
                ('-', Some(Mark::Cancelled)),
                ('>', Some(Mark::Forwarded)),
                ('?', None),
                ('~', None),
            ]
        );
        // Every key was set by the file: none is left at its default.
        assert!(config.entries().iter().all(|(_, _, s)| *s == Source::File));
    }

    #[test]
    fn flags_win_over_the_file_which_wins_over_defaults() {
        let (mut config, _) =
            from_file("[due]\ndate_order = \"dmy\"\n[hook]\nstrict = true\n").unwrap();
        config.apply_flag("hook.strict=false").unwrap();
        assert_eq!(config.date_order.value, DateOrder::Dmy);
        assert_eq!(config.date_order.source, Source::File);
        assert!(!config.hook_strict.value);
        assert_eq!(config.hook_strict.source, Source::Flag);
        assert_eq!(config.stats_placement.source, Source::Default);
        // A bare word is a string, TOML is TOML.
        config.apply_flag("due.date_order=mdy").unwrap();
        config.apply_flag("posts=[\"a/*.md\", \"b/*.md\"]").unwrap();
        assert_eq!(config.date_order.value, DateOrder::Mdy);
        assert_eq!(config.posts.value, ["a/*.md", "b/*.md"]);
    }

    #[test]
    fn unknown_keys_are_warnings_naming_the_key() {
        let (_, warnings) =
            from_file("colour = true\n[hook]\nstrickt = true\n[extra]\na = 1\n").unwrap();
        let text: Vec<String> = warnings.iter().map(|w| w.to_string()).collect();
        assert_eq!(text.len(), 3, "{text:?}");
        assert!(text[0].contains("`colour`"), "{text:?}");
        assert!(
            text.iter().any(|w| w.contains("`hook.strickt`")),
            "{text:?}"
        );
        assert!(text.iter().any(|w| w.contains("`extra`")), "{text:?}");
    }

    #[test]
    fn an_unknown_flag_key_is_an_error() {
        let mut config = Config::default();
        let error = config
            .apply_flag("hook.strik=true")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`hook.strik`"), "{error}");
        let error = config.apply_flag("hook.strict").unwrap_err().to_string();
        assert!(error.contains("KEY=VALUE"), "{error}");
    }

    #[test]
    fn wrong_types_name_the_key_its_line_and_the_expected_type() {
        let error = from_file("[hook]\nstrict = \"yes\"\n")
            .unwrap_err()
            .to_string();
        assert_eq!(
            error,
            ".gitgoals.toml:2: `hook.strict` must be true or false, not string"
        );
        let error = from_file("posts = 3\n").unwrap_err().to_string();
        assert!(
            error.contains("`posts` must be a string or an array of strings"),
            "{error}"
        );
        let error = from_file("[due]\ndate_order = \"ymd\"\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("`due.date_order`") && error.contains("dmy, mdy or auto"),
            "{error}"
        );
        let error = from_file("[confidence]\nscale = 0\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`confidence.scale`"), "{error}");
        let error = from_file("[confidence]\npattern = \"N/5\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("{n}"), "{error}");
        let error = from_file("posts = \"a/**b/*.md\"\n")
            .unwrap_err()
            .to_string();
        assert!(error.contains("`posts`"), "{error}");
    }

    #[test]
    fn a_syntax_error_names_the_file_and_line() {
        let error = from_file("[hook\nstrict = 1\n").unwrap_err().to_string();
        assert!(error.starts_with(".gitgoals.toml:1: "), "{error}");
    }

    #[test]
    fn a_missing_comma_is_said_on_the_line_that_lacks_it() {
        let error = from_file("posts = [\n  \"a/*.md\"\n  \"b/*.md\"\n]\n")
            .unwrap_err()
            .to_string();
        assert!(
            error.starts_with(".gitgoals.toml:2: missing comma"),
            "{error}"
        );
    }

    #[test]
    fn describe_says_where_each_value_came_from() {
        let (mut config, _) = from_file("[stats]\nchart = true\n").unwrap();
        config.apply_flag("week_start=sunday").unwrap();
        let text = config.describe(None);
        let line = |key: &str| {
            text.lines()
                .find(|l| l.starts_with(&format!("{key} =")))
                .unwrap_or_default()
                .to_string()
        };
        assert!(line("stats.chart").ends_with("# file"), "{text}");
        assert!(
            line("week_start").contains("\"sunday\"") && line("week_start").ends_with("# flag"),
            "{text}"
        );
        assert!(line("hook.strict").ends_with("# default"), "{text}");
        assert_eq!(text.lines().count(), KEYS.len() + 1);
        // What it prints reads back as the same configuration.
        let body: String = text.lines().skip(1).map(|l| format!("{l}\n")).collect();
        let flat = body
            .lines()
            .map(|l| {
                let (key, value) = l.split_once(" = ").unwrap();
                let value = value
                    .rsplit_once("  #")
                    .map_or(value, |(v, _)| v)
                    .trim_end();
                format!("{key}={value}")
            })
            .collect::<Vec<_>>();
        let mut again = Config::default();
        for flag in &flat {
            if !flag.starts_with("stats.template=") {
                again.apply_flag(flag).unwrap();
            }
        }
        assert_eq!(again.week_start.value, config.week_start.value);
        assert_eq!(again.due_from.value, config.due_from.value);
        assert_eq!(again.stats_chart.value, config.stats_chart.value);
    }

    #[test]
    fn config_prints_the_built_in_cancelled_and_forwarded_boxes_as_the_status_defaults() {
        let line = |config: &Config, key: &str| {
            let text = config.describe(None);
            text.lines()
                .find(|l| l.starts_with(&format!("{key} =")))
                .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                .unwrap_or_default()
        };
        // Out of the box `[-]` is cancelled and `[>]` forwarded: the printout says so.
        let config = Config::default();
        assert_eq!(
            line(&config, "statuses.cancelled"),
            "statuses.cancelled = \"-\" # default"
        );
        assert_eq!(
            line(&config, "statuses.forwarded"),
            "statuses.forwarded = \">\" # default"
        );
        assert_eq!(
            line(&config, "statuses.open"),
            "statuses.open = \"\" # default"
        );
        // A key adds characters; the built-in one stays, and the origin says where each is from.
        let (config, _) = from_file("[statuses]\ncancelled = \"c\"\n").unwrap();
        assert_eq!(
            line(&config, "statuses.cancelled"),
            "statuses.cancelled = \"c-\" # file, and the built-in \"-\""
        );
        // A built-in character given another meaning leaves its old key.
        let (config, _) = from_file("[statuses]\nignored = \">\"\n").unwrap();
        assert_eq!(
            line(&config, "statuses.forwarded"),
            "statuses.forwarded = \"\" # default"
        );
        assert_eq!(
            line(&config, "statuses.ignored"),
            "statuses.ignored = \">\" # file"
        );
        // Written back as flags, the printed values read boxes the same way.
        let mut again = Config::default();
        for (key, chars) in STATUS_KEYS.iter().zip(config.effective_statuses()) {
            again.apply_flag(&format!("{}={chars}", key.0)).unwrap();
        }
        assert_eq!(again.effective_statuses(), config.effective_statuses());
    }

    #[test]
    fn template_paths_from_the_file_stay_inside_the_repository() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("repo");
        fs::create_dir_all(root.join("tpl")).unwrap();
        fs::write(root.join("tpl/stats.j2"), "x").unwrap();
        fs::write(dir.path().join("secret"), "s").unwrap();

        let with = |path: &str| {
            let (config, _) = from_file(&format!("[stats]\ntemplate = {path:?}\n")).unwrap();
            config.template_path(&root)
        };
        assert!(
            with("tpl/stats.j2")
                .unwrap()
                .unwrap()
                .ends_with("tpl/stats.j2")
        );
        for bad in ["../secret", "tpl/../../secret", "/etc/passwd"] {
            let error = with(bad).unwrap_err().to_string();
            assert!(error.contains("inside the repository"), "{bad}: {error}");
        }
        #[cfg(unix)]
        {
            std::os::unix::fs::symlink(dir.path().join("secret"), root.join("link.j2")).unwrap();
            let error = with("link.j2").unwrap_err().to_string();
            assert!(error.contains("symbolic link"), "{error}");
        }
        // The same path given as a flag is the user's choice.
        let mut config = Config::default();
        config.apply_flag("stats.template=../secret").unwrap();
        assert_eq!(
            config.template_path(&root).unwrap().as_deref(),
            Some(Path::new("../secret"))
        );
    }

    #[test]
    fn load_reads_the_file_in_the_work_tree_then_flags() {
        let dir = tempfile::tempdir().unwrap();
        let loaded = Config::load(Some(dir.path()), &[]).unwrap();
        assert!(loaded.file.is_none());
        assert_eq!(loaded.config, Config::default());

        fs::write(
            dir.path().join(CONFIG_FILE),
            "[hook]\nstrict = true\nx = 1\n",
        )
        .unwrap();
        let loaded = Config::load(Some(dir.path()), &["stats.chart=true".into()]).unwrap();
        assert!(loaded.file.is_some());
        assert_eq!(loaded.warnings.len(), 1);
        assert_eq!(loaded.config.hook_strict.source, Source::File);
        assert_eq!(loaded.config.stats_chart.source, Source::Flag);
    }
}
