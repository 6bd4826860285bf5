//! `unionmap:{ t1, t2, ... }` (Postfix `util/dict_union.c`): asks every table and
//! joins what they found with commas, in table order; not found only when none
//! found anything. Any table's error is the union's error.

use std::sync::Arc;

use crate::source::{split_outside_braces, strip_braces};
use crate::{OpenOptions, Table, TableError};

/// Opens the tables listed in a `unionmap:` or `pipemap:` name.
pub(crate) fn open_members(
    kind: &str,
    name: &str,
    opts: &OpenOptions,
) -> Result<Vec<Arc<dyn Table>>, TableError> {
    if name.is_empty() {
        return Err(crate::static_map::no_name(kind));
    }
    let bad = || {
        TableError::Malformed(format!(
            "bad syntax: \"{kind}:{name}\"; need \"{kind}:{{type:name...}}\""
        ))
    };
    let inner = strip_braces(name, kind).map_err(|_| bad())?;
    let specs = split_outside_braces(inner);
    if specs.is_empty() {
        return Err(bad());
    }
    specs.into_iter().map(|s| crate::open(s, opts)).collect()
}

/// Opens `unionmap:{...}`.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    Ok(Arc::new(Union {
        spec: format!("unionmap:{name}"),
        members: open_members("unionmap", name, opts)?,
    }))
}

/// An open `unionmap:` table.
#[derive(Debug)]
pub struct Union {
    spec: String,
    members: Vec<Arc<dyn Table>>,
}

impl Table for Union {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let mut found: Option<String> = None;
        for t in &self.members {
            match t.lookup(key) {
                Ok(Some(v)) => match found.as_mut() {
                    Some(all) => {
                        all.push(',');
                        all.push_str(&v);
                    }
                    None => found = Some(v),
                },
                Ok(None) => {}
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
        Ok(found)
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
    fn joins_every_result() {
        let s = "unionmap:{inline:{a=1}, static:two, inline:{b=3}}";
        assert_eq!(q(s, "A").unwrap().as_deref(), Some("1,two"));
        assert_eq!(q(s, "c").unwrap().as_deref(), Some("two"));
        assert_eq!(q("unionmap:{inline:{b=3}}", "a").unwrap(), None);
        assert_eq!(
            q("unionmap:{ static:{a b}, static:c }", "x")
                .unwrap()
                .as_deref(),
            Some("a b,c")
        );
    }

    #[test]
    fn errors() {
        assert_eq!(
            q("unionmap:{inline:{a=1}, fail:x}", "a").unwrap_err(),
            "table unionmap:{inline:{a=1}, fail:x}: query error: Application error"
        );
        assert_eq!(
            q("unionmap:{}", "a").unwrap_err(),
            "bad syntax: \"unionmap:{}\"; need \"unionmap:{type:name...}\""
        );
        assert_eq!(
            q("unionmap:inline:{a=1}", "a").unwrap_err(),
            "bad syntax: \"unionmap:inline:{a=1}\"; need \"unionmap:{type:name...}\""
        );
        assert_eq!(
            q("unionmap:{inline:{a=1}, nosuch:x}", "a").unwrap_err(),
            "unsupported dictionary type: nosuch"
        );
    }
}
