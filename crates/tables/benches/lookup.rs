//! Lookup latency and build time of the indexed table types.
//!
//! Targets (issue 3): open plus one lookup on a 1,000,000-entry `hash:` table under
//! 10 ms; building 1,000,000 entries under 5 s; in-memory lookups well under 1 µs.
//! Compare with Postfix: `time postmap -q key hash:/tmp/big` on a Berkeley DB table.

use std::hint::black_box;
use std::path::Path;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use facteur_tables::{self as tables, CreateOptions, Duplicates, OpenOptions};

const BIG: usize = 1_000_000;

fn key(i: usize) -> String {
    format!("user{i}@example{}.com", i % 977)
}

fn build(kind: &str, name: &Path, n: usize) {
    let opts = CreateOptions {
        duplicates: Duplicates::KeepFirstWarn,
        fold_case: true,
        append_nul: None,
    };
    let mut w = tables::create(kind, name, &opts).expect("create");
    for i in 0..n {
        w.insert(&key(i), &format!("smtp:[relay{}.example.net]:25", i % 13))
            .expect("insert");
    }
    w.finish().expect("finish");
}

fn open_and_lookup(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("1M entries");
    g.sample_size(10).measurement_time(Duration::from_secs(20));
    for kind in ["hash", "btree", "cdb", "lmdb"] {
        let name = dir.path().join(kind);
        g.bench_function(format!("{kind}: build"), |b| {
            b.iter(|| build(kind, &name, BIG))
        });
    }
    g.finish();

    // The build benchmark may have been filtered out: build each table once, unmeasured.
    for kind in ["hash", "btree", "cdb", "lmdb"] {
        build(kind, &dir.path().join(kind), BIG);
    }

    let mut g = c.benchmark_group("open + 1 lookup, 1M entries");
    for kind in ["hash", "btree", "cdb", "lmdb"] {
        let spec = format!("{kind}:{}", dir.path().join(kind).display());
        g.bench_function(kind, |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 7919) % BIG;
                let t = tables::open(&spec, &OpenOptions::default()).expect("open");
                black_box(t.lookup(&key(i)).expect("lookup"))
            })
        });
    }
    g.finish();

    let mut g = c.benchmark_group("lookup in open table, 1M entries");
    for kind in ["hash", "btree", "cdb", "lmdb"] {
        let spec = format!("{kind}:{}", dir.path().join(kind).display());
        let t = tables::open(&spec, &OpenOptions::default()).expect("open");
        let keys: Vec<String> = (0..1024).map(|i| key(i * 977 + 13)).collect();
        g.bench_function(format!("{kind}: hit"), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % keys.len();
                black_box(t.lookup(&keys[i]).expect("lookup"))
            })
        });
        g.bench_function(format!("{kind}: miss"), |b| {
            b.iter(|| black_box(t.lookup("nobody@nowhere.invalid").expect("lookup")))
        });
    }
    g.finish();
}

/// Lookups in a 10,000-entry table that stays in the CPU caches: the cost of the lookup
/// path itself (folding, NUL convention, hashing, the returned String), without the
/// cache and TLB misses a 1M-entry file adds.
fn small_table_lookup(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("lookup in open table, 10k entries");
    for kind in ["hash", "btree", "cdb", "lmdb"] {
        let name = dir.path().join(kind);
        build(kind, &name, 10_000);
        let t = tables::open(
            &format!("{kind}:{}", name.display()),
            &OpenOptions::default(),
        )
        .expect("open");
        let keys: Vec<String> = (0..1024).map(|i| key(i * 7 + 3)).collect();
        g.bench_function(format!("{kind}: hit"), |b| {
            let mut i = 0;
            b.iter(|| {
                i = (i + 1) % keys.len();
                black_box(t.lookup(&keys[i]).expect("lookup"))
            })
        });
    }
    g.finish();
}

criterion_group!(benches, open_and_lookup, small_table_lookup);
criterion_main!(benches);
