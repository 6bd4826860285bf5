//! Writing a new queue file and committing it.
//!
//! [`QueueStore::create`] allocates the queue ID and opens a temporary file in
//! `incoming`; the caller streams the content in with [`QueueFileWriter::write_content`];
//! [`QueueFileWriter::finish`] writes the end record; [`SealedFile::commit`] makes the
//! file durable under its queue ID and only then returns. The caller acknowledges the
//! message (SMTP `250`) after `commit` returns `Ok`, never before.
//!
//! Commit modes, all equally durable (file synced before it is renamed, the rename
//! synced before `commit` returns):
//! - [`CommitMode::PerFile`]: each commit fsyncs its file and then its directory.
//! - [`CommitMode::Group`]: each commit fsyncs its own file (concurrent fsyncs are
//!   batched by the file system journal), then shares directory fsyncs with the
//!   commits around it ([`crate::group`]).
//! - [`CommitMode::GroupSyncfs`]: concurrent commits share one syncfs(2) for their
//!   files' data and one fsync for the directory: two flushes per batch, whatever its
//!   size. syncfs also writes back unrelated dirty data on the same file system, so
//!   this suits a dedicated queue file system.

use std::collections::HashMap;
use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

use mail::queue_id::QueueId;

use crate::durable::{parent, Replace, SyncFs, TempFile};
use crate::envelope::Envelope;
use crate::error::QueueError;
use crate::group::{FlushError, SharedFlush};
use crate::layout::QueueName;
use crate::record::{self, CHUNK_SIZE, CONTENT_RECORD_LEN};
use crate::store::QueueStore;

/// Mode of queue files: private to mail_owner, as Postfix's.
pub const QUEUE_FILE_MODE: u32 = 0o600;

/// How commits reach stable storage. See the module documentation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CommitMode {
    PerFile,
    Group,
    GroupSyncfs,
}

/// Buffer this much before writing to the file.
const WRITE_BUFFER: usize = CHUNK_SIZE + 64;

/// A queue file being written. Dropping it without committing removes the file.
/// Owns what it needs (no borrow of the store), so it can move into a blocking task.
#[derive(Debug)]
pub struct QueueFileWriter {
    fs: Arc<dyn SyncFs>,
    committer: Arc<Committer>,
    id: QueueId,
    tmp: TempFile,
    final_path: PathBuf,
    /// Encoded bytes not yet written to the file.
    out: Vec<u8>,
    /// Content not yet framed as a chunk.
    pending: Vec<u8>,
    /// Bytes written to the file so far.
    written: u64,
    head_len: u64,
    content_len: u64,
    chunks: u32,
    section_len: u64,
    recipients: u32,
}

impl QueueStore {
    /// Starts a queue file for `envelope` in `incoming`, with a new queue ID (usable in
    /// log lines at once). Fails if the envelope cannot be encoded.
    pub fn create(&self, envelope: &Envelope) -> Result<QueueFileWriter, QueueError> {
        self.create_in(QueueName::Incoming, envelope)
    }

    /// Starts a queue file in `queue` (`maildrop` for postdrop, `incoming` for cleanup).
    pub fn create_in(
        &self,
        queue: QueueName,
        envelope: &Envelope,
    ) -> Result<QueueFileWriter, QueueError> {
        let id = self.new_id();
        self.create_with_id(queue, id, envelope)
    }

    /// A new queue ID, for a message whose file is created later with
    /// [`QueueStore::create_with_id`]: cleanup names the message (Message-Id,
    /// Received, log lines) before its envelope is final.
    pub fn new_id(&self) -> QueueId {
        self.ids.next(SystemTime::now())
    }

    /// Starts a queue file in `queue` under `id`, which must come from
    /// [`QueueStore::new_id`] of this store and be used once.
    pub fn create_with_id(
        &self,
        queue: QueueName,
        id: QueueId,
        envelope: &Envelope,
    ) -> Result<QueueFileWriter, QueueError> {
        let head = record::encode_head(envelope)?;
        let dir = self.layout.dir_for(queue, &id);
        self.ensure_dir(&dir)?;
        let tmp = TempFile::create_in(&dir, QUEUE_FILE_MODE)
            .map_err(QueueError::io("create temporary file in", &dir))?;
        let mut out = Vec::with_capacity(WRITE_BUFFER);
        out.extend_from_slice(&head.bytes);
        let head_len = out.len() as u64;
        // Reserved; filled in by finish() once the counts are known.
        out.extend(record::encode_content_record(0, 0, 0));
        Ok(QueueFileWriter {
            fs: self.fs.clone(),
            committer: self.committer.clone(),
            id,
            final_path: dir.join(id.as_str()),
            tmp,
            out,
            pending: Vec::new(),
            written: 0,
            head_len,
            content_len: 0,
            chunks: 0,
            section_len: 0,
            recipients: envelope.recipients.len() as u32,
        })
    }
}

impl QueueFileWriter {
    pub fn id(&self) -> QueueId {
        self.id
    }

