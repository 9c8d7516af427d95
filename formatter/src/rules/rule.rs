//! Rules: `effect pattern clause*`. In a group of one-line rules the effects, patterns and first
//! clauses line up; a rule written over several lines, or too long for one, puts each clause on
//! its own line, indented two spaces more than the rule.

use fpl_syntax::SyntaxKind::*;
use fpl_syntax::SyntaxNode;

use super::{Stmt, config, items};
use crate::context::Ctx;
use crate::run::Run;

/// Formats a rule into its effect, pattern and clause columns.
pub fn rule<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode) -> Stmt<'a> {
    let children: Vec<SyntaxNode> = node.children().collect();
    let (Some(effect), Some(pattern)) = (children.first(), children.get(1)) else {
        return items::simple(ctx, node);
    };
    if has_direct_tokens(node) || effect.kind() != EFFECT || pattern.kind() != TOOL_PATTERN {
        return items::simple(ctx, node);
    }
    let columns = vec![run(ctx, effect, false), run(ctx, pattern, false)];
    let clauses = children[2..]
        .iter()
        .map(|clause| run(ctx, clause, true))
        .collect();
    Stmt {
        kind: Some((RULE, false)),
        columns,
        clauses,
        gaps: &[1, 2],
        breakable: true,
        multiline: config::is_multiline(ctx, node),
    }
}

fn run<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode, hanging: bool) -> crate::doc::Doc<'a> {
    let mut run = if hanging { Run::hanging() } else { Run::new() };
    run.node(ctx, node);
    run.finish()
}

/// Whether a token other than trivia sits directly in `node` (only in broken trees).
fn has_direct_tokens(node: &SyntaxNode) -> bool {
    node.green().children().any(|child| {
        child.as_token().is_some_and(|token| {
            let kind = token.kind().0;
            kind != WHITESPACE as u16 && kind != COMMENT as u16
        })
    })
}
