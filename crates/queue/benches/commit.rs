//! Queue-file commit rate: 1 and 20 concurrent writers, each commit mode, against the
//! raw rate of this disk (write + fsync + rename + fsync directory of a small file).
//!
//! Runs on the file system of the temporary directory (`TMPDIR`); put that on the disk
//! you mean to measure. Throughput is reported in commits per second. On a disk shared
//! with other work the 20-writer figures swing by a factor of two or more between runs;
//! the flush counts printed by `writer::tests::concurrent_group_commits_are_each_durable`
//! (`--nocapture`) are the load-independent measure of what group commit saves.

use std::fs;
use std::path::Path;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use facteur_queue::durable::{write_atomic, RealFs, Replace};
use facteur_queue::{CommitMode, Envelope, Layout, QueueName, QueueStore};

/// A typical small message.
const MESSAGE_LEN: usize = 4096;

fn message() -> (Envelope, Vec<u8>) {
    let mut env = Envelope::new(
        UNIX_EPOCH + Duration::from_secs(1_763_900_000),
        "sender@example.org",
    );
    env.add_recipient("rcpt@example.com");
    env.client.address = Some("192.0.2.1".into());
    env.client.helo = Some("client.example.org".into());
    let mut body = b"Subject: bench\r\n\r\n".to_vec();
    body.resize(MESSAGE_LEN, b'x');
    (env, body)
}

fn clear(dir: &Path) {
    if let Ok(entries) = fs::read_dir(dir) {
        for e in entries.flatten() {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// `writers` threads each committing `iters` messages; returns the wall time.
fn run(store: &Arc<QueueStore>, writers: usize, iters: u64) -> Duration {
    let barrier = Arc::new(Barrier::new(writers + 1));
    let threads: Vec<_> = (0..writers)
        .map(|_| {
            let (store, barrier) = (store.clone(), barrier.clone());
            std::thread::spawn(move || {
                let (env, body) = message();
                barrier.wait();
                for _ in 0..iters {
                    let mut w = store.create(&env).expect("create");
                    w.write_content(&body).expect("write");
                    w.finish().expect("finish").commit().expect("commit");
                }
            })
        })
        .collect();
    barrier.wait();
    let start = Instant::now();
    for t in threads {
        t.join().expect("writer");
    }
    start.elapsed()
}

fn bench(c: &mut Criterion) {
    let tmp = tempfile::tempdir().expect("tmp");
    let mut group = c.benchmark_group("commit");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(5));

    // The disk itself: write 4 KiB, fsync, rename, fsync directory; one thread.
    let raw = tmp.path().join("raw");
    fs::create_dir_all(&raw).expect("raw dir");
    let bytes = vec![b'x'; MESSAGE_LEN];
    group.throughput(Throughput::Elements(1));
    group.bench_function("raw_fsync_rename/1", |b| {
        let mut n = 0u64;
        b.iter(|| {
            n += 1;
            write_atomic(
                &RealFs,
                &raw.join(n.to_string()),
                &bytes,
                0o600,
                Replace::Never,
            )
            .expect("write");
        });
        clear(&raw);
    });

    // The same from 20 threads at once: what the disk gives concurrent fsyncs.
    group.throughput(Throughput::Elements(20));
    group.bench_function("raw_fsync_rename/20", |b| {
        b.iter_custom(|iters| {
            let barrier = Arc::new(Barrier::new(21));
            let threads: Vec<_> = (0..20)
                .map(|t| {
                    let (raw, barrier, bytes) = (raw.clone(), barrier.clone(), bytes.clone());
                    std::thread::spawn(move || {
                        barrier.wait();
                        for i in 0..iters {
                            let path = raw.join(format!("{t}-{i}"));
                            write_atomic(&RealFs, &path, &bytes, 0o600, Replace::Never)
                                .expect("write");
                        }
                    })
                })
                .collect();
            barrier.wait();
            let start = Instant::now();
            for t in threads {
                t.join().expect("writer");
            }
            let took = start.elapsed();
            clear(&raw);
            took
        });
    });

    for (name, mode) in [
        ("per_file", CommitMode::PerFile),
        ("group", CommitMode::Group),
        ("group_syncfs", CommitMode::GroupSyncfs),
    ] {
        for writers in [1usize, 20] {
            let layout = Layout::with_defaults(tmp.path().join(format!("{name}-{writers}")));
            layout.create().expect("layout");
            let store = Arc::new(QueueStore::new(layout, Arc::new(RealFs), mode));
            group.throughput(Throughput::Elements(writers as u64));
            group.bench_function(format!("{name}/{writers}"), |b| {
                b.iter_custom(|iters| {
                    let t = run(&store, writers, iters);
                    clear(&store.layout().queue_dir(QueueName::Incoming));
                    t
                });
            });
        }
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
