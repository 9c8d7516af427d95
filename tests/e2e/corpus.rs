//! The corpus runner: every corpus policy (the upstream ones, the invalid one and the bundled
//! examples) through the real binary. It checks with the expected result, formats to text that
//! formats to itself and checks the same, and every agent it names answers requests, while an
//! agent it does not name is denied.

use std::path::{Path, PathBuf};

use faramesh_e2e::faramesh;
use serde_json::Value;

/// The one upstream policy with an error (SPEC §16), and its code.
const WITH_ERROR: (&str, &str) = ("fpl-lang/examples__payment-bot.fpl", "E0224");

/// The codes of `faramesh check --no-smt` on `path`, and whether it exited 0.
fn check(path: &Path) -> (Vec<String>, bool) {
    let output = faramesh()
        .args(["check", "--no-smt", "--format", "json"])
        .arg(path)
        .output()
        .expect("runs");
    let report: Value = serde_json::from_slice(&output.stdout).expect("a JSON report");
    let codes = report["diagnostics"]
        .as_array()
        .expect("diagnostics")
        .iter()
        .filter_map(|diagnostic| diagnostic["code"].as_str().map(str::to_string))
        .collect();
    (codes, output.status.success())
}

/// `faramesh fmt -` of `text`: the formatted text, or `None` when it refuses (exit 2).
fn format(text: &str) -> Option<String> {
    let output = faramesh()
        .args(["fmt", "-"])
        .write_stdin(text)
        .output()
        .expect("runs");
    match output.status.code() {
        Some(0) => Some(String::from_utf8(output.stdout).expect("UTF-8")),
        Some(2) => None,
        other => panic!("fmt exited with {other:?}"),
    }
}

/// The names after `agent` at the start of a line.
fn agents(text: &str) -> Vec<String> {
    text.lines()
        .filter_map(|line| line.trim_start().strip_prefix("agent "))
        .filter_map(|rest| rest.split([' ', '{']).next())
        .filter(|name| !name.is_empty())
        .map(str::to_string)
        .collect()
}

/// The decisions of `faramesh eval` on one request per agent, then one for an agent the policy
/// does not name; `None` when the policy is refused (exit 1).
fn evaluate(path: &Path, agents: &[String]) -> Option<Vec<Value>> {
    let mut requests = String::new();
    for agent in agents.iter().map(String::as_str).chain(["no-such-agent"]) {
        let request = serde_json::json!({"agent": agent, "tool": "corpus/probe", "args": {}});
        requests.push_str(&format!("{request}\n"));
    }
    let output = faramesh()
        .args(["eval", "--requests", "-", "--policy"])
        .arg(path)
        .write_stdin(requests)
        .output()
        .expect("runs");
    if output.status.code() == Some(1) {
        return None;
    }
    assert!(output.status.success(), "{}", path.display());
    let decisions = String::from_utf8(output.stdout)
        .expect("UTF-8")
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON decision"))
        .collect();
    Some(decisions)
}

fn corpus() -> Vec<PathBuf> {
    fpl_testdata::upstream_policies()
        .into_iter()
        .chain(fpl_testdata::invalid_policies())
        .chain(fpl_testdata::example_policies())
        .collect()
}

#[test]
fn every_corpus_policy_checks_formats_and_evaluates_through_the_binary() {
    let corpus = corpus();
    assert!(corpus.len() > 60, "corpus not found");
    let invalid = fpl_testdata::invalid_policies();
    let dir = tempfile::tempdir().expect("temp dir");
    for path in &corpus {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).expect("UTF-8 corpus");
        let (codes, clean) = check(path);
        let expected: &[&str] = if path.ends_with(WITH_ERROR.0) {
            &[WITH_ERROR.1]
        } else if invalid.contains(path) {
            &["E0101"]
        } else {
            &[]
        };
        let errors: Vec<&str> = codes
            .iter()
            .map(String::as_str)
            .filter(|code| code.starts_with('E'))
            .collect();
        assert_eq!(errors, expected, "{name}");
        assert_eq!(clean, expected.is_empty(), "{name}");

        let Some(formatted) = format(&text) else {
            assert!(invalid.contains(path), "{name} has syntax errors");
            continue;
        };
        assert_eq!(
            format(&formatted).as_deref(),
            Some(formatted.as_str()),
            "{name} is formatted again differently"
        );
        let copy = dir.path().join(path.file_name().expect("a file name"));
        std::fs::write(&copy, &formatted).expect("write");
        assert_eq!(
            check(&copy),
            (codes, clean),
            "{name} checks differently formatted"
        );

        let agents = agents(&text);
        match evaluate(path, &agents) {
            None => assert!(!clean, "{name} is refused by eval"),
            Some(decisions) => {
                assert!(clean, "{name} has errors, yet eval ran");
                assert_eq!(decisions.len(), agents.len() + 1, "{name}");
                for decision in &decisions {
                    let effect = decision["effect"].as_str().unwrap_or_default();
                    assert!(
                        ["permit", "deny", "defer"].contains(&effect),
                        "{name}: {decision}"
                    );
                }
                let unknown = decisions.last().expect("the unknown agent's decision");
                assert_eq!(
                    (&unknown["effect"], &unknown["reason_code"]),
                    (&Value::from("deny"), &Value::from("UNKNOWN_AGENT")),
                    "{name}"
                );
            }
        }
    }
}
