//! Fuzzes the runtime's JSON reader against `serde_json`: whatever it accepts, `serde_json`
//! accepts with the same values (numbers compared as correctly rounded f64, and exact decimals
//! agreeing with their text); whatever `serde_json` refuses, it refuses, except for numbers
//! beyond f64's range. It may refuse more only where the spec asks: duplicate keys and its
//! documented limits. Every input is also decided as a request, which must not panic.
#![no_main]

mod common;

use std::cell::RefCell;

use fpl_runtime::{Evaluator, JsonDoc, JsonKind, JsonRef, Request};
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

thread_local! {
    static STATE: RefCell<(Evaluator, Request, JsonDoc)> =
        RefCell::new((common::evaluator(), Request::default(), JsonDoc::default()));
}

fuzz_target!(|data: &[u8]| {
    STATE.with(|state| {
        let (evaluator, request, doc) = &mut *state.borrow_mut();
        request.parse_bytes_into(data);
        let decision = evaluator.decide(request);
        if request.invalid_reason().is_some() {
            assert_eq!(decision.effect.as_str(), "deny");
        }
        let ours = doc.parse_bytes_into(data);
        let theirs = serde_json::from_slice::<Value>(data);
        match (ours, theirs) {
            (Ok(()), Ok(value)) => {
                let root = doc.root().expect("a parsed document has a root");
                assert!(same(root, &value), "values differ: {value}");
            }
            (Ok(()), Err(error)) => assert!(
                error.to_string().contains("number out of range"),
                "accepted what serde_json refuses: {error}"
            ),
            (Err(error), Ok(_)) => assert!(
                error.message.starts_with("duplicate member name")
                    || error.message == fpl_runtime::json_limits::TOO_DEEP
                    || error.message == fpl_runtime::json_limits::TOO_MANY_VALUES,
                "refused what serde_json accepts: {error}"
            ),
            (Err(_), Err(_)) => {}
        }
    });
});

fn same(ours: JsonRef<'_>, theirs: &Value) -> bool {
    match (ours.kind(), theirs) {
        (JsonKind::Null, Value::Null) => true,
        (JsonKind::Bool(a), Value::Bool(b)) => a == *b,
        (JsonKind::String(a), Value::String(b)) => a == b,
        (JsonKind::Number(exact), Value::Number(number)) => {
            let text = ours.number_text().unwrap_or_default();
            same_number(text, number) && same_number(&exact.to_string(), number)
        }
        (JsonKind::InexactNumber(text), Value::Number(number)) => same_number(text, number),
        (JsonKind::Array(count), Value::Array(items)) => {
            count == items.len() && ours.elements().zip(items).all(|(a, b)| same(a, b))
        }
        (JsonKind::Object(count), Value::Object(map)) => {
            count == map.len()
                && ours
                    .members()
                    .all(|(key, value)| map.get(key).is_some_and(|other| same(value, other)))
        }
        _ => false,
    }
}

/// A number's text against serde_json's reading: integers exactly, others as f64.
fn same_number(text: &str, number: &serde_json::Number) -> bool {
    if let Some(integer) = number.as_i64() {
        return text.parse::<i128>().ok() == Some(i128::from(integer))
            || text.parse::<f64>().ok() == Some(integer as f64);
    }
    if let Some(integer) = number.as_u64() {
        return text.parse::<i128>().ok() == Some(i128::from(integer))
            || text.parse::<f64>().ok() == Some(integer as f64);
    }
    number
        .as_f64()
        .is_some_and(|f| text.parse::<f64>().ok() == Some(f))
}
