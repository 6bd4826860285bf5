use super::*;
use crate::{CreateOptions, Duplicates, Inserted};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn opts(duplicates: Duplicates) -> CreateOptions {
    CreateOptions {
        duplicates,
        fold_case: true,
        utf8: true,
        append_nul: None,
    }
}

fn build_table(kind: &str, dir: &Path, pairs: &[(&str, &str)]) -> Result<String, TableError> {
    let name = dir.join("t");
    let mut w = crate::create(kind, &name, &opts(Duplicates::KeepFirstWarn))?;
    for (k, v) in pairs {
        w.insert(k, v)?;
    }
    w.finish()?;
    Ok(format!("{kind}:{}", name.display()))
}

#[test]
fn hash_and_btree_round_trip_with_postfix_conventions() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    for kind in ["hash", "btree"] {
        let spec = build_table(
            kind,
            dir.path(),
            &[("Foo", "bar"), ("baz", "qux value"), ("a", "")],
        )?;
        let file = std::fs::read(dir.path().join("t.db"))?;
        // Keys and values carry Postfix's trailing NUL; keys are folded at build.
        assert!(file.windows(8).any(|w| w == b"foo\0bar\0"));
        let t = crate::open(&spec, &OpenOptions::default())?;
        assert_eq!(t.lookup("foo")?.as_deref(), Some("bar"));
        assert_eq!(t.lookup("FOO")?.as_deref(), Some("bar"));
        assert_eq!(t.lookup("a")?.as_deref(), Some(""));
        assert_eq!(t.lookup("nope")?, None);
        let exact = crate::open(
            &spec,
            &OpenOptions {
                fold_case: false,
                utf8: true,
            },
        )?;
        assert_eq!(exact.lookup("FOO")?, None);
        assert_eq!(t.spec(), spec);
    }
    Ok(())
}

#[test]
fn btree_lists_in_key_order() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let spec = build_table(
        "btree",
        dir.path(),
        &[("m", "1"), ("b", "2"), ("z", "3"), ("a", "4")],
    )?;
    let t = crate::open(&spec, &OpenOptions::default())?;
    let keys: Vec<String> = t.entries()?.into_iter().map(|(k, _)| k).collect();
    assert_eq!(keys, ["a", "b", "m", "z"]);
    Ok(())
}

#[test]
fn without_nul_is_found_too() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let name = dir.path().join("t");
    let o = CreateOptions {
        append_nul: Some(false),
        ..opts(Duplicates::KeepFirstWarn)
    };
    let mut w = crate::create("hash", &name, &o)?;
    w.insert("k", "v")?;
    w.finish()?;
    let file = std::fs::read(dir.path().join("t.db"))?;
    assert!(file.ends_with(b"kv"));
    let t = crate::open(&format!("hash:{}", name.display()), &OpenOptions::default())?;
    assert_eq!(t.lookup("k")?.as_deref(), Some("v"));
    Ok(())
}

#[test]
fn duplicates_and_update() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let name = dir.path().join("t");
    let spec = format!("hash:{}", name.display());
    let mut w = crate::create("hash", &name, &opts(Duplicates::KeepFirstWarn))?;
    assert_eq!(w.insert("k", "1")?, Inserted::New);
    assert_eq!(w.insert("K", "2")?, Inserted::Duplicate);
    w.finish()?;
    assert_eq!(
        crate::open(&spec, &OpenOptions::default())?
            .lookup("k")?
            .as_deref(),
        Some("1")
    );

    // postmap -i -r on the table while it is open: the open table keeps its file.
    let before = crate::open(&spec, &OpenOptions::default())?;
    let mut u = crate::update("hash", &name, &opts(Duplicates::Replace))?;
    assert_eq!(u.insert("k", "3")?, Inserted::Replaced);
    assert_eq!(u.insert("new", "4")?, Inserted::New);
    u.finish()?;
    assert_eq!(before.lookup("k")?.as_deref(), Some("1"));
    let after = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(after.lookup("k")?.as_deref(), Some("3"));
    assert_eq!(after.lookup("new")?.as_deref(), Some("4"));

    // postmap -d
    let mut d = crate::update("hash", &name, &opts(Duplicates::KeepFirstWarn))?;
    assert!(d.delete("K")?);
    assert!(!d.delete("absent")?);
    d.finish()?;
    let after = crate::open(&spec, &OpenOptions::default())?;
    assert_eq!(after.lookup("k")?, None);
    assert_eq!(after.entries()?, vec![("new".to_string(), "4".to_string())]);
    // No temporary files left behind.
    assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
    Ok(())
}

#[test]
fn update_creates_a_missing_table_and_paths_follow_postfix() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    let name = dir.path().join("t");
    let mut u = crate::update("btree", &name, &opts(Duplicates::KeepFirstWarn))?;
    u.insert("x", "y")?;
    u.finish()?;
    // The name never carries the suffix: `btree:t.db` means the file `t.db.db`, as in
    // Postfix.
    let plain = format!("btree:{}", name.display());
    assert_eq!(
        crate::open(&plain, &OpenOptions::default())?
            .lookup("x")?
            .as_deref(),
        Some("y")
    );
    let with_suffix = format!("btree:{}.db", name.display());
    assert!(crate::open(&with_suffix, &OpenOptions::default()).is_err());
    match crate::open(
        &format!("hash:{}/absent", dir.path().display()),
        &OpenOptions::default(),
    ) {
        Err(e) => assert_eq!(
            e.to_string(),
            format!(
                "open database {}/absent.db: No such file or directory (os error 2)",
                dir.path().display()
            )
        ),
        Ok(_) => panic!("opened a missing table"),
    }
    assert!(crate::create(
        "hash",
        &dir.path().join("no/such/dir"),
        &opts(Duplicates::Replace)
    )
    .is_err());
    // A btree file is not a hash file.
    assert!(crate::open(&format!("hash:{}", name.display()), &OpenOptions::default()).is_err());
    Ok(())
}

