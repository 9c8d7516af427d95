//! The examples in each code's documentation are tests: the invalid one reports the code, the
//! valid one reports nothing at all. Examples are checked the way `faramesh check` checks a
//! policy: the checks, then the SMT analysis (`S03xx`) when the policy has no errors.

use fpl_analyzer::host::check_policy;
use fpl_analyzer::smt::{self, SmtOptions};
use fpl_analyzer::{CheckOptions, Code, SourceFile};

/// The codes no single file can show, and why; every other code has both examples.
const WITHOUT_EXAMPLES: &[(Code, &str)] = &[
    (Code::E0006, "needs a file over 16 MiB"),
    (
        Code::E0204,
        "needs `--require-env` and an unset environment variable",
    ),
    (Code::E0404, "needs a registry that cannot be reached"),
    (Code::E0405, "needs a registry that serves bad data"),
    (Code::E0406, "needs an artifact and its signature"),
    (Code::E0407, "needs an artifact that changed after locking"),
    (Code::E0408, "depends on faramesh.lock and the cache"),
    (
        Code::E0409,
        "depends on faramesh.toml, faramesh.lock or the cache",
    ),
];

fn codes_of(code: Code, text: &str) -> Vec<Code> {
    let path = if code.examples_are_yaml() {
        "example.fpl.yaml"
    } else {
        "example.fpl"
    };
    let analysis = check_policy(vec![SourceFile::new(path, text)], &CheckOptions::default());
    let mut codes: Vec<Code> = analysis
        .diagnostics
        .iter()
        .map(|diagnostic| diagnostic.code)
        .collect();
    if !analysis.has_errors() {
        let report = smt::analyze_smt(&analysis, &SmtOptions::default()).expect("smt runs");
        assert!(
            report.internal_errors.is_empty(),
            "{:?}",
            report.internal_errors
        );
        codes.extend(report.diagnostics.iter().map(|diagnostic| diagnostic.code));
    }
    codes
}

/// The codes whose examples a single file shows; the examples of import codes need a registry
/// and are checked by `cli/tests/registry_codes.rs`.
fn with_examples() -> impl Iterator<Item = Code> {
    Code::ALL
        .iter()
        .copied()
        .filter(|code| !WITHOUT_EXAMPLES.iter().any(|(without, _)| without == code))
        .filter(|code| !code.needs_registry())
}

#[test]
fn only_the_listed_codes_lack_examples() {
    for code in Code::ALL {
        let docs = code.docs();
        let listed = WITHOUT_EXAMPLES.iter().any(|(without, _)| without == code);
        assert_eq!(
            docs.invalid.is_empty(),
            listed,
            "{}: invalid example",
            code.as_str()
        );
        assert_eq!(
            docs.valid.is_empty(),
            listed,
            "{}: valid example",
            code.as_str()
        );
    }
}

#[test]
fn invalid_examples_report_their_code() {
    for code in with_examples() {
        let codes = codes_of(code, code.docs().invalid);
        assert!(
            codes.contains(&code),
            "{}: invalid example reports {codes:?}",
            code.as_str()
        );
    }
}

#[test]
fn valid_examples_report_nothing() {
    for code in with_examples() {
        assert_eq!(
            codes_of(code, code.docs().valid),
            vec![],
            "{}: valid example",
            code.as_str()
        );
    }
}

#[test]
fn smt_codes_are_shown_by_their_examples() {
    let smt_codes: Vec<Code> = Code::ALL
        .iter()
        .copied()
        .filter(|code| code.as_str().starts_with("S03"))
        .collect();
    assert_eq!(smt_codes.len(), 7, "S0301–S0307");
    for code in smt_codes {
        assert!(
            with_examples().any(|with| with == code),
            "{} has no examples",
            code.as_str()
        );
    }
}

#[test]
fn codes_parse_by_text_and_name() {
    for code in Code::ALL {
        assert_eq!(Code::parse(code.as_str()), Some(*code));
        assert_eq!(Code::parse(&code.as_str().to_lowercase()), Some(*code));
        assert_eq!(Code::parse(code.name()), Some(*code));
    }
}
