//! Differential tests: every table source and spec in `testdata/` is asked the same
//! keys through facteur and through Postfix's own `/usr/sbin/postmap -q` (and built
//! with `/usr/sbin/postalias` for aliases files); answers, exit codes and the
//! warning lines on stderr must agree. These fail, never skip, when Postfix is not
//! installed: the comparison is the point.

use std::path::{Path, PathBuf};
use std::process::Command;

use facteur_tables as tables;
use tables::OpenOptions;

const POSTMAP: &str = "/usr/sbin/postmap";
const POSTALIAS: &str = "/usr/sbin/postalias";

fn testdata(dir: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("testdata")
        .join(dir)
}

/// What `postmap -q` shows: stdout, exit code, stderr lines. Repeated stderr lines
/// are kept once: postmap reopens a `texthash:` table after a miss and prints its
/// warnings again, a quirk of the command, not of the table.
#[derive(Debug, PartialEq, Eq)]
struct Answer {
    stdout: String,
    code: i32,
    stderr: Vec<String>,
}

fn unique(lines: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for l in lines {
        if !out.contains(&l) {
            out.push(l);
        }
    }
    out
}

fn run(args: &[&str], stdin: Option<&str>) -> Answer {
    use std::io::Write;
    let mut child = Command::new(POSTMAP)
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{POSTMAP} must be installed for this test: {e}"));
    if let (Some(text), Some(mut pipe)) = (stdin, child.stdin.take()) {
        pipe.write_all(text.as_bytes())
            .unwrap_or_else(|e| panic!("write to postmap: {e}"));
    }
    drop(child.stdin.take());
    let out = child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("postmap: {e}"));
    Answer {
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        code: out.status.code().unwrap_or(-1),
        stderr: unique(
            String::from_utf8_lossy(&out.stderr)
                .lines()
                .map(str::to_string),
        ),
    }
}

fn postfix(key: &str, spec: &str) -> Answer {
    run(&["-q", key, spec], None)
}

fn facteur(key: &str, spec: &str) -> Answer {
    let fatal = |e: tables::TableError| Answer {
        stdout: String::new(),
        code: 1,
        stderr: vec![format!("postmap: fatal: {e}")],
    };
    let t = match tables::open(spec, &OpenOptions::default()) {
        Ok(t) => t,
        Err(e) => return fatal(e),
    };
    let mut stderr: Vec<String> = t
        .warnings()
        .iter()
        .map(|w| format!("postmap: warning: {w}"))
        .collect();
    let (stdout, code) = match t.lookup(key) {
        Ok(Some(v)) => (format!("{v}\n"), 0),
        Ok(None) => (String::new(), 1),
        Err(e) => {
            stderr.push(format!("postmap: fatal: {e}"));
            (String::new(), 1)
        }
    };
    Answer {
        stdout,
        code,
        stderr: unique(stderr),
    }
}

/// What differs between two answers, field by field.
fn describe(theirs: &Answer, ours: &Answer) -> String {
    let mut d = String::new();
    if theirs.stdout != ours.stdout || theirs.code != ours.code {
        d.push_str(&format!(
            "\n    postfix: {:?} exit {}\n    facteur: {:?} exit {}",
            theirs.stdout, theirs.code, ours.stdout, ours.code
        ));
    }
    for l in theirs.stderr.iter().filter(|l| !ours.stderr.contains(l)) {
        d.push_str(&format!("\n    only postfix: {l}"));
    }
    for l in ours.stderr.iter().filter(|l| !theirs.stderr.contains(l)) {
        d.push_str(&format!("\n    only facteur: {l}"));
    }
    if d.is_empty() {
        d.push_str("\n    stderr order differs");
    }
    d
}

/// A key `postmap -q -` can carry on a line of its own.
fn batchable(key: &str) -> bool {
    !key.is_empty() && !key.contains(char::is_whitespace)
}

/// Non-comment lines of a file, with `\n` standing for a newline.
fn lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .lines()
        .filter(|l| !l.starts_with('#'))
        .map(|l| l.replace("\\n", "\n"))
        .collect()
}

/// Asks every key of every spec. Keys that fit on a line go through one
/// `postmap -q -` per spec (its warnings and found values), the others and the first
/// key one by one (exit codes and fatal errors).
fn compare(specs: &[String], keys: &[String]) {
    let mut diffs = Vec::new();
    let mut n = 0;
    for spec in specs {
        let batch: Vec<&String> = keys.iter().filter(|k| batchable(k)).collect();
        let single: Vec<&String> = keys
            .iter()
            .enumerate()
            .filter(|(i, k)| *i == 0 || !batchable(k))
            .map(|(_, k)| k)
            .collect();
        for key in single {
            n += 1;
            let (theirs, ours) = (postfix(key, spec), facteur(key, spec));
            if theirs != ours {
                diffs.push(format!("{spec} -q {key:?}:{}", describe(&theirs, &ours)));
            }
        }
        if batch.is_empty() {
            continue;
        }
        let input: String = batch.iter().map(|k| format!("{k}\n")).collect();
        let theirs = run(&["-q", "-", spec], Some(&input));
        let mut ours = Answer {
            stdout: String::new(),
            code: theirs.code,
            stderr: Vec::new(),
        };
        for key in &batch {
            n += 1;
            let mut a = facteur(key, spec);
            // `postmap -q -` complains about an empty result (and still prints it).
            if a.stdout == "\n" {
                a.stderr.push(format!(
                    "postmap: warning: table {spec}: key {key}: empty string result is not allowed"
                ));
                a.stderr.push(format!(
                    "postmap: warning: table {spec} should return NO RESULT in case of NOT FOUND"
                ));
            }
            if a.code == 0 {
                ours.stdout.push_str(&format!("{key}\t{}", a.stdout));
            }
            ours.stderr = unique(ours.stderr.into_iter().chain(a.stderr));
        }
        if theirs != ours {
            diffs.push(format!("{spec} -q - (batch):{}", describe(&theirs, &ours)));
        }
    }
    assert!(n > 0, "no queries");
    assert!(
        diffs.is_empty(),
        "{} comparisons differ:\n{}",
        diffs.len(),
        diffs.join("\n")
    );
}

