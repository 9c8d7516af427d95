//! The approval endpoints of the admin listener (so only holders of the admin token or of an
//! approver's token, never agents, resolve approvals): `GET /v1/approvals?state=S`,
//! `GET /v1/approvals/{id}?wait=30s` (a long poll) and `POST /v1/approvals/{id}` with
//! `{"decision", "approver", "comment"}` (`approver` is the token's name with `--approvers`).

use std::time::Duration;

use hyper::body::Incoming;
use hyper::{Method, Request, Response, StatusCode};
use serde::{Deserialize, Serialize};

use super::service::AnswerError;
use super::{Approval, Resolution, ResolveError, State, StoreError, person};
use crate::http::{self, Body};
use crate::routes::Service;

/// The longest long poll; a longer `wait` is cut to this.
const MAX_WAIT: Duration = Duration::from_secs(60);

/// The body of `POST /v1/approvals/{id}`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    decision: Decision,
    #[serde(default)]
    approver: Option<String>,
    #[serde(default)]
    comment: Option<String>,
}

/// Who resolves an approval on a request, by the token it carries.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Resolver<'a> {
    /// The admin token, on a service that names no approvers: the body says who.
    Declared,
    /// This approver's own token.
    Named(&'a str),
    /// The admin token on a service that names its approvers: it reads, but does not resolve.
    NotAnApprover,
}

/// `approve` or `deny`.
#[derive(Debug, Clone, Copy, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Decision {
    Approve,
    Deny,
}

/// `GET /v1/approvals`.
#[derive(Debug, Serialize)]
struct List<'a> {
    approvals: &'a [Approval],
}

/// Answers an admin request under `/v1/approvals`, or `None` for any other path.
pub(crate) async fn answer(
    service: &Service,
    request: Request<Incoming>,
    resolver: Resolver<'_>,
) -> Option<Response<Body>> {
    let path = request.uri().path();
    let id = match path.strip_prefix("/v1/approvals") {
        Some("") => None,
        Some(rest) => Some(rest.strip_prefix('/')?.to_owned()),
        None => return None,
    };
    let query = request.uri().query().unwrap_or("").to_owned();
    let method = request.method().clone();
    let approvals = &service.decider.approvals;
    Some(match (method, id) {
        (Method::GET, None) => {
            let state = match param(&query, "state").filter(|state| *state != "all") {
                None => None,
                Some(state) => match State::parse(state) {
                    Some(state) => Some(state),
                    None => {
                        return Some(service.error(
                            StatusCode::BAD_REQUEST,
                            "`state` is one of pending, approved, denied, expired, used, all",
                        ));
                    }
                },
            };
            match approvals.list(state).await {
                Ok(list) => to_json(service, &List { approvals: &list }),
                Err(error) => unavailable(service, &error),
            }
        }
        (Method::GET, Some(id)) => {
            let wait = match param(&query, "wait").map(parse_wait) {
                None => Duration::ZERO,
                Some(Some(wait)) => wait.min(MAX_WAIT),
                Some(None) => {
                    return Some(service.error(
                        StatusCode::BAD_REQUEST,
                        "`wait` is a duration such as 30s, 500ms or 2m",
                    ));
                }
            };
            let found = if wait.is_zero() {
                approvals.get(&id).await
            } else {
                approvals.wait_while_pending(&id, wait).await
            };
            match found {
                Ok(Some(approval)) => to_json(service, &approval),
                Ok(None) => not_found(service, &id),
                Err(error) => unavailable(service, &error),
            }
        }
        (Method::POST, Some(id)) => resolve(service, request, &id, resolver).await,
        _ => service.error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed"),
    })
}

