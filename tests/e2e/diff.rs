//! End-to-end tests of `faramesh diff`: files, directories, and git revisions of a real
//! repository made in a temporary directory.

use assert_cmd::Command;

const OLD: &str = "agent a {\n  default deny\n  permit stripe/refund when amount <= 100\n  defer stripe/refund when amount <= 500\n}\n";
const NEW: &str = "agent a {\n  default deny\n  permit stripe/refund when amount <= 500\n}\n";
const REORDERED: &str = "agent a {\n  default deny\n  permit b/x\n  permit a/x\n}\n";
const ORIGINAL: &str = "agent a {\n  default deny\n  permit a/x\n  permit b/x\n}\n";

fn faramesh() -> Command {
    faramesh_e2e::faramesh()
}

#[test]
fn files_with_a_changed_region() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("old.fpl"), OLD).expect("write");
    std::fs::write(dir.path().join("new.fpl"), NEW).expect("write");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["diff", "old.fpl", "new.fpl", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let regions = json["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), 1, "{json}");
    assert_eq!(regions[0]["old"]["effect"], "defer");
    assert_eq!(regions[0]["new"]["effect"], "permit");
    assert_eq!(regions[0]["old"]["rule"], "a/2");
    assert_eq!(regions[0]["new"]["rule"], "a/1");
    let markdown = faramesh()
        .current_dir(dir.path())
        .args(["diff", "old.fpl", "new.fpl", "--format", "markdown"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&markdown.stdout).contains("| a | defer `RULE_DEFER`"));
}

#[test]
fn reordering_that_changes_nothing() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("old.fpl"), ORIGINAL).expect("write");
    std::fs::write(dir.path().join("new.fpl"), REORDERED).expect("write");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["diff", "old.fpl", "new.fpl"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "no decision changed\n"
    );
}

#[test]
fn git_revisions_are_read_from_the_object_database() {
    let dir = tempfile::tempdir().expect("tempdir");
    let repository = git2::Repository::init(dir.path()).expect("init");
    let signature = git2::Signature::now("t", "t@example.com").expect("signature");
    let mut parent: Option<git2::Oid> = None;
    for text in [OLD, NEW] {
        std::fs::write(dir.path().join("governance.fms"), text).expect("write");
        let mut index = repository.index().expect("index");
        index
            .add_path(std::path::Path::new("governance.fms"))
            .expect("add");
        let tree = repository
            .find_tree(index.write_tree().expect("tree"))
            .expect("tree");
        let parents: Vec<git2::Commit> = parent
            .map(|oid| repository.find_commit(oid).expect("commit"))
            .into_iter()
            .collect();
        let parent_refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(
            repository
                .commit(
                    Some("HEAD"),
                    &signature,
                    &signature,
                    "v",
                    &tree,
                    &parent_refs,
                )
                .expect("commit"),
        );
    }
    // The work tree differs from both commits: only the object database may be read.
    std::fs::write(dir.path().join("governance.fms"), "this is not a policy").expect("write");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["diff", "HEAD~1", "HEAD"])
        .output()
        .expect("runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{stdout} {}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains("a: defer (RULE_DEFER, a/2) -> permit (RULE_PERMIT, a/1)"),
        "{stdout}"
    );
    let same = faramesh()
        .current_dir(dir.path())
        .args(["diff", "HEAD", "HEAD"])
        .output()
        .expect("runs");
    assert_eq!(same.status.code(), Some(0));
}

#[test]
fn check_reports_smt_findings_unless_disabled() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = "agent a {\n  default deny\n  permit shell/*\n  deny shell/ls\n}\n";
    std::fs::write(dir.path().join("p.fpl"), policy).expect("write");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "p.fpl"])
        .output()
        .expect("runs");
    assert!(String::from_utf8_lossy(&output.stdout).contains("S0301"));
    let output = faramesh()
        .current_dir(dir.path())
        .args(["check", "p.fpl", "--no-smt"])
        .output()
        .expect("runs");
    assert!(!String::from_utf8_lossy(&output.stdout).contains("S0301"));
}

/// Regression (issue 10): numbers above 10¹² were outside the encoding, so raising a `deny!`
/// from 1 TiB to 4 TiB was "no decision changed" although a 2 TiB upload flips to permit.
#[test]
fn a_threshold_beyond_a_trillion_is_compared() {
    let dir = tempfile::tempdir().expect("tempdir");
    let policy = |limit: &str| {
        format!("agent a {{\n  default permit\n  deny! up/x when size > {limit}\n}}\n")
    };
    std::fs::write(dir.path().join("old.fpl"), policy("1tb")).expect("write");
    std::fs::write(dir.path().join("new.fpl"), policy("4tb")).expect("write");
    let output = faramesh()
        .current_dir(dir.path())
        .args(["diff", "old.fpl", "new.fpl", "--format", "json"])
        .output()
        .expect("runs");
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).expect("json");
    let regions = json["regions"].as_array().expect("regions");
    assert_eq!(regions.len(), 1, "{json}");
    assert_eq!(regions[0]["old"]["effect"], "deny");
    assert_eq!(regions[0]["new"]["effect"], "permit");
    // The witness is a size in the changed range, printed exactly (not through a float).
    let text = String::from_utf8_lossy(&output.stdout);
    let size = text
        .split("\"size\":")
        .nth(1)
        .and_then(|rest| rest.split([',', '}']).next())
        .and_then(|number| fpl_runtime::Decimal::parse(number.trim()).ok())
        .expect("the witness has a size");
    let tib = fpl_runtime::Decimal::from_int(1 << 40);
    assert!(
        size > tib && size <= fpl_runtime::Decimal::from_int(4 << 40),
        "{text}"
    );
}
