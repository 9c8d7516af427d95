//! SPEC §17 in the evaluator: what a decision service learned about a request's approval
//! ([`ApprovalCheck`]) decides a `defer`, never a `deny`, and the limits still apply.

mod support;

use fpl_runtime::ir::{Agent, CompareOp, Expr, Policy, Rule, Window};
use fpl_runtime::{ApprovalCheck, Evaluator, Request};
use support::{evaluator, req, req_with, summary};

/// Charges under 500 permitted, others deferred; shell calls and charges to `evil.com` denied;
/// interns never charge; two charges a day.
fn payments() -> Evaluator {
    let amount_lt = |n: i64| Expr::cmp(Expr::path("amount"), CompareOp::Lt, Expr::lit(n));
    let intern = Expr::cmp(
        Expr::path("principal.role"),
        CompareOp::Eq,
        Expr::lit("intern"),
    );
    evaluator(
        Policy::new().agent(
            Agent::new("pb")
                .rule(Rule::mandatory_deny("stripe/charge").when(intern))
                .rule(Rule::deny("shell/*"))
                .rule(Rule::permit("stripe/charge").when(amount_lt(500)))
                .rule(Rule::defer("stripe/charge").reason("large charge"))
                .rate_limit("stripe/charge", 2, Window::Day)
                .egress(None, &["evil.com"])
                .credential("stripe", &["stripe/*"]),
        ),
    )
}

/// Decides `request` with `check`: `effect CODE rule [warnings]`.
fn decide(ev: &mut Evaluator, request: &str, check: ApprovalCheck) -> String {
    let request = Request::parse(request);
    let decision = ev.decide_with_approval(&request, check);
    let mut out = summary(&decision);
    for warning in decision.warnings {
        out.push(' ');
        out.push_str(warning);
    }
    if decision.credentials().next().is_some() {
        out.push_str(" +credentials");
    }
    out
}

#[test]
fn an_approved_defer_is_a_permit_with_its_rule_and_credentials() {
    let mut ev = payments();
    let large = req("pb", "stripe/charge", r#"{"amount":900}"#);
    assert_eq!(
        decide(&mut ev, &large, ApprovalCheck::None),
        "defer RULE_DEFER pb/4"
    );
    assert_eq!(
        decide(&mut ev, &large, ApprovalCheck::Approved),
        "permit APPROVED pb/4 +credentials"
    );
    // A call the policy permits anyway is decided as usual.
    let small = req("pb", "stripe/charge", r#"{"amount":9}"#);
    assert_eq!(
        decide(&mut ev, &small, ApprovalCheck::Approved),
        "permit RULE_PERMIT pb/3 +credentials"
    );
}

#[test]
fn an_approval_never_turns_a_deny_into_a_permit() {
    let mut ev = payments();
    let cases = [
        (
            req_with(
                "pb",
                "stripe/charge",
                r#"{"amount":900}"#,
                r#""principal":{"role":"intern"}"#,
            ),
            "deny MANDATORY_DENY pb/1",
        ),
        (
            req("pb", "stripe/charge", r#"{"amount":900,"host":"evil.com"}"#),
            "deny EGRESS_DENIED -",
        ),
        (req("pb", "shell/exec", "{}"), "deny RULE_DENY pb/2"),
        (req("pb", "other", "{}"), "deny DEFAULT_DENY -"),
    ];
    for (request, expected) in &cases {
        assert_eq!(
            decide(&mut ev, request, ApprovalCheck::Approved),
            *expected,
            "{request}"
        );
    }
}

#[test]
fn a_denied_approval_denies_what_the_policy_does_not() {
    let mut ev = payments();
    let large = req("pb", "stripe/charge", r#"{"amount":900}"#);
    assert_eq!(
        decide(&mut ev, &large, ApprovalCheck::Denied),
        "deny APPROVAL_DENIED pb/4"
    );
    let small = req("pb", "stripe/charge", r#"{"amount":9}"#);
    assert_eq!(
        decide(&mut ev, &small, ApprovalCheck::Denied),
        "deny APPROVAL_DENIED pb/3"
    );
    // The policy's own deny keeps its code.
    assert_eq!(
        decide(
            &mut ev,
            &req("pb", "shell/exec", "{}"),
            ApprovalCheck::Denied
        ),
        "deny RULE_DENY pb/2"
    );
}

#[test]
fn an_invalid_approval_only_adds_a_warning() {
    let mut ev = payments();
    let large = req("pb", "stripe/charge", r#"{"amount":900}"#);
    assert_eq!(
        decide(&mut ev, &large, ApprovalCheck::Invalid),
        "defer RULE_DEFER pb/4 APPROVAL_INVALID"
    );
    assert_eq!(
        decide(
            &mut ev,
            &req("pb", "shell/exec", "{}"),
            ApprovalCheck::Invalid
        ),
        "deny RULE_DENY pb/2 APPROVAL_INVALID"
    );
}

#[test]
fn an_approved_permit_meets_the_limits_and_counts_against_them() {
    let mut ev = payments();
    let large = req("pb", "stripe/charge", r#"{"amount":900}"#);
    let small = req("pb", "stripe/charge", r#"{"amount":9}"#);
    assert_eq!(
        decide(&mut ev, &large, ApprovalCheck::Approved),
        "permit APPROVED pb/4 +credentials"
    );
    assert_eq!(
        decide(&mut ev, &small, ApprovalCheck::None),
        "permit RULE_PERMIT pb/3 +credentials"
    );
    // Two charges today: the approved call is stopped by the rate limit like any permit.
    assert_eq!(
        decide(&mut ev, &large, ApprovalCheck::Approved),
        "deny RATE_EXCEEDED pb/4"
    );
}
