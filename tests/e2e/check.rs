//! End-to-end tests of `faramesh check`, `explain`, `completions` and `--version` through the
//! real binary.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

fn faramesh() -> Command {
    let mut command = faramesh_e2e::faramesh();
    command.env("NO_COLOR", "1");
    command
}

fn write(dir: &Path, name: &str, text: &str) {
    std::fs::write(dir.join(name), text).expect("write fixture");
}

const SEVERAL_MISTAKES: &str = "agent a {\n  defualt deny\n  permit x when amount < \"x\"\n  budget session { warn_at 2 }\n}\nagent a { default deny }\n";

fn json_of(output: &[u8]) -> serde_json::Value {
    serde_json::from_slice(output).expect("valid JSON")
}

#[test]
fn bundled_example_checks_cleanly() {
    let examples = fpl_testdata::repository_dir().join("examples");
    faramesh()
        .arg("check")
        .arg(&examples)
        .assert()
        .success()
        .stdout(predicate::str::contains("0 errors"));
}

#[test]
fn every_mistake_is_reported_in_one_run_with_positions() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policy.fpl", SEVERAL_MISTAKES);
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "policy.fpl"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output.stdout);
    assert_eq!(report["files"], 1);
    let found: Vec<(String, u64, u64)> = report["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .map(|d| {
            (
                d["code"].as_str().unwrap_or_default().to_string(),
                d["line"].as_u64().unwrap_or(0),
                d["column"].as_u64().unwrap_or(0),
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![
            ("W0230".to_string(), 1, 7),
            ("E0104".to_string(), 2, 3),
            ("E0220".to_string(), 3, 26),
            ("E0210".to_string(), 4, 28),
            ("E0201".to_string(), 6, 7),
        ]
    );
    for diagnostic in report["diagnostics"].as_array().expect("array") {
        for key in [
            "code",
            "severity",
            "message",
            "file",
            "line",
            "column",
            "end_line",
            "end_column",
        ] {
            assert!(!diagnostic[key].is_null(), "{key} missing in {diagnostic}");
        }
        assert_eq!(diagnostic["file"], "policy.fpl");
    }
}

#[test]
fn human_output_shows_code_frames_and_fixes() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policy.fpl", SEVERAL_MISTAKES);
    faramesh()
        .current_dir(dir.path())
        .args(["check", "policy.fpl"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("E0104(unknown-statement)"))
        .stdout(predicate::str::contains("[policy.fpl:2:3]"))
        .stdout(predicate::str::contains("did you mean `default`?"))
        .stdout(predicate::str::contains("first declared here"))
        .stdout(predicate::str::contains("4 errors, 1 warning in 1 file"));
}

#[test]
fn docs_snippets_check_and_a_fragment_is_told_where_it_belongs() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "governance.fms",
        "trust {\n  key \"github.com/faramesh/faramesh-registry\" ed25519:nxNjaQnS3L+zzKrRq48XfYBDWlFXkNJkxUiTD8j0sFs=\n}\nagent orchestrator {\n  default deny\n  delegate { target_agent = \"researcher\" scope = \"read-only\" ttl = \"10m\" ceiling = \"permit\" }\n  permit research/*\n}\n",
    );
    faramesh()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("0 errors, 0 warnings"));
    write(
        dir.path(),
        "fragment.fpl",
        "budget daily {\n  max $500\n}\nrate_limit stripe/*: 10 per minute\n",
    );
    faramesh()
        .current_dir(dir.path())
        .args(["check", "fragment.fpl"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("`budget` belongs inside an agent"))
        .stdout(predicate::str::contains(
            "fix: wrap the agent-level statements in `agent \"default\" { … }`",
        ))
        .stdout(predicate::str::contains("1 error"));
}

#[test]
fn warnings_alone_exit_zero() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "governance.fms",
        "agent a {\n  default permit\n}\n",
    );
    faramesh()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("W0231"));
}

#[test]
fn sarif_output_validates_against_the_schema() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policy.fpl", SEVERAL_MISTAKES);
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "--format", "sarif", "policy.fpl"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let log = json_of(&output.stdout);
    let schema_path = fpl_testdata::repository_dir().join("tests/e2e/data/sarif-schema-2.1.0.json");
    let schema = json_of(&std::fs::read(schema_path).expect("schema"));
    let validator = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = validator
        .iter_errors(&log)
        .map(|error| error.to_string())
        .collect();
    assert_eq!(errors, Vec::<String>::new());
    let results = log["runs"][0]["results"].as_array().expect("results");
    assert_eq!(results.len(), 5);
    assert_eq!(results[0]["level"], "warning");
    assert_eq!(results[4]["ruleId"], "E0201");
    assert_eq!(
        results[4]["relatedLocations"][0]["physicalLocation"]["region"]["startLine"],
        1
    );
}

