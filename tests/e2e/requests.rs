//! Untrusted requests through the real `faramesh eval` (SPEC §5, §6.2): tool names and paths
//! that would slip past a `deny!`, ambiguous `query`/`headers` keys, oversized and malformed
//! input, and streaming over a pipe.

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, Stdio};
use std::sync::mpsc::{self, Receiver};
use std::time::Duration;

use crate::support::{self, eval_stdin};

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

/// How long a test waits for a decision before it fails instead of hanging: far more than a
/// decision takes, far less than the old behaviour (waiting forever) needs.
const PATIENCE: Duration = Duration::from_secs(60);

/// A running `faramesh eval … --requests -` whose decisions are read as they arrive.
struct Conversation {
    child: Child,
    stdin: Option<ChildStdin>,
    decisions: Receiver<String>,
}

impl Conversation {
    fn start(dir: &std::path::Path, requests: &str) -> Conversation {
        let mut child = std::process::Command::new(faramesh_e2e::binary())
            .current_dir(dir)
            .args(["eval", "--policy", ".", "--requests", requests])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("starts");
        let stdout = child.stdout.take().expect("stdout");
        let (send, decisions) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        let stdin = child.stdin.take();
        Conversation {
            child,
            stdin,
            decisions,
        }
    }

    fn send(&mut self, line: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(line).expect("write");
        stdin.write_all(b"\n").expect("write");
        stdin.flush().expect("flush");
    }

    /// The next decision's reason code; fails the test after [`PATIENCE`].
    fn reason_code(&self) -> String {
        let line = self
            .decisions
            .recv_timeout(PATIENCE)
            .expect("a decision arrives without more input");
        let decision: serde_json::Value = serde_json::from_str(&line).expect("decision JSON");
        decision["reason_code"].as_str().unwrap_or("-").to_string()
    }
}

impl Drop for Conversation {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const BOT: &str = "agent bot {\n  default deny\n  permit t/* when amount < 10\n}\n";

#[test]
fn each_decision_arrives_before_the_next_request_is_written() {
    let dir = project(BOT);
    let mut talk = Conversation::start(dir.path(), "-");
    let exchanges: [(&[u8], &str); 5] = [
        (
            br#"{"agent":"bot","tool":"t/x","args":{"amount":1}}"#,
            "RULE_PERMIT",
        ),
        (b"   \t", "INVALID_REQUEST"),
        (b"", "INVALID_REQUEST"),
        (
            b"{\"agent\":\"bot\",\"tool\":\"t/x\",\"args\":{\"amount\":1,\"note\":\"\xff\"}}",
            "INVALID_REQUEST",
        ),
        (
            br#"{"agent":"bot","tool":"t/x","args":{"amount":50}}"#,
            "DEFAULT_DENY",
        ),
    ];
    for (line, code) in exchanges {
        talk.send(line);
        assert_eq!(
            talk.reason_code(),
            code,
            "{}",
            String::from_utf8_lossy(line)
        );
    }
    drop(talk.stdin.take());
    assert!(talk.child.wait().expect("exits").success());
}

#[test]
fn an_endless_line_is_one_invalid_request_and_earlier_decisions_are_not_lost() {
    let dir = project(BOT);
    // Reading /dev/zero: one line that never ends.
    let zeros = Conversation::start(dir.path(), "/dev/zero");
    assert_eq!(zeros.reason_code(), "INVALID_REQUEST");
    drop(zeros);

    let mut talk = Conversation::start(dir.path(), "-");
    talk.send(br#"{"agent":"bot","tool":"t/x","args":{"amount":1}}"#);
    talk.send(br#"{"agent":"bot","tool":"t/x","args":{"amount":2}}"#);
    let mut stdin = talk.stdin.take().expect("stdin");
    let writer = std::thread::spawn(move || {
        // 8 MiB without a newline, then a request: bounded, and twice the request limit.
        let block = vec![b' '; 1 << 20];
        for _ in 0..8 {
            if stdin.write_all(&block).is_err() {
                return;
            }
        }
        let _ =
            stdin.write_all(b"\n{\"agent\":\"bot\",\"tool\":\"t/x\",\"args\":{\"amount\":3}}\n");
    });
    for code in [
        "RULE_PERMIT",
        "RULE_PERMIT",
        "INVALID_REQUEST",
        "RULE_PERMIT",
    ] {
        assert_eq!(talk.reason_code(), code);
    }
    writer.join().expect("writer");
}

#[test]
fn a_request_with_200k_keys_is_decided_promptly() {
    let dir = project(BOT);
    let mut text = String::from(r#"{"agent":"nobody","tool":"t/x","args":{"#);
    for i in 0..200_000 {
        text.push_str(&format!("\"key{i:07}\":1,"));
    }
    text.push_str("\"last\":1}}");
    let file = dir.path().join("big.json");
    std::fs::write(&file, &text).expect("write");
    let output = support::faramesh()
        .current_dir(dir.path())
        .args(["eval", "--policy", ".", "--request", "@big.json"])
        .timeout(PATIENCE)
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        support::summary(&support::decisions(&output.stdout)[0]).1,
        "UNKNOWN_AGENT"
    );
}

#[test]
fn oversized_lines_in_a_file_are_each_one_invalid_request() {
    let dir = project(BOT);
    let good = r#"{"agent":"bot","tool":"t/x","args":{"amount":1}}"#;
    let huge = format!(
        r#"{{"agent":"bot","tool":"t/x","args":{{"amount":1,"pad":"{}"}}}}"#,
        "x".repeat(fpl_runtime::MAX_REQUEST_BYTES)
    );
    std::fs::write(
        dir.path().join("requests.jsonl"),
        format!("{good}\n{huge}\n{good}\n{huge}"),
    )
    .expect("write");
    let output = support::faramesh()
        .current_dir(dir.path())
        .args(["eval", "--policy", ".", "--requests", "requests.jsonl"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let codes: Vec<String> = support::decisions(&output.stdout)
        .iter()
        .map(|d| support::summary(d).1)
        .collect();
    assert_eq!(
        codes,
        [
            "RULE_PERMIT",
            "INVALID_REQUEST",
            "RULE_PERMIT",
            "INVALID_REQUEST"
        ]
    );
}

#[test]
fn unreadable_inputs_are_named() {
    let dir = project(BOT);
    for args in [
        ["--requests", "missing.jsonl"],
        ["--request", "@missing.json"],
    ] {
        support::faramesh()
            .current_dir(dir.path())
            .args(["eval", "--policy", "."])
            .args(args)
            .assert()
            .code(2)
            .stderr(predicates::str::contains("missing.json"));
    }
}
