//! The reference evaluator and `fpl-runtime` give identical decisions on random policies and
//! random request sequences (shared state included).

use proptest::prelude::*;

use crate::compile::compile;
use crate::host::check_policy;
use crate::{CheckOptions, SourceFile, reference};

const PATTERNS: &[&str] = &["*", "t/*", "t/a", "t/b", "u/*", "t/*/x", "t/a?", "t/a*"];
const CONDITIONS: &[&str] = &[
    "amount > 5",
    "amount <= 10.5",
    "amount == null",
    "name == \"x\"",
    "name != \"x\"",
    "role in [\"a\", \"b\"]",
    "role not in [\"a\"]",
    "cmd matches \"^ls\"",
    "cmd !~ \"rm\"",
    "not flag",
    "flag and amount < $20",
    "flag or amount >= 1",
    "history_tool_count(\"t/*\") >= 1",
    "history_contains_within(\"t/a\", 60)",
    "history_sequence(\"t/a\", \"t/b\")",
    "deny_count_within(120) > 0",
    "len(name) > 2",
    "lower(name) == \"xyz\"",
    "purpose(\"audit\")",
    "session.calls < 2",
    "session.cost >= 1",
    "tool.name starts_with \"t/\"",
    "name contains \"y\"",
    "tags contains \"hot\"",
    "time.hour >= 18",
    "principal.role == role",
    "vars.cap > amount",
];
const EFFECTS: &[&str] = &["permit", "deny", "defer", "deny!", "allow", "block"];
const ON_EXCEED: &[&str] = &["deny", "defer", "audit"];
const TOOL_LISTS: &[&str] = &["[\"t/a\"]", "[\"t/*\", \"u/c\"]", "[t/a?, \"u/*\"]", "[]"];

/// A `budget` block: `session`, `daily` or a custom id, optionally limited to some tools.
fn budget() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["session", "daily", "refunds_daily", "t_calls"][..]),
        1u32..4,
        0u32..3,
        prop::sample::select(ON_EXCEED),
        prop::option::of(prop::sample::select(TOOL_LISTS)),
        any::<bool>(),
    )
        .prop_map(|(id, calls, max, on_exceed, tools, daily)| {
            let mut text = format!("  budget {id} {{\n    max ${max}\n    max_calls {calls}\n    warn_at 0.5\n    on_exceed {on_exceed}\n");
            if daily {
                text.push_str("    daily $2\n");
            }
            if let Some(tools) = tools {
                text.push_str(&format!("    tools = {tools}\n"));
            }
            text.push_str("  }\n");
            text
        })
}

fn rule() -> impl Strategy<Value = String> {
    (
        prop::sample::select(EFFECTS),
        prop::sample::select(PATTERNS),
        prop::option::of(prop::sample::select(CONDITIONS)),
        prop::option::of(prop::sample::select(
            &[
                "method: GET",
                "host: *.ok.com",
                "port 443, 8000-8100",
                "query: q = a*",
                "path: /v1/*",
                "header: X-Debug = on",
            ][..],
        )),
        any::<bool>(),
    )
        .prop_map(|(effect, pattern, condition, selector, reason)| {
            let mut text = format!("{effect} {pattern}");
            if let Some(selector) = selector {
                text.push(' ');
                text.push_str(selector);
            }
            if let Some(condition) = condition {
                text.push_str(" when ");
                text.push_str(condition);
            }
            if reason {
                text.push_str(" reason: \"r\" notify: \"n\"");
            }
            text
        })
}

/// A random agent named `name` with rules, a phase, limits and blocks.
pub(crate) fn agent(name: &'static str) -> impl Strategy<Value = String> {
    (
        prop::option::of(prop::sample::select(&["permit", "deny", "defer"][..])),
        prop::collection::vec(rule(), 1..7),
        prop::option::of(rule()),
        prop::option::of((1u32..4, prop::sample::select(&["second", "minute"][..]))),
        prop::collection::vec(budget(), 0..3),
        any::<bool>(),
        prop::option::of(prop::sample::select(TOOL_LISTS)),
    )
        .prop_map(move |(default, rules, phase_rule, rate_limit, budgets, extras, phase_tools)| {
            let mut text = format!("agent {name} {{\n  var cap = $8\n");
            if let Some(default) = default {
                text.push_str(&format!("  default {default}\n"));
            }
            if let Some((limit, window)) = rate_limit {
                text.push_str(&format!("  rate_limit t/*: {limit} per {window}\n"));
            }
            // Budget ids are unique per agent (E0205): a repeated id is left out.
            let mut ids = Vec::new();
            for budget in budgets {
                let id = budget.split_whitespace().nth(1).unwrap_or_default().to_string();
                if !ids.contains(&id) {
                    ids.push(id);
                    text.push_str(&budget);
                }
            }
            if extras {
                text.push_str("  redact t/* args: [\"secret\"]\n  credential t { }\n  egress { allow = [\"*.ok.com\"] }\n");
                text.push_str("  alert { on = \"deny\" notify = \"slack://#x\" }\n  alert { on = \"budget_warning\" notify = \"slack://#w\" }\n  alert { on = \"budget_exceeded\" notify = \"slack://#e\" }\n");
            }
            let tools = phase_tools.map(|tools| format!("    tools = {tools}\n")).unwrap_or_default();
            match phase_rule {
                Some(rule) => text.push_str(&format!("  phase p1 {{\n{tools}    {rule}\n  }}\n")),
                None if !tools.is_empty() => text.push_str(&format!("  phase p1 {{\n{tools}  }}\n")),
                None => {}
            }
            for rule in rules {
                text.push_str(&format!("  {rule}\n"));
            }
            text.push_str("}\n");
            text
        })
}

