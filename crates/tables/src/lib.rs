//! Lookup tables `type:name` with Postfix's semantics (Postfix `util/dict_*.c`,
//! `global/maps.c`).
//!
//! Owns: opening a table from its `type:name` spec, answering lookups from memory or a
//! mapped file, writing the indexed types for postmap/postalias, and the key search
//! orders of access(5), virtual(5), canonical(5), aliases(5), transport(5).
//! Never: reads main.cf (callers pass what a table needs in `OpenOptions`), or re-reads
//! a file per query (a table is opened once; `registry` reopens it when it changes).

pub mod aliases;
mod atomic_file;
pub mod casefold;
pub mod cdb;
pub mod cidr;
pub mod fail;
pub mod indexed;
pub mod inline;
pub mod lmdb;
pub mod mapped;
pub mod pipemap;
pub mod regexp;
pub mod registry;
pub mod search;
pub mod source;
pub mod static_map;
pub mod texthash;
pub mod unionmap;
pub mod writer;

use std::path::Path;
use std::sync::Arc;

/// Why a table could not be opened, read or written.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// `type:name` names no table type facteur has.
    #[error("unsupported dictionary type: {0}")]
    UnsupportedType(String),
    /// The spec is not of the form `type:name`.
    #[error("{0}")]
    BadSpec(String),
    /// A file could not be opened or read; `path` names it.
    #[error("open database {path}: {source}")]
    Open {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A table's source file could not be opened or read (the non-indexed types,
    /// Postfix's `open PATH: reason`).
    #[error("open {path}: {}", strerror(source))]
    OpenSource {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// A table file is malformed in a way that stops it from being used at all
    /// (Postfix's `fatal:` cases); `what` says where.
    #[error("{0}")]
    Malformed(String),
    /// The table type cannot do this operation, as Postfix's `table cdb:/x.cdb:
    /// sequence operation is not supported`.
    #[error("table {spec}: {operation} operation is not supported")]
    NotSupported {
        spec: String,
        operation: &'static str,
    },
    /// A lookup (`operation` "query") or a listing ("sequence") could not be
    /// answered: a `fail:` table, or a table inside a `unionmap:` or `pipemap:` that
    /// failed; `spec` is the table that was asked.
    #[error("table {spec}: {operation} error: {reason}")]
    Query {
        spec: String,
        operation: &'static str,
        reason: String,
    },
    /// Any other I/O error during a lookup or an update.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// An I/O error as `strerror` words it (without Rust's ` (os error N)`).
fn strerror(e: &std::io::Error) -> String {
    let s = e.to_string();
    match s.rfind(" (os error ") {
        Some(i) => s[..i].to_string(),
        None => s,
    }
}

/// What a caller tells a table when it opens it: the flags Postfix's dict layer keeps.
#[derive(Debug, Clone)]
pub struct OpenOptions {
    /// Fold fixed-string lookup keys to lower case (Postfix DICT_FLAG_FOLD_FIX; on by
    /// default, `postmap -f` turns it off).
    pub fold_case: bool,
    /// smtputf8_enable: fold non-ASCII letters too (Postfix's UTF-8 mode). Off, as
    /// with compatibility_level below 1, only ASCII letters are folded.
    pub utf8: bool,
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            fold_case: true,
            utf8: true,
        }
    }
}

/// One open table. Lookups never touch the table's source file again.
pub trait Table: Send + Sync + std::fmt::Debug {
    /// The value stored for `key`, `Ok(None)` when there is none. Keys are as the
    /// caller has them; the table folds case itself when its options say so.
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError>;

    /// The `type:name` this table was opened from, for log lines.
    fn spec(&self) -> &str;

    /// Every entry, in the table's own order, for `postmap -s` / `postalias -s`: hash
    /// order for `hash:`, key order for `btree:` and `lmdb:`, file order for `cdb:`.
    /// Keys and values without their trailing NUL. Types that cannot list (Postfix's
    /// "sequence operation is not supported") keep this default.
    fn entries(&self) -> Result<Vec<(String, String)>, TableError> {
        Err(TableError::NotSupported {
            spec: self.spec().to_string(),
            operation: "sequence",
        })
    }

    /// The warnings Postfix would have printed while opening this table (bad lines
    /// and the like), in order, without the `program: warning: ` prefix.
    fn warnings(&self) -> &[source::Warning] {
        &[]
    }

    /// Whether this is a pattern table (regexp, pcre, cidr) that Postfix asks only
    /// with full keys, never with the partial keys of a search order (`user@domain`
    /// without its extension, `domain`, `user@`): see `search`.
    fn is_pattern(&self) -> bool {
        false
    }
}

