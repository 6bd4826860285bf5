//! The administrator's commands, one module per command, each `pub fn run(args, env)
//! -> ExitCode` (Postfix `postconf/`, `postmap/`, `postalias/` ...).
//!
//! Owns: option parsing with Postfix's options, output formats and exit codes.
//! Never: reads the process environment or argv itself (`Env` and the arguments come
//! from the binary's main), or schedules mail (queue tools use `queue`, not `qmgr`).

pub mod dispatch;
pub mod env;
pub mod postalias;
pub mod postconf;
pub mod postfix;
pub mod postmap;
pub mod table_opts;

pub use dispatch::{command_for_program, run, Command};
pub use env::Env;
