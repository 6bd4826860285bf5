//! Atomic replacement of table files: build into a temporary file in the target's
//! directory, fsync it, rename it over the target, fsync the directory (chasquid
//! `safeio`). A reader that has the old file open or mapped keeps seeing the old table;
//! a new open sees the whole new one, never a half-written file.
//!
//! Owns: temporary names, the fsync/rename sequence, removing leftovers on failure.
//! Never: decides what goes into the file.

use std::fs::{File, OpenOptions};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A temporary path beside `target`, removed on drop unless `commit` renamed it.
#[derive(Debug)]
pub struct TempPath {
    temp: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl TempPath {
    /// Picks an unused name `.NAME.tmp.PID.N` in the target's directory. Nothing is
    /// created yet.
    pub fn beside(target: &Path) -> TempPath {
        let dir = parent_dir(target);
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "table".into());
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let temp = dir.join(format!(".{name}.tmp.{}.{n}", std::process::id()));
        TempPath {
            temp,
            target: target.to_path_buf(),
            committed: false,
        }
    }

    pub fn path(&self) -> &Path {
        &self.temp
    }

    /// Creates the temporary file exclusively.
    pub fn create(&self) -> io::Result<File> {
        OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&self.temp)
    }

    /// Makes the temporary file durable and renames it over the target.
    pub fn commit(mut self) -> io::Result<()> {
        File::open(&self.temp)?.sync_all()?;
        std::fs::rename(&self.temp, &self.target)?;
        self.committed = true;
        // The rename is durable once the directory is.
        File::open(parent_dir(&self.target))?.sync_all()
    }
}

impl Drop for TempPath {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn commit_replaces_and_drop_cleans_up() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("t.db");
        std::fs::write(&target, b"old")?;
        let t = TempPath::beside(&target);
        t.create()?.write_all(b"new")?;
        t.commit()?;
        assert_eq!(std::fs::read(&target)?, b"new");

        let t = TempPath::beside(&target);
        t.create()?.write_all(b"abandoned")?;
        let temp = t.path().to_path_buf();
        drop(t);
        assert!(!temp.exists());
        assert_eq!(std::fs::read(&target)?, b"new");
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }
}
