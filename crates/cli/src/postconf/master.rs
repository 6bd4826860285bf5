//! `postconf -M`, `-F`, `-P`: master.cf entries, fields and per-service parameters.
//! Placeholder: the master.cf helper replaces this file, keeping `run`'s signature
//! (`super::MasterRun`).

use std::path::Path;
use std::process::ExitCode;

use super::Options;

/// Runs the master.cf modes of postconf with the parsed options and the
/// configuration directory; prints its own output and diagnostics.
pub fn run(opts: &Options, config_dir: &Path) -> ExitCode {
    let _ = (opts, config_dir);
    eprintln!("postconf: fatal: -M, -F and -P are not built yet");
    ExitCode::from(1)
}

// Keep the hook's signature checked at compile time.
const _: super::MasterRun = run;
