//! The texts postmap and postalias print, in Postfix 3.7's words, in one place
//! (they share most of them, as Postfix's postmap.c and postalias.c do). Each
//! function gives the text after `NAME: warning: ` or `NAME: fatal: `.
//!
//! Never: prints (callers go through `Diag`), or holds a table's own warnings
//! (`tables` words those).

use std::fmt::Display;

/// `-d`/`-q` after another mode.
pub const ONLY_ONE_MODE: &str = "specify only one of -s -q or -d";
/// `-s` after `-q` or `-d`.
pub const ONLY_ONE_MODE_S: &str = "specify only one of -s or -q or -d";
pub const PROXY_CREATE: &str = "can't create maps via the proxy service";
pub const CDB_UPDATE_FLAGS: &str = "dict_cdb_open: inappropriate open flags for cdb database - specify O_RDONLY or O_WRONLY|O_CREAT|O_TRUNC";

pub fn usage(name: &str, flags: &str) -> String {
    format!("usage: {name} [-{flags}] [-c config_dir] [-d key] [-q key] [map_type:]file...")
}

pub fn read_stdin(why: impl Display) -> String {
    format!("read stdin: {why}")
}

/// A file that could not be opened (`open PATH: reason`).
pub fn open_file(path: impl Display, why: impl Display) -> String {
    format!("open {path}: {why}")
}

/// A table file that could not be opened (`open database PATH: reason`).
pub fn open_database(path: impl Display, why: impl Display) -> String {
    format!("open database {path}: {why}")
}

pub fn write_error(kind: &str, name: &str, why: impl Display) -> String {
    format!("table {kind}:{name}: write error: {why}")
}

pub fn query_error(kind: &str, name: &str, why: impl Display) -> String {
    format!("table {kind}:{name}: query error: {why}")
}

/// A query error without a reason; `label` is the dict layer's name for the table.
pub fn query_failed(label: &str) -> String {
    format!("table {label}: query error")
}

pub fn delete_error(kind: &str, name: &str, why: impl Display) -> String {
    format!("table {kind}:{name}: delete error: {why}")
}

pub fn sequence_error(kind: &str, name: &str, why: impl Display) -> String {
    format!("table {kind}:{name}: sequence error: {why}")
}

/// Postfix 3.7 cannot list a cdb file.
pub fn cdb_no_sequence(name: &str) -> String {
    format!("table cdb:{name}.cdb: sequence operation is not supported")
}

/// The two warnings about a key found with an empty value.
pub fn empty_result(kind: &str, name: &str, key: &str) -> [String; 2] {
    [
        format!("table {kind}:{name}: key {key}: empty string result is not allowed"),
        format!("table {kind}:{name} should return NO RESULT in case of NOT FOUND"),
    ]
}

pub fn empty_key(kind: &str, name: &str) -> String {
    format!("table {kind}:{name}: empty lookup key value is not allowed")
}

pub fn malformed_base64(label: &str, key: &str, value: &str) -> String {
    format!("table {label}: key {key}: malformed BASE64 value: {value}")
}

pub fn requires_rdonly(kind: &str, name: &str) -> String {
    format!("{kind}:{name} map requires O_RDONLY access mode")
}

pub fn fail_write(name: &str) -> String {
    format!("table fail:{name}: write error: Application error")
}

pub fn no_bulk_create(kind: &str) -> String {
    format!("unsupported dictionary type: {kind} does not support bulk-mode creation.")
}

pub fn unsupported_type(kind: &str) -> String {
    format!("unsupported dictionary type: {kind}")
}

/// `label` is the dict layer's name for the table being built.
pub fn duplicate_entry(label: &str, key: &str) -> String {
    format!("{label}: duplicate entry: \"{key}\"")
}

/// postmap only: `-b`, `-h` and `-m` read a message from stdin.
pub const KEY_MODES_NEED_STDIN: &str = "specify -b -h or -m only with \"-q -\"";
/// postmap only.
pub const M_WITHOUT_B_OR_H: &str = "ignoring -m option without -b or -h";

/// postmap -F only: a value naming a file that cannot be read.
pub fn skip_entry(label: &str, line: usize, why: impl Display) -> String {
    format!("{label}, line {line}: {why}: skipping this entry")
}
