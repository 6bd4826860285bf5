//! Table source files as postmap, postalias and texthash read them (Postfix
//! `util/readlline.c`): logical lines made of a first line and its continuation lines
//! (lines that start with white space), with comment and blank lines dropped; the
//! warnings a table prints while it reads its source; and the braced inline forms
//! (`regexp:{ {rule}, {rule} }`, `inline:{ k=v }`) that stand in for a file.
//!
//! Never: decides what a line means (each table type parses its own lines).

use crate::TableError;

/// White space as C's `isspace` in the C locale (Postfix `ISSPACE`): space, tab,
/// newline, vertical tab, form feed, carriage return; never a non-ASCII space.
pub fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\x0b' | '\x0c' | '\r')
}

/// One logical line and where it sits in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogicalLine {
    /// 1-based number of the line the logical line starts on.
    pub first_line: usize,
    /// 1-based number of its last physical line.
    pub last_line: usize,
    /// The text with continuation lines joined (the newline kept as a single space
    /// would change values, so the line break is replaced by nothing but the
    /// continuation's own leading white space).
    pub text: String,
}

/// A line that cannot start a logical line: it begins with white space but follows
/// nothing. Postfix joins its own continuation lines to it, warns
/// `PATH: logical line must not start with whitespace: "TEXT"` and drops it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrphanContinuation {
    pub line: usize,
    /// The orphan with its continuation lines joined, as the warning quotes it.
    pub text: String,
}

impl OrphanContinuation {
    /// Postfix's warning for this orphan in the file `path`. Postfix quotes at most
    /// the first 30 bytes of the text (never half a UTF-8 character here).
    pub fn warning(&self, path: &str) -> Warning {
        let mut shown = self.text.clone();
        if shown.len() > 30 {
            let cut = (0..=30)
                .rev()
                .find(|&i| shown.is_char_boundary(i))
                .unwrap_or(0);
            shown.truncate(cut);
            shown.push_str("...");
        }
        Warning(format!(
            "{path}: logical line must not start with whitespace: \"{shown}\""
        ))
    }
}

/// Splits `text` into logical lines. Comment lines (first non-blank character `#`)
/// and blank lines are skipped and end nothing: a continuation line after a comment
/// still continues the line before the comment, as in Postfix.
pub fn logical_lines(text: &str) -> (Vec<LogicalLine>, Vec<OrphanContinuation>) {
    let mut out: Vec<LogicalLine> = Vec::new();
    let mut orphans: Vec<OrphanContinuation> = Vec::new();
    // Whether the text being continued is an orphan (true) or a logical line.
    let mut current: Option<bool> = None;
    for (i, raw) in text.split('\n').enumerate() {
        let number = i + 1;
        // A carriage return stays: Postfix keeps it inside a joined line and drops
        // it only with the trailing white space each parser trims.
        let line = raw;
        let trimmed = line.trim_start_matches(is_space);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let starts_blank = line.len() != trimmed.len();
        if starts_blank {
            match (current, out.last_mut(), orphans.last_mut()) {
                (Some(false), Some(last), _) => {
                    last.text.push_str(line);
                    last.last_line = number;
                }
                (Some(true), _, Some(o)) => o.text.push_str(line),
                _ => {
                    orphans.push(OrphanContinuation {
                        line: number,
                        text: line.to_string(),
                    });
                    current = Some(true);
                }
            }
            continue;
        }
        out.push(LogicalLine {
            first_line: number,
            last_line: number,
            text: line.to_string(),
        });
        current = Some(false);
    }
    (out, orphans)
}

/// Logical lines and orphan warnings in file order, for a parser that reports both
/// as it goes (`Err` is an orphan's warning, already worded for `path`).
pub fn lines_in_order(path: &str, text: &str) -> Vec<Result<LogicalLine, Warning>> {
    lines(path, text.as_bytes(), false)
        .into_iter()
        .map(|item| match item {
            Item::Line(l) => Ok(l),
            Item::Dropped(w) => Err(w),
        })
        .collect()
}

/// What reading a source gives, in file order: a logical line, or the warning about
/// a line dropped before any parser sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Item {
    Line(LogicalLine),
    Dropped(Warning),
}

/// A source's logical lines in file order (postmap, postalias, texthash and the
/// pattern tables all read this way), with Postfix's warnings at their places for
/// lines that begin with white space and, when `utf8_checks` (smtputf8_enable and
/// no `-u`), for lines that are not UTF-8. Without the checks such bytes pass
/// (facteur keeps them as U+FFFD). `path` names the source in warnings.
pub fn lines(path: &str, bytes: &[u8], utf8_checks: bool) -> Vec<Item> {
    let valid = !utf8_checks || std::str::from_utf8(bytes).is_ok();
    let text = String::from_utf8_lossy(bytes);
    let (lines, orphans) = logical_lines(&text);
    let mut items: Vec<(usize, Item)> = orphans
        .iter()
        .map(|o| (o.line, Item::Dropped(o.warning(path))))
        .collect();
    for line in lines {
        let first = line.first_line;
        let item = if !valid && line.text.contains('\u{FFFD}') {
            Item::Dropped(Warning(format!(
                "{path}, line {}: non-UTF-8 input \"{}\" -- ignoring this line",
                line.first_line,
                line.text.replace('\u{FFFD}', "?")
            )))
        } else {
            Item::Line(line)
        };
        items.push((first, item));
    }
    items.sort_by_key(|(n, _)| *n);
    items.into_iter().map(|(_, item)| item).collect()
}

