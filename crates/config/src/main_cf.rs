//! main.cf (postconf(5)): `name = value` logical lines, continuation lines that begin
//! with white space, `#` comment lines, blank lines (Postfix `util/readlline.c`,
//! `util/split_nameval.c`, `postconf/postconf_edit.c`).
//!
//! Owns: reading main.cf into entries with their line numbers, and editing the text in
//! place (`postconf -e`, `-X`, `-#`) so every other line, comment and the order stay
//! byte for byte. Never: expands `$name` or checks values (that is `expand`, `value`),
//! or knows which names exist (that is `params`).

use std::path::{Path, PathBuf};

use crate::ConfigError;

/// One `name = value` setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub name: String,
    /// The value with surrounding white space removed; continuation lines are joined
    /// as written (without their newline, with their leading white space).
    pub value: String,
    /// 1-based line where the setting starts.
    pub line: usize,
}

/// A problem Postfix reports as a warning and reads past.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Warning {
    /// A continuation line before any setting: ignored.
    LeadingWhitespace { line: usize, text: String },
    /// A second entry for `name` at `line`; `previous` is the value it replaces.
    Overriding {
        line: usize,
        name: String,
        previous: String,
    },
}

impl Warning {
    /// The warning as Postfix prints it for main.cf at `path`.
    pub fn render(&self, path: &Path) -> String {
        let path = path.display();
        match self {
            Warning::LeadingWhitespace { text, .. } => {
                format!("{path}: logical line must not start with whitespace: \"{text}\"")
            }
            Warning::Overriding {
                line,
                name,
                previous,
            } => format!("{path}, line {line}: overriding earlier entry: {name}={previous}"),
        }
    }
}

/// A parsed main.cf: its entries in file order (a later entry for the same name wins).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MainCf {
    pub path: PathBuf,
    pub entries: Vec<Entry>,
    pub warnings: Vec<Warning>,
}

impl MainCf {
    /// The effective entry for `name`: the last one in the file.
    pub fn get(&self, name: &str) -> Option<&Entry> {
        self.entries.iter().rev().find(|e| e.name == name)
    }
}

/// Reads `path`; a missing file is an error (Postfix: `open ...: No such file`).
pub fn read(path: &Path) -> Result<MainCf, ConfigError> {
    let text = std::fs::read(path).map_err(|source| ConfigError::Io {
        path: path.to_owned(),
        source,
    })?;
    parse(&String::from_utf8_lossy(&text), path)
}

/// How a physical line reads.
enum LineKind<'a> {
    /// Blank, white space only, or a comment (first non-blank character `#`).
    Skip,
    /// Starts with white space: continues the setting above.
    Continuation(&'a str),
    /// Starts a new setting.
    Start(&'a str),
}

fn classify(line: &str) -> LineKind<'_> {
    let body = line.trim_end_matches(['\n', '\r']);
    let trimmed = body.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if trimmed.is_empty() || trimmed.starts_with('#') {
        LineKind::Skip
    } else if trimmed.len() != body.len() {
        LineKind::Continuation(body)
    } else {
        LineKind::Start(body)
    }
}

/// Parses main.cf text; `path` names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<MainCf, ConfigError> {
    match parse_partial(text, path) {
        (cf, None) => Ok(cf),
        (_, Some(e)) => Err(e),
    }
}

/// Parses main.cf text up to its first syntax error, if any: the entries and
/// warnings before it, and the error (postconf prints those warnings, then the error).
pub fn parse_partial(text: &str, path: &Path) -> (MainCf, Option<ConfigError>) {
    let mut cf = MainCf {
        path: path.to_owned(),
        ..MainCf::default()
    };
    let error = parse_into(&mut cf, text, path).err();
    (cf, error)
}

fn parse_into(cf: &mut MainCf, text: &str, path: &Path) -> Result<(), ConfigError> {
    let mut logical: Option<(usize, String)> = None;
    for (index, line) in text.split_inclusive('\n').enumerate() {
        match classify(line) {
            LineKind::Skip => {}
            LineKind::Continuation(body) => match logical.as_mut() {
                Some((_, text)) => text.push_str(body),
                None => cf.warnings.push(Warning::LeadingWhitespace {
                    line: index + 1,
                    text: body.to_owned(),
                }),
            },
            LineKind::Start(body) => {
                if let Some((line, text)) = logical.replace((index + 1, body.to_owned())) {
                    push_entry(cf, &text, line, path)?;
                }
            }
        }
    }
    if let Some((line, text)) = logical {
        push_entry(cf, &text, line, path)?;
    }
    Ok(())
}

/// Adds an entry, noting when it overrides an earlier one.
fn push_entry(cf: &mut MainCf, text: &str, line: usize, path: &Path) -> Result<(), ConfigError> {
    let entry = split_entry(text, line, path)?;
    if let Some(previous) = cf.get(&entry.name) {
        cf.warnings.push(Warning::Overriding {
            line,
            name: entry.name.clone(),
            previous: previous.value.clone(),
        });
    }
    cf.entries.push(entry);
    Ok(())
}

