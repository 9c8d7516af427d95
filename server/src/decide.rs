//! Answering decisions: requests (§5) in, decisions (§8) out, each followed by `decision_id`
//! and `approval` (§17). One request or a batch is decided by one bundle while its evaluator is
//! held, so a batch is never split across a swap; its records are queued for the log before the
//! evaluator is released, so the log's order is the order of decisions, and the answer waits
//! until they are written. A `defer` creates an approval and a request naming an approval is
//! decided with it (`crate::approvals`); their records follow the decision's. Decisions are
//! written straight into the answer's text.

use std::sync::Arc;

use std::cell::RefCell;

use fpl_runtime::batch::{Batch, BatchError};
use fpl_runtime::log::Record;
use fpl_runtime::{Decision, ReasonCode, Request, Timestamp};

use crate::approvals::{self, Approvals, Settlement};
use crate::bundles::Bundles;
use crate::ids::{DecisionId, DecisionIds};
use crate::log_writer::{LogWriter, Written};
use crate::metrics::{DecisionTally, Metrics};

/// The `reason` of `INVALID_BUNDLE` decisions.
const NO_BUNDLE: &str = "no verified bundle is active";

/// The bytes a decision's answer takes, about: room reserved for each in an answer.
const ANSWER_BYTES: usize = 512;

/// A batch body larger than this does not keep its buffers for the thread's next batch, so one
/// huge batch does not hold its memory for the life of the service.
const KEEP_BATCH_BUFFERS: usize = 1024 * 1024;

thread_local! {
    /// This thread's batch buffers: a batch is read and decided without waiting in between,
    /// so one per thread is enough.
    static BATCH: RefCell<Batch> = RefCell::new(Batch::default());
}

/// Decides requests with the active bundle.
#[derive(Debug)]
pub(crate) struct Decider {
    pub bundles: Bundles,
    pub approvals: Arc<Approvals>,
    log: Option<LogWriter>,
    metrics: Metrics,
    ids: DecisionIds,
}

/// Requests decided, their records queued: what to answer once the log has them.
struct Decided {
    answer: String,
    /// The approvals the decisions used and created, kept once the records are written.
    settlement: Settlement,
    /// The answer when the records were not written: every decision `LOG_WRITE_FAILED`.
    if_unwritten: String,
    count: u64,
    /// Whether the records were written (`None` without a log).
    written: Option<Written>,
}

impl Decider {
    /// A decider over `bundles` and `approvals`, logging to `log` when given.
    pub fn new(
        bundles: Bundles,
        approvals: Arc<Approvals>,
        log: Option<LogWriter>,
        metrics: Metrics,
        ids: DecisionIds,
    ) -> Decider {
        Decider {
            bundles,
            approvals,
            log,
            metrics,
            ids,
        }
    }

    /// Answers one request body: always a decision (`INVALID_REQUEST` for bad JSON).
    pub async fn decide(&self, body: &[u8]) -> String {
        let mut request = Request::default();
        request.parse_bytes_into(body);
        let decided = self
            .decide_in_order(std::slice::from_ref(&request), false)
            .await;
        self.answer(decided).await
    }

    /// Answers a JSON array of requests in order, as a JSON array of decisions.
    pub async fn decide_batch(&self, body: &[u8]) -> Result<String, BatchError> {
        // Taken, not borrowed, across the waits; another batch on this thread meanwhile reads
        // into fresh buffers.
        let mut batch = BATCH.take();
        let decided = match batch.read(body) {
            Ok(requests) => Ok(self.decide_in_order(requests, true).await),
            Err(error) => Err(error),
        };
        if body.len() <= KEEP_BATCH_BUFFERS {
            BATCH.set(batch);
        }
        Ok(self.answer(decided?).await)
    }

    /// Decides `requests` in order with one bundle and queues their records: the answer is
    /// one decision, or (`array`) a JSON array of them.
    async fn decide_in_order(&self, requests: &[Request], array: bool) -> Decided {
        let claims = self.approvals.check_all(requests).await;
        let mut settlement = Settlement::new(&claims);
        let mut answer = Answer::new(array, requests.len());
        let mut if_unwritten = self
            .log
            .as_ref()
            .map(|_| Answer::new(array, requests.len()));
        let mut records = Vec::new();
        let mut tally = DecisionTally::default();
        let mut id = self.ids.take(requests.len() as u64);
        let written = match self.bundles.active() {
            Some(active) => {
                let mut evaluator = active.evaluator();
                settlement.ttl_ms = evaluator.approval_ttl_ms();
                for (index, request) in requests.iter().enumerate() {
                    let claim = claims.get(index).and_then(Option::as_ref);
                    let decision = evaluator.decide_with_approval(request, approvals::check(claim));
                    tally.count(decision.effect.as_str(), decision.reason_code.as_str());
                    let (approval, change) = settlement.settle(request, &decision, claim, id);
                    answer.decision(&decision, id, approval.as_deref());
                    if let Some(if_unwritten) = &mut if_unwritten {
                        if_unwritten.decision(&decision.log_write_failed(), id, None);
                        records
                            .push(Record::of(request, &decision).with_decision_id(id.to_string()));
                        records.extend(change);
                    }
                    id = id.successor();
                }
                self.log.as_ref().map(|log| log.submit(records))
            }
            None => {
                let now = Timestamp::now();
                let code = ReasonCode::InvalidBundle;
                for request in requests {
                    tally.count("deny", code.as_str());
                    answer.invalid_bundle(id);
                    if let Some(if_unwritten) = &mut if_unwritten {
                        if_unwritten.invalid_bundle(id);
                        records.push(
                            Record::without_policy(request, now, code)
                                .with_decision_id(id.to_string()),
                        );
                    }
                    id = id.successor();
                }
                self.log.as_ref().map(|log| log.submit(records))
            }
        };
        self.metrics.decisions(tally);
        Decided {
            answer: answer.finish(),
            settlement,
            if_unwritten: if_unwritten.map(Answer::finish).unwrap_or_default(),
            count: requests.len() as u64,
            written,
        }
    }

    /// The answer, once the log has its records; the approvals are kept only if it has.
    async fn answer(&self, decided: Decided) -> String {
        let written = match decided.written {
            Some(written) => written.await.unwrap_or(false),
            None => true,
        };
        self.approvals.finish(decided.settlement, written).await;
        if !written {
            self.metrics.log_failures(decided.count);
            return decided.if_unwritten;
        }
        decided.answer
    }
}

/// An answer's text being written: one decision, or a JSON array of them.
struct Answer {
    text: String,
    array: bool,
}

impl Answer {
    /// An empty answer with room for `decisions`.
    fn new(array: bool, decisions: usize) -> Answer {
        let mut text = String::with_capacity(decisions * ANSWER_BYTES + 2);
        if array {
            text.push('[');
        }
        Answer { text, array }
    }

    /// Appends a decision with its `approval` (JSON), if any.
    fn decision(&mut self, decision: &Decision<'_>, id: DecisionId, approval: Option<&str>) {
        self.separate();
        decision.write_json(&mut self.text);
        write_id_and_approval(&mut self.text, id, approval);
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
/// `null`).
fn write_id_and_approval(out: &mut String, id: DecisionId, approval: Option<&str>) {
    // The decision's closing brace.
    out.pop();
    out.push_str(",\"decision_id\":\"");
    id.write_hex(out);
    out.push_str("\",\"approval\":");
    out.push_str(approval.unwrap_or("null"));
    out.push('}');
}
