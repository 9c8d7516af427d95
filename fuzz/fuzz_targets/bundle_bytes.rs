//! Fuzzes reading bundles (SPEC §10): `VerifiedBundle::verify` and `UnverifiedBundle::read`
//! never panic; a bundle that verifies is byte for byte the one the trusted key signed, so no
//! edit is ever accepted; what verifies also reads unverified; and the key texts
//! (`TrustedKey::parse_entry`, `parse_signing_key`) never panic and round-trip. Inputs starting
//! with `R` are raw bundle bytes, with `K` key texts; any other input is a list of
//! `(offset, byte)` edits of a valid signed bundle, so the fuzzer reaches past the signature.
#![no_main]

mod common;

use std::sync::OnceLock;

use fpl_runtime::bundle::{
    AnalysisSummary, BUNDLE_FORMAT_VERSION, Manifest, PolicyInfo, SigningKey, SourceDigest,
    TrustedKey, UnverifiedBundle, VerifiedBundle, parse_signing_key, sha256_digest, write_bundle,
};
use fpl_runtime::{Evaluator, Request};
use libfuzzer_sys::fuzz_target;

static VALID: OnceLock<Vec<u8>> = OnceLock::new();

fn signer() -> SigningKey {
    SigningKey::from_bytes(&[7; 32])
}

/// The common policy, signed by [`signer`].
fn valid() -> Vec<u8> {
    let compiled = common::policy();
    let policy = compiled.to_bytes();
    let manifest = Manifest {
        format_version: BUNDLE_FORMAT_VERSION,
        commit: "c".repeat(40),
        tree: "d".repeat(40),
        created: "2026-11-23T18:00:00Z".into(),
        toolchain: "faramesh fuzz".into(),
        policy: PolicyInfo::of(&compiled, &policy),
        sources: vec![SourceDigest {
            path: "governance.fms".into(),
            sha256: sha256_digest(b"agent bot {}"),
        }],
        imports: Vec::new(),
        analysis: AnalysisSummary::default(),
    };
    write_bundle(&manifest, &policy, Some(&signer())).expect("the valid bundle is written")
}

fuzz_target!(|data: &[u8]| {
    let bytes = match data.split_first() {
        Some((b'K', text)) => return keys(text),
        Some((b'R', raw)) => raw.to_vec(),
        _ => {
            let mut bytes = VALID.get_or_init(valid).clone();
            let length = bytes.len();
            for edit in data.chunks_exact(3) {
                let offset = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % length;
                bytes[offset] = edit[2];
            }
            bytes
        }
    };
    let trusted = [TrustedKey::of(&signer())];
    let unverified = UnverifiedBundle::read(&bytes);
    if let Ok(verified) = VerifiedBundle::verify(&bytes, &trusted) {
        assert!(
            bytes == *VALID.get_or_init(valid),
            "a changed bundle verified"
        );
        assert!(unverified.is_ok(), "a verified bundle does not read");
        let mut evaluator = Evaluator::from_bundle(verified);
        let decision = evaluator.decide(&Request::parse(r#"{"agent":"bot","tool":"t/x"}"#));
        let _ = decision.to_json();
    }
});

/// Key texts: a trusted key line and a private key file.
fn keys(text: &[u8]) {
    let Ok(text) = std::str::from_utf8(text) else {
        return;
    };
    if let Ok(key) = TrustedKey::parse_entry(text) {
        assert_eq!(TrustedKey::parse_entry(&key.entry()), Ok(key));
    }
    if let Ok(key) = parse_signing_key(text) {
        let again = parse_signing_key(&fpl_runtime::bundle::signing_key_text(&key));
        assert_eq!(again.map(|k| k.to_bytes()), Ok(key.to_bytes()));
    }
}