#[test]
fn github_output_is_workflow_commands() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policy.fpl", SEVERAL_MISTAKES);
    faramesh()
        .current_dir(dir.path())
        .args(["check", "--format", "github", "policy.fpl"])
        .assert()
        .code(1)
        .stdout(predicate::str::starts_with("::warning file=policy.fpl,line=1,col=7,endLine=1,endColumn=8,title=W0230 missing-default::"))
        .stdout(predicate::str::contains(
            "\n::error file=policy.fpl,line=2,col=3,endLine=2,endColumn=10,title=E0104 unknown-statement::unknown statement `defualt`",
        ));
}

#[test]
fn multi_file_policies_share_agent_names() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "a.fpl", "agent shared {\n  default deny\n}\n");
    write(dir.path(), "b.fpl", "agent shared {\n  default deny\n}\n");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "--format", "json"])
        .output()
        .expect("runs");
    let report = json_of(&output.stdout);
    assert_eq!(report["files"], 2);
    assert_eq!(report["diagnostics"][0]["code"], "E0201");
    assert_eq!(report["diagnostics"][0]["file"], "b.fpl");
}

#[test]
fn manifest_lists_the_policy_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "faramesh.toml",
        "[policy]\nfiles = [\"main.fpl\"]\n",
    );
    write(dir.path(), "main.fpl", "agent a {\n  default deny\n}\n");
    write(dir.path(), "ignored.fpl", "agent {\n");
    faramesh()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .success()
        .stdout(predicate::str::contains("in 1 file"));
}

#[test]
fn hostile_bytes_give_diagnostics_not_crashes() {
    let dir = tempfile::tempdir().expect("temp dir");
    let mut bytes = b"agent a {\n  default deny\n  permit x \xff\xfe\0 when\n".to_vec();
    bytes.extend(std::iter::repeat_n(b'{', 1 << 20));
    std::fs::write(dir.path().join("bad.fpl"), bytes).expect("write");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "--format", "json", "bad.fpl"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report = json_of(&output.stdout);
    let codes: Vec<&str> = report["diagnostics"]
        .as_array()
        .expect("array")
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect();
    assert!(codes.contains(&"E0001"), "{codes:?}");
}

#[test]
fn missing_paths_are_usage_errors() {
    faramesh()
        .args(["check", "does/not/exist.fpl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("does/not/exist.fpl"));
    faramesh()
        .args(["check", "--format", "yaml"])
        .assert()
        .code(2);
}

#[test]
fn explain_prints_documentation() {
    faramesh()
        .args(["explain", "e0201"])
        .assert()
        .success()
        .stdout(predicate::str::contains("E0201 duplicate-agent (error)"))
        .stdout(predicate::str::contains("This policy gets it:"));
    faramesh()
        .args(["explain", "missing-default"])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("W0230"));
    faramesh()
        .args(["explain", "E9999"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown diagnostic code"));
}

#[test]
fn the_code_reference_in_docs_is_what_explain_all_prints() {
    let output = faramesh()
        .args(["explain", "--all"])
        .output()
        .expect("runs");
    assert!(output.status.success());
    let printed = String::from_utf8(output.stdout).expect("UTF-8");
    for code in fpl_analyzer::Code::ALL {
        let anchor = format!("<a id=\"{}\"></a>", code.as_str().to_ascii_lowercase());
        assert!(printed.contains(&anchor), "{anchor} missing");
    }
    let committed = std::fs::read_to_string(fpl_testdata::repository_dir().join("docs/codes.md"))
        .expect("docs/codes.md exists");
    assert!(
        committed == printed,
        "docs/codes.md is out of date: run `faramesh explain --all > docs/codes.md`"
    );
}

#[test]
fn version_and_completions() {
    faramesh()
        .arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("faramesh "));
    faramesh()
        .args(["completions", "bash"])
        .assert()
        .success()
        .stdout(predicate::str::contains("_faramesh"));
}

/// Regression (issue 10): `amount = 1e24` reaches the deny, which the encoding (bounded to
/// 10¹²) called unreachable, offering to delete it.
#[test]
fn a_rule_reachable_only_by_huge_numbers_is_not_unreachable() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "policy.fpl",
        "agent a {\n  default deny\n  permit pay/x when amount < 10000000000000\n  deny pay/x\n}\n",
    );
    let output = faramesh()
        .args(["check", "--format", "json", "policy.fpl"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        json_of(&output.stdout)["diagnostics"],
        serde_json::json!([])
    );
}

/// Regression (issue 10): `expires_ms > 1700000000000` was "can never hold".
#[test]
fn a_millisecond_timestamp_condition_can_hold() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "policy.fpl",
        "agent a {\n  default deny\n  permit tok/x when expires_ms > 1700000000000\n}\n",
    );
    let output = faramesh()
        .args(["check", "--format", "json", "policy.fpl"])
        .current_dir(dir.path())
        .output()
        .expect("runs");
    assert!(output.status.success());
    assert_eq!(
        json_of(&output.stdout)["diagnostics"],
        serde_json::json!([])
    );
}
