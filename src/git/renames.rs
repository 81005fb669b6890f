//! Renames: which deleted post is the same post as an added one — the same blob, the same
//! path but for letter case, or content with most lines in common (a draft published under a
//! dated name). Pure functions of paths and bytes.

use std::collections::HashMap;

use crate::core::delta::ObjectId;

/// One side of a possible rename.
#[derive(Debug, Clone)]
pub struct Side {
    pub path: String,
    pub blob: ObjectId,
}

/// Pairs deleted posts with added ones that are the same post under a new path: the same
/// blob, the same path but for letter case, or similar content (a draft published under a
/// dated name gains a date and loses a `published: false`). Returns (deleted, added) index
/// pairs, sorted; each side is used at most once.
pub fn pair_renames<'b>(
    deleted: &[Side],
    added: &[Side],
    bytes_of: &dyn Fn(ObjectId) -> Option<&'b [u8]>,
) -> Vec<(usize, usize)> {
    let mut pairs = pair_exact_renames(deleted, added);
    let deleted_left: Vec<usize> = (0..deleted.len())
        .filter(|d| !pairs.iter().any(|(x, _)| x == d))
        .collect();
    let added_left: Vec<usize> = (0..added.len())
        .filter(|a| !pairs.iter().any(|(_, y)| y == a))
        .collect();
    let left_deleted: Vec<Side> = deleted_left.iter().map(|&d| deleted[d].clone()).collect();
    let left_added: Vec<Side> = added_left.iter().map(|&a| added[a].clone()).collect();
    pairs.extend(
        pair_similar_renames(&left_deleted, &left_added, bytes_of)
            .into_iter()
            .map(|(d, a)| (deleted_left[d], added_left[a])),
    );
    pairs.sort_unstable();
    pairs
}

/// The renames that need no content: a case-only change of path (whatever happened to the
/// content), then the same blob under a new path (same file name preferred).
pub(super) fn pair_exact_renames(deleted: &[Side], added: &[Side]) -> Vec<(usize, usize)> {
    let mut candidates: Vec<(u8, usize, usize)> = Vec::new();
    let mut added_by_blob: HashMap<ObjectId, Vec<usize>> = HashMap::new();
    let mut added_by_lower: HashMap<String, Vec<usize>> = HashMap::new();
    for (a, side) in added.iter().enumerate() {
        added_by_blob.entry(side.blob).or_default().push(a);
        added_by_lower
            .entry(side.path.to_lowercase())
            .or_default()
            .push(a);
    }
    for (d, old) in deleted.iter().enumerate() {
        for &a in added_by_lower
            .get(&old.path.to_lowercase())
            .into_iter()
            .flatten()
        {
            candidates.push((0, d, a));
        }
        let old_stem = file_stem_key(&old.path);
        for &a in added_by_blob.get(&old.blob).into_iter().flatten() {
            let rank = if file_stem_key(&added[a].path) == old_stem {
                1
            } else {
                2
            };
            candidates.push((rank, d, a));
        }
    }
    candidates.sort_unstable();
    take_best(candidates, deleted.len(), added.len())
}

/// Renames judged by content: lines in common, with a lower bar when the file name (without
/// date prefix and folder) is unchanged.
pub(super) fn pair_similar_renames<'b>(
    deleted: &[Side],
    added: &[Side],
    bytes_of: &dyn Fn(ObjectId) -> Option<&'b [u8]>,
) -> Vec<(usize, usize)> {
    if deleted.is_empty() || added.is_empty() {
        return Vec::new();
    }
    let lines = |sides: &[Side]| -> Vec<Option<Vec<u64>>> {
        sides
            .iter()
            .map(|side| bytes_of(side.blob).map(line_hashes))
            .collect()
    };
    let (old_lines, new_lines) = (lines(deleted), lines(added));
    let old_stems: Vec<String> = deleted.iter().map(|s| file_stem_key(&s.path)).collect();
    let new_stems: Vec<String> = added.iter().map(|s| file_stem_key(&s.path)).collect();
    // A commit that deletes and adds thousands of unrelated files would otherwise compare
    // every pair; past this many, only same-named files are compared.
    let compare_all = deleted.len() * added.len() <= 40_000;
    let mut candidates: Vec<(std::cmp::Reverse<u32>, usize, usize)> = Vec::new();
    for (d, old) in old_lines.iter().enumerate() {
        let Some(old) = old else { continue };
        for (a, new) in new_lines.iter().enumerate() {
            let same_name = old_stems[d] == new_stems[a];
            if !compare_all && !same_name {
                continue;
            }
            let Some(new) = new else { continue };
            let similarity = sorted_similarity(old, new);
            let needed = if same_name { 0.3 } else { 0.5 };
            if similarity >= needed {
                let bonus = if same_name { 0.5 } else { 0.0 };
                // Scores as integers so the sort is total and ties fall to the earlier paths.
                let score = ((similarity + bonus) * 1_000_000.0) as u32;
                candidates.push((std::cmp::Reverse(score), d, a));
            }
        }
    }
    candidates.sort_unstable();
    take_best(candidates, deleted.len(), added.len())
}

