//! End-to-end tests of `faramesh serve` (SPEC §17): the real binary on free 127.0.0.1 ports,
//! bundles built by `bundle build` from a temp git repository, HTTP spoken over plain sockets.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::serve_support::{Bundles, CHARGE_100, Client, Server, TOKEN, request};
use crate::support::{DECISION_KEYS, keys_in_order};

#[test]
fn every_endpoint_answers_as_documented() {
    let bundles = Bundles::new();
    bundles.install("a.fmb", "live.fmb");
    let digest = bundles.digest("a.fmb");
    let server = Server::start(
        bundles.dir.path(),
        &["--bundle", "live.fmb", "--max-body", "4096"],
    );
    server.wait_status("ready", |status| status["ready"] == true);
    let addr = server.decide;

    assert_eq!(request(addr, "GET", "/livez", &[], b"").0, 200);
    assert_eq!(request(addr, "GET", "/readyz", &[], b"").0, 200);

    let permit = server.decide(CHARGE_100);
    assert_eq!(permit["effect"], "permit");
    assert_eq!(permit["reason_code"], "RULE_PERMIT");
    assert_eq!(permit["policy"], digest.as_str());
    assert_eq!(permit["approval"], serde_json::Value::Null);
    // The keys of §8 in their order, then `decision_id` and `approval`.
    let (_, raw) = request(addr, "POST", "/v1/decide", &[], CHARGE_100.as_bytes());
    let keys = [&DECISION_KEYS[..], &["decision_id", "approval"]].concat();
    assert!(keys_in_order(&raw, &keys), "{raw}");
    let other = server.decide(CHARGE_100);
    assert_ne!(permit["decision_id"], other["decision_id"]);
    assert_eq!(permit["decision_id"].as_str().map(str::len), Some(32));

    // Bad JSON is a decision, not an HTTP error.
    for bad in ["{not json", "", "[]", r#"{"agent":"payments-bot"}"#] {
        let decision = server.decide(bad);
        assert_eq!(decision["effect"], "deny", "{bad}");
        assert_eq!(decision["reason_code"], "INVALID_REQUEST", "{bad}");
    }

    // A batch is decided and answered in order.
    let batch = format!(
        r#"[{CHARGE_100},{{"agent":"payments-bot","tool":"shell/rm"}},42,{{"agent":"nobody","tool":"x"}}]"#
    );
    let (status, answer) = request(addr, "POST", "/v1/decide/batch", &[], batch.as_bytes());
    assert_eq!(status, 200, "{answer}");
    let answers: Vec<serde_json::Value> = serde_json::from_str(&answer).expect("array");
    let codes: Vec<&str> = answers
        .iter()
        .map(|a| a["reason_code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        codes,
        [
            "RULE_PERMIT",
            "MANDATORY_DENY",
            "INVALID_REQUEST",
            "UNKNOWN_AGENT"
        ]
    );
    assert_eq!(request(addr, "POST", "/v1/decide/batch", &[], b"{}").0, 400);

    // Bodies over --max-body are refused whole, a decision body and a batch alike.
    let huge = format!(
        r#"{{"agent":"payments-bot","tool":"t","args":{{"x":"{}"}}}}"#,
        "a".repeat(5000)
    );
    assert_eq!(
        request(addr, "POST", "/v1/decide", &[], huge.as_bytes()).0,
        413
    );
    assert_eq!(
        request(addr, "POST", "/v1/decide/batch", &[], huge.as_bytes()).0,
        413
    );

    let status = server.status();
    assert_eq!(status["bundle"]["active"]["policy"], digest.as_str());
    assert_eq!(
        status["bundle"]["last_reload_error"],
        serde_json::Value::Null
    );
    assert_eq!(status["state_backend"], "memory");

    let (status, metrics) = request(addr, "GET", "/metrics", &[], b"");
    assert_eq!(status, 200);
    assert!(
        metrics
            .contains(r#"faramesh_decisions_total{effect="permit",reason_code="RULE_PERMIT"} 4"#),
        "{metrics}"
    );
    assert!(
        metrics.contains("faramesh_decision_seconds_bucket"),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"faramesh_bundle_reloads_total{outcome="loaded"} 1"#),
        "{metrics}"
    );
    assert!(
        metrics.contains(r#"faramesh_http_errors_total{status="413"} 2"#),
        "{metrics}"
    );

    assert_eq!(request(addr, "GET", "/v1/decide", &[], b"").0, 405);
    assert_eq!(request(addr, "GET", "/nothing", &[], b"").0, 404);
    // The decision listener carries no admin routes.
    assert_eq!(request(addr, "POST", "/v1/admin/reload", &[], b"").0, 404);
}

#[test]
fn a_batch_holds_at_most_a_thousand_requests() {
    let bundles = Bundles::new();
    let server = Server::start(bundles.dir.path(), &["--bundle", "a.fmb"]);
    server.wait_status("ready", |status| status["ready"] == true);
    let batch = |n: usize| format!("[{}]", vec![CHARGE_100; n].join(","));
    let (status, answer) = request(
        server.decide,
        "POST",
        "/v1/decide/batch",
        &[],
        batch(1000).as_bytes(),
    );
    assert_eq!(status, 200);
    let answers: Vec<serde_json::Value> = serde_json::from_str(&answer).expect("array");
    assert_eq!(answers.len(), 1000);
    assert!(answers.iter().all(|a| a["effect"] == "permit"));
    let (status, answer) = request(
        server.decide,
        "POST",
        "/v1/decide/batch",
        &[],
        batch(1001).as_bytes(),
    );
    assert_eq!(status, 413, "{answer}");
}

#[test]
fn without_a_verified_bundle_every_decision_is_invalid_bundle_until_one_is_loaded() {
    let bundles = Bundles::new();
    let server = Server::with_admin(bundles.dir.path(), &["--bundle", "live.fmb", "--poll", "0"]);
    server.wait_status("a reload error", |status| {
        status["bundle"]["last_reload_error"]["error"]
            .as_str()
            .is_some_and(|error| error.contains("live.fmb"))
    });
    assert_eq!(request(server.decide, "GET", "/readyz", &[], b"").0, 503);
    let decision = server.decide(CHARGE_100);
    assert_eq!(decision["effect"], "deny");
    assert_eq!(decision["reason_code"], "INVALID_BUNDLE");
    assert_eq!(decision["policy"], serde_json::Value::Null);

    bundles.install("a.fmb", "live.fmb");
    let (status, answer) = server.reload();
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["outcome"], "loaded");
    assert_eq!(request(server.decide, "GET", "/readyz", &[], b"").0, 200);
    assert_eq!(server.decide(CHARGE_100)["effect"], "permit");
    assert_eq!(
        server.status()["bundle"]["last_reload_error"],
        serde_json::Value::Null
    );
}

#[test]
fn the_admin_listener_needs_the_bearer_token() {
    let bundles = Bundles::new();
    let server = Server::with_admin(bundles.dir.path(), &["--bundle", "a.fmb"]);
    let admin = server.admin.expect("admin address");
    for headers in [
        vec![],
        vec![("Authorization", "Bearer wrong")],
        vec![("Authorization", TOKEN)],
    ] {
        let (status, _) = request(admin, "POST", "/v1/admin/reload", &headers, b"");
        assert_eq!(status, 401, "{headers:?}");
    }
    let (status, _) = request(admin, "GET", "/v1/status", &[], b"");
    assert_eq!(status, 401);
    assert_eq!(server.reload().0, 200);

    // An admin listener without a token is refused before anything listens.
    let output = faramesh_e2e::faramesh()
        .current_dir(bundles.dir.path())
        .env_remove("FARAMESH_ADMIN_TOKEN")
        .args(["serve", "--bundle", "a.fmb", "--trust", "key.pub"])
        .args(["--addr", "127.0.0.1:0", "--admin-addr", "127.0.0.1:0"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("FARAMESH_ADMIN_TOKEN"));
}

#[test]
fn a_tampered_untrusted_or_truncated_bundle_keeps_the_last_good_one() {
    let bundles = Bundles::new();
    bundles.install("a.fmb", "live.fmb");
    let digest_a = bundles.digest("a.fmb");
    let server = Server::with_admin(bundles.dir.path(), &["--bundle", "live.fmb", "--poll", "0"]);
    server.wait_policy(&digest_a);

    let good = std::fs::read(bundles.path("b.fmb")).expect("bundle");
    let mut tampered = good.clone();
    let middle = tampered.len() / 2;
    tampered[middle] ^= 0x01;
    let truncated = &good[..good.len() - 7];
    let untrusted = std::fs::read(bundles.path("other.fmb")).expect("bundle");
    for (name, bytes) in [
        ("tampered", tampered.as_slice()),
        ("truncated", truncated),
        ("untrusted", untrusted.as_slice()),
    ] {
        bundles.install_bytes(bytes, "live.fmb");
        let (status, answer) = server.reload();
        assert_eq!(status, 422, "{name}: {answer}");
        let status = server.status();
        assert_eq!(
            status["bundle"]["active"]["policy"],
            digest_a.as_str(),
            "{name}"
        );
        assert!(
            status["bundle"]["last_reload_error"]["error"]
                .as_str()
                .is_some_and(|error| error.contains("refused")),
            "{name}: {status}"
        );
        let decision = server.decide(CHARGE_100);
        assert_eq!(decision["effect"], "permit", "{name}");
        assert_eq!(decision["policy"], digest_a.as_str(), "{name}");
    }
    assert_eq!(server.status()["bundle"]["refused"], 3);

    bundles.install("b.fmb", "live.fmb");
    assert_eq!(server.reload().0, 200);
    assert_eq!(server.decide(CHARGE_100)["effect"], "deny");
}

#[test]
fn polling_sighup_and_a_published_directory_bring_new_bundles_in() {
    let bundles = Bundles::new();
    let (digest_a, digest_b) = (bundles.digest("a.fmb"), bundles.digest("b.fmb"));
    // A directory as `bundle publish` writes it: `latest` names the bundle beside it.
    let published = bundles.path("published");
    std::fs::create_dir_all(&published).expect("dir");
    std::fs::copy(bundles.path("a.fmb"), published.join("1111.fmb")).expect("copy");
    std::fs::write(published.join("latest"), "1111.fmb\n").expect("latest");
    let server = Server::start(
        bundles.dir.path(),
        &["--bundle", "published", "--poll", "1"],
    );
    server.wait_policy(&digest_a);

    // Polling: a new bundle and then the pointer, as `bundle publish` does.
    std::fs::copy(bundles.path("b.fmb"), published.join("2222.fmb")).expect("copy");
    bundles.install_bytes(b"2222.fmb\n", "published/latest");
    server.wait_policy(&digest_b);

    // SIGHUP: reload at once (the poll above would also, within a second).
    bundles.install_bytes(b"1111.fmb\n", "published/latest");
    server.signal("HUP");
    server.wait_policy(&digest_a);
}

#[test]
fn a_url_source_is_polled_with_its_etag() {
    let bundles = Bundles::new();
    let (digest_a, digest_b) = (bundles.digest("a.fmb"), bundles.digest("b.fmb"));
    let origin =
        crate::serve_origin::Origin::start(std::fs::read(bundles.path("a.fmb")).expect("a"));
    let url = format!("http://{}/bundle.fmb", origin.addr);
    let server = Server::start(bundles.dir.path(), &["--bundle", &url, "--poll", "1"]);
    server.wait_policy(&digest_a);
    // Polls carry the ETag and are answered 304 until the bundle changes.
    origin.wait_for_not_modified();
    origin.replace(std::fs::read(bundles.path("b.fmb")).expect("b"));
    server.wait_policy(&digest_b);
}

#[test]
fn hot_swaps_under_load_answer_from_a_whole_old_or_new_policy() {
    let bundles = Bundles::new();
    bundles.install("a.fmb", "live.fmb");
    let server = Server::with_admin(bundles.dir.path(), &["--bundle", "live.fmb", "--poll", "0"]);
    swap_under_load(&server, &bundles, 64, 50);
}

#[test]
fn on_one_core_the_service_swaps_under_load_logs_every_decision_and_drains() {
    let bundles = Bundles::new();
    bundles.install("a.fmb", "live.fmb");
    let server = Server::start_on_one_core(
        bundles.dir.path(),
        &[
            "--bundle",
            "live.fmb",
            "--poll",
            "0",
            "--log",
            "decisions.log",
            "--admin-addr",
            "127.0.0.1:0",
            "--admin-token-file",
            "token",
        ],
    );
    let ids = swap_under_load(&server, &bundles, 16, 10);
    stop_and_verify_log(server, &bundles, &ids);
}

/// `clients` threads decide (a charge of 100) on `server`, serving `live.fmb`, while `swaps`
/// reloads alternate policies B and A: every answer comes from a whole A (permit) or a whole B
/// (deny), never an error, and both are seen. The decision ids of the answers.
fn swap_under_load(
    server: &Server,
    bundles: &Bundles,
    clients: usize,
    swaps: usize,
) -> Vec<String> {
    let (digest_a, digest_b) = (bundles.digest("a.fmb"), bundles.digest("b.fmb"));
    server.wait_policy(&digest_a);

    let stop = Arc::new(AtomicBool::new(false));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let stop = stop.clone();
            let addr = server.decide;
            std::thread::spawn(move || {
                let mut client = Client::connect(addr);
                let mut seen = Vec::new();
                // At least a few decisions each, then until the swaps are done.
                while seen.len() < 3 || !stop.load(Ordering::Relaxed) {
                    client.send("POST", "/v1/decide", &[], CHARGE_100.as_bytes());
                    let (status, body) = client.receive();
                    let decision: serde_json::Value =
                        serde_json::from_str(&body).expect("decision JSON");
                    seen.push((
                        status,
                        decision["policy"].clone(),
                        decision["effect"].clone(),
                        decision["decision_id"].as_str().map(str::to_owned),
                    ));
                }
                seen
            })
        })
        .collect();
    for swap in 0..swaps {
        bundles.install(if swap % 2 == 0 { "b.fmb" } else { "a.fmb" }, "live.fmb");
        let (status, answer) = server.reload();
        assert_eq!(status, 200, "swap {swap}: {answer}");
        assert_eq!(answer["outcome"], "loaded", "swap {swap}");
    }
    stop.store(true, Ordering::Relaxed);
    let mut by_policy = [0usize; 2];
    let mut ids = Vec::new();
    for thread in threads {
        for (status, policy, effect, id) in thread.join().expect("client thread") {
            assert_eq!(status, 200);
            ids.push(id.expect("a decision id"));
            // Policy A permits the charge, policy B denies it: never a mix, never an error.
            if policy == digest_a.as_str() {
                assert_eq!(effect, "permit");
                by_policy[0] += 1;
            } else {
                assert_eq!(policy, digest_b.as_str());
                assert_eq!(effect, "deny");
                by_policy[1] += 1;
            }
        }
    }
    assert!(by_policy[0] > 0 && by_policy[1] > 0, "{by_policy:?}");
    assert_eq!(server.status()["bundle"]["reloads"], swaps as u64 + 1);
    ids
}

#[test]
fn the_decision_log_verifies_after_concurrent_clients_and_has_one_writer() {
    const CLIENTS: usize = 16;
    const EACH: usize = 40;
    let bundles = Bundles::new();
    let server = Server::start(
        bundles.dir.path(),
        &["--bundle", "a.fmb", "--log", "decisions.log"],
    );
    server.wait_status("ready", |status| status["ready"] == true);

    // A second writer of the same log is refused while the first runs.
    let second = faramesh_e2e::faramesh()
        .current_dir(bundles.dir.path())
        .args(["serve", "--bundle", "a.fmb", "--trust", "key.pub"])
        .args(["--addr", "127.0.0.1:0", "--log", "decisions.log"])
        .output()
        .expect("runs");
    assert_eq!(second.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&second.stderr).contains("locked"));

    let addr = server.decide;
    let ids: Vec<String> = (0..CLIENTS)
        .map(|client| {
            std::thread::spawn(move || {
                let mut connection = Client::connect(addr);
                (0..EACH)
                    .map(|n| {
                        let body = format!(
                            r#"{{"agent":"payments-bot","tool":"stripe/charge","session":"c{client}","args":{{"amount":{n}}}}}"#
                        );
                        connection.send("POST", "/v1/decide", &[], body.as_bytes());
                        let (status, answer) = connection.receive();
                        assert_eq!(status, 200);
                        let decision: serde_json::Value =
                            serde_json::from_str(&answer).expect("decision");
                        decision["decision_id"].as_str().expect("id").to_owned()
                    })
                    .collect::<Vec<_>>()
            })
        })
        .collect::<Vec<_>>()
        .into_iter()
        .flat_map(|thread| thread.join().expect("client"))
        .collect();
    stop_and_verify_log(server, &bundles, &ids);
}

