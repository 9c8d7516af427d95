//! The FPL grammar (SPEC §3) as recursive-descent functions over the [`Parser`].

mod agent;
mod expr;
mod fragment;
mod items;
mod rule;
mod value;

use crate::SyntaxKind::*;
use crate::error::ErrorCode;
use crate::keywords::{self, did_you_mean};
use crate::parser::Parser;

/// Parses a whole document.
pub(crate) fn source_file(p: &mut Parser) {
    p.start_root();
    let mut first_flat_rule = None;
    let mut has_agent = false;
    // Agent-level statements at the top level (flat rules and fragments), and the keyword of
    // the first fragment.
    let mut agent_level = Vec::new();
    let mut first_fragment = None;
    while !p.at(EOF) {
        if p.at_word("agent") {
            has_agent = true;
        }
        let start = p.current_range().start();
        if p.at_any_word(keywords::EFFECTS) {
            rule::rule(p);
            first_flat_rule.get_or_insert(rowan::TextRange::new(start, p.position()));
            agent_level.push(rowan::TextRange::new(start, p.position()));
            continue;
        }
        if items::top_level_item(p) {
            continue;
        }
        if p.at_any_word(keywords::AGENT_ITEMS) {
            first_fragment.get_or_insert((p.current_text(), p.current_range()));
            agent::agent_item(p);
            agent_level.push(rowan::TextRange::new(start, p.position()));
            continue;
        }
        unknown_statement(
            p,
            &[
                keywords::TOP_LEVEL,
                keywords::EFFECTS,
                keywords::AGENT_ITEMS,
            ],
            false,
        );
    }
    if let (Some(range), true) = (first_flat_rule, has_agent) {
        p.error_at(
            ErrorCode::E0102,
            "rules outside an `agent` block in a file that has `agent` blocks",
            range,
        );
    }
    if let Some((word, range)) = first_fragment {
        let fix = fragment::wrap_in_agent(p.text(), &agent_level);
        p.error_with_fix(
            ErrorCode::E0104,
            format!("`{word}` belongs inside an agent"),
            range,
            fix,
        );
    }
    p.flush_trailing_trivia();
    p.finish_node();
}

/// Parses `{ item* }`, calling `item` for each statement until `}`.
pub(crate) fn block(p: &mut Parser, mut item: impl FnMut(&mut Parser)) {
    if !p.expect(L_BRACE, "`{`") {
        return;
    }
    while !p.at(R_BRACE) && !p.at(EOF) {
        item(p);
    }
    p.expect(R_BRACE, "`}`");
}

/// Reports an unknown statement and skips to the next word of `statements` that starts a line
/// (or `}` when `stop_at_brace`), suggesting the closest statement keyword.
pub(crate) fn unknown_statement(p: &mut Parser, statements: &[&[&str]], stop_at_brace: bool) {
    let all = || statements.iter().flat_map(|words| words.iter().copied());
    if p.at(IDENT) {
        let word = p.current_text();
        let suggestion = did_you_mean(word, all());
        let message = match suggestion {
            Some(keyword) => format!("unknown statement `{word}`; did you mean `{keyword}`?"),
            None => format!("unknown statement `{word}`"),
        };
        p.error_with_suggestion(ErrorCode::E0104, message, suggestion.map(str::to_string));
    } else {
        p.error_expected("a statement");
    }
    let stops: Vec<&str> = all().collect();
    let before = p.position();
    p.skip_until(|p| {
        (stop_at_brace && p.at(R_BRACE)) || (p.at_any_word(&stops) && p.at_line_start())
    });
    if p.position() == before && !p.at(EOF) && !(stop_at_brace && p.at(R_BRACE)) {
        p.start_node(ERROR);
        p.bump();
        p.finish_node();
    }
}

/// `name = IDENT | STRING`, reporting `what` when missing.
pub(crate) fn name(p: &mut Parser, what: &str) {
    if p.at(IDENT) || p.at(STRING) {
        p.start_node(NAME);
        p.bump();
        p.finish_node();
    } else {
        p.error_expected(what);
    }
}

/// A tool pattern (or a pattern written as a string), in a `TOOL_PATTERN` node.
pub(crate) fn pattern(p: &mut Parser, what: &str) -> bool {
    let checkpoint = p.checkpoint();
    if p.bump_pattern() {
        p.start_node_at(checkpoint, TOOL_PATTERN);
        p.finish_node();
        true
    } else {
        p.error_expected(what);
        false
    }
}
