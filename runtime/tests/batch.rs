//! Batches (`/v1/decide/batch`): a JSON array of at most 1,000 requests, read in order; an
//! element that is JSON but not a request stays in its place as an invalid request.

use fpl_runtime::batch::{Batch, BatchError, MAX_BATCH, MAX_BATCH_BYTES, parse_batch};
use fpl_runtime::{MAX_REQUEST_BYTES, Request};

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

/// What reading `elements` one by one gives, as the batch reader must give it.
fn read_alone(elements: &[&str]) -> Vec<String> {
    elements
        .iter()
        .map(|element| format!("{:?}", Request::parse(element)))
        .collect()
}

fn read_in_batch(body: &str) -> Vec<String> {
    parse_batch(body.as_bytes())
        .expect("a batch")
        .iter()
        .map(|request| format!("{request:?}"))
        .collect()
}

/// Elements whose text holds what a one-pass reader could get wrong: separators and brackets
/// inside strings, escapes, nesting, numbers at the end of an element.
const TRICKY: &[&str] = &[
    r#"{"agent":"a,]","tool":"t/x","args":{"s":"[{\"]},","n":[1,[2,{"k":[]}]],"e":-1.5e3}}"#,
    r#"{"agent":"\u00e9\ud83d\ude00","tool":"t/\u0078","session":"\"\\\/\b\f\n\r\t"}"#,
    r#"{"agent":"é😀","tool":"t","args":{"path":"/a/../b/./c"},"cost":0.25}"#,
    r#"{"agent":"a","tool":"t","args":{"query":{"Q":"1","q":"2"}}}"#,
    r#"{"tool":"t"}"#,
    "42",
    "-0",
    "1e400",
    r#""\u005d""#,
    "null",
    "true",
    "[]",
    "{}",
    r#"[[],{},[{"a":[]}]]"#,
];

#[test]
fn each_element_reads_as_it_reads_alone_whatever_the_whitespace() {
    for separator in [",", " , ", "\t,\n", "\r\n,\r\n"] {
        let body = format!(" \n[\t{}\r\n]\t ", TRICKY.join(separator));
        assert_eq!(read_in_batch(&body), read_alone(TRICKY), "{body}");
    }
    assert_eq!(read_in_batch("[\"x\"]"), read_alone(&["\"x\""]));
    assert_eq!(read_in_batch(" \t[ \n] \r"), read_alone(&[]));
}

#[test]
fn an_element_only_the_request_reader_refuses_is_an_invalid_request_in_its_place() {
    let deep = |levels: usize| {
        format!(
            r#"{{"agent":"a","tool":"t","args":{{"x":{}1{}}}}}"#,
            "[".repeat(levels),
            "]".repeat(levels)
        )
    };
    // JSON to serde_json but not to the request reader: a duplicate key, lone surrogates,
    // nesting past 128 levels (the request's own levels count, not the batch's).
    let (ok_deep, too_deep) = (deep(126), deep(127));
    let elements = [
        r#"{"agent":"a","tool":"t"}"#,
        r#"{"agent":"a","tool":"t","agent":"b"}"#,
        r#"{"agent":"\ud800","tool":"t"}"#,
        r#"{"agent":"a","tool":"t","args":{"x":"\udc00"}}"#,
        &ok_deep,
        &too_deep,
        r#"{"agent":"c","tool":"t"}"#,
    ];
    let read = parse_batch(format!("[{}]", elements.join(",")).as_bytes()).expect("a batch");
    let reasons: Vec<Option<&str>> = read.iter().map(Request::invalid_reason).collect();
    assert_eq!(
        reasons,
        [
            None,
            Some("the request is not valid JSON"),
            Some("the request is not valid JSON"),
            Some("the request is not valid JSON"),
            None,
            Some("the request nests more than 128 levels deep"),
            None,
        ]
    );
    assert_eq!(
        read.iter().map(|r| format!("{r:?}")).collect::<Vec<_>>(),
        read_alone(&elements)
    );
}

