//! `postconf` (postconf(1)): print main.cf parameters (all, `-n`, `-d`, by name; `-h`,
//! `-H`, `-x`, `-f`) and edit main.cf in place (`-e` / `name=value`, `-X`, `-#`).
//! `-M`, `-F`, `-P` (master.cf) are handed to `master::run` as a `MasterOptions`.
//!
//! Owns: option parsing as Postfix's getopt does it (combined flags, options only
//! before the first operand), the choice of mode, and Postfix's diagnostics and exit
//! codes. Never: parses main.cf or expands values itself (that is `config`).

mod edit;
pub mod master;
mod print;

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use crate::Env;

/// The options Postfix's getopt string for postconf accepts; `:` marks an argument.
const OPTSTRING: &str = "aAbc:C:deEfFhHlmMno:pPtT:vxX#";

/// Parsed `postconf` command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Options {
    /// `-c DIR`.
    pub config_dir: Option<PathBuf>,
    /// Every flag letter given, in order (`-nh` → `['n', 'h']`).
    pub flags: Vec<char>,
    /// `-o name=value` overrides, in order.
    pub overrides: Vec<(String, String)>,
    /// Operands: parameter names, `name=value` edits, or master.cf service names.
    pub operands: Vec<String>,
}

impl Options {
    /// Whether flag `c` was given.
    pub fn has(&self, c: char) -> bool {
        self.flags.contains(&c)
    }
}

/// A fatal problem: printed as `postconf: fatal: MESSAGE`, exit status 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fatal(pub String);

/// What a run reports besides its output, in the order Postfix prints it.
pub(crate) struct Diag<'a> {
    pub program: &'a str,
}

impl Diag<'_> {
    pub fn warning(&self, message: impl std::fmt::Display) {
        eprintln!("{}: warning: {message}", self.program);
    }
}

/// Postfix's usage line (printed after `fatal: usage:`).
fn usage(program: &str) -> String {
    format!(
        "usage: {program} [-a (server SASL types)] [-A (client SASL types)] [-b (bounce templates)] \
         [-c config_dir] [-c param_class] [-d (parameter defaults)] [-e (edit configuration)] \
         [-f (fold lines)] [-F (master.cf fields)] [-h (no names)] [-H (no values)] \
         [-l (lock types)] [-m (map types)] [-M (master.cf)] [-n (non-default parameters)] \
         [-o name=value (override parameter value)] [-p (main.cf, default)] \
         [-P (master.cf parameters)] [-t (bounce templates)] \
         [-T compile-version|run-version|public-key-algorithms] [-v (verbose)] \
         [-x (expand parameter values)] [-X (exclude)] [-# (comment-out)] [name...]"
    )
}

/// Parses `args` as POSIX getopt does: flags may be combined, an option argument may
/// be attached (`-c/dir`) or separate, and option processing stops at the first
/// operand or at `--`. Errors carry getopt's own message.
pub fn parse_options(args: &[String]) -> Result<Options, String> {
    let mut opts = Options::default();
    let mut i = 0;
    while i < args.len() {
        let arg = &args[i];
        if arg == "--" {
            i += 1;
            break;
        }
        if !arg.starts_with('-') || arg == "-" {
            break;
        }
        for (at, c) in arg[1..].char_indices() {
            let Some(pos) = OPTSTRING.find(c).filter(|_| c != ':') else {
                return Err(format!("invalid option -- '{c}'"));
            };
            if OPTSTRING[pos + 1..].starts_with(':') {
                let attached = &arg[1 + at + c.len_utf8()..];
                let value = if !attached.is_empty() {
                    attached.to_owned()
                } else {
                    i += 1;
                    args.get(i)
                        .cloned()
                        .ok_or_else(|| format!("option requires an argument -- '{c}'"))?
                };
                match c {
                    'c' => opts.config_dir = Some(PathBuf::from(value)),
                    'o' => {
                        let (n, v) = config::main_cf::split_name_value(&value).map_err(|e| {
                            format!("fatal: invalid parameter override: {value}: {e}")
                        })?;
                        opts.overrides.push((n.to_owned(), v.to_owned()));
                    }
                    _ => opts.flags.push(c),
                }
                break;
            }
            opts.flags.push(c);
        }
        i += 1;
    }
    opts.operands = args[i..].to_vec();
    Ok(opts)
}

