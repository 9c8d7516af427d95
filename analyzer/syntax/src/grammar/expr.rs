//! Condition expressions (SPEC §3 `expr`): `or` < `and` < `not` < one comparison < operands.
//!
//! Every function returns false after reporting an error; the caller of [`expr`] then skips to
//! a recovery point, so one mistake yields one error.

use crate::SyntaxKind::{self, *};
use crate::error::ErrorCode;
use crate::keywords;
use crate::parser::Parser;

/// Parses a full condition expression.
pub(crate) fn expr(p: &mut Parser) -> bool {
    binary_level(p, &["or"], PIPE2, and_expr)
}

fn and_expr(p: &mut Parser) -> bool {
    binary_level(p, &["and"], AMP2, not_expr)
}

/// `operand { op operand }` for a left-associative logical operator.
fn binary_level(
    p: &mut Parser,
    words: &[&str],
    symbol: SyntaxKind,
    operand: fn(&mut Parser) -> bool,
) -> bool {
    let checkpoint = p.checkpoint();
    if !operand(p) {
        return false;
    }
    let mut levels = Levels::default();
    while p.at(symbol) || p.at_any_word(words) {
        // Each operator of a chain nests the tree one level deeper (SPEC §3 note 6).
        if !levels.enter(p) {
            return false;
        }
        p.start_node_at(checkpoint, BIN_EXPR);
        bump_operator(p);
        let ok = operand(p);
        p.finish_node();
        if !ok {
            return levels.leave(p, false);
        }
    }
    levels.leave(p, true)
}

/// Nesting levels entered by an operator chain, left again when the chain ends.
#[derive(Default)]
struct Levels(u32);

impl Levels {
    fn enter(&mut self, p: &mut Parser) -> bool {
        if !p.enter() {
            self.leave(p, false);
            return false;
        }
        self.0 += 1;
        true
    }

    fn leave(&mut self, p: &mut Parser, ok: bool) -> bool {
        for _ in 0..self.0 {
            p.leave();
        }
        self.0 = 0;
        ok
    }
}

fn not_expr(p: &mut Parser) -> bool {
    if !(p.at_word("not") || p.at(BANG)) {
        return comparison(p);
    }
    if !p.enter() {
        return false;
    }
    p.start_node(PREFIX_EXPR);
    bump_operator(p);
    let ok = not_expr(p);
    p.finish_node();
    p.leave();
    ok
}

/// `operand [cmp_op operand]`; a second comparison operator is `E0105`.
fn comparison(p: &mut Parser) -> bool {
    let checkpoint = p.checkpoint();
    if !operand(p) {
        return false;
    }
    let mut levels = Levels::default();
    while at_comparison_operator(p) {
        if levels.0 == 1 {
            p.error(
                ErrorCode::E0105,
                "comparison chained without parentheses; group it with `(…)`",
            );
        }
        if !levels.enter(p) {
            return false;
        }
        p.start_node_at(checkpoint, BIN_EXPR);
        if p.at_word("not") {
            p.bump_as(KEYWORD);
        }
        bump_operator(p);
        let ok = operand(p);
        p.finish_node();
        if !ok {
            return levels.leave(p, false);
        }
    }
    levels.leave(p, true)
}

fn at_comparison_operator(p: &mut Parser) -> bool {
    match p.current() {
        EQ2 | NEQ | LT | LTE | GT | GTE | MATCH | NOT_MATCH => true,
        IDENT => match p.current_text() {
            "in" | "matches" | "contains" | "starts_with" | "ends_with" => true,
            "not" => matches!(p.nth(1), (IDENT, "in" | "matches")),
            _ => false,
        },
        _ => false,
    }
}

fn bump_operator(p: &mut Parser) {
    if p.at(IDENT) {
        p.bump_as(KEYWORD);
    } else {
        p.bump();
    }
}

fn operand(p: &mut Parser) -> bool {
    match p.current() {
        STRING | NUMBER | MONEY | DURATION | SIZE => {
            literal(p, false);
            true
        }
        L_PAREN => paren(p),
        L_BRACK => list(p),
        IDENT => identifier_operand(p),
        _ => {
            p.error_expected("an expression");
            false
        }
    }
}

fn literal(p: &mut Parser, keyword: bool) {
    p.start_node(LITERAL);
    if keyword {
        p.bump_as(KEYWORD);
    } else {
        p.bump();
    }
    p.finish_node();
}

