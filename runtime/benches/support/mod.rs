//! Policies shared by the runtime's benches.

use fpl_runtime::ir::{Agent, CompareOp, Expr, Policy, Rule};

/// `amount <op> n`.
pub fn amount(op: CompareOp, n: i64) -> Expr {
    Expr::cmp(Expr::path("amount"), op, Expr::lit(n))
}

/// One agent of 10,000 rules: a `deny!`, then per service nine permits with a condition and a
/// deny of the rest.
pub fn ten_thousand_rules() -> Policy {
    let mut agent = Agent::new("big").rule(Rule::mandatory_deny("shell/*"));
    for service in 0..1000 {
        for op in 0..9 {
            agent = agent.rule(
                Rule::permit(&format!("svc{service}/op{op}")).when(amount(CompareOp::Lt, 1000)),
            );
        }
        agent = agent.rule(Rule::deny(&format!("svc{service}/*")));
    }
    Policy::new().agent(agent)
}
