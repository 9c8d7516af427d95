//! The decision listener's routes: decide, batch, health, status and metrics. Nothing here
//! changes the service's configuration; that is the admin listener's job.

use std::sync::Arc;
use std::time::Instant;

use hyper::body::{Bytes, Incoming};
use hyper::{Method, Request, Response, StatusCode};
use serde::Serialize;

use crate::bundles::BundleStatus;
use crate::config::Limits;
use crate::decide::Decider;
use crate::http::{self, Body};
use crate::metrics::Metrics;
use crate::state::StateStatus;
use fpl_runtime::batch::BatchError;

/// What every handler shares.
#[derive(Debug)]
pub(crate) struct Service {
    pub decider: Decider,
    pub metrics: Metrics,
    pub limits: Limits,
    /// The decision log's path, for the status.
    pub log: Option<String>,
}

/// `GET /v1/status`.
#[derive(Debug, Serialize)]
struct Status {
    ready: bool,
    bundle: BundleStatus,
    /// Where rate-limit counters, budgets, histories and approvals live: `memory` or `redis`.
    state_backend: &'static str,
    /// Whether that store answers.
    state: StateStatus,
    decision_log: Option<String>,
    replay: bool,
}

impl Service {
    /// The status document.
    pub async fn status(&self) -> Response<Body> {
        let bundle = self.decider.bundles.status();
        let state = self.decider.state.status().await;
        let status = Status {
            ready: bundle.active.is_some(),
            bundle,
            state_backend: state.backend,
            state,
            decision_log: self.log.clone(),
            replay: self.decider.bundles.replay(),
        };
        match serde_json::to_vec(&status) {
            Ok(body) => http::json(StatusCode::OK, body),
            Err(error) => self.error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
        }
    }

    /// An error answer, counted.
    pub fn error(&self, status: StatusCode, message: &str) -> Response<Body> {
        self.metrics.http_error(status.as_u16());
        http::error(status, message)
    }
}

/// Answers one request on the decision listener.
pub(crate) async fn decision(service: Arc<Service>, request: Request<Incoming>) -> Response<Body> {
    let path = request.uri().path();
    match (request.method(), path) {
        (&Method::POST, "/v1/decide") => match body(&service, request).await {
            Ok(body) => {
                let start = Instant::now();
                let answer = service.decider.decide(&body).await;
                service.metrics.latency(start.elapsed().as_secs_f64());
                http::json(StatusCode::OK, answer)
            }
            Err(response) => response,
        },
        (&Method::POST, "/v1/decide/batch") => match body(&service, request).await {
            Ok(body) => {
                let start = Instant::now();
                let answer = service.decider.decide_batch(&body).await;
                service.metrics.latency(start.elapsed().as_secs_f64());
                match answer {
                    Ok(answer) => http::json(StatusCode::OK, answer),
                    Err(error @ (BatchError::TooMany | BatchError::TooLarge)) => {
                        service.error(StatusCode::PAYLOAD_TOO_LARGE, &error.to_string())
                    }
                    Err(error) => service.error(StatusCode::BAD_REQUEST, &error.to_string()),
                }
            }
            Err(response) => response,
        },
        (&Method::GET, "/livez") => http::json(StatusCode::OK, r#"{"status":"live"}"#),
        (&Method::GET, "/readyz") => {
            if service.decider.bundles.active().is_some() {
                http::json(StatusCode::OK, r#"{"status":"ready"}"#)
            } else {
                service.error(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "no verified bundle is active",
                )
            }
        }
        // Boxed: asking the state store (a Redis `PING`) takes a large future, which would
        // otherwise make every decision's future as large, and each move of it a copy.
        (&Method::GET, "/v1/status") => Box::pin(service.status()).await,
        (&Method::GET, "/metrics") => http::with_type(
            StatusCode::OK,
            Bytes::from(service.metrics.render()),
            "text/plain; version=0.0.4",
        ),
        (
            _,
            "/v1/decide" | "/v1/decide/batch" | "/livez" | "/readyz" | "/v1/status" | "/metrics",
        ) => service.error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
        _ => service.error(StatusCode::NOT_FOUND, "no such endpoint"),
    }
}

/// The body within the limits, or the error answer.
async fn body(service: &Service, request: Request<Incoming>) -> Result<Bytes, Response<Body>> {
    http::read_body(request, &service.limits)
        .await
        .map_err(|error| service.error(error.status(), &error.message(&service.limits)))
}
