//! Answering decisions: requests (§5) in, decisions (§8) out, each followed by `decision_id`
//! and `approval` (§17). One request or a batch is decided by one bundle while its evaluator is
//! held, so a batch is never split across a swap; its records are queued for the log before the
//! evaluator is released, so the log's order is the order of decisions, and the answer waits
//! until they are written. State (limits, budgets, histories) lives in [`Backend`], apart
//! from the bundles, so a swap keeps it.

use fpl_runtime::batch::{self, BatchError};
use fpl_runtime::log::Record;
use fpl_runtime::{Decision, ReasonCode, Request, Timestamp};

use crate::bundles::Bundles;
use crate::ids::DecisionIds;
use crate::log_writer::{LogWriter, Written};
use crate::metrics::{DecisionTally, Metrics};
use crate::state::Backend;

/// The `reason` of `INVALID_BUNDLE` decisions.
const NO_BUNDLE: &str = "no verified bundle is active";

/// Decides requests with the active bundle.
#[derive(Debug)]
pub(crate) struct Decider {
    pub bundles: Bundles,
    /// Where state lives.
    pub state: Backend,
    log: Option<LogWriter>,
    metrics: Metrics,
    ids: DecisionIds,
}

impl Decider {
    /// A decider over `bundles` with `state`, logging to `log` when given.
    pub fn new(
        bundles: Bundles,
        state: Backend,
        log: Option<LogWriter>,
        metrics: Metrics,
        ids: DecisionIds,
    ) -> Decider {
        Decider {
            bundles,
            state,
            log,
            metrics,
            ids,
        }
    }

    /// Answers one request body: always a decision (`INVALID_REQUEST` for bad JSON).
    pub async fn decide(&self, body: &[u8]) -> String {
        let mut request = Request::default();
        request.parse_bytes_into(body);
        let mut answers = self.answer(std::slice::from_ref(&request)).await;
        answers.pop().unwrap_or_default()
    }

    /// Answers a JSON array of requests in order, as a JSON array of decisions.
    pub async fn decide_batch(&self, body: &[u8]) -> Result<String, BatchError> {
        let requests = batch::parse_batch(body)?;
        let answers = self.answer(&requests).await;
        let mut out = String::with_capacity(answers.iter().map(|a| a.len() + 1).sum::<usize>() + 2);
        out.push('[');
        for (index, answer) in answers.iter().enumerate() {
            if index > 0 {
                out.push(',');
            }
            out.push_str(answer);
        }
        out.push(']');
        Ok(out)
    }

    /// Decides `requests` in order with one bundle and waits until their records are written.
    async fn answer(&self, requests: &[Request]) -> Vec<String> {
        let logging = self.log.is_some();
        let mut tally = DecisionTally::default();
        let (answers, if_unwritten, written) = match self.bundles.active() {
            Some(active) => match &self.state {
                Backend::Memory(store) => {
                    let mut evaluator = active.evaluator();
                    let mut store = Backend::memory(store);
                    let decided = requests
                        .iter()
                        .map(|request| {
                            let decision = evaluator.decide_with(&mut *store, request);
                            Decided::of(request, &decision, logging)
                        })
                        .collect();
                    // Queued for the log before the state is released: the log's order is
                    // the order of decisions.
                    self.finish(decided, &mut tally)
                }
                Backend::Redis(shared) => {
                    let decided = shared.decide(&active, requests, logging).await;
                    self.finish(decided, &mut tally)
                }
            },
            None => {
                let now = Timestamp::now();
                let decided = requests
                    .iter()
                    .map(|request| Decided::invalid_bundle(request, now, logging))
                    .collect();
                self.finish(decided, &mut tally)
            }
        };
        self.metrics.decisions(tally);
        if let Some(written) = written
            && !written.await.unwrap_or(false)
        {
            self.metrics.log_failures(if_unwritten.len() as u64);
            return if_unwritten;
        }
        answers
    }

    /// Names and counts `decided` and queues their records for the log: the answers, the
    /// answers if the log write fails, and the write to wait for.
    fn finish(
        &self,
        decided: Vec<Decided>,
        tally: &mut DecisionTally,
    ) -> (Vec<String>, Vec<String>, Option<Written>) {
        let mut answers = Vec::with_capacity(decided.len());
        let mut if_unwritten = Vec::new();
        let mut records = Vec::new();
        for done in decided {
            let id = self.ids.next();
            tally.count(done.effect, done.code);
            answers.push(with_id(done.json, &id));
            if let Some(record) = done.record {
                if_unwritten.push(with_id(done.if_unwritten, &id));
                records.push(record.with_decision_id(id));
            }
        }
        let written = self.log.as_ref().map(|log| log.submit(records));
        (answers, if_unwritten, written)
    }
}

/// One decision, ready to be named and answered.
#[derive(Debug)]
pub(crate) struct Decided {
    /// Its JSON (§8).
    json: String,
    /// Its JSON as `LOG_WRITE_FAILED`, when logging.
    if_unwritten: String,
    /// Its record, when logging.
    record: Option<Record>,
    effect: &'static str,
    code: &'static str,
}

impl Decided {
    /// `decision` of `request`, with its record when `logging`.
    pub fn of(request: &Request, decision: &Decision<'_>, logging: bool) -> Decided {
        Decided {
            json: decision.to_json(),
            if_unwritten: if logging {
                decision.log_write_failed().to_json()
            } else {
                String::new()
            },
            record: logging.then(|| Record::of(request, decision)),
            effect: decision.effect.as_str(),
            code: decision.reason_code.as_str(),
        }
    }

    /// The decision while no verified bundle is active (§17): `deny`, `INVALID_BUNDLE`.
    fn invalid_bundle(request: &Request, now: Timestamp, logging: bool) -> Decided {
        let json = invalid_bundle();
        Decided {
            if_unwritten: if logging { json.clone() } else { String::new() },
            json,
            record: logging
                .then(|| Record::without_policy(request, now, ReasonCode::InvalidBundle)),
            effect: "deny",
            code: ReasonCode::InvalidBundle.as_str(),
        }
    }
}

/// A decision's JSON followed by `decision_id` and `approval` (none before approvals exist).
fn with_id(mut decision: String, id: &str) -> String {
    decision.pop();
    decision.push_str(",\"decision_id\":\"");
    decision.push_str(id);
    decision.push_str("\",\"approval\":null}");
    decision
}

/// The JSON of a decision while no verified bundle is active (§17).
fn invalid_bundle() -> String {
    format!(
        "{{\"effect\":\"deny\",\"reason_code\":\"{}\",\"rule\":null,\"reason\":\"{NO_BUNDLE}\",\
         \"notify\":null,\"redact\":[],\"credentials\":[],\"alerts\":[],\"warnings\":[],\
         \"policy\":null}}",
        ReasonCode::InvalidBundle.as_str()
    )
}
