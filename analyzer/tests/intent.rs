//! The intent examples of `examples/intent/` (the docs' example and a payments, a support and an
//! internal-ops agent described in plain English): each compiles, passes validation without a
//! finding, matches its snapshot, and the runtime decides a table of requests as its sentences
//! mean.

use std::path::PathBuf;

use fpl_analyzer::intent::validate::{ValidateOptions, Validated, validate};
use fpl_analyzer::intent::{self, CompileOptions, Vocabulary};
use fpl_runtime::{BUDGET_WARNING, Evaluator, Request};

fn examples() -> PathBuf {
    fpl_testdata::repository_dir().join("examples/intent")
}

/// Compiles and validates `examples/intent/<name>.txt` with the examples' `faramesh.toml`.
fn example(name: &str) -> Validated {
    let dir = examples();
    let mut vocabulary = Vocabulary::default();
    let manifest = std::fs::read_to_string(dir.join("faramesh.toml")).expect("manifest");
    vocabulary
        .add_manifest(&manifest)
        .expect("valid [intent.tools]");
    let text = std::fs::read_to_string(dir.join(format!("{name}.txt"))).expect("example");
    let compiled = intent::compile(
        &text,
        &vocabulary,
        &CompileOptions {
            agent: None,
            source_name: Some(format!("{name}.txt")),
        },
    )
    .unwrap_or_else(|unclear| panic!("{name}: not understood: {unclear:#?}"));
    let validated = validate(
        &compiled.fpl,
        &ValidateOptions {
            path: format!("{name}.fpl"),
            agent: compiled.agent,
            smt: fpl_analyzer::smt::SmtOptions::default(),
        },
    )
    .unwrap_or_else(|rejected| panic!("{name}: rejected: {:#?}", rejected.problems));
    assert!(
        validated.warnings().is_empty() && validated.internal_errors.is_empty(),
        "{name}: {:#?}",
        validated.warnings()
    );
    insta::with_settings!({
        snapshot_path => "intent/snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, validated.text);
    });
    validated
}

/// Decides `requests` in order with one evaluator (shared state) and checks each effect and
/// reason code.
fn decides(validated: &Validated, agent: &str, cases: &[(&str, &str, &str)]) {
    let mut evaluator = Evaluator::from_compiled(&validated.compiled).expect("loads");
    for (request, effect, reason_code) in cases {
        let text = request.replacen('{', &format!("{{\"agent\":\"{agent}\","), 1);
        let decision = evaluator.decide(&Request::parse(&text));
        assert_eq!(
            (decision.effect.as_str(), decision.reason_code.as_str()),
            (*effect, *reason_code),
            "{text}"
        );
    }
}

