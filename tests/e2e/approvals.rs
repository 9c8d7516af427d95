//! Approvals of `faramesh serve` (SPEC §17), end to end: a `defer` creates an approval, an
//! approver resolves it on the admin listener (or with `faramesh approvals`), and the re-sent
//! call is decided with it: permitted once, denied, or ignored when it does not fit.

use std::net::SocketAddr;

use serde_json::{Value, json};

use crate::serve_support::{Bundles, Server, TOKEN, request};

/// Charges under 500 are permitted, larger ones deferred; interns are never let charge, and a
/// charge is limited to 2 a day. Another agent's charges are all deferred. Approvals last a
/// minute.
const POLICY: &str = r#"runtime {
  approval_ttl = 60s
}

agent payments-bot {
  default deny
  rate_limit stripe/charge: 2 per day
  redact stripe/* args: ["card_number"]

  credential stripe {
    scope stripe/*
  }

  rules {
    deny! stripe/charge when principal.role == "intern" reason: "interns never charge"
    permit stripe/charge when amount < 500
    defer stripe/charge reason: "large charge" notify: "finance"
  }
}

agent refunds-bot {
  default deny

  rules {
    defer stripe/charge reason: "every charge"
  }
}
"#;

/// The same policy with approvals that last 300 ms.
fn short_lived() -> String {
    POLICY.replace("approval_ttl = 60s", "approval_ttl = 300ms")
}

/// A charge of `amount` by principal `u-17` (a clerk) in session `s-1`.
pub(crate) fn charge(amount: u64) -> Value {
    json!({
        "agent": "payments-bot",
        "tool": "stripe/charge",
        "session": "s-1",
        "principal": {"id": "u-17", "role": "clerk"},
        "args": {"amount": amount, "card_number": "4242424242424242"},
    })
}

/// `request` naming approval `id`.
pub(crate) fn with_approval(mut request: Value, id: &str) -> Value {
    request["approval"] = json!(id);
    request
}

/// `faramesh serve` with an admin listener, once its bundle is active.
pub(crate) fn serve(bundles: &Bundles, args: &[&str]) -> Server {
    let server = Server::with_admin(bundles.dir.path(), args);
    server.wait_status("ready", |status| status["ready"] == true);
    server
}

pub(crate) fn bundles() -> Bundles {
    Bundles::build(&[
        (POLICY, "a.fmb", "key"),
        (&short_lived(), "short.fmb", "key"),
    ])
}

/// A request to the admin listener with the token: the status and the JSON answer.
pub(crate) fn admin(server: &Server, method: &str, path: &str, body: &Value) -> (u16, Value) {
    admin_as(server, TOKEN, method, path, body)
}

/// [`admin`] with the bearer token `token`.
fn admin_as(server: &Server, token: &str, method: &str, path: &str, body: &Value) -> (u16, Value) {
    let auth = format!("Bearer {token}");
    let body = if body.is_null() {
        String::new()
    } else {
        body.to_string()
    };
    let (status, answer) = request(
        server.admin.expect("an admin listener"),
        method,
        path,
        &[("Authorization", &auth)],
        body.as_bytes(),
    );
    let answer = serde_json::from_str(&answer).expect("admin JSON");
    (status, answer)
}

/// Resolves approval `id` as `approver`.
pub(crate) fn resolve(server: &Server, id: &str, decision: &str, approver: &str) -> (u16, Value) {
    let body = json!({"decision": decision, "approver": approver, "comment": "checked"});
    admin(server, "POST", &format!("/v1/approvals/{id}"), &body)
}

/// Decides `request`.
pub(crate) fn decide(server: &Server, request: &Value) -> Value {
    server.decide(&request.to_string())
}

/// Decides a charge of 900 that must be deferred; its approval.
pub(crate) fn deferred(server: &Server) -> Value {
    let decision = decide(server, &charge(900));
    assert_eq!(decision["effect"], "defer", "{decision}");
    assert_eq!(decision["reason_code"], "RULE_DEFER");
    decision["approval"].clone()
}

pub(crate) fn id_of(approval: &Value) -> String {
    approval["id"].as_str().expect("an approval id").to_owned()
}

/// Every record of the decision log, parsed.
pub(crate) fn records(bundles: &Bundles) -> Vec<Value> {
    std::fs::read_to_string(bundles.path("log"))
        .expect("the log")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON record"))
        .collect()
}

/// The states that the log records for approval `id`, in order.
pub(crate) fn logged_states(bundles: &Bundles, id: &str) -> Vec<String> {
    records(bundles)
        .iter()
        .filter(|record| record["event"] == "approval" && record["approval"]["id"] == id)
        .map(|record| {
            record["approval"]["state"]
                .as_str()
                .unwrap_or("")
                .to_owned()
        })
        .collect()
}

#[test]
fn an_approved_call_is_permitted_once_and_every_change_is_logged() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "a.fmb", "--log", "log"]);
    let approval = deferred(&server);
    let id = id_of(&approval);
    assert_eq!(id.len(), 32, "128 random bits as hex: {id}");
    assert_eq!(approval["state"], "pending");
    assert_eq!(approval["agent"], "payments-bot");
    assert_eq!(approval["session"], "s-1");
    assert_eq!(approval["tool"], "stripe/charge");
    assert_eq!(approval["rule"], "payments-bot/3");
    assert_eq!(approval["reason"], "large charge");
    assert_eq!(approval["notify"], "finance");
    assert_eq!(approval["args_digest"].as_str().map(str::len), Some(64));
    assert!(approval["expires"].as_str() > approval["created"].as_str());

    // Listed as pending; the agent's listener has no approval endpoints.
    let (status, listed) = admin(&server, "GET", "/v1/approvals?state=pending", &Value::Null);
    assert_eq!(status, 200);
    assert_eq!(listed["approvals"][0]["id"], id.as_str());
    let (status, _) = request(
        server.decide,
        "POST",
        &format!("/v1/approvals/{id}"),
        &[],
        br#"{"decision":"approve","approver":"eve"}"#,
    );
    assert_eq!(status, 404, "agents cannot reach approvals");

    // Re-sent while pending: deferred again with the same approval.
    let again = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(again["effect"], "defer");
    assert_eq!(again["approval"]["id"], id.as_str());
    assert_eq!(again["approval"]["state"], "pending");

    // A long poll sees the approval; a second resolution is a conflict and changes nothing.
    let admin_addr: SocketAddr = server.admin.expect("admin");
    let poll = std::thread::spawn({
        let id = id.clone();
        move || {
            let auth = format!("Bearer {TOKEN}");
            request(
                admin_addr,
                "GET",
                &format!("/v1/approvals/{id}?wait=30s"),
                &[("Authorization", &auth)],
                b"",
            )
        }
    });
    let (status, approved) = resolve(&server, &id, "approve", "lead");
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["state"], "approved");
    assert_eq!(approved["approver"], "lead");
    let (status, polled) = poll.join().expect("the long poll");
    assert_eq!(status, 200);
    let polled: Value = serde_json::from_str(&polled).expect("JSON");
    assert_eq!(polled["state"], "approved");
    let (status, conflict) = resolve(&server, &id, "deny", "someone-else");
    assert_eq!(status, 409, "{conflict}");
    assert!(
        conflict["error"]
            .as_str()
            .is_some_and(|e| e.contains("already approved")),
        "{conflict}"
    );

    // Permitted once, with the permit's credentials; then the approval is used up.
    let permitted = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(permitted["effect"], "permit", "{permitted}");
    assert_eq!(permitted["reason_code"], "APPROVED");
    assert_eq!(permitted["rule"]["id"], "payments-bot/3");
    assert_eq!(permitted["credentials"], json!(["stripe"]));
    assert_eq!(permitted["approval"]["state"], "used");
    assert_eq!(permitted["warnings"], json!([]));
    let reused = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(reused["effect"], "defer", "{reused}");
    assert_eq!(reused["warnings"], json!(["APPROVAL_INVALID"]));
    assert_ne!(reused["approval"]["id"], id.as_str(), "a new approval");
    let (_, shown) = admin(&server, "GET", &format!("/v1/approvals/{id}"), &Value::Null);
    assert_eq!(shown["state"], "used");
    let (_, metrics) = request(server.decide, "GET", "/metrics", &[], b"");
    for line in [
        r#"faramesh_approvals_total{state="pending"} 2"#,
        r#"faramesh_approvals_total{state="approved"} 1"#,
        r#"faramesh_approvals_total{state="used"} 1"#,
    ] {
        assert!(metrics.lines().any(|l| l == line), "{line} in {metrics}");
    }

    // The log records every change after the decision that caused it, and verifies.
    assert_eq!(
        logged_states(&bundles, &id),
        ["pending", "approved", "used"]
    );
    let all = records(&bundles);
    let created = all
        .iter()
        .position(|r| r["event"] == "approval" && r["approval"]["state"] == "pending")
        .expect("a created record");
    assert_eq!(all[created - 1]["effect"], "defer");
    assert_eq!(all[created]["decision_id"], all[created - 1]["decision_id"]);
    assert_eq!(
        all[created]["args_digest"],
        all[created - 1]["args_digest"],
        "the log keeps the redacted digest"
    );
    assert_ne!(all[created]["args_digest"], approval["args_digest"]);
    let approved_record = all
        .iter()
        .find(|r| r["approval"]["state"] == "approved")
        .expect("an approved record");
    assert_eq!(approved_record["approval"]["approver"], "lead");
    assert_eq!(approved_record["approval"]["comment"], "checked");
    drop(server);
    let verified = bundles.ok(&["audit", "verify", "log"]);
    assert!(verified.contains("records verified; head"), "{verified}");
}

#[test]
fn a_denied_approval_denies_its_call() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "a.fmb"]);
    let id = id_of(&deferred(&server));
    let (status, denied) = resolve(&server, &id, "deny", "lead");
    assert_eq!(status, 200, "{denied}");
    assert_eq!(denied["state"], "denied");
    let decision = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(decision["effect"], "deny", "{decision}");
    assert_eq!(decision["reason_code"], "APPROVAL_DENIED");
    assert_eq!(decision["approval"]["state"], "denied");
    let (status, _) = resolve(&server, &id, "approve", "lead");
    assert_eq!(status, 409);
}

#[test]
fn an_unresolved_approval_expires_and_is_then_ignored() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "short.fmb", "--log", "log"]);
    let id = id_of(&deferred(&server));
    // The long poll ends when the approval expires.
    let (status, expired) = admin(
        &server,
        "GET",
        &format!("/v1/approvals/{id}?wait=30s"),
        &Value::Null,
    );
    assert_eq!(status, 200);
    assert_eq!(expired["state"], "expired");
    let (status, _) = resolve(&server, &id, "approve", "lead");
    assert_eq!(status, 409);
    let decision = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(decision["effect"], "defer");
    assert_eq!(decision["warnings"], json!(["APPROVAL_INVALID"]));
    let (_, listed) = admin(&server, "GET", "/v1/approvals?state=expired", &Value::Null);
    assert!(
        listed["approvals"]
            .as_array()
            .is_some_and(|all| all.iter().any(|a| a["id"] == id.as_str())),
        "{listed}"
    );
    assert_eq!(logged_states(&bundles, &id), ["pending", "expired"]);
    drop(server);
    bundles.ok(&["audit", "verify", "log"]);
}

#[test]
fn an_agent_past_its_approval_bound_is_deferred_without_an_approval() {
    let bundles = bundles();
    let server = serve(
        &bundles,
        &[
            "--bundle",
            "a.fmb",
            "--max-approvals-per-agent",
            "2",
            "--log",
            "log",
        ],
    );
    let first = id_of(&deferred(&server));
    let second = id_of(&deferred(&server));
    assert_ne!(first, second);
    // The third is still deferred (it never runs unapproved), but gets no approval to wait on.
    let third = decide(&server, &charge(900));
    assert_eq!(third["effect"], "defer", "{third}");
    assert_eq!(third["approval"], Value::Null, "{third}");
    // Other agents are not held up by it.
    let mut other = charge(900);
    other["agent"] = json!("refunds-bot");
    let other = decide(&server, &other);
    assert_eq!(other["effect"], "defer", "{other}");
    assert!(other["approval"]["id"].is_string(), "{other}");
    let (_, metrics) = request(server.decide, "GET", "/metrics", &[], b"");
    assert!(
        metrics.contains("faramesh_approvals_refused_total 1"),
        "{metrics}"
    );
    // Resolving an approval does not free its place before it expires: the bound is per
    // `approval_ttl` window.
    let (status, _) = resolve(&server, &first, "deny", "lead");
    assert_eq!(status, 200);
    assert_eq!(decide(&server, &charge(900))["approval"], Value::Null);
    let (_, pending) = admin(&server, "GET", "/v1/approvals?state=pending", &Value::Null);
    let pending: Vec<&str> = pending["approvals"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|approval| approval["agent"] == "payments-bot")
        .filter_map(|approval| approval["id"].as_str())
        .collect();
    assert_eq!(pending, [second.as_str()]);
    drop(server);
    bundles.ok(&["audit", "verify", "log"]);
}

#[test]
fn approvals_past_their_expiry_free_their_agents_places() {
    let bundles = bundles();
    let server = serve(
        &bundles,
        &["--bundle", "short.fmb", "--max-approvals-per-agent", "1"],
    );
    let first = id_of(&deferred(&server));
    assert_eq!(decide(&server, &charge(900))["approval"], Value::Null);
    // Waits (long poll) until the 300 ms approval has expired.
    let (_, expired) = admin(
        &server,
        "GET",
        &format!("/v1/approvals/{first}?wait=30s"),
        &Value::Null,
    );
    assert_eq!(expired["state"], "expired");
    let next = id_of(&deferred(&server));
    assert_ne!(next, first);
}

#[test]
fn the_principal_of_the_call_cannot_approve_it() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "a.fmb"]);
    let id = id_of(&deferred(&server));
    let (status, refused) = resolve(&server, &id, "approve", "u-17");
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("u-17") && e.contains("cannot approve")),
        "{refused}"
    );
    // Nor under another case, nor when the id is a number.
    let (status, refused) = resolve(&server, &id, "approve", "U-17");
    assert_eq!(status, 403, "{refused}");
    let mut numbered = charge(900);
    numbered["principal"] = json!({"id": 17});
    let by_number = id_of(&decide(&server, &numbered)["approval"]);
    let (status, refused) = resolve(&server, &by_number, "approve", "17");
    assert_eq!(status, 403, "{refused}");
    let (_, shown) = admin(&server, "GET", &format!("/v1/approvals/{id}"), &Value::Null);
    assert_eq!(shown["state"], "pending");
    // Bad answers are refused with what is wrong.
    let (status, _) = admin(
        &server,
        "POST",
        &format!("/v1/approvals/{id}"),
        &json!({"decision": "maybe", "approver": "lead"}),
    );
    assert_eq!(status, 400);
    let (status, _) = resolve(&server, "0123", "approve", "lead");
    assert_eq!(status, 404);
    let (status, _) = admin(&server, "GET", "/v1/approvals?state=lost", &Value::Null);
    assert_eq!(status, 400);
    let (status, all) = admin(&server, "GET", "/v1/approvals?state=all", &Value::Null);
    assert_eq!(status, 200, "{all}");
    assert_eq!(all["approvals"].as_array().map(Vec::len), Some(2), "{all}");
    // Without the token, nothing.
    let (status, _) = request(
        server.admin.expect("admin"),
        "GET",
        "/v1/approvals",
        &[],
        b"",
    );
    assert_eq!(status, 401);
}

#[test]
fn an_approval_is_bound_to_its_agent_session_tool_and_arguments() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "a.fmb"]);
    let id = id_of(&deferred(&server));
    resolve(&server, &id, "approve", "lead");
    let mut other_session = charge(900);
    other_session["session"] = json!("s-2");
    let mut other_tool = charge(900);
    other_tool["tool"] = json!("stripe/refund");
    for (what, call) in [
        ("other arguments", charge(901)),
        ("another session", other_session),
        ("another tool", other_tool),
    ] {
        let decision = decide(&server, &with_approval(call, &id));
        assert_ne!(decision["effect"], "permit", "{what}: {decision}");
        assert_eq!(
            decision["warnings"],
            json!(["APPROVAL_INVALID"]),
            "{what}: {decision}"
        );
    }
    // None of them used it: the call it was made for still is permitted.
    let decision = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(decision["reason_code"], "APPROVED", "{decision}");
}

#[test]
fn an_approval_never_turns_a_deny_into_a_permit_and_limits_still_apply() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "a.fmb"]);
    let id = id_of(&deferred(&server));
    resolve(&server, &id, "approve", "lead");

    // The same call by an intern: the mandatory deny stands, and the approval is not used.
    let mut by_intern = with_approval(charge(900), &id);
    by_intern["principal"]["role"] = json!("intern");
    let decision = decide(&server, &by_intern);
    assert_eq!(decision["effect"], "deny");
    assert_eq!(decision["reason_code"], "MANDATORY_DENY");
    let (_, shown) = admin(&server, "GET", &format!("/v1/approvals/{id}"), &Value::Null);
    assert_eq!(shown["state"], "approved");

    // Two permitted charges use up the rate limit: the approved call is then denied by it,
    // and the approval stays approved.
    for _ in 0..2 {
        assert_eq!(decide(&server, &charge(10))["effect"], "permit");
    }
    let limited = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(limited["effect"], "deny", "{limited}");
    assert_eq!(limited["reason_code"], "RATE_EXCEEDED");
    let (_, shown) = admin(&server, "GET", &format!("/v1/approvals/{id}"), &Value::Null);
    assert_eq!(shown["state"], "approved");
}

/// `approvers.toml` naming `lead@example.com` (token `lead-token`) and `u-17` (token
/// `u17-token`), the principal of [`charge`].
fn write_approvers(bundles: &Bundles) {
    let digest = |token: &str| fpl_runtime::hex::sha256_digest(token.as_bytes());
    std::fs::write(
        bundles.path("approvers.toml"),
        format!(
            "[approvers]\n\"lead@example.com\" = \"{}\"\n\"u-17\" = \"{}\"\n",
            digest("lead-token"),
            digest("u17-token")
        ),
    )
    .expect("approvers file");
}

#[test]
fn named_approvers_resolve_with_their_own_tokens_and_never_their_own_calls() {
    let bundles = bundles();
    write_approvers(&bundles);
    let server = serve(
        &bundles,
        &["--bundle", "a.fmb", "--approvers", "approvers.toml"],
    );
    let id = id_of(&deferred(&server));
    let path = format!("/v1/approvals/{id}");
    let approve = |token: &str, body: Value| admin_as(&server, token, "POST", &path, &body);
    // The admin token reads approvals but no longer resolves them.
    let (status, refused) = approve(TOKEN, json!({"decision": "approve", "approver": "lead"}));
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("--approvers"))
    );
    assert_eq!(admin(&server, "GET", &path, &Value::Null).0, 200);
    // u-17 holds a token, but it is u-17's own call: whatever name is typed.
    let (status, refused) = approve("u17-token", json!({"decision": "approve"}));
    assert_eq!(status, 403, "{refused}");
    let (status, refused) = approve(
        "u17-token",
        json!({"decision": "approve", "approver": "lead@example.com"}),
    );
    assert_eq!(status, 403, "{refused}");
    assert!(
        refused["error"]
            .as_str()
            .is_some_and(|e| e.contains("`u-17`'s"))
    );
    // An approver's token opens the approvals only, and an unknown token nothing.
    let (status, _) = admin_as(
        &server,
        "lead-token",
        "POST",
        "/v1/admin/reload",
        &Value::Null,
    );
    assert_eq!(status, 403);
    let (status, _) = admin_as(&server, "guess", "GET", "/v1/approvals", &Value::Null);
    assert_eq!(status, 401);
    // The lead approves with the lead's token, and is recorded by the token's name.
    let (status, approved) = approve("lead-token", json!({"decision": "approve"}));
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["approver"], "lead@example.com");
    let permitted = decide(&server, &with_approval(charge(900), &id));
    assert_eq!(permitted["reason_code"], "APPROVED", "{permitted}");
    // With the CLI, the token says who: no --approver needed.
    let second = id_of(&deferred(&server));
    std::fs::write(bundles.path("lead.token"), "lead-token\n").expect("token file");
    let url = format!("http://{}", server.admin.expect("admin"));
    let output = faramesh_e2e::faramesh()
        .current_dir(bundles.dir.path())
        .env_remove("FARAMESH_ADMIN_TOKEN")
        .args(["approvals", "deny", &second, "--server", &url])
        .args(["--admin-token-file", "lead.token"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let denied: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    assert_eq!(denied["approver"], "lead@example.com");
    // A mistake in the file, or an approver given the admin token, stops the service at
    // start and says where.
    let refused = |file: String, needle: &str| {
        std::fs::write(bundles.path("approvers.toml"), file).expect("approvers file");
        let output = faramesh_e2e::faramesh()
            .current_dir(bundles.dir.path())
            .env("FARAMESH_ADMIN_TOKEN", TOKEN)
            .args(["serve", "--bundle", "a.fmb", "--trust", "key.pub"])
            .args([
                "--admin-addr",
                "127.0.0.1:0",
                "--approvers",
                "approvers.toml",
            ])
            .output()
            .expect("runs");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(needle), "{stderr}");
    };
    refused(
        "[approvers]\nlead = \"sha256:00\"\n".to_owned(),
        "approvers.toml:2:8",
    );
    let admins = fpl_runtime::hex::sha256_digest(TOKEN.as_bytes());
    refused(
        format!("[approvers]\nlead = \"{admins}\"\n"),
        "has the admin token",
    );
}

#[test]
fn operators_resolve_approvals_with_the_cli() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "a.fmb"]);
    let first = id_of(&deferred(&server));
    let mut other = charge(950);
    other["session"] = json!("s-9");
    let second = id_of(&decide(&server, &other)["approval"]);
    let url = format!("http://{}", server.admin.expect("admin"));
    let cli = |args: &[&str]| {
        let mut all = vec!["approvals"];
        all.extend_from_slice(args);
        all.extend_from_slice(&["--server", &url, "--admin-token-file", "token"]);
        faramesh_e2e::faramesh()
            .current_dir(bundles.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("FARAMESH_ADMIN_TOKEN")
            .args(&all)
            .output()
            .expect("runs")
    };
    let text = |bytes: &[u8]| String::from_utf8_lossy(bytes).into_owned();
    // An error as one line of words (miette wraps and frames it).
    let flat = |bytes: &[u8]| {
        text(bytes)
            .replace(['│', '×'], " ")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
    };

    let listed = cli(&["list"]);
    assert!(listed.status.success(), "{}", text(&listed.stderr));
    let table = text(&listed.stdout);
    assert!(table.starts_with("ID"), "{table}");
    assert!(table.contains(&first) && table.contains(&second), "{table}");
    assert!(table.contains("large charge"), "{table}");

    let approved = cli(&["approve", &first, "--approver", "lead", "--comment", "ok"]);
    assert!(approved.status.success(), "{}", text(&approved.stderr));
    let approved: Value = serde_json::from_slice(&approved.stdout).expect("JSON");
    assert_eq!(approved["state"], "approved");
    let denied = cli(&["deny", &second, "--approver", "lead"]);
    assert!(denied.status.success(), "{}", text(&denied.stderr));

    let shown = cli(&["show", &first]);
    let shown: Value = serde_json::from_slice(&shown.stdout).expect("JSON");
    assert_eq!(shown["approver"], "lead");
    assert_eq!(shown["comment"], "ok");
    let json_list = cli(&["list", "--state", "denied", "--json"]);
    let json_list: Value = serde_json::from_slice(&json_list.stdout).expect("JSON");
    assert_eq!(json_list["approvals"][0]["id"], second.as_str());

    // Errors say what is wrong, with the server's URL.
    let conflict = cli(&["deny", &first, "--approver", "lead"]);
    assert_eq!(conflict.status.code(), Some(2));
    let message = flat(&conflict.stderr);
    assert!(
        message.contains("409") && message.contains("already approved"),
        "{message}"
    );
    let missing = cli(&["show", "ffff"]);
    assert!(
        flat(&missing.stderr).contains("404"),
        "{}",
        text(&missing.stderr)
    );
    std::fs::write(bundles.path("wrong"), "not-the-token\n").expect("token");
    let unauthorized = faramesh_e2e::faramesh()
        .current_dir(bundles.dir.path())
        .args([
            "approvals",
            "list",
            "--server",
            &url,
            "--admin-token-file",
            "wrong",
        ])
        .output()
        .expect("runs");
    assert!(
        flat(&unauthorized.stderr).contains("the token was refused (401)"),
        "{}",
        text(&unauthorized.stderr)
    );
    let by_variable = faramesh_e2e::faramesh()
        .current_dir(bundles.dir.path())
        .env("FARAMESH_ADMIN_TOKEN", TOKEN)
        .args(["approvals", "list", "--state", "all", "--server", &url])
        .output()
        .expect("runs");
    assert!(
        by_variable.status.success(),
        "{}",
        text(&by_variable.stderr)
    );
    drop(server);
    let unreachable = cli(&["list"]);
    let message = flat(&unreachable.stderr);
    assert!(
        message.contains("cannot reach the admin listener")
            && message.contains(&url)
            && message.contains("Connection refused"),
        "{message}"
    );
}

#[test]
fn concurrent_calls_and_a_batch_use_an_approval_once() {
    let bundles = bundles();
    let server = serve(&bundles, &["--bundle", "a.fmb"]);
    let id = id_of(&deferred(&server));
    resolve(&server, &id, "approve", "lead");
    let call = with_approval(charge(900), &id).to_string();
    assert_used_once(&[server.decide], &call, 8);

    // In a batch, too, only the first of two calls naming one approval uses it.
    let second = id_of(&deferred(&server));
    resolve(&server, &second, "approve", "lead");
    let call = with_approval(charge(900), &second);
    let (status, answer) = request(
        server.decide,
        "POST",
        "/v1/decide/batch",
        &[],
        json!([call, call]).to_string().as_bytes(),
    );
    assert_eq!(status, 200, "{answer}");
    let answers: Value = serde_json::from_str(&answer).expect("JSON");
    assert_eq!(answers[0]["reason_code"], "APPROVED", "{answers}");
    assert_eq!(answers[1]["effect"], "defer", "{answers}");
    assert_eq!(answers[1]["warnings"], json!(["APPROVAL_INVALID"]));
}

/// Sends `call` (naming an approved approval) `count` times at once, spread over `servers`:
/// exactly one is permitted, the others are deferred with `APPROVAL_INVALID`.
pub(crate) fn assert_used_once(servers: &[SocketAddr], call: &str, count: usize) {
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(count));
    let threads: Vec<_> = (0..count)
        .map(|index| {
            let (barrier, call) = (barrier.clone(), call.to_owned());
            let address = servers[index % servers.len()];
            std::thread::spawn(move || {
                barrier.wait();
                let (status, answer) = request(address, "POST", "/v1/decide", &[], call.as_bytes());
                assert_eq!(status, 200, "{answer}");
                serde_json::from_str::<Value>(&answer).expect("decision JSON")
            })
        })
        .collect();
    let decisions: Vec<Value> = threads
        .into_iter()
        .map(|thread| thread.join().expect("a client"))
        .collect();
    let permitted = decisions
        .iter()
        .filter(|decision| decision["reason_code"] == "APPROVED")
        .count();
    assert_eq!(permitted, 1, "{decisions:?}");
    assert!(
        decisions
            .iter()
            .filter(|decision| decision["reason_code"] != "APPROVED")
            .all(|decision| decision["effect"] == "defer"
                && decision["warnings"] == json!(["APPROVAL_INVALID"])),
        "{decisions:?}"
    );
}
