//! FPL syntax: a lexer, an error-tolerant recursive-descent parser and a lossless rowan tree.
//!
//! Parsing never fails: [`parse`] returns a tree covering every byte of the input and the list of
//! syntax errors. This crate knows nothing of semantics, salsa, LSP or serde.

pub mod ast;
mod error;
mod grammar;
pub mod keywords;
mod lexer;
pub mod line_index;
pub mod literal;
mod parser;
mod syntax_kind;
mod tree_builder;

pub use error::{ErrorCode, SyntaxEdit, SyntaxError, SyntaxFix};
pub use lexer::{is_hidden_char, is_identifier, is_pattern_char};
pub use line_index::{ColumnUnit, LineColumn, LineIndex};
pub use rowan::{GreenNode, GreenNodeData, NodeOrToken, TextRange, TextSize};
pub use syntax_kind::{FplLanguage, SyntaxElement, SyntaxKind, SyntaxNode, SyntaxToken};

use ast::AstNode;

/// Files larger than this are refused (SPEC §3 note 6, `E0006`).
pub const MAX_FILE_SIZE: usize = 16 * 1024 * 1024;

/// The result of parsing one file: a lossless tree and its syntax errors.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parse {
    green: GreenNode,
    errors: Vec<SyntaxError>,
}

impl Parse {
    /// A parse made of a tree and its errors (e.g. kept by an incremental database).
    pub fn new(green: GreenNode, errors: Vec<SyntaxError>) -> Parse {
        Parse { green, errors }
    }

    /// The root of the untyped tree.
    pub fn syntax_node(&self) -> SyntaxNode {
        SyntaxNode::new_root(self.green.clone())
    }

    /// The typed root.
    pub fn tree(&self) -> ast::SourceFile {
        match ast::SourceFile::cast(self.syntax_node()) {
            Some(file) => file,
            None => unreachable!("the parser always produces a SOURCE_FILE root"),
        }
    }

    /// The green tree (cheap to clone, shareable across threads).
    pub fn green(&self) -> &GreenNode {
        &self.green
    }

    /// Syntax errors in source order.
    pub fn errors(&self) -> &[SyntaxError] {
        &self.errors
    }
}

/// Parses FPL source text. Never panics; the tree's text is exactly `text`.
pub fn parse(text: &str) -> Parse {
    if text.len() > MAX_FILE_SIZE {
        return refuse_oversized(text);
    }
    let mut parser = parser::Parser::new(text);
    grammar::source_file(&mut parser);
    let (green, mut errors) = parser.finish();
    errors.sort_by_key(|error| error.range.start());
    Parse { green, errors }
}

fn refuse_oversized(text: &str) -> Parse {
    let mut builder = rowan::GreenNodeBuilder::new();
    builder.start_node(SyntaxKind::SOURCE_FILE.into());
    builder.token(SyntaxKind::ERROR_TOKEN.into(), text);
    builder.finish_node();
    Parse {
        green: builder.finish(),
        errors: vec![SyntaxError::file_too_large()],
    }
}

/// A readable dump of a tree: one line per node or token with its range, for snapshots.
pub fn debug_tree(node: &SyntaxNode) -> String {
    format!("{node:#?}")
}
