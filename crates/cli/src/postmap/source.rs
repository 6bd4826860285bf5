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

/// A source file's logical lines, with Postfix's warnings for lines that begin with
/// white space and for input that is not UTF-8. `label` names the source in warnings.
pub fn lines(diag: Diag, label: &str, bytes: &[u8]) -> Vec<tables::source::LogicalLine> {
    let valid = std::str::from_utf8(bytes).is_ok();
    let text = String::from_utf8_lossy(bytes);
    let (lines, orphans) = logical_lines(&text);
    warn_orphans(diag, label, &text, &orphans);
    lines
        .into_iter()
        .filter(|line| {
            if !valid && line.text.contains('\u{FFFD}') {
                diag.warn(&format!(
                    "{label}, line {}: non-UTF-8 input \"{}\" -- ignoring this line",
                    line.first_line,
                    line.text.replace('\u{FFFD}', "?")
                ));
                return false;
            }
            true
        })
        .collect()
}

/// Leading white space on what should start a logical line: Postfix joins such a
/// line with its own continuations and reports the whole text once.
fn warn_orphans(
    diag: Diag,
    label: &str,
    text: &str,
    orphans: &[tables::source::OrphanContinuation],
) {
    let physical: Vec<&str> = text.split('\n').collect();
    let skippable = |n: usize| {
        physical
            .get(n.wrapping_sub(1))
            .map(|l| {
                let t = l.trim_start();
                t.is_empty() || t.starts_with('#')
            })
            .unwrap_or(true)
    };
    let mut groups: Vec<(usize, String)> = Vec::new();
    for orphan in orphans {
        let line = physical
            .get(orphan.line - 1)
            .map(|l| l.strip_suffix('\r').unwrap_or(l))
            .unwrap_or("");
        match groups.last_mut() {
            Some((last, joined)) if (*last + 1..orphan.line).all(skippable) => {
                joined.push_str(line);
                *last = orphan.line;
            }
            _ => groups.push((orphan.line, line.to_string())),
        }
    }
    for (_, mut joined) in groups {
        // Postfix shows at most the first 30 characters.
        if let Some((cut, _)) = joined.char_indices().nth(30) {
            joined.truncate(cut);
            joined.push_str("...");
        }
        diag.warn(&format!(
            "{label}: logical line must not start with whitespace: \"{joined}\""
        ));
    }
}

/// The entries of a postmap source, warning about and skipping malformed lines.
pub fn entries(diag: Diag, label: &str, bytes: &[u8]) -> Vec<Entry> {
    let mut out = Vec::new();
    for line in lines(diag, label, bytes) {
        match split_entry(&line.text) {
            Ok((key, value)) => out.push(Entry {
                line: line.first_line,
                key,
                value,
            }),
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
    out
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
        let got = entries(diag, "t", b"a 1\nb\n\n  x\n\"c 2\nd\nf 4\n");
        assert_eq!(got.len(), 3);
        assert_eq!(got[0].value, "1");
        assert_eq!((got[1].key.as_str(), got[1].value.as_str()), ("b", "x"));
        assert_eq!((got[2].key.as_str(), got[2].line), ("f", 7));
    }
}
