//! `pipemap:{ t1, t2, ... }`: the result of each lookup is the key of the next.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `pipemap:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "pipemap (being built: issue 3)".into(),
    ))
}
