//! Fuzzes the parser: any bytes parse without panicking, the tree reproduces the text, and the
//! line index maps every error's start to a line and column (characters and UTF-16 units) and
//! back to the same offset.
#![no_main]

use fpl_syntax::{ColumnUnit, LineIndex};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let parse = fpl_syntax::parse(&text);
    assert_eq!(parse.syntax_node().to_string(), text);
    let lines = LineIndex::new(&text);
    for error in parse.errors() {
        let offset = error.range.start();
        let at = usize::from(offset);
        // Between the CR and the LF of a CRLF no column can name the offset.
        if text[..at].ends_with('\r') && text[at..].starts_with('\n') {
            continue;
        }
        for unit in [ColumnUnit::Char, ColumnUnit::Utf16] {
            let position = lines.line_column(offset, unit);
            assert_eq!(lines.offset(position, unit), offset, "{unit:?} at {at}");
        }
    }
});
