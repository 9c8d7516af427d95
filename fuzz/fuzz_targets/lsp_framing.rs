//! Fuzzes the language server's framing layer (`fpl_lsp::framing`) together with the JSON-RPC
//! check the server applies to each body (`fpl_lsp::message`): any bytes, pushed in any chunks,
//! never panic, never make the framer hold more than its limits allow, come out the same however
//! they are chunked, and a well-formed message sent after junk without a `:` is always read.
#![no_main]

use fpl_lsp::framing::{Event, Framer, MAX_HEADER};
use fpl_lsp::message::{self, Rejected};
use libfuzzer_sys::fuzz_target;

/// A small message limit, so that oversized messages are reached.
const LIMIT: usize = 256;

/// The events a server acts on when `input` arrives in chunks of the sizes `sizes` names
/// (cycled; all at once when there are none), with bodies that are not JSON handed back to the
/// framer as the server does.
fn run(input: &[u8], sizes: &[u8]) -> Vec<Event> {
    let mut framer = Framer::new(LIMIT);
    let mut events = Vec::new();
    let mut sizes = sizes.iter().cycle();
    let mut rest = input;
    while !rest.is_empty() {
        let size = sizes
            .next()
            .map_or(rest.len(), |&size| usize::from(size) + 1);
        let (chunk, tail) = rest.split_at(size.min(rest.len()));
        rest = tail;
        framer.push(chunk);
        while let Some(event) = framer.next_event() {
            let rejected = match &event {
                Event::Message(body) => message::check(body).err(),
                Event::Malformed(problem) => Some(Rejected::Framing(problem.clone())),
            };
            if let Some(rejected) = rejected {
                assert!(serde_json::to_vec(&rejected.response()).is_ok());
                if let (Event::Message(body), Rejected::NotJson(_)) = (&event, &rejected)
                    && !framer.reject(body)
                {
                    continue;
                }
            }
            events.push(event);
        }
        assert!(
            framer.buffered() < LIMIT.max(MAX_HEADER),
            "{} bytes held",
            framer.buffered()
        );
    }
    events
}

fuzz_target!(|data: &[u8]| {
    let Some((&split, data)) = data.split_first() else {
        return;
    };
    let (sizes, input) = data.split_at(usize::from(split % 8).min(data.len()));
    let chunked = run(input, sizes);
    assert_eq!(chunked, run(input, &[]), "chunking changed the events");

    let body = br#"{"jsonrpc":"2.0","method":"initialized","params":{}}"#;
    let mut stream: Vec<u8> = input
        .iter()
        .map(|&byte| if byte == b':' { b';' } else { byte })
        .collect();
    stream.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
    stream.extend_from_slice(body);
    let events = run(&stream, sizes);
    assert_eq!(
        events.last(),
        Some(&Event::Message(body.to_vec())),
        "the message after the junk was not read"
    );
});
