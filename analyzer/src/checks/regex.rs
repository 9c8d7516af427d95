//! Regular expressions of `matches` (SPEC §4), compiled by the runtime's translator
//! (`fpl_runtime::regex_source`), so the checks accept exactly what the runtime loads.

/// Compiles a pattern of `matches` as the runtime does, or says briefly why it cannot.
pub fn compile_regex(pattern: &str) -> Result<regex::Regex, String> {
    fpl_runtime::regex_source::compile(pattern).map_err(|error| match error {
        regex::Error::CompiledTooBig(_) => {
            "regular expression compiles to more than 1 MiB".to_string()
        }
        other => other
            .to_string()
            .lines()
            .last()
            .unwrap_or("invalid regular expression")
            .trim()
            .to_string(),
    })
}

#[cfg(test)]
mod tests {
    use fpl_runtime::Evaluator;
    use fpl_runtime::ir::{Agent, CompiledPolicy, Effect, Expr, Policy, Rule, SourceMap};

    use super::compile_regex;

    /// The runtime's decision on `text` under `permit t when text matches <pattern>`, or `None`
    /// when it refuses to load the policy.
    fn runtime_matches(pattern: &str, text: &str) -> Option<bool> {
        let mut policy = Policy::new().agent(
            Agent::new("a")
                .default_effect(Effect::Deny)
                .rule(Rule::permit("t").when(Expr::matches(Expr::path("text"), pattern, false))),
        );
        policy.intern_regexes();
        let mut evaluator =
            Evaluator::new(CompiledPolicy::new(policy, SourceMap::default())).ok()?;
        let request = serde_json::json!({"agent": "a", "tool": "t", "args": {"text": text}});
        Some(evaluator.decide_json(&request.to_string()).effect == Effect::Permit)
    }

    #[test]
    fn braces_without_repetition_are_literal() {
        let fork_bomb = ":(){:|:&};:";
        let regex = compile_regex(fork_bomb).expect("valid as in RE2");
        assert!(regex.is_match("run :(){:|:&};: now"));
        assert!(compile_regex("a{2}").expect("repetition").is_match("aa"));
        assert!(!compile_regex("^a{2}$").expect("repetition").is_match("a"));
        assert!(compile_regex("x{").expect("literal").is_match("x{"));
        assert!(compile_regex("[{}]").expect("class").is_match("}"));
        assert!(compile_regex("(unclosed").is_err());
    }

    #[test]
    fn checks_and_runtime_agree_on_braces() {
        // (pattern, a text it must match, a text it must not match); `None`: invalid.
        let cases: &[(&str, Option<(&str, &str)>)] = &[
            ("a{2}", Some(("xaax", "xa{2}"))),
            ("a{2,}", Some(("aaa", "a"))),
            ("^a{1,2}$", Some(("aa", "aaa"))),
            // A `{` that begins no valid repetition is a literal `{` (RE2).
            ("a{2 }", Some(("a{2 }", "aa"))),
            ("a{ 2}", Some(("a{ 2}", "aa"))),
            ("a{,3}", Some(("a{,3}", "aaa"))),
            ("{", Some(("{", "}"))),
            ("x{", Some(("x{", "x"))),
            ("}", Some(("}", "{"))),
            (":(){:|:&};:", Some(("run :(){:|:&};: now", ":():"))),
            ("[{]x{", Some(("{x{", "x{"))),
            ("\\{a", Some(("{a", "a"))),
            ("x{2,1}", None),
            ("\\w{1000}{1000}", None),
            ("(unclosed", None),
        ];
        for (pattern, expect) in cases {
            let checked = compile_regex(pattern);
            assert_eq!(
                checked.is_ok(),
                expect.is_some(),
                "checks on {pattern}: {checked:?}"
            );
            match expect {
                Some((hit, miss)) => {
                    assert_eq!(
                        runtime_matches(pattern, hit),
                        Some(true),
                        "{pattern} on {hit}"
                    );
                    assert_eq!(
                        runtime_matches(pattern, miss),
                        Some(false),
                        "{pattern} on {miss}"
                    );
                    let regex = checked.expect("valid");
                    assert!(regex.is_match(hit) && !regex.is_match(miss), "{pattern}");
                }
                None => assert_eq!(
                    runtime_matches(pattern, "x"),
                    None,
                    "runtime loads {pattern}"
                ),
            }
        }
    }
}
