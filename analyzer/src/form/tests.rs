//! The YAML/JSON form against FPL: converting FPL to YAML or JSON and reading it back gives the
//! same compiled policy, over the corpus and random policies; a YAML policy's diagnostics are
//! at its own lines and columns; bad documents end in one clear error.

use proptest::prelude::*;

use super::write::{Format, write};
use crate::analysis::Analysis;
use crate::compile::compile;
use crate::host::check_policy;
use crate::{CheckOptions, Code, FileId, SourceFile};

fn check(path: &str, text: &str) -> Analysis {
    check_policy(vec![SourceFile::new(path, text)], &CheckOptions::default())
}

fn digest(analysis: &Analysis) -> String {
    match compile(analysis) {
        Ok(policy) => policy.digest(),
        Err(error) => panic!("{error}: {:?}", analysis.diagnostics),
    }
}

/// Converts an error-free FPL policy to `format`, reads it back and compares the compiled
/// policies; `Err` with the reason when the file has a construct the form cannot hold.
fn round_trip(text: &str, format: Format) -> Result<(), String> {
    let fpl = check("policy.fpl", text);
    let converted = write(&fpl, FileId(0), format).map_err(|error| error.message)?;
    let path = match format {
        Format::Yaml => "policy.fpl.yaml",
        Format::Json => "policy.fpl.json",
    };
    let back = check(path, &converted);
    let errors: Vec<_> = back.diagnostics.iter().filter(|d| d.is_error()).collect();
    assert!(errors.is_empty(), "{converted}\n{errors:?}");
    assert_eq!(digest(&back), digest(&fpl), "{text}\n---\n{converted}");
    // And back to FPL: the front end's text, formatted, compiles to the same policy.
    let front = super::front_end(&converted);
    let formatted = fpl_fmt::format_text(&front.fpl).map_err(|error| format!("{error:?}"))?;
    assert_eq!(
        digest(&check("again.fpl", &formatted)),
        digest(&fpl),
        "{formatted}"
    );
    Ok(())
}

#[test]
fn the_corpus_survives_a_round_trip_through_yaml_and_json() {
    let mut converted = 0;
    let mut refused = Vec::new();
    let files = fpl_testdata::upstream_policies()
        .into_iter()
        .chain(fpl_testdata::example_policies())
        .chain(fpl_testdata::parser_fixtures_ok());
    for path in files {
        let text = std::fs::read_to_string(&path).expect("reads");
        if check("policy.fpl", &text).has_errors() {
            continue;
        }
        for format in [Format::Yaml, Format::Json] {
            match round_trip(&text, format) {
                Ok(()) => converted += 1,
                Err(reason) => refused.push(format!("{}: {reason}", path.display())),
            }
        }
    }
    // Every refusal names a construct the form has no place for.
    for reason in &refused {
        assert!(
            reason.contains("has no YAML/JSON form") || reason.contains("reads back"),
            "{reason}"
        );
    }
    assert!(
        converted >= 40,
        "only {converted} conversions; refused: {refused:#?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn random_policies_survive_a_round_trip(
        first in crate::differential::agent("a"),
        second in crate::differential::agent("b"),
    ) {
        let text = format!("{first}{second}");
        prop_assume!(!check("policy.fpl", &text).has_errors());
        for format in [Format::Yaml, Format::Json] {
            prop_assert_eq!(round_trip(&text, format), Ok(()));
        }
    }
}

/// The `(line, column, code)` of every diagnostic of a YAML policy.
fn located(text: &str) -> Vec<(u32, u32, &'static str, String)> {
    let analysis = check("policy.fpl.yaml", text);
    analysis
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let (start, _) = analysis.line_cols(diagnostic.span);
            (
                start.line,
                start.column,
                diagnostic.code.as_str(),
                diagnostic.message.clone(),
            )
        })
        .collect()
}

#[test]
fn diagnostics_point_at_the_yaml_line_and_column() {
    let text = "\
agents:
  bot:
    default: deny
    rules:
      - effect: permit
        tool: stripe/charge
        when: amount < \"x\"
";
    let found = located(text);
    assert_eq!(found.len(), 1, "{found:?}");
    let (line, column, code, _) = &found[0];
    assert_eq!((*line, *column, *code), (7, 24, "E0220"), "{found:?}");
}

#[test]
fn compiled_rules_are_at_their_yaml_lines() {
    let text = "agents:\n  bot:\n    default: deny\n    rules:\n      - effect: permit\n        tool: search\n      - { effect: deny, tool: shell/* }\n";
    let policy = compile(&check("p.fpl.yaml", text)).expect("compiles");
    let lines: Vec<(u32, u32)> = policy.source_map.rules[0]
        .iter()
        .map(|at| at.as_ref().map_or((0, 0), |at| (at.line, at.column)))
        .collect();
    assert_eq!(lines, [(5, 17), (7, 19)]);
}

