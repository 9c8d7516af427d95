//! Formatting never changes what a policy means: every formatter fixture and every upstream
//! corpus file compiles to the same position-free policy digest (SPEC §8, §15) before and
//! after `fpl_fmt::format_text`, and a policy with errors keeps exactly the same diagnostics.

use std::path::{Path, PathBuf};

use fpl_analyzer::{CheckOptions, SourceFile, analyze, compile::compile};

fn policy_files(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| {
            path.extension()
                .is_some_and(|ext| ext == "fpl" || ext == "fms")
        })
        .collect();
    files.sort();
    files
}

/// The compiled digest, or the diagnostic codes when the policy does not compile.
fn meaning(text: &str) -> Result<String, Vec<&'static str>> {
    let analysis = analyze(
        vec![SourceFile::new("policy.fpl", text)],
        &CheckOptions::default(),
    );
    compile(&analysis)
        .map(|compiled| compiled.policy.digest())
        .map_err(|_| {
            analysis
                .diagnostics
                .iter()
                .map(|diagnostic| diagnostic.code.as_str())
                .collect()
        })
}

#[test]
fn formatting_keeps_the_compiled_policy() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let corpus = root.join("../shared/corpus/upstream");
    let dirs = [
        root.join("formatter/tests/fixtures"),
        root.join("examples"),
        corpus.join("faramesh-core"),
        corpus.join("fpl-lang"),
    ];
    let mut compared = 0;
    for dir in dirs {
        for path in policy_files(&dir) {
            let text = std::fs::read_to_string(&path).expect("UTF-8");
            let Ok(formatted) = fpl_fmt::format_text(&text) else {
                continue;
            };
            assert_eq!(
                meaning(&formatted),
                meaning(&text),
                "{} changed meaning when formatted",
                path.display()
            );
            compared += 1;
        }
    }
    assert!(compared >= 70, "only {compared} files compared");
}
