//! Formatting never changes what a policy means: every formatter fixture and every upstream
//! corpus file compiles to the same position-free policy digest (SPEC §8, §15) before and
//! after `fpl_fmt::format_text`, and a policy with errors keeps exactly the same diagnostics.

use fpl_analyzer::host::check_policy;
use fpl_analyzer::{CheckOptions, SourceFile, compile::compile};

/// The compiled digest, or the diagnostic codes when the policy does not compile.
fn meaning(text: &str) -> Result<String, Vec<&'static str>> {
    let analysis = check_policy(
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
    let root = fpl_testdata::repository_dir();
    let files = [root.join("formatter/tests/fixtures"), root.join("examples")]
        .into_iter()
        .flat_map(|dir| fpl_testdata::policy_files(&dir))
        .chain(fpl_testdata::upstream_policies());
    let mut compared = 0;
    for path in files {
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
    assert!(compared >= 70, "only {compared} files compared");
}
