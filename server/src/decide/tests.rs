//! Answers never name an approval the store did not keep: a deferred call whose approval could
//! not be stored answers `"approval": null` and gives its place in the quota back, while every
//! other decision of the answer keeps its own approval, for one request and for batches, with
//! state in this process or in Redis.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use fpl_runtime::bundle::{
    AnalysisSummary, BUNDLE_FORMAT_VERSION, Manifest, PolicyInfo, SigningKey, TrustedKey,
    write_bundle,
};
use fpl_runtime::ir::{Agent, CompiledPolicy, Effect, Policy, Rule, SourceMap, Window};
use serde_json::{Value, json};
use tokio::sync::watch;

use super::*;
use crate::alerts::{AlertsConfig, Delivery};
use crate::approvals::{
    Approval, ApprovalLimits, ApprovalStore, Binding, Claim, Inserted, Quota, Resolution,
    ResolveError, State, StoreError, StoreFuture, Stored,
};
use crate::redis_support::RedisServer;
use crate::source::BundleSource;
use crate::state::{StateConfig, Stores, Unreachable};

/// An approval store in this process whose inserts fail as scripted: a real store cannot be made
/// to fail between a decision and the insert of its approval.
#[derive(Debug)]
struct Flaky {
    kept: approvals::MemoryStore,
    /// Whether each next insert keeps its approval; inserts past the script keep theirs.
    inserts: Mutex<VecDeque<bool>>,
}

impl Flaky {
    /// A store whose next inserts keep their approval or fail as `script` says.
    fn new(script: &[bool]) -> Arc<Flaky> {
        Arc::new(Flaky {
            kept: approvals::MemoryStore::new(100),
            inserts: Mutex::new(script.iter().copied().collect()),
        })
    }
}

impl ApprovalStore for Flaky {
    fn insert(&self, approval: Approval) -> StoreFuture<'_, Stored<Inserted>> {
        let keep = self.inserts.lock().expect("script").pop_front();
        if keep.unwrap_or(true) {
            return self.kept.insert(approval);
        }
        let timeout = Unreachable::Timeout(Duration::from_millis(500));
        Box::pin(async move { Err(StoreError::Unreachable(timeout)) })
    }

    fn get<'a>(&'a self, id: &'a str, now: Timestamp) -> StoreFuture<'a, Stored<Option<Approval>>> {
        self.kept.get(id, now)
    }

    fn list(&self, state: Option<State>, now: Timestamp) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        self.kept.list(state, now)
    }

    fn resolve<'a>(
        &'a self,
        id: &'a str,
        resolution: Resolution,
        approver: &'a str,
        comment: Option<&'a str>,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Result<Approval, ResolveError>>> {
        self.kept.resolve(id, resolution, approver, comment, now)
    }

    fn claim<'a>(
        &'a self,
        id: &'a str,
        binding: &'a Binding,
        now: Timestamp,
    ) -> StoreFuture<'a, Stored<Claim>> {
        self.kept.claim(id, binding, now)
    }

    fn release<'a>(&'a self, id: &'a str) -> StoreFuture<'a, Stored<()>> {
        self.kept.release(id)
    }

    fn withdraw<'a>(&'a self, id: &'a str, agent: &'a str) -> StoreFuture<'a, Stored<()>> {
        self.kept.withdraw(id, agent)
    }

    fn expire(&self, now: Timestamp, keep: Duration) -> StoreFuture<'_, Stored<Vec<Approval>>> {
        self.kept.expire(now, keep)
    }

    fn subscribe(&self) -> watch::Receiver<u64> {
        self.kept.subscribe()
    }
}

/// Reads are permitted; refunds are deferred to a human. The rate limit gives the agent state,
/// so with Redis its calls are decided in groups there.
fn policy() -> CompiledPolicy {
    let agent = Agent::new("payments-bot")
        .rule(Rule::permit("files/read"))
        .rule(Rule::defer("stripe/refund").reason("refunds need a human"))
        .rate_limit("*", 1_000, Window::Minute);
    CompiledPolicy::new(Policy::new().agent(agent), SourceMap::default())
}

