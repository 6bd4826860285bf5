//! `postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [type:]file ...` and
//! `newaliases` (Postfix `postalias/postalias.c`, postalias(1), aliases(5)).
//!
//! Owns: postalias's options, the aliases(5) line rules it enforces (`name: value`,
//! local names only), the signature records it adds (`@` → `@`, and the NIS
//! `YP_LAST_MODIFIED` / `YP_MASTER_NAME` records Debian's Postfix writes), and
//! newaliases' walk over `alias_database`.
//! Never: knows table file formats (`tables`), or expands aliases (local delivery does).

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use tables::{CreateOptions, Duplicates, OpenOptions, TableWriter};

use crate::table_opts::{self, base_name, getopt, operand, Diag, Fatal, Settings, Style};
use crate::Env;

pub(crate) mod tok822;

use tok822::Token;

const OPTIONS: &str = "Nc:d:finopq:rsuvw";

#[derive(Debug, Clone, Default)]
struct Request {
    config_dir: Option<String>,
    delete: Option<String>,
    query: Option<String>,
    sequence: bool,
    incremental: bool,
    fold: bool,
    append_nul: Option<bool>,
    duplicates: Option<Duplicates>,
    save_perm: bool,
    as_owner: bool,
    no_utf8: bool,
    utf8_checks: bool,
    operands: Vec<String>,
}

fn usage(name: &str) -> Fatal {
    Fatal(format!(
        "usage: {name} [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [map_type:]file..."
    ))
}

fn parse(name: &str, args: &[String]) -> Result<Request, Fatal> {
    let (opts, operands) = getopt(args, OPTIONS).map_err(|e| {
        eprintln!("{}", e.glibc_text(name));
        usage(name)
    })?;
    let mut req = Request {
        fold: true,
        save_perm: true,
        as_owner: true,
        operands,
        ..Request::default()
    };
    for opt in opts {
        let arg = opt.arg.unwrap_or_default();
        match opt.letter {
            'c' => req.config_dir = Some(arg),
            'd' | 'q' => {
                if req.sequence || req.query.is_some() || req.delete.is_some() {
                    return Err(Fatal::new("specify only one of -s -q or -d"));
                }
                if opt.letter == 'd' {
                    req.delete = Some(arg);
                } else {
                    req.query = Some(arg);
                }
            }
            's' => {
                if req.query.is_some() || req.delete.is_some() {
                    return Err(Fatal::new("specify only one of -s or -q or -d"));
                }
                req.sequence = true;
            }
            'f' => req.fold = false,
            'i' => req.incremental = true,
            'N' => req.append_nul = Some(true),
            'n' => req.append_nul = Some(false),
            'p' => req.save_perm = false,
            'r' => req.duplicates = Some(Duplicates::Replace),
            'w' => req.duplicates = Some(Duplicates::KeepFirstQuiet),
            // -v (verbose) prints nothing more in facteur.
            'u' => req.no_utf8 = true,
            'o' => req.as_owner = false,
            'v' => {}
            _ => return Err(usage(name)),
        }
    }
    Ok(req)
}

/// Runs `postalias` as `name` (argv[0]) with `args`.
pub fn run(name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    let name = base_name(name);
    let diag = Diag { name };
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match parse(name, &args).and_then(|req| execute(diag, req, env)) {
        Ok(code) => code,
        Err(fatal) => diag.fatal(&fatal),
    }
}

/// Runs `newaliases`: postalias on every table of `alias_database`. Like Postfix's
/// (which runs the postalias program), diagnostics are postalias's.
pub fn newaliases(name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    let name = base_name(name);
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    // newaliases is sendmail's mode: it takes sendmail's options. Only -v and -C
    // (configuration file or directory) change anything here.
    let (opts, _operands) = match getopt(&args, "vC:") {
        Ok(parsed) => parsed,
        Err(e) => {
            // sendmail scans its options twice, so glibc complains twice.
            eprintln!("{}", e.glibc_text(name));
            eprintln!("{}", e.glibc_text(name));
            eprintln!("{name}: fatal: usage: {name} [options]");
            return ExitCode::from(75);
        }
    };
    let mut config_dir = None;
    for opt in opts {
        if let ('C', Some(path)) = (opt.letter, opt.arg) {
            let p = Path::new(&path);
            config_dir = Some(if p.is_dir() {
                path
            } else {
                p.parent()
                    .map(|d| d.display().to_string())
                    .unwrap_or_else(|| ".".into())
            });
        }
    }
    let diag = Diag { name: "postalias" };
    let dir = table_opts::config_dir(env, config_dir.clone());
    let maps = match Settings::load(&dir).and_then(|s| s.get("alias_database")) {
        Ok(value) => value,
        Err(fatal) => return Diag { name }.fatal(&fatal),
    };
    let maps: Vec<String> = maps
        .split([',', ' ', '\t', '\n'])
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect();
    if maps.is_empty() {
        return ExitCode::SUCCESS;
    }
    let req = Request {
        config_dir: Some(dir.display().to_string()),
        fold: true,
        save_perm: true,
        as_owner: true,
        operands: maps,
        ..Request::default()
    };
    match execute(diag, req, env) {
        Ok(code) => code,
        Err(fatal) => diag.fatal(&fatal),
    }
}

