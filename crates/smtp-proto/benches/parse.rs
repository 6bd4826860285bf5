//! Throughput of the hot paths: command parsing, line framing and DATA decoding.
//! Run with `cargo bench -p facteur-smtp-proto --bench parse`.

use criterion::{black_box, criterion_group, criterion_main, Criterion, Throughput};
use smtp_proto::command;
use smtp_proto::data::{encode_message, DataDecoder};
use smtp_proto::line::{Frame, LineFramer};

/// A plausible message: headers, then 76-character body lines with a few dot-lines.
fn message(size: usize) -> Vec<u8> {
    let mut content = Vec::with_capacity(size + 1024);
    content
        .extend_from_slice(b"From: a@example.com\r\nTo: b@example.org\r\nSubject: bench\r\n\r\n");
    let mut n = 0u32;
    while content.len() < size {
        if n.is_multiple_of(50) {
            content.extend_from_slice(b".a line that starts with a dot\r\n");
        }
        content.extend_from_slice(format!("{n:08} ").as_bytes());
        content.extend_from_slice(&[b'x'; 67]);
        content.extend_from_slice(b"\r\n");
        n += 1;
    }
    encode_message(&content)
}

fn data(c: &mut Criterion) {
    let wire = message(8 << 20);
    let mut group = c.benchmark_group("data");
    group.throughput(Throughput::Bytes(wire.len() as u64));
    // As smtpd runs it: each 64 KiB read decoded into a reused buffer that is handed on
    // (to cleanup) before the next read, so output stays bounded and cache-resident.
    let mut out = Vec::with_capacity(128 << 10);
    group.bench_function("decode_8MiB_in_64KiB_reads", |b| {
        b.iter(|| {
            let mut d = DataDecoder::new();
            let mut total = 0;
            for chunk in wire.chunks(64 << 10) {
                out.clear();
                let p = d.decode(black_box(chunk), &mut out);
                total += black_box(&out).len();
                if p.done {
                    break;
                }
            }
            total
        })
    });
    group.bench_function("encode_8MiB", |b| {
        b.iter(|| black_box(encode_message(black_box(&wire)).len()))
    });
    group.finish();
}

fn lines(c: &mut Criterion) {
    let mut input = Vec::new();
    for i in 0..10_000 {
        input.extend_from_slice(
            format!("RCPT TO:<user{i}@example.com> NOTIFY=FAILURE\r\n").as_bytes(),
        );
    }
    let mut group = c.benchmark_group("commands");
    group.throughput(Throughput::Bytes(input.len() as u64));
    group.bench_function("frame_lines", |b| {
        b.iter(|| {
            let mut f = LineFramer::new(2048);
            let mut pos = 0;
            let mut n = 0;
            while let Frame::Line { consumed, .. } = f.next(&input[pos..]) {
                pos += consumed;
                n += 1;
            }
            black_box(n)
        })
    });
    group.bench_function("frame_and_parse", |b| {
        b.iter(|| {
            let mut f = LineFramer::new(2048);
            let mut pos = 0;
            let mut n = 0;
            while let Frame::Line { len, consumed, .. } = f.next(&input[pos..]) {
                black_box(command::parse(&input[pos..pos + len]));
                pos += consumed;
                n += 1;
            }
            black_box(n)
        })
    });
    group.finish();
}

criterion_group!(benches, data, lines);
criterion_main!(benches);
