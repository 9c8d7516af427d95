//! SPEC §6 case by case: each test builds a small policy with the IR builders and lists
//! requests with the decisions they must get (`effect CODE rule`).

mod support;

use fpl_runtime::ir::{
    Agent, Budget, BudgetScope, Builtin, CompareOp, Effect, Expr, OnExceed, Policy, Rule, Value,
    Window,
};
use support::{check, d, evaluator, req, req_with, run, summary};

fn l(value: impl Into<Value>) -> Expr {
    Expr::lit(value)
}

fn policy(agent: Agent) -> Policy {
    Policy::new().agent(agent)
}

fn amount_lt(n: i64) -> Expr {
    Expr::cmp(Expr::path("amount"), CompareOp::Lt, Expr::lit(n))
}

#[test]
fn agent_lookup_and_defaults() {
    let p = Policy::new()
        .agent(Agent::new("a").rule(Rule::permit("read")))
        .agent(Agent::new("b").default_effect(Effect::Permit))
        .agent(Agent::new("c").default_effect(Effect::Defer));
    run(
        p,
        &[
            (req("a", "read", "{}"), "permit RULE_PERMIT a/1"),
            (req("a", "write", "{}"), "deny DEFAULT_DENY -"),
            (req("b", "write", "{}"), "permit DEFAULT_PERMIT -"),
            (req("c", "write", "{}"), "defer DEFAULT_DEFER -"),
            (req("nobody", "read", "{}"), "deny UNKNOWN_AGENT -"),
        ],
    );
}

#[test]
fn mandatory_deny_beats_earlier_permit_star() {
    let p = policy(
        Agent::new("pb")
            .rule(Rule::permit("*"))
            .rule(Rule::mandatory_deny("shell/*").reason("no shells"))
            .rule(Rule::deny("stripe/*")),
    );
    let mut ev = evaluator(p);
    check(
        &mut ev,
        &[
            (req("pb", "shell/exec", "{}"), "deny MANDATORY_DENY pb/2"),
            (
                req("pb", "shell/exec/bash", "{}"),
                "deny MANDATORY_DENY pb/2",
            ),
            (req("pb", "shell", "{}"), "permit RULE_PERMIT pb/1"),
            (req("pb", "stripe/charge", "{}"), "permit RULE_PERMIT pb/1"),
        ],
    );
    let decision = ev.decide_json(&req("pb", "shell/x", "{}"));
    assert_eq!(
        decision.reason.map(|r| r.to_string()).as_deref(),
        Some("no shells")
    );
}

