//! postmap's source syntax: `key whitespace value` per logical line. The key ends at
//! the first white space outside double quotes (a backslash protects the next
//! character) and keeps its quotes; the value is trimmed. Malformed lines are
//! reported with file and line, as Postfix words it, and skipped.
//!
//! Never: folds case or stores anything (the table writer does).

use tables::source::logical_lines;

use crate::table_opts::Diag;

/// One `key value` entry and the line it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub line: usize,
    pub key: String,
    pub value: String,
}

/// Why a logical line gave no entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LineError {
    UnbalancedQuote,
    NoValue,
}

/// Splits one logical line into key and value.
pub fn split_entry(text: &str) -> Result<(String, String), LineError> {
    let mut in_quotes = false;
    let mut escaped = false;
    let mut end = text.len();
    for (i, c) in text.char_indices() {
        if escaped {
            escaped = false;
        } else if c == '\\' {
            escaped = true;
        } else if c == '"' {
            in_quotes = !in_quotes;
        } else if is_space(c) && !in_quotes {
            end = i;
            break;
        }
    }
    if in_quotes {
        return Err(LineError::UnbalancedQuote);
    }
    let key = &text[..end];
    let value = text[end..].trim_matches(is_space);
    if key.is_empty() || value.is_empty() {
        return Err(LineError::NoValue);
    }
    Ok((key.to_string(), value.to_string()))
}

/// C's isspace() in the "C" locale.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// What reading a source gives, in file order: a logical line, or a warning
/// (already worded, without the `program: warning: ` prefix) about a line dropped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Line(tables::source::LogicalLine),
    Dropped(String),
}

/// A source file's logical lines in file order, with Postfix's warnings for lines
/// that begin with white space and for input that is not UTF-8 at their places.
/// `label` names the source in warnings. `utf8_checks` is Postfix's
/// smtputf8_enable (and no -u): without it, bytes that are not UTF-8 pass (facteur
/// stores them as U+FFFD).
pub fn lines(label: &str, bytes: &[u8], utf8_checks: bool) -> Vec<Item> {
    let valid = !utf8_checks || std::str::from_utf8(bytes).is_ok();
    let text = String::from_utf8_lossy(bytes);
    let (lines, orphans) = logical_lines(&text);
    let mut items: Vec<(usize, Item)> = orphans
        .into_iter()
        .map(|o| (o.line, Item::Dropped(orphan_warning(label, &o.text))))
        .collect();
    for line in lines {
        let item = if !valid && line.text.contains('\u{FFFD}') {
            Item::Dropped(format!(
                "{label}, line {}: non-UTF-8 input \"{}\" -- ignoring this line",
                line.first_line,
                line.text.replace('\u{FFFD}', "?")
            ))
        } else {
            Item::Line(line.clone())
        };
        items.push((line.first_line, item));
    }
    items.sort_by_key(|(n, _)| *n);
    items.into_iter().map(|(_, item)| item).collect()
}

/// Leading white space on what should start a logical line. Postfix quotes at most
/// the first 30 bytes of the text (joined with its continuation lines).
fn orphan_warning(label: &str, text: &str) -> String {
    let mut shown = text.to_string();
    if shown.len() > 30 {
        // 30 bytes, as Postfix counts; never half a UTF-8 character.
        let cut = (0..=30)
            .rev()
            .find(|&i| shown.is_char_boundary(i))
            .unwrap_or(0);
        shown.truncate(cut);
        shown.push_str("...");
    }
    format!("{label}: logical line must not start with whitespace: \"{shown}\"")
}

/// Calls `store` with each entry of a postmap source in file order, warning about
/// malformed lines at their places and skipping them.
pub fn for_each_entry<E>(
    diag: Diag,
    label: &str,
    bytes: &[u8],
    utf8_checks: bool,
    mut store: impl FnMut(Entry) -> Result<(), E>,
) -> Result<(), E> {
    for item in lines(label, bytes, utf8_checks) {
        let line = match item {
            Item::Line(line) => line,
            Item::Dropped(warning) => {
                diag.warn(&warning);
                continue;
            }
        };
        match split_entry(&line.text) {
            Ok((key, value)) => {
                if key.ends_with(':') {
                    diag.warn(&format!(
                        "{label}, line {}: record is in \"key: value\" format; is this an alias file?",
                        line.first_line
                    ));
                }
                store(Entry {
                    line: line.first_line,
                    key,
                    value,
                })?;
            }
            Err(LineError::UnbalancedQuote) => diag.warn(&format!(
                "{label}, line {}: unbalanced '\"' in '{}' -- ignoring this line",
                line.first_line, line.text
            )),
            Err(LineError::NoValue) => diag.warn(&format!(
                "{label}, line {}: expected format: key whitespace value",
                line.first_line
            )),
        }
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn key_ends_at_unquoted_space_and_keeps_quotes() {
        assert_eq!(
            split_entry("\"x y\" 3  cont").unwrap(),
            ("\"x y\"".into(), "3  cont".into())
        );
        assert_eq!(
            split_entry("\"q\\\"x\" z").unwrap(),
            ("\"q\\\"x\"".into(), "z".into())
        );
        assert_eq!(
            split_entry("c  v  v2  ").unwrap(),
            ("c".into(), "v  v2".into())
        );
        assert_eq!(
            split_entry("a\\ b c").unwrap(),
            ("a\\ b".into(), "c".into())
        );
    }

    #[test]
    fn malformed_lines() {
        assert_eq!(split_entry("b"), Err(LineError::NoValue));
        assert_eq!(split_entry("b   "), Err(LineError::NoValue));
        assert_eq!(split_entry("\"bad"), Err(LineError::UnbalancedQuote));
        assert_eq!(split_entry("\"bad x y"), Err(LineError::UnbalancedQuote));
    }

    #[test]
    fn entries_skip_bad_lines() {
        let diag = Diag { name: "postmap" };
        let mut got = Vec::new();
        for_each_entry(diag, "t", b"a 1\nb\n\n  x\n\"c 2\nd\nf 4\n", true, |e| {
            got.push(e);
            Ok::<(), ()>(())
        })
        .unwrap();
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].value, "1");
        assert_eq!((got[1].key.as_str(), got[1].value.as_str()), ("b", "x"));
        assert_eq!((got[2].key.as_str(), got[2].line), ("f", 7));
    }
}