fn execute(diag: Diag, mut req: Request, env: &Env) -> Result<ExitCode, Fatal> {
    let settings = Settings::load(&table_opts::config_dir(env, req.config_dir.clone()))?;
    req.utf8_checks = settings.smtputf8_enable()? && !req.no_utf8;
    if req.operands.is_empty() {
        // As postmap: -s without a table lists nothing and fails quietly.
        if req.sequence && req.query.is_none() && req.delete.is_none() {
            return Ok(ExitCode::from(1));
        }
        return Err(usage(diag.name));
    }
    let default_type = settings.get("default_database_type")?;
    let maps: Vec<(String, String)> = req
        .operands
        .iter()
        .map(|arg| {
            let (kind, name) = operand(arg, &default_type);
            (kind.to_string(), name.to_string())
        })
        .collect();
    let open_opts = OpenOptions {
        fold_case: req.fold,
    };
    let status = |found: bool| {
        if found {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    };
    if let Some(key) = &req.delete {
        let opts = CreateOptions {
            duplicates: req.duplicates.unwrap_or(Duplicates::KeepFirstWarn),
            fold_case: req.fold,
            append_nul: req.append_nul,
        };
        let found = if key == "-" {
            table_opts::delete_stdin(&maps, std::io::stdin().lock(), &opts)?
        } else {
            table_opts::delete_one(&maps, key, &opts)?
        };
        return Ok(status(found));
    }
    if let Some(key) = &req.query {
        let found = if key == "-" {
            table_opts::query_stdin(
                diag,
                &maps,
                std::io::stdin().lock(),
                &open_opts,
                Style::Alias,
                false,
            )?
        } else {
            table_opts::query_one(diag, &maps, key, &open_opts, false)?
        };
        return Ok(status(found));
    }
    if req.sequence {
        // Postfix lists the first table only.
        if let Some((kind, name)) = maps.first() {
            table_opts::dump(diag, kind, name, &open_opts, Style::Alias, false)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    let hostname = settings.get("myhostname")?;
    for (kind, name) in &maps {
        build(diag, kind, name, &req, &hostname)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Why an aliases(5) line gave no entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AliasLineError {
    /// No `:`, nothing before or after it, or a `,` before it.
    NeedPair,
    /// `@` or `%` in the name.
    NotLocal,
}

/// Splits one logical aliases(5) line into the name (internal form, not yet
/// folded) and the value (external form); `Ok(None)` for a line with no tokens.
pub fn split_alias(text: &str) -> Result<Option<(String, String)>, AliasLineError> {
    let tokens = tok822::scan(text);
    if tokens.is_empty() {
        return Ok(None);
    }
    let colon = tokens
        .iter()
        .position(|t| *t == Token::Op(':'))
        .ok_or(AliasLineError::NeedPair)?;
    let (name, value) = (&tokens[..colon], &tokens[colon + 1..]);
    if name.is_empty() || value.is_empty() || name.contains(&Token::Op(',')) {
        return Err(AliasLineError::NeedPair);
    }
    if name.contains(&Token::Op('@')) || name.contains(&Token::Op('%')) {
        return Err(AliasLineError::NotLocal);
    }
    Ok(Some((
        tok822::internalize(name),
        tok822::externalize(value),
    )))
}

/// Builds `kind:name` from the aliases file `name` (or adds stdin's entries with -i).
fn build(diag: Diag, kind: &str, name: &str, req: &Request, hostname: &str) -> Result<(), Fatal> {
    let policy = req.duplicates.unwrap_or(Duplicates::KeepFirstWarn);
    // Names are folded here, not by the writer, because the NIS records keep their case.
    let opts = CreateOptions {
        duplicates: policy,
        fold_case: false,
        append_nul: req.append_nul,
    };
    let crate::postmap::Source {
        label,
        bytes,
        mode,
        owner,
    } = crate::postmap::read_source(kind, name, req.incremental)?;
    if let Some(owner) = owner.filter(|_| req.as_owner) {
        crate::postmap::owner::become_owner(owner)?;
    }
    let mut writer = crate::postmap::open_writer(kind, name, req.incremental, &opts)?;
    let write_error = |e: tables::TableError| {
        Fatal(format!(
            "table {kind}:{name}: write error: {}",
            table_opts::describe(&e)
        ))
    };
    for item in crate::postmap::source::lines(&label, &bytes, req.utf8_checks) {
        let line = match item {
            crate::postmap::source::Item::Line(line) => line,
            crate::postmap::source::Item::Dropped(warning) => {
                diag.warn(&warning);
                continue;
            }
        };
        match split_alias(&line.text) {
            Ok(None) => {}
            Ok(Some((key, value))) => {
                let key = if req.fold { key.to_lowercase() } else { key };
                let inserted = writer.insert(&key, &value).map_err(write_error)?;
                table_opts::warn_duplicate(diag, kind, name, &key, false, inserted, policy);
            }
            Err(AliasLineError::NeedPair) => diag.warn(&format!(
                "{label}, line {}: need name:value pair",
                line.first_line
            )),
            Err(AliasLineError::NotLocal) => diag.warn(&format!(
                "{label}, line {}: name must be local",
                line.first_line
            )),
        }
    }
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0);
    let signatures = [
        ("@".to_string(), "@".to_string()),
        ("YP_LAST_MODIFIED".to_string(), format!("{now:010}")),
        ("YP_MASTER_NAME".to_string(), hostname.to_string()),
    ];
    for (key, value) in signatures {
        put_signature(
            writer.as_mut(),
            &key,
            &value,
            req.incremental,
            diag,
            kind,
            name,
            policy,
        )
        .map_err(write_error)?;
    }
    writer
        .finish()
        .map_err(|e| Fatal(table_opts::describe_write(&e, kind, name)))?;
    if let Some(mode) = mode.filter(|_| req.save_perm) {
        table_opts::inherit_permissions(&table_opts::table_file(kind, name), mode);
    }
    Ok(())
}

/// Adds a signature record; on an incremental update it replaces the old one.
#[allow(clippy::too_many_arguments)]
fn put_signature(
    writer: &mut dyn TableWriter,
    key: &str,
    value: &str,
    incremental: bool,
    diag: Diag,
    kind: &str,
    name: &str,
    policy: Duplicates,
) -> Result<(), tables::TableError> {
    if incremental {
        writer.delete(key)?;
    }
    let inserted = writer.insert(key, value)?;
    table_opts::warn_duplicate(diag, kind, name, key, false, inserted, policy);
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn pair(k: &str, v: &str) -> Result<Option<(String, String)>, AliasLineError> {
        Ok(Some((k.to_string(), v.to_string())))
    }

    #[test]
    fn alias_lines() {
        assert_eq!(split_alias("root: admin"), pair("root", "admin"));
        assert_eq!(split_alias("list: a,  b, c"), pair("list", "a, b, c"));
        assert_eq!(split_alias("\"quoted name\": z"), pair("quoted name", "z"));
        assert_eq!(split_alias("a11 : v"), pair("a11", "v"));
        assert_eq!(split_alias("a12:: v"), pair("a12", ":v"));
        assert_eq!(split_alias("\"a@b\": v"), pair("a@b", "v"));
        assert_eq!(split_alias("\"\" : e"), pair("", "e"));
    }

    #[test]
    fn malformed_alias_lines() {
        assert_eq!(split_alias("bad line"), Err(AliasLineError::NeedPair));
        assert_eq!(split_alias(":include: x"), Err(AliasLineError::NeedPair));
        assert_eq!(split_alias("empty:"), Err(AliasLineError::NeedPair));
        assert_eq!(split_alias("a, b: c"), Err(AliasLineError::NeedPair));
        assert_eq!(split_alias("user@dom: z"), Err(AliasLineError::NotLocal));
        assert_eq!(split_alias("u%dom: z"), Err(AliasLineError::NotLocal));
    }
}
