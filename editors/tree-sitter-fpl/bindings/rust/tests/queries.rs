//! The editor queries compile against the grammar, and the highlights query gives keywords,
//! effects, `deny!`, strings, money, durations, comments and patterns their captures — exactly
//! one capture per node, so editors that resolve overlapping captures differently (first pattern
//! wins in tree-sitter-highlight, last in Neovim) colour a policy alike.

use std::collections::BTreeMap;

use tree_sitter::{Query, QueryCursor, StreamingIterator as _};

const POLICY: &str = r#"# payments policy
import "github.com/faramesh/faramesh-registry/policies/faramesh/stripe@1.0.0" as base
trust {
  key "faramesh-2026" ed25519:nxNjaQnS3L+zzKrRq48XfYBDWlFXkNJkxUiTD8j0sFs=
}
agent payments-bot {
  default deny
  var limit = $500
  budget session { max $500 warn_at 0.8 on_exceed defer }
  rate_limit stripe/charge: 20 per minute
  credential stripe { scope stripe/* backend env ttl 15m }
  deny! shell/* reason: "never shell"
  deny ! stripe/payouts
  permit stripe/charge when amount < vars.limit and currency in ["usd", "eur"]
  defer stripe/refund if args["amount"] >= $100 or not purpose("refunds") method GET, HEAD
  require_approval deploy/* when size > 10mb
}
"#;

/// Every capture of `query` over `POLICY`, keyed by the captured text and its byte range.
fn captures(query_source: &str) -> BTreeMap<(usize, String), Vec<String>> {
    let language = tree_sitter_fpl::LANGUAGE.into();
    let mut parser = tree_sitter::Parser::new();
    parser
        .set_language(&language)
        .expect("the grammar's ABI is one the runtime accepts");
    let tree = parser
        .parse(POLICY, None)
        .expect("a parser with a language returns a tree");
    assert!(
        !tree.root_node().has_error(),
        "{}",
        tree.root_node().to_sexp()
    );
    let query = Query::new(&language, query_source).expect("the query compiles");
    let names = query.capture_names();
    let mut cursor = QueryCursor::new();
    let mut out: BTreeMap<(usize, String), Vec<String>> = BTreeMap::new();
    let mut matches = cursor.matches(&query, tree.root_node(), POLICY.as_bytes());
    while let Some(found) = matches.next() {
        for capture in found.captures() {
            let node = capture.node;
            let name = names[capture.index as usize];
            if name.starts_with('_') {
                continue;
            }
            out.entry((node.start_byte(), POLICY[node.byte_range()].to_string()))
                .or_default()
                .push(name.to_string());
        }
    }
    out
}

/// The captures of the first occurrence of `text` in the policy (at or after `after`).
fn capture_of<'a>(
    all: &'a BTreeMap<(usize, String), Vec<String>>,
    text: &str,
    after: &str,
) -> &'a [String] {
    let from = POLICY.find(after).expect("the anchor is in the policy");
    let start = from
        + POLICY[from..]
            .find(text)
            .expect("the text follows its anchor");
    all.get(&(start, text.to_string()))
        .map_or(&[], Vec::as_slice)
}

#[test]
fn highlights_capture_every_kind_of_token() {
    let all = captures(tree_sitter_fpl::HIGHLIGHTS_QUERY);
    let expected = [
        ("# payments policy", "# payments", "comment"),
        ("import", "import", "keyword"),
        ("agent", "agent payments-bot", "keyword"),
        ("payments-bot", "agent", "type"),
        ("default", "default deny", "keyword"),
        ("deny", "default deny", "keyword.effect"),
        ("budget", "budget session", "keyword"),
        ("on_exceed", "on_exceed", "keyword"),
        ("defer", "on_exceed defer", "keyword.effect"),
        ("permit", "permit stripe/charge", "keyword.effect.permit"),
        ("defer", "defer stripe/refund", "keyword.effect.defer"),
        (
            "require_approval",
            "require_approval",
            "keyword.effect.defer",
        ),
        ("deny!", "deny! shell", "keyword.effect.mandatory"),
        ("deny !", "deny ! stripe", "keyword.effect.mandatory"),
        ("when", "when amount", "keyword"),
        ("if", "if args", "keyword"),
        ("method", "method GET", "keyword"),
        ("reason", "reason:", "keyword"),
        ("\"never shell\"", "reason", "string"),
        ("\"usd\"", "currency in", "string"),
        ("$500", "var limit", "number.money"),
        ("$100", ">= $100", "number.money"),
        ("0.8", "warn_at", "number"),
        ("20", "rate_limit", "number"),
        ("15m", "ttl", "number.duration"),
        ("10mb", "size >", "number.size"),
        ("shell/*", "deny! shell", "string.special.pattern"),
        ("stripe/charge", "permit stripe", "string.special.pattern"),
        ("stripe/*", "scope", "string.special.pattern"),
        ("GET", "method GET", "string.special.pattern"),
        ("ed25519:", "key \"", "string.special.key"),
        ("and", "vars.limit and", "keyword.operator"),
        ("not", "or not", "keyword.operator"),
        ("<", "amount <", "operator"),
        ("amount", "when amount", "variable"),
        ("args", "if args", "variable.builtin"),
        ("vars", "< vars", "variable.builtin"),
        ("limit", "vars.limit", "variable.member"),
        ("purpose", "not purpose", "function.builtin"),
    ];
    for (text, after, capture) in expected {
        // Whole-token checks: the key token is longer than its prefix given above.
        let found = if text == "ed25519:" {
            let start = POLICY.find("ed25519:").expect("the key is in the policy");
            let end = start + POLICY[start..].find('\n').expect("the key ends its line");
            all.get(&(start, POLICY[start..end].to_string()))
                .map_or(&[][..], Vec::as_slice)
        } else {
            capture_of(&all, text, after)
        };
        assert_eq!(found, [capture], "`{text}` after `{after}`");
    }
}

#[test]
fn highlights_capture_each_node_once() {
    for ((start, text), names) in captures(tree_sitter_fpl::HIGHLIGHTS_QUERY) {
        assert_eq!(names.len(), 1, "`{text}` at byte {start}: {names:?}");
    }
}

#[test]
fn editor_queries_compile_and_match() {
    let folds = captures(tree_sitter_fpl::FOLDS_QUERY);
    assert!(
        folds
            .keys()
            .any(|(_, text)| text.starts_with("agent payments-bot {")),
        "the agent block folds"
    );
    let indents = captures(tree_sitter_fpl::INDENTS_QUERY);
    assert!(
        indents
            .values()
            .any(|names| names.iter().any(|name| name == "indent.begin")),
        "blocks indent"
    );
    let locals = captures(tree_sitter_fpl::LOCALS_QUERY);
    assert_eq!(
        capture_of(&locals, "limit", "var limit"),
        ["local.definition.var"]
    );
    assert_eq!(
        capture_of(&locals, "limit", "vars.limit"),
        ["local.reference"]
    );
}

#[test]
fn node_types_list_the_grammar() {
    for kind in ["\"agent\"", "\"rule\"", "\"mandatory_deny\"", "\"pattern\""] {
        assert!(tree_sitter_fpl::NODE_TYPES.contains(kind), "{kind}");
    }
}
