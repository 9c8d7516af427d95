//! End-to-end tests of `faramesh eval`, `faramesh test` and `faramesh audit verify`.

use assert_cmd::Command;
use predicates::prelude::*;

fn faramesh() -> Command {
    let mut command = faramesh_e2e::faramesh();
    command.env("NO_COLOR", "1");
    command
}

const POLICY: &str = "agent bot {\n  default deny\n  rate_limit t/*: 2 per minute\n  deny! t/danger\n  permit t/* when amount < 10 reason: \"small\"\n}\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("governance.fms"), POLICY).expect("write policy");
    dir
}

fn lines(output: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(output)
        .lines()
        .map(|line| serde_json::from_str(line).expect("JSON line"))
        .collect()
}

#[test]
fn eval_decides_one_request_in_the_spec_shape() {
    let dir = project();
    let output = faramesh()
        .current_dir(dir.path())
        .args([
            "eval",
            "--policy",
            "governance.fms",
            "--request",
            r#"{"agent":"bot","tool":"t/x","args":{"amount":3}}"#,
        ])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let keys: Vec<&str> = [
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
    ]
    .to_vec();
    let positions: Vec<usize> = keys
        .iter()
        .map(|key| text.find(&format!("\"{key}\":")).expect("key present"))
        .collect();
    assert!(
        positions.windows(2).all(|pair| pair[0] < pair[1]),
        "keys out of order: {text}"
    );
    let decision = &lines(&output.stdout)[0];
    assert_eq!(decision["effect"], "permit");
    assert_eq!(decision["rule"]["id"], "bot/2");
    assert_eq!(decision["rule"]["file"], "governance.fms");
    assert_eq!(decision["rule"]["line"], 5);
    assert_eq!(decision["reason"], "small");
}

#[test]
fn eval_streams_requests_with_shared_state_and_survives_bad_lines() {
    let dir = project();
    let requests = [
        r#"{"agent":"bot","tool":"t/x","args":{"amount":1},"time":"2026-11-23T18:00:00Z"}"#,
        "this is not json",
        r#"{"agent":"bot","tool":"t/x","args":{"amount":1},"time":"2026-11-23T18:00:01Z"}"#,
        "",
        r#"{"agent":"bot","tool":"t/x","args":{"amount":1},"time":"2026-11-23T18:00:02Z"}"#,
        r#"{"agent":"bot","tool":"t/danger","time":"2026-11-23T18:00:03Z"}"#,
        r#"{"agent":"bot","tool":"t/x","time":"2026-11-23T18:00:04Z"}"#,
    ];
    let output = faramesh()
        .current_dir(dir.path())
        .args(["eval", "--policy", ".", "--requests", "-"])
        .write_stdin(requests.join("\n"))
        .output()
        .expect("runs");
    assert!(output.status.success());
    let codes: Vec<String> = lines(&output.stdout)
        .iter()
        .map(|d| d["reason_code"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        codes,
        [
            "RULE_PERMIT",
            "INVALID_REQUEST",
            "RULE_PERMIT",
            // The blank line is answered too, so decision N answers line N.
            "INVALID_REQUEST",
            "RATE_EXCEEDED",
            "MANDATORY_DENY",
            "CONDITION_ERROR"
        ]
    );
}

#[test]
fn eval_refuses_a_policy_with_errors() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.fpl"), "agent a {\n  defualt deny\n}\n").expect("write");
    faramesh()
        .current_dir(dir.path())
        .args(["eval", "--policy", "bad.fpl", "--request", "{}"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0104"));
}

#[test]
fn decision_log_verifies_and_detects_tampering() {
    let dir = project();
    let log = dir.path().join("decisions.log");
    let requests: Vec<String> = (0..5)
        .map(|i| format!(r#"{{"agent":"bot","tool":"t/x","args":{{"amount":{i}}},"time":"2026-11-23T18:0{i}:00Z"}}"#))
        .collect();
    faramesh()
        .current_dir(dir.path())
        .args([
            "eval",
            "--policy",
            ".",
            "--requests",
            "-",
            "--log",
            "decisions.log",
        ])
        .write_stdin(requests.join("\n"))
        .assert()
        .success();
    faramesh()
        .arg("audit")
        .arg("verify")
        .arg(&log)
        .assert()
        .success()
        .stdout(predicate::str::contains("5 records verified"));

    let original = std::fs::read(&log).expect("log");
    let third_line_start = original
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'\n')
        .nth(1)
        .map(|(i, _)| i + 1)
        .expect("3 lines");
    let mut tampered = original.clone();
    let at = third_line_start
        + original[third_line_start..]
            .windows(7)
            .position(|w| w == b"\"tool\":")
            .expect("tool key")
        + 9;
    tampered[at] ^= 0x01;
    std::fs::write(&log, &tampered).expect("write");
    faramesh()
        .arg("audit")
        .arg("verify")
        .arg(&log)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("record 3"));

    let mut torn = original.clone();
    torn.extend_from_slice(br#"{"seq":6,"time":"#);
    std::fs::write(&log, &torn).expect("write");
    faramesh()
        .arg("audit")
        .arg("verify")
        .arg(&log)
        .assert()
        .code(1)
        .stdout(predicate::str::contains("--repair"));
    faramesh()
        .arg("audit")
        .arg("verify")
        .arg("--repair")
        .arg(&log)
        .assert()
        .success();
    assert_eq!(std::fs::read(&log).expect("log"), original);
}

#[test]
fn policy_tests_report_diffs_counts_and_coverage() {
    let dir = project();
    let tests = "cases:\n  - name: small passes\n    request: { agent: bot, tool: t/x, args: { amount: 1 } }\n    expect: { effect: permit, rule: bot/2 }\n  - name: wrong expectation\n    request: { agent: bot, tool: t/x, args: { amount: 50 } }\n    expect: { effect: permit }\n";
    std::fs::write(dir.path().join("bot.fmtest.yaml"), tests).expect("write");
    faramesh()
        .current_dir(dir.path())
        .arg("test")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("ok      small passes"))
        .stdout(predicate::str::contains("FAILED  wrong expectation"))
        .stdout(predicate::str::contains("-  \"effect\": \"permit\""))
        .stdout(predicate::str::contains("+  \"effect\": \"deny\""))
        .stdout(predicate::str::contains(
            "rules no case reached: bot/1 (governance.fms:4:3)",
        ))
        .stdout(predicate::str::contains("1 passed, 1 failed"));
}

#[test]
fn policy_test_files_with_mistakes_name_the_place() {
    let dir = project();
    std::fs::write(
        dir.path().join("bad.fmtest.yaml"),
        "cases:\n  - name: x\n    reqest: {}\n",
    )
    .expect("write");
    faramesh()
        .current_dir(dir.path())
        .arg("test")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bad.fmtest.yaml:3"));
}

#[test]
fn bundled_example_tests_pass() {
    let examples = fpl_testdata::repository_dir().join("examples");
    faramesh()
        .arg("test")
        .arg(&examples)
        .assert()
        .success()
        .stdout(predicate::str::contains("0 failed"));
}
