//! The admin listener: apart from the decision listener so an agent cannot reach it, and every
//! request must carry `Authorization: Bearer <token>` (401 otherwise). It carries reload, the
//! status and approvals (resolving deferred decisions, `crate::approvals`).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::AUTHORIZATION;
use hyper::{Method, Request, Response, StatusCode};
use sha2::{Digest as _, Sha256};

use crate::approvals;
use crate::http::{self, Body};
use crate::routes::Service;

/// What the admin handlers share.
#[derive(Debug)]
pub(crate) struct Admin {
    pub service: Arc<Service>,
    /// SHA-256 of the token: compared in constant time whatever the length of the guess.
    token_digest: [u8; 32],
}

impl Admin {
    /// An admin over `service` that accepts `token`.
    pub fn new(service: Arc<Service>, token: &str) -> Admin {
        Admin {
            service,
            token_digest: Sha256::digest(token.as_bytes()).into(),
        }
    }

    /// Whether the request carries the token.
    fn authorized(&self, request: &Request<Incoming>) -> bool {
        let Some(given) = request
            .headers()
            .get(AUTHORIZATION)
            .and_then(|value| value.as_bytes().strip_prefix(b"Bearer "))
        else {
            return false;
        };
        let given: [u8; 32] = Sha256::digest(given).into();
        given
            .iter()
            .zip(&self.token_digest)
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
    }
}

/// Answers one request on the admin listener.
pub(crate) async fn answer(admin: Arc<Admin>, request: Request<Incoming>) -> Response<Body> {
    let service = &admin.service;
    if !admin.authorized(&request) {
        let mut response = service.error(StatusCode::UNAUTHORIZED, "a bearer token is required");
        response.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Bearer"),
        );
        return response;
    }
    if request.uri().path().starts_with("/v1/approvals") {
        if let Some(response) = approvals::answer(service, request).await {
            return response;
        }
        return service.error(StatusCode::NOT_FOUND, "no such endpoint");
    }
    match (request.method(), request.uri().path()) {
        (&Method::POST, "/v1/admin/reload") => match service.decider.bundles.reload(false).await {
            Ok(reloaded) => {
                let policy = service
                    .decider
                    .bundles
                    .active()
                    .map(|active| active.info.policy.clone());
                let body = serde_json::json!({
                    "outcome": reloaded,
                    "policy": policy,
                });
                http::json(StatusCode::OK, body.to_string())
            }
            Err(error) => service.error(StatusCode::UNPROCESSABLE_ENTITY, &error.to_string()),
        },
        (&Method::GET, "/v1/status") => service.status(),
        (_, "/v1/admin/reload" | "/v1/status") => {
            service.error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => service.error(StatusCode::NOT_FOUND, "no such endpoint"),
    }
}
