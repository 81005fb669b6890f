//! Blobs and trees read straight from the repository's pack files, keeping every object a
//! delta chain passes through.
//!
//! git packs each version of a file as a delta of a neighbouring version, in chains up to 50
//! long. libgit2 keeps only the object a chain starts from, so reading the versions of a big
//! post one after another applies the whole chain again for each (on a gc-packed history of
//! big checklists, a third of the instructions of a cold read were `git_delta_apply`). `git log`
//! keeps the objects it resolves; so does this reader, up to [`CACHE_BYTES`]: walking a chain
//! version by version then applies each delta about once.
//!
//! Only what is plainly there is read: version 2 indexes of the common directory's
//! `objects/pack`. An object in no pack (loose, in an alternate, or a pack written after the
//! reader opened), a damaged entry or anything unexpected is `None`, and the caller asks
//! libgit2, which reads every kind of repository.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use crate::core::delta::ObjectId;

/// How many bytes of resolved objects are kept: the length of a chain of big versions (50 of
/// 300 KB is 15 MB) for each of a few big posts edited in turn.
pub const CACHE_BYTES: usize = 24 << 20;

/// The bytes of trees kept at least. Trees have a shelf of their own: on a 13,000-commit blog
/// of small posts the cache filled with 6 MB of small trees (a tenth of the peak) that the
/// walk never asked for again. Holding 1 MB instead took the same processor time and 1.6 MB
/// less at the peak than 2 MB did (the blog's posts folder is a 40 KB tree).
const TREE_CACHE_BYTES: usize = 1 << 20;

/// Steps of a chain of the largest tree seen that the tree shelf holds at least (up to
/// [`CACHE_BYTES`]): a big posts folder's versions are still read a delta each.
const TREE_CHAIN_STEPS: usize = 16;

/// How many blobs read for themselves are kept besides the chains' steps: one for each of
/// the few posts a stretch of history edits in turn.
const RECENT: usize = 16;

/// An index this large is not read into memory; its objects come from libgit2.
const MAX_INDEX_BYTES: u64 = 512 << 20;

/// An object, or a delta, said to be larger than this is left to libgit2: a damaged or
/// hostile pack must not make the reader reserve memory it names.
const MAX_OBJECT_BYTES: usize = 256 << 20;

/// Deltas resolved in one read at most: deeper chains than any git writes are left to libgit2.
const MAX_CHAIN: usize = 10_000;

const OBJ_TREE: u8 = 2;
const OBJ_BLOB: u8 = 3;
const OBJ_OFS_DELTA: u8 = 6;
const OBJ_REF_DELTA: u8 = 7;

/// Where an object is: which pack, and its offset there.
type Place = (usize, u64);

/// The packs of one repository and the objects resolved from them.
pub struct Packs {
    packs: Vec<Pack>,
    /// Resolved objects by pack and offset, each with its kind and the number it was kept
    /// under.
    cache: HashMap<Place, (Arc<Vec<u8>>, u8, u64)>,
    /// Kept blobs, then kept trees, each in the order they were resolved with their numbers
    /// and sizes, and the bytes they hold: the oldest go first when their shelf is full.
    shelves: [Shelf; 2],
    kept: u64,
    /// The last few blobs read for themselves ([`Packs::remember`]).
    recent: VecDeque<(Place, Arc<Vec<u8>>, u8)>,
}

#[derive(Default)]
struct Shelf {
    order: VecDeque<(Place, u64, usize)>,
    bytes: usize,
    /// The largest object kept so far.
    largest: usize,
}

struct Pack {
    file: File,
    index: Vec<u8>,
    objects: usize,
}

/// One entry of a pack as its header describes it.
struct Entry {
    kind: u8,
    /// Where the compressed data starts.
    data: u64,
    /// The inflated size of the data (the delta itself, for a delta).
    size: usize,
    /// A delta's base.
    base: Option<Base>,
}

enum Base {
    Offset(u64),
    Id(ObjectId),
}

