//! Answering decisions: requests (§5) in, decisions (§8) out, each followed by `decision_id`
//! and `approval` (§17). One request or a batch is decided by one bundle while its evaluator is
//! held, so a batch is never split across a swap; its records are queued for the log before the
//! evaluator is released, so the log's order is the order of decisions, and the answer waits
//! until they are written. A `defer` creates an approval and a request naming an approval is
//! decided with it (`crate::approvals`); their records follow the decision's. A created approval
//! is stored in this process once the records are written; in a shared store (Redis), whose
//! bounds hold for every replica, before they are written (its record is dropped when the store
//! does not keep it, and it is withdrawn when the write fails). The answer remembers where each
//! one's JSON sits, and shows `null` there instead when the store did not keep it. State
//! (limits, budgets, histories) lives in [`Backend`], apart from the bundles, so a swap keeps
//! it. Decisions are written straight into the answer's text; their alerts are queued for
//! delivery once the records are written, never awaited.

use std::cell::RefCell;
use std::ops::Range;
use std::sync::Arc;

use fpl_runtime::batch::{Batch, BatchError};
use fpl_runtime::log::Record;
use fpl_runtime::{Decision, ReasonCode, Request, Timestamp};

use crate::alerts::{Alerts, Raised};
use crate::approvals::{self, Approvals, Settled, Settlement, Unkept};
use crate::bundles::Bundles;
use crate::ids::{DecisionId, DecisionIds};
use crate::log_writer::{LogWriter, Written};
use crate::metrics::{DecisionTally, Metrics};
use crate::state::Backend;

/// The `reason` of `INVALID_BUNDLE` decisions.
const NO_BUNDLE: &str = "no verified bundle is active";

/// The bytes a decision's answer takes, about: room reserved for each in an answer.
const ANSWER_BYTES: usize = 512;

/// A body larger than this does not keep its buffers for the thread's next request or batch,
/// so one huge body does not hold its memory for the life of the service.
const KEEP_BUFFERS: usize = 1024 * 1024;

thread_local! {
    /// This thread's batch buffers: a batch is read and decided without waiting in between,
    /// so one per thread is enough.
    static BATCH: RefCell<Batch> = RefCell::new(Batch::default());
    /// This thread's buffers for single requests, kept the same way.
    static REQUEST: RefCell<Request> = RefCell::new(Request::default());
}

/// Decides requests with the active bundle.
#[derive(Debug)]
pub(crate) struct Decider {
    pub bundles: Bundles,
    /// Where state lives.
    pub state: Backend,
    pub approvals: Arc<Approvals>,
    log: Option<LogWriter>,
    metrics: Metrics,
    ids: DecisionIds,
    alerts: Alerts,
}

/// Requests decided, their records queued: what to answer once the log has them.
struct Queued {
    /// The answers, the records and the alerts.
    out: Writer,
    /// The approvals the decisions used and created, kept once the records are written.
    settlements: Vec<Settlement>,
    /// Whether the records were written (`None` without a log).
    written: Option<Written>,
}

impl Decider {
    /// A decider over `bundles` with `state` and `approvals`, logging to `log` when given and
    /// raising alerts through `alerts`.
    pub fn new(
        bundles: Bundles,
        state: Backend,
        approvals: Arc<Approvals>,
        log: Option<LogWriter>,
        metrics: Metrics,
        ids: DecisionIds,
        alerts: Alerts,
    ) -> Decider {
        Decider {
            bundles,
            state,
            approvals,
            log,
            metrics,
            ids,
            alerts,
        }
    }

    /// Answers one request body: always a decision (`INVALID_REQUEST` for bad JSON).
    pub async fn decide(&self, body: &[u8]) -> String {
        // Taken across the waits, as a batch's buffers are.
        let mut request = REQUEST.take();
        request.parse_bytes_into(body);
        let queued = self
            .decide_in_order(std::slice::from_ref(&request), false)
            .await;
        if body.len() <= KEEP_BUFFERS {
            REQUEST.set(request);
        }
        self.answer(queued).await
    }

