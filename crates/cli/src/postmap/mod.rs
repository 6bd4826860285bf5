//! `postmap [-bfFhimnNoprsuUvw] [-c config_dir] [-d key] [-q key] [type:]file ...`
//! (Postfix `postmap/postmap.c`, postmap(1)): build an indexed table from a
//! `key whitespace value` source, query any table type, list, add from stdin, delete.
//!
//! Owns: postmap's options, its warnings and exit codes. The source syntax (key up
//! to the first unquoted white space, quotes kept in the key) is `tables::texthash`,
//! shared with `texthash:` tables.
//! Never: knows a table's file format or lookup semantics (`tables` does), or reads
//! main.cf itself (`config::Config` does, through `table_opts::Settings`).

use std::ffi::OsString;
use std::path::Path;
use std::process::ExitCode;

use tables::{CreateOptions, Duplicates, OpenOptions};

use crate::table_opts::{
    self, base_name, check_writable, getopt, messages, operand, Diag, Fatal, Settings, Style,
};
use crate::Env;

mod keys;
pub(crate) mod owner;
pub(crate) mod rhs_file;
pub(crate) mod source;

const OPTIONS: &str = "bc:d:fFhimnNopq:rsuUvw";

/// What the command line asks for.
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
    /// Build as the source file's owner when run as root (cleared by -o).
    as_owner: bool,
    header_keys: bool,
    body_keys: bool,
    mime_keys: bool,
    rhs_is_file: bool,
    no_utf8: bool,
    /// Check sources for UTF-8 (smtputf8_enable and not -u); set after main.cf.
    utf8_checks: bool,
    operands: Vec<String>,
}

fn usage(name: &str) -> Fatal {
    Fatal(messages::usage(name, "bfFhimnNoprsuUvw"))
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
            'b' => req.body_keys = true,
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
            'F' => req.rhs_is_file = true,
            'h' => req.header_keys = true,
            'i' => req.incremental = true,
            'm' => req.mime_keys = true,
            'N' => req.append_nul = Some(true),
            'n' => req.append_nul = Some(false),
            'o' => req.as_owner = false,
            'p' => req.save_perm = false,
            'r' => req.duplicates = Some(Duplicates::Replace),
            'w' => req.duplicates = Some(Duplicates::KeepFirstQuiet),
            // -U (UTF-8 checks with -b/-h) and -v (verbose) change nothing here.
            'u' => req.no_utf8 = true,
            'U' | 'v' => {}
            _ => return Err(usage(name)),
        }
    }
    Ok(req)
}

/// Runs `postmap` as `name` (argv[0]) with `args`.
pub fn run(name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    let name = base_name(name);
    let diag = Diag { name };
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    match execute(diag, &args, env) {
        Ok(code) => code,
        Err(fatal) => diag.fatal(&fatal),
    }
}

