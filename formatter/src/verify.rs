//! The safety check: the output must parse without errors and have the same tree as the input
//! once whitespace is ignored — the same nodes, the same tokens (kind and text) and the same
//! comments in the same order. Only whitespace may change (which also covers `deny !` →
//! `deny!`: the tokens are the same), so the compiled policy cannot change.

use fpl_syntax::{GreenNode, SyntaxKind};

use crate::error::FormatError;

/// Checks that `output` is `input` (the green tree of the input) with only whitespace changed.
pub fn same_tree(input: &GreenNode, output: &str) -> Result<(), FormatError> {
    let parse = fpl_syntax::parse(output);
    if let Some(error) = parse.errors().first() {
        return Err(FormatError::internal(format!(
            "the formatted text does not parse: {} at byte {}",
            error.message,
            u32::from(error.range.start())
        )));
    }
    let mut before = events(input);
    let mut after = events(parse.green());
    loop {
        match (before.next(), after.next()) {
            (None, None) => return Ok(()),
            (Some((left, _)), Some((right, _))) if left == right => {}
            (left, right) => {
                let position = right.map_or(output.len(), |(_, offset)| offset);
                return Err(FormatError::internal(format!(
                    "formatting would change the program: {:?} became {:?} near byte {position}",
                    left.map(|(event, _)| event),
                    right.map(|(event, _)| event),
                )));
            }
        }
    }
}

/// A step of a walk over a tree with whitespace ignored; kinds are raw.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event<'t> {
    Enter(u16),
    Leave,
    Token(u16, &'t str),
}

/// The events of a preorder walk of a green tree, each with the byte offset where it happens.
/// Walking the green tree directly allocates nothing per node.
fn events(root: &GreenNode) -> impl Iterator<Item = (Event<'_>, usize)> {
    let mut stack = vec![root.children()];
    let mut offset = 0;
    let mut entered = false;
    std::iter::from_fn(move || {
        if !entered {
            entered = true;
            return Some((Event::Enter(root.kind().0), 0));
        }
        loop {
            let top = stack.last_mut()?;
            let Some(child) = top.next() else {
                stack.pop();
                return Some((Event::Leave, offset));
            };
            if let Some(node) = child.as_node() {
                stack.push(node.children());
                return Some((Event::Enter(node.kind().0), offset));
            }
            let Some(token) = child.as_token() else {
                continue;
            };
            let start = offset;
            let text = token.text();
            offset += text.len();
            let kind = token.kind().0;
            if kind == SyntaxKind::WHITESPACE as u16 {
                continue;
            }
            let text = if kind == SyntaxKind::COMMENT as u16 {
                text.trim_end()
            } else {
                text
            };
            return Some((Event::Token(kind, text), start));
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, output: &str) -> Result<(), FormatError> {
        same_tree(fpl_syntax::parse(input).green(), output)
    }

    #[test]
    fn whitespace_changes_are_accepted() {
        let input = "agent a { deny ! x # c  \n}";
        assert_eq!(check(input, "agent a {\n  deny! x # c\n}\n"), Ok(()));
    }

    #[test]
    fn token_changes_are_refused() {
        let input = "agent a { permit x }";
        assert!(matches!(
            check(input, "agent a { permit y }"),
            Err(FormatError::Internal { .. })
        ));
        assert!(check(input, "agent a { permit x } # new").is_err());
        assert!(check(input, "agent a { permit x").is_err());
    }
}
