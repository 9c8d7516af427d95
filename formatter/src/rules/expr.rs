//! Conditions (`when`/`if` clauses): expressions print on one line with single spaces around
//! operators; calls, paths and prefix `!` are glued; the raw arguments of a call that cannot be a
//! built-in (`session.sum(…)`) keep the source's spacing.

use fpl_syntax::SyntaxKind::*;

use crate::run::Tok;

/// The spacing between two tokens of an expression, or `None` when the general rules apply;
/// `glued` says whether the source had no space between them.
pub fn spacing(prev: &Tok, next: &Tok, glued: bool) -> Option<bool> {
    if prev.in_node(TOKEN_TREE) && next.in_node(TOKEN_TREE) {
        return Some(!glued);
    }
    if prev.in_node(PATH_EXPR) && next.in_node(PATH_EXPR) {
        return Some(false);
    }
    // A call: `f(x)`, `session.sum(…)`.
    if next.is(L_PAREN) && (next.in_node(ARG_LIST) || next.in_node(TOKEN_TREE)) {
        return Some(false);
    }
    // Prefix `!x`, `!(…)`.
    if prev.is(BANG) && prev.in_node(PREFIX_EXPR) {
        return Some(false);
    }
    None
}
