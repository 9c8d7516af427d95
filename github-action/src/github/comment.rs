//! The one sticky comment on a pull request: found by a hidden marker among the pull request's
//! comments and updated in place, else created, so later pushes never add a second one.

use std::time::Duration;

use octocrab::Octocrab;
use octocrab::service::middleware::retry::{NoOpRateLimitMetrics, RetryConfig};

use super::Context;

/// The hidden marker that identifies the comment.
pub const STICKY_MARKER: &str = "<!-- faramesh-ci-report -->";

/// How often a rate-limited or failed request is tried again (honouring `Retry-After`).
const RETRIES: usize = 2;

/// What was done.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Posted {
    /// A new comment, with its id.
    Created(u64),
    /// The existing comment, with its id, was updated.
    Updated(u64),
}

/// Why the comment could not be written.
#[derive(Debug, thiserror::Error)]
pub enum CommentError {
    /// No token.
    #[error(
        "`GITHUB_TOKEN` is not set; give the step `env: GITHUB_TOKEN: ${{{{ github.token }}}}` \
         (with `permissions: pull-requests: write`), or pass `--comment false`"
    )]
    NoToken,
    /// The API refused the token (401).
    #[error("GitHub refused the token at {url} (401 Unauthorized): {message}")]
    Unauthorized {
        /// The API base URL.
        url: String,
        /// GitHub's message.
        message: String,
    },
    /// The token may not write comments (403).
    #[error(
        "GitHub forbade writing the pull-request comment at {url} (403 Forbidden): {message}; \
         the workflow needs `permissions: pull-requests: write` (a pull request from a fork gets \
         a read-only token)"
    )]
    Forbidden {
        /// The API base URL.
        url: String,
        /// GitHub's message.
        message: String,
    },
    /// Still rate-limited after the retries.
    #[error("GitHub rate-limited the request at {url} (429) and still did after {RETRIES} retries{}: {message}", retry_after.as_ref().map(|s| format!("; it asks to wait {s} s")).unwrap_or_default())]
    RateLimited {
        /// The API base URL.
        url: String,
        /// GitHub's `Retry-After`, when given.
        retry_after: Option<String>,
        /// GitHub's message.
        message: String,
    },
    /// Any other answer of the API.
    #[error("GitHub answered {status} at {url}: {message}")]
    Api {
        /// The API base URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// GitHub's message.
        message: String,
    },
    /// The API could not be reached or its answer not read.
    #[error("cannot talk to the GitHub API at {url}: {message}")]
    Network {
        /// The API base URL.
        url: String,
        /// What failed.
        message: String,
    },
}

/// Creates or updates the sticky comment of the context's pull request with `body` (which
/// starts with [`STICKY_MARKER`]).
pub async fn post_sticky(context: &Context, body: &str) -> Result<Posted, CommentError> {
    let token = context.token.clone().ok_or(CommentError::NoToken)?;
    let url = context.api_url.clone();
    let network = |error: octocrab::Error| classify(&url, error);
    let client = Octocrab::builder()
        .base_uri(url.as_str())
        .map_err(&network)?
        .personal_token(token)
        .add_retry_config(RetryConfig::HandleRateLimits {
            metrics: std::sync::Arc::new(NoOpRateLimitMetrics),
            max_retries: RETRIES,
            min_wait_seconds: 1,
            retry_on_forbidden: false,
        })
        .set_connect_timeout(Some(Duration::from_secs(30)))
        .set_read_timeout(Some(Duration::from_secs(60)))
        .build()
        .map_err(&network)?;
    let (owner, repo) = context.owner_repo();
    let issues = client.issues(owner, repo);
    let number = context.pull_request.number;
    let mut page_number: u32 = 1;
    loop {
        let page = issues
            .list_comments(number)
            .per_page(100)
            .page(page_number)
            .send()
            .await
            .map_err(&network)?;
        let count = page.items.len();
        if let Some(existing) = page.items.iter().find(|comment| {
            comment
                .body
                .as_deref()
                .is_some_and(|text| text.contains(STICKY_MARKER))
        }) {
            let id = existing.id;
            issues.update_comment(id, body).await.map_err(&network)?;
            return Ok(Posted::Updated(id.into_inner()));
        }
        if count < 100 {
            break;
        }
        page_number += 1;
    }
    let created = issues
        .create_comment(number, body)
        .await
        .map_err(&network)?;
    Ok(Posted::Created(created.id.into_inner()))
}

/// The typed error of an octocrab error.
fn classify(url: &str, error: octocrab::Error) -> CommentError {
    let url = url.to_string();
    match error {
        octocrab::Error::GitHub { source, .. } => {
            let message = source.message.clone();
            match source.status_code.as_u16() {
                401 => CommentError::Unauthorized { url, message },
                403 => CommentError::Forbidden { url, message },
                429 => CommentError::RateLimited {
                    url,
                    retry_after: source
                        .headers
                        .as_ref()
                        .and_then(|headers| headers.get("retry-after"))
                        .and_then(|value| value.to_str().ok())
                        .map(str::to_string),
                    message,
                },
                status => CommentError::Api {
                    url,
                    status,
                    message,
                },
            }
        }
        other => CommentError::Network {
            url,
            message: other.to_string(),
        },
    }
}
