//! Signed bundles of the 10,000-rule policy: `faramesh bundle build` as a whole process (git
//! read, every check with the SMT analysis, compile, sign), loading a bundle in process
//! (`VerifiedBundle::verify` + `Evaluator::from_bundle`, target ≤ 20 ms), and `faramesh eval
//! --bundle` deciding one request as a whole process.

use std::path::Path;
use std::process::{Command, Output};

use criterion::{Criterion, criterion_group, criterion_main};
use fpl_runtime::Evaluator;
use fpl_runtime::bundle::{TrustedKey, VerifiedBundle};

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
    let bytes = std::fs::read(dir.path().join("large.fmb")).expect("bundle");
    let public = std::fs::read_to_string(dir.path().join("key.pub")).expect("public key");
    let trusted = [TrustedKey::parse_entry(public.trim()).expect("key line")];

    let mut group = c.benchmark_group("bundle");
    group.sample_size(10);
    group.bench_function("build_10k_rules_whole_process", |b| {
        b.iter(|| faramesh(dir.path(), &build))
    });
    group.sample_size(20);
    group.bench_function("load_verify_10k_rules", |b| {
        b.iter(|| {
            let bundle = VerifiedBundle::verify(&bytes, &trusted).expect("verifies");
            Evaluator::from_bundle(bundle)
        })
    });
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
