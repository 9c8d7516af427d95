//! Property tests: parsing never panics and the tree always reproduces the input exactly.

use proptest::prelude::*;

/// Fragments that look like FPL, so generated inputs reach deep into the grammar.
const FRAGMENTS: &[&str] = &[
    "agent",
    "a",
    " ",
    "\n",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    "default",
    "deny",
    "deny!",
    "!",
    "permit",
    "defer",
    "when",
    "if",
    "and",
    "or",
    "not",
    "in",
    "matches",
    "==",
    "<",
    ">=",
    "\"s\"",
    "'q",
    "\\",
    "1",
    "-2.5",
    "$5",
    "1h30m",
    "10mb",
    "10x",
    "stripe/*",
    "*.x.org",
    "reason:",
    "notify",
    ":",
    "=",
    ",",
    ".",
    "#c\n",
    "#c\r",
    "\r",
    "\r\n",
    "\u{202E}",
    "\u{2028}",
    "rules",
    "phase",
    "budget",
    "session",
    "max",
    "rate_limit",
    "per",
    "minute",
    "redact",
    "args",
    "credential",
    "scope",
    "egress",
    "env(\"X\")",
    "\u{0}",
    "é",
    "?",
    "path",
    "method",
    "GET",
    "query",
    "x",
    "=",
    "len(",
    "session.sum(",
    "null",
    "true",
];

fn fpl_like() -> impl Strategy<Value = String> {
    prop::collection::vec(prop::sample::select(FRAGMENTS), 0..200).prop_map(|parts| parts.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    #[test]
    fn tree_reproduces_fpl_like_input(text in fpl_like()) {
        let parse = fpl_syntax::parse(&text);
        prop_assert_eq!(parse.syntax_node().to_string(), text);
    }

    #[test]
    fn tree_reproduces_arbitrary_input(text in any::<String>()) {
        let parse = fpl_syntax::parse(&text);
        prop_assert_eq!(parse.syntax_node().to_string(), text);
    }

    #[test]
    fn errors_lie_inside_the_input(text in fpl_like()) {
        let parse = fpl_syntax::parse(&text);
        for error in parse.errors() {
            prop_assert!(usize::from(error.range.end()) <= text.len());
        }
    }
}

/// Text made of line ends and characters of every UTF-8 and UTF-16 width.
fn lines_text() -> impl Strategy<Value = String> {
    prop::collection::vec(
        prop::sample::select(&["a", "\n", "\r", "\r\n", "é", "—", "😀"][..]),
        0..40,
    )
    .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn line_index_round_trips_and_counts_line_ends(text in lines_text()) {
        use fpl_syntax::{ColumnUnit, LineIndex, TextSize, line_index::count_line_ends};
        let index = LineIndex::new(&text);
        prop_assert_eq!(index.line_count() as usize, count_line_ends(&text) + 1);
        for (offset, _) in text.char_indices().chain([(text.len(), ' ')]) {
            let before = &text[..offset];
            let inside_crlf = before.ends_with('\r') && text[offset..].starts_with('\n');
            if inside_crlf {
                continue;
            }
            let line_start = before.rfind(['\n', '\r']).map_or(0, |at| at + 1);
            let line_text = &before[line_start..];
            for (unit, expected) in [
                (ColumnUnit::Utf8, line_text.len()),
                (ColumnUnit::Char, line_text.chars().count()),
                (ColumnUnit::Utf16, line_text.encode_utf16().count()),
            ] {
                let at = index.line_column(TextSize::from(offset as u32), unit);
                prop_assert_eq!(at.line as usize, count_line_ends(before));
                prop_assert_eq!(at.column as usize, expected);
                prop_assert_eq!(usize::from(index.offset(at, unit)), offset);
            }
        }
    }
}

#[test]
fn hostile_inputs_do_not_overflow_the_stack() {
    let cases = [
        "{".repeat(1 << 20),
        "(".repeat(1 << 16),
        format!("agent a {{ permit x when {} }}", "not ".repeat(100_000)),
        format!("agent a {{ permit x when {}1 }}", "(".repeat(100_000)),
        format!("system s {{ {} }}", "a { ".repeat(100_000)),
        format!("agent a {{ var v = {} }}", "[".repeat(100_000)),
        "x".repeat(100_000),
        "\u{0}".repeat(100_000),
    ];
    for text in cases {
        let parse = fpl_syntax::parse(&text);
        assert_eq!(parse.syntax_node().to_string(), text);
        assert!(!parse.errors().is_empty());
        assert!(
            parse.errors().len() < 10,
            "one mistake, a few errors: {:?}",
            &parse.errors()[..3]
        );
    }
}

#[test]
fn long_operator_chains_are_bounded_and_drop_on_a_small_stack() {
    let chain = |op: &str, terms: usize| {
        format!(
            "agent a {{\n  permit x when {}\n}}\n",
            vec!["a"; terms].join(op)
        )
    };
    // 64 levels is the limit: a chain of 64 operators parses, one more is E0005.
    assert_eq!(fpl_syntax::parse(&chain(" or ", 64)).errors(), &[]);
    let over = fpl_syntax::parse(&chain(" or ", 66));
    assert_eq!(
        over.errors().iter().map(|e| e.code).collect::<Vec<_>>(),
        vec![fpl_syntax::ErrorCode::E0005]
    );
    // A hostile chain must neither overflow while parsing nor while the tree is dropped,
    // even on a thread with a 2 MiB stack (the language server's workers).
    let hostile = [
        chain(" or ", 100_000),
        chain(" && ", 100_000),
        chain(" == ", 100_000),
    ];
    let worker = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            for text in hostile {
                let parse = fpl_syntax::parse(&text);
                assert_eq!(parse.syntax_node().to_string(), text);
                assert!(
                    parse
                        .errors()
                        .iter()
                        .any(|e| e.code == fpl_syntax::ErrorCode::E0005)
                );
            }
        });
    worker
        .expect("thread starts")
        .join()
        .expect("no stack overflow");
}

#[test]
fn oversized_file_is_refused_losslessly() {
    let text = "#".repeat(fpl_syntax::MAX_FILE_SIZE + 1);
    let parse = fpl_syntax::parse(&text);
    assert_eq!(parse.errors().len(), 1);
    assert_eq!(parse.errors()[0].code, fpl_syntax::ErrorCode::E0006);
    assert_eq!(usize::from(parse.syntax_node().text().len()), text.len());
}
