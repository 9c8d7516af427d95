//! Signed bundles: a bundle verifies with its signer's trusted key and loads the same policy;
//! any change to its bytes, another key, no signature, a truncation, a manifest that disagrees
//! with the content or a future format is refused with an error naming the problem; and the
//! signature is checked before the manifest or the policy is read.
//!
//! Bad bundles are assembled here from the documented layout (`runtime/src/bundle/format.rs`),
//! independently of the writer, and signed with the test's own keys.

mod support;

use ed25519_dalek::Signer as _;
use fpl_runtime::bundle::{
    AnalysisSummary, BUNDLE_FORMAT_VERSION, BundleError, Manifest, PolicyInfo, SigningKey,
    SourceDigest, TrustedKey, UnverifiedBundle, VerifiedBundle, sha256_digest, write_bundle,
};
use fpl_runtime::ir::{Agent, CompareOp, CompiledPolicy, Expr, Policy, Rule, SourceMap};
use fpl_runtime::{Evaluator, Request};
use sha2::{Digest, Sha256};

fn compiled() -> CompiledPolicy {
    let policy = Policy::new().agent(
        Agent::new("a")
            .rule(Rule::permit("pay").when(Expr::cmp(
                Expr::path("amount"),
                CompareOp::Lt,
                Expr::lit(500),
            )))
            .rule(Rule::mandatory_deny("shell/*")),
    );
    CompiledPolicy::new(policy, SourceMap::default())
}

fn key(seed: u8) -> SigningKey {
    SigningKey::from_bytes(&[seed; 32])
}

fn manifest(policy: &CompiledPolicy, bytes: &[u8]) -> Manifest {
    Manifest {
        format_version: BUNDLE_FORMAT_VERSION,
        commit: "c".repeat(40),
        tree: "d".repeat(40),
        created: "2026-11-23T18:00:00Z".into(),
        toolchain: "faramesh test".into(),
        policy: PolicyInfo::of(policy, bytes),
        sources: vec![SourceDigest {
            path: "governance.fms".into(),
            sha256: sha256_digest(b"agent a {}"),
        }],
        imports: Vec::new(),
        analysis: AnalysisSummary::default(),
    }
}

/// A bundle of the sample policy signed by `key(1)`.
fn bundle() -> Vec<u8> {
    let policy = compiled();
    let bytes = policy.to_bytes();
    write_bundle(&manifest(&policy, &bytes), &bytes, Some(&key(1))).expect("a bundle")
}

fn trusted(seed: u8) -> Vec<TrustedKey> {
    vec![TrustedKey::of(&key(seed))]
}

/// Assembles a bundle from raw parts as the format documents it, signed by `signer` under
/// `key_id` (no signature section when `signer` is `None`).
fn assemble(
    version: u16,
    manifest: &[u8],
    policy: &[u8],
    signer: Option<(&str, &SigningKey)>,
) -> Vec<u8> {
    let mut out = b"FPLBNDL\0".to_vec();
    out.extend_from_slice(&version.to_le_bytes());
    for part in [manifest, policy] {
        out.extend_from_slice(&(part.len() as u32).to_le_bytes());
        out.extend_from_slice(part);
    }
    match signer {
        None => out.extend_from_slice(&0u32.to_le_bytes()),
        Some((id, key)) => {
            let signature = key.sign(&Sha256::digest(&out)).to_bytes();
            out.extend_from_slice(&((1 + id.len() + 64) as u32).to_le_bytes());
            out.push(id.len() as u8);
            out.extend_from_slice(id.as_bytes());
            out.extend_from_slice(&signature);
        }
    }
    out
}

/// A correctly signed bundle of `manifest` (as JSON) over the sample policy's bytes.
fn signed_with_manifest(version: u16, manifest: &Manifest) -> Vec<u8> {
    let signer = key(1);
    let id = TrustedKey::of(&signer).id;
    assemble(
        version,
        &manifest.to_json(),
        &compiled().to_bytes(),
        Some((&id, &signer)),
    )
}

fn refusal(bytes: &[u8], trusted: &[TrustedKey]) -> BundleError {
    match VerifiedBundle::verify(bytes, trusted) {
        Err(error) => error,
        Ok(_) => panic!("the bundle was accepted"),
    }
}

