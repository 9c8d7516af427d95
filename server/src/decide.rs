//! Answering decisions: requests (§5) in, decisions (§8) out, each followed by `decision_id`
//! and `approval` (§17). One request or a batch is decided by one bundle while its evaluator is
//! held, so a batch is never split across a swap; its records are queued for the log before the
//! evaluator is released, so the log's order is the order of decisions, and the answer waits
//! until they are written. A `defer` creates an approval and a request naming an approval is
//! decided with it (`crate::approvals`); their records follow the decision's. Alerts are queued
//! for delivery once the records are written, never awaited.

use std::sync::Arc;

use fpl_runtime::batch::{self, BatchError};
use fpl_runtime::log::Record;
use fpl_runtime::{ReasonCode, Request, Timestamp};

use crate::alerts::{Alerts, Raised};
use crate::approvals::{self, Approvals, Settlement};
use crate::bundles::Bundles;
use crate::ids::DecisionIds;
use crate::log_writer::LogWriter;
use crate::metrics::{DecisionTally, Metrics};

/// The `reason` of `INVALID_BUNDLE` decisions.
const NO_BUNDLE: &str = "no verified bundle is active";

/// Decides requests with the active bundle.
#[derive(Debug)]
pub(crate) struct Decider {
    pub bundles: Bundles,
    pub approvals: Arc<Approvals>,
    log: Option<LogWriter>,
    metrics: Metrics,
    ids: DecisionIds,
    alerts: Alerts,
}

impl Decider {
    /// A decider over `bundles` and `approvals`, logging to `log` when given.
    pub fn new(
        bundles: Bundles,
        approvals: Arc<Approvals>,
        log: Option<LogWriter>,
        metrics: Metrics,
        ids: DecisionIds,
        alerts: Alerts,
    ) -> Decider {
        Decider {
            bundles,
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
        let mut settlement = Settlement::new(&claims);
        let mut answers = Vec::with_capacity(requests.len());
        let mut if_unwritten = Vec::new();
        let mut records = Vec::new();
        let mut tally = DecisionTally::default();
        let mut raised = Raised::default();
        let written = match self.bundles.active() {
            Some(active) => {
                let mut evaluator = active.evaluator();
                settlement.ttl_ms = evaluator.approval_ttl_ms();
                for (index, request) in requests.iter().enumerate() {
                    let id = self.ids.next();
                    let claim = claims.get(index).and_then(Option::as_ref);
                    let decision = evaluator.decide_with_approval(request, approvals::check(claim));
                    tally.count(decision.effect.as_str(), decision.reason_code.as_str());
                    raised.add(request, &decision, &id);
                    let (approval, change) = settlement.settle(request, &decision, claim, &id);
                    answers.push(with_id(decision.to_json(), &id, approval.as_deref()));
                    if logging {
                        if_unwritten.push(with_id(
                            decision.log_write_failed().to_json(),
                            &id,
                            None,
                        ));
                        records.push(Record::of(request, &decision).with_decision_id(id));
                        records.extend(change);
                    }
                }
                self.log.as_ref().map(|log| log.submit(records))
            }
            None => {
                let now = Timestamp::now();
                let code = ReasonCode::InvalidBundle.as_str();
                for request in requests {
                    let id = self.ids.next();
                    tally.count("deny", code);
                    answers.push(invalid_bundle(&id));
                    if logging {
                        if_unwritten.push(invalid_bundle(&id));
                        records.push(
                            Record::without_policy(request, now, ReasonCode::InvalidBundle)
                                .with_decision_id(id),
                        );
                    }
                }
                self.log.as_ref().map(|log| log.submit(records))
            }
        };
        self.metrics.decisions(tally);
        let written = match written {
            Some(written) => written.await.unwrap_or(false),
            None => true,
        };
        self.approvals.finish(settlement, written).await;
        if !written {
            self.metrics.log_failures(if_unwritten.len() as u64);
            return if_unwritten;
        }
        // Only once the decisions are final: a failed log write turns them into denials
        // without alerts. Queuing never waits.
        self.alerts.send(raised);
        answers
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

/// The decision while no verified bundle is active (§17): `deny`, `INVALID_BUNDLE`.
fn invalid_bundle(id: &str) -> String {
    let decision = format!(
        "{{\"effect\":\"deny\",\"reason_code\":\"{}\",\"rule\":null,\"reason\":\"{NO_BUNDLE}\",\
         \"notify\":null,\"redact\":[],\"credentials\":[],\"alerts\":[],\"warnings\":[],\
         \"policy\":null}}",
        ReasonCode::InvalidBundle.as_str()
    );
    with_id(decision, id, None)
}
