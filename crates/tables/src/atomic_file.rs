//! Table files are replaced through `safeio` (temporary file beside the target, fsync,
//! rename, fsync directory): a reader that has the old file open or mapped keeps the
//! old table, a new open sees the whole new one, and a failure removes the temporary.

use std::path::Path;

use safeio::{Options, RealFs, Replace, TempFile};

use crate::TableError;

/// The temporary file for `target`, mode 0666 less the umask (as Postfix's tables).
pub fn create(target: &Path) -> Result<TempFile, TableError> {
    TempFile::create_for(target, &Options::new(0o666)).map_err(|source| open(target, source))
}

/// Makes `temp` durable and renames it over `target`.
pub fn commit(temp: TempFile, target: &Path) -> Result<(), TableError> {
    let file = temp.commit(&RealFs, target, Replace::Allow);
    file.map(drop).map_err(|source| open(target, source))
}

fn open(path: &Path, source: std::io::Error) -> TableError {
    let path = path.display().to_string();
    TableError::Open { path, source }
}
