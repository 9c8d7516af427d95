//! Every command reads a project the same way (SPEC §1, §9.1): `faramesh.toml`'s files, else
//! the directory's policy files outside `target/`, `node_modules/` and hidden directories; its
//! mistakes are diagnostics on it; a git revision is read from the object database with its own
//! manifest; an argument that is both a path and a revision is refused.

use std::path::Path;

use faramesh_e2e::faramesh;
use fpl_testdata::registry::git_commit_all;
use predicates::prelude::*;
use serde_json::Value;

const MESSY: &str = "agent a {\ndefault deny\n    permit x\n}\n";
const FORMATTED: &str = "agent a {\n  default deny\n  permit x\n}\n";

fn write(dir: &Path, name: &str, text: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().expect("a parent")).expect("create dir");
    std::fs::write(path, text).expect("write");
}

fn read(dir: &Path, name: &str) -> String {
    std::fs::read_to_string(dir.join(name)).expect("read")
}

#[test]
fn fmt_leaves_build_output_and_dependencies_alone() {
    let dir = tempfile::tempdir().expect("temp dir");
    for name in ["policy.fpl", "target/copy.fpl", "node_modules/pkg/x.fpl"] {
        write(dir.path(), name, MESSY);
    }
    faramesh()
        .current_dir(dir.path())
        .args(["fmt", "--check"])
        .assert()
        .code(1)
        .stdout("policy.fpl\n");
    faramesh()
        .current_dir(dir.path())
        .arg("fmt")
        .assert()
        .success();
    assert_eq!(read(dir.path(), "policy.fpl"), FORMATTED);
    assert_eq!(read(dir.path(), "target/copy.fpl"), MESSY);
    assert_eq!(read(dir.path(), "node_modules/pkg/x.fpl"), MESSY);
}

#[test]
fn fmt_formats_the_files_the_manifest_lists() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "faramesh.toml",
        "[policy]\nfiles = [\"policy/main.fpl\"]\n",
    );
    write(dir.path(), "policy/main.fpl", MESSY);
    write(dir.path(), "scratch.fpl", "agent {\n");
    faramesh()
        .current_dir(dir.path())
        .arg("fmt")
        .assert()
        .success();
    assert_eq!(read(dir.path(), "policy/main.fpl"), FORMATTED);
    assert_eq!(read(dir.path(), "scratch.fpl"), "agent {\n");
}

#[test]
fn mistakes_in_the_manifest_are_reported_in_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(
        dir.path(),
        "faramesh.toml",
        "[policy]\nfiles = [\n  \"main.fpl\",\n  \"../secret.fpl\",\n]\n",
    );
    write(dir.path(), "main.fpl", FORMATTED);
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "--no-smt", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).expect("JSON");
    let diagnostic = &report["diagnostics"][0];
    assert_eq!(report["diagnostics"].as_array().map(Vec::len), Some(1));
    assert_eq!(diagnostic["code"], "E0409");
    assert_eq!(diagnostic["file"], "faramesh.toml");
    assert_eq!(
        (&diagnostic["line"], &diagnostic["column"]),
        (&4.into(), &3.into())
    );
    faramesh()
        .current_dir(dir.path())
        .arg("fmt")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "faramesh.toml:4:3: error[E0409]: `../secret.fpl` is not a path inside the project",
        ));
    faramesh()
        .current_dir(dir.path())
        .args(["eval", "--policy", ".", "--request", "{}"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("E0409"));
}

#[test]
fn policy_tests_are_found_outside_dependencies() {
    let dir = tempfile::tempdir().expect("temp dir");
    write(dir.path(), "governance.fms", FORMATTED);
    let case = "cases:\n  - name: x is permitted\n    request: { agent: a, tool: x }\n    expect: { effect: permit }\n";
    write(dir.path(), "policy.fmtest.yaml", case);
    let failing = case.replace("effect: permit", "effect: deny");
    write(dir.path(), "node_modules/pkg/policy.fmtest.yaml", &failing);
    write(dir.path(), "target/policy.fmtest.yaml", &failing);
    faramesh()
        .current_dir(dir.path())
        .arg("test")
        .assert()
        .success()
        .stdout(predicate::str::contains("1 passed, 0 failed"));
}

/// A repository in `dir` whose commits hold `versions` in order, each a list of files.
fn repository(dir: &Path, versions: &[&[(&str, &str)]]) {
    for files in versions {
        for (name, text) in *files {
            write(dir, name, text);
        }
        git_commit_all(dir, "v");
    }
}

const OLD: &str = "agent a {\n  default deny\n  permit stripe/refund when amount <= 100\n}\n";
const NEW: &str = "agent a {\n  default deny\n  permit stripe/refund when amount <= 500\n}\n";
const MANIFEST: &str = "[policy]\nfiles = [\"main.fpl\"]\n";

#[test]
fn a_revision_is_read_with_its_manifest_and_never_from_the_work_tree() {
    let dir = tempfile::tempdir().expect("temp dir");
    let draft = "agent a {\n  default permit\n}\n";
    repository(
        dir.path(),
        &[
            &[
                ("policy/faramesh.toml", MANIFEST),
                ("policy/main.fpl", OLD),
                ("policy/draft.fpl", draft),
            ],
            &[
                ("policy/faramesh.toml", MANIFEST),
                ("policy/main.fpl", NEW),
                ("policy/draft.fpl", draft),
            ],
        ],
    );
    // A dirty work tree: a manifest that lists the draft, an edited policy, a new file.
    let policy = dir.path().join("policy");
    write(
        &policy,
        "faramesh.toml",
        "[policy]\nfiles = [\"draft.fpl\"]\n",
    );
    write(&policy, "main.fpl", "this is not a policy");
    write(&policy, "extra.fpl", "agent b {\n  default permit\n}\n");
    let output = faramesh()
        .current_dir(&policy)
        .args(["diff", "HEAD~1", "HEAD"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{stdout}");
    assert_eq!(
        stdout.lines().count(),
        2,
        "one region, from main.fpl only: {stdout}"
    );
    assert!(
        stdout.starts_with("a: deny (DEFAULT_DENY, -) -> permit (RULE_PERMIT, a/1)"),
        "{stdout}"
    );
}

#[test]
fn an_argument_that_is_both_a_path_and_a_revision_is_refused() {
    let dir = tempfile::tempdir().expect("temp dir");
    repository(
        dir.path(),
        &[&[("governance.fms", OLD)], &[("governance.fms", NEW)]],
    );
    let repository = git2::Repository::open(dir.path()).expect("open");
    let head = repository
        .head()
        .and_then(|head| head.peel_to_commit())
        .expect("head");
    repository.branch("old", &head, false).expect("branch");
    write(dir.path(), "old", OLD);
    faramesh()
        .current_dir(dir.path())
        .args(["diff", "old", "HEAD"])
        .assert()
        .code(2)
        .stderr(
            predicate::str::contains("`old` is both a path and a git revision")
                .and(predicate::str::contains("write `./old` for the path"))
                .and(predicate::str::contains("`old^{commit}` for the revision")),
        );
    faramesh()
        .current_dir(dir.path())
        .args(["diff", "./old", "HEAD~1"])
        .assert()
        .success();
    faramesh()
        .current_dir(dir.path())
        .args(["diff", "old^{commit}", "HEAD~1"])
        .assert()
        .code(1);
    faramesh()
        .current_dir(dir.path())
        .args(["diff", "nothing", "HEAD"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("`nothing` is neither a file"));
}
