//! Incremental reading of big posts: where a post's Markdown body can be cut into chunks that
//! parse alone exactly as they parse in place, and the memory of each path's last chunks that
//! lets a new version re-read only the chunks it changed.
//!
//! A line that opens an ATX heading at column 0 closes every container (a list item or block
//! quote needs indentation or a `>` to go on, and a heading is never a lazy continuation) and
//! interrupts a paragraph; only a fenced code block or an HTML block that is still open carries
//! past it. So the cut points are those heading lines met outside a fence and an HTML block.
//! Link reference definitions reach across the whole document, and a fence or HTML block
//! opened with indentation may sit in a container that the heading would close: a body that
//! holds either is not cut at all.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::ops::Range;
use std::sync::{Arc, Mutex};

/// Bodies shorter than this are parsed whole: the bookkeeping would cost more than it saves.
/// A weekly post of a kilobyte or two is worth cutting already: most commits change one of its
/// sections (on the 13,000-commit benchmark blog, a cold read takes a sixth fewer
/// instructions than with whole reads).
pub const MIN_CHUNKED_BYTES: usize = 1024;

/// Where `body` may be cut: the start of each chunk after the first, in order. `None` when
/// the body must be parsed whole (see the module's notes); an empty list when it has no
/// cut point.
pub fn cut_points(body: &str) -> Option<Vec<usize>> {
    // memchr's substring search: every version of a big post is searched, and the standard
    // library's took four times as long.
    static REFERENCE: std::sync::LazyLock<memchr::memmem::Finder<'static>> =
        std::sync::LazyLock::new(|| memchr::memmem::Finder::new("]:"));
    if REFERENCE.find(body.as_bytes()).is_some() {
        // A link reference definition, or text that might be one.
        return None;
    }
    let mut cuts = Vec::new();
    let mut state = State::Normal;
    for (start, line) in lines(body) {
        if matches!(state, State::Normal) && !may_open_a_block(line) {
            continue;
        }
        let text = line.trim_end_matches(['\n', '\r']);
        state = match state {
            State::Fence { mark, len } => match closes_fence(text, mark, len) {
                Some(true) => State::Normal,
                Some(false) => state,
                // Readers differ on this line: do not cut.
                None => return None,
            },
            State::Html(HtmlEnd::BlankLine) => {
                if text.trim().is_empty() {
                    State::Normal
                } else {
                    state
                }
            }
            State::Html(HtmlEnd::Text(end)) => {
                if contains_ignoring_case(text, end) {
                    State::Normal
                } else {
                    state
                }
            }
            State::Normal => {
                let indent = text.len() - text.trim_start_matches(' ').len();
                let rest = &text[indent..];
                if indent >= 4 {
                    // Indented code, or content of a container that a heading line closes.
                    State::Normal
                } else if let Some((mark, len)) = opens_fence(rest) {
                    if indent > 0 {
                        return None;
                    }
                    State::Fence { mark, len }
                } else if let Some(after) = rest.strip_prefix('<') {
                    if indent > 0 {
                        return None;
                    }
                    match html_end(rest) {
                        // The block's end on its first line (`<!-- note -->`).
                        HtmlEnd::Text(end) if contains_ignoring_case(after, end) => State::Normal,
                        end => State::Html(end),
                    }
                } else {
                    if indent == 0 && start > 0 && is_atx_heading(text) {
                        cuts.push(start);
                    }
                    State::Normal
                }
            }
        };
    }
    Some(cuts)
}

#[derive(Debug, Clone, Copy)]
enum State {
    Normal,
    Fence { mark: u8, len: usize },
    Html(HtmlEnd),
}

