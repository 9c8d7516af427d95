//! Approvals shared by `faramesh serve` replicas through a real `redis-server` (SPEC §17):
//! created on one replica, listed and resolved on another, used once on any, resolved once
//! across all; long polls wake on every replica; with Redis gone, a call naming an approval is
//! never permitted and the admin endpoints answer 503, until Redis is back.

use serde_json::{Value, json};

use crate::approvals::{
    admin, assert_used_once, bundles, charge, decide, deferred, id_of, resolve, serve,
    with_approval,
};
use crate::redis_support::{RedisCluster, RedisServer};
use crate::serve_support::{Bundles, Server, TOKEN, request};

/// What the service's `--state` can name: one server or a cluster.
trait Redis {
    /// The `--state` URL.
    fn url(&self) -> String;
}

impl Redis for RedisServer {
    fn url(&self) -> String {
        RedisServer::url(self)
    }
}

impl Redis for RedisCluster {
    fn url(&self) -> String {
        RedisCluster::url(self)
    }
}

/// `count` replicas of `bundle` with admin listeners sharing `redis` (a server or a cluster),
/// replica `i` logging to `log-i`, with `extra` arguments.
fn replicas(
    bundles: &Bundles,
    redis: &impl Redis,
    (bundle, count): (&str, usize),
    extra: &[&str],
) -> Vec<Server> {
    let url = redis.url();
    (0..count)
        .map(|index| {
            let log = format!("log-{index}");
            let mut args = vec!["--bundle", bundle, "--log", &log, "--state", &url];
            args.extend_from_slice(extra);
            serve(bundles, &args)
        })
        .collect()
}

/// `a.fmb`: agent `helper` defers every call. It has no limits or budgets, so it is decided
/// without the state store: only its approvals need Redis.
fn helper_defers_everything() -> Bundles {
    Bundles::build(&[("agent helper {\n  default defer\n}\n", "a.fmb", "key")])
}

/// The states that the logs of `replicas` stopped replicas record for approval `id`, each
/// log's in order, the logs one after another; every log verifies.
fn logged_states(bundles: &Bundles, replicas: usize, id: &str) -> Vec<String> {
    for index in 0..replicas {
        bundles.ok(&["audit", "verify", &format!("log-{index}")]);
    }
    states_so_far(bundles, replicas, id)
}

/// [`logged_states`] while the replicas may still be writing (the logs are not verified).
fn states_so_far(bundles: &Bundles, replicas: usize, id: &str) -> Vec<String> {
    let mut states = Vec::new();
    for index in 0..replicas {
        let log = format!("log-{index}");
        let text = std::fs::read_to_string(bundles.path(&log)).expect("the log");
        for line in text.lines() {
            // A line being written is skipped; a stopped replica's log verified first.
            let Ok(record) = serde_json::from_str::<Value>(line) else {
                continue;
            };
            if record["event"] == "approval" && record["approval"]["id"] == id {
                states.push(
                    record["approval"]["state"]
                        .as_str()
                        .unwrap_or("")
                        .to_owned(),
                );
            }
        }
    }
    states
}

/// The ids of the approvals `server` lists in `state`.
fn listed(server: &Server, state: &str) -> Vec<String> {
    let (status, listed) = admin(
        server,
        "GET",
        &format!("/v1/approvals?state={state}"),
        &Value::Null,
    );
    assert_eq!(status, 200, "{listed}");
    listed["approvals"]
        .as_array()
        .expect("a list")
        .iter()
        .map(id_of)
        .collect()
}

/// A long poll of approval `id` on `server`'s admin listener, in a thread: its JSON answer.
fn long_poll(server: &Server, id: &str) -> std::thread::JoinHandle<Value> {
    let (admin_addr, path) = (
        server.admin.expect("an admin listener"),
        format!("/v1/approvals/{id}?wait=30s"),
    );
    std::thread::spawn(move || {
        let auth = format!("Bearer {TOKEN}");
        let (status, answer) = request(admin_addr, "GET", &path, &[("Authorization", &auth)], b"");
        assert_eq!(status, 200, "{answer}");
        serde_json::from_str(&answer).expect("JSON")
    })
}

