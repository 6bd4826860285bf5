//! `cdb:` tables, byte-compatible with the tinycdb files Postfix's postmap writes.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `cdb:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "cdb (being built: issue 3)".into(),
    ))
}