/// What ends an HTML block (CommonMark's seven kinds, read conservatively: anything starting
/// with `<` that is none of the first five is taken to run to a blank line).
#[derive(Debug, Clone, Copy)]
enum HtmlEnd {
    Text(&'static str),
    BlankLine,
}

fn html_end(line: &str) -> HtmlEnd {
    let lower = line.get(..10).unwrap_or(line).to_ascii_lowercase();
    for (tag, end) in [
        ("<script", "</script>"),
        ("<pre", "</pre>"),
        ("<style", "</style>"),
        ("<textarea", "</textarea>"),
    ] {
        if let Some(after) = lower.strip_prefix(tag)
            && (after.is_empty() || after.starts_with([' ', '\t', '>']))
        {
            return HtmlEnd::Text(end);
        }
    }
    if line.starts_with("<!--") {
        HtmlEnd::Text("-->")
    } else if line.starts_with("<?") {
        HtmlEnd::Text("?>")
    } else if line.starts_with("<![CDATA[") {
        HtmlEnd::Text("]]>")
    } else if line.starts_with("<!") {
        HtmlEnd::Text(">")
    } else {
        HtmlEnd::BlankLine
    }
}

fn contains_ignoring_case(text: &str, needle: &str) -> bool {
    text.as_bytes()
        .windows(needle.len())
        .any(|w| w.eq_ignore_ascii_case(needle.as_bytes()))
}

/// Each line of `body` (with its newline) and where it starts. The newlines are found by
/// `memchr`'s vectorised search: a big post's every version is cut, two thousand lines each,
/// and the standard library's line splitting cost more per line than the rest of the cutting.
fn lines(body: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    let mut newlines = memchr::memchr_iter(b'\n', body.as_bytes());
    std::iter::from_fn(move || {
        if start >= body.len() {
            return None;
        }
        let end = newlines.next().map_or(body.len(), |at| at + 1);
        let line = (start, body.get(start..end)?);
        start = end;
        Some(line)
    })
}

/// Whether a line met outside a fence and an HTML block may change the state or be a cut
/// point: only one that starts with indentation, a heading's `#`, a fence's mark or `<` can.
/// Most lines of a checklist start with `-`, `*` or a letter, and are passed over at once.
fn may_open_a_block(line: &str) -> bool {
    matches!(
        line.as_bytes().first(),
        Some(b' ' | b'#' | b'`' | b'~' | b'<')
    )
}

/// The fence character and length a line (indentation removed) opens a code block with.
fn opens_fence(rest: &str) -> Option<(u8, usize)> {
    let mark = *rest.as_bytes().first()?;
    if mark != b'`' && mark != b'~' {
        return None;
    }
    let len = rest.bytes().take_while(|&b| b == mark).count();
    if len < 3 {
        return None;
    }
    // A backtick fence's info string may not hold a backtick (the line is inline code then).
    if mark == b'`' && rest[len..].contains('`') {
        return None;
    }
    Some((mark, len))
}

/// Whether a line inside a fence closes it; `None` for a closing fence followed by a tab,
/// which CommonMark allows and pulldown-cmark does not take as one.
fn closes_fence(text: &str, mark: u8, len: usize) -> Option<bool> {
    let rest = text.trim_start_matches(' ');
    if text.len() - rest.len() >= 4 {
        return Some(false);
    }
    let run = rest.bytes().take_while(|&b| b == mark).count();
    if run < len {
        return Some(false);
    }
    let after = &rest[run..];
    if after.bytes().all(|b| b == b' ') {
        Some(true)
    } else if after.bytes().all(|b| b == b' ' || b == b'\t') {
        None
    } else {
        Some(false)
    }
}

/// `#` to `######` at column 0, then white space or the end of the line.
fn is_atx_heading(text: &str) -> bool {
    let hashes = text.bytes().take_while(|&b| b == b'#').count();
    (1..=6).contains(&hashes)
        && text[hashes..]
            .bytes()
            .next()
            .is_none_or(|b| b == b' ' || b == b'\t')
}

/// What a chunk's reading depends on besides its text: the heading stack it starts under,
/// whether a task came before it (prose is gathered only before the first task), and the
/// part of it a stats block covers.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct ChunkContext {
    pub headings: Vec<(usize, String)>,
    pub tasks_before: bool,
    pub excluded: Vec<Range<usize>>,
}

/// A chunk as read once, stored with what it was read from.
#[derive(Debug)]
pub struct StoredChunk<T> {
    text: Box<str>,
    context: ChunkContext,
    pub reading: T,
}

/// The chunks of the last versions of each big post that were read, by path: most versions of
/// a big post repeat nearly all the chunks of the one before. The chunks of the last version are
/// kept, and those of the [`KEEP_VERSIONS`] before it that it changed, so the memory holds about
/// one copy of each big post. Shared by the threads that parse (a lock held only to look up and
/// to store).
#[derive(Debug)]
pub struct ChunkMemo<T> {
    by_path: Mutex<Remembered<T>>,
    min_bytes: usize,
}

