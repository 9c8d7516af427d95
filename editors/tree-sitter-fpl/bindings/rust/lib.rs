//! FPL (Faramesh Policy Language) support for the [tree-sitter] parsing library: the generated
//! parser and the editor queries.
//!
//! ```
//! let mut parser = tree_sitter::Parser::new();
//! parser
//!     .set_language(&tree_sitter_fpl::LANGUAGE.into())
//!     .expect("the grammar's ABI is one the runtime accepts");
//! let tree = parser
//!     .parse("agent bot {\n  default deny\n  deny! shell/*\n}\n", None)
//!     .expect("a parser with a language always returns a tree");
//! assert!(!tree.root_node().has_error());
//! ```
//!
//! [tree-sitter]: https://tree-sitter.github.io/

use tree_sitter_language::LanguageFn;

// The generated parser's only entry point: it returns a pointer to a static `TSLanguage`.
#[allow(unsafe_code)]
unsafe extern "C" {
    fn tree_sitter_fpl() -> *const ();
}

/// The tree-sitter [`LanguageFn`] for FPL.
// SAFETY: `tree_sitter_fpl` is the generated language function, with the signature that
// `LanguageFn` expects.
#[allow(unsafe_code)]
pub const LANGUAGE: LanguageFn = unsafe { LanguageFn::from_raw(tree_sitter_fpl) };

/// The content of the grammar's `node-types.json`: every node type and its fields.
pub const NODE_TYPES: &str = include_str!("../../src/node-types.json");

/// The syntax highlighting query.
pub const HIGHLIGHTS_QUERY: &str = include_str!("../../queries/highlights.scm");

/// The local scopes, definitions and references query.
pub const LOCALS_QUERY: &str = include_str!("../../queries/locals.scm");

/// The code folding query (`@fold`).
pub const FOLDS_QUERY: &str = include_str!("../../queries/folds.scm");

/// The indentation query (`@indent.begin`, `@indent.branch`, `@indent.end`).
pub const INDENTS_QUERY: &str = include_str!("../../queries/indents.scm");
