//! Every upstream policy of the shared corpus formats idempotently, keeping every token and
//! every comment; the invalid ones are refused with their syntax errors.

mod common;

#[test]
fn corpus_formats_idempotently_and_keeps_every_comment() {
    let files = fpl_testdata::upstream_policies();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
        let output = common::format_checked(&text);
        assert!(
            !output.is_empty() || text.trim().is_empty(),
            "{}",
            path.display()
        );
    }
    assert_eq!(files.len(), 60, "the corpus has 54 + 6 policies");
}

#[test]
fn invalid_corpus_is_refused() {
    let files = fpl_testdata::invalid_policies();
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
        assert!(
            matches!(
                fpl_fmt::format_text(&text),
                Err(fpl_fmt::FormatError::Syntax(_))
            ),
            "{}",
            path.display()
        );
    }
}
