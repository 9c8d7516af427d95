//! The Prometheus metrics of `GET /metrics`: decisions by effect and reason code, decision
//! latency, bundle reloads by outcome, HTTP error answers by status, decision-log failures,
//! approvals by the state they entered.

use prometheus::{
    Encoder as _, Histogram, HistogramOpts, IntCounter, IntCounterVec, Opts, Registry, TextEncoder,
};

/// Decisions counted by effect and reason code while an answer is made: a batch of 1,000 looks
/// its few counters up once each instead of once per decision.
#[derive(Debug, Default)]
pub(crate) struct DecisionTally(Vec<((&'static str, &'static str), u64)>);

impl DecisionTally {
    /// Counts one decision.
    pub fn count(&mut self, effect: &'static str, reason_code: &'static str) {
        self.add((effect, reason_code), 1);
    }

    /// Adds the counts of `other`.
    pub fn merge(&mut self, other: DecisionTally) {
        for (key, count) in other.0 {
            self.add(key, count);
        }
    }

    /// Counts `count` decisions of `key` (effect, reason code).
    fn add(&mut self, key: (&'static str, &'static str), count: u64) {
        match self.0.iter_mut().find(|(seen, _)| *seen == key) {
            Some((_, total)) => *total += count,
            None => self.0.push((key, count)),
        }
    }
}

/// The service's metrics, registered in their own registry.
#[derive(Debug, Clone)]
pub(crate) struct Metrics {
    registry: Registry,
    decisions: IntCounterVec,
    latency: Histogram,
    reloads: IntCounterVec,
    http_errors: IntCounterVec,
    log_failures: IntCounter,
    state_errors: IntCounterVec,
    approvals: IntCounterVec,
    approvals_refused: IntCounter,
}

impl Metrics {
    /// Creates and registers every metric.
    pub fn new() -> Result<Metrics, prometheus::Error> {
        let registry = Registry::new();
        let decisions = IntCounterVec::new(
            Opts::new(
                "faramesh_decisions_total",
                "Decisions answered, by effect and reason code",
            ),
            &["effect", "reason_code"],
        )?;
        let latency = Histogram::with_opts(
            HistogramOpts::new(
                "faramesh_decision_seconds",
                "Time from a decision request's body to its answer (a batch counts once)",
            )
            .buckets(vec![
                0.000_01, 0.000_025, 0.000_05, 0.000_1, 0.000_25, 0.000_5, 0.001, 0.002_5, 0.005,
                0.01, 0.025, 0.05, 0.1, 0.25, 1.0,
            ]),
        )?;
        let reloads = IntCounterVec::new(
            Opts::new(
                "faramesh_bundle_reloads_total",
                "Bundle reloads, by outcome",
            ),
            &["outcome"],
        )?;
        let http_errors = IntCounterVec::new(
            Opts::new(
                "faramesh_http_errors_total",
                "HTTP answers with an error status",
            ),
            &["status"],
        )?;
        let log_failures = IntCounter::new(
            "faramesh_decision_log_failures_total",
            "Decisions denied because the decision log could not be written",
        )?;
        let approvals = IntCounterVec::new(
            Opts::new(
                "faramesh_approvals_total",
                "Changes of approvals' state, by the state entered (pending: created)",
            ),
            &["state"],
        )?;
        let approvals_refused = IntCounter::new(
            "faramesh_approvals_refused_total",
            "Deferred calls answered without an approval: their agent, or the service, had as \
             many unexpired approvals as it may",
        )?;
        registry.register(Box::new(decisions.clone()))?;
        registry.register(Box::new(latency.clone()))?;
        registry.register(Box::new(reloads.clone()))?;
        registry.register(Box::new(http_errors.clone()))?;
        let state_errors = IntCounterVec::new(
            Opts::new(
                "faramesh_state_errors_total",
                "Failed calls to the state store, by kind: timeout, error, unreadable (answered \
                 STATE_UNAVAILABLE), conflict (decided again), contention (too many conflicts)",
            ),
            &["kind"],
        )?;
        registry.register(Box::new(log_failures.clone()))?;
        registry.register(Box::new(state_errors.clone()))?;
        registry.register(Box::new(approvals.clone()))?;
        registry.register(Box::new(approvals_refused.clone()))?;
        Ok(Metrics {
            registry,
            decisions,
            latency,
            reloads,
            http_errors,
            log_failures,
            state_errors,
            approvals,
            approvals_refused,
        })
    }

    /// Adds the decisions of one answer (one request or a batch), one counter update for each
    /// effect and reason code in it.
    pub fn decisions(&self, tally: DecisionTally) {
        for ((effect, reason_code), count) in tally.0 {
            self.decisions
                .with_label_values(&[effect, reason_code])
                .inc_by(count);
        }
    }

    /// Records how long answering took.
    pub fn latency(&self, seconds: f64) {
        self.latency.observe(seconds);
    }

    /// Counts a reload: `loaded`, `unchanged` or `refused`.
    pub fn reload(&self, outcome: &str) {
        self.reloads.with_label_values(&[outcome]).inc();
    }

    /// Counts an HTTP error answer.
    pub fn http_error(&self, status: u16) {
        self.http_errors
            .with_label_values(&[status.to_string().as_str()])
            .inc();
    }

    /// Counts decisions denied for a failed log write.
    pub fn log_failures(&self, count: u64) {
        self.log_failures.inc_by(count);
    }

    /// Counts a failed call to the state store.
    pub fn state_error(&self, kind: &str) {
        self.state_errors.with_label_values(&[kind]).inc();
    }

    /// Counts approvals entering `state` (`pending`, `approved`, `denied`, `expired`, `used`).
    pub fn approvals(&self, state: &str, count: u64) {
        if count > 0 {
            self.approvals.with_label_values(&[state]).inc_by(count);
        }
    }

    /// Counts deferred calls left without an approval by the approval limits.
    pub fn approvals_refused(&self, count: u64) {
        self.approvals_refused.inc_by(count);
    }

    /// The registry, for metrics kept elsewhere (the alerts').
    pub fn registry(&self) -> &Registry {
        &self.registry
    }

    /// The text exposition format.
    pub fn render(&self) -> Vec<u8> {
        let mut out = Vec::new();
        // Encoding into a Vec fails only on a malformed family, which registration rules out.
        let _ = TextEncoder::new().encode(&self.registry.gather(), &mut out);
        out
    }
}
