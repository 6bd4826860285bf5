//! `pipemap:{ t1, t2, ... }` (Postfix `util/dict_pipe.c`): the result of each table
//! is the key for the next; the last table's result is the answer. A miss at any
//! stage is a miss (later tables are not asked); an error is the pipe's error.

use std::sync::Arc;

use crate::unionmap::open_members;
use crate::{OpenOptions, Table, TableError};

/// Opens `pipemap:{...}`.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    Ok(Arc::new(Pipe {
        spec: format!("pipemap:{name}"),
        members: open_members("pipemap", name, opts)?,
    }))
}

/// An open `pipemap:` table.
#[derive(Debug)]
pub struct Pipe {
    spec: String,
    members: Vec<Arc<dyn Table>>,
}

impl Table for Pipe {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let mut current = key.to_string();
        for t in &self.members {
            match t.lookup(&current) {
                Ok(Some(v)) => current = v,
                Ok(None) => return Ok(None),
                Err(TableError::Query {
                    operation, reason, ..
                }) => {
                    return Err(TableError::Query {
                        spec: self.spec.clone(),
                        operation,
                        reason,
                    })
                }
                Err(e) => return Err(e),
            }
        }
        Ok(Some(current))
    }

    fn spec(&self) -> &str {
        &self.spec
    }

    /// A pattern table only when every member is one, so partial keys still reach
    /// the members that take them.
    fn is_pattern(&self) -> bool {
        self.members.iter().all(|t| t.is_pattern())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn q(spec: &str, key: &str) -> Result<Option<String>, String> {
        crate::open(spec, &OpenOptions::default())
            .map_err(|e| e.to_string())?
            .lookup(key)
            .map_err(|e| e.to_string())
    }

    #[test]
    fn each_result_is_the_next_key() {
        assert_eq!(
            q("pipemap:{inline:{a=b}, inline:{b=c}}", "A")
                .unwrap()
                .as_deref(),
            Some("c")
        );
        assert_eq!(
            q("pipemap:{inline:{a=b}, inline:{x=c}}", "a").unwrap(),
            None
        );
        assert_eq!(
            q("pipemap:{inline:{a=b}}", "a").unwrap().as_deref(),
            Some("b")
        );
        assert_eq!(
            q("pipemap:{inline:{a=b, A=c}, inline:{b=X}}", "a").unwrap(),
            None
        );
        assert_eq!(q("pipemap:{inline:{a=b}, fail:x}", "c").unwrap(), None);
        assert_eq!(
            q("pipemap:{inline:{a=b}, fail:x}", "a").unwrap_err(),
            "table pipemap:{inline:{a=b}, fail:x}: query error: Application error"
        );
    }
}
