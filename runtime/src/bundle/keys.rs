//! Keys: trusted public keys as written in `[trust] keys` (SPEC §9.1), `"<key_id>:<base64>"`,
//! their ids, and the text of a private signing key file.

use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::base64;

/// The first line of a private signing key file; the second is the base64 of its 32-byte seed.
pub const SIGNING_KEY_HEADER: &str = "FARAMESH ED25519 PRIVATE KEY";

/// One trusted Ed25519 public key and its id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedKey {
    /// The key id (`ed25519-1f2e3d4c5b6a7988`, `faramesh-ed25519-2026`, a registry id).
    pub id: String,
    /// The public key.
    pub key: VerifyingKey,
}

/// Why a key text is not a key.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KeyError {
    /// Not `<key_id>:<base64>`.
    #[error("`{0}` is not `<key_id>:<base64 public key>`")]
    NotAKeyLine(String),
    /// The id is empty.
    #[error("a trusted key needs a key id")]
    NoKeyId,
    /// The key text is not base64.
    #[error("key `{0}` is not base64")]
    NotBase64(String),
    /// The key has the wrong length.
    #[error("key `{id}` has {len} bytes; an Ed25519 public key has 32")]
    WrongLength {
        /// The key id.
        id: String,
        /// Its length in bytes.
        len: usize,
    },
    /// The 32 bytes are not a point of the curve.
    #[error("key `{0}` is not an Ed25519 public key")]
    NotOnCurve(String),
    /// A private key where a public one belongs.
    #[error(
        "this is a private signing key; trust its public key line (printed by `faramesh keygen`)"
    )]
    PrivateKey,
    /// Not a private key file as `faramesh keygen` writes it.
    #[error("not a Faramesh signing key file ({0})")]
    NotASigningKey(&'static str),
}

impl TrustedKey {
    /// A key from its line in `[trust] keys`: `"<key_id>:<base64>"` (also
    /// `"<key_id>:ed25519:<base64>"`).
    pub fn parse_entry(entry: &str) -> Result<TrustedKey, KeyError> {
        if entry.contains(SIGNING_KEY_HEADER) {
            return Err(KeyError::PrivateKey);
        }
        let Some((id, key)) = entry.rsplit_once(':') else {
            return Err(KeyError::NotAKeyLine(entry.to_owned()));
        };
        let id = id.strip_suffix(":ed25519").unwrap_or(id);
        TrustedKey::new(id, key)
    }

    /// A key from its id and its text, `ed25519:<base64>` or `<base64>` (as in a policy's
    /// `trust { key "<id>" "<key>" }`).
    pub fn new(id: &str, key: &str) -> Result<TrustedKey, KeyError> {
        if id.is_empty() {
            return Err(KeyError::NoKeyId);
        }
        let encoded = key.strip_prefix("ed25519:").unwrap_or(key);
        let bytes = base64::decode(encoded).ok_or_else(|| KeyError::NotBase64(id.to_owned()))?;
        let bytes: [u8; 32] = bytes
            .try_into()
            .map_err(|bytes: Vec<u8>| KeyError::WrongLength {
                id: id.to_owned(),
                len: bytes.len(),
            })?;
        let key =
            VerifyingKey::from_bytes(&bytes).map_err(|_| KeyError::NotOnCurve(id.to_owned()))?;
        Ok(TrustedKey {
            id: id.to_owned(),
            key,
        })
    }

    /// The public key of `signing` under its derived id ([`key_id`]).
    pub fn of(signing: &SigningKey) -> TrustedKey {
        let key = signing.verifying_key();
        TrustedKey {
            id: key_id(&key),
            key,
        }
    }

    /// The line for `[trust] keys`: `<key_id>:<base64>` (what [`TrustedKey::parse_entry`] reads).
    pub fn entry(&self) -> String {
        format!("{}:{}", self.id, base64::encode(self.key.as_bytes()))
    }
}

/// The id of a public key, derived from it alone: `ed25519-` and the first 8 bytes of the
/// SHA-256 of its 32 bytes, in hex.
pub fn key_id(key: &VerifyingKey) -> String {
    let hash = Sha256::digest(key.as_bytes());
    let mut id = String::from("ed25519-");
    crate::hex::push_hex(&mut id, &hash[..8]);
    id
}

/// The text of a private signing key file: [`SIGNING_KEY_HEADER`], then the base64 seed.
pub fn signing_key_text(key: &SigningKey) -> String {
    format!("{SIGNING_KEY_HEADER}\n{}\n", base64::encode(key.as_bytes()))
}

/// Reads a private signing key file's text (see [`signing_key_text`]).
pub fn parse_signing_key(text: &str) -> Result<SigningKey, KeyError> {
    let mut lines = text.lines();
    if lines.next() != Some(SIGNING_KEY_HEADER) {
        return Err(KeyError::NotASigningKey("its first line is not the header"));
    }
    let seed = lines
        .next()
        .and_then(base64::decode)
        .ok_or(KeyError::NotASigningKey("its second line is not base64"))?;
    if lines.any(|line| !line.is_empty()) {
        return Err(KeyError::NotASigningKey("it has more than two lines"));
    }
    let seed: [u8; 32] = seed
        .try_into()
        .map_err(|_| KeyError::NotASigningKey("its seed is not 32 bytes"))?;
    Ok(SigningKey::from_bytes(&seed))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_round_trip_and_ids_derive_from_the_key() {
        let signing = SigningKey::from_bytes(&[7; 32]);
        let trusted = TrustedKey::of(&signing);
        assert!(trusted.id.starts_with("ed25519-") && trusted.id.len() == 24);
        assert_eq!(
            TrustedKey::parse_entry(&trusted.entry()),
            Ok(trusted.clone())
        );
        let other = TrustedKey::of(&SigningKey::from_bytes(&[8; 32]));
        assert_ne!(trusted.id, other.id);
        let with_algorithm = trusted.entry().replacen(':', ":ed25519:", 1);
        assert_eq!(TrustedKey::parse_entry(&with_algorithm), Ok(trusted));
    }

    #[test]
    fn malformed_entries_say_what_is_wrong() {
        let cases = [
            ("no-colon", KeyError::NotAKeyLine("no-colon".into())),
            (":AAAA", KeyError::NoKeyId),
            ("k:not base64", KeyError::NotBase64("k".into())),
            (
                "k:AAAA",
                KeyError::WrongLength {
                    id: "k".into(),
                    len: 3,
                },
            ),
        ];
        for (entry, error) in cases {
            assert_eq!(TrustedKey::parse_entry(entry), Err(error), "{entry}");
        }
        let signing = signing_key_text(&SigningKey::from_bytes(&[1; 32]));
        assert_eq!(TrustedKey::parse_entry(&signing), Err(KeyError::PrivateKey));
    }

    #[test]
    fn signing_key_files_round_trip_and_refuse_anything_else() {
        let key = SigningKey::from_bytes(&[9; 32]);
        let text = signing_key_text(&key);
        assert_eq!(
            parse_signing_key(&text).map(|k| k.to_bytes()),
            Ok(key.to_bytes())
        );
        for bad in [
            "",
            "FARAMESH ED25519 PRIVATE KEY\n",
            "FARAMESH ED25519 PRIVATE KEY\nAAAA\n",
            &format!("{text}extra\n"),
            &TrustedKey::of(&key).entry(),
        ] {
            assert!(parse_signing_key(bad).is_err(), "{bad:?}");
        }
    }
}
