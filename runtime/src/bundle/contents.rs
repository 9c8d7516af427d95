//! A bundle's contents checked against each other: the manifest, its format version, the
//! digests and versions of the compiled policy, and the policy loaded. Only for bytes whose
//! signature verified, or for tools that show a bundle and say it is unverified.

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
    let compiled = CompiledPolicy::decode(sections.policy)?;
    let policy = compile::load(&compiled)?;
    if manifest.policy.digest != policy.digest {
        return Err(BundleError::DigestMismatch {
            field: "digest",
            manifest: manifest.policy.digest,
            content: policy.digest,
        });
    }
    Ok(Contents {
        manifest,
        compiled,
        policy,
    })
}
