//! `postalias [-Nfinoprsuvw] [-c config_dir] [-d key] [-q key] [type:]file ...` and
//! `newaliases` (Postfix `postalias/postalias.c`, postalias(1), aliases(5)).
//!
//! Owns: postalias's options, the signature records it adds (`@` → `@`, and the NIS
//! `YP_LAST_MODIFIED` / `YP_MASTER_NAME` records Debian's Postfix writes), and
//! newaliases' walk over `alias_database`.
//! Never: parses aliases(5) lines (`tables::aliases` does, for local delivery too),
//! knows table file formats (`tables`), or expands aliases (local delivery does).

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use tables::{CreateOptions, Duplicates, OpenOptions, TableWriter};

use crate::table_opts::{self, base_name, getopt, messages, operand, Diag, Fatal, Settings, Style};
use crate::Env;

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
    Fatal(messages::usage(name, "Nfinoprsuvw"))
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
                    return Err(Fatal::new(messages::ONLY_ONE_MODE));
                }
                if opt.letter == 'd' {
                    req.delete = Some(arg);
                } else {
                    req.query = Some(arg);
                }
            }
            's' => {
                if req.query.is_some() || req.delete.is_some() {
                    return Err(Fatal::new(messages::ONLY_ONE_MODE_S));
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
        utf8: req.utf8_checks,
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
            utf8: req.utf8_checks,
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

/// Builds `kind:name` from the aliases file `name` (or adds stdin's entries with -i).
fn build(diag: Diag, kind: &str, name: &str, req: &Request, hostname: &str) -> Result<(), Fatal> {
    let policy = req.duplicates.unwrap_or(Duplicates::KeepFirstWarn);
    // Names are folded here, not by the writer, because the NIS records keep their case.
    let opts = CreateOptions {
        duplicates: policy,
        fold_case: false,
        utf8: req.utf8_checks,
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
    let write_error =
        |e: tables::TableError| Fatal(messages::write_error(kind, name, table_opts::describe(&e)));
    for item in tables::aliases::parse_in_order(&label, &bytes, req.utf8_checks) {
        match item {
            Ok(entry) => {
                let key = if req.fold {
                    tables::writer::fold(&entry.name, req.utf8_checks).into_owned()
                } else {
                    entry.name
                };
                let inserted = writer.insert(&key, &entry.value).map_err(write_error)?;
                table_opts::warn_duplicate(diag, kind, name, &key, None, inserted, policy);
            }
            Err(warning) => diag.warn(&warning.0),
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
    table_opts::warn_duplicate(diag, kind, name, key, None, inserted, policy);
    Ok(())
}
