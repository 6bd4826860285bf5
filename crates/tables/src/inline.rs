//! `inline:{ key=value, { key = text with spaces } }` tables (Postfix
//! `util/dict_inline.c`): a small table written in its own name.
//!
//! Owns: the element syntax, Postfix's fatal complaints, key folding. A key given
//! twice keeps the last value, as in Postfix.

use std::collections::HashMap;
use std::sync::Arc;

use crate::source::{is_space, split_outside_braces, strip_braces};
use crate::{OpenOptions, Table, TableError};

/// Opens `inline:{...}`.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    if name.is_empty() {
        return Err(crate::static_map::no_name("inline"));
    }
    let bad = |reason: &str| {
        TableError::Malformed(format!(
            "{reason}: \"inline:{name}\"; need \"inline:{{name=value...}}\""
        ))
    };
    let inner = strip_braces(name, "inline").map_err(|_| bad("bad syntax"))?;
    let pieces = split_outside_braces(inner);
    if pieces.is_empty() {
        return Err(bad("bad syntax"));
    }
    let mut map = HashMap::new();
    let mut order: Vec<String> = Vec::new();
    for piece in pieces {
        let (key, value) = if piece.starts_with('{') {
            let body = strip_braces(piece, "inline").map_err(|e| {
                let r = e.to_string();
                bad(r.strip_prefix("inline: ").unwrap_or(&r))
            })?;
            // Postfix 3.7: `{ name = value }`, the name one word (white space may
            // surround `=`; the value keeps its inner spaces).
            if body.is_empty() {
                return Err(bad("no key found; expected format: key = value"));
            }
            let end = body
                .find(|c: char| is_space(c) || c == '=')
                .unwrap_or(body.len());
            let (k, rest) = body.split_at(end);
            let v = rest
                .trim_start_matches(is_space)
                .strip_prefix('=')
                .ok_or_else(|| bad("missing '=' after attribute name"))?;
            (k, v.trim_matches(is_space))
        } else {
            if piece.contains('"') {
                return Err(bad("unbalanced '\"'"));
            }
            piece
                .split_once('=')
                .ok_or_else(|| bad("missing '=' after attribute name"))?
        };
        let key = if opts.fold_case {
            crate::writer::fold(key, opts.utf8).into_owned()
        } else {
            key.to_string()
        };
        if !map.contains_key(&key) {
            order.push(key.clone());
        }
        map.insert(key, value.to_string());
    }
    Ok(Arc::new(Inline {
        spec: format!("inline:{name}"),
        fold_case: opts.fold_case,
        utf8: opts.utf8,
        map,
        order,
    }))
}

/// An open `inline:` table.
#[derive(Debug)]
pub struct Inline {
    spec: String,
    fold_case: bool,
    utf8: bool,
    map: HashMap<String, String>,
    /// Keys in the order first given, for `entries`.
    order: Vec<String>,
}

impl Table for Inline {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let v = if self.fold_case {
            self.map.get(crate::writer::fold(key, self.utf8).as_ref())
        } else {
            self.map.get(key)
        };
        Ok(v.cloned())
    }

    /// In the order given (Postfix lists in its hash order, which differs).
    fn entries(&self) -> Result<Vec<(String, String)>, TableError> {
        Ok(self
            .order
            .iter()
            .filter_map(|k| self.map.get(k).map(|v| (k.clone(), v.clone())))
            .collect())
    }

    fn spec(&self) -> &str {
        &self.spec
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn err(name: &str) -> String {
        open(name, &OpenOptions::default()).unwrap_err().to_string()
    }

    #[test]
    fn elements_and_folding() {
        let t = open(
            "{ a=1, B=2 , { c = text with spaces }, d=,, a=3, {Émile=x} }",
            &OpenOptions::default(),
        )
        .unwrap();
        assert_eq!(t.lookup("A").unwrap().as_deref(), Some("3"));
        assert_eq!(t.lookup("b").unwrap().as_deref(), Some("2"));
        assert_eq!(t.lookup("c").unwrap().as_deref(), Some("text with spaces"));
        assert_eq!(t.lookup("d").unwrap().as_deref(), Some(""));
        assert_eq!(t.lookup("e").unwrap(), None);
        assert_eq!(t.lookup("ÉMILE").unwrap().as_deref(), Some("x"));
        let e = t.entries().unwrap();
        assert_eq!(e[0], ("a".to_string(), "3".to_string()));
        assert_eq!(e.len(), 5);
        let legacy = OpenOptions {
            fold_case: true,
            utf8: false,
        };
        let t = open("{Émile=x}", &legacy).unwrap();
        assert_eq!(t.lookup("ÉMILE").unwrap().as_deref(), Some("x"));
        assert_eq!(t.lookup("émile").unwrap(), None);
    }

    #[test]
    fn postfix_complaints() {
        assert_eq!(
            err("{}"),
            "bad syntax: \"inline:{}\"; need \"inline:{name=value...}\""
        );
        assert_eq!(
            err("a=1"),
            "bad syntax: \"inline:a=1\"; need \"inline:{name=value...}\""
        );
        assert_eq!(
            err("{ a = 1 }"),
            "missing '=' after attribute name: \"inline:{ a = 1 }\"; need \"inline:{name=value...}\""
        );
        assert_eq!(
            err("{k=v, {two words=x}}"),
            "missing '=' after attribute name: \"inline:{k=v, {two words=x}}\"; need \"inline:{name=value...}\""
        );
        assert_eq!(
            err("{{}}"),
            "no key found; expected format: key = value: \"inline:{{}}\"; need \"inline:{name=value...}\""
        );
        assert_eq!(
            err("{ {a=1}x }"),
            "syntax error after '}' in \"{a=1}x\": \"inline:{ {a=1}x }\"; need \"inline:{name=value...}\""
        );
        assert_eq!(
            err("{a=\"q v\"}"),
            "unbalanced '\"': \"inline:{a=\"q v\"}\"; need \"inline:{name=value...}\""
        );
    }

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn no_spec_panics(name in "[a-z {}=,\"]{0,60}") {
                let o = OpenOptions::default();
                for kind in ["inline", "static", "unionmap", "pipemap", "regexp", "pcre", "cidr"] {
                    if let Ok(t) = crate::open(&format!("{kind}:{name}"), &o) {
                        let _ = t.lookup("a");
                    }
                }
            }
        }
    }
}