#[test]
fn replicas_sharing_redis_share_approvals_and_use_each_once() {
    share_approvals_and_use_each_once(&RedisServer::start());
}

#[test]
fn replicas_sharing_a_redis_cluster_share_approvals_and_use_each_once() {
    share_approvals_and_use_each_once(&RedisCluster::start());
}

/// Three replicas sharing `redis`: an approval created on one is resolved on another, used
/// once on a third, and logged once by each replica that changed it.
fn share_approvals_and_use_each_once(redis: &impl Redis) {
    let bundles = bundles();
    let servers = replicas(&bundles, redis, ("a.fmb", 3), &[]);
    let (a, b, c) = (&servers[0], &servers[1], &servers[2]);

    // Deferred on A, pending on B.
    let approval = deferred(a);
    let id = id_of(&approval);
    assert_eq!(approval["state"], "pending");
    assert_eq!(listed(b, "pending"), [id.as_str()]);
    let (status, shown) = admin(c, "GET", &format!("/v1/approvals/{id}"), &Value::Null);
    assert_eq!((status, shown["state"].clone()), (200, json!("pending")));

    // A long poll on A wakes when B resolves; a second resolution on A is a conflict.
    let poll = long_poll(a, &id);
    let (status, approved) = resolve(b, &id, "approve", "lead");
    assert_eq!(status, 200, "{approved}");
    assert_eq!(approved["state"], "approved");
    assert_eq!(poll.join().expect("the long poll")["state"], "approved");
    let (status, conflict) = resolve(a, &id, "deny", "someone-else");
    assert_eq!(status, 409, "{conflict}");
    assert_eq!(listed(c, "approved"), [id.as_str()]);

    // Permitted once on C; the same call re-sent to A is deferred again.
    let permitted = decide(c, &with_approval(charge(900), &id));
    assert_eq!(
        (
            permitted["effect"].clone(),
            permitted["reason_code"].clone()
        ),
        (json!("permit"), json!("APPROVED")),
        "{permitted}"
    );
    assert_eq!(permitted["approval"]["state"], "used");
    let again = decide(a, &with_approval(charge(900), &id));
    assert_eq!(again["effect"], "defer", "{again}");
    assert_eq!(again["warnings"], json!(["APPROVAL_INVALID"]));
    assert_eq!(listed(b, "used"), [id.as_str()]);

    // Many re-sends of one approved call, spread over the replicas at once: one permit.
    let second = id_of(&deferred(b));
    let (status, _) = resolve(c, &second, "approve", "lead");
    assert_eq!(status, 200);
    let call = with_approval(charge(900), &second).to_string();
    let addresses: Vec<_> = servers.iter().map(|server| server.decide).collect();
    assert_used_once(&addresses, &call, 24);

    // Every change is logged once, by the replica that made it: A created the first
    // approval, B approved it, C used it; the second was used on whichever replica won.
    drop(servers);
    assert_eq!(
        logged_states(&bundles, 3, &id),
        ["pending", "approved", "used"]
    );
    let mut second = logged_states(&bundles, 3, &second);
    second.sort();
    assert_eq!(second, ["approved", "pending", "used"]);
}

