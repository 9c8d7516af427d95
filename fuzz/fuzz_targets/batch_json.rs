//! Fuzzes the batch reader of `faramesh serve` (`fpl_runtime::batch::Batch`, behind
//! `POST /v1/decide/batch`) against `serde_json`: a body is a batch exactly when serde_json
//! reads it as an array of at most `MAX_BATCH` JSON values (raw, so lone surrogates, duplicate
//! keys and deep nesting are still values), and each request is the one its element's text
//! reads as alone; more elements is `TooMany`; never a panic. One `Batch` reads every input, so
//! buffers left by earlier inputs are fuzzed too.
#![no_main]

use std::cell::RefCell;
use std::fmt::Write as _;

use fpl_runtime::batch::{Batch, BatchError, MAX_BATCH};
use fpl_runtime::{JsonKind, JsonRef, Request};
use libfuzzer_sys::fuzz_target;
use serde_json::value::RawValue;

thread_local! {
    static BATCH: RefCell<Batch> = RefCell::new(Batch::default());
}

fuzz_target!(|data: &[u8]| {
    let theirs = serde_json::from_slice::<Vec<&RawValue>>(data);
    BATCH.with_borrow_mut(|batch| match (batch.read(data), theirs) {
        (Ok(requests), Ok(elements)) => {
            assert!(elements.len() <= MAX_BATCH, "read {} elements", elements.len());
            assert_eq!(requests.len(), elements.len());
            for (request, element) in requests.iter().zip(&elements) {
                let alone = Request::parse(element.get());
                assert_eq!(seen(request), seen(&alone), "{}", element.get());
            }
        }
        (Err(BatchError::TooMany), Ok(elements)) => assert!(elements.len() > MAX_BATCH),
        // The first element too many ends the reading, whatever follows it.
        (Err(BatchError::TooMany), Err(_)) => {}
        (Ok(requests), Err(error)) => {
            panic!("read {} requests serde_json refuses: {error}", requests.len())
        }
        (Err(error), Ok(elements)) => {
            panic!("refused an array of {} values: {error}", elements.len())
        }
        (Err(_), Err(_)) => {}
    });
});

/// Everything a decision can read of a request.
fn seen(request: &Request) -> String {
    let mut out = format!(
        "{:?}",
        (
            request.invalid_reason(),
            request.agent(),
            request.tool(),
            request.session(),
            request.phase(),
            request.cost().to_string(),
            request.time(),
            request.normalized_path(),
        )
    );
    for value in [request.args(), request.principal()].into_iter().flatten() {
        write_value(&mut out, value);
    }
    out
}

fn write_value(out: &mut String, value: JsonRef<'_>) {
    match value.kind() {
        JsonKind::Array(_) => {
            out.push('[');
            for element in value.elements() {
                write_value(out, element);
                out.push(',');
            }
            out.push(']');
        }
        JsonKind::Object(_) => {
            out.push('{');
            for (key, member) in value.members() {
                let _ = write!(out, "{key:?}:");
                write_value(out, member);
                out.push(',');
            }
            out.push('}');
        }
        kind => {
            let _ = write!(out, "{kind:?}");
        }
    }
}
