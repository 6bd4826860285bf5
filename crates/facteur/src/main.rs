//! The one binary: reads argv and the environment (the only place that does), then
//! hands over to the command the program name or first argument selects: `master`
//! (the daemon, started by `facteur start`) to `daemon::run`, everything else to
//! `cli::run`.

use std::process::ExitCode;

fn main() -> ExitCode {
    let mut args = std::env::args_os();
    let program = args
        .next()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_else(|| "facteur".to_string());
    let args: Vec<_> = args.collect();
    let mail_config = std::env::var_os("MAIL_CONFIG").map(Into::into);
    if args.first().and_then(|a| a.to_str()) == Some("master") {
        return daemon::run(&args[1..], mail_config);
    }
    let env = cli::Env {
        mail_config,
        exe: std::env::current_exe().ok(),
    };
    cli::run(&program, args, &env)
}
