//! Every upstream corpus file checks without errors, except the one SPEC §16 names, which has
//! exactly one error, on the line of `session.sum(…)`.

use std::path::{Path, PathBuf};

use fpl_analyzer::{CheckOptions, Code, SourceFile, analyze};

fn corpus(repo: &str) -> Vec<PathBuf> {
    // `invalid` sits beside the repositories.
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/corpus/upstream")
        .join(repo);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "fpl"))
        .collect();
    files.sort();
    files
}

fn errors_of(path: &Path) -> Vec<(Code, u32, String)> {
    let text = std::fs::read_to_string(path).expect("UTF-8 corpus");
    let analysis = analyze(
        vec![SourceFile::new(path.display().to_string(), text)],
        &CheckOptions::default(),
    );
    analysis
        .diagnostics
        .iter()
        .filter(|diagnostic| diagnostic.is_error())
        .map(|diagnostic| {
            (
                diagnostic.code,
                analysis.line_cols(diagnostic.span).0.line,
                diagnostic.message.clone(),
            )
        })
        .collect()
}

#[test]
fn upstream_policies_check_cleanly() {
    let mut checked = 0;
    for repo in ["faramesh-core", "fpl-lang"] {
        for path in corpus(repo) {
            let errors = errors_of(&path);
            if path.ends_with("fpl-lang/examples__payment-bot.fpl") {
                assert_eq!(errors.len(), 1, "{errors:?}");
                assert_eq!((errors[0].0, errors[0].1), (Code::E0224, 40), "{errors:?}");
                assert!(errors[0].2.contains("session.sum"), "{errors:?}");
            } else {
                assert_eq!(errors, vec![], "{}", path.display());
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 60);
}

#[test]
fn invalid_corpus_file_fails_with_a_clear_error() {
    for path in corpus("invalid") {
        let errors = errors_of(&path);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, Code::E0101);
        assert!(errors[0].2.contains("agent name"), "{errors:?}");
    }
}
