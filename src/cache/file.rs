//! The cache file's framing: parts, each with its place and checksum, an index found by a
//! trailer at the end, and the two ways to write: a whole new file renamed into place, or an
//! append under a lock to the file a run read.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::FORMAT_VERSION;

pub(super) const MAGIC: &[u8; 8] = b"ggcache\n";
pub(super) const TRAILER_MAGIC: &[u8; 8] = b"ggindex\n";
/// Magic and format version.
pub(super) const START_LEN: u64 = 12;
/// Where the index is, its length and checksum, and the trailer's magic.
pub(super) const TRAILER_LEN: u64 = 32;
pub(super) const FILE_NAME: &str = "cache-v1.bin";

/// Where a part of the file is, and its checksum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub(super) struct Span {
    pub(super) at: u64,
    pub(super) len: u64,
    pub(super) checksum: u64,
}

pub(super) fn read_at(file: &std::fs::File, at: u64, len: u64) -> Option<Vec<u8>> {
    let mut file = file;
    file.seek(SeekFrom::Start(at)).ok()?;
    let mut bytes = vec![0; usize::try_from(len).ok()?];
    file.read_exact(&mut bytes).ok()?;
    Some(bytes)
}

pub(super) fn read_span(file: &std::fs::File, span: Span) -> Option<Vec<u8>> {
    let bytes = read_at(file, span.at, span.len)?;
    (checksum(&bytes) == span.checksum).then_some(bytes)
}

/// How old a temporary cache file must be before it counts as left by a killed writer when
/// whether its writer is alive cannot be told: far longer than any write takes, so a writer at
/// work is never disturbed.
pub(super) const ABANDONED_AFTER: Duration = Duration::from_secs(600);

/// Removes temporary files that writers killed mid-write left behind (best effort): those
/// whose writer (the process id in the name, `cache-v1.bin.<pid>.tmp`) is no longer running,
/// and any older than [`ABANDONED_AFTER`]. Every run that uses the cache calls it, so a kill
/// leaves its temporary only until the next run.
pub(super) fn remove_abandoned_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{FILE_NAME}.");
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let Some(writer) = name
            .strip_prefix(&prefix)
            .and_then(|rest| rest.strip_suffix(".tmp"))
        else {
            continue;
        };
        let dead_writer = writer
            .parse::<u32>()
            .ok()
            .filter(|&pid| pid != std::process::id())
            .is_some_and(|pid| process_is_gone(pid) == Some(true));
        let old = entry
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|modified| modified.elapsed().ok())
            .is_some_and(|age| age > ABANDONED_AFTER);
        if dead_writer || old {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether no process `pid` is running: `Some` only where the system says so for sure
/// (`/proc` on Linux); `None` elsewhere, where the age alone decides.
fn process_is_gone(pid: u32) -> Option<bool> {
    let proc = Path::new("/proc");
    if !proc.join("self").exists() {
        return None;
    }
    match std::fs::symlink_metadata(proc.join(pid.to_string())) {
        Ok(_) => Some(false),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Some(true),
        Err(_) => None,
    }
}

/// Where new parts go: a whole new file under a temporary name, or the end of the file read.
pub(super) enum Output {
    Whole {
        file: std::io::BufWriter<std::fs::File>,
        temporary: PathBuf,
    },
    /// Kept in memory until the lock is held, so the lock is held only while writing; the
    /// file must still be `length` bytes long.
    Append { bytes: Vec<u8>, length: u64 },
}

/// The output, with a running checksum of what went through.
pub(super) struct Summed<'a> {
    output: &'a mut Output,
    sum: Checksum,
}

