//! The one way facteur makes a file durable: write a temporary file, fsync it, rename it
//! into place, fsync the directory (chasquid's `safeio`). Queue files, logs, `postconf
//! -e` and `postmap` all go through here.
//!
//! Every step that touches stable storage is a method of [`SyncFs`], passed in by the
//! caller. Production passes [`RealFs`]; tests pass an implementation that fails or
//! records at a chosen step, to check that a crash at any point leaves the target either
//! absent (or as it was) or complete, and that nothing is acknowledged before it is on
//! disk. There is no global switch and no test-only branch here.

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

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

/// Prefix of temporary names. A leading dot is not in the queue ID alphabet, so queue
/// scans never mistake a temporary file for a message.
pub const TEMP_PREFIX: &str = ".tmp.";

/// A file being written under a temporary name; removed on drop unless renamed into
/// place.
#[derive(Debug)]
pub struct TempFile {
    file: File,
    guard: Unlinker,
}

/// Removes the temporary name on drop, unless it was renamed away.
#[derive(Debug)]
struct Unlinker {
    path: PathBuf,
    renamed: bool,
}

impl Drop for Unlinker {
    fn drop(&mut self) {
        if !self.renamed {
            // Best effort: a leftover is removed by queue recovery at the next start.
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl TempFile {
    /// Creates a new empty file with a unique temporary name in `dir`.
    pub fn create_in(dir: &Path, mode: u32) -> io::Result<TempFile> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let thread = format!("{:?}", std::thread::current().id());
        let thread: String = thread.chars().filter(char::is_ascii_digit).collect();
        for attempt in 0u32..1000 {
            let path = dir.join(format!(
                "{TEMP_PREFIX}{}.{thread}.{nanos}.{attempt}",
                std::process::id()
            ));
            match OpenOptions::new()
                .read(true)
                .write(true)
                .create_new(true)
                .mode(mode)
                .open(&path)
            {
                Ok(file) => {
                    return Ok(TempFile {
                        file,
                        guard: Unlinker {
                            path,
                            renamed: false,
                        },
                    })
                }
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(e),
            }
        }
        Err(io::Error::new(
            io::ErrorKind::AlreadyExists,
            "no free temporary name",
        ))
    }

    pub fn file(&self) -> &File {
        &self.file
    }

    /// The temporary name, or the final one once renamed.
    pub fn path(&self) -> &Path {
        &self.guard.path
    }

    /// Step 2: the file's bytes on stable storage.
    pub fn sync(&self, fs: &dyn SyncFs) -> io::Result<()> {
        fs.sync_file(&self.file)
    }

    /// Step 3: the file under its final name (not yet durable: sync `to`'s directory
    /// next). On failure the temporary name stays, and is removed on drop.
    pub fn rename_into(&mut self, fs: &dyn SyncFs, to: &Path, replace: Replace) -> io::Result<()> {
        fs.rename(&self.guard.path, to, replace)?;
        self.guard.renamed = true;
        self.guard.path = to.to_path_buf();
        Ok(())
    }

    /// The open file; the temporary name is removed unless it was renamed.
    pub fn into_file(self) -> File {
        let TempFile { file, guard } = self;
        drop(guard);
        file
    }

    /// All steps: sync the file, rename it to `to`, sync `to`'s directory.
    pub fn commit(mut self, fs: &dyn SyncFs, to: &Path, replace: Replace) -> io::Result<File> {
        self.sync(fs)?;
        self.rename_into(fs, to, replace)?;
        fs.sync_dir(parent(to))?;
        Ok(self.into_file())
    }
}

/// The directory holding `path`.
pub fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// Writes `contents` to `path` atomically and durably: after `Ok`, `path` holds exactly
/// `contents` across a crash; after `Err` or a crash before `Ok`, `path` holds its old
/// contents (or, with [`Replace::Never`], did not exist and still may not).
pub fn write_atomic(
    fs: &dyn SyncFs,
    path: &Path,
    contents: &[u8],
    mode: u32,
    replace: Replace,
) -> io::Result<()> {
    let tmp = TempFile::create_in(parent(path), mode)?;
    fs.write_all(tmp.file(), contents)?;
    tmp.commit(fs, path, replace)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testfs::{FaultFs, Op};

    #[test]
    fn writes_and_replaces() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("main.cf");
        write_atomic(&RealFs, &path, b"one\n", 0o644, Replace::Allow).expect("write");
        write_atomic(&RealFs, &path, b"two\n", 0o644, Replace::Allow).expect("replace");
        assert_eq!(fs::read(&path).expect("read"), b"two\n");
        let err = write_atomic(&RealFs, &path, b"3\n", 0o644, Replace::Never).expect_err("exists");
        assert_eq!(err.kind(), io::ErrorKind::AlreadyExists);
        assert_eq!(fs::read(&path).expect("read"), b"two\n");
        assert_eq!(
            fs::read_dir(tmp.path()).expect("dir").count(),
            1,
            "no temp left"
        );
    }

    /// A failure at any step leaves the target as it was or complete, never partial,
    /// and leaves no temporary file behind.
    #[test]
    fn failure_at_any_step_leaves_old_or_new() {
        for op in [Op::Write, Op::SyncFile, Op::Rename, Op::SyncDir] {
            let tmp = tempfile::tempdir().expect("tmp");
            let path = tmp.path().join("table.db");
            fs::write(&path, b"old").expect("old");
            let faults = FaultFs::failing_at(op);
            let r = write_atomic(&faults, &path, b"new contents", 0o600, Replace::Allow);
            assert!(r.is_err(), "{op:?} must fail the write");
            let now = fs::read(&path).expect("read");
            assert!(now == b"old" || now == b"new contents", "{op:?}: {now:?}");
            if op != Op::SyncDir {
                assert_eq!(now, b"old", "{op:?}: renamed before durable");
            }
            assert_eq!(fs::read_dir(tmp.path()).expect("dir").count(), 1, "{op:?}");
        }
    }

    #[test]
    fn steps_happen_in_durable_order() {
        let tmp = tempfile::tempdir().expect("tmp");
        let path = tmp.path().join("f");
        let rec = FaultFs::recording();
        write_atomic(&rec, &path, b"x", 0o600, Replace::Never).expect("write");
        assert_eq!(
            rec.ops(),
            vec![Op::Write, Op::SyncFile, Op::Rename, Op::SyncDir]
        );
    }
}
