//! `faramesh check` as a whole process: without the SMT analysis, the 10,000-rule policy (ten
//! agents of 1,000 rules) and one agent of 20,000 and of 100,000 rules, the shape in which work
//! that is not linear in the rules of an agent shows; with it, the 1,000-rule policy.

use std::path::Path;
use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

/// Runs `faramesh check --format json <path> [extra]` and asserts it found no error.
fn check(path: &Path, extra: &[&str]) {
    let output = Command::new(env!("CARGO_BIN_EXE_faramesh"))
        .args(["check", "--format", "json"])
        .arg(path)
        .args(extra)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
}

fn check_large_policies(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let large = dir.path().join("large.fpl");
    std::fs::write(&large, fpl_testdata::large_policy(10_000)).expect("write policy");
    let one_agent_20k = dir.path().join("one_agent_20k.fpl");
    std::fs::write(&one_agent_20k, fpl_testdata::one_agent_policy(20_000)).expect("write policy");
    let one_agent_100k = dir.path().join("one_agent_100k.fpl");
    std::fs::write(&one_agent_100k, fpl_testdata::one_agent_policy(100_000)).expect("write policy");
    let smaller = dir.path().join("smaller.fpl");
    std::fs::write(&smaller, fpl_testdata::large_policy(1_000)).expect("write policy");
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    group.bench_function("10k_rules_whole_process_no_smt", |b| {
        b.iter(|| check(&large, &["--no-smt"]))
    });
    group.bench_function("one_agent_20k_rules_whole_process_no_smt", |b| {
        b.iter(|| check(&one_agent_20k, &["--no-smt"]))
    });
    group.bench_function("one_agent_100k_rules_whole_process_no_smt", |b| {
        b.iter(|| check(&one_agent_100k, &["--no-smt"]))
    });
    group.sample_size(10);
    group.bench_function("1k_rules_whole_process_with_smt", |b| {
        b.iter(|| check(&smaller, &[]))
    });
    group.finish();
}

criterion_group!(benches, check_large_policies);
criterion_main!(benches);
