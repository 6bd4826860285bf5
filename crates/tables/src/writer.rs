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

/// Folds a key to lower case as Postfix does for fixed-string tables: ASCII fast path;
/// other UTF-8 through Unicode lower-casing (Postfix uses ICU case folding when
/// `smtputf8_enable = yes`; the two differ only for a few characters such as `ß`).
pub fn fold(key: &str) -> Cow<'_, str> {
    if key.is_ascii() {
        if key.bytes().any(|b| b.is_ascii_uppercase()) {
            Cow::Owned(key.to_ascii_lowercase())
        } else {
            Cow::Borrowed(key)
        }
    } else {
        Cow::Owned(key.to_lowercase())
    }
}

/// `bytes` plus a trailing NUL when `nul`.
pub fn with_nul(bytes: &[u8], nul: bool) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + 1);
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

/// The entries of a table being written, in insertion order, with at most one per key.
#[derive(Debug, Default)]
pub struct EntrySet {
    slots: Vec<Option<Entry>>,
    index: HashMap<Box<[u8]>, usize>,
}

impl EntrySet {
    pub fn with_capacity(n: usize) -> EntrySet {
        EntrySet {
            slots: Vec::with_capacity(n),
            index: HashMap::with_capacity(n),
        }
    }

    /// Adds an entry read back from an existing file (update mode); later duplicates of a
    /// corrupt file are dropped.
    pub fn load(&mut self, entries: Vec<Entry>) {
        for (k, v) in entries {
            self.insert(k, v, Duplicates::KeepFirstQuiet);
        }
    }

    pub fn insert(&mut self, key: Box<[u8]>, value: Box<[u8]>, dup: Duplicates) -> Inserted {
        if let Some(&at) = self.index.get(&key) {
            if dup != Duplicates::Replace {
                return Inserted::Duplicate;
            }
            if let Some(slot) = self.slots.get_mut(at) {
                *slot = None;
            }
            self.index.insert(key.clone(), self.slots.len());
            self.slots.push(Some((key, value)));
            return Inserted::Replaced;
        }
        self.index.insert(key.clone(), self.slots.len());
        self.slots.push(Some((key, value)));
        Inserted::New
    }

    pub fn remove(&mut self, key: &[u8]) -> bool {
        match self.index.remove(key) {
            Some(at) => {
                if let Some(slot) = self.slots.get_mut(at) {
                    *slot = None;
                }
                true
            }
            None => false,
        }
    }

    pub fn len(&self) -> usize {
        self.index.len()
    }

    pub fn is_empty(&self) -> bool {
        self.index.is_empty()
    }

    /// The live entries in insertion order.
    pub fn into_entries(self) -> Vec<Entry> {
        self.slots.into_iter().flatten().collect()
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

/// The file a reader opens for `type:name`: `name` plus the suffix, as Postfix; when that
/// does not exist but `name` already ends with the suffix and exists, `name` itself (a
/// convenience Postfix does not offer: it reports `name.db.db` missing).
pub fn resolve_path(kind: Kind, name: &str) -> PathBuf {
    let path = file_path(kind, std::path::Path::new(name));
    if !path.exists() && name.ends_with(kind.suffix()) && std::path::Path::new(name).is_file() {
        return PathBuf::from(name);
    }
    path
}

/// Builds one table file of `kind` from scratch at `finish`.
#[derive(Debug)]
pub struct FileWriter {
    kind: Kind,
    path: PathBuf,
    set: EntrySet,
    dup: Duplicates,
    fold_case: bool,
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
            nul: opts.append_nul.unwrap_or(kind.default_nul()),
        }
    }

    fn key_bytes<'a>(&self, key: &'a str) -> Cow<'a, str> {
        if self.fold_case {
            fold(key)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn b(s: &str) -> Box<[u8]> {
        s.as_bytes().into()
    }

    #[test]
    fn duplicate_policies() {
        let mut set = EntrySet::default();
        assert_eq!(set.insert(b("a"), b("1"), Duplicates::KeepFirstWarn), Inserted::New);
        assert_eq!(set.insert(b("b"), b("2"), Duplicates::KeepFirstWarn), Inserted::New);
        assert_eq!(
            set.insert(b("a"), b("3"), Duplicates::KeepFirstWarn),
            Inserted::Duplicate
        );
        assert_eq!(
            set.insert(b("a"), b("4"), Duplicates::KeepFirstQuiet),
            Inserted::Duplicate
        );
        assert_eq!(set.insert(b("a"), b("5"), Duplicates::Replace), Inserted::Replaced);
        assert!(set.remove(b"b"));
        assert!(!set.remove(b"b"));
        assert_eq!(set.into_entries(), vec![(b("a"), b("5"))]);
    }

    #[test]
    fn folding_and_nul() {
        assert_eq!(fold("Foo@EXAMPLE.com"), "foo@example.com");
        assert_eq!(fold("ÄBC"), "äbc");
        assert!(matches!(fold("abc"), Cow::Borrowed(_)));
        assert_eq!(with_nul(b"x", true), b"x\0");
        assert_eq!(text(b"x\0"), "x");
        assert_eq!(file_path(Kind::Cdb, std::path::Path::new("/etc/x")), PathBuf::from("/etc/x.cdb"));
    }
}