#[test]
fn first_match_wins_in_source_order() {
    let p = policy(
        Agent::new("a")
            .rule(Rule::defer("stripe/refund").when(Expr::cmp(
                Expr::path("amount"),
                CompareOp::Gt,
                Expr::lit(100),
            )))
            .rule(Rule::permit("stripe/*"))
            .rule(Rule::deny("stripe/refund")),
    );
    run(
        p,
        &[
            (
                req("a", "stripe/refund", r#"{"amount":500}"#),
                "defer RULE_DEFER a/1",
            ),
            (
                req("a", "stripe/refund", r#"{"amount":5}"#),
                "permit RULE_PERMIT a/2",
            ),
        ],
    );
}

#[test]
fn phases_select_rules_in_place() {
    let p = policy(
        Agent::new("a")
            .phase("intake")
            .phase("review")
            .rule(Rule::deny("docs/secret"))
            .rule(Rule::permit("docs/*").in_phase(0))
            .rule(Rule::mandatory_deny("docs/delete").in_phase(1))
            .rule(Rule::defer("docs/*")),
    );
    let phased =
        |phase: &str, tool: &str| req_with("a", tool, "{}", &format!(r#""phase":"{phase}""#));
    run(
        p,
        &[
            (phased("intake", "docs/read"), "permit RULE_PERMIT a/2"),
            (phased("intake", "docs/secret"), "deny RULE_DENY a/1"),
            (phased("intake", "docs/delete"), "permit RULE_PERMIT a/2"),
            (phased("review", "docs/read"), "defer RULE_DEFER a/4"),
            (phased("review", "docs/delete"), "deny MANDATORY_DENY a/3"),
            (phased("nope", "docs/read"), "defer RULE_DEFER a/4"),
            (req("a", "docs/read", "{}"), "defer RULE_DEFER a/4"),
            (req("a", "docs/delete", "{}"), "defer RULE_DEFER a/4"),
        ],
    );
}

/// One condition per case: the rule `permit t when <cond>` against `args`.
fn condition_cases(cases: &[(Expr, &str, &str)]) {
    for (i, (condition, args, expect)) in cases.iter().enumerate() {
        let p = policy(
            Agent::new("a")
                .var("limit", 100)
                .var("roles", vec!["admin", "ops"])
                .rule(Rule::permit("t").when(condition.clone())),
        );
        let mut ev = evaluator(p);
        let request = req_with(
            "a",
            "t",
            args,
            r#""principal":{"role":"ops","tenant":"acme"},"session":"s-1""#,
        );
        let decision = ev.decide_json(&request);
        let got = summary(&decision);
        let want = match *expect {
            "true" => "permit RULE_PERMIT a/1",
            "false" => "deny DEFAULT_DENY -",
            _ => "deny CONDITION_ERROR a/1",
        };
        assert_eq!(
            got,
            want,
            "case {i}: `{condition}` with {args}: {:?}",
            decision.reason.map(|r| r.to_string())
        );
        if *expect != "true" && *expect != "false" {
            let reason = decision.reason.map(|r| r.to_string()).unwrap_or_default();
            assert!(
                reason.contains(expect),
                "case {i}: reason {reason:?} should mention {expect:?}"
            );
        }
    }
}

#[test]
fn every_operator() {
    use CompareOp::*;
    let p = Expr::path;
    let c = Expr::cmp;
    condition_cases(&[
        (c(p("amount"), Eq, l(5)), r#"{"amount":5.0}"#, "true"),
        (c(p("amount"), Eq, l(5)), r#"{"amount":"5"}"#, "false"),
        (c(p("amount"), Ne, l(5)), r#"{"amount":6}"#, "true"),
        (
            c(p("amount"), Lt, l(500)),
            r#"{"amount":499.999999}"#,
            "true",
        ),
        (c(p("amount"), Lt, l(500)), r#"{"amount":500}"#, "false"),
        (c(p("amount"), Le, l(500)), r#"{"amount":5e2}"#, "true"),
        (c(p("amount"), Gt, l(500)), r#"{"amount":501}"#, "true"),
        (c(p("amount"), Ge, l(500)), r#"{"amount":499}"#, "false"),
        (
            c(p("amount"), Lt, l(500)),
            r#"{}"#,
            "`<` needs numbers but `args.amount` is null",
        ),
        (
            c(p("amount"), Lt, l(500)),
            r#"{"amount":"12"}"#,
            "`args.amount` is a string",
        ),
        (
            c(p("amount"), Lt, l(500)),
            r#"{"amount":0.1234567}"#,
            "not exact",
        ),
        (
            c(p("amount"), Eq, l(1)),
            r#"{"amount":1e400}"#,
            "`==` needs exact values",
        ),
        (
            c(p("currency"), In, l(vec!["usd", "eur"])),
            r#"{"currency":"eur"}"#,
            "true",
        ),
        (
            c(p("currency"), NotIn, l(vec!["usd", "eur"])),
            r#"{"currency":"gbp"}"#,
            "true",
        ),
        (
            c(p("currency"), In, p("list")),
            r#"{"currency":"x","list":["x"]}"#,
            "true",
        ),
        (
            c(p("currency"), In, l("usd")),
            r#"{"currency":"usd"}"#,
            "`in` needs a list",
        ),
        (c(p("n"), In, l(vec![1, 2])), r#"{"n":2.000}"#, "true"),
        (c(p("missing"), In, l(vec![Value::Null])), r#"{}"#, "true"),
        (
            c(p("missing"), In, p("list")),
            r#"{"list":[null]}"#,
            "false",
        ),
        (
            Expr::matches(p("sql"), "(?i)\\b(DROP|DELETE)\\b", false),
            r#"{"sql":"drop table x"}"#,
            "true",
        ),
        (
            Expr::matches(p("sql"), "^select", false),
            r#"{"sql":"xselect"}"#,
            "false",
        ),
        (
            Expr::matches(p("sql"), "DROP", true),
            r#"{"sql":"select"}"#,
            "true",
        ),
        (
            Expr::matches(p("sql"), "DROP", false),
            r#"{"sql":7}"#,
            "`matches` needs a string",
        ),
        (
            Expr::matches(p("sql"), ":(){:|:&};:", false),
            r#"{"sql":"run :(){:|:&};: now"}"#,
            "true",
        ),
        (
            c(p("tags"), Contains, l("x")),
            r#"{"tags":["a","x"]}"#,
            "true",
        ),
        (c(p("tags"), Contains, l("x")), r#"{"tags":["a"]}"#, "false"),
        (
            c(p("text"), Contains, l("lo w")),
            r#"{"text":"hello world"}"#,
            "true",
        ),
        (
            c(p("text"), Contains, l(1)),
            r#"{"text":"hello"}"#,
            "`contains` needs a string",
        ),
        (
            c(p("text"), Contains, l("x")),
            r#"{"text":5}"#,
            "`contains` needs a list or a string",
        ),
        (
            c(p("path"), StartsWith, l("/tmp/")),
            r#"{"path":"/tmp/x"}"#,
            "true",
        ),
        (
            c(p("path"), EndsWith, l(".pem")),
            r#"{"path":"/k/id.pem"}"#,
            "true",
        ),
        (
            c(p("path"), EndsWith, l(".pem")),
            r#"{"path":null}"#,
            "`ends_with` needs strings",
        ),
        (
            Expr::and(vec![l(true), c(p("a"), Eq, l(1))]),
            r#"{"a":1}"#,
            "true",
        ),
        (Expr::and(vec![l(false), p("nope")]), r#"{}"#, "false"),
        (
            Expr::and(vec![l(true), p("nope")]),
            r#"{}"#,
            "`and` needs a boolean but `args.nope` is null",
        ),
        (Expr::or(vec![l(true), p("nope")]), r#"{}"#, "true"),
        (
            Expr::or(vec![l(false), p("flag")]),
            r#"{"flag":false}"#,
            "false",
        ),
        (
            Expr::or(vec![l(false), p("flag")]),
            r#"{"flag":1}"#,
            "`or` needs a boolean",
        ),
        (Expr::negate(p("flag")), r#"{"flag":false}"#, "true"),
        (Expr::negate(p("flag")), r#"{}"#, "`not` needs a boolean"),
        (p("flag"), r#"{"flag":true}"#, "true"),
        (
            p("amount"),
            r#"{"amount":1}"#,
            "`when` needs a boolean but `args.amount` is a number",
        ),
        (
            c(p("obj"), Eq, p("obj2")),
            r#"{"obj":{"a":[1,{"b":null}]},"obj2":{"a":[1.0,{"b":null}]}}"#,
            "true",
        ),
        (
            c(p("obj"), Eq, p("obj2")),
            r#"{"obj":{"a":1},"obj2":{"a":1,"b":2}}"#,
            "false",
        ),
        (
            c(p("list"), Eq, l(vec!["a", "b"])),
            r#"{"list":["a","b"]}"#,
            "true",
        ),
        (
            c(p("list"), Eq, l(vec!["a", "b"])),
            r#"{"list":["b","a"]}"#,
            "false",
        ),
    ]);
}

#[test]
fn null_rule() {
    use CompareOp::*;
    let p = Expr::path;
    let c = Expr::cmp;
    condition_cases(&[
        (
            c(p("customer.tenant"), Eq, p("principal.tenant")),
            r#"{"customer":{"tenant":"acme"}}"#,
            "true",
        ),
        (
            c(p("customer.tenant"), Eq, p("principal.missing")),
            r#"{}"#,
            "false",
        ),
        (
            c(p("customer.tenant"), Ne, p("principal.missing")),
            r#"{}"#,
            "true",
        ),
        (c(p("x"), Eq, Expr::null()), r#"{}"#, "true"),
        (c(p("x"), Eq, Expr::null()), r#"{"x":null}"#, "true"),
        (c(p("x"), Eq, Expr::null()), r#"{"x":0}"#, "false"),
        (c(Expr::null(), Ne, p("x")), r#"{"x":0}"#, "true"),
        (c(Expr::null(), Eq, Expr::null()), r#"{}"#, "true"),
        (c(p("x"), Eq, p("y")), r#"{"x":null,"y":null}"#, "false"),
    ]);
}

#[test]
fn paths_and_builtin_values() {
    use CompareOp::*;
    let p = Expr::path;
    let c = Expr::cmp;
    condition_cases(&[
        (
            c(p("args.customer.tenant"), Eq, l("acme")),
            r#"{"customer":{"tenant":"acme"}}"#,
            "true",
        ),
        (
            c(p("customer.tenant.deeper"), Eq, Expr::null()),
            r#"{"customer":{"tenant":"acme"}}"#,
            "true",
        ),
        (c(p("principal.role"), In, p("vars.roles")), r#"{}"#, "true"),
        (
            c(p("amount"), Lt, p("vars.limit")),
            r#"{"amount":99}"#,
            "true",
        ),
        (c(p("tool.name"), Eq, l("t")), r#"{}"#, "true"),
        (c(p("agent.name"), Eq, l("a")), r#"{}"#, "true"),
        (c(p("session.id"), Eq, l("s-1")), r#"{}"#, "true"),
        (c(p("session.calls"), Eq, l(0)), r#"{}"#, "true"),
        (c(p("session.cost"), Eq, l(0)), r#"{}"#, "true"),
        (c(p("session.daily_cost"), Eq, l(0)), r#"{}"#, "true"),
        // 2026-11-23T18:00:00Z is a Monday.
        (c(p("time.hour"), Eq, l(18)), r#"{}"#, "true"),
        (c(p("time.weekday"), Eq, l(1)), r#"{}"#, "true"),
        (c(p("time.day"), Eq, l(23)), r#"{}"#, "true"),
        (c(p("time.month"), Eq, l(11)), r#"{}"#, "true"),
        (c(p("time.unix"), Eq, l(1_795_456_800)), r#"{}"#, "true"),
    ]);
}

#[test]
fn every_builtin() {
    use CompareOp::*;
    let p = Expr::path;
    let c = Expr::cmp;
    let call = Expr::call;
    condition_cases(&[
        (
            c(call(Builtin::Len, vec![p("s")]), Eq, l(3)),
            r#"{"s":"héé"}"#,
            "true",
        ),
        (
            c(call(Builtin::Len, vec![p("s")]), Eq, l(2)),
            r#"{"s":[1,[2,3]]}"#,
            "true",
        ),
        (
            c(call(Builtin::Len, vec![p("s")]), Eq, l(2)),
            r#"{"s":5}"#,
            "`len` needs a string or a list",
        ),
        (
            c(call(Builtin::Lower, vec![p("s")]), Eq, l("ÉTÉ x")),
            r#"{"s":"ÉTÉ X"}"#,
            "false",
        ),
        (
            c(call(Builtin::Lower, vec![p("s")]), Eq, l("été x")),
            r#"{"s":"ÉTÉ X"}"#,
            "true",
        ),
        (
            c(
                call(Builtin::Upper, vec![call(Builtin::Lower, vec![p("s")])]),
                Eq,
                l("ABC"),
            ),
            r#"{"s":"aBc"}"#,
            "true",
        ),
        (
            Expr::matches(call(Builtin::Lower, vec![p("s")]), "^drop", false),
            r#"{"s":"DROP x"}"#,
            "true",
        ),
        (
            c(call(Builtin::Lower, vec![p("s")]), In, l(vec!["a", "b"])),
            r#"{"s":"B"}"#,
            "true",
        ),
        (
            c(call(Builtin::Upper, vec![p("s")]), Eq, l("X")),
            r#"{}"#,
            "`upper` needs a string",
        ),
        (
            call(Builtin::Purpose, vec![l("Billing")]),
            r#"{"purpose":"billing"}"#,
            "true",
        ),
        (
            call(Builtin::Purpose, vec![l("billing")]),
            r#"{"purpose":"support"}"#,
            "false",
        ),
        (call(Builtin::Purpose, vec![l("billing")]), r#"{}"#, "false"),
        (
            call(Builtin::Purpose, vec![l("billing")]),
            r#"{"purpose":3}"#,
            "`purpose` needs a string but `args.purpose` is a number",
        ),
        (
            c(call(Builtin::ArgsArrayLen, vec![l("items")]), Eq, l(2)),
            r#"{"items":[1,2]}"#,
            "true",
        ),
        (
            c(
                call(Builtin::ArgsArrayLen, vec![l("order.items")]),
                Eq,
                l(1),
            ),
            r#"{"order":{"items":["x"]}}"#,
            "true",
        ),
        (
            c(call(Builtin::ArgsArrayLen, vec![l("items")]), Eq, l(2)),
            r#"{"items":"ab"}"#,
            "`args_array_len` needs a list but `args.items` is a string",
        ),
        (
            c(call(Builtin::HistoryToolCount, vec![l("*")]), Eq, l(0)),
            r#"{}"#,
            "true",
        ),
        (
            c(call(Builtin::DenyCountWithin, vec![l(60)]), Eq, l(0)),
            r#"{}"#,
            "true",
        ),
        (
            c(call(Builtin::DenyCountWithin, vec![l("x")]), Eq, l(0)),
            r#"{}"#,
            "`deny_count_within` needs a number of seconds",
        ),
        (
            call(Builtin::HistorySequence, vec![l("a"), l("b")]),
            r#"{}"#,
            "false",
        ),
        (
            call(Builtin::HistoryContainsWithin, vec![l("a/*"), l(60)]),
            r#"{}"#,
            "false",
        ),
    ]);
}

fn at(agent: &str, tool: &str, time: &str, extra: &str) -> String {
    let extra = if extra.is_empty() {
        String::new()
    } else {
        format!(",{extra}")
    };
    format!(r#"{{"agent":"{agent}","tool":"{tool}","time":"{time}"{extra}}}"#)
}

#[test]
fn history_functions_and_windows() {
    let p = policy(
        Agent::new("a")
            .rule(Rule::deny("db/drop"))
            .rule(
                Rule::deny("mail/send")
                    .when(Expr::call(
                        Builtin::HistorySequence,
                        vec![l("db/read"), l("files/*")],
                    ))
                    .reason("exfiltration pattern"),
            )
            .rule(Rule::defer("db/export").when(Expr::call(
                Builtin::HistoryContainsWithin,
                vec![l("db/read"), l(60)],
            )))
            .rule(Rule::deny("db/read").when(Expr::cmp(
                Expr::call(Builtin::HistoryToolCount, vec![l("db/*")]),
                CompareOp::Ge,
                l(3),
            )))
            .rule(Rule::deny("*").when(Expr::cmp(
                Expr::call(Builtin::DenyCountWithin, vec![l(10)]),
                CompareOp::Ge,
                l(2),
            )))
            .rule(Rule::permit("*")),
    );
    let s = r#""session":"s1""#;
    run(
        p,
        &[
            (
                at("a", "mail/send", "2026-01-01T00:00:00Z", s),
                "permit RULE_PERMIT a/6",
            ),
            (
                at("a", "files/open", "2026-01-01T00:00:01Z", s),
                "permit RULE_PERMIT a/6",
            ),
            // files before db: no sequence yet.
            (
                at("a", "db/read", "2026-01-01T00:00:02Z", s),
                "permit RULE_PERMIT a/6",
            ),
            (
                at("a", "mail/send", "2026-01-01T00:00:03Z", s),
                "permit RULE_PERMIT a/6",
            ),
            (
                at("a", "files/open", "2026-01-01T00:00:04Z", s),
                "permit RULE_PERMIT a/6",
            ),
            (
                at("a", "mail/send", "2026-01-01T00:00:05Z", s),
                "deny RULE_DENY a/2",
            ),
            // other sessions have their own history.
            (
                at(
                    "a",
                    "mail/send",
                    "2026-01-01T00:00:05Z",
                    r#""session":"s2""#,
                ),
                "permit RULE_PERMIT a/6",
            ),
            // db/read was at :02; 60 s window includes :62 but not :63.
            (
                at("a", "db/export", "2026-01-01T00:01:02Z", s),
                "defer RULE_DEFER a/3",
            ),
            (
                at("a", "db/export", "2026-01-01T00:01:03Z", s),
                "permit RULE_PERMIT a/6",
            ),
            // a time before the entry is outside the window (0 ≤ now − t).
            (
                at("a", "db/export", "2026-01-01T00:00:01Z", s),
                "permit RULE_PERMIT a/6",
            ),
            // db/* permitted so far: read, export, export = 3.
            (
                at("a", "db/read", "2026-01-01T00:02:00Z", s),
                "deny RULE_DENY a/4",
            ),
            // denies in the last 10 s: the read above, then the drop → 2.
            (
                at("a", "db/drop", "2026-01-01T00:02:01Z", s),
                "deny RULE_DENY a/1",
            ),
            (
                at("a", "x", "2026-01-01T00:02:02Z", s),
                "deny RULE_DENY a/5",
            ),
            (
                at("a", "x", "2026-01-01T00:02:30Z", s),
                "permit RULE_PERMIT a/6",
            ),
        ],
    );
}

#[test]
fn history_keeps_last_64_entries() {
    let count = Expr::cmp(
        Expr::call(Builtin::HistoryToolCount, vec![Expr::lit("t/*")]),
        CompareOp::Eq,
        Expr::lit(64),
    );
    let p = policy(
        Agent::new("a")
            .rule(Rule::defer("probe").when(count))
            .rule(Rule::permit("*")),
    );
    let mut ev = evaluator(p);
    for i in 0..100 {
        let decision = ev.decide_json(&req("a", &format!("t/{i}"), "{}"));
        assert_eq!(summary(&decision), "permit RULE_PERMIT a/2");
    }
    check(
        &mut ev,
        &[(req("a", "probe", "{}"), "defer RULE_DEFER a/1")],
    );
}

#[test]
fn condition_error_fails_closed_and_never_falls_through() {
    let p = policy(
        Agent::new("a")
            .rule(
                Rule::permit("stripe/charge")
                    .when(amount_lt(500))
                    .reason("small"),
            )
            .rule(Rule::permit("*"))
            .default_effect(Effect::Permit),
    );
    let mut ev = evaluator(p);
    let decision = ev.decide_json(&req("a", "stripe/charge", "{}"));
    assert_eq!(summary(&decision), "deny CONDITION_ERROR a/1");
    assert_eq!(
        decision.reason.map(|r| r.to_string()).as_deref(),
        Some("`<` needs numbers but `args.amount` is null")
    );
    assert_eq!(decision.notify, None);
}

#[test]
fn mandatory_condition_error_denies() {
    let p = policy(Agent::new("a").rule(Rule::permit("*")).rule(
        Rule::mandatory_deny("x").when(Expr::cmp(Expr::path("n"), CompareOp::Gt, Expr::lit(1))),
    ));
    run(
        p,
        &[
            (req("a", "x", r#"{"n":0}"#), "permit RULE_PERMIT a/1"),
            (req("a", "x", r#"{"n":"0"}"#), "deny CONDITION_ERROR a/2"),
            (req("a", "y", r#"{"n":"0"}"#), "permit RULE_PERMIT a/1"),
        ],
    );
}

#[test]
fn selectors() {
    let p = policy(
        Agent::new("a")
            .rule(
                Rule::permit("http/request")
                    .method(&["GET", "head"])
                    .host(&["*.example.com"])
                    .path(&["/v1/*"]),
            )
            .rule(Rule::permit("http/port").port(&["443", "8000-8100"]))
            .rule(
                Rule::permit("http/q")
                    .query("Mode", &["read", "list*"])
                    .header("x-env", &["prod"]),
            )
            .rule(Rule::deny("*")),
    );
    run(
        p,
        &[
            (
                req(
                    "a",
                    "http/request",
                    r#"{"method":"get","host":"API.example.com:443","path":"/v1/items/3"}"#,
                ),
                "permit RULE_PERMIT a/1",
            ),
            (
                req(
                    "a",
                    "http/request",
                    r#"{"method":"HEAD","host":"example.com","path":"/v1/x"}"#,
                ),
                "permit RULE_PERMIT a/1",
            ),
            (
                req(
                    "a",
                    "http/request",
                    r#"{"method":"POST","host":"example.com","path":"/v1/x"}"#,
                ),
                "deny RULE_DENY a/4",
            ),
            (
                req(
                    "a",
                    "http/request",
                    r#"{"method":"GET","host":"evil.com","path":"/v1/x"}"#,
                ),
                "deny RULE_DENY a/4",
            ),
            (
                req(
                    "a",
                    "http/request",
                    r#"{"method":"GET","host":"example.com","path":"/v2/x"}"#,
                ),
                "deny RULE_DENY a/4",
            ),
            (
                req(
                    "a",
                    "http/request",
                    r#"{"method":"GET","host":"example.com"}"#,
                ),
                "deny RULE_DENY a/4",
            ),
            (
                req("a", "http/port", r#"{"port":443}"#),
                "permit RULE_PERMIT a/2",
            ),
            (
                req("a", "http/port", r#"{"port":"8050"}"#),
                "permit RULE_PERMIT a/2",
            ),
            (
                req("a", "http/port", r#"{"port":8101}"#),
                "deny RULE_DENY a/4",
            ),
            (
                req("a", "http/port", r#"{"port":"44a"}"#),
                "deny RULE_DENY a/4",
            ),
            (
                req("a", "http/port", r#"{"port":443.5}"#),
                "deny RULE_DENY a/4",
            ),
            (
                req(
                    "a",
                    "http/q",
                    r#"{"query":{"MODE":"listall"},"headers":{"X-Env":"prod"}}"#,
                ),
                "permit RULE_PERMIT a/3",
            ),
            (
                req(
                    "a",
                    "http/q",
                    r#"{"query":{"mode":"write"},"headers":{"x-env":"prod"}}"#,
                ),
                "deny RULE_DENY a/4",
            ),
            (
                req("a", "http/q", r#"{"query":{"mode":"read"}}"#),
                "deny RULE_DENY a/4",
            ),
        ],
    );
}

#[test]
fn egress_host_patterns() {
    let p = Policy::new()
        .agent(
            Agent::new("a")
                .egress(
                    Some(&["*.wikimedia.org", "api.openai.com"]),
                    &["upload.wikimedia.org"],
                )
                .rule(Rule::mandatory_deny("net/forbidden"))
                .rule(Rule::permit("net/*")),
        )
        .agent(
            Agent::new("b")
                .egress(None, &["*.evil.com"])
                .rule(Rule::permit("*")),
        );
    run(
        p,
        &[
            (
                req(
                    "a",
                    "net/get",
                    r#"{"url":"https://en.wikimedia.org/wiki/X"}"#,
                ),
                "permit RULE_PERMIT a/2",
            ),
            (
                req("a", "net/get", r#"{"url":"https://wikimedia.org"}"#),
                "permit RULE_PERMIT a/2",
            ),
            (
                req("a", "net/get", r#"{"host":"API.OPENAI.COM."}"#),
                "permit RULE_PERMIT a/2",
            ),
            (
                req("a", "net/get", r#"{"host":"api.openai.com:443"}"#),
                "permit RULE_PERMIT a/2",
            ),
            // A bare host holds no userinfo: `@` is read differently by different parsers.
            (
                req("a", "net/get", r#"{"host":"user@api.openai.com:443"}"#),
                "deny EGRESS_DENIED -",
            ),
            (
                req(
                    "a",
                    "net/get",
                    r#"{"url":"https://upload.wikimedia.org/x"}"#,
                ),
                "deny EGRESS_DENIED -",
            ),
            (
                req("a", "net/get", r#"{"url":"https://example.com/"}"#),
                "deny EGRESS_DENIED -",
            ),
            (
                req("a", "net/get", r#"{"host":42}"#),
                "deny EGRESS_DENIED -",
            ),
            (
                req("a", "net/get", r#"{"url":"not a url"}"#),
                "deny EGRESS_DENIED -",
            ),
            (
                req(
                    "a",
                    "net/get",
                    r#"{"host":"example.com","url":"https://api.openai.com"}"#,
                ),
                "deny EGRESS_DENIED -",
            ),
            // Both are checked, whichever is the allowed one.
            (
                req(
                    "a",
                    "net/get",
                    r#"{"host":"api.openai.com","url":"https://example.com"}"#,
                ),
                "deny EGRESS_DENIED -",
            ),
            (req("a", "net/get", r#"{}"#), "permit RULE_PERMIT a/2"),
            // mandatory denies come before egress.
            (
                req("a", "net/forbidden", r#"{"host":"example.com"}"#),
                "deny MANDATORY_DENY a/1",
            ),
            (
                req("b", "x", r#"{"host":"a.evil.com"}"#),
                "deny EGRESS_DENIED -",
            ),
            (
                req("b", "x", r#"{"host":"good.com"}"#),
                "permit RULE_PERMIT b/1",
            ),
        ],
    );
}

#[test]
fn rate_limit_fixed_windows() {
    let p = policy(
        Agent::new("a")
            .rate_limit("api/*", 2, Window::Minute)
            .rule(Rule::deny("api/blocked"))
            .rule(Rule::permit("*")),
    );
    let t = |time: &str, tool: &str| at("a", tool, time, "");
    run(
        p,
        &[
            (t("2026-01-01T00:00:10Z", "api/x"), "permit RULE_PERMIT a/2"),
            (
                t("2026-01-01T00:00:20Z", "api/blocked"),
                "deny RULE_DENY a/1",
            ),
            (t("2026-01-01T00:00:30Z", "api/y"), "permit RULE_PERMIT a/2"),
            (t("2026-01-01T00:00:59Z", "api/z"), "deny RATE_EXCEEDED a/2"),
            (t("2026-01-01T00:00:59Z", "other"), "permit RULE_PERMIT a/2"),
            // the next window starts at a whole minute.
            (t("2026-01-01T00:01:00Z", "api/z"), "permit RULE_PERMIT a/2"),
            // time going backwards: a different window starts from zero.
            (t("2026-01-01T00:00:30Z", "api/z"), "permit RULE_PERMIT a/2"),
        ],
    );
}

/// `reset_state` forgets counters and histories: the next request is decided as on a freshly
/// loaded policy.
#[test]
fn reset_state_forgets_counters_and_histories() {
    let mut evaluator = evaluator(policy(
        Agent::new("a")
            .rate_limit("api/*", 1, Window::Minute)
            .rule(Rule::deny("api/x").when(Expr::cmp(
                Expr::call(Builtin::HistoryToolCount, vec![l("api/*")]),
                CompareOp::Gt,
                l(0),
            )))
            .rule(Rule::permit("*")),
    ));
    let request = at("a", "api/x", "2026-01-01T00:00:10Z", "");
    check(
        &mut evaluator,
        &[
            (request.clone(), "permit RULE_PERMIT a/2"),
            (request.clone(), "deny RULE_DENY a/1"),
        ],
    );
    evaluator.reset_state();
    check(&mut evaluator, &[(request, "permit RULE_PERMIT a/2")]);
}

#[test]
fn rate_limits_in_source_order_first_exceeded_decides() {
    let p = policy(
        Agent::new("a")
            .rate_limit("*", 100, Window::Day)
            .rate_limit("x", 1, Window::Second)
            .rule(Rule::permit("*")),
    );
    let t = |time: &str| at("a", "x", time, "");
    run(
        p,
        &[
            (t("2026-01-01T00:00:00Z"), "permit RULE_PERMIT a/1"),
            (t("2026-01-01T00:00:00.5Z"), "deny RATE_EXCEEDED a/1"),
            (t("2026-01-01T00:00:01Z"), "permit RULE_PERMIT a/1"),
        ],
    );
}

#[test]
fn session_budget_caps_and_warning() {
    let p = policy(
        Agent::new("a")
            .budget(
                Budget::new(BudgetScope::Session)
                    .max(d("10"))
                    .warn_at(d("0.8")),
            )
            .alert("budget_warning", "slack://#spend")
            .rule(Rule::permit("*")),
    );
    let mut ev = evaluator(p);
    let call = |session: &str, cost: &str| {
        at(
            "a",
            "buy",
            "2026-01-01T00:00:00Z",
            &format!(r#""session":"{session}","cost":{cost}"#),
        )
    };
    check(&mut ev, &[(call("s1", "5"), "permit RULE_PERMIT a/1")]);
    let decision = ev.decide_json(&call("s1", "3"));
    assert_eq!(summary(&decision), "permit RULE_PERMIT a/1");
    assert_eq!(decision.warnings, ["BUDGET_WARNING"]);
    assert_eq!(decision.alerts().collect::<Vec<_>>(), ["slack://#spend"]);
    let decision = ev.decide_json(&call("s1", "1"));
    assert!(decision.warnings.is_empty(), "warn only when crossing");
    check(
        &mut ev,
        &[
            (call("s1", "1.000001"), "deny BUDGET_EXCEEDED a/1"),
            (call("s1", "1"), "permit RULE_PERMIT a/1"),
            (call("s1", "0"), "permit RULE_PERMIT a/1"),
            (call("s1", "0.000001"), "deny BUDGET_EXCEEDED a/1"),
            (call("s2", "10"), "permit RULE_PERMIT a/1"),
        ],
    );
}

#[test]
fn budget_max_calls_daily_and_on_exceed() {
    let p = policy(
        Agent::new("a")
            .budget(
                Budget::new(BudgetScope::Session)
                    .max_calls(2)
                    .daily(d("100")),
            )
            .budget(
                Budget::new(BudgetScope::Daily)
                    .max(d("25"))
                    .on_exceed(OnExceed::Defer),
            )
            .rule(Rule::permit("*")),
    );
    let call = |session: &str, day: &str, cost: &str| {
        at(
            "a",
            "t",
            &format!("2026-01-{day}T12:00:00Z"),
            &format!(r#""session":"{session}","cost":{cost}"#),
        )
    };
    run(
        p,
        &[
            (call("s1", "01", "10"), "permit RULE_PERMIT a/1"),
            (call("s1", "01", "10"), "permit RULE_PERMIT a/1"),
            (call("s1", "01", "1"), "deny BUDGET_EXCEEDED a/1"),
            (call("s2", "01", "5"), "permit RULE_PERMIT a/1"),
            // daily spend is 25: the daily budget defers.
            (call("s3", "01", "0.01"), "defer BUDGET_EXCEEDED a/1"),
            // a new UTC day starts from zero.
            (call("s3", "02", "20"), "permit RULE_PERMIT a/1"),
        ],
    );
}

#[test]
fn custom_budgets_count_their_own_tools_per_day() {
    // budget refunds_daily { max $50 tools = ["stripe/refund"] on_exceed defer }
    // budget charges { max_calls 2 tools = ["stripe/charge*"] }
    let p = policy(
        Agent::new("a")
            .budget(
                Budget::custom("refunds_daily")
                    .tools(&["stripe/refund"])
                    .max(d("50"))
                    .on_exceed(OnExceed::Defer),
            )
            .budget(
                Budget::custom("charges")
                    .tools(&["stripe/charge*"])
                    .max_calls(2),
            )
            .rule(Rule::permit("stripe/*")),
    );
    let call = |tool: &str, day: &str, cost: &str| {
        at(
            "a",
            tool,
            &format!("2026-01-{day}T12:00:00Z"),
            &format!(r#""session":"s-{day}","cost":{cost}"#),
        )
    };
    run(
        p,
        &[
            (call("stripe/refund", "01", "30"), "permit RULE_PERMIT a/1"),
            // charges are not refunds: they spend nothing of refunds_daily.
            (call("stripe/charge", "01", "100"), "permit RULE_PERMIT a/1"),
            (call("stripe/refund", "01", "20"), "permit RULE_PERMIT a/1"),
            (
                call("stripe/refund", "01", "0.01"),
                "defer BUDGET_EXCEEDED a/1",
            ),
            (call("stripe/charges", "01", "0"), "permit RULE_PERMIT a/1"),
            (call("stripe/charge", "01", "0"), "deny BUDGET_EXCEEDED a/1"),
            (
                call("stripe/payout", "01", "1000"),
                "permit RULE_PERMIT a/1",
            ),
            // every session of the agent shares the day; a new UTC day starts from zero.
            (call("stripe/refund", "02", "50"), "permit RULE_PERMIT a/1"),
            (call("stripe/charge", "02", "0"), "permit RULE_PERMIT a/1"),
        ],
    );
}

#[test]
fn an_audit_budget_permits_with_the_warning_budget_exceeded() {
    let p = policy(
        Agent::new("a")
            .budget(
                Budget::custom("watch")
                    .max(d("10"))
                    .warn_at(d("0.5"))
                    .on_exceed(OnExceed::Audit),
            )
            .budget(Budget::new(BudgetScope::Session).max(d("100")))
            .alert("budget_exceeded", "slack://#over")
            .rule(Rule::permit("*")),
    );
    let mut ev = evaluator(p);
    let call = |cost: &str| {
        at(
            "a",
            "t",
            "2026-01-01T00:00:00Z",
            &format!(r#""session":"s","cost":{cost}"#),
        )
    };
    let decision = ev.decide_json(&call("6"));
    assert_eq!(summary(&decision), "permit RULE_PERMIT a/1");
    assert_eq!(decision.warnings, ["BUDGET_WARNING"]);
    assert_eq!(decision.alerts().count(), 0);
    let decision = ev.decide_json(&call("5"));
    assert_eq!(summary(&decision), "permit RULE_PERMIT a/1");
    assert_eq!(decision.warnings, ["BUDGET_EXCEEDED"]);
    assert_eq!(decision.alerts().collect::<Vec<_>>(), ["slack://#over"]);
    // An audited call still counts: the session budget behind it is now at 11 + 90 > 100.
    check(
        &mut ev,
        &[
            (call("89"), "permit RULE_PERMIT a/1"),
            (call("0.000001"), "deny BUDGET_EXCEEDED a/1"),
        ],
    );
}

#[test]
fn a_phase_with_tools_denies_the_others_before_the_rules() {
    let p = policy(
        Agent::new("a")
            .phase_with_tools("audit-only", &["stripe/charge", "docs/*"])
            .phase("enforce")
            .rule(Rule::permit("*"))
            .rule(Rule::mandatory_deny("docs/delete").in_phase(0))
            .rule(Rule::permit("stripe/charge").in_phase(0))
            .egress(None, &["evil.example"]),
    );
    let phased = |phase: &str, tool: &str, args: &str| {
        req_with("a", tool, args, &format!(r#""phase":"{phase}""#))
    };
    run(
        p,
        &[
            (
                phased("audit-only", "stripe/charge", "{}"),
                "permit RULE_PERMIT a/1",
            ),
            (
                phased("audit-only", "docs/read/x", "{}"),
                "permit RULE_PERMIT a/1",
            ),
            (
                phased("audit-only", "stripe/refund", "{}"),
                "deny OUT_OF_PHASE_TOOL_CALL -",
            ),
            (
                phased("audit-only", "stripe", "{}"),
                "deny OUT_OF_PHASE_TOOL_CALL -",
            ),
            // Mandatory denies and egress come first (§6.1 steps 2 and 3).
            (
                phased("audit-only", "docs/delete", "{}"),
                "deny MANDATORY_DENY a/2",
            ),
            (
                phased("audit-only", "http/get", r#"{"host":"evil.example"}"#),
                "deny EGRESS_DENIED -",
            ),
            // Other phases, no phase and unknown phases are not restricted.
            (
                phased("enforce", "stripe/refund", "{}"),
                "permit RULE_PERMIT a/1",
            ),
            (
                phased("nope", "stripe/refund", "{}"),
                "permit RULE_PERMIT a/1",
            ),
            (req("a", "stripe/refund", "{}"), "permit RULE_PERMIT a/1"),
        ],
    );
}

#[test]
fn limits_only_for_permit_and_deny_changes_nothing() {
    let p = policy(
        Agent::new("a")
            .rate_limit("*", 1, Window::Hour)
            .budget(Budget::new(BudgetScope::Session).max_calls(1))
            .rule(Rule::deny("no"))
            .rule(Rule::defer("later"))
            .rule(Rule::permit("*")),
    );
    run(
        p,
        &[
            (req("a", "no", "{}"), "deny RULE_DENY a/1"),
            (req("a", "later", "{}"), "defer RULE_DEFER a/2"),
            (req("a", "yes", "{}"), "permit RULE_PERMIT a/3"),
            (req("a", "yes", "{}"), "deny RATE_EXCEEDED a/3"),
        ],
    );
}

#[test]
fn session_counters_visible_to_conditions() {
    let p = policy(
        Agent::new("a")
            .rule(Rule::defer("t").when(Expr::cmp(
                Expr::path("session.cost"),
                CompareOp::Ge,
                Expr::lit(d("1.5")),
            )))
            .rule(Rule::deny("t").when(Expr::cmp(
                Expr::path("session.calls"),
                CompareOp::Ge,
                Expr::lit(3),
            )))
            .rule(Rule::permit("*")),
    );
    let call = |cost: &str| req_with("a", "t", "{}", &format!(r#""session":"s","cost":{cost}"#));
    run(
        p,
        &[
            (call("0.5"), "permit RULE_PERMIT a/3"),
            (call("0.5"), "permit RULE_PERMIT a/3"),
            (call("0.25"), "permit RULE_PERMIT a/3"),
            (call("0"), "deny RULE_DENY a/2"),
        ],
    );
}

#[test]
fn redact_credentials_alerts_and_json() {
    let p = policy(
        Agent::new("pb")
            .redact("stripe/*", &["card_number", "cvv"])
            .redact("stripe/charge", &["cvv", "customer.email"])
            .redact("other/*", &["x"])
            .credential("stripe", &[])
            .credential("vault", &["stripe/charge", "db/*"])
            .alert("deny", "slack://#sec")
            .alert("mandatory_deny", "pagerduty://oncall")
            .alert("deny", "slack://#sec")
            .alert("defer", "email://finance")
            .rule(Rule::mandatory_deny("shell/*"))
            .rule(Rule::permit("stripe/charge").when(amount_lt(500)))
            .rule(
                Rule::defer("stripe/charge")
                    .reason("high value")
                    .notify("finance"),
            ),
    );
    let mut ev = evaluator(p);
    let digest = ev.policy_digest().to_owned();
    let permit = ev.decide_json(&req("pb", "stripe/charge", r#"{"amount":100}"#));
    assert_eq!(
        permit.redact().collect::<Vec<_>>(),
        ["card_number", "cvv", "customer.email"]
    );
    assert_eq!(
        permit.credentials().collect::<Vec<_>>(),
        ["stripe", "vault"]
    );
    assert_eq!(permit.alerts().count(), 0);
    let defer = ev.decide_json(&req("pb", "stripe/charge", r#"{"amount":900}"#));
    assert_eq!(
        defer.to_json(),
        format!(
            r#"{{"effect":"defer","reason_code":"RULE_DEFER","rule":{{"id":"pb/3","file":null,"line":null,"column":null}},"reason":"high value","notify":"finance","redact":["card_number","cvv","customer.email"],"credentials":[],"alerts":["email://finance"],"warnings":[],"policy":"{digest}"}}"#
        )
    );
    let deny = ev.decide_json(&req("pb", "shell/run", "{}"));
    assert_eq!(
        deny.alerts().collect::<Vec<_>>(),
        ["slack://#sec", "pagerduty://oncall"]
    );
    assert_eq!(deny.redact().count(), 0);
    let unknown = ev.decide_json(&req("nobody", "shell/run", "{}"));
    assert_eq!(
        unknown.to_json(),
        format!(
            r#"{{"effect":"deny","reason_code":"UNKNOWN_AGENT","rule":null,"reason":null,"notify":null,"redact":[],"credentials":[],"alerts":[],"warnings":[],"policy":"{digest}"}}"#
        )
    );
}

#[test]
fn invalid_requests_are_denied() {
    let p = policy(Agent::new("a").default_effect(Effect::Permit));
    let mut ev = evaluator(p);
    for text in [
        "null",
        "{",
        r#"{"agent":"a"}"#,
        r#"{"agent":"a","tool":"bad tool"}"#,
        r#"{"agent":"a","tool":"a/"}"#,
        r#"{"agent":"a","tool":"t","args":"x"}"#,
        r#"{"agent":"a","tool":"t","cost":-0.5}"#,
        r#"{"agent":"a","tool":"t","time":"2026-11-23"}"#,
        r#"{"agent":"a","tool":"t","session":5}"#,
    ] {
        let decision = ev.decide_json(text);
        assert_eq!(summary(&decision), "deny INVALID_REQUEST -", "{text}");
        assert!(decision.reason.is_some(), "{text}");
    }
    check(&mut ev, &[(req("a", "t", "{}"), "permit DEFAULT_PERMIT -")]);
}

#[test]
fn invalid_and_unknown_do_not_enter_history() {
    let count = Expr::cmp(
        Expr::call(Builtin::DenyCountWithin, vec![Expr::lit(3600)]),
        CompareOp::Eq,
        Expr::lit(0),
    );
    let p = policy(Agent::new("a").rule(Rule::permit("probe").when(count)));
    let mut ev = evaluator(p);
    ev.decide_json(r#"{"agent":"a","tool":"bad tool","time":"2026-11-23T18:00:00Z"}"#);
    ev.decide_json(&req("zzz", "t", "{}"));
    check(
        &mut ev,
        &[
            (req("a", "probe", "{}"), "permit RULE_PERMIT a/1"),
            (req("a", "other", "{}"), "deny DEFAULT_DENY -"),
            (req("a", "probe", "{}"), "deny DEFAULT_DENY -"),
        ],
    );
}

#[test]
fn large_policies_use_the_index_and_keep_source_order() {
    let mut agent = Agent::new("big");
    for i in 0..200 {
        agent = agent.rule(Rule::deny(&format!("svc{i}/op")));
    }
    agent = agent
        .rule(Rule::defer("svc7/*"))
        .rule(Rule::permit("svc7/op2"))
        .rule(Rule::deny("*/op2"))
        .rule(Rule::permit("*"))
        .rule(Rule::mandatory_deny("svc9/*"));
    for i in 0..30 {
        agent = agent.rule(Rule::mandatory_deny(&format!("m{i}/x")));
    }
    run(
        policy(agent),
        &[
            (req("big", "svc5/op", "{}"), "deny RULE_DENY big/6"),
            (req("big", "svc7/op2", "{}"), "defer RULE_DEFER big/201"),
            (req("big", "svc8/op2", "{}"), "deny RULE_DENY big/203"),
            (req("big", "svc9/op", "{}"), "deny MANDATORY_DENY big/205"),
            (req("big", "m3/x", "{}"), "deny MANDATORY_DENY big/209"),
            (req("big", "zzz", "{}"), "permit RULE_PERMIT big/204"),
        ],
    );
}

/// A decision service decides at its own clock (§17): with `ignore_request_time`, a request's
/// `time` (still validated) no longer picks the rate-limit window, so a client cannot reset
/// a limit by claiming another minute.
#[test]
fn ignoring_request_time_decides_at_the_clock() {
    let mut evaluator = evaluator(policy(
        Agent::new("a")
            .rate_limit("api/*", 1, Window::Minute)
            .rule(Rule::permit("*")),
    ));
    evaluator.set_clock(|| fpl_runtime::Timestamp::from_unix_seconds(1_767_225_600));
    evaluator.ignore_request_time();
    check(
        &mut evaluator,
        &[
            (
                at("a", "api/x", "2026-01-01T00:00:10Z", ""),
                "permit RULE_PERMIT a/1",
            ),
            (
                at("a", "api/x", "2026-01-01T00:05:10Z", ""),
                "deny RATE_EXCEEDED a/1",
            ),
            (at("a", "api/x", "not a time", ""), "deny INVALID_REQUEST -"),
        ],
    );
}
