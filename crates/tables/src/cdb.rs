//! `cdb:` tables (`name.cdb`), byte-compatible with the tinycdb files Postfix's postmap
//! writes: facteur reads files Postfix built and Postfix reads files facteur built.
//!
//! The cdb format (D. J. Bernstein's, as tinycdb implements it), little-endian u32s:
//! 256 (position, slot count) pairs at the start, the records (`klen vlen key value`)
//! from byte 2048 in insertion order, then 256 hash tables of (hash, record position)
//! slots. A key's hash is `h = 5381; h = (h * 33) ^ byte`; table `h & 255`, first slot
//! `(h >> 8) % slots`, linear probing; each table has twice as many slots as records.
//!
//! Postfix's postmap writes cdb keys and values without a trailing NUL (unlike its
//! Berkeley DB and LMDB tables) and lowercases keys unless `-f`; its lookups try the key
//! with a NUL, then without. facteur does the same. Postfix cannot list a cdb table
//! (`postmap -s` says "sequence operation is not supported"); facteur can, in file order.
//!
//! Owns: the cdb reader and writer. Never: modifies a file in place.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::Arc;

use crate::mapped::{self, Bytes};
use crate::writer::{self, Entry, Kind, RawEntry};
use crate::{OpenOptions, Table, TableError};

const HEADER: usize = 2048;

/// The cdb hash of a key (as stored).
pub fn hash(key: &[u8]) -> u32 {
    key.iter().fold(5381u32, |h, &b| {
        h.wrapping_shl(5).wrapping_add(h) ^ u32::from(b)
    })
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// What is wrong with a cdb file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("truncated or corrupt cdb file: {0}")]
pub struct CorruptCdb(&'static str);

/// A cdb file's bytes with bounds-checked access.
#[derive(Debug)]
pub struct Cdb<B> {
    bytes: B,
}

impl<B: AsRef<[u8]>> Cdb<B> {
    /// Checks the file is at least as long as its header.
    pub fn new(bytes: B) -> Result<Cdb<B>, CorruptCdb> {
        if bytes.as_ref().len() < HEADER {
            return Err(CorruptCdb("shorter than its 2048-byte header"));
        }
        Ok(Cdb { bytes })
    }

    fn at(&self, pos: usize) -> Result<u32, CorruptCdb> {
        u32_at(self.bytes.as_ref(), pos).ok_or(CorruptCdb("position outside the file"))
    }

    /// The key and value of the record at `pos`.
    fn record(&self, pos: usize) -> Result<(&[u8], &[u8]), CorruptCdb> {
        let b = self.bytes.as_ref();
        let klen = self.at(pos)? as usize;
        let vlen = self.at(pos.saturating_add(4))? as usize;
        let k = pos.saturating_add(8);
        let v = k.saturating_add(klen);
        match (b.get(k..v), b.get(v..v.saturating_add(vlen))) {
            (Some(key), Some(value)) => Ok((key, value)),
            _ => Err(CorruptCdb("record outside the file")),
        }
    }

    /// The first value stored under exactly `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<&[u8]>, CorruptCdb> {
        let h = hash(key);
        let t = (h & 255) as usize * 8;
        let pos = self.at(t)? as usize;
        let slots = self.at(t + 4)? as usize;
        if slots == 0 {
            return Ok(None);
        }
        let mut i = (h >> 8) as usize % slots;
        for _ in 0..slots {
            let slot = pos.saturating_add(i.saturating_mul(8));
            let rpos = self.at(slot.saturating_add(4))? as usize;
            if rpos == 0 {
                return Ok(None);
            }
            if self.at(slot)? == h {
                let (k, v) = self.record(rpos)?;
                if k == key {
                    return Ok(Some(v));
                }
            }
            i = if i + 1 == slots { 0 } else { i + 1 };
        }
        Ok(None)
    }

    /// Every record in file order (records run from the header to the first hash table).
    pub fn entries(&self) -> Result<Vec<RawEntry<'_>>, CorruptCdb> {
        let mut end = self.bytes.as_ref().len();
        for t in 0..256 {
            end = end.min(self.at(t * 8)? as usize);
        }
        let mut out = Vec::new();
        let mut pos = HEADER;
        while pos < end {
            let (k, v) = self.record(pos)?;
            pos += 8 + k.len() + v.len();
            out.push((k, v));
        }
        Ok(out)
    }
}

