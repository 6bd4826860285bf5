//! The one way facteur makes a file durable: write a temporary file beside the target,
//! fsync it, rename it into place, fsync the directory (chasquid `internal/safeio`).
//! Queue files, per-message logs, `postconf -e`/`-Me`, and `postmap`/`postalias` tables
//! all go through here.
//!
//! Every step that touches stable storage is a method of [`SyncFs`], passed in by the
//! caller. Production passes [`RealFs`]; tests pass an implementation that fails or
//! records at a chosen step ([`fault::FaultFs`], or their own), to check that a crash
//! at any point leaves the target either as it was (or absent) or complete, and that
//! nothing is acknowledged before it is on disk. There is no global switch and no
//! test-only branch here.
//!
//! - [`write_atomic`] / [`write_with`]: a whole file from a buffer.
//! - [`TempFile`]: a file built in steps (streamed, or written by a library through its
//!   path), then [`TempFile::commit`]ted.
//!
//! Owns: temporary names, the write/fsync/rename/fsync-directory order, permissions and
//! owner of the new file, removing the temporary file on failure. Never: decides what
//! goes into the file. Imports no crate of ours (std and rustix only).

mod sync;
mod temp;

pub mod fault;

use std::io;
use std::path::Path;

pub use sync::{RealFs, Replace, SyncFs};
pub use temp::{parent, TempFile, TEMP_PREFIX};

/// The permission bits a new file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Perms {
    /// This mode at creation, less the process umask (as `open(2)`).
    Create(u32),
    /// Exactly these bits (set with `fchmod(2)`; the umask does not apply).
    Exact(u32),
    /// The permission bits of the file being replaced (the administrator's choice for
    /// `main.cf`); `Create(mode)` when there is none yet.
    KeepTarget(u32),
}

/// Who owns a new file (`fchown(2)`; `None` keeps the creating process's ID).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Owner {
    pub uid: Option<u32>,
    pub gid: Option<u32>,
}

/// How a file is created and put into place.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    pub perms: Perms,
    pub owner: Option<Owner>,
    pub replace: Replace,
}

impl Options {
    /// `mode` less the umask, the caller's owner, replacing any existing target.
    pub fn new(mode: u32) -> Options {
        Options {
            perms: Perms::Create(mode),
            owner: None,
            replace: Replace::Allow,
        }
    }

    pub fn perms(mut self, perms: Perms) -> Options {
        self.perms = perms;
        self
    }

    /// Gives the file this owner before it is renamed into place (needs privilege
    /// unless it is the caller's own).
    pub fn owner(mut self, uid: Option<u32>, gid: Option<u32>) -> Options {
        self.owner = Some(Owner { uid, gid });
        self
    }

    pub fn replace(mut self, replace: Replace) -> Options {
        self.replace = replace;
        self
    }
}

/// Writes `contents` to `path` atomically and durably: after `Ok`, `path` holds exactly
/// `contents` across a crash; after `Err` or a crash before `Ok`, `path` holds its old
/// contents (or, with [`Replace::Never`], did not exist and still may not). The new
/// file is created with `mode` less the umask.
pub fn write_atomic(
    fs: &dyn SyncFs,
    path: &Path,
    contents: &[u8],
    mode: u32,
    replace: Replace,
) -> io::Result<()> {
    write_with(fs, path, contents, &Options::new(mode).replace(replace))
}

/// [`write_atomic`] with the permissions and owner of `opts`, set before the rename so
/// the file never appears under its final name with other ones.
pub fn write_with(fs: &dyn SyncFs, path: &Path, contents: &[u8], opts: &Options) -> io::Result<()> {
    let tmp = TempFile::create_for(path, opts)?;
    fs.write_all(tmp.file(), contents)?;
    tmp.commit(fs, path, opts.replace)?;
    Ok(())
}

#[cfg(test)]
mod tests;
