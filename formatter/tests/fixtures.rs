//! Formatter fixtures: every `tests/fixtures/*.fpl` is formatted and snapshotted; the output must
//! be idempotent and keep every token and comment of the input.

mod common;

#[test]
fn fixtures() {
    let dir = fpl_testdata::repository_dir().join("formatter/tests/fixtures");
    let paths = fpl_testdata::policy_files(&dir);
    assert!(!paths.is_empty());
    for path in paths {
        let input = std::fs::read_to_string(&path).expect("fixture is UTF-8");
        let output = common::format_checked(&input);
        let name = path
            .file_stem()
            .and_then(|stem| stem.to_str())
            .unwrap_or("fixture");
        insta::with_settings!({
            snapshot_path => "fixtures/snapshots",
            prepend_module_to_snapshot => false,
            input_file => &path,
        }, {
            insta::assert_snapshot!(name, output);
        });
    }
}

#[test]
fn syntax_errors_leave_the_file_alone() {
    let result = fpl_fmt::format_text("agent a {\n  permit\n}\n");
    let Err(fpl_fmt::FormatError::Syntax(errors)) = result else {
        panic!("expected syntax errors, got {result:?}");
    };
    assert!(!errors.is_empty());
}

#[test]
fn empty_and_blank_files() {
    assert_eq!(fpl_fmt::format_text(""), Ok(String::new()));
    assert_eq!(fpl_fmt::format_text("\n\n  \n"), Ok(String::new()));
    assert_eq!(
        fpl_fmt::format_text("\n# only\n\n"),
        Ok("# only\n".to_string())
    );
}
