//! Moving queue files between queues, and recovery at start (Postfix qmgr's
//! incoming → active → deferred / hold / corrupt, postsuper's moves).
//!
//! A move is one rename. Whether it must also be durable depends on what a lost move
//! costs after a crash, which the caller knows:
//! - incoming → active never needs it: recovery puts all of active back in incoming.
//! - active → deferred lost means the file is back in incoming after recovery and is
//!   retried early; done marks keep delivered recipients from repeating.
//! - moves to hold or corrupt, and postsuper's, should be durable: losing one would
//!   deliver what an administrator or qmgr set aside.
//!
//! Deferred files carry their next attempt time in their mtime (and atime), as Postfix's.

use std::fs::{self, File, FileTimes};
use std::io;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use mail::queue_id::QueueId;

use crate::durable::{parent, Replace, TEMP_PREFIX};
use crate::error::QueueError;
use crate::layout::QueueName;
use crate::logs::LogKind;
use crate::store::QueueStore;

/// Whether a move returns only once it is on stable storage.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MoveSync {
    /// Rename only.
    Lazy,
    /// Rename, then fsync the target directory and the source directory.
    Durable,
}

/// What [`QueueStore::recover`] did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Recovery {
    /// Files moved from active back to incoming.
    pub requeued: Vec<QueueId>,
    /// Temporary files of unfinished writes removed from incoming.
    pub temp_removed: usize,
}

impl QueueStore {
    /// Moves `id` from `from` to `to`. Returns its new path.
    pub fn move_file(
        &self,
        id: &QueueId,
        from: QueueName,
        to: QueueName,
        sync: MoveSync,
    ) -> Result<PathBuf, QueueError> {
        self.move_path(&self.layout.path(from, id), id, to, sync)
    }

    /// Moves the file at `src` (as [`crate::Layout::list`] found it, wherever an
    /// earlier hashing put it) to `id`'s place in `to`.
    pub fn move_path(
        &self,
        src: &Path,
        id: &QueueId,
        to: QueueName,
        sync: MoveSync,
    ) -> Result<PathBuf, QueueError> {
        let dst = self.layout.path(to, id);
        let dst_dir = parent(&dst).to_path_buf();
        self.ensure_dir(&dst_dir)?;
        self.fs
            .rename(src, &dst, Replace::Never)
            .map_err(|e| match e.kind() {
                io::ErrorKind::AlreadyExists => QueueError::IdInUse(*id),
                _ => QueueError::io("rename", src)(e),
            })?;
        if sync == MoveSync::Durable {
            self.fs
                .sync_dir(&dst_dir)
                .map_err(QueueError::io("fsync directory", &dst_dir))?;
            let src_dir = parent(src);
            if src_dir != dst_dir {
                self.fs
                    .sync_dir(src_dir)
                    .map_err(QueueError::io("fsync directory", src_dir))?;
            }
        }
        Ok(dst)
    }

    /// Moves `id` from active to deferred, to be tried again at `next_attempt`.
    pub fn defer(
        &self,
        id: &QueueId,
        next_attempt: SystemTime,
        sync: MoveSync,
    ) -> Result<PathBuf, QueueError> {
        let path = self.layout.path(QueueName::Active, id);
        // Time first, then move: a deferred file always has its next attempt time.
        File::open(&path)
            .and_then(|f| {
                f.set_times(
                    FileTimes::new()
                        .set_accessed(next_attempt)
                        .set_modified(next_attempt),
                )
            })
            .map_err(QueueError::io("set times of", &path))?;
        self.move_file(id, QueueName::Active, QueueName::Deferred, sync)
    }

    /// When a deferred message is due (its file's mtime).
    pub fn next_attempt(&self, id: &QueueId) -> Result<SystemTime, QueueError> {
        let path = self.layout.path(QueueName::Deferred, id);
        fs::metadata(&path)
            .and_then(|m| m.modified())
            .map_err(QueueError::io("stat", &path))
    }

    /// Deferred messages whose next attempt time has come, oldest queue ID first.
    pub fn due(&self, now: SystemTime) -> Result<Vec<QueueId>, QueueError> {
        let dir = self.layout.queue_dir(QueueName::Deferred);
        let listed = self
            .layout
            .list(QueueName::Deferred)
            .map_err(QueueError::io("list", &dir))?;
        let mut due = Vec::new();
        for (id, path) in listed {
            match fs::metadata(&path).and_then(|m| m.modified()) {
                Ok(t) if t <= now => due.push(id),
                Ok(_) => {}
                // Moved away since the listing (postsuper, another scan).
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => return Err(QueueError::io("stat", &path)(e)),
            }
        }
        Ok(due)
    }

    /// Removes a message: its defer, bounce and trace logs (missing ones are fine), then
    /// its queue file in `queue`. In that order a crash in between leaves a message
    /// whose recipients are all done, which is removed again, and never orphan logs.
    pub fn remove(&self, queue: QueueName, id: &QueueId) -> Result<(), QueueError> {
        for kind in [LogKind::Defer, LogKind::Bounce, LogKind::Trace] {
            self.remove_log(kind, id)?;
        }
        let path = self.layout.path(queue, id);
        fs::remove_file(&path).map_err(QueueError::io("remove", &path))
    }

    /// At start, before any service runs: every file in active goes back to incoming
    /// (nothing is stranded by a crash), and temporary files of writes that never
    /// committed are removed from incoming. Durable when it returns.
    pub fn recover(&self) -> Result<Recovery, QueueError> {
        let mut rec = Recovery::default();
        let active = self.layout.list(QueueName::Active).map_err(QueueError::io(
            "list",
            self.layout.queue_dir(QueueName::Active),
        ))?;
        for (id, path) in active {
            self.move_path(&path, &id, QueueName::Incoming, MoveSync::Lazy)?;
            rec.requeued.push(id);
        }
        let mut dirs = vec![self.layout.queue_dir(QueueName::Incoming)];
        while let Some(dir) = dirs.pop() {
            let entries = fs::read_dir(&dir).map_err(QueueError::io("list", &dir))?;
            for entry in entries {
                let entry = entry.map_err(QueueError::io("list", &dir))?;
                let name = entry.file_name();
                let name = name.to_string_lossy();
                let ty = entry
                    .file_type()
                    .map_err(QueueError::io("stat", entry.path()))?;
                if ty.is_dir() && name.len() == 1 {
                    dirs.push(entry.path());
                } else if ty.is_file() && name.starts_with(TEMP_PREFIX) {
                    fs::remove_file(entry.path())
                        .map_err(QueueError::io("remove", entry.path()))?;
                    rec.temp_removed += 1;
                }
            }
            self.fs
                .sync_dir(&dir)
                .map_err(QueueError::io("fsync directory", &dir))?;
        }
        if !rec.requeued.is_empty() {
            let active = self.layout.queue_dir(QueueName::Active);
            self.fs
                .sync_dir(&active)
                .map_err(QueueError::io("fsync directory", &active))?;
        }
        Ok(rec)
    }
}
