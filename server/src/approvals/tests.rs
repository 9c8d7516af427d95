//! The approval state machine and the in-process store.

use std::time::Duration;

use fpl_runtime::log::Record;
use fpl_runtime::{ReasonCode, Request, Timestamp};

use super::*;
use crate::redis_support;

const CREATED: Timestamp = Timestamp::from_unix_seconds(1_000);
const EXPIRES: Timestamp = Timestamp::from_unix_seconds(1_300);

fn at(seconds: i64) -> Timestamp {
    Timestamp::from_unix_seconds(seconds)
}

fn binding(amount: &str) -> Binding {
    Binding {
        agent: "payments-bot".into(),
        session: "s-1".into(),
        tool: "stripe/refund".into(),
        args_digest: format!("digest-of-{amount}"),
    }
}

fn approval(id: &str) -> Approval {
    let request = Request::parse(r#"{"agent":"payments-bot","tool":"stripe/refund"}"#);
    Approval {
        id: id.into(),
        state: State::Pending,
        binding: binding("900"),
        rule: Some("payments-bot/2".into()),
        reason: Some("large refund".into()),
        notify: None,
        created: CREATED,
        expires: EXPIRES,
        principal: Some("u-17".into()),
        approver: None,
        comment: None,
        resolved: None,
        record: Record::without_policy(&request, CREATED, ReasonCode::InvalidBundle),
    }
}

#[test]
fn the_first_resolution_wins() {
    let mut pending = approval("a");
    assert_eq!(
        pending.resolve(Resolution::Approve, "lead", Some("ok"), at(1_010)),
        Ok(())
    );
    assert_eq!(pending.state, State::Approved);
    assert_eq!(pending.approver.as_deref(), Some("lead"));
    assert_eq!(pending.resolved, Some(at(1_010)));
    let second = pending.resolve(Resolution::Deny, "other", None, at(1_020));
    assert_eq!(
        second,
        Err(ResolveError::Conflict {
            id: "a".into(),
            state: State::Approved
        })
    );
    assert_eq!(pending.state, State::Approved);
    assert_eq!(pending.approver.as_deref(), Some("lead"));
}

#[test]
fn the_principal_cannot_resolve_its_own_call() {
    let mut pending = approval("a");
    for spelling in ["u-17", "U-17 "] {
        assert_eq!(
            pending.resolve(Resolution::Approve, spelling, None, at(1_010)),
            Err(ResolveError::SelfApproval(spelling.into()))
        );
    }
    assert_eq!(pending.state, State::Pending);
}

#[test]
fn a_pending_approval_expires_and_can_no_longer_be_resolved() {
    let mut pending = approval("a");
    assert_eq!(pending.state_at(at(1_299)), State::Pending);
    assert_eq!(pending.state_at(EXPIRES), State::Expired);
    assert_eq!(
        pending.resolve(Resolution::Approve, "lead", None, EXPIRES),
        Err(ResolveError::Conflict {
            id: "a".into(),
            state: State::Expired
        })
    );
    assert!(!pending.expire(at(1_299)));
    assert!(pending.expire(EXPIRES));
    assert_eq!(pending.state, State::Expired);
    assert!(!pending.expire(at(2_000)), "expires once");
}

#[test]
fn an_approved_approval_is_used_once_and_only_by_its_call() {
    let mut approved = approval("a");
    approved
        .resolve(Resolution::Approve, "lead", None, at(1_010))
        .unwrap_or_default();
    assert!(matches!(
        approved.claim(&binding("901"), at(1_020)),
        Claim::Invalid
    ));
    assert_eq!(
        approved.state,
        State::Approved,
        "another call changes nothing"
    );
    assert!(matches!(
        approved.claim(&binding("900"), at(1_020)),
        Claim::Approved(_)
    ));
    assert_eq!(approved.state, State::Used);
    assert!(matches!(
        approved.claim(&binding("900"), at(1_030)),
        Claim::Invalid
    ));
    // A claim whose call was not permitted after all is given back.
    approved.release();
    assert_eq!(approved.state, State::Approved);
    // An approved approval does not expire; only a pending one does.
    assert!(matches!(
        approved.claim(&binding("900"), at(5_000)),
        Claim::Approved(_)
    ));
}

#[test]
fn pending_and_denied_claims_change_nothing() {
    let mut pending = approval("a");
    assert!(matches!(
        pending.claim(&binding("900"), at(1_010)),
        Claim::Pending(_)
    ));
    assert!(matches!(
        pending.claim(&binding("900"), EXPIRES),
        Claim::Invalid
    ));
    pending
        .resolve(Resolution::Deny, "lead", None, at(1_010))
        .unwrap_or_default();
    assert!(matches!(
        pending.claim(&binding("900"), at(1_020)),
        Claim::Denied(_)
    ));
    assert_eq!(pending.state, State::Denied);
}

#[test]
fn ids_are_128_random_bits() {
    let (a, b) = (new_id().unwrap_or_default(), new_id().unwrap_or_default());
    assert_eq!(a.len(), 32);
    assert!(a.bytes().all(|byte| byte.is_ascii_hexdigit()));
    assert_ne!(a, b);
}

#[tokio::test]
async fn the_memory_store_applies_each_step_atomically() {
    each_step_is_atomic(&MemoryStore::new(100)).await;
}

#[tokio::test]
async fn the_redis_store_applies_each_step_atomically() {
    let redis = redis_support::RedisServer::start();
    let (store, _) = redis_store(&redis, Duration::from_secs(5), 100);
    each_step_is_atomic(&store).await;
}

/// An approval store in `redis` keeping `max_ended` ended approvals (and up to 100 live ones),
/// and its connection.
fn redis_store(
    redis: &redis_support::RedisServer,
    timeout: Duration,
    max_ended: usize,
) -> (RedisApprovals, std::sync::Arc<crate::state::Redis>) {
    let limits = ApprovalLimits {
        per_agent: 100,
        total: 100,
    };
    bounded_redis_store(redis, timeout, limits, max_ended)
}

/// An approval store in `redis` keeping at most `limits` live and `max_ended` ended approvals,
/// and its connection.
fn bounded_redis_store(
    redis: &redis_support::RedisServer,
    timeout: Duration,
    limits: ApprovalLimits,
    max_ended: usize,
) -> (RedisApprovals, std::sync::Arc<crate::state::Redis>) {
    let connection = crate::state::Redis::open(&redis.url(), timeout);
    let connection = std::sync::Arc::new(connection.unwrap_or_else(|error| panic!("{error}")));
    (
        RedisApprovals::new(connection.clone(), limits, max_ended),
        connection,
    )
}

#[tokio::test]
async fn a_malformed_approval_in_redis_is_an_error_never_a_claim() {
    let redis = redis_support::RedisServer::start();
    let (store, connection) = redis_store(&redis, Duration::from_secs(5), 100);
    let mut raw = connection.connection().await.expect("connected");
    let _: i64 = ::redis::cmd("HSET")
        .arg("fpl:{approvals}:a:bad")
        .arg(&["id", "bad", "state", "approved", "body", "{not json"][..])
        .arg("binding")
        .arg(serde_json::to_string(&binding("900")).expect("JSON"))
        .query_async(&mut raw)
        .await
        .expect("written");
    let read = store.get("bad", at(1_010)).await;
    assert!(
        matches!(&read, Err(StoreError::Malformed { key, .. }) if key == "fpl:{approvals}:a:bad"),
        "{read:?}"
    );
    // The claim script fails before it changes anything.
    let claimed = store.claim("bad", &binding("900"), at(1_010)).await;
    assert!(claimed.is_err(), "{claimed:?}");
    let state: String = ::redis::cmd("HGET")
        .arg("fpl:{approvals}:a:bad")
        .arg("state")
        .query_async(&mut raw)
        .await
        .expect("read");
    assert_eq!(state, "approved");
}

#[tokio::test]
async fn replicas_sharing_redis_keep_its_approval_bounds_together() {
    let redis = redis_support::RedisServer::start();
    let limits = ApprovalLimits {
        per_agent: 2,
        total: 3,
    };
    let (one, connection) = bounded_redis_store(&redis, Duration::from_secs(5), limits, 100);
    let (two, _) = bounded_redis_store(&redis, Duration::from_secs(5), limits, 100);
    // Times from now: Redis expires the agents' counts by its own clock.
    let now = Timestamp::now().unix_micros() / 1_000_000;
    assert_eq!(
        insert(&one, "a1", "a", (now, now + 300)).await,
        Inserted::Kept
    );
    assert_eq!(
        insert(&two, "a2", "a", (now, now + 300)).await,
        Inserted::Kept
    );
    // A third approval of agent `a` is past its bound, whichever replica creates it, and
    // nothing of it is written.
    assert_eq!(
        insert(&one, "a3", "a", (now + 10, now + 310)).await,
        Inserted::AtBound
    );
    assert!(one.get("a3", at(now + 10)).await.expect("read").is_none());
    // Agent `b` has a bound of its own, but three approvals in all fill the service.
    assert_eq!(
        insert(&two, "b1", "b", (now + 10, now + 200)).await,
        Inserted::Kept
    );
    assert_eq!(
        insert(&one, "c1", "c", (now + 20, now + 320)).await,
        Inserted::AtBound
    );
    // Resolving an approval does not free its place; reaching its expiry does.
    one.resolve("a1", Resolution::Approve, "lead", None, at(now + 100))
        .await
        .expect("answered")
        .expect("approved");
    assert_eq!(
        insert(&two, "c1", "c", (now + 150, now + 450)).await,
        Inserted::AtBound
    );
    assert_eq!(
        insert(&two, "c1", "c", (now + 200, now + 500)).await,
        Inserted::Kept
    );
    assert_eq!(
        insert(&one, "a3", "a", (now + 250, now + 550)).await,
        Inserted::AtBound
    );
    // `a1` and `a2` expire at now + 300: `a` may have two again, and the service holds three.
    assert_eq!(
        insert(&one, "a3", "a", (now + 300, now + 600)).await,
        Inserted::Kept
    );
    assert_eq!(
        insert(&two, "a4", "a", (now + 300, now + 600)).await,
        Inserted::Kept
    );
    assert_eq!(
        insert(&one, "b2", "b", (now + 300, now + 600)).await,
        Inserted::AtBound
    );
    // An agent's count lives as long as its last live approval (in milliseconds).
    let mut raw = connection.connection().await.expect("connected");
    let expire_at: i64 = ::redis::cmd("PEXPIRETIME")
        .arg("fpl:{approvals}:live:a")
        .query_async(&mut raw)
        .await
        .expect("read");
    assert_eq!(expire_at, (now + 600) * 1_000 + 1);
}

#[tokio::test]
async fn a_withdrawn_approval_is_gone_and_frees_its_place_under_the_bounds() {
    let redis = redis_support::RedisServer::start();
    let limits = ApprovalLimits {
        per_agent: 1,
        total: 1,
    };
    let (store, _) = bounded_redis_store(&redis, Duration::from_secs(5), limits, 100);
    let now = Timestamp::now().unix_micros() / 1_000_000;
    assert_eq!(
        insert(&store, "a1", "a", (now, now + 300)).await,
        Inserted::Kept
    );
    assert_eq!(
        insert(&store, "a2", "a", (now, now + 300)).await,
        Inserted::AtBound
    );
    store.withdraw("a1", "a").await.expect("withdrawn");
    assert!(store.get("a1", at(now)).await.expect("read").is_none());
    assert!(store.list(None, at(now)).await.expect("listed").is_empty());
    assert!(
        store
            .expire(at(now + 400), Duration::ZERO)
            .await
            .expect("swept")
            .is_empty()
    );
    assert_eq!(
        insert(&store, "a2", "a", (now, now + 300)).await,
        Inserted::Kept
    );

    let memory = MemoryStore::new(100);
    memory.insert(approval("a")).await.expect("stored");
    memory
        .withdraw("a", "payments-bot")
        .await
        .expect("withdrawn");
    assert!(memory.get("a", CREATED).await.expect("read").is_none());
    assert!(
        memory
            .expire(EXPIRES, Duration::ZERO)
            .await
            .expect("swept")
            .is_empty()
    );
}

/// Inserts the approval `id` of `agent`, created and expiring at those seconds, into `store`.
async fn insert(
    store: &RedisApprovals,
    id: &str,
    agent: &str,
    (created, expires): (i64, i64),
) -> Inserted {
    let mut new = approval(id);
    new.binding.agent = agent.into();
    (new.created, new.expires) = (at(created), at(expires));
    store.insert(new).await.expect("answered")
}

#[tokio::test]
async fn the_redis_store_fails_when_redis_is_down_and_recovers() {
    let mut redis = redis_support::RedisServer::start();
    let (store, _) = redis_store(&redis, Duration::from_millis(500), 100);
    store.insert(approval("a")).await.expect("stored");
    redis.kill();
    let failed = store.claim("a", &binding("900"), at(1_010)).await;
    assert!(
        matches!(failed, Err(StoreError::Unreachable(_))),
        "{failed:?}"
    );
    assert!(store.list(None, at(1_010)).await.is_err());
    redis.restart();
    // The restarted Redis is empty: the approval is gone, and the store answers again.
    let mut answered = store.get("a", at(1_010)).await;
    for _ in 0..50 {
        if answered.is_ok() {
            break;
        }
        // The connection manager reconnects on the next calls after a failure.
        answered = store.get("a", at(1_010)).await;
    }
    assert!(matches!(answered, Ok(None)), "{answered:?}");
}

/// The steps every store must take atomically, on an empty `store`.
async fn each_step_is_atomic(store: &dyn ApprovalStore) {
    let mut changes = store.subscribe();
    store.insert(approval("a")).await.expect("stored");
    store.insert(approval("b")).await.expect("stored");
    assert!(changes.has_changed().unwrap_or(false));
    changes.mark_unchanged();

    let listed = store.list(Some(State::Pending), at(1_010)).await;
    let listed = listed.expect("listed");
    let ids: Vec<&str> = listed.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    // What the store gives back is what it was given.
    let shown = store.get("b", at(1_010)).await.expect("read");
    let shown = shown.expect("found");
    assert_eq!(shown.binding, binding("900"));
    assert_eq!(shown.record, approval("b").record);
    assert_eq!(
        (shown.created, shown.expires, shown.principal.as_deref()),
        (CREATED, EXPIRES, Some("u-17"))
    );

    let resolved = store
        .resolve("a", Resolution::Approve, "lead", Some("ok"), at(1_010))
        .await
        .expect("answered");
    let resolved = resolved.expect("resolved");
    assert_eq!(resolved.state, State::Approved);
    assert_eq!(
        (resolved.approver.as_deref(), resolved.comment.as_deref()),
        (Some("lead"), Some("ok"))
    );
    assert_eq!(resolved.resolved, Some(at(1_010)));
    assert!(changes.has_changed().unwrap_or(false));
    let again = store
        .resolve("a", Resolution::Deny, "lead", None, at(1_011))
        .await
        .expect("answered");
    assert_eq!(
        again.err(),
        Some(ResolveError::Conflict {
            id: "a".into(),
            state: State::Approved
        })
    );
    let missing = store
        .resolve("zz", Resolution::Deny, "lead", None, at(1_011))
        .await
        .expect("answered");
    assert_eq!(missing.err(), Some(ResolveError::NotFound("zz".into())));
    for spelling in ["u-17", " U-17"] {
        let by_principal = store
            .resolve("b", Resolution::Approve, spelling, None, at(1_011))
            .await
            .expect("answered");
        assert_eq!(
            by_principal.err(),
            Some(ResolveError::SelfApproval(spelling.into()))
        );
    }

    // Reads show expiry before the sweep records it; the sweep expires each one once.
    let shown = store.get("b", EXPIRES).await.expect("read");
    assert_eq!(shown.map(|a| a.state), Some(State::Expired));
    let listed = store.list(Some(State::Expired), EXPIRES).await;
    assert_eq!(listed.expect("listed").len(), 1);
    let late = store
        .resolve("b", Resolution::Approve, "lead", None, EXPIRES)
        .await
        .expect("answered");
    assert!(matches!(
        late,
        Err(ResolveError::Conflict {
            state: State::Expired,
            ..
        })
    ));
    let expired = store.expire(EXPIRES, Duration::from_secs(3600)).await;
    let expired = expired.expect("expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(
        (expired[0].id.as_str(), expired[0].state),
        ("b", State::Expired)
    );
    let again = store.expire(EXPIRES, Duration::from_secs(3600)).await;
    assert!(again.expect("expired").is_empty());

    // Claims: taken once; given back when unused; bound to the call.
    let claim = |id: &'static str, amount: &'static str| async move {
        store
            .claim(id, &binding(amount), at(1_020))
            .await
            .expect("claimed")
    };
    assert!(matches!(claim("a", "901").await, Claim::Invalid));
    assert!(matches!(claim("a", "900").await, Claim::Approved(_)));
    assert!(matches!(claim("a", "900").await, Claim::Invalid));
    let used = store.list(Some(State::Used), at(1_020)).await;
    assert_eq!(used.expect("listed").len(), 1);
    store.release("a").await.expect("released");
    assert!(matches!(claim("a", "900").await, Claim::Approved(_)));
    assert!(matches!(claim("nope", "900").await, Claim::Invalid));
    assert!(matches!(claim("b", "900").await, Claim::Invalid));

    // Ended approvals are forgotten after `keep`; "a" (used) ended when it was approved.
    let forgotten = store.expire(at(10_000), Duration::from_secs(60)).await;
    assert!(forgotten.expect("swept").is_empty());
    assert!(
        store
            .list(None, at(10_000))
            .await
            .expect("listed")
            .is_empty()
    );
    assert!(store.get("a", at(10_000)).await.expect("read").is_none());
}

#[tokio::test]
async fn the_memory_store_expires_only_what_is_due_and_keeps_a_bounded_number_of_ended() {
    expires_only_what_is_due_and_keeps_a_bounded_number_of_ended(&MemoryStore::new(2)).await;
}

#[tokio::test]
async fn the_redis_store_expires_only_what_is_due_and_keeps_a_bounded_number_of_ended() {
    let redis = redis_support::RedisServer::start();
    let (store, _) = redis_store(&redis, Duration::from_secs(5), 2);
    expires_only_what_is_due_and_keeps_a_bounded_number_of_ended(&store).await;
}

/// On an empty `store` that keeps 2 ended approvals.
async fn expires_only_what_is_due_and_keeps_a_bounded_number_of_ended(store: &dyn ApprovalStore) {
    for (id, expires) in [("a", 1_100), ("b", 1_200), ("c", 1_300), ("d", 1_400)] {
        let mut pending = approval(id);
        pending.expires = at(expires);
        store.insert(pending).await.expect("stored");
    }
    let keep = Duration::from_secs(3600);
    assert!(
        store
            .expire(at(1_099), keep)
            .await
            .expect("swept")
            .is_empty()
    );
    let expired = store.expire(at(1_250), keep).await.expect("swept");
    let ids: Vec<&str> = expired.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    // "c" is denied: a third ended approval, so the one that ended first ("a") is forgotten.
    let denied = store
        .resolve("c", Resolution::Deny, "lead", None, at(1_260))
        .await
        .expect("answered");
    assert_eq!(denied.map(|a| a.state), Ok(State::Denied));
    // The Redis store forgets beyond its bound when it sweeps (nothing else is due now).
    let swept = store.expire(at(1_260), keep).await.expect("swept");
    assert!(swept.is_empty());
    let forgotten = store.get("a", at(1_260)).await.expect("read");
    assert_eq!(forgotten.map(|a| a.id), None);
    let listed = store.list(None, at(1_260)).await.expect("listed");
    let ids: Vec<(&str, State)> = listed.iter().map(|a| (a.id.as_str(), a.state)).collect();
    assert_eq!(
        ids,
        [
            ("b", State::Expired),
            ("c", State::Denied),
            ("d", State::Pending)
        ]
    );
    // A denied approval no longer expires; "d" still does, once.
    let expired = store.expire(at(1_400), keep).await.expect("swept");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired.first().map(|a| a.id.as_str()), Some("d"));
}

