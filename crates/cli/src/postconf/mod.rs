//! `postconf`: being built (issue 3).

use std::ffi::OsString;
use std::process::ExitCode;

use crate::Env;

pub mod master;

/// Runs `postconf`. Not built yet: says so and fails.
pub fn run(name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    // TEMPORARY (master.cf helper): until the real option parser lands, -M/-F/-P
    // command lines go straight to master.rs.
    if let Some((opts, dash_c)) = master::from_args(&args) {
        return master::run(name, &opts, &env.config_dir(dash_c));
    }
    let _ = (args, env);
    eprintln!("{name}: fatal: not implemented yet");
    ExitCode::from(1)
}