/// Every `*.EXT` file in `testdata/DIR` as `TYPE:path`, asked `queries` (and
/// `NAME.queries` when there is one).
fn compare_dir(dir: &str, kind: &str) {
    let base = testdata(dir);
    let common = lines(&base.join("queries"));
    let mut files: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == kind))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "no {kind} files in {}", base.display());
    for f in files {
        let mut keys = common.clone();
        let own = f.with_extension("queries");
        if own.exists() {
            keys.extend(lines(&own));
        }
        compare(&[format!("{kind}:{}", f.display())], &keys);
    }
}

#[test]
fn regexp_tables_answer_as_postfix() {
    compare_dir("regexp", "regexp");
}

#[test]
fn pcre_tables_answer_as_postfix() {
    compare_dir("pcre", "pcre");
}

#[test]
fn cidr_tables_answer_as_postfix() {
    compare_dir("cidr", "cidr");
}

#[test]
fn texthash_tables_answer_as_postfix() {
    compare_dir("texthash", "texthash");
}

#[test]
fn inline_and_composite_specs_answer_as_postfix() {
    let base = testdata("inline");
    compare(&lines(&base.join("specs")), &lines(&base.join("queries")));
}

#[test]
fn missing_files_fail_as_postfix() {
    for kind in ["regexp", "pcre", "cidr"] {
        let spec = format!("{kind}:/nonexistent/facteur-test");
        let (theirs, ours) = (postfix("a", &spec), facteur("a", &spec));
        assert_eq!(
            (theirs.code, &theirs.stdout),
            (ours.code, &ours.stdout),
            "{spec}"
        );
        assert_eq!(theirs.stderr, ours.stderr, "{spec}");
    }
}

/// Aliases files: what postalias stores (`postalias -s`) against `aliases::parse`,
/// and its warnings about lines. Duplicates and the `@`/`YP_*` entries belong to the
/// writer and are left out.
#[test]
fn aliases_files_parse_as_postalias() {
    let base = testdata("aliases");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap_or_else(|e| panic!("{}: {e}", base.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "aliases"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let tmp = tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"));
    let mut diffs = Vec::new();
    for f in files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let copy = tmp.path().join(&name);
        std::fs::copy(&f, &copy).unwrap_or_else(|e| panic!("copy: {e}"));
        let path = copy.display().to_string();
        let build = Command::new(POSTALIAS)
            .args(["-o", &format!("hash:{path}")])
            .output()
            .unwrap_or_else(|e| panic!("{POSTALIAS} must be installed for this test: {e}"));
        let their_warnings: Vec<String> = String::from_utf8_lossy(&build.stderr)
            .lines()
            .filter(|l| !l.contains(".db:") && !l.contains("table hash:"))
            .map(str::to_string)
            .collect();
        let dump = Command::new(POSTALIAS)
            .args(["-s", &format!("hash:{path}")])
            .output()
            .unwrap_or_else(|e| panic!("postalias -s: {e}"));
        let mut theirs: Vec<(String, String)> = String::from_utf8_lossy(&dump.stdout)
            .lines()
            .filter_map(|l| l.split_once(":\t"))
            .filter(|(k, _)| *k != "@" && !k.starts_with("YP_"))
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        theirs.sort();
        let text = std::fs::read_to_string(&copy).unwrap_or_default();
        let (entries, warnings) = tables::aliases::parse(&path, &text, true);
        let mut ours: Vec<(String, String)> = Vec::new();
        for e in entries {
            if !ours.iter().any(|(k, _)| *k == e.name) {
                ours.push((e.name, e.value));
            }
        }
        ours.sort();
        let our_warnings: Vec<String> = warnings
            .iter()
            .map(|w| format!("postalias: warning: {w}"))
            .collect();
        if theirs != ours {
            diffs.push(format!(
                "{name}: entries\n  postalias: {theirs:?}\n  facteur:   {ours:?}"
            ));
        }
        if their_warnings != our_warnings {
            diffs.push(format!(
                "{name}: warnings\n  postalias: {their_warnings:?}\n  facteur:   {our_warnings:?}"
            ));
        }
    }
    assert!(diffs.is_empty(), "{}", diffs.join("\n"));
}