#[test]
fn with_redis_gone_a_call_naming_an_approval_is_never_permitted_and_admin_answers_503() {
    let bundles = bundles();
    let mut redis = RedisServer::start();
    let servers = replicas(&bundles, &redis, ("a.fmb", 2), &["--state-timeout", "300"]);
    let (a, b) = (&servers[0], &servers[1]);
    let id = id_of(&deferred(a));
    let (status, _) = resolve(b, &id, "approve", "lead");
    assert_eq!(status, 200);

    redis.kill();
    let denied = decide(b, &with_approval(charge(900), &id));
    assert_eq!(
        (denied["effect"].clone(), denied["reason_code"].clone()),
        (json!("deny"), json!("STATE_UNAVAILABLE")),
        "{denied}"
    );
    assert_eq!(denied["approval"], Value::Null);
    let (status, answer) = admin(a, "GET", "/v1/approvals?state=pending", &Value::Null);
    assert_eq!(status, 503, "{answer}");
    assert!(
        answer["error"]
            .as_str()
            .is_some_and(|error| error.contains("approval store")),
        "{answer}"
    );
    let (status, _) = resolve(a, &id, "deny", "lead");
    assert_eq!(status, 503);

    // Back (empty): the replicas recover by themselves; the old approval is gone.
    redis.restart();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let fresh = loop {
        let decision = decide(a, &charge(900));
        if !decision["approval"].is_null() {
            break decision["approval"].clone();
        }
        assert!(std::time::Instant::now() < deadline, "{decision}");
    };
    assert_eq!(listed(b, "pending"), [id_of(&fresh)]);
    let unknown = decide(b, &with_approval(charge(900), &id));
    assert_eq!(
        unknown["warnings"],
        json!(["APPROVAL_INVALID"]),
        "{unknown}"
    );
}

#[test]
fn with_redis_gone_a_deferred_call_names_no_approval_and_the_error_is_counted() {
    let bundles = helper_defers_everything();
    let mut redis = RedisServer::start();
    let servers = replicas(&bundles, &redis, ("a.fmb", 1), &["--state-timeout", "300"]);
    let call = json!({"agent": "helper", "tool": "shell/run", "args": {}});
    let stored = decide(&servers[0], &call);
    assert_eq!(stored["approval"]["state"], "pending", "{stored}");
    redis.kill();
    let unstored = decide(&servers[0], &call);
    assert_eq!(unstored["effect"], "defer", "{unstored}");
    assert_eq!(unstored["approval"], Value::Null, "{unstored}");
    let (_, metrics) = request(servers[0].decide, "GET", "/metrics", &[], b"");
    assert!(
        metrics.contains("faramesh_state_errors_total{kind=\"error\"}")
            || metrics.contains("faramesh_state_errors_total{kind=\"timeout\"}"),
        "{metrics}"
    );
}

#[test]
fn replicas_sharing_redis_bound_an_agents_approvals_together() {
    let bundles = bundles();
    let redis = RedisServer::start();
    let servers = replicas(
        &bundles,
        &redis,
        ("a.fmb", 3),
        &["--max-approvals-per-agent", "2"],
    );
    let (a, b, c) = (&servers[0], &servers[1], &servers[2]);
    let first = id_of(&deferred(a));
    let second = id_of(&deferred(b));
    assert_ne!(first, second);
    // Each replica alone holds one of the agent's approvals, but together they hold two: the
    // third is deferred without one, whichever replica decides it.
    let third = decide(c, &charge(900));
    assert_eq!(third["effect"], "defer", "{third}");
    assert_eq!(third["approval"], Value::Null, "{third}");
    assert_eq!(decide(a, &charge(900))["approval"], Value::Null);
    // Other agents are not held up by it.
    let mut other = charge(900);
    other["agent"] = json!("refunds-bot");
    let other = decide(c, &other);
    assert!(other["approval"]["id"].is_string(), "{other}");
    // Counted as refused by the bound, not as an error of the store.
    let (_, metrics) = request(c.decide, "GET", "/metrics", &[], b"");
    assert!(
        metrics.contains("faramesh_approvals_refused_total 1"),
        "{metrics}"
    );
    assert!(
        !metrics.contains("faramesh_state_errors_total{"),
        "{metrics}"
    );
    let mut pending = listed(b, "pending");
    pending.sort();
    let other = id_of(&other["approval"]);
    let mut expected = vec![first, second, other.clone()];
    expected.sort();
    assert_eq!(pending, expected);
    // C's log records the creation of the approval it kept, and of none it did not keep.
    drop(servers);
    bundles.ok(&["audit", "verify", "log-2"]);
    let log = std::fs::read_to_string(bundles.path("log-2")).expect("C's log");
    let created: Vec<String> = log
        .lines()
        .map(|line| serde_json::from_str::<Value>(line).expect("a record"))
        .filter(|record| record["event"] == "approval" && record["approval"]["state"] == "pending")
        .map(|record| id_of(&record["approval"]))
        .collect();
    assert_eq!(created, [other]);
}

