//! Spacing between two tokens printed on the same line: one space, or none where the tokens are
//! glued (`deny!`, `f(x)`, `a.b`, `[1, 2]`, `pattern:`).
//!
//! Gluing only ever removes a space in front of a token that cannot continue the previous one,
//! so it never changes how the text lexes; the re-parse check of [`crate::verify`] proves it.

use fpl_syntax::SyntaxKind::{self, *};
use fpl_syntax::SyntaxToken;

use crate::rules::expr;

/// Whether a space separates `prev` from `next`.
pub fn needs_space(prev: &SyntaxToken, next: &SyntaxToken) -> bool {
    let prev_parent = parent_kind(prev);
    let next_parent = parent_kind(next);
    if let Some(space) = expr::spacing(prev, next, prev_parent, next_parent) {
        return space;
    }
    if matches!(next.kind(), COMMA | R_PAREN | R_BRACK | COLON)
        || matches!(prev.kind(), L_PAREN | L_BRACK)
    {
        return false;
    }
    match (prev.kind(), next.kind()) {
        // `env("X")`
        (_, L_PAREN) if next_parent == Some(ENV_CALL) => false,
        // `deny!`
        (_, BANG) if next_parent == Some(EFFECT) => false,
        _ => true,
    }
}

fn parent_kind(token: &SyntaxToken) -> Option<SyntaxKind> {
    token.parent().map(|parent| parent.kind())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spaced(text: &str) -> String {
        let root = fpl_syntax::parse(text).syntax_node();
        let mut out = String::new();
        let mut prev: Option<SyntaxToken> = None;
        for token in root
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| !token.kind().is_trivia())
        {
            if let Some(prev) = &prev
                && needs_space(prev, &token)
            {
                out.push(' ');
            }
            out.push_str(token.text());
            prev = Some(token);
        }
        out
    }

    #[test]
    fn glued_and_spaced_tokens() {
        assert_eq!(
            spaced("agent a{deny ! x when !( a.b[\"c\"]) and f( 1 ,2) reason : \"r\"}"),
            "agent a { deny! x when !(a.b[\"c\"]) and f(1, 2) reason: \"r\" }"
        );
        assert_eq!(
            spaced("agent a { permit x when session.sum(a/b.c, w=1h) > 2 }"),
            "agent a { permit x when session.sum(a/b.c, w=1h) > 2 }"
        );
        assert_eq!(
            spaced("runtime { x = env( \"A\" ) l = [ 1 , 2 , ] }"),
            "runtime { x = env(\"A\") l = [1, 2,] }"
        );
    }
}
