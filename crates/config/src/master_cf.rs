//! master.cf (master(5)): the 8 columns, `-` defaults, `-o name=value` and
//! `-o { name = value }` overrides, continuation lines, comments.
//!
//! Owns: reading master.cf text into [`MasterCf`] the way Postfix 3.7's postconf reads
//! it (logical lines, `{ }` grouping, the daemon-option normalisation that turns
//! `-vo{ a = b }` into `-v -o a=b`), the column checks with Postfix's wording, the
//! effective value of each column (defaults, `?` wakeups), and writing a service back
//! in the normalised layout `postconf -M` prints ([`format`]).
//! Never: reads files or prints; the caller passes text in and reports what comes out.

mod format;

use std::fmt;
use std::path::{Path, PathBuf};

use crate::ConfigError;

/// One service line (with its continuation lines) of master.cf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// Column 1: `smtp`, `127.0.0.1:10025`, `pickup` ...
    pub name: String,
    /// Column 2: `inet`, `unix`, `unix-dgram`, `fifo`, `pass`.
    pub kind: String,
    /// Columns 3-7 exactly as written (`-` kept), for `postconf -M` and `-F`.
    pub private: String,
    pub unpriv: String,
    pub chroot: String,
    pub wakeup: String,
    pub maxproc: String,
    /// Column 8: the program (`smtpd`, `pipe` ...).
    pub command: String,
    /// Everything after the program, as Postfix holds it after reading: split on
    /// white space with `{ }` grouping, the braces of a grouped argument removed, and
    /// the leading daemon options normalised (`-vo x=y` → `-v`, `-o`, `x=y`;
    /// `-o { a = b c }` → `-o`, `a=b c`).
    pub args: Vec<String>,
    /// The `-o name=value` overrides among the leading daemon options, in order.
    pub overrides: Vec<(String, String)>,
    /// 1-based line where the entry starts.
    pub line: usize,
}

/// A parsed master.cf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterCf {
    pub services: Vec<Service>,
}

/// The kinds of service master(5) knows (column 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceType {
    Inet,
    Unix,
    UnixDgram,
    Fifo,
    Pass,
}

impl ServiceType {
    /// The column-2 spelling, or `None` for anything else.
    pub fn from_column(text: &str) -> Option<ServiceType> {
        match text {
            "inet" => Some(ServiceType::Inet),
            "unix" => Some(ServiceType::Unix),
            "unix-dgram" => Some(ServiceType::UnixDgram),
            "fifo" => Some(ServiceType::Fifo),
            "pass" => Some(ServiceType::Pass),
            _ => None,
        }
    }
}

/// The effective wakeup column: every `seconds`, and with a `?` suffix only once the
/// service has been used (master(5)).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wakeup {
    pub seconds: u64,
    pub only_if_used: bool,
}

/// A fatal problem in master.cf. [`MasterCfError::postfix_message`] is Postfix's
/// wording (what `postconf` prints after `fatal: `); `Display` adds file and line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MasterCfError {
    /// Fewer than the 8 columns.
    #[error("file {}: line {line}: bad field count", path.display())]
    FieldCount { path: PathBuf, line: usize },
    /// A column with a value master(5) does not allow. `field` is Postfix's name for
    /// it (`type`, `private`, `unprivileged`, `chroot`, `wakeup`, `process_limit`),
    /// `entry` the whole logical line.
    #[error("{}, line {line}: invalid {field} field \"{value}\" in \"{entry}\"", path.display())]
    BadField {
        path: PathBuf,
        line: usize,
        field: &'static str,
        value: String,
        entry: String,
    },
}

impl MasterCfError {
    /// The message exactly as Postfix's postconf words it.
    pub fn postfix_message(&self) -> String {
        match self {
            MasterCfError::FieldCount { .. } => self.to_string(),
            MasterCfError::BadField {
                field,
                value,
                entry,
                ..
            } => format!("invalid {field} field \"{value}\" in \"{entry}\""),
        }
    }

    /// 1-based line of the entry at fault.
    pub fn line(&self) -> usize {
        match self {
            MasterCfError::FieldCount { line, .. } | MasterCfError::BadField { line, .. } => *line,
        }
    }
}