#[test]
fn a_decision_whose_log_write_fails_is_denied_and_so_is_every_later_one() {
    let bundles = Bundles::new();
    // The decision log can grow to a few KiB only.
    let server = Server::start_with_file_limit(
        bundles.dir.path(),
        &["--bundle", "a.fmb", "--log", "decisions.log"],
        4,
    );
    server.wait_status("ready", |status| status["ready"] == true);
    let mut permitted = 0;
    let failed = (0..1000)
        .map(|_| server.decide(CHARGE_100))
        .find(|decision| {
            permitted += usize::from(decision["effect"] == "permit");
            decision["reason_code"] == "LOG_WRITE_FAILED"
        })
        .expect("the log fills up");
    assert!(permitted > 0);
    assert_eq!(failed["effect"], "deny", "{failed}");
    let next = server.decide(CHARGE_100);
    assert_eq!(
        (next["effect"].clone(), next["reason_code"].clone()),
        (
            serde_json::json!("deny"),
            serde_json::json!("LOG_WRITE_FAILED")
        ),
        "{next}"
    );
    let (_, metrics) = request(server.decide, "GET", "/metrics", &[], b"");
    assert!(
        metrics.contains("faramesh_decision_log_failures_total 2"),
        "{metrics}"
    );
}

/// Stops `server` with SIGTERM, then checks that its `decisions.log` verifies and holds exactly
/// one record for each of `ids`.
fn stop_and_verify_log(server: Server, bundles: &Bundles, ids: &[String]) {
    server.signal("TERM");
    assert!(server.wait().success());

    let verified = bundles.ok(&["audit", "verify", "decisions.log"]);
    assert!(
        verified.contains(&format!("{} records verified", ids.len())),
        "{verified}"
    );
    let log = std::fs::read_to_string(bundles.path("decisions.log")).expect("log");
    for id in ids {
        assert!(
            log.contains(&format!(r#""decision_id":"{id}""#)),
            "{id} not logged"
        );
    }
}

#[test]
fn a_slow_client_is_cut_off_while_others_are_served() {
    let bundles = Bundles::new();
    let server = Server::start(
        bundles.dir.path(),
        &["--bundle", "a.fmb", "--header-timeout", "1"],
    );
    server.wait_status("ready", |status| status["ready"] == true);

    // Headers that never end, and a body that never comes.
    let mut slow_head = Client::connect(server.decide);
    slow_head.raw(b"POST /v1/decide HTTP/1.1\r\nHost: test\r\n");
    let mut slow_body = Client::connect(server.decide);
    slow_body
        .raw(b"POST /v1/decide HTTP/1.1\r\nHost: test\r\nContent-Length: 100\r\n\r\n{\"agent\"");

    assert_eq!(server.decide(CHARGE_100)["effect"], "permit");

    let (status, _) = slow_body.receive();
    assert_eq!(status, 408);
    let rest = slow_head.until_closed();
    assert!(
        rest.is_empty() || rest.starts_with("HTTP/1.1 408"),
        "{rest}"
    );
    // An idle keep-alive connection is closed too.
    let mut idle = Client::connect(server.decide);
    idle.send("GET", "/livez", &[], b"");
    assert_eq!(idle.receive().0, 200);
    assert_eq!(idle.until_closed(), "");
}

#[test]
fn sigterm_finishes_the_decisions_in_flight() {
    let bundles = Bundles::new();
    let server = Server::start(bundles.dir.path(), &["--bundle", "a.fmb"]);
    server.wait_status("ready", |status| status["ready"] == true);
    let mut in_flight = Client::connect(server.decide);
    let head = format!(
        "POST /v1/decide HTTP/1.1\r\nHost: test\r\nExpect: 100-continue\r\nContent-Length: {}\r\n\r\n",
        CHARGE_100.len()
    );
    in_flight.raw(head.as_bytes());
    // `100 Continue` comes when the handler starts reading the body: the request is in flight.
    assert_eq!(in_flight.receive().0, 100);
    server.signal("TERM");
    in_flight.raw(CHARGE_100.as_bytes());
    let (status, answer) = in_flight.receive();
    assert_eq!(status, 200);
    assert!(answer.contains("\"permit\""), "{answer}");
    assert!(server.wait().success());
}

#[test]
fn each_answer_of_a_batch_is_the_decision_of_its_request_alone() {
    let bundles = Bundles::new();
    let server = Server::start(bundles.dir.path(), &["--bundle", "a.fmb"]);
    server.wait_status("ready", |status| status["ready"] == true);
    // Requests whose decisions no state changes, and elements that are not requests: escapes,
    // a duplicate key and a lone surrogate (JSON to a splitter, not to the request reader).
    let elements = [
        r#"{"agent":"payments-bot","tool":"shell/rm","args":{"s":"],[\"{"}}"#,
        r#"{"agent":"payments-\u0062ot","tool":"shell\/rm"}"#,
        r#"{"agent":"nobody","tool":"x","session":"\ud83d\ude00"}"#,
        r#"{"agent":"payments-bot","tool":"shell/rm","tool":"x"}"#,
        r#"{"agent":"payments-bot","tool":"shell/rm","args":{"x":"\ud800"}}"#,
        r#"{"agent":"payments-bot"}"#,
        "[42, {}]",
        "\"payments-bot\"",
    ];
    let body = format!(" [\n{}\t]\r\n", elements.join(" ,\n"));
    let mut answers = server.decide_batch(&body);
    let mut ids = std::collections::HashSet::new();
    for answer in &mut answers {
        let id = answer["decision_id"].take();
        assert!(
            id.as_str()
                .is_some_and(|id| id.len() == 32 && ids.insert(id.to_owned())),
            "{id}"
        );
    }
    let alone: Vec<serde_json::Value> = elements
        .iter()
        .map(|element| {
            let mut decision = server.decide(element);
            decision["decision_id"].take();
            decision
        })
        .collect();
    assert_eq!(answers, alone);
    let codes: Vec<&str> = answers
        .iter()
        .map(|a| a["reason_code"].as_str().expect("code"))
        .collect();
    assert_eq!(
        codes,
        [
            "MANDATORY_DENY",
            "MANDATORY_DENY",
            "UNKNOWN_AGENT",
            "INVALID_REQUEST",
            "INVALID_REQUEST",
            "INVALID_REQUEST",
            "INVALID_REQUEST",
            "INVALID_REQUEST"
        ]
    );
}

#[test]
fn without_a_verified_bundle_each_request_of_a_batch_is_invalid_bundle() {
    let bundles = Bundles::new();
    let server = Server::start(
        bundles.dir.path(),
        &[
            "--bundle",
            "live.fmb",
            "--poll",
            "0",
            "--log",
            "decisions.log",
        ],
    );
    server.wait_status("a reload error", |status| {
        !status["bundle"]["last_reload_error"].is_null()
    });
    let body = format!("[{CHARGE_100},42,{CHARGE_100}]");
    let (status, answer) = request(
        server.decide,
        "POST",
        "/v1/decide/batch",
        &[],
        body.as_bytes(),
    );
    assert_eq!(status, 200, "{answer}");
    let answers: Vec<serde_json::Value> = serde_json::from_str(&answer).expect("array");
    assert_eq!(answers.len(), 3);
    for answer in &answers {
        assert_eq!(answer["reason_code"], "INVALID_BUNDLE", "{answer}");
        assert_eq!(answer["effect"], "deny");
    }
    assert_ne!(answers[0]["decision_id"], answers[2]["decision_id"]);
    // Each answer's record, with its id, is in the log.
    let ids: Vec<String> = answers
        .iter()
        .map(|answer| answer["decision_id"].as_str().expect("id").to_owned())
        .collect();
    stop_and_verify_log(server, &bundles, &ids);
}
