//! The approval state machine and the in-process store.

use std::time::Duration;

use fpl_runtime::log::Record;
use fpl_runtime::{ReasonCode, Request, Timestamp};

use super::*;

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
    assert_eq!(
        pending.resolve(Resolution::Approve, "u-17", None, at(1_010)),
        Err(ResolveError::SelfApproval("u-17".into()))
    );
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
    let store = MemoryStore::new(100);
    let mut changes = store.subscribe();
    store.insert(approval("a")).await;
    store.insert(approval("b")).await;
    assert!(changes.has_changed().unwrap_or(false));
    changes.mark_unchanged();

    let listed = store.list(Some(State::Pending), at(1_010)).await;
    let ids: Vec<&str> = listed.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);

    let resolved = store
        .resolve("a", Resolution::Approve, "lead", None, at(1_010))
        .await;
    assert_eq!(resolved.map(|a| a.state), Ok(State::Approved));
    assert!(changes.has_changed().unwrap_or(false));
    let again = store
        .resolve("a", Resolution::Deny, "lead", None, at(1_011))
        .await;
    assert!(matches!(again, Err(ResolveError::Conflict { .. })));
    let missing = store
        .resolve("zz", Resolution::Deny, "lead", None, at(1_011))
        .await;
    assert_eq!(missing.err(), Some(ResolveError::NotFound("zz".into())));

    // Reads show expiry before the sweep records it; the sweep expires each one once.
    let shown = store.get("b", EXPIRES).await.map(|a| a.state);
    assert_eq!(shown, Some(State::Expired));
    let expired = store.expire(EXPIRES, Duration::from_secs(3600)).await;
    assert_eq!(expired.len(), 1);
    assert!(
        store
            .expire(EXPIRES, Duration::from_secs(3600))
            .await
            .is_empty()
    );

    // Claims: taken once; given back when unused.
    let claim = store.claim("a", &binding("900"), at(1_020)).await;
    assert!(matches!(claim, Claim::Approved(_)));
    assert!(matches!(
        store.claim("a", &binding("900"), at(1_020)).await,
        Claim::Invalid
    ));
    store.release("a").await;
    assert!(matches!(
        store.claim("a", &binding("900"), at(1_020)).await,
        Claim::Approved(_)
    ));
    assert!(matches!(
        store.claim("nope", &binding("900"), at(1_020)).await,
        Claim::Invalid
    ));

    // Ended approvals are forgotten after `keep`; "a" (used) ended when it was approved.
    store.expire(at(10_000), Duration::from_secs(60)).await;
    assert!(store.list(None, at(10_000)).await.is_empty());
}

#[tokio::test]
async fn the_memory_store_expires_only_what_is_due_and_keeps_a_bounded_number_of_ended() {
    let store = MemoryStore::new(2);
    for (id, expires) in [("a", 1_100), ("b", 1_200), ("c", 1_300), ("d", 1_400)] {
        let mut pending = approval(id);
        pending.expires = at(expires);
        store.insert(pending).await;
    }
    let keep = Duration::from_secs(3600);
    assert!(store.expire(at(1_099), keep).await.is_empty());
    let expired = store.expire(at(1_250), keep).await;
    let ids: Vec<&str> = expired.iter().map(|a| a.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    // "c" is denied: a third ended approval, so the one that ended first ("a") is forgotten.
    let denied = store
        .resolve("c", Resolution::Deny, "lead", None, at(1_260))
        .await;
    assert_eq!(denied.map(|a| a.state), Ok(State::Denied));
    assert_eq!(store.get("a", at(1_260)).await.map(|a| a.id), None);
    let listed = store.list(None, at(1_260)).await;
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
    let expired = store.expire(at(1_400), keep).await;
    assert_eq!(expired.len(), 1);
    assert_eq!(expired.first().map(|a| a.id.as_str()), Some("d"));
}

#[tokio::test(start_paused = true)]
async fn a_long_poll_ends_when_the_service_stops() {
    let store = std::sync::Arc::new(MemoryStore::new(100));
    let metrics = crate::metrics::Metrics::new().unwrap_or_else(|error| panic!("{error}"));
    let quota = Quota::new(ApprovalLimits::default());
    let approvals = std::sync::Arc::new(Approvals::new(store.clone(), quota, None, metrics));
    let mut open = approval("a");
    open.expires = Timestamp::from_unix_seconds(Timestamp::now().unix_floor() + 3600);
    store.insert(open).await;
    let (stop, stopped) = watch::channel(false);
    approvals.spawn_expiry(stopped);
    let start = tokio::time::Instant::now();
    let waiting = tokio::spawn({
        let approvals = approvals.clone();
        async move {
            approvals
                .wait("a", State::Pending, Duration::from_secs(60))
                .await
        }
    });
    tokio::task::yield_now().await;
    let _ = stop.send(true);
    let approval = waiting.await.ok().flatten().map(|approval| approval.state);
    assert_eq!(approval, Some(State::Pending));
    // On tokio's paused clock: the poll ended when the service stopped, not after its wait.
    assert!(start.elapsed() < Duration::from_secs(60));
}
