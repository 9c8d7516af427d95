//! Imported files join the policy (SPEC §9.2): their agents are added, except where a local
//! agent has the same name; that one wins and `W0401` says so. The policy given as files and the
//! project read from a directory with its imports handed over through the loader's seam agree.

use fpl_analyzer::compile::compile;
use fpl_analyzer::host::{check_policy, check_project};
use fpl_analyzer::project::{ImportProblem, ImportSite, Imported, ImportedFile, Project};
use fpl_analyzer::{Analysis, CheckOptions, Code, FileId, Origin, SourceFile, Span};
use fpl_syntax::TextRange;

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
            // Where it is imported does not change the analysis.
            Origin::Import(reference) => imported.files.push(ImportedFile {
                reference: reference.clone(),
                path: source.path.clone(),
                bytes: source.text.clone().into_bytes(),
                site: ImportSite::Local(0),
                range: TextRange::default(),
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

/// A YAML policy's imports, read by [`fpl_analyzer::form::imports`], join the project through
/// the same seam as FPL's: the imported agents join, a local agent still wins with `W0401`, and
/// a problem with an import is at the YAML line and column of its `ref`.
#[test]
fn yaml_imports_join_like_fpl_ones_and_are_reported_at_their_ref() {
    let yaml = "imports:\n  - { ref: r.io/policies/acme/x@1.0.0, as: x }\n  - ref: r.io/policies/acme/gone@9.9.9\nagents:\n  bot:\n    default: deny\n    rules:\n      - { effect: permit, tool: read }\n";
    let imports = fpl_analyzer::form::imports(yaml).expect("imports read");
    let gone = imports[1].reference.0.range;
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("governance.fms.yaml"), yaml).expect("write policy");
    let mut project = Project::load(&[dir.path().to_path_buf()]).expect("loads");
    let imported = &sources()[1];
    project.add_imports(Imported {
        files: vec![ImportedFile {
            reference: imports[0].reference.0.text.clone(),
            path: imported.path.clone(),
            bytes: imported.text.clone().into_bytes(),
            site: ImportSite::Local(0),
            range: imports[0].reference.0.range,
        }],
        problems: vec![ImportProblem {
            site: ImportSite::Local(0),
            range: gone,
            code: Code::E0403,
            message: "version 9.9.9 of acme/gone is not in the catalog".to_string(),
            help: None,
        }],
    });
    let at = Span {
        file: FileId(0),
        range: imports[0].reference.0.range,
    };
    assert_eq!(
        project.imported_at(FileId(1)),
        Some(at),
        "imported at its `ref`"
    );
    assert_eq!(
        project.imported_at(FileId(0)),
        None,
        "the project's own file"
    );
    let analysis = check_project(project, &CheckOptions::default());
    let found: Vec<(Code, u32, u32)> = analysis
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let (start, _) = analysis.line_cols(diagnostic.span);
            (diagnostic.code, start.line, start.column)
        })
        .collect();
    assert!(found.contains(&(Code::E0403, 3, 10)), "{found:?}");
    assert!(
        found
            .iter()
            .any(|(code, line, _)| *code == Code::W0401 && *line == 5),
        "the local `bot` wins, at its YAML line: {found:?}"
    );
    let agents = &analysis.policy.agents;
    assert!(
        agents.len() == 2 && analysis.policy.agent("helper").is_some(),
        "the local `bot` and the imported `helper`: {agents:?}"
    );
}