impl From<MasterCfError> for ConfigError {
    fn from(err: MasterCfError) -> ConfigError {
        let (path, line) = match &err {
            MasterCfError::FieldCount { path, line }
            | MasterCfError::BadField { path, line, .. } => (path.clone(), *line),
        };
        ConfigError::Syntax {
            path,
            line,
            message: match err {
                MasterCfError::FieldCount { .. } => "bad field count".to_owned(),
                other => other.postfix_message(),
            },
        }
    }
}

/// Something Postfix reports and then carries on past. `Display` is Postfix's wording
/// after `warning: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MasterCfWarning {
    /// Continuation text with no entry to continue (the file starts indented).
    LeadingWhitespace {
        path: PathBuf,
        line: usize,
        text: String,
    },
    /// `{` without its `}`; the rest of the argument is taken as its content.
    MissingBrace { line: usize, token: String },
    /// Text after the closing `}` of a grouped argument; it is dropped.
    AfterBrace { line: usize, token: String },
    /// `-o { text }` where text is not `name = value`.
    MissingEquals { line: usize, text: String },
    /// `-o { = value }`.
    MissingName { line: usize, text: String },
}

impl MasterCfWarning {
    /// 1-based line of the entry concerned.
    pub fn line(&self) -> usize {
        match self {
            MasterCfWarning::LeadingWhitespace { line, .. }
            | MasterCfWarning::MissingBrace { line, .. }
            | MasterCfWarning::AfterBrace { line, .. }
            | MasterCfWarning::MissingEquals { line, .. }
            | MasterCfWarning::MissingName { line, .. } => *line,
        }
    }
}

impl fmt::Display for MasterCfWarning {
    // Postfix names the file only for the first kind; the others say "master.cf".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MasterCfWarning::LeadingWhitespace { path, text, .. } => write!(
                f,
                "{}: logical line must not start with whitespace: \"{}\"",
                path.display(),
                abbreviate(text)
            ),
            MasterCfWarning::MissingBrace { token, .. } => {
                write!(f, "master.cf: missing '}}' in \"{token}\"")
            }
            MasterCfWarning::AfterBrace { token, .. } => {
                write!(f, "master.cf: syntax error after '}}' in \"{token}\"")
            }
            MasterCfWarning::MissingEquals { text, .. } => {
                write!(f, "master.cf: missing '=' after attribute name: \"{text}\"")
            }
            MasterCfWarning::MissingName { text, .. } => {
                write!(f, "master.cf: missing attribute name: \"{text}\"")
            }
        }
    }
}

/// Postfix quotes at most 30 bytes of a misplaced line, then "...".
fn abbreviate(text: &str) -> String {
    const SHOWN: usize = 30;
    match text.len() > SHOWN {
        true => {
            let mut end = SHOWN;
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            format!("{}...", &text[..end])
        }
        false => text.to_owned(),
    }
}

/// Parses master.cf text; `path` names the file in errors. Warnings are dropped; use
/// [`parse_with_warnings`] to report them.
pub fn parse(text: &str, path: &Path) -> Result<MasterCf, ConfigError> {
    parse_with_warnings(text, path, &mut |_| {}).map_err(ConfigError::from)
}

/// Parses master.cf text, handing each warning to `warn` in file order, and stops at
/// the first fatal error as Postfix does.
pub fn parse_with_warnings(
    text: &str,
    path: &Path,
    warn: &mut dyn FnMut(MasterCfWarning),
) -> Result<MasterCf, MasterCfError> {
    let mut services = Vec::new();
    for entry in logical_lines(text) {
        if entry.indented {
            warn(MasterCfWarning::LeadingWhitespace {
                path: path.to_owned(),
                line: entry.line,
                text: entry.text,
            });
            continue;
        }
        services.push(parse_entry(&entry, path, warn)?);
    }
    Ok(MasterCf { services })
}

/// One entry: its first line and its continuation lines joined as Postfix joins them
/// (concatenated as written, comments and blank lines in between skipped).
struct Entry {
    line: usize,
    text: String,
    /// The entry began with white space (no entry before it to continue).
    indented: bool,
}

