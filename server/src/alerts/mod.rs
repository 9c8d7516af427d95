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
pub(crate) struct Raised {
    /// The service's alerts, when the answer was started with them ([`Alerts::raised`]): an
    /// alert for a target they do not configure is then only counted, without its facts.
    alerts: Option<Alerts>,
    /// Alerts with the facts of their decision, in order: for configured targets, or for every
    /// target when `alerts` is not known.
    facts: Vec<(String, Arc<Facts>)>,
    /// Alerts for targets with no configuration, counted by target.
    unconfigured: Vec<(String, u64)>,
}

impl Raised {
    /// Adds the alerts of one decision; nothing (and no allocation) when it has none, or only
    /// targets already counted as not configured.
    pub fn add(&mut self, request: &Request, decision: &Decision<'_>, decision_id: DecisionId) {
        let mut facts = None;
        for target in decision.alerts() {
            let configured = self
                .alerts
                .as_ref()
                .is_none_or(|alerts| alerts.shared.targets.contains_key(target));
            if !configured {
                self.count_unconfigured(target, 1);
                continue;
            }
            let facts =
                facts.get_or_insert_with(|| Arc::new(Facts::of(request, decision, decision_id)));
            self.facts.push((target.to_owned(), facts.clone()));
        }
    }

    /// Adds the alerts of `other`, after these.
    pub fn append(&mut self, mut other: Raised) {
        self.facts.append(&mut other.facts);
        for (target, count) in other.unconfigured {
            self.count_unconfigured(&target, count);
        }
    }

    /// Counts `count` alerts for `target`, which has no configuration.
    fn count_unconfigured(&mut self, target: &str, count: u64) {
        match self
            .unconfigured
            .iter_mut()
            .find(|(seen, _)| seen == target)
        {
            Some((_, total)) => *total += count,
            None => self.unconfigured.push((target.to_owned(), count)),
        }
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
        let delivery =
            Delivery::start(shared.clone(), config.settings).map_err(StartError::Client)?;
        Ok((Alerts { shared }, delivery))
    }

    /// An empty [`Raised`] that knows the configured targets, so the decisions added to it
    /// build facts only for alerts that will be delivered.
    pub fn raised(&self) -> Raised {
        Raised {
            alerts: Some(self.clone()),
            ..Raised::default()
        }
    }

    /// Queues the `raised` alerts for delivery. Alerts for targets that are not configured
    /// are counted (and each such target logged once).
    pub fn send(&self, raised: Raised) {
        if raised.facts.is_empty() && raised.unconfigured.is_empty() {
            return;
        }
        let shared = &self.shared;
        for (name, facts) in raised.facts {
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
                None => shared.unconfigured(&name, 1),
            }
        }
        for (name, count) in raised.unconfigured {
            shared.unconfigured(&name, count);
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
    #[error("cannot make the alert HTTP client: {}", fpl_runtime::root_cause(.0))]
    Client(reqwest::Error),
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
    /// Counts `count` alerts for a target with no configuration; logs the target the first
    /// time.
    fn unconfigured(&self, name: &str, count: u64) {
        self.metrics.unconfigured(name, count);
        let first = {
            let mut reported = self
                .reported
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            !reported.contains(name) && reported.insert(name.to_owned())
        };
        if first {
            report!(
                "faramesh serve: alert target `{name}` has no entry in [alerts.targets]; its \
                 alerts are not delivered (counted in faramesh_alerts_unconfigured_total)"
            );
        }
    }
}
