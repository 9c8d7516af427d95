//! SPEC §2's line ends end to end: LF, CRLF and a lone CR each end a line (and a comment) for
//! `faramesh eval`, `faramesh check` and `faramesh lsp` alike, so what an editor shows on its
//! own line is a statement of its own; characters that could hide text are `E0001`.

use assert_cmd::Command;
use fpl_testdata::lsp_client::Client;
use serde_json::{Value, json};

/// Looks like two lines in an editor; before SPEC §2 named the lone CR, the comment swallowed
/// the mandatory deny and `shell/exec` was permitted.
const HIDDEN_DENY: &str = "permit * # temp\r  deny! shell/*\n";

fn faramesh() -> Command {
    let mut command = faramesh_e2e::faramesh();
    command.env("NO_COLOR", "1");
    command
}

fn policy(text: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("policy.fpl"), text).expect("write policy");
    dir
}

fn eval(text: &str, request: &str) -> Value {
    let dir = policy(text);
    let output = faramesh()
        .current_dir(dir.path())
        .args(["eval", "--policy", "policy.fpl", "--request", request])
        .output()
        .expect("runs");
    serde_json::from_slice(&output.stdout).expect("one decision")
}

#[test]
fn a_comment_ended_by_a_lone_cr_does_not_swallow_the_next_line() {
    let decision = eval(HIDDEN_DENY, r#"{"agent":"default","tool":"shell/exec"}"#);
    assert_eq!(decision["effect"], "deny", "{decision}");
    assert_eq!(decision["reason_code"], "MANDATORY_DENY", "{decision}");
    assert_eq!(decision["rule"]["line"], 2, "{decision}");
    assert_eq!(decision["rule"]["column"], 3, "{decision}");
    // The rule before the comment still stands.
    let other = eval(HIDDEN_DENY, r#"{"agent":"default","tool":"files/read"}"#);
    assert_eq!(other["effect"], "permit", "{other}");
}

/// `(code, line, column)` of every diagnostic `faramesh check --format json` reports for `text`.
fn check(text: &str) -> Vec<(String, u64, u64)> {
    let dir = policy(text);
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "--no-smt", "policy.fpl"])
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON report");
    report["diagnostics"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or_default(),
                d["column"].as_u64().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn diagnostics_count_every_line_end() {
    // The repeated clause of the rule after the lone CR is on line 2.
    let repeated = HIDDEN_DENY.replace('\n', " reason: \"a\" reason: \"b\"\n");
    assert_eq!(check(&repeated), vec![("E0103".to_string(), 2, 29)]);
    let hidden = "agent a {\r  default deny\r\n  permit x # \u{202E} }\n  deny y\r}\r";
    assert_eq!(check(hidden), vec![("E0001".to_string(), 3, 14)]);
}

#[test]
fn human_code_frames_show_the_lines_an_editor_shows() {
    let dir = policy("permit * # temp\r  deny! shell/* # \u{202E}x\n");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "--no-smt", "policy.fpl"])
        .output()
        .expect("runs");
    let shown = String::from_utf8_lossy(&output.stdout);
    assert!(shown.contains("[policy.fpl:2:19]"), "{shown}");
    assert!(
        shown.contains(" 2 │   deny! shell/* # \u{FFFD}x"),
        "{shown}"
    );
    assert!(
        !shown.contains('\u{202E}'),
        "the override is not printed: {shown}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn language_server_positions_count_every_line_end() {
    const URI: &str = "file:///ws/line_ends.fpl";
    let mut client = Client::spawn(faramesh_e2e::binary(), &["lsp"]);
    client.initialize(None).await;
    client
        .open(URI, "permit * # temp\r  deny! shell/* # \u{202E}\n")
        .await;
    let diagnostics = client
        .diagnostics_until(URI, |d| d.iter().any(|d| d["code"] == "E0001"))
        .await;
    let hidden = diagnostics
        .iter()
        .find(|d| d["code"] == "E0001")
        .expect("E0001");
    assert_eq!(
        hidden["range"],
        json!({"start": {"line": 1, "character": 18}, "end": {"line": 1, "character": 19}})
    );
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": URI}, "position": {"line": 1, "character": 2}}),
        )
        .await;
    let text = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(text.contains("Rule `default/2`"), "{text}");
    assert_eq!(client.shutdown_and_exit().await.code(), Some(0));
}