#[test]
fn a_signed_bundle_verifies_and_decides_as_its_policy() {
    let bytes = bundle();
    let verified = VerifiedBundle::verify(&bytes, &trusted(1)).expect("verifies");
    assert_eq!(verified.key_id(), TrustedKey::of(&key(1)).id);
    assert_eq!(verified.manifest().policy.digest, compiled().digest());
    let mut from_bundle = Evaluator::from_bundle(verified);
    let mut direct = Evaluator::new(compiled()).expect("loads");
    assert_eq!(from_bundle.policy_digest(), direct.policy_digest());
    for text in [
        r#"{"agent":"a","tool":"pay","args":{"amount":20}}"#,
        r#"{"agent":"a","tool":"pay","args":{"amount":900}}"#,
        r#"{"agent":"a","tool":"shell/exec"}"#,
        r#"{"agent":"b","tool":"pay"}"#,
    ] {
        let request = Request::parse(text);
        assert_eq!(
            support::summary(&from_bundle.decide(&request)),
            support::summary(&direct.decide(&request)),
            "{text}"
        );
    }
    // Writing is deterministic: the same inputs give the same bytes.
    assert_eq!(bytes, bundle());
}

#[test]
fn every_single_byte_change_is_refused() {
    let bytes = bundle();
    let keys = trusted(1);
    for index in 0..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut changed = bytes.clone();
            changed[index] ^= flip;
            assert!(
                VerifiedBundle::verify(&changed, &keys).is_err(),
                "byte {index} ^ {flip:#04x} was accepted"
            );
        }
    }
}

#[test]
fn truncated_or_extended_bundles_are_refused() {
    let bytes = bundle();
    let keys = trusted(1);
    for len in 0..bytes.len() {
        let error = refusal(&bytes[..len], &keys);
        assert!(
            matches!(
                error,
                BundleError::Truncated(_) | BundleError::MalformedSignature
            ),
            "{len}: {error}"
        );
    }
    let mut longer = bytes.clone();
    longer.push(0);
    assert!(matches!(
        refusal(&longer, &keys),
        BundleError::TrailingBytes(1)
    ));
    assert_eq!(
        refusal(&bytes[..5], &keys).to_string(),
        "the bundle is truncated: it ends inside the header"
    );
}

#[test]
fn an_untrusted_key_or_no_signature_is_refused() {
    let bytes = bundle();
    let error = refusal(&bytes, &trusted(2));
    assert_eq!(
        error.to_string(),
        format!(
            "the bundle is signed by key `{}`, which is not trusted (trusted: {})",
            TrustedKey::of(&key(1)).id,
            TrustedKey::of(&key(2)).id
        )
    );
    assert!(matches!(
        refusal(&bytes, &[]),
        BundleError::UntrustedKey { .. }
    ));
    // Another key claiming the trusted key's id.
    let impostor = TrustedKey {
        id: TrustedKey::of(&key(1)).id,
        key: key(2).verifying_key(),
    };
    assert!(matches!(
        refusal(&bytes, &[impostor]),
        BundleError::BadSignature(_)
    ));
    let policy = compiled();
    let policy_bytes = policy.to_bytes();
    let unsigned = write_bundle(&manifest(&policy, &policy_bytes), &policy_bytes, None)
        .expect("an unsigned bundle");
    let error = refusal(&unsigned, &trusted(1));
    assert!(matches!(error, BundleError::Unsigned), "{error}");
    assert_eq!(error.to_string(), "the bundle is not signed");
}

#[test]
fn nothing_is_read_before_the_signature_verifies() {
    // Neither section is a manifest or a policy: an untrusted or wrong signature is what the
    // loader reports, not the garbage behind it.
    let attacker = key(9);
    let garbage = assemble(
        BUNDLE_FORMAT_VERSION,
        b"{not json",
        b"not a policy",
        Some(("ed25519-0000000000000000", &attacker)),
    );
    assert!(matches!(
        refusal(&garbage, &trusted(1)),
        BundleError::UntrustedKey { .. }
    ));
    let claimed = TrustedKey::of(&key(1)).id;
    let forged = assemble(
        BUNDLE_FORMAT_VERSION,
        b"{not json",
        b"not a policy",
        Some((&claimed, &attacker)),
    );
    assert!(matches!(
        refusal(&forged, &trusted(1)),
        BundleError::BadSignature(_)
    ));
    // Signed by the trusted key, the same garbage is read, and refused for what it is.
    let signed = assemble(
        BUNDLE_FORMAT_VERSION,
        b"{not json",
        b"not a policy",
        Some((&claimed, &key(1))),
    );
    assert!(matches!(
        refusal(&signed, &trusted(1)),
        BundleError::Manifest(_)
    ));
}

