//! `unionmap:{ t1, t2, ... }`: every table's result, comma-joined.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `unionmap:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "unionmap (being built: issue 3)".into(),
    ))
}
