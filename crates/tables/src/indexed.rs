//! `hash:` and `btree:` tables in facteur's own indexed file format (`name.db`), built by postmap.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `hash:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open(kind: &str, name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (kind, name, opts);
    Err(TableError::UnsupportedType(
        "hash (being built: issue 3)".into(),
    ))
}