/// The paths' chunks, and when each path was last stored.
#[derive(Debug)]
struct Remembered<T> {
    paths: HashMap<String, (Arc<PathChunks<T>>, u64)>,
    /// Versions stored so far, of all paths.
    stores: u64,
}

/// A path none of the last this many versions stored belonged to is forgotten (looked for at
/// every this many stores): a blog's posts are edited in their week and seldom after, and its
/// thousand posts' chunks would otherwise all be held to the end of the walk. A post edited
/// again later is read whole once.
pub const FORGET_AFTER_STORES: u64 = 256;

impl<T> Default for ChunkMemo<T> {
    fn default() -> Self {
        ChunkMemo::chunking_from(MIN_CHUNKED_BYTES)
    }
}

/// How many versions of a path a chunk that later versions no longer have is kept for. Both
/// threads of a walk parse, each a batch of commits at a time, so the version stored last may
/// be a few commits older or newer than the one read next: with only the last version's chunks
/// kept, every edit of the commits between missed (on a big history, three times the chunks
/// were parsed again).
pub const KEEP_VERSIONS: u32 = 64;

/// One path's chunks, by a hash of text and context.
#[derive(Debug)]
pub struct PathChunks<T> {
    /// The options the chunks were read with, as their caller keys them.
    options: u64,
    /// How many versions of the path were stored before this one.
    generation: u32,
    /// How many tasks this version has.
    tasks: usize,
    chunks: HashMap<u64, Vec<Kept<T>>>,
    /// This version's chunks in the order they come, to find the one an edited chunk replaces.
    in_order: Vec<Arc<StoredChunk<T>>>,
}

/// A stored chunk and the generation of the last version it was part of.
#[derive(Debug)]
struct Kept<T> {
    chunk: Arc<StoredChunk<T>>,
    seen: u32,
}

impl<T> ChunkMemo<T> {
    /// A memo that reads bodies of `min_bytes` or more in chunks (tests chunk small posts).
    pub fn chunking_from(min_bytes: usize) -> Self {
        ChunkMemo {
            by_path: Mutex::new(Remembered {
                paths: HashMap::new(),
                stores: 0,
            }),
            min_bytes,
        }
    }

    /// Whether a body of `len` bytes is read in chunks.
    pub fn chunks(&self, len: usize) -> bool {
        len >= self.min_bytes
    }

    /// The chunks last stored for `path` (read with `options`), to look chunks up in.
    pub fn previous(&self, path: &str, options: u64) -> Option<Arc<PathChunks<T>>> {
        let memory = self.by_path.lock().ok()?;
        memory
            .paths
            .get(path)
            .map(|(chunks, _)| chunks)
            .filter(|chunks| chunks.options == options)
            .cloned()
    }

    /// Keeps `chunks` as `path`'s last version, with the chunks of the versions before it
    /// that were seen in the last [`KEEP_VERSIONS`].
    pub fn store(&self, path: &str, mut chunks: PathChunks<T>) {
        let Ok(mut memory) = self.by_path.lock() else {
            return;
        };
        memory.stores += 1;
        let now = memory.stores;
        match memory.paths.get_mut(path) {
            Some((slot, stored)) => {
                if slot.options == chunks.options {
                    chunks.keep_recent_from(slot);
                }
                *slot = Arc::new(chunks);
                *stored = now;
            }
            None => {
                memory
                    .paths
                    .insert(path.to_string(), (Arc::new(chunks), now));
            }
        }
        if now % FORGET_AFTER_STORES == 0 {
            memory
                .paths
                .retain(|_, (_, stored)| now - *stored < FORGET_AFTER_STORES);
        }
    }
}

impl<T> PathChunks<T> {
    pub fn new(options: u64) -> Self {
        PathChunks {
            options,
            generation: 0,
            tasks: 0,
            chunks: HashMap::new(),
            in_order: Vec::new(),
        }
    }

    /// How many tasks the version has, as its reader said ([`Self::set_tasks`]).
    pub fn tasks(&self) -> usize {
        self.tasks
    }

