//! Benchmarks of the SMT analysis: all findings of a 1,000-rule policy, the semantic diff of
//! two 1,000-rule versions (the second with every rule of one agent reordered and one changed),
//! 400 mutually overlapping rules, and a rule with a 100,000-character string.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fpl_analyzer::host::check_policy;
use fpl_analyzer::smt::{self, SmtOptions};
use fpl_analyzer::{Analysis, CheckOptions, Diagnostic, SourceFile};

fn bench(c: &mut Criterion) {
    let text = fpl_testdata::large_policy(1_000);
    let analysis = check_policy(
        vec![SourceFile::new("large.fpl", text.clone())],
        &CheckOptions::default(),
    );
    let changed = text.replacen(
        "permit svc0/op3 when amount > 30",
        "defer svc0/op3 when amount > 30",
        1,
    );
    let new = check_policy(
        vec![SourceFile::new("large.fpl", changed)],
        &CheckOptions::default(),
    );
    let mut group = c.benchmark_group("smt");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    let mut extra = 0;
    group.bench_function("findings_1000_rules_cold", |b| {
        b.iter(|| cold(&analysis, &mut extra))
    });
    group.bench_function("findings_1000_rules_cached", |b| {
        b.iter(|| smt::findings(&analysis, &SmtOptions::default()))
    });
    group.bench_function("diff_1000_rules", |b| {
        b.iter(|| smt::semantic_diff(&analysis, &new, &SmtOptions::default()))
    });
    for (name, text) in [
        (
            "overlapping_400_rules_cold",
            fpl_testdata::overlapping_policy(400),
        ),
        (
            "string_100000_chars_cold",
            fpl_testdata::long_string_policy(100_000),
        ),
    ] {
        let analysis = check_policy(
            vec![SourceFile::new("bench.fpl", text)],
            &CheckOptions::default(),
        );
        group.bench_function(name, |b| b.iter(|| cold(&analysis, &mut extra)));
    }
    group.finish();
}

/// All findings, cold: the default budget plus `extra` milliseconds, a new value each time, so
/// the per-group cache (keyed by the options) never answers.
fn cold(analysis: &Analysis, extra: &mut u64) -> Vec<Diagnostic> {
    *extra += 1;
    smt::findings(
        analysis,
        &SmtOptions {
            timeout: smt::DEFAULT_BUDGET + Duration::from_millis(*extra),
        },
    )
}

criterion_group!(benches, bench);
criterion_main!(benches);
