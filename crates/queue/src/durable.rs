//! The queue's durable writes: the one atomic-write helper of facteur, `safeio` (temporary
//! file, fsync, rename, fsync directory, with the [`SyncFs`] failure-injection seam),
//! re-exported under the names the queue has always used. Group commit (sharing the
//! flushes of many files) stays in [`crate::group`] and [`crate::writer`].

pub use safeio::{parent, write_atomic, RealFs, Replace, SyncFs, TempFile, TEMP_PREFIX};
