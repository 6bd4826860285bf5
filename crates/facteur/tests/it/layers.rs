//! The dependency direction of ARCHITECTURE.md, checked: each crate of ours may import
//! only the crates of ours listed for it here. A new edge is a reviewed decision: add
//! it to this table and to ARCHITECTURE.md in the same change.

use std::collections::BTreeSet;
use std::path::Path;

/// crate directory → the crates of ours its `[dependencies]` may name.
const ALLOWED: &[(&str, &[&str])] = &[
    ("mail", &[]),
    ("smtp-proto", &[]),
    ("safeio", &[]),
    ("config", &["mail", "safeio"]),
    ("tables", &["mail", "safeio"]),
    ("queue", &["mail", "safeio"]),
    ("maillog", &["mail"]),
    ("route", &["tables", "config", "mail"]),
    (
        "cleanup",
        &["route", "queue", "tables", "maillog", "config", "mail"],
    ),
    ("net", &["config", "mail"]),
    (
        "cli",
        &[
            "config", "tables", "queue", "net", "maillog", "mail", "safeio",
        ],
    ),
    (
        "daemon",
        &["config", "mail", "queue", "net", "tables", "maillog"],
    ),
    ("facteur", &["cli", "daemon"]),
];

/// Our crates' names as they appear in `[dependencies]` (workspace short names).
fn ours() -> BTreeSet<&'static str> {
    ALLOWED.iter().map(|(name, _)| *name).collect()
}

/// The crates of ours named in the `[dependencies]` table of a Cargo.toml (dev- and
/// build-dependencies are not layering edges).
fn runtime_deps(manifest: &str) -> BTreeSet<String> {
    let ours = ours();
    let mut in_deps = false;
    let mut found = BTreeSet::new();
    for line in manifest.lines() {
        let line = line.trim();
        if line.starts_with('[') {
            in_deps = line == "[dependencies]";
            continue;
        }
        if !in_deps {
            continue;
        }
        let name = line
            .split(['=', '.', ' '])
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        if ours.contains(name.as_str()) {
            found.insert(name);
        }
    }
    found
}

#[test]
fn crates_import_only_lower_layers() {
    let crates = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut seen = 0;
    for entry in std::fs::read_dir(&crates).expect("crates dir") {
        let dir = entry.expect("entry").path();
        let manifest = dir.join("Cargo.toml");
        if !manifest.exists() {
            continue;
        }
        let name = dir
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or("")
            .to_string();
        let allowed = ALLOWED
            .iter()
            .find(|(crate_dir, _)| *crate_dir == name)
            .unwrap_or_else(|| {
                panic!("crates/{name} is not in the layer table of tests/it/layers.rs")
            })
            .1;
        let text = std::fs::read_to_string(&manifest).expect("read manifest");
        for dep in runtime_deps(&text) {
            assert!(
                allowed.contains(&dep.as_str()),
                "crates/{name} imports {dep}, which its layer does not allow (ARCHITECTURE.md)"
            );
        }
        seen += 1;
    }
    assert_eq!(seen, ALLOWED.len(), "every crate of ours was checked");
}

#[test]
fn the_parser_sees_dependencies() {
    let deps = runtime_deps("[dependencies]\nconfig.workspace = true\nclap = \"4\"\n\n[dev-dependencies]\ntables.workspace = true\n");
    assert_eq!(
        deps.into_iter().collect::<Vec<_>>(),
        vec!["config".to_string()]
    );
}
