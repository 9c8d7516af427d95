//! `manifest.json` (SPEC §10): what a bundle was built from, what its analysis found, and the
//! digests of its compiled policy.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::ir::{CompiledPolicy, FORMAT_VERSION, IR_VERSION};

/// The manifest of a bundle. Its JSON is written once, signed, and read back as written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// The bundle format version ([`super::BUNDLE_FORMAT_VERSION`]); equal to the header's.
    pub format_version: u16,
    /// The git commit the policy was built from (hex).
    pub commit: String,
    /// The commit's tree (hex).
    pub tree: String,
    /// The commit's time, RFC 3339 in UTC: a bundle built twice from one commit is the same.
    pub created: String,
    /// The toolchain that built it (`faramesh 0.1.0`).
    pub toolchain: String,
    /// The compiled policy.
    pub policy: PolicyInfo,
    /// Every policy source file, by path inside the repository, in path order.
    pub sources: Vec<SourceDigest>,
    /// Every import, from the lockfile, in reference order.
    pub imports: Vec<ImportDigest>,
    /// What the checks found (nothing at error severity, or there would be no bundle).
    pub analysis: AnalysisSummary,
}

/// The digests and versions of the compiled-policy section.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyInfo {
    /// The policy digest of SPEC §8 (`sha256:` of its canonical JSON): what decisions report.
    pub digest: String,
    /// `sha256:` of the compiled-policy section's bytes.
    pub sha256: String,
    /// The compiled policy's binary format version.
    pub format_version: u16,
    /// The compiled policy's IR version.
    pub ir_version: u32,
}

/// One source file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceDigest {
    /// Its path inside the repository.
    pub path: String,
    /// `sha256:` of its bytes.
    pub sha256: String,
}

/// One imported artifact.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportDigest {
    /// The import reference (`github.com/…/stripe@1.0.0`).
    pub reference: String,
    /// `sha256:` of the artifact, as pinned in `faramesh.lock`.
    pub sha256: String,
}

/// Diagnostic counts of the build's checks (the SMT findings included).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnalysisSummary {
    /// Errors (always 0 in a built bundle).
    pub errors: u64,
    /// Warnings.
    pub warnings: u64,
    /// Diagnostics by code (`W0201`: 2).
    pub codes: BTreeMap<String, u64>,
}

impl PolicyInfo {
    /// The digests and versions of `compiled`, whose binary form is `bytes`.
    pub fn of(compiled: &CompiledPolicy, bytes: &[u8]) -> PolicyInfo {
        PolicyInfo {
            digest: compiled.digest(),
            sha256: sha256_digest(bytes),
            format_version: FORMAT_VERSION,
            ir_version: IR_VERSION,
        }
    }
}

impl Manifest {
    /// The JSON text that goes into the bundle (two-space indented, fields in declaration order,
    /// so equal manifests have equal bytes).
    pub fn to_json(&self) -> Vec<u8> {
        // Plain strings, numbers, lists and string-keyed maps: serializing cannot fail.
        let mut text = serde_json::to_vec_pretty(self).unwrap_or_default();
        text.push(b'\n');
        text
    }
}

/// `sha256:` and the hex SHA-256 of `bytes`: how the manifest writes every digest.
pub fn sha256_digest(bytes: &[u8]) -> String {
    crate::hex::sha256_digest(bytes)
}
