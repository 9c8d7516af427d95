//! Differential property test of the SMT findings (issue 10): random small policies over a
//! number `n` and a string `s`, with literals up to 10²⁴; every "never" a finding or the diff
//! claims is re-checked on requests around every literal, through the runtime evaluator.

use fpl_analyzer::host::check_policy;
use fpl_analyzer::smt::{self, SmtOptions};
use fpl_analyzer::{Analysis, CheckOptions, Severity, SourceFile, compile::compile};
use fpl_runtime::Evaluator;
use proptest::prelude::*;

/// Number literals, as FPL writes them and as request JSON writes the values around them.
const NUMBERS: &[&str] = &[
    "0",
    "5",
    "-3",
    "0.5",
    "1000000000000",
    "1000000000000000000",
    "1000000000000000000000000",
];
const STRINGS: &[&str] = &["a", "b", "ab"];

fn number_atom() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["<", "<=", ">", ">=", "==", "!="][..]),
        prop::sample::select(NUMBERS),
        prop::sample::select(NUMBERS),
        0..3u8,
    )
        .prop_map(|(op, a, b, form)| match form {
            0 | 1 => format!("n {op} {a}"),
            _ => format!("n in [{a}, {b}]"),
        })
}

fn string_atom() -> impl Strategy<Value = String> {
    (
        prop::sample::select(STRINGS),
        prop::sample::select(STRINGS),
        0..5u8,
    )
        .prop_map(|(a, b, form)| match form {
            0 => format!("s == \"{a}\""),
            1 => format!("s in [\"{a}\", \"{b}\"]"),
            2 => format!("s matches \"^{a}\""),
            3 => format!("s matches \"{a}$\""),
            _ => format!("s starts_with \"{a}\""),
        })
}

fn condition() -> impl Strategy<Value = String> {
    let atom = prop_oneof![number_atom(), string_atom()];
    (atom.clone(), atom, 0..4u8).prop_map(|(a, b, form)| match form {
        0 => a,
        1 => format!("{a} and {b}"),
        2 => format!("{a} or {b}"),
        _ => format!("not ({a}) and {b}"),
    })
}

fn rule() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["permit", "deny", "defer", "deny!"][..]),
        prop::sample::select(&["t/x", "t/*"][..]),
        prop::option::of(condition()),
    )
        .prop_map(|(effect, tool, condition)| match condition {
            Some(condition) => format!("  {effect} {tool} when {condition}\n"),
            None => format!("  {effect} {tool}\n"),
        })
}

fn policy() -> impl Strategy<Value = String> {
    (
        prop::sample::select(&["permit", "deny"][..]),
        prop::collection::vec(rule(), 1..4),
    )
        .prop_map(|(default, rules)| {
            format!("agent a {{\n  default {default}\n{}}}\n", rules.concat())
        })
}

/// Every request the claims are checked on: `n` around every literal (±1, ±0.000001), zero,
/// huge and beyond the representable range, missing or a string; `s` likewise.
fn requests() -> Vec<String> {
    let mut numbers = vec![
        "0".to_string(),
        "1e30".to_string(),
        "-1e30".to_string(),
        "1e40".to_string(),
        "\"5\"".to_string(),
    ];
    for literal in NUMBERS {
        let value = fpl_runtime::Decimal::parse(literal).expect("a number");
        for delta in [-1_000_000, -1, 0, 1, 1_000_000] {
            numbers.push(
                fpl_runtime::Decimal::from_millionths(value.millionths() + delta).to_string(),
            );
        }
    }
    let mut strings: Vec<String> = ["a", "b", "ab", "ba", "", "x", "\u{e9}"]
        .iter()
        .map(|text| format!("\"{text}\""))
        .collect();
    strings.push("5".to_string());
    let mut out = Vec::new();
    for n in numbers.iter().map(Some).chain([None]) {
        for s in strings.iter().map(Some).chain([None]) {
            let mut args = Vec::new();
            if let Some(n) = n {
                args.push(format!("\"n\":{n}"));
            }
            if let Some(s) = s {
                args.push(format!("\"s\":{s}"));
            }
            out.push(format!(
                "{{\"agent\":\"a\",\"tool\":\"t/x\",\"time\":\"2026-01-01T00:00:00Z\",\"args\":{{{}}}}}",
                args.join(",")
            ));
        }
    }
    out
}

