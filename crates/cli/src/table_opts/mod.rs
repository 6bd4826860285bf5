//! What postmap and postalias share: Postfix-style option scanning (POSIX getopt,
//! stopping at the first operand), diagnostics in Postfix's `NAME: warning:` /
//! `NAME: fatal:` form, the `[type:]name` operand with `default_database_type`, the
//! query / delete / dump modes over `tables`, and the main.cf values these commands need.
//!
//! Never: parses table sources (postmap.rs and postalias.rs own their syntax), or
//! knows a table file format (that is `tables`).

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tables::{Inserted, TableError};

mod modes;
pub use modes::*;

/// A condition that ends the command: printed as `NAME: fatal: TEXT`, exit status 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal(pub String);

impl Fatal {
    pub fn new(text: impl Into<String>) -> Fatal {
        Fatal(text.into())
    }
}

/// Writes diagnostics as Postfix's msg_vstream does: the program's base name first.
#[derive(Debug, Clone, Copy)]
pub struct Diag<'a> {
    pub name: &'a str,
}

impl Diag<'_> {
    pub fn warn(&self, text: &str) {
        let _ = writeln!(
            std::io::stderr(),
            "{}: warning: {}",
            self.name,
            printable(text)
        );
    }

    /// Prints `fatal:` and gives the exit status Postfix's msg_fatal gives (1).
    pub fn fatal(&self, fatal: &Fatal) -> ExitCode {
        let _ = std::io::stdout().flush();
        let _ = writeln!(
            std::io::stderr(),
            "{}: fatal: {}",
            self.name,
            printable(&fatal.0)
        );
        ExitCode::from(1)
    }
}

/// Diagnostic text as Postfix's logging writes it: control characters (a tab in a
/// quoted source line, say) become `?`.
pub fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect()
}

/// The program name as Postfix shows it: the base name of argv[0].
pub fn base_name(name: &str) -> &str {
    match name.rsplit_once('/') {
        Some((_, base)) if !base.is_empty() => base,
        _ => name,
    }
}

/// One option found by `getopt`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opt {
    pub letter: char,
    pub arg: Option<String>,
}

/// Why option scanning stopped (glibc prints these before Postfix's usage line).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GetoptError {
    Invalid(char),
    MissingArgument(char),
}

impl GetoptError {
    /// glibc's own wording, which Postfix leaves on stderr before its usage message.
    pub fn glibc_text(&self, name: &str) -> String {
        match self {
            GetoptError::Invalid(c) => format!("{name}: invalid option -- '{c}'"),
            GetoptError::MissingArgument(c) => {
                format!("{name}: option requires an argument -- '{c}'")
            }
        }
    }
}

/// POSIX getopt over `args` with `spec` ("c:d:fq:..."): options until the first
/// operand or `--` (Postfix asks glibc not to permute), then the operands.
pub fn getopt(args: &[String], spec: &str) -> Result<(Vec<Opt>, Vec<String>), GetoptError> {
    let mut opts = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        let letters: Vec<char> = arg.chars().skip(1).collect();
        let mut j = 0;
        while j < letters.len() {
            let c = letters[j];
            let takes_arg = match spec.find(c) {
                Some(pos) if c != ':' => spec[pos + c.len_utf8()..].starts_with(':'),
                _ => return Err(GetoptError::Invalid(c)),
            };
            if !takes_arg {
                opts.push(Opt {
                    letter: c,
                    arg: None,
                });
                j += 1;
                continue;
            }
            let rest: String = letters[j + 1..].iter().collect();
            let value = if !rest.is_empty() {
                rest
            } else {
                i += 1;
                match args.get(i) {
                    Some(next) => next.clone(),
                    None => return Err(GetoptError::MissingArgument(c)),
                }
            };
            opts.push(Opt {
                letter: c,
                arg: Some(value),
            });
            break;
        }
        i += 1;
    }
    Ok((opts, args[i.min(args.len())..].to_vec()))
}

/// The main.cf values postmap, postalias and newaliases use.
///
/// TEMPORARY (issue 3): a minimal reader of `name = value` lines with `$name` /
/// `${name}` expansion, until `config::Config` can load a directory. Replace its uses
/// with the config engine's getters when that lands; nothing else depends on it.
#[derive(Debug, Clone, Default)]
pub struct MainCf {
    params: HashMap<String, String>,
}

impl MainCf {
    /// Reads `DIR/main.cf`; a missing file is fatal, as in Postfix.
    pub fn load(dir: &Path) -> Result<MainCf, Fatal> {
        let path = dir.join("main.cf");
        let text = std::fs::read(&path)
            .map_err(|e| Fatal(format!("open {}: {}", path.display(), strerror(&e))))?;
        let text = String::from_utf8_lossy(&text);
        let mut params = HashMap::new();
        let (lines, _) = tables::source::logical_lines(&text);
        for line in lines {
            if let Some((name, value)) = line.text.split_once('=') {
                params.insert(name.trim().to_string(), value.trim().to_string());
            }
        }
        params
            .entry("config_directory".to_string())
            .or_insert_with(|| dir.display().to_string());
        Ok(MainCf { params })
    }

