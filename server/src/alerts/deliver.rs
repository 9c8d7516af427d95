//! The delivery workers: each takes the oldest queued alert and posts it, within a time limit
//! per try, trying again after a failure with backoff (and no sooner than a 429 or 503 answer's
//! `Retry-After`) up to the configured number of attempts. At shutdown they finish the queue
//! within the drain time; what is left is counted as dropped.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, SystemTime};

use hyper::body::Bytes;
use reqwest::StatusCode;
use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use tokio::task::JoinSet;

use super::config::Settings;
use super::retry::{jitter, parse_retry_after};
use super::{Job, Shared, payload};

/// The running workers, drained at shutdown.
#[derive(Debug)]
pub(crate) struct Delivery {
    shared: Arc<Shared>,
    workers: JoinSet<()>,
    drain: Duration,
}

impl Delivery {
    /// Starts `settings.workers` workers on the current tokio runtime.
    pub(super) fn start(
        shared: Arc<Shared>,
        settings: Settings,
    ) -> Result<Delivery, reqwest::Error> {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            // A webhook that redirects is misconfigured; following it could send the alert
            // (and its headers) somewhere nobody configured.
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("faramesh/", env!("CARGO_PKG_VERSION")))
            .build()?;
        let mut workers = JoinSet::new();
        for _ in 0..settings.workers {
            workers.spawn(work(shared.clone(), client.clone(), settings));
        }
        Ok(Delivery {
            shared,
            workers,
            drain: settings.drain,
        })
    }

    /// Lets the workers deliver what is queued for at most the drain time, then stops them;
    /// alerts still queued or in flight are counted as dropped and logged.
    pub async fn drain(mut self) {
        self.shared.queue.close();
        let workers = &mut self.workers;
        let finished = tokio::time::timeout(self.drain, async {
            while workers.join_next().await.is_some() {}
        })
        .await;
        if finished.is_ok() {
            return;
        }
        self.workers.abort_all();
        let left = self.shared.queue.len() + self.shared.in_flight.load(Ordering::Relaxed);
        if left > 0 {
            self.shared.metrics.dropped("shutdown", left as u64);
            report!(
                "faramesh serve: {left} alert(s) not delivered within the drain time of {} s",
                self.drain.as_secs_f64()
            );
        }
    }
}

/// One worker: delivers queued alerts one at a time until the queue is closed and empty.
async fn work(shared: Arc<Shared>, client: reqwest::Client, settings: Settings) {
    while let Some(job) = shared.queue.pop().await {
        shared.in_flight.fetch_add(1, Ordering::Relaxed);
        shared.metrics.queued(shared.queue.len());
        deliver(&shared, &client, &settings, &job).await;
        shared.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// What one try came to.
#[derive(Debug)]
enum Outcome {
    /// A 2xx answer.
    Delivered,
    /// Worth trying again (connection error, time-out, 408, 429, 5xx); the wait the receiver
    /// asked for, if any.
    Retry {
        why: String,
        retry_after: Option<Duration>,
    },
    /// Refused for good (any other status): the alert or the configuration is wrong.
    Refused(String),
}

/// Posts one alert, trying up to `settings.attempts` times.
async fn deliver(shared: &Shared, client: &reqwest::Client, settings: &Settings, job: &Job) {
    let target = &job.target;
    let scheme = target.scheme.as_str();
    let body = Bytes::from(payload::body(target, &job.facts));
    for attempt in 1..=settings.attempts {
        let why = match post(client, job, body.clone()).await {
            Outcome::Delivered => {
                shared.metrics.delivered(scheme);
                return;
            }
            Outcome::Refused(why) => why,
            Outcome::Retry { why, retry_after } if attempt < settings.attempts => {
                shared.metrics.retry(scheme);
                let wait = settings.backoff.delay_after(attempt, jitter(), retry_after);
                report!(
                    "faramesh serve: alert to `{}` failed ({why}); trying again in {:.3} s",
                    target.name,
                    wait.as_secs_f64()
                );
                tokio::time::sleep(wait).await;
                continue;
            }
            Outcome::Retry { why, .. } => format!("{why}, after {attempt} attempt(s)"),
        };
        shared.metrics.failed(scheme);
        report!(
            "faramesh serve: alert to `{}` for decision {} not delivered: {why}",
            target.name,
            job.facts.decision_id
        );
        return;
    }
}

/// One try.
async fn post(client: &reqwest::Client, job: &Job, body: Bytes) -> Outcome {
    let sent = client
        .post(job.target.url.clone())
        .headers(job.target.headers.clone())
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(body)
        .send()
        .await;
    let response = match sent {
        // The URL may hold a secret (Slack's does): never print it.
        Err(error) => {
            return Outcome::Retry {
                why: fpl_runtime::root_cause(&error.without_url()),
                retry_after: None,
            };
        }
        Ok(response) => response,
    };
    let status = response.status();
    if status.is_success() {
        return Outcome::Delivered;
    }
    let why = format!("HTTP {status}");
    let retry_after = match status {
        StatusCode::TOO_MANY_REQUESTS | StatusCode::SERVICE_UNAVAILABLE => response
            .headers()
            .get(RETRY_AFTER)
            .and_then(|value| parse_retry_after(value.as_bytes(), SystemTime::now())),
        _ => None,
    };
    if status.is_server_error()
        || status == StatusCode::TOO_MANY_REQUESTS
        || status == StatusCode::REQUEST_TIMEOUT
    {
        Outcome::Retry { why, retry_after }
    } else {
        Outcome::Refused(why)
    }
}
