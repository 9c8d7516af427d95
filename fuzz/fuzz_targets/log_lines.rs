//! Fuzzes the decision-log reader behind `faramesh audit verify`: any bytes, alone or after a
//! valid chain, verify without panicking, and the verified records never outnumber the lines.
#![no_main]

mod common;

use std::sync::OnceLock;

use fpl_runtime::Request;
use fpl_runtime::log::{self, DecisionLog, LogOptions};
use libfuzzer_sys::fuzz_target;

static VALID: OnceLock<Vec<u8>> = OnceLock::new();

/// Three records written by the real writer.
fn valid_log() -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("fpl-fuzz-log-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("temp dir");
    let path = dir.join("decisions.log");
    let _ = std::fs::remove_file(&path);
    let mut evaluator = common::evaluator();
    let mut log = DecisionLog::open(&path, LogOptions { sync: false }).expect("open");
    for amount in [1, 700, 3] {
        let request = Request::parse(&format!(
            r#"{{"agent":"bot","tool":"t/x","args":{{"amount":{amount},"note":"ok","items":[]}},"time":"2026-11-23T18:00:00Z"}}"#
        ));
        evaluator.decide_logged(&request, &mut log);
    }
    let bytes = std::fs::read(&path).expect("read");
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

fuzz_target!(|data: &[u8]| {
    let input = match data.split_first() {
        Some((b'V', rest)) => {
            let mut bytes = VALID.get_or_init(valid_log).clone();
            bytes.extend_from_slice(rest);
            bytes
        }
        _ => data.to_vec(),
    };
    let (report, head) =
        log::verify_reader(input.as_slice(), Some(&"0".repeat(64))).expect("reading a slice");
    let lines = input
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert!(report.records <= lines);
    assert!(head.is_none_or(|at| at <= report.records));
});
