//! Imported files join the policy (SPEC §9.2): their agents are added, except where a local
//! agent has the same name; that one wins and `W0401` says so. The policy given as files and the
//! project read from a directory with its imports handed over through the loader's seam agree.

use fpl_analyzer::compile::compile;
use fpl_analyzer::host::{check_policy, check_project};
use fpl_analyzer::project::{Imported, ImportedFile, Project};
use fpl_analyzer::{Analysis, CheckOptions, Code, Origin, SourceFile};

fn sources() -> Vec<SourceFile> {
    vec![
        SourceFile::new(
            "governance.fms",
            "agent bot {\n  default deny\n  permit read\n}\n",
        ),
        SourceFile::new(
            "cache/policy.fpl",
            "agent bot {\n  default permit\n}\nagent helper {\n  default deny\n}\n",
        )
        .imported_as("r.io/policies/acme/x@1.0.0"),
    ]
}

/// `sources` as `faramesh check` reads them: the local files from a directory by the project
/// loader, the imported ones through [`Project::add_imports`].
fn loaded(sources: &[SourceFile]) -> Analysis {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut imported = Imported::default();
    for source in sources {
        match &source.origin {
            Origin::Local => {
                std::fs::write(dir.path().join(&source.path), &source.text).expect("write policy")
            }
            Origin::Import(reference) => imported.files.push(ImportedFile {
                reference: reference.clone(),
                path: source.path.clone(),
                bytes: source.text.clone().into_bytes(),
            }),
        }
    }
    let mut project = Project::load(&[dir.path().to_path_buf()]).expect("loads");
    project.add_imports(imported);
    check_project(project, &CheckOptions::default())
}

fn both() -> [Analysis; 2] {
    let options = CheckOptions::default();
    [check_policy(sources(), &options), loaded(&sources())]
}

#[test]
fn a_local_agent_replaces_an_imported_one_with_w0401() {
    for analysis in both() {
        let codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
        assert_eq!(codes, vec![Code::W0401]);
        let diagnostic = &analysis.diagnostics[0];
        assert_eq!(diagnostic.span.file.0, 0, "reported at the local agent");
        assert!(diagnostic.message.contains("r.io/policies/acme/x@1.0.0"));
        assert_eq!(
            diagnostic.labels[0].span.file.0, 1,
            "points at the imported agent"
        );
        let compiled = compile(&analysis).expect("compiles");
        let names: Vec<&str> = compiled
            .policy
            .agents
            .iter()
            .map(|agent| agent.name.as_str())
            .collect();
        assert_eq!(names, ["bot", "helper"]);
        assert_eq!(
            compiled.policy.agents[0].default_effect,
            fpl_runtime::ir::Effect::Deny,
            "the local agent, not the imported `default permit`"
        );
    }
}

#[test]
fn imported_agents_of_the_same_name_are_duplicates() {
    let mut sources = sources();
    sources.push(
        SourceFile::new("cache/other.fpl", "agent helper {\n  default deny\n}\n")
            .imported_as("r.io/policies/acme/y@1.0.0"),
    );
    let analysis = check_policy(sources.clone(), &CheckOptions::default());
    let host = loaded(&sources);
    assert!(analysis.diagnostics.iter().any(|d| d.code == Code::E0201));
    assert_eq!(analysis.diagnostics, host.diagnostics);
}
