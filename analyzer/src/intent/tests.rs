//! Table tests of the phrase compiler: one sentence in, the FPL it becomes out (reasons left
//! off), and sentences that must be reported rather than guessed.

use super::*;

/// The vocabulary of the tests: the built-in words, a project's `[intent.tools]` and the tools
/// of a policy.
fn vocabulary() -> Vocabulary {
    let mut vocabulary = Vocabulary::default();
    vocabulary
        .add_manifest(
            r#"[intent.tools]
"read tickets" = "zendesk/tickets/read"
"search the knowledge base" = "kb/search"
"email customers" = "email/send"
"restart services" = "k8s/restart"
"slack messages" = "slack/post"
"tickets" = "zendesk/tickets/*"
"#,
        )
        .expect("valid manifest");
    vocabulary.add_tool_name("issue_credit", Source::Policy);
    vocabulary
}

/// What one sentence becomes, each statement without its `reason`.
fn phrase(sentence: &str) -> Vec<String> {
    let compiled = compile(sentence, &vocabulary(), &CompileOptions::default())
        .unwrap_or_else(|unclear| panic!("`{sentence}` not understood: {unclear:#?}"));
    compiled
        .explanations
        .into_iter()
        .flat_map(|explanation| explanation.fpl)
        .map(|line| match line.find(" reason: ") {
            Some(at) => line[..at].to_string(),
            None => line,
        })
        .collect()
}

/// The report for a sentence that must not compile.
fn unclear(sentence: &str) -> Unclear {
    match compile(sentence, &vocabulary(), &CompileOptions::default()) {
        Ok(compiled) => panic!("`{sentence}` compiled to:\n{}", compiled.fpl),
        Err(mut unclear) => unclear.remove(0),
    }
}

#[test]
fn effects_and_their_phrasings() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Deny all shell commands, no exceptions.",
            &["deny! shell/*"],
        ),
        ("Never run shell commands.", &["deny! shell/*"]),
        ("Shell commands are never allowed.", &["deny! shell/*"]),
        (
            "The agent must never issue payouts.",
            &["deny! stripe/payouts"],
        ),
        (
            "Block shell commands without exception.",
            &["deny! shell/*"],
        ),
        ("Block payouts.", &["deny stripe/payouts"]),
        ("Forbid payouts", &["deny stripe/payouts"]),
        ("The agent cannot issue payouts.", &["deny stripe/payouts"]),
        ("Payouts are not allowed.", &["deny stripe/payouts"]),
        ("Do not allow payouts.", &["deny stripe/payouts"]),
        ("Allow refunds.", &["permit stripe/refund"]),
        ("Permit charges.", &["permit stripe/charge"]),
        (
            "Let the agent read tickets.",
            &["permit zendesk/tickets/read"],
        ),
        (
            "The support agent can read tickets.",
            &["permit zendesk/tickets/read"],
        ),
        ("It may email customers.", &["permit email/send"]),
        ("Reading tickets is fine.", &["permit zendesk/tickets/read"]),
        ("Defer refunds.", &["defer stripe/refund"]),
        (
            "Require approval for any database write.",
            &["defer db/write"],
        ),
        ("Database writes require approval.", &["defer db/write"]),
        ("Database writes need human review.", &["defer db/write"]),
        ("Escalate payouts.", &["defer stripe/payouts"]),
        (
            "Ask for approval before issuing credits.",
            &["defer issue_credit"],
        ),
        (
            "Issuing credits must be approved by the support lead.",
            &["defer issue_credit notify: \"support-lead\""],
        ),
        ("require_approval `crm/delete`", &["defer crm/delete"]),
        ("Do not run shell commands.", &["deny shell/*"]),
        ("The agent doesn't issue payouts.", &["deny stripe/payouts"]),
        (
            "Refunds over $500 need finance approval.",
            &["defer stripe/refund when amount > $500 notify: \"finance\""],
        ),
        (
            "Charges over $1000 require a manager's sign-off.",
            &["defer stripe/charge when amount > $1000 notify: \"manager\""],
        ),
        (
            "Database writes require explicit approval.",
            &["defer db/write"],
        ),
        (
            "Payouts need security team review.",
            &["defer stripe/payouts notify: \"security-team\""],
        ),
        (
            "Allow refunds only up to $100 per transaction.",
            &["permit stripe/refund when amount <= $100"],
        ),
    ];
    for (sentence, expected) in cases {
        assert_eq!(phrase(sentence), *expected, "{sentence}");
    }
}

