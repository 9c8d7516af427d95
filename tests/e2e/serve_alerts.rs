//! End-to-end tests of alert delivery by `faramesh serve` (SPEC §17 "Alerts"): the real server
//! posts the decisions' alerts to webhook receivers on 127.0.0.1 started by the tests, in the
//! background, with retries, a bounded queue and a drain at shutdown.

use std::net::TcpStream;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use fpl_testdata::registry::git_commit_all;

use crate::alert_support::{Gate, Received, Receiver, Reply};
use crate::serve_support::{Bundles, Server, request};

/// Alerts on every kind of decision, to each scheme, and one target no test configures.
const POLICY: &str = r#"agent payments-bot {
  default deny
  rules {
    permit stripe/charge if amount < 500
    defer stripe/refund reason: "refunds need a person"
    deny! shell/* reason: "agents never run shell commands"
  }
  alert { on = "mandatory_deny" notify = "slack://#security" }
  alert { on = "deny" notify = "webhook://audit" }
  alert { on = "deny" notify = "email://security@example.com" }
  alert { on = "defer" notify = "pagerduty://payments" }
  alert { on = "permit" notify = "slack://#nobody" }
}
"#;

/// A temp dir whose `live.fmb` is [`POLICY`], signed with the trusted `key`.
fn policy_with_alerts() -> Bundles {
    let bundles = Bundles::new();
    let repo = bundles.path("repo");
    std::fs::write(repo.join("governance.fms"), POLICY).expect("policy");
    git_commit_all(&repo, "alerts");
    bundles.ok(&[
        "bundle", "build", "repo", "--rev", "HEAD", "--key", "key", "-o", "live.fmb",
    ]);
    bundles
}

/// Starts the server on `live.fmb` with `alerts.toml` (holding `alerts`) as its alerts file.
fn serve_with_alerts(bundles: &Bundles, alerts: &str) -> Server {
    std::fs::write(bundles.path("alerts.toml"), alerts).expect("alerts file");
    let server = Server::start(
        bundles.dir.path(),
        &["--bundle", "live.fmb", "--alerts", "alerts.toml"],
    );
    server.wait_status("ready", |status| status["ready"] == true);
    server
}

/// An alerts file delivering `webhook://audit` to `receiver` with one worker (so alerts go
/// out in order) and the other `[alerts]` settings `settings`.
fn webhook_alerts(receiver: &Receiver, settings: &str) -> String {
    format!(
        "[alerts]\nworkers = 1\n{settings}\n\n[alerts.targets.\"webhook://audit\"]\nurl = \"{}\"\n",
        receiver.url("/hook")
    )
}

/// A receiver that holds every request open until the gate opens, and a server delivering
/// `webhook://audit` to it (each try may take 600 s) with the `[alerts]` settings `settings`.
fn held_receiver(settings: &str) -> (Gate, Receiver, Bundles, Server) {
    let gate = Gate::default();
    let receiver = {
        let gate = gate.clone();
        Receiver::start(move |_| {
            gate.wait();
            Reply::ok()
        })
    };
    let bundles = policy_with_alerts();
    let alerts = webhook_alerts(&receiver, &format!("timeout = 600\n{settings}"));
    let server = serve_with_alerts(&bundles, &alerts);
    (gate, receiver, bundles, server)
}

/// The `tool` of each alert in `received`.
fn tools(received: &[Received]) -> Vec<String> {
    received
        .iter()
        .map(|r| r.body["tool"].as_str().expect("tool").to_owned())
        .collect()
}

/// A mandatory deny of `tool`, alerting `webhook://audit` (the only target most tests
/// configure); its decision id.
fn deny(server: &Server, tool: &str) -> String {
    let decision = server.decide(&format!(r#"{{"agent":"payments-bot","tool":"{tool}"}}"#));
    assert_eq!(decision["reason_code"], "MANDATORY_DENY", "{decision}");
    decision["decision_id"].as_str().expect("an id").to_owned()
}

/// `/metrics` as text.
fn metrics(server: &Server) -> String {
    let (status, text) = request(server.decide, "GET", "/metrics", &[], b"");
    assert_eq!(status, 200);
    text
}

/// Whether `/metrics` has the sample line `sample` (`name{labels} value`).
fn has_sample(text: &str, sample: &str) -> bool {
    text.lines().any(|line| line == sample)
}

/// Polls `/metrics` until it has `sample` (at most 30 s): counters of a delivery move just
/// after the receiver answered.
fn wait_sample(server: &Server, sample: &str) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let text = metrics(server);
        if has_sample(&text, sample) {
            return;
        }
        assert!(Instant::now() < deadline, "never `{sample}`:\n{text}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn each_receiver_gets_its_body_from_the_project_file() {
    let receiver = Receiver::start(|_| Reply::ok());
    let bundles = policy_with_alerts();
    // Read from ./faramesh.toml without `--alerts`; the secret comes from the environment.
    let manifest = format!(
        r#"[policy]
files = ["governance.fms"]

[alerts.targets."slack://#security"]
url = "{slack}"

[alerts.targets."webhook://audit"]
url = "{hook}"
headers = {{ Authorization = "Bearer ${{FARAMESH_TEST_HOOK_TOKEN}}" }}

[alerts.targets."email://security@example.com"]
url = "{mail}"

[alerts.targets."pagerduty://payments"]
url = "{pagerduty}"
routing_key = "R0UTING-KEY"
"#,
        slack = receiver.url("/slack"),
        hook = receiver.url("/hook"),
        mail = receiver.url("/mail"),
        pagerduty = receiver.url("/pagerduty"),
    );
    std::fs::write(bundles.path("faramesh.toml"), manifest).expect("faramesh.toml");
    let server = Server::start_with_env(
        bundles.dir.path(),
        &["--bundle", "live.fmb"],
        &[("FARAMESH_TEST_HOOK_TOKEN", "t0ken")],
    );
    server.wait_status("ready", |status| status["ready"] == true);

    let denied = server.decide(r#"{"agent":"payments-bot","tool":"shell/rm","session":"s-1"}"#);
    let deferred = server.decide(r#"{"agent":"payments-bot","tool":"stripe/refund"}"#);
    for _ in 0..2 {
        let permitted =
            server.decide(r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":5}}"#);
        assert_eq!(permitted["alerts"], serde_json::json!(["slack://#nobody"]));
    }
    let mut got = receiver.take(4);
    got.sort_by(|a, b| a.path.cmp(&b.path));
    let paths: Vec<&str> = got.iter().map(|r| r.path.as_str()).collect();
    assert_eq!(paths, ["/hook", "/mail", "/pagerduty", "/slack"]);
    let [hook, mail, pagerduty, slack] = &got[..] else {
        unreachable!("four requests")
    };

    // The webhook: the alert and the decision's facts, with the configured header.
    assert_eq!(hook.header("authorization"), Some("Bearer t0ken"));
    assert_eq!(hook.header("content-type"), Some("application/json"));
    let facts = &hook.body;
    assert_eq!(facts["alert"], "webhook://audit");
    assert_eq!(facts["decision_id"], denied["decision_id"]);
    assert_eq!(facts["agent"], "payments-bot");
    assert_eq!(facts["session"], "s-1");
    assert_eq!(facts["tool"], "shell/rm");
    assert_eq!(facts["effect"], "deny");
    assert_eq!(facts["reason_code"], "MANDATORY_DENY");
    assert_eq!(facts["rule"], denied["rule"]["id"]);
    assert_eq!(facts["reason"], "agents never run shell commands");
    assert_eq!(facts["policy"], denied["policy"]);
    assert!(
        facts["time"].as_str().is_some_and(|t| t.ends_with('Z')),
        "{facts}"
    );

    // Slack: an incoming webhook's `text`.
    let text = slack.body["text"].as_str().expect("slack text");
    let id = denied["decision_id"].as_str().expect("id");
    assert!(
        text.starts_with(
            "faramesh: deny shell/rm by payments-bot (MANDATORY_DENY, rule payments-bot/3): \
             agents never run shell commands\n"
        ) && text.contains(id),
        "{text}"
    );

    // The mail relay: the address of the target.
    assert_eq!(mail.body["to"], "security@example.com");

    // PagerDuty: an Events API v2 trigger for the deferred call.
    assert_eq!(pagerduty.body["routing_key"], "R0UTING-KEY");
    assert_eq!(pagerduty.body["event_action"], "trigger");
    assert_eq!(pagerduty.body["dedup_key"], deferred["decision_id"]);
    assert_eq!(pagerduty.body["payload"]["severity"], "warning");
    assert_eq!(pagerduty.body["payload"]["class"], "RULE_DEFER");

    // Counted: what was delivered, and the target nobody configured (not dropped silently).
    wait_sample(
        &server,
        r#"faramesh_alerts_delivered_total{scheme="slack"} 1"#,
    );
    wait_sample(
        &server,
        r#"faramesh_alerts_delivered_total{scheme="pagerduty"} 1"#,
    );
    let text = metrics(&server);
    assert!(
        has_sample(
            &text,
            r#"faramesh_alerts_unconfigured_total{target="slack://#nobody"} 2"#
        ),
        "{text}"
    );
}

#[test]
fn a_batch_delivers_each_configured_alert_and_counts_the_others() {
    // Only `webhook://audit` is configured: the batch's denies are delivered there, in order,
    // with their own facts; every other target is counted once per alert.
    let receiver = Receiver::start(|_| Reply::ok());
    let bundles = policy_with_alerts();
    let server = serve_with_alerts(&bundles, &webhook_alerts(&receiver, ""));
    let charge = r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":5}}"#;
    let body = format!(
        r#"[{charge},{{"agent":"payments-bot","tool":"shell/rm","session":"s-1"}},{charge},
        {{"agent":"payments-bot","tool":"shell/ls","session":"s-2"}},{charge}]"#
    );
    let answers = server.decide_batch(&body);
    let denied: Vec<&serde_json::Value> = answers
        .iter()
        .filter(|decision| decision["effect"] == "deny")
        .collect();
    assert_eq!(denied.len(), 2, "{answers:?}");

    let got = receiver.take(2);
    assert_eq!(tools(&got), ["shell/rm", "shell/ls"]);
    for (alert, decision) in got.iter().zip(&denied) {
        let facts = &alert.body;
        assert_eq!(facts["alert"], "webhook://audit");
        assert_eq!(facts["decision_id"], decision["decision_id"]);
        assert_eq!(facts["reason_code"], "MANDATORY_DENY");
        assert_eq!(facts["rule"], decision["rule"]["id"]);
    }
    assert_eq!(got[0].body["session"], "s-1");
    assert_eq!(got[1].body["session"], "s-2");
    let text = metrics(&server);
    for sample in [
        r#"faramesh_alerts_unconfigured_total{target="slack://#nobody"} 3"#,
        r#"faramesh_alerts_unconfigured_total{target="slack://#security"} 2"#,
        r#"faramesh_alerts_unconfigured_total{target="email://security@example.com"} 2"#,
    ] {
        assert!(has_sample(&text, sample), "no `{sample}`:\n{text}");
    }
    wait_sample(
        &server,
        r#"faramesh_alerts_delivered_total{scheme="webhook"} 2"#,
    );
}

#[test]
fn a_failing_receiver_gets_the_alert_once_it_recovers() {
    // 500, then 429 asking for a second's wait, then accepted.
    let answered = Arc::new(AtomicUsize::new(0));
    let receiver = {
        let answered = answered.clone();
        Receiver::start(move |_| match answered.fetch_add(1, Ordering::SeqCst) {
            0 => Reply::status(500),
            1 => Reply::retry_after(429, "1"),
            _ => Reply::ok(),
        })
    };
    let bundles = policy_with_alerts();
    let server = serve_with_alerts(&bundles, &webhook_alerts(&receiver, "backoff = 0.01"));
    let first = deny(&server, "shell/rm");
    let tries = receiver.take(3);
    for tried in &tries {
        assert_eq!(tried.body["decision_id"], first.as_str());
    }
    assert_eq!(tries[0].body, tries[2].body);
    // One worker delivers in order: the next alert arrives only once the first was accepted,
    // so the first is not sent again.
    let second = deny(&server, "shell/ls");
    assert_eq!(receiver.next().body["decision_id"], second.as_str());
    wait_sample(
        &server,
        r#"faramesh_alerts_delivered_total{scheme="webhook"} 2"#,
    );
    let text = metrics(&server);
    assert!(
        has_sample(
            &text,
            r#"faramesh_alerts_retries_total{scheme="webhook"} 2"#
        ),
        "{text}"
    );
    assert!(!text.contains("faramesh_alerts_failed_total{"), "{text}");
}

#[test]
fn an_alert_is_given_up_after_its_attempts_or_at_a_refusal() {
    // The webhook always fails; the mail relay refuses the alert (a 4xx is not tried again).
    let receiver = Receiver::start(|request| match request.path.as_str() {
        "/broken" => Reply::status(500),
        _ => Reply::status(400),
    });
    let bundles = policy_with_alerts();
    let alerts = format!(
        "[alerts]\nworkers = 1\nattempts = 2\nbackoff = 0.01\n\n\
         [alerts.targets.\"webhook://audit\"]\nurl = \"{}\"\n\n\
         [alerts.targets.\"email://security@example.com\"]\nurl = \"{}\"\n",
        receiver.url("/broken"),
        receiver.url("/refuses"),
    );
    let server = serve_with_alerts(&bundles, &alerts);
    deny(&server, "shell/rm");
    // In the policy's order, one at a time: two tries of the webhook, one of the relay.
    let paths: Vec<String> = receiver.take(3).into_iter().map(|r| r.path).collect();
    assert_eq!(paths, ["/broken", "/broken", "/refuses"]);
    wait_sample(&server, r#"faramesh_alerts_failed_total{scheme="email"} 1"#);
    let text = metrics(&server);
    for sample in [
        r#"faramesh_alerts_failed_total{scheme="webhook"} 1"#,
        r#"faramesh_alerts_retries_total{scheme="webhook"} 1"#,
    ] {
        assert!(has_sample(&text, sample), "{sample}:\n{text}");
    }
    assert!(!text.contains("faramesh_alerts_delivered_total{"), "{text}");
    assert!(
        !text.contains(r#"faramesh_alerts_retries_total{scheme="email"}"#),
        "{text}"
    );
}

#[test]
fn an_unreachable_receiver_is_logged_with_the_reason_and_never_its_url() {
    // A port just closed: nothing listens there. The path stands for a webhook's secret.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let bundles = policy_with_alerts();
    let alerts = format!(
        "[alerts]\nworkers = 1\nattempts = 1\n\n[alerts.targets.\"webhook://audit\"]\n\
         url = \"http://127.0.0.1:{port}/hook-secret\"\n"
    );
    std::fs::write(bundles.path("alerts.toml"), alerts).expect("alerts file");
    let log = bundles.path("serve.log");
    let server = Server::start_logging_to(
        bundles.dir.path(),
        &["--bundle", "live.fmb", "--alerts", "alerts.toml"],
        &log,
    );
    server.wait_status("ready", |status| status["ready"] == true);
    deny(&server, "shell/rm");
    wait_sample(
        &server,
        r#"faramesh_alerts_failed_total{scheme="webhook"} 1"#,
    );
    drop(server);
    let text = std::fs::read_to_string(&log).expect("the server's log");
    assert!(
        text.contains("alert to `webhook://audit`") && text.contains("Connection refused"),
        "{text}"
    );
    assert!(!text.contains("hook-secret"), "{text}");
}

#[test]
fn a_receiver_that_hangs_never_holds_up_decisions() {
    let (gate, receiver, _bundles, server) = held_receiver("");
    let first = deny(&server, "shell/rm");
    // The receiver holds the first alert's request open until the gate opens ...
    assert_eq!(receiver.next().body["decision_id"], first.as_str());
    // ... and meanwhile every decision is answered.
    let mut ids = vec![first];
    for n in 0..50 {
        ids.push(deny(&server, &format!("shell/cmd{n}")));
    }
    gate.open();
    let delivered: Vec<String> = receiver
        .take(50)
        .iter()
        .map(|r| r.body["decision_id"].as_str().expect("id").to_owned())
        .collect();
    assert_eq!(delivered, ids[1..]);
}

#[test]
fn a_full_queue_drops_the_oldest_and_counts_it() {
    let (gate, receiver, _bundles, server) = held_receiver("queue = 2");
    deny(&server, "shell/a");
    assert_eq!(receiver.next().body["tool"], "shell/a");
    // Queue of two while the only worker is held: b and c wait, d drops b, e drops c.
    for tool in ["shell/b", "shell/c", "shell/d", "shell/e"] {
        deny(&server, tool);
    }
    let text = metrics(&server);
    assert!(
        has_sample(
            &text,
            r#"faramesh_alerts_dropped_total{reason="queue_full"} 2"#
        ),
        "{text}"
    );
    assert!(has_sample(&text, "faramesh_alerts_queued 2"), "{text}");
    gate.open();
    assert_eq!(tools(&receiver.take(2)), ["shell/d", "shell/e"]);
    wait_sample(
        &server,
        r#"faramesh_alerts_delivered_total{scheme="webhook"} 3"#,
    );
}

#[test]
fn shutdown_delivers_what_is_queued() {
    let (gate, receiver, _bundles, server) = held_receiver("drain = 600");
    deny(&server, "shell/a");
    assert_eq!(receiver.next().body["tool"], "shell/a");
    deny(&server, "shell/b");
    deny(&server, "shell/c");
    server.signal("TERM");
    // Decisions have stopped (the listener is closed) while two alerts still wait.
    let deadline = Instant::now() + Duration::from_secs(30);
    while TcpStream::connect(server.decide).is_ok() {
        assert!(Instant::now() < deadline, "the listener never closed");
        std::thread::sleep(Duration::from_millis(20));
    }
    gate.open();
    assert_eq!(tools(&receiver.take(2)), ["shell/b", "shell/c"]);
    assert!(server.wait().success());
}

#[test]
fn bad_alert_configuration_stops_the_start_at_its_place() {
    let bundles = Bundles::new();
    let start = |alerts: &str| {
        std::fs::write(bundles.path("alerts.toml"), alerts).expect("alerts file");
        let output = faramesh_e2e::faramesh()
            .current_dir(bundles.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("FARAMESH_TEST_UNSET_VARIABLE")
            .args(["serve", "--bundle", "a.fmb", "--trust", "key.pub"])
            .args(["--addr", "127.0.0.1:0", "--alerts", "alerts.toml"])
            .output()
            .expect("runs");
        assert!(!output.status.success());
        // The message as one line, without the report's wrapping and gutter.
        String::from_utf8_lossy(&output.stderr)
            .split_whitespace()
            .filter(|word| !["×", "│"].contains(word))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let unknown = start("[alerts]\nqueu = 5\n");
    assert!(
        unknown.contains("alerts.toml:2:1: unknown key `queu` in `alerts`"),
        "{unknown}"
    );
    let missing =
        start("[alerts.targets.\"slack://#x\"]\nurl = \"${FARAMESH_TEST_UNSET_VARIABLE}\"\n");
    assert!(
        missing.contains(
            "alerts.toml:2:7: `alerts.targets.\"slack://#x\".url` needs the environment \
             variable `FARAMESH_TEST_UNSET_VARIABLE`"
        ),
        "{missing}"
    );
    let none = start("[policy]\nfiles = []\n");
    assert!(none.contains("has no `[alerts]` table"), "{none}");
}
