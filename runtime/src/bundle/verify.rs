//! Loading a bundle (SPEC §10): the signature is verified against the trusted keys before
//! anything but the header and the section lengths is read; then the manifest, its digests and
//! versions, and the compiled policy.

use ed25519_dalek::Signature;
use sha2::{Digest, Sha256};

use super::contents::{self, Contents};
use super::error::BundleError;
use super::format;
use super::keys::TrustedKey;
use super::manifest::Manifest;
use crate::eval::compile::CPolicy;

/// A bundle whose signature verified with a trusted key and whose manifest agrees with its
/// compiled policy: the only bundle [`crate::Evaluator::from_bundle`] accepts.
#[derive(Debug)]
pub struct VerifiedBundle {
    manifest: Manifest,
    key_id: String,
    policy: CPolicy,
}

impl VerifiedBundle {
    /// Verifies and loads `bytes`: the signature with the trusted key of the signer's key id,
    /// then the manifest's SHA-256 and versions of the compiled policy against the content; the
    /// policy digest decisions report is the one the signed manifest attests (recomputed only
    /// by [`super::UnverifiedBundle::read`]). Never panics.
    pub fn verify(bytes: &[u8], trusted: &[TrustedKey]) -> Result<VerifiedBundle, BundleError> {
        let sections = format::split(bytes)?;
        let signature = sections.signature()?.ok_or(BundleError::Unsigned)?;
        let candidates: Vec<&TrustedKey> = trusted
            .iter()
            .filter(|key| key.id == signature.key_id)
            .collect();
        if candidates.is_empty() {
            return Err(BundleError::UntrustedKey {
                key_id: signature.key_id.to_owned(),
                trusted: trusted_ids(trusted),
            });
        }
        let digest = Sha256::digest(sections.signed);
        let ed25519 = Signature::from_bytes(signature.signature);
        if !candidates
            .iter()
            .any(|key| key.key.verify_strict(&digest, &ed25519).is_ok())
        {
            return Err(BundleError::BadSignature(signature.key_id.to_owned()));
        }
        let Contents {
            manifest, policy, ..
        } = contents::read(&sections)?;
        Ok(VerifiedBundle {
            manifest,
            key_id: signature.key_id.to_owned(),
            policy,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The id of the trusted key that signed it.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The loaded policy, for [`crate::Evaluator::from_bundle`].
    pub(crate) fn into_policy(self) -> CPolicy {
        self.policy
    }
}

fn trusted_ids(trusted: &[TrustedKey]) -> String {
    if trusted.is_empty() {
        return "none".to_owned();
    }
    let ids: Vec<&str> = trusted.iter().map(|key| key.id.as_str()).collect();
    ids.join(", ")
}
