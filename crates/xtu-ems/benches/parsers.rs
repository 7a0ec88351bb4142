//! Parser throughput on the main fixture of each page. Compare with
//! `scripts/bench_bs4.py` (the upstream's BeautifulSoup extraction).

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use xtu_ems::Page;

fn fixture(page: Page) -> String {
    let path = format!(
        "{}/../../fixtures/ems/{}.{}",
        env!("CARGO_MANIFEST_DIR"),
        page.name(),
        page.fixture_extension()
    );
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn parsers(c: &mut Criterion) {
    let mut group = c.benchmark_group("parse");
    for page in Page::ALL {
        let text = fixture(*page);
        group.throughput(Throughput::Bytes(text.len() as u64));
        group.bench_function(page.name(), |b| {
            b.iter(|| drop(black_box(page.parse_value(black_box(&text)))));
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().measurement_time(std::time::Duration::from_secs(3)).warm_up_time(std::time::Duration::from_secs(1));
    targets = parsers
}
criterion_main!(benches);