impl Packs {
    /// The packs under `objects_dir/pack`; an empty set when there are none or they cannot
    /// be read.
    pub fn open(objects_dir: &Path) -> Packs {
        let mut packs = Vec::new();
        if let Ok(entries) = std::fs::read_dir(objects_dir.join("pack")) {
            let mut indexes: Vec<_> = entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|e| e == "idx"))
                .collect();
            indexes.sort();
            packs.extend(indexes.iter().filter_map(|idx| Pack::open(idx)));
        }
        Packs {
            packs,
            cache: HashMap::new(),
            shelves: Default::default(),
            kept: 0,
            recent: VecDeque::new(),
        }
    }

    /// The bytes of blob `id`, when a pack holds it and it reads cleanly.
    pub fn blob(&mut self, id: ObjectId) -> Option<Arc<Vec<u8>>> {
        self.object(id, OBJ_BLOB)
    }

    /// The raw entries of tree `id`, when a pack holds it and it reads cleanly.
    pub fn tree(&mut self, id: ObjectId) -> Option<Arc<Vec<u8>>> {
        self.object(id, OBJ_TREE)
    }

    fn object(&mut self, id: ObjectId, kind: u8) -> Option<Arc<Vec<u8>>> {
        let (pack, offset) = self.locate(id)?;
        // A walk reads each version once: an object kept as a step of an earlier chain leaves
        // the cache when it is read for itself.
        let bytes = match self.cache.remove(&(pack, offset)) {
            Some((bytes, cached_kind, _)) => {
                self.shelves[shelf(cached_kind)].bytes -= bytes.len();
                (cached_kind == kind).then_some(bytes)?
            }
            None => Arc::new(self.object_at(pack, offset, kind)?),
        };
        self.remember(pack, offset, &bytes, kind);
        Some(bytes)
    }

    fn locate(&self, id: ObjectId) -> Option<Place> {
        self.packs
            .iter()
            .enumerate()
            .find_map(|(n, pack)| pack.offset_of(&id.0).map(|offset| (n, offset)))
    }

    /// Keeps a blob just read among the last few: a pack may store the next version of the
    /// same file as a delta of it.
    fn remember(&mut self, pack: usize, offset: u64, bytes: &Arc<Vec<u8>>, kind: u8) {
        if self.recent.len() == RECENT {
            self.recent.pop_front();
        }
        self.recent
            .push_back(((pack, offset), Arc::clone(bytes), kind));
    }

    /// A resolved object and its kind.
    fn cached(&self, key: Place) -> Option<(Arc<Vec<u8>>, u8)> {
        if let Some((bytes, kind, _)) = self.cache.get(&key) {
            return Some((Arc::clone(bytes), *kind));
        }
        self.recent
            .iter()
            .rev()
            .find(|(k, ..)| *k == key)
            .map(|(_, bytes, kind)| (Arc::clone(bytes), *kind))
    }

    /// The object of kind `kind` at `offset` of pack `pack`; none when it is of another kind
    /// (a delta's kind is the kind of the object its chain ends in).
    fn object_at(&mut self, pack: usize, offset: u64, kind: u8) -> Option<Vec<u8>> {
        // Walk down the chain to an object that is whole or already resolved, then apply the
        // deltas back up, keeping each step.
        let mut chain: Vec<(u64, Entry)> = Vec::new();
        let mut at = offset;
        let mut bytes = loop {
            if let Some((bytes, cached_kind)) = self.cached((pack, at)) {
                if cached_kind != kind {
                    return None;
                }
                break bytes;
            }
            let entry = self.packs[pack].entry(at)?;
            match entry.base {
                None if entry.kind != kind => return None,
                None => {
                    let data = self.packs[pack].inflate(entry.data, entry.size)?;
                    if chain.is_empty() {
                        return Some(data);
                    }
                    let data = Arc::new(data);
                    self.keep((pack, at), &data, kind);
                    break data;
                }
                Some(Base::Offset(base)) => {
                    chain.push((at, entry));
                    at = base;
                }
                Some(Base::Id(base)) => {
                    // Bases are in the same pack in every pack git writes but a thin one.
                    let base = self.packs[pack].offset_of(&base.0)?;
                    chain.push((at, entry));
                    at = base;
                }
            }
            if chain.len() > MAX_CHAIN {
                return None;
            }
        };
        while let Some((at, entry)) = chain.pop() {
            let delta = self.packs[pack].inflate(entry.data, entry.size)?;
            let result = apply_delta(&bytes, &delta)?;
            if chain.is_empty() {
                return Some(result);
            }
            let result = Arc::new(result);
            self.keep((pack, at), &result, kind);
            bytes = result;
        }
        Some(bytes.as_ref().clone())
    }

    fn keep(&mut self, key: Place, bytes: &Arc<Vec<u8>>, kind: u8) {
        if bytes.len() > CACHE_BYTES / 4 || self.cache.contains_key(&key) {
            return;
        }
        self.kept += 1;
        self.cache.insert(key, (Arc::clone(bytes), kind, self.kept));
        let shelf = &mut self.shelves[shelf(kind)];
        shelf.order.push_back((key, self.kept, bytes.len()));
        shelf.bytes += bytes.len();
        shelf.largest = shelf.largest.max(bytes.len());
        let limit = if kind == OBJ_TREE {
            (TREE_CHAIN_STEPS * shelf.largest).clamp(TREE_CACHE_BYTES, CACHE_BYTES)
        } else {
            CACHE_BYTES
        };
        while shelf.bytes > limit {
            let Some((old, number, len)) = shelf.order.pop_front() else {
                break;
            };
            // Gone already when it was read for itself, or kept again since.
            if self.cache.get(&old).is_some_and(|(.., n)| *n == number) {
                self.cache.remove(&old);
                shelf.bytes -= len;
            }
        }
    }
}

