//! The alert counters of `GET /metrics`: delivered, failed and retried by scheme, dropped by
//! reason, alerts for targets that are not configured, and the queue's length.

use prometheus::{IntCounterVec, IntGauge, Opts, Registry};

/// The alert metrics, registered in the service's registry.
#[derive(Debug, Clone)]
pub(crate) struct AlertMetrics {
    delivered: IntCounterVec,
    failed: IntCounterVec,
    retries: IntCounterVec,
    dropped: IntCounterVec,
    unconfigured: IntCounterVec,
    queued: IntGauge,
}

impl AlertMetrics {
    /// Creates the metrics and registers them in `registry`.
    pub fn register(registry: &Registry) -> Result<AlertMetrics, prometheus::Error> {
        let counter = |name: &str, help: &str, label: &str| {
            let counter = IntCounterVec::new(Opts::new(name, help), &[label])?;
            registry.register(Box::new(counter.clone()))?;
            Ok::<_, prometheus::Error>(counter)
        };
        let metrics = AlertMetrics {
            delivered: counter(
                "faramesh_alerts_delivered_total",
                "Alerts a receiver accepted, by target scheme",
                "scheme",
            )?,
            failed: counter(
                "faramesh_alerts_failed_total",
                "Alerts given up on (refused, or every attempt failed), by target scheme",
                "scheme",
            )?,
            retries: counter(
                "faramesh_alerts_retries_total",
                "Alert deliveries tried again after a failed attempt, by target scheme",
                "scheme",
            )?,
            dropped: counter(
                "faramesh_alerts_dropped_total",
                "Alerts dropped undelivered: the oldest of a full queue, or left at shutdown",
                "reason",
            )?,
            unconfigured: counter(
                "faramesh_alerts_unconfigured_total",
                "Alerts for a target with no [alerts.targets] entry, by target",
                "target",
            )?,
            queued: IntGauge::new("faramesh_alerts_queued", "Alerts waiting for delivery")?,
        };
        registry.register(Box::new(metrics.queued.clone()))?;
        Ok(metrics)
    }

    /// Counts an alert the receiver accepted.
    pub fn delivered(&self, scheme: &str) {
        self.delivered.with_label_values(&[scheme]).inc();
    }

    /// Counts an alert given up on.
    pub fn failed(&self, scheme: &str) {
        self.failed.with_label_values(&[scheme]).inc();
    }

    /// Counts a retry.
    pub fn retry(&self, scheme: &str) {
        self.retries.with_label_values(&[scheme]).inc();
    }

    /// Counts alerts dropped for `reason` (`queue_full`, `shutdown`).
    pub fn dropped(&self, reason: &str, count: u64) {
        self.dropped.with_label_values(&[reason]).inc_by(count);
    }

    /// Counts `count` alerts for a target that is not configured.
    pub fn unconfigured(&self, target: &str, count: u64) {
        self.unconfigured.with_label_values(&[target]).inc_by(count);
    }

    /// Sets the queue's length.
    pub fn queued(&self, length: usize) {
        self.queued.set(i64::try_from(length).unwrap_or(i64::MAX));
    }
}
