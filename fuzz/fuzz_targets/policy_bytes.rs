//! Fuzzes loading compiled policies: `CompiledPolicy::from_bytes` and `Evaluator::from_bytes`
//! never panic, and whatever loads decides requests without panicking. Inputs starting with
//! `R` are raw bytes; any other input is a list of `(offset, byte)` edits of a valid policy,
//! so the fuzzer reaches deep into the format.
#![no_main]

mod common;

use std::sync::OnceLock;

use fpl_runtime::ir::CompiledPolicy;
use fpl_runtime::{Evaluator, Request};
use libfuzzer_sys::fuzz_target;

static VALID: OnceLock<Vec<u8>> = OnceLock::new();

const REQUESTS: &[&str] = &[
    r#"{"agent":"bot","tool":"t/x","args":{"amount":600,"note":"ok","items":[1]}}"#,
    r#"{"agent":"bot","tool":"http/get","args":{"host":"api.ok.com","method":"GET","path":"/a/../admin/x"}}"#,
    r#"{"agent":"bot","tool":"shell/exec","phase":"intake","session":"s"}"#,
];

fuzz_target!(|data: &[u8]| {
    let bytes = match data.split_first() {
        Some((b'R', raw)) => raw.to_vec(),
        _ => {
            let mut bytes = VALID.get_or_init(|| common::policy().to_bytes()).clone();
            let length = bytes.len();
            for edit in data.chunks_exact(3) {
                let offset = usize::from(u16::from_le_bytes([edit[0], edit[1]])) % length;
                bytes[offset] = edit[2];
            }
            bytes
        }
    };
    let decoded = CompiledPolicy::from_bytes(&bytes);
    if let Ok(mut evaluator) = Evaluator::from_bytes(&bytes) {
        assert!(decoded.is_ok());
        for text in REQUESTS {
            let decision = evaluator.decide(&Request::parse(text));
            let _ = decision.to_json();
        }
    }
});
