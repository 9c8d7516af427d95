//! The examples in each code's documentation are tests: the invalid one reports the code, the
//! valid one reports nothing at all.

use fpl_analyzer::{CheckOptions, Code, SourceFile, analyze};

fn codes_of(text: &str) -> Vec<Code> {
    let analysis = analyze(
        vec![SourceFile::new("example.fpl", text)],
        &CheckOptions::default(),
    );
    analysis
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code)
        .collect()
}

#[test]
fn invalid_examples_report_their_code() {
    let mut tested = 0;
    for code in Code::ALL {
        let docs = code.docs();
        if docs.invalid.is_empty() {
            continue;
        }
        let codes = codes_of(docs.invalid);
        assert!(
            codes.contains(code),
            "{}: invalid example reports {codes:?}",
            code.as_str()
        );
        tested += 1;
    }
    assert!(tested >= 20, "only {tested} codes have examples");
}

#[test]
fn valid_examples_report_nothing() {
    for code in Code::ALL {
        let docs = code.docs();
        if docs.valid.is_empty() {
            continue;
        }
        assert_eq!(
            codes_of(docs.valid),
            vec![],
            "{}: valid example",
            code.as_str()
        );
    }
}

#[test]
fn codes_parse_by_text_and_name() {
    for code in Code::ALL {
        assert_eq!(Code::parse(code.as_str()), Some(*code));
        assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        assert_eq!(Code::parse(code.name()), Some(*code));
    }
}
