//! The byte layout of facteur's `hash:` and `btree:` files (`name.db`), reader and builder.
//!
//! All integers are little-endian. A file is a 64-byte header, an index, then the records:
//!
//! ```text
//! header   magic "fctr-idx" | version u32 = 1 | layout u32 (1 hash, 2 sorted)
//!          | flags u32 | reserved u32 = 0 | count u64 | slots u64
//!          | index_offset u64 | data_offset u64 | data_len u64
//! index    `slots` u64 cells (a power of two), open addressing with linear probing
//!          from `hash & (slots - 1)`; 0 = empty, otherwise
//!          (top 24 bits of the hash) << 40 | (record offset + 1)
//!          sorted layout only (btree:), then: `count` u64 record offsets in byte
//!          order of the keys, for listing in key order
//! records  klen u32 | vlen u32 | key | value, offsets relative to data_offset
//! ```
//!
//! Both layouts answer lookups through the hash index (a binary search over a large
//! mapped file costs a cache and TLB miss per step; the hash index costs one or two).
//!
//! Flags say which key forms the file holds: bit 0 some key stored with its trailing
//! NUL, bit 1 some key stored without. Lookups try only the forms present (Postfix tries
//! "with NUL" first, then "without").
//!
//! The hash is FNV-1a 64 over the key bytes as stored, finished with the murmur3 64-bit
//! mixer: fixed here for all time, since files outlive builds.
//!
//! Every read is bounds-checked: a truncated or corrupt file gives `FormatError`, never a
//! panic or a read outside the bytes.

use std::io::{self, Write};

use crate::writer::{Entry, RawEntry};

pub const MAGIC: &[u8; 8] = b"fctr-idx";
pub const VERSION: u32 = 1;
pub const HEADER_LEN: usize = 64;
pub const FLAG_NUL: u32 = 1;
pub const FLAG_NO_NUL: u32 = 2;
const OFFSET_BITS: u32 = 40;
const OFFSET_MASK: u64 = (1 << OFFSET_BITS) - 1;

/// How the index is organised.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// `hash:` open-addressing hash index; `-s` lists entries in slot order.
    Hash,
    /// `btree:` the hash index plus the offsets in key order; `-s` lists entries in key
    /// order, as a Berkeley DB btree does.
    Sorted,
}

impl Layout {
    fn code(self) -> u32 {
        match self {
            Layout::Hash => 1,
            Layout::Sorted => 2,
        }
    }
}

/// What is wrong with a file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("not a facteur indexed table (bad magic)")]
    BadMagic,
    #[error("unsupported indexed table version {0}")]
    Version(u32),
    #[error("table layout {found} where {expected} was expected")]
    Layout { found: u32, expected: u32 },
    #[error("truncated or corrupt table: {0}")]
    Corrupt(&'static str),
}

/// The hash of a stored key.
pub fn hash(key: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in key {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01b3);
    }
    h ^= h >> 33;
    h = h.wrapping_mul(0xff51_afd7_ed55_8ccd);
    h ^= h >> 33;
    h = h.wrapping_mul(0xc4ce_b9fe_1a85_ec53);
    h ^ (h >> 33)
}

fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    let s = b.get(at..at.checked_add(4)?)?;
    Some(u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    let s = b.get(at..at.checked_add(8)?)?;
    let mut a = [0u8; 8];
    a.copy_from_slice(s);
    Some(u64::from_le_bytes(a))
}

fn usize_of(v: u64) -> Result<usize, FormatError> {
    usize::try_from(v).map_err(|_| FormatError::Corrupt("size does not fit in memory"))
}

/// A parsed view of a file's bytes. Opening checks the header and that the index and
/// data regions lie inside the file; records are checked as they are read.
#[derive(Debug)]
pub struct Reader<B> {
    bytes: B,
    layout: Layout,
    flags: u32,
    count: usize,
    slots: usize,
    index: usize,
    data: usize,
    data_len: usize,
}

impl<B: AsRef<[u8]>> Reader<B> {
    pub fn new(bytes: B, expected: Layout) -> Result<Reader<B>, FormatError> {
        let b = bytes.as_ref();
        let corrupt = FormatError::Corrupt;
        if b.len() < HEADER_LEN {
            return Err(if b.len() >= 8 && &b[..8] != MAGIC {
                FormatError::BadMagic
            } else {
                corrupt("shorter than its header")
            });
        }
        if &b[..8] != MAGIC {
            return Err(FormatError::BadMagic);
        }
        let field32 = |at| u32_at(b, at).ok_or(corrupt("header"));
        let field64 = |at| u64_at(b, at).ok_or(corrupt("header")).and_then(usize_of);
        let version = field32(8)?;
        if version != VERSION {
            return Err(FormatError::Version(version));
        }
        let code = field32(12)?;
        if code != expected.code() {
            return Err(FormatError::Layout {
                found: code,
                expected: expected.code(),
            });
        }
        let flags = field32(16)?;
        let count = field64(24)?;
        let slots = field64(32)?;
        let index = field64(40)?;
        let data = field64(48)?;
        let data_len = field64(56)?;
        let cells = match expected {
            Layout::Hash => slots,
            Layout::Sorted => slots.checked_add(count).ok_or(corrupt("index size"))?,
        };
        let index_len = cells.checked_mul(8).ok_or(corrupt("index size"))?;
        let index_end = index.checked_add(index_len).ok_or(corrupt("index size"))?;
        let data_end = data.checked_add(data_len).ok_or(corrupt("data size"))?;
        if index < HEADER_LEN || index_end > b.len() || data < index_end || data_end > b.len() {
            return Err(corrupt("regions outside the file"));
        }
        if !slots.is_power_of_two() || count > slots {
            return Err(corrupt("hash index size"));
        }
        Ok(Reader {
            bytes,
            layout: expected,
            flags,
            count,
            slots,
            index,
            data,
            data_len,
        })
    }