#[tokio::test(start_paused = true)]
async fn a_long_poll_ends_when_the_service_stops() {
    let store = std::sync::Arc::new(MemoryStore::new(100));
    let metrics = crate::metrics::Metrics::new().unwrap_or_else(|error| panic!("{error}"));
    let approvals = std::sync::Arc::new(Approvals::new(
        store.clone(),
        Quota::new(ApprovalLimits::default()),
        None,
        metrics,
        fpl_runtime::ir::Effect::Deny,
    ));
    let mut open = approval("a");
    open.expires = Timestamp::from_unix_seconds(Timestamp::now().unix_floor() + 3600);
    store.insert(open).await.expect("stored");
    let (stop, stopped) = watch::channel(false);
    approvals.spawn_expiry(stopped);
    let start = tokio::time::Instant::now();
    let waiting = tokio::spawn({
        let approvals = approvals.clone();
        async move {
            approvals
                .wait_while_pending("a", Duration::from_secs(60))
                .await
        }
    });
    tokio::task::yield_now().await;
    let _ = stop.send(true);
    let approval = waiting.await.ok().and_then(Result::ok).flatten();
    let approval = approval.map(|approval| approval.state);
    assert_eq!(approval, Some(State::Pending));
    // On tokio's paused clock: the poll ended when the service stopped, not after its wait.
    assert!(start.elapsed() < Duration::from_secs(60));
}
