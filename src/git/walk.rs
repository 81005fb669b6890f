//! The walk: the commits reachable from HEAD in graph order, each with the post files it
//! changed against its first parent (renames paired) and the bytes of their new versions.
//! Trees are read raw and compared entry by entry, so a commit that leaves the posts folder
//! alone costs one comparison.

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use git2::{ErrorCode, ObjectType};

use super::renames::{Side, pair_exact_renames, pair_similar_renames};
use super::{Repo, WalkSummary, object_id, oid, read_error};
use crate::core::dates::to_datetime;
use crate::core::delta::{BlobContent, CommitDelta, FileChange, ObjectId};
use crate::core::model::{CommitInfo, Warning};
use crate::core::select::PostSelector;
use crate::error::Error;

/// Walks of at least this many commits read blobs and trees through the pack reader
/// ([`super::pack`]).
const PACKED_WALK_COMMITS: usize = 64;

impl Repo {
    /// Walks the commits reachable from HEAD, parents before children, and hands each one's
    /// post changes to `sink`. Commits in `known` (and their ancestors) are not walked: that
    /// is how new commits are fed onto a state built earlier.
    pub fn walk(
        &self,
        selector: &PostSelector,
        known: &HashSet<ObjectId>,
        sink: impl FnMut(CommitDelta),
    ) -> Result<WalkSummary, Error> {
        self.walk_from(self.head()?, selector, known, sink)
    }

    /// [`Repo::walk`] from `tip` instead of HEAD (the parent of an amended commit, say): the
    /// summary's `head` is `tip`; nothing is walked when it is none.
    pub fn walk_from(
        &self,
        tip: Option<ObjectId>,
        selector: &PostSelector,
        known: &HashSet<ObjectId>,
        mut sink: impl FnMut(CommitDelta),
    ) -> Result<WalkSummary, Error> {
        let mut summary = WalkSummary {
            head: tip,
            ..WalkSummary::default()
        };
        let Some(head) = summary.head else {
            return Ok(summary);
        };
        let graph = self.read_graph(head, known, &mut summary.warnings);
        let order = topological_order(&graph.parents_in_walk);
        summary.commits = order.len();
        // The pack reader reads every pack index whole when it opens: worth it for a long
        // walk, not for the few commits the hook or an incremental run folds in.
        self.pack_reads.set(order.len() >= PACKED_WALK_COMMITS);

        let odb = self
            .repo
            .odb()
            .map_err(|e| read_error("the object database", &e))?;
        let mut trees = TreeCache::default();
        let mut handed_out = HandedOut::default();
        let shallow = self.shallow_boundary();
        for index in order {
            let node = &graph.nodes[index];
            let mut warnings = Vec::new();
            let cut_here = shallow.contains(&node.id);
            let first_parent_tree = match node.parents.first() {
                None => None,
                Some(parent) => match graph.tree_of(*parent, self) {
                    Ok(tree) => Some(tree),
                    Err(e) => {
                        warnings.push(commit_warning(
                            &node.info.id,
                            format!("cannot read the first parent {parent}: {e}"),
                        ));
                        None
                    }
                },
            };
            let mut raw_changes = Vec::new();
            if first_parent_tree != Some(node.tree) {
                let mut diff = TreeDiff {
                    repo: self,
                    odb: &odb,
                    selector,
                    trees: &mut trees,
                    out: &mut raw_changes,
                    warnings: &mut warnings,
                    commit: &node.info.id,
                };
                diff.diff(first_parent_tree, Some(node.tree), "");
            }
            trees.next_commit();
            let (changes, blobs) =
                self.finish_changes(raw_changes, &mut handed_out, &node.info.id, &mut warnings);
            if cut_here {
                warn_shallow_boundary(&node.info.id, &changes, &mut warnings);
            }
            sink(CommitDelta {
                id: node.id,
                commit: Arc::clone(&node.info),
                parents: node.parents.to_vec(),
                children: graph.children[index],
                changes,
                blobs,
                warnings,
            });
        }
        Ok(summary)
    }

