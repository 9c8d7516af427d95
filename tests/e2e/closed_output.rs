//! Commands whose standard output or standard error is closed by its reader (`faramesh … |
//! head`, `2>&1 | head`): each ends quietly with the exit code it has when its output is read,
//! never with a panic; a standard output that cannot be written for another reason (a full
//! disk) is an error that says so.

use std::path::Path;
use std::process::{Output, Stdio};

const POLICY: &str = "agent bot {\n  default deny\n  permit t/*\n}\n";
/// A policy with an error (E0201) and formatting to change.
const BAD_POLICY: &str = "agent bot { default deny }\nagent bot { default deny }\n";
/// The policy with its permit removed, for `diff`.
const DENY_POLICY: &str = "agent bot {\n  default deny\n}\n";
const PYTHON: &str =
    "import faramesh\n\n@faramesh.tool(name=\"t/x\", permit=True)\ndef x():\n    pass\n";
const TESTS: &str = "cases:\n  - name: ok\n    request: { agent: bot, tool: t/x }\n    expect: { effect: permit }\n";

/// Which output of a command is a pipe whose reading end is closed before the command starts,
/// so that its first write there fails.
#[derive(Clone, Copy, PartialEq)]
enum Closed {
    Neither,
    Stdout,
    Stderr,
}

/// Runs `faramesh args…` in `dir`, its outputs read but the one `closed` names.
fn run(dir: &Path, args: &[&str], closed: Closed) -> Output {
    let mut command = std::process::Command::new(faramesh_e2e::binary());
    command
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .args(args)
        .stdin(Stdio::null());
    if closed != Closed::Neither {
        let (reader, writer) = std::io::pipe().expect("a pipe");
        drop(reader);
        if closed == Closed::Stdout {
            command.stdout(writer);
        } else {
            command.stderr(writer);
        }
    }
    command.output().expect("runs")
}

#[test]
fn printing_commands_end_quietly_when_their_reader_is_gone() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("governance.fms"), POLICY).expect("policy");
    std::fs::write(dir.path().join("bad.fpl"), BAD_POLICY).expect("bad policy");
    std::fs::write(dir.path().join("bot.fmtest.yaml"), TESTS).expect("tests");
    std::fs::write(dir.path().join("deny.fpl"), DENY_POLICY).expect("changed policy");
    std::fs::write(dir.path().join("app.py"), PYTHON).expect("python");
    let request = r#"{"agent":"bot","tool":"t/x"}"#;
    let logged = run(
        dir.path(),
        &[
            "eval",
            "--policy",
            "governance.fms",
            "--request",
            request,
            "--log",
            "decisions.log",
        ],
        Closed::Neither,
    );
    assert!(logged.status.success(), "{logged:?}");
    let commands: [&[&str]; 14] = [
        &["completions", "bash"],
        &["completions", "zsh"],
        &["explain", "--all"],
        &["explain", "E0201"],
        &["schema", "policy"],
        &["check", "bad.fpl"],
        &["check", "--format", "sarif", "bad.fpl"],
        &["fmt", "--diff", "bad.fpl"],
        &["convert", "governance.fms", "--to", "yaml"],
        &["test", "bot.fmtest.yaml"],
        &["audit", "verify", "decisions.log"],
        &["eval", "--policy", "governance.fms", "--request", request],
        &["extract", "python", "app.py"],
        &["diff", "governance.fms", "deny.fpl"],
    ];
    for args in commands {
        let read = run(dir.path(), args, Closed::Neither);
        assert!(!read.stdout.is_empty(), "{args:?} prints nothing: {read:?}");
        let closed = run(dir.path(), args, Closed::Stdout);
        let stderr = String::from_utf8_lossy(&closed.stderr);
        assert!(
            !stderr.contains("panicked") && !stderr.contains("Broken pipe"),
            "{args:?}: {stderr}"
        );
        assert_eq!(
            closed.status.code(),
            read.status.code(),
            "{args:?} exits as when read: {stderr}"
        );
    }
}

#[test]
fn commands_that_report_on_standard_error_end_as_usual_when_it_is_closed() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("bad.fpl"), BAD_POLICY).expect("bad policy");
    let request = r#"{"agent":"bot","tool":"t/x"}"#;
    let commands: [&[&str]; 7] = [
        &["check", "missing.fpl"],
        &["fmt", "missing.fpl"],
        &["test", "missing.fmtest.yaml"],
        &["eval", "--policy", "bad.fpl", "--request", request],
        &["explain", "E9999"],
        &["lock"],
        &["convert", "bad.fpl", "--to", "yaml"],
    ];
    for args in commands {
        let read = run(dir.path(), args, Closed::Neither);
        assert!(
            !read.stderr.is_empty(),
            "{args:?} reports nothing: {read:?}"
        );
        let closed = run(dir.path(), args, Closed::Stderr);
        assert_eq!(
            closed.status.code(),
            read.status.code(),
            "{args:?} exits as when its standard error is read (101 is a panic)"
        );
    }
}

#[test]
fn a_full_stdout_is_an_error_that_says_so() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full");
    let output = std::process::Command::new(faramesh_e2e::binary())
        .env("NO_COLOR", "1")
        .args(["explain", "--all"])
        .stdout(full)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("cannot write to standard output: No space left on device"),
        "{stderr}"
    );
}
