//! The admin listener: apart from the decision listener so an agent cannot reach it, and every
//! request must carry `Authorization: Bearer <token>` (401 otherwise): the admin token, or an
//! approver's own token (`crate::approvers`), which opens the approvals only. It carries reload,
//! the status and approvals (resolving deferred decisions, `crate::approvals`).

use std::sync::Arc;

use hyper::body::Incoming;
use hyper::header::AUTHORIZATION;
use hyper::{Method, Request, Response, StatusCode};

use crate::approvals::{self, Resolver};
use crate::approvers::{Approvers, digest, same};
use crate::http::{self, Body};
use crate::routes::Service;

/// What the admin handlers share.
#[derive(Debug)]
pub(crate) struct Admin {
    pub service: Arc<Service>,
    /// SHA-256 of the token: compared in constant time whatever the length of the guess.
    token_digest: [u8; 32],
    /// The named approvers, each with a token of their own.
    approvers: Approvers,
}

/// Whose token a request carries.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Caller {
    /// The admin token.
    Admin,
    /// An approver's token.
    Approver(String),
}

impl Admin {
    /// An admin over `service` that accepts `token`, and the approvers' tokens.
    pub fn new(service: Arc<Service>, token: &str, approvers: Approvers) -> Admin {
        Admin {
            service,
            token_digest: digest(token.as_bytes()),
            approvers,
        }
    }

    /// Whose token the request carries, if any.
    fn caller(&self, request: &Request<Incoming>) -> Option<Caller> {
        let given = digest(bearer_token(request)?);
        // Every approver's digest is compared whatever the admin comparison says, so the time
        // taken tells nothing about which token was given.
        let approver = self.approvers.named(&given);
        if same(&given, &self.token_digest) {
            return Some(Caller::Admin);
        }
        approver.map(|name| Caller::Approver(name.to_owned()))
    }
}

/// The token of the request's `Authorization: Bearer TOKEN` header; the scheme is
/// case-insensitive (RFC 7235 §2.1).
fn bearer_token(request: &Request<Incoming>) -> Option<&[u8]> {
    request
        .headers()
        .get(AUTHORIZATION)?
        .as_bytes()
        .split_at_checked(7)
        .filter(|(scheme, _)| scheme.eq_ignore_ascii_case(b"Bearer "))
        .map(|(_, token)| token)
}

/// Answers one request on the admin listener.
pub(crate) async fn answer(admin: Arc<Admin>, request: Request<Incoming>) -> Response<Body> {
    let service = &admin.service;
    let Some(caller) = admin.caller(&request) else {
        let message = if bearer_token(&request).is_some() {
            "the bearer token was refused"
        } else {
            "a bearer token is required (`Authorization: Bearer TOKEN`)"
        };
        let mut response = service.error(StatusCode::UNAUTHORIZED, message);
        response.headers_mut().insert(
            hyper::header::WWW_AUTHENTICATE,
            hyper::header::HeaderValue::from_static("Bearer"),
        );
        return response;
    };
    if request.uri().path().starts_with("/v1/approvals") {
        let resolver = match &caller {
            Caller::Approver(name) => Resolver::Named(name),
            Caller::Admin if admin.approvers.is_empty() => Resolver::Declared,
            Caller::Admin => Resolver::NotAnApprover,
        };
        if let Some(response) = approvals::answer(service, request, resolver).await {
            return response;
        }
        return service.error(StatusCode::NOT_FOUND, "no such endpoint");
    }
    if caller != Caller::Admin {
        return service.error(
            StatusCode::FORBIDDEN,
            "an approver's token opens /v1/approvals only; this needs the admin token",
        );
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
        (&Method::GET, "/v1/status") => service.status().await,
        (_, "/v1/admin/reload" | "/v1/status") => {
            service.error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed")
        }
        _ => service.error(StatusCode::NOT_FOUND, "no such endpoint"),
    }
}