fn logical_lines(text: &str) -> Vec<Entry> {
    let mut entries: Vec<Entry> = Vec::new();
    for (index, raw) in text.split('\n').enumerate() {
        let trimmed = raw.trim_start_matches(is_space);
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let continues = raw.starts_with(is_space);
        match entries.last_mut() {
            Some(last) if continues => last.text.push_str(raw),
            _ => entries.push(Entry {
                line: index + 1,
                text: raw.to_owned(),
                indented: continues,
            }),
        }
    }
    entries
}

/// White space as the master.cf reader sees it between fields.
pub(crate) fn is_blank(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n')
}

/// White space for "does this line start indented / is it blank".
fn is_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\r' | '\n' | '\x0b' | '\x0c')
}

/// Splits on blanks, keeping a `{ ... }` group (nesting counted) inside one token.
fn tokens(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = None;
    let mut depth = 0usize;
    for (i, c) in text.char_indices() {
        match c {
            '{' => {
                start.get_or_insert(i);
                depth += 1;
            }
            '}' => {
                start.get_or_insert(i);
                depth = depth.saturating_sub(1);
            }
            c if is_blank(c) && depth == 0 => {
                if let Some(s) = start.take() {
                    out.push(&text[s..i]);
                }
            }
            _ => {
                start.get_or_insert(i);
            }
        }
    }
    if let Some(s) = start {
        out.push(&text[s..]);
    }
    out
}

/// Removes the braces of a `{ ... }` argument and the white space inside them.
fn ungroup(token: &str, line: usize, warn: &mut dyn FnMut(MasterCfWarning)) -> String {
    let inner = &token[1..];
    let mut depth = 1usize;
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => {
                depth -= 1;
                if depth == 0 {
                    if !inner[i + 1..].trim_matches(is_space).is_empty() {
                        warn(MasterCfWarning::AfterBrace {
                            line,
                            token: token.to_owned(),
                        });
                    }
                    return inner[..i].trim_matches(is_space).to_owned();
                }
            }
            _ => {}
        }
    }
    warn(MasterCfWarning::MissingBrace {
        line,
        token: token.to_owned(),
    });
    inner.trim_matches(is_space).to_owned()
}

/// Why `-o` text is not `name = value`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NameValueError {
    MissingName,
    MissingEquals,
}

/// Splits `name = value` (white space around both allowed).
pub fn split_name_value(text: &str) -> Result<(String, String), NameValueError> {
    let rest = text.trim_start_matches(is_space);
    let name_len = rest
        .find(|c: char| is_space(c) || c == '=')
        .unwrap_or(rest.len());
    if name_len == 0 {
        return Err(NameValueError::MissingName);
    }
    let (name, rest) = rest.split_at(name_len);
    let Some(value) = rest.trim_start_matches(is_space).strip_prefix('=') else {
        return Err(NameValueError::MissingEquals);
    };
    Ok((name.to_owned(), value.trim_matches(is_space).to_owned()))
}

/// Postfix's names for columns 1-7, as `postconf -F` shows them.
pub const COLUMN_FIELDS: [&str; 7] = [
    "service",
    "type",
    "private",
    "unprivileged",
    "chroot",
    "wakeup",
    "process_limit",
];

/// Whether `value` is allowed in the column Postfix calls `field` (one of
/// [`COLUMN_FIELDS`]); the error for a bad one is `invalid FIELD field ...`.
pub fn column_is_valid(field: &str, value: &str) -> bool {
    let digits_or_dash = |v: &str| v == "-" || v.bytes().all(|b| b.is_ascii_digit());
    match field {
        "type" => ServiceType::from_column(value).is_some(),
        "private" | "unprivileged" | "chroot" => matches!(value, "y" | "n" | "-"),
        // `?` alone and `-?` are accepted, as Postfix does.
        "wakeup" => digits_or_dash(value.strip_suffix('?').unwrap_or(value)),
        "process_limit" => digits_or_dash(value),
        _ => true,
    }
}

