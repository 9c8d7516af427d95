//! `faramesh test` and policy reading, end to end: bare file names, strict test files, a policy
//! with errors and no cases, unreadable paths named, and endless policy files refused.

use std::time::Duration;

use crate::support::faramesh;
use predicates::prelude::*;

const POLICY: &str = "agent bot {\n  default deny\n  permit t/*\n}\n";

fn project(test_file: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("governance.fms"), POLICY).expect("write policy");
    std::fs::write(dir.path().join("bot.fmtest.yaml"), test_file).expect("write tests");
    dir
}

const GOOD: &str = "cases:\n  - name: ok\n    request: { agent: bot, tool: t/x }\n    expect: { effect: permit }\n";

#[test]
fn a_bare_test_file_name_runs() {
    let dir = project(GOOD);
    faramesh()
        .current_dir(dir.path())
        .args(["test", "bot.fmtest.yaml"])
        .assert()
        .success()
        .stdout(predicate::str::contains("1 passed, 0 failed"));
}

#[test]
fn duplicate_keys_and_empty_expectations_are_refused_with_their_place() {
    for (text, place, message) in [
        (
            "cases:\n  - name: a\n    request: { agent: bot, tool: t/x, tool: shell/exec }\n    expect: { effect: permit }\n",
            "bot.fmtest.yaml:3:39:",
            "duplicate key `tool`",
        ),
        (
            "cases:\n  - name: a\n    request: { agent: bot, tool: t/x }\n    expect:\n      effect: permit\n      effect: deny\n",
            "bot.fmtest.yaml:6:7:",
            "duplicate key `effect`",
        ),
        (
            "cases:\n  - name: a\n    name: b\n    request: { agent: bot, tool: t/x }\n    expect: { effect: permit }\n",
            "bot.fmtest.yaml:3:5:",
            "duplicate field `name`",
        ),
        (
            "cases:\n  - name: a\n    request: { agent: bot, tool: t/x }\n    expect: {}\n",
            "bot.fmtest.yaml:2",
            "the expectation is empty",
        ),
    ] {
        let dir = project(text);
        faramesh()
            .current_dir(dir.path())
            .arg("test")
            .assert()
            .code(2)
            .stderr(predicate::str::contains(place))
            .stderr(predicate::str::contains(message))
            // The place is said once, in front.
            .stderr(predicate::str::contains(" at line ").not());
    }
}

#[test]
fn a_policy_with_errors_fails_even_without_cases() {
    let dir = project("cases: []\n");
    std::fs::write(
        dir.path().join("governance.fms"),
        "agent bot {\n  defualt deny\n}\n",
    )
    .expect("write policy");
    faramesh()
        .current_dir(dir.path())
        .arg("test")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("policy has 1 error(s)"));
}

#[test]
fn unreadable_paths_are_named() {
    let dir = project(GOOD);
    std::fs::write(
        dir.path().join("bot.fmtest.yaml"),
        format!("policy: nowhere.fms\n{GOOD}"),
    )
    .expect("write tests");
    for (args, path) in [
        (&["test", "missing.fmtest.yaml"][..], "missing.fmtest.yaml"),
        (&["test", "bot.fmtest.yaml"][..], "nowhere.fms"),
    ] {
        faramesh()
            .current_dir(dir.path())
            .args(args)
            .assert()
            .code(2)
            .stderr(predicate::str::contains(path));
    }
}

#[test]
fn an_endless_policy_file_is_refused_at_16_mib() {
    // `check` prints its diagnostics to stdout, `eval` to stderr before refusing to run.
    let check = faramesh()
        .args(["check", "--no-smt", "/dev/zero"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("runs");
    let eval = faramesh()
        .args(["eval", "--policy", "/dev/zero", "--request", "{}"])
        .timeout(Duration::from_secs(120))
        .output()
        .expect("runs");
    for (output, printed) in [(&check, &check.stdout), (&eval, &eval.stderr)] {
        assert_eq!(output.status.code(), Some(1));
        let text = String::from_utf8_lossy(printed);
        assert!(
            text.contains("E0006") && text.contains("file larger than 16 MiB"),
            "{text}"
        );
        // The refused file is not quoted.
        assert!(text.len() < 4096, "{} bytes of output", text.len());
    }
}

#[test]
fn an_endless_test_file_is_refused_by_name_and_an_endless_policy_under_test_is_e0006() {
    let dir = project(GOOD);
    faramesh()
        .current_dir(dir.path())
        .args(["test", "/dev/zero"])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read `/dev/zero`: larger than 16 MiB",
        ));
    std::fs::write(
        dir.path().join("bot.fmtest.yaml"),
        format!("policy: /dev/zero\n{GOOD}"),
    )
    .expect("write tests");
    faramesh()
        .current_dir(dir.path())
        .args(["test", "bot.fmtest.yaml"])
        .timeout(Duration::from_secs(120))
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0006"));
}
