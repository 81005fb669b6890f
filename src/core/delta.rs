//! A commit as the fold consumes it: its id, its parents, the post files it changed and the
//! bytes of their new versions — plain values the git stage fills in and tests can build.

use std::fmt;
use std::sync::Arc;

use crate::core::model::{CommitInfo, Warning};

/// A git object id (SHA-1), as a plain value that orders, hashes and prints like git's.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ObjectId(pub [u8; 20]);

impl ObjectId {
    /// Parses 40 hex digits (either case).
    pub fn from_hex(hex: &str) -> Option<ObjectId> {
        let digits = hex.as_bytes();
        if digits.len() != 40 {
            return None;
        }
        let mut bytes = [0u8; 20];
        for (byte, pair) in bytes.iter_mut().zip(digits.chunks_exact(2)) {
            let high = char::from(pair[0]).to_digit(16)?;
            let low = char::from(pair[1]).to_digit(16)?;
            *byte = u8::try_from(high * 16 + low).ok()?;
        }
        Some(ObjectId(bytes))
    }
}

/// The id of a commit that is not made yet (the one `git commit` is about to make).
pub const PENDING_COMMIT: ObjectId = ObjectId([0; 20]);

impl fmt::Display for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for byte in self.0 {
            write!(f, "{byte:02x}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for ObjectId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", &self.to_string()[..10])
    }
}

/// How one post file differs between a commit and its first parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FileChange {
    Added {
        path: String,
        blob: ObjectId,
    },
    Modified {
        path: String,
        blob: ObjectId,
    },
    Deleted {
        path: String,
    },
    /// The same post under a new path, possibly with new content too.
    Renamed {
        from: String,
        to: String,
        blob: ObjectId,
    },
}

impl FileChange {
    /// The path the post has after the commit (none when it was deleted).
    pub fn new_path(&self) -> Option<&str> {
        match self {
            FileChange::Added { path, .. } | FileChange::Modified { path, .. } => Some(path),
            FileChange::Renamed { to, .. } => Some(to),
            FileChange::Deleted { .. } => None,
        }
    }
}

/// One commit as the history engine consumes it.
#[derive(Debug, Clone)]
pub struct CommitDelta {
    pub id: ObjectId,
    pub commit: Arc<CommitInfo>,
    /// Parent ids, first parent first. Parents that are not part of the walk (a shallow
    /// clone's boundary, or commits already fed in an earlier walk) are listed too.
    pub parents: Vec<ObjectId>,
    /// How many commits of this walk have this one as a parent: lets the engine move a
    /// commit's state into its only child instead of cloning it.
    pub children: usize,
    /// Post files that differ from the first parent (every post file for a root commit),
    /// sorted by path.
    pub changes: Vec<FileChange>,
    /// Bytes of the blobs this walk had not yet handed out under that path.
    pub blobs: Vec<BlobContent>,
    /// Unreadable objects met in this commit; the commit is still delivered.
    pub warnings: Vec<Warning>,
}

/// The content of one post blob, tagged with the path it was read under (a post's date can
/// come from its file name, so the same bytes under another name are another parse).
#[derive(Debug, Clone)]
pub struct BlobContent {
    pub id: ObjectId,
    pub path: String,
    /// Shared with the reader that may keep it as the base of the next version's delta.
    pub bytes: std::sync::Arc<Vec<u8>>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_reads_back_from_the_hex_it_prints() {
        let hex = "0123456789abcdefABCDEF0123456789abcdef01";
        let id = ObjectId::from_hex(hex).expect("40 hex digits");
        assert_eq!(id.to_string(), hex.to_ascii_lowercase());
        assert_eq!(ObjectId::from_hex(&hex[..39]), None);
        assert_eq!(ObjectId::from_hex(&format!("{}g", &hex[..39])), None);
        assert_eq!(ObjectId::from_hex(&format!("{hex}0")), None);
    }
}
