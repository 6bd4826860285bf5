//! `hash:` and `btree:` tables in facteur's own indexed file format (`name.db`), built by
//! postmap and postalias.
//!
//! Postfix's `hash:` and `btree:` files are Berkeley DB databases; facteur does not read
//! them (rebuild them with facteur's postmap from the source file, as after any Berkeley
//! DB upgrade). Both types share one format (`indexed/format.rs`): a header, an index and
//! the records, memory-mapped at open so that opening a table of any size costs a few
//! system calls and a lookup touches a handful of pages. `hash:` uses a hash index and
//! lists entries (`postmap -s`) in hash order; `btree:` keeps the keys sorted, looks them
//! up by binary search and lists them in key order, as a Berkeley DB btree does.
//!
//! Keys are stored folded to lower case (unless `postmap -f`) and, by default, with
//! Postfix's trailing NUL on keys and values; a lookup tries the key with its NUL, then
//! without, as Postfix does (only the forms the file says it holds).
//!
//! Owns: opening, looking up, listing. Never: modifies a file in place (writers build a
//! new file and rename it, `atomic_file`).

mod format;

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;
use std::sync::Arc;

pub use format::{build, hash, FormatError, Layout, Reader};

use crate::mapped::{self, Bytes};
use crate::writer::{self, Entry, Kind};
use crate::{OpenOptions, Table, TableError};

/// An open `hash:` or `btree:` table.
#[derive(Debug)]
pub struct IndexedTable {
    spec: String,
    path: String,
    reader: Reader<Bytes>,
    fold_case: bool,
}

/// Opens `hash:name` or `btree:name` (the file `name.db`).
pub fn open(kind: &str, name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    Ok(Arc::new(open_table(kind, name, opts)?))
}

/// Like `open`, with the concrete type (benchmarks, tests).
pub fn open_table(kind: &str, name: &str, opts: &OpenOptions) -> Result<IndexedTable, TableError> {
    let (layout, k) = match kind {
        "hash" => (Layout::Hash, Kind::Hash),
        "btree" => (Layout::Sorted, Kind::Btree),
        other => return Err(TableError::UnsupportedType(other.to_string())),
    };
    let path = writer::resolve_path(k, name);
    let display = path.display().to_string();
    let file = File::open(&path).map_err(|source| TableError::Open {
        path: display.clone(),
        source,
    })?;
    let bytes = mapped::map(&file).map_err(|source| TableError::Open {
        path: display.clone(),
        source,
    })?;
    let reader = Reader::new(bytes, layout).map_err(|e| malformed(&display, &e))?;
    Ok(IndexedTable {
        spec: format!("{kind}:{name}"),
        path: display,
        reader,
        fold_case: opts.fold_case,
    })
}

fn malformed(path: &str, e: &FormatError) -> TableError {
    TableError::Malformed(format!("{path}: {e}"))
}

impl Table for IndexedTable {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let flags = self.reader.flags();
        let nul = flags & format::FLAG_NUL != 0;
        let no_nul = flags & format::FLAG_NO_NUL != 0;
        writer::probe(key, self.fold_case, nul, no_nul, |k| self.reader.get(k))
            .map(|v| v.map(writer::text))
            .map_err(|e| malformed(&self.path, &e))
    }

    fn spec(&self) -> &str {
        &self.spec
    }

    fn entries(&self) -> Result<Vec<(String, String)>, TableError> {
        let list = self
            .reader
            .entries()
            .map_err(|e| malformed(&self.path, &e))?;
        Ok(list
            .into_iter()
            .map(|(k, v)| (writer::text(k), writer::text(v)))
            .collect())
    }
}

/// Writes `entries` as a complete file at `path`, replacing it atomically.
pub fn write(layout: Layout, path: &Path, entries: Vec<Entry>) -> Result<(), TableError> {
    let temp = crate::atomic_file::TempPath::beside(path);
    let io = |source| TableError::Open {
        path: temp.path().display().to_string(),
        source,
    };
    let mut out = BufWriter::with_capacity(1 << 20, temp.create().map_err(io)?);
    build(layout, &entries, &mut out).map_err(io)?;
    out.into_inner().map_err(|e| io(e.into_error()))?;
    temp.commit().map_err(|source| TableError::Open {
        path: path.display().to_string(),
        source,
    })
}

/// Every stored entry of the file at `path`, as stored (update mode).
pub fn read_all(layout: Layout, path: &Path) -> Result<Vec<Entry>, TableError> {
    let display = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|source| TableError::Open {
        path: display.clone(),
        source,
    })?;
    let reader = Reader::new(bytes, layout).map_err(|e| malformed(&display, &e))?;
    let list = reader.entries().map_err(|e| malformed(&display, &e))?;
    Ok(list
        .into_iter()
        .map(|(k, v)| (k.into(), v.into()))
        .collect())
}

#[cfg(test)]
mod tests;
