//! Spacing between two tokens printed on the same line: one space, or none where the tokens are
//! glued (`deny!`, `f(x)`, `a.b`, `[1, 2]`, `pattern:`).
//!
//! Gluing only ever removes a space in front of a token that cannot continue the previous one,
//! so it never changes how the text lexes; the re-parse check of [`crate::verify`] proves it.

use fpl_syntax::SyntaxKind::*;

use crate::rules::expr;
use crate::run::Tok;

/// Whether a space separates `prev` from `next`; `glued` says whether the source had none.
pub fn needs_space(prev: &Tok, next: &Tok, glued: bool) -> bool {
    if let Some(space) = expr::spacing(prev, next, glued) {
        return space;
    }
    if [COMMA, R_PAREN, R_BRACK, COLON]
        .iter()
        .any(|kind| next.is(*kind))
        || prev.is(L_PAREN)
        || prev.is(L_BRACK)
    {
        return false;
    }
    // `env("X")` and `deny!`.
    !((next.is(L_PAREN) && next.in_node(ENV_CALL)) || (next.is(BANG) && next.in_node(EFFECT)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use fpl_syntax::SyntaxToken;

    fn spaced(text: &str) -> String {
        let root = fpl_syntax::parse(text).syntax_node();
        let mut out = String::new();
        let mut prev: Option<Tok> = None;
        for token in root
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token: &SyntaxToken| !token.kind().is_trivia())
        {
            let tok = Tok::of(&token);
            if let Some(prev) = &prev
                && needs_space(prev, &tok, prev.end == tok.start)
            {
                out.push(' ');
            }
            out.push_str(token.text());
            prev = Some(tok);
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
