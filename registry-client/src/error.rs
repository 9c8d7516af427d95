//! The errors of import resolution: each names the reference, the source and what to do.

use std::path::PathBuf;

/// What went wrong, in the families of the `E04xx` diagnostic codes (SPEC §13).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// `E0401`: the reference is malformed, has no version or says `@latest`.
    InvalidReference,
    /// `E0402`: no usable registry is configured for the reference.
    UnknownRegistry,
    /// `E0403`: the name or version is not in the registry's catalog.
    NotFound,
    /// `E0404`: the registry could not be read (network, HTTP status, timeout, git).
    Unavailable,
    /// `E0405`: the registry serves malformed or unsafe data (catalog, paths).
    InvalidRegistry,
    /// `E0406`: the artifact is unsigned, or not signed by a trusted key.
    Signature,
    /// `E0407`: the bytes differ from the digest pinned in `faramesh.lock` or the cache.
    DigestMismatch,
    /// `E0408`: `faramesh.lock` does not cover the imports, or would change under `--locked`.
    LockOutOfDate,
    /// `E0409`: `faramesh.toml`, `faramesh.lock` or the cache cannot be read or written.
    ProjectFile,
}

/// An import could not be resolved, verified or locked.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// A reference that does not have the form `<registry>/<kind>/<name>@<version>`.
    #[error("invalid import reference `{reference}`: {problem}")]
    InvalidReference {
        /// The reference as written.
        reference: String,
        /// What is wrong.
        problem: String,
        /// How to fix it.
        help: String,
    },
    /// No `[registries.*]` entry serves this registry.
    #[error(
        "no registry is configured for `{registry}`{}",
        needed_by(reference, registry)
    )]
    UnknownRegistry {
        /// The reference.
        reference: String,
        /// Its registry part.
        registry: String,
    },
    /// The registry URL has a scheme this toolchain cannot read.
    #[error("registry `{name}` has URL `{url}`, which cannot be used: {why}")]
    UnsupportedSource {
        /// The registry's name in `faramesh.toml`.
        name: String,
        /// The URL.
        url: String,
        /// Why.
        why: String,
    },
    /// The catalog has no entry of that name.
    #[error("`{reference}`: {entry} is not in the catalog of {registry}")]
    NotInCatalog {
        /// The reference.
        reference: String,
        /// The kind and name (``policies `faramesh/stripe` ``).
        entry: String,
        /// The registry source.
        registry: String,
        /// A close name from the catalog.
        suggestion: Option<String>,
    },
    /// The catalog has the name but not that version (or the reference gave none).
    #[error("`{reference}`: {problem} in the catalog of {registry}")]
    VersionNotInCatalog {
        /// The reference.
        reference: String,
        /// What is wrong (`version 9.9.9 of faramesh/stripe is not`).
        problem: String,
        /// The registry source.
        registry: String,
        /// The reference to write instead and the versions the catalog lists.
        help: String,
    },
    /// Reading from the registry failed.
    #[error("cannot read {what} from {registry}: {message}")]
    Unavailable {
        /// The reference being resolved, if any.
        reference: Option<String>,
        /// The registry source.
        registry: String,
        /// What was being read (`catalog/catalog.json`).
        what: String,
        /// Why.
        message: String,
    },
    /// `--offline` was given but the import needs the network.
    #[error(
        "`{reference}` is not in the cache and {registry} is a network registry, but `--offline` was given"
    )]
    Offline {
        /// The reference.
        reference: String,
        /// The registry source.
        registry: String,
    },
    /// The commit pinned in the lockfile is gone from the git registry.
    #[error(
        "`{reference}` is pinned to commit {commit}, which is no longer on any branch or tag of {registry}: {why}"
    )]
    PinnedCommitGone {
        /// The reference.
        reference: String,
        /// The git registry.
        registry: String,
        /// The pinned commit.
        commit: String,
        /// What the repository says.
        why: String,
    },
    /// The catalog is malformed, too large or belongs to another registry.
    #[error("invalid catalog from {registry}: {message}")]
    InvalidCatalog {
        /// The registry source.
        registry: String,
        /// What is wrong.
        message: String,
    },
    /// An artifact path leaves the registry (`..`, absolute, a symlink pointing out).
    #[error("`{reference}`: artifact path `{path}` in {registry} is refused: {why}")]
    PathEscapes {
        /// The reference.
        reference: String,
        /// The registry source.
        registry: String,
        /// The path from the catalog.
        path: String,
        /// Why it is refused.
        why: String,
    },
    /// Too many imports in one policy (transitive imports included).
    #[error(
        "more than {limit} imports (transitive imports included); the registry data may be hostile"
    )]
    TooManyImports {
        /// The limit.
        limit: usize,
    },
    /// The artifact has no `.sig` beside it.
    #[error("`{reference}` is not signed: {registry} has no `{signature}`")]
    MissingSignature {
        /// The reference.
        reference: String,
        /// The registry source.
        registry: String,
        /// The signature's path.
        signature: String,
    },
    /// The `.sig` is not valid signature JSON.
    #[error("`{reference}`: invalid signature file `{signature}`: {message}")]
    InvalidSignatureFile {
        /// The reference.
        reference: String,
        /// The signature's path.
        signature: String,
        /// What is wrong.
        message: String,
    },
    /// The signing key is not trusted.
    #[error("`{reference}` is signed by key `{key_id}`, which is not trusted")]
    UntrustedKey {
        /// The reference.
        reference: String,
        /// The key id in the `.sig`.
        key_id: String,
        /// Whether the `.sig` carried a public key (never used).
        carries_public_key: bool,
    },
    /// The signature does not verify with the trusted key.
    #[error("`{reference}`: the signature by `{key_id}` does not match the artifact's bytes")]
    BadSignature {
        /// The reference.
        reference: String,
        /// The key id.
        key_id: String,
    },
    /// The bytes differ from the digest pinned in the lockfile.
    #[error("`{reference}` from {registry} has sha256 {actual}, but faramesh.lock pins {expected}")]
    DigestMismatch {
        /// The reference.
        reference: String,
        /// Where the bytes came from.
        registry: String,
        /// The pinned digest.
        expected: String,
        /// The digest of the bytes read.
        actual: String,
    },
    /// The import is not in the lockfile.
    #[error("`{reference}` is not in faramesh.lock")]
    NotLocked {
        /// The reference.
        reference: String,
    },
    /// The locked artifact is not in the cache.
    #[error("`{reference}` (sha256 {sha256}) is not in the cache {cache}")]
    NotCached {
        /// The reference.
        reference: String,
        /// Its pinned digest.
        sha256: String,
        /// The cache directory.
        cache: PathBuf,
    },
    /// `--locked` and the lockfile would change.
    #[error("faramesh.lock needs to change, but `--locked` was given: {changes}")]
    LockOutOfDate {
        /// What would change.
        changes: String,
    },
    /// `faramesh.toml` or `faramesh.lock` is malformed.
    #[error("invalid `{path}`: {message}")]
    InvalidProjectFile {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A project or cache file could not be read or written.
    #[error("cannot access `{path}`: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
}

