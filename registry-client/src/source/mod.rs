//! Where a registry's files come from: a local directory, a git repository (`git+file://`, or
//! `git+https://` fetched into a mirror; read at one pinned commit) or an HTTP(S) base URL. Every read takes a checked
//! [`RegistryPath`] and a size limit.

pub(crate) mod dir;
mod git;
mod git_remote;
pub(crate) mod http;

use std::path::Path;
use std::time::Duration;

use crate::cache::Cache;
use crate::error::Error;
use crate::progress::Progress;
use crate::registry_path::RegistryPath;
use fpl_runtime::url_secrets::redact_url;

/// An opened registry source.
#[derive(Debug)]
pub enum Source {
    /// A directory in the public layout.
    Dir(dir::DirSource),
    /// A git repository on this machine.
    Git(git::GitSource),
    /// A git repository on a server, mirrored in the cache.
    RemoteGit(git_remote::RemoteGitSource),
    /// An HTTP(S) server serving the layout under a base URL.
    Http(http::HttpSource),
}

/// The files of a source at one moment: a git source at one commit.
pub enum Snapshot<'a> {
    /// A directory as it is now.
    Dir(&'a dir::DirSource),
    /// A git tree at a commit.
    Git(git::GitSnapshot),
    /// An HTTP server as it answers now.
    Http(&'a http::HttpSource),
}

/// Why a file could not be read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReadError {
    /// Larger than the limit.
    TooLarge(u64),
    /// The path leads out of the registry (a symlink).
    Escapes(String),
    /// Anything else: I/O, network, HTTP status, git.
    Failed(String),
}

/// Why a snapshot could not be taken.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SnapshotError {
    /// The pinned commit is not reachable from any branch or tag.
    CommitGone(String),
    /// Anything else.
    Failed(String),
}

impl Source {
    /// Opens the source at `url` (relative directories are relative to `root`; git servers are
    /// mirrored in `cache`). `name` is the registry's name in `faramesh.toml`, for errors.
    pub fn open(
        url: &str,
        name: &str,
        root: &Path,
        cache: &Cache,
        timeout: Duration,
    ) -> Result<Source, Error> {
        let unsupported = |why: &str| Error::UnsupportedSource {
            name: name.to_string(),
            url: redact_url(url),
            why: why.to_string(),
        };
        // A scheme is case-insensitive (RFC 3986 §3.1).
        let url = &lowercase_scheme(url);
        if url.starts_with("https://") || url.starts_with("http://") {
            return http::HttpSource::new(url, timeout)
                .map(Source::Http)
                .map_err(|why| unsupported(&why));
        }
        if let Some(path) = url.strip_prefix("git+file://") {
            if !path.starts_with('/') {
                return Err(unsupported("a `git+file://` URL needs an absolute path"));
            }
            return Ok(Source::Git(git::GitSource::new(Path::new(path))));
        }
        if let Some(remote) = url.strip_prefix("git+")
            && (remote.starts_with("https://") || remote.starts_with("http://"))
        {
            return git_remote::RemoteGitSource::new(remote, cache, timeout)
                .map(Source::RemoteGit)
                .map_err(|why| unsupported(&why));
        }
        if url.starts_with("git+") {
            return Err(unsupported(
                "a git registry URL is `git+https://…` (or `git+http://…`) or `git+file:///…`",
            ));
        }
        if let Some(path) = url.strip_prefix("file://") {
            return Ok(Source::Dir(dir::DirSource::new(Path::new(path))));
        }
        if url.contains("://") {
            return Err(unsupported("unknown URL scheme"));
        }
        Ok(Source::Dir(dir::DirSource::new(&root.join(url))))
    }

    /// Whether reading it uses the network (refused under `--offline`).
    pub fn is_network(&self) -> bool {
        matches!(self, Source::Http(_) | Source::RemoteGit(_))
    }

    /// The files as they are now (git: at `HEAD`, fetched first from a server), or at the
    /// pinned git `commit`.
    pub fn snapshot(&self, commit: Option<&str>) -> Result<Snapshot<'_>, SnapshotError> {
        match self {
            Source::Dir(dir) => Ok(Snapshot::Dir(dir)),
            Source::Git(git) => git.snapshot(commit).map(Snapshot::Git),
            Source::RemoteGit(remote) => remote.snapshot(commit).map(Snapshot::Git),
            Source::Http(http) => Ok(Snapshot::Http(http)),
        }
    }
}

impl Snapshot<'_> {
    /// The git commit the files are read at.
    pub fn commit(&self) -> Option<String> {
        match self {
            Snapshot::Git(git) => Some(git.commit()),
            Snapshot::Dir(_) | Snapshot::Http(_) => None,
        }
    }

    /// Reads a file; `Ok(None)` when it does not exist.
    pub fn read(
        &self,
        path: &RegistryPath,
        limit: u64,
        progress: &dyn Progress,
    ) -> Result<Option<Vec<u8>>, ReadError> {
        match self {
            Snapshot::Dir(dir) => dir.read(path, limit),
            Snapshot::Git(git) => git.read(path, limit),
            Snapshot::Http(http) => http.read(path, limit, progress),
        }
    }
}

/// `url` with its scheme (before `://`) in lowercase.
fn lowercase_scheme(url: &str) -> String {
    match url.find("://") {
        Some(end)
            if url[..end]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c)) =>
        {
            format!("{}{}", url[..end].to_ascii_lowercase(), &url[end..])
        }
        _ => url.to_string(),
    }
}
