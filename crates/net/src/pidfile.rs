//! `queue_directory/pid/master.pid`: the daemon's lock and the pid scripts read
//! (Postfix `master/master_lock.c`, `postfix-script`'s `sed 1q pid/master.pid`).
//!
//! The daemon holds an exclusive `flock` on the file for as long as it runs, and the
//! file holds its pid right-aligned in 32 columns and a newline, byte for byte as
//! Postfix writes it. "Running" means "locked": a stale file left by a crash is not
//! mistaken for a live daemon. Owns: that format and the lock. Never: signals anyone.

use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use rustix::fs::{flock, FlockOperation};

/// The pid file under a queue directory.
pub fn path(queue_directory: &Path) -> PathBuf {
    queue_directory.join("pid").join("master.pid")
}

/// The file's content for `pid`, as Postfix writes it.
pub fn content(pid: u32) -> String {
    format!("{pid:>32}\n")
}

/// The daemon's hold on the pid file; dropping it releases the lock.
#[derive(Debug)]
pub struct PidLock {
    file: File,
    path: PathBuf,
}

#[derive(Debug, thiserror::Error)]
pub enum PidFileError {
    /// Another daemon holds the lock (Postfix's master wording).
    #[error("open lock file {}: unable to set exclusive lock: {source}", .path.display())]
    Locked {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("open lock file {}: {source}", .path.display())]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

impl PidLock {
    /// Locks `path` (creating it, mode 0600) without waiting and writes `pid` into it.
    pub fn acquire(path: &Path, pid: u32) -> Result<PidLock, PidFileError> {
        let io_err = |source| PidFileError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(path)
            .map_err(io_err)?;
        flock(&file, FlockOperation::NonBlockingLockExclusive).map_err(|e| {
            PidFileError::Locked {
                path: path.to_path_buf(),
                source: e.into(),
            }
        })?;
        file.set_len(0).map_err(io_err)?;
        file.rewind().map_err(io_err)?;
        file.write_all(content(pid).as_bytes()).map_err(io_err)?;
        file.sync_all().map_err(io_err)?;
        Ok(PidLock {
            file,
            path: path.to_path_buf(),
        })
    }

    /// At a clean stop: removes the file where the directory allows it (a daemon that
    /// dropped root cannot unlink in the root-owned `pid/`), else empties it through
    /// the descriptor it still holds. The lock goes with the descriptor.
    pub fn release(self) {
        if std::fs::remove_file(&self.path).is_err() {
            let _ = self.file.set_len(0);
        }
    }
}

/// The pid of the running daemon: `Some` only when the file exists and its lock is
/// held by another process.
pub fn running(path: &Path) -> io::Result<Option<u32>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    match flock(&file, FlockOperation::NonBlockingLockShared) {
        Ok(()) => return Ok(None),
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => {}
        Err(e) => return Err(e.into()),
    }
    let mut text = String::new();
    file.read_to_string(&mut text)?;
    Ok(text.lines().next().and_then(|l| l.trim().parse().ok()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_is_postfix_format() {
        assert_eq!(content(32236).len(), 33);
        assert_eq!(content(32236), format!("{}32236\n", " ".repeat(27)));
    }

    #[test]
    fn unlocked_file_is_not_running() {
        let dir = tempfile::tempdir().expect("tempdir");
        let p = dir.path().join("master.pid");
        assert_eq!(running(&p).ok(), Some(None));
        std::fs::write(&p, content(1)).expect("write");
        assert_eq!(running(&p).ok(), Some(None));
        let lock = PidLock::acquire(&p, 1234).expect("lock");
        // flock locks belong to the open file description: a second open conflicts
        // even within this process.
        assert_eq!(running(&p).ok(), Some(Some(1234)));
        assert!(matches!(
            PidLock::acquire(&p, 5),
            Err(PidFileError::Locked { .. })
        ));
        lock.release();
        assert!(!p.exists());
    }
}
