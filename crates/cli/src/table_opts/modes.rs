//! The query, delete and list modes postmap and postalias share (`-q key`, `-q -`,
//! `-d key`, `-d -`, `-s`): tables opened with `tables`, answers and diagnostics
//! worded as Postfix's.
//!
//! Never: builds a table from a source (postmap and postalias do).

use std::io::{BufRead, Write};
use std::path::Path;

use tables::{OpenOptions, TableError};

use super::messages;
use super::{
    check_writable, describe, describe_write, strerror, table_file, Diag, Fatal, READ_ONLY,
};

/// How a found value is printed by the query modes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// postmap: `key<TAB>value`.
    Map,
    /// postalias: `key:<TAB>value`.
    Alias,
}

impl Style {
    fn line(self, key: &str, value: &[u8]) -> Vec<u8> {
        let mut line = key.as_bytes().to_vec();
        line.extend_from_slice(match self {
            Style::Map => b"\t",
            Style::Alias => b":\t",
        });
        line.extend_from_slice(value);
        line.push(b'\n');
        line
    }
}

/// Opens `kind:name` for reading and prints what the table said while opening
/// (bad lines in a regexp: or texthash: source), as Postfix does at open time.
pub fn open(
    diag: Diag,
    kind: &str,
    name: &str,
    opts: &OpenOptions,
) -> Result<std::sync::Arc<dyn tables::Table>, Fatal> {
    let table = tables::open(&format!("{kind}:{name}"), opts).map_err(|e| Fatal(describe(&e)))?;
    for warning in table.warnings() {
        diag.warn(&warning.0);
    }
    Ok(table)
}

fn warn_empty(diag: Diag, kind: &str, name: &str, key: &str, value: &str) {
    if value.is_empty() {
        for text in messages::empty_result(kind, name, key) {
            diag.warn(&text);
        }
    }
}

fn query_error(kind: &str, name: &str, err: &TableError) -> Fatal {
    match err {
        TableError::Query { .. } => Fatal(describe(err)),
        _ => Fatal(messages::query_error(kind, name, describe(err))),
    }
}

/// The table's name as Postfix's dict layer reports it in -F errors.
fn dict_label(kind: &str, name: &str) -> String {
    match kind {
        "hash" | "btree" => format!("{kind}:{name}.db"),
        "cdb" => format!("cdb:{name}.cdb"),
        "lmdb" => format!("lmdb:{name}.lmdb"),
        _ => format!("{kind}:{name}"),
    }
}

/// A found value as printed: base64-decoded with -F (`None`, after Postfix's
/// warning, when it is not base64), else as stored.
fn decoded(
    diag: Diag,
    kind: &str,
    name: &str,
    key: &str,
    value: String,
    rhs_file: bool,
) -> Option<Vec<u8>> {
    if !rhs_file {
        return Some(value.into_bytes());
    }
    let bytes = crate::postmap::rhs_file::decode(&value);
    if bytes.is_none() {
        diag.warn(&messages::malformed_base64(
            &dict_label(kind, name),
            key,
            &value,
        ));
    }
    bytes
}

/// `-q key`: the first table (in order) that has `key` prints its value; true when found.
pub fn query_one(
    diag: Diag,
    maps: &[(String, String)],
    key: &str,
    opts: &OpenOptions,
    rhs_file: bool,
) -> Result<bool, Fatal> {
    for (kind, name) in maps {
        let table = open(diag, kind, name, opts)?;
        match table.lookup(key) {
            Ok(Some(value)) => {
                warn_empty(diag, kind, name, key, &value);
                let value = decoded(diag, kind, name, key, value, rhs_file)
                    .ok_or_else(|| Fatal(messages::query_failed(&dict_label(kind, name))))?;
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(&value);
                let _ = out.write_all(b"\n");
                let _ = out.flush();
                return Ok(true);
            }
            Ok(None) => {}
            Err(e) => return Err(query_error(kind, name, &e)),
        }
    }
    Ok(false)
}

/// `-q -`: one key per input line; prints each found key with its first value.
/// Tables are opened when first needed, as Postfix does.
pub fn query_stdin(
    diag: Diag,
    maps: &[(String, String)],
    input: impl BufRead,
    opts: &OpenOptions,
    style: Style,
    rhs_file: bool,
) -> Result<bool, Fatal> {
    let mut opened: Vec<Option<std::sync::Arc<dyn tables::Table>>> = vec![None; maps.len()];
    let mut found = false;
    let mut out = std::io::stdout().lock();
    for line in input.split(b'\n') {
        let line = line.map_err(|e| Fatal(messages::read_stdin(strerror(&e))))?;
        let key = String::from_utf8_lossy(&line).into_owned();
        for (n, (kind, name)) in maps.iter().enumerate() {
            let table = match &opened[n] {
                Some(t) => t.clone(),
                None => {
                    let t = open(diag, kind, name, opts)?;
                    opened[n] = Some(t.clone());
                    t
                }
            };
            match table.lookup(&key) {
                Ok(Some(value)) => {
                    warn_empty(diag, kind, name, &key, &value);
                    let value = decoded(diag, kind, name, &key, value, rhs_file)
                        .ok_or_else(|| Fatal(messages::query_failed(&dict_label(kind, name))))?;
                    let _ = out.write_all(&style.line(&key, &value));
                    found = true;
                    break;
                }
                Ok(None) => {}
                Err(e) => return Err(query_error(kind, name, &e)),
            }
        }
    }
    let _ = out.flush();
    Ok(found)
}

