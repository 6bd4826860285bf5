//! postmap against Postfix 3.7's, one fixture per case under `data/postmap/`.
//!
//! A case file is what an administrator would type, in sections:
//!
//! ```text
//! # what the case shows (comment lines are ignored)
//! == main.cf                 optional; the default is an empty main.cf
//! default_database_type = cdb
//! == file aliases            a file written into the configuration directory
//! root: admin
//! == run                     commands, run by facteur and by Postfix, each in its
//! postmap -q a t             own directory; stdout, stderr and exit status must match
//! postmap -q - t <<< a\nzz   `<<<` gives standard input (`\n` is a newline)
//! == run sorted              the same, comparing stdout as a sorted set of lines
//! postmap -s t               (for hash:, whose order is the file format's own)
//! == cross                   commands run by both against BOTH directories: each
//! postmap -q a cdb:t         reads the tables the other built
//! ```
//!
//! Commands run with the case's directory as working directory and MAIL_CONFIG.
//! `{dir}` in main.cf, files and commands stands for that directory's absolute path
//! (newaliases needs absolute paths), and is put back in what the commands print.
//! Postfix must be installed: a missing /usr/sbin/postmap fails the test.

use std::path::Path;
use std::process::Command;

use crate::support::{self, ConfDir, Outcome};

/// One section of a case file.
#[derive(Debug)]
enum Section {
    MainCf(String),
    File(String, String),
    Run { commands: Vec<String>, sorted: bool },
    Cross(Vec<String>),
}

fn parse_case(text: &str) -> Vec<Section> {
    let mut sections = Vec::new();
    let mut header: Option<String> = None;
    let mut body: Vec<&str> = Vec::new();
    let flush = |header: &Option<String>, body: &[&str], out: &mut Vec<Section>| {
        let Some(h) = header else { return };
        let joined = body.iter().map(|l| format!("{l}\n")).collect::<String>();
        let commands = || {
            body.iter()
                .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
                .map(|l| l.to_string())
                .collect::<Vec<_>>()
        };
        let words: Vec<&str> = h.split_whitespace().collect();
        match words.as_slice() {
            ["main.cf"] => out.push(Section::MainCf(joined)),
            ["file", name] => out.push(Section::File(name.to_string(), joined)),
            ["run"] => out.push(Section::Run {
                commands: commands(),
                sorted: false,
            }),
            ["run", "sorted"] => out.push(Section::Run {
                commands: commands(),
                sorted: true,
            }),
            ["cross"] => out.push(Section::Cross(commands())),
            other => panic!("unknown case section {other:?}"),
        }
    };
    for line in text.lines() {
        if let Some(h) = line.strip_prefix("== ") {
            flush(&header, &body, &mut sections);
            header = Some(h.trim().to_string());
            body.clear();
        } else if header.is_some() {
            body.push(line);
        }
    }
    flush(&header, &body, &mut sections);
    sections
}

/// Splits a command line into words: white space separates, '...' is literal,
/// "..." is literal except for \" and \\.
fn words(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut started = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' => {
                started = true;
                for d in chars.by_ref() {
                    if d == '\'' {
                        break;
                    }
                    cur.push(d);
                }
            }
            '"' => {
                started = true;
                while let Some(d) = chars.next() {
                    match d {
                        '"' => break,
                        '\\' if matches!(chars.peek(), Some('"') | Some('\\')) => {
                            cur.extend(chars.next());
                        }
                        _ => cur.push(d),
                    }
                }
            }
            c if c.is_whitespace() => {
                if started {
                    out.push(std::mem::take(&mut cur));
                    started = false;
                }
            }
            c => {
                started = true;
                cur.push(c);
            }
        }
    }
    if started {
        out.push(cur);
    }
    out
}

/// A command line and its standard input.
fn command_and_stdin(line: &str) -> (Vec<String>, String) {
    match line.split_once(" <<< ") {
        Some((cmd, input)) => (words(cmd), format!("{}\n", input.replace("\\n", "\n"))),
        None => (words(line), String::new()),
    }
}

fn newaliases_reference() -> Command {
    let path = Path::new("/usr/bin/newaliases");
    assert!(
        path.exists(),
        "/usr/bin/newaliases is missing: the differential tests need Postfix 3.7"
    );
    Command::new(path)
}

fn run_one(facteur: bool, argv: &[String], stdin: &str, dir: &Path) -> Outcome {
    let shown = dir.display().to_string();
    let argv: Vec<String> = argv.iter().map(|a| a.replace("{dir}", &shown)).collect();
    let (tool, args) = argv.split_first().expect("empty command");
    let mut cmd = match (facteur, tool.as_str()) {
        (true, t) => support::facteur(t),
        (false, "newaliases") => newaliases_reference(),
        (false, t) => support::postfix(t),
    };
    cmd.args(args).current_dir(dir).env("MAIL_CONFIG", dir);
    let mut out = normalize(support::run(&mut cmd, &stdin.replace("{dir}", &shown)));
    out.stdout = out.stdout.replace(&shown, "{dir}");
    out.stderr = out.stderr.replace(&shown, "{dir}");
    out
}

/// Hides what legitimately differs between two runs: the build time postalias
/// records, and the build directory's name.
fn normalize(mut out: Outcome) -> Outcome {
    out.stdout = out
        .stdout
        .lines()
        .map(|l| match l.split_once('\t') {
            Some((key, _)) if key.trim_end_matches(':') == "YP_LAST_MODIFIED" => {
                format!("{key}\t<time>\n")
            }
            _ => format!("{l}\n"),
        })
        .collect::<String>();
    out
}