    /// The commits a shallow clone's history stops at (their parents were not fetched);
    /// empty for a complete repository.
    fn shallow_boundary(&self) -> HashSet<ObjectId> {
        if !self.repo.is_shallow() {
            return HashSet::new();
        }
        std::fs::read_to_string(self.repo.commondir().join("shallow"))
            .map(|text| {
                text.lines()
                    .filter_map(|l| ObjectId::from_hex(l.trim()))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Reads every commit reachable from `head` and not from `known`.
    fn read_graph(
        &self,
        head: ObjectId,
        known: &HashSet<ObjectId>,
        warnings: &mut Vec<Warning>,
    ) -> Graph {
        let mut graph = Graph::default();
        let mut index_of: HashMap<ObjectId, usize> = HashMap::new();
        let mut pending = vec![head];
        while let Some(id) = pending.pop() {
            if index_of.contains_key(&id) || known.contains(&id) {
                continue;
            }
            let commit = match self.repo.find_commit(oid(id)) {
                Ok(commit) => commit,
                Err(e) if e.code() == ErrorCode::NotFound && graph.nodes.is_empty() => {
                    warnings.push(commit_warning(
                        &id.to_string(),
                        format!("missing commit: {}", e.message()),
                    ));
                    continue;
                }
                Err(e) => {
                    // A shallow clone's boundary or a damaged repository: the history
                    // starts after it.
                    warnings.push(commit_warning(
                        &id.to_string(),
                        format!("cannot read commit: {}", e.message()),
                    ));
                    continue;
                }
            };
            // A boxed slice: a vector collected from git's parents holds room for four, and
            // a blog's history has thirteen thousand commits of one parent each.
            let parents: Box<[ObjectId]> = commit.parent_ids().map(object_id).collect();
            pending.extend(parents.iter().rev().copied());
            index_of.insert(id, graph.nodes.len());
            graph.nodes.push(Node {
                id,
                tree: object_id(commit.tree_id()),
                info: Arc::new(commit_info(&commit)),
                parents,
            });
        }
        graph.parents_in_walk = graph
            .nodes
            .iter()
            .map(|node| {
                node.parents
                    .iter()
                    .filter_map(|p| index_of.get(p).copied())
                    .collect()
            })
            .collect();
        graph.children = vec![0; graph.nodes.len()];
        for parents in &graph.parents_in_walk {
            let mut seen = Vec::with_capacity(parents.len());
            for &parent in parents {
                // A commit that names the same parent twice is still one child.
                if !seen.contains(&parent) {
                    graph.children[parent] += 1;
                    seen.push(parent);
                }
            }
        }
        graph.index_of = index_of;
        graph
    }

    /// Pairs deletions with additions into renames and reads the bytes of new blobs.
    pub(super) fn finish_changes(
        &self,
        raw: Vec<RawChange>,
        handed_out: &mut HandedOut,
        commit: &str,
        warnings: &mut Vec<Warning>,
    ) -> (Vec<FileChange>, Vec<BlobContent>) {
        let mut changes = Vec::with_capacity(raw.len());
        let mut added = Vec::new();
        let mut deleted = Vec::new();
        for change in raw {
            match (change.old, change.new) {
                (Some(_), Some(blob)) => changes.push(FileChange::Modified {
                    path: change.path,
                    blob,
                }),
                (None, Some(blob)) => added.push(Side {
                    path: change.path,
                    blob,
                }),
                (Some(blob), None) => deleted.push(Side {
                    path: change.path,
                    blob,
                }),
                (None, None) => {}
            }
        }
        let mut renames = pair_exact_renames(&deleted, &added);
        let mut bytes_of: HashMap<ObjectId, Arc<Vec<u8>>> = HashMap::new();
        let deleted_left: Vec<usize> = (0..deleted.len())
            .filter(|d| !renames.iter().any(|(x, _)| x == d))
            .collect();
        let added_left: Vec<usize> = (0..added.len())
            .filter(|a| !renames.iter().any(|(_, y)| y == a))
            .collect();
        if !deleted_left.is_empty() && !added_left.is_empty() {
            // Only the sides no exact pairing explained need their bytes compared.
            let sides = deleted_left
                .iter()
                .map(|&d| &deleted[d])
                .chain(added_left.iter().map(|&a| &added[a]));
            for side in sides {
                if !bytes_of.contains_key(&side.blob)
                    && let Some(bytes) = self.read_blob(side.blob, &side.path, commit, warnings)
                {
                    bytes_of.insert(side.blob, bytes);
                }
            }
            let left_deleted: Vec<Side> =
                deleted_left.iter().map(|&d| deleted[d].clone()).collect();
            let left_added: Vec<Side> = added_left.iter().map(|&a| added[a].clone()).collect();
            let similar = pair_similar_renames(&left_deleted, &left_added, &|blob| {
                bytes_of.get(&blob).map(|bytes| bytes.as_slice())
            });
            renames.extend(
                similar
                    .into_iter()
                    .map(|(d, a)| (deleted_left[d], added_left[a])),
            );
        }
        let mut renamed_from = vec![false; deleted.len()];
        let mut renamed_to = vec![None; added.len()];
        for (d, a) in renames {
            renamed_from[d] = true;
            renamed_to[a] = Some(d);
        }
        for (a, side) in added.into_iter().enumerate() {
            changes.push(match renamed_to[a] {
                Some(d) => FileChange::Renamed {
                    from: deleted[d].path.clone(),
                    to: side.path,
                    blob: side.blob,
                },
                None => FileChange::Added {
                    path: side.path,
                    blob: side.blob,
                },
            });
        }
        for (d, side) in deleted.into_iter().enumerate() {
            if !renamed_from[d] {
                changes.push(FileChange::Deleted { path: side.path });
            }
        }
        changes.sort_by(|a, b| change_sort_key(a).cmp(change_sort_key(b)));

        let mut blobs = Vec::new();
        for change in &changes {
            let (path, blob) = match change {
                FileChange::Added { path, blob } | FileChange::Modified { path, blob } => {
                    (path, *blob)
                }
                FileChange::Renamed { to, blob, .. } => (to, *blob),
                FileChange::Deleted { .. } => continue,
            };
            if handed_out.contains(blob, path) {
                continue;
            }
            let bytes = match bytes_of.remove(&blob) {
                Some(bytes) => Some(bytes),
                None => match self.blob_too_large(blob) {
                    // Read as an empty file: a version with no tasks, as the parser would
                    // make of it, without inflating megabytes to find that out.
                    Some(reason) => {
                        warnings.push(Warning {
                            file: path.clone(),
                            line: None,
                            commit: Some(commit.to_string()),
                            message: reason,
                        });
                        Some(Arc::new(Vec::new()))
                    }
                    None => self.read_blob(blob, path, commit, warnings),
                },
            };
            if let Some(bytes) = bytes {
                handed_out.insert(blob, path);
                blobs.push(BlobContent {
                    id: blob,
                    path: path.clone(),
                    bytes,
                });
            }
        }
        (changes, blobs)
    }

    /// Why a blob is too large to be a post, asked of its header alone.
    fn blob_too_large(&self, blob: ObjectId) -> Option<String> {
        let (size, _) = self.repo.odb().ok()?.read_header(oid(blob)).ok()?;
        crate::core::post::over_size_cap(size)
    }

    fn read_blob(
        &self,
        blob: ObjectId,
        path: &str,
        commit: &str,
        warnings: &mut Vec<Warning>,
    ) -> Option<Arc<Vec<u8>>> {
        if let Some(bytes) = self
            .pack_reads
            .get()
            .then(|| self.packed_blob(blob))
            .flatten()
        {
            return Some(bytes);
        }
        match self.repo.find_blob(oid(blob)) {
            Ok(found) => Some(Arc::new(found.content().to_vec())),
            Err(e) => {
                warnings.push(Warning {
                    file: path.to_string(),
                    line: None,
                    commit: Some(commit.to_string()),
                    message: format!("cannot read blob {blob}: {}", e.message()),
                });
                None
            }
        }
    }
}

fn change_sort_key(change: &FileChange) -> &str {
    match change {
        FileChange::Added { path, .. }
        | FileChange::Modified { path, .. }
        | FileChange::Deleted { path } => path,
        FileChange::Renamed { to, .. } => to,
    }
}

/// A shallow clone's boundary commit looks like a first commit: every post in it seems added
/// there. Say so once for the commit, and once for each post whose earlier versions are
/// missing, so figures that depend on them (when tasks were added, carried in, done on time)
/// are known to be incomplete.
fn warn_shallow_boundary(commit: &str, changes: &[FileChange], warnings: &mut Vec<Warning>) {
    warnings.push(commit_warning(
        commit,
        "shallow clone: the history before this commit was not fetched, so it starts here \
         (`git fetch --unshallow` reads the rest)"
            .to_string(),
    ));
    for path in changes.iter().filter_map(FileChange::new_path) {
        warnings.push(Warning {
            file: path.to_string(),
            line: None,
            commit: Some(commit.to_string()),
            message: "history cut by the shallow clone: its earlier versions are missing, so \
                      when its tasks were added, carried in or done before this commit is unknown"
                .to_string(),
        });
    }
}

fn commit_warning(commit: &str, message: String) -> Warning {
    Warning {
        file: String::new(),
        line: None,
        commit: Some(commit.to_string()),
        message,
    }
}

/// Converts a git2 commit at the edge: the author time in the author's own offset.
fn commit_info(commit: &git2::Commit<'_>) -> CommitInfo {
    let when = commit.author().when();
    CommitInfo {
        id: commit.id().to_string(),
        time: to_datetime(when.seconds(), when.offset_minutes()),
        summary: String::from_utf8_lossy(commit.summary_bytes().unwrap_or_default()).into_owned(),
    }
}

/// The blobs handed out to be parsed, each with its path: a blob is read and parsed once at
/// each path. Paths are numbered, so the ten thousand versions of a blog's thousand posts do
/// not each keep a copy of their path.
#[derive(Default)]
pub(super) struct HandedOut {
    path_numbers: HashMap<String, usize>,
    blobs: HashSet<(ObjectId, usize)>,
}

impl HandedOut {
    fn contains(&self, blob: ObjectId, path: &str) -> bool {
        self.path_numbers
            .get(path)
            .is_some_and(|&number| self.blobs.contains(&(blob, number)))
    }

    fn insert(&mut self, blob: ObjectId, path: &str) {
        let number = match self.path_numbers.get(path) {
            Some(&number) => number,
            None => {
                let number = self.path_numbers.len();
                self.path_numbers.insert(path.to_string(), number);
                number
            }
        };
        self.blobs.insert((blob, number));
    }
}

#[derive(Default)]
struct Graph {
    nodes: Vec<Node>,
    /// Parents as indices into `nodes`, only those inside the walk.
    parents_in_walk: Vec<Box<[usize]>>,
    children: Vec<usize>,
    index_of: HashMap<ObjectId, usize>,
}

impl Graph {
    /// The root tree of a parent: from the walk when it is in it, else read from git.
    fn tree_of(&self, parent: ObjectId, repo: &Repo) -> Result<ObjectId, String> {
        if let Some(&index) = self.index_of.get(&parent) {
            return Ok(self.nodes[index].tree);
        }
        repo.repo
            .find_commit(oid(parent))
            .map(|c| object_id(c.tree_id()))
            .map_err(|e| e.message().to_string())
    }
}

struct Node {
    id: ObjectId,
    tree: ObjectId,
    info: Arc<CommitInfo>,
    parents: Box<[ObjectId]>,
}

/// Orders commits so that every commit comes after all its parents, by the graph alone:
/// committer dates lie in rewritten histories. Index 0 is the tip the walk started from. A
/// depth-first post-order over first parents, then other parents, keeps each merged branch's
/// commits together, right before the merge.
pub fn topological_order<P: AsRef<[usize]>>(parents: &[P]) -> Vec<usize> {
    let n = parents.len();
    let mut order = Vec::with_capacity(n);
    let mut visited = vec![false; n];
    // Each frame is a commit and how many of its parents have been explored.
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for root in 0..n {
        if visited[root] {
            continue;
        }
        visited[root] = true;
        stack.push((root, 0));
        while let Some(frame) = stack.last_mut() {
            let (node, next) = *frame;
            if let Some(&parent) = parents[node].as_ref().get(next) {
                frame.1 += 1;
                if !visited[parent] {
                    visited[parent] = true;
                    stack.push((parent, 0));
                }
            } else {
                order.push(node);
                stack.pop();
            }
        }
    }
    order
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum EntryKind {
    Tree,
    Blob,
    Other,
}

/// One entry of a raw tree object, borrowed from its bytes.
#[derive(Clone, Copy)]
struct Entry<'t> {
    name: &'t [u8],
    id: ObjectId,
    kind: EntryKind,
}

/// Iterates a raw tree object (`<mode> <name>\0<20-byte id>` repeated) without allocating:
/// the posts folder of a big blog is re-read at nearly every commit.
struct Entries<'t> {
    rest: &'t [u8],
}

impl<'t> Iterator for Entries<'t> {
    type Item = Entry<'t>;

    fn next(&mut self) -> Option<Entry<'t>> {
        let space = self.rest.iter().position(|&c| c == b' ')?;
        let mode = &self.rest[..space];
        let after_mode = &self.rest[space + 1..];
        let nul = find_nul(after_mode)?;
        let name = &after_mode[..nul];
        let id_bytes = after_mode.get(nul + 1..nul + 21)?;
        let mut id = [0u8; 20];
        id.copy_from_slice(id_bytes);
        self.rest = &after_mode[nul + 21..];
        let kind = match mode {
            b"40000" | b"040000" => EntryKind::Tree,
            // Symlinks (120000) and submodules (160000) hold no post.
            b"100644" | b"100755" | b"100664" | b"100000" | b"100600" => EntryKind::Blob,
            _ => EntryKind::Other,
        };
        Some(Entry {
            name,
            id: ObjectId(id),
            kind,
        })
    }
}

/// Raw tree objects of the commit being diffed and the one before: consecutive commits
/// share most subtrees, so the parent's trees are usually already here. Trees come from the
/// pack reader ([`Repo::packed_tree`]) when a pack holds them, else from libgit2.
#[derive(Default)]
struct TreeCache {
    current: HashMap<ObjectId, Arc<Vec<u8>>>,
    previous: HashMap<ObjectId, Arc<Vec<u8>>>,
}

impl TreeCache {
    fn get(
        &mut self,
        repo: &Repo,
        odb: &git2::Odb<'_>,
        id: ObjectId,
    ) -> Result<Arc<Vec<u8>>, git2::Error> {
        if let Some(object) = self.current.get(&id) {
            return Ok(Arc::clone(object));
        }
        if let Some(object) = self.previous.remove(&id) {
            self.current.insert(id, Arc::clone(&object));
            return Ok(object);
        }
        let object = match repo
            .pack_reads
            .get()
            .then(|| repo.packed_tree(id))
            .flatten()
        {
            Some(object) => object,
            None => {
                let object = odb.read(oid(id))?;
                if object.kind() != ObjectType::Tree {
                    return Err(git2::Error::from_str("not a tree"));
                }
                Arc::new(object.data().to_vec())
            }
        };
        self.current.insert(id, Arc::clone(&object));
        Ok(object)
    }

