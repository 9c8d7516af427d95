//! Every upstream corpus file checks without errors, except the one SPEC §16 names, which has
//! exactly one error, on the line of `session.sum(…)`.

use std::path::Path;

use fpl_analyzer::host::check_policy;
use fpl_analyzer::{CheckOptions, Code, SourceFile};

fn errors_of(path: &Path) -> Vec<(Code, u32, String)> {
    let text = std::fs::read_to_string(path).expect("UTF-8 corpus");
    let analysis = check_policy(
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
    let files = fpl_testdata::upstream_policies();
    for path in &files {
        let errors = errors_of(path);
        if path.ends_with("fpl-lang/examples__payment-bot.fpl") {
            assert_eq!(errors.len(), 1, "{errors:?}");
            assert_eq!((errors[0].0, errors[0].1), (Code::E0224, 40), "{errors:?}");
            assert!(errors[0].2.contains("session.sum"), "{errors:?}");
        } else {
            assert_eq!(errors, vec![], "{}", path.display());
        }
    }
    assert_eq!(files.len(), 60);
}

#[test]
fn invalid_corpus_file_fails_with_a_clear_error() {
    let files = fpl_testdata::invalid_policies();
    assert!(!files.is_empty());
    for path in files {
        let errors = errors_of(&path);
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert_eq!(errors[0].0, Code::E0101);
        assert!(errors[0].2.contains("agent name"), "{errors:?}");
    }
}
