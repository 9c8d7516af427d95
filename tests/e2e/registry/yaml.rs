//! Imports written in the YAML/JSON form (`imports:`, SPEC §11) are resolved, locked, checked
//! and joined exactly as FPL `import` lines are, and every problem with one is reported at the
//! YAML line and column of its `ref`.

use super::{Env, Server, decide, stripe};

/// The support desk of [`super::LOCAL`] as YAML, importing `reference` on line 3, whose `ref`
/// value starts at column 12.
fn yaml_policy(reference: &str) -> String {
    format!(
        "# the support desk\nimports:\n  - {{ ref: {reference}, as: stripe }}\nagents:\n  support-bot:\n    default: deny\n    rules:\n      - {{ effect: permit, tool: tickets/read }}\n"
    )
}

/// The project's policy replaced by [`yaml_policy`] in `policy.fpl.yaml`.
pub(super) fn write_yaml(env: &Env, reference: &str) {
    let _ = std::fs::remove_file(env.project.join("governance.fms"));
    std::fs::write(env.project.join("policy.fpl.yaml"), yaml_policy(reference))
        .expect("YAML policy");
}

/// Runs a command that must exit with 1, returning its output.
fn exits_1(env: &Env, args: &[&str]) -> String {
    let output = env.faramesh(args);
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(output.status.code(), Some(1), "{args:?}:\n{text}");
    text
}

