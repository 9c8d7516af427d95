//! End-to-end tests of the decision log through the real binary: concurrent `eval --log`
//! processes, strict record parsing in `audit verify`, and `--expect-head`.

use crate::support::faramesh;
use predicates::prelude::*;

const POLICY: &str = "agent bot {\n  default deny\n  permit t/* when amount < 10\n}\n";

fn project() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(dir.path().join("governance.fms"), POLICY).expect("write policy");
    dir
}

/// Writes `count` requests to `requests.jsonl` in `dir`.
fn requests(dir: &std::path::Path, count: usize) {
    let lines: Vec<String> = (0..count)
        .map(|i| {
            format!(
                r#"{{"agent":"bot","tool":"t/x","args":{{"amount":{}}}}}"#,
                i % 20
            )
        })
        .collect();
    std::fs::write(dir.join("requests.jsonl"), lines.join("\n")).expect("write requests");
}

fn verify(dir: &std::path::Path) -> String {
    let output = faramesh()
        .current_dir(dir)
        .args(["audit", "verify", "decisions.log"])
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn concurrent_eval_processes_extend_one_chain() {
    let dir = project();
    const PROCESSES: usize = 4;
    const EACH: usize = 60;
    requests(dir.path(), EACH);
    let children: Vec<std::process::Child> = (0..PROCESSES)
        .map(|_| {
            std::process::Command::new(faramesh_e2e::binary())
                .current_dir(dir.path())
                .args(["eval", "--policy", ".", "--requests", "requests.jsonl"])
                .args(["--log", "decisions.log"])
                .stdout(std::process::Stdio::null())
                .spawn()
                .expect("starts")
        })
        .collect();
    for mut child in children {
        assert!(child.wait().expect("exits").success());
    }
    let report = verify(dir.path());
    assert!(
        report.contains(&format!("{} records verified", PROCESSES * EACH)),
        "{report}"
    );
}

#[test]
fn audit_verify_refuses_duplicate_keys_and_catches_a_cut_off_end() {
    let dir = project();
    requests(dir.path(), 3);
    faramesh()
        .current_dir(dir.path())
        .args(["eval", "--policy", ".", "--requests", "requests.jsonl"])
        .args(["--log", "decisions.log"])
        .assert()
        .success();
    let report = verify(dir.path());
    let head = report
        .trim()
        .rsplit(' ')
        .next()
        .expect("the head hash")
        .to_string();
    assert_eq!(head.len(), 64, "{report}");
    faramesh()
        .current_dir(dir.path())
        .args(["audit", "verify", "decisions.log", "--expect-head", &head])
        .assert()
        .success()
        .stdout(predicate::str::contains("expected head is record 3"));

    let log = dir.path().join("decisions.log");
    let text = std::fs::read_to_string(&log).expect("log");
    let lines: Vec<&str> = text.lines().collect();
    std::fs::write(&log, format!("{}\n{}\n", lines[0], lines[1])).expect("cut");
    faramesh()
        .current_dir(dir.path())
        .args(["audit", "verify", "decisions.log", "--expect-head", &head])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("not in the chain"));

    // `"effect":"deny","effect":"permit"` reads as a permit to a lenient parser, whose hash
    // still matches: the record is refused.
    let forged = text.replacen(
        r#""effect":"permit""#,
        r#""effect":"deny","effect":"permit""#,
        1,
    );
    assert_ne!(forged, text);
    std::fs::write(&log, forged).expect("forge");
    faramesh()
        .current_dir(dir.path())
        .args(["audit", "verify", "decisions.log"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("record 1 was changed"));

    faramesh()
        .current_dir(dir.path())
        .args(["audit", "verify", "missing.log"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("missing.log"));
}
