//! Approvals as the decision service uses them: checked before a request is decided, created or
//! used while the evaluator is held (so their records follow the decision's in the log),
//! stored once the records are written, resolved by approvers and expired in the background.
//! Every change of state is a decision record (§17).

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use fpl_runtime::ir::Effect;
use fpl_runtime::log::{self, ApprovalEvent, Record};
use fpl_runtime::state::{MemoryStore, StateStore};
use fpl_runtime::{ApprovalCheck, Decimal, Decision, Evaluator, ReasonCode, Request, Timestamp};
use tokio::sync::watch;

use super::quota::{Place, Quota};
use super::{
    Approval, ApprovalStore, Binding, Claim, Inserted, Resolution, ResolveError, State, StoreError,
    new_id,
};
use crate::ids::DecisionId;
use crate::log_writer::LogWriter;
use crate::metrics::Metrics;

/// The `approval_ttl` of a policy that sets none (§17).
const DEFAULT_TTL_MS: u64 = 5 * 60 * 1000;
/// How long an approval is kept after its life ended (denied, expired, used), for `show`.
const KEEP: Duration = Duration::from_secs(60 * 60);
/// How often pending approvals are checked for expiry.
const SWEEP: Duration = Duration::from_millis(500);

/// Approvals in their store, with the decision log their changes are recorded in.
#[derive(Debug)]
pub(crate) struct Approvals {
    store: Arc<dyn ApprovalStore>,
    log: Option<LogWriter>,
    metrics: Metrics,
    /// The bound on approvals created.
    quota: Arc<Quota>,
    /// The effect of a request whose approval the store could not check.
    on_unavailable: Effect,
    /// Turns true when the service stops, so long polls answer at once instead of holding up
    /// the graceful shutdown.
    stopping: watch::Sender<bool>,
}

