//! `fail:name` tables: every lookup fails with an error (never a plain "not found"),
//! so a caller defers as Postfix does.

use std::sync::Arc;

use crate::{OpenOptions, Table, TableError};

/// Opens `fail:name`.
pub fn open(name: &str, _opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    if name.is_empty() {
        return Err(crate::static_map::no_name("fail"));
    }
    Ok(Arc::new(Fail {
        spec: format!("fail:{name}"),
    }))
}

/// An open `fail:` table.
#[derive(Debug)]
pub struct Fail {
    spec: String,
}

impl Table for Fail {
    fn lookup(&self, _key: &str) -> Result<Option<String>, TableError> {
        Err(query_error(&self.spec))
    }

    fn entries(&self) -> Result<Vec<(String, String)>, TableError> {
        Err(TableError::Query {
            spec: self.spec.clone(),
            operation: "sequence",
            reason: "Application error".into(),
        })
    }

    fn spec(&self) -> &str {
        &self.spec
    }
}

/// The error of a failed lookup in `spec`, worded as postmap reports it.
pub(crate) fn query_error(spec: &str) -> TableError {
    TableError::Query {
        spec: spec.to_string(),
        operation: "query",
        reason: "Application error".into(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn always_fails() {
        let t = open("foo", &OpenOptions::default()).unwrap();
        assert_eq!(
            t.lookup("a").unwrap_err().to_string(),
            "table fail:foo: query error: Application error"
        );
        assert_eq!(
            t.entries().unwrap_err().to_string(),
            "table fail:foo: sequence error: Application error"
        );
    }
}
