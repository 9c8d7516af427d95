//! Incremental reparsing: an edit strictly inside a top-level block reparses only that block and
//! splices its new tree into the old one, so the other blocks keep their green trees (and the
//! queries keyed by them stay valid). Anything else falls back to a full parse.

use fpl_syntax::{SyntaxKind, SyntaxNode, TextRange, TextSize};

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

/// The parse of `new_text`, from the previous parse, when the edit stays inside one top-level
/// block that reparses on its own without errors; `None` when a full parse is needed.
pub fn incremental(hint: &ReparseHint, new_text: &str) -> Option<FileParse> {
    if new_text.len() > fpl_syntax::MAX_FILE_SIZE {
        return None;
    }
    let root = SyntaxNode::new_root(hint.old.green.0.clone());
    let edit = hint.edit;
    let node = root.children().find(|node| {
        let range = node.text_range();
        range.start() < edit.start() && edit.end() < range.end()
    })?;
    if node.last_token()?.kind() != SyntaxKind::R_BRACE {
        return None;
    }
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
    let item_text = new_text.get(start..start.checked_add(new_len as usize)?)?;
    let reparsed = fpl_syntax::parse(item_text);
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
