//! Alert delivery (SPEC §17 "Alerts"): the `alerts` of a decision are posted to the URLs
//! configured for their targets in the background. A decision only pushes onto a bounded
//! queue (a full one drops its oldest alert, counted); workers deliver with a time limit per
//! try, retry with backoff and `Retry-After`, and at shutdown drain the queue for a bounded
//! time.
//!
//! Layout: `config` reads `[alerts]`, `payload` makes each receiver's JSON body, `queue` is the
//! bounded queue, `retry` the backoff, `deliver` the workers, `metrics` the counters.

mod config;
mod deliver;
mod metrics;
mod payload;
mod queue;
mod retry;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};

use fpl_runtime::{Decision, Request};

use crate::ids::DecisionId;

pub use config::{AlertsConfig, AlertsConfigError};
pub(crate) use deliver::Delivery;

use config::Target;
use metrics::AlertMetrics;
use payload::Facts;
use queue::Queue;

/// The alerts raised by the decisions of one answer, handed to [`Alerts::send`] once their
/// decisions are final (their records written).
#[derive(Debug, Default)]
pub(crate) struct Raised(Vec<(String, Arc<Facts>)>);

impl Raised {
    /// Adds the alerts of one decision; nothing (and no allocation) when it has none.
    pub fn add(&mut self, request: &Request, decision: &Decision<'_>, decision_id: DecisionId) {
        let mut targets = decision.alerts().peekable();
        if targets.peek().is_none() {
            return;
        }
        let facts = Arc::new(Facts::of(request, decision, decision_id));
        for target in targets {
            self.0.push((target.to_owned(), facts.clone()));
        }
    }

    /// Adds the alerts of `other`, after these.
    pub fn append(&mut self, mut other: Raised) {
        self.0.append(&mut other.0);
    }
}

/// The decisions' side of alert delivery: hands alerts to the queue and never waits.
#[derive(Debug, Clone)]
pub(crate) struct Alerts {
    shared: Arc<Shared>,
}

impl Alerts {
    /// Registers the alert metrics and starts the delivery workers on the current tokio
    /// runtime; the [`Delivery`] drains them at shutdown.
    pub fn start(
        config: &AlertsConfig,
        registry: &prometheus::Registry,
    ) -> Result<(Alerts, Delivery), StartError> {
        let shared = Arc::new(Shared {
            targets: config.targets.clone(),
            queue: Queue::new(config.settings.queue),
            metrics: AlertMetrics::register(registry)?,
            reported: Mutex::new(HashSet::new()),
            in_flight: AtomicUsize::new(0),
        });
        let delivery = Delivery::start(shared.clone(), config.settings)?;
        Ok((Alerts { shared }, delivery))
    }

    /// Queues the `raised` alerts for delivery. Alerts for targets that are not configured
    /// are counted (and each such target logged once).
    pub fn send(&self, raised: Raised) {
        if raised.0.is_empty() {
            return;
        }
        let shared = &self.shared;
        for (name, facts) in raised.0 {
            match shared.targets.get(&name) {
                Some(target) => {
                    let job = Job {
                        target: target.clone(),
                        facts,
                    };
                    if shared.queue.push(job).is_some() {
                        shared.metrics.dropped("queue_full", 1);
                    }
                }
                None => shared.unconfigured(&name),
            }
        }
        shared.metrics.queued(shared.queue.len());
    }
}

/// Why alert delivery could not start.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StartError {
    /// The metrics could not be registered.
    #[error(transparent)]
    Metrics(#[from] prometheus::Error),
    /// The HTTP client could not be built.
    #[error("cannot make the alert HTTP client: {0}")]
    Client(#[from] reqwest::Error),
}

/// One alert waiting for delivery: where to, and what happened.
#[derive(Debug)]
struct Job {
    target: Arc<Target>,
    facts: Arc<Facts>,
}

/// What the decisions and the workers share.
#[derive(Debug)]
struct Shared {
    targets: HashMap<String, Arc<Target>>,
    queue: Queue<Job>,
    metrics: AlertMetrics,
    /// Targets already logged as not configured.
    reported: Mutex<HashSet<String>>,
    /// Alerts taken from the queue and not yet delivered or given up on.
    in_flight: AtomicUsize,
}

impl Shared {
    /// Counts an alert for a target with no configuration; logs the target the first time.
    fn unconfigured(&self, name: &str) {
        self.metrics.unconfigured(name);
        let first = self
            .reported
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(name.to_owned());
        if first {
            eprintln!(
                "faramesh serve: alert target `{name}` has no entry in [alerts.targets]; its \
                 alerts are not delivered (counted in faramesh_alerts_unconfigured_total)"
            );
        }
    }
}
