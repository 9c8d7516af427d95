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
        prop::option::of((1u32..4, 0u32..3, any::<bool>())),
        any::<bool>(),
    )
        .prop_map(move |(default, rules, phase_rule, rate_limit, budget, extras)| {
            let mut text = format!("agent {name} {{\n  var cap = $8\n");
            if let Some(default) = default {
                text.push_str(&format!("  default {default}\n"));
            }
            if let Some((limit, window)) = rate_limit {
                text.push_str(&format!("  rate_limit t/*: {limit} per {window}\n"));
            }
            if let Some((calls, max, defer)) = budget {
                let on_exceed = if defer { "defer" } else { "deny" };
                text.push_str(&format!("  budget session {{\n    max ${max}\n    max_calls {calls}\n    warn_at 0.5\n    on_exceed {on_exceed}\n  }}\n"));
            }
            if extras {
                text.push_str("  redact t/* args: [\"secret\"]\n  credential t { }\n  egress { allow = [\"*.ok.com\"] }\n");
                text.push_str("  alert { on = \"deny\" notify = \"slack://#x\" }\n  alert { on = \"budget_warning\" notify = \"slack://#w\" }\n");
            }
            if let Some(rule) = phase_rule {
                text.push_str(&format!("  phase p1 {{\n    {rule}\n  }}\n"));
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
        value(&["", "\"cost\": 1.5,", "\"principal\": {\"role\": \"a\"},"]),
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

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn reference_and_runtime_agree(a0 in agent("a0"), a1 in agent("a1"), requests in requests()) {
        let text = format!("{a0}{a1}");
        let analysis = check_policy(vec![SourceFile::new("p.fpl", text.clone())], &CheckOptions::default());
        let errors: Vec<_> = analysis.diagnostics.iter().filter(|d| d.is_error()).map(|d| d.message.clone()).collect();
        prop_assert!(errors.is_empty(), "generated policy has errors: {errors:?}\n{text}");
        let compiled = compile(&analysis).expect("compiles");
        let mut runtime = fpl_runtime::Evaluator::new(compiled).expect("loads");
        let mut state = reference::State::default();
        for request in &requests {
            let fast: serde_json::Value = serde_json::from_str(&runtime.decide_json(request).to_json()).expect("decision JSON");
            let slow = reference_json(&reference::decide_json(&analysis.policy, &mut state, request, 0));
            prop_assert_eq!(fields(&fast), fields(&slow), "request {}\npolicy:\n{}", request, text);
        }
    }
}
