//! Tables that could not be opened (Postfix `util/dict_surrogate.c`): as in Postfix,
//! a bad table in a list does not stop the service; it is logged once when the
//! settings are built, and every lookup that reaches it fails, so that mail which
//! depends on it is deferred rather than misrouted.

use std::sync::Arc;

use tables::{Table, TableError};

/// A table that answers every lookup with an error.
#[derive(Debug)]
pub struct Unavailable {
    spec: String,
    reason: String,
}

impl Unavailable {
    /// The stand-in for `spec`, which failed to open for `reason`.
    pub fn table(spec: &str, reason: String) -> Arc<dyn Table> {
        Arc::new(Unavailable {
            spec: spec.to_string(),
            reason,
        })
    }

    /// The warning Postfix logs when it substitutes the table.
    pub fn warning(spec: &str, reason: &str) -> String {
        format!("{spec} is unavailable. {reason}")
    }
}

impl Table for Unavailable {
    fn lookup(&self, _key: &str) -> Result<Option<String>, TableError> {
        Err(TableError::Query {
            spec: self.spec.clone(),
            operation: "query",
            reason: self.reason.clone(),
        })
    }

    fn spec(&self) -> &str {
        &self.spec
    }
}

/// Opens `spec`, or a stand-in with its warning appended to `warnings`.
pub fn open(spec: &str, opts: &tables::OpenOptions, warnings: &mut Vec<String>) -> Arc<dyn Table> {
    match tables::open(spec, opts) {
        Ok(t) => t,
        Err(e) => {
            let reason = e.to_string();
            warnings.push(Unavailable::warning(spec, &reason));
            Unavailable::table(spec, reason)
        }
    }
}
