//! The bundle file layout (SPEC §10): a fixed header, then three length-prefixed sections.
//!
//! ```text
//! magic            8 bytes   "FPLBNDL\0"
//! format version   u16 LE    BUNDLE_FORMAT_VERSION
//! manifest.json    u32 LE length, then the bytes
//! compiled policy  u32 LE length, then the bytes (the runtime's versioned binary format)
//! signature        u32 LE length, then the bytes: empty (unsigned), or the key id's length
//!                  (u8), the key id (UTF-8) and the 64-byte Ed25519 signature
//! ```
//!
//! Nothing follows the signature. The signature is over the SHA-256 of every byte before the
//! signature's length (the header, the manifest and the compiled policy with their lengths).

use super::error::BundleError;

/// The first bytes of every bundle.
pub const BUNDLE_MAGIC: &[u8; 8] = b"FPLBNDL\0";
/// The bundle format version this runtime writes and reads.
pub const BUNDLE_FORMAT_VERSION: u16 = 1;
/// The largest bundle read, in bytes.
pub const MAX_BUNDLE_BYTES: u64 = 256 * 1024 * 1024;
/// The largest `manifest.json` read, in bytes.
pub const MAX_MANIFEST_BYTES: usize = 4 * 1024 * 1024;

/// Bytes of the magic and the version.
const HEADER_LEN: usize = BUNDLE_MAGIC.len() + 2;
/// Bytes of an Ed25519 signature.
const SIGNATURE_LEN: usize = 64;

/// A bundle cut into its sections; nothing inside them has been read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Sections<'a> {
    /// The bytes the signature covers.
    pub signed: &'a [u8],
    /// `manifest.json`.
    pub manifest: &'a [u8],
    /// The compiled policy.
    pub policy: &'a [u8],
    /// The signature section (empty when unsigned).
    pub signature: &'a [u8],
}

/// The signature section, read.
#[derive(Debug, Clone, Copy)]
pub(crate) struct SignatureSection<'a> {
    /// The signer's key id.
    pub key_id: &'a str,
    /// The Ed25519 signature.
    pub signature: &'a [u8; SIGNATURE_LEN],
}

/// Cuts `bytes` into sections reading only the header and the three lengths.
pub(crate) fn split(bytes: &[u8]) -> Result<Sections<'_>, BundleError> {
    if bytes.len() as u64 > MAX_BUNDLE_BYTES {
        return Err(BundleError::TooLarge {
            limit: MAX_BUNDLE_BYTES,
        });
    }
    let Some(rest) = bytes.strip_prefix(BUNDLE_MAGIC.as_slice()) else {
        return Err(if BUNDLE_MAGIC.starts_with(bytes) {
            BundleError::Truncated("the header")
        } else {
            BundleError::BadMagic
        });
    };
    let (version, rest) = rest
        .split_first_chunk::<2>()
        .ok_or(BundleError::Truncated("the header"))?;
    let found = u16::from_le_bytes(*version);
    if found != BUNDLE_FORMAT_VERSION {
        return Err(BundleError::UnsupportedFormat {
            found,
            supported: BUNDLE_FORMAT_VERSION,
        });
    }
    let (manifest, rest) = section(rest, "manifest.json")?;
    let (policy, rest) = section(rest, "the compiled policy")?;
    let signed_len = bytes.len() - rest.len();
    let (signature, rest) = section(rest, "the signature")?;
    if !rest.is_empty() {
        return Err(BundleError::TrailingBytes(rest.len()));
    }
    if manifest.len() > MAX_MANIFEST_BYTES {
        return Err(BundleError::ManifestTooLarge {
            limit: MAX_MANIFEST_BYTES,
        });
    }
    Ok(Sections {
        signed: &bytes[..signed_len],
        manifest,
        policy,
        signature,
    })
}

/// One length-prefixed section and what follows it.
fn section<'a>(bytes: &'a [u8], name: &'static str) -> Result<(&'a [u8], &'a [u8]), BundleError> {
    let (len, rest) = bytes
        .split_first_chunk::<4>()
        .ok_or(BundleError::Truncated(name))?;
    let len = u32::from_le_bytes(*len) as usize;
    if rest.len() < len {
        return Err(BundleError::Truncated(name));
    }
    Ok(rest.split_at(len))
}

impl<'a> Sections<'a> {
    /// The signer's key id and signature; `None` when the bundle is unsigned.
    pub fn signature(&self) -> Result<Option<SignatureSection<'a>>, BundleError> {
        let Some((&id_len, rest)) = self.signature.split_first() else {
            return Ok(None);
        };
        let id_len = usize::from(id_len);
        if rest.len() != id_len + SIGNATURE_LEN || id_len == 0 {
            return Err(BundleError::MalformedSignature);
        }
        let (key_id, signature) = rest.split_at(id_len);
        let key_id = std::str::from_utf8(key_id).map_err(|_| BundleError::MalformedSignature)?;
        let signature = signature
            .first_chunk::<SIGNATURE_LEN>()
            .ok_or(BundleError::MalformedSignature)?;
        Ok(Some(SignatureSection { key_id, signature }))
    }
}

/// The bytes a signature covers for these sections: the header, the manifest and the policy
/// with their lengths. `None` when a section is longer than a `u32` length can say.
pub(crate) fn signed_bytes(manifest: &[u8], policy: &[u8]) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(HEADER_LEN + 8 + manifest.len() + policy.len() + 80);
    out.extend_from_slice(BUNDLE_MAGIC);
    out.extend_from_slice(&BUNDLE_FORMAT_VERSION.to_le_bytes());
    for part in [manifest, policy] {
        out.extend_from_slice(&u32::try_from(part.len()).ok()?.to_le_bytes());
        out.extend_from_slice(part);
    }
    Some(out)
}

/// Appends the signature section to `signed` (from [`signed_bytes`]): empty when `signature`
/// is `None`. `None` when the key id is empty or longer than 255 bytes.
pub(crate) fn finish(
    mut signed: Vec<u8>,
    signature: Option<(&str, &[u8; SIGNATURE_LEN])>,
) -> Option<Vec<u8>> {
    match signature {
        None => signed.extend_from_slice(&0u32.to_le_bytes()),
        Some((key_id, signature)) => {
            let id_len = u8::try_from(key_id.len()).ok().filter(|&len| len > 0)?;
            let len = 1 + key_id.len() + SIGNATURE_LEN;
            signed.extend_from_slice(&(len as u32).to_le_bytes());
            signed.push(id_len);
            signed.extend_from_slice(key_id.as_bytes());
            signed.extend_from_slice(signature);
        }
    }
    Some(signed)
}
