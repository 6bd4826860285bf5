//! `texthash:` tables: a postmap source file read into memory at open (Postfix
//! `util/dict_thash.c`), and the postmap source format itself (`key whitespace
//! value`, continuation lines, comments) that postmap also builds indexed tables from.
//!
//! Owns: the parse of postmap input with Postfix's warnings, key case folding, and
//! duplicates (first one kept, with a warning).
//! Never: the aliases(5) format. `texthash:` reads every file in postmap format,
//! even under postalias, as Postfix does.

use std::collections::HashMap;
use std::sync::Arc;

use crate::source::{self, Warning};
use crate::{OpenOptions, Table, TableError};

/// One `key value` line of a postmap source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, lower-cased when the caller asked for folding.
    pub key: String,
    pub value: String,
    /// The line the logical line starts on.
    pub line: usize,
}

/// Parses postmap input. `path` is how warnings name the file. Lines without a
/// value are dropped with Postfix's warning; duplicates are left to the caller.
pub fn parse_source(path: &str, text: &str, fold_case: bool) -> (Vec<Entry>, Vec<Warning>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for e in parse_in_order(path, text, fold_case) {
        match e {
            Ok(e) => entries.push(e),
            Err(w) => warnings.push(w),
        }
    }
    (entries, warnings)
}

/// `parse_source` as one sequence in file order, so a caller that warns about
/// duplicates as it stores puts those warnings where Postfix does.
pub fn parse_in_order(path: &str, text: &str, fold_case: bool) -> Vec<Result<Entry, Warning>> {
    let mut out = Vec::new();
    for item in source::lines_in_order(path, text) {
        let l = match item {
            Ok(l) => l,
            Err(w) => {
                out.push(Err(w));
                continue;
            }
        };
        let t = l.text.trim_end();
        let Some(key_len) = key_length(t) else {
            out.push(Err(Warning(format!(
                "{path}, line {}: unbalanced '\"' in '{t}' -- ignoring this line",
                l.first_line
            ))));
            continue;
        };
        let (key, value) = (&t[..key_len], t[key_len..].trim_start());
        if value.is_empty() {
            out.push(Err(Warning(format!(
                "{path}, line {}: expected format: key whitespace value -- ignoring this line",
                l.first_line
            ))));
            continue;
        }
        if key.ends_with(':') {
            out.push(Err(Warning(format!(
                "{path}, line {}: record is in \"key: value\" format; is this an alias file?",
                l.first_line
            ))));
        }
        out.push(Ok(Entry {
            key: if fold_case {
                key.to_ascii_lowercase()
            } else {
                key.to_string()
            },
            value: value.to_string(),
            line: l.first_line,
        }));
    }
    out
}

/// Where the key of a postmap line ends: at the first white space outside double
/// quotes, a backslash protecting the character after it. The key keeps its quotes
/// and backslashes. `None` when a quote is left open.
fn key_length(line: &str) -> Option<usize> {
    let mut quoted = false;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => {
                chars.next();
            }
            '"' => quoted = !quoted,
            c if c.is_whitespace() && !quoted => return Some(i),
            _ => {}
        }
    }
    (!quoted).then_some(line.len())
}

/// Opens `texthash:path`.
pub fn open(name: &str, opts: &OpenOptions) -> Result<Arc<dyn Table>, TableError> {
    if name.is_empty() {
        return Err(crate::static_map::no_name("texthash"));
    }
    let text = match std::fs::read(name) {
        Ok(b) => String::from_utf8_lossy(&b).into_owned(),
        Err(source) => {
            return Err(TableError::Open {
                path: name.to_string(),
                source,
            })
        }
    };
    Ok(Arc::new(TextHash::parse(name, &text, opts.fold_case)))
}

/// An open `texthash:` table.
#[derive(Debug)]
pub struct TextHash {
    spec: String,
    fold_case: bool,
    map: HashMap<String, String>,
    /// Keys in file order, for `entries`.
    order: Vec<String>,
    warnings: Vec<Warning>,
}

