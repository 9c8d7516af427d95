//! Answering decisions: requests (§5) in, decisions (§8) out, each followed by `decision_id`
//! and `approval` (§17). One request or a batch is decided by one bundle while its evaluator is
//! held, so a batch is never split across a swap; its records are queued for the log before the
//! evaluator is released, so the log's order is the order of decisions, and the answer waits
//! until they are written. A `defer` creates an approval and a request naming an approval is
//! decided with it (`crate::approvals`); their records follow the decision's. State (limits,
//! budgets, histories) lives in [`Backend`], apart from the bundles, so a swap keeps it. Alerts
//! are queued for delivery once the records are written, never awaited.

use std::sync::Arc;

use fpl_runtime::batch::{self, BatchError};
use fpl_runtime::log::Record;
use fpl_runtime::{Decision, ReasonCode, Request, Timestamp};

use crate::alerts::{Alerts, Raised};
use crate::approvals::{self, Approvals, Settlement};
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
    pub approvals: Arc<Approvals>,
    log: Option<LogWriter>,
    metrics: Metrics,
    ids: DecisionIds,
    alerts: Alerts,
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
        let claims = self.approvals.check_all(requests).await;
        let mut tally = DecisionTally::default();
        let mut settlements = Vec::with_capacity(1);
        let (answers, if_unwritten, written, raised) = match self.bundles.active() {
            Some(active) => match &self.state {
                Backend::Memory(store) => {
                    let mut settlement = Settlement::new(&claims);
                    let mut evaluator = active.evaluator();
                    let mut store = Backend::memory(store);
                    settlement.ttl_ms = evaluator.approval_ttl_ms();
                    let decided = requests
                        .iter()
                        .enumerate()
                        .map(|(index, request)| {
                            let id = self.ids.next();
                            let claim = claims.get(index).and_then(Option::as_ref);
                            let check = approvals::check(claim);
                            let decision = evaluator.decide_with(&mut *store, request, check);
                            let settled = settlement.settle(request, &decision, claim, &id);
                            Decided::of(request, &decision, logging, id, settled)
                        })
                        .collect();
                    settlements.push(settlement);
                    // Queued for the log before the state is released: the log's order is
                    // the order of decisions.
                    self.finish(decided, &mut tally)
                }
                Backend::Redis(shared) => {
                    let ids = requests.iter().map(|_| self.ids.next()).collect();
                    let (decided, settled) = shared
                        .decide(&active, requests, &claims, ids, logging)
                        .await;
                    settlements = settled;
                    self.finish(decided, &mut tally)
                }
            },
            None => {
                let now = Timestamp::now();
                let decided = requests
                    .iter()
                    .map(|request| Decided::invalid_bundle(request, now, logging, self.ids.next()))
                    .collect();
                self.finish(decided, &mut tally)
            }
        };
        self.metrics.decisions(tally);
        let written = match written {
            Some(written) => written.await.unwrap_or(false),
            None => true,
        };
        for settlement in settlements {
            self.approvals.finish(settlement, written).await;
        }
        if !written {
            self.metrics.log_failures(if_unwritten.len() as u64);
            return if_unwritten;
        }
        // Only once the decisions are final: a failed log write turns them into denials
        // without alerts. Queuing never waits.
        self.alerts.send(raised);
        answers
    }

    /// Counts `decided` and queues their records for the log: the answers, the answers if the
    /// log write fails, the write to wait for, and the alerts to send once it is done.
    fn finish(
        &self,
        decided: Vec<Decided>,
        tally: &mut DecisionTally,
    ) -> (Vec<String>, Vec<String>, Option<Written>, Raised) {
        let mut answers = Vec::with_capacity(decided.len());
        let mut if_unwritten = Vec::new();
        let mut records = Vec::new();
        let mut raised = Raised::default();
        for done in decided {
            tally.count(done.effect, done.code);
            raised.append(done.alerts);
            answers.push(done.json);
            if let Some(record) = done.record {
                if_unwritten.push(done.if_unwritten);
                records.push(record);
                records.extend(done.change);
            }
        }
        let written = self.log.as_ref().map(|log| log.submit(records));
        (answers, if_unwritten, written, raised)
    }
}

/// One decision, named and ready to be answered.
#[derive(Debug)]
pub(crate) struct Decided {
    /// Its JSON (§8) with `decision_id` and `approval`.
    json: String,
    /// The same as `LOG_WRITE_FAILED`, when logging.
    if_unwritten: String,
    /// Its record, when logging.
    record: Option<Record>,
    /// The record of the approval it created or used, to follow its own.
    change: Option<Record>,
    /// Its alerts (none, unallocated, for most decisions).
    alerts: Raised,
    effect: &'static str,
    code: &'static str,
}

impl Decided {
    /// `decision` of `request`, named `id`, with its approval (JSON) and that approval's change
    /// as settled; with its records when `logging`.
    pub fn of(
        request: &Request,
        decision: &Decision<'_>,
        logging: bool,
        id: String,
        (approval, change): (Option<String>, Option<Record>),
    ) -> Decided {
        let mut alerts = Raised::default();
        alerts.add(request, decision, &id);
        Decided {
            alerts,
            json: with_id(decision.to_json(), &id, approval.as_deref()),
            if_unwritten: if logging {
                with_id(decision.log_write_failed().to_json(), &id, None)
            } else {
                String::new()
            },
            record: logging.then(|| Record::of(request, decision).with_decision_id(id)),
            change: change.filter(|_| logging),
            effect: decision.effect.as_str(),
            code: decision.reason_code.as_str(),
        }
    }

    /// The decision while no verified bundle is active (§17): `deny`, `INVALID_BUNDLE`.
    fn invalid_bundle(request: &Request, now: Timestamp, logging: bool, id: String) -> Decided {
        let json = with_id(invalid_bundle(), &id, None);
        Decided {
            if_unwritten: if logging { json.clone() } else { String::new() },
            json,
            record: logging.then(|| {
                Record::without_policy(request, now, ReasonCode::InvalidBundle).with_decision_id(id)
            }),
            change: None,
            alerts: Raised::default(),
            effect: "deny",
            code: ReasonCode::InvalidBundle.as_str(),
        }
    }
}

/// A decision's JSON followed by `decision_id` and `approval` (its JSON, or `null`).
fn with_id(mut decision: String, id: &str, approval: Option<&str>) -> String {
    decision.pop();
    decision.push_str(",\"decision_id\":\"");
    decision.push_str(id);
    decision.push_str("\",\"approval\":");
    decision.push_str(approval.unwrap_or("null"));
    decision.push('}');
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