/// Whether `kind` can be changed in place (`-i`, `-d`), with Postfix's complaint
/// when it cannot. `deleting` picks the wording of `-d` for read-only types.
pub fn check_updatable(kind: &str, name: &str, deleting: bool) -> Result<(), Fatal> {
    if kind == "cdb" {
        return Err(Fatal::new(messages::CDB_UPDATE_FLAGS));
    }
    if deleting && READ_ONLY.contains(&kind) {
        return Err(Fatal(messages::requires_rdonly(kind, name)));
    }
    check_writable(kind, name)
}

/// Opens an existing table for `-i` / `-d` (created when missing, as O_CREAT does).
pub fn update_writer(
    kind: &str,
    name: &str,
    opts: &tables::CreateOptions,
    deleting: bool,
) -> Result<Box<dyn tables::TableWriter>, Fatal> {
    check_updatable(kind, name, deleting)?;
    let file = table_file(kind, name);
    if deleting && !file.exists() {
        // -d opens without creating, as Postfix's O_RDWR does.
        return Err(Fatal(messages::open_database(
            file.display(),
            "No such file or directory",
        )));
    }
    tables::update(kind, Path::new(name), opts).map_err(|e| Fatal(describe_write(&e, kind, name)))
}

/// `-d key`: removes `key` from every table; true when any had it.
pub fn delete_one(
    maps: &[(String, String)],
    key: &str,
    opts: &tables::CreateOptions,
) -> Result<bool, Fatal> {
    let mut found = false;
    for (kind, name) in maps {
        let mut writer = update_writer(kind, name, opts, true)?;
        found |= writer
            .delete(key)
            .map_err(|e| Fatal(messages::delete_error(kind, name, describe(&e))))?;
        writer
            .finish()
            .map_err(|e| Fatal(describe_write(&e, kind, name)))?;
    }
    Ok(found)
}

/// `-d -`: removes each key read from stdin from every table (all opened first).
pub fn delete_stdin(
    maps: &[(String, String)],
    input: impl BufRead,
    opts: &tables::CreateOptions,
) -> Result<bool, Fatal> {
    let mut writers = Vec::new();
    for (kind, name) in maps {
        writers.push((kind, name, update_writer(kind, name, opts, true)?));
    }
    let mut found = false;
    for line in input.split(b'\n') {
        let line = line.map_err(|e| Fatal(messages::read_stdin(strerror(&e))))?;
        let key = String::from_utf8_lossy(&line).into_owned();
        for (kind, name, writer) in writers.iter_mut() {
            found |= writer
                .delete(&key)
                .map_err(|e| Fatal(messages::delete_error(kind, name, describe(&e))))?;
        }
    }
    for (kind, name, writer) in writers {
        writer
            .finish()
            .map_err(|e| Fatal(describe_write(&e, kind, name)))?;
    }
    Ok(found)
}

/// `-s`: prints every entry of one table, in the table's own order.
pub fn dump(
    diag: Diag,
    kind: &str,
    name: &str,
    opts: &OpenOptions,
    style: Style,
    rhs_file: bool,
) -> Result<(), Fatal> {
    let entries = seq_entries(diag, kind, name, opts)?;
    let mut out = std::io::stdout().lock();
    for (key, value) in entries {
        if key.is_empty() {
            diag.warn(&messages::empty_key(kind, name));
        } else {
            warn_empty(diag, kind, name, &key, &value);
        }
        if let Some(value) = decoded(diag, kind, name, &key, value, rhs_file) {
            let _ = out.write_all(&style.line(&key, &value));
        }
    }
    let _ = out.flush();
    Ok(())
}

/// Every entry of `kind:name` in the table's order (Postfix dict_seq).
fn seq_entries(
    diag: Diag,
    kind: &str,
    name: &str,
    opts: &OpenOptions,
) -> Result<Vec<(String, String)>, Fatal> {
    let table = open(diag, kind, name, opts)?;
    if kind == "cdb" {
        // facteur can list a cdb file, Postfix 3.7 cannot: keep Postfix's answer so
        // scripts see the same behaviour (remove this to offer the listing).
        return Err(Fatal(messages::cdb_no_sequence(name)));
    }
    table.entries().map_err(|e| match e {
        TableError::NotSupported { .. } => Fatal(describe(&e)),
        other => Fatal(messages::sequence_error(kind, name, describe(&other))),
    })
}
