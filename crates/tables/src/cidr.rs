//! `cidr:` tables (cidr_table(5)): IPv4/IPv6 networks, if/endif, first match wins.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `cidr:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "cidr (being built: issue 3)".into(),
    ))
}