/// `POST /v1/approvals/{id}`.
async fn resolve(
    service: &Service,
    request: Request<Incoming>,
    id: &str,
    resolver: Resolver<'_>,
) -> Response<Body> {
    let body = match http::read_body(request, &service.limits).await {
        Ok(body) => body,
        Err(error) => return service.error(error.status(), &error.message(&service.limits)),
    };
    let answer: Answer = match serde_json::from_slice(&body) {
        Ok(answer) => answer,
        Err(error) => {
            return service.error(
                StatusCode::BAD_REQUEST,
                &format!(
                    "the body must be {{\"decision\": \"approve\"|\"deny\", \"approver\": \"…\", \
                     \"comment\": \"…\"}}: {error}"
                ),
            );
        }
    };
    let approver = match (resolver, answer.approver.as_deref()) {
        (Resolver::NotAnApprover, _) => {
            return service.error(
                StatusCode::FORBIDDEN,
                "this service names its approvers (--approvers): resolve with an approver's \
                 own token, not the admin token",
            );
        }
        (Resolver::Named(name), Some(declared)) if person(declared) != person(name) => {
            return service.error(
                StatusCode::FORBIDDEN,
                &format!("the token is `{name}`'s, so `approver` cannot be `{declared}`"),
            );
        }
        (Resolver::Named(name), _) => name,
        (Resolver::Declared, Some(declared)) if !declared.trim().is_empty() => declared,
        (Resolver::Declared, _) => {
            return service.error(
                StatusCode::BAD_REQUEST,
                "`approver` is required: this service names no approvers, so say who approves \
                 (`faramesh approvals … --approver NAME`)",
            );
        }
    };
    let resolution = match answer.decision {
        Decision::Approve => Resolution::Approve,
        Decision::Deny => Resolution::Deny,
    };
    let resolved = service
        .decider
        .approvals
        .resolve(id, resolution, approver, answer.comment.as_deref())
        .await;
    match resolved {
        Ok(approval) => to_json(service, &approval),
        Err(error) => {
            let status = match &error {
                AnswerError::Refused(ResolveError::NotFound(_)) => StatusCode::NOT_FOUND,
                AnswerError::Refused(ResolveError::Conflict { .. }) => StatusCode::CONFLICT,
                AnswerError::Refused(ResolveError::SelfApproval(_)) => StatusCode::FORBIDDEN,
                AnswerError::Unlogged(_) | AnswerError::Store(_) => StatusCode::SERVICE_UNAVAILABLE,
            };
            service.error(status, &error.to_string())
        }
    }
}

/// 503: the approval store failed; nothing was changed that the answer does not say.
fn unavailable(service: &Service, error: &StoreError) -> Response<Body> {
    service.error(StatusCode::SERVICE_UNAVAILABLE, &error.to_string())
}

fn not_found(service: &Service, id: &str) -> Response<Body> {
    service.error(
        StatusCode::NOT_FOUND,
        &ResolveError::NotFound(id.to_owned()).to_string(),
    )
}

fn to_json(service: &Service, value: &impl Serialize) -> Response<Body> {
    match serde_json::to_vec(value) {
        Ok(body) => http::json(StatusCode::OK, body),
        Err(error) => service.error(StatusCode::INTERNAL_SERVER_ERROR, &error.to_string()),
    }
}

/// The value of `name` in a query string (`a=1&b=2`).
fn param<'q>(query: &'q str, name: &str) -> Option<&'q str> {
    query
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value)
}

/// A long poll's `wait`: a whole number with `ms`, `s` or `m`, or of seconds without a unit.
fn parse_wait(text: &str) -> Option<Duration> {
    let digits = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(digits);
    let number: u64 = number.parse().ok()?;
    match unit {
        "ms" => Some(Duration::from_millis(number)),
        "" | "s" => Some(Duration::from_secs(number)),
        "m" => Some(Duration::from_secs(number.checked_mul(60)?)),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn waits() {
        assert_eq!(parse_wait("30s"), Some(Duration::from_secs(30)));
        assert_eq!(parse_wait("30"), Some(Duration::from_secs(30)));
        assert_eq!(parse_wait("250ms"), Some(Duration::from_millis(250)));
        assert_eq!(parse_wait("2m"), Some(Duration::from_secs(120)));
        assert_eq!(parse_wait("s"), None);
        assert_eq!(parse_wait("1h"), None);
        assert_eq!(parse_wait("-1s"), None);
    }

    #[test]
    fn params() {
        assert_eq!(param("state=pending&x=1", "state"), Some("pending"));
        assert_eq!(param("x=1&wait=5s", "wait"), Some("5s"));
        assert_eq!(param("states=pending", "state"), None);
    }
}
