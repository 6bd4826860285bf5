//! The writer side shared by the indexed types (hash, btree, cdb, lmdb): key folding and
//! the trailing-NUL convention, the in-memory entry set with postmap's duplicate policy,
//! and the `TableWriter` that builds a whole file at `finish`.
//!
//! Owns: what bytes a key and value become on disk, which entry wins on a duplicate, the
//! order entries reach the file format (insertion order; a replaced key moves to the end,
//! as tinycdb's replace does). Never: the file layout itself (each type's module).

use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;

use crate::{CreateOptions, Duplicates, Inserted, TableError, TableWriter};

/// One stored entry, key and value exactly as on disk (with a trailing NUL when the
/// table uses one).
pub type Entry = (Box<[u8]>, Box<[u8]>);

/// One entry as a reader sees it in a file's bytes.
pub type RawEntry<'a> = (&'a [u8], &'a [u8]);

/// Folds a key to lower case as Postfix does for fixed-string tables. With `utf8`
/// (smtputf8_enable = yes) non-ASCII letters are folded too, by Unicode full case
/// folding as Postfix's ICU does (`casefold`: `ß` becomes `ss`); without it
/// (compatibility_level below 1) only ASCII letters are.
pub fn fold(key: &str, utf8: bool) -> Cow<'_, str> {
    if key.is_ascii() || !utf8 {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            Cow::Borrowed(key)
        }
    } else {
        Cow::Owned(crate::casefold::casefold(key))
    }
}

/// Looks `key` up through `get` in each stored form Postfix tries, in its order: the
/// key folded (when `fold_case`; Unicode letters too when `utf8`), with its trailing
/// NUL (when the table may hold such keys, `nul`), then without (`no_nul`).
pub fn probe<T, E>(
    key: &str,
    fold_case: bool,
    utf8: bool,
    nul: bool,
    no_nul: bool,
    mut get: impl FnMut(&[u8]) -> Result<Option<T>, E>,
) -> Result<Option<T>, E> {
    let k = if fold_case {
        fold(key, utf8)
    } else {
        Cow::Borrowed(key)
    };
    if nul {
        let mut buf = Vec::with_capacity(k.len() + 1);
        buf.extend_from_slice(k.as_bytes());
        buf.push(0);
        if let Some(v) = get(&buf)? {
            return Ok(Some(v));
        }
    }
    if no_nul {
        if let Some(v) = get(k.as_bytes())? {
            return Ok(Some(v));
        }
    }
    Ok(None)
}

/// `bytes` plus a trailing NUL when `nul`.
pub fn with_nul(bytes: &[u8], nul: bool) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + usize::from(nul));
    v.extend_from_slice(bytes);
    if nul {
        v.push(0);
    }
    v
}

/// `bytes` without one trailing NUL, as text (lossy for non-UTF-8 bytes).
pub fn text(bytes: &[u8]) -> String {
    let b = bytes.strip_suffix(&[0]).unwrap_or(bytes);
    String::from_utf8_lossy(b).into_owned()
}

/// The entries of a table being written, at most one per key, remembering the order in
/// which they were inserted.
#[derive(Debug, Default)]
pub struct EntrySet {
    /// key -> (insertion sequence, value); one copy of each key.
    map: HashMap<HashedKey, Sequenced, BuildIdentity>,
    next: u64,
}

/// A value and the insertion sequence number of its entry.
type Sequenced = (u64, Box<[u8]>);

/// A key with its hash computed once: growing the map then moves entries without
/// hashing every key again (which was most of the time spent building big tables).
#[derive(Debug, PartialEq, Eq)]
struct HashedKey {
    hash: u64,
    bytes: Box<[u8]>,
}

impl HashedKey {
    fn new(bytes: Box<[u8]>) -> HashedKey {
        HashedKey {
            hash: crate::indexed::hash(&bytes),
            bytes,
        }
    }
}

impl std::hash::Hash for HashedKey {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        state.write_u64(self.hash);
    }
}

/// Passes `HashedKey`'s precomputed (well-mixed) hash through. The keys come from the
/// administrator's own source file, so an unkeyed hash is fine.
#[derive(Debug, Default, Clone, Copy)]
struct BuildIdentity;