fn execute(diag: Diag, args: &[String], env: &Env) -> Result<ExitCode, Fatal> {
    let mut req = parse(diag.name, args)?;
    let settings = Settings::load(&table_opts::config_dir(env, req.config_dir.clone()))?;
    req.utf8_checks = settings.smtputf8_enable()? && !req.no_utf8;
    let any_key_mode = req.header_keys || req.body_keys || req.mime_keys;
    if any_key_mode && req.query.as_deref() != Some("-") {
        return Err(Fatal::new(messages::KEY_MODES_NEED_STDIN));
    }
    if req.mime_keys && !req.header_keys && !req.body_keys {
        diag.warn(messages::M_WITHOUT_B_OR_H);
    }
    if req.operands.is_empty() {
        // Postfix lists nothing and fails quietly for -s without a table.
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
    let create_opts = CreateOptions {
        duplicates: req.duplicates.unwrap_or(Duplicates::KeepFirstWarn),
        fold_case: req.fold,
        utf8: req.utf8_checks,
        append_nul: req.append_nul,
    };
    let status = |found: bool| {
        if found {
            ExitCode::SUCCESS
        } else {
            ExitCode::from(1)
        }
    };

    if let Some(key) = &req.delete {
        let found = if key == "-" {
            table_opts::delete_stdin(&maps, std::io::stdin().lock(), &create_opts)?
        } else {
            table_opts::delete_one(&maps, key, &create_opts)?
        };
        return Ok(status(found));
    }
    if let Some(key) = &req.query {
        let found = if key == "-" {
            if req.header_keys || req.body_keys {
                keys::query_message(
                    diag,
                    &maps,
                    std::io::stdin().lock(),
                    &open_opts,
                    req.header_keys,
                    req.body_keys,
                    req.mime_keys,
                )?
            } else {
                table_opts::query_stdin(
                    diag,
                    &maps,
                    std::io::stdin().lock(),
                    &open_opts,
                    Style::Map,
                    req.rhs_is_file,
                )?
            }
        } else {
            table_opts::query_one(diag, &maps, key, &open_opts, req.rhs_is_file)?
        };
        return Ok(status(found));
    }
    if req.sequence {
        // Postfix lists the first table only.
        if let Some((kind, name)) = maps.first() {
            table_opts::dump(diag, kind, name, &open_opts, Style::Map, req.rhs_is_file)?;
        }
        return Ok(ExitCode::SUCCESS);
    }
    for (kind, name) in &maps {
        build(diag, kind, name, &req, &create_opts)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Builds `kind:name` from the source file `name` (or adds stdin's entries with -i).
fn build(
    diag: Diag,
    kind: &str,
    name: &str,
    req: &Request,
    opts: &CreateOptions,
) -> Result<(), Fatal> {
    let Source {
        label: source_label,
        bytes,
        mode: source_mode,
        owner,
    } = read_source(kind, name, req.incremental)?;
    if let Some(owner) = owner.filter(|_| req.as_owner) {
        owner::become_owner(owner)?;
    }
    let mut writer = open_writer(kind, name, req.incremental, opts)?;

    source::for_each_entry(diag, &source_label, &bytes, req.utf8_checks, |mut entry| {
        if req.rhs_is_file {
            match rhs_file::encode_files(&entry.value) {
                Ok(encoded) => entry.value = encoded,
                Err(why) => {
                    diag.warn(&messages::skip_entry(&source_label, entry.line, why));
                    return Ok(());
                }
            }
        }
        let inserted = writer
            .insert(&entry.key, &entry.value)
            .map_err(|e| Fatal(messages::write_error(kind, name, table_opts::describe(&e))))?;
        table_opts::warn_duplicate(
            diag,
            kind,
            name,
            &entry.key,
            opts.fold_case.then_some(opts.utf8),
            inserted,
            opts.duplicates,
        );
        Ok(())
    })?;
    writer
        .finish()
        .map_err(|e| Fatal(table_opts::describe_write(&e, kind, name)))?;
    if let Some(mode) = source_mode.filter(|_| req.save_perm) {
        table_opts::inherit_permissions(&table_opts::table_file(kind, name), mode);
    }
    Ok(())
}

/// The source of a build: the file `name`, or stdin with -i. Gives the name used in
/// warnings, the bytes, and the file's mode (for -p). Postfix checks the type after
/// opening the source, so an unknown type still reports a missing file first.
pub(crate) fn read_source(kind: &str, name: &str, incremental: bool) -> Result<Source, Fatal> {
    if kind == "proxy" {
        return Err(Fatal::new(messages::PROXY_CREATE));
    }
    if incremental {
        let mut buf = Vec::new();
        std::io::Read::read_to_end(&mut std::io::stdin().lock(), &mut buf)
            .map_err(|e| Fatal(messages::read_stdin(table_opts::strerror(&e))))?;
        return Ok(Source {
            label: "stdin".to_string(),
            bytes: buf,
            mode: None,
            owner: None,
        });
    }
    let bytes = match std::fs::read(name) {
        Ok(bytes) => bytes,
        // Postfix opens a directory and reads nothing from it: an empty table.
        Err(e) if e.kind() == std::io::ErrorKind::IsADirectory => Vec::new(),
        Err(e) => return Err(Fatal(messages::open_file(name, table_opts::strerror(&e)))),
    };
    let meta = std::fs::metadata(name).ok().filter(|m| m.is_file());
    use std::os::unix::fs::MetadataExt;
    Ok(Source {
        label: name.to_string(),
        bytes,
        mode: meta.as_ref().map(|m| m.mode()),
        owner: meta.as_ref().map(|m| owner::Owner {
            uid: m.uid(),
            gid: m.gid(),
        }),
    })
}

/// A table source as read: its name in warnings, its bytes, and for a regular
/// file its mode (for permission inheritance) and owner (for -o).
#[derive(Debug)]
pub(crate) struct Source {
    pub label: String,
    pub bytes: Vec<u8>,
    pub mode: Option<u32>,
    pub owner: Option<owner::Owner>,
}

/// A writer for a new table (build) or an existing one (-i; created when missing).
pub(crate) fn open_writer(
    kind: &str,
    name: &str,
    incremental: bool,
    opts: &CreateOptions,
) -> Result<Box<dyn tables::TableWriter>, Fatal> {
    if incremental {
        table_opts::check_updatable(kind, name, false)?;
        if table_opts::table_file(kind, name).exists() {
            tables::update(kind, Path::new(name), opts)
        } else {
            tables::create(kind, Path::new(name), opts)
        }
    } else {
        check_writable(kind, name)?;
        tables::create(kind, Path::new(name), opts)
    }
    .map_err(|e| Fatal(table_opts::describe_write(&e, kind, name)))
}
