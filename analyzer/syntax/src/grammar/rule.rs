//! Rules and their clauses (SPEC §3 `rule`, `clause`), and `rules { … }` blocks.

use super::{block, expr, pattern, unknown_statement};
use crate::SyntaxKind::*;
use crate::error::ErrorCode;
use crate::keywords;
use crate::parser::Parser;

/// `rules { rule* }`
pub(crate) fn rules_block(p: &mut Parser) {
    p.start_node(RULES_BLOCK);
    p.bump_as(KEYWORD);
    block(p, |p| {
        if p.at_any_word(keywords::EFFECTS) {
            rule(p);
        } else {
            unknown_statement(p, &[keywords::EFFECTS], true);
        }
    });
    p.finish_node();
}

/// `effect pattern clause*`; the rule ends at the first token that is not a clause keyword.
pub(crate) fn rule(p: &mut Parser) {
    p.start_node(RULE);
    p.start_node(EFFECT);
    let is_deny = p.at_word("deny");
    p.bump_as(KEYWORD);
    if is_deny && p.at(BANG) {
        p.bump();
    }
    p.finish_node();
    pattern(p, "a tool pattern");
    let mut seen: Vec<String> = Vec::new();
    while p.at_any_word(keywords::CLAUSES) {
        clause(p, &mut seen);
    }
    p.finish_node();
}

fn clause(p: &mut Parser, seen: &mut Vec<String>) {
    let keyword = p.current_text();
    let keyword_range = p.current_range();
    let mut identity = match keyword {
        "when" | "if" => "condition".to_string(),
        "header" | "headers" => "header".to_string(),
        other => other.to_string(),
    };
    match keyword {
        "when" | "if" => condition_clause(p),
        "method" | "host" | "path" | "port" => {
            p.start_node(SELECTOR_CLAUSE);
            p.bump_as(KEYWORD);
            p.eat(COLON);
            selector_value(p);
            p.finish_node();
        }
        "query" | "header" | "headers" => {
            p.start_node(KEYED_SELECTOR_CLAUSE);
            p.bump_as(KEYWORD);
            p.eat(COLON);
            if p.at(IDENT) || p.at(STRING) {
                identity = format!("{identity} {}", p.current_text().to_ascii_lowercase());
                p.bump();
            } else {
                p.error_expected("a key name");
            }
            p.expect(EQ, "`=`");
            selector_value(p);
            p.finish_node();
        }
        "reason" | "notify" => {
            p.start_node(TEXT_CLAUSE);
            p.bump_as(KEYWORD);
            p.eat(COLON);
            p.expect(STRING, "a string");
            p.finish_node();
        }
        _ => {
            p.start_node(REEVAL_CLAUSE);
            p.bump_as(KEYWORD);
            p.eat(COLON);
            if p.at_any_word(&["true", "false"]) {
                p.bump_as(KEYWORD);
            } else {
                p.error_expected("`true` or `false`");
            }
            p.finish_node();
        }
    }
    if seen.contains(&identity) {
        p.error_at(
            ErrorCode::E0103,
            format!("clause `{keyword}` repeated in this rule"),
            keyword_range,
        );
    } else {
        seen.push(identity);
    }
}

fn condition_clause(p: &mut Parser) {
    p.start_node(CONDITION_CLAUSE);
    p.bump_as(KEYWORD);
    if !expr::expr(p) {
        p.skip_until(expression_recovery_point);
    }
    p.finish_node();
}

/// Where parsing resumes after an error inside a condition: `}`, or a clause or statement
/// keyword that starts a line or is followed by `:`.
fn expression_recovery_point(p: &mut Parser) -> bool {
    if p.at(R_BRACE) {
        return true;
    }
    let is_keyword = p.at_any_word(keywords::CLAUSES)
        || p.at_any_word(keywords::EFFECTS)
        || p.at_any_word(keywords::AGENT_ITEMS)
        || p.at_any_word(keywords::TOP_LEVEL);
    is_keyword && (p.at_line_start() || p.nth(1).0 == COLON)
}

/// `pattern { "," pattern }`
fn selector_value(p: &mut Parser) {
    p.start_node(SELECTOR_VALUE);
    if pattern(p, "a value") {
        while p.eat(COMMA) {
            if !pattern(p, "a value") {
                break;
            }
        }
    }
    p.finish_node();
}
