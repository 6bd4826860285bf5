//! The one binary: reads argv and the environment (the only place that does), then
//! hands over to the command the program name or first argument selects.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let program = args
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "facteur".to_string());
    let env = cli::Env {
        mail_config: std::env::var_os("MAIL_CONFIG").map(Into::into),
    };
    cli::run(&program, args.collect(), &env)
}