impl<'a> Summed<'a> {
    fn new(output: &'a mut Output) -> Summed<'a> {
        Summed {
            output,
            sum: Checksum::default(),
        }
    }
}

impl Write for Summed<'_> {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        match self.output {
            Output::Whole { file, .. } => file.write_all(bytes)?,
            Output::Append { bytes: kept, .. } => kept.extend_from_slice(bytes),
        }
        self.sum.update(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Writes parts one after another and knows where each landed.
pub(super) struct Writer {
    output: Output,
    /// Where the next byte lands in the file.
    at: u64,
}

impl Writer {
    pub(super) fn whole(path: &Path) -> std::io::Result<Writer> {
        let dir = path
            .parent()
            .ok_or_else(|| std::io::Error::other("the cache path has no directory"))?;
        std::fs::create_dir_all(dir)?;
        remove_abandoned_temporaries(dir);
        // One temporary name per process, so two writers never write into the same file.
        let temporary = dir.join(format!("{FILE_NAME}.{}.tmp", std::process::id()));
        let mut file = std::io::BufWriter::new(std::fs::File::create(&temporary)?);
        let written = file
            .write_all(MAGIC)
            .and_then(|()| file.write_all(&FORMAT_VERSION.to_le_bytes()));
        if let Err(e) = written {
            drop(file);
            let _ = std::fs::remove_file(&temporary);
            return Err(e);
        }
        Ok(Writer {
            output: Output::Whole { file, temporary },
            at: START_LEN,
        })
    }

    /// Drops a write that went wrong: a whole file's temporary is removed.
    pub(super) fn abandon(self) {
        if let Output::Whole { file, temporary } = self.output {
            drop(file);
            let _ = std::fs::remove_file(&temporary);
        }
    }

    pub(super) fn append(length: u64) -> Writer {
        Writer {
            output: Output::Append {
                bytes: Vec::new(),
                length,
            },
            at: length,
        }
    }

    pub(super) fn part(&mut self, bytes: &[u8]) -> std::io::Result<Span> {
        let mut summed = Summed::new(&mut self.output);
        summed.write_all(bytes)?;
        let sum = summed.sum;
        Ok(self.landed(sum))
    }

    /// Encodes `value` straight into the output: a large part (the ledger) is never held
    /// encoded in memory as well.
    pub(super) fn encoded<T: Serialize>(&mut self, value: &T) -> std::io::Result<Span> {
        let sum = postcard::to_io(value, Summed::new(&mut self.output))
            .map_err(std::io::Error::other)?
            .sum;
        Ok(self.landed(sum))
    }

    /// The span of the part just written, whose bytes `sum` saw.
    fn landed(&mut self, sum: Checksum) -> Span {
        let span = Span {
            at: self.at,
            len: sum.len,
            checksum: sum.finish(),
        };
        self.at += span.len;
        span
    }

    /// Writes the index and the trailer and puts the new state in place: renames the whole
    /// file, or appends to `read`, the file the state was read from, when it is still the
    /// length it was read at.
    pub(super) fn finish<T: Serialize>(
        mut self,
        path: &Path,
        index: &T,
        read: Option<&std::fs::File>,
    ) -> std::io::Result<()> {
        let span = self.encoded(index)?;
        let mut trailer = Vec::with_capacity(TRAILER_LEN as usize);
        for word in [span.at, span.len, span.checksum] {
            trailer.extend_from_slice(&word.to_le_bytes());
        }
        trailer.extend_from_slice(TRAILER_MAGIC);
        match self.output {
            Output::Whole {
                mut file,
                temporary,
            } => {
                let written = file
                    .write_all(&trailer)
                    .and_then(|()| file.flush())
                    .and_then(|()| {
                        drop(file);
                        std::fs::rename(&temporary, path)
                    });
                if written.is_err() {
                    let _ = std::fs::remove_file(&temporary);
                }
                written
            }
            Output::Append { mut bytes, length } => {
                bytes.extend_from_slice(&trailer);
                let read = read.ok_or_else(|| std::io::Error::other("nothing to append to"))?;
                let mut file = std::fs::File::options().append(true).open(path)?;
                file.lock()?;
                // Still the file that was read, and nobody appended since?
                let same =
                    file.metadata()?.len() == length && same_file(&file, read).unwrap_or(false);
                let written = if same {
                    // A write cut short (a full disk) is taken back: the file stays as it was.
                    file.write_all(&bytes)
                        .inspect_err(|_| drop(file.set_len(length)))
                } else {
                    Ok(())
                };
                let _ = file.unlock();
                written
            }
        }
    }
}

/// Whether two handles are one file (an append must not land in a file renamed into place
/// since the other was opened).
#[cfg(unix)]
pub(super) fn same_file(a: &std::fs::File, b: &std::fs::File) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt;
    let (a, b) = (a.metadata()?, b.metadata()?);
    Ok(a.dev() == b.dev() && a.ino() == b.ino())
}

