//! Where bundles come from: a file, a directory written by `faramesh bundle publish` (a
//! `latest` file naming `<commit>.fmb`), or an HTTP(S) URL of a bundle or of such a directory
//! (ending in `/`). Every read is bounded by the largest bundle; a poll that finds the same
//! bytes (a file's digest) or the same ETag (a URL) reports [`Fetch::Unchanged`].

use std::path::{Path, PathBuf};
use std::time::Duration;

use fpl_runtime::bundle::{MAX_BUNDLE_BYTES, sha256_digest};

/// The pointer file of a published directory.
const LATEST: &str = "latest";
/// The largest pointer file read.
const MAX_LATEST_BYTES: u64 = 1024;
/// Time limit of one HTTP request for a bundle.
const FETCH_TIMEOUT: Duration = Duration::from_secs(30);

/// A bundle source, as given to `--bundle`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BundleSource {
    /// One bundle file.
    File(PathBuf),
    /// A directory with a `latest` file naming the bundle beside it.
    Dir(PathBuf),
    /// An `http://` or `https://` URL: a bundle, or a published directory when it ends in `/`.
    Url(String),
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// Reading a file failed.
    #[error("cannot read `{path}`: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// Larger than any bundle (or pointer file).
    #[error("`{0}` is larger than {1} bytes")]
    TooLarge(String, u64),
    /// A `latest` pointer that does not name a bundle file beside it.
    #[error("`{0}` does not name a bundle (`<name>.fmb` in the same directory)")]
    BadPointer(String),
    /// An HTTP request failed or was answered with an error status.
    #[error("cannot fetch `{url}`: {message}")]
    Http {
        /// The URL.
        url: String,
        /// What happened.
        message: String,
    },
}

/// The outcome of reading a source.
#[derive(Debug)]
pub(crate) enum Fetch {
    /// The bytes and the version they are (a digest or an ETag).
    Bytes { bytes: Vec<u8>, version: String },
    /// Same version as `last` asked about.
    Unchanged,
}

impl BundleSource {
    /// Reads `--bundle`: a URL by its scheme, a directory when one exists at the path, else a file.
    pub fn parse(text: &str) -> BundleSource {
        if text.starts_with("http://") || text.starts_with("https://") {
            return BundleSource::Url(text.to_owned());
        }
        let path = PathBuf::from(text);
        if path.is_dir() {
            BundleSource::Dir(path)
        } else {
            BundleSource::File(path)
        }
    }

    /// Reads the bundle; [`Fetch::Unchanged`] when its version equals `last`.
    pub(crate) async fn fetch(
        &self,
        client: &reqwest::Client,
        last: Option<&str>,
    ) -> Result<Fetch, SourceError> {
        match self {
            BundleSource::File(path) => {
                let path = path.clone();
                let bytes = blocking(move || read_file(&path, MAX_BUNDLE_BYTES)).await?;
                Ok(by_digest(bytes, last))
            }
            BundleSource::Dir(dir) => {
                let dir = dir.clone();
                let bytes = blocking(move || {
                    let pointer = dir.join(LATEST);
                    let pointed = read_file(&pointer, MAX_LATEST_BYTES)?;
                    let name = bundle_name(&pointed)
                        .ok_or_else(|| SourceError::BadPointer(pointer.display().to_string()))?;
                    read_file(&dir.join(name), MAX_BUNDLE_BYTES)
                })
                .await?;
                Ok(by_digest(bytes, last))
            }
            BundleSource::Url(url) => match url.strip_suffix('/') {
                Some(base) => {
                    let pointer = format!("{base}/{LATEST}");
                    let Fetch::Bytes { bytes, .. } =
                        get(client, &pointer, None, MAX_LATEST_BYTES).await?
                    else {
                        return Err(SourceError::BadPointer(pointer));
                    };
                    let name = bundle_name(&bytes).ok_or(SourceError::BadPointer(pointer))?;
                    get(client, &format!("{base}/{name}"), last, MAX_BUNDLE_BYTES).await
                }
                None => get(client, url, last, MAX_BUNDLE_BYTES).await,
            },
        }
    }
}

impl std::fmt::Display for BundleSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            BundleSource::File(path) | BundleSource::Dir(path) => write!(f, "{}", path.display()),
            BundleSource::Url(url) => f.write_str(url),
        }
    }
}

/// Runs file IO off the async workers.
async fn blocking<T: Send + 'static>(
    read: impl FnOnce() -> Result<T, SourceError> + Send + 'static,
) -> Result<T, SourceError> {
    tokio::task::spawn_blocking(read)
        .await
        .unwrap_or_else(|error| {
            Err(SourceError::Io {
                path: PathBuf::new(),
                cause: std::io::Error::other(error),
            })
        })
}

fn by_digest(bytes: Vec<u8>, last: Option<&str>) -> Fetch {
    let version = sha256_digest(&bytes);
    if last == Some(version.as_str()) {
        Fetch::Unchanged
    } else {
        Fetch::Bytes { bytes, version }
    }
}

/// Reads at most `limit` bytes of a file.
fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>, SourceError> {
    fpl_runtime::files::read_limited(path, limit)
        .map_err(|cause| SourceError::Io {
            path: path.to_path_buf(),
            cause,
        })?
        .ok_or_else(|| SourceError::TooLarge(path.display().to_string(), limit))
}

/// The bundle file a `latest` pointer names: one plain `<name>.fmb`, no directory.
fn bundle_name(pointer: &[u8]) -> Option<&str> {
    let name = std::str::from_utf8(pointer).ok()?.trim();
    let plain = !name.is_empty()
        && name.ends_with(".fmb")
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_'));
    plain.then_some(name)
}

/// `GET url` with `If-None-Match: last`, reading at most `limit` bytes.
async fn get(
    client: &reqwest::Client,
    url: &str,
    last: Option<&str>,
    limit: u64,
) -> Result<Fetch, SourceError> {
    let failed = |message: String| SourceError::Http {
        url: url.to_owned(),
        message,
    };
    let mut request = client.get(url).timeout(FETCH_TIMEOUT);
    if let Some(etag) = last {
        request = request.header(reqwest::header::IF_NONE_MATCH, etag);
    }
    let mut response = request.send().await.map_err(|e| failed(e.to_string()))?;
    if response.status() == reqwest::StatusCode::NOT_MODIFIED && last.is_some() {
        return Ok(Fetch::Unchanged);
    }
    if !response.status().is_success() {
        return Err(failed(format!("status {}", response.status())));
    }
    if response
        .content_length()
        .is_some_and(|length| length > limit)
    {
        return Err(SourceError::TooLarge(url.to_owned(), limit));
    }
    let etag = response
        .headers()
        .get(reqwest::header::ETAG)
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| failed(e.to_string()))? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(SourceError::TooLarge(url.to_owned(), limit));
        }
        bytes.extend_from_slice(&chunk);
    }
    match etag {
        Some(version) => Ok(Fetch::Bytes { bytes, version }),
        // Without an ETag the bytes' digest tells a poll whether anything changed.
        None => Ok(by_digest(bytes, last)),
    }
}
