//! `regexp:` and `pcre:` tables (regexp_table(5), pcre_table(5)): shared syntax, if/endif, `!/re/`, flags, `$1` substitution.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `regexp:name`. Not built yet: fails with a clear error rather than pretending.
pub fn open_regexp(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "regexp (being built: issue 3)".into(),
    ))
}

/// Opens `pcre:name`. Not built yet.
pub fn open_pcre(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    let _ = (name, opts);
    Err(TableError::UnsupportedType(
        "pcre (being built: issue 3)".into(),
    ))
}
