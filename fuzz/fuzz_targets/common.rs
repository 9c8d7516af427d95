//! A policy that exercises every part of the evaluator, shared by the runtime's fuzz targets.
#![allow(dead_code)]

use fpl_runtime::Evaluator;
use fpl_runtime::ir::{
    Agent, Budget, BudgetScope, Builtin, CompareOp, CompiledPolicy, Expr, OnExceed, Policy, Rule,
    SourceMap, Window,
};

/// Mandatory denies, selectors of every kind, conditions, egress, limits, custom and audit
/// budgets, and phases (one restricting its tools).
pub fn policy() -> CompiledPolicy {
    let agent = Agent::new("bot")
        .phase("intake")
        .phase_with_tools("locked", &["t/*", "http/get"])
        .var("cap", 500)
        .rate_limit("t/*", 5, Window::Minute)
        .budget(Budget::new(BudgetScope::Session).max_calls(50))
        .budget(
            Budget::custom("t_daily")
                .tools(&["t/*"])
                .max_calls(20)
                .on_exceed(OnExceed::Audit),
        )
        .redact("t/*", &["secret"])
        .credential("t", &[])
        .egress(Some(&["*.ok.com", "10.0.0.1"]), &["bad.ok.com"])
        .alert("deny", "slack://#x")
        .rule(Rule::mandatory_deny("shell/*"))
        .rule(Rule::mandatory_deny("http/*").path(&["/admin/*"]))
        .rule(Rule::mandatory_deny("http/*").header("X-Debug", &["on"]))
        .rule(
            Rule::permit("http/get")
                .host(&["api.ok.com"])
                .method(&["GET"]),
        )
        .rule(
            Rule::permit("http/*")
                .port(&["443", "8000-8100"])
                .query("q", &["a*"]),
        )
        .rule(Rule::defer("t/*").when(Expr::cmp(
            Expr::path("amount"),
            CompareOp::Ge,
            Expr::path("vars.cap"),
        )))
        .rule(Rule::permit("t/*").when(Expr::and(vec![
            Expr::matches(Expr::path("note"), "^ok", false),
            Expr::cmp(
                Expr::call(Builtin::Len, vec![Expr::path("items")]),
                CompareOp::Lt,
                Expr::lit(10),
            ),
        ])))
        .rule(Rule::permit("docs/*").in_phase(0));
    CompiledPolicy::new(Policy::new().agent(agent), SourceMap::default())
}

/// An evaluator over [`policy`].
pub fn evaluator() -> Evaluator {
    Evaluator::new(policy()).expect("the shared fuzz policy is valid")
}