#[test]
fn an_unlocked_yaml_import_fails_the_check_at_its_ref() {
    let env = Env::new();
    write_yaml(&env, &stripe("1.0.0"));
    let out = exits_1(&env, &["check"]);
    assert!(out.contains("E0408"), "{out}");
    assert!(out.contains("is not in faramesh.lock"), "{out}");
    assert!(out.contains("policy.fpl.yaml:3:12"), "{out}");
    let json = exits_1(&env, &["check", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_str(&json).expect("JSON report");
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(diagnostic["code"], "E0408", "{json}");
    assert_eq!(diagnostic["file"], "policy.fpl.yaml", "{json}");
    assert_eq!(
        (diagnostic["line"].as_u64(), diagnostic["column"].as_u64()),
        (Some(3), Some(12)),
        "{json}"
    );
}

#[test]
fn a_locked_yaml_import_decides_as_the_same_project_in_fpl() {
    let env = Env::new();
    let server = Server::start(env.registry.root());
    env.manifest(&server.url, "");
    // 1.1.0 imports faramesh/base in turn: the import of an import joins too.
    write_yaml(&env, &stripe("1.1.0"));
    env.ok(&["lock"]);
    let lock = env.lock();
    assert!(lock.contains(&stripe("1.1.0")), "{lock}");
    assert!(lock.contains("faramesh/base@1.0.0"), "{lock}");
    env.ok(&["lock", "--locked"]);
    let out = env.ok(&["check", "--format", "json"]);
    assert!(out.contains("\"diagnostics\":[]"), "{out}");
    let requests = [
        r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":200}}"#,
        r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":900}}"#,
        r#"{"agent":"base-guard","tool":"shell/rm"}"#,
        r#"{"agent":"support-bot","tool":"tickets/read"}"#,
    ];
    let from_yaml: Vec<serde_json::Value> = requests.iter().map(|r| decide(&env, r)).collect();
    assert_eq!(from_yaml[0]["effect"], "permit", "{}", from_yaml[0]);
    assert_eq!(from_yaml[2]["reason_code"], "MANDATORY_DENY");

    // The same project in FPL, as `faramesh convert` writes it, decides alike.
    env.ok(&[
        "convert",
        "policy.fpl.yaml",
        "--to",
        "fpl",
        "-o",
        "governance.fms",
    ]);
    std::fs::remove_file(env.project.join("policy.fpl.yaml")).expect("remove YAML");
    env.ok(&["lock", "--locked"]);
    for (request, yaml) in requests.iter().zip(&from_yaml) {
        let fpl = decide(&env, request);
        assert_eq!(fpl["effect"], yaml["effect"], "{request}");
        assert_eq!(fpl["reason_code"], yaml["reason_code"], "{request}");
        assert_eq!(fpl["rule"]["id"], yaml["rule"]["id"], "{request}");
        if !request.contains("support-bot") {
            // An imported rule is at the same place of the same cached artifact.
            assert_eq!(fpl["rule"], yaml["rule"], "{request}");
        }
    }
}

#[test]
fn a_yaml_import_of_a_missing_version_is_reported_at_its_ref() {
    let env = Env::new();
    write_yaml(&env, &stripe("9.9.9"));
    let out = env.fails(&["lock"], "E0403", "available: 1.0.0, 1.1.0");
    assert!(out.contains("policy.fpl.yaml:3:12"), "{out}");
    let out = exits_1(&env, &["check"]);
    assert!(
        out.contains("E0408") && out.contains("policy.fpl.yaml:3:12"),
        "{out}"
    );
}

#[test]
fn lock_refuses_yaml_imports_it_cannot_read() {
    let env = Env::new();
    env.ok(&["import", &stripe("1.0.0")]);
    let _ = std::fs::remove_file(env.project.join("governance.fms"));
    std::fs::write(
        env.project.join("policy.fpl.yaml"),
        format!("imports:\n  - {{ ref: {}, pin: yes }}\n", stripe("1.0.0")),
    )
    .expect("YAML policy");
    // Locking without the import would drop it from faramesh.lock: nothing is written.
    let out = env.fails(&["lock"], "E0106", "unknown field `pin`");
    assert!(out.contains("policy.fpl.yaml:2:"), "{out}");
}

#[test]
fn import_adds_to_a_json_policy_and_it_stays_json() {
    let env = Env::new();
    let _ = std::fs::remove_file(env.project.join("governance.fms"));
    let path = env.project.join("policy.fpl.json");
    std::fs::write(
        &path,
        "{\n  \"agents\": {\n    \"support-bot\": {\"default\": \"deny\"}\n  }\n}\n",
    )
    .expect("JSON policy");
    env.ok(&["import", &stripe("1.0.0")]);
    let read = || std::fs::read_to_string(&path).expect("policy");
    assert_eq!(
        read(),
        format!(
            "{{\n  \"imports\": [{{\"ref\": \"{}\"}}],\n  \"agents\": {{\n    \"support-bot\": {{\"default\": \"deny\"}}\n  }}\n}}\n",
            stripe("1.0.0")
        )
    );
    let charge = r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":50}}"#;
    assert_eq!(decide(&env, charge)["effect"], "permit");
    // Another version replaces it; the file is still JSON, and checks with its lock.
    env.ok(&["import", &stripe("1.1.0")]);
    let text = read();
    let json: serde_json::Value = serde_json::from_str(&text).expect("still JSON");
    assert_eq!(json["imports"][0]["ref"], stripe("1.1.0"), "{text}");
    env.ok(&["check"]);
    // A key written with an escape is the same key: the import is read, not dropped.
    std::fs::write(
        &path,
        format!(
            "{{\"\\u0069mports\": [{{\"ref\": \"{}\"}}], \"agents\": {{}}}}\n",
            stripe("1.1.0")
        ),
    )
    .expect("JSON");
    assert_eq!(decide(&env, charge)["effect"], "permit");
    // An `imports` that is not a list is left to the user, who is shown the JSON to add.
    std::fs::write(&path, format!("{{\"imports\": \"{}\"}}\n", stripe("1.0.0"))).expect("JSON");
    env.fails(
        &["import", &stripe("1.1.0")],
        "YAML/JSON policy",
        &format!("JSON `{{\"ref\": \"{}\"}}`", stripe("1.1.0")),
    );
}

#[test]
fn import_adds_to_a_yaml_policy_and_replaces_another_version() {
    let env = Env::new();
    let _ = std::fs::remove_file(env.project.join("governance.fms"));
    let policy = "# the support desk\nagents:\n  support-bot:\n    default: deny\n";
    std::fs::write(env.project.join("policy.fpl.yaml"), policy).expect("YAML policy");
    env.ok(&["import", &stripe("1.0.0")]);
    let read = || std::fs::read_to_string(env.project.join("policy.fpl.yaml")).expect("policy");
    assert_eq!(
        read(),
        format!(
            "# the support desk\nimports:\n  - {{ ref: \"{}\" }}\nagents:\n  support-bot:\n    default: deny\n",
            stripe("1.0.0")
        )
    );
    assert!(env.lock().contains(&stripe("1.0.0")));
    let charge = r#"{"agent":"stripe-payments","tool":"stripe/charge","args":{"amount":50}}"#;
    assert_eq!(decide(&env, charge)["effect"], "permit");
    // Another version of the same entry replaces it, and the lock follows.
    env.ok(&["import", &stripe("1.1.0")]);
    let text = read();
    assert!(
        text.contains(&stripe("1.1.0")) && !text.contains(&stripe("1.0.0")),
        "{text}"
    );
    let lock = env.lock();
    assert!(
        lock.contains(&stripe("1.1.0")) && !lock.contains(&stripe("1.0.0")),
        "{lock}"
    );
    env.ok(&["check"]);
    // A version the registry does not have is refused as the command line's, as for FPL, and
    // nothing is written.
    let out = env.fails(
        &["import", &stripe("9.9.9")],
        "E0403",
        "available: 1.0.0, 1.1.0",
    );
    assert!(out.contains("the reference on the command line"), "{out}");
}
