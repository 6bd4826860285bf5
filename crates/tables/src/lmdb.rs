//! `lmdb:` tables through heed.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `lmdb:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "lmdb (being built: issue 3)".into(),
    ))
}
