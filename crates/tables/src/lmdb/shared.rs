//! One heed environment per LMDB file path in this process.
//!
//! heed refuses a second `open` of a path that is already open in the process, yet the
//! table registry opens a table again when its file was replaced (by rename) while the
//! old table may still be in use. So every open table of one path shares one
//! `SharedEnv`; opening a path whose file is now a different inode closes the old
//! environment (waiting for lookups in flight) and opens the new file in its place, and
//! earlier handles of that path then read the new file too — as a reopened Postfix table
//! would. The process-wide map exists only because heed's own open-path registry is
//! process-wide; it holds weak references and no configuration.

use std::collections::HashMap;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, RwLock, Weak};

use heed::types::Bytes as Raw;
use heed::{Database, Env, WithoutTls};

use crate::TableError;

/// An open environment and the file identity it was opened from.
struct Current {
    env: Env<WithoutTls>,
    db: Option<Database<Raw, Raw>>,
    id: (u64, u64),
}

/// The environment shared by the open tables of one path.
pub struct SharedEnv {
    current: RwLock<Option<Current>>,
}

impl std::fmt::Debug for SharedEnv {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedEnv")
    }
}

static OPEN: LazyLock<Mutex<HashMap<PathBuf, Weak<SharedEnv>>>> = LazyLock::new(Default::default);

impl SharedEnv {
    /// Runs `f` on the environment and its database; an empty file (no database yet)
    /// behaves as an empty table.
    pub fn with_db<T: Default>(
        &self,
        f: impl FnOnce(&Env<WithoutTls>, Database<Raw, Raw>) -> heed::Result<T>,
    ) -> heed::Result<T> {
        let guard = self.current.read().unwrap_or_else(|p| p.into_inner());
        match guard.as_ref() {
            Some(Current {
                env, db: Some(db), ..
            }) => f(env, *db),
            _ => Ok(T::default()),
        }
    }
}

fn open_err(path: &Path, source: std::io::Error) -> TableError {
    TableError::Open {
        path: path.display().to_string(),
        source,
    }
}

/// The shared environment of the LMDB file at `path`, opening or reopening it.
pub fn open(path: &Path) -> Result<Arc<SharedEnv>, TableError> {
    let meta = std::fs::metadata(path).map_err(|e| open_err(path, e))?;
    let id = (meta.dev(), meta.ino());
    let key = std::fs::canonicalize(path).map_err(|e| open_err(path, e))?;
    let mut open = OPEN.lock().unwrap_or_else(|p| p.into_inner());
    open.retain(|_, weak| weak.strong_count() > 0);
    let shared = match open.get(&key).and_then(Weak::upgrade) {
        Some(shared) => shared,
        None => {
            let shared = Arc::new(SharedEnv {
                current: RwLock::new(None),
            });
            open.insert(key, Arc::downgrade(&shared));
            shared
        }
    };
    let mut current = shared.current.write().unwrap_or_else(|p| p.into_inner());
    if current.as_ref().map(|c| c.id) != Some(id) {
        if let Some(old) = current.take() {
            // Ours is the only clone of the Env, and no lookup holds it (we hold the lock).

            old.env.prepare_for_closing().wait();
        }
        let malformed = |e: heed::Error| TableError::Malformed(format!("{}: {e}", path.display()));
        let env = super::open_env(path, false, None).map_err(malformed)?;
        let db = super::main_db(&env).map_err(malformed)?;
        *current = Some(Current { env, db, id });
    }
    drop(current);
    Ok(shared)
}
