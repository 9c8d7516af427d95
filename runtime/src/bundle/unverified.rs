//! Reading a bundle without trusting it, for tools that show one (`faramesh bundle inspect`):
//! the same consistency checks as loading, but the signature is only read, never verified.

use super::contents::{self, Contents};
use super::error::BundleError;
use super::format;
use super::manifest::Manifest;
use crate::ir::CompiledPolicy;

/// A bundle whose contents agree with each other; who signed it is **not** verified.
#[derive(Debug)]
pub struct UnverifiedBundle {
    /// The manifest.
    pub manifest: Manifest,
    /// The compiled policy.
    pub policy: CompiledPolicy,
    /// The key id the signature section names, `None` when unsigned; not verified.
    pub claimed_key_id: Option<String>,
}

impl UnverifiedBundle {
    /// Reads `bytes` and checks the manifest's digests (the policy digest recomputed too) and
    /// versions against the content, without verifying the signature. Never panics.
    pub fn read(bytes: &[u8]) -> Result<UnverifiedBundle, BundleError> {
        let sections = format::split(bytes)?;
        let claimed_key_id = sections.signature()?.map(|s| s.key_id.to_owned());
        let contents = contents::read(&sections)?;
        contents::recompute_digest(&contents)?;
        let Contents {
            manifest, compiled, ..
        } = contents;
        Ok(UnverifiedBundle {
            manifest,
            policy: compiled,
            claimed_key_id,
        })
    }
}
