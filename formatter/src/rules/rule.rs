//! Rules: `effect pattern clause*`. In a group of one-line rules the effects, patterns and first
//! clauses line up; a rule written over several lines, or too long for one, puts each clause on
//! its own line, indented two spaces more than the rule.

use fpl_syntax::SyntaxKind::*;
use fpl_syntax::SyntaxNode;

use super::{Stmt, config, items};
use crate::context::Ctx;
use crate::doc::Doc;
use crate::run::Run;

/// Formats a rule into its effect, pattern and clause columns.
pub fn rule<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode) -> Stmt<'a> {
    let Some(parts) = parts(node) else {
        return items::simple(ctx, node);
    };
    let (Some(effect), Some(pattern)) = (parts.first(), parts.get(1)) else {
        return items::simple(ctx, node);
    };
    if effect.kind != EFFECT as u16 || pattern.kind != TOOL_PATTERN as u16 {
        return items::simple(ctx, node);
    }
    let columns = vec![
        part(ctx, node, effect, false),
        part(ctx, node, pattern, false),
    ];
    let clauses = parts[2..]
        .iter()
        .map(|clause| part(ctx, node, clause, true))
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

/// A child node of a rule: raw kind and range.
struct Part {
    kind: u16,
    start: u32,
    end: u32,
}

/// The child nodes of a rule, read from the green tree (no allocation per node); `None` when a
/// token other than trivia sits directly in the rule (only in broken trees).
fn parts(node: &SyntaxNode) -> Option<Vec<Part>> {
    let mut offset = u32::from(node.text_range().start());
    let mut parts = Vec::with_capacity(4);
    for child in node.green().children() {
        let start = offset;
        if let Some(inner) = child.as_node() {
            offset += u32::from(inner.text_len());
            parts.push(Part {
                kind: inner.kind().0,
                start,
                end: offset,
            });
        } else if let Some(token) = child.as_token() {
            offset += token.text().len() as u32;
            let kind = token.kind().0;
            if kind != WHITESPACE as u16 && kind != COMMENT as u16 {
                return None;
            }
        }
    }
    Some(parts)
}

fn part<'a>(ctx: &mut Ctx<'a>, rule: &SyntaxNode, part: &Part, hanging: bool) -> Doc<'a> {
    let mut run = if hanging { Run::hanging() } else { Run::new() };
    run.span(ctx, rule, part.start, part.end);
    run.finish()
}