fn parse_entry(
    entry: &Entry,
    path: &Path,
    warn: &mut dyn FnMut(MasterCfWarning),
) -> Result<Service, MasterCfError> {
    let line = entry.line;
    let fields = tokens(&entry.text);
    if fields.len() < 8 {
        return Err(MasterCfError::FieldCount {
            path: path.to_owned(),
            line,
        });
    }
    let bad = |field: &'static str, value: &str| MasterCfError::BadField {
        path: path.to_owned(),
        line,
        field,
        value: value.to_owned(),
        entry: entry.text.clone(),
    };
    for (index, field) in COLUMN_FIELDS.iter().enumerate().skip(1) {
        if !column_is_valid(field, fields[index]) {
            return Err(bad(field, fields[index]));
        }
    }
    let (args, overrides) = normalise_options(&fields[8..], line, warn);
    Ok(Service {
        name: fields[0].to_owned(),
        kind: fields[1].to_owned(),
        private: fields[2].to_owned(),
        unpriv: fields[3].to_owned(),
        chroot: fields[4].to_owned(),
        wakeup: fields[5].to_owned(),
        maxproc: fields[6].to_owned(),
        command: fields[7].to_owned(),
        args,
        overrides,
        line,
    })
}

/// Walks the leading daemon options (up to the first argument that is not an option,
/// or `--`): splits clusters holding `o` (`-vo x` → `-v -o x`, `-ox` → `-o x`), and
/// rewrites a grouped `-o` value as `name=value`. Returns the arguments and the
/// overrides found. Groups are opened in order, so warnings come in Postfix's order.
fn normalise_options(
    raw: &[&str],
    line: usize,
    warn: &mut dyn FnMut(MasterCfWarning),
) -> (Vec<String>, Vec<(String, String)>) {
    let mut args = Vec::with_capacity(raw.len());
    let mut overrides = Vec::new();
    let mut index = 0;
    while index < raw.len() {
        let (arg, grouped) = argument(raw[index], line, warn);
        index += 1;
        if !arg.starts_with('-') || arg == "--" {
            args.push(arg);
            break;
        }
        if arg == "-" {
            // Postfix takes a lone "-" as an option with a value, like "-o" (the
            // value is not a setting).
            args.push(arg);
            if index < raw.len() {
                args.push(argument(raw[index], line, warn).0);
                index += 1;
            }
            continue;
        }
        // Only an option written without braces is split into its letters.
        if grouped && arg != "-o" {
            args.push(arg);
            continue;
        }
        let Some(o_at) = arg[1..].find('o').map(|i| i + 1) else {
            args.push(arg);
            continue;
        };
        for c in arg[1..o_at].chars() {
            args.push(format!("-{c}"));
        }
        args.push("-o".to_owned());
        let (value, grouped) = match &arg[o_at + 1..] {
            "" if index < raw.len() => {
                index += 1;
                argument(raw[index - 1], line, warn)
            }
            "" => break,
            attached => argument(attached, line, warn),
        };
        match split_name_value(&value) {
            Ok((name, val)) => {
                args.push(match grouped {
                    true => format!("{name}={val}"),
                    false => value,
                });
                overrides.push((name, val));
            }
            Err(problem) => {
                if grouped {
                    let text = value.clone();
                    warn(match problem {
                        NameValueError::MissingName => MasterCfWarning::MissingName { line, text },
                        NameValueError::MissingEquals => {
                            MasterCfWarning::MissingEquals { line, text }
                        }
                    });
                }
                args.push(value);
            }
        }
    }
    for token in &raw[index..] {
        args.push(argument(token, line, warn).0);
    }
    (args, overrides)
}

/// The `-o name=value` pairs among normalised leading options.
fn collect_overrides(args: &[String]) -> Vec<(String, String)> {
    let mut overrides = Vec::new();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        if !arg.starts_with('-') || arg == "--" {
            break;
        }
        if takes_value(arg) {
            if let Some(Ok(pair)) = args
                .next()
                .filter(|_| arg == "-o")
                .map(|v| split_name_value(v))
            {
                overrides.push(pair);
            }
        }
    }
    overrides
}