#[test]
fn a_manifest_that_disagrees_with_the_content_is_refused_even_when_signed() {
    let policy = compiled();
    let bytes = policy.to_bytes();
    let good = manifest(&policy, &bytes);

    let mut wrong_sha = good.clone();
    wrong_sha.policy.sha256 = sha256_digest(b"something else");
    let error = refusal(
        &signed_with_manifest(BUNDLE_FORMAT_VERSION, &wrong_sha),
        &trusted(1),
    );
    assert!(
        matches!(
            error,
            BundleError::DigestMismatch {
                field: "sha256",
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .starts_with("manifest.json's policy sha256 is sha256:")
    );

    // The policy digest is attested by the signer (a runtime does not recompute it): a
    // malformed one is refused on load, a wrong one by the unverified reader that tools use.
    let mut malformed_digest = good.clone();
    malformed_digest.policy.digest = "sha256:not-hex".into();
    let error = refusal(
        &signed_with_manifest(BUNDLE_FORMAT_VERSION, &malformed_digest),
        &trusted(1),
    );
    assert!(matches!(error, BundleError::Manifest(_)), "{error}");
    let mut wrong_digest = good.clone();
    wrong_digest.policy.digest = sha256_digest(b"another policy");
    let signed = signed_with_manifest(BUNDLE_FORMAT_VERSION, &wrong_digest);
    let loaded = VerifiedBundle::verify(&signed, &trusted(1)).expect("the signer attests it");
    assert_eq!(
        Evaluator::from_bundle(loaded).policy_digest(),
        wrong_digest.policy.digest
    );
    let error = UnverifiedBundle::read(&signed).expect_err("the digest is recomputed");
    assert!(
        matches!(
            error,
            BundleError::DigestMismatch {
                field: "digest",
                ..
            }
        ),
        "{error}"
    );

    let mut future_policy = good.clone();
    future_policy.policy.format_version += 1;
    let error = refusal(
        &signed_with_manifest(BUNDLE_FORMAT_VERSION, &future_policy),
        &trusted(1),
    );
    assert!(
        matches!(
            error,
            BundleError::PolicyVersion {
                field: "format_version",
                ..
            }
        ),
        "{error}"
    );

    let mut other_format = good.clone();
    other_format.format_version += 1;
    let error = refusal(
        &signed_with_manifest(BUNDLE_FORMAT_VERSION, &other_format),
        &trusted(1),
    );
    assert!(
        matches!(error, BundleError::ManifestVersion { .. }),
        "{error}"
    );

    let mut unknown_field = String::from_utf8(good.to_json()).expect("utf-8");
    unknown_field.insert_str(1, "\"extra\": 1,");
    let signer = key(1);
    let id = TrustedKey::of(&signer).id;
    let error = refusal(
        &assemble(
            BUNDLE_FORMAT_VERSION,
            unknown_field.as_bytes(),
            &bytes,
            Some((&id, &signer)),
        ),
        &trusted(1),
    );
    assert!(matches!(error, BundleError::Manifest(_)), "{error}");
}

#[test]
fn a_future_format_version_is_refused() {
    let policy = compiled();
    let bytes = policy.to_bytes();
    let mut future = manifest(&policy, &bytes);
    future.format_version = BUNDLE_FORMAT_VERSION + 1;
    let error = refusal(
        &signed_with_manifest(BUNDLE_FORMAT_VERSION + 1, &future),
        &trusted(1),
    );
    assert_eq!(
        error.to_string(),
        format!(
            "unsupported bundle format version {} (this runtime reads {BUNDLE_FORMAT_VERSION})",
            BUNDLE_FORMAT_VERSION + 1
        )
    );
    assert!(matches!(
        refusal(b"PK\x03\x04 a zip file", &trusted(1)),
        BundleError::BadMagic
    ));
}

#[test]
fn the_writer_refuses_a_manifest_of_other_content() {
    let policy = compiled();
    let bytes = policy.to_bytes();
    let mut stale = manifest(&policy, &bytes);
    stale.policy.sha256 = sha256_digest(b"old");
    assert!(matches!(
        write_bundle(&stale, &bytes, Some(&key(1))),
        Err(BundleError::Write(_))
    ));
}

#[test]
fn an_unverified_read_shows_the_contents_and_the_claimed_signer() {
    let read = UnverifiedBundle::read(&bundle()).expect("consistent");
    assert_eq!(read.policy, compiled());
    assert_eq!(read.claimed_key_id, Some(TrustedKey::of(&key(1)).id));
    assert_eq!(read.manifest.sources[0].path, "governance.fms");
    let mut changed = bundle();
    let last = changed.len() - 1;
    changed[last] ^= 1;
    // Only the signature changed: the contents still agree, and nothing is claimed verified.
    assert!(UnverifiedBundle::read(&changed).is_ok());
}