    /// `name`'s value with `$name` expanded, else `default`.
    pub fn get(&self, name: &str, default: &str) -> String {
        let raw = self.params.get(name).map(String::as_str).unwrap_or(default);
        self.expand(raw, 0)
    }

    fn expand(&self, text: &str, depth: usize) -> String {
        if depth > 20 {
            return text.to_string();
        }
        let mut out = String::new();
        let mut rest = text;
        while let Some(pos) = rest.find('$') {
            out.push_str(&rest[..pos]);
            let after = &rest[pos + 1..];
            let (name, tail) = if let Some(inner) = after.strip_prefix('{') {
                match inner.find('}') {
                    Some(end) => (&inner[..end], &inner[end + 1..]),
                    None => ("", after),
                }
            } else {
                let end = after
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(after.len());
                (&after[..end], &after[end..])
            };
            if name.is_empty() {
                out.push('$');
                rest = after;
                continue;
            }
            if let Some(value) = self.params.get(name) {
                out.push_str(&self.expand(value, depth + 1));
            } else if let Some(value) = builtin_default(name) {
                out.push_str(&self.expand(&value, depth + 1));
            }
            rest = tail;
        }
        out.push_str(rest);
        out
    }
}

impl MainCf {
    /// Postfix's smtputf8_enable: "yes" unless set otherwise, except that with
    /// compatibility_level below 1 its default is "no".
    pub fn smtputf8_enable(&self) -> bool {
        match self.params.get("smtputf8_enable") {
            Some(_) => self.get("smtputf8_enable", "yes") == "yes",
            None => {
                let level = self.get("compatibility_level", "0");
                let major = level.split('.').next().unwrap_or("0");
                major.parse::<u32>().map(|m| m >= 1).unwrap_or(false)
            }
        }
    }
}

/// Defaults of the few parameters these commands expand (Postfix 3.7 `postconf -d`).
fn builtin_default(name: &str) -> Option<String> {
    match name {
        "default_database_type" => Some("hash".into()),
        "alias_database" => Some("hash:/etc/aliases".into()),
        "myhostname" => Some(default_myhostname()),
        _ => None,
    }
}

/// Postfix's default `myhostname`: the host name, with `.localdomain` when it has no dot.
pub fn default_myhostname() -> String {
    let host = rustix::system::uname()
        .nodename()
        .to_string_lossy()
        .into_owned();
    if host.contains('.') {
        host
    } else {
        format!("{host}.localdomain")
    }
}

/// `strerror(errno)` as Postfix's `%m` prints it, without Rust's "(os error N)".
pub fn strerror(err: &std::io::Error) -> String {
    let text = err.to_string();
    match text.find(" (os error ") {
        Some(pos) => text[..pos].to_string(),
        None => text,
    }
}

/// A table error as Postfix words it after `fatal:`.
pub fn describe(err: &TableError) -> String {
    match err {
        TableError::Open { path, source } => {
            format!("open database {path}: {}", strerror(source))
        }
        TableError::OpenSource { path, source } => {
            format!("open {path}: {}", strerror(source))
        }
        TableError::Io(e) => strerror(e),
        other => other.to_string(),
    }
}

/// A writer's error as Postfix words it: the table's own file, not the temporary
/// file facteur builds beside it, is named in `open database` errors.
pub fn describe_write(err: &TableError, kind: &str, name: &str) -> String {
    match err {
        TableError::Open { source, .. } => format!(
            "open database {}: {}",
            table_file(kind, name).display(),
            strerror(source)
        ),
        other => describe(other),
    }
}

/// Table types postmap / postalias can build.
pub const WRITABLE: &[&str] = &["hash", "btree", "cdb", "lmdb"];

/// Table types facteur reads but cannot build from a source file.
pub const READ_ONLY: &[&str] = &[
    "texthash", "inline", "static", "fail", "regexp", "pcre", "cidr", "unionmap", "pipemap",
];

/// Splits an operand `[type:]name`, using `default_type` when there is no type.
pub fn operand<'a>(arg: &'a str, default_type: &'a str) -> (&'a str, &'a str) {
    match arg.split_once(':') {
        Some((kind, name)) => (kind, name),
        None => (default_type, arg),
    }
}

/// Whether `kind` can be created, with Postfix's complaint when it cannot.
pub fn check_writable(kind: &str, name: &str) -> Result<(), Fatal> {
    if WRITABLE.contains(&kind) {
        Ok(())
    } else if kind == "fail" {
        // fail: opens for writing, then fails the first (and every) update.
        Err(Fatal(format!(
            "table fail:{name}: write error: Application error"
        )))
    } else if kind == "proxy" {
        Err(Fatal::new("can't create maps via the proxy service"))
    } else if READ_ONLY.contains(&kind) {
        Err(Fatal(format!(
            "unsupported dictionary type: {kind} does not support bulk-mode creation."
        )))
    } else {
        Err(Fatal(format!("unsupported dictionary type: {kind}")))
    }
}

