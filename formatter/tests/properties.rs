//! Property tests: random policies from a small grammar (agents, blocks, rules, clauses,
//! conditions), with line breaks between tokens and a unique comment `# c<N>` before every line
//! break. Formatting keeps every comment and every token, and is idempotent.

mod common;

use proptest::prelude::*;

type Pieces = Vec<String>;

fn pieces(items: &[&str]) -> Pieces {
    items.iter().map(|item| item.to_string()).collect()
}

fn concat(parts: impl IntoIterator<Item = Pieces>) -> Pieces {
    parts.into_iter().flatten().collect()
}

fn one_of(items: &'static [&'static str]) -> impl Strategy<Value = String> {
    proptest::sample::select(items).prop_map(str::to_string)
}

fn literal() -> impl Strategy<Value = String> {
    one_of(&[
        "1", "2.5", "-3", "$500", "\"s\"", "'q'", "true", "null", "1h30m", "10mb",
    ])
}

fn path() -> impl Strategy<Value = String> {
    one_of(&[
        "amount",
        "args.amount",
        "principal.role",
        "args[\"in\"]",
        "x",
        "time.hour",
    ])
}

fn comparison() -> impl Strategy<Value = Pieces> {
    prop_oneof![
        (
            path(),
            one_of(&["==", "!=", "<", "<=", ">", ">="]),
            literal()
        )
            .prop_map(|(path, op, value)| vec![path, op, value]),
        (path(), one_of(&["in", "not in"]), literal(), literal()).prop_map(
            |(path, op, first, second)| {
                let mut out = vec![path];
                out.extend(op.split(' ').map(str::to_string));
                out.extend(pieces(&["["]));
                out.extend([first, ",".to_string(), second, "]".to_string()]);
                out
            }
        ),
        (path(), one_of(&["matches", "=~", "contains"])).prop_map(|(path, op)| vec![
            path,
            op,
            "\"^a\"".to_string()
        ]),
        (one_of(&["len", "lower"]), path(), literal()).prop_map(|(call, path, value)| {
            vec![call, "(".into(), path, ")".into(), "==".into(), value]
        }),
        path().prop_map(|path| vec![path]),
    ]
}

fn expression() -> impl Strategy<Value = Pieces> {
    comparison().prop_recursive(3, 16, 2, |inner| {
        prop_oneof![
            (
                inner.clone(),
                one_of(&["and", "or", "&&", "||"]),
                inner.clone()
            )
                .prop_map(|(left, op, right)| concat([left, vec![op], right])),
            inner
                .clone()
                .prop_map(|operand| concat([pieces(&["not"]), operand])),
            inner.clone().prop_map(|operand| concat([
                pieces(&["!", "("]),
                operand,
                pieces(&[")"])
            ])),
            inner.prop_map(|operand| concat([pieces(&["("]), operand, pieces(&[")"])])),
        ]
    })
}

fn rule() -> impl Strategy<Value = Pieces> {
    let effect = prop_oneof![
        one_of(&[
            "permit",
            "allow",
            "deny",
            "defer",
            "block",
            "require_approval"
        ])
        .prop_map(|effect| vec![effect]),
        Just(pieces(&["deny", "!"])),
    ];
    let pattern = one_of(&["stripe/charge", "http/*", "read_*", "\"quoted tool\"", "a"]);
    let reason = prop_oneof![
        Just(Vec::new()),
        Just(pieces(&["reason", ":", "\"why\""])),
        Just(pieces(&["reason", "\"no colon\""])),
    ];
    let selector = prop_oneof![
        Just(Vec::new()),
        Just(pieces(&["method", "GET", ",", "POST"])),
        Just(pieces(&["host", ":", "api.example.com"])),
    ];
    let condition = proptest::option::of((one_of(&["when", "if"]), expression()));
    (effect, pattern, condition, selector, reason).prop_map(
        |(effect, pattern, condition, selector, reason)| {
            let condition = condition
                .map(|(keyword, expr)| concat([vec![keyword], expr]))
                .unwrap_or_default();
            concat([effect, vec![pattern], condition, selector, reason])
        },
    )
}

fn config_entry() -> impl Strategy<Value = Pieces> {
    prop_oneof![
        Just(pieces(&["mode", "=", "\"enforce\""])),
        Just(pieces(&["approval_ttl", "15m"])),
        Just(pieces(&[
            "allow",
            "=",
            "[",
            "\"a.com\"",
            ",",
            "\"*.b.org\"",
            "]"
        ])),
        Just(pieces(&["deny", "[", "\"*\"", ",", "]"])),
        Just(pieces(&["address", "=", "env", "(", "\"VAULT\"", ")"])),
    ]
}

fn config_block(keyword: &'static str) -> impl Strategy<Value = Pieces> {
    proptest::collection::vec(config_entry(), 0..4).prop_map(move |entries| {
        concat([
            pieces(&[keyword, "{"]),
            entries.into_iter().flatten().collect(),
            pieces(&["}"]),
        ])
    })
}