    fn next_commit(&mut self) {
        self.previous = std::mem::take(&mut self.current);
    }
}

/// One path that differs between two trees, before renames are paired.
pub(super) struct RawChange {
    pub(super) path: String,
    pub(super) old: Option<ObjectId>,
    pub(super) new: Option<ObjectId>,
}

struct TreeDiff<'a, 'odb> {
    repo: &'a Repo,
    odb: &'odb git2::Odb<'odb>,
    selector: &'a PostSelector,
    trees: &'a mut TreeCache,
    out: &'a mut Vec<RawChange>,
    warnings: &'a mut Vec<Warning>,
    commit: &'a str,
}

impl<'odb> TreeDiff<'_, 'odb> {
    /// Compares two trees entry by entry, skipping subtrees whose ids are equal and
    /// directories that cannot hold posts.
    fn diff(&mut self, old: Option<ObjectId>, new: Option<ObjectId>, prefix: &str) {
        let old_data = old.and_then(|id| self.tree(id, prefix));
        let new_data = new.and_then(|id| self.tree(id, prefix));
        let old_bytes: &[u8] = old_data.as_deref().map_or(&[], Vec::as_slice);
        let new_bytes: &[u8] = new_data.as_deref().map_or(&[], Vec::as_slice);
        // Two versions of a big folder usually differ in one entry: skip the identical
        // bytes before it without parsing them, and stop once the remaining bytes agree.
        let start = entry_boundary_before(old_bytes, common_prefix_len(old_bytes, new_bytes));
        let mut old_entries = Entries {
            rest: &old_bytes[start..],
        };
        let mut new_entries = Entries {
            rest: &new_bytes[start..],
        };
        let mut a = old_entries.next();
        let mut b = new_entries.next();
        loop {
            let ordering = match (&a, &b) {
                (Some(x), Some(y)) => git_order(x, y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => break,
            };
            match ordering {
                std::cmp::Ordering::Less => {
                    self.entry(a.as_ref(), None, prefix);
                    a = old_entries.next();
                }
                std::cmp::Ordering::Greater => {
                    self.entry(None, b.as_ref(), prefix);
                    b = new_entries.next();
                }
                std::cmp::Ordering::Equal => {
                    if let (Some(x), Some(y)) = (&a, &b)
                        && (x.id != y.id || x.kind != y.kind)
                    {
                        self.entry(a.as_ref(), b.as_ref(), prefix);
                    }
                    if old_entries.rest.len() == new_entries.rest.len()
                        && old_entries.rest == new_entries.rest
                    {
                        break;
                    }
                    a = old_entries.next();
                    b = new_entries.next();
                }
            }
        }
    }

    /// One name present on either side (same kind when on both).
    fn entry(&mut self, old: Option<&Entry<'_>>, new: Option<&Entry<'_>>, prefix: &str) {
        let Some(any) = old.or(new) else { return };
        let name = String::from_utf8_lossy(any.name);
        let path = if prefix.is_empty() {
            name.into_owned()
        } else {
            format!("{prefix}/{name}")
        };
        match any.kind {
            EntryKind::Tree => {
                if self.selector.may_contain_posts(&path) {
                    self.diff(old.map(|e| e.id), new.map(|e| e.id), &path);
                }
            }
            EntryKind::Blob => {
                if self.selector.is_post(&path) {
                    self.out.push(RawChange {
                        path,
                        old: old.map(|e| e.id),
                        new: new.map(|e| e.id),
                    });
                }
            }
            EntryKind::Other => {}
        }
    }

    fn tree(&mut self, id: ObjectId, path: &str) -> Option<Arc<Vec<u8>>> {
        match self.trees.get(self.repo, self.odb, id) {
            Ok(data) => Some(data),
            Err(e) => {
                self.warnings.push(Warning {
                    file: if path.is_empty() { "/" } else { path }.to_string(),
                    line: None,
                    commit: Some(self.commit.to_string()),
                    message: format!("cannot read tree {id}: {}", e.message()),
                });
                None
            }
        }
    }
}

/// The first zero byte, eight bytes at a time: finding where each entry's name ends is
/// most of the work of walking a big tree.
fn find_nul(bytes: &[u8]) -> Option<usize> {
    const LOW: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut at = 0;
    while at + 8 <= bytes.len() {
        let mut word = [0u8; 8];
        word.copy_from_slice(&bytes[at..at + 8]);
        let word = u64::from_le_bytes(word);
        if word.wrapping_sub(LOW) & !word & HIGH != 0 {
            break;
        }
        at += 8;
    }
    bytes[at..].iter().position(|&c| c == 0).map(|i| at + i)
}

/// How many leading bytes two buffers share.
fn common_prefix_len(a: &[u8], b: &[u8]) -> usize {
    const CHUNK: usize = 64;
    let limit = a.len().min(b.len());
    let mut at = 0;
    // Whole chunks compare as slices (vectorised); the first unequal one is searched bytewise.
    while at + CHUNK <= limit && a[at..at + CHUNK] == b[at..at + CHUNK] {
        at += CHUNK;
    }
    at + a[at..limit]
        .iter()
        .zip(&b[at..limit])
        .take_while(|(x, y)| x == y)
        .count()
}

/// The offset of the last entry of a raw tree that starts at or before `limit` and ends
/// after it; every entry before it lies wholly within the first `limit` bytes.
fn entry_boundary_before(tree: &[u8], limit: usize) -> usize {
    let mut at = 0;
    while let Some(nul) = find_nul(&tree[at..]) {
        let end = at + nul + 21;
        if end > limit || end > tree.len() {
            break;
        }
        at = end;
    }
    at
}

/// Git sorts tree entries by name as if a directory's name ended in `/`.
fn git_order(a: &Entry<'_>, b: &Entry<'_>) -> std::cmp::Ordering {
    let suffix = |e: &Entry<'_>| {
        if e.kind == EntryKind::Tree {
            Some(b'/')
        } else {
            None
        }
    };
    let a_key = a.name.iter().copied().chain(suffix(a));
    let b_key = b.name.iter().copied().chain(suffix(b));
    a_key.cmp(b_key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn topological_order_puts_parents_first_and_branches_together() {
        // 0 = merge of 1 (main) and 2 (branch); 1 and 2 both come from 3.
        let parents = vec![vec![1, 2], vec![3], vec![3], vec![]];
        assert_eq!(topological_order(&parents), vec![3, 1, 2, 0]);
    }

    #[test]
    fn topological_order_handles_long_chains_without_recursion() {
        let n = 100_000;
        let parents: Vec<Vec<usize>> = (0..n)
            .map(|i| if i + 1 < n { vec![i + 1] } else { vec![] })
            .collect();
        let order = topological_order(&parents);
        assert_eq!(order.first(), Some(&(n - 1)));
        assert_eq!(order.last(), Some(&0));
    }

    fn raw_tree(entries: &[(&str, &str, u8)]) -> Vec<u8> {
        let mut raw = Vec::new();
        for (mode, name, id) in entries {
            raw.extend_from_slice(format!("{mode} {name}\0").as_bytes());
            raw.extend_from_slice(&[*id; 20]);
        }
        raw
    }

    #[test]
    fn raw_tree_entries_parse_even_with_zero_bytes_in_ids() {
        let raw = raw_tree(&[
            ("100644", "a.md", 0),
            ("40000", "posts", 7),
            ("120000", "link", 1),
        ]);
        let entries: Vec<(String, ObjectId, bool)> = Entries { rest: &raw }
            .map(|e| {
                (
                    String::from_utf8_lossy(e.name).into_owned(),
                    e.id,
                    e.kind == EntryKind::Tree,
                )
            })
            .collect();
        assert_eq!(
            entries,
            [
                ("a.md".to_string(), ObjectId([0; 20]), false),
                ("posts".to_string(), ObjectId([7; 20]), true),
                ("link".to_string(), ObjectId([1; 20]), false),
            ]
        );
    }

    #[test]
    fn entry_boundary_lands_on_the_entry_that_holds_the_first_difference() {
        let old = raw_tree(&[("100644", "a-long-file-name.md", 0), ("100644", "b.md", 1)]);
        let new = raw_tree(&[("100644", "a-long-file-name.md", 0), ("100644", "b.md", 2)]);
        let first_entry = raw_tree(&[("100644", "a-long-file-name.md", 0)]).len();
        let common = common_prefix_len(&old, &new);
        // The ids differ, so the common bytes end inside the second entry.
        assert!(common > first_entry && common < old.len());
        assert_eq!(entry_boundary_before(&old, common), first_entry);
        assert_eq!(entry_boundary_before(&old, first_entry - 1), 0);
        assert_eq!(find_nul(b"0123456789abcdef\0x"), Some(16));
        assert_eq!(find_nul(b"abc"), None);
    }
}
