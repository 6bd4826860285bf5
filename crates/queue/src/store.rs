//! `QueueStore`: one handle on the queue directory, shared by every session of the
//! daemon (and opened by the CLI). It holds the layout, the [`SyncFs`] every durable
//! step goes through, the queue ID generator and the committer. The operations live
//! beside their concern: creating files in `writer.rs`, opening them in `reader.rs`,
//! moves in `moves.rs`, logs in `logs.rs`.

use std::fs;
use std::io;
use std::os::unix::fs::DirBuilderExt;
use std::path::Path;
use std::sync::Arc;

use mail::queue_id::QueueIdGenerator;

use crate::durable::{parent, SyncFs};
use crate::error::QueueError;
use crate::layout::Layout;
use crate::writer::{CommitMode, Committer};

#[derive(Debug)]
pub struct QueueStore {
    pub(crate) layout: Layout,
    pub(crate) fs: Arc<dyn SyncFs>,
    pub(crate) ids: QueueIdGenerator,
    pub(crate) committer: Arc<Committer>,
}

impl QueueStore {
    /// A store over `layout` (whose directories must exist: see [`Layout::create`]).
    pub fn new(layout: Layout, fs: Arc<dyn SyncFs>, mode: CommitMode) -> QueueStore {
        QueueStore {
            committer: Arc::new(Committer::new(fs.clone(), mode)),
            layout,
            fs,
            ids: QueueIdGenerator::new(std::process::id()),
        }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    pub fn fs(&self) -> &dyn SyncFs {
        &*self.fs
    }

    /// Makes sure `dir` (a hashed subdirectory) exists, durably.
    pub(crate) fn ensure_dir(&self, dir: &Path) -> Result<(), QueueError> {
        if dir.is_dir() {
            return Ok(());
        }
        let up = parent(dir);
        if up != self.layout.root() && !up.is_dir() {
            self.ensure_dir(up)?;
        }
        match fs::DirBuilder::new().mode(0o700).create(dir) {
            Ok(()) => {}
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Ok(()),
            Err(e) => return Err(QueueError::io("mkdir", dir)(e)),
        }
        self.fs
            .sync_dir(up)
            .map_err(QueueError::io("fsync directory", up))
    }
}
