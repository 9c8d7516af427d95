//! End-to-end tests of `faramesh fmt` through the real binary: in place, `--check`, `--diff`,
//! standard input, directories, and files with syntax errors left untouched.

use std::path::Path;

use assert_cmd::Command;
use predicates::prelude::*;

const MESSY: &str = "agent a{default deny permit x when amount<5 # small\n}\n";
const FORMATTED: &str = "agent a {\n  default deny\n  permit x when amount < 5 # small\n}\n";
const BROKEN: &str = "agent a {\n  permit\n}\n";

fn faramesh() -> Command {
    let mut command = faramesh_e2e::faramesh();
    command.env("NO_COLOR", "1");
    command
}

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).expect("create fixture directory");
    }
    std::fs::write(path, text).expect("write fixture");
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read back")
}

#[test]
fn formats_files_in_place() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policy.fpl", MESSY);
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "policy.fpl"])
        .assert()
        .success();
    assert_eq!(read(dir.path(), "policy.fpl"), FORMATTED);
    // No temporary file is left behind.
    let entries = std::fs::read_dir(dir.path()).expect("list").count();
    assert_eq!(entries, 1);
}

#[test]
fn a_crlf_file_keeps_its_line_ends() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policy.fpl", &MESSY.replace('\n', "\r\n"));
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "policy.fpl"])
        .assert()
        .success();
    assert_eq!(
        read(dir.path(), "policy.fpl"),
        FORMATTED.replace('\n', "\r\n")
    );
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "--check", "policy.fpl"])
        .assert()
        .success();
}

#[test]
fn formats_directories_recursively_by_default() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "governance.fms", MESSY);
    write(dir.path(), "nested/deeper/policy.fpl", MESSY);
    write(dir.path(), "notes.txt", MESSY);
    write(dir.path(), ".hidden/policy.fpl", MESSY);
    faramesh()
        .current_dir(dir.path())
        .arg("fmt")
        .assert()
        .success();
    assert_eq!(read(dir.path(), "governance.fms"), FORMATTED);
    assert_eq!(read(dir.path(), "nested/deeper/policy.fpl"), FORMATTED);
    assert_eq!(read(dir.path(), "notes.txt"), MESSY);
    assert_eq!(read(dir.path(), ".hidden/policy.fpl"), MESSY);
}

#[test]
fn check_lists_files_that_would_change_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "messy.fpl", MESSY);
    write(dir.path(), "clean.fpl", FORMATTED);
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "--check", "."])
        .assert()
        .code(1)
        .stdout("messy.fpl\n");
    assert_eq!(read(dir.path(), "messy.fpl"), MESSY);
}

#[test]
fn check_passes_on_formatted_files() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "clean.fpl", FORMATTED);
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "--check"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn diff_prints_a_unified_diff_and_writes_nothing() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "policy.fpl", MESSY);
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "--diff", "policy.fpl"])
        .assert()
        .code(1)
        .stdout(
            predicate::str::contains("--- a/policy.fpl")
                .and(predicate::str::contains("+++ b/policy.fpl"))
                .and(predicate::str::contains("-agent a{default deny"))
                .and(predicate::str::contains(
                    "+  permit x when amount < 5 # small",
                )),
        );
    assert_eq!(read(dir.path(), "policy.fpl"), MESSY);
}

#[test]
fn stdin_is_formatted_to_stdout() {
    faramesh()
        .args(["fmt", "-"])
        .write_stdin(MESSY)
        .assert()
        .success()
        .stdout(FORMATTED);
}

#[test]
fn syntax_errors_are_reported_and_the_file_is_left_untouched() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "broken.fpl", BROKEN);
    write(dir.path(), "good.fpl", MESSY);
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "broken.fpl", "good.fpl"])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"^broken\.fpl:3:1: error\[E0101\]: ").expect("regex"));
    assert_eq!(read(dir.path(), "broken.fpl"), BROKEN);
    // The other files are still formatted.
    assert_eq!(read(dir.path(), "good.fpl"), FORMATTED);
}

#[test]
fn lone_cr_files_are_formatted_and_their_errors_located_by_line() {
    let dir = tempfile::tempdir().expect("temp dir");
    // SPEC §2: a lone CR ends a line (and a comment), as in an editor.
    write(dir.path(), "broken.fpl", &BROKEN.replace('\n', "\r"));
    write(
        dir.path(),
        "messy.fpl",
        "permit * # temp\r  deny! shell/*\r",
    );
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "broken.fpl", "messy.fpl"])
        .assert()
        .code(2)
        .stderr(predicate::str::is_match(r"^broken\.fpl:3:1: error\[E0101\]: ").expect("regex"));
    assert_eq!(
        read(dir.path(), "messy.fpl"),
        "permit *       # temp\ndeny!  shell/*\n"
    );
}

#[test]
fn missing_files_exit_2() {
    let dir = tempfile::tempdir().expect("temp dir");
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "missing.fpl"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.fpl"));
}

#[cfg(unix)]
#[test]
fn a_symbolic_link_stays_a_link() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "real/policy.fpl", MESSY);
    std::os::unix::fs::symlink("real/policy.fpl", dir.path().join("link.fpl")).expect("symlink");
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "link.fpl"])
        .assert()
        .success();
    let link = std::fs::symlink_metadata(dir.path().join("link.fpl")).expect("link metadata");
    assert!(link.file_type().is_symlink());
    assert_eq!(read(dir.path(), "real/policy.fpl"), FORMATTED);
}

/// A policy in the YAML form (SPEC §11).
const YAML_POLICY: &str = "agents:\n  bot:\n    default:   deny\n";

#[test]
fn a_yaml_policy_named_on_the_command_line_is_an_error_not_fpl_syntax_errors() {
    // A directory's YAML policies are passed over: tests/e2e/form.rs.
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "bot.fpl.yaml", YAML_POLICY);
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "bot.fpl.yaml"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bot.fpl.yaml: a YAML/JSON policy: `faramesh fmt` formats FPL only",
        ))
        .stderr(predicate::str::contains("error[").not());
    assert_eq!(read(dir.path(), "bot.fpl.yaml"), YAML_POLICY);
}
