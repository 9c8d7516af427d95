//! Fuzzes the reading of a model's answer: any body is a chat completion or an error, never a
//! panic, and the policy is cut out of any answer text.
#![no_main]

use fpl_analyzer::intent::model::{extract_policy, parse_response};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(content) = parse_response(data) {
        let policy = extract_policy(&content);
        assert!(policy.len() <= content.len());
    }
    let policy = extract_policy(&String::from_utf8_lossy(data));
    assert!(policy.len() <= data.len() * 3);
});