impl Error {
    /// The diagnostic family of the error.
    pub fn kind(&self) -> ErrorKind {
        match self {
            Error::InvalidReference { .. } => ErrorKind::InvalidReference,
            Error::UnknownRegistry { .. } | Error::UnsupportedSource { .. } => {
                ErrorKind::UnknownRegistry
            }
            Error::NotInCatalog { .. } | Error::VersionNotInCatalog { .. } => ErrorKind::NotFound,
            Error::Unavailable { .. } | Error::Offline { .. } | Error::PinnedCommitGone { .. } => {
                ErrorKind::Unavailable
            }
            Error::InvalidCatalog { .. }
            | Error::PathEscapes { .. }
            | Error::TooManyImports { .. } => ErrorKind::InvalidRegistry,
            Error::MissingSignature { .. }
            | Error::InvalidSignatureFile { .. }
            | Error::UntrustedKey { .. }
            | Error::BadSignature { .. } => ErrorKind::Signature,
            Error::DigestMismatch { .. } => ErrorKind::DigestMismatch,
            Error::NotLocked { .. } | Error::NotCached { .. } | Error::LockOutOfDate { .. } => {
                ErrorKind::LockOutOfDate
            }
            Error::InvalidProjectFile { .. } | Error::Io { .. } => ErrorKind::ProjectFile,
        }
    }