#[test]
fn tools_lists_literals_and_environments() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Allow read-only http get requests.",
            &["permit http/get", "permit http/get/*"],
        ),
        (
            "The support agent can read tickets and search the knowledge base.",
            &["permit zendesk/tickets/read", "permit kb/search"],
        ),
        (
            "Allow refunds, charges and payouts.",
            &[
                "permit stripe/refund",
                "permit stripe/charge",
                "permit stripe/payouts",
            ],
        ),
        (
            "Allow `stripe/customers/*`.",
            &["permit stripe/customers/*"],
        ),
        ("Deny read_customer.", &["deny read_customer"]),
        ("Deny everything.", &["deny *"]),
        (
            "Never touch production databases.",
            &["deny! db/* when environment == \"production\""],
        ),
        (
            "Allow restarting services in staging.",
            &["permit k8s/restart when environment == \"staging\""],
        ),
        (
            "Deny database writes in the production environment.",
            &["deny db/write when environment == \"production\""],
        ),
        ("Allow the agent to send emails.", &["permit email/send"]),
    ];
    for (sentence, expected) in cases {
        assert_eq!(phrase(sentence), *expected, "{sentence}");
    }
}

#[test]
fn amounts_and_argument_conditions() {
    let cases: &[(&str, &[&str])] = &[
        (
            "Defer refunds over $500 to a finance reviewer.",
            &["defer stripe/refund when amount > $500 notify: \"finance\""],
        ),
        (
            "Allow refunds up to $100.",
            &["permit stripe/refund when amount <= $100"],
        ),
        (
            "Refunds up to $100 are allowed.",
            &["permit stripe/refund when amount <= $100"],
        ),
        (
            "Allow charges under $50,000.",
            &["permit stripe/charge when amount < $50000"],
        ),
        (
            "Deny charges of at least $10k.",
            &["deny stripe/charge when amount >= $10000"],
        ),
        (
            "Allow charges of $20.50 or less.",
            &["permit stripe/charge when amount <= $20.5"],
        ),
        (
            "Defer charges of $500 or more.",
            &["defer stripe/charge when amount >= $500"],
        ),
        (
            "Charges above $500 need approval from finance.",
            &["defer stripe/charge when amount > $500 notify: \"finance\""],
        ),
        (
            "Allow refunds between $10 and $20.",
            &["permit stripe/refund when amount >= $10 and amount <= $20"],
        ),
        (
            "Allow emails when the domain is example.com.",
            &["permit email/send when domain == \"example.com\""],
        ),
        (
            "Allow emails to the domain example.com or example.org.",
            &["permit email/send when domain in [\"example.com\", \"example.org\"]"],
        ),
        (
            "Allow slack messages to channel #support.",
            &["permit slack/post when channel == \"#support\""],
        ),
        (
            "Allow slack messages to #support.",
            &["permit slack/post when channel == \"#support\""],
        ),
        (
            "Defer tickets for priority high or blocker.",
            &["defer zendesk/tickets/* when priority in [\"high\", \"blocker\"]"],
        ),
        (
            "Deny refunds when the customer tier is not gold.",
            &["deny stripe/refund when customer_tier != \"gold\""],
        ),
        (
            "Deny refunds when the reason contains \"fraud\".",
            &["deny stripe/refund when reason contains \"fraud\""],
        ),
        (
            "Deny emails where `recipient.domain` ends with \".ru\".",
            &["deny email/send when recipient.domain ends_with \".ru\""],
        ),
        (
            "Allow refunds when the amount is under $50 and the currency is usd or eur.",
            &["permit stripe/refund when amount < $50 and currency in [\"usd\", \"eur\"]"],
        ),
        (
            "Deny refunds if the amount exceeds $1,000.",
            &["deny stripe/refund when amount > $1000"],
        ),
        (
            "Deny http requests when the url matches \"^http://\".",
            &["deny http/* when url matches \"^http://\""],
        ),
        (
            "Allow http get requests on host api.stripe.com.",
            &[
                "permit http/get host: api.stripe.com",
                "permit http/get/* host: api.stripe.com",
            ],
        ),
        (
            "Escalate refunds over $1000 to #payments-oncall.",
            &["defer stripe/refund when amount > $1000 notify: \"#payments-oncall\""],
        ),
        (
            "Refunds over $100 go to a finance reviewer.",
            &["defer stripe/refund when amount > $100 notify: \"finance\""],
        ),
        (
            "Defer refunds to a human reviewer.",
            &["defer stripe/refund"],
        ),
        (
            "Allow charges and notify #payments.",
            &["permit stripe/charge notify: \"#payments\""],
        ),
    ];
    for (sentence, expected) in cases {
        assert_eq!(phrase(sentence), *expected, "{sentence}");
    }
}

