//! HTTP/1.1 connections with their limits: a header-read timeout (which also ends idle
//! keep-alive connections), a body size limit (413) and body read timeout (408), and graceful
//! shutdown that lets in-flight requests finish.

use std::convert::Infallible;
use std::future::Future;
use std::time::Duration;

use http_body_util::{BodyExt as _, Full, LengthLimitError, Limited};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_LENGTH, CONTENT_TYPE, HeaderValue};
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::config::Limits;

/// The body of every answer.
pub(crate) type Body = Full<Bytes>;

/// Accepts connections on `listener` and answers each request with `handler` until `stop`
/// turns true; every connection is watched by `graceful`.
pub(crate) async fn serve_listener<H, F>(
    listener: TcpListener,
    handler: H,
    limits: Limits,
    graceful: &GracefulShutdown,
    mut stop: watch::Receiver<bool>,
) where
    H: Fn(Request<Incoming>) -> F + Clone + Send + Sync + 'static,
    F: Future<Output = Response<Body>> + Send + 'static,
{
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stop.wait_for(|stop| *stop) => return,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: keep serving the connections there are.
                report!("faramesh serve: accept failed: {error}");
                tokio::task::yield_now().await;
                continue;
            }
        };
        let _ = stream.set_nodelay(true);
        let handler = handler.clone();
        let service = hyper::service::service_fn(move |request| {
            let answer = handler(request);
            async move { Ok::<_, Infallible>(answer.await) }
        });
        let connection = hyper::server::conn::http1::Builder::new()
            .timer(TokioTimer::new())
            .header_read_timeout(limits.header_timeout)
            .serve_connection(TokioIo::new(stream), service);
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            // A client that goes away or times out is its own problem, not the server's.
            let _ = connection.await;
        });
    }
}

/// Why a body was not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BodyError {
    /// Larger than the limit: 413.
    TooLarge,
    /// Not sent within the timeout: 408.
    TooSlow,
    /// The connection failed while reading: 400.
    Broken,
}

impl BodyError {
    /// The answer's status.
    pub fn status(self) -> StatusCode {
        match self {
            BodyError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            BodyError::TooSlow => StatusCode::REQUEST_TIMEOUT,
            BodyError::Broken => StatusCode::BAD_REQUEST,
        }
    }

    /// The answer's message.
    pub fn message(self, limits: &Limits) -> String {
        match self {
            BodyError::TooLarge => format!("the body is larger than {} bytes", limits.max_body),
            BodyError::TooSlow => format!(
                "the body did not arrive within {} s",
                limits.header_timeout.as_secs_f64()
            ),
            BodyError::Broken => "the body could not be read".to_owned(),
        }
    }
}

/// Reads a request's body within the size limit and the timeout.
pub(crate) async fn read_body(
    request: Request<Incoming>,
    limits: &Limits,
) -> Result<Bytes, BodyError> {
    let declared = request
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.parse::<u64>().ok());
    if declared.is_some_and(|length| length > limits.max_body as u64) {
        return Err(BodyError::TooLarge);
    }
    let limited = Limited::new(request.into_body(), limits.max_body);
    match tokio::time::timeout(limits.header_timeout, limited.collect()).await {
        Err(_) => Err(BodyError::TooSlow),
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(error)) if error.is::<LengthLimitError>() => Err(BodyError::TooLarge),
        Ok(Err(_)) => Err(BodyError::Broken),
    }
}

/// A JSON answer.
pub(crate) fn json(status: StatusCode, body: impl Into<Bytes>) -> Response<Body> {
    with_type(status, body.into(), "application/json")
}

/// A JSON error answer: `{"error": message}`.
pub(crate) fn error(status: StatusCode, message: &str) -> Response<Body> {
    let body = serde_json::json!({ "error": message }).to_string();
    json(status, body)
}

/// A plain-text answer of the given content type.
pub(crate) fn with_type(
    status: StatusCode,
    body: Bytes,
    content_type: &'static str,
) -> Response<Body> {
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    response
}

/// How long to wait for in-flight requests at shutdown before giving up on them.
pub(crate) async fn drain(graceful: GracefulShutdown, grace: Duration) {
    if tokio::time::timeout(grace, graceful.shutdown())
        .await
        .is_err()
    {
        report!(
            "faramesh serve: connections still open after {} s; closing them",
            grace.as_secs_f64()
        );
    }
}
