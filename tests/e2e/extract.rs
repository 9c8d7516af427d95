//! End-to-end tests of `faramesh extract python`: a directory of Python sources becomes a
//! policy that `faramesh check` accepts and `faramesh eval` decides as the decorators say;
//! every bad input ends in `error: FILE:LINE:COLUMN: …`, exit 1, and nothing written.

use std::path::Path;

use crate::support::{eval_stdin, faramesh};

const PAYMENTS: &str = r#"import faramesh


@faramesh.tool(name="stripe/refund", defer_above=500, deny_above=5000, notify="finance")
def refund(amount):
    ...


@faramesh.tool(name="stripe/charge", permit=True, when="amount < 100 and currency == 'usd'")
def charge(amount, currency):
    ...
"#;

const SUPPORT: &str = r#"from faramesh.sdk import governed_tool


@governed_tool(agent_id="support-bot", tool="zendesk", operation="reply", permit=True)
def reply(ticket, text):
    ...
"#;

/// A project: `app/payments.py`, `app/support/tickets.py`, and decorated files where the
/// extractor must not look (a virtual environment, a hidden directory, `__pycache__`).
fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    let write = |path: &str, text: &str| {
        let path = dir.path().join(path);
        std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write("app/payments.py", PAYMENTS);
    write("app/support/tickets.py", SUPPORT);
    write("app/README.md", "not Python");
    let stray = PAYMENTS.replace("stripe/refund", "stray/tool");
    write("env/pyvenv.cfg", "home = /usr/bin\n");
    write("env/lib/site.py", &stray);
    write(".venv/lib/site.py", &stray);
    write("app/__pycache__/payments.py", &stray);
    dir
}

fn extract(args: &[&str], dir: &Path) -> std::process::Output {
    faramesh()
        .current_dir(dir)
        .args(["extract", "python"])
        .args(args)
        .output()
        .expect("runs")
}

#[test]
fn a_directory_becomes_a_policy_that_checks_and_decides_as_the_decorators_say() {
    let dir = project();
    let output = extract(&["."], dir.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let policy = String::from_utf8(output.stdout).expect("UTF-8");
    insta::assert_snapshot!(policy);
    assert!(!policy.contains("stray"), "skipped directories: {policy}");
    // The same bytes every time.
    assert_eq!(extract(&["."], dir.path()).stdout, policy.as_bytes());

    let file = dir.path().join("policy.fpl");
    let written = extract(&[".", "-o", "policy.fpl"], dir.path());
    assert!(written.status.success());
    assert_eq!(std::fs::read_to_string(&file).expect("written"), policy);
    faramesh().arg("check").arg(&file).assert().success();

    let requests = [
        r#"{"agent":"default","tool":"stripe/refund","args":{"amount":100}}"#,
        r#"{"agent":"default","tool":"stripe/refund","args":{"amount":600}}"#,
        r#"{"agent":"default","tool":"stripe/refund","args":{"amount":6000}}"#,
        r#"{"agent":"default","tool":"stripe/refund","args":{}}"#,
        r#"{"agent":"default","tool":"stripe/charge","args":{"amount":50,"currency":"usd"}}"#,
        r#"{"agent":"default","tool":"stripe/charge","args":{"amount":50,"currency":"eur"}}"#,
        r#"{"agent":"support-bot","tool":"zendesk/reply","args":{}}"#,
        r#"{"agent":"support-bot","tool":"stripe/refund","args":{"amount":1}}"#,
    ];
    let decided: Vec<(String, String)> = eval_stdin(&file, requests.join("\n") + "\n")
        .into_iter()
        .map(|(effect, code, _)| (effect, code))
        .collect();
    let expected = [
        ("permit", "RULE_PERMIT"),
        ("defer", "RULE_DEFER"),
        ("deny", "RULE_DENY"),
        ("deny", "CONDITION_ERROR"),
        ("permit", "RULE_PERMIT"),
        ("deny", "DEFAULT_DENY"),
        ("permit", "RULE_PERMIT"),
        ("deny", "DEFAULT_DENY"),
    ];
    let expected: Vec<(String, String)> = expected
        .iter()
        .map(|(effect, code)| (effect.to_string(), code.to_string()))
        .collect();
    assert_eq!(decided, expected);
}

#[test]
fn the_agent_option_puts_every_rule_in_one_agent() {
    let dir = project();
    let output = extract(&["app", "--agent", "payments-bot"], dir.path());
    assert!(output.status.success());
    let file = dir.path().join("policy.fpl");
    std::fs::write(&file, &output.stdout).expect("write");
    let decided = eval_stdin(
        &file,
        concat!(
            r#"{"agent":"payments-bot","tool":"zendesk/reply","args":{}}"#,
            "\n",
            r#"{"agent":"payments-bot","tool":"stripe/refund","args":{"amount":600}}"#,
            "\n"
        ),
    );
    assert_eq!(decided[0].0, "permit");
    assert_eq!(decided[1].0, "defer");
}

#[test]
fn bad_decorators_are_reported_at_their_lines_and_nothing_is_written() {
    let dir = project();
    std::fs::write(
        dir.path().join("app/bad.py"),
        "import faramesh\n\n@faramesh.tool(name=\"x\", permit=True, deny=True, when=\"amount <\", colour=1)\ndef x(): ...\n\n@faramesh.tool(name=\"y\", permit=True, when=\"amount < 'a'\")\ndef y(): ...\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("policy.fpl"), "# the old policy\n").expect("write");
    let output = extract(&["app", "-o", "policy.fpl"], dir.path());
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    insta::assert_snapshot!(String::from_utf8_lossy(&output.stderr));
    assert_eq!(
        std::fs::read_to_string(dir.path().join("policy.fpl")).expect("kept"),
        "# the old policy\n"
    );
}

#[test]
fn paths_that_cannot_be_read_or_hold_no_decorator_fail() {
    let dir = project();
    let missing = extract(&["nowhere"], dir.path());
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&missing.stderr).contains("nowhere"),
        "{}",
        String::from_utf8_lossy(&missing.stderr)
    );
    std::fs::write(dir.path().join("plain.py"), "def f(): ...\n").expect("write");
    let nothing = extract(&["plain.py"], dir.path());
    assert_eq!(nothing.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&nothing.stderr).contains("no `@faramesh.tool`"),
        "{}",
        String::from_utf8_lossy(&nothing.stderr)
    );
    std::fs::write(dir.path().join("binary.py"), b"x = '\xff'\n").expect("write");
    let binary = extract(&["binary.py"], dir.path());
    assert_eq!(binary.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&binary.stderr).lines().next(),
        Some("error: binary.py:1:6: not valid UTF-8")
    );
}

#[test]
fn the_documented_example_is_what_the_command_prints() {
    let repository = fpl_testdata::repository_dir();
    let docs = std::fs::read_to_string(repository.join("docs/annotations.md")).expect("docs");
    let start = docs.find("```fpl\n").expect("an FPL block") + "```fpl\n".len();
    let documented = &docs[start..start + docs[start..].find("```\n").expect("closed")];
    let output = extract(&["examples/python", "--agent", "payments-bot"], &repository);
    assert!(output.status.success());
    assert_eq!(String::from_utf8_lossy(&output.stdout), documented);
}
