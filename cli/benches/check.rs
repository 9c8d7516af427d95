//! `faramesh check` of a generated 10,000-rule policy, as a whole process (target: ≤ 100 ms).

use std::process::Command;

use criterion::{Criterion, criterion_group, criterion_main};

fn check_large_policy(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join("large.fpl");
    std::fs::write(&path, fpl_testdata::large_policy(10_000)).expect("write policy");
    let binary = env!("CARGO_BIN_EXE_faramesh");
    let run = || {
        let output = Command::new(binary)
            .arg("check")
            .arg("--format")
            .arg("json")
            .arg(&path)
            .output()
            .expect("runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stdout)
        );
    };
    run();
    let mut group = c.benchmark_group("check");
    group.sample_size(20);
    group.bench_function("10k_rules_whole_process", |b| b.iter(run));
    group.finish();
}

criterion_group!(benches, check_large_policy);
criterion_main!(benches);