/// Without a portable way to tell, never append: a whole rewrite is always safe.
#[cfg(not(unix))]
pub(super) fn same_file(_: &std::fs::File, _: &std::fs::File) -> std::io::Result<bool> {
    Ok(false)
}

/// A fast 64-bit checksum of the payload (damage detection, not security): a multiply-rotate
/// over 8-byte words, then the length.
pub(super) fn checksum(bytes: &[u8]) -> u64 {
    let mut sum = Checksum::default();
    sum.update(bytes);
    sum.finish()
}

/// [`checksum`] fed piece by piece, so a part can be checked while it is written out.
#[derive(Default)]
pub(super) struct Checksum {
    hash: u64,
    pub(super) len: u64,
    /// Bytes of a word not yet complete.
    pending: [u8; 8],
    filled: usize,
}

impl Checksum {
    const K: u64 = 0x9fb2_1c65_1e98_df25;

    fn word(&mut self, word: [u8; 8]) {
        self.hash = (self.hash ^ u64::from_le_bytes(word))
            .wrapping_mul(Self::K)
            .rotate_left(29);
    }

    pub(super) fn update(&mut self, mut bytes: &[u8]) {
        self.len += bytes.len() as u64;
        if self.filled > 0 {
            let take = bytes.len().min(8 - self.filled);
            self.pending[self.filled..self.filled + take].copy_from_slice(&bytes[..take]);
            self.filled += take;
            bytes = &bytes[take..];
            if self.filled < 8 {
                return;
            }
            self.word(self.pending);
            self.filled = 0;
        }
        let mut words = bytes.chunks_exact(8);
        for word in &mut words {
            let mut value = [0u8; 8];
            value.copy_from_slice(word);
            self.word(value);
        }
        let rest = words.remainder();
        self.pending[..rest.len()].copy_from_slice(rest);
        self.filled = rest.len();
    }

    pub(super) fn finish(mut self) -> u64 {
        let mut last = [0u8; 8];
        last[..self.filled].copy_from_slice(&self.pending[..self.filled]);
        self.word(last);
        let hash = (self.hash ^ self.len).wrapping_mul(Self::K);
        hash ^ (hash >> 32)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_checksum_fed_in_pieces_equals_one_fed_whole() {
        let bytes: Vec<u8> = (0..61u8).map(|b| b.wrapping_mul(37)).collect();
        let whole = checksum(&bytes);
        for first in 0..bytes.len() {
            for second in first..bytes.len() {
                let mut sum = Checksum::default();
                sum.update(&bytes[..first]);
                sum.update(&bytes[first..second]);
                sum.update(&bytes[second..]);
                assert_eq!(sum.finish(), whole, "split at {first} and {second}");
            }
        }
    }

    #[test]
    fn checksum_sees_a_change_in_any_byte_and_in_length() {
        let bytes: Vec<u8> = (0..100u8).collect();
        let base = checksum(&bytes);
        for i in 0..bytes.len() {
            let mut changed = bytes.clone();
            changed[i] ^= 0x40;
            assert_ne!(checksum(&changed), base, "byte {i}");
        }
        assert_ne!(checksum(&bytes[..99]), base);
        let mut padded = bytes.clone();
        padded.push(0);
        assert_ne!(checksum(&padded), base);
    }
}
