//! Untrusted requests through the real `faramesh eval` (SPEC §5, §6.2): tool names and paths
//! that would slip past a `deny!`, ambiguous `query`/`headers` keys, oversized and malformed
//! input, and streaming over a pipe.

mod support;

use support::eval_stdin;

/// A temp dir holding `governance.fms` with `policy`.
fn project(policy: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("governance.fms"), policy).expect("write policy");
    dir
}

/// `(reason_code, rule id)` of each decision of `input` against the policy in `dir`.
fn eval(dir: &std::path::Path, input: impl Into<Vec<u8>>) -> Vec<(String, String)> {
    eval_stdin(dir, input)
        .into_iter()
        .map(|(_, code, rule)| (code, rule))
        .collect()
}

const GUARDED: &str = "agent bot {\n  default deny\n  deny! shell/*\n  deny! http/* path: /admin/*\n  deny! http/* header: X-Debug = on\n  permit *\n}\n";

fn request(tool: &str, args: serde_json::Value) -> String {
    serde_json::json!({"agent": "bot", "tool": tool, "args": args}).to_string()
}

#[test]
fn dot_segments_paths_and_case_folded_keys_cannot_slip_past_a_mandatory_deny() {
    let dir = project(GUARDED);
    let requests = [
        request("./shell/exec", serde_json::json!({})),
        request("x/../shell/exec", serde_json::json!({})),
        request(
            "http/get",
            serde_json::json!({"path": "/public/../admin/users"}),
        ),
        request("http/get", serde_json::json!({"path": "//admin//users"})),
        request(
            "http/get",
            serde_json::json!({"path": "/public/%2e%2e/admin/users"}),
        ),
        request("http/get", serde_json::json!({"path": "/../admin/users"})),
        request(
            "http/get",
            serde_json::json!({"headers": {"X-Debug": "off", "x-debug": "on"}}),
        ),
        request(
            "http/get",
            serde_json::json!({"query": {"page": "1", "PAGE": "2"}}),
        ),
        request("http/get", serde_json::json!({"path": "/public/users"})),
    ];
    let want = [
        ("INVALID_REQUEST", "-"),
        ("INVALID_REQUEST", "-"),
        ("MANDATORY_DENY", "bot/2"),
        ("MANDATORY_DENY", "bot/2"),
        ("MANDATORY_DENY", "bot/2"),
        ("CONDITION_ERROR", "bot/2"),
        ("INVALID_REQUEST", "-"),
        ("INVALID_REQUEST", "-"),
        ("RULE_PERMIT", "bot/4"),
    ];
    let got = eval(dir.path(), requests.join("\n"));
    let got: Vec<(&str, &str)> = got.iter().map(|(c, r)| (c.as_str(), r.as_str())).collect();
    assert_eq!(got, want);
}
