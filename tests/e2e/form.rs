//! End-to-end tests of YAML/JSON policies (SPEC §11): `check`, `eval`, `test` and `bundle build`
//! read them through the one project loader, their diagnostics are at the YAML line and column,
//! and `faramesh convert` moves a policy between FPL, YAML and JSON without changing it.

use std::path::Path;

use crate::support::faramesh;

fn example(name: &str) -> String {
    let path = fpl_testdata::repository_dir().join("examples").join(name);
    std::fs::read_to_string(path).expect("example exists")
}

fn convert(file: &Path, to: &str) -> String {
    let output = faramesh()
        .arg("convert")
        .arg(file)
        .args(["--to", to])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

#[test]
fn the_example_converted_to_yaml_and_json_passes_its_policy_tests() {
    let source = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        source.path().join("governance.fms"),
        example("governance.fms"),
    )
    .expect("write");
    let yaml = convert(&source.path().join("governance.fms"), "yaml");
    assert!(
        yaml.starts_with("# Faramesh policy"),
        "comments are carried: {yaml}"
    );
    let json = convert(&source.path().join("governance.fms"), "json");
    let tests = |project: &Path| {
        std::fs::write(
            project.join("governance.fmtest.yaml"),
            example("governance.fmtest.yaml"),
        )
        .expect("write tests");
        let output = faramesh().arg("test").arg(project).output().expect("runs");
        let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
        let summary = stdout
            .lines()
            .find(|line| line.contains(" passed, "))
            .map(str::to_owned);
        (output.status.success(), summary, stdout)
    };
    let (passed, original, stdout) = tests(source.path());
    assert!(passed, "the example's own tests pass: {stdout}");
    let original = original.expect("a summary line");
    assert!(original.ends_with(" passed, 0 failed"), "{original}");
    for (name, text) in [("governance.fms.yaml", &yaml), ("policy.fpl.json", &json)] {
        let project = tempfile::tempdir().expect("temp dir");
        std::fs::write(project.path().join(name), text).expect("write");
        let (passed, summary, stdout) = tests(project.path());
        assert!(passed, "{name}: {stdout}");
        assert_eq!(
            summary.as_deref(),
            Some(original.as_str()),
            "{name}: {stdout}"
        );
        faramesh()
            .arg("check")
            .arg(project.path())
            .assert()
            .success();
    }
}

#[test]
fn yaml_to_fpl_and_back_is_the_same_policy_with_its_comments() {
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = "# who may charge\nagents:\n  bot:\n    default: deny\n    rules:\n      # small ones only\n      - { effect: permit, tool: stripe/charge, when: 'amount < $500' }\n";
    std::fs::write(dir.path().join("bot.fpl.yaml"), yaml).expect("write");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["convert", "bot.fpl.yaml", "--to", "fpl", "-o", "bot.fpl"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(output.stdout.is_empty());
    let fpl = std::fs::read_to_string(dir.path().join("bot.fpl")).expect("written");
    assert_eq!(
        fpl,
        "# who may charge\nagent bot {\n  default deny\n  # small ones only\n  permit stripe/charge when (amount < $500)\n}\n"
    );
    let request = r#"{"agent":"bot","tool":"stripe/charge","args":{"amount":20}}"#;
    let decide = |policy: &str| {
        let output = faramesh()
            .current_dir(dir.path())
            .args(["eval", "--policy", policy, "--request", request])
            .output()
            .expect("runs");
        let decision: serde_json::Value =
            serde_json::from_slice(&output.stdout).expect("decision JSON");
        (
            decision["effect"].clone(),
            decision["policy"].clone(),
            decision["rule"].clone(),
        )
    };
    let (from_yaml, from_fpl) = (decide("bot.fpl.yaml"), decide("bot.fpl"));
    assert_eq!(from_yaml.0, "permit");
    assert_eq!(from_yaml.1, from_fpl.1, "the same compiled policy");
    // The decision names the rule where the YAML file writes it.
    assert_eq!(from_yaml.2["file"], "bot.fpl.yaml");
    assert_eq!(
        (from_yaml.2["line"].as_u64(), from_yaml.2["column"].as_u64()),
        (Some(7), Some(19))
    );
}

#[test]
fn check_reports_yaml_mistakes_at_their_line_and_column() {
    let dir = tempfile::tempdir().expect("temp dir");
    let cases = [
        (
            "types.fpl.yaml",
            "agents:\n  bot:\n    default: deny\n    rules:\n      - effect: permit\n        tool: t\n        when: amount < \"x\"\n",
            ("E0220", 7, 24, "cannot order a string against a number"),
        ),
        (
            "bomb.fpl.yaml",
            "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n",
            (
                "E0007",
                1,
                4,
                "anchors (`&name`) are not allowed in policy files: write the value out",
            ),
        ),
        (
            "twice.fpl.json",
            "{\"agents\": {\"bot\": {}, \"bot\": {}}}",
            ("E0007", 1, 24, "duplicate key `bot`"),
        ),
        (
            "shape.fpl.yaml",
            "agents:\n  bot:\n    rules: permit\n",
            ("E0106", 3, 12, "expected a list, found a value"),
        ),
    ];
    for (name, text, (code, line, column, message)) in cases {
        std::fs::write(dir.path().join(name), text).expect("write");
        let output = faramesh()
            .current_dir(dir.path())
            .args(["check", "--format", "json", name])
            .output()
            .expect("runs");
        assert_eq!(output.status.code(), Some(1), "{name}");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        let found: Vec<_> = report["diagnostics"]
            .as_array()
            .expect("diagnostics")
            .iter()
            .map(|d| {
                (
                    d["code"].clone(),
                    d["line"].clone(),
                    d["column"].clone(),
                    d["message"].clone(),
                )
            })
            .collect();
        assert_eq!(
            found,
            [(code.into(), line.into(), column.into(), message.into())],
            "{name}"
        );
    }
}

#[test]
fn convert_refuses_what_it_cannot_convert() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("bad.fpl"),
        "agent a {\n  default deny\n  permit x when amount < \"x\"\n}\n",
    )
    .expect("write");
    std::fs::write(
        dir.path().join("trust.fpl"),
        "trust {\n  key \"k\" \"ed25519:AAAA\"\n}\nagent a {\n  default deny\n}\n",
    )
    .expect("write");
    let bad = faramesh()
        .current_dir(dir.path())
        .args(["convert", "bad.fpl", "--to", "yaml", "-o", "bad.fpl.yaml"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("E0220"));
    assert!(
        !dir.path().join("bad.fpl.yaml").exists(),
        "nothing is written"
    );
    let trust = faramesh()
        .current_dir(dir.path())
        .args(["convert", "trust.fpl", "--to", "json"])
        .output()
        .expect("runs");
    assert_eq!(trust.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&trust.stderr);
    assert!(
        stderr.contains("trust.fpl:1:1: `trust` has no YAML/JSON form"),
        "{stderr}"
    );
    faramesh()
        .arg("convert")
        .arg(dir.path())
        .args(["--to", "yaml"])
        .assert()
        .code(2);
}