impl std::hash::BuildHasher for BuildIdentity {
    type Hasher = Identity;
    fn build_hasher(&self) -> Identity {
        Identity(0)
    }
}

#[derive(Debug)]
struct Identity(u64);

impl std::hash::Hasher for Identity {
    fn write(&mut self, bytes: &[u8]) {
        // Only `write_u64` is used by `HashedKey`; fold anything else in anyway.
        for &b in bytes {
            self.0 = (self.0 ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    fn write_u64(&mut self, v: u64) {
        self.0 = v;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

impl EntrySet {
    /// Adds entries read back from an existing file (update mode); a later duplicate in
    /// a file that has some is dropped.
    pub fn load(&mut self, entries: Vec<Entry>) {
        self.map.reserve(entries.len());
        for (k, v) in entries {
            self.insert(k, v, Duplicates::KeepFirstQuiet);
        }
    }

    pub fn insert(&mut self, key: Box<[u8]>, value: Box<[u8]>, dup: Duplicates) -> Inserted {
        let seq = self.next;
        self.next += 1;
        match self.map.entry(HashedKey::new(key)) {
            std::collections::hash_map::Entry::Occupied(mut old) => {
                if dup != Duplicates::Replace {
                    return Inserted::Duplicate;
                }
                // A replaced key moves to the end, as with tinycdb's replace.
                *old.get_mut() = (seq, value);
                Inserted::Replaced
            }
            std::collections::hash_map::Entry::Vacant(slot) => {
                slot.insert((seq, value));
                Inserted::New
            }
        }
    }

    pub fn remove(&mut self, key: &[u8]) -> bool {
        self.map.remove(&HashedKey::new(key.into())).is_some()
    }

    pub fn len(&self) -> usize {
        self.map.len()
    }

    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// The live entries in insertion order.
    pub fn into_entries(self) -> Vec<Entry> {
        let mut all: Vec<(u64, Entry)> = self
            .map
            .into_iter()
            .map(|(k, (seq, v))| (seq, (k.bytes, v)))
            .collect();
        all.sort_unstable_by_key(|(seq, _)| *seq);
        all.into_iter().map(|(_, e)| e).collect()
    }
}

/// The file types a `TableWriter` can build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Hash,
    Btree,
    Cdb,
    Lmdb,
}

impl Kind {
    pub fn parse(kind: &str) -> Result<Kind, TableError> {
        match kind {
            "hash" => Ok(Kind::Hash),
            "btree" => Ok(Kind::Btree),
            "cdb" => Ok(Kind::Cdb),
            "lmdb" => Ok(Kind::Lmdb),
            other => Err(TableError::UnsupportedType(other.to_string())),
        }
    }

    /// The file name suffix (`hash:/etc/x` is the file `/etc/x.db`).
    pub fn suffix(self) -> &'static str {
        match self {
            Kind::Hash | Kind::Btree => ".db",
            Kind::Cdb => ".cdb",
            Kind::Lmdb => ".lmdb",
        }
    }

    /// Whether Postfix's postmap appends a NUL to keys and values by default: yes for
    /// Berkeley DB and LMDB, no for cdb (checked with `od -c` on Postfix 3.7 output).
    pub fn default_nul(self) -> bool {
        !matches!(self, Kind::Cdb)
    }
}

/// Postfix's naming: `type:/etc/x` is the file `/etc/x` plus the type's suffix.
pub fn file_path(kind: Kind, name: &std::path::Path) -> PathBuf {
    let mut s = name.as_os_str().to_os_string();
    s.push(kind.suffix());
    PathBuf::from(s)
}

/// The file a reader opens for `type:name`: `name` plus the suffix, always, as Postfix
/// (`cdb:/x/t.cdb` opens `/x/t.cdb.cdb` and reports it missing).
pub fn resolve_path(kind: Kind, name: &str) -> PathBuf {
    file_path(kind, std::path::Path::new(name))
}

/// Builds one table file of `kind` from scratch at `finish`.
#[derive(Debug)]
pub struct FileWriter {
    kind: Kind,
    path: PathBuf,
    set: EntrySet,
    dup: Duplicates,
    fold_case: bool,
    utf8: bool,
    nul: bool,
}

impl FileWriter {
    pub fn new(kind: Kind, path: PathBuf, opts: &CreateOptions, set: EntrySet) -> FileWriter {
        FileWriter {
            kind,
            path,
            set,
            dup: opts.duplicates,
            fold_case: opts.fold_case,
            utf8: opts.utf8,
            nul: opts.append_nul.unwrap_or(kind.default_nul()),
        }
    }

    fn key_bytes<'a>(&self, key: &'a str) -> Cow<'a, str> {
        if self.fold_case {
            fold(key, self.utf8)
        } else {
            Cow::Borrowed(key)
        }
    }
}

impl TableWriter for FileWriter {
    fn insert(&mut self, key: &str, value: &str) -> Result<Inserted, TableError> {
        let k = self.key_bytes(key);
        let k = with_nul(k.as_bytes(), self.nul).into_boxed_slice();
        let v = with_nul(value.as_bytes(), self.nul).into_boxed_slice();
        Ok(self.set.insert(k, v, self.dup))
    }

