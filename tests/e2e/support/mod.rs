//! Helpers shared by the end-to-end tests that feed requests to the real `faramesh eval`.
#![allow(dead_code)]

use std::path::Path;

use assert_cmd::Command;

/// The `faramesh` binary, without colours.
pub fn faramesh() -> Command {
    let mut command = faramesh_e2e::faramesh();
    command.env("NO_COLOR", "1");
    command
}

/// The keys of a decision (SPEC §8), in their printed order.
pub const DECISION_KEYS: [&str; 10] = [
    "effect",
    "reason_code",
    "rule",
    "reason",
    "notify",
    "redact",
    "credentials",
    "alerts",
    "warnings",
    "policy",
];

/// Whether every one of `keys` appears in `json` text, in that order.
pub fn keys_in_order(json: &str, keys: &[&str]) -> bool {
    let positions: Vec<Option<usize>> = keys
        .iter()
        .map(|key| json.find(&format!("\"{key}\":")))
        .collect();
    positions.iter().all(Option::is_some) && positions.is_sorted()
}

/// The decisions printed one JSON object a line.
pub fn decisions(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("decision JSON"))
        .collect()
}

/// `(effect, reason_code, rule id)` of a decision, `-` where absent.
pub fn summary(decision: &serde_json::Value) -> (String, String, String) {
    let text = |value: &serde_json::Value| value.as_str().unwrap_or("-").to_string();
    (
        text(&decision["effect"]),
        text(&decision["reason_code"]),
        text(&decision["rule"]["id"]),
    )
}

/// Runs `faramesh eval --policy POLICY --requests -` over `input` (one request a line) and
/// returns the summaries of its decisions; the command must succeed.
pub fn eval_stdin(policy: &Path, input: impl Into<Vec<u8>>) -> Vec<(String, String, String)> {
    let output = faramesh()
        .arg("eval")
        .arg("--policy")
        .arg(policy)
        .args(["--requests", "-"])
        .write_stdin(input)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    decisions(&output.stdout).iter().map(summary).collect()
}