    /// Answers a JSON array of requests in order, as a JSON array of decisions.
    pub async fn decide_batch(&self, body: &[u8]) -> Result<String, BatchError> {
        // Taken, not borrowed, across the waits; another batch on this thread meanwhile reads
        // into fresh buffers.
        let mut batch = BATCH.take();
        let queued = match batch.read(body) {
            Ok(requests) => Ok(self.decide_in_order(requests, true).await),
            Err(error) => Err(error),
        };
        if body.len() <= KEEP_BUFFERS {
            BATCH.set(batch);
        }
        Ok(self.answer(queued?).await)
    }

    /// Decides `requests` in order with one bundle and queues their records: the answer is
    /// one decision, or (`array`) a JSON array of them.
    async fn decide_in_order(&self, requests: &[Request], array: bool) -> Queued {
        let logging = self.log.is_some();
        let claims = self.approvals.check_all(requests).await;
        let mut out = Writer::new(array, requests.len(), logging, self.alerts.raised());
        let mut settlements = Vec::with_capacity(1);
        let first = self.ids.take(requests.len() as u64);
        let written = match self.bundles.active() {
            Some(active) => match &self.state {
                Backend::Memory(store) => {
                    let mut settlement = Settlement::new(&claims, self.approvals.quota());
                    let mut evaluator = active.evaluator();
                    let mut store = Backend::memory(store);
                    settlement.ttl_ms = evaluator.approval_ttl_ms();
                    let mut id = first;
                    for (index, request) in requests.iter().enumerate() {
                        let claim = claims.get(index).and_then(Option::as_ref);
                        let decision =
                            approvals::decide(&mut evaluator, &mut *store, request, claim);
                        let settled = settlement.settle(request, &decision, claim, id);
                        out.decision(request, &decision, id, settled);
                        id = id.successor();
                    }
                    settlements.push(settlement);
                    // Queued for the log before the state is released: the log's order is
                    // the order of decisions.
                    out.submit(self.log.as_ref())
                }
                Backend::Redis(shared) => {
                    let ids = std::iter::successors(Some(first), |id| Some(id.successor()))
                        .take(requests.len())
                        .collect();
                    // Boxed: the store's large future would otherwise make every decision's
                    // future as large, in-process ones included.
                    let (decided, settled) = Box::pin(shared.decide(
                        &active,
                        requests,
                        &claims,
                        ids,
                        logging,
                        self.approvals.quota(),
                    ))
                    .await;
                    settlements = settled;
                    for done in decided {
                        out.append(done.0);
                    }
                    // The shared store says whether it keeps each approval created (its bounds
                    // hold for every replica) before the records are written, so the log never
                    // records the creation of one it did not keep.
                    let mut unkept = Unkept::default();
                    for settlement in &mut settlements {
                        let stored = self.approvals.store_created(settlement, true);
                        unkept.append(Box::pin(stored).await);
                    }
                    out.withdraw(&unkept);
                    out.submit(self.log.as_ref())
                }
            },
            None => {
                let now = Timestamp::now();
                let mut id = first;
                for request in requests {
                    out.invalid_bundle(request, now, id);
                    id = id.successor();
                }
                out.submit(self.log.as_ref())
            }
        };
        Queued {
            out,
            settlements,
            written,
        }
    }

    /// The answer, once the log has its records; the approvals are kept, and the alerts sent,
    /// only if it has.
    async fn answer(&self, queued: Queued) -> String {
        let Queued {
            out,
            settlements,
            written,
        } = queued;
        let written = match written {
            Some(written) => written.await.unwrap_or(false),
            None => true,
        };
        // In the order the answer shows their approvals.
        let mut unkept = Unkept::default();
        for settlement in settlements {
            // Boxed, as the Redis path is: keeping approvals (in Redis, too) takes a 2 KB future
            // that every decision's future would otherwise carry and hyper copy.
            unkept.append(Box::pin(self.approvals.finish(settlement, written)).await);
        }
        self.metrics.decisions(out.tally);
        if !written {
            self.metrics.log_failures(out.count);
            return out.if_unwritten.map(Answer::finish).unwrap_or_default();
        }
        // Only once the decisions are final: a failed log write turns them into denials
        // without alerts. Queuing never waits.
        self.alerts.send(out.raised);
        let mut answer = out.answer;
        answer.withdraw(&unkept);
        answer.finish()
    }
}

