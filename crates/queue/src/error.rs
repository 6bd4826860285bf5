//! The queue's one error type. Every variant is a reason not to acknowledge a message
//! (transient for the client: try again later) or not to deliver a file.

use std::io;
use std::path::PathBuf;

use mail::queue_id::QueueId;

use crate::record::{EncodeError, RecordError};

#[derive(Debug, thiserror::Error)]
pub enum QueueError {
    /// A system call on a queue path failed.
    #[error("{op} {path}: {source}")]
    Io {
        op: &'static str,
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A queue file that does not decode: incomplete, corrupt or of another version.
    #[error("{path}: {source}")]
    Record {
        path: PathBuf,
        #[source]
        source: RecordError,
    },
    /// The envelope cannot be represented in a queue file.
    #[error("cannot queue message: {0}")]
    Encode(#[from] EncodeError),
    /// An earlier flush of this directory or file system failed. After an fsync error
    /// the kernel may have dropped dirty pages, so nothing written before it can be
    /// trusted to be durable: stop acknowledging until restarted and recovered.
    #[error("an earlier fsync of {path} failed; refusing to acknowledge more mail")]
    Poisoned { path: PathBuf },
    /// The queue ID names an existing file (never expected: IDs are never reused).
    #[error("queue ID {0} is already in use")]
    IdInUse(QueueId),
    /// No recipient with this index in the queue file.
    #[error("{path}: no recipient number {index}")]
    NoSuchRecipient { path: PathBuf, index: usize },
    /// A log file that does not decode.
    #[error("{path}: corrupt log record at byte {offset}")]
    CorruptLog { path: PathBuf, offset: u64 },
}

impl QueueError {
    pub(crate) fn io(
        op: &'static str,
        path: impl Into<PathBuf>,
    ) -> impl FnOnce(io::Error) -> QueueError {
        let path = path.into();
        move |source| QueueError::Io { op, path, source }
    }

    /// True when the file or directory did not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, QueueError::Io { source, .. } if source.kind() == io::ErrorKind::NotFound)
    }
}