fn shelf(kind: u8) -> usize {
    usize::from(kind == OBJ_TREE)
}

impl Pack {
    fn open(idx: &Path) -> Option<Pack> {
        if std::fs::metadata(idx).ok()?.len() > MAX_INDEX_BYTES {
            return None;
        }
        let index = std::fs::read(idx).ok()?;
        // Version 2: a magic number, the version, 256 fan-out counts.
        if index.len() < 8 + 256 * 4 || index[..8] != [0xff, b't', b'O', b'c', 0, 0, 0, 2] {
            return None;
        }
        let objects = be32(&index, 8 + 255 * 4)? as usize;
        // Names, checksums and offsets, then large offsets and two trailing hashes.
        let needed = 8 + 256 * 4 + objects * (20 + 4 + 4) + 40;
        if index.len() < needed {
            return None;
        }
        let file = File::open(idx.with_extension("pack")).ok()?;
        Some(Pack {
            file,
            index,
            objects,
        })
    }

    /// Where object `id` starts in the pack file.
    fn offset_of(&self, id: &[u8; 20]) -> Option<u64> {
        let first = usize::from(id[0]);
        let start = if first == 0 {
            0
        } else {
            be32(&self.index, 8 + (first - 1) * 4)? as usize
        };
        let end = be32(&self.index, 8 + first * 4)? as usize;
        let names = 8 + 256 * 4;
        let name = |n: usize| self.index.get(names + n * 20..names + n * 20 + 20);
        // Names compare by their first eight bytes as one number, which nearly always
        // decides, and by the rest only when those are equal: a memcmp call per step of
        // the search was a fiftieth of a cold run's time.
        let leading = |name: &[u8]| name.first_chunk::<8>().map(|b| u64::from_be_bytes(*b));
        let wanted = leading(id)?;
        let (mut low, mut high) = (start, end.min(self.objects));
        while low < high {
            let mid = low + (high - low) / 2;
            let name = name(mid)?;
            let order = leading(name)?
                .cmp(&wanted)
                .then_with(|| name[8..].cmp(&id[8..]));
            match order {
                std::cmp::Ordering::Less => low = mid + 1,
                std::cmp::Ordering::Greater => high = mid,
                std::cmp::Ordering::Equal => return self.offset_at(mid),
            }
        }
        None
    }

