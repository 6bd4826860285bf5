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
    for item in source::lines_in_order(path, text) {
        let l = match item {
            Ok(l) => l,
            Err(w) => {
                warnings.push(w);
                continue;
            }
        };
        let t = l.text.trim_end();
        let (key, value) = match t.find(char::is_whitespace) {
            Some(i) => (&t[..i], t[i..].trim_start()),
            None => (t, ""),
        };
        if value.is_empty() {
            warnings.push(Warning(format!(
                "{path}, line {}: expected format: key whitespace value -- ignoring this line",
                l.first_line
            )));
            continue;
        }
        if key.len() > 1 && key.ends_with(':') {
            warnings.push(Warning(format!(
                "{path}, line {}: record is in \"key: value\" format; is this an alias file?",
                l.first_line
            )));
        }
        entries.push(Entry {
            key: if fold_case {
                key.to_ascii_lowercase()
            } else {
                key.to_string()
            },
            value: value.to_string(),
            line: l.first_line,
        });
    }
    (entries, warnings)
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
    warnings: Vec<Warning>,
}

impl TextHash {
    /// Reads the postmap source `text`; `path` names it in warnings.
    pub fn parse(path: &str, text: &str, fold_case: bool) -> TextHash {
        let (entries, mut warnings) = parse_source(path, text, fold_case);
        let mut map = HashMap::with_capacity(entries.len());
        for e in entries {
            if map.contains_key(&e.key) {
                warnings.push(Warning(format!(
                    "{path}, line {}: duplicate entry: \"{}\"",
                    e.line, e.key
                )));
                continue;
            }
            map.insert(e.key, e.value);
        }
        TextHash {
            spec: format!("texthash:{path}"),
            fold_case,
            map,
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

    fn spec(&self) -> &str {
        &self.spec
    }

    fn warnings(&self) -> &[Warning] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T1: &str = "Key1 v1\nkey1 dup\nnovalue\n  cont\n\"q k\" qv\nk2\tmulti  word  \n\
k3:colon x\n k4 orphan\nk5 a\n\n  b\nUPPER x\n";

    #[test]
    fn answers_as_postfix() {
        let t = TextHash::parse("/t", T1, true);
        for (k, v) in [
            ("key1", Some("v1")),
            ("KEY1", Some("v1")),
            ("novalue", Some("cont")),
            ("\"q", Some("k\" qv")),
            ("k2", Some("multi  word")),
            ("k3:colon", Some("x k4 orphan")),
            ("upper", Some("x")),
            ("k5", Some("a  b")),
            ("k4", None),
        ] {
            assert_eq!(t.lookup(k).unwrap().as_deref(), v, "{k}");
        }
        assert_eq!(t.warnings()[0].0, "/t, line 2: duplicate entry: \"key1\"");
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
                "/t, line 6: record is in \"key: value\" format; is this an alias file?",
                "/t, line 5: duplicate entry: \"k\"",
            ]
        );
        assert_eq!(t.lookup("a:").unwrap().as_deref(), Some("b"));
    }
}