/// Opens `spec` (`type:name`, or `inline:{...}` and the other braced forms).
pub fn open(spec: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let (kind, name) = split_spec(spec)?;
    match kind {
        "hash" | "btree" => indexed::open(kind, name, opts),
        "cdb" => cdb::open(name, opts),
        "lmdb" => lmdb::open(name, opts),
        "texthash" => texthash::open(name, opts),
        "inline" => inline::open(name, opts),
        "static" => static_map::open(name, opts),
        "fail" => fail::open(name, opts),
        "regexp" => regexp::open_regexp(name, opts),
        "pcre" => regexp::open_pcre(name, opts),
        "cidr" => cidr::open(name, opts),
        "unionmap" => unionmap::open(name, opts),
        "pipemap" => pipemap::open(name, opts),
        other => Err(TableError::UnsupportedType(other.to_string())),
    }
}

/// Splits `type:name` at the first colon.
pub fn split_spec(spec: &str) -> Result<(&str, &str), TableError> {
    spec.split_once(':')
        .filter(|(kind, _)| !kind.is_empty())
        .ok_or_else(|| TableError::BadSpec(format!("need dictionary type:name, got \"{spec}\"")))
}

/// How a writer treats a key that is already present (postmap/postalias `-r`, `-w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Duplicates {
    /// Keep the first value and report the duplicate (Postfix's default).
    KeepFirstWarn,
    /// Keep the first value silently (`-w`).
    KeepFirstQuiet,
    /// Replace with the new value (`-r`).
    Replace,
}

/// What a writer did with one key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Inserted {
    New,
    Replaced,
    /// The key was there and was kept; the caller warns if its policy says so.
    Duplicate,
}

/// How a writer stores keys and values on disk (postmap `-N` / `-n`, and Postfix's
/// per-type defaults for the trailing NUL).
#[derive(Debug, Clone)]
pub struct CreateOptions {
    pub duplicates: Duplicates,
    pub fold_case: bool,
    /// smtputf8_enable, as `OpenOptions::utf8`: whether folding covers non-ASCII letters.
    pub utf8: bool,
    /// Store keys and values with a trailing NUL byte (`-N`), without (`-n`), or the
    /// type's default (`None`).
    pub append_nul: Option<bool>,
}

/// A table being built or updated by postmap / postalias: the indexed types only.
/// Nothing is visible to readers until `finish` (built into a temporary file and
/// renamed into place, so a table in use is replaced atomically).
pub trait TableWriter {
    fn insert(&mut self, key: &str, value: &str) -> Result<Inserted, TableError>;
    /// Removes `key`; false when it was not there (postmap -d).
    fn delete(&mut self, key: &str) -> Result<bool, TableError>;
    fn finish(self: Box<Self>) -> Result<(), TableError>;
}

/// Starts a new table of `kind` (`hash`, `btree`, `cdb`, `lmdb`) for the file `name`
/// plus the type's suffix (`name.db`, `name.cdb`, `name.lmdb`). Entries are kept in
/// memory; `finish` writes a temporary file beside the target, fsyncs it and renames it
/// over any previous table, so readers see the old table or the new one, never a mix.
pub fn create(
    kind: &str,
    name: &Path,
    opts: &CreateOptions,
) -> Result<Box<dyn TableWriter>, TableError> {
    let kind = writer::Kind::parse(kind)?;
    let path = writer::file_path(kind, name);
    check_directory(&path)?;
    Ok(Box::new(writer::FileWriter::new(
        kind,
        path,
        opts,
        writer::EntrySet::default(),
    )))
}

/// Opens the table of `kind` at `name` for incremental change (postmap -i, -d): its
/// entries are read, changed in memory, and the whole file is rebuilt and replaced
/// atomically at `finish`. A missing file starts empty, as Postfix creates it.
/// (Postfix refuses `-i`/`-d` on `cdb:`; facteur allows it since the rebuild is atomic.)
pub fn update(
    kind: &str,
    name: &Path,
    opts: &CreateOptions,
) -> Result<Box<dyn TableWriter>, TableError> {
    let kind = writer::Kind::parse(kind)?;
    let path = writer::file_path(kind, name);
    check_directory(&path)?;
    let mut set = writer::EntrySet::default();
    if path.exists() {
        set.load(match kind {
            writer::Kind::Hash => indexed::read_all(indexed::Layout::Hash, &path)?,
            writer::Kind::Btree => indexed::read_all(indexed::Layout::Sorted, &path)?,
            writer::Kind::Cdb => cdb::read_all(&path)?,
            writer::Kind::Lmdb => lmdb::read_all(&path)?,
        });
    }
    Ok(Box::new(writer::FileWriter::new(kind, path, opts, set)))
}

/// Fails early, as Postfix does at open, when the table's directory is missing.
fn check_directory(path: &Path) -> Result<(), TableError> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(TableError::Open {
            path: path.display().to_string(),
            source: std::io::Error::from(rustix::io::Errno::NOENT),
        }),
        _ => Ok(()),
    }
}
