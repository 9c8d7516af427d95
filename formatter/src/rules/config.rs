//! Values and configuration blocks: a list written over several lines keeps one item per line;
//! a `{ key = value … }` block written on one line stays on one line when it fits.

use fpl_syntax::SyntaxKind::*;
use fpl_syntax::SyntaxNode;
use fpl_syntax::line_index::has_line_end;

use super::block;
use crate::context::{Ctx, push_own_line_comments};
use crate::doc::Doc;
use crate::run::Run;

/// Whether the source text of `node` spans several lines.
pub fn is_multiline(ctx: &Ctx<'_>, node: &SyntaxNode) -> bool {
    let range = node.text_range();
    ctx.text
        .get(usize::from(range.start())..usize::from(range.end()))
        .is_some_and(has_line_end)
}

/// A `[ … ]` value list with one item per line.
pub fn broken_list<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode) -> Doc<'a> {
    let mut docs = Vec::new();
    let mut inner = Vec::new();
    let mut close = None;
    for element in node.children_with_tokens() {
        match element.kind() {
            kind if kind.is_trivia() => {}
            L_BRACK if docs.is_empty() => {
                if let Some(token) = element.as_token() {
                    docs.push(ctx.token(token));
                }
            }
            R_BRACK => close = element.into_token(),
            COMMA => {
                if let Some(token) = element.as_token() {
                    inner.push(ctx.token(token));
                }
            }
            _ => {
                inner.push(Doc::HardLine);
                inner.push(Run::of(ctx, [element], true));
            }
        }
    }
    let dangling = match &close {
        Some(token) => ctx.comments.take_leading(token),
        None => Vec::new(),
    };
    push_own_line_comments(&mut inner, &dangling, false);
    let open_has_comment = docs.iter().any(|doc| doc.flat_width().is_none());
    if !inner.is_empty() || open_has_comment {
        docs.push(Doc::Indent(inner));
        docs.push(Doc::HardLine);
    }
    if let Some(token) = &close {
        docs.push(ctx.token(token));
    }
    Doc::Concat(docs)
}

/// Whether a configuration block may stay on one line: written on one line, entries only.
pub fn may_stay_on_one_line(ctx: &Ctx<'_>, node: &SyntaxNode, items: &[SyntaxNode]) -> bool {
    !is_multiline(ctx, node) && items.iter().all(|item| !block::has_body(item))
}
