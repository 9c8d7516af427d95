//! Deciding with state shared in Redis. Decisions of one agent are grouped: while one group's
//! state is read, decided and written back, the next requests for that agent queue up and go
//! together in the next group — one read and one write per group, however many requests it
//! holds, and no read when the snapshot of the agent's last group is kept (`super::cache`). A
//! write succeeds only if the agent's version is unchanged (a group that changed nothing checks
//! the version of a kept snapshot); otherwise the group is decided again on fresh state, so no
//! replica ever decides on stale state.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard};

use fpl_runtime::Request;
use fpl_runtime::ir::Effect;
use fpl_runtime::state::MemoryStore;
use tokio::sync::oneshot;

use super::cache::SnapshotCache;
use super::redis::{RedisStore, StoreError};
use crate::approvals::{self, Claim, Quota, Settled, Settlement};
use crate::bundles::Active;
use crate::decide::Decided;
use crate::ids::DecisionId;
use crate::metrics::Metrics;

/// How many times a group is decided again after other decisions changed its agent first.
const ATTEMPTS: usize = 64;

/// One request waiting in its agent's queue.
struct Job {
    active: Arc<Active>,
    request: Request,
    /// Its decision id.
    id: DecisionId,
    /// Its approval, as checked.
    claim: Option<Claim>,
    logging: bool,
    /// The bound on approvals created.
    quota: Arc<Quota>,
    reply: oneshot::Sender<(Decided, Settlement)>,
}

/// State shared through Redis, with the queues of the agents being decided.
pub(crate) struct Shared {
    store: RedisStore,
    /// Each agent's snapshot as this replica last read or wrote it.
    cache: SnapshotCache,
    /// Per agent being decided, the requests waiting for its next group. An agent is present
    /// exactly while a task decides its groups.
    queues: Mutex<HashMap<String, Vec<Job>>>,
    /// The effect of a decision the store could not count.
    on_unavailable: Effect,
    /// The agents whose last call to the store failed. The first failure is logged, and the
    /// store is logged reachable again once none is failing: with one node of a cluster down,
    /// the agents on the others succeeding do not make the log flap.
    failing: Mutex<HashSet<String>>,
    metrics: Metrics,
}

impl std::fmt::Debug for Shared {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared")
            .field("store", &self.store)
            .field("on_unavailable", &self.on_unavailable)
            .finish_non_exhaustive()
    }
}

/// Removes an agent's queue if its deciding task ends by a panic, so the next request starts
/// a new one; the queued requests' answers are dropped and they answer `STATE_UNAVAILABLE`.
struct QueueGuard<'a> {
    shared: &'a Shared,
    agent: &'a str,
    armed: bool,
}

impl Drop for QueueGuard<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.shared.queues().remove(self.agent);
        }
    }
}

impl Shared {
    /// Decides with `store`; `on_unavailable` is the effect when it cannot count a call.
    pub fn new(store: RedisStore, on_unavailable: Effect, metrics: Metrics) -> Shared {
        Shared {
            store,
            cache: SnapshotCache::default(),
            queues: Mutex::new(HashMap::new()),
            on_unavailable,
            failing: Mutex::new(HashSet::new()),
            metrics,
        }
    }

