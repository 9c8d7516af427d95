//! Loading a signed bundle of 10,000 rules as a runtime does (target ≤ 20 ms): the signature
//! verified over the whole file, the manifest read and checked against the compiled policy's
//! digests, the policy decoded and compiled into an evaluator.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fpl_runtime::Evaluator;
use fpl_runtime::bundle::{
    AnalysisSummary, BUNDLE_FORMAT_VERSION, Manifest, PolicyInfo, SigningKey, TrustedKey,
    VerifiedBundle, write_bundle,
};
use fpl_runtime::ir::{CompiledPolicy, SourceMap};

mod support;

fn signed_bundle(key: &SigningKey) -> Vec<u8> {
    let compiled = CompiledPolicy::new(support::ten_thousand_rules(), SourceMap::default());
    let policy = compiled.to_bytes();
    let manifest = Manifest {
        format_version: BUNDLE_FORMAT_VERSION,
        commit: "c".repeat(40),
        tree: "d".repeat(40),
        created: "2026-11-23T18:00:00Z".into(),
        toolchain: "faramesh bench".into(),
        policy: PolicyInfo::of(&compiled, &policy),
        sources: Vec::new(),
        imports: Vec::new(),
        analysis: AnalysisSummary::default(),
    };
    write_bundle(&manifest, &policy, Some(key)).expect("a bundle")
}

fn load(c: &mut Criterion) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let bytes = signed_bundle(&key);
    let trusted = [TrustedKey::of(&key)];
    let mut group = c.benchmark_group("bundle");
    group
        .sample_size(20)
        .measurement_time(Duration::from_secs(5))
        .warm_up_time(Duration::from_secs(1));
    group.bench_function("load_verify_10k_rules", |b| {
        b.iter(|| {
            let bundle = VerifiedBundle::verify(black_box(&bytes), &trusted).expect("verifies");
            black_box(Evaluator::from_bundle(bundle))
        })
    });
    group.finish();
}

criterion_group!(benches, load);
criterion_main!(benches);