fn agent_item() -> impl Strategy<Value = Pieces> {
    prop_oneof![
        4 => rule(),
        1 => Just(pieces(&["default", "deny"])),
        1 => proptest::collection::vec(rule(), 0..4).prop_map(|rules| concat([
            pieces(&["rules", "{"]),
            rules.into_iter().flatten().collect(),
            pieces(&["}"]),
        ])),
        1 => Just(pieces(&[
            "budget", "session", "{", "max", "$500", "daily", "=", "$2000", "max_calls", "100",
            "on_exceed", "deny", "}",
        ])),
        1 => Just(pieces(&["rate_limit", "stripe/*", ":", "20", "per", "minute"])),
        1 => Just(pieces(&["rate_limit", "http/get", "100", "per", "hour"])),
        1 => Just(pieces(&["redact", "stripe/*", "args", ":", "[", "\"cvv\"", "]"])),
        1 => config_block("egress"),
        1 => Just(pieces(&["model", "=", "\"gpt-4o\""])),
        1 => Just(pieces(&["var", "limit", "$500"])),
        1 => Just(pieces(&[
            "phase", "intake", "{", "duration", "30m", "permit", "read", "}",
        ])),
        1 => Just(pieces(&[
            "credential", "stripe", "{", "scope", "stripe/*", "refund", "backend", "vault", "}",
        ])),
    ]
}

fn policy() -> impl Strategy<Value = Pieces> {
    let agents = proptest::collection::vec(proptest::collection::vec(agent_item(), 0..6), 1..3);
    let prelude = prop_oneof![
        Just(Vec::new()),
        Just(pieces(&["import", "\"github.com/x/y@1.0.0\"", "as", "y"])),
        config_block("runtime"),
    ];
    (prelude, agents).prop_map(|(prelude, agents)| {
        let mut out = prelude;
        for (index, items) in agents.into_iter().enumerate() {
            out.extend(["agent".to_string(), format!("a{index}"), "{".to_string()]);
            out.extend(items.into_iter().flatten());
            out.push("}".to_string());
        }
        out
    })
}

/// A policy and, for each of its tokens, what follows it: a space, a line break, a comment and
/// a line break, or a blank line and a comment on its own line.
fn policy_text() -> impl Strategy<Value = String> {
    policy()
        .prop_flat_map(|pieces| {
            let count = pieces.len();
            // Either a random mix, or a comment and a line break after every single token.
            let separators = prop_oneof![
                3 => proptest::collection::vec(0u8..4, count),
                1 => Just(vec![2u8; count]),
            ];
            (Just(pieces), separators)
        })
        .prop_map(|(pieces, separators)| {
            let mut text = String::new();
            for (index, (piece, separator)) in pieces.iter().zip(separators).enumerate() {
                text.push_str(piece);
                match separator {
                    0 => text.push(' '),
                    1 => text.push_str("\n  "),
                    2 => text.push_str(&format!(" # c{index}\n")),
                    _ => text.push_str(&format!("\n\n# c{index}\n")),
                }
            }
            text
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn comments_survive_and_formatting_is_idempotent(text in policy_text()) {
        let parse = fpl_syntax::parse(&text);
        prop_assert!(parse.errors().is_empty(), "generated text has errors: {:?}\n{text}", parse.errors());
        let output = common::format_checked(&text);
        prop_assert_eq!(common::comments(&text), common::comments(&output));
    }

    #[test]
    fn every_line_end_formats_to_the_same_lines(text in policy_text()) {
        // SPEC §2: LF, CRLF and a lone CR all end a line, so a file written with any of them
        // formats (idempotently, keeping every token and comment) to the same lines. A CRLF
        // file keeps its CRLF line ends; a lone CR becomes LF.
        let output = common::format_checked(&text);
        let lone_cr = text.replace('\n', "\r");
        prop_assert_eq!(&common::format_checked(&lone_cr), &output);
        let crlf = text.replace('\n', "\r\n");
        let expected = if text.contains('\n') { output.replace('\n', "\r\n") } else { output.clone() };
        prop_assert_eq!(&common::format_checked(&crlf), &expected);
    }
}

/// A rule whose length straddles the line width once aligned with its neighbours.
fn long_rule() -> impl Strategy<Value = String> {
    (
        one_of(&["permit", "deny", "defer", "require_approval", "deny!"]),
        1usize..40,
        proptest::option::of(0usize..70),
        proptest::bool::ANY,
    )
        .prop_map(|(effect, pattern, reason, comment)| {
            let mut rule = format!("{effect} {}", "p".repeat(pattern));
            if let Some(reason) = reason {
                rule.push_str(&format!(" reason: \"{}\"", "r".repeat(reason)));
            }
            if comment {
                rule.push_str(" # note");
            }
            rule
        })
}

/// A configuration block written on one line whose length straddles the line width.
fn long_block() -> impl Strategy<Value = String> {
    proptest::collection::vec((1usize..20, 0usize..40), 1..4).prop_map(|entries| {
        let entries: Vec<String> = entries
            .into_iter()
            .map(|(key, value)| format!("{} = \"{}\"", "k".repeat(key), "v".repeat(value)))
            .collect();
        format!("egress {{ {} }}", entries.join(" "))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn alignment_near_the_line_width_is_idempotent(
        lines in proptest::collection::vec(prop_oneof![3 => long_rule(), 1 => long_block()], 1..12),
        blank in proptest::collection::vec(proptest::bool::weighted(0.2), 12),
    ) {
        let mut text = String::from("agent a {\n");
        for (line, blank) in lines.iter().zip(&blank) {
            text.push_str("  ");
            text.push_str(line);
            text.push('\n');
            if *blank {
                text.push('\n');
            }
        }
        text.push_str("}\n");
        let output = common::format_checked(&text);
        for line in output.lines() {
            let code = line.split(" # ").next().unwrap_or(line);
            prop_assert!(
                code.len() <= fpl_fmt::LINE_WIDTH || !code.contains(" reason: "),
                "a rule line is too long:\n{output}"
            );
        }
    }
}