#[test]
fn an_element_over_the_request_limit_is_an_invalid_request_in_its_place() {
    let head = r#"{"agent":"a","tool":"t","args":{"x":""#;
    let big = format!(
        "{head}{}\"}}}}",
        "y".repeat(MAX_REQUEST_BYTES - head.len() - 3)
    );
    assert_eq!(big.len(), MAX_REQUEST_BYTES);
    let bigger = big.replacen("\"y", "\"yy", 1);
    let small = r#"{"agent":"c","tool":"t"}"#;
    let read = parse_batch(format!("[ {big} , {bigger} ,{small}]").as_bytes()).expect("a batch");
    let reasons: Vec<Option<&str>> = read.iter().map(Request::invalid_reason).collect();
    assert_eq!(
        reasons,
        [None, Some("the request is larger than 4 MiB"), None]
    );
}

#[test]
fn what_is_not_json_anywhere_refuses_the_whole_batch() {
    let good = r#"{"agent":"a","tool":"t"}"#;
    for body in [
        format!("[{good},{{\"agent\":\"a\nb\",\"tool\":\"t\"}}]"),
        format!("[{good},{{\"agent\":\"\\x\",\"tool\":\"t\"}}]"),
        format!("[{good},01]"),
        format!("[{good} {good}]"),
        format!("[{good},]"),
        format!("[{good}"),
        format!("[{good}]]"),
        format!("[{good}] x"),
        format!("[{good},{{\"agent\":\"a\",\"tool\":\"t\"]"),
        format!("[{good},nul]"),
        format!("[,{good}]"),
        format!("\u{feff}[{good}]"),
    ] {
        assert!(
            matches!(parse_batch(body.as_bytes()), Err(BatchError::NotAnArray(_))),
            "{body}"
        );
    }
    let mut not_utf8 = format!("[{good},").into_bytes();
    not_utf8.extend_from_slice(b"{\"agent\":\"\xff\",\"tool\":\"t\"}]");
    assert!(matches!(
        parse_batch(&not_utf8),
        Err(BatchError::NotAnArray(_))
    ));
}

#[test]
fn too_many_elements_are_refused_before_anything_after_them_is_read() {
    let elements = vec!["{}"; MAX_BATCH + 1].join(",");
    // Element 1,001 is read, then the batch refused: what follows it is never looked at.
    assert_eq!(
        parse_batch(format!("[{elements}, x").as_bytes()).map(|r| r.len()),
        Err(BatchError::TooMany)
    );
    // A bad element 1,001 is a bad batch.
    let thousand = vec!["{}"; MAX_BATCH].join(",");
    assert!(matches!(
        parse_batch(format!("[{thousand},{{]").as_bytes()),
        Err(BatchError::NotAnArray(_))
    ));
    assert_eq!(
        parse_batch(vec![b' '; MAX_BATCH_BYTES + 1].as_slice()).map(|r| r.len()),
        Err(BatchError::TooLarge)
    );
}

#[test]
fn a_batch_reused_for_another_reads_only_the_new_one() {
    let first = format!(
        "[{}]",
    [r#"{"agent":"a","tool":"t","args":{"path":"/x/../y","query":{"q":"1"}},"session":"s","phase":"p","cost":1,"time":"2026-11-23T18:00:00Z"}"#; 5].join(",")
    );
    let second = [
        r#"{"agent":"bb","tool":"u"}"#,
        "7",
        r#"{"agent":"c","tool":"v","args":{"n":1,"n":2}}"#,
    ];
    let mut batch = Batch::default();
    assert_eq!(batch.read(first.as_bytes()).map(<[_]>::len), Ok(5));
    let read = batch
        .read(format!("[{}]", second.join(",")).as_bytes())
        .expect("a batch");
    let seen = |r: &Request| {
        format!(
            "{:?}",
            (
                r.agent(),
                r.tool(),
                r.session(),
                r.phase(),
                r.cost().to_string(),
                r.time(),
                r.args().map(|a| a.members().count()),
                r.normalized_path(),
                r.invalid_reason(),
            )
        )
    };
    let alone: Vec<String> = second.iter().map(|e| seen(&Request::parse(e))).collect();
    assert_eq!(read.iter().map(seen).collect::<Vec<_>>(), alone);
    // After a refused body, the next one reads as itself.
    assert!(batch.read(b"[1,").is_err());
    assert_eq!(batch.read(b"[]").map(<[_]>::len), Ok(0));
}
