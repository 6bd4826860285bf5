//! `lmdb:` tables (`name.lmdb`) through heed.
//!
//! facteur's LMDB files hold one unnamed database whose keys and values are stored as
//! Postfix's postmap stores them: lowercased keys (unless `-f`), a trailing NUL on keys
//! and values by default, one value per key (a duplicate keeps the first, or the last
//! with `-r`). Lookups try the key with its NUL, then without; `postmap -s` lists entries
//! in key order (LMDB's byte order), as Postfix's lmdb tables do.
//!
//! Unlike Postfix, facteur never changes an LMDB file in place: writers build a complete
//! file under a temporary name and rename it over the old one (`atomic_file`). A file is
//! therefore immutable while open, so environments are opened with `NO_LOCK` (no
//! `name.lmdb-lock` file) and `READ_ONLY`. Postfix's `postmap -q` reads facteur's files,
//! and facteur reads Postfix-built ones (tested), but a file that Postfix's postmap may
//! change in place while facteur has it open is outside that guarantee: build the
//! tables facteur uses with facteur's postmap.
//!
//! heed refuses to open one path twice in a process, so open tables of one path share
//! one environment (`shared`), swapped for the new file when a replaced table is opened
//! again.
//!
//! Owns: opening, looking up, listing, building LMDB files. Never: modifies one in place.

mod shared;

use std::path::Path;
use std::sync::Arc;

use heed::types::Bytes as Raw;
use heed::{Database, EnvFlags, EnvOpenOptions, PutFlags, WithoutTls};

use crate::writer::{self, Entry, Kind};
use crate::{OpenOptions, Table, TableError};

/// An open `lmdb:` table.
#[derive(Debug)]
pub struct LmdbTable {
    spec: String,
    path: String,
    env: Arc<shared::SharedEnv>,
    fold_case: bool,
}

/// Opens `lmdb:name` (the file `name.lmdb`).
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let path = writer::resolve_path(Kind::Lmdb, name);
    let env = shared::open(&path)?;
    Ok(Arc::new(LmdbTable {
        spec: format!("lmdb:{name}"),
        path: path.display().to_string(),
        env,
        fold_case: opts.fold_case,
    }))
}

fn lmdb_error(path: &str, e: heed::Error) -> TableError {
    TableError::Malformed(format!("{path}: {e}"))
}

impl Table for LmdbTable {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        self.env
            .with_db(|env, db| {
                let rtxn = env.read_txn()?;
                writer::probe(key, self.fold_case, true, true, |k| {
                    db.get(&rtxn, k).map(|v| v.map(writer::text))
                })
            })
            .map_err(|e| lmdb_error(&self.path, e))
    }

    fn spec(&self) -> &str {
        &self.spec
    }

    fn entries(&self) -> Result<Vec<(String, String)>, TableError> {
        self.env
            .with_db(|env, db| {
                let rtxn = env.read_txn()?;
                let mut out = Vec::new();
                for item in db.iter(&rtxn)? {
                    let (k, v) = item?;
                    out.push((writer::text(k), writer::text(v)));
                }
                Ok(out)
            })
            .map_err(|e| lmdb_error(&self.path, e))
    }
}

/// Opens the LMDB file at `path`: read-only, unlocked (the file is never changed in
/// place), no sub-directory.
fn open_env(
    path: &Path,
    writable: bool,
    map_size: Option<usize>,
) -> heed::Result<heed::Env<WithoutTls>> {
    let mut opts = EnvOpenOptions::new().read_txn_without_tls();
    opts.max_dbs(0);
    if let Some(size) = map_size {
        opts.map_size(size);
    }
    let mut flags = EnvFlags::NO_SUB_DIR | EnvFlags::NO_LOCK;
    if !writable {
        flags |= EnvFlags::READ_ONLY;
    }
    open_unlocked(&mut opts, flags, path)
}

#[allow(unsafe_code)]
fn open_unlocked(
    opts: &mut EnvOpenOptions<WithoutTls>,
    flags: EnvFlags,
    path: &Path,
) -> heed::Result<heed::Env<WithoutTls>> {
    // SAFETY: NO_LOCK and the memory map are sound only if nobody writes the file while it
    // is open. Readers open files that facteur replaced by rename and never modifies; the
    // writer opens a fresh temporary file (exclusively created, unique name) that nobody
    // else opens before it is renamed into place after this environment is closed.
    unsafe {
        opts.flags(flags);
        opts.open(path)
    }
}

/// The one unnamed database of an environment, if the file has one.
fn main_db(env: &heed::Env<WithoutTls>) -> heed::Result<Option<Database<Raw, Raw>>> {
    let rtxn = env.read_txn()?;
    let db = env.open_database::<Raw, Raw>(&rtxn, None)?;
    rtxn.commit()?;
    Ok(db)
}

/// Writes `entries` as a complete LMDB file at `path`, replacing it atomically.
pub fn write(path: &Path, mut entries: Vec<Entry>) -> Result<(), TableError> {
    let temp = crate::atomic_file::TempPath::beside(path);
    let display = temp.path().display().to_string();
    let err = |e: heed::Error| TableError::Malformed(format!("{display}: {e}"));
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    let data: usize = entries.iter().map(|(k, v)| k.len() + v.len() + 16).sum();
    let map_size = (data * 3 + (16 << 20)).next_multiple_of(1 << 20);
    // Create the file ourselves so that it gets the usual mode (0666 less the umask, as
    // Postfix's tables); LMDB would create it 0600.
    temp.create().map_err(|source| TableError::Open {
        path: display.clone(),
        source,
    })?;
    {
        let env = open_env(temp.path(), true, Some(map_size)).map_err(err)?;
        let mut wtxn = env.write_txn().map_err(err)?;
        let db: Database<Raw, Raw> = env.create_database(&mut wtxn, None).map_err(err)?;
        for (k, v) in &entries {
            if k.is_empty() || k.len() > 511 {
                return Err(TableError::Malformed(format!(
                    "{display}: LMDB keys must be 1 to 511 bytes long"
                )));
            }
            // Keys are sorted and unique: append without searching the tree.
            db.put_with_flags(&mut wtxn, PutFlags::APPEND, k, v)
                .map_err(err)?;
        }
        wtxn.commit().map_err(err)?;
        env.prepare_for_closing().wait();
    }
    temp.commit().map_err(|source| TableError::Open {
        path: path.display().to_string(),
        source,
    })
}

/// Every entry of the LMDB file at `path`, as stored (update mode).
pub fn read_all(path: &Path) -> Result<Vec<Entry>, TableError> {
    let env = shared::open(path)?;
    let display = path.display().to_string();
    env.with_db(|env, db| {
        let rtxn = env.read_txn()?;
        let mut out = Vec::new();
        for item in db.iter(&rtxn)? {
            let (k, v) = item?;
            out.push((k.into(), v.into()));
        }
        Ok(out)
    })
    .map_err(|e| lmdb_error(&display, e))
}

#[cfg(test)]
mod tests;
