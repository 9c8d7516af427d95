//! Signed bundles (SPEC §10): the one file a runtime loads. [`write_bundle`] makes one from a
//! manifest and a compiled policy; [`VerifiedBundle::verify`] checks the Ed25519 signature
//! against trusted keys before reading anything else, then every digest and version, and
//! [`crate::Evaluator::from_bundle`] loads only a [`VerifiedBundle`].

mod contents;
mod error;
mod format;
mod keys;
mod manifest;
mod unverified;
mod verify;
mod write;

pub use error::BundleError;
pub use format::{BUNDLE_FORMAT_VERSION, BUNDLE_MAGIC, MAX_BUNDLE_BYTES, MAX_MANIFEST_BYTES};
pub use keys::{
    KeyError, SIGNING_KEY_HEADER, TrustedKey, key_id, parse_signing_key, signing_key_text,
};
pub use manifest::{
    AnalysisSummary, ImportDigest, Manifest, PolicyInfo, SourceDigest, sha256_digest,
};
pub use unverified::UnverifiedBundle;
pub use verify::VerifiedBundle;
pub use write::write_bundle;

/// Re-exported so callers name keys without depending on `ed25519-dalek` themselves.
pub use ed25519_dalek::{SigningKey, VerifyingKey};
