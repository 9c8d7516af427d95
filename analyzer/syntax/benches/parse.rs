//! Parser throughput on a generated 10,000-rule policy (target: at least 20 MB/s).

use criterion::{Criterion, Throughput, criterion_group, criterion_main};

fn parse_large_policy(c: &mut Criterion) {
    let text = fpl_testdata::large_policy(10_000);
    let mut group = c.benchmark_group("parse");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("10k_rules", |b| {
        b.iter(|| fpl_syntax::parse(std::hint::black_box(&text)))
    });
    group.finish();
}

criterion_group!(benches, parse_large_policy);
criterion_main!(benches);
