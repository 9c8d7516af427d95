//! Loading compiled policies: binary round trip, digest stability, and typed errors (never a
//! panic) for malformed bytes and invalid IR.

mod support;

use fpl_runtime::ir::{
    Agent, Builtin, CompareOp, CompiledPolicy, Expr, KeyedSelector, Policy, Position, RegexId,
    Root, Rule, SourceMap, Value, Window,
};
use fpl_runtime::{Evaluator, LoadError, ValidationKind};
use support::d;

fn sample() -> Policy {
    Policy::new().agent(
        Agent::new("payments-bot")
            .var("limit", d("500"))
            .rule(Rule::permit("stripe/charge").when(Expr::cmp(
                Expr::path("amount"),
                CompareOp::Lt,
                Expr::path("vars.limit"),
            )))
            .rule(
                Rule::defer("stripe/charge")
                    .reason("high value")
                    .notify("finance"),
            )
            .rule(Rule::mandatory_deny("shell/*").when(Expr::matches(
                Expr::path("cmd"),
                "rm -rf",
                false,
            )))
            .rate_limit("stripe/*", 10, Window::Minute)
            .redact("stripe/*", &["card_number"])
            .egress(Some(&["*.stripe.com"]), &[])
            .alert("deny", "slack://#x")
            .credential("stripe", &[]),
    )
}

fn positions(line_offset: u32) -> SourceMap {
    SourceMap {
        files: vec!["governance.fms".into()],
        rules: vec![
            (0..3)
                .map(|i| {
                    Some(Position {
                        file: 0,
                        line: line_offset + i,
                        column: 3,
                    })
                })
                .collect(),
        ],
    }
}

