//! Trusted keys and detached signatures. Trust comes only from `[trust] keys` in
//! `faramesh.toml` and `trust { key … }` in the project's own policy files: never from the
//! `public_key_b64` of a `.sig`, never from the registry's `keys.json`, never from an import.

use std::path::{Path, PathBuf};

use ed25519_dalek::Signature;
use fpl_runtime::base64;
use fpl_syntax::ast::{self, AstNode};
use serde::{Deserialize, Serialize};

/// The largest `.sig` accepted, in bytes.
pub const MAX_SIGNATURE_SIZE: u64 = 64 * 1024;

/// One trusted Ed25519 public key and its id; its line format (`"<key_id>:<base64>"`) is the
/// runtime's, which bundles are verified with.
pub use fpl_runtime::bundle::TrustedKey;

/// The `trust { key "<id>" "<key>" }` entries of a policy file (the key quoted or written
/// without quotes, `key "<id>" ed25519:<base64>`), with a message for each entry that is not a
/// valid key.
pub fn policy_keys(tree: &ast::SourceFile) -> (Vec<TrustedKey>, Vec<String>) {
    let mut keys = Vec::new();
    let mut problems = Vec::new();
    for item in tree.items() {
        let ast::Item::Trust(trust) = item else {
            continue;
        };
        for entry in trust.keys() {
            let (Some(id), Some(key)) = (entry.id(), entry.key()) else {
                continue;
            };
            match TrustedKey::new(&ast::token_value(&id), &ast::token_value(&key)) {
                Ok(key) => keys.push(key),
                Err(problem) => problems.push(format!(
                    "{problem} (in `{}`)",
                    entry.syntax().text().to_string().trim()
                )),
            }
        }
    }
    (keys, problems)
}

/// Where the detached signature of the file at `artifact` is: beside it, `<artifact>.sig`.
pub fn signature_path(artifact: &Path) -> PathBuf {
    let mut name = artifact.as_os_str().to_owned();
    name.push(".sig");
    PathBuf::from(name)
}

/// A detached signature: `{key_id, algorithm, value_b64, public_key_b64}`.
#[derive(Debug, Clone, Deserialize, Serialize)]
pub struct DetachedSignature {
    /// The signer's key id.
    pub key_id: String,
    /// Must be `ed25519`.
    pub algorithm: String,
    /// The signature, base64.
    pub value_b64: String,
    /// The signer's public key as the publisher shipped it: read only to tell the user that it
    /// is ignored.
    #[serde(default)]
    pub public_key_b64: Option<String>,
}

/// How a signature failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Verified by the trusted key with this id.
    Trusted(String),
    /// No trusted key has the signature's key id (or the registry's id).
    Untrusted,
    /// A trusted key matched the id but the signature does not verify.
    Mismatch,
}

impl DetachedSignature {
    /// The signature of `bytes` by `key`, under the key's id (`ed25519-…`, as `faramesh keygen`
    /// prints it in the key's trust line).
    pub fn sign(bytes: &[u8], key: &fpl_runtime::bundle::SigningKey) -> DetachedSignature {
        use ed25519_dalek::Signer as _;
        DetachedSignature {
            key_id: fpl_runtime::bundle::TrustedKey::of(key).id,
            algorithm: "ed25519".to_string(),
            value_b64: base64::encode(&key.sign(bytes).to_bytes()),
            public_key_b64: Some(base64::encode(key.verifying_key().as_bytes())),
        }
    }

    /// The `.sig` file's text: one JSON object and a line end.
    pub fn to_text(&self) -> String {
        // Four strings: serializing cannot fail.
        let mut text = serde_json::to_string(self).unwrap_or_default();
        text.push('\n');
        text
    }

    /// Parses a `.sig` file.
    pub fn parse(bytes: &[u8]) -> Result<DetachedSignature, String> {
        let signature: DetachedSignature =
            serde_json::from_slice(bytes).map_err(|error| error.to_string())?;
        if !signature.algorithm.eq_ignore_ascii_case("ed25519") {
            return Err(format!(
                "algorithm `{}` is not supported (only `ed25519`)",
                signature.algorithm
            ));
        }
        Ok(signature)
    }