/// Why an approver's answer did not take effect.
#[derive(Debug, thiserror::Error)]
pub(crate) enum AnswerError {
    /// Refused by the state machine.
    #[error(transparent)]
    Refused(#[from] ResolveError),
    /// Taken, but its record could not be written.
    #[error("approval `{0}` was resolved, but the decision log could not be written")]
    Unlogged(String),
    /// The store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl Approvals {
    /// Approvals kept in `store`, created within `quota`, their changes recorded in `log` when
    /// there is one and counted in `metrics`; a request whose approval the store cannot check
    /// is decided `on_unavailable` (`deny` or `defer`), `STATE_UNAVAILABLE`.
    pub fn new(
        store: Arc<dyn ApprovalStore>,
        quota: Arc<Quota>,
        log: Option<LogWriter>,
        metrics: Metrics,
        on_unavailable: Effect,
    ) -> Approvals {
        Approvals {
            store,
            log,
            metrics,
            quota,
            on_unavailable,
            stopping: watch::Sender::new(false),
        }
    }

    /// The bound on approvals created, for the settlements of answers.
    pub fn quota(&self) -> &Arc<Quota> {
        &self.quota
    }

    /// `result`, counting a store failure in `faramesh_state_errors_total`.
    fn counted<T>(&self, result: Result<T, StoreError>) -> Result<T, StoreError> {
        if let Err(error) = &result {
            self.metrics.state_error(error.kind());
        }
        result
    }

    /// What each request's `approval` is worth for it, one per request; empty when no request
    /// names an approval, so a plain decision costs nothing here.
    pub async fn check_all(&self, requests: &[Request]) -> Vec<Option<Claim>> {
        if requests.iter().all(|request| request.approval().is_none()) {
            return Vec::new();
        }
        let now = Timestamp::now();
        let mut claims = Vec::with_capacity(requests.len());
        for request in requests {
            claims.push(match request.approval() {
                None => None,
                Some(id) => Some(
                    self.counted(self.store.claim(id, &binding(request), now).await)
                        .unwrap_or(Claim::Unavailable(self.on_unavailable)),
                ),
            });
        }
        claims
    }

    /// Ends an answer: once its records are `written`, keeps the approvals it created (unless
    /// [`Approvals::store_created`] stored them before) and gives back the approved ones it
    /// took but did not use; when they were not written (the answer became
    /// `LOG_WRITE_FAILED`), it created and used none, and approvals stored before are
    /// withdrawn. Returns the created approvals that were not kept: the answer shows
    /// `"approval": null` for those, so it never names an approval that does not exist.
    pub async fn finish(&self, mut settlement: Settlement, written: bool) -> Unkept {
        for id in &settlement.claimed {
            if !written || !settlement.used.contains(id) {
                // A release that fails leaves the approval used: the call was not permitted,
                // and the approver must approve a new one (fails closed).
                let _ = self.counted(self.store.release(id).await);
            }
        }
        let unkept = self.store_created(&mut settlement, written).await;
        if written {
            self.metrics
                .approvals(State::Used.as_str(), settlement.used.len() as u64);
            self.metrics.approvals_refused(settlement.refused);
            self.metrics
                .approvals(State::Pending.as_str(), settlement.stored.len() as u64);
            // Kept: each counts under the bounds until it expires.
            settlement.stored.clear();
        } else {
            for (id, agent, place) in std::mem::take(&mut settlement.stored) {
                // One the store cannot withdraw stays pending until it expires; no record
                // names it.
                let _ = self.counted(self.store.withdraw(&id, &agent).await);
                settlement.quota.give_back(place);
            }
        }
        unkept
    }

    /// Stores the approvals `settlement` created, in order, when `keep` (their records were
    /// written, or are about to be and a shared store must first say whether it keeps them);
    /// those not kept give their places in the quota back, and those the store refused at its
    /// bound count as refused. Which were not kept.
    pub async fn store_created(&self, settlement: &mut Settlement, keep: bool) -> Unkept {
        let mut unkept = Unkept {
            created: settlement.created.len(),
            indices: Vec::new(),
        };
        // One at a time off the front: if the answer is dropped meanwhile, the settlement still
        // holds the approvals not yet stored, and gives their places back.
        let mut index = 0;
        while let Some((approval, place)) = settlement.created.pop_front() {
            let (id, agent) = (approval.id.clone(), approval.binding.agent.clone());
            let kept = keep
                && match self.counted(self.store.insert(approval).await) {
                    Ok(Inserted::Kept) => true,
                    Ok(Inserted::AtBound) => {
                        settlement.refused += 1;
                        false
                    }
                    Err(_) => false,
                };
            if kept {
                settlement.stored.push((id, agent, place));
            } else {
                settlement.quota.give_back(place);
                unkept.indices.push(index);
            }
            index += 1;
        }
        unkept
    }

    /// The approval `id`, after recording any expiry that is due.
    pub async fn get(&self, id: &str) -> Result<Option<Approval>, StoreError> {
        self.expire_due().await?;
        self.counted(self.store.get(id, Timestamp::now()).await)
    }

    /// The approvals in `state` (all when `None`), oldest first.
    pub async fn list(&self, state: Option<State>) -> Result<Vec<Approval>, StoreError> {
        self.expire_due().await?;
        self.counted(self.store.list(state, Timestamp::now()).await)
    }

    /// The approval `id` once it is no longer pending (at once if it is not), or as it is at
    /// the end of `wait`: a poll that arrives just after a change does not wait for another.
    pub async fn wait_while_pending(
        &self,
        id: &str,
        wait: Duration,
    ) -> Result<Option<Approval>, StoreError> {
        let deadline = tokio::time::Instant::now() + wait;
        let mut changes = self.store.subscribe();
        let mut stopping = self.stopping.subscribe();
        loop {
            let Some(approval) = self.get(id).await? else {
                return Ok(None);
            };
            let stopped = *stopping.borrow_and_update();
            if approval.state != State::Pending
                || stopped
                || tokio::time::Instant::now() >= deadline
            {
                return Ok(Some(approval));
            }
            // A pending approval changes by itself when it expires.
            let until = deadline.min(instant_of(approval.expires));
            tokio::select! {
                changed = changes.changed() => {
                    if changed.is_err() {
                        return Ok(Some(approval));
                    }
                }
                () = tokio::time::sleep_until(until) => {}
                _ = stopping.changed() => {}
            }
        }
    }

    /// Approves or denies `id` for `approver`, and records it.
    pub async fn resolve(
        &self,
        id: &str,
        resolution: Resolution,
        approver: &str,
        comment: Option<&str>,
    ) -> Result<Approval, AnswerError> {
        self.expire_due().await?;
        let now = Timestamp::now();
        let approval = self.counted(
            self.store
                .resolve(id, resolution, approver, comment, now)
                .await,
        )??;
        self.metrics.approvals(approval.state.as_str(), 1);
        let record = event(&approval, now, None);
        if !self.write(vec![record]).await {
            return Err(AnswerError::Unlogged(approval.id));
        }
        Ok(approval)
    }

    /// Marks pending approvals past their expiry `expired` and records that.
    pub async fn expire_due(&self) -> Result<(), StoreError> {
        let now = Timestamp::now();
        let expired = self.counted(self.store.expire(now, KEEP).await)?;
        if !expired.is_empty() {
            self.metrics
                .approvals(State::Expired.as_str(), expired.len() as u64);
            let records = expired
                .iter()
                .map(|approval| event(approval, approval.expires, None))
                .collect();
            self.write(records).await;
        }
        Ok(())
    }

    /// Expires approvals in the background every [`SWEEP`] until `stop` turns true, then ends
    /// the long polls.
    pub fn spawn_expiry(self: &Arc<Self>, mut stop: watch::Receiver<bool>) {
        let approvals = self.clone();
        tokio::spawn(async move {
            let mut ticks = tokio::time::interval(SWEEP);
            ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    _ = ticks.tick() => {}
                    _ = stop.changed() => {
                        approvals.stopping.send_replace(true);
                        return;
                    }
                }
                // A failure is counted; the next sweep tries again.
                let _ = approvals.expire_due().await;
            }
        });
    }

    /// Writes `records`; whether they were written (true without a log).
    async fn write(&self, records: Vec<Record>) -> bool {
        match &self.log {
            Some(log) => log.submit(records).await.unwrap_or(false),
            None => true,
        }
    }
}

