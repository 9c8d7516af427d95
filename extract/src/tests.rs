//! Extraction from fixture Python files (`extract/fixtures/`): each `ok/` fixture gives a
//! policy that parses, checks with no error and is formatted; each `err/` fixture gives its
//! mistakes at their lines and columns. Both are snapshots.

use std::path::{Path, PathBuf};

use fpl_analyzer::host::check_policy;
use fpl_analyzer::{CheckOptions, SourceFile};

use super::{ExtractError, Options, extract_python};

fn fixtures(kind: &str) -> Vec<PathBuf> {
    let dir = fpl_testdata::repository_dir()
        .join("extract/fixtures")
        .join(kind);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("fixture directory")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "py"))
        .collect();
    files.sort();
    assert!(!files.is_empty(), "fixtures in {}", dir.display());
    files
}

fn source(path: &Path) -> SourceFile {
    let bytes = std::fs::read(path).expect("fixture");
    let name = path.file_name().expect("a name").to_string_lossy();
    SourceFile::from_bytes(format!("{name}"), &bytes)
}

fn name(path: &Path) -> String {
    path.file_stem()
        .expect("a name")
        .to_string_lossy()
        .into_owned()
}

/// The policy of an `ok/` fixture; it must check with no error and be formatted.
fn extracted(path: &Path, options: &Options) -> String {
    let policy = match extract_python(&[source(path)], options) {
        Ok(policy) => policy,
        Err(error) => panic!("{}: {error:?}", path.display()),
    };
    let analysis = check_policy(
        vec![SourceFile::new("extracted.fpl", policy.as_str())],
        &CheckOptions::default(),
    );
    let errors: Vec<_> = analysis
        .diagnostics
        .iter()
        .filter(|d| d.is_error())
        .collect();
    assert!(errors.is_empty(), "{policy}\n{errors:?}");
    assert_eq!(
        fpl_fmt::format_text(&policy).as_deref(),
        Ok(policy.as_str()),
        "formatted"
    );
    policy
}

/// The mistakes of an `err/` fixture, one a line.
fn mistakes(path: &Path) -> String {
    match extract_python(&[source(path)], &Options::default()) {
        Ok(policy) => panic!("{}: no mistake found:\n{policy}", path.display()),
        Err(ExtractError::Problems(problems)) => problems
            .iter()
            .map(|problem| format!("{problem}\n"))
            .collect(),
        Err(other) => format!("{other}\n"),
    }
}

#[test]
fn ok_fixtures_extract_to_checked_formatted_policies() {
    for path in fixtures("ok") {
        insta::assert_snapshot!(
            format!("ok_{}", name(&path)),
            extracted(&path, &Options::default())
        );
    }
}

#[test]
fn err_fixtures_report_every_mistake_at_its_position() {
    for path in fixtures("err") {
        insta::assert_snapshot!(format!("err_{}", name(&path)), mistakes(&path));
    }
}

#[test]
fn the_agent_option_puts_every_rule_in_one_agent() {
    let path = fpl_testdata::repository_dir().join("extract/fixtures/ok/governed_tool.py");
    let policy = extracted(
        &path,
        &Options {
            agent: Some("support bot".to_string()),
        },
    );
    assert!(policy.contains("agent \"support bot\" {"), "{policy}");
    assert_eq!(policy.matches("agent ").count(), 1, "{policy}");
}

#[test]
fn files_without_decorators_extract_nothing() {
    let files = [SourceFile::new(
        "plain.py",
        "from langchain.tools import tool\n\n@tool\ndef search(q): ...\n",
    )];
    assert_eq!(
        extract_python(&files, &Options::default()),
        Err(ExtractError::NothingFound { files: 1 })
    );
}

#[test]
fn unreadable_files_are_reported_and_the_others_still_read() {
    let files = [
        SourceFile::from_bytes("bad.py", b"x = 1\ny = '\xff'\n"),
        SourceFile::too_large("big.py"),
        SourceFile::new(
            "broken.py",
            "import faramesh\n\n@faramesh.tool(name=\"a\", permit=True\ndef a(): ...\n",
        ),
    ];
    let Err(ExtractError::Problems(problems)) = extract_python(&files, &Options::default()) else {
        panic!("mistakes expected");
    };
    let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
    insta::assert_snapshot!(text.join("\n"));
}

#[test]
fn positions_count_every_line_end_and_characters() {
    let text =
        "import faramesh\r\n\r\n# é\r@faramesh.tool(name=\"é\", permit=True)\r\ndef f(): ...\r\n";
    let Err(ExtractError::Problems(problems)) =
        extract_python(&[SourceFile::new("crlf.py", text)], &Options::default())
    else {
        panic!("a mistake expected");
    };
    assert_eq!(problems.len(), 1);
    assert_eq!((problems[0].line, problems[0].column), (4, 21));
}
