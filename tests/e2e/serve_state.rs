//! `faramesh serve` state (§17): limits, budgets and histories survive a bundle swap, and
//! replicas sharing a real `redis-server` (or a three-node Redis Cluster) never exceed a limit
//! or a budget together, deny with `STATE_UNAVAILABLE` while Redis is gone, and recover by
//! themselves when it is back.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::redis_support::{RedisCluster, RedisServer};
use crate::serve_support::{Bundles, Client, Server, request};

/// 20 charges a minute; a session may spend $100.
const LIMITED: &str = "agent payments-bot {\n  default deny\n  rate_limit stripe/charge: 20 per minute\n  budget session {\n    max $100\n    on_exceed deny\n  }\n  rules {\n    permit stripe/charge if amount < 500\n    permit stripe/refund\n  }\n}\n";
/// The same limits, and one more rule: another policy digest.
const LIMITED_V2: &str = "agent payments-bot {\n  default deny\n  rate_limit stripe/charge: 20 per minute\n  budget session {\n    max $100\n    on_exceed deny\n  }\n  rules {\n    deny! shell/*\n    permit stripe/charge if amount < 500\n    permit stripe/refund\n  }\n}\n";
/// Every request is decided at this time (the servers replay), so one window holds them all.
const TIME: &str = "2026-01-01T00:00:30Z";

/// A charge of $10 (costing nothing) in session `session`.
fn charge(session: &str) -> String {
    format!(
        r#"{{"agent":"payments-bot","session":"{session}","tool":"stripe/charge","args":{{"amount":10}},"time":"{TIME}"}}"#
    )
}

/// A refund costing $7 in session `session`.
fn refund(session: &str) -> String {
    format!(
        r#"{{"agent":"payments-bot","session":"{session}","tool":"stripe/refund","args":{{}},"cost":7,"time":"{TIME}"}}"#
    )
}

