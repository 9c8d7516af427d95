//! Every upstream corpus file parses without syntax errors and round-trips exactly;
//! the files under `invalid/` fail with at least one error.

#[test]
fn valid_corpus_parses_without_errors() {
    let files = fpl_testdata::upstream_policies();
    for path in &files {
        let text = std::fs::read_to_string(path).expect("corpus files are UTF-8");
        let parse = fpl_syntax::parse(&text);
        assert_eq!(
            parse.syntax_node().to_string(),
            text,
            "{} is not reproduced",
            path.display()
        );
        assert_eq!(parse.errors(), &[], "{}", path.display());
    }
    assert_eq!(files.len(), 60, "the corpus README lists 54 + 6 files");
}

#[test]
fn invalid_corpus_fails() {
    let files = fpl_testdata::invalid_policies();
    assert!(!files.is_empty());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
        let parse = fpl_syntax::parse(&text);
        assert_eq!(parse.syntax_node().to_string(), text);
        assert!(
            !parse.errors().is_empty(),
            "{} parsed without errors",
            path.display()
        );
    }
}
