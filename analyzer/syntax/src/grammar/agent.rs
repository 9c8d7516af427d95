//! The `agent` block and its items (SPEC §3 `agent_item`).

use super::items::{expect_keyword, keyword_then_config, named_config};
use super::{block, name, pattern, rule, unknown_statement, value};
use crate::SyntaxKind::*;
use crate::keywords;
use crate::parser::Parser;

pub(crate) fn agent(p: &mut Parser) {
    p.start_node(AGENT);
    p.bump_as(KEYWORD);
    name(p, "an agent name");
    block(p, agent_item);
    p.finish_node();
}

/// One statement of an agent block; also a fragment at the top level of a file.
pub(super) fn agent_item(p: &mut Parser) {
    if p.at_any_word(keywords::EFFECTS) {
        rule::rule(p);
        return;
    }
    if !p.at(IDENT) {
        unknown_statement(p, &[keywords::AGENT_ITEMS, keywords::EFFECTS], true);
        return;
    }
    match p.current_text() {
        "default" => default_decl(p),
        "model" | "framework" | "version" => keyword_value(p, ATTRIBUTE),
        "var" => var_decl(p),
        "budget" => budget(p),
        "phase" => phase(p),
        "rules" => rule::rules_block(p),
        "rate_limit" => rate_limit(p),
        "redact" => redact(p),
        "egress" => keyword_then_config(p, EGRESS),
        "alert" => keyword_then_config(p, ALERT),
        "ambient" => keyword_then_config(p, AMBIENT),
        "audit" => audit(p),
        "credential" => credential(p),
        "delegate" => delegate(p),
        "selector" => named_config(p, SELECTOR, "a selector name"),
        word if keywords::NAMED_CONFIG_ITEMS.contains(&word) => {
            keyword_then_config(p, NAMED_CONFIG)
        }
        _ => unknown_statement(p, &[keywords::AGENT_ITEMS, keywords::EFFECTS], true),
    }
}

/// `delegate [name] { … }`: unnamed, a delegate is named by its `target_agent` (SPEC §3).
fn delegate(p: &mut Parser) {
    if matches!(p.nth(1).0, IDENT | STRING) {
        named_config(p, DELEGATE, "a delegate agent name");
    } else {
        keyword_then_config(p, DELEGATE);
    }
}

fn default_decl(p: &mut Parser) {
    p.start_node(DEFAULT_DECL);
    p.bump_as(KEYWORD);
    effect_word(p);
    p.finish_node();
}

/// `permit`, `deny` or `defer` as a keyword.
fn effect_word(p: &mut Parser) {
    if p.at_any_word(keywords::EFFECT_WORDS) {
        p.bump_as(KEYWORD);
    } else {
        p.error_expected("`permit`, `deny` or `defer`");
    }
}

/// `keyword [=] value` in a node of `kind`.
fn keyword_value(p: &mut Parser, kind: crate::SyntaxKind) {
    p.start_node(kind);
    p.bump_as(KEYWORD);
    p.eat(EQ);
    value::statement_value(p);
    p.finish_node();
}

fn var_decl(p: &mut Parser) {
    p.start_node(VAR_DECL);
    p.bump_as(KEYWORD);
    name_ident(p, "a variable name");
    p.eat(EQ);
    value::statement_value(p);
    p.finish_node();
}

fn name_ident(p: &mut Parser, what: &str) {
    if p.at(IDENT) {
        p.start_node(NAME);
        p.bump();
        p.finish_node();
    } else {
        p.error_expected(what);
    }
}

fn budget(p: &mut Parser) {
    p.start_node(BUDGET);
    p.bump_as(KEYWORD);
    name_ident(p, "a budget id (`session`, `daily` or a name of your own)");
    block(p, |p| {
        if p.at_any_word(keywords::BUDGET_ITEMS) {
            keyword_value(p, BUDGET_ITEM);
        } else {
            unknown_statement(p, &[keywords::BUDGET_ITEMS], true);
        }
    });
    p.finish_node();
}

fn phase(p: &mut Parser) {
    p.start_node(PHASE);
    p.bump_as(KEYWORD);
    name(p, "a phase name");
    block(p, |p| {
        if p.at_any_word(keywords::EFFECTS) {
            rule::rule(p);
        } else if p.at_word("rules") {
            rule::rules_block(p);
        } else if p.at_any_word(&["duration", "next", "tools"]) {
            keyword_value(p, PHASE_ATTR);
        } else {
            unknown_statement(p, &[keywords::PHASE_ITEMS, keywords::EFFECTS], true);
        }
    });
    p.finish_node();
}

fn rate_limit(p: &mut Parser) {
    p.start_node(RATE_LIMIT);
    p.bump_as(KEYWORD);
    pattern(p, "a tool pattern");
    p.eat(COLON);
    p.expect(NUMBER, "a call count");
    if expect_keyword(p, "per") {
        p.expect(IDENT, "a window (`second`, `minute`, `hour` or `day`)");
    }
    p.finish_node();
}

fn redact(p: &mut Parser) {
    p.start_node(REDACT);
    p.bump_as(KEYWORD);
    pattern(p, "a tool pattern");
    if expect_keyword(p, "args") {
        p.eat(COLON);
        if p.at(L_BRACK) {
            value::statement_value(p);
        } else {
            p.error_expected("a list of argument names");
        }
    }
    p.finish_node();
}

fn audit(p: &mut Parser) {
    p.start_node(AUDIT);
    p.bump_as(KEYWORD);
    block(p, |p| {
        if p.at_word("include") {
            p.start_node(AUDIT_INCLUDE);
            p.bump_as(KEYWORD);
            p.expect(IDENT, "what to include");
            p.finish_node();
        } else {
            unknown_statement(p, &[&["include"]], true);
        }
    });
    p.finish_node();
}

fn credential(p: &mut Parser) {
    p.start_node(CREDENTIAL);
    p.bump_as(KEYWORD);
    name(p, "a credential name");
    block(p, |p| {
        if p.at_word("scope") {
            p.start_node(CREDENTIAL_SCOPE);
            p.bump_as(KEYWORD);
            pattern(p, "a tool pattern");
            while p.at_pattern() && !p.at_any_word(keywords::CREDENTIAL_ITEMS) {
                pattern(p, "a tool pattern");
            }
            p.finish_node();
        } else if p.at_any_word(keywords::CREDENTIAL_ITEMS) {
            keyword_value(p, CREDENTIAL_ATTR);
        } else {
            unknown_statement(p, &[keywords::CREDENTIAL_ITEMS], true);
        }
    });
    p.finish_node();
}