/// The master.cf modes: `-M`, `-F` or `-P` with `-e`, `-X`, `-#`, `-f` go to
/// `master::run` as a `MasterOptions`; `None` when none of `-M -F -P` was given.
fn master_options(opts: &Options) -> Option<master::MasterOptions> {
    use master::{MasterEdit, MasterView};
    // The last of -M, -F, -P wins, as Postfix's getopt loop sets one mode variable.
    let view = opts.flags.iter().rev().find_map(|c| match c {
        'M' => Some(MasterView::Services),
        'F' => Some(MasterView::Fields),
        'P' => Some(MasterView::Params),
        _ => None,
    })?;
    let edit = if opts.has('e') {
        MasterEdit::Edit
    } else if opts.has('X') {
        MasterEdit::Remove
    } else if opts.has('#') {
        MasterEdit::Comment
    } else {
        MasterEdit::Show
    };
    Some(master::MasterOptions {
        view,
        edit,
        fold: opts.has('f'),
        operands: opts.operands.clone(),
    })
}

/// Runs `postconf`.
pub fn run(name: &str, args: Vec<OsString>, env: &Env) -> ExitCode {
    // Postfix names itself by argv[0] as invoked (`/usr/sbin/postconf: warning: ...`).
    let program = name;
    let args: Vec<String> = args
        .into_iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let opts = match parse_options(&args) {
        Ok(opts) => opts,
        Err(message) if message.starts_with("fatal: ") => {
            eprintln!("{program}: {message}");
            return ExitCode::from(1);
        }
        Err(message) => {
            eprintln!("{program}: {message}");
            eprintln!("{program}: fatal: {}", usage(program));
            return ExitCode::from(1);
        }
    };
    let config_dir = env.config_dir(opts.config_dir.clone());
    match dispatch(program, &opts, &config_dir) {
        Ok(code) => code,
        Err(Fatal(message)) => {
            eprintln!("{program}: fatal: {message}");
            ExitCode::from(1)
        }
    }
}

/// Flags that cannot go together, checked in this order (Postfix's wording:
/// `specify one of -e -x`).
const EXCLUSIVE: &[(char, char)] = &[
    ('d', 'n'),
    ('h', 'H'),
    ('e', 'X'),
    ('e', '#'),
    ('X', '#'),
    ('e', 'd'),
    ('e', 'n'),
    ('e', 'h'),
    ('e', 'H'),
    ('e', 'x'),
    ('e', 'f'),
    ('X', 'd'),
    ('X', 'n'),
    ('X', 'h'),
    ('X', 'H'),
    ('X', 'x'),
    ('#', 'd'),
    ('#', 'n'),
    ('#', 'h'),
    ('#', 'H'),
    ('#', 'x'),
];

fn dispatch(
    program: &str,
    opts: &Options,
    config_dir: &std::path::Path,
) -> Result<ExitCode, Fatal> {
    if let Some(master_opts) = master_options(opts) {
        return Ok(master::run(program, &master_opts, config_dir));
    }
    for (a, b) in EXCLUSIVE {
        if opts.has(*a) && opts.has(*b) {
            return Err(Fatal(format!("specify one of -{a} -{b}")));
        }
    }
    for unsupported in ['a', 'A', 'b', 't', 'T', 'l', 'm', 'C'] {
        if opts.has(unsupported) {
            return Err(Fatal(format!(
                "-{unsupported} is not supported by this postconf"
            )));
        }
    }
    let diag = Diag { program };
    if opts.has('X') || opts.has('#') {
        if opts.operands.is_empty() {
            return Err(Fatal("missing service argument".to_owned()));
        }
        let mode = if opts.has('X') { 'X' } else { '#' };
        return edit::run(&diag, opts, config_dir, mode).map(|()| ExitCode::SUCCESS);
    }
    if opts.has('e') || opts.operands.iter().any(|o| o.contains('=')) {
        if opts.operands.is_empty() {
            return Err(Fatal("-e requires name=value argument".to_owned()));
        }
        return edit::run(&diag, opts, config_dir, 'e').map(|()| ExitCode::SUCCESS);
    }
    print::run(&diag, opts, config_dir).map(|()| ExitCode::SUCCESS)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Options, String> {
        parse_options(&args.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn getopt_rules() {
        let o = parse(&["-nh", "-c", "/d", "a", "-x"]).unwrap();
        assert_eq!(o.flags, ['n', 'h']);
        assert_eq!(o.config_dir, Some(PathBuf::from("/d")));
        assert_eq!(o.operands, ["a", "-x"]);
        let o = parse(&["-xc/d", "-o", "a = b", "--", "-n"]).unwrap();
        assert_eq!(o.flags, ['x']);
        assert_eq!(o.config_dir, Some(PathBuf::from("/d")));
        assert_eq!(o.overrides, [("a".to_string(), "b".to_string())]);
        assert_eq!(o.operands, ["-n"]);
        assert_eq!(parse(&["-z"]).unwrap_err(), "invalid option -- 'z'");
        assert_eq!(parse(&["--help"]).unwrap_err(), "invalid option -- '-'");
        assert_eq!(
            parse(&["-c"]).unwrap_err(),
            "option requires an argument -- 'c'"
        );
        assert_eq!(parse(&["-#", "x"]).unwrap().flags, ['#']);
    }
}
