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

use crate::source::{self, is_space, Item, Warning};
use crate::{OpenOptions, Table, TableError};

/// One `key value` line of a postmap source file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The key, lower-cased when the caller asked for folding.
    pub key: String,
    /// The key as written, which warnings quote.
    pub written_key: String,
    pub value: String,
    /// The line the logical line starts on.
    pub line: usize,
}

/// Who reads a postmap source: Postfix words one warning differently in postmap
/// and in its texthash: table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// `postmap` building an indexed table.
    Postmap,
    /// A `texthash:` table being opened.
    TextHash,
}

/// Why a logical postmap line gave no entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineError {
    /// A double quote left open in the key.
    UnbalancedQuote,
    /// A key without a value.
    NoValue,
}

impl LineError {
    /// Postfix's warning for the logical line `text` starting on `line` of `path`.
    pub fn warning(self, reader: Reader, path: &str, line: usize, text: &str) -> Warning {
        Warning(match (self, reader) {
            (LineError::UnbalancedQuote, _) => {
                format!("{path}, line {line}: unbalanced '\"' in '{text}' -- ignoring this line")
            }
            (LineError::NoValue, Reader::Postmap) => {
                format!("{path}, line {line}: expected format: key whitespace value")
            }
            (LineError::NoValue, Reader::TextHash) => format!(
                "{path}, line {line}: expected format: key whitespace value -- ignoring this line"
            ),
        })
    }
}

/// Splits one logical postmap line into key (as written, quotes and backslashes
/// kept) and value (trimmed).
pub fn split_line(text: &str) -> Result<(&str, &str), LineError> {
    let t = text.trim_end_matches(is_space);
    let key_len = key_length(t).ok_or(LineError::UnbalancedQuote)?;
    let (key, value) = (&t[..key_len], t[key_len..].trim_start_matches(is_space));
    if key.is_empty() || value.is_empty() {
        return Err(LineError::NoValue);
    }
    Ok((key, value))
}

/// Parses postmap input (as texthash: reads it). `path` is how warnings name the
/// file. Lines without a value are dropped with Postfix's warning; duplicates are
/// left to the caller.
pub fn parse_source(path: &str, text: &str, fold_case: bool) -> (Vec<Entry>, Vec<Warning>) {
    let mut entries = Vec::new();
    let mut warnings = Vec::new();
    for e in parse_in_order(path, text.as_bytes(), false, Reader::TextHash) {
        match e {
            Ok(mut e) => {
                if fold_case {
                    e.key = crate::writer::fold(&e.key, true).into_owned();
                }
                entries.push(e)
            }
            Err(w) => warnings.push(w),
        }
    }
    (entries, warnings)
}

/// A postmap source as entries and warnings in one sequence in file order, so a
/// caller that warns about duplicates as it stores puts those warnings where
/// Postfix does. Keys are not folded. `utf8_checks` drops lines that are not UTF-8
/// with Postfix's warning (smtputf8_enable and no `-u`).
pub fn parse_in_order(
    path: &str,
    bytes: &[u8],
    utf8_checks: bool,
    reader: Reader,
) -> Vec<Result<Entry, Warning>> {
    let mut out = Vec::new();
    for item in source::lines(path, bytes, utf8_checks) {
        let l = match item {
            Item::Line(l) => l,
            Item::Dropped(w) => {
                out.push(Err(w));
                continue;
            }
        };
        let (key, value) = match split_line(&l.text) {
            Ok(kv) => kv,
            Err(e) => {
                out.push(Err(e.warning(reader, path, l.first_line, &l.text)));
                continue;
            }
        };
        if key.ends_with(':') {
            out.push(Err(Warning(format!(
                "{path}, line {}: record is in \"key: value\" format; is this an alias file?",
                l.first_line
            ))));
        }
        out.push(Ok(Entry {
            key: key.to_string(),
            written_key: key.to_string(),
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
            c if is_space(c) && !quoted => return Some(i),
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
    Ok(Arc::new(TextHash::parse_with(name, &text, opts)))
}

/// An open `texthash:` table.
#[derive(Debug)]
pub struct TextHash {
    spec: String,
    fold_case: bool,
    utf8: bool,
    map: HashMap<String, String>,
    /// Keys in file order, for `entries`.
    order: Vec<String>,
    warnings: Vec<Warning>,
}

impl TextHash {
    /// Reads the postmap source `text`; `path` names it in warnings.
    pub fn parse(path: &str, text: &str, fold_case: bool) -> TextHash {
        TextHash::parse_with(
            path,
            text,
            &OpenOptions {
                fold_case,
                ..OpenOptions::default()
            },
        )
    }

    /// `parse` with every open option (folding of non-ASCII letters with `utf8`).
    pub fn parse_with(path: &str, text: &str, opts: &OpenOptions) -> TextHash {
        let fold_case = opts.fold_case;
        let mut warnings = Vec::new();
        let mut map = HashMap::new();
        let mut order = Vec::new();
        for e in parse_in_order(path, text.as_bytes(), false, Reader::TextHash) {
            let mut e = match e {
                Ok(e) => e,
                Err(w) => {
                    warnings.push(w);
                    continue;
                }
            };
            if fold_case {
                e.key = crate::writer::fold(&e.key, opts.utf8).into_owned();
            }
            if map.contains_key(&e.key) {
                warnings.push(Warning(format!(
                    "{path}, line {}: duplicate entry: \"{}\"",
                    e.line, e.written_key
                )));
                continue;
            }
            order.push(e.key.clone());
            map.insert(e.key, e.value);
        }
        TextHash {
            spec: format!("texthash:{path}"),
            fold_case,
            utf8: opts.utf8,
            map,
            order,
            warnings,
        }
    }
}

impl Table for TextHash {
    fn lookup(&self, key: &str) -> Result<Option<String>, TableError> {
        let v = if self.fold_case {
            self.map.get(crate::writer::fold(key, self.utf8).as_ref())
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

    mod props {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn no_input_panics(text in "[a-z \t\r\n:\"\\\\#]{0,200}", key in "[a-z:\"]{0,8}") {
                for fold in [true, false] {
                    let t = TextHash::parse("/p", &text, fold);
                    let _ = t.lookup(&key);
                    let _ = t.entries();
                }
            }
        }
    }
}
