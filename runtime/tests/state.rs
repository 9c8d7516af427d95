//! State kept in a [`StateStore`] (§6.5, §17): counts are keyed by what stays the same across
//! policy versions, so a new version continues them; deciding with a store kept apart equals
//! deciding with the evaluator's own state; a store sees each decision's change by key.

mod support;

use fpl_runtime::ir::{
    Agent, Budget, BudgetScope, Builtin, CompareOp, Effect, Expr, Policy, Rule, Window,
};
use fpl_runtime::state::{AgentState, Change, MemoryStore, RateKey, StateStore};
use fpl_runtime::{ApprovalCheck, Evaluator, Request};
use support::{d, evaluator, req_with, summary};

/// 3 charges a minute; $10 a session; refunds counted per day by a custom budget.
fn limited(extra_rule: bool) -> Policy {
    let mut agent = Agent::new("pb")
        .rate_limit("stripe/charge", 3, Window::Minute)
        .budget(Budget::new(BudgetScope::Session).max(d("10")))
        .budget(
            Budget::custom("refunds")
                .tools(&["stripe/refund"])
                .max_calls(2),
        );
    if extra_rule {
        agent = agent.rule(Rule::mandatory_deny("shell/*"));
    }
    Policy::new().agent(
        agent
            .rule(Rule::permit("stripe/*"))
            .rule(Rule::deny("mail/send").when(Expr::cmp(
                Expr::call(Builtin::HistoryToolCount, vec![Expr::lit("stripe/*")]),
                CompareOp::Ge,
                Expr::lit(2),
            )))
            .rule(Rule::permit("mail/send")),
    )
}