/// One warning a table printed while opening, in Postfix's words without the
/// `program: warning: ` prefix (the caller adds it), for example
/// `regexp map /etc/postfix/x, line 3: unknown regexp option "p": skipping this rule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Warning(pub String);

/// Shows the warning as Postfix prints it: control characters (a tab in a bad
/// line, say) become `?` (Postfix `printable`).
impl std::fmt::Display for Warning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use std::fmt::Write;
        for c in self.0.chars() {
            f.write_char(if c.is_ascii_control() { '?' } else { c })?;
        }
        Ok(())
    }
}

/// Reads a table source file as text (bytes that are not UTF-8 are replaced, as the
/// tables compare text). The error names the file as Postfix's `open PATH: reason`.
pub fn read_file(path: &str) -> Result<String, TableError> {
    match std::fs::read(path) {
        Ok(bytes) => Ok(match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        }),
        Err(source) => Err(TableError::OpenSource {
            path: path.to_string(),
            source,
        }),
    }
}

/// Removes one level of `{ ... }` from `text` and the white space just inside it
/// (Postfix `extpar`). `what` names the table in the error, as `regexp map`.
pub fn strip_braces<'a>(text: &'a str, what: &str) -> Result<&'a str, TableError> {
    let t = text.trim_matches(is_space);
    if !t.starts_with('{') {
        return Err(TableError::Malformed(format!(
            "{what}: no '{{' at start of text in \"{text}\""
        )));
    }
    let mut depth = 0usize;
    for (i, c) in t.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    if i + 1 != t.len() {
                        return Err(TableError::Malformed(format!(
                            "{what}: syntax error after '}}' in \"{text}\""
                        )));
                    }
                    return Ok(t[1..i].trim_matches(is_space));
                }
            }
            _ => {}
        }
    }
    Err(TableError::Malformed(format!(
        "{what}: missing '}}' in \"{text}\""
    )))
}

/// Splits `text` at white space and commas that are outside braces (Postfix
/// `mystrtokq` with `{}` as quotes); empty pieces are dropped.
pub fn split_outside_braces(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut start: Option<usize> = None;
    for (i, c) in text.char_indices() {
        let sep = depth == 0 && (is_space(c) || c == ',');
        if sep {
            if let Some(s) = start.take() {
                out.push(&text[s..i]);
            }
            continue;
        }
        if start.is_none() {
            start = Some(i);
        }
        match c {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// The rules of a braced pattern table name (`regexp:{ {rule-1}, {rule-2} }`, also
/// `pcre:` and `cidr:`) as the text of an in-memory file, one rule per line.
pub fn braced_rules(name: &str, what: &str) -> Result<String, TableError> {
    let inner = strip_braces(name, what)?;
    let mut text = String::new();
    for piece in split_outside_braces(inner) {
        text.push_str(strip_braces(piece, what)?);
        text.push('\n');
    }
    Ok(text)
}

/// The source text of a pattern table: the braced rules when `name` starts with `{`,
/// else the file's contents.
pub fn pattern_source(name: &str, what: &str) -> Result<String, TableError> {
    if name.starts_with('{') {
        braced_rules(name, what)
    } else {
        read_file(name)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn braced_rules_split_and_strip() {
        let t = braced_rules("{ {/a/ A}, {/b/ {B}} ,{}}", "regexp map").unwrap();
        assert_eq!(t, "/a/ A\n/b/ {B}\n\n");
        let e = braced_rules("{{/a/ A}x}", "regexp map").unwrap_err();
        assert_eq!(
            e.to_string(),
            "regexp map: syntax error after '}' in \"{/a/ A}x\""
        );
        let e = braced_rules("{{/a/ A}", "regexp map").unwrap_err();
        assert_eq!(e.to_string(), "regexp map: missing '}' in \"{{/a/ A}\"");
        let e = braced_rules("{/a/}", "regexp map").unwrap_err();
        assert_eq!(
            e.to_string(),
            "regexp map: no '{' at start of text in \"/a/\""
        );
    }

    #[test]
    fn joins_continuations_and_skips_comments() {
        let (lines, orphans) = logical_lines("a 1\n  2\n# c\n\tthree\nb x\n\n  #\n");
        assert!(orphans.is_empty());
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "a 1  2\tthree");
        assert_eq!((lines[0].first_line, lines[0].last_line), (1, 4));
        assert_eq!(lines[1].text, "b x");
    }

    #[test]
    fn carriage_returns_stay_inside_joined_lines() {
        let (lines, _) = logical_lines("a b\r\n  c\r\n\r\n\u{a0}x y\n");
        assert_eq!(lines[0].text, "a b\r  c\r");
        assert_eq!(lines[1].text, "\u{a0}x y");
    }

    #[test]
    fn leading_blank_first_line_is_an_orphan() {
        let (lines, orphans) = logical_lines("  x 1\n  more\ny 2\n");
        assert_eq!(
            orphans,
            vec![OrphanContinuation {
                line: 1,
                text: "  x 1  more".into()
            }]
        );
        assert_eq!(lines.len(), 1);
        assert_eq!(
            orphans[0].warning("/p").0,
            "/p: logical line must not start with whitespace: \"  x 1  more\""
        );
    }
}
