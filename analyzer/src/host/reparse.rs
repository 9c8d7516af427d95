//! Incremental reparsing: an edit strictly inside a rule, or else inside a top-level block,
//! reparses only that rule or block and splices its new tree into the old one, so everything
//! else keeps its green trees (and the queries keyed by them stay valid). Anything else falls
//! back to a full parse.

use fpl_syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize, keywords};

use super::db::{FileParse, Green};

/// The previous parse of a file and the one edit that turned its text into the current one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReparseHint {
    /// The parse of the previous text.
    pub old: FileParse,
    /// The bytes of the previous text that were replaced.
    pub edit: TextRange,
    /// The length of the text that replaced them.
    pub inserted: TextSize,
}

/// The parse of `new_text`, from the previous parse, when the edit stays inside one rule or one
/// top-level block that reparses on its own without errors; `None` when a full parse is needed.
///
/// The innermost rule around the edit is tried first: typing in one rule of a 10,000-rule agent
/// then reparses a few dozen bytes instead of the whole agent.
pub fn incremental(hint: &ReparseHint, new_text: &str) -> Option<FileParse> {
    if new_text.len() > fpl_syntax::MAX_FILE_SIZE {
        return None;
    }
    let root = SyntaxNode::new_root(hint.old.green.0.clone());
    let edit = hint.edit;
    let strictly_inside = |node: &SyntaxNode| {
        let range = node.text_range();
        range.start() < edit.start() && edit.end() < range.end()
    };
    let item = root.children().find(strictly_inside)?;
    // Text typed at the end of a rule belongs to it if the rule reparses as one rule with it.
    let inside_or_ending = |node: &SyntaxNode| {
        let range = node.text_range();
        range.start() < edit.start() && edit.end() <= range.end()
    };
    // The character before the edit is inside any rule the edit is inside or ends.
    let before = TextRange::at(edit.start().checked_sub(TextSize::from(1))?, 1.into());
    let rule = item
        .covering_element(before)
        .ancestors()
        .find(|node| node.kind() == SyntaxKind::RULE)
        .filter(|node| inside_or_ending(node) && rule_ends_statement(node));
    rule.and_then(|rule| reparse_node(hint, new_text, &rule))
        .or_else(|| {
            (item.last_token()?.kind() == SyntaxKind::R_BRACE)
                .then(|| reparse_node(hint, new_text, &item))?
        })
}

/// Whether whatever follows `rule` cannot continue it, whatever the rule now ends with: the
/// next token is `}`, the end of the file, or starts a new line with a statement word (a rule
/// and its condition continue only with clause and operator words, never with a statement
/// word at the start of a line).
fn rule_ends_statement(rule: &SyntaxNode) -> bool {
    let mut next = rule.last_token().and_then(|token| token.next_token());
    let mut line_break = false;
    while let Some(token) = next.as_ref().filter(|token| token.kind().is_trivia()) {
        line_break |= fpl_syntax::line_index::has_line_end(token.text());
        next = token.next_token();
    }
    match next {
        None => true,
        Some(token) if token.kind() == SyntaxKind::R_BRACE => true,
        Some(token) => {
            let word = token.text();
            line_break
                && [
                    keywords::EFFECTS,
                    keywords::AGENT_ITEMS,
                    keywords::TOP_LEVEL,
                ]
                .iter()
                .any(|words| words.contains(&word))
        }
    }
}

/// Reparses the text `node` has after the edit on its own, and splices the result into the old
/// tree when it is one node of the same kind without errors, and the old parse had no error
/// touching `node`.
fn reparse_node(hint: &ReparseHint, new_text: &str, node: &SyntaxNode) -> Option<FileParse> {
    let edit = hint.edit;
    let old_range = node.text_range();
    let touches = |error: &fpl_syntax::SyntaxError| {
        error.range.start() <= old_range.end() && error.range.end() >= old_range.start()
    };
    if hint.old.errors.iter().any(touches) {
        return None;
    }
    let new_len = u32::from(old_range.len())
        .checked_sub(u32::from(edit.len()))?
        .checked_add(u32::from(hint.inserted))?;
    let start = usize::from(old_range.start());
    let node_text = new_text.get(start..start.checked_add(new_len as usize)?)?;
    let reparsed = fpl_syntax::parse(node_text);
    if !reparsed.errors().is_empty() {
        return None;
    }
    let reparsed_root = reparsed.syntax_node();
    let mut children = reparsed_root.children_with_tokens();
    let only = children.next()?.into_node()?;
    if children.next().is_some() || only.kind() != node.kind() {
        return None;
    }
    let green = node.replace_with(only.green().to_owned());
    let old_end = old_range.end();
    let shift = |range: &mut TextRange| {
        if range.start() >= old_end {
            let start = range.start() - old_end + old_range.start() + TextSize::from(new_len);
            *range = TextRange::at(start, range.len());
        }
    };
    let errors = hint
        .old
        .errors
        .iter()
        .map(|error| {
            let mut error = error.clone();
            shift(&mut error.range);
            // A fix's edits cover statements of other top-level items and the whitespace
            // between them, never the reparsed block, so they move like the errors.
            for edit in error.fix.iter_mut().flat_map(|fix| &mut fix.edits) {
                shift(&mut edit.range);
            }
            error
        })
        .collect();
    Some(FileParse {
        green: Green(green),
        errors,
    })
}
