//! A [`SyncFs`] for tests: does the real thing, but fails the nth occurrence of a
//! chosen step and records the order of steps. Any crate can use it in its tests to
//! check that a failure at write, fsync, rename or directory fsync leaves the target
//! old or complete. (A crate that needs more, such as the queue's group-commit event
//! log, implements [`SyncFs`] itself.)

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::{RealFs, Replace, SyncFs};

/// One step of [`SyncFs`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Write,
    WriteAt,
    SyncFile,
    SyncData,
    Rename,
    SyncDir,
    SyncFs,
}

impl Op {
    /// The steps of a whole-file atomic write, in order.
    pub const ATOMIC_WRITE: [Op; 4] = [Op::Write, Op::SyncFile, Op::Rename, Op::SyncDir];
}

/// Real storage, failing at one chosen step.
#[derive(Debug, Default)]
pub struct FaultFs {
    fail_at: Option<Op>,
    /// Fail the nth occurrence (0-based) of `fail_at`.
    fail_nth: usize,
    seen: AtomicUsize,
    ops: Mutex<Vec<Op>>,
}

impl FaultFs {
    /// Fails the first `op`; the step is not performed.
    pub fn failing_at(op: Op) -> FaultFs {
        FaultFs::failing_nth(op, 0)
    }

    /// Fails the `nth` (0-based) occurrence of `op`.
    pub fn failing_nth(op: Op, nth: usize) -> FaultFs {
        FaultFs {
            fail_at: Some(op),
            fail_nth: nth,
            ..FaultFs::default()
        }
    }

    /// Never fails; only records.
    pub fn recording() -> FaultFs {
        FaultFs::default()
    }

    /// The steps attempted so far, the failed one included.
    pub fn ops(&self) -> Vec<Op> {
        self.ops.lock().map(|o| o.clone()).unwrap_or_default()
    }

    fn step(&self, op: Op) -> io::Result<()> {
        if let Ok(mut ops) = self.ops.lock() {
            ops.push(op);
        }
        if self.fail_at == Some(op) && self.seen.fetch_add(1, Ordering::SeqCst) == self.fail_nth {
            return Err(io::Error::other(format!("injected failure at {op:?}")));
        }
        Ok(())
    }
}

impl SyncFs for FaultFs {
    fn write_all(&self, file: &File, buf: &[u8]) -> io::Result<()> {
        self.step(Op::Write)?;
        RealFs.write_all(file, buf)
    }
    fn write_at(&self, file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
        self.step(Op::WriteAt)?;
        RealFs.write_at(file, buf, offset)
    }
    fn sync_file(&self, file: &File) -> io::Result<()> {
        self.step(Op::SyncFile)?;
        RealFs.sync_file(file)
    }
    fn sync_data(&self, file: &File) -> io::Result<()> {
        self.step(Op::SyncData)?;
        RealFs.sync_data(file)
    }
    fn rename(&self, from: &Path, to: &Path, replace: Replace) -> io::Result<()> {
        self.step(Op::Rename)?;
        RealFs.rename(from, to, replace)
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.step(Op::SyncDir)?;
        RealFs.sync_dir(dir)
    }
    fn sync_filesystem(&self, dir: &Path) -> io::Result<()> {
        self.step(Op::SyncFs)?;
        RealFs.sync_filesystem(dir)
    }
}
