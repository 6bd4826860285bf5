//! What postmap and postalias share: Postfix-style option scanning (POSIX getopt,
//! stopping at the first operand), diagnostics in Postfix's `NAME: warning:` /
//! `NAME: fatal:` form, the `[type:]name` operand with `default_database_type`, the
//! query / delete / dump modes over `tables`, and the main.cf values these commands need.
//!
//! Never: parses table sources (`tables::texthash` and `tables::aliases` do), or
//! knows a table file format (that is `tables`).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use tables::{Inserted, TableError};

pub mod messages;
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

/// The main.cf values postmap, postalias and newaliases use, from the configuration
/// engine (registry defaults, `$name` expansion), with Postfix's fatal wording when
/// main.cf cannot be read.
#[derive(Debug, Clone)]
pub struct Settings {
    config: config::Config,
}

impl Settings {
    /// Reads `DIR/main.cf`; a missing file is fatal, as in Postfix.
    pub fn load(dir: &Path) -> Result<Settings, Fatal> {
        config::Config::load(dir)
            .map(|config| Settings { config })
            .map_err(|e| match e {
                config::ConfigError::Io { path, source } => {
                    Fatal(messages::open_file(path.display(), strerror(&source)))
                }
                other => Fatal(other.to_string()),
            })
    }

    /// `name`'s value, expanded; a value the engine cannot give is fatal, as a bad
    /// main.cf setting is for Postfix's commands.
    pub fn get(&self, name: &str) -> Result<String, Fatal> {
        self.config.get(name).map_err(|e| Fatal(e.to_string()))
    }

    /// smtputf8_enable (its default follows compatibility_level).
    pub fn smtputf8_enable(&self) -> Result<bool, Fatal> {
        self.config
            .get_bool("smtputf8_enable")
            .map_err(|e| Fatal(e.to_string()))
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
        TableError::Open { path, source } => messages::open_database(path, strerror(source)),
        TableError::OpenSource { path, source } => messages::open_file(path, strerror(source)),
        TableError::Io(e) => strerror(e),
        other => other.to_string(),
    }
}

/// A writer's error as Postfix words it: the table's own file, not the temporary
/// file facteur builds beside it, is named in `open database` errors.
pub fn describe_write(err: &TableError, kind: &str, name: &str) -> String {
    match err {
        TableError::Open { source, .. } => {
            messages::open_database(table_file(kind, name).display(), strerror(source))
        }
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
        Err(Fatal(messages::fail_write(name)))
    } else if kind == "proxy" {
        Err(Fatal::new(messages::PROXY_CREATE))
    } else if READ_ONLY.contains(&kind) {
        Err(Fatal(messages::no_bulk_create(kind)))
    } else {
        Err(Fatal(messages::unsupported_type(kind)))
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
    fold: Option<bool>,
    inserted: Inserted,
    policy: tables::Duplicates,
) {
    if inserted == Inserted::Duplicate && policy == tables::Duplicates::KeepFirstWarn {
        // `fold` is Some(utf8) when the writer folds the key (as the warning shows it).
        let shown = match fold {
            Some(utf8) => tables::writer::fold(key, utf8),
            None => std::borrow::Cow::Borrowed(key),
        };
        diag.warn(&messages::duplicate_entry(
            &duplicate_label(kind, name),
            &shown,
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
    fn settings_expand_and_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("main.cf"),
            "default_database_type = cdb\nalias_database = hash:$config_directory/aliases\n",
        )
        .unwrap();
        let cf = Settings::load(dir.path()).unwrap();
        assert_eq!(cf.get("default_database_type").unwrap(), "cdb");
        assert_eq!(
            cf.get("alias_database").unwrap(),
            format!("hash:{}/aliases", dir.path().display())
        );
        assert!(!cf.smtputf8_enable().unwrap(), "compatibility_level 0");
    }

    #[test]
    fn missing_main_cf_is_fatal() {
        let err = Settings::load(Path::new("/nonexistent-dir")).unwrap_err();
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