    /// Decides `requests` (named `ids`, their approvals checked as `claims`) with `active`'s
    /// policy, in order for each agent; each with the settlement of its approval.
    pub async fn decide(
        self: &Arc<Self>,
        active: &Arc<Active>,
        requests: &[Request],
        claims: &[Option<Claim>],
        ids: Vec<DecisionId>,
        logging: bool,
        quota: &Arc<Quota>,
    ) -> (Vec<Decided>, Vec<Settlement>) {
        let mut waiting = Vec::with_capacity(requests.len());
        for (index, (request, id)) in requests.iter().zip(ids).enumerate() {
            let claim = claims.get(index).cloned().flatten();
            let agent = active.evaluator().state_agent(request).map(str::to_owned);
            let Some(agent) = agent else {
                // Nothing to read or count: decided here, without the store.
                let mut evaluator = active.evaluator();
                let done = decide_one(
                    &mut evaluator,
                    &mut MemoryStore::new(),
                    request,
                    &claim,
                    id,
                    logging,
                    quota,
                );
                waiting.push(Err(done));
                continue;
            };
            let (reply, answer) = oneshot::channel();
            let job = Job {
                active: Arc::clone(active),
                request: request.clone(),
                id,
                claim: claim.clone(),
                logging,
                quota: Arc::clone(quota),
                reply,
            };
            self.submit(agent, job);
            waiting.push(Ok((answer, claim, id)));
        }
        let mut decided = Vec::with_capacity(waiting.len());
        let mut settlements = Vec::with_capacity(waiting.len());
        for (request, waiting) in requests.iter().zip(waiting) {
            let (done, settlement) = match waiting {
                Err(done) => done,
                Ok((answer, claim, id)) => match answer.await {
                    Ok(done) => done,
                    Err(_) => self.unavailable_one(active, request, claim, id, logging, quota),
                },
            };
            decided.push(done);
            settlements.push(settlement);
        }
        (decided, settlements)
    }

    /// Whether Redis answers, and if not why.
    pub async fn reachable(&self) -> Result<(), String> {
        self.store
            .reachable()
            .await
            .map_err(|error| error.to_string())
    }

    fn queues(&self) -> MutexGuard<'_, HashMap<String, Vec<Job>>> {
        self.queues
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Queues `job`; the first job of an idle agent starts the task that decides its groups.
    fn submit(self: &Arc<Self>, agent: String, job: Job) {
        let lead = {
            let mut queues = self.queues();
            match queues.get_mut(&agent) {
                Some(queue) => {
                    queue.push(job);
                    false
                }
                None => {
                    queues.insert(agent.clone(), vec![job]);
                    true
                }
            }
        };
        if lead {
            let shared = Arc::clone(self);
            tokio::spawn(async move { shared.lead(&agent).await });
        }
    }

    /// Decides `agent`'s groups until its queue is empty.
    async fn lead(&self, agent: &str) {
        let mut guard = QueueGuard {
            shared: self,
            agent,
            armed: true,
        };
        loop {
            let jobs = {
                let mut queues = self.queues();
                match queues.get_mut(agent) {
                    Some(queue) if !queue.is_empty() => std::mem::take(queue),
                    _ => {
                        queues.remove(agent);
                        guard.armed = false;
                        return;
                    }
                }
            };
            self.decide_group(agent, jobs).await;
        }
    }

    /// Reads the agent's state, decides the jobs in order, writes back; again on a conflict.
    async fn decide_group(&self, agent: &str, jobs: Vec<Job>) {
        let mut sessions: Vec<&str> = Vec::new();
        for job in &jobs {
            if !sessions.contains(&job.request.session()) {
                sessions.push(job.request.session());
            }
        }
        let mut kept = self.cache.take(agent, &sessions);
        for _ in 0..ATTEMPTS {
            let was_kept = kept.is_some();
            let mut snapshot = match kept.take() {
                Some(snapshot) => snapshot,
                None => match self.store.load(agent, &sessions).await {
                    Ok(snapshot) => snapshot,
                    Err(error) => return self.unavailable(agent, jobs, &error),
                },
            };
            let decided: Vec<_> = jobs
                .iter()
                .map(|job| {
                    let mut evaluator = job.active.evaluator();
                    let id = job.id;
                    decide_one(
                        &mut evaluator,
                        &mut snapshot,
                        &job.request,
                        &job.claim,
                        id,
                        job.logging,
                        &job.quota,
                    )
                })
                .collect();
            let current = if snapshot.changed() {
                self.store.commit(agent, &snapshot).await
            } else if was_kept {
                let version = snapshot.version();
                let current = self.store.check(agent, &snapshot).await;
                current.map(|current| current.then_some(version))
            } else {
                Ok(Some(snapshot.version()))
            };
            match current {
                Ok(Some(version)) => {
                    self.recovered(agent);
                    snapshot.committed(version);
                    self.cache.keep(agent, snapshot);
                    for (job, done) in jobs.into_iter().zip(decided) {
                        // The requester may be gone (client disconnected): nothing to answer.
                        let _ = job.reply.send(done);
                    }
                    return;
                }
                Ok(None) => {
                    self.metrics.state_error("conflict");
                    self.cache.contended(agent);
                }
                Err(error) => return self.unavailable(agent, jobs, &error),
            }
        }
        self.metrics.state_error("contention");
        self.unavailable_all(jobs);
    }

