//! A registry served over HTTP(S) under a base URL (`reqwest` with rustls): connect and read
//! time limits, a size limit on every body, and a body shorter than its `Content-Length` is an
//! error, never a shorter file.

use std::io::Read as _;
use std::time::Duration;

use fpl_runtime::root_cause;

use super::ReadError;
use crate::progress::Progress;
use crate::registry_path::RegistryPath;
use fpl_runtime::url_secrets::{redact_url, split_credentials};

/// An HTTP(S) registry.
#[derive(Debug)]
pub struct HttpSource {
    /// The base URL without credentials or fragment.
    base: String,
    /// The user and password the URL was written with: sent as an `Authorization` header to
    /// the registry's own origin only ([`HttpSource::follow`]; a userinfo left in the URL was
    /// sent on by reqwest past a second redirect).
    login: Option<(String, String)>,
    timeout: Duration,
    client: reqwest::blocking::Client,
}

impl HttpSource {
    /// A registry under `base`; `timeout` limits connecting and each request.
    pub fn new(base: &str, timeout: Duration) -> Result<HttpSource, String> {
        let client = client(timeout)?;
        // A fragment is never sent: it is not part of where the files are.
        let base = base.split_once('#').map_or(base, |(base, _)| base);
        let (base, login) = split_credentials(base);
        Ok(HttpSource {
            base: base.trim_end_matches('/').to_string(),
            login,
            timeout,
            client,
        })
    }

    /// The URL of a registry file: its path joins the base's path, before any query.
    fn url(&self, path: &RegistryPath) -> String {
        match self.base.split_once('?') {
            Some((base, query)) => format!("{}/{path}?{query}", base.trim_end_matches('/')),
            None => format!("{}/{path}", self.base),
        }
    }

    /// The URL of a registry file as messages show it, without secrets (the query).
    fn shown(&self, path: &RegistryPath) -> String {
        redact_url(&self.url(path))
    }

    /// Downloads `path`; `Ok(None)` on 404.
    pub fn read(
        &self,
        path: &RegistryPath,
        limit: u64,
        progress: &dyn Progress,
    ) -> Result<Option<Vec<u8>>, ReadError> {
        let (request, url) = (self.url(path), self.shown(path));
        let mut response = self.follow(&request, &url)?;
        let status = response.status();
        if status == reqwest::StatusCode::NOT_FOUND || status == reqwest::StatusCode::GONE {
            return Ok(None);
        }
        if !status.is_success() {
            return Err(ReadError::Failed(format!("`{url}` answered HTTP {status}")));
        }
        let expected = response.content_length();
        if expected.is_some_and(|length| length > limit) {
            return Err(ReadError::TooLarge(limit));
        }
        progress.start(&url, expected);
        let body = self.body(&url, &mut response, limit, progress);
        progress.finish();
        let body = body?;
        if let Some(expected) = expected
            && body.len() as u64 != expected
        {
            return Err(truncated(&url, body.len(), expected));
        }
        Ok(Some(body))
    }

    /// GETs `request`, following up to [`MAX_REDIRECTS`] redirects itself: the login goes only
    /// to the registry's own origin, on every hop.
    fn follow(&self, request: &str, url: &str) -> Result<reqwest::blocking::Response, ReadError> {
        let failed = |message: String| ReadError::Failed(message);
        let mut target = reqwest::Url::parse(request)
            .map_err(|error| failed(format!("`{url}` is not a URL: {error}")))?;
        let origin = target.origin();
        for _ in 0..=MAX_REDIRECTS {
            let mut get = self.client.get(target.clone());
            if let Some((user, password)) = &self.login
                && target.origin() == origin
            {
                get = get.basic_auth(user, Some(password));
            }
            let response = get
                .send()
                .map_err(|error| failed(self.describe(url, &error)))?;
            if !response.status().is_redirection() {
                return Ok(response);
            }
            let location = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|location| location.to_str().ok())
                .ok_or_else(|| {
                    failed(format!(
                        "`{url}` answered HTTP {} without a Location",
                        response.status()
                    ))
                })?;
            target = target.join(location).map_err(|error| {
                failed(format!("`{url}` redirected to a bad Location: {error}"))
            })?;
            if !matches!(target.scheme(), "http" | "https") {
                return Err(failed(format!(
                    "`{url}` redirected to a `{}:` URL",
                    target.scheme()
                )));
            }
        }
        Err(failed(format!(
            "`{url}` redirected more than {MAX_REDIRECTS} times"
        )))
    }

    fn body(
        &self,
        url: &str,
        response: &mut reqwest::blocking::Response,
        limit: u64,
        progress: &dyn Progress,
    ) -> Result<Vec<u8>, ReadError> {
        let mut body = Vec::new();
        let mut chunk = vec![0; 64 * 1024];
        loop {
            let read = match response.read(&mut chunk) {
                Ok(0) => return Ok(body),
                Ok(read) => read,
                Err(error) if error.kind() == std::io::ErrorKind::Interrupted => continue,
                Err(error) => {
                    return Err(ReadError::Failed(self.describe_body(
                        url,
                        &error,
                        body.len(),
                    )));
                }
            };
            body.extend_from_slice(&chunk[..read]);
            progress.advance(read as u64);
            if body.len() as u64 > limit {
                return Err(ReadError::TooLarge(limit));
            }
        }
    }

    fn describe(&self, url: &str, error: &reqwest::Error) -> String {
        describe(url, self.timeout, error)
    }

    fn describe_body(&self, url: &str, error: &std::io::Error, received: usize) -> String {
        let timed_out = error.kind() == std::io::ErrorKind::TimedOut
            || error
                .get_ref()
                .and_then(|inner| inner.downcast_ref::<reqwest::Error>())
                .is_some_and(reqwest::Error::is_timeout);
        if timed_out {
            format!(
                "`{url}` stopped sending after {received} bytes and did not go on within {:?}",
                self.timeout
            )
        } else {
            format!(
                "the body of `{url}` broke off after {received} bytes (truncated): {}",
                root_cause(error)
            )
        }
    }
}

/// The most redirects a registry read follows.
const MAX_REDIRECTS: usize = 10;

/// The HTTP client of the toolchain: rustls, `timeout` for connecting and for each request,
/// and no redirect followed by itself: a registry read follows them in
/// [`HttpSource::follow`], which keeps a login with its origin; an upload is not redirected.
pub(crate) fn client(timeout: Duration) -> Result<reqwest::blocking::Client, String> {
    reqwest::blocking::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .user_agent(concat!("faramesh/", env!("CARGO_PKG_VERSION")))
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|error| error.to_string())
}

/// What went wrong with a request to `url`, in a few words.
pub(crate) fn describe(url: &str, timeout: Duration, error: &reqwest::Error) -> String {
    if error.is_timeout() {
        format!("`{url}` did not answer within {timeout:?}")
    } else if error.is_connect() {
        format!("cannot connect to `{url}`: {}", root_cause(error))
    } else {
        format!("`{url}`: {}", root_cause(error))
    }
}

fn truncated(url: &str, received: usize, expected: u64) -> ReadError {
    ReadError::Failed(format!(
        "the body of `{url}` is truncated: {received} of {expected} bytes arrived"
    ))
}