/// What the approvals of one answer leave to do once its records are written: approvals
/// created, in order, with the places they took in the quota, and those stored; approved ones
/// taken (claimed) and used; and how many deferred calls the quota left without one.
#[derive(Debug)]
pub(crate) struct Settlement {
    created: VecDeque<(Approval, Place)>,
    /// Approvals created and stored (id, agent, place): kept once their records are written.
    stored: Vec<(String, String, Place)>,
    refused: u64,
    claimed: Vec<String>,
    used: Vec<String>,
    quota: Arc<Quota>,
    /// The active policy's `approval_ttl`.
    pub ttl_ms: Option<u64>,
}

impl Drop for Settlement {
    /// Gives back the places of approvals never kept: their answer was decided again (a
    /// conflict in the shared state) or dropped before they were stored.
    fn drop(&mut self) {
        for (_, place) in self.created.drain(..) {
            self.quota.give_back(place);
        }
    }
}

/// What settling a decision's approval leaves for its answer.
#[derive(Debug, Default)]
pub(crate) struct Settled {
    /// The `approval` to show (JSON), if any.
    pub approval: Option<String>,
    /// Whether the decision created it: the answer then names it only if the store keeps it.
    pub created: bool,
    /// The record of the approval's change, to follow the decision's.
    pub change: Option<Record>,
}

/// The approvals an answer created that the store did not keep, by their place in the order
/// they were created, which is the order the answer shows them in.
#[derive(Debug, Default)]
pub(crate) struct Unkept {
    /// How many approvals were created.
    created: usize,
    /// The places of those not kept, ascending.
    indices: Vec<usize>,
}

impl Unkept {
    /// Adds `other`'s, created after these.
    pub fn append(&mut self, other: Unkept) {
        let offset = self.created;
        self.indices
            .extend(other.indices.into_iter().map(|index| offset + index));
        self.created += other.created;
    }

    /// Of `created`, one entry per approval created in order (where each sits in an answer or
    /// among its records), those of the approvals not kept, last first: removing or replacing
    /// them in that order leaves the places of the earlier ones where they are.
    pub fn last_first<'a, T>(&'a self, created: &'a [T]) -> impl Iterator<Item = &'a T> {
        debug_assert_eq!(self.created, created.len());
        self.indices
            .iter()
            .rev()
            .filter_map(|&index| created.get(index))
    }
}

/// A request's approval, as checked before deciding it.
pub(crate) type Checked<'a> = Option<&'a Claim>;

/// Decides `request` with `store` and its approval as checked. When the approval could not be
/// checked (the store failed), the decision is `STATE_UNAVAILABLE`: decided on empty state
/// only for what does not depend on it (the redactions), nothing counted in `store`.
pub(crate) fn decide<'e, S: StateStore + ?Sized>(
    evaluator: &'e mut Evaluator,
    store: &mut S,
    request: &Request,
    claim: Checked<'_>,
) -> Decision<'e> {
    let check = match claim {
        None | Some(Claim::Pending(_)) => ApprovalCheck::None,
        Some(Claim::Approved(_)) => ApprovalCheck::Approved,
        Some(Claim::Denied(_)) => ApprovalCheck::Denied,
        Some(Claim::Invalid) => ApprovalCheck::Invalid,
        Some(Claim::Unavailable(effect)) => {
            return evaluator
                .decide_with(&mut MemoryStore::new(), request, ApprovalCheck::None)
                .state_unavailable(*effect);
        }
    };
    evaluator.decide_with(store, request, check)
}

impl Settlement {
    /// A settlement for an answer whose requests' approvals were checked as `claims`, creating
    /// approvals within `quota`.
    pub fn new(claims: &[Option<Claim>], quota: &Arc<Quota>) -> Settlement {
        Settlement {
            created: VecDeque::new(),
            stored: Vec::new(),
            refused: 0,
            claimed: claims
                .iter()
                .filter_map(|claim| match claim {
                    Some(Claim::Approved(approval)) => Some(approval.id.clone()),
                    _ => None,
                })
                .collect(),
            used: Vec::new(),
            quota: Arc::clone(quota),
            ttl_ms: None,
        }
    }