/// `(effect, reason_code)` of a decision.
fn outcome(decision: &Value) -> (String, String) {
    (
        decision["effect"].as_str().unwrap_or_default().to_owned(),
        decision["reason_code"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

/// Sends `bodies` from `clients` threads (one keep-alive connection per server each), spread
/// over `servers`; each decision arrives on the channel with its body's index as it comes.
fn fire(
    servers: &[SocketAddr],
    bodies: Vec<String>,
    clients: usize,
) -> mpsc::Receiver<(usize, Value)> {
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let (sender, answers) = mpsc::channel();
    for _ in 0..clients {
        let (bodies, next, sender) = (Arc::clone(&bodies), Arc::clone(&next), sender.clone());
        let mut connections: Vec<Client> =
            servers.iter().map(|&addr| Client::connect(addr)).collect();
        std::thread::spawn(move || {
            loop {
                let index = next.fetch_add(1, Ordering::Relaxed);
                let Some(body) = bodies.get(index) else { break };
                let server = index % connections.len();
                let client = &mut connections[server];
                client.send("POST", "/v1/decide", &[], body.as_bytes());
                let (status, answer) = client.receive();
                assert_eq!(status, 200, "{answer}");
                let decision = serde_json::from_str(&answer).expect("decision JSON");
                if sender.send((index, decision)).is_err() {
                    break;
                }
            }
        });
    }
    answers
}

/// Three replicas of `bundle` sharing the Redis at `url`, deciding at each request's `time`,
/// once ready.
fn replicas(bundles: &Bundles, bundle: &str, url: &str) -> Vec<Server> {
    let servers: Vec<Server> = (0..3)
        .map(|_| {
            Server::start(
                bundles.dir.path(),
                &[
                    "--bundle", bundle, "--replay", "--poll", "0", "--state", url,
                ],
            )
        })
        .collect();
    for server in &servers {
        server.wait_status("ready", |status| status["ready"] == true);
    }
    servers
}

/// Decides `body` on `server` until the effect is `effect` (at most 30 s, 20 ms apart).
fn until_effect(server: &Server, body: &str, effect: &str) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let decision = server.decide(body);
        if decision["effect"] == effect {
            return decision;
        }
        assert!(Instant::now() < deadline, "never {effect}: {decision}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn three_replicas_sharing_redis_never_exceed_a_rate_limit_or_a_session_budget() {
    let redis = RedisServer::start();
    never_exceed_a_rate_limit_or_a_session_budget(&redis.url());
}

#[test]
fn three_replicas_sharing_a_redis_cluster_never_exceed_limits_of_agents_on_any_node() {
    let cluster = RedisCluster::start();
    never_exceed_a_rate_limit_or_a_session_budget(&cluster.url());
    // Agents whose state sits in slots of different nodes: each gets exactly its limit.
    let agents = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot"];
    let policy: String = agents
        .iter()
        .map(|agent| {
            format!("agent {agent} {{\n  default deny\n  rate_limit t/x: 5 per minute\n  permit t/x\n}}\n")
        })
        .collect();
    let bundles = Bundles::new();
    bundles.add(&policy, "agents.fmb", "key");
    let servers = replicas(&bundles, "agents.fmb", &cluster.url());
    let addresses: Vec<SocketAddr> = servers.iter().map(|s| s.decide).collect();
    let bodies: Vec<String> = (0..120)
        .map(|i| {
            format!(
                r#"{{"agent":"{}","tool":"t/x","args":{{}},"time":"{TIME}"}}"#,
                agents[i % agents.len()]
            )
        })
        .collect();
    let mut permits: HashMap<usize, usize> = HashMap::new();
    for (index, decision) in fire(&addresses, bodies, 12) {
        let (effect, code) = outcome(&decision);
        if effect == "permit" {
            *permits.entry(index % agents.len()).or_default() += 1;
        } else {
            assert_eq!(code, "RATE_EXCEEDED", "{decision}");
        }
    }
    assert_eq!(permits.len(), agents.len(), "{permits:?}");
    assert!(permits.values().all(|&count| count == 5), "{permits:?}");
    let keys = cluster.keys_per_node();
    assert!(
        keys.iter().filter(|&&count| count > 0).count() >= 2,
        "the agents' state sits on one node only: {keys:?}"
    );
}

/// Three replicas sharing the Redis at `url`: 300 charges and 300 refunds, decided as one
/// evaluator would, one at a time.
fn never_exceed_a_rate_limit_or_a_session_budget(url: &str) {
    let bundles = Bundles::new();
    bundles.add(LIMITED, "limited.fmb", "key");
    let servers = replicas(&bundles, "limited.fmb", url);
    let addresses: Vec<SocketAddr> = servers.iter().map(|s| s.decide).collect();
    // 300 charges (session "c") and 300 refunds of $7 in three sessions, interleaved.
    let bodies: Vec<String> = (0..600)
        .map(|i| {
            if i % 2 == 0 {
                charge("c")
            } else {
                refund(&format!("s{}", i % 3))
            }
        })
        .collect();
    let sessions: Vec<String> = (0..600).map(|i| format!("s{}", i % 3)).collect();
    let mut tally: HashMap<(String, String, String), usize> = HashMap::new();
    for (index, decision) in fire(&addresses, bodies, 60) {
        let key = if index % 2 == 0 {
            "charge".to_owned()
        } else {
            sessions[index].clone()
        };
        let (effect, code) = outcome(&decision);
        *tally.entry((key, effect, code)).or_default() += 1;
    }
    let count = |key: &str, effect: &str, code: &str| {
        tally
            .get(&(key.to_owned(), effect.to_owned(), code.to_owned()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(tally.values().sum::<usize>(), 600, "{tally:?}");
    // One evaluator deciding them one at a time: exactly 20 charges in the window…
    assert_eq!(count("charge", "permit", "RULE_PERMIT"), 20, "{tally:?}");
    assert_eq!(count("charge", "deny", "RATE_EXCEEDED"), 280, "{tally:?}");
    // …and 14 refunds of $7 per session ($98 of $100); never more.
    for session in ["s0", "s1", "s2"] {
        assert_eq!(
            count(session, "permit", "RULE_PERMIT"),
            14,
            "{session}: {tally:?}"
        );
        assert_eq!(
            count(session, "deny", "BUDGET_EXCEEDED"),
            86,
            "{session}: {tally:?}"
        );
    }
    let status = servers[0].status();
    assert_eq!(status["state_backend"], "redis");
    assert_eq!(status["state"]["reachable"], true, "{status}");
}

#[test]
fn a_replica_never_decides_on_a_snapshot_another_replica_made_stale() {
    let bundles = Bundles::new();
    bundles.add(LIMITED, "limited.fmb", "key");
    let redis = RedisServer::start();
    let servers = replicas(&bundles, "limited.fmb", &redis.url());
    // One at a time, alternating: each replica's last snapshot of the agent is stale by the
    // other's charge, so every group must learn the counts from Redis, not from memory.
    let outcomes: Vec<(String, String)> = (0..30)
        .map(|i| outcome(&servers[i % 2].decide(&charge("c"))))
        .collect();
    let permit = ("permit".to_owned(), "RULE_PERMIT".to_owned());
    let denied = ("deny".to_owned(), "RATE_EXCEEDED".to_owned());
    let expected: Vec<(String, String)> = (0..30)
        .map(|i| {
            if i < 20 {
                permit.clone()
            } else {
                denied.clone()
            }
        })
        .collect();
    assert_eq!(outcomes, expected);
}

#[test]
fn redis_killed_mid_run_denies_state_unavailable_and_the_service_recovers_when_it_is_back() {
    let bundles = Bundles::new();
    bundles.add(LIMITED, "limited.fmb", "key");
    let mut redis = RedisServer::start();
    let servers = replicas(&bundles, "limited.fmb", &redis.url());
    let addresses: Vec<SocketAddr> = servers.iter().map(|s| s.decide).collect();
    let answers = fire(&addresses, vec![charge("c"); 600], 60);
    let mut tally: HashMap<(String, String), usize> = HashMap::new();
    for (received, (_, decision)) in answers.iter().enumerate() {
        if received == 100 {
            redis.kill();
        }
        *tally.entry(outcome(&decision)).or_default() += 1;
    }
    let count = |effect: &str, code: &str| {
        tally
            .get(&(effect.to_owned(), code.to_owned()))
            .copied()
            .unwrap_or(0)
    };
    assert_eq!(tally.values().sum::<usize>(), 600, "{tally:?}");
    assert!(count("permit", "RULE_PERMIT") <= 20, "{tally:?}");
    assert!(count("deny", "STATE_UNAVAILABLE") >= 400, "{tally:?}");
    assert_eq!(
        count("permit", "RULE_PERMIT")
            + count("deny", "RATE_EXCEEDED")
            + count("deny", "STATE_UNAVAILABLE"),
        600,
        "{tally:?}"
    );
    let status = servers[1].status();
    assert_eq!(status["state"]["reachable"], false, "{status}");
    let (_, metrics) = request(servers[1].decide, "GET", "/metrics", &[], b"");
    assert!(
        metrics.contains("faramesh_state_errors_total{kind="),
        "{metrics}"
    );
    // Back, empty: every replica permits again without being told.
    redis.restart();
    for server in &servers {
        let decision = until_effect(server, &charge("after"), "permit");
        assert_eq!(decision["reason_code"], "RULE_PERMIT");
    }
    servers[2].wait_status("reachable", |status| status["state"]["reachable"] == true);
}

#[test]
fn with_redis_down_a_call_is_deferred_when_so_configured_and_never_permitted() {
    let bundles = Bundles::new();
    bundles.add(LIMITED, "limited.fmb", "key");
    let mut redis = RedisServer::start();
    redis.kill();
    let url = redis.url();
    let server = Server::start(
        bundles.dir.path(),
        &[
            "--bundle",
            "limited.fmb",
            "--state",
            &url,
            "--state-timeout",
            "200",
            "--on-state-unavailable",
            "defer",
        ],
    );
    server.wait_status("ready", |status| status["ready"] == true);
    let decision = server.decide(&charge("c"));
    assert_eq!(
        outcome(&decision),
        ("defer".to_owned(), "STATE_UNAVAILABLE".to_owned())
    );
    assert_eq!(decision["rule"], Value::Null);
    assert!(decision["decision_id"].is_string());
    // An agent the state does not concern is decided without the store.
    let unknown = server.decide(r#"{"agent":"nobody","tool":"stripe/charge"}"#);
    assert_eq!(unknown["reason_code"], "UNKNOWN_AGENT");
    let status = server.status();
    assert_eq!(
        (
            status["state"]["backend"].clone(),
            status["state"]["reachable"].clone()
        ),
        (Value::from("redis"), Value::from(false)),
        "{status}"
    );
    redis.restart();
    until_effect(&server, &charge("c"), "permit");
}

#[test]
fn a_bundle_swap_keeps_rate_limits_and_budgets() {
    let bundles = Bundles::new();
    bundles.add(LIMITED, "limited.fmb", "key");
    bundles.add(LIMITED_V2, "v2.fmb", "key");
    bundles.install("limited.fmb", "active.fmb");
    let server = Server::start(
        bundles.dir.path(),
        &["--bundle", "active.fmb", "--replay", "--poll", "0"],
    );
    server.wait_status("ready", |status| status["ready"] == true);
    for _ in 0..20 {
        assert_eq!(server.decide(&charge("c"))["effect"], "permit");
    }
    assert_eq!(server.decide(&charge("c"))["reason_code"], "RATE_EXCEEDED");
    for _ in 0..14 {
        assert_eq!(server.decide(&refund("s"))["effect"], "permit");
    }
    assert_eq!(
        server.decide(&refund("s"))["reason_code"],
        "BUDGET_EXCEEDED"
    );
    bundles.install("v2.fmb", "active.fmb");
    server.signal("HUP");
    server.wait_policy(&bundles.digest("v2.fmb"));
    // The new policy has the same limits: it continues the counts, it does not restart them.
    assert_eq!(server.decide(&charge("c"))["reason_code"], "RATE_EXCEEDED");
    assert_eq!(
        server.decide(&refund("s"))["reason_code"],
        "BUDGET_EXCEEDED"
    );
    assert_eq!(server.decide(&refund("fresh"))["effect"], "permit");
    assert_eq!(server.status()["state_backend"], "memory");
}

#[test]
fn a_state_url_that_is_not_redis_is_refused_at_start() {
    let bundles = Bundles::new();
    let output = faramesh_e2e::faramesh()
        .current_dir(bundles.dir.path())
        .args([
            "serve",
            "--bundle",
            "a.fmb",
            "--trust",
            "key.pub",
            "--addr",
            "127.0.0.1:0",
        ])
        .args(["--state", "mysql://127.0.0.1/0"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("mysql://127.0.0.1/0"), "{stderr}");
}
