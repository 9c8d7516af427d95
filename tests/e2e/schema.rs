//! End-to-end tests of `faramesh schema`: every schema compiles, and real files and outputs
//! validate against it — the YAML conversions of the corpus against the policy schema,
//! decisions of `faramesh eval`, requests, the example policy tests — while documents with a
//! mistake do not.

use crate::support::faramesh;

fn schema(which: &str) -> jsonschema::Validator {
    let output = faramesh().args(["schema", which]).output().expect("runs");
    assert!(output.status.success());
    let schema: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
    jsonschema::validator_for(&schema).expect("schema compiles")
}

fn errors(validator: &jsonschema::Validator, value: &serde_json::Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

fn yaml(text: &str) -> serde_json::Value {
    serde_norway::from_str(text).expect("YAML")
}

#[test]
fn the_yaml_conversions_of_the_corpus_validate_against_the_policy_schema() {
    let validator = schema("policy");
    let mut validated = 0;
    let files = fpl_testdata::upstream_policies()
        .into_iter()
        .chain(fpl_testdata::example_policies());
    for path in files {
        let output = faramesh()
            .arg("convert")
            .arg(&path)
            .args(["--to", "yaml"])
            .output()
            .expect("runs");
        // Files with errors, or with constructs the form has no place for, are not converted.
        if !output.status.success() {
            continue;
        }
        let document = yaml(&String::from_utf8_lossy(&output.stdout));
        assert_eq!(
            errors(&validator, &document),
            Vec::<String>::new(),
            "{}",
            path.display()
        );
        validated += 1;
    }
    assert!(validated >= 20, "only {validated} corpus files converted");
    let typo = yaml("agents:\n  bot:\n    rules:\n      - { effect: permit, tool: x, whne: a }\n");
    assert!(!errors(&validator, &typo).is_empty());
    let effect = yaml("agents:\n  bot:\n    rules:\n      - { effect: allow, tool: x }\n");
    assert!(!errors(&validator, &effect).is_empty());
}

#[test]
fn decisions_requests_and_policy_tests_validate_against_their_schemas() {
    let dir = tempfile::tempdir().expect("temp dir");
    let policy = dir.path().join("p.fpl");
    std::fs::write(
        &policy,
        "agent bot {\n  default deny\n  permit t/* when amount < 5 reason: \"small\"\n}\n",
    )
    .expect("write");
    let requests = [
        r#"{"agent":"bot","tool":"t/x","args":{"amount":1},"session":"s","cost":0.5,"time":"2026-11-23T18:00:00Z"}"#,
        r#"{"agent":"bot","tool":"t/x","args":{"amount":9}}"#,
        r#"{"agent":"nobody","tool":"t/x"}"#,
    ];
    let (decision, request) = (schema("decision"), schema("request"));
    for text in requests {
        let value: serde_json::Value = serde_json::from_str(text).expect("JSON");
        assert_eq!(errors(&request, &value), Vec::<String>::new());
        let output = faramesh()
            .arg("eval")
            .arg("--policy")
            .arg(&policy)
            .args(["--request", text])
            .output()
            .expect("runs");
        let value: serde_json::Value = serde_json::from_slice(&output.stdout).expect("decision");
        assert_eq!(errors(&decision, &value), Vec::<String>::new(), "{value}");
    }
    let bad_tool: serde_json::Value =
        serde_json::from_str(r#"{"agent":"bot","tool":"t x"}"#).expect("JSON");
    assert!(!errors(&request, &bad_tool).is_empty());
    let tests = std::fs::read_to_string(
        fpl_testdata::repository_dir().join("examples/governance.fmtest.yaml"),
    )
    .expect("example tests");
    let fmtest = schema("fmtest");
    assert_eq!(errors(&fmtest, &yaml(&tests)), Vec::<String>::new());
    assert!(!errors(&fmtest, &yaml("cases:\n  - nmae: x\n")).is_empty());
}