    /// The `approval` of `decision`'s answer, creating or using one as §17 says, and the record
    /// of that change. Called while the evaluator is held.
    pub fn settle(
        &mut self,
        request: &Request,
        decision: &Decision<'_>,
        claim: Checked<'_>,
        decision_id: DecisionId,
    ) -> Settled {
        let shown = |approval: &Approval, change| Settled {
            approval: serde_json::to_string(approval).ok(),
            created: false,
            change,
        };
        match (decision.effect, decision.reason_code, claim) {
            (Effect::Permit, ReasonCode::Approved, Some(Claim::Approved(approval))) => {
                self.used.push(approval.id.clone());
                let used = event(approval, decision.time, Some(&decision_id.to_string()));
                shown(approval, Some(used))
            }
            // The store failed: no approval to show, and none to create.
            (_, _, Some(Claim::Unavailable(_))) => Settled::default(),
            (Effect::Defer, _, Some(Claim::Pending(approval)))
            | (Effect::Deny, ReasonCode::ApprovalDenied, Some(Claim::Denied(approval))) => {
                shown(approval, None)
            }
            (Effect::Defer, _, _) => {
                let Some((approval, place)) = self.create(request, decision) else {
                    return Settled::default();
                };
                let created = event(&approval, approval.created, Some(&decision_id.to_string()));
                let settled = Settled {
                    created: true,
                    ..shown(&approval, Some(created))
                };
                self.created.push_back((approval, place));
                settled
            }
            _ => Settled::default(),
        }
    }

    /// A new pending approval for a deferred call, with its place in the quota; none when its
    /// agent or the service is at the quota's bound, or the random source fails (the call stays
    /// deferred, without an approval to name).
    fn create(&mut self, request: &Request, decision: &Decision<'_>) -> Option<(Approval, Place)> {
        let created = decision.time.max(Timestamp::now());
        let ttl = self.ttl_ms.unwrap_or(DEFAULT_TTL_MS);
        let expires = Timestamp::from_unix(created.unix().saturating_add(
            Decimal::from_millionths(i128::from(ttl).saturating_mul(1_000)),
        ));
        let Some(place) = self.quota.take(request.agent(), created, expires) else {
            self.refused += 1;
            return None;
        };
        let Ok(id) = new_id() else {
            self.quota.give_back(place);
            return None;
        };
        let approval = Approval {
            id,
            state: State::Pending,
            binding: binding(request),
            rule: decision.rule.map(|rule| rule.to_string()),
            reason: decision.reason.map(|reason| reason.to_string()),
            notify: decision.notify.map(str::to_owned),
            created,
            expires,
            principal: request
                .principal()
                .and_then(|principal| principal.get("id"))
                .and_then(principal_id),
            approver: None,
            comment: None,
            resolved: None,
            record: Record::of(request, decision),
        };
        Some((approval, place))
    }
}

/// The call `request` makes, as approvals are bound to it.
fn binding(request: &Request) -> Binding {
    Binding {
        agent: request.agent().to_owned(),
        session: request.session().to_owned(),
        tool: request.tool().to_owned(),
        args_digest: log::unredacted_args_digest(request),
    }
}

/// The record of `approval` entering its current state at `time`.
fn event(approval: &Approval, time: Timestamp, decision_id: Option<&str>) -> Record {
    approval.record.approval_event(
        time,
        ApprovalEvent {
            id: approval.id.clone(),
            state: approval.state.as_str(),
            approver: approval.approver.clone(),
            comment: approval.comment.clone(),
        },
        decision_id.map(str::to_owned),
    )
}

/// The monotonic instant of a wall-clock time (now when it has passed).
fn instant_of(time: Timestamp) -> tokio::time::Instant {
    let micros = time
        .unix_micros()
        .saturating_sub(Timestamp::now().unix_micros());
    tokio::time::Instant::now() + Duration::from_micros(u64::try_from(micros).unwrap_or(0))
}

/// A `principal.id` as the text an approver's name is compared with: a string as it is, any
/// other value as its canonical JSON (`17`, `true`), so no id escapes the comparison by its
/// type; `null` is no id.
fn principal_id(id: fpl_runtime::JsonRef<'_>) -> Option<String> {
    match id.kind() {
        fpl_runtime::JsonKind::Null => None,
        fpl_runtime::JsonKind::String(text) => Some(text.to_owned()),
        _ => {
            let mut text = String::new();
            fpl_runtime::canonical_json::write_json(&mut text, id, &mut Vec::new(), &|_| None);
            Some(text)
        }
    }
}