/// The signed bundle of [`policy`], written to `dir`, and the key that verifies it.
fn bundle(dir: &tempfile::TempDir) -> (BundleSource, TrustedKey) {
    let key = SigningKey::from_bytes(&[7; 32]);
    let policy = policy();
    let bytes = policy.to_bytes();
    let manifest = Manifest {
        format_version: BUNDLE_FORMAT_VERSION,
        commit: "c".repeat(40),
        tree: "d".repeat(40),
        created: "2026-11-30T08:00:00Z".into(),
        toolchain: "faramesh test".into(),
        policy: PolicyInfo::of(&policy, &bytes),
        sources: Vec::new(),
        imports: Vec::new(),
        analysis: AnalysisSummary::default(),
    };
    let signed = write_bundle(&manifest, &bytes, Some(&key)).expect("a bundle");
    let path = dir.path().join("policy.fplb");
    std::fs::write(&path, signed).expect("bundle written");
    let source = BundleSource::parse(path.to_str().expect("a UTF-8 path"));
    (source, TrustedKey::of(&key))
}

/// A service's decider with [`policy`] active, its state in `state` (in this process when
/// `None`) and its approvals in `store` within `limits`; with the alert workers it started.
async fn decider(
    state: Option<&RedisServer>,
    store: Arc<Flaky>,
    limits: ApprovalLimits,
) -> (Decider, Delivery) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (source, trusted) = bundle(&dir);
    let metrics = Metrics::new().expect("metrics");
    let bundles = Bundles::new(source, vec![trusted], false, metrics.clone());
    bundles.reload(false).await.expect("the bundle loads");
    let config = StateConfig {
        redis: state.map(RedisServer::url),
        timeout: Duration::from_secs(5),
        ..StateConfig::default()
    };
    let stores =
        Stores::open(&config, ApprovalLimits::default(), metrics.clone()).expect("the state store");
    let approvals = Arc::new(Approvals::new(
        store,
        Quota::new(limits),
        None,
        metrics.clone(),
        Effect::Deny,
    ));
    let (alerts, delivery) =
        Alerts::start(&AlertsConfig::default(), metrics.registry()).expect("alerts");
    let ids = DecisionIds::new().expect("decision ids");
    let decider = Decider::new(bundles, stores.state, approvals, None, metrics, ids, alerts);
    (decider, delivery)
}

/// At most `per_agent` approvals for one agent.
fn limits(per_agent: usize) -> ApprovalLimits {
    ApprovalLimits {
        per_agent,
        total: 100,
    }
}

/// A permitted read.
fn read() -> Value {
    json!({"agent": "payments-bot", "tool": "files/read", "session": "s-1", "args": {"path": "a"}})
}

/// A deferred refund of `amount`.
fn refund(amount: u64) -> Value {
    json!({
        "agent": "payments-bot",
        "tool": "stripe/refund",
        "session": "s-1",
        "args": {"amount": amount},
    })
}

/// `request` naming approval `id`.
fn naming(mut request: Value, id: &str) -> Value {
    request["approval"] = json!(id);
    request
}

/// The answer to one request, as JSON (it must be valid).
async fn decide(decider: &Decider, request: &Value) -> Value {
    let answer = decider.decide(request.to_string().as_bytes()).await;
    serde_json::from_str(&answer).unwrap_or_else(|error| panic!("{error}: {answer}"))
}

/// The answer to a batch, as JSON decisions (it must be a valid JSON array).
async fn decide_batch(decider: &Decider, requests: &[Value]) -> Vec<Value> {
    let body = Value::from(requests.to_vec()).to_string();
    let answer = decider
        .decide_batch(body.as_bytes())
        .await
        .expect("a batch");
    serde_json::from_str(&answer).unwrap_or_else(|error| panic!("{error}: {answer}"))
}

/// Each decision's effect.
fn effects(decisions: &[Value]) -> Vec<&str> {
    decisions
        .iter()
        .map(|decision| decision["effect"].as_str().expect("an effect"))
        .collect()
}