#[test]
fn fmt_leaves_yaml_policies_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    let yaml = "agents:\n  bot:   {default: deny}\n";
    std::fs::write(dir.path().join("bot.fpl.yaml"), yaml).expect("write");
    std::fs::write(dir.path().join("a.fpl"), "agent a {\n  default deny\n}\n").expect("write");
    faramesh().arg("fmt").arg(dir.path()).assert().success();
    assert_eq!(
        std::fs::read_to_string(dir.path().join("bot.fpl.yaml")).expect("reads"),
        yaml
    );
}

#[test]
fn the_documented_examples_check_clean() {
    use fpl_testdata::registry::FixtureRegistry;
    let root = fpl_testdata::repository_dir();
    let dir = tempfile::tempdir().expect("temp dir");
    // The registry that the `imports:` of docs/yaml.md name, with the entry they import.
    let mut registry = FixtureRegistry::new(&dir.path().join("registry"));
    let stripe = "agent stripe-payments {\n  default deny\n}\n";
    registry.publish("policies", "faramesh/stripe", "1.0.0", stripe);
    let project = dir.path().join("project");
    std::fs::create_dir_all(&project).expect("project dir");
    let manifest = format!(
        "[registries.default]\nurl = \"{}\"\n\n[trust]\nkeys = [\"{}\"]\n",
        registry.root().display(),
        registry.trust_entry()
    );
    std::fs::write(project.join("faramesh.toml"), manifest).expect("manifest");
    let mut names = Vec::new();
    for (doc, name) in [
        ("docs/yaml.md", "docs.fpl.yaml"),
        ("README.md", "readme.fpl.yaml"),
    ] {
        let text = std::fs::read_to_string(root.join(doc)).expect("doc");
        // The longest YAML block of the page is its policy example.
        let example = text
            .split("```yaml\n")
            .skip(1)
            .filter_map(|block| block.split("```").next())
            .max_by_key(|block| block.len())
            .expect("a YAML example");
        std::fs::write(project.join(name), example).expect("write");
        names.push((doc, name));
    }
    let cache = dir.path().join("cache");
    faramesh()
        .current_dir(&project)
        .env("XDG_CACHE_HOME", &cache)
        .arg("lock")
        .assert()
        .success();
    for (doc, name) in names {
        let output = faramesh()
            .current_dir(&project)
            .env("XDG_CACHE_HOME", &cache)
            .args(["check", "--format", "json", name])
            .output()
            .expect("runs");
        let report: serde_json::Value = serde_json::from_slice(&output.stdout).expect("JSON");
        assert_eq!(report["diagnostics"], serde_json::json!([]), "{doc}");
    }
}
