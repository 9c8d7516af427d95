//! Blocks: a header, `{` on the header line, one statement per line indented one level, and `}`
//! alone on its line; comments inside an otherwise empty block stay inside it.

use fpl_syntax::SyntaxKind::*;
use fpl_syntax::line_index::has_line_end;
use fpl_syntax::{SyntaxNode, SyntaxToken};

use super::{config, list, significant_children};
use crate::context::{Ctx, push_own_line_comments};
use crate::doc::Doc;
use crate::printer::INDENT_WIDTH;
use crate::run::Run;

/// The whole file: its statements, then the comments after the last one.
pub fn source_file<'a>(ctx: &mut Ctx<'a>, root: &SyntaxNode) -> Doc<'a> {
    let items: Vec<SyntaxNode> = root.children().collect();
    let mut docs = list::statements(ctx, &items, 0, false);
    let end = ctx.comments.take_end();
    push_own_line_comments(&mut docs, &end, true);
    Doc::Concat(docs)
}

/// A statement with a body: `agent a { … }`, `budget session { … }`, `egress { … }`, …
pub fn block_statement<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode, indent: usize) -> Doc<'a> {
    let children = significant_children(node);
    let Some(split) = children
        .iter()
        .position(|element| matches!(element.kind(), L_BRACE | CONFIG_BLOCK))
    else {
        return Run::of(ctx, children, true);
    };
    let mut docs = Vec::new();
    if split > 0 {
        docs.push(Run::of(ctx, children[..split].iter().cloned(), true));
        docs.push(Doc::Space);
    }
    match &children[split] {
        fpl_syntax::SyntaxElement::Node(block) => {
            docs.push(config_block(ctx, block, indent));
            // Anything after the block (only in broken files) stays in order.
            docs.push(Run::of(ctx, children[split + 1..].iter().cloned(), false));
        }
        fpl_syntax::SyntaxElement::Token(open) => {
            let rest = &children[split + 1..];
            let close = rest
                .last()
                .and_then(|element| element.as_token())
                .filter(|token| token.kind() == R_BRACE)
                .cloned();
            let items: Vec<SyntaxNode> = rest
                .iter()
                .filter_map(|element| element.as_node().cloned())
                .collect();
            docs.push(braced(ctx, open, &items, close.as_ref(), indent, false));
        }
    }
    Doc::Concat(docs)
}

/// A `{ key [=] value … }` configuration block.
pub fn config_block<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode, indent: usize) -> Doc<'a> {
    let children = significant_children(node);
    let open = children
        .first()
        .and_then(|element| element.as_token())
        .filter(|token| token.kind() == L_BRACE)
        .cloned();
    let close = children
        .last()
        .and_then(|element| element.as_token())
        .filter(|token| token.kind() == R_BRACE)
        .cloned();
    let items: Vec<SyntaxNode> = node.children().collect();
    let Some(open) = open else {
        return Run::of(ctx, children, true);
    };
    let one_line = config::may_stay_on_one_line(ctx, node, &items);
    braced(ctx, &open, &items, close.as_ref(), indent, one_line)
}

/// Whether `node` has a `{ … }` body of its own.
pub fn has_body(node: &SyntaxNode) -> bool {
    node.children_with_tokens()
        .any(|element| matches!(element.kind(), L_BRACE | CONFIG_BLOCK))
}

fn braced<'a>(
    ctx: &mut Ctx<'a>,
    open: &SyntaxToken,
    items: &[SyntaxNode],
    close: Option<&SyntaxToken>,
    indent: usize,
    one_line: bool,
) -> Doc<'a> {
    let open_doc = ctx.token(open);
    let open_has_comment = open_doc.flat_width().is_none();
    let mut body = list::statements(ctx, items, indent + INDENT_WIDTH, one_line);
    let dangling = match close {
        Some(close) => ctx.comments.take_leading(close),
        None => Vec::new(),
    };
    let close_doc = match close {
        Some(close) => ctx.token(close),
        None => Doc::Concat(Vec::new()),
    };
    if items.is_empty() && dangling.is_empty() && !open_has_comment {
        // An empty block keeps its shape: `{}`, or `{` and `}` on their own lines.
        let written_open = close.is_some_and(|close| {
            let span =
                usize::from(open.text_range().start())..usize::from(close.text_range().end());
            ctx.text.get(span).is_some_and(has_line_end)
        });
        let separator = if written_open {
            Doc::HardLine
        } else {
            Doc::Concat(Vec::new())
        };
        return Doc::Concat(vec![open_doc, separator, close_doc]);
    }
    if one_line && dangling.is_empty() && !open_has_comment {
        body.insert(0, Doc::SoftLine);
        return Doc::group(
            vec![open_doc, Doc::Indent(body), Doc::SoftLine, close_doc],
            false,
        );
    }
    body.insert(0, Doc::HardLine);
    let mut comments = Vec::new();
    push_own_line_comments(&mut comments, &dangling, true);
    if items.is_empty() && !comments.is_empty() {
        // No blank line after `{`.
        comments[0] = Doc::HardLine;
    }
    body.extend(comments);
    Doc::Concat(vec![open_doc, Doc::Indent(body), Doc::HardLine, close_doc])
}