/// Writes a cdb file with `entries` (keys unique, as stored) to `out`, laid out exactly
/// as tinycdb's `cdb_make` does.
pub fn build<W: Write>(entries: &[Entry], out: &mut W) -> std::io::Result<()> {
    let too_big = || std::io::Error::new(std::io::ErrorKind::InvalidInput, "cdb file over 4 GB");
    let mut buckets: Vec<Vec<(u32, u32)>> = vec![Vec::new(); 256];
    let mut pos = HEADER as u64;
    for (k, v) in entries {
        let h = hash(k);
        buckets[(h & 255) as usize].push((h, u32::try_from(pos).map_err(|_| too_big())?));
        pos += 8 + k.len() as u64 + v.len() as u64;
    }
    let mut header = Vec::with_capacity(HEADER);
    let mut tables = Vec::new();
    for bucket in &buckets {
        let slots = bucket.len() * 2;
        header.extend_from_slice(&u32::try_from(pos).map_err(|_| too_big())?.to_le_bytes());
        header.extend_from_slice(&(slots as u32).to_le_bytes());
        let mut cells = vec![(0u32, 0u32); slots];
        for &(h, rpos) in tinycdb_order(bucket) {
            let mut i = (h >> 8) as usize % slots;
            while cells[i].1 != 0 {
                i = if i + 1 == slots { 0 } else { i + 1 };
            }
            cells[i] = (h, rpos);
        }
        for (h, rpos) in cells {
            tables.extend_from_slice(&h.to_le_bytes());
            tables.extend_from_slice(&rpos.to_le_bytes());
        }
        pos += slots as u64 * 8;
    }
    u32::try_from(pos).map_err(|_| too_big())?;
    out.write_all(&header)?;
    for (k, v) in entries {
        out.write_all(&(k.len() as u32).to_le_bytes())?;
        out.write_all(&(v.len() as u32).to_le_bytes())?;
        out.write_all(k)?;
        out.write_all(v)?;
    }
    out.write_all(&tables)
}

/// The order in which tinycdb places a bucket's records into its hash table, which
/// decides who wins a slot on collision: insertion order (checked byte for byte against
/// Postfix's postmap with 150,000 keys, hundreds per bucket).
fn tinycdb_order(bucket: &[(u32, u32)]) -> impl Iterator<Item = &(u32, u32)> {
    bucket.iter()
}

/// An open `cdb:` table.
#[derive(Debug)]
pub struct CdbTable {
    spec: String,
    path: String,
    cdb: Cdb<Bytes>,
    fold_case: bool,
    utf8: bool,
}

/// Opens `cdb:name` (the file `name.cdb`).
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    Ok(Arc::new(open_table(name, opts)?))
}

/// Like `open`, with the concrete type.
pub fn open_table(name: &str, opts: &OpenOptions) -> Result<CdbTable, TableError> {
    let path = writer::resolve_path(Kind::Cdb, name);
    let display = path.display().to_string();
    let open_err = |source| TableError::Open {
        path: display.clone(),
        source,
    };
    let file = File::open(&path).map_err(open_err)?;
    let bytes = mapped::map(&file).map_err(open_err)?;
    let cdb = Cdb::new(bytes).map_err(|e| TableError::Malformed(format!("{display}: {e}")))?;
    Ok(CdbTable {
        spec: format!("cdb:{name}"),
        path: display,
        cdb,
        fold_case: opts.fold_case,
        utf8: opts.utf8,
    })
}

impl Table for CdbTable {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        writer::probe(key, self.fold_case, self.utf8, true, true, |k| {
            self.cdb.get(k)
        })
        .map(|v| v.map(writer::text))
        .map_err(|e| TableError::Malformed(format!("{}: {e}", self.path)))
    }

    fn spec(&self) -> &str {
        &self.spec
    }

    fn entries(&self) -> Result<Vec<(String, String)>, TableError> {
        let list = self
            .cdb
            .entries()
            .map_err(|e| TableError::Malformed(format!("{}: {e}", self.path)))?;
        Ok(list
            .into_iter()
            .map(|(k, v)| (writer::text(k), writer::text(v)))
            .collect())
    }
}

/// Writes `entries` as a complete cdb file at `path`, replacing it atomically.
pub fn write(path: &Path, entries: Vec<Entry>) -> Result<(), TableError> {
    let temp = crate::atomic_file::create(path)?;
    let io = |source| TableError::Open {
        path: temp.path().display().to_string(),
        source,
    };
    let mut out = BufWriter::with_capacity(1 << 20, temp.file());
    build(&entries, &mut out).map_err(io)?;
    out.into_inner().map_err(|e| io(e.into_error()))?;
    crate::atomic_file::commit(temp, path)
}

/// Every record of the cdb file at `path`, as stored (update mode).
pub fn read_all(path: &Path) -> Result<Vec<Entry>, TableError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| TableError::Open {
        path: display.clone(),
        source,
    })?;
    let cdb = Cdb::new(bytes).map_err(|e| TableError::Malformed(format!("{display}: {e}")))?;
    let list = cdb
        .entries()
        .map_err(|e| TableError::Malformed(format!("{display}: {e}")))?;
    Ok(list
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect())
}

#[cfg(test)]
mod tests;