/// One decision of the shared-state path, decided apart and added to its answer in order.
#[derive(Debug)]
pub(crate) struct Decided(Writer);

impl Decided {
    /// `decision` of `request`, named `id`, with its approval as `settled`; with its records
    /// when `logging`.
    pub fn of(
        request: &Request,
        decision: &Decision<'_>,
        logging: bool,
        id: DecisionId,
        settled: Settled,
    ) -> Decided {
        // The shared-state path decides without the service's alerts at hand: every alert
        // keeps its facts here, and the unconfigured ones are told apart when sent.
        let mut out = Writer::new(false, 1, logging, Raised::default());
        out.decision(request, decision, id, settled);
        Decided(out)
    }
}

/// What an answer's decisions leave behind: its text, its text if the log write fails (when
/// logging), the records, the counts and the alerts.
#[derive(Debug)]
struct Writer {
    answer: Answer,
    if_unwritten: Option<Answer>,
    records: Vec<Record>,
    tally: DecisionTally,
    raised: Raised,
    count: u64,
    /// Where the record of each approval its decisions created sits in `records`, in the order
    /// created (when logging).
    created_records: Vec<usize>,
}

impl Writer {
    /// An empty writer with room for `decisions`, raising alerts into `raised`.
    fn new(array: bool, decisions: usize, logging: bool, raised: Raised) -> Writer {
        Writer {
            answer: Answer::new(array, decisions),
            if_unwritten: logging.then(|| Answer::new(array, decisions)),
            records: Vec::new(),
            tally: DecisionTally::default(),
            raised,
            count: 0,
            created_records: Vec::new(),
        }
    }

    /// Adds `decision` of `request`, named `id`, with its approval and that approval's change
    /// record as `settled`.
    fn decision(
        &mut self,
        request: &Request,
        decision: &Decision<'_>,
        id: DecisionId,
        settled: Settled,
    ) {
        self.count += 1;
        self.tally
            .count(decision.effect.as_str(), decision.reason_code.as_str());
        self.raised.add(request, decision, id);
        self.answer.decision(decision, id, &settled);
        if let Some(if_unwritten) = &mut self.if_unwritten {
            if_unwritten.decision(&decision.log_write_failed(), id, &Settled::default());
            self.records
                .push(Record::of(request, decision).with_decision_id(id.to_string()));
            if settled.created {
                self.created_records.push(self.records.len());
            }
            self.records.extend(settled.change);
        }
    }

    /// Adds the decision while no verified bundle is active (§17): `deny`, `INVALID_BUNDLE`.
    fn invalid_bundle(&mut self, request: &Request, now: Timestamp, id: DecisionId) {
        let code = ReasonCode::InvalidBundle;
        self.count += 1;
        self.tally.count("deny", code.as_str());
        self.answer.invalid_bundle(id);
        if let Some(if_unwritten) = &mut self.if_unwritten {
            if_unwritten.invalid_bundle(id);
            self.records
                .push(Record::without_policy(request, now, code).with_decision_id(id.to_string()));
        }
    }

    /// Adds what `other` holds, after what this holds.
    fn append(&mut self, other: Writer) {
        self.count += other.count;
        self.tally.merge(other.tally);
        self.raised.append(other.raised);
        self.answer.append(other.answer);
        if let (Some(mine), Some(theirs)) = (&mut self.if_unwritten, other.if_unwritten) {
            mine.append(theirs);
        }
        let offset = self.records.len();
        self.created_records
            .extend(other.created_records.iter().map(|at| at + offset));
        self.records.extend(other.records);
    }

