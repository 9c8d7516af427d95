//! The FPL formatter (`faramesh fmt`): syntax tree → document IR → text, in the style of
//! SPEC §15.
//!
//! Formatting only ever changes whitespace. Comments are attached to tokens before any rule
//! runs, so no rule can drop one; the output is re-parsed and refused unless its tree, tokens and
//! comments are exactly the input's. A file with syntax errors is never formatted.
//!
//! ```
//! let formatted = fpl_fmt::format_text("agent a{default deny permit x when amount<5}")?;
//! assert_eq!(formatted, "agent a {\n  default deny\n  permit x when amount < 5\n}\n");
//! # Ok::<(), fpl_fmt::FormatError>(())
//! ```

mod comments;
mod context;
mod doc;
mod edits;
mod error;
mod printer;
mod range;
mod rules;
mod run;
mod spacing;
mod verify;

pub use edits::minimal_edits;
pub use error::FormatError;
pub use fpl_syntax::{SyntaxError, TextRange, TextSize};
pub use printer::{LINE_WIDTH, LineEnd};
pub use range::{TextEdit, format_range};

use fpl_syntax::SyntaxNode;

/// Formats a whole file, keeping its line ends (CRLF stays CRLF). A file with syntax errors is
/// left untouched: its errors are returned.
pub fn format_text(text: &str) -> Result<String, FormatError> {
    let parse = fpl_syntax::parse(text);
    if !parse.errors().is_empty() {
        return Err(FormatError::Syntax(parse.errors().to_vec()));
    }
    let root = parse.syntax_node();
    let output = format_tree(&root, text)?;
    verify::same_tree(parse.green(), &output)?;
    Ok(output)
}

/// The edits that format a whole file: each replaces only characters that change (see
/// [`minimal_edits`]). A file with syntax errors is left untouched: its errors are returned.
pub fn format_edits(text: &str) -> Result<Vec<TextEdit>, FormatError> {
    let formatted = format_text(text)?;
    Ok(minimal_edits(text, &formatted, TextSize::from(0)))
}

/// Formats the tree of `text`, which must have no syntax errors, without the safety check.
fn format_tree(root: &SyntaxNode, text: &str) -> Result<String, FormatError> {
    let mut ctx = context::Ctx {
        text,
        comments: comments::Comments::attach(&root.green().to_owned(), text),
    };
    let doc = rules::block::source_file(&mut ctx, root);
    let untaken = ctx.comments.untaken();
    if untaken != 0 {
        return Err(FormatError::internal(format!(
            "{untaken} comment(s) would be dropped"
        )));
    }
    Ok(printer::print(&doc, printer::LineEnd::of(text)))
}