/// A runtime decision: effect, reason code, deciding rule's number.
type Outcome = (String, String, Option<usize>);

/// What the runtime decides for `request`.
fn decide(analysis: &Analysis, request: &str) -> Outcome {
    let compiled = compile(analysis).expect("compiles");
    let mut evaluator = Evaluator::from_compiled(&compiled).expect("loads");
    let decision = evaluator.decide_json(request);
    (
        decision.effect.as_str().to_string(),
        decision.reason_code.as_str().to_string(),
        decision.rule.map(|rule| rule.n as usize),
    )
}

fn analysed(text: &str) -> Analysis {
    check_policy(
        vec![SourceFile::new("p.fpl", text)],
        &CheckOptions::default(),
    )
}

/// The rule a finding is about: the first `a/N` of its message.
fn rule_of(message: &str) -> usize {
    message
        .split("`a/")
        .nth(1)
        .and_then(|rest| rest.split('`').next())
        .and_then(|number| number.parse().ok())
        .expect("the message names its rule")
}

/// Where a rule stands in evaluation order: mandatory denies first, then source order.
fn order(analysis: &Analysis, number: Option<usize>) -> (u8, usize) {
    let rules = &analysis.policy.agents[0].rules;
    match number.and_then(|n| rules.iter().find(|rule| rule.number == n)) {
        Some(rule) => (u8::from(!rule.mandatory), rule.number),
        None => (2, 0),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn every_never_claim_holds_on_the_runtime(text in policy(), other in policy()) {
        let analysis = analysed(&text);
        prop_assume!(!analysis.has_errors());
        let report = smt::analyze_smt(&analysis, &SmtOptions::default()).expect("runs");
        prop_assert!(report.internal_errors.is_empty(), "{:?}", report.internal_errors);
        let decisions: Vec<(String, Outcome)> = requests()
            .into_iter()
            .map(|request| {
                let decision = decide(&analysis, &request);
                (request, decision)
            })
            .collect();
        for finding in &report.diagnostics {
            let code = finding.code.as_str();
            if code == "S0307" {
                // A claim that some request is decided by the earlier rule: its witness.
                let earlier = rule_of(finding.message.split(" by the earlier ").nth(1).unwrap_or_default());
                let witness = finding
                    .notes
                    .iter()
                    .find_map(|note| note.strip_prefix("for example: "))
                    .expect("an S0307 finding shows its witness");
                let (_, reason, decided_by) = decide(&analysis, witness);
                prop_assert_eq!(decided_by, Some(earlier), "{} {}\n{}", reason, witness, text);
                continue;
            }
            if code == "S0306" || (code == "S0302" && finding.severity == Severity::Warning) {
                continue;
            }
            let rule = rule_of(&finding.message);
            for (request, (_, reason, decided_by)) in &decisions {
                let by_rule = *decided_by == Some(rule);
                let broken = match code {
                    // The condition never holds: the rule decides only by erring.
                    "S0303" => by_rule && reason != "CONDITION_ERROR",
                    // Reached and applying (every rule applies to `t/x`), it decides.
                    "S0304" => order(&analysis, *decided_by) > order(&analysis, Some(rule)),
                    // Unreachable, a duplicate of an earlier rule, or fully overridden.
                    _ => by_rule,
                };
                prop_assert!(!broken, "{code} `{}` is wrong for {request}\n{text}", finding.message);
            }
        }
        // The diff: "no decision changed" must hold on every request.
        let new = analysed(&other);
        prop_assume!(!new.has_errors());
        let diff = smt::semantic_diff(&analysis, &new, &SmtOptions::default()).expect("runs");
        if diff.regions.is_empty() && diff.unknown.is_empty() {
            for (request, (effect, _, _)) in &decisions {
                let (after, _, _) = decide(&new, request);
                prop_assert_eq!(effect, &after, "{} changes\n{}\n{}", request, text, other);
            }
        }
    }
}
