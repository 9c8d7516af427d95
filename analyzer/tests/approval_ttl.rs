//! The `runtime` block's `approval_ttl` (SPEC §14, §17) reaches the compiled policy, where a
//! decision service reads how long its approvals stay open.

use fpl_analyzer::host::check_policy;
use fpl_analyzer::{CheckOptions, SourceFile, compile};

const AGENT: &str = "agent a {\n  default defer\n}\n";

/// The compiled `approval_ttl_ms` of a policy with `runtime` block `runtime` (none when empty).
fn ttl_ms(runtime: &str) -> Option<u64> {
    let text = format!("{runtime}{AGENT}");
    let analysis = check_policy(
        vec![SourceFile::new("governance.fms", &text)],
        &CheckOptions::default(),
    );
    let compiled = compile::compile(&analysis).expect("compiles");
    let evaluator = fpl_runtime::Evaluator::new(compiled.clone()).expect("loads");
    assert_eq!(evaluator.approval_ttl_ms(), compiled.policy.approval_ttl_ms);
    compiled.policy.approval_ttl_ms
}

#[test]
fn approval_ttl_is_compiled_in_milliseconds() {
    assert_eq!(ttl_ms(""), None);
    assert_eq!(ttl_ms("runtime {\n  mode = \"enforce\"\n}\n"), None);
    assert_eq!(
        ttl_ms("runtime {\n  approval_ttl = 15m\n}\n"),
        Some(900_000)
    );
    assert_eq!(
        ttl_ms("runtime {\n  approval_ttl = \"90s\"\n}\n"),
        Some(90_000)
    );
    assert_eq!(
        ttl_ms("runtime {\n  approval_ttl = 1h30m\n}\n"),
        Some(5_400_000)
    );
    assert_eq!(ttl_ms("runtime {\n  approval_ttl = 500ms\n}\n"), Some(500));
}

#[test]
fn approval_ttl_is_part_of_the_policy_digest() {
    let digest = |runtime: &str| {
        let text = format!("{runtime}{AGENT}");
        let analysis = check_policy(
            vec![SourceFile::new("governance.fms", &text)],
            &CheckOptions::default(),
        );
        compile::compile(&analysis).expect("compiles").digest()
    };
    assert_ne!(
        digest("runtime {\n  approval_ttl = 15m\n}\n"),
        digest("runtime {\n  approval_ttl = 5m\n}\n")
    );
}
