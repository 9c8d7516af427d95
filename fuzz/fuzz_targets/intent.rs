//! Fuzzes the phrase compiler: any text compiles or is reported sentence by sentence without
//! panicking, what compiles always parses without a syntax error, and every report points
//! inside its line.
#![no_main]

use fpl_analyzer::intent::{self, CompileOptions, Vocabulary};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    match intent::compile(&text, &Vocabulary::default(), &CompileOptions::default()) {
        Ok(compiled) => {
            let parse = fpl_syntax::parse(&compiled.fpl);
            assert!(parse.errors().is_empty(), "{:?}\n{}", parse.errors(), compiled.fpl);
        }
        Err(unclear) => {
            for report in unclear {
                let line = intent::lines(&text).nth(report.line - 1).unwrap_or("");
                assert!(report.column <= line.chars().count() + 1, "{report:?}");
            }
        }
    }
});
