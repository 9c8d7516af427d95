//! The GitHub Action's `action.yml` agrees with its README and with `faramesh ci github`: every
//! input and output is documented, every input reaches a flag the command has, and every
//! output is one the command writes.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::ci::{BASE, FakeGithub, HEAD, Mode, Repo};

fn action_dir() -> PathBuf {
    fpl_testdata::repository_dir().join("github-action")
}

/// The names in the first column of the table under `## {section}` of the README.
fn documented(readme: &str, section: &str) -> BTreeSet<String> {
    readme
        .split(&format!("## {section}\n"))
        .nth(1)
        .expect("the section exists")
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        .filter_map(|line| line.strip_prefix("| `"))
        .filter_map(|line| line.split('`').next())
        .map(str::to_string)
        .collect()
}

#[test]
fn action_inputs_and_outputs_match_the_readme_and_the_command() {
    let text = std::fs::read_to_string(action_dir().join("action.yml")).expect("action.yml");
    let action: serde_norway::Value = serde_norway::from_str(&text).expect("valid YAML");
    let keys = |key: &str| -> BTreeSet<String> {
        action[key]
            .as_mapping()
            .expect("a mapping")
            .keys()
            .filter_map(|key| key.as_str().map(str::to_string))
            .collect()
    };
    let (inputs, outputs) = (keys("inputs"), keys("outputs"));
    assert_eq!(action["runs"]["using"].as_str(), Some("composite"));

    let readme = std::fs::read_to_string(action_dir().join("README.md")).expect("README");
    assert_eq!(documented(&readme, "Inputs"), inputs);
    assert_eq!(documented(&readme, "Outputs"), outputs);

    // Each input but the token becomes the flag of the same name of `faramesh ci github`.
    let help = faramesh_e2e::faramesh()
        .args(["ci", "github", "--help"])
        .output()
        .expect("runs");
    let help = String::from_utf8_lossy(&help.stdout);
    let steps = action["runs"]["steps"].as_sequence().expect("steps");
    let gate = steps
        .iter()
        .find(|step| step["id"].as_str() == Some("gate"))
        .expect("the gate step");
    let script = gate["run"].as_str().expect("run");
    let env = gate["env"].as_mapping().expect("env");
    for input in inputs.iter().filter(|input| *input != "token") {
        let flag = format!("--{input}");
        assert!(help.contains(&flag), "`ci github` has no {flag}:\n{help}");
        assert!(
            script.contains(&format!("{flag} ")),
            "{flag} is not passed:\n{script}"
        );
        let variable = format!("INPUT_{}", input.to_uppercase().replace('-', "_"));
        let value = env
            .get(variable.as_str())
            .and_then(|value| value.as_str())
            .unwrap_or_default();
        assert_eq!(value, format!("${{{{ inputs.{input} }}}}"), "{variable}");
    }

    // Each output is a value `ci github` writes to `GITHUB_OUTPUT`.
    let repo = Repo::new(&[BASE, HEAD]);
    let api = FakeGithub::start(Mode::Normal);
    let output = repo
        .ci_github(&api)
        .args(["--comment", "false"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    let written: BTreeSet<String> = repo
        .read_runner("output")
        .lines()
        .filter_map(|line| line.split_once('=').map(|(name, _)| name.to_string()))
        .collect();
    assert_eq!(written, outputs);
    for name in &outputs {
        assert_eq!(
            action["outputs"][name.as_str()]["value"].as_str(),
            Some(format!("${{{{ steps.gate.outputs.{name} }}}}").as_str())
        );
    }
}
