//! master.cf (master(5)): the 8 columns, `-` defaults, `-o name=value` and
//! `-o { name = value }` overrides, continuation lines, comments.
//!
//! Contract shared with postconf and (later) the daemon. The parser is being built
//! (issue 3); until then `parse` fails with a clear error.

use std::path::Path;

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
    /// Everything after the program, `-o` options included, as written (after
    /// splitting on white space and `{ }` grouping).
    pub args: Vec<String>,
    /// The `-o name=value` overrides in order, parsed out of `args`.
    pub overrides: Vec<(String, String)>,
    /// 1-based line where the entry starts.
    pub line: usize,
}

/// A parsed master.cf.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MasterCf {
    pub services: Vec<Service>,
}

/// Parses master.cf text; `path` names the file in errors.
pub fn parse(text: &str, path: &Path) -> Result<MasterCf, ConfigError> {
    let _ = text;
    Err(ConfigError::Other {
        message: format!("{}: master.cf parsing is being built", path.display()),
    })
}
