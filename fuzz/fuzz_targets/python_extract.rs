//! Fuzzes `faramesh extract python` (`fpl_extract::extract_python`) on untrusted Python
//! sources: any bytes are read without panicking; every problem is at a line and column inside
//! the file; an extracted policy parses with no error and is already formatted. Input `R…` is
//! a raw source; anything else is put in the argument list of a `@faramesh.tool(…)` decorator,
//! where most of the extractor's reading happens.
#![no_main]

use fpl_analyzer::SourceFile;
use fpl_extract::{ExtractError, Options, extract_python};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let bytes = match data.strip_prefix(b"R") {
        Some(raw) => raw.to_vec(),
        None => [
            b"import faramesh\n\n@faramesh.tool(".as_slice(),
            data,
            b")\ndef tool(amount):\n    ...\n",
        ]
        .concat(),
    };
    let file = SourceFile::from_bytes("fuzz.py", &bytes);
    let lines = fpl_syntax::LineIndex::new(&file.text).line_count();
    match extract_python(std::slice::from_ref(&file), &Options::default()) {
        Ok(policy) => {
            let parse = fpl_syntax::parse(&policy);
            assert!(parse.errors().is_empty(), "{policy}\n{:?}", parse.errors());
            assert_eq!(fpl_fmt::format_text(&policy).as_deref(), Ok(policy.as_str()));
        }
        Err(ExtractError::Problems(problems)) => {
            assert!(!problems.is_empty());
            for problem in problems {
                assert!(problem.line >= 1 && problem.line <= lines, "{problem}");
                assert!(problem.column >= 1, "{problem}");
            }
        }
        Err(ExtractError::NothingFound { files }) => assert_eq!(files, 1),
    }
});
