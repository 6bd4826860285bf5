//! Which command runs: the program name (argv[0] through a link such as `postconf` or
//! `mailq`) or, for `facteur`, the first argument.

use std::ffi::OsString;
use std::process::ExitCode;

use crate::Env;

/// A compatibility command facteur provides.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    Postconf,
    Postmap,
    Postalias,
    Newaliases,
    Postfix,
}

/// Every command with its name and a one-line summary, for `facteur --help`.
pub const COMMANDS: &[(&str, Command, &str)] = &[
    (
        "postconf",
        Command::Postconf,
        "print or edit main.cf and master.cf parameters",
    ),
    (
        "postmap",
        Command::Postmap,
        "build, query or change a lookup table",
    ),
    (
        "postalias",
        Command::Postalias,
        "build or query an aliases(5) database",
    ),
    (
        "postfix",
        Command::Postfix,
        "start | start-fg | stop | abort | reload | status | check | flush the mail system",
    ),
    (
        "newaliases",
        Command::Newaliases,
        "rebuild the alias_database (= postalias on alias_database)",
    ),
];

/// The command a program name stands for (`/usr/sbin/postconf` → `Postconf`).
pub fn command_for_program(program: &str) -> Option<Command> {
    let base = program.rsplit('/').next().unwrap_or(program);
    COMMANDS
        .iter()
        .find(|(name, _, _)| *name == base)
        .map(|(_, command, _)| *command)
}

/// Runs facteur invoked as `program` with `args` (argv without argv[0]).
pub fn run(program: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    if let Some(command) = command_for_program(program) {
        return run_command(command, program, args, env);
    }
    let mut args = args.into_iter();
    let first = args.next();
    match first.as_ref().and_then(|a| a.to_str()) {
        None | Some("-h") | Some("--help") | Some("help") => {
            print_help();
            if first.is_none() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            }
        }
        Some("-V") | Some("--version") => {
            println!("facteur {}", env!("CARGO_PKG_VERSION"));
            ExitCode::SUCCESS
        }
        // `facteur start`, `facteur -c DIR start`: `postfix` is implied.
        Some(name) if is_postfix_invocation(name) => {
            let mut all = vec![first.clone().unwrap_or_default()];
            all.extend(args);
            crate::postfix::run("postfix", all, env)
        }
        Some(name) => match command_for_program(name) {
            Some(command) => run_command(command, name, args.collect(), env),
            None => {
                eprintln!("facteur: unknown command: {name} (try facteur --help)");
                ExitCode::from(1)
            }
        },
    }
}

/// Whether `facteur FIRST ...` is a postfix(1) invocation without the word `postfix`:
/// one of its commands, or one of its options (`-c DIR`, `-D`, `-v`).
fn is_postfix_invocation(first: &str) -> bool {
    crate::postfix::COMMANDS.contains(&first)
        || (first.starts_with('-')
            && first.len() > 1
            && first[1..].chars().all(|c| matches!(c, 'c' | 'D' | 'v'))
            || first.starts_with("-c"))
}

fn run_command(command: Command, name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    match command {
        Command::Postconf => crate::postconf::run(name, args, env),
        Command::Postmap => crate::postmap::run(name, args, env),
        Command::Postalias => crate::postalias::run(name, args, env),
        Command::Newaliases => crate::postalias::newaliases(name, args, env),
        Command::Postfix => crate::postfix::run(name, args, env),
    }
}

fn print_help() {
    println!(
        "facteur {}: a Postfix-compatible mail transfer agent",
        env!("CARGO_PKG_VERSION")
    );
    println!();
    println!("usage: facteur COMMAND [ARGS...]   (or through a link named COMMAND)");
    println!();
    println!("commands:");
    for (name, _, summary) in COMMANDS {
        println!("  {name:<12} {summary}");
    }
    println!();
    println!("`facteur [-c DIR] start` (stop, reload, status ...) is `postfix [-c DIR] start`.");
    println!("Each command takes Postfix's options; `facteur COMMAND --help` lists them.");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn program_names_map_to_commands() {
        assert_eq!(
            command_for_program("/usr/sbin/postconf"),
            Some(Command::Postconf)
        );
        assert_eq!(command_for_program("newaliases"), Some(Command::Newaliases));
        assert_eq!(command_for_program("facteur"), None);
        assert_eq!(
            command_for_program("/usr/sbin/postfix"),
            Some(Command::Postfix)
        );
        assert!(is_postfix_invocation("start"));
        assert!(is_postfix_invocation("-c"));
        assert!(is_postfix_invocation("-Dv"));
        assert!(!is_postfix_invocation("postconf"));
        assert!(!is_postfix_invocation("-h"));
    }
}
