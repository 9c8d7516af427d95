//! Parser fixtures: files in `fixtures/ok/` parse with no error, files in `fixtures/err/` with at
//! least one; both snapshot the tree and the errors, and the tree must reproduce the input.

use std::fmt::Write as _;

fn render(text: &str) -> (String, usize) {
    let parse = fpl_syntax::parse(text);
    let root = parse.syntax_node();
    assert_eq!(
        root.to_string(),
        text,
        "the tree must cover the input exactly"
    );
    let mut out = fpl_syntax::debug_tree(&root);
    for error in parse.errors() {
        let _ = writeln!(
            out,
            "{} {:?}: {}",
            error.code.as_str(),
            error.range,
            error.message
        );
    }
    (out, parse.errors().len())
}

fn run_dir(kind: &str, expect_errors: bool) {
    let dir = fpl_testdata::repository_dir()
        .join("analyzer/syntax/tests/fixtures")
        .join(kind);
    let paths = fpl_testdata::policy_files(&dir);
    assert!(!paths.is_empty());
    for path in paths {
        let text = std::fs::read_to_string(&path).expect("fixture is UTF-8");
        let (snapshot, errors) = render(&text);
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or("fixture");
        if expect_errors {
            assert!(errors > 0, "{name} should have errors");
        } else {
            assert_eq!(errors, 0, "{name} should parse cleanly:\n{snapshot}");
        }
        insta::with_settings!({ snapshot_path => format!("fixtures/{kind}/snapshots"), prepend_module_to_snapshot => false, input_file => &path }, {
            insta::assert_snapshot!(name, snapshot);
        });
    }
}

#[test]
fn ok_fixtures() {
    run_dir("ok", false);
}

#[test]
fn err_fixtures() {
    run_dir("err", true);
}