fn request(index: usize) -> impl Strategy<Value = String> {
    let value = |options: &'static [&'static str]| prop::sample::select(options);
    (
        value(&["a0", "a1", "zz"]),
        value(&["t/a", "t/b", "t/a/x", "u/c", "t/ab", "t//a", "./t/a", "t/../u/c", "t/.../a"]),
        value(&["", "\"amount\": 0,", "\"amount\": 5,", "\"amount\": 10.5,", "\"amount\": \"5\",", "\"amount\": null,", "\"amount\": 1e1,"]),
        value(&["", "\"name\": \"x\",", "\"name\": \"xyz\",", "\"name\": 3,", "\"role\": \"a\",", "\"tags\": [\"hot\"],"]),
        value(&["", "\"cmd\": \"ls -l\",", "\"cmd\": \"rm -rf\",", "\"flag\": true,", "\"flag\": false,", "\"flag\": 1,", "\"purpose\": \"AUDIT\","]),
        value(&["", "\"method\": \"get\",", "\"host\": \"api.ok.com:443\",", "\"url\": \"https://evil.com/x\",", "\"port\": \"8080\",", "\"query\": {\"Q\": \"abc\"},",
            "\"host\": \"evil.com#@api.ok.com\",",
            "\"host\": 7,",
            "\"host\": \"a..ok.com\",",
            "\"url\": \"https://evil.com\\\\@api.ok.com/\",",
            "\"url\": \"https://u@API.ok.com.:8443/p\",",
            "\"host\": \"api.ok.com\", \"url\": \"https://evil.com/\",",
            "\"path\": \"/v1/x\",",
            "\"path\": \"/v2/../v1/x\",",
            "\"path\": \"/../v1/x\",",
            "\"path\": \"//v1//x/.\",",
            "\"path\": \"/v1/%2e%2e/v2\",",
            "\"path\": 3,",
            "\"headers\": {\"X-DEBUG\": \"on\"},",
            "\"headers\": {\"X-Debug\": \"off\", \"x-debug\": \"on\"},",
            "\"query\": {\"q\": \"a\", \"Q\": \"b\"},",
        ]),
        value(&["", "\"session\": \"s1\",", "\"session\": \"s2\",", "\"phase\": \"p1\","]),
        value(&["", "\"cost\": 1.5,", "\"cost\": 0.5,", "\"principal\": {\"role\": \"a\"},"]),
        0u32..90,
    )
        .prop_map(move |(agent, tool, amount, name, misc, selector, session, extra, step)| {
            let seconds = index as u32 * 7 + step;
            format!(
                "{{{amount}{name}{misc}{selector}\"placeholder\": 0}}|{{\"agent\": \"{agent}\", \"tool\": \"{tool}\", {session}{extra}\"time\": \"2026-11-23T17:59:{:02}Z\"}}",
                seconds % 60
            )
        })
        .prop_map(|parts| {
            let (args, rest) = parts.split_once('|').unwrap_or_default();
            format!("{}, \"args\": {args}}}", rest.trim_end_matches('}'))
        })
}

fn requests() -> impl Strategy<Value = Vec<String>> {
    (1usize..12).prop_flat_map(|count| (0..count).map(request).collect::<Vec<_>>())
}