    fn offset_at(&self, n: usize) -> Option<u64> {
        let offsets = 8 + 256 * 4 + self.objects * 24;
        let small = be32(&self.index, offsets + n * 4)?;
        if small & 0x8000_0000 == 0 {
            return Some(u64::from(small));
        }
        let large = offsets + self.objects * 4 + (small & 0x7fff_ffff) as usize * 8;
        let bytes: [u8; 8] = self.index.get(large..large + 8)?.try_into().ok()?;
        Some(u64::from_be_bytes(bytes))
    }

    /// The header of the entry at `offset`.
    fn entry(&self, offset: u64) -> Option<Entry> {
        let mut head = [0u8; 32];
        let read = read_at(&self.file, &mut head, offset)?;
        let head = &head[..read];
        let mut at = 0;
        let byte = *head.first()?;
        let kind = (byte >> 4) & 7;
        let mut size = usize::from(byte & 0x0f);
        let mut shift = 4;
        let mut more = byte & 0x80 != 0;
        while more {
            at += 1;
            let byte = *head.get(at)?;
            size |= usize::from(byte & 0x7f).checked_shl(shift)?;
            shift += 7;
            more = byte & 0x80 != 0;
        }
        at += 1;
        let base = match kind {
            OBJ_OFS_DELTA => {
                let mut byte = *head.get(at)?;
                let mut back = u64::from(byte & 0x7f);
                while byte & 0x80 != 0 {
                    at += 1;
                    byte = *head.get(at)?;
                    if back >= u64::MAX >> 8 {
                        return None;
                    }
                    back = ((back + 1) << 7) | u64::from(byte & 0x7f);
                }
                at += 1;
                Some(Base::Offset(offset.checked_sub(back)?))
            }
            OBJ_REF_DELTA => {
                let id: [u8; 20] = head.get(at..at + 20)?.try_into().ok()?;
                at += 20;
                Some(Base::Id(ObjectId(id)))
            }
            1..=4 => None,
            _ => return None,
        };
        Some(Entry {
            kind,
            data: offset + at as u64,
            size,
            base,
        })
    }

    /// The `size` bytes the zlib stream at `offset` inflates to.
    fn inflate(&self, offset: u64, size: usize) -> Option<Vec<u8>> {
        if size > MAX_OBJECT_BYTES {
            return None;
        }
        let mut out = Vec::with_capacity(size);
        let mut inflater = flate2::Decompress::new(true);
        // Compressed data is about as long as what it inflates to, or shorter.
        let mut input = vec![0u8; (size + 64).clamp(256, 1 << 20)];
        let mut at = offset;
        loop {
            let read = read_at(&self.file, &mut input, at)?;
            if read == 0 {
                return None;
            }
            let (before_in, before_out) = (inflater.total_in(), inflater.total_out());
            let status = inflater
                .decompress_vec(&input[..read], &mut out, flate2::FlushDecompress::None)
                .ok()?;
            at += inflater.total_in() - before_in;
            match status {
                flate2::Status::StreamEnd => break,
                _ if out.len() > size => return None,
                // The data is whole but its checksum is still to come.
                _ if out.len() == out.capacity() => out.reserve(1),
                _ if (inflater.total_in(), inflater.total_out()) == (before_in, before_out) => {
                    return None;
                }
                flate2::Status::Ok | flate2::Status::BufError => {}
            }
        }
        (out.len() == size).then_some(out)
    }
}

