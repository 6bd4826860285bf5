//! `static:value` tables (`static` is a Rust keyword): every lookup finds the same
//! value; `static:{ text with spaces }` keeps the spaces.

use std::sync::Arc;

use crate::source::strip_braces;
use crate::{OpenOptions, Table, TableError};

/// Postfix's complaint for `type:` with nothing after the colon.
pub(crate) fn no_name(kind: &str) -> TableError {
    TableError::BadSpec(format!(
        "open dictionary: expecting \"type:name\" form instead of \"{kind}:\""
    ))
}

/// Opens `static:name`.
pub fn open(name: &str, _opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    if name.is_empty() {
        return Err(no_name("static"));
    }
    let value = if name.starts_with('{') {
        strip_braces(name, "x").map_err(|e| {
            let reason = e.to_string();
            let reason = reason.strip_prefix("x: ").unwrap_or(&reason).to_string();
            TableError::Malformed(format!("bad static:name syntax: {reason}"))
        })?
    } else {
        name
    };
    Ok(Arc::new(Static {
        spec: format!("static:{name}"),
        value: value.to_string(),
    }))
}

/// An open `static:` table.
#[derive(Debug)]
pub struct Static {
    spec: String,
    value: String,
}

impl Table for Static {
    fn lookup(&self, _key: &str) -> Result<Option<String>, TableError> {
        Ok(Some(self.value.clone()))
    }

    fn spec(&self) -> &str {
        &self.spec
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn values() {
        let o = OpenOptions::default();
        assert_eq!(
            open("foo bar", &o).unwrap().lookup("x").unwrap().as_deref(),
            Some("foo bar")
        );
        let t = open("{ text with spaces }", &o).unwrap();
        assert_eq!(t.lookup("x").unwrap().as_deref(), Some("text with spaces"));
        assert_eq!(
            open("{x}y", &o).unwrap_err().to_string(),
            "bad static:name syntax: syntax error after '}' in \"{x}y\""
        );
        assert_eq!(
            open("", &o).unwrap_err().to_string(),
            "open dictionary: expecting \"type:name\" form instead of \"static:\""
        );
    }
}
