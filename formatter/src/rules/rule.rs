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
    let elements = super::significant_children(node);
    let children: Vec<SyntaxNode> = elements
        .iter()
        .filter_map(|element| element.as_node().cloned())
        .collect();
    let (Some(effect), Some(pattern)) = (children.first(), children.get(1)) else {
        return items::simple(ctx, node);
    };
    if children.len() != elements.len() || effect.kind() != EFFECT || pattern.kind() != TOOL_PATTERN
    {
        return items::simple(ctx, node);
    }
    let columns = vec![
        Run::of(ctx, [effect.clone().into()], false),
        Run::of(ctx, [pattern.clone().into()], false),
    ];
    let clauses = children[2..]
        .iter()
        .map(|clause| Run::of(ctx, super::significant_children(clause), true))
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
