//! Fuzzes the YAML/JSON policy reader (`fpl_analyzer::form::front_end`): any bytes are read
//! without panicking, every error lies inside the text on character boundaries, and for a
//! document that is accepted, the FPL text it stands for parses and every range of that parse
//! maps back inside the document. The reader of `imports:` alone (`form::imports`, what import
//! resolution reads) never panics either, and every `ref` it returns lies inside the text, as
//! does its error.
#![no_main]

use fpl_analyzer::form;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let inside = |range: fpl_syntax::TextRange| {
        let (start, end) = (usize::from(range.start()), usize::from(range.end()));
        assert!(start <= end && end <= text.len(), "{range:?} outside {}", text.len());
        assert!(text.is_char_boundary(start) && text.is_char_boundary(end), "{range:?}");
    };
    match form::imports(&text) {
        Ok(imports) => {
            for import in &imports {
                inside(import.reference.0.range);
            }
        }
        Err(error) => inside(error.range),
    }
    let front = form::front_end(&text);
    for error in &front.errors {
        inside(error.range);
    }
    if front.errors.is_empty() {
        let parse = fpl_syntax::parse(&front.fpl);
        for error in parse.errors() {
            inside(front.map.map(error.range));
        }
        let _ = form::to_fpl_source(&text);
    }
});
