//! The safety check: the output must parse without errors and have the same tree as the input
//! once whitespace is ignored — the same nodes, the same tokens (kind and text) and the same
//! comments in the same order. Only whitespace may change (which also covers `deny !` →
//! `deny!`: the tokens are the same), so the compiled policy cannot change.

use fpl_syntax::{SyntaxElement, SyntaxKind, SyntaxNode, TextSize};

use crate::error::FormatError;

/// Checks that `output` is `input` with only whitespace changed.
pub fn same_tree(input: &SyntaxNode, input_text: &str, output: &str) -> Result<(), FormatError> {
    let parse = fpl_syntax::parse(output);
    if let Some(error) = parse.errors().first() {
        return Err(FormatError::internal(format!(
            "the formatted text does not parse: {} at byte {}",
            error.message,
            u32::from(error.range.start())
        )));
    }
    let output_root = parse.syntax_node();
    let mut before = Events::new(input.descendants_with_tokens(), input_text);
    let mut after = Events::new(output_root.descendants_with_tokens(), output);
    loop {
        match (before.next(), after.next()) {
            (None, None) => return Ok(()),
            (left, right) if left == right => {}
            (left, right) => {
                return Err(FormatError::internal(format!(
                    "formatting would change the program: {left:?} became {right:?} near byte {}",
                    after.position
                )));
            }
        }
    }
}

/// A step of a walk over a tree with whitespace ignored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Event<'t> {
    Enter(SyntaxKind),
    Leave,
    Token(SyntaxKind, &'t str),
}

/// The events of a preorder walk; node ends are found from the node ranges.
struct Events<'t, I> {
    elements: I,
    text: &'t str,
    open_ends: Vec<TextSize>,
    /// The element read but not reported yet, behind pending `Leave` events.
    held: Option<SyntaxElement>,
    position: u32,
}

impl<'t, I: Iterator<Item = SyntaxElement>> Events<'t, I> {
    fn new(elements: I, text: &'t str) -> Self {
        Events {
            elements,
            text,
            open_ends: Vec::new(),
            held: None,
            position: 0,
        }
    }
}

impl<'t, I: Iterator<Item = SyntaxElement>> Iterator for Events<'t, I> {
    type Item = Event<'t>;

    fn next(&mut self) -> Option<Event<'t>> {
        loop {
            let element = match self.held.take() {
                Some(element) => element,
                None => match self.elements.next() {
                    Some(element) => element,
                    None => {
                        return self.open_ends.pop().map(|_| Event::Leave);
                    }
                },
            };
            let range = element.text_range();
            if self
                .open_ends
                .last()
                .is_some_and(|end| range.start() >= *end)
            {
                self.open_ends.pop();
                self.held = Some(element);
                return Some(Event::Leave);
            }
            self.position = u32::from(range.start());
            match element {
                SyntaxElement::Node(node) => {
                    self.open_ends.push(range.end());
                    return Some(Event::Enter(node.kind()));
                }
                SyntaxElement::Token(token) => {
                    let text = self
                        .text
                        .get(usize::from(range.start())..usize::from(range.end()))
                        .unwrap_or_default();
                    match token.kind() {
                        SyntaxKind::WHITESPACE => {}
                        SyntaxKind::COMMENT => {
                            return Some(Event::Token(SyntaxKind::COMMENT, text.trim_end()));
                        }
                        kind => return Some(Event::Token(kind, text)),
                    }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(input: &str, output: &str) -> Result<(), FormatError> {
        let root = fpl_syntax::parse(input).syntax_node();
        same_tree(&root, input, output)
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
