use super::*;
use crate::{CreateOptions, Duplicates, Inserted};
use std::process::Command;

fn opts(duplicates: Duplicates) -> CreateOptions {
    CreateOptions {
        duplicates,
        fold_case: true,
        utf8: true,
        append_nul: None,
    }
}

#[test]
fn round_trip_nul_fold_and_key_order() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let name = dir.path().join("t");
    let spec = format!("lmdb:{}", name.display());
    let mut w = crate::create("lmdb", &name, &opts(Duplicates::KeepFirstWarn))?;
    assert_eq!(w.insert("Foo", "bar")?, Inserted::New);
    assert_eq!(w.insert("baz", "qux value")?, Inserted::New);
    assert_eq!(w.insert("foo", "dup")?, Inserted::Duplicate);
    w.finish()?;
    let file = std::fs::read(dir.path().join("t.lmdb"))?;
    assert!(file.windows(4).any(|w| w == b"foo\0"));
    assert_eq!(
        std::fs::read_dir(dir.path())?.count(),
        1,
        "no lock or temporary file"
    );
    let t = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(t.lookup("FOO")?.as_deref(), Some("bar"));
    assert_eq!(t.lookup("absent")?, None);
    assert_eq!(
        t.entries()?,
        vec![
            ("baz".to_string(), "qux value".to_string()),
            ("foo".to_string(), "bar".to_string())
        ]
    );
    // A second open of the same file in this process shares the environment.
    let again = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(again.lookup("baz")?.as_deref(), Some("qux value"));
    Ok(())
}

#[test]
fn replaced_file_reopens_while_old_handle_lives() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let name = dir.path().join("t");
    let spec = format!("lmdb:{}", name.display());
    let mut w = crate::create("lmdb", &name, &opts(Duplicates::KeepFirstWarn))?;
    w.insert("k", "1")?;
    w.finish()?;
    let old = crate::open(&spec, &OpenOptions::default())?;
    let mut u = crate::update("lmdb", &name, &opts(Duplicates::Replace))?;
    assert_eq!(u.insert("k", "2")?, Inserted::Replaced);
    u.insert("n", "3")?;
    assert!(u.delete("absent").map(|d| !d)?);
    u.finish()?;
    let new = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(new.lookup("k")?.as_deref(), Some("2"));
    assert_eq!(new.lookup("n")?.as_deref(), Some("3"));
    // The old handle now reads the new file (one environment per path, see `shared`).
    assert_eq!(old.lookup("k")?.as_deref(), Some("2"));
    Ok(())
}

#[test]
fn empty_and_missing_tables() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let name = dir.path().join("t");
    crate::create("lmdb", &name, &opts(Duplicates::KeepFirstWarn))?.finish()?;
    let t = crate::open(&format!("lmdb:{}", name.display()), &OpenOptions::default())?;
    assert_eq!(t.lookup("x")?, None);
    assert!(t.entries()?.is_empty());
    assert!(matches!(
        crate::open(
            &format!("lmdb:{}/absent", dir.path().display()),
            &OpenOptions::default()
        ),
        Err(TableError::Open { .. })
    ));
    std::fs::write(dir.path().join("junk.lmdb"), vec![7u8; 20000])?;
    assert!(crate::open(
        &format!("lmdb:{}/junk", dir.path().display()),
        &OpenOptions::default()
    )
    .is_err());
    Ok(())
}

/// Same source, same `postmap -s` listing as Postfix's lmdb table; and Postfix's
/// `postmap -q` finds every key in the file facteur built. Fails without Postfix.
#[test]
fn behaves_as_postfix_lmdb() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let conf = dir.path().join("conf");
    std::fs::create_dir_all(&conf)?;
    std::fs::write(conf.join("main.cf"), b"")?;
    let src = "Zed last\nalpha 1\nBeta two words\nalpha dup\n#c\nmid x\n";
    std::fs::write(dir.path().join("theirs"), src)?;
    let theirs = format!("lmdb:{}", dir.path().join("theirs").display());
    let postmap = |args: &[&str]| -> std::io::Result<std::process::Output> {
        Command::new("/usr/sbin/postmap")
            .arg("-c")
            .arg(&conf)
            .args(args)
            .output()
    };
    let out = postmap(&[&theirs])?;
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let listing = postmap(&["-s", &theirs])?;
    let name = dir.path().join("ours");
    let ours = format!("lmdb:{}", name.display());
    let mut w = crate::create("lmdb", &name, &opts(Duplicates::KeepFirstWarn))?;
    for line in src.lines().filter(|l| !l.starts_with('#')) {
        if let Some((k, v)) = line.split_once(' ') {
            w.insert(k, v)?;
        }
    }
    w.finish()?;
    let t = crate::open(&ours, &OpenOptions::default())?;
    let mine: String = t
        .entries()?
        .iter()
        .map(|(k, v)| format!("{k}\t{v}\n"))
        .collect();
    assert_eq!(mine, String::from_utf8_lossy(&listing.stdout));
    // Postfix-built LMDB files read too (not a promise: rebuild them if not).
    let theirs_table = crate::open(&theirs, &OpenOptions::default())?;
    assert_eq!(theirs_table.entries()?, t.entries()?);
    let q = postmap(&["-q", "beta", &ours])?;
    assert_eq!(String::from_utf8_lossy(&q.stdout), "two words\n");
    Ok(())
}
