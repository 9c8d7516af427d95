//! Every upstream corpus file parses without syntax errors and round-trips exactly;
//! the files under `invalid/` fail with at least one error.

use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/upstream")
}

fn fpl_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "fpl" || ext == "fms")
        })
        .collect();
    files.sort();
    files
}

#[test]
fn valid_corpus_parses_without_errors() {
    let mut checked = 0;
    for repo in ["faramesh-core", "fpl-lang"] {
        for path in fpl_files(&corpus_dir().join(repo)) {
            let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
            let parse = fpl_syntax::parse(&text);
            assert_eq!(
                parse.syntax_node().to_string(),
                text,
                "{} is not reproduced",
                path.display()
            );
            assert_eq!(parse.errors(), &[], "{}", path.display());
            checked += 1;
        }
    }
    assert_eq!(checked, 60, "the corpus README lists 54 + 6 files");
}

#[test]
fn invalid_corpus_fails() {
    let files = fpl_files(&corpus_dir().join("invalid"));
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
