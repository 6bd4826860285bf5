//! cdb reader/writer tests, including both directions against Postfix's own postmap
//! (/usr/sbin/postmap with postfix-cdb). These fail, not skip, when Postfix is missing.

use super::*;
use crate::{CreateOptions, Duplicates, Inserted};
use proptest::prelude::*;
use std::io::Write;
use std::process::{Command, Stdio};

const POSTMAP: &str = "/usr/sbin/postmap";

/// Runs Postfix's postmap with a config dir holding an empty main.cf.
fn postmap(dir: &Path, args: &[&str], stdin: &[u8]) -> std::io::Result<(bool, String, String)> {
    let conf = dir.join("conf");
    std::fs::create_dir_all(&conf)?;
    std::fs::write(conf.join("main.cf"), b"")?;
    let mut child = Command::new(POSTMAP)
        .arg("-c")
        .arg(&conf)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| {
            std::io::Error::new(
                e.kind(),
                format!("{POSTMAP}: {e} (Postfix with postfix-cdb is required)"),
            )
        })?;
    if let Some(mut input) = child.stdin.take() {
        input.write_all(stdin)?;
    }
    let out = child.wait_with_output()?;
    Ok((
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    ))
}

fn source(n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            (
                format!("User{i}@Example.com"),
                format!("value-{i} with spaces"),
            )
        })
        .collect()
}

fn write_source(path: &Path, pairs: &[(String, String)]) -> std::io::Result<()> {
    let mut text = String::new();
    for (k, v) in pairs {
        text.push_str(&format!("{k} {v}\n"));
    }
    std::fs::write(path, text)
}

fn facteur_build(
    name: &Path,
    pairs: &[(String, String)],
    o: &CreateOptions,
) -> Result<Vec<Inserted>, TableError> {
    let mut w = crate::create("cdb", name, o)?;
    let mut got = Vec::new();
    for (k, v) in pairs {
        got.push(w.insert(k, v)?);
    }
    w.finish()?;
    Ok(got)
}

fn default_opts(duplicates: Duplicates) -> CreateOptions {
    CreateOptions {
        duplicates,
        fold_case: true,
        utf8: true,
        append_nul: None,
    }
}

#[test]
fn byte_identical_to_postfix_postmap() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    // 70,000 keys put over 254 records in every bucket, exercising tinycdb's block order.
    for (n, args) in [
        (5, &[][..]),
        (70_000, &[][..]),
        (300, &["-N"][..]),
        (300, &["-f"][..]),
    ] {
        let pairs = source(n);
        let theirs = dir.path().join("theirs");
        write_source(&theirs, &pairs)?;
        let mut argv: Vec<&str> = args.to_vec();
        let spec = format!("cdb:{}", theirs.display());
        argv.push(&spec);
        let (ok, _, err) = postmap(dir.path(), &argv, b"")?;
        assert!(ok, "postmap failed: {err}");
        let o = CreateOptions {
            fold_case: !args.contains(&"-f"),
            append_nul: args.contains(&"-N").then_some(true),
            ..default_opts(Duplicates::KeepFirstWarn)
        };
        facteur_build(&dir.path().join("ours"), &pairs, &o)?;
        let a = std::fs::read(dir.path().join("theirs.cdb"))?;
        let b = std::fs::read(dir.path().join("ours.cdb"))?;
        assert!(a == b, "cdb files differ for {n} entries, options {args:?}");
    }
    Ok(())
}

#[test]
fn duplicates_match_postfix_keep_first_and_replace() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let pairs: Vec<(String, String)> = [("Foo", "bar"), ("baz", "qux"), ("foo", "dup"), ("z", "1")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let theirs = dir.path().join("theirs");
    write_source(&theirs, &pairs)?;
    for (flag, dup, expect) in [
        (None, Duplicates::KeepFirstWarn, Inserted::Duplicate),
        (Some("-r"), Duplicates::Replace, Inserted::Replaced),
    ] {
        let spec = format!("cdb:{}", theirs.display());
        let argv: Vec<&str> = flag.into_iter().chain([spec.as_str()]).collect();
        let (ok, _, err) = postmap(dir.path(), &argv, b"")?;
        assert!(ok, "postmap failed: {err}");
        if flag.is_none() {
            assert!(err.contains("duplicate entry: \"foo\""), "{err}");
        }
        let got = facteur_build(&dir.path().join("ours"), &pairs, &default_opts(dup))?;
        assert_eq!(got[2], expect);
        let a = std::fs::read(dir.path().join("theirs.cdb"))?;
        let b = std::fs::read(dir.path().join("ours.cdb"))?;
        assert!(a == b, "cdb files differ with {flag:?}");
    }
    Ok(())
}

#[test]
fn facteur_reads_postfix_files() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let pairs = source(2000);
    let theirs = dir.path().join("theirs");
    write_source(&theirs, &pairs)?;
    for args in [&[][..], &["-N"][..]] {
        let spec = format!("cdb:{}", theirs.display());
        let argv: Vec<&str> = args.iter().copied().chain([spec.as_str()]).collect();
        let (ok, _, err) = postmap(dir.path(), &argv, b"")?;
        assert!(ok, "postmap failed: {err}");
        let t = crate::open(&spec, &OpenOptions::default())?;
        for (k, v) in &pairs {
            assert_eq!(
                t.lookup(k)?.as_deref(),
                Some(v.as_str()),
                "{k} with {args:?}"
            );
        }
        assert_eq!(t.lookup("absent@example.com")?, None);
        assert_eq!(t.entries()?.len(), pairs.len());
    }
    Ok(())
}