/// The name Postfix's dict layer uses in duplicate warnings for a table being built.
pub fn duplicate_label(kind: &str, name: &str) -> String {
    match kind {
        "hash" | "btree" => format!("{name}.db"),
        "lmdb" => format!("lmdb:{name}"),
        _ => name.to_string(),
    }
}

/// Reports a duplicate as Postfix does (only when the policy is to warn).
pub fn warn_duplicate(
    diag: Diag,
    kind: &str,
    name: &str,
    key: &str,
    fold: bool,
    inserted: Inserted,
    policy: tables::Duplicates,
) {
    if inserted == Inserted::Duplicate && policy == tables::Duplicates::KeepFirstWarn {
        let shown = if fold {
            key.to_lowercase()
        } else {
            key.to_string()
        };
        diag.warn(&format!(
            "{}: duplicate entry: \"{shown}\"",
            duplicate_label(kind, name)
        ));
    }
}

/// The configuration directory: `-c DIR`, else MAIL_CONFIG, else facteur's default.
pub fn config_dir(env: &crate::Env, dash_c: Option<String>) -> PathBuf {
    env.config_dir(dash_c.map(PathBuf::from))
}

/// Gives a newly built table the group and other read permission of its source, as
/// Postfix's umask(022 | (~mode & 077)) does: owner read-write, and read for group
/// and other only where the source allows it. A failure leaves the default mode.
pub fn inherit_permissions(table: &Path, source_mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    let mode = 0o600 | (source_mode & 0o044);
    let _ = std::fs::set_permissions(table, std::fs::Permissions::from_mode(mode));
}

/// The file an indexed table of `kind` lives in (postmap's output file).
pub fn table_file(kind: &str, name: &str) -> PathBuf {
    match kind {
        "hash" | "btree" => PathBuf::from(format!("{name}.db")),
        "cdb" => PathBuf::from(format!("{name}.cdb")),
        "lmdb" => PathBuf::from(format!("{name}.lmdb")),
        _ => PathBuf::from(name),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn getopt_clusters_and_arguments() {
        let (opts, rest) = getopt(&args(&["-fq", "key", "-cDIR", "t", "-s"]), "c:fq:s").unwrap();
        assert_eq!(opts.len(), 3);
        assert_eq!(opts[1].arg.as_deref(), Some("key"));
        assert_eq!(opts[2].arg.as_deref(), Some("DIR"));
        assert_eq!(rest, args(&["t", "-s"]));
    }

    #[test]
    fn getopt_errors() {
        assert_eq!(getopt(&args(&["-z"]), "f"), Err(GetoptError::Invalid('z')));
        assert_eq!(
            getopt(&args(&["-q"]), "q:"),
            Err(GetoptError::MissingArgument('q'))
        );
        let (_, rest) = getopt(&args(&["--", "-x"]), "f").unwrap();
        assert_eq!(rest, args(&["-x"]));
        let (_, rest) = getopt(&args(&["-", "x"]), "f").unwrap();
        assert_eq!(rest, args(&["-", "x"]));
    }

    #[test]
    fn main_cf_expands() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.cf"),
            "a = x\nb = $a/${a}\n  more\ndefault_database_type = cdb\nd = hash:$config_directory/aliases\n",
        )
        .unwrap();
        let cf = MainCf::load(dir.path()).unwrap();
        assert_eq!(cf.get("b", ""), "x/x  more");
        assert_eq!(cf.get("default_database_type", "hash"), "cdb");
        assert_eq!(cf.get("nothing", "d"), "d");
        assert_eq!(
            cf.get("d", ""),
            format!("hash:{}/aliases", dir.path().display())
        );
    }

    #[test]
    fn missing_main_cf_is_fatal() {
        let err = MainCf::load(Path::new("/nonexistent-dir")).unwrap_err();
        assert_eq!(
            err.0,
            "open /nonexistent-dir/main.cf: No such file or directory"
        );
    }

    #[test]
    fn diagnostics_hide_control_characters() {
        assert_eq!(printable("\"a\tb  x\u{7f}y é"), "\"a?b  x?y é");
    }

    #[test]
    fn operands_and_kinds() {
        assert_eq!(operand("cdb:/x", "hash"), ("cdb", "/x"));
        assert_eq!(operand("/x", "hash"), ("hash", "/x"));
        assert!(check_writable("lmdb", "t").is_ok());
        assert_eq!(
            check_writable("regexp", "r").unwrap_err().0,
            "unsupported dictionary type: regexp does not support bulk-mode creation."
        );
        assert_eq!(duplicate_label("hash", "t"), "t.db");
        assert_eq!(duplicate_label("lmdb", "t"), "lmdb:t");
        assert_eq!(duplicate_label("cdb", "t"), "t");
    }
}