    /// Removes the key stored with or without its trailing NUL (both, if a table mixes).
    fn delete(&mut self, key: &str) -> Result<bool, TableError> {
        let k = self.key_bytes(key);
        let with = self.set.remove(&with_nul(k.as_bytes(), true));
        let without = self.set.remove(k.as_bytes());
        Ok(with || without)
    }

    fn finish(self: Box<Self>) -> Result<(), TableError> {
        let this = *self;
        let entries = this.set.into_entries();
        match this.kind {
            Kind::Hash => crate::indexed::write(crate::indexed::Layout::Hash, &this.path, entries),
            Kind::Btree => {
                crate::indexed::write(crate::indexed::Layout::Sorted, &this.path, entries)
            }
            Kind::Cdb => crate::cdb::write(&this.path, entries),
            Kind::Lmdb => crate::lmdb::write(&this.path, entries),
        }
    }
}

/// Test helper: the `key value` pairs of a small table source file, as postmap
/// reads them (`texthash::parse_source`, keys not folded).
#[cfg(test)]
pub fn source_pairs(text: &str) -> Vec<(String, String)> {
    crate::texthash::parse_source("test", text, false)
        .0
        .into_iter()
        .map(|e| (e.key, e.value))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Box<[u8]> {
        s.as_bytes().into()
    }

    #[test]
    fn duplicate_policies() {
        let mut set = EntrySet::default();
        assert_eq!(
            set.insert(b("a"), b("1"), Duplicates::KeepFirstWarn),
            Inserted::New
        );
        assert_eq!(
            set.insert(b("b"), b("2"), Duplicates::KeepFirstWarn),
            Inserted::New
        );
        assert_eq!(
            set.insert(b("a"), b("3"), Duplicates::KeepFirstWarn),
            Inserted::Duplicate
        );
        assert_eq!(
            set.insert(b("a"), b("4"), Duplicates::KeepFirstQuiet),
            Inserted::Duplicate
        );
        assert_eq!(
            set.insert(b("a"), b("5"), Duplicates::Replace),
            Inserted::Replaced
        );
        assert!(set.remove(b"b"));
        assert!(!set.remove(b"b"));
        assert_eq!(set.into_entries(), vec![(b("a"), b("5"))]);
    }

    #[test]
    fn folding_and_nul() {
        assert_eq!(fold("Foo@EXAMPLE.com", true), "foo@example.com");
        assert_eq!(fold("ÄBC", true), "äbc");
        assert_eq!(fold("ÄBC", false), "Äbc");
        assert_eq!(fold("STRAẞE", true), "strasse");
        assert!(matches!(fold("abc", true), Cow::Borrowed(_)));
        assert_eq!(with_nul(b"x", true), b"x\0");
        assert_eq!(text(b"x\0"), "x");
        assert_eq!(
            file_path(Kind::Cdb, std::path::Path::new("/etc/x")),
            PathBuf::from("/etc/x.cdb")
        );
    }
}