fn request(tool: &str, session: &str, cost: &str) -> Request {
    Request::parse(&req_with(
        "pb",
        tool,
        "{}",
        &format!(r#""session":"{session}","cost":{cost}"#),
    ))
}

fn decide(ev: &mut Evaluator, store: &mut MemoryStore, r: &Request) -> String {
    summary(&ev.decide_with(store, r, ApprovalCheck::None))
}

#[test]
fn a_new_policy_version_continues_the_counts_of_the_last() {
    let mut store = MemoryStore::new();
    let mut v1 = evaluator(limited(false));
    for _ in 0..3 {
        assert_eq!(
            decide(&mut v1, &mut store, &request("stripe/charge", "a", "0")),
            "permit RULE_PERMIT pb/1"
        );
    }
    for _ in 0..2 {
        assert_eq!(
            decide(&mut v1, &mut store, &request("stripe/refund", "b", "4")),
            "permit RULE_PERMIT pb/1"
        );
    }
    let mut v2 = evaluator(limited(true));
    assert_ne!(v1.policy_digest(), v2.policy_digest());
    // Rate limit, custom budget, session budget and history all carry over.
    assert_eq!(
        decide(&mut v2, &mut store, &request("stripe/charge", "a", "0")),
        "deny RATE_EXCEEDED pb/2"
    );
    assert_eq!(
        decide(&mut v2, &mut store, &request("stripe/refund", "c", "0")),
        "deny BUDGET_EXCEEDED pb/2"
    );
    assert_eq!(
        decide(&mut v2, &mut store, &request("stripe/thing", "b", "3")),
        "deny BUDGET_EXCEEDED pb/2"
    );
    assert_eq!(
        decide(&mut v2, &mut store, &request("mail/send", "b", "0")),
        "deny RULE_DENY pb/3"
    );
    // A session the old version never saw starts afresh.
    assert_eq!(
        decide(&mut v2, &mut store, &request("mail/send", "new", "0")),
        "permit RULE_PERMIT pb/4"
    );
}

#[test]
fn a_rate_limit_with_another_window_is_another_counter() {
    let mut store = MemoryStore::new();
    let mut minute = evaluator(limited(false));
    for _ in 0..3 {
        minute.decide_with(
            &mut store,
            &request("stripe/charge", "a", "0"),
            ApprovalCheck::None,
        );
    }
    let hourly = Policy::new().agent(
        Agent::new("pb")
            .rate_limit("stripe/charge", 3, Window::Hour)
            .rule(Rule::permit("stripe/*")),
    );
    let mut hour = evaluator(hourly);
    assert_eq!(
        decide(&mut hour, &mut store, &request("stripe/charge", "a", "0")),
        "permit RULE_PERMIT pb/1"
    );
    let state = store.agent("pb").expect("the agent's state");
    let counted = |seconds| {
        state
            .rate(RateKey {
                pattern: "stripe/charge",
                seconds,
            })
            .count
    };
    assert_eq!((counted(60), counted(3600)), (3, 1));
}

#[test]
fn two_limits_with_one_key_share_a_counter_and_count_a_call_once() {
    let policy = Policy::new().agent(
        Agent::new("pb")
            .rate_limit("stripe/charge", 5, Window::Minute)
            .rate_limit("stripe/charge", 2, Window::Minute)
            .rule(Rule::permit("stripe/*")),
    );
    let mut ev = evaluator(policy);
    let mut store = MemoryStore::new();
    for _ in 0..2 {
        assert_eq!(
            decide(&mut ev, &mut store, &request("stripe/charge", "a", "0")),
            "permit RULE_PERMIT pb/1"
        );
    }
    assert_eq!(
        decide(&mut ev, &mut store, &request("stripe/charge", "a", "0")),
        "deny RATE_EXCEEDED pb/1"
    );
    let state = store.agent("pb").expect("state");
    assert_eq!(
        state
            .rate(RateKey {
                pattern: "stripe/charge",
                seconds: 60
            })
            .count,
        2
    );
}

#[test]
fn deciding_with_a_store_kept_apart_equals_deciding_with_the_evaluators_own_state() {
    let requests: Vec<Request> = (0..40)
        .map(|i| {
            let tool = ["stripe/charge", "stripe/refund", "mail/send", "stripe/x"][i % 4];
            request(tool, ["a", "b", "c"][i % 3], ["0", "1.5", "3"][i % 3])
        })
        .collect();
    let mut own = evaluator(limited(false));
    let mut apart = evaluator(limited(false));
    let mut store = MemoryStore::new();
    for r in &requests {
        assert_eq!(summary(&own.decide(r)), decide(&mut apart, &mut store, r));
    }
}

/// A store that records the changes it is given, by key.
#[derive(Default)]
struct Recording {
    state: MemoryStore,
    seen: Vec<String>,
}

impl StateStore for Recording {
    fn agent(&self, agent: &str) -> Option<&AgentState> {
        self.state.agent(agent)
    }

    fn commit(&mut self, change: &Change<'_>) {
        let rates: Vec<String> = change
            .rates()
            .map(|k| format!("{}/{}", k.pattern, k.seconds))
            .collect();
        let budgets: Vec<&str> = change.budgets().collect();
        self.seen.push(format!(
            "{} {} {} {} rates={rates:?} budgets={budgets:?} session={} history={}",
            change.agent(),
            change.session(),
            change.tool(),
            change.effect().as_str(),
            change.keeps_session(),
            change.keeps_history(),
        ));
        self.state.commit(change);
    }
}

#[test]
fn a_store_sees_each_decisions_change_by_key_and_a_deny_counts_nothing() {
    let mut ev = evaluator(limited(false));
    let mut store = Recording::default();
    ev.decide_with(
        &mut store,
        &request("stripe/refund", "s", "1"),
        ApprovalCheck::None,
    );
    ev.decide_with(
        &mut store,
        &request("shell/x", "s", "0"),
        ApprovalCheck::None,
    );
    let unknown = Request::parse(r#"{"agent":"nobody","tool":"x"}"#);
    assert_eq!(
        ev.decide_with(&mut store, &unknown, ApprovalCheck::None)
            .effect,
        Effect::Deny
    );
    assert_eq!(
        store.seen,
        [
            r#"pb s stripe/refund permit rates=[] budgets=["refunds"] session=true history=true"#,
            "pb s shell/x deny rates=[] budgets=[] session=true history=true",
        ]
    );
    let session = store
        .agent("pb")
        .and_then(|a| a.session("s"))
        .expect("session");
    assert_eq!((session.calls, session.cost), (1, d("1")));
    assert_eq!(session.history.iter().count(), 2);
}

#[test]
fn an_agent_that_keeps_no_state_needs_no_store() {
    let stateless = Policy::new().agent(Agent::new("pb").rule(Rule::permit("*")));
    let ev = evaluator(stateless);
    assert_eq!(ev.state_agent(&request("x/y", "s", "0")), None);
    let ev = evaluator(limited(false));
    assert_eq!(ev.state_agent(&request("x/y", "s", "0")), Some("pb"));
    assert_eq!(
        ev.state_agent(&Request::parse(r#"{"agent":"nobody","tool":"x"}"#)),
        None
    );
    assert_eq!(
        ev.state_agent(&Request::parse(r#"{"agent":"pb","tool":"bad tool"}"#)),
        None
    );
}