#[test]
fn garbage_file_is_an_error() -> Result<(), TableError> {
    let dir = tempfile::tempdir()?;
    for content in [&b""[..], b"short", &[0u8; 100][..], b"fctr-idx\x01\0\0\0"] {
        std::fs::write(dir.path().join("t.db"), content)?;
        let spec = format!("hash:{}", dir.path().join("t").display());
        assert!(matches!(
            crate::open(&spec, &OpenOptions::default()),
            Err(TableError::Malformed(_))
        ));
    }
    Ok(())
}

fn entries_of(map: &BTreeMap<String, String>) -> Vec<Entry> {
    map.iter()
        .map(|(k, v)| {
            (
                writer::with_nul(k.as_bytes(), true).into(),
                writer::with_nul(v.as_bytes(), true).into(),
            )
        })
        .collect()
}

proptest! {
    #[test]
    fn every_key_found_absent_keys_absent(
        map in proptest::collection::btree_map("[a-z0-9@.]{1,12}", "[ -~]{0,20}", 0..300),
        absent in proptest::collection::vec("[A-Z]{1,5}", 0..20),
    ) {
        let entries = entries_of(&map);
        for layout in [Layout::Hash, Layout::Sorted] {
            let mut bytes = Vec::new();
            build(layout, &entries, &mut bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let r = Reader::new(bytes, layout).map_err(|e| TestCaseError::fail(e.to_string()))?;
            for (k, v) in &map {
                let got = r.get(&writer::with_nul(k.as_bytes(), true)).map_err(|e| TestCaseError::fail(e.to_string()))?;
                prop_assert_eq!(got, Some(&writer::with_nul(v.as_bytes(), true)[..]));
            }
            for k in &absent {
                prop_assert_eq!(r.get(&writer::with_nul(k.as_bytes(), true)).ok().flatten(), None);
            }
            prop_assert_eq!(r.entries().map(|e| e.len()).ok(), Some(map.len()));
        }
    }

    #[test]
    fn sorted_layout_lists_in_byte_order(
        keys in proptest::collection::btree_set(
            proptest::collection::vec(prop::sample::select(vec![0u8, 1, b'a', b'b', 0xc3, 0xff]), 0..11),
            0..200,
        ),
    ) {
        let entries: Vec<Entry> = keys.iter().map(|k| (k.clone().into(), Box::from(&b"v"[..]))).collect();
        let mut bytes = Vec::new();
        build(Layout::Sorted, &entries, &mut bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let r = Reader::new(bytes, Layout::Sorted).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let listed: Vec<Vec<u8>> = r.entries().map_err(|e| TestCaseError::fail(e.to_string()))?
            .into_iter().map(|(k, _)| k.to_vec()).collect();
        let expected: Vec<Vec<u8>> = keys.into_iter().collect();
        prop_assert_eq!(listed, expected);
    }

    #[test]
    fn corrupt_files_give_errors_not_panics(
        map in proptest::collection::btree_map("[a-z]{1,8}", "[a-z]{0,8}", 1..50),
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        probe in "[a-z]{1,8}",
    ) {
        let entries = entries_of(&map);
        for layout in [Layout::Hash, Layout::Sorted] {
            let mut bytes = Vec::new();
            build(layout, &entries, &mut bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let mut bad = bytes.clone();
            for (at, byte) in &flips {
                let i = at.index(bad.len());
                bad[i] = *byte;
            }
            bad.truncate(cut.index(bad.len() + 1));
            if let Ok(r) = Reader::new(bad, layout) {
                let _ = r.get(&writer::with_nul(probe.as_bytes(), true));
                let _ = r.entries();
            }
        }
    }
}

/// The file format is an interface (files outlive builds): a small table must build to
/// the committed bytes. `FACTEUR_BLESS=1` rewrites them after a deliberate change
/// (which also needs a new format version).
#[test]
fn golden_files_are_stable() -> Result<(), TableError> {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata/indexed");
    let pairs = writer::source_pairs(&std::fs::read_to_string(data.join("small.src"))?);
    let dir = tempfile::tempdir()?;
    for kind in ["hash", "btree"] {
        let name = dir.path().join(kind);
        let mut w = crate::create(kind, &name, &opts(Duplicates::KeepFirstWarn))?;
        for (k, v) in &pairs {
            w.insert(k, v)?;
        }
        w.finish()?;
        let built = std::fs::read(dir.path().join(format!("{kind}.db")))?;
        let golden = data.join(format!("small.{kind}.db"));
        if std::env::var_os("FACTEUR_BLESS").is_some() {
            std::fs::write(&golden, &built)?;
        }
        assert!(
            built == std::fs::read(&golden)?,
            "{kind} file format changed"
        );
        let spec = format!("{kind}:{}", data.join(format!("small.{kind}")).display());
        let t = crate::open(&spec, &OpenOptions::default())?;
        assert_eq!(t.lookup("POSTMASTER@example.com")?.as_deref(), Some("root"));
        assert_eq!(t.lookup("ärger@example.de")?.as_deref(), Some("ärger"));
        assert_eq!(
            t.lookup("user+tag@example.org")?.as_deref(),
            Some("smtp:[relay.example.net]:587")
        );
    }
    Ok(())
}
