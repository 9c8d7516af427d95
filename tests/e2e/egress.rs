//! Egress fails closed (SPEC §6.1 step 3), through the real `faramesh` binary: the payloads that
//! bypassed the bundled example's `egress { allow = ["api.stripe.com", …] }` are denied, both
//! `args.host` and `args.url` are checked, malformed hosts are denied, and a `host` selector
//! reading an unreadable host is a condition error naming its rule.

use std::path::Path;

use crate::support::{eval_stdin, faramesh};
use predicates::prelude::*;

/// `(effect, reason_code, rule id)` of each request, decided against `policy` in order.
fn decide(policy: &Path, requests: &[String]) -> Vec<(String, String, String)> {
    eval_stdin(policy, requests.join("\n"))
}

fn example() -> std::path::PathBuf {
    fpl_testdata::repository_dir().join("examples/governance.fms")
}

fn http_get(args: serde_json::Value) -> String {
    serde_json::json!({"agent": "payments-bot", "tool": "http/get", "args": args}).to_string()
}

#[test]
fn the_bundled_example_denies_every_egress_bypass() {
    let mut requests = Vec::new();
    for host in [
        "evil.com#@api.stripe.com",
        "evil.com/@api.stripe.com",
        "evil.com?@api.stripe.com",
        "evil.com\\@api.stripe.com",
        "evil.com:443/@api.stripe.com",
    ] {
        requests.push(http_get(serde_json::json!({"host": host, "method": "GET"})));
    }
    requests.push(http_get(
        serde_json::json!({"url": "https://evil.example\\@api.stripe.com/", "method": "GET"}),
    ));
    // Both are checked: a good `host` beside a `url` that goes elsewhere.
    requests.push(http_get(serde_json::json!({
        "host": "api.stripe.com",
        "url": "https://evil.example/steal",
        "method": "GET"
    })));
    let decisions = decide(&example(), &requests);
    assert_eq!(decisions.len(), requests.len());
    for (request, decision) in requests.iter().zip(&decisions) {
        assert_eq!(
            (decision.0.as_str(), decision.1.as_str()),
            ("deny", "EGRESS_DENIED"),
            "{request}"
        );
    }
    // The legitimate call still goes through.
    let good = decide(
        &example(),
        &[http_get(serde_json::json!({
            "host": "API.Stripe.com:443",
            "url": "https://user@api.stripe.com./v1/charges",
            "method": "GET"
        }))],
    );
    assert_eq!(good[0].1, "RULE_PERMIT");
}

#[test]
fn malformed_hosts_and_deny_list_bypasses_are_denied() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("governance.fms");
    std::fs::write(
        &policy,
        "agent allow-list {\n  default deny\n  egress { allow = [\"*.x.com\"] }\n  permit http/*\n}\n\
         agent deny-list {\n  default deny\n  egress { deny = [\"evil.com\"] }\n  permit http/*\n}\n",
    )
    .expect("write policy");
    let request = |agent: &str, host: &str| {
        serde_json::json!({"agent": agent, "tool": "http/get", "args": {"host": host}}).to_string()
    };
    let requests = [
        request("allow-list", ".x.com"),
        request("allow-list", "a..x.com"),
        request("allow-list", "xn--bad-.x.com"),
        request("allow-list", "api.x.com"),
        request("deny-list", "evil.com#@good.com"),
        request("deny-list", "evil.com\\@good.com"),
        request("deny-list", "good.com"),
    ];
    let codes: Vec<String> = decide(&policy, &requests)
        .into_iter()
        .map(|(_, code, _)| code)
        .collect();
    assert_eq!(
        codes,
        [
            "EGRESS_DENIED",
            "EGRESS_DENIED",
            "EGRESS_DENIED",
            "RULE_PERMIT",
            "EGRESS_DENIED",
            "EGRESS_DENIED",
            "RULE_PERMIT"
        ]
    );
}

#[test]
fn a_host_selector_reading_an_unreadable_host_is_a_condition_error() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("governance.fms");
    std::fs::write(
        &policy,
        "agent bot {\n  default deny\n  deny! http/* host: evil.com\n  permit http/*\n}\n",
    )
    .expect("write policy");
    let request = |host: serde_json::Value| {
        serde_json::json!({"agent": "bot", "tool": "http/get", "args": {"host": host}}).to_string()
    };
    let decisions = decide(
        &policy,
        &[
            request("evil.com/@good.com".into()),
            request(42.into()),
            request("EVIL.com.".into()),
            request("good.com".into()),
        ],
    );
    let expected = [
        ("deny", "CONDITION_ERROR", "bot/1"),
        ("deny", "CONDITION_ERROR", "bot/1"),
        ("deny", "MANDATORY_DENY", "bot/1"),
        ("permit", "RULE_PERMIT", "bot/2"),
    ];
    let got: Vec<(&str, &str, &str)> = decisions
        .iter()
        .map(|(e, c, r)| (e.as_str(), c.as_str(), r.as_str()))
        .collect();
    assert_eq!(got, expected);
}

#[test]
fn host_selector_values_must_be_host_patterns() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("governance.fms"),
        "agent bot {\n  default deny\n  permit http/get host: \"a..b.com\", api.ok.com\n}\n",
    )
    .expect("write policy");
    faramesh()
        .current_dir(dir.path())
        .args(["check", "--no-smt", "governance.fms"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("E0210"))
        .stdout(predicate::str::contains("not `a..b.com`"));
}
