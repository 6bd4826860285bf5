//! The storage operations whose order and completion decide durability, and the real
//! implementation of them.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::Path;

/// Whether a rename may replace an existing target.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Replace {
    /// Replace atomically (config files, tables).
    Allow,
    /// Fail with `AlreadyExists` (queue files: an ID is never reused).
    Never,
}

/// The storage operations whose order and completion decide durability.
pub trait SyncFs: Send + Sync + fmt::Debug {
    /// Writes all of `buf` at the file's current position (or its end, for append).
    fn write_all(&self, file: &File, buf: &[u8]) -> io::Result<()>;
    /// Writes all of `buf` at `offset`.
    fn write_at(&self, file: &File, buf: &[u8], offset: u64) -> io::Result<()>;
    /// fsync(2): data and metadata of one file.
    fn sync_file(&self, file: &File) -> io::Result<()>;
    /// fdatasync(2): data of one file (for in-place updates that do not change its size).
    fn sync_data(&self, file: &File) -> io::Result<()>;
    /// rename(2), or renameat2(RENAME_NOREPLACE).
    fn rename(&self, from: &Path, to: &Path, replace: Replace) -> io::Result<()>;
    /// fsync(2) of a directory, making its entries (created, renamed) durable.
    fn sync_dir(&self, dir: &Path) -> io::Result<()>;
    /// syncfs(2) of the file system holding `dir`: all its dirty data at once.
    fn sync_filesystem(&self, dir: &Path) -> io::Result<()>;
}

/// The real thing.
#[derive(Debug, Clone, Copy, Default)]
pub struct RealFs;

fn open_dir(dir: &Path) -> io::Result<File> {
    OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::DIRECTORY.bits() as i32)
        .open(dir)
}

impl SyncFs for RealFs {
    fn write_all(&self, mut file: &File, buf: &[u8]) -> io::Result<()> {
        file.write_all(buf)
    }
    fn write_at(&self, file: &File, buf: &[u8], offset: u64) -> io::Result<()> {
        file.write_all_at(buf, offset)
    }
    fn sync_file(&self, file: &File) -> io::Result<()> {
        file.sync_all()
    }
    fn sync_data(&self, file: &File) -> io::Result<()> {
        file.sync_data()
    }
    fn rename(&self, from: &Path, to: &Path, replace: Replace) -> io::Result<()> {
        match replace {
            Replace::Allow => fs::rename(from, to),
            Replace::Never => match rustix::fs::renameat_with(
                rustix::fs::CWD,
                from,
                rustix::fs::CWD,
                to,
                rustix::fs::RenameFlags::NOREPLACE,
            ) {
                // File systems without RENAME_NOREPLACE (NFS, some FUSE): link(2) also
                // refuses an existing target; then drop the old name.
                Err(rustix::io::Errno::INVAL) | Err(rustix::io::Errno::NOSYS) => {
                    fs::hard_link(from, to)?;
                    fs::remove_file(from)
                }
                r => r.map_err(io::Error::from),
            },
        }
    }
    fn sync_dir(&self, dir: &Path) -> io::Result<()> {
        open_dir(dir)?.sync_all()
    }
    fn sync_filesystem(&self, dir: &Path) -> io::Result<()> {
        rustix::fs::syncfs(open_dir(dir)?).map_err(io::Error::from)
    }
}
