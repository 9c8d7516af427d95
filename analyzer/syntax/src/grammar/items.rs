//! Top-level items: `import`, `runtime`, `provider`, `identity`, `trust`, `system`, `manifest`
//! and `agent` (flat rules are handled by the caller).

use super::{agent, block, name, unknown_statement, value};
use crate::SyntaxKind::{self, *};
use crate::keywords;
use crate::parser::Parser;

/// Parses one top-level item; returns false when the next token starts none.
pub(crate) fn top_level_item(p: &mut Parser) -> bool {
    if p.current() != IDENT {
        return false;
    }
    match p.current_text() {
        "import" => import(p),
        "runtime" => keyword_then_config(p, RUNTIME),
        "provider" => named_config(p, PROVIDER, "a provider name"),
        "identity" => named_config(p, IDENTITY, "an identity name"),
        "system" => named_config(p, SYSTEM, "a system name"),
        "trust" => trust(p),
        "manifest" => manifest(p),
        "agent" => agent::agent(p),
        _ => return false,
    }
    true
}

/// `keyword config_block`, e.g. `runtime { … }` or `egress { … }`.
pub(crate) fn keyword_then_config(p: &mut Parser, kind: SyntaxKind) {
    p.start_node(kind);
    p.bump_as(KEYWORD);
    value::config_block(p);
    p.finish_node();
}

/// `keyword name config_block`, e.g. `provider vault { … }`.
pub(crate) fn named_config(p: &mut Parser, kind: SyntaxKind, what: &str) {
    p.start_node(kind);
    p.bump_as(KEYWORD);
    name(p, what);
    value::config_block(p);
    p.finish_node();
}

fn import(p: &mut Parser) {
    p.start_node(IMPORT);
    p.bump_as(KEYWORD);
    p.expect(STRING, "an import reference string");
    if p.eat_word("as") {
        p.expect(IDENT, "an alias name");
    }
    p.finish_node();
}

fn trust(p: &mut Parser) {
    p.start_node(TRUST);
    p.bump_as(KEYWORD);
    block(p, |p| match p.current_text() {
        "key" if p.at(IDENT) => {
            p.start_node(TRUST_KEY);
            p.bump_as(KEYWORD);
            p.expect(STRING, "a key id string");
            p.eat(EQ);
            if !p.bump_public_key() {
                p.error_expected("an `ed25519:<base64>` key");
            }
            p.finish_node();
        }
        "delegation" if p.at(IDENT) => {
            p.start_node(TRUST_DELEGATION);
            p.bump_as(KEYWORD);
            expect_keyword(p, "from");
            p.expect(STRING, "a string");
            expect_keyword(p, "to");
            p.expect(STRING, "a string");
            trust_entries(p);
            p.finish_node();
        }
        "inbound" if p.at(IDENT) => {
            p.start_node(TRUST_INBOUND);
            p.bump_as(KEYWORD);
            p.expect(STRING, "a string");
            trust_entries(p);
            p.finish_node();
        }
        _ if p.at(IDENT) && p.nth(1).0 == STRING => {
            p.start_node(TRUST_ENTRY);
            p.bump_as(KEYWORD);
            p.bump();
            trust_entries(p);
            p.finish_node();
        }
        _ => unknown_statement(p, &[keywords::TRUST_ITEMS], true),
    });
    p.finish_node();
}

/// Configuration entries of a trust item, up to the next trust item or `}`. A word at the start
/// of a line followed by a string starts another trust entry (`spiffe_federated "…"`), not an
/// entry of this one.
fn trust_entries(p: &mut Parser) {
    while p.at(IDENT) && !p.at_any_word(keywords::TRUST_ITEMS) {
        if p.at_line_start() && p.nth(1).0 == STRING {
            break;
        }
        value::config_entry(p);
    }
}

fn manifest(p: &mut Parser) {
    p.start_node(MANIFEST);
    p.bump_as(KEYWORD);
    if p.eat_word("orchestrator") {
        name(p, "an orchestrator name");
        expect_keyword(p, "undeclared");
        if !p.at_any_word(&["deny", "defer"]) {
            p.error_expected("`deny` or `defer`");
        } else {
            p.bump_as(KEYWORD);
        }
    } else if p.eat_word("grant") {
        name(p, "an agent name");
        expect_keyword(p, "to");
        name(p, "an agent name");
        expect_keyword(p, "max");
        p.expect(NUMBER, "a number");
        p.eat_word("approval");
    } else {
        p.error_expected("`orchestrator` or `grant`");
    }
    p.finish_node();
}

/// Consumes the keyword `word` or reports it missing.
pub(crate) fn expect_keyword(p: &mut Parser, word: &str) -> bool {
    if p.eat_word(word) {
        return true;
    }
    p.error_expected(&format!("`{word}`"));
    false
}
