//! The mail queue on disk (Postfix `global/mail_queue.c`, `record.c`): storage only, no
//! scheduling. qmgr decides what happens to a message; this crate makes it happen on
//! disk, durably.
//!
//! - [`layout`]: the queue directory, its subdirectories and hashed paths.
//! - [`record`]: the queue file format (versioned, checksummed, strictly decoded).
//! - [`envelope`]: what a queue file records besides the content.
//! - [`store`]: the handle that ties them together.
//! - [`group`]: group commit (shared flushes).
//! - [`error`]: the error type, `QueueError`.
//! - [`durable`]: the atomic-write helper and its failure-injection seam (from `safeio`).
//! - [`writer`]: streaming a new queue file and committing it, alone or in a group.
//! - [`reader`]: opening a queue file for qmgr, postcat and mailq.
//! - [`mark`]: marking one recipient done in place.
//! - [`moves`]: moving files between queues; recovery at start.
//! - [`logs`]: per-message defer, bounce and trace logs.
//!
//! Invariants: a queue file is visible under its queue ID only when complete; a commit
//! returns only once the file and its directory entry are on stable storage; a file
//! that does not decode is never delivered.

pub mod durable;
pub mod envelope;
pub mod error;
pub mod group;
pub mod layout;
pub mod logs;
pub mod mark;
pub mod moves;
pub mod reader;
pub mod record;
pub mod store;
pub mod writer;

#[cfg(test)]
mod testfs;

pub use durable::{RealFs, SyncFs};
pub use envelope::{ClientInfo, DsnRet, Envelope, Notify, Recipient};
pub use error::QueueError;
pub use layout::{Layout, QueueName};
pub use logs::{Action, LogKind, StatusRecord};
pub use mail::queue_id::QueueId;
pub use moves::{MoveSync, Recovery};
pub use reader::QueueFile;
pub use record::{EncodeError, RecordError};
pub use store::QueueStore;
pub use writer::{CommitMode, QueueFileWriter, SealedFile};
