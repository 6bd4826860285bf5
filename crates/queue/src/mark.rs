//! Marking one recipient done in place: a two-byte overwrite of its state and an
//! fdatasync, before qmgr considers the file again. A crash re-delivers at most the
//! deliveries whose marks were not yet synced; a delivered recipient is never lost and
//! a pending one never looks done (see the state bytes in `record.rs`).

use std::os::unix::fs::FileExt;

use crate::durable::SyncFs;
use crate::error::QueueError;
use crate::reader::QueueFile;
use crate::record::{RecordError, DONE, PENDING};

impl QueueFile {
    /// Marks recipient `index` done, durably. Idempotent. The file must have been
    /// opened with [`QueueFile::open_for_update`].
    pub fn mark_done(&mut self, fs: &dyn SyncFs, index: usize) -> Result<(), QueueError> {
        self.mark_done_many(fs, &[index])
    }

    /// Marks several recipients done with one fdatasync (the recipients of one
    /// delivery batch). Checks every index before writing anything.
    pub fn mark_done_many(&mut self, fs: &dyn SyncFs, indexes: &[usize]) -> Result<(), QueueError> {
        let mut slots = Vec::with_capacity(indexes.len());
        for &index in indexes {
            let slot =
                *self
                    .decoded
                    .slots
                    .get(index)
                    .ok_or_else(|| QueueError::NoSuchRecipient {
                        path: self.path.clone(),
                        index,
                    })?;
            // Check that the bytes are still a state, so a stale offset can never
            // scribble over another field.
            let mut now = [0u8; 2];
            self.file
                .read_exact_at(&mut now, slot)
                .map_err(QueueError::io("read", &self.path))?;
            if now != PENDING && now != DONE {
                return Err(QueueError::Record {
                    path: self.path.clone(),
                    source: RecordError::Corrupt {
                        offset: slot,
                        what: "recipient state is neither pending nor done",
                    },
                });
            }
            slots.push((slot, now == PENDING));
        }
        for &(slot, pending) in &slots {
            if pending {
                fs.write_at(&self.file, &DONE, slot)
                    .map_err(QueueError::io("write", &self.path))?;
            }
        }
        // Also when already done: the mark may be only in the page cache of a
        // process that crashed.
        fs.sync_data(&self.file)
            .map_err(QueueError::io("fdatasync", &self.path))?;
        for &index in indexes {
            self.decoded.envelope.recipients[index].done = true;
        }
        Ok(())
    }

    /// True when every recipient is done (the file can be removed).
    pub fn all_done(&self) -> bool {
        self.decoded.envelope.recipients.iter().all(|r| r.done)
    }
}