    /// Verifies the signature over `bytes` with the trusted keys whose id is the signature's
    /// key id or the registry's id. The key shipped in the `.sig` is never used.
    pub fn verify(&self, bytes: &[u8], registry: &str, trusted: &[TrustedKey]) -> Verdict {
        let candidates: Vec<&TrustedKey> = trusted
            .iter()
            .filter(|key| key.id == self.key_id || key.id == registry)
            .collect();
        if candidates.is_empty() {
            return Verdict::Untrusted;
        }
        let Some(signature) =
            base64::decode(&self.value_b64).and_then(|raw| Signature::from_slice(&raw).ok())
        else {
            return Verdict::Mismatch;
        };
        candidates
            .into_iter()
            .find(|key| key.key.verify_strict(bytes, &signature).is_ok())
            .map_or(Verdict::Mismatch, |key| Verdict::Trusted(key.id.clone()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signer, SigningKey};

    fn signing_key(seed: u8) -> SigningKey {
        SigningKey::from_bytes(&[seed; 32])
    }

    fn sig_json(key: &SigningKey, key_id: &str, bytes: &[u8], shipped: &SigningKey) -> Vec<u8> {
        serde_json::json!({
            "key_id": key_id,
            "algorithm": "ed25519",
            "value_b64": base64::encode(&key.sign(bytes).to_bytes()),
            "public_key_b64": base64::encode(&shipped.verifying_key().to_bytes()),
        })
        .to_string()
        .into_bytes()
    }

    fn trusted(key: &SigningKey, id: &str) -> TrustedKey {
        TrustedKey::parse_entry(&format!(
            "{id}:{}",
            base64::encode(&key.verifying_key().to_bytes())
        ))
        .expect("valid key")
    }

    #[test]
    fn only_trusted_keys_verify() {
        let publisher = signing_key(1);
        let attacker = signing_key(2);
        let trust = [trusted(&publisher, "pub-2026")];
        let good = DetachedSignature::parse(&sig_json(&publisher, "pub-2026", b"x", &publisher))
            .expect("parses");
        assert_eq!(
            good.verify(b"x", "r", &trust),
            Verdict::Trusted("pub-2026".into())
        );
        assert_eq!(good.verify(b"y", "r", &trust), Verdict::Mismatch);
        // The attacker signs with their key and ships their public key in the .sig.
        let forged = DetachedSignature::parse(&sig_json(&attacker, "evil", b"x", &attacker))
            .expect("parses");
        assert_eq!(forged.verify(b"x", "r", &trust), Verdict::Untrusted);
        // ... or claims the publisher's key id.
        let claimed = DetachedSignature::parse(&sig_json(&attacker, "pub-2026", b"x", &attacker))
            .expect("parses");
        assert_eq!(claimed.verify(b"x", "r", &trust), Verdict::Mismatch);
    }

    #[test]
    fn a_key_trusted_under_the_registry_id_verifies() {
        let publisher = signing_key(3);
        let trust = [trusted(&publisher, "github.com/faramesh/faramesh-registry")];
        let signature = DetachedSignature::parse(&sig_json(&publisher, "k1", b"x", &publisher))
            .expect("parses");
        assert!(matches!(
            signature.verify(b"x", "github.com/faramesh/faramesh-registry", &trust),
            Verdict::Trusted(_)
        ));
    }

    #[test]
    fn keys_come_from_policy_trust_blocks() {
        let key = base64::encode(&signing_key(4).verifying_key().to_bytes());
        let text = format!(
            "trust {{\n  key \"acme\" \"ed25519:{key}\"\n  key \"bad\" \"ed25519:AAAA\"\n}}\n"
        );
        let (keys, problems) = policy_keys(&fpl_syntax::parse(&text).tree());
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].id, "acme");
        assert_eq!(problems.len(), 1, "{problems:?}");
        assert!(TrustedKey::parse_entry("no-colon").is_err());
        assert!(
            DetachedSignature::parse(br#"{"key_id":"k","algorithm":"rsa","value_b64":""}"#)
                .is_err()
        );
    }

    #[test]
    fn unquoted_keys_in_policy_trust_blocks_are_trusted() {
        let unquoted = signing_key(5).verifying_key();
        let encoded = base64::encode(&unquoted.to_bytes());
        let text = format!(
            "trust {{\n  key \"github.com/faramesh/faramesh-registry\" ed25519:{encoded}\n  key \"eq\" = ed25519:{encoded}\n  spiffe_federated \"spiffe://partner.example.com\" bundle_url = \"https://partner.example.com/bundle\"\n}}\n"
        );
        let (keys, problems) = policy_keys(&fpl_syntax::parse(&text).tree());
        assert_eq!(problems, Vec::<String>::new());
        let ids: Vec<&str> = keys.iter().map(|key| key.id.as_str()).collect();
        assert_eq!(ids, ["github.com/faramesh/faramesh-registry", "eq"]);
        assert_eq!(keys[0].key, unquoted);
    }
}