/// `base` with git's `delta` applied: copies from the base and inserted bytes.
fn apply_delta(base: &[u8], delta: &[u8]) -> Option<Vec<u8>> {
    let mut at = 0;
    let varint = |at: &mut usize| -> Option<usize> {
        let mut value = 0usize;
        let mut shift = 0u32;
        loop {
            let byte = *delta.get(*at)?;
            *at += 1;
            value |= usize::from(byte & 0x7f).checked_shl(shift)?;
            shift += 7;
            if byte & 0x80 == 0 {
                return Some(value);
            }
        }
    };
    let source = varint(&mut at)?;
    let target = varint(&mut at)?;
    if source != base.len() || target > MAX_OBJECT_BYTES {
        return None;
    }
    let mut out = Vec::with_capacity(target);
    while at < delta.len() {
        let op = delta[at];
        at += 1;
        if op & 0x80 != 0 {
            let mut offset = 0usize;
            let mut len = 0usize;
            for bit in 0..4 {
                if op & (1 << bit) != 0 {
                    offset |= usize::from(*delta.get(at)?) << (8 * bit);
                    at += 1;
                }
            }
            for bit in 0..3 {
                if op & (0x10 << bit) != 0 {
                    len |= usize::from(*delta.get(at)?) << (8 * bit);
                    at += 1;
                }
            }
            if len == 0 {
                len = 0x10000;
            }
            out.extend_from_slice(base.get(offset..offset.checked_add(len)?)?);
        } else if op != 0 {
            let len = usize::from(op);
            out.extend_from_slice(delta.get(at..at + len)?);
            at += len;
        } else {
            return None;
        }
    }
    (out.len() == target).then_some(out)
}

fn be32(bytes: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_be_bytes(bytes.get(at..at + 4)?.try_into().ok()?))
}

/// Reads at `offset` as much of `buf` as the file has there.
fn read_at(file: &File, buf: &mut [u8], offset: u64) -> Option<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match read_once(file, &mut buf[filled..], offset + filled as u64) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(_) => return None,
        }
    }
    Some(filled)
}

/// One positioned read, as the platform offers it.
fn read_once(file: &File, buf: &mut [u8], offset: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, offset)
    }
    #[cfg(windows)]
    {
        std::os::windows::fs::FileExt::seek_read(file, buf, offset)
    }
    #[cfg(not(any(unix, windows)))]
    {
        let _ = (file, buf, offset);
        Err(std::io::Error::from(std::io::ErrorKind::Unsupported))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A delta as git writes one: sizes, then copy and insert instructions.
    fn delta(source: usize, target: usize, ops: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        for mut n in [source, target] {
            loop {
                let byte = (n & 0x7f) as u8;
                n >>= 7;
                if n == 0 {
                    out.push(byte);
                    break;
                }
                out.push(byte | 0x80);
            }
        }
        out.extend_from_slice(ops);
        out
    }

    #[test]
    fn a_delta_copies_from_its_base_and_inserts_its_own_bytes() {
        let base = b"- [ ] write the post\n- [ ] read a paper\n";
        // Copy 24 bytes from 0 (up to the second box's `[`), insert "x", copy from 25 (past
        // the box's space) to the end.
        let mut ops = vec![0x80 | 0x10, 24];
        ops.extend_from_slice(&[1, b'x']);
        ops.extend_from_slice(&[0x80 | 0x01 | 0x10, 25, (base.len() - 25) as u8]);
        let out = apply_delta(base, &delta(base.len(), base.len(), &ops));
        assert_eq!(
            out.as_deref(),
            Some(&b"- [ ] write the post\n- [x] read a paper\n"[..])
        );
    }

    #[test]
    fn a_delta_that_reaches_past_its_base_or_misstates_a_size_is_refused() {
        let base = b"short";
        let past = delta(base.len(), 10, &[0x80 | 0x10, 10]);
        assert_eq!(apply_delta(base, &past), None);
        let wrong_source = delta(9, 5, &[0x80 | 0x10, 5]);
        assert_eq!(apply_delta(base, &wrong_source), None);
        let wrong_target = delta(base.len(), 6, &[0x80 | 0x10, 5]);
        assert_eq!(apply_delta(base, &wrong_target), None);
        // A target size no memory could hold is refused before anything is reserved.
        let huge_target = delta(base.len(), usize::MAX >> 1, &[0x80 | 0x10, 5]);
        assert_eq!(apply_delta(base, &huge_target), None);
        let reserved = delta(base.len(), 5, &[0]);
        assert_eq!(apply_delta(base, &reserved), None);
    }
}
