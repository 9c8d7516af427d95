//! `faramesh check` as a whole process: the 10,000-rule policy without the SMT analysis (target
//! ≤ 100 ms, the foundation's figure), and the 1,000-rule policy with it (the SMT issue's size).

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
    let smaller = dir.path().join("smaller.fpl");
    std::fs::write(&smaller, fpl_testdata::large_policy(1_000)).expect("write policy");
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    group.bench_function("10k_rules_whole_process_no_smt", |b| {
        b.iter(|| check(&large, &["--no-smt"]))
    });
    group.sample_size(10);
    group.bench_function("1k_rules_whole_process_with_smt", |b| {
        b.iter(|| check(&smaller, &[]))
    });
    group.finish();
}

criterion_group!(benches, check_large_policies);
criterion_main!(benches);
