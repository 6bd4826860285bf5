//! `static:value` tables (`static` is a Rust keyword).

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `static:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "static (being built: issue 3)".into(),
    ))
}
