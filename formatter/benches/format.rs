//! Formatter throughput on a generated 10,000-rule policy (target: at least 10 MB/s), including
//! the parse and the re-parse safety check.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn format_large_policy(c: &mut Criterion) {
    let text = fpl_testdata::large_policy(10_000);
    let mut group = c.benchmark_group("format");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("10k_rules", |b| {
        b.iter(|| fpl_fmt::format_text(std::hint::black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches, format_large_policy);
criterion_main!(benches);