fn sorted(mut out: Outcome) -> Outcome {
    let mut lines: Vec<&str> = out.stdout.lines().collect();
    lines.sort_unstable();
    out.stdout = lines.iter().map(|l| format!("{l}\n")).collect();
    out
}

fn compare(case: &str, what: &str, ours: &Outcome, theirs: &Outcome, failures: &mut Vec<String>) {
    if ours != theirs {
        failures.push(format!(
            "{case}: {what}\n  facteur: code {} stdout {:?} stderr {:?}\n  postfix: code {} stdout {:?} stderr {:?}",
            ours.code, ours.stdout, ours.stderr, theirs.code, theirs.stdout, theirs.stderr
        ));
    }
}

/// Runs the case `data/<area>/<name>.case` against facteur and Postfix.
pub fn run_case(area: &str, name: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/it/data")
        .join(area)
        .join(format!("{name}.case"));
    let text =
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read {}: {e}", path.display()));
    let sections = parse_case(&text);
    let main_cf = sections
        .iter()
        .find_map(|s| match s {
            Section::MainCf(t) => Some(t.as_str()),
            _ => None,
        })
        .unwrap_or("");
    let ours = ConfDir::new("", None);
    let theirs = ConfDir::new("", None);
    for conf in [&ours, &theirs] {
        conf.write(
            "main.cf",
            &main_cf.replace("{dir}", &conf.path().display().to_string()),
        );
    }
    let mut failures = Vec::new();
    for section in &sections {
        match section {
            Section::MainCf(_) => {}
            Section::File(file, content) => {
                for conf in [&ours, &theirs] {
                    let shown = conf.path().display().to_string();
                    conf.write(file, &content.replace("{dir}", &shown));
                }
            }
            Section::Run {
                commands,
                sorted: sort,
            } => {
                for line in commands {
                    let (argv, stdin) = command_and_stdin(line);
                    let mut a = run_one(true, &argv, &stdin, ours.path());
                    let mut b = run_one(false, &argv, &stdin, theirs.path());
                    if *sort {
                        a = sorted(a);
                        b = sorted(b);
                    }
                    compare(name, line, &a, &b, &mut failures);
                }
            }
            Section::Cross(commands) => {
                for line in commands {
                    let (argv, stdin) = command_and_stdin(line);
                    for (dir, built_by) in [(theirs.path(), "Postfix"), (ours.path(), "facteur")] {
                        let a = sorted(run_one(true, &argv, &stdin, dir));
                        let b = sorted(run_one(false, &argv, &stdin, dir));
                        compare(
                            name,
                            &format!("{line}   (tables built by {built_by})"),
                            &a,
                            &b,
                            &mut failures,
                        );
                    }
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

macro_rules! cases {
    ($area:literal: $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                run_case($area, stringify!($name));
            }
        )*
    };
}
pub(crate) use cases;

cases!("postmap":
    build_and_query,
    malformed_sources,
    duplicates,
    no_case_folding,
    incremental_and_delete,
    command_line_errors,
    default_database_type,
    query_every_type,
    cannot_build,
    cdb_cross_read,
    lmdb_cross_read,
    header_and_body_keys,
    inline_braces,
    sorted_types_order,
    nul_terminators,
    utf8_folding_legacy,
    utf8_off_option,
    value_is_file,
    table_source_warnings,
    several_tables,
    suffix_in_name,
);

#[test]
fn command_words() {
    assert_eq!(
        words(r#"postmap -q '"x y"' "a \"b\"" t"#),
        vec!["postmap", "-q", "\"x y\"", "a \"b\"", "t"]
    );
    let (argv, stdin) = command_and_stdin("postmap -q - t <<< a\\nb");
    assert_eq!(argv, vec!["postmap", "-q", "-", "t"]);
    assert_eq!(stdin, "a\nb\n");
}

/// Run as root, postmap builds as the source file's owner: the table belongs to that
/// owner, and a directory the owner cannot write stops the build. `-o` keeps root.
#[test]
fn builds_as_source_owner() {
    use std::os::unix::fs::{MetadataExt, PermissionsExt};
    const NOBODY: u32 = 65534;
    let mut seen = Vec::new();
    for facteur in [true, false] {
        let conf = ConfDir::new("", None);
        let source = conf.write("t", "a 1\n");
        // Without root this changes nothing, and both must agree all the same.
        let _ = std::os::unix::fs::chown(&source, Some(NOBODY), Some(NOBODY));
        let mut outcomes = Vec::new();
        for (args, mode) in [
            (&["t"][..], 0o755),
            (&["t"][..], 0o777),
            (&["-o", "cdb:t"][..], 0o777),
        ] {
            std::fs::set_permissions(conf.path(), std::fs::Permissions::from_mode(mode))
                .expect("chmod");
            let argv: Vec<String> = std::iter::once("postmap")
                .chain(args.iter().copied())
                .map(String::from)
                .collect();
            outcomes.push(run_one(facteur, &argv, "", conf.path()));
        }
        let owner = |file: &str| std::fs::metadata(conf.file(file)).map(|m| m.uid()).ok();
        seen.push((outcomes, owner("t.db"), owner("t.cdb")));
    }
    assert_eq!(
        seen[0], seen[1],
        "facteur (left) and Postfix (right) differ"
    );
}
