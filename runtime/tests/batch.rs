//! Batches (`/v1/decide/batch`): a JSON array of at most 1,000 requests, read in order; an
//! element that is JSON but not a request stays in its place as an invalid request.

use fpl_runtime::batch::{BatchError, MAX_BATCH, parse_batch};

#[test]
fn a_batch_is_read_in_order_and_bad_elements_keep_their_place() {
    let requests =
        parse_batch(br#" [{"agent":"a","tool":"t/x"}, 42, {"agent":"b","tool":"t/y","x":1,"x":2}, {"agent":"c","tool":"u"}] "#)
            .expect("a batch");
    let read: Vec<(&str, bool)> = requests
        .iter()
        .map(|r| (r.agent(), r.invalid_reason().is_some()))
        .collect();
    // Duplicate keys are refused by the request reader even though serde_json splits them.
    assert_eq!(read, [("a", false), ("", true), ("", true), ("c", false)]);
    assert!(parse_batch(b"[]").expect("empty").is_empty());
}

#[test]
fn what_is_not_a_batch_says_why() {
    for body in [&b"{}"[..], b"", b"[1,", b"[1] [2]", b"\"x\"", b"[1,]"] {
        assert!(
            matches!(parse_batch(body), Err(BatchError::NotAnArray(_))),
            "{}",
            String::from_utf8_lossy(body)
        );
    }
    let batch = |n: usize| format!("[{}]", vec!["{}"; n].join(","));
    assert_eq!(
        parse_batch(batch(MAX_BATCH).as_bytes()).map(|r| r.len()),
        Ok(MAX_BATCH)
    );
    assert_eq!(
        parse_batch(batch(MAX_BATCH + 1).as_bytes()).map(|r| r.len()),
        Err(BatchError::TooMany)
    );
}