    pub fn len(&self) -> usize {
        self.count
    }

    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    pub fn flags(&self) -> u32 {
        self.flags
    }

    fn cell(&self, i: usize) -> Result<u64, FormatError> {
        u64_at(self.bytes.as_ref(), self.index + i * 8).ok_or(FormatError::Corrupt("index"))
    }

    /// The key and value of the record at `offset` within the data region.
    fn record(&self, offset: u64) -> Result<(&[u8], &[u8]), FormatError> {
        let corrupt = FormatError::Corrupt("record");
        let off = usize::try_from(offset).map_err(|_| corrupt.clone())?;
        let data = self
            .bytes
            .as_ref()
            .get(self.data..self.data + self.data_len)
            .ok_or(corrupt.clone())?;
        let klen = u32_at(data, off).ok_or(corrupt.clone())? as usize;
        let vlen = u32_at(data, off.checked_add(4).ok_or(corrupt.clone())?)
            .ok_or(corrupt.clone())? as usize;
        let kstart = off.checked_add(8).ok_or(corrupt.clone())?;
        let vstart = kstart.checked_add(klen).ok_or(corrupt.clone())?;
        let vend = vstart.checked_add(vlen).ok_or(corrupt.clone())?;
        match (data.get(kstart..vstart), data.get(vstart..vend)) {
            (Some(k), Some(v)) => Ok((k, v)),
            _ => Err(corrupt),
        }
    }

    /// The value stored under exactly `key`.
    pub fn get(&self, key: &[u8]) -> Result<Option<&[u8]>, FormatError> {
        if self.count == 0 {
            return Ok(None);
        }
        let h = hash(key);
        let tag = h >> OFFSET_BITS;
        let mask = self.slots - 1;
        let mut i = (h as usize) & mask;
        // At most `slots` probes, so a corrupt full index cannot loop forever.
        for _ in 0..self.slots {
            let cell = self.cell(i)?;
            if cell == 0 {
                return Ok(None);
            }
            if cell >> OFFSET_BITS == tag {
                let (k, v) = self.record((cell & OFFSET_MASK).wrapping_sub(1))?;
                if k == key {
                    return Ok(Some(v));
                }
            }
            i = (i + 1) & mask;
        }
        Ok(None)
    }

    /// Every entry in the table's order (slot order for hash, key order for sorted).
    pub fn entries(&self) -> Result<Vec<RawEntry<'_>>, FormatError> {
        let mut out = Vec::with_capacity(self.count);
        match self.layout {
            Layout::Hash => {
                for i in 0..self.slots {
                    let cell = self.cell(i)?;
                    if cell != 0 {
                        out.push(self.record((cell & OFFSET_MASK).wrapping_sub(1))?);
                    }
                }
            }
            Layout::Sorted => {
                for i in 0..self.count {
                    out.push(self.record(self.cell(self.slots + i)?)?);
                }
            }
        }
        if out.len() != self.count {
            return Err(FormatError::Corrupt("entry count"));
        }
        Ok(out)
    }
}

/// The first 8 bytes of `key`, zero-padded, as a big-endian number.
fn prefix(key: &[u8]) -> u64 {
    let mut p = [0u8; 8];
    let n = key.len().min(8);
    p[..n].copy_from_slice(&key[..n]);
    u64::from_be_bytes(p)
}

