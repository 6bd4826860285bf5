//! A file written under a temporary name beside its target, then renamed into place.

use std::fs::{self, File, OpenOptions, Permissions};
use std::io;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::{Options, Perms, Replace, SyncFs};

/// Prefix of temporary names. A leading dot hides them from `ls` and is not in the
/// queue ID alphabet, so queue scans never mistake a temporary file for a message.
pub const TEMP_PREFIX: &str = ".tmp.";

/// Distinguishes temporary names made by one process in the same nanosecond.
static COUNTER: AtomicU64 = AtomicU64::new(0);

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
            // Best effort. After a crash a leftover stays; the queue removes its own at
            // the next start.
            let _ = fs::remove_file(&self.path);
        }
    }
}

impl TempFile {
    /// Creates a new empty file with a unique temporary name in `dir`, with `mode` less
    /// the umask.
    pub fn create_in(dir: &Path, mode: u32) -> io::Result<TempFile> {
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        let pid = std::process::id();
        for _ in 0u32..1000 {
            let n = COUNTER.fetch_add(1, Ordering::Relaxed);
            let path = dir.join(format!("{TEMP_PREFIX}{pid}.{nanos}.{n}"));
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

    /// Creates the temporary file for `target` in its directory, with the permissions
    /// and owner of `opts` already set. Commit it with `opts.replace`.
    pub fn create_for(target: &Path, opts: &Options) -> io::Result<TempFile> {
        let (create, exact) = match opts.perms {
            Perms::Create(mode) => (mode, None),
            Perms::Exact(mode) => (mode, Some(mode)),
            Perms::KeepTarget(mode) => match fs::metadata(target) {
                Ok(meta) => (mode, Some(meta.permissions().mode() & 0o7777)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => (mode, None),
                Err(e) => return Err(e),
            },
        };
        let tmp = TempFile::create_in(parent(target), create)?;
        if let Some(owner) = opts.owner {
            // Before the mode: chown clears set-ID bits.
            rustix::fs::fchown(
                &tmp.file,
                owner.uid.map(rustix::fs::Uid::from_raw),
                owner.gid.map(rustix::fs::Gid::from_raw),
            )?;
        }
        if let Some(mode) = exact {
            tmp.file.set_permissions(Permissions::from_mode(mode))?;
        }
        Ok(tmp)
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

    /// All steps after writing: sync the file, rename it to `to`, sync `to`'s
    /// directory. On failure before the rename the temporary file is removed.
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
