//! Read-only views of table files: memory-mapped files for the indexed readers, and the
//! one `unsafe` call that maps them.
//!
//! Owns: mapping a file and handing out its bytes. Never: writes a file, or maps one that
//! facteur changes in place (every indexed table is replaced by rename, see `atomic_file`).

use std::fs::File;
use std::io;
use std::ops::Deref;

/// The bytes of a table file: mapped, or owned (tests and fuzzing read from memory).
#[derive(Debug)]
pub enum Bytes {
    Mapped(memmap2::Mmap),
    Owned(Vec<u8>),
}

impl Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        match self {
            Bytes::Mapped(m) => m,
            Bytes::Owned(v) => v,
        }
    }
}

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        self
    }
}

/// Maps `file` read-only. An empty file is returned as empty owned bytes (a zero-length
/// mapping is not portable).
pub fn map(file: &File) -> io::Result<Bytes> {
    if file.metadata()?.len() == 0 {
        return Ok(Bytes::Owned(Vec::new()));
    }
    map_nonempty(file).map(Bytes::Mapped)
}

#[allow(unsafe_code)]
fn map_nonempty(file: &File) -> io::Result<memmap2::Mmap> {
    // SAFETY: a mapping is only undefined behaviour if the file changes under it.
    // facteur never modifies a table file in place: writers build a temporary file in the
    // same directory and rename it over the old one (`atomic_file`), so the inode mapped
    // here keeps its contents for as long as the mapping lives. A foreign program that
    // truncates the file in place could still cause SIGBUS; Postfix's own readers share
    // that exposure, and postmap never does it.
    unsafe { memmap2::Mmap::map(file) }
}
