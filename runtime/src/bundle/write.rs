//! Writing a bundle: the manifest and the compiled policy, signed with a private key (or not).

use ed25519_dalek::{Signer as _, SigningKey};
use sha2::{Digest, Sha256};

use super::error::BundleError;
use super::format::{self, BUNDLE_FORMAT_VERSION, MAX_BUNDLE_BYTES};
use super::keys::key_id;
use super::manifest::{Manifest, sha256_digest};

/// The bytes of a bundle of `manifest` and the compiled `policy` bytes it describes, signed by
/// `key` under its derived id ([`key_id`]); unsigned when `key` is `None` (no runtime loads
/// that). Equal inputs give equal bytes.
pub fn write_bundle(
    manifest: &Manifest,
    policy: &[u8],
    key: Option<&SigningKey>,
) -> Result<Vec<u8>, BundleError> {
    if manifest.format_version != BUNDLE_FORMAT_VERSION {
        return Err(BundleError::Write(
            "the manifest is of another format version",
        ));
    }
    if manifest.policy.sha256 != sha256_digest(policy) {
        return Err(BundleError::Write(
            "the manifest's policy sha256 is not that of the compiled policy",
        ));
    }
    let signed = format::signed_bytes(&manifest.to_json(), policy)
        .ok_or(BundleError::Write("a section is larger than 4 GiB"))?;
    let written = match key {
        None => format::finish(signed, None),
        Some(key) => {
            let signature = key.sign(&Sha256::digest(&signed)).to_bytes();
            let id = key_id(&key.verifying_key());
            format::finish(signed, Some((&id, &signature)))
        }
    };
    let written = written.ok_or(BundleError::Write("the key id is longer than 255 bytes"))?;
    if written.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge {
            limit: MAX_BUNDLE_BYTES,
        });
    }
    Ok(written)
}