/// Each decision's approval id, `None` for `"approval": null`.
fn approval_ids(decisions: &[Value]) -> Vec<Option<&str>> {
    decisions
        .iter()
        .map(|decision| match &decision["approval"] {
            Value::Null => None,
            approval => Some(approval["id"].as_str().expect("an approval id")),
        })
        .collect()
}

/// The ids of the pending approvals the store keeps.
async fn pending(decider: &Decider) -> HashSet<String> {
    let listed = decider.approvals.list(Some(State::Pending)).await;
    let listed = listed.expect("listed");
    listed.into_iter().map(|approval| approval.id).collect()
}

/// A batch whose deferred calls are refunds 1 to 4, with a read before and between them, and a
/// refund whose pending approval (kept before) it names, so the answer also shows an approval
/// it did not create between those it created. The inserts of refunds 2 and 4 fail.
async fn batch_with_unkept_approvals(redis: Option<&RedisServer>) {
    // The single refund's approval is kept, then refunds 1 and 3 are, 2 and 4 are not.
    let store = Flaky::new(&[true, true, false, true, false]);
    let (decider, _delivery) = decider(redis, store, limits(5)).await;
    let first = decide(&decider, &refund(100)).await;
    let kept = first["approval"]["id"]
        .as_str()
        .expect("an approval")
        .to_owned();
    let batch = [
        read(),
        refund(1),
        naming(refund(100), &kept),
        refund(2),
        read(),
        refund(3),
        refund(4),
    ];
    let decisions = decide_batch(&decider, &batch).await;
    assert_eq!(
        effects(&decisions),
        [
            "permit", "defer", "defer", "defer", "permit", "defer", "defer"
        ]
    );
    let ids = approval_ids(&decisions);
    let shown: Vec<bool> = ids.iter().map(Option::is_some).collect();
    assert_eq!(
        shown,
        [false, true, true, false, false, true, false],
        "{ids:?}"
    );
    assert_eq!(
        ids[2],
        Some(kept.as_str()),
        "the named approval is shown as it is"
    );
    // Every approval the answer names exists, and it names every one that was created.
    let named: HashSet<String> = ids.iter().flatten().map(|id| (*id).to_owned()).collect();
    assert_eq!(named, pending(&decider).await);
    assert_eq!(decisions[1]["approval"]["tool"], "stripe/refund");
    assert_eq!(decisions[5]["approval"]["state"], "pending");

    // Three of the agent's five places are taken: the unkept approvals gave theirs back.
    let more = decide_batch(&decider, &[refund(5), refund(6), refund(7)]).await;
    let shown: Vec<bool> = approval_ids(&more).iter().map(Option::is_some).collect();
    assert_eq!(shown, [true, true, false]);
    let metrics = String::from_utf8(decider.metrics.render()).expect("UTF-8");
    assert!(
        metrics.contains("faramesh_approvals_total{state=\"pending\"} 5"),
        "{metrics}"
    );
}

#[tokio::test]
async fn a_batch_names_only_the_approvals_the_store_kept() {
    batch_with_unkept_approvals(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_batch_decided_with_redis_names_only_the_approvals_the_store_kept() {
    let redis = RedisServer::start();
    batch_with_unkept_approvals(Some(&redis)).await;
}

#[tokio::test]
async fn one_deferred_call_whose_approval_was_not_kept_names_none() {
    let (decider, _delivery) = decider(None, Flaky::new(&[false]), limits(1)).await;
    let unkept = decide(&decider, &refund(1)).await;
    assert_eq!(unkept["effect"], "defer");
    assert_eq!(unkept["reason"], "refunds need a human");
    assert_eq!(unkept["approval"], Value::Null);
    assert!(unkept["decision_id"].is_string());
    assert!(pending(&decider).await.is_empty());
    // The agent's one place was given back: the next deferred call gets an approval.
    let kept = decide(&decider, &refund(2)).await;
    let id = kept["approval"]["id"].as_str().expect("an approval");
    assert_eq!(pending(&decider).await, HashSet::from([id.to_owned()]));
}
