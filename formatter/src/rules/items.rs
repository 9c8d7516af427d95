//! Statements that fit on one line: `key [=] value` entries (config, `model`, budget items, phase
//! and credential attributes, `var`), `rate_limit` and `redact`, trust items, and single-column
//! statements (`default`, `import`, `manifest`, `include`, `key`, `scope`).

use fpl_syntax::SyntaxKind::*;
use fpl_syntax::{SyntaxElement, SyntaxNode};

use super::{Stmt, significant_children, statement};
use crate::context::Ctx;
use crate::run::Run;

/// `key [=] value`, where the key is the first `key_len` elements (`var name` has two); the
/// values of a group align one space after the longest key.
pub fn key_value<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode, key_len: usize) -> Stmt<'a> {
    let children = significant_children(node);
    if children.len() <= key_len {
        return simple(ctx, node);
    }
    let has_eq = children.iter().any(|element| element.kind() == EQ);
    let (key, value) = children.split_at(key_len);
    let columns = vec![cell(ctx, key), cell(ctx, value)];
    Stmt::columns((node.kind(), has_eq), columns, &[1])
}

/// `rate_limit pattern[:] N per window` and `redact pattern args: [...]`: the counts and `args`
/// of a group align one space after the longest `pattern:`.
pub fn pattern_statement<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode) -> Stmt<'a> {
    let children = significant_children(node);
    let Some(pattern) = children
        .iter()
        .position(|element| element.kind() == TOOL_PATTERN)
    else {
        return simple(ctx, node);
    };
    let mut end = pattern + 1;
    if children
        .get(end)
        .is_some_and(|element| element.kind() == COLON)
    {
        end += 1;
    }
    if pattern == 0 || end >= children.len() {
        return simple(ctx, node);
    }
    let columns = vec![
        cell(ctx, &children[..pattern]),
        cell(ctx, &children[pattern..end]),
        cell(ctx, &children[end..]),
    ];
    Stmt::columns((node.kind(), false), columns, &[1, 1])
}

/// `delegation from "a" to "b" entries…`, `inbound "x" entries…` and other trust entries
/// (`spiffe_federated "x" entries…`): the entries are clauses,
/// kept on the header line or one per line like the clauses of a rule.
pub fn trust_item<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode) -> Stmt<'a> {
    let children = significant_children(node);
    let split = children
        .iter()
        .position(|element| element.kind() == CONFIG_ENTRY)
        .unwrap_or(children.len());
    let head = Run::of(ctx, children[..split].iter().cloned(), true);
    let clauses = children[split..]
        .iter()
        .filter_map(|element| element.as_node())
        .map(|entry| statement(ctx, entry, 0).unaligned())
        .collect();
    Stmt {
        kind: Some((node.kind(), false)),
        columns: vec![head],
        clauses,
        gaps: &[],
        breakable: true,
        multiline: super::config::is_multiline(ctx, node),
    }
}

/// A statement printed as one column.
pub fn simple<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode) -> Stmt<'a> {
    let doc = Run::of(ctx, significant_children(node), true);
    Stmt::columns((node.kind(), false), vec![doc], &[])
}

fn cell<'a>(ctx: &mut Ctx<'a>, elements: &[SyntaxElement]) -> crate::doc::Doc<'a> {
    Run::of(ctx, elements.iter().cloned(), false)
}
