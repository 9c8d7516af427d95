//! End-to-end tests of `faramesh policy compile` through the real binary: the docs' example
//! compiled and then evaluated by `faramesh eval`, reports of sentences not understood, the
//! project vocabulary, backtests against histories, and the model backend against an HTTP
//! server on 127.0.0.1 that answers like a chat-completions API.

use std::io::{BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::sync::{Arc, Mutex};

use assert_cmd::Command;

const DOCS_EXAMPLE: &str = "\
# The example of docs/intent.md.
Deny all shell commands, no exceptions.
Defer refunds over $500 to a finance reviewer.
Allow read-only http get requests by default.
Require approval for any database write.
Log every action with the requesting user.
";

fn faramesh(dir: &Path) -> Command {
    let mut command = faramesh_e2e::faramesh();
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env_remove("FARAMESH_MODEL_ENDPOINT")
        .env_remove("FARAMESH_MODEL")
        .env_remove("FARAMESH_MODEL_API_KEY")
        .env_remove("OPENAI_API_KEY");
    command
}

/// Runs `faramesh policy compile intent.txt ARGS…` in `dir`.
fn compile(dir: &Path, args: &[&str]) -> std::process::Output {
    faramesh(dir)
        .args(["policy", "compile", "intent.txt"])
        .args(args)
        .output()
        .expect("runs")
}

fn project(intent: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("intent.txt"), intent).expect("write intent");
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// An error as miette prints it, with its line wrapping undone: words joined by one space.
fn flat(bytes: &[u8]) -> String {
    text(bytes)
        .split_whitespace()
        .filter(|word| *word != "│" && *word != "×")
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn the_docs_example_compiles_and_evaluates_as_intended() {
    let dir = project(DOCS_EXAMPLE);
    let output = compile(dir.path(), &["-o", "governance.fms"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    assert!(output.stdout.is_empty(), "the policy went to the file");
    let policy = std::fs::read_to_string(dir.path().join("governance.fms")).expect("written");
    assert!(policy.contains("deny! shell/* reason: \"Deny all shell commands, no exceptions\""));

    let printed = compile(dir.path(), &[]);
    assert_eq!(
        text(&printed.stdout),
        policy,
        "stdout and -o hold the same policy"
    );

    let check = faramesh(dir.path())
        .args(["check", "governance.fms"])
        .output()
        .expect("runs");
    assert!(check.status.success(), "{}", text(&check.stdout));

    let requests = [
        (
            r#"{"agent":"default","tool":"shell/exec","args":{"cmd":"ls"}}"#,
            "deny",
            "MANDATORY_DENY",
        ),
        (
            r#"{"agent":"default","tool":"stripe/refund","args":{"amount":800}}"#,
            "defer",
            "RULE_DEFER",
        ),
        (
            r#"{"agent":"default","tool":"stripe/refund","args":{"amount":20}}"#,
            "deny",
            "DEFAULT_DENY",
        ),
        (
            r#"{"agent":"default","tool":"http/get","args":{"url":"https://example.com"}}"#,
            "permit",
            "RULE_PERMIT",
        ),
        (
            r#"{"agent":"default","tool":"http/get/weather"}"#,
            "permit",
            "RULE_PERMIT",
        ),
        (
            r#"{"agent":"default","tool":"http/post"}"#,
            "deny",
            "DEFAULT_DENY",
        ),
        (
            r#"{"agent":"default","tool":"db/write","args":{"table":"users"}}"#,
            "defer",
            "RULE_DEFER",
        ),
    ];
    let lines: Vec<&str> = requests.iter().map(|(request, ..)| *request).collect();
    std::fs::write(dir.path().join("requests.jsonl"), lines.join("\n")).expect("write");
    let eval = faramesh(dir.path())
        .args([
            "eval",
            "--policy",
            "governance.fms",
            "--requests",
            "requests.jsonl",
        ])
        .output()
        .expect("runs");
    assert!(eval.status.success(), "{}", text(&eval.stderr));
    let decisions: Vec<serde_json::Value> = text(&eval.stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("decision JSON"))
        .collect();
    assert_eq!(decisions.len(), requests.len());
    for ((request, effect, code), decision) in requests.iter().zip(&decisions) {
        assert_eq!(decision["effect"], *effect, "{request}");
        assert_eq!(decision["reason_code"], *code, "{request}");
    }
    assert_eq!(decisions[1]["notify"], "finance");
    assert_eq!(
        decisions[1]["reason"],
        "Defer refunds over $500 to a finance reviewer"
    );
}

#[test]
fn explain_prints_each_sentence_beside_its_rules() {
    let dir = project(DOCS_EXAMPLE);
    let output = compile(dir.path(), &["--explain"]);
    assert!(output.status.success());
    let stderr = text(&output.stderr);
    let line = |prefix: &str| {
        stderr
            .lines()
            .find(|line| line.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix:?} in:\n{stderr}"))
            .to_string()
    };
    assert!(line("2  Deny all shell commands").ends_with("→  deny! shell/*"));
    assert!(
        line("3  Defer refunds over $500")
            .ends_with("→  defer stripe/refund when amount > $500 notify: \"finance\"")
    );
    assert!(stderr.contains("→  permit http/get/*"));
    assert!(line("6  Log every action").ends_with("→  audit { include actor_id }"));
}

#[test]
fn sentences_not_understood_are_reported_and_nothing_is_written() {
    let dir = project(
        "Deny all shell commands.\nDeny all shel commands.\nAllow refunds to customers who ask nicely.\n",
    );
    std::fs::write(dir.path().join("governance.fms"), "# the old policy\n").expect("write");
    let output = compile(dir.path(), &["-o", "governance.fms"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("error: intent.txt:2:10: expected a tool"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 | Deny all shel commands.\n  |          ^^^^\n"),
        "{stderr}"
    );
    assert!(stderr.contains("help: did you mean `shell`?"), "{stderr}");
    assert!(
        stderr.contains("nearest phrases it knows: \"deny all shell commands, no exceptions\""),
        "{stderr}"
    );
    assert!(
        stderr.contains("error: intent.txt:3:15: did not understand this part"),
        "{stderr}"
    );
    assert!(stderr.contains("2 sentence(s) not understood; nothing was written"));
    assert!(output.stdout.is_empty());
    assert_eq!(
        std::fs::read_to_string(dir.path().join("governance.fms")).expect("kept"),
        "# the old policy\n"
    );
}

#[test]
fn a_contradiction_is_reported_with_the_checkers_diagnostics() {
    let dir = project("Never run shell commands.\nAllow `shell/ls`.\n");
    let output = compile(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("does not pass `faramesh check`"),
        "{stderr}"
    );
    assert!(stderr.contains("S0302"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn the_vocabulary_comes_from_the_manifest_the_policy_and_the_history() {
    let dir = project(
        "The agent is called support-bot.\nThe agent can read tickets.\nAllow read customer.\nDefer crm notes add.\n",
    );
    std::fs::write(
        dir.path().join("faramesh.toml"),
        "[policy]\nfiles = [\"current.fpl\"]\n\n[intent.tools]\n\"read tickets\" = [\"zendesk/tickets/get\", \"zendesk/tickets/list\"]\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("current.fpl"),
        "agent support-bot {\n  default deny\n  permit read_customer\n}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("history.jsonl"),
        "{\"agent\":\"support-bot\",\"tool\":\"crm/notes/add\",\"args\":{},\"effect\":\"permit\"}\n",
    )
    .expect("write");
    let output = compile(dir.path(), &["--history", "history.jsonl"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let policy = text(&output.stdout);
    for rule in [
        "permit zendesk/tickets/get",
        "permit zendesk/tickets/list",
        "permit read_customer",
        "defer  crm/notes/add",
    ] {
        assert!(policy.contains(rule), "{rule} missing from:\n{policy}");
    }
    assert!(policy.contains("agent support-bot {"));

    // Without a project marker the current directory's stray policy files are not read; named
    // with --policy they are.
    let stray = project("Allow read customer.\n");
    std::fs::write(
        stray.path().join("stray.fpl"),
        "agent a {\n  default deny\n  permit read_customer\n}\n",
    )
    .expect("write");
    assert_eq!(compile(stray.path(), &[]).status.code(), Some(1));
    let named = compile(stray.path(), &["--policy", "stray.fpl"]);
    assert!(named.status.success(), "{}", text(&named.stderr));

    std::fs::write(
        dir.path().join("faramesh.toml"),
        "[intent.tools]\n\"x\" = 3\n",
    )
    .expect("write");
    let output = compile(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(flat(&output.stderr).contains("invalid `[intent.tools]` in `faramesh.toml`"));
}

#[test]
fn a_backtest_against_requests_shows_the_flips_with_examples() {
    let dir = project(
        "Agent: payments-bot\nAllow refunds up to $100.\nDefer refunds over $100 to finance.\nDeny everything else.\n",
    );
    let history = [
        r#"{"agent":"payments-bot","tool":"stripe/refund","args":{"amount":50},"effect":"permit"}"#,
        r#"{"agent":"payments-bot","tool":"stripe/refund","args":{"amount":800},"effect":"permit"}"#,
        r#"{"agent":"payments-bot","tool":"stripe/refund","args":{"amount":900},"effect":"permit"}"#,
        r#"{"agent":"payments-bot","tool":"email/send","args":{},"effect":"permit"}"#,
        r#"{"agent":"support-bot","tool":"email/send","args":{},"effect":"permit"}"#,
        "not a record",
    ];
    std::fs::write(dir.path().join("history.jsonl"), history.join("\n")).expect("write");
    let output = compile(dir.path(), &["--history", "history.jsonl"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("backtest of agent `payments-bot` against history.jsonl: 4 record(s) compared, 1 unchanged, 3 flipped"),
        "{stderr}"
    );
    assert!(stderr.contains("skipped the records of other agents: `support-bot` (1)"));
    assert!(stderr.contains("1 line(s) are not history records:\n    line 6: not JSON"));
    assert!(
        stderr.contains("  permit   → defer         2\n  permit   → deny          1\n"),
        "{stderr}"
    );
    assert!(stderr.contains(
        "    line 2: stripe/refund {\"amount\":800} → payments-bot/2 \"Defer refunds over $100 to finance\""
    ), "{stderr}");
    assert!(
        stderr.contains("    line 4: email/send {} → DEFAULT_DENY"),
        "{stderr}"
    );
}

#[test]
fn a_backtest_against_a_decision_log_compares_what_the_digest_allows() {
    let dir = project(
        "Agent: bot\nNever run shell commands.\nAllow refunds up to $100.\nAllow http get requests.\n",
    );
    std::fs::write(
        dir.path().join("old.fpl"),
        "agent bot {\n  default permit\n}\n",
    )
    .expect("write");
    let requests = [
        r#"{"agent":"bot","tool":"shell/exec","time":"2026-01-01T00:00:00Z"}"#,
        r#"{"agent":"bot","tool":"stripe/refund","args":{"amount":5},"time":"2026-01-01T00:00:01Z"}"#,
        r#"{"agent":"bot","tool":"http/get","time":"2026-01-01T00:00:02Z"}"#,
    ];
    std::fs::write(dir.path().join("requests.jsonl"), requests.join("\n")).expect("write");
    let eval = faramesh(dir.path())
        .args([
            "eval",
            "--policy",
            "old.fpl",
            "--requests",
            "requests.jsonl",
            "--log",
            "decisions.log",
        ])
        .output()
        .expect("runs");
    assert!(eval.status.success(), "{}", text(&eval.stderr));
    let output = compile(dir.path(), &["--history", "decisions.log"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("2 record(s) compared, 1 unchanged, 1 flipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("1 decision record(s) not compared"),
        "{stderr}"
    );
    assert!(
        stderr.contains("    line 1: shell/exec → bot/1 \"Never run shell commands\""),
        "{stderr}"
    );
}

/// What the test server answers to one request.
#[derive(Clone)]
enum Reply {
    /// A chat completion whose message is this text.
    Answer(String),
    /// A status and a raw body.
    Raw(u16, String),
    /// Headers promising a body of this many bytes, and then nothing more.
    Huge(usize),
    /// Nothing, ever: the connection is kept open.
    Hang,
}

/// A request the test server received: its headers (lowercased names) and body.
struct Received {
    headers: Vec<(String, String)>,
    body: serde_json::Value,
}

/// An HTTP server on 127.0.0.1 answering requests in turn from `replies` (the last one repeats).
struct ChatServer {
    url: String,
    received: Arc<Mutex<Vec<Received>>>,
}

impl ChatServer {
    fn start(replies: Vec<Reply>) -> ChatServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}/v1", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = received.clone();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for (index, stream) in listener.incoming().enumerate() {
                let Ok(stream) = stream else { continue };
                let reply = replies[index.min(replies.len() - 1)].clone();
                if let Some(stream) = serve(stream, &reply, &log) {
                    held.push(stream);
                }
            }
        });
        ChatServer { url, received }
    }

    fn received(&self) -> std::sync::MutexGuard<'_, Vec<Received>> {
        self.received.lock().expect("lock")
    }
}

/// Reads one request and answers it; returns the stream when it must stay open.
fn serve(stream: TcpStream, reply: &Reply, log: &Mutex<Vec<Received>>) -> Option<TcpStream> {
    let mut reader = BufReader::new(stream.try_clone().expect("clone"));
    let request = crate::support::read_http_request(&mut reader)?;
    log.lock().expect("lock").push(Received {
        headers: request.headers,
        body: serde_json::from_slice(&request.body).unwrap_or(serde_json::Value::Null),
    });
    let mut stream = stream;
    let (status, body) = match reply {
        Reply::Hang => return Some(stream),
        Reply::Huge(length) => {
            let head = format!("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes());
            return Some(stream);
        }
        Reply::Answer(content) => (
            200,
            serde_json::json!({"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]})
                .to_string(),
        ),
        Reply::Raw(status, body) => (*status, body.clone()),
    };
    let response = format!(
        "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
    None
}

const GOOD_ANSWER: &str = "Here is the policy:\n```fpl\nagent default {\n  default deny\n  deny! shell/* reason: \"Deny all shell commands, no exceptions\"\n  defer db/write reason: \"Require approval for any database write\"\n}\n```\n";
const INVALID_ANSWER: &str =
    "```fpl\nagent default {\n  default deny\n  deny! shell/* when amount >\n}\n```";

fn compile_with_model(dir: &Path, server: &ChatServer, extra: &[&str]) -> std::process::Output {
    faramesh(dir)
        .args([
            "policy",
            "compile",
            "intent.txt",
            "--model-endpoint",
            &server.url,
            "--model",
            "test-model",
        ])
        .args(extra)
        .env("FARAMESH_MODEL_API_KEY", "secret-key")
        .output()
        .expect("runs")
}

#[test]
fn a_good_model_answer_is_validated_formatted_and_shown() {
    let dir = project(DOCS_EXAMPLE);
    let server = ChatServer::start(vec![Reply::Answer(GOOD_ANSWER.into())]);
    let output = compile_with_model(dir.path(), &server, &["--explain"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let policy = text(&output.stdout);
    assert!(
        policy.starts_with("agent default {\n  default deny\n"),
        "{policy}"
    );
    let received = server.received();
    assert_eq!(received.len(), 1);
    let request = &received[0];
    assert!(
        request
            .headers
            .contains(&("authorization".into(), "Bearer secret-key".into()))
    );
    assert_eq!(request.body["model"], "test-model");
    let system = request.body["messages"][0]["content"]
        .as_str()
        .expect("system prompt");
    assert!(system.contains("rule         = effect pattern { clause } ;"));
    let task = request.body["messages"][1]["content"]
        .as_str()
        .expect("task");
    assert!(task.contains("\"shell commands\" → shell/* (built-in)"));
    assert!(task.contains("Defer refunds over $500 to a finance reviewer."));
    let stderr = text(&output.stderr);
    let shell = stderr
        .lines()
        .find(|line| line.starts_with("2  Deny all shell commands, no exceptions"))
        .unwrap_or_else(|| panic!("{stderr}"));
    assert!(shell.ends_with("→  deny! shell/*"), "{shell}");
    assert!(
        stderr.contains("→  (no rule gives this sentence as its reason)"),
        "{stderr}"
    );
}

#[test]
fn an_invalid_model_answer_is_sent_back_with_its_diagnostics_then_fixed() {
    let dir = project(DOCS_EXAMPLE);
    let server = ChatServer::start(vec![
        Reply::Answer(INVALID_ANSWER.into()),
        Reply::Answer(GOOD_ANSWER.into()),
    ]);
    let output = compile_with_model(dir.path(), &server, &["-o", "governance.fms"]);
    assert!(output.status.success(), "{}", text(&output.stderr));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("model answer 1 did not pass; sent back:\n  - 4:1: error E0101: expected an expression, found `}`"), "{stderr}");
    let received = server.received();
    assert_eq!(received.len(), 2);
    let messages = received[1].body["messages"].as_array().expect("messages");
    assert_eq!(messages.len(), 4);
    assert_eq!(messages[2]["role"], "assistant");
    assert_eq!(messages[2]["content"], INVALID_ANSWER);
    let feedback = messages[3]["content"].as_str().expect("feedback");
    assert!(
        feedback.contains("- 4:1: error E0101: expected an expression, found `}`"),
        "{feedback}"
    );
    let written = std::fs::read_to_string(dir.path().join("governance.fms")).expect("written");
    assert!(written.contains("defer db/write"), "{written}");
}

#[test]
fn garbage_from_the_model_fails_after_three_rounds() {
    let dir = project(DOCS_EXAMPLE);
    let server = ChatServer::start(vec![Reply::Answer(
        "I am sorry, I cannot write policies.".into(),
    )]);
    let output = compile_with_model(dir.path(), &server, &["-o", "governance.fms"]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(stderr.contains("model answer 3 did not pass"), "{stderr}");
    assert!(
        stderr.contains("no model answer passed validation in 3 round(s); nothing was written")
    );
    assert_eq!(server.received().len(), 3);
    assert!(output.stdout.is_empty());
    assert!(!dir.path().join("governance.fms").exists());
}

#[test]
fn a_model_that_does_not_answer_in_time_is_an_error() {
    let dir = project(DOCS_EXAMPLE);
    let server = ChatServer::start(vec![Reply::Hang]);
    let output = compile_with_model(dir.path(), &server, &["--model-timeout", "1"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = flat(&output.stderr);
    assert!(stderr.contains("did not answer within 1 s"), "{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn an_http_error_or_an_oversized_answer_is_an_error() {
    let dir = project(DOCS_EXAMPLE);
    let server = ChatServer::start(vec![Reply::Raw(500, "{\"error\":\"overloaded\"}".into())]);
    let output = faramesh(dir.path())
        .args(["policy", "compile", "intent.txt"])
        .env("FARAMESH_MODEL_ENDPOINT", &server.url)
        .env("FARAMESH_MODEL", "test-model")
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    let stderr = flat(&output.stderr);
    assert!(
        stderr.contains("/v1/chat/completions answered HTTP 500: {\"error\":\"overloaded\"}"),
        "{stderr}"
    );
    assert_eq!(server.received().len(), 1);

    let server = ChatServer::start(vec![Reply::Huge(2 * 1024 * 1024)]);
    let output = compile_with_model(dir.path(), &server, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(flat(&output.stderr).contains("is larger than 1048576 bytes"));

    let server = ChatServer::start(vec![Reply::Raw(200, "<html>".into())]);
    let output = compile_with_model(dir.path(), &server, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(flat(&output.stderr).contains("is not a chat completion"));
}

#[test]
fn a_model_endpoint_needs_a_model_name() {
    let dir = project(DOCS_EXAMPLE);
    let output = compile(dir.path(), &["--model-endpoint", "http://127.0.0.1:9/v1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(flat(&output.stderr).contains("a model endpoint needs a model name"));
}

#[test]
fn an_unreachable_model_endpoint_is_named_with_the_reason() {
    let dir = project(DOCS_EXAMPLE);
    // A port just closed: nothing listens there.
    let port = TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let url = format!("http://127.0.0.1:{port}/v1");
    let output = compile(dir.path(), &["--model-endpoint", &url, "--model", "m"]);
    assert_eq!(output.status.code(), Some(2));
    let message = flat(&output.stderr);
    assert!(
        message.contains(&url) && message.contains("Connection refused"),
        "{message}"
    );
}

#[test]
fn reports_quote_the_right_line_whatever_the_line_ends() {
    let dir = project("Allow refunds.\rDeny all shel commands.\r\nDeny payouts.\n");
    let output = compile(dir.path(), &[]);
    assert_eq!(output.status.code(), Some(1));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("error: intent.txt:2:10: expected a tool"),
        "{stderr}"
    );
    assert!(
        stderr.contains("2 | Deny all shel commands.\n  |          ^^^^\n"),
        "{stderr}"
    );
}