/// Whether a normalised leading option takes the next argument as its value: `-o`,
/// and a lone `-` (Postfix treats it so).
pub fn takes_value(arg: &str) -> bool {
    arg == "-o" || arg == "-"
}

/// One argument with its braces removed, and whether it had them.
fn argument(token: &str, line: usize, warn: &mut dyn FnMut(MasterCfWarning)) -> (String, bool) {
    match token.starts_with('{') {
        true => (ungroup(token, line, warn), true),
        false => (token.to_owned(), false),
    }
}

impl Service {
    /// Column 2 as a type (always known: the parser rejects anything else).
    pub fn service_type(&self) -> Option<ServiceType> {
        ServiceType::from_column(&self.kind)
    }

    /// Column 3: reachable only through the private socket directory (default y;
    /// inet services are never private).
    pub fn is_private(&self) -> bool {
        self.service_type() != Some(ServiceType::Inet) && self.private != "n"
    }

    /// Column 4: runs as `mail_owner` rather than root (default y).
    pub fn is_unprivileged(&self) -> bool {
        self.unpriv != "n"
    }

    /// Column 5: chrooted to the queue directory (default n since Postfix 3.0).
    pub fn is_chrooted(&self) -> bool {
        self.chroot == "y"
    }

    /// Column 6: `None` for `-`, `0` or `0?` (never woken), else the period.
    pub fn wakeup(&self) -> Option<Wakeup> {
        let (digits, only_if_used) = match self.wakeup.strip_suffix('?') {
            Some(d) => (d, true),
            None => (self.wakeup.as_str(), false),
        };
        let seconds = digits.parse::<u64>().ok().filter(|&s| s > 0)?;
        Some(Wakeup {
            seconds,
            only_if_used,
        })
    }

    /// Column 7: the process limit, `-` meaning `default_process_limit` (passed in);
    /// `0` means no limit.
    pub fn process_limit(&self, default_process_limit: u32) -> u32 {
        match self.maxproc.as_str() {
            "-" => default_process_limit,
            digits => digits.parse().unwrap_or(u32::MAX),
        }
    }

    /// Sets `-o name=value` (`postconf -Pe`): replaces the value of each existing
    /// `-o name=...` among the leading options, or adds one after them.
    pub fn set_parameter(&mut self, name: &str, value: &str) {
        let setting = format!("{name}={value}");
        let (mut found, mut end) = (false, self.args.len());
        let mut i = 0;
        while i < self.args.len() {
            let arg = &self.args[i];
            if !arg.starts_with('-') || arg == "--" {
                end = i;
                break;
            }
            if takes_value(arg) && i + 1 < self.args.len() {
                if arg == "-o" && split_name_value(&self.args[i + 1]).is_ok_and(|(n, _)| n == name)
                {
                    self.args[i + 1] = setting.clone();
                    found = true;
                }
                i += 1;
            }
            i += 1;
        }
        if !found {
            self.args.splice(end..end, ["-o".to_owned(), setting]);
        }
        self.overrides = collect_overrides(&self.args);
    }

    /// Removes every `-o name=...` among the leading options (`postconf -PX`).
    pub fn remove_parameter(&mut self, name: &str) {
        let mut kept = Vec::with_capacity(self.args.len());
        let mut args = std::mem::take(&mut self.args).into_iter();
        while let Some(arg) = args.next() {
            if !arg.starts_with('-') || arg == "--" {
                kept.push(arg);
                break;
            }
            if takes_value(&arg) {
                match args.next() {
                    Some(value)
                        if arg == "-o"
                            && split_name_value(&value).is_ok_and(|(n, _)| n == name) => {}
                    Some(value) => kept.extend([arg, value]),
                    None => kept.push(arg),
                }
                continue;
            }
            kept.push(arg);
        }
        kept.extend(args);
        self.args = kept;
        self.overrides = collect_overrides(&self.args);
    }

    /// The value of `-o name=...` for this service (the last one wins).
    pub fn override_value(&self, name: &str) -> Option<&str> {
        self.overrides
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

pub use format::{format_command, format_service, LINE_LIMIT};

#[cfg(test)]
mod tests;