#[test]
fn limits_budgets_redaction_audit_alerts_defaults_and_names() {
    let cases: &[(&str, &[&str])] = &[
        (
            "At most 20 charges per minute.",
            &["rate_limit stripe/charge: 20 per minute"],
        ),
        (
            "No more than 5 refunds an hour.",
            &["rate_limit stripe/refund: 5 per hour"],
        ),
        (
            "Limit charges to 20 per minute.",
            &["rate_limit stripe/charge: 20 per minute"],
        ),
        (
            "Allow at most 20 charges per minute.",
            &[
                "rate_limit stripe/charge: 20 per minute",
                "permit stripe/charge",
            ],
        ),
        (
            "At most 1000 calls per day.",
            &["rate_limit *: 1000 per day"],
        ),
        (
            "A daily budget of $50,000, warn at 80%.",
            &["budget daily { max $50000 warn_at 0.8 }"],
        ),
        (
            "A session budget of $200, require approval when exceeded.",
            &["budget session { max $200 on_exceed defer }"],
        ),
        (
            "Spend at most $500 per session.",
            &["budget session { max $500 }"],
        ),
        (
            "At most 100 calls per session.",
            &["budget session { max_calls 100 }"],
        ),
        (
            "Never log card numbers.",
            &["redact * args: [\"card_number\"]"],
        ),
        (
            "Never log card numbers or CVVs for charges.",
            &["redact stripe/charge args: [\"card_number\", \"cvv\"]"],
        ),
        (
            "Redact `customer.ssn` from refunds.",
            &["redact stripe/refund args: [\"customer.ssn\"]"],
        ),
        (
            "Log every action with the requesting user.",
            &["audit { include actor_id }"],
        ),
        (
            "Log every call with the requesting user and the session.",
            &["audit { include actor_id include session_id }"],
        ),
        (
            "Alert #payments-security on every denial.",
            &["alert { on = \"deny\" notify = \"slack://#payments-security\" }"],
        ),
        (
            "Send denials and budget warnings to security@example.com.",
            &[
                "alert { on = \"deny\" notify = \"email://security@example.com\" }",
                "alert { on = \"budget_warning\" notify = \"email://security@example.com\" }",
            ],
        ),
        ("Deny everything else.", &["default deny"]),
        ("Everything else needs human review.", &["default defer"]),
        ("By default, require approval.", &["default defer"]),
        ("Anything not listed is denied.", &["default deny"]),
        ("The agent is called payments-bot.", &["agent payments-bot"]),
        (
            "This policy is for the support-bot agent.",
            &["agent support-bot"],
        ),
    ];
    for (sentence, expected) in cases {
        assert_eq!(phrase(sentence), *expected, "{sentence}");
    }
}

#[test]
fn clauses_joined_by_but_become_separate_statements() {
    assert_eq!(
        phrase(
            "The ops agent can restart services in staging but must never touch production databases."
        ),
        vec![
            "deny! db/* when environment == \"production\"",
            "permit k8s/restart when environment == \"staging\"",
        ]
    );
}

#[test]
fn unknown_words_are_reported_with_their_place_and_nearest_phrases() {
    let report = unclear("Deny all shel commands.");
    assert_eq!((report.line, report.column), (1, 10));
    assert_eq!(report.word.as_deref(), Some("shel"));
    assert_eq!(report.did_you_mean.as_deref(), Some("shell"));
    assert!(
        report.nearest.iter().any(|p| p.contains("shell commands")),
        "{:?}",
        report.nearest
    );

    let report = unclear("Allow refunds to customers who ask nicely.");
    assert_eq!(report.word.as_deref(), Some("to"));
    assert_eq!(report.message, "did not understand this part");

    let report = unclear("Make the agent behave.");
    assert_eq!(report.column, 1);
    assert!(report.message.starts_with("found no effect"));
    assert_eq!(report.nearest.len(), 3);
}