    /// What the user can do about it.
    pub fn help(&self) -> Option<String> {
        Some(match self {
            Error::InvalidReference { help, .. } => help.clone(),
            Error::UnknownRegistry { registry, .. } if registry == crate::PUBLIC_REGISTRY => {
                "add `[registries.default]` with `url = \"…\"` (an https base URL, a `git+https://` or `git+file://` repository, or a local directory) to faramesh.toml, or run `faramesh import <REF> --registry <URL>`".to_string()
            }
            Error::UnknownRegistry { registry, .. } => format!(
                "add a `[registries.<name>]` table with `id = \"{registry}\"` and `url = \"…\"` to faramesh.toml"
            ),
            Error::UnsupportedSource { .. } => "use an `https://` base URL that serves the registry's files (a mirror made with `faramesh registry serve`, or the repository's raw file host), a `git+https://` or `git+file://` repository, or a local directory".to_string(),
            Error::NotInCatalog { suggestion: Some(name), .. } => {
                format!("did you mean `{name}`? `faramesh registry search` lists the catalog")
            }
            Error::NotInCatalog { .. } => {
                "`faramesh registry list` shows what the registry offers".to_string()
            }
            Error::VersionNotInCatalog { help, .. } => help.clone(),
            Error::Unavailable { message, .. } if message.contains("`--offline`") => {
                "run the command once without `--offline`, to fill the cache".to_string()
            }
            Error::Unavailable { .. } => {
                "check the registry URL and the network, then run the command again".to_string()
            }
            Error::Offline { .. } => {
                "run the command once without `--offline`, to fill the cache".to_string()
            }
            Error::PinnedCommitGone { .. } => "review the registry's history; to pin its current commit, remove the import's entry from faramesh.lock and run `faramesh lock`".to_string(),
            Error::InvalidCatalog { .. } | Error::PathEscapes { .. } => {
                "the registry is broken or hostile; report it to its maintainers and do not use it".to_string()
            }
            Error::TooManyImports { .. } => {
                "check the imports of the imported policies".to_string()
            }
            Error::MissingSignature { .. } | Error::BadSignature { .. } | Error::InvalidSignatureFile { .. } => {
                "ask the publisher for a correctly signed artifact; `--allow-unsigned` accepts it anyway and records that in faramesh.lock".to_string()
            }
            Error::UntrustedKey {
                key_id,
                carries_public_key,
                ..
            } => {
                let embedded = if *carries_public_key {
                    "the public key inside the `.sig` is never trusted by itself; "
                } else {
                    ""
                };
                format!(
                    "{embedded}if you trust the publisher, add `\"{key_id}:<base64 public key>\"` to `[trust] keys` in faramesh.toml, with the key obtained from the publisher, not from the registry"
                )
            }
            Error::DigestMismatch { .. } => "the registry's artifact changed since it was locked; find out why before you remove the entry from faramesh.lock and lock again".to_string(),
            Error::NotLocked { .. } => {
                "run `faramesh lock` to resolve and pin it".to_string()
            }
            Error::NotCached { .. } => {
                "run `faramesh lock` to download the pinned artifacts into the cache".to_string()
            }
            Error::LockOutOfDate { .. } => {
                "run `faramesh lock` without `--locked` and commit faramesh.lock".to_string()
            }
            Error::InvalidProjectFile { .. } | Error::Io { .. } => return None,
        })
    }

    pub(crate) fn io(path: impl Into<PathBuf>) -> impl FnOnce(std::io::Error) -> Error {
        let path = path.into();
        move |cause| Error::Io { path, cause }
    }
}

/// ` (needed by `REFERENCE`)`, unless the reference is the registry itself (a registry
/// command).
fn needed_by(reference: &str, registry: &str) -> String {
    if reference == registry {
        String::new()
    } else {
        format!(" (needed by `{reference}`)")
    }
}