    pub fn set_tasks(&mut self, tasks: usize) {
        self.tasks = tasks;
    }

    /// The chunk read from exactly this text in this context, if there is one.
    pub fn find(
        &self,
        key: u64,
        text: &str,
        context: &ChunkContext,
    ) -> Option<&Arc<StoredChunk<T>>> {
        self.chunks
            .get(&key)?
            .iter()
            .map(|kept| &kept.chunk)
            .find(|c| &*c.text == text && c.context == *context)
    }

    /// What this version read where the next one has an edited chunk: its chunk at the same
    /// `index` when that one stood under the same headings, else the first that did. Its
    /// text is worth sharing with the edited one (most of an edited chunk is as it was).
    pub fn replaced(&self, index: usize, context: &ChunkContext) -> Option<&T> {
        let same_place = |chunk: &&Arc<StoredChunk<T>>| chunk.context.headings == context.headings;
        self.in_order
            .get(index)
            .filter(same_place)
            .or_else(|| self.in_order.iter().find(same_place))
            .map(|chunk| &chunk.reading)
    }

    /// Adds a chunk of this version, the next in order.
    pub fn insert(&mut self, key: u64, chunk: Arc<StoredChunk<T>>) {
        self.in_order.push(Arc::clone(&chunk));
        let bucket = self.chunks.entry(key).or_default();
        if !bucket.iter().any(|kept| Arc::ptr_eq(&kept.chunk, &chunk)) {
            bucket.push(Kept { chunk, seen: 0 });
        }
    }

    /// Makes this the version after `previous`, taking over the chunks of `previous` that
    /// this one lacks and that a version in the last [`KEEP_VERSIONS`] still had.
    fn keep_recent_from(&mut self, previous: &PathChunks<T>) {
        let generation = previous.generation.wrapping_add(1);
        self.generation = generation;
        for bucket in self.chunks.values_mut() {
            for kept in bucket {
                kept.seen = generation;
            }
        }
        for (key, bucket) in &previous.chunks {
            for old in bucket {
                if generation.wrapping_sub(old.seen) > KEEP_VERSIONS {
                    continue;
                }
                let ours = self.chunks.entry(*key).or_default();
                if !ours.iter().any(|kept| Arc::ptr_eq(&kept.chunk, &old.chunk)) {
                    ours.push(Kept {
                        chunk: Arc::clone(&old.chunk),
                        seen: old.seen,
                    });
                }
            }
        }
    }
}

impl<T> StoredChunk<T> {
    pub fn new(text: &str, context: ChunkContext, reading: T) -> Self {
        StoredChunk {
            text: text.into(),
            context,
            reading,
        }
    }
}