#[test]
fn sentences_that_would_need_a_guess_are_refused() {
    for (sentence, message) in [
        ("Allow teleportation.", "expected a tool"),
        (
            "Deploying requires a manager's sign-off.",
            "expected a tool",
        ),
        (
            "Allow refunds unless they are large.",
            "did not understand this part",
        ),
        (
            "Never allow refunds but allow them on fridays.",
            "expected a tool",
        ),
        (
            "A daily budget of $5,000 for refunds.",
            "budgets for some tools only are not supported",
        ),
        (
            "A budget of $500.",
            "say whether the budget is daily or per session",
        ),
        (
            "At most 20 charges over $5 per minute.",
            "a rate limit applies to every call",
        ),
        (
            "Defer everything else, no exceptions.",
            "the default already decides",
        ),
        ("Allow refunds, no exceptions.", "make a mandatory deny"),
        ("Alert finance on every denial.", "not part of an alert"),
        (
            "Log every refund with the requesting user.",
            "expected `log every action with <fields>`",
        ),
        (
            "Log every action with the weather.",
            "expected an audit field",
        ),
        (
            "A daily budget of $100, warn at 120%.",
            "between 0% and 100%",
        ),
        ("At most $500 per day.", "is a budget"),
    ] {
        let report = unclear(sentence);
        assert!(
            report.message.contains(message),
            "`{sentence}`: {:?} does not contain {message:?}",
            report.message
        );
    }
}

#[test]
fn contradictions_between_sentences_are_reported_on_the_later_line() {
    let text = "Deny everything else.\nAllow refunds.\nEverything else needs approval.\n";
    let unclear =
        compile(text, &vocabulary(), &CompileOptions::default()).expect_err("two defaults");
    assert_eq!(unclear.len(), 1);
    assert_eq!(unclear[0].line, 3);
    assert_eq!(
        unclear[0].message,
        "this sets the default to `defer`, but line 1 set it to `deny`"
    );

    let text = "A daily budget of $100.\nA daily budget of $200.\n";
    let unclear = compile(text, &vocabulary(), &CompileOptions::default()).expect_err("two maxima");
    assert_eq!(unclear[0].line, 2);

    let text = "The agent is called a.\nThe agent is called b.\n";
    let unclear = compile(text, &vocabulary(), &CompileOptions::default()).expect_err("two names");
    assert_eq!(unclear[0].message, "line 1 already names the agent `a`");
}

#[test]
fn every_unclear_sentence_is_reported_at_once_and_comments_are_skipped() {
    let text = "# the payments bot\nAllow refunds.\nAllow magic.\n\nDeny sorcery.\n";
    let unclear =
        compile(text, &vocabulary(), &CompileOptions::default()).expect_err("two unknown");
    let lines: Vec<usize> = unclear.iter().map(|u| u.line).collect();
    assert_eq!(lines, vec![3, 5]);
    let empty =
        compile("# nothing\n\n", &vocabulary(), &CompileOptions::default()).expect_err("empty");
    assert!(empty[0].message.contains("holds no statement"));
}

#[test]
fn the_agent_is_named_by_option_then_sentence_then_default() {
    let name = |text: &str, agent: Option<&str>| {
        compile(
            text,
            &vocabulary(),
            &CompileOptions {
                agent: agent.map(str::to_string),
                source_name: None,
            },
        )
        .expect("compiles")
        .agent
    };
    assert_eq!(name("Allow refunds.", None), "default");
    assert_eq!(
        name("Agent: payments-bot\nAllow refunds.", None),
        "payments-bot"
    );
    assert_eq!(name("Agent: payments-bot\nAllow refunds.", Some("x")), "x");
}

#[test]
fn rules_are_ordered_narrower_first_then_stricter_first() {
    let rules = |text: &str| -> Vec<String> {
        let compiled = compile(text, &vocabulary(), &CompileOptions::default()).expect("compiles");
        compiled
            .fpl
            .lines()
            .filter(|line| line.starts_with(['p', 'd']) && line.contains(" reason: "))
            .map(|line| line[..line.find(" reason: ").unwrap_or(line.len())].to_string())
            .collect()
    };
    assert_eq!(
        rules("Deny refunds.\nAllow refunds up to $100.\nDefer refunds over $5,000.\n"),
        vec![
            "permit stripe/refund when amount <= $100",
            "defer stripe/refund when amount > $5000",
            "deny stripe/refund",
        ]
    );
    assert_eq!(
        rules("Allow refunds when the customer tier is gold.\nDeny refunds over $1,000.\n"),
        vec![
            "deny stripe/refund when amount > $1000",
            "permit stripe/refund when customer_tier == \"gold\"",
        ]
    );
    assert_eq!(
        rules(
            "Allow http requests by default.\nBlock http post requests.\nNever run shell commands.\n"
        ),
        vec![
            "deny! shell/*",
            "deny http/post",
            "deny http/post/*",
            "permit http/*",
        ]
    );
}