#[test]
fn bad_documents_end_in_one_clear_error() {
    let cases: &[(&str, (u32, u32, &str), &str)] = &[
        (
            "a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b]\n",
            (1, 4, "E0007"),
            "anchors",
        ),
        (
            "agents:\n  bot: {}\n  bot: {}\n",
            (3, 3, "E0007"),
            "duplicate key `bot`",
        ),
        (
            "agents:\n  bot:\n    rules: { effect: permit }\n",
            (3, 12, "E0106"),
            "expected a list, found a mapping",
        ),
        (
            "agents:\n  bot:\n    rules:\n      - { effect: permit, tool: x, whne: a }\n",
            (4, 36, "E0106"),
            "unknown field `whne`",
        ),
        (
            "agents:\n  bot:\n    rules:\n      - { effect: allowed, tool: x }\n",
            (4, 19, "E0106"),
            "unknown effect `allowed`",
        ),
        (
            "agents:\n  bot:\n    rules:\n      - { effect: permit, tool: x, when: 'a) reason \"x\" deny y when (b' }\n",
            (4, 42, "E0106"),
            "closes nothing",
        ),
        ("agents: [1\n", (2, 1, "E0007"), "invalid YAML"),
    ];
    for (text, (line, column, code), message) in cases {
        let found = located(text);
        assert_eq!(found.len(), 1, "{text}: {found:?}");
        let (found_line, found_column, found_code, found_message) = &found[0];
        assert_eq!(
            (found_line, found_column, found_code),
            (line, column, code),
            "{text}: {found:?}"
        );
        assert!(found_message.contains(message), "{text}: {found_message}");
    }
}

#[test]
fn files_over_the_size_limit_are_refused_unread() {
    let bytes = vec![b' '; fpl_syntax::MAX_FILE_SIZE + 1];
    let analysis = check_policy(
        vec![SourceFile::from_bytes("huge.fpl.yaml", &bytes)],
        &CheckOptions::default(),
    );
    let codes: Vec<&str> = analysis
        .diagnostics
        .iter()
        .map(|d| d.code.as_str())
        .collect();
    assert_eq!(codes, ["E0006"]);
}

#[test]
fn json_policies_read_like_yaml_ones() {
    let text = r#"{"agents": {"bot": {"default": "deny", "budgets": {"session": {"max": "$500", "on_exceed": "defer"}}, "rules": [{"effect": "deny!", "tool": "shell/*"}]}}}"#;
    let analysis = check("p.fpl.json", text);
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    let fpl = check(
        "p.fpl",
        "agent bot {\n  default deny\n  budget session {\n    max $500\n    on_exceed defer\n  }\n  deny! shell/*\n}\n",
    );
    assert_eq!(digest(&analysis), digest(&fpl));
}

#[test]
fn comments_are_carried_between_fpl_and_yaml() {
    let fpl = "# payments\nagent bot {\n  default deny\n  # small charges\n  permit stripe/charge when amount < $500\n}\n";
    let yaml = write(&check("p.fpl", fpl), FileId(0), Format::Yaml).expect("writes");
    assert_eq!(
        yaml,
        "agents:\n  # payments\n  bot:\n    default: deny\n    rules:\n      # small charges\n      - effect: permit\n        tool: stripe/charge\n        when: 'amount < $500'\n"
    );
    let back = super::to_fpl_source(&yaml).expect("converts");
    assert_eq!(
        back,
        "# payments\nagent bot {\n  default deny\n  # small charges\n  permit stripe/charge when (amount < $500)\n}\n"
    );
}

#[test]
fn imports_are_read_at_their_refs_even_when_the_rest_has_mistakes() {
    let text = "imports:\n  - { ref: r.io/policies/acme/x@1.0.0, as: x }\n  - ref: \"r.io/policies/acme/y@2.0.0\"\nagents:\n  bot:\n    whne: oops\n";
    assert!(
        super::read_document(text).is_err(),
        "the document itself has a mistake"
    );
    let imports = super::imports(text).expect("the imports read");
    let found: Vec<(&str, &str)> = imports
        .iter()
        .map(|import| {
            let reference = &import.reference.0;
            (reference.text.as_str(), &text[reference.range])
        })
        .collect();
    assert_eq!(
        found,
        [
            ("r.io/policies/acme/x@1.0.0", "r.io/policies/acme/x@1.0.0"),
            (
                "r.io/policies/acme/y@2.0.0",
                "\"r.io/policies/acme/y@2.0.0\""
            ),
        ]
    );
    assert_eq!(
        imports[0].alias.as_ref().map(|a| a.0.text.as_str()),
        Some("x")
    );
}

#[test]
fn a_quoted_alias_is_an_alias_and_one_that_is_no_name_is_an_error_at_it() {
    let quoted = r#"{"imports": [{"ref": "r.io/policies/acme/crm@1.0.0", "as": "crm"}], "agents": {"bot": {"default": "deny"}}}"#;
    let analysis = check("p.fpl.json", quoted);
    assert!(
        analysis.diagnostics.iter().all(|d| d.code != Code::E0101),
        "{:?}",
        analysis.diagnostics
    );
    let spaced = quoted.replace("\"as\": \"crm\"", "\"as\": \"c r m\"");
    let analysis = check("p.fpl.json", &spaced);
    let error = analysis
        .diagnostics
        .iter()
        .find(|d| d.code == Code::E0101)
        .expect("an alias that is no name is an error");
    let at = usize::from(error.span.range.start());
    assert!(spaced[at..].starts_with("\"c r m\""), "{error:?}");
}

#[test]
fn documents_without_readable_imports_say_why() {
    assert!(super::imports("agents: {}\n").expect("reads").is_empty());
    assert!(super::imports("").expect("reads").is_empty());
    let wrong = super::imports("imports:\n  - { ref: r.io/policies/a/b@1.0.0, pin: yes }\n")
        .expect_err("an unknown key");
    assert_eq!(wrong.code, crate::Code::E0106);
    assert!(wrong.message.contains("pin"), "{}", wrong.message);
    let broken = super::imports("imports: [\n").expect_err("not YAML");
    assert_eq!(broken.code, crate::Code::E0007);
}