#[test]
fn the_docs_example_decides_as_its_sentences_say() {
    let validated = example("docs-example");
    assert_eq!(validated.analysis.policy.agents[0].audit, vec!["actor_id"]);
    decides(
        &validated,
        "default",
        &[
            (
                r#"{"tool":"shell/exec","args":{"cmd":"ls"}}"#,
                "deny",
                "MANDATORY_DENY",
            ),
            (r#"{"tool":"shell/exec/bash"}"#, "deny", "MANDATORY_DENY"),
            (
                r#"{"tool":"stripe/refund","args":{"amount":800}}"#,
                "defer",
                "RULE_DEFER",
            ),
            (
                r#"{"tool":"stripe/refund","args":{"amount":500}}"#,
                "deny",
                "DEFAULT_DENY",
            ),
            (
                r#"{"tool":"stripe/refund","args":{"amount":"lots"}}"#,
                "deny",
                "CONDITION_ERROR",
            ),
            (
                r#"{"tool":"http/get","args":{"url":"https://example.com"}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (r#"{"tool":"http/get/weather"}"#, "permit", "RULE_PERMIT"),
            (r#"{"tool":"http/post"}"#, "deny", "DEFAULT_DENY"),
            (
                r#"{"tool":"db/write","args":{"table":"users"}}"#,
                "defer",
                "RULE_DEFER",
            ),
            (r#"{"tool":"db/read"}"#, "deny", "DEFAULT_DENY"),
        ],
    );
    let mut evaluator = Evaluator::from_compiled(&validated.compiled).expect("loads");
    let refund = evaluator.decide(&Request::parse(
        r#"{"agent":"default","tool":"stripe/refund","args":{"amount":501}}"#,
    ));
    assert_eq!(refund.notify, Some("finance"));
    assert_eq!(
        refund.reason.map(|reason| reason.to_string()).as_deref(),
        Some("Defer refunds over $500 to a finance reviewer")
    );
}

#[test]
fn the_payments_bot_keeps_its_limits() {
    let validated = example("payments-bot");
    decides(
        &validated,
        "payments-bot",
        &[
            (
                r#"{"tool":"stripe/charge","args":{"amount":20}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"stripe/charge","args":{"amount":600}}"#,
                "defer",
                "RULE_DEFER",
            ),
            (
                r#"{"tool":"stripe/refund","args":{"amount":50}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"stripe/refund","args":{"amount":300}}"#,
                "defer",
                "RULE_DEFER",
            ),
            (
                r#"{"tool":"stripe/refund","args":{"amount":6000}}"#,
                "deny",
                "RULE_DENY",
            ),
            (
                r#"{"tool":"stripe/payouts","args":{"amount":1}}"#,
                "deny",
                "MANDATORY_DENY",
            ),
            (r#"{"tool":"email/send"}"#, "deny", "DEFAULT_DENY"),
        ],
    );
    // 20 charges a minute pass, the 21st is limited; the next minute starts afresh.
    let mut evaluator = Evaluator::from_compiled(&validated.compiled).expect("loads");
    let charge = |second: u32| {
        format!(
            r#"{{"agent":"payments-bot","tool":"stripe/charge","args":{{"amount":5,"card_number":"4242"}},"time":"2026-03-02T10:00:{second:02}Z"}}"#
        )
    };
    for second in 0..20 {
        let decision = evaluator.decide(&Request::parse(&charge(second)));
        assert_eq!(decision.effect.as_str(), "permit");
        assert_eq!(
            decision.redact().collect::<Vec<_>>(),
            vec!["card_number", "cvv"]
        );
    }
    let limited = evaluator.decide(&Request::parse(&charge(30)));
    assert_eq!(limited.reason_code.as_str(), "RATE_EXCEEDED");
    assert_eq!(
        limited.alerts().collect::<Vec<_>>(),
        vec!["slack://#payments-security"]
    );
    // The daily budget warns at 80% of $50,000 and is exceeded after.
    let mut evaluator = Evaluator::from_compiled(&validated.compiled).expect("loads");
    let spend = |cost: u32, minute: u32| {
        format!(
            r#"{{"agent":"payments-bot","tool":"stripe/charge","args":{{"amount":5}},"cost":{cost},"time":"2026-03-02T10:{minute:02}:00Z"}}"#
        )
    };
    let warned = evaluator.decide(&Request::parse(&spend(40_000, 1)));
    assert_eq!(warned.effect.as_str(), "permit");
    assert_eq!(warned.warnings, &[BUDGET_WARNING]);
    let exceeded = evaluator.decide(&Request::parse(&spend(20_000, 2)));
    assert_eq!(exceeded.reason_code.as_str(), "BUDGET_EXCEEDED");
}

#[test]
fn the_support_agent_needs_approval_for_credits() {
    let validated = example("support-bot");
    decides(
        &validated,
        "support-bot",
        &[
            (
                r#"{"tool":"zendesk/tickets/get","args":{"id":7}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"zendesk/tickets/list"}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"kb/search","args":{"q":"refund policy"}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"email/send","args":{"to":"c@example.com"}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"zendesk/credits/issue","args":{"amount":25}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"zendesk/credits/issue","args":{"amount":40}}"#,
                "defer",
                "RULE_DEFER",
            ),
            (
                r#"{"tool":"zendesk/tickets/update"}"#,
                "defer",
                "RULE_DEFER",
            ),
            (
                r#"{"tool":"shell/run","args":{"cmd":"rm -rf /"}}"#,
                "deny",
                "MANDATORY_DENY",
            ),
            (
                r#"{"tool":"crm/accounts/delete"}"#,
                "defer",
                "DEFAULT_DEFER",
            ),
        ],
    );
    let mut evaluator = Evaluator::from_compiled(&validated.compiled).expect("loads");
    let credit = evaluator.decide(&Request::parse(
        r#"{"agent":"support-bot","tool":"zendesk/credits/issue","args":{"amount":26}}"#,
    ));
    assert_eq!(credit.notify, Some("support-lead"));
}

#[test]
fn the_ops_agent_never_touches_production_databases() {
    let validated = example("ops-bot");
    decides(
        &validated,
        "ops-bot",
        &[
            (
                r#"{"tool":"k8s/restart","args":{"environment":"staging","service":"api"}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"tool":"k8s/restart","args":{"environment":"production"}}"#,
                "defer",
                "RULE_DEFER",
            ),
            (r#"{"tool":"k8s/restart"}"#, "deny", "DEFAULT_DENY"),
            (
                r#"{"tool":"db/query","args":{"environment":"production"}}"#,
                "deny",
                "MANDATORY_DENY",
            ),
            (
                r#"{"tool":"db/migrate/run","args":{"environment":"production"}}"#,
                "deny",
                "MANDATORY_DENY",
            ),
            (
                r#"{"tool":"db/query","args":{"environment":"staging"}}"#,
                "deny",
                "DEFAULT_DENY",
            ),
            (
                r#"{"tool":"k8s/deploy","args":{"environment":"staging"}}"#,
                "defer",
                "RULE_DEFER",
            ),
            (r#"{"tool":"logs/read"}"#, "permit", "RULE_PERMIT"),
            (r#"{"tool":"shell/exec"}"#, "deny", "RULE_DENY"),
        ],
    );
}

#[test]
fn every_example_formats_to_itself_and_compiles_to_the_same_policy_twice() {
    for name in ["docs-example", "payments-bot", "support-bot", "ops-bot"] {
        let validated = example(name);
        assert_eq!(
            fpl_fmt::format_text(&validated.text).expect("formats"),
            validated.text
        );
        assert_eq!(example(name).compiled.digest(), validated.compiled.digest());
    }
}
