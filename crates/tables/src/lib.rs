//! Lookup tables `type:name` with Postfix's semantics (Postfix `util/dict_*.c`,
//! `global/maps.c`).
//!
//! Owns: opening a table from its `type:name` spec, answering lookups from memory or a
//! mapped file, writing the indexed types for postmap/postalias, and the key search
//! orders of access(5), virtual(5), canonical(5), aliases(5), transport(5).
//! Never: reads main.cf (callers pass what a table needs in `OpenOptions`), or re-reads
//! a file per query (a table is opened once; `registry` reopens it when it changes).

pub mod aliases;
pub mod cdb;
pub mod cidr;
pub mod fail;
pub mod indexed;
pub mod inline;
pub mod lmdb;
pub mod pipemap;
pub mod regexp;
pub mod search;
pub mod source;
pub mod static_map;
pub mod texthash;
pub mod unionmap;

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
    /// A lookup could not be answered (a `fail:` table, or a table inside a
    /// `unionmap:` or `pipemap:` that failed); `spec` is the table that was asked.
    #[error("table {spec}: query error: {reason}")]
    Query { spec: String, reason: String },
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
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions { fold_case: true }
    }
}

/// One open table. Lookups never touch the table's source file again.
pub trait Table: Send + Sync + std::fmt::Debug {
    /// The value stored for `key`, `Ok(None)` when there is none. Keys are as the
    /// caller has them; the table folds case itself when its options say so.
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError>;

    /// The `type:name` this table was opened from, for log lines.
    fn spec(&self) -> &str;

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

/// Starts a new table of `kind` at the file `name` (`name.db`, `name.cdb`, ...),
/// replacing any previous one at `finish`.
pub fn create(
    kind: &str,
    name: &Path,
    opts: &CreateOptions,
) -> Result<Box<dyn TableWriter>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(format!(
        "{kind} (writing tables is being built: issue 3)"
    )))
}

/// Opens an existing table of `kind` at `name` for incremental change (postmap -i, -d).
pub fn update(
    kind: &str,
    name: &Path,
    opts: &CreateOptions,
) -> Result<Box<dyn TableWriter>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(format!(
        "{kind} (updating tables is being built: issue 3)"
    )))
}