    /// Shows `null` instead of each created approval the store did not keep (`unkept`), and
    /// drops the records of their creation; the approvals left are settled.
    fn withdraw(&mut self, unkept: &Unkept) {
        self.answer.withdraw(unkept);
        let created = std::mem::take(&mut self.created_records);
        // Records, and where they sit, are kept only when logging.
        if self.if_unwritten.is_some() {
            for &at in unkept.last_first(&created) {
                self.records.remove(at);
            }
        }
    }

    /// Queues the records for the log: the write to wait for.
    fn submit(&mut self, log: Option<&LogWriter>) -> Option<Written> {
        log.map(|log| log.submit(std::mem::take(&mut self.records)))
    }
}

/// An answer's text being written: one decision, or a JSON array of them.
#[derive(Debug)]
struct Answer {
    text: String,
    array: bool,
    /// Where the JSON of each approval its decisions created sits in `text`, in the order
    /// created: shown only if the store keeps it.
    created: Vec<Range<usize>>,
}

impl Answer {
    /// An empty answer with room for `decisions`.
    fn new(array: bool, decisions: usize) -> Answer {
        let mut text = String::with_capacity(decisions * ANSWER_BYTES + 2);
        if array {
            text.push('[');
        }
        Answer {
            text,
            array,
            created: Vec::new(),
        }
    }

    /// Appends a decision with its approval as `settled`.
    fn decision(&mut self, decision: &Decision<'_>, id: DecisionId, settled: &Settled) {
        self.separate();
        decision.write_json(&mut self.text);
        let at = write_id_and_approval(&mut self.text, id, settled.approval.as_deref());
        if settled.created {
            self.created.push(at);
        }
    }

    /// Appends the decision while no verified bundle is active (§17): `deny`, `INVALID_BUNDLE`.
    fn invalid_bundle(&mut self, id: DecisionId) {
        self.separate();
        self.text
            .push_str("{\"effect\":\"deny\",\"reason_code\":\"");
        self.text.push_str(ReasonCode::InvalidBundle.as_str());
        self.text.push_str("\",\"rule\":null,\"reason\":\"");
        self.text.push_str(NO_BUNDLE);
        self.text.push_str(
            "\",\"notify\":null,\"redact\":[],\"credentials\":[],\"alerts\":[],\"warnings\":[],\
             \"policy\":null}",
        );
        write_id_and_approval(&mut self.text, id, None);
    }

    /// Appends `other`, one decision already written (with its id and approval).
    fn append(&mut self, other: Answer) {
        self.separate();
        let offset = self.text.len();
        self.created.extend(
            other
                .created
                .iter()
                .map(|at| at.start + offset..at.end + offset),
        );
        self.text.push_str(&other.finish());
    }

    /// Shows `null` instead of each created approval the store did not keep (`unkept`); the
    /// approvals left are settled.
    fn withdraw(&mut self, unkept: &Unkept) {
        let created = std::mem::take(&mut self.created);
        for at in unkept.last_first(&created) {
            self.text.replace_range(at.clone(), "null");
        }
    }

    /// A comma before every element of an array but the first.
    fn separate(&mut self) {
        if self.array && self.text.len() > 1 {
            self.text.push(',');
        }
    }

    /// The finished text.
    fn finish(mut self) -> String {
        if self.array {
            self.text.push(']');
        }
        self.text
    }
}

/// Ends the decision just written to `out` with `decision_id` and `approval` (its JSON, or
/// `null`); where in `out` the approval was written.
fn write_id_and_approval(out: &mut String, id: DecisionId, approval: Option<&str>) -> Range<usize> {
    // The decision's closing brace.
    out.pop();
    out.push_str(",\"decision_id\":\"");
    id.write_hex(out);
    out.push_str("\",\"approval\":");
    let start = out.len();
    out.push_str(approval.unwrap_or("null"));
    let end = out.len();
    out.push('}');
    start..end
}

#[cfg(test)]
mod tests;