fn identifier_operand(p: &mut Parser) -> bool {
    let word = p.current_text();
    if matches!(word, "true" | "false" | "null" | "nil") {
        literal(p, true);
        return true;
    }
    if keywords::EXPR_RESERVED.contains(&word) {
        p.error(ErrorCode::E0101, format!("expected an expression, found `{word}`; an argument with this name is written `args[\"{word}\"]`"));
        return false;
    }
    let starts_statement = keywords::EFFECTS.contains(&word) && p.at_line_start();
    if starts_statement || (keywords::CLAUSES.contains(&word) && p.nth(1).0 == COLON) {
        p.error_expected("an expression");
        return false;
    }
    let checkpoint = p.checkpoint();
    let Some(dotted) = path(p) else {
        return false;
    };
    if !p.at(L_PAREN) {
        return true;
    }
    p.start_node_at(checkpoint, CALL_EXPR);
    let ok = if dotted {
        raw_arguments(p)
    } else {
        call_arguments(p)
    };
    p.finish_node();
    ok
}

/// `IDENT { "." IDENT | "[" STRING "]" }`; returns whether the path had several segments,
/// or `None` after an error.
fn path(p: &mut Parser) -> Option<bool> {
    p.start_node(PATH_EXPR);
    p.bump();
    let mut ok = true;
    let mut segments = 1;
    loop {
        segments += 1;
        if p.at(DOT) && p.next_is_glued() {
            p.bump();
            if !p.expect(IDENT, "a field name") {
                ok = false;
                break;
            }
        } else if p.at(L_BRACK) && p.next_is_glued() {
            p.bump();
            ok = p.expect(STRING, "a quoted field name") && p.expect(R_BRACK, "`]`");
            if !ok {
                break;
            }
        } else {
            segments -= 1;
            break;
        }
    }
    p.finish_node();
    ok.then_some(segments > 1)
}

/// The arguments of a call that cannot be a built-in, kept as a balanced run of raw tokens.
fn raw_arguments(p: &mut Parser) -> bool {
    p.start_node(TOKEN_TREE);
    let mut depth = 0u32;
    loop {
        match p.current() {
            EOF | R_BRACE | L_BRACE => break,
            L_PAREN => depth += 1,
            R_PAREN => depth -= 1,
            _ => {}
        }
        p.bump();
        if depth == 0 {
            break;
        }
    }
    p.finish_node();
    depth == 0 || {
        p.error_expected("`)`");
        false
    }
}

/// `( [expr {, expr}] )`. A call on a dotted name can never be a built-in; its arguments are
/// kept as raw tokens so that the analyzer reports one clear `E0224` for it.
fn call_arguments(p: &mut Parser) -> bool {
    if !p.enter() {
        return false;
    }
    let ok = call_arguments_inner(p);
    p.leave();
    ok
}

fn call_arguments_inner(p: &mut Parser) -> bool {
    p.start_node(ARG_LIST);
    p.bump();
    let mut ok = true;
    if !p.at(R_PAREN) {
        loop {
            if !expr(p) {
                ok = false;
                break;
            }
            if !p.eat(COMMA) || p.at(R_PAREN) {
                break;
            }
        }
    }
    if ok {
        ok = p.expect(R_PAREN, "`)` or `,`");
    }
    p.finish_node();
    ok
}

fn paren(p: &mut Parser) -> bool {
    if !p.enter() {
        return false;
    }
    p.start_node(PAREN_EXPR);
    p.bump();
    let ok = expr(p) && p.expect(R_PAREN, "`)`");
    p.finish_node();
    p.leave();
    ok
}

/// `[ literal { , literal } [,] ]`; a bare name inside is an error.
fn list(p: &mut Parser) -> bool {
    if !p.enter() {
        return false;
    }
    p.start_node(LIST_EXPR);
    p.bump();
    let mut ok = true;
    while !p.at(R_BRACK) {
        match p.current() {
            STRING | NUMBER | MONEY | DURATION | SIZE => literal(p, false),
            IDENT if matches!(p.current_text(), "true" | "false" | "null" | "nil") => {
                literal(p, true)
            }
            IDENT => {
                let word = p.current_text();
                p.error(
                    ErrorCode::E0101,
                    format!("bare name `{word}` in a list; quote it: `\"{word}\"`"),
                );
                ok = false;
                break;
            }
            _ => {
                p.error_expected("a literal or `]`");
                ok = false;
                break;
            }
        }
        if !p.eat(COMMA) {
            break;
        }
    }
    if ok {
        ok = p.expect(R_BRACK, "`]` or `,`");
    }
    p.finish_node();
    p.leave();
    ok
}
