//! Why a bundle is refused: one typed error naming what is wrong.

use crate::error::LoadError;

/// Why bundle bytes are not a bundle this runtime may load (or cannot be written).
#[derive(Debug, thiserror::Error)]
pub enum BundleError {
    /// Larger than [`super::MAX_BUNDLE_BYTES`].
    #[error("the bundle is larger than {limit} bytes")]
    TooLarge {
        /// The limit.
        limit: u64,
    },
    /// Not a bundle at all.
    #[error("not a Faramesh bundle (bad magic)")]
    BadMagic,
    /// A bundle format this runtime does not read.
    #[error("unsupported bundle format version {found} (this runtime reads {supported})")]
    UnsupportedFormat {
        /// The version in the header.
        found: u16,
        /// The version this runtime reads.
        supported: u16,
    },
    /// The bytes end inside a section.
    #[error("the bundle is truncated: it ends inside {0}")]
    Truncated(&'static str),
    /// Bytes after the signature.
    #[error("the bundle has {0} bytes after its signature")]
    TrailingBytes(usize),
    /// `manifest.json` over [`super::MAX_MANIFEST_BYTES`].
    #[error("manifest.json is larger than {limit} bytes")]
    ManifestTooLarge {
        /// The limit.
        limit: usize,
    },
    /// The signature section is empty.
    #[error("the bundle is not signed")]
    Unsigned,
    /// The signature section is not a key id and a 64-byte signature.
    #[error("the bundle's signature section is malformed")]
    MalformedSignature,
    /// No trusted key has the signer's key id.
    #[error("the bundle is signed by key `{key_id}`, which is not trusted (trusted: {trusted})")]
    UntrustedKey {
        /// The signer's key id.
        key_id: String,
        /// The trusted key ids, comma-separated (`none` when there are none).
        trusted: String,
    },
    /// The signature does not verify with the trusted key of that id.
    #[error(
        "the bundle's signature does not verify with trusted key `{0}`: it was changed after signing or signed by another key"
    )]
    BadSignature(String),
    /// `manifest.json` is not a manifest.
    #[error("manifest.json is invalid: {0}")]
    Manifest(String),
    /// The manifest's format version is not the header's.
    #[error("manifest.json says format version {manifest}, the header says {header}")]
    ManifestVersion {
        /// The manifest's version.
        manifest: u16,
        /// The header's version.
        header: u16,
    },
    /// A digest in the manifest disagrees with the content.
    #[error("manifest.json's policy {field} is {manifest}, but the compiled policy's is {content}")]
    DigestMismatch {
        /// Which digest (`sha256`, `digest`).
        field: &'static str,
        /// What the manifest says.
        manifest: String,
        /// What the content hashes to.
        content: String,
    },
    /// A version in the manifest disagrees with the compiled policy or this runtime.
    #[error("manifest.json's policy {field} is {manifest}, but this runtime reads {supported}")]
    PolicyVersion {
        /// Which version (`format_version`, `ir_version`).
        field: &'static str,
        /// What the manifest says.
        manifest: u32,
        /// What this runtime reads.
        supported: u32,
    },
    /// The compiled policy does not load.
    #[error("the compiled policy does not load: {0}")]
    Policy(LoadError),
    /// A bundle cannot be written from these parts.
    #[error("cannot write the bundle: {0}")]
    Write(&'static str),
}
