//! Typed accessors over the untyped syntax tree (`ast::Rule`, `ast::Expr`, …).
//!
//! Every accessor returns `Option` or an iterator: the tree of a broken file is still a tree,
//! and callers decide what a missing piece means.

mod expr;
mod items;

pub use expr::*;
pub use items::*;

use crate::{SyntaxKind, SyntaxNode, SyntaxToken};

/// A typed view of a syntax node of one kind.
pub trait AstNode: Sized {
    /// Wraps `node` if it has this type's kind.
    fn cast(node: SyntaxNode) -> Option<Self>;
    /// The underlying syntax node.
    fn syntax(&self) -> &SyntaxNode;
}

macro_rules! ast_node {
    ($(#[$doc:meta])* $name:ident, $kind:ident) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $name(crate::SyntaxNode);

        impl crate::ast::AstNode for $name {
            fn cast(node: crate::SyntaxNode) -> Option<Self> {
                (node.kind() == crate::SyntaxKind::$kind).then(|| $name(node))
            }
            fn syntax(&self) -> &crate::SyntaxNode {
                &self.0
            }
        }
    };
}
pub(crate) use ast_node;

/// The first child node of type `N`.
pub(crate) fn child<N: AstNode>(parent: &SyntaxNode) -> Option<N> {
    parent.children().find_map(N::cast)
}

/// Every child node of type `N`, in order.
pub(crate) fn children<N: AstNode>(parent: &SyntaxNode) -> impl Iterator<Item = N> + use<N> {
    parent.children().filter_map(N::cast)
}

/// The first direct child token of `kind`.
pub(crate) fn token(parent: &SyntaxNode, kind: SyntaxKind) -> Option<SyntaxToken> {
    parent
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| token.kind() == kind)
}

/// The direct child tokens that are not trivia.
pub(crate) fn tokens(parent: &SyntaxNode) -> impl Iterator<Item = SyntaxToken> + use<> {
    parent
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| !token.kind().is_trivia())
}

/// The text of a string token without quotes and escapes, or the token's text otherwise.
pub fn token_value(token: &SyntaxToken) -> String {
    match token.kind() {
        SyntaxKind::STRING => crate::literal::unescape_string(token.text()).unwrap_or_default(),
        _ => token.text().to_string(),
    }
}