fn fields(decision: &serde_json::Value) -> Vec<(String, String)> {
    let mut out: Vec<(String, String)> = [
        "effect",
        "reason_code",
        "notify",
        "redact",
        "credentials",
        "alerts",
        "warnings",
    ]
    .iter()
    .map(|key| (key.to_string(), decision[*key].to_string()))
    .collect();
    out.push(("rule".into(), decision["rule"]["id"].to_string()));
    // The texts of condition errors and invalid requests are the implementation's own words.
    if !matches!(
        decision["reason_code"].as_str(),
        Some("CONDITION_ERROR" | "INVALID_REQUEST")
    ) {
        out.push(("reason".into(), decision["reason"].to_string()));
    }
    out
}

fn reference_json(decision: &reference::Decision) -> serde_json::Value {
    serde_json::json!({
        "effect": decision.effect,
        "reason_code": decision.reason_code,
        "rule": decision.rule.as_ref().map(|id| serde_json::json!({ "id": id })),
        "reason": decision.reason,
        "notify": decision.notify,
        "redact": decision.redact,
        "credentials": decision.credentials,
        "alerts": decision.alerts,
        "warnings": decision.warnings,
    })
}

/// Decides `requests` in order with both evaluators on the policy `text`, asserting that every
/// decision agrees; returns the runtime's decisions.
fn agree(text: &str, requests: &[String]) -> Result<Vec<serde_json::Value>, TestCaseError> {
    let analysis = check_policy(
        vec![SourceFile::new("p.fpl", text)],
        &CheckOptions::default(),
    );
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .map(|d| d.message.clone())
        .collect();
    prop_assert!(
        errors.is_empty(),
        "generated policy has errors: {errors:?}\n{text}"
    );
    let compiled = compile(&analysis).expect("compiles");
    let mut runtime = fpl_runtime::Evaluator::new(compiled).expect("loads");
    let mut state = reference::State::default();
    let mut decisions = Vec::with_capacity(requests.len());
    for request in requests {
        let fast: serde_json::Value =
            serde_json::from_str(&runtime.decide_json(request).to_json()).expect("decision JSON");
        let slow = reference_json(&reference::decide_json(
            &analysis.policy,
            &mut state,
            request,
            0,
        ));
        prop_assert_eq!(
            fields(&fast),
            fields(&slow),
            "request {}\npolicy:\n{}",
            request,
            text
        );
        decisions.push(fast);
    }
    Ok(decisions)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reference_and_runtime_agree(a0 in agent("a0"), a1 in agent("a1"), requests in requests()) {
        agree(&format!("{a0}{a1}"), &requests)?;
    }
}

/// The random policies reach every outcome of phase `tools` and of custom and audit budgets:
/// a fixed sequence of the generator's kind, compared the same way, shows each of them.
#[test]
fn phase_tools_custom_budgets_and_audit_agree() {
    let text = "agent a0 {\n  default permit\n  budget session {\n    max_calls 3\n    on_exceed defer\n  }\n  budget refunds_daily {\n    max $2\n    tools = [\"t/a\"]\n    on_exceed audit\n  }\n  budget t_calls {\n    max_calls 2\n    tools = [\"u/*\"]\n  }\n  alert { on = \"budget_exceeded\" notify = \"slack://#e\" }\n  phase p1 {\n    tools = [\"t/*\"]\n    deny t/b\n  }\n}\n";
    let request = |tool: &str, extra: &str| {
        format!(
            "{{\"agent\": \"a0\", \"tool\": \"{tool}\", {extra}\"session\": \"s1\", \"time\": \"2026-11-23T17:59:00Z\"}}"
        )
    };
    let requests = [
        request("u/c", "\"phase\": \"p1\", "),
        request("t/b", "\"phase\": \"p1\", "),
        request("t/a", "\"cost\": 1.5, "),
        request("t/a", "\"cost\": 1.5, "),
        request("u/c", ""),
        request("u/c", ""),
        request("u/c", ""),
    ];
    let decisions = agree(text, &requests).expect("the evaluators agree");
    let summary: Vec<String> = decisions
        .iter()
        .map(|d| format!("{} {} {}", d["effect"], d["reason_code"], d["warnings"]))
        .collect();
    assert_eq!(
        summary,
        [
            r#""deny" "OUT_OF_PHASE_TOOL_CALL" []"#,
            r#""deny" "RULE_DENY" []"#,
            r#""permit" "DEFAULT_PERMIT" []"#,
            r#""permit" "DEFAULT_PERMIT" ["BUDGET_EXCEEDED"]"#,
            r#""permit" "DEFAULT_PERMIT" []"#,
            r#""defer" "BUDGET_EXCEEDED" []"#,
            r#""defer" "BUDGET_EXCEEDED" []"#,
        ]
    );
    assert_eq!(decisions[3]["alerts"], serde_json::json!(["slack://#e"]));
}
