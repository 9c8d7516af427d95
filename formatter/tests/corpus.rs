//! Every upstream policy of the shared corpus formats idempotently, keeping every token and
//! every comment; the invalid ones are refused with their syntax errors.

mod common;

use std::path::{Path, PathBuf};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/upstream")
}

fn policy_files(dir: &Path) -> Vec<PathBuf> {
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
fn corpus_formats_idempotently_and_keeps_every_comment() {
    let mut checked = 0;
    for repo in ["faramesh-core", "fpl-lang"] {
        for path in policy_files(&corpus_dir().join(repo)) {
            let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
            let output = common::format_checked(&text);
            assert!(
                !output.is_empty() || text.trim().is_empty(),
                "{}",
                path.display()
            );
            checked += 1;
        }
    }
    assert_eq!(checked, 60, "the corpus has 54 + 6 policies");
}

#[test]
fn invalid_corpus_is_refused() {
    let files = policy_files(&corpus_dir().join("invalid"));
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