/// Writes a complete file with `entries` (keys unique, as stored) to `out`.
pub fn build<W: Write>(layout: Layout, entries: &[Entry], out: &mut W) -> io::Result<()> {
    let too_big = || io::Error::new(io::ErrorKind::InvalidInput, "table too large");
    let mut flags = 0;
    let mut offsets = Vec::with_capacity(entries.len());
    let mut data_len: u64 = 0;
    for (k, v) in entries {
        flags |= if k.last() == Some(&0) {
            FLAG_NUL
        } else {
            FLAG_NO_NUL
        };
        offsets.push(data_len);
        let klen = u32::try_from(k.len()).map_err(|_| too_big())?;
        let vlen = u32::try_from(v.len()).map_err(|_| too_big())?;
        data_len += 8 + u64::from(klen) + u64::from(vlen);
    }
    if data_len >= OFFSET_MASK {
        return Err(too_big());
    }
    let slots = (entries.len() + entries.len() / 3)
        .max(8)
        .next_power_of_two();
    let mask = slots - 1;
    let mut index = vec![0u64; slots];
    for ((k, _), &off) in entries.iter().zip(&offsets) {
        let h = hash(k);
        let mut i = (h as usize) & mask;
        while index[i] != 0 {
            i = (i + 1) & mask;
        }
        index[i] = ((h >> OFFSET_BITS) << OFFSET_BITS) | (off + 1);
    }
    if layout == Layout::Sorted {
        // Sort on the first 8 key bytes held inline (zero-padded, big-endian, which
        // orders as the bytes do) and compare whole keys only on a tie: far fewer cache
        // misses than comparing boxed keys.
        let mut order: Vec<(u64, usize)> = entries
            .iter()
            .enumerate()
            .map(|(i, (k, _))| (prefix(k), i))
            .collect();
        order.sort_unstable_by(|a, b| {
            a.0.cmp(&b.0)
                .then_with(|| entries[a.1].0.cmp(&entries[b.1].0))
        });
        index.extend(order.into_iter().map(|(_, i)| offsets[i]));
    }
    let index_offset = HEADER_LEN as u64;
    let data_offset = index_offset + 8 * index.len() as u64;
    let mut header = Vec::with_capacity(HEADER_LEN);
    header.extend_from_slice(MAGIC);
    header.extend_from_slice(&VERSION.to_le_bytes());
    header.extend_from_slice(&layout.code().to_le_bytes());
    header.extend_from_slice(&flags.to_le_bytes());
    header.extend_from_slice(&0u32.to_le_bytes());
    for v in [
        entries.len() as u64,
        slots as u64,
        index_offset,
        data_offset,
        data_len,
    ] {
        header.extend_from_slice(&v.to_le_bytes());
    }
    out.write_all(&header)?;
    let mut buf = Vec::with_capacity(index.len() * 8);
    for cell in &index {
        buf.extend_from_slice(&cell.to_le_bytes());
    }
    out.write_all(&buf)?;
    for (k, v) in entries {
        out.write_all(&(k.len() as u32).to_le_bytes())?;
        out.write_all(&(v.len() as u32).to_le_bytes())?;
        out.write_all(k)?;
        out.write_all(v)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entries(n: usize) -> Vec<Entry> {
        (0..n)
            .map(|i| {
                (
                    format!("key{i}\0").into_bytes().into(),
                    format!("value {i}\0").into_bytes().into(),
                )
            })
            .collect()
    }

    fn built(layout: Layout, n: usize) -> Vec<u8> {
        let mut out = Vec::new();
        build(layout, &entries(n), &mut out).expect("build in memory");
        out
    }

    #[test]
    fn finds_every_key_in_both_layouts() -> Result<(), FormatError> {
        for layout in [Layout::Hash, Layout::Sorted] {
            let r = Reader::new(built(layout, 1000), layout)?;
            assert_eq!(r.len(), 1000);
            assert_eq!(r.flags(), FLAG_NUL);
            for i in 0..1000 {
                let v = r.get(format!("key{i}\0").as_bytes())?;
                assert_eq!(v, Some(format!("value {i}\0").as_bytes()));
            }
            assert_eq!(r.get(b"key1")?, None);
            assert_eq!(r.get(b"nope\0")?, None);
            assert_eq!(r.entries()?.len(), 1000);
        }
        Ok(())
    }

    #[test]
    fn sorted_entries_are_in_key_order() -> Result<(), FormatError> {
        let r = Reader::new(built(Layout::Sorted, 50), Layout::Sorted)?;
        let keys: Vec<&[u8]> = r.entries()?.into_iter().map(|(k, _)| k).collect();
        let mut sorted = keys.clone();
        sorted.sort();
        assert_eq!(keys, sorted);
        Ok(())
    }

    #[test]
    fn empty_table() -> Result<(), FormatError> {
        for layout in [Layout::Hash, Layout::Sorted] {
            let r = Reader::new(built(layout, 0), layout)?;
            assert_eq!(r.get(b"x")?, None);
            assert!(r.entries()?.is_empty());
        }
        Ok(())
    }

    #[test]
    fn rejects_wrong_magic_version_layout() {
        let good = built(Layout::Hash, 3);
        let mut bad = good.clone();
        bad[0] = b'X';
        assert_eq!(
            Reader::new(bad, Layout::Hash).err(),
            Some(FormatError::BadMagic)
        );
        let mut bad = good.clone();
        bad[8] = 9;
        assert_eq!(
            Reader::new(bad, Layout::Hash).err(),
            Some(FormatError::Version(9))
        );
        assert!(matches!(
            Reader::new(good, Layout::Sorted),
            Err(FormatError::Layout { .. })
        ));
    }

    #[test]
    fn every_truncation_is_an_error_or_a_clean_miss() {
        for layout in [Layout::Hash, Layout::Sorted] {
            let good = built(layout, 20);
            for len in 0..good.len() {
                if let Ok(r) = Reader::new(&good[..len], layout) {
                    let _ = r.get(b"key3\0");
                    let _ = r.entries();
                }
            }
        }
    }
}
