//! Criterion benches of `Evaluator::decide` on pre-parsed requests (warm sessions):
//! a one-rule permit, a payments-bot policy with conditions and limits, and 10,000 rules.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

mod support;
use fpl_runtime::ir::{
    Agent, Budget, BudgetScope, CompareOp, CompiledPolicy, Policy, Rule, SourceMap, Window,
};
use fpl_runtime::{Decimal, Evaluator, Request};
use support::{amount, ten_thousand_rules};

fn evaluator(policy: Policy) -> Evaluator {
    Evaluator::new(CompiledPolicy::new(policy, SourceMap::default())).expect("valid bench policy")
}

fn payments_bot() -> Policy {
    Policy::new().agent(
        Agent::new("payments-bot")
            .rule(Rule::permit("stripe/charge").when(amount(CompareOp::Lt, 500)))
            .rule(
                Rule::defer("stripe/charge")
                    .when(amount(CompareOp::Ge, 500))
                    .reason("high value"),
            )
            .rule(Rule::mandatory_deny("shell/*"))
            .rate_limit("stripe/*", u64::MAX, Window::Minute)
            .budget(
                Budget::new(BudgetScope::Session)
                    .max(Decimal::from_int(1_000_000_000))
                    .max_calls(u64::MAX),
            ),
    )
}

fn bench(c: &mut Criterion) {
    let time = r#""time":"2026-11-23T18:00:00Z""#;
    let cases = [
        (
            "simple_permit",
            Policy::new().agent(Agent::new("a").rule(Rule::permit("read"))),
            format!(r#"{{"agent":"a","tool":"read","session":"s",{time}}}"#),
            "permit",
        ),
        (
            "payments_bot",
            payments_bot(),
            format!(
                r#"{{"agent":"payments-bot","tool":"stripe/charge","args":{{"amount":120}},"session":"s","cost":0.01,{time}}}"#
            ),
            "permit",
        ),
        (
            "ten_thousand_rules",
            ten_thousand_rules(),
            format!(
                r#"{{"agent":"big","tool":"svc500/op5","args":{{"amount":10}},"session":"s",{time}}}"#
            ),
            "permit",
        ),
    ];
    let mut group = c.benchmark_group("decide");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    for (name, policy, text, expect) in cases {
        let mut ev = evaluator(policy);
        let request = Request::parse(&text);
        assert_eq!(ev.decide(&request).effect.as_str(), expect, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| black_box(ev.decide(black_box(&request)).effect))
        });
    }
    group.finish();
}

/// Parsing untrusted request text: a typical request, and one object of 200,000 keys (2.6 MB),
/// whose duplicate-key check must stay O(n log n).
fn parse(c: &mut Criterion) {
    let typical = r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":120,"currency":"usd","customer":{"tenant":"acme"}},"session":"s","cost":0.01,"time":"2026-11-23T18:00:00Z"}"#;
    let mut wide = String::from(r#"{"agent":"nobody","tool":"t/x","args":{"#);
    for i in 0..200_000 {
        wide.push_str(&format!("\"key{i:07}\":1,"));
    }
    wide.push_str("\"last\":1}}");
    let mut group = c.benchmark_group("parse");
    group
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_secs(1));
    let mut request = Request::default();
    for (name, text) in [("typical", typical), ("200k_keys", wide.as_str())] {
        request.parse_into(text);
        assert_eq!(request.invalid_reason(), None, "{name}");
        group.bench_function(name, |b| {
            b.iter(|| {
                request.parse_into(black_box(text));
                black_box(request.invalid_reason())
            })
        });
    }
    group.finish();
}

criterion_group!(benches, bench, parse);
criterion_main!(benches);
