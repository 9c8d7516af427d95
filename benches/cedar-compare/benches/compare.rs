//! fpl-runtime against cedar-policy on the same requests, deciding an equivalent policy:
//! charges under 500 are permitted, shell is forbidden, everything else is denied by default.
//! The ratio of the two medians is the figure reported in BENCHMARKS.md.

use std::str::FromStr;

use cedar_policy::{Authorizer, Context, Entities, EntityUid, PolicySet, Request as CedarRequest};
use criterion::{Criterion, criterion_group, criterion_main};
use fpl_runtime::ir::{CompareOp, CompiledPolicy, Expr, Policy, Rule, SourceMap};
use fpl_runtime::ir::Agent;
use fpl_runtime::{Evaluator, Request};

const CEDAR_POLICY: &str = r#"
permit(principal, action == Action::"stripe/charge", resource) when { context.amount < 500 };
forbid(principal, action == Action::"shell/exec", resource);
"#;

/// (tool, amount) of the requests both engines decide.
const REQUESTS: &[(&str, i64)] = &[("stripe/charge", 20), ("stripe/charge", 650), ("shell/exec", 0), ("http/get", 1)];

fn fpl_evaluator() -> Evaluator {
    let policy = Policy::new().agent(
        Agent::new("payments-bot")
            .rule(Rule::permit("stripe/charge").when(Expr::cmp(Expr::path("amount"), CompareOp::Lt, Expr::lit(500))))
            .rule(Rule::mandatory_deny("shell/exec")),
    );
    Evaluator::new(CompiledPolicy::new(policy, SourceMap::default())).expect("valid policy")
}

fn cedar_requests() -> Vec<CedarRequest> {
    REQUESTS
        .iter()
        .map(|(tool, amount)| {
            let context = Context::from_json_str(&format!(r#"{{"amount": {amount}}}"#), None).expect("context");
            CedarRequest::new(
                EntityUid::from_str(r#"Agent::"payments-bot""#).expect("principal"),
                EntityUid::from_str(&format!(r#"Action::"{tool}""#)).expect("action"),
                EntityUid::from_str(r#"Tool::"any""#).expect("resource"),
                context,
                None,
            )
            .expect("request")
        })
        .collect()
}

fn compare(c: &mut Criterion) {
    let mut evaluator = fpl_evaluator();
    let fpl_requests: Vec<Request> = REQUESTS
        .iter()
        .map(|(tool, amount)| Request::parse(&format!(r#"{{"agent":"payments-bot","tool":"{tool}","args":{{"amount":{amount}}},"time":"2026-11-23T18:00:00Z"}}"#)))
        .collect();
    let policies = PolicySet::from_str(CEDAR_POLICY).expect("cedar policy");
    let entities = Entities::empty();
    let authorizer = Authorizer::new();
    let cedar = cedar_requests();

    // Both engines must agree before their speed is compared.
    for (fpl_request, cedar_request) in fpl_requests.iter().zip(&cedar) {
        let fpl_permits = evaluator.decide(fpl_request).effect == fpl_runtime::ir::Effect::Permit;
        let cedar_permits = authorizer.is_authorized(cedar_request, &policies, &entities).decision() == cedar_policy::Decision::Allow;
        assert_eq!(fpl_permits, cedar_permits);
    }

    let mut group = c.benchmark_group("fpl_vs_cedar");
    group.bench_function("fpl_runtime_4_requests", |b| {
        b.iter(|| {
            for request in &fpl_requests {
                std::hint::black_box(evaluator.decide(request).effect);
            }
        })
    });
    group.bench_function("cedar_policy_4_requests", |b| {
        b.iter(|| {
            for request in &cedar {
                std::hint::black_box(authorizer.is_authorized(request, &policies, &entities).decision());
            }
        })
    });
    group.finish();
}

criterion_group!(benches, compare);
criterion_main!(benches);
