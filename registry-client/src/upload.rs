//! Uploading a file with HTTP `PUT` (`faramesh bundle publish --to https://…`): the toolchain's
//! client (rustls, time limits, no redirects), and any answer but 2xx an error naming the URL
//! without its secrets.

use std::time::Duration;

use fpl_runtime::url_secrets::redact_url;

use crate::source::http::{client, describe};

/// Why an upload failed.
#[derive(Debug, thiserror::Error)]
pub enum UploadError {
    /// The request could not be made or got no answer in time.
    #[error("cannot upload: {0}")]
    Failed(String),
    /// The server refused it.
    #[error("cannot upload: `{url}` answered HTTP {status}")]
    Refused {
        /// The URL.
        url: String,
        /// The status line's code and reason.
        status: String,
    },
}

/// `PUT`s `bytes` to `url`; `timeout` limits connecting and the whole request.
pub fn put(url: &str, bytes: Vec<u8>, timeout: Duration) -> Result<(), UploadError> {
    let client = client(timeout).map_err(UploadError::Failed)?;
    let shown = redact_url(url);
    let response = client
        .put(url)
        .header("content-type", "application/octet-stream")
        .body(bytes)
        .send()
        .map_err(|error| UploadError::Failed(describe(&shown, timeout, &error)))?;
    let status = response.status();
    if status.is_success() {
        Ok(())
    } else {
        Err(UploadError::Refused {
            url: shown,
            status: status.to_string(),
        })
    }
}
