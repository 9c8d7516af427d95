//! Conditions (`when`/`if` clauses): expressions print on one line with single spaces around
//! operators; calls, paths and prefix `!` are glued; the raw arguments of a call that cannot be a
//! built-in (`session.sum(…)`) keep the source's spacing.

use fpl_syntax::SyntaxKind::{self, *};
use fpl_syntax::SyntaxToken;

/// The spacing between two tokens of an expression, or `None` when the general rules apply.
pub fn spacing(
    prev: &SyntaxToken,
    next: &SyntaxToken,
    prev_parent: Option<SyntaxKind>,
    next_parent: Option<SyntaxKind>,
) -> Option<bool> {
    if prev_parent == Some(TOKEN_TREE) && next_parent == Some(TOKEN_TREE) {
        return Some(prev.text_range().end() != next.text_range().start());
    }
    if prev_parent == Some(PATH_EXPR) && next_parent == Some(PATH_EXPR) {
        return Some(false);
    }
    match (prev.kind(), next.kind()) {
        // A call: `f(x)`, `session.sum(…)`.
        (_, L_PAREN) if matches!(next_parent, Some(ARG_LIST | TOKEN_TREE)) => Some(false),
        // Prefix `!x`, `!(…)`.
        (BANG, _) if prev_parent == Some(PREFIX_EXPR) => Some(false),
        _ => None,
    }
}
