//! `postconf -M`, `-F`, `-P`: master.cf entries, fields and per-service parameters.
//! Placeholder: the master.cf helper's file replaces this one, keeping these types
//! and `run`'s signature, which `mod.rs` calls.

use std::path::Path;
use std::process::ExitCode;

/// Which of `-M`, `-F`, `-P` was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MasterView {
    /// `-M`: whole service entries.
    Services,
    /// `-F`: `service/type/field = value`.
    Fields,
    /// `-P`: `service/type/parameter = value` for the `-o` overrides.
    Params,
}

/// What to do with the selected entries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MasterEdit {
    /// Print them (no edit option).
    #[default]
    Show,
    /// `-e`: the operands are new values.
    Edit,
    /// `-X`: remove.
    Remove,
    /// `-#`: comment out.
    Comment,
}

/// The part of postconf's command line that concerns master.cf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MasterOptions {
    pub view: MasterView,
    pub edit: MasterEdit,
    /// `-f`: fold long lines.
    pub fold: bool,
    /// The non-option arguments: selectors, or `selector = value` with `-e`.
    pub operands: Vec<String>,
}

/// Runs the master.cf part of postconf on `config_dir/master.cf`; `program` prefixes
/// messages. Not built on this branch yet.
pub fn run(program: &str, opts: &MasterOptions, config_dir: &Path) -> ExitCode {
    let _ = (opts, config_dir);
    eprintln!("{program}: fatal: -M, -F and -P are not built yet");
    ExitCode::from(1)
}