    /// Answers every job of `agent` `STATE_UNAVAILABLE`.
    fn unavailable(&self, agent: &str, jobs: Vec<Job>, error: &StoreError) {
        self.metrics.state_error(match error {
            StoreError::Unreachable(unreachable) => unreachable.kind(),
            StoreError::Unreadable(_) | StoreError::Shape => "unreadable",
            StoreError::Random(_) => "error",
        });
        let first = {
            let mut failing = self.failing();
            let none_was = failing.is_empty();
            failing.insert(agent.to_owned()) && none_was
        };
        if first {
            report!(
                "faramesh serve: the state store is unavailable (agent `{agent}` first): \
                 {error}"
            );
        }
        self.unavailable_all(jobs);
    }

    /// Answers every job `STATE_UNAVAILABLE`.
    fn unavailable_all(&self, jobs: Vec<Job>) {
        for job in jobs {
            let done = self.unavailable_one(
                &job.active,
                &job.request,
                job.claim,
                job.id,
                job.logging,
                &job.quota,
            );
            let _ = job.reply.send(done);
        }
    }

    /// Notes that the store answers again for `agent`.
    fn recovered(&self, agent: &str) {
        let all = {
            let mut failing = self.failing();
            failing.remove(agent) && failing.is_empty()
        };
        if all {
            report!("faramesh serve: the state store is reachable again");
        }
    }

    fn failing(&self) -> MutexGuard<'_, HashSet<String>> {
        self.failing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `request` answered `STATE_UNAVAILABLE` by `active`'s policy (its `redact` applies); its
    /// approval is left unused.
    fn unavailable_one(
        &self,
        active: &Active,
        request: &Request,
        claim: Option<Claim>,
        id: DecisionId,
        logging: bool,
        quota: &Arc<Quota>,
    ) -> (Decided, Settlement) {
        let mut evaluator = active.evaluator();
        // Decided on empty state only for what does not depend on state (the redactions);
        // its effect is replaced, and nothing it counted is kept.
        let decision = approvals::decide(&mut evaluator, &mut MemoryStore::new(), request, None)
            .state_unavailable(self.on_unavailable);
        let settlement = Settlement::new(std::slice::from_ref(&claim), quota);
        let done = Decided::of(request, &decision, logging, id, Settled::default());
        (done, settlement)
    }
}

/// Decides `request` (named `id`, its approval checked as `claim`) with `store`, and settles
/// its approval.
fn decide_one<S: fpl_runtime::state::StateStore>(
    evaluator: &mut fpl_runtime::Evaluator,
    store: &mut S,
    request: &Request,
    claim: &Option<Claim>,
    id: DecisionId,
    logging: bool,
    quota: &Arc<Quota>,
) -> (Decided, Settlement) {
    let mut settlement = Settlement::new(std::slice::from_ref(claim), quota);
    settlement.ttl_ms = evaluator.approval_ttl_ms();
    let claim = claim.as_ref();
    let decision = approvals::decide(evaluator, store, request, claim);
    let settled = settlement.settle(request, &decision, claim, id);
    let done = Decided::of(request, &decision, logging, id, settled);
    (done, settlement)
}