    /// Appends message content (headers and body, as cleanup produced them).
    pub fn write_content(&mut self, mut data: &[u8]) -> Result<(), QueueError> {
        while !data.is_empty() {
            let room = CHUNK_SIZE - self.pending.len();
            let take = room.min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() == CHUNK_SIZE {
                self.frame_chunk();
                self.flush_out()?;
            }
        }
        Ok(())
    }

    fn frame_chunk(&mut self) {
        if self.pending.is_empty() {
            return;
        }
        self.section_len += record::encode_chunk(&self.pending, &mut self.out) as u64;
        self.content_len += self.pending.len() as u64;
        self.chunks += 1;
        self.pending.clear();
    }

    fn flush_out(&mut self) -> Result<(), QueueError> {
        self.fs
            .write_all(self.tmp.file(), &self.out)
            .map_err(QueueError::io("write", self.tmp.path()))?;
        self.written += self.out.len() as u64;
        self.out.clear();
        Ok(())
    }

    /// Writes the end record. The file is complete but not yet visible.
    pub fn finish(mut self) -> Result<SealedFile, QueueError> {
        self.frame_chunk();
        record::encode_end(self.recipients, self.content_len, &mut self.out);
        let content =
            record::encode_content_record(self.content_len, self.chunks, self.section_len);
        let at = self.head_len;
        if self.written == 0 {
            // Still all in memory (a small message): one write.
            let at = at as usize;
            self.out[at..at + CONTENT_RECORD_LEN].copy_from_slice(&content);
            self.flush_out()?;
        } else {
            self.flush_out()?;
            self.fs
                .write_at(self.tmp.file(), &content, at)
                .map_err(QueueError::io("write", self.tmp.path()))?;
        }
        Ok(SealedFile {
            committer: self.committer,
            id: self.id,
            tmp: self.tmp,
            final_path: self.final_path,
        })
    }
}

/// A complete queue file under its temporary name.
#[derive(Debug)]
pub struct SealedFile {
    committer: Arc<Committer>,
    id: QueueId,
    tmp: TempFile,
    final_path: PathBuf,
}

impl SealedFile {
    pub fn id(&self) -> QueueId {
        self.id
    }

    /// Makes the file durable under its queue ID in its queue. Returns only when the
    /// file and its directory entry are on stable storage; on error the message must not
    /// be acknowledged (and its file is either absent or complete).
    pub fn commit(self) -> Result<QueueId, QueueError> {
        self.committer.commit(self.tmp, &self.final_path, self.id)?;
        Ok(self.id)
    }
}

/// Runs commits in the configured [`CommitMode`].
#[derive(Debug)]
pub struct Committer {
    fs: Arc<dyn SyncFs>,
    mode: CommitMode,
    dirs: Mutex<HashMap<PathBuf, Arc<SharedFlush>>>,
    data: SharedFlush,
}

impl Committer {
    pub fn new(fs: Arc<dyn SyncFs>, mode: CommitMode) -> Committer {
        Committer {
            fs,
            mode,
            dirs: Mutex::new(HashMap::new()),
            data: SharedFlush::new(),
        }
    }

    fn dir_flush(&self, dir: &Path) -> Arc<SharedFlush> {
        let mut dirs = self.dirs.lock().unwrap_or_else(|e| e.into_inner());
        dirs.entry(dir.to_path_buf()).or_default().clone()
    }

    fn shared(
        &self,
        flush: &SharedFlush,
        path: &Path,
        op: impl FnOnce() -> std::io::Result<()>,
    ) -> Result<(), QueueError> {
        flush.run(op).map_err(|e| match e {
            FlushError::Failed(source) => QueueError::Io {
                op: "fsync",
                path: path.to_path_buf(),
                source,
            },
            FlushError::Poisoned => QueueError::Poisoned {
                path: path.to_path_buf(),
            },
        })
    }

    /// Syncs, renames and syncs the directory of one file; see [`CommitMode`].
    pub fn commit(&self, mut tmp: TempFile, to: &Path, id: QueueId) -> Result<File, QueueError> {
        let fs = &*self.fs;
        let dir = parent(to);
        match self.mode {
            CommitMode::PerFile | CommitMode::Group => {
                tmp.sync(fs).map_err(QueueError::io("fsync", tmp.path()))?
            }
            CommitMode::GroupSyncfs => {
                self.shared(&self.data, dir, || fs.sync_filesystem(dir))?;
            }
        }
        tmp.rename_into(fs, to, Replace::Never).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                QueueError::IdInUse(id)
            } else {
                QueueError::io("rename", to)(e)
            }
        })?;
        match self.mode {
            CommitMode::PerFile => fs
                .sync_dir(dir)
                .map_err(QueueError::io("fsync directory", dir))?,
            CommitMode::Group | CommitMode::GroupSyncfs => {
                let flush = self.dir_flush(dir);
                self.shared(&flush, dir, || fs.sync_dir(dir))?;
            }
        }
        Ok(tmp.into_file())
    }
}

#[cfg(test)]
#[path = "writer_tests.rs"]
mod tests;