/// Takes candidate pairs best first, each side at most once.
fn take_best<K>(
    candidates: Vec<(K, usize, usize)>,
    deleted: usize,
    added: usize,
) -> Vec<(usize, usize)> {
    let mut deleted_used = vec![false; deleted];
    let mut added_used = vec![false; added];
    let mut pairs = Vec::new();
    for (_, d, a) in candidates {
        if !deleted_used[d] && !added_used[a] {
            deleted_used[d] = true;
            added_used[a] = true;
            pairs.push((d, a));
        }
    }
    pairs
}

/// A post's name without its folder, `YYYY-MM-DD-` date prefix, extension and letter case:
/// what stays the same when a draft is published.
pub fn file_stem_key(path: &str) -> String {
    let name = path.rsplit('/').next().unwrap_or(path);
    let stem = name.rsplit_once('.').map_or(name, |(stem, _)| stem);
    let bytes = stem.as_bytes();
    let dated = bytes.len() > 11
        && bytes[..10].iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
        && bytes[10] == b'-';
    let stem = if dated { &stem[11..] } else { stem };
    stem.to_ascii_lowercase()
}

/// The share of lines two texts have in common (as multisets, ignoring blank lines and
/// surrounding white space), from 0 to 1.
pub fn line_similarity(a: &[u8], b: &[u8]) -> f64 {
    sorted_similarity(&line_hashes(a), &line_hashes(b))
}

/// The text's non-blank lines, trimmed, as sorted hashes.
fn line_hashes(text: &[u8]) -> Vec<u64> {
    let mut hashes: Vec<u64> = text
        .split(|&c| c == b'\n')
        .map(<[u8]>::trim_ascii)
        .filter(|line| !line.is_empty())
        .map(|line| {
            // FNV-1a: stable and fast; a collision only nudges a similarity score.
            line.iter().fold(0xcbf2_9ce4_8422_2325u64, |hash, &byte| {
                (hash ^ u64::from(byte)).wrapping_mul(0x0100_0000_01b3)
            })
        })
        .collect();
    hashes.sort_unstable();
    hashes
}

fn sorted_similarity(a: &[u64], b: &[u64]) -> f64 {
    if a.is_empty() && b.is_empty() {
        return 1.0;
    }
    let (mut i, mut j, mut common) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                common += 1;
                i += 1;
                j += 1;
            }
        }
    }
    (2 * common) as f64 / (a.len() + b.len()) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    fn side(path: &str, byte: u8) -> Side {
        Side {
            path: path.into(),
            blob: ObjectId([byte; 20]),
        }
    }

    #[test]
    fn exact_moves_and_case_only_renames_pair_without_content() {
        let deleted = [side("_drafts/week.md", 1), side("_posts/Week.md", 2)];
        let added = [
            side("_posts/week.md", 3),
            side("_posts/2020-12-07-week.md", 1),
        ];
        let pairs = pair_renames(&deleted, &added, &|_| None);
        assert_eq!(pairs, vec![(0, 1), (1, 0)]);
    }

    #[test]
    fn a_published_draft_pairs_by_similar_content() {
        let draft =
            b"---\ntitle: Week 5\npublished: false\n---\n- [ ] one\n- [ ] two\n- [ ] three\n";
        let post =
            b"---\ntitle: Week 5\ndate: 2020-12-14\n---\n- [ ] one\n- [ ] two\n- [ ] three\n";
        let other = b"---\ntitle: About\n---\nSomething else entirely.\n";
        let deleted = [side("_drafts/week-5.md", 1)];
        let added = [side("about.md", 2), side("_posts/2020-12-14-week-5.md", 3)];
        let bytes = |id: ObjectId| -> Option<&[u8]> {
            match id.0[0] {
                1 => Some(draft),
                2 => Some(other),
                3 => Some(post),
                _ => None,
            }
        };
        assert_eq!(pair_renames(&deleted, &added, &bytes), vec![(0, 1)]);
    }

    #[test]
    fn unrelated_files_are_not_renames() {
        let deleted = [side("_posts/a.md", 1)];
        let added = [side("_posts/b.md", 2)];
        let bytes = |id: ObjectId| -> Option<&[u8]> {
            Some(if id.0[0] == 1 {
                b"alpha\nbeta\n"
            } else {
                b"gamma\ndelta\n"
            })
        };
        assert!(pair_renames(&deleted, &added, &bytes).is_empty());
    }

    #[test]
    fn line_similarity_counts_shared_lines() {
        assert_eq!(line_similarity(b"a\nb\n", b"b\na\n"), 1.0);
        assert_eq!(line_similarity(b"a\nb\n", b"a\nc\n"), 0.5);
        assert_eq!(line_similarity(b"a\n", b"b\n"), 0.0);
    }

    #[test]
    fn stem_key_drops_date_prefix_folder_and_case() {
        assert_eq!(file_stem_key("_posts/2020-12-07-RC-Week-4.md"), "rc-week-4");
        assert_eq!(file_stem_key("_drafts/RC-Week-4.markdown"), "rc-week-4");
    }
}
