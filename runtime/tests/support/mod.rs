//! Shared helpers: build evaluators from IR and describe decisions as one line of text.
#![allow(dead_code)]

use fpl_runtime::ir::{CompiledPolicy, Policy, SourceMap};
use fpl_runtime::{Decimal, Decision, Evaluator};

/// Default decision time of test requests.
pub const T0: &str = "2026-11-23T18:00:00Z";

/// An exact decimal from text.
pub fn d(text: &str) -> Decimal {
    Decimal::parse(text).expect("a test decimal")
}

/// An evaluator over `policy` with no source positions.
pub fn evaluator(policy: Policy) -> Evaluator {
    Evaluator::new(CompiledPolicy::new(policy, SourceMap::default())).expect("a valid test policy")
}

/// A request for agent `agent` at [`T0`] with `args` (a JSON object text) and extra members.
pub fn req(agent: &str, tool: &str, args: &str) -> String {
    format!(r#"{{"agent":"{agent}","tool":"{tool}","args":{args},"time":"{T0}"}}"#)
}

/// Like [`req`] with extra top-level members (`"session":"s","cost":1`).
pub fn req_with(agent: &str, tool: &str, args: &str, extra: &str) -> String {
    format!(r#"{{"agent":"{agent}","tool":"{tool}","args":{args},"time":"{T0}",{extra}}}"#)
}

/// `effect CODE rule-id` (`-` when no rule).
pub fn summary(decision: &Decision<'_>) -> String {
    let rule = decision.rule.map_or("-".to_owned(), |r| r.to_string());
    format!(
        "{} {} {rule}",
        decision.effect.as_str(),
        decision.reason_code
    )
}

/// Decides each request in order and compares each summary with the expectation.
pub fn check(evaluator: &mut Evaluator, cases: &[(String, &str)]) {
    for (i, (request, expect)) in cases.iter().enumerate() {
        let decision = evaluator.decide_json(request);
        let got = summary(&decision);
        assert_eq!(
            got,
            *expect,
            "case {i}: {request}\n  reason: {:?}",
            decision.reason.map(|r| r.to_string())
        );
    }
}

/// Runs `cases` against a fresh evaluator for `policy`.
pub fn run(policy: Policy, cases: &[(String, &str)]) {
    check(&mut evaluator(policy), cases);
}
