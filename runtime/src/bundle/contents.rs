//! A bundle's contents checked against each other: the manifest, its format version, the
//! SHA-256 and versions of the compiled policy, and the policy loaded. Only for bytes whose
//! signature verified, or for tools that show a bundle and say it is unverified.
//!
//! The policy digest of SPEC §8 (the canonical JSON's SHA-256, most of a large policy's load
//! time) is taken from the manifest, which the signature covers together with the policy bytes
//! whose SHA-256 was checked; [`recompute_digest`] checks it too, for tools that inspect.

use super::error::BundleError;
use super::format::{BUNDLE_FORMAT_VERSION, Sections};
use super::manifest::{Manifest, sha256_digest};
use crate::eval::compile::{self, CPolicy};
use crate::ir::{CompiledPolicy, FORMAT_VERSION, IR_VERSION};

/// The manifest and the policy, consistent with each other.
pub(crate) struct Contents {
    pub manifest: Manifest,
    pub compiled: CompiledPolicy,
    pub policy: CPolicy,
}

/// Reads and cross-checks the sections' contents.
pub(crate) fn read(sections: &Sections<'_>) -> Result<Contents, BundleError> {
    let manifest: Manifest = serde_json::from_slice(sections.manifest)
        .map_err(|error| BundleError::Manifest(error.to_string()))?;
    if manifest.format_version != BUNDLE_FORMAT_VERSION {
        return Err(BundleError::ManifestVersion {
            manifest: manifest.format_version,
            header: BUNDLE_FORMAT_VERSION,
        });
    }
    let sha256 = sha256_digest(sections.policy);
    if manifest.policy.sha256 != sha256 {
        return Err(BundleError::DigestMismatch {
            field: "sha256",
            manifest: manifest.policy.sha256,
            content: sha256,
        });
    }
    for (field, found, supported) in [
        (
            "format_version",
            u32::from(manifest.policy.format_version),
            u32::from(FORMAT_VERSION),
        ),
        ("ir_version", manifest.policy.ir_version, IR_VERSION),
    ] {
        if found != supported {
            return Err(BundleError::PolicyVersion {
                field,
                manifest: found,
                supported,
            });
        }
    }
    if !is_sha256_digest(&manifest.policy.digest) {
        return Err(BundleError::Manifest(format!(
            "policy digest `{}` is not `sha256:` and 64 lowercase hex digits",
            manifest.policy.digest
        )));
    }
    let compiled = CompiledPolicy::decode(sections.policy).map_err(BundleError::Policy)?;
    let policy = compile::load_with_digest(&compiled, manifest.policy.digest.clone())
        .map_err(BundleError::Policy)?;
    Ok(Contents {
        manifest,
        compiled,
        policy,
    })
}

/// Computes the policy digest of the contents and checks that the manifest says the same.
pub(crate) fn recompute_digest(contents: &Contents) -> Result<(), BundleError> {
    let digest = contents.compiled.digest();
    if contents.manifest.policy.digest != digest {
        return Err(BundleError::DigestMismatch {
            field: "digest",
            manifest: contents.manifest.policy.digest.clone(),
            content: digest,
        });
    }
    Ok(())
}

fn is_sha256_digest(text: &str) -> bool {
    text.strip_prefix("sha256:").is_some_and(|hex| {
        hex.len() == 64 && hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    })
}