/// The key a chunk is stored under: its length, its first line (its heading) and its context.
/// Hashing the whole text cost more than the comparison that [`PathChunks::find`] makes
/// anyway; a chunk's heading and length already tell it from the others of its post.
pub fn chunk_key(text: &str, context: &ChunkContext) -> u64 {
    const HEAD_BYTES: usize = 128;
    let head = text.as_bytes();
    let line = head
        .iter()
        .take(HEAD_BYTES)
        .position(|&b| b == b'\n')
        .unwrap_or(head.len().min(HEAD_BYTES));
    let mut hasher = std::hash::DefaultHasher::new();
    text.len().hash(&mut hasher);
    head[..line].hash(&mut hasher);
    context.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts_before_headings_at_column_zero() {
        let body = "intro\n\n## One\n- [ ] a\n### Two\ntext\n# Three\n";
        let at = |heading: &str| body.find(heading).unwrap_or(0);
        assert_eq!(
            cut_points(body),
            Some(vec![at("## One"), at("### Two"), at("# Three")])
        );
    }

    #[test]
    fn no_cut_inside_a_fence_or_an_html_block() {
        let body =
            "```\n## in code\n```\n<!--\n## in a comment\n-->\n<div>\n## in html\n\n## cut\n";
        let cuts = cut_points(body).expect("cuttable");
        assert_eq!(cuts, vec![body.find("## cut").expect("there")]);
    }

    #[test]
    fn indented_headings_and_hashes_without_space_do_not_cut() {
        assert_eq!(
            cut_points("a\n  ## item heading\n#tag\n####### seven\n"),
            Some(vec![])
        );
    }

    #[test]
    fn a_fence_closed_by_a_line_with_a_tab_after_it_is_not_cut() {
        // pulldown-cmark keeps the fence open there; CommonMark would close it.
        assert_eq!(cut_points("```\n  ```\t\n## a\n```\n"), None);
    }

    #[test]
    fn reference_definitions_and_indented_fences_are_not_cut_at_all() {
        assert_eq!(cut_points("## a\n[x]: /url\n## b\n"), None);
        assert_eq!(cut_points("- a\n  ```\n## b\n"), None);
        assert_eq!(cut_points("- a\n  <!--\n## b\n"), None);
    }

    /// The chunks one version of `path` would store: one per text, read as its length.
    fn store_version(memo: &ChunkMemo<usize>, path: &str, texts: &[&str]) {
        let mut version = PathChunks::new(7);
        for text in texts {
            let context = ChunkContext::default();
            let key = chunk_key(text, &context);
            version.insert(key, Arc::new(StoredChunk::new(text, context, text.len())));
        }
        memo.store(path, version);
    }

    fn remembered(memo: &ChunkMemo<usize>, path: &str, text: &str) -> bool {
        let context = ChunkContext::default();
        memo.previous(path, 7)
            .is_some_and(|p| p.find(chunk_key(text, &context), text, &context).is_some())
    }

    #[test]
    fn a_chunk_an_older_version_had_is_still_found_after_newer_versions_were_stored() {
        // The two threads of a walk store versions out of order: the version read next may
        // share a chunk with a version older than the last one stored.
        let memo = ChunkMemo::default();
        store_version(&memo, "p.md", &["# A\nold\n", "# B\nsame\n"]);
        store_version(&memo, "p.md", &["# A\nnew\n", "# B\nsame\n"]);
        store_version(&memo, "p.md", &["# A\nnewer\n", "# B\nsame\n"]);
        assert!(remembered(&memo, "p.md", "# A\nold\n"));
        assert!(remembered(&memo, "p.md", "# A\nnew\n"));
        assert!(remembered(&memo, "p.md", "# B\nsame\n"));
        assert!(!remembered(&memo, "q.md", "# B\nsame\n"));
    }

    #[test]
    fn a_chunk_no_version_had_for_a_while_is_forgotten() {
        let memo = ChunkMemo::default();
        store_version(&memo, "p.md", &["# A\nfirst\n"]);
        for n in 0..=KEEP_VERSIONS {
            store_version(&memo, "p.md", &[&format!("# A\nedit {n}\n")]);
        }
        assert!(!remembered(&memo, "p.md", "# A\nfirst\n"));
        assert!(remembered(&memo, "p.md", "# A\nedit 1\n"));
    }

    #[test]
    fn chunks_read_with_other_options_are_not_kept() {
        let memo = ChunkMemo::default();
        store_version(&memo, "p.md", &["# A\nold\n"]);
        let context = ChunkContext::default();
        let text = "# A\nnew\n";
        let mut other = PathChunks::new(8);
        other.insert(
            chunk_key(text, &context),
            Arc::new(StoredChunk::new(text, context.clone(), 0)),
        );
        memo.store("p.md", other);
        assert!(memo.previous("p.md", 7).is_none());
        let stored = memo.previous("p.md", 8);
        let find = |t: &str| {
            stored
                .as_ref()
                .is_some_and(|p| p.find(chunk_key(t, &context), t, &context).is_some())
        };
        assert!(find(text));
        assert!(!find("# A\nold\n"));
    }

    #[test]
    fn a_path_no_recent_version_belonged_to_is_forgotten() {
        let memo = ChunkMemo::default();
        store_version(&memo, "old.md", &["# A\nold post\n"]);
        // Forgetting is done every FORGET_AFTER_STORES stores, of the paths left out so long.
        let stores = 2 * FORGET_AFTER_STORES;
        for n in 0..stores {
            store_version(&memo, "busy.md", &[&format!("# A\nedit {n}\n")]);
        }
        assert!(!remembered(&memo, "old.md", "# A\nold post\n"));
        assert!(remembered(
            &memo,
            "busy.md",
            &format!("# A\nedit {}\n", stores - 1)
        ));
    }
}
