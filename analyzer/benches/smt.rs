//! Benchmarks of the SMT analysis: all findings of a 1,000-rule policy, and the semantic diff of
//! two 1,000-rule versions (the second with every rule of one agent reordered and one changed).

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fpl_analyzer::smt::{self, SmtOptions};
use fpl_analyzer::{CheckOptions, SourceFile, analyze};

fn bench(c: &mut Criterion) {
    let text = fpl_testdata::large_policy(1_000);
    let analysis = analyze(
        vec![SourceFile::new("large.fpl", text.clone())],
        &CheckOptions::default(),
    );
    let changed = text.replacen(
        "permit svc0/op3 when amount > 30",
        "defer svc0/op3 when amount > 30",
        1,
    );
    let new = analyze(
        vec![SourceFile::new("large.fpl", changed)],
        &CheckOptions::default(),
    );
    let mut group = c.benchmark_group("smt");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    // Distinct timeouts defeat the per-rule cache, so each iteration is a cold analysis.
    let mut millis = 2_000u64;
    group.bench_function("findings_1000_rules_cold", |b| {
        b.iter(|| {
            millis += 1;
            smt::findings(
                &analysis,
                &SmtOptions {
                    timeout: Duration::from_millis(millis),
                },
            )
        })
    });
    group.bench_function("findings_1000_rules_cached", |b| {
        b.iter(|| smt::findings(&analysis, &SmtOptions::default()))
    });
    group.bench_function("diff_1000_rules", |b| {
        b.iter(|| smt::semantic_diff(&analysis, &new, &SmtOptions::default()))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