impl TextHash {
    /// Reads the postmap source `text`; `path` names it in warnings.
    pub fn parse(path: &str, text: &str, fold_case: bool) -> TextHash {
        let mut warnings = Vec::new();
        let mut map = HashMap::new();
        let mut order = Vec::new();
        for e in parse_in_order(path, text, fold_case) {
            let e = match e {
                Ok(e) => e,
                Err(w) => {
                    warnings.push(w);
                    continue;
                }
            };
            if map.contains_key(&e.key) {
                warnings.push(Warning(format!(
                    "{path}, line {}: duplicate entry: \"{}\"",
                    e.line, e.key
                )));
                continue;
            }
            order.push(e.key.clone());
            map.insert(e.key, e.value);
        }
        TextHash {
            spec: format!("texthash:{path}"),
            fold_case,
            map,
            order,
            warnings,
        }
    }
}

impl Table for TextHash {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let v = if self.fold_case {
            self.map.get(&key.to_ascii_lowercase())
        } else {
            self.map.get(key)
        };
        Ok(v.cloned())
    }

    /// In file order (Postfix lists in its hash order, which differs).
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

    fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn quoted_keys() {
        let text = "\"a b\" v1\nx\"y z\"w v2\n\"unterminated v4\nk2\\ y v\n\"q x\":y\n";
        let t = TextHash::parse("/q", text, true);
        assert_eq!(t.lookup("\"a b\"").unwrap().as_deref(), Some("v1"));
        assert_eq!(t.lookup("x\"y z\"w").unwrap().as_deref(), Some("v2"));
        assert_eq!(t.lookup("k2\\ y").unwrap().as_deref(), Some("v"));
        let w: Vec<_> = t.warnings().iter().map(|w| w.0.as_str()).collect();
        assert_eq!(
            w,
            [
                "/q, line 3: unbalanced '\"' in '\"unterminated v4' -- ignoring this line",
                "/q, line 5: expected format: key whitespace value -- ignoring this line",
            ]
        );
    }

    const T1: &str = "Key1 v1\nkey1 dup\nnovalue\n  cont\n\"q k\" qv\nk2\tmulti  word  \n\
k3:colon x\n k4 orphan\nk5 a\n\n  b\nUPPER x\n";

    #[test]
    fn answers_as_postfix() {
        let t = TextHash::parse("/t", T1, true);
        for (k, v) in [
            ("key1", Some("v1")),
            ("KEY1", Some("v1")),
            ("novalue", Some("cont")),
            ("\"q", None),
            ("\"q k\"", Some("qv")),
            ("k2", Some("multi  word")),
            ("k3:colon", Some("x k4 orphan")),
            ("upper", Some("x")),
            ("k5", Some("a  b")),
            ("k4", None),
        ] {
            assert_eq!(t.lookup(k).unwrap().as_deref(), v, "{k}");
        }
        assert_eq!(t.warnings()[0].0, "/t, line 2: duplicate entry: \"key1\"");
        let e = t.entries().unwrap();
        assert_eq!(e[0], ("key1".to_string(), "v1".to_string()));
        assert_eq!(e.len(), 7);
        let t = TextHash::parse("/t", T1, false);
        assert_eq!(t.lookup("UPPER").unwrap().as_deref(), Some("x"));
        assert_eq!(t.lookup("upper").unwrap(), None);
    }

    #[test]
    fn warnings_in_file_order() {
        let t = TextHash::parse("/t", "  orphan x\nonly\nk v\n# c\nk v2\na: b\n", true);
        let w: Vec<_> = t.warnings().iter().map(|w| w.0.as_str()).collect();
        assert_eq!(
            w,
            [
                "/t: logical line must not start with whitespace: \"  orphan x\"",
                "/t, line 2: expected format: key whitespace value -- ignoring this line",
                "/t, line 5: duplicate entry: \"k\"",
                "/t, line 6: record is in \"key: value\" format; is this an alias file?",
            ]
        );
        assert_eq!(t.lookup("a:").unwrap().as_deref(), Some("b"));
    }
}
