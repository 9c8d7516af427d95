//! Errors of the operating system, as commands print them: once (not again as a cause), with
//! the path at fault.

use std::path::Path;

use crate::support::faramesh;

/// Runs `faramesh args…` in `dir`; it must exit 2 and say `needle` once, naming `path`.
fn says_once(dir: &Path, args: &[&str], path: &str, needle: &str) {
    let output = faramesh()
        .current_dir(dir)
        .args(args)
        .output()
        .expect("runs");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
    assert_eq!(
        stderr.matches(needle).count(),
        1,
        "{args:?} says `{needle}` once: {stderr}"
    );
    assert!(
        stderr.contains(&format!("`{path}`")),
        "{args:?} names `{path}`: {stderr}"
    );
}

#[test]
fn a_missing_or_unwritable_path_is_named_and_its_os_error_said_once() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("governance.fms"),
        "agent a {\n  default deny\n}\n",
    )
    .expect("policy");
    std::fs::write(dir.path().join("file"), "not a directory").expect("file");
    std::fs::create_dir(dir.path().join("adir")).expect("directory");
    let missing = "No such file or directory";
    let not_dir = "Not a directory";
    let cases: [(&[&str], &str, &str); 9] = [
        (&["check", "nothere"], "nothere", missing),
        (&["extract", "python", "nothere"], "nothere", missing),
        (&["test", "nothere"], "nothere", missing),
        (&["convert", "nothere", "--to", "yaml"], "nothere", missing),
        (&["audit", "verify", "nothere"], "nothere", missing),
        (
            &["eval", "--policy", ".", "--requests", "nothere"],
            "nothere",
            missing,
        ),
        (&["keygen", "--out", "file/key"], "file/key", "File exists"),
        (
            &[
                "convert",
                "governance.fms",
                "--to",
                "yaml",
                "-o",
                "file/out",
            ],
            "file/out",
            not_dir,
        ),
        (
            &["import", "r.io/policies/a@1.0.0", "--file", "adir"],
            "./adir",
            "Is a directory",
        ),
    ];
    for (args, path, needle) in cases {
        says_once(dir.path(), args, path, needle);
    }
}