fn validation_kind(policy: Policy) -> ValidationKind {
    match Evaluator::new(CompiledPolicy::new(policy, SourceMap::default())) {
        Err(LoadError::Invalid(e)) => e.kind,
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn binary_round_trip_and_positions() {
    let compiled = CompiledPolicy::new(sample(), positions(4));
    let bytes = compiled.to_bytes();
    let back = CompiledPolicy::from_bytes(&bytes).expect("round trip");
    assert_eq!(back, compiled);
    let mut ev = Evaluator::from_bytes(&bytes).expect("loads");
    let decision =
        ev.decide_json(r#"{"agent":"payments-bot","tool":"stripe/charge","args":{"amount":900}}"#);
    let rule = decision.rule.expect("a rule");
    assert_eq!(
        (rule.to_string(), rule.file, rule.line, rule.column),
        (
            "payments-bot/2".into(),
            Some("governance.fms"),
            Some(5),
            Some(3)
        )
    );
}

#[test]
fn digest_ignores_positions_and_tracks_content() {
    let a = CompiledPolicy::new(sample(), positions(1)).digest();
    let b = CompiledPolicy::new(sample(), positions(40)).digest();
    assert_eq!(a, b);
    assert!(a.starts_with("sha256:") && a.len() == 71);
    let mut changed = sample();
    changed.agents[0].rules[1].reason = Some("other".into());
    assert_ne!(changed.digest(), a);
    // Decimals are exact strings in the canonical JSON.
    assert!(sample().canonical_json().contains(r#""number":"500""#));
}

#[test]
fn malformed_bytes_are_errors_never_panics() {
    let bytes = CompiledPolicy::new(sample(), positions(1)).to_bytes();
    assert!(matches!(
        CompiledPolicy::from_bytes(b"nope"),
        Err(LoadError::BadMagic)
    ));
    let mut wrong_version = bytes.clone();
    wrong_version[8] = 9;
    assert!(matches!(
        CompiledPolicy::from_bytes(&wrong_version),
        Err(LoadError::UnsupportedFormat { found: 9, .. })
    ));
    for cut in 0..bytes.len() {
        assert!(
            CompiledPolicy::from_bytes(&bytes[..cut]).is_err(),
            "prefix {cut}"
        );
    }
    for i in 10..bytes.len() {
        for flip in [0x01u8, 0x80, 0xff] {
            let mut damaged = bytes.clone();
            damaged[i] ^= flip;
            let _ = CompiledPolicy::from_bytes(&damaged);
        }
    }
}

#[test]
fn deep_expressions_are_rejected() {
    let mut expr = Expr::lit(true);
    for _ in 0..64 {
        expr = Expr::negate(expr);
    }
    let deep = Policy::new().agent(Agent::new("a").rule(Rule::permit("t").when(expr.clone())));
    assert_eq!(validation_kind(deep.clone()), ValidationKind::TooDeep(64));
    // Much deeper input fails while decoding, before any recursion can exhaust the stack.
    for _ in 0..400 {
        expr = Expr::negate(expr);
    }
    let deeper = Policy::new().agent(Agent::new("a").rule(Rule::permit("t").when(expr)));
    let bytes = CompiledPolicy::new(deeper, SourceMap::default()).to_bytes();
    assert!(matches!(
        CompiledPolicy::from_bytes(&bytes),
        Err(LoadError::Decode(_))
    ));
    let mut ok = Expr::lit(true);
    for _ in 0..63 {
        ok = Expr::negate(ok);
    }
    assert!(
        Evaluator::new(CompiledPolicy::new(
            Policy::new().agent(Agent::new("a").rule(Rule::permit("t").when(ok))),
            SourceMap::default()
        ))
        .is_ok()
    );
}

#[test]
fn invalid_ir_gives_typed_errors() {
    let with_rule = |rule: Rule| Policy::new().agent(Agent::new("a").rule(rule));
    let bad_regex = with_rule(Rule::permit("t").when(Expr::matches(Expr::path("x"), "(", false)));
    assert!(matches!(
        validation_kind(bad_regex),
        ValidationKind::BadRegex { .. }
    ));
    let huge_regex =
        with_rule(Rule::permit("t").when(Expr::matches(Expr::path("x"), "\\w{1000}{1000}", false)));
    assert!(matches!(
        validation_kind(huge_regex),
        ValidationKind::BadRegex { .. }
    ));
    let mut wrong_id =
        with_rule(Rule::permit("t").when(Expr::matches(Expr::path("x"), "a", false)));
    if let Some(Expr::Compare { op, .. }) = &mut wrong_id.agents[0].rules[0].condition {
        *op = CompareOp::Matches(RegexId(7));
    }
    assert!(matches!(
        validation_kind(wrong_id),
        ValidationKind::IndexOutOfRange { what: "regex", .. }
    ));
    let cases: Vec<(Policy, ValidationKind)> = vec![
        (
            with_rule(Rule::permit("a//b")),
            ValidationKind::BadPattern {
                pattern: "a//b".into(),
                why: "empty segment",
            },
        ),
        (
            with_rule(Rule::permit("")),
            ValidationKind::BadPattern {
                pattern: "".into(),
                why: "empty pattern",
            },
        ),
        (
            with_rule(Rule::permit("t").host(&["a*.com"])),
            ValidationKind::BadHostPattern("a*.com".into()),
        ),
        (
            with_rule(Rule::permit("t").port(&["9000-8000"])),
            ValidationKind::BadPort("9000-8000".into()),
        ),
        (
            with_rule(Rule::permit("t").port(&["70000"])),
            ValidationKind::BadPort("70000".into()),
        ),
        (
            with_rule(Rule {
                mandatory: true,
                ..Rule::permit("t")
            }),
            ValidationKind::MandatoryNotDeny,
        ),
        (
            with_rule(Rule::permit("t").in_phase(0)),
            ValidationKind::IndexOutOfRange {
                what: "phase",
                index: 0,
                len: 0,
            },
        ),
        (
            with_rule(Rule::permit("t").when(Expr::path("session.foo"))),
            ValidationKind::UnknownField("session.foo".into()),
        ),
        (
            with_rule(Rule::permit("t").when(Expr::path("session"))),
            ValidationKind::UnknownField("session".into()),
        ),
        (
            with_rule(Rule::permit("t").when(Expr::path("vars.nope"))),
            ValidationKind::UndeclaredVar("nope".into()),
        ),
        (
            with_rule(Rule::permit("t").when(Expr::call(Builtin::Len, vec![]))),
            ValidationKind::BadCall {
                function: "len",
                why: "takes one argument",
            },
        ),
        (
            with_rule(
                Rule::permit("t")
                    .when(Expr::call(Builtin::HistoryToolCount, vec![Expr::path("x")])),
            ),
            ValidationKind::BadCall {
                function: "history_tool_count",
                why: "needs a string literal argument",
            },
        ),
        (
            Policy::new().agent(Agent::new("a")).agent(Agent::new("a")),
            ValidationKind::DuplicateAgent,
        ),
        (
            Policy::new().agent(Agent::new("a").rate_limit("*", 0, Window::Second)),
            ValidationKind::ZeroRateLimit,
        ),
        (
            Policy::new().agent(Agent::new("a").budget(
                fpl_runtime::ir::Budget::new(fpl_runtime::ir::BudgetScope::Daily).warn_at(d("1")),
            )),
            ValidationKind::BadWarnAt,
        ),
        (
            Policy::new().agent(
                Agent::new("a")
                    .phase_with_tools("p", &["a//b"])
                    .rule(Rule::permit("t")),
            ),
            ValidationKind::BadPattern {
                pattern: "a//b".into(),
                why: "empty segment",
            },
        ),
        (
            Policy::new().agent(
                Agent::new("a").budget(fpl_runtime::ir::Budget::custom("refunds").tools(&[""])),
            ),
            ValidationKind::BadPattern {
                pattern: "".into(),
                why: "empty pattern",
            },
        ),
        (
            Policy::new().agent(Agent::new("a").egress(None, &["*.*"])),
            ValidationKind::BadHostPattern("*.*".into()),
        ),
    ];
    for (policy, kind) in cases {
        assert_eq!(validation_kind(policy), kind);
    }
    let mut future = sample();
    future.version = 99;
    assert!(matches!(
        Evaluator::new(CompiledPolicy::new(future, SourceMap::default())),
        Err(LoadError::UnsupportedIr { found: 99, .. })
    ));
    let mut renumbered = with_rule(Rule::permit("t")).agent(Agent::new("b"));
    renumbered.agents[0].rules[0].n = 0;
    assert_eq!(validation_kind(renumbered), ValidationKind::RuleNumber(0));
    let mut keyed = with_rule(Rule::permit("t"));
    keyed.agents[0].rules[0]
        .selectors
        .query
        .push(KeyedSelector {
            key: "k".into(),
            values: vec![String::new()],
        });
    assert!(matches!(
        validation_kind(keyed),
        ValidationKind::BadPattern { .. }
    ));
    let bad_map = CompiledPolicy::new(
        sample(),
        SourceMap {
            files: vec![],
            rules: vec![vec![None]],
        },
    );
    assert!(
        matches!(Evaluator::new(bad_map), Err(LoadError::Invalid(e)) if e.kind == ValidationKind::SourceMapShape)
    );
    let mut bad_root = sample();
    bad_root.agents[0].rules[0].condition = Some(Expr::Path(fpl_runtime::ir::Path {
        root: Root::Time,
        segments: vec!["hour".into(), "x".into()],
    }));
    assert!(matches!(
        validation_kind(bad_root),
        ValidationKind::UnknownField(_)
    ));
    let _ = Value::Null;
}
