//! Signed bundles of the 10,000-rule policy, as whole processes: `faramesh bundle build` (git
//! read, every check with the SMT analysis, compile, sign) and `faramesh eval --bundle`
//! deciding one request (verify, load, decide). Loading in process is `fpl-runtime`'s
//! `bundle` bench.

use std::path::Path;
use std::process::{Command, Output};

use criterion::{Criterion, criterion_group, criterion_main};

/// Runs `faramesh ARGS` in `dir` and asserts it succeeded.
fn faramesh(dir: &Path, args: &[&str]) -> Output {
    let output = Command::new(env!("CARGO_BIN_EXE_faramesh"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn bundles(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("temp dir");
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(&repo).expect("repo");
    std::fs::write(repo.join("large.fpl"), fpl_testdata::large_policy(10_000)).expect("policy");
    fpl_testdata::registry::git_commit_all(&repo, "the 10,000-rule policy");
    faramesh(dir.path(), &["keygen", "--out", "key"]);
    let build = ["bundle", "build", "repo", "--key", "key", "-o", "large.fmb"];
    faramesh(dir.path(), &build);

    let mut group = c.benchmark_group("bundle");
    group.sample_size(10);
    group.bench_function("build_10k_rules_whole_process", |b| {
        b.iter(|| faramesh(dir.path(), &build))
    });
    group.sample_size(20);
    let request = r#"{"agent":"bench-0","tool":"svc0/op6","time":"2026-11-23T18:00:00Z"}"#;
    let eval = [
        "eval",
        "--bundle",
        "large.fmb",
        "--trust",
        "key.pub",
        "--request",
        request,
    ];
    group.bench_function("eval_bundle_10k_rules_whole_process", |b| {
        b.iter(|| faramesh(dir.path(), &eval))
    });
    group.finish();
}

criterion_group!(benches, bundles);
criterion_main!(benches);
