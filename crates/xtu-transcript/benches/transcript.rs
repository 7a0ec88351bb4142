//! `transcript::parse` on the four-term, thirty-course fixture (one page),
//! on the two-page one, and on the first stored with object streams, then
//! with AES-256 and object streams (and linearized). Compare with
//! `scripts/bench_pdfplumber.py` (the upstream's pdfplumber reading) on the
//! same files, in the same run.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use xtu_transcript as transcript;

fn fixture(name: &str) -> Vec<u8> {
    let path = format!(
        "{}/../../fixtures/transcript/{name}",
        env!("CARGO_MANIFEST_DIR")
    );
    std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parse(c: &mut Criterion) {
    let mut group = c.benchmark_group("transcript");
    for name in [
        "transcript.pdf",
        "transcript.two-pages.pdf",
        "variants/transcript@objstm.pdf",
        "variants/transcript@aes256-objstm-linearized.pdf",
    ] {
        let pdf = fixture(name);
        group.throughput(Throughput::Bytes(pdf.len() as u64));
        group.bench_function(name, |b| {
            b.iter(|| drop(black_box(transcript::parse(black_box(&pdf)))));
        });
    }
    group.finish();
}

criterion_group!(benches, parse);
criterion_main!(benches);
