//! Lookup latency per table type (being built: issue 3).

use criterion::{criterion_group, criterion_main, Criterion};

fn inline_lookup(c: &mut Criterion) {
    let _ = c;
}

criterion_group!(benches, inline_lookup);
criterion_main!(benches);
