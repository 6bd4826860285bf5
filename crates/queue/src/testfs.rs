//! Test doubles for [`SyncFs`]: fail at a chosen step, or record the order of steps so
//! tests can check that every acknowledged file was synced, renamed and its directory
//! synced, in that order, before the acknowledgement.

use std::fs::File;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::durable::{RealFs, Replace, SyncFs};

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

/// One completed step (or the start of a directory sync), in global order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    SyncedFile { ino: u64 },
    Renamed { to: PathBuf },
    DirSyncStart { dir: PathBuf, call: usize },
    DirSyncEnd { dir: PathBuf, call: usize },
    FsSyncStart { call: usize },
    FsSyncEnd { call: usize },
    Acked { path: PathBuf },
    Other(Op),
}

#[derive(Debug, Default)]
pub struct FaultFs {
    fail_at: Option<Op>,
    /// Fail the nth occurrence (0-based) of `fail_at`.
    fail_nth: usize,
    seen: AtomicUsize,
    calls: AtomicUsize,
    ops: Mutex<Vec<Op>>,
    events: Mutex<Vec<Event>>,
}

impl FaultFs {
    pub fn failing_at(op: Op) -> FaultFs {
        FaultFs {
            fail_at: Some(op),
            ..FaultFs::default()
        }
    }

    pub fn recording() -> FaultFs {
        FaultFs::default()
    }

    pub fn ops(&self) -> Vec<Op> {
        self.ops.lock().expect("ops").clone()
    }

    pub fn events(&self) -> Vec<Event> {
        self.events.lock().expect("events").clone()
    }

    pub fn ack(&self, path: &Path) {
        self.event(Event::Acked {
            path: path.to_path_buf(),
        });
    }

    fn event(&self, e: Event) {
        self.events.lock().expect("events").push(e);
    }

    fn step(&self, op: Op) -> io::Result<()> {
        self.ops.lock().expect("ops").push(op);
        if self.fail_at == Some(op) && self.seen.fetch_add(1, Ordering::SeqCst) == self.fail_nth {
            return Err(io::Error::other(format!("injected failure at {op:?}")));
        }
        Ok(())
    }
}

impl SyncFs for FaultFs {
    fn write_all(&self, file: &File, buf: &[u8]) -> io::Result<()> {
        self.step(Op::Write)?;
        RealFs.write_all(file, buf)?;
        self.event(Event::Other(Op::Write));
        Ok(())
    }
    fn write_at(&self, file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
        self.step(Op::WriteAt)?;
        RealFs.write_at(file, buf, offset)?;
        self.event(Event::Other(Op::WriteAt));
        Ok(())
    }
    fn sync_file(&self, file: &File) -> io::Result<()> {
        self.step(Op::SyncFile)?;
        RealFs.sync_file(file)?;
        self.event(Event::SyncedFile {
            ino: file.metadata()?.ino(),
        });
        Ok(())
    }
    fn sync_data(&self, file: &File) -> io::Result<()> {
        self.step(Op::SyncData)?;
        RealFs.sync_data(file)?;
        self.event(Event::Other(Op::SyncData));
        Ok(())
    }
    fn rename(&self, from: &Path, to: &Path, replace: Replace) -> io::Result<()> {
        self.step(Op::Rename)?;
        RealFs.rename(from, to, replace)?;
        self.event(Event::Renamed {
            to: to.to_path_buf(),
        });
        Ok(())
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        self.step(Op::SyncDir)?;
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        self.event(Event::DirSyncStart {
            dir: dir.to_path_buf(),
            call,
        });
        RealFs.sync_dir(dir)?;
        self.event(Event::DirSyncEnd {
            dir: dir.to_path_buf(),
            call,
        });
        Ok(())
    }
    fn sync_filesystem(&self, dir: &Path) -> io::Result<()> {
        self.step(Op::SyncFs)?;
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        self.event(Event::FsSyncStart { call });
        RealFs.sync_filesystem(dir)?;
        self.event(Event::FsSyncEnd { call });
        Ok(())
    }
}
