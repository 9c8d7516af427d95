//! Fuzzes the parser: any bytes parse without panicking and the tree reproduces the text.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parse = fpl_syntax::parse(&text);
    assert_eq!(parse.syntax_node().to_string(), text);
});
