//! Values and configuration blocks (SPEC §3 `value`, `list`, `config_block`).

use crate::SyntaxKind::*;
use crate::parser::Parser;

/// `STRING | NUMBER | MONEY | DURATION | SIZE | BOOL | IDENT | list | env("X") | PATTERN`
pub(crate) fn value(p: &mut Parser) -> bool {
    if p.at(L_BRACK) {
        return list(p);
    }
    if p.at_word("env") && p.nth(1).0 == L_PAREN {
        p.start_node(ENV_CALL);
        p.bump_as(KEYWORD);
        p.bump();
        let ok = p.expect(STRING, "a variable name string") && p.expect(R_PAREN, "`)`");
        p.finish_node();
        return ok;
    }
    let checkpoint = p.checkpoint();
    if p.bump_value_token() {
        p.start_node_at(checkpoint, VALUE_LITERAL);
        p.finish_node();
        return true;
    }
    p.error_expected("a value");
    false
}

/// A value that ends a statement; after an error, skips to the next line's statement or `}`.
pub(crate) fn statement_value(p: &mut Parser) {
    if !value(p) {
        p.skip_until(|p| p.at(R_BRACE) || (p.at(IDENT) && p.at_line_start()));
    }
}

/// `[ [value {, value} [,]] ]`
fn list(p: &mut Parser) -> bool {
    if !p.enter() {
        p.skip_group();
        return false;
    }
    p.start_node(VALUE_LIST);
    p.bump();
    let mut ok = true;
    while !p.at(R_BRACK) && !p.at(EOF) {
        if !value(p) {
            ok = false;
            break;
        }
        if !p.eat(COMMA) {
            break;
        }
    }
    ok = ok && p.expect(R_BRACK, "`]` or `,`");
    p.finish_node();
    p.leave();
    ok
}

/// `{ config_entry* }`
pub(crate) fn config_block(p: &mut Parser) {
    if !p.at(L_BRACE) {
        p.error_expected("`{`");
        return;
    }
    if !p.enter() {
        p.skip_group();
        return;
    }
    p.start_node(CONFIG_BLOCK);
    p.bump();
    while !p.at(R_BRACE) && !p.at(EOF) {
        if p.at(IDENT) {
            config_entry(p);
        } else {
            p.error_expected("a configuration key or `}`");
            p.skip_until(|p| p.at(R_BRACE) || (p.at(IDENT) && p.at_line_start()));
        }
    }
    p.expect(R_BRACE, "`}`");
    p.finish_node();
    p.leave();
}

/// `IDENT [=] value | IDENT config_block`
pub(crate) fn config_entry(p: &mut Parser) {
    p.start_node(CONFIG_ENTRY);
    p.bump();
    p.eat(EQ);
    if p.at(L_BRACE) {
        config_block(p);
    } else {
        statement_value(p);
    }
    p.finish_node();
}