#[test]
fn a_deferred_call_whose_log_write_fails_is_denied_and_its_approval_withdrawn() {
    let bundles = helper_defers_everything();
    let redis = RedisServer::start();
    let servers = replicas(&bundles, &redis, ("a.fmb", 1), &[]);
    let url = redis.url();
    // A replica whose decision log can grow to a few KiB only.
    let full = Server::start_with_file_limit(
        bundles.dir.path(),
        &["--bundle", "a.fmb", "--log", "full.log", "--state", &url],
        4,
    );
    full.wait_status("ready", |status| status["ready"] == true);
    let mut answered = Vec::new();
    let failed = (0..1000)
        .map(|n| {
            decide(
                &full,
                &json!({"agent": "helper", "tool": "t", "args": {"n": n}}),
            )
        })
        .find(|decision| {
            if decision["reason_code"] == "LOG_WRITE_FAILED" {
                return true;
            }
            assert_eq!(decision["effect"], "defer", "{decision}");
            answered.push(id_of(&decision["approval"]));
            false
        })
        .expect("the log fills up");
    assert!(!answered.is_empty());
    assert_eq!(failed["effect"], "deny", "{failed}");
    assert_eq!(failed["approval"], Value::Null, "{failed}");
    // The approval stored for it in Redis was withdrawn: the other replica lists only those
    // the full replica answered with.
    let mut pending = listed(&servers[0], "pending");
    pending.sort();
    answered.sort();
    assert_eq!(pending, answered);
    // A log that failed stays failed: nothing more is permitted or deferred unrecorded.
    let next = decide(&full, &json!({"agent": "helper", "tool": "t", "args": {}}));
    assert_eq!(next["reason_code"], "LOG_WRITE_FAILED", "{next}");
}

#[test]
fn with_redis_gone_a_call_naming_an_approval_is_deferred_when_so_configured() {
    let bundles = bundles();
    let mut redis = RedisServer::start();
    let servers = replicas(
        &bundles,
        &redis,
        ("a.fmb", 1),
        &["--state-timeout", "300", "--on-state-unavailable", "defer"],
    );
    let id = id_of(&deferred(&servers[0]));
    let (status, _) = resolve(&servers[0], &id, "approve", "lead");
    assert_eq!(status, 200);
    redis.kill();
    let decision = decide(&servers[0], &with_approval(charge(900), &id));
    assert_eq!(
        (decision["effect"].clone(), decision["reason_code"].clone()),
        (json!("defer"), json!("STATE_UNAVAILABLE")),
        "{decision}"
    );
    assert_eq!(decision["approval"], Value::Null);
}

#[test]
fn an_approval_nobody_resolves_expires_once_across_replicas() {
    let bundles = bundles();
    let redis = RedisServer::start();
    let servers = replicas(&bundles, &redis, ("short.fmb", 3), &[]);
    let id = id_of(&deferred(&servers[0]));
    // A long poll on another replica ends when the approval expires.
    let expired = long_poll(&servers[1], &id).join().expect("the long poll");
    assert_eq!(expired["state"], "expired", "{expired}");
    for server in &servers {
        assert_eq!(listed(server, "expired"), [id.as_str()]);
        assert!(listed(server, "pending").is_empty());
        let (status, _) = resolve(server, &id, "approve", "lead");
        assert_eq!(status, 409);
    }
    let ignored = decide(&servers[2], &with_approval(charge(900), &id));
    assert_eq!(
        ignored["warnings"],
        json!(["APPROVAL_INVALID"]),
        "{ignored}"
    );
    // Every replica sweeps; the expiry is recorded once, by the replica that marked it (which
    // may still be writing it when the others already show the approval expired).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let mut states = states_so_far(&bundles, 3, &id);
    while !states.iter().any(|state| state == "expired") {
        assert!(std::time::Instant::now() < deadline, "{states:?}");
        states = states_so_far(&bundles, 3, &id);
    }
    drop(servers);
    let mut states = logged_states(&bundles, 3, &id);
    states.sort();
    assert_eq!(states, ["expired", "pending"]);
}