fn split_entry(text: &str, line: usize, path: &Path) -> Result<Entry, ConfigError> {
    split_name_value(text)
        .map(|(name, value)| Entry {
            name: name.to_owned(),
            value: value.to_owned(),
            line,
        })
        .map_err(|e| ConfigError::Syntax {
            path: path.to_owned(),
            line,
            message: format!("{e}: \"{}\"", text.trim()),
        })
}

/// Why a `name = value` line does not split (Postfix's wording).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameValueError {
    MissingName,
    MissingEquals,
}

impl std::fmt::Display for NameValueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            NameValueError::MissingName => "missing attribute name",
            NameValueError::MissingEquals => "missing '=' after attribute name",
        })
    }
}

impl std::error::Error for NameValueError {}

/// `name = value` → (name, value), both trimmed.
pub fn split_name_value(text: &str) -> Result<(&str, &str), NameValueError> {
    let ws = |c: char| c.is_ascii_whitespace();
    let trimmed = text.trim_matches(ws);
    let name_len = trimmed
        .find(|c: char| ws(c) || c == '=')
        .unwrap_or(trimmed.len());
    let (name, rest) = trimmed.split_at(name_len);
    if name.is_empty() {
        return Err(NameValueError::MissingName);
    }
    let Some(value) = rest.trim_start_matches(ws).strip_prefix('=') else {
        return Err(NameValueError::MissingEquals);
    };
    Ok((name, value.trim_matches(ws)))
}

/// One in-place change to main.cf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Edit {
    /// `postconf -e name=value`: replace every entry (continuation lines dropped), or
    /// append `name = value` at the end when there is none.
    Set { name: String, value: String },
    /// `postconf -X name`: remove every entry with its continuation lines.
    Remove { name: String },
    /// `postconf -# name`: put `#` before every line of every entry.
    CommentOut { name: String },
}

impl Edit {
    fn name(&self) -> &str {
        match self {
            Edit::Set { name, .. } | Edit::Remove { name } | Edit::CommentOut { name } => name,
        }
    }
}

/// The edited text and what Postfix warns about while editing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edited {
    pub text: String,
    /// Names found more than once (`multiple entries for "name"`), in file order.
    pub multiple: Vec<String>,
}

/// Applies `edits` to main.cf `text`. Comment and blank lines are always kept as they
/// are, even between an entry's continuation lines; appended settings follow the
/// last byte of the file (Postfix does not add a missing final newline either).
pub fn edit(text: &str, edits: &[Edit]) -> Edited {
    let find = |name: &str| edits.iter().rev().find(|e| e.name() == name);
    let mut out = String::with_capacity(text.len() + 64);
    let mut seen: Vec<&str> = Vec::new();
    let mut multiple = Vec::new();
    let mut current: Option<&Edit> = None;
    for line in text.split_inclusive('\n') {
        match classify(line) {
            LineKind::Skip => out.push_str(line),
            LineKind::Continuation(_) => match current {
                None => out.push_str(line),
                Some(Edit::CommentOut { .. }) => {
                    out.push('#');
                    out.push_str(line);
                }
                Some(_) => {}
            },
            LineKind::Start(body) => {
                let name_len = body
                    .find(|c: char| c.is_ascii_whitespace() || c == '=')
                    .unwrap_or(body.len());
                let name = &body[..name_len];
                current = find(name);
                let Some(edit) = current else {
                    out.push_str(line);
                    continue;
                };
                if seen.contains(&name) {
                    if !multiple.iter().any(|m| m == name) {
                        multiple.push(name.to_owned());
                    }
                } else {
                    seen.push(name);
                }
                match edit {
                    Edit::Set { name, value } => {
                        out.push_str(&format!("{name} = {value}\n"));
                    }
                    Edit::Remove { .. } => {}
                    Edit::CommentOut { .. } => {
                        out.push('#');
                        out.push_str(line);
                    }
                }
            }
        }
    }
    let mut appended: Vec<&str> = Vec::new();
    for e in edits {
        if let Edit::Set { name, .. } = e {
            if !seen.contains(&name.as_str()) && !appended.contains(&name.as_str()) {
                appended.push(name);
                if let Some(Edit::Set { value, .. }) = find(name) {
                    out.push_str(&format!("{name} = {value}\n"));
                }
            }
        }
    }
    Edited {
        text: out,
        multiple,
    }
}

