//! Fuzzes the batch reader of `faramesh serve` (`fpl_runtime::batch::parse_batch`) against
//! `serde_json`: a body is a batch exactly when serde_json reads it as an array of at most
//! `MAX_BATCH` values, with as many requests as elements; never a panic.
#![no_main]

use fpl_runtime::batch::{BatchError, MAX_BATCH, parse_batch};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let ours = parse_batch(data);
    let theirs = serde_json::from_slice::<Vec<Value>>(data);
    match (ours, theirs) {
        (Ok(requests), Ok(values)) => assert_eq!(requests.len(), values.len()),
        (Err(BatchError::TooMany), Ok(values)) => assert!(values.len() > MAX_BATCH),
        (Ok(requests), Err(error)) => panic!("read {} requests serde_json refuses: {error}", requests.len()),
        (Err(error), Ok(values)) => panic!("refused an array of {} values: {error}", values.len()),
        (Err(_), Err(_)) => {}
    }
});
