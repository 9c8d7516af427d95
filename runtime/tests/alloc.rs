//! The hot path allocates nothing: a counting global allocator watches `decide` over a corpus of
//! pre-parsed requests on warm sessions (a session's first decision allocates its state once).
#![allow(unsafe_code)]

mod support;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};

use fpl_runtime::ir::{
    Agent, Budget, BudgetScope, Builtin, CompareOp, Expr, OnExceed, Policy, Rule, Window,
};
use fpl_runtime::{ApprovalCheck, Request};
use support::{d, evaluator};

struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);

// SAFETY: forwards every call to the system allocator unchanged; only counts.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn policy() -> Policy {
    let l = |n: i64| Expr::lit(n);
    let mut agent = Agent::new("pb")
        .phase("intake")
        .phase_with_tools("locked", &["docs/*", "stripe/*"])
        .var("vip", vec!["acme", "globex"])
        .rate_limit("stripe/*", 1_000_000, Window::Minute)
        .budget(
            Budget::new(BudgetScope::Session)
                .max(d("1000000"))
                .warn_at(d("0.5")),
        )
        .budget(
            Budget::custom("charges")
                .tools(&["stripe/charge"])
                .max(d("1"))
                .on_exceed(OnExceed::Audit),
        )
        .budget(
            Budget::custom("crm_daily")
                .tools(&["crm/*"])
                .max_calls(1_000_000),
        )
        .redact("stripe/*", &["card_number", "cvv"])
        .credential("stripe", &[])
        .alert("deny", "slack://#sec")
        .egress(Some(&["*.stripe.com"]), &["evil.stripe.com"])
        .rule(Rule::mandatory_deny("shell/*"))
        .rule(Rule::permit("stripe/charge").when(Expr::cmp(
            Expr::path("amount"),
            CompareOp::Lt,
            l(500),
        )))
        .rule(Rule::defer("stripe/charge").when(Expr::cmp(
            Expr::path("amount"),
            CompareOp::Ge,
            l(500),
        )))
        .rule(Rule::permit("crm/*").when(Expr::and(vec![
            Expr::cmp(
                Expr::call(Builtin::Lower, vec![Expr::path("principal.tenant")]),
                CompareOp::In,
                Expr::path("vars.vip"),
            ),
            Expr::matches(
                Expr::call(Builtin::Upper, vec![Expr::path("note")]),
                "^OK",
                false,
            ),
            Expr::negate(Expr::call(
                Builtin::HistorySequence,
                vec![Expr::lit("db/read"), Expr::lit("mail/*")],
            )),
            Expr::cmp(
                Expr::call(Builtin::HistoryToolCount, vec![Expr::lit("crm/*")]),
                CompareOp::Ge,
                l(0),
            ),
            Expr::cmp(
                Expr::call(Builtin::DenyCountWithin, vec![l(60)]),
                CompareOp::Ge,
                l(0),
            ),
            Expr::cmp(
                Expr::call(Builtin::Len, vec![Expr::path("items")]),
                CompareOp::Eq,
                l(2),
            ),
            Expr::cmp(
                Expr::path("customer.tenant"),
                CompareOp::Eq,
                Expr::path("principal.tenant"),
            ),
        ])))
        .rule(
            Rule::permit("docs/*")
                .in_phase(0)
                .method(&["GET"])
                .port(&["443"]),
        );
    for i in 0..40 {
        agent = agent.rule(Rule::deny(&format!("svc{i}/op")));
    }
    Policy::new().agent(agent.rule(Rule::permit("*")))
}

fn corpus() -> Vec<Request> {
    let t = r#""time":"2026-11-23T18:00:00Z""#;
    [
        format!(r#"{{"agent":"pb","tool":"stripe/charge","args":{{"amount":100,"card_number":"x"}},"session":"s1","cost":0.5,{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"stripe/charge","args":{{"amount":900}},"session":"s1",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"stripe/charge","args":{{}},"session":"s2",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"shell/exec","session":"s1",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"crm/read","args":{{"note":"ok","items":[1,2],"customer":{{"tenant":"ACME"}}}},"principal":{{"tenant":"ACME"}},"session":"s2",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"crm/read","args":{{"note":5}},"session":"s2",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"net/get","args":{{"url":"https://evil.stripe.com/x"}},"session":"s1",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"docs/read","args":{{"method":"get","port":"443"}},"phase":"intake","session":"s1",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"svc17/op","session":"s2",{t}}}"#),
        format!(r#"{{"agent":"pb","tool":"crm/read","phase":"locked","session":"s1",{t}}}"#),
        format!(r#"{{"agent":"nobody","tool":"x",{t}}}"#),
        r#"{"agent":"pb","tool":"bad tool"}"#.to_owned(),
        format!(r#"{{"agent":"pb","tool":"anything/else","session":"s1",{t}}}"#),
    ]
    .iter()
    .map(|text| Request::parse(text))
    .collect()
}

#[test]
fn decide_allocates_nothing_after_warm_up() {
    let mut ev = evaluator(policy());
    let requests = corpus();
    let mut effects = Vec::with_capacity(requests.len());
    // Every way a decision service can tell the evaluator about a request's approval.
    let checks = [
        ApprovalCheck::None,
        ApprovalCheck::Approved,
        ApprovalCheck::Denied,
        ApprovalCheck::Invalid,
    ];
    // Warm-up: sessions created, history slots filled, regex caches built.
    for round in 0..80 {
        for request in &requests {
            ev.decide_with_approval(request, checks[round % checks.len()]);
        }
    }
    let before = ALLOCATIONS.load(Ordering::Relaxed);
    assert!(before > 0, "the counting allocator is installed");
    for round in 0..50 {
        for request in &requests {
            let decision = ev.decide_with_approval(request, checks[round % checks.len()]);
            effects.push((
                decision.effect,
                decision.reason_code,
                decision.redact().count(),
                decision.credentials().count(),
            ));
            effects.clear();
        }
    }
    let after = ALLOCATIONS.load(Ordering::Relaxed);
    assert_eq!(
        after - before,
        0,
        "allocations in {} decisions",
        50 * requests.len()
    );
    // The corpus exercises the interesting paths.
    let codes: Vec<String> = requests
        .iter()
        .map(|r| ev.decide(r).reason_code.to_string())
        .collect();
    for code in [
        "RULE_PERMIT",
        "RULE_DEFER",
        "CONDITION_ERROR",
        "MANDATORY_DENY",
        "EGRESS_DENIED",
        "UNKNOWN_AGENT",
        "INVALID_REQUEST",
        "RULE_DENY",
        "OUT_OF_PHASE_TOOL_CALL",
    ] {
        assert!(
            codes.iter().any(|c| c == code),
            "{code} not exercised: {codes:?}"
        );
    }
}
