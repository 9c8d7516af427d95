//! Benchmarks of the SMT analysis: all findings, cold, of a 1,000-rule policy, of 10 agents ×
//! 1,000 rules and of one agent × 2,500 rules; the 1,000-rule policy re-checked from the
//! analysis host's cache; the semantic diff of two 1,000-rule versions (one rule changed);
//! 400 mutually overlapping rules; and a rule with a 100,000-character string.

use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fpl_analyzer::host::{AnalysisHost, Change, check_policy};
use fpl_analyzer::smt::{self, SmtOptions};
use fpl_analyzer::{Analysis, CheckOptions, FileId, SourceFile};

fn bench(c: &mut Criterion) {
    let text = fpl_testdata::large_policy(1_000);
    let analysis = analysed(&text);
    let changed = text.replacen(
        "permit svc0/op3 when amount > 30",
        "defer svc0/op3 when amount > 30",
        1,
    );
    let new = analysed(&changed);
    let mut group = c.benchmark_group("smt");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(20));
    // `smt::findings` has no host, so every run starts with an empty cache.
    group.bench_function("findings_1000_rules_cold", |b| {
        b.iter(|| smt::findings(&analysis, &SmtOptions::default()))
    });
    let mut host = AnalysisHost::default();
    let mut change = Change::default();
    change.set_file(FileId(0), SourceFile::new("large.fpl", text.clone()));
    host.apply_change(change).expect("one whole file");
    let input = host
        .snapshot()
        .smt_input(FileId(0))
        .expect("not cancelled")
        .expect("a policy without errors");
    let solve = || input.solve(&SmtOptions::default(), &|| false);
    // The first run fills the host's cache.
    let _ = solve();
    group.bench_function("findings_1000_rules_cached", |b| b.iter(solve));
    group.bench_function("diff_1000_rules", |b| {
        b.iter(|| smt::semantic_diff(&analysis, &new, &SmtOptions::default()))
    });
    for (name, text) in [
        (
            "findings_10_agents_x_1000_rules_cold",
            fpl_testdata::large_policy(10_000),
        ),
        (
            "findings_1_agent_x_2500_rules_cold",
            fpl_testdata::one_agent_policy(2_500),
        ),
        (
            "overlapping_400_rules_cold",
            fpl_testdata::overlapping_policy(400),
        ),
        (
            "string_100000_chars_cold",
            fpl_testdata::long_string_policy(100_000),
        ),
    ] {
        let analysis = analysed(&text);
        group.bench_function(name, |b| {
            b.iter(|| smt::findings(&analysis, &SmtOptions::default()))
        });
    }
    group.finish();
}

fn analysed(text: &str) -> Analysis {
    check_policy(
        vec![SourceFile::new("bench.fpl", text)],
        &CheckOptions::default(),
    )
}

criterion_group!(benches, bench);
criterion_main!(benches);