/// Replaces `path` with `text`: a temporary file beside it, flushed, then renamed
/// over it, so a crash leaves the old or the new file, never half of one.
pub fn write_atomically(path: &Path, text: &str) -> Result<(), ConfigError> {
    use std::io::Write;
    let io = |source| ConfigError::Io {
        path: path.to_owned(),
        source,
    };
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut file = std::fs::File::create(&tmp).map_err(io)?;
    if let Ok(meta) = std::fs::metadata(path) {
        // Keep the administrator's permissions on main.cf.
        file.set_permissions(meta.permissions()).map_err(io)?;
    }
    file.write_all(text.as_bytes()).map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&tmp, path).map_err(io)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(text: &str) -> MainCf {
        parse(text, Path::new("/c/main.cf")).unwrap()
    }

    #[test]
    fn settings_comments_and_continuations() {
        let cf = p(
            "# top\nfoo = bar\nmyhostname = x.example\n  .com # notcomment\n\
                    a = multi\n# c\n  continued\n\n  after\nb=\nc =   spaced  \n",
        );
        let got: Vec<_> = cf
            .entries
            .iter()
            .map(|e| (e.name.as_str(), e.value.as_str(), e.line))
            .collect();
        assert_eq!(
            got,
            [
                ("foo", "bar", 2),
                ("myhostname", "x.example  .com # notcomment", 3),
                ("a", "multi  continued  after", 5),
                ("b", "", 10),
                ("c", "spaced", 11),
            ]
        );
    }

    #[test]
    fn later_entry_wins_and_leading_whitespace_warns() {
        let cf = p("  lead = x\nrelayhost = a\nrelayhost = b");
        assert_eq!(cf.get("relayhost").unwrap().value, "b");
        let warnings: Vec<String> = cf.warnings.iter().map(|w| w.render(&cf.path)).collect();
        assert_eq!(
            warnings,
            [
                "/c/main.cf: logical line must not start with whitespace: \"  lead = x\"",
                "/c/main.cf, line 3: overriding earlier entry: relayhost=a",
            ]
        );
    }

    #[test]
    fn syntax_errors_name_file_and_line() {
        let err = parse("a = 1\n\nbad line\n", Path::new("/c/main.cf")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/c/main.cf, line 3: missing '=' after attribute name: \"bad line\""
        );
        let err = parse("=x\n", Path::new("/c/main.cf")).unwrap_err();
        assert_eq!(
            err.to_string(),
            "/c/main.cf, line 1: missing attribute name: \"=x\""
        );
        assert_eq!(split_name_value("a=b = c"), Ok(("a", "b = c")));
    }

    const ORIG: &str = "relayhost = a\n  # indented\n b\n\n  c\n# x\nmydomain = d1\n\
                        relayhost = second\nmydomain = d2\n  \t \nmyorigin = o\n";

    fn set(n: &str, v: &str) -> Edit {
        Edit::Set {
            name: n.into(),
            value: v.into(),
        }
    }

    #[test]
    fn edits_match_postfix() {
        // Expected texts produced by Postfix 3.7's postconf on the same input.
        let e = edit(ORIG, &[set("relayhost", "N"), set("mydomain", "M")]);
        assert_eq!(
            e.text,
            "relayhost = N\n  # indented\n\n# x\nmydomain = M\nrelayhost = N\nmydomain = M\n  \t \nmyorigin = o\n"
        );
        assert_eq!(e.multiple, ["relayhost", "mydomain"]);
        let e = edit(
            ORIG,
            &[
                Edit::Remove {
                    name: "relayhost".into(),
                },
                Edit::Remove {
                    name: "mydomain".into(),
                },
            ],
        );
        assert_eq!(e.text, "  # indented\n\n# x\n  \t \nmyorigin = o\n");
        let e = edit(
            ORIG,
            &[
                Edit::CommentOut {
                    name: "relayhost".into(),
                },
                Edit::CommentOut {
                    name: "mydomain".into(),
                },
            ],
        );
        assert_eq!(
            e.text,
            "#relayhost = a\n  # indented\n# b\n\n#  c\n# x\n#mydomain = d1\n#relayhost = second\n#mydomain = d2\n  \t \nmyorigin = o\n"
        );
    }

    #[test]
    fn appends_after_last_byte() {
        let e = edit("# end", &[set("newparam", "1")]);
        assert_eq!(e.text, "# endnewparam = 1\n");
        let e = edit("", &[set("a", "1"), set("b", "2"), set("a", "3")]);
        assert_eq!(e.text, "a = 3\nb = 2\n");
    }

    proptest! {
        #[test]
        fn parse_never_panics(s in "[a-z =#\t\n{}$]{0,80}") {
            let _ = parse(&s, Path::new("m"));
        }

        #[test]
        fn no_edits_keep_text(s in "[a-z =#\t\n]{0,80}") {
            prop_assert_eq!(edit(&s, &[]).text, s);
        }

        #[test]
        fn set_then_parse_reads_value(s in "([a-z]{1,4} = [a-z]{0,3}\n){0,6}", v in "[a-z0-9]{1,5}") {
            let e = edit(&s, &[set("zz", &v)]);
            let cf = parse(&e.text, Path::new("m")).unwrap();
            prop_assert_eq!(&cf.get("zz").unwrap().value, &v);
        }
    }
}