#[test]
fn postfix_reads_facteur_files() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let pairs = source(2000);
    let name = dir.path().join("ours");
    let spec = format!("cdb:{}", name.display());
    for nul in [None, Some(true)] {
        let o = CreateOptions {
            append_nul: nul,
            ..default_opts(Duplicates::KeepFirstWarn)
        };
        facteur_build(&name, &pairs, &o)?;
        let mut keys = String::new();
        for (k, _) in &pairs {
            keys.push_str(k);
            keys.push('\n');
        }
        keys.push_str("absent@example.com\n");
        let (_, out, err) = postmap(dir.path(), &["-q", "-", &spec], keys.as_bytes())?;
        assert!(err.is_empty(), "postmap: {err}");
        let expected: String = pairs.iter().map(|(k, v)| format!("{k}\t{v}\n")).collect();
        assert_eq!(out, expected, "append_nul {nul:?}");
        let (ok, out, _) = postmap(dir.path(), &["-q", "user7@example.com", &spec], b"")?;
        assert!(ok);
        assert_eq!(out, "value-7 with spaces\n");
    }
    Ok(())
}

#[test]
fn empty_table_and_update() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let name = dir.path().join("t");
    let spec = format!("cdb:{}", name.display());
    facteur_build(&name, &[], &default_opts(Duplicates::KeepFirstWarn))?;
    let t = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(t.lookup("x")?, None);
    assert!(t.entries()?.is_empty());
    let mut u = crate::update("cdb", &name, &default_opts(Duplicates::KeepFirstWarn))?;
    u.insert("a", "1")?;
    u.insert("b", "2")?;
    u.finish()?;
    let mut u = crate::update("cdb", &name, &default_opts(Duplicates::KeepFirstWarn))?;
    assert!(u.delete("a")?);
    u.finish()?;
    let t = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(t.entries()?, vec![("b".to_string(), "2".to_string())]);
    Ok(())
}

proptest! {
    #[test]
    fn every_key_found_and_corruption_is_an_error(
        map in proptest::collection::btree_map("[a-z0-9@.]{1,12}", "[ -~]{0,16}", 0..200),
        absent in proptest::collection::vec("[A-Z]{1,5}", 0..10),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
    ) {
        let entries: Vec<Entry> = map.iter()
            .map(|(k, v)| (k.as_bytes().into(), v.as_bytes().into()))
            .collect();
        let mut bytes = Vec::new();
        build(&entries, &mut bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let cdb = Cdb::new(&bytes[..]).map_err(|e| TestCaseError::fail(e.to_string()))?;
        for (k, v) in &map {
            prop_assert_eq!(cdb.get(k.as_bytes()).ok().flatten(), Some(v.as_bytes()));
        }
        for k in &absent {
            prop_assert_eq!(cdb.get(k.as_bytes()).ok().flatten(), None);
        }
        prop_assert_eq!(cdb.entries().map(|e| e.len()).ok(), Some(map.len()));

        let mut bad = bytes.clone();
        for (at, byte) in &flips {
            let i = at.index(bad.len());
            bad[i] = *byte;
        }
        bad.truncate(cut.index(bad.len() + 1));
        if let Ok(cdb) = Cdb::new(bad) {
            for k in map.keys().take(5) {
                let _ = cdb.get(k.as_bytes());
            }
            let _ = cdb.entries();
        }
    }
}

/// A file Postfix 3.7's postmap built (testdata/cdb/small.postfix.cdb from small.src):
/// facteur reads it and builds the same bytes, without needing Postfix installed.
#[test]
fn committed_postfix_file() -> Result<(), TableError> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/cdb");
    let pairs = writer::source_pairs(&std::fs::read_to_string(data.join("small.src"))?);
    let spec = format!("cdb:{}", data.join("small.postfix").display());
    let t = crate::open(&spec, &OpenOptions::default())?;
    for (k, v) in &pairs {
        assert_eq!(t.lookup(k)?.as_deref(), Some(v.as_str()), "{k}");
    }
    let dir = tempfile::tempdir()?;
    facteur_build(
        &dir.path().join("ours"),
        &pairs,
        &default_opts(Duplicates::KeepFirstWarn),
    )?;
    assert!(
        std::fs::read(dir.path().join("ours.cdb"))?
            == std::fs::read(data.join("small.postfix.cdb"))?
    );

    // Built with compatibility_level 0 (smtputf8_enable = no): Postfix folded ASCII
    // only, and finds the key only when it looks up the same way (as Postfix 3.7).
    let spec = format!("cdb:{}", data.join("small.postfix-compat0").display());
    let legacy = OpenOptions {
        fold_case: true,
        utf8: false,
    };
    let t = crate::open(&spec, &legacy)?;
    assert_eq!(t.lookup("Ärger@Example.DE")?.as_deref(), Some("ärger"));
    let t = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(t.lookup("Ärger@Example.DE")?.as_deref(), None);
    assert_eq!(t.lookup("postmaster@example.com")?.as_deref(), Some("root"));
    Ok(())
}
