//! `postalias`: being built (issue 3).

use std::ffi::OsString;
use std::process::ExitCode;

use crate::Env;

/// Runs `postalias`. Not built yet: says so and fails.
pub fn run(name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    let _ = (args, env);
    eprintln!("{name}: fatal: not implemented yet");
    ExitCode::from(1)
}

/// Runs `newaliases` (postalias on every alias_database). Not built yet.
pub fn newaliases(name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    run(name, args, env)
}
