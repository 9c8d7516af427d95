//! Range formatting for the language server: the top-level statements and agent items that a
//! byte range touches are formatted as the whole file would format them.
//!
//! Formatting only changes whitespace, so the tokens and comments of the input and of the
//! formatted file correspond one to one; an edit replaces the text between the atoms around the
//! touched statements with the formatted text between the same atoms.

use fpl_syntax::SyntaxKind::{self, *};
use fpl_syntax::line_index::has_line_end;
use fpl_syntax::{SyntaxNode, TextRange, TextSize};

use crate::error::FormatError;

/// A replacement of a byte range of the input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    /// The bytes replaced.
    pub range: TextRange,
    /// What replaces them.
    pub new_text: String,
}

/// The edits that format the statements `range` touches: top-level statements, or the items of
/// an agent when the range stays inside its braces. Each edit replaces only characters that
/// change; none when the statements are formatted already. Returns the syntax errors when the
/// file has any.
pub fn format_range(text: &str, range: TextRange) -> Result<Vec<TextEdit>, FormatError> {
    let formatted = crate::format_text(text)?;
    let input = fpl_syntax::parse(text).syntax_node();
    let output = fpl_syntax::parse(&formatted).syntax_node();
    let units = touched_units(&input, range);
    let (Some(first), Some(last)) = (units.first(), units.last()) else {
        return Ok(Vec::new());
    };
    let before = atoms(&input, text);
    let after = atoms(&output, &formatted);
    if before.len() != after.len() {
        return Err(FormatError::internal(
            "the formatted text has different tokens",
        ));
    }
    let (Some(first), Some(last)) = (
        before
            .iter()
            .position(|atom| atom.range.start() >= first.start()),
        before
            .iter()
            .rposition(|atom| atom.range.end() <= last.end()),
    ) else {
        return Ok(Vec::new());
    };
    let first = extend_to_leading_comments(&before, text, first);
    let last = extend_to_trailing_comment(&before, text, last);
    let replaced = gap_span(&before, first, last, text.len());
    let replacement = gap_span(&after, first, last, formatted.len());
    Ok(crate::minimal_edits(
        slice(text, replaced),
        slice(&formatted, replacement),
        replaced.start(),
    ))
}

/// A token or comment: everything but whitespace.
#[derive(Debug, Clone, Copy)]
struct Atom {
    kind: SyntaxKind,
    range: TextRange,
}

fn atoms(root: &SyntaxNode, _text: &str) -> Vec<Atom> {
    root.descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| token.kind() != WHITESPACE)
        .map(|token| Atom {
            kind: token.kind(),
            range: token.text_range(),
        })
        .collect()
}

/// The ranges of the statements touched by `range`, in order.
fn touched_units(root: &SyntaxNode, range: TextRange) -> Vec<TextRange> {
    let touches = |unit: TextRange| range.start() <= unit.end() && unit.start() <= range.end();
    let mut units = Vec::new();
    for item in root.children() {
        let item_range = item.text_range();
        if !touches(item_range) {
            continue;
        }
        if item.kind() != AGENT {
            units.push(item_range);
            continue;
        }
        let braces: Vec<TextRange> = item
            .children_with_tokens()
            .filter(|element| matches!(element.kind(), L_BRACE | R_BRACE))
            .map(|element| element.text_range())
            .collect();
        let inside = match (braces.first(), braces.last()) {
            (Some(open), Some(close)) if open != close => {
                Some(TextRange::new(open.end(), close.start()))
            }
            _ => None,
        };
        match inside {
            Some(inside) if inside.contains_range(range) => {
                units.extend(
                    item.children()
                        .map(|child| child.text_range())
                        .filter(|child| touches(*child)),
                );
            }
            _ => units.push(item_range),
        }
    }
    units
}

/// Moves `first` back over the comments on their own lines just before it.
fn extend_to_leading_comments(atoms: &[Atom], text: &str, mut first: usize) -> usize {
    while first > 0 && atoms[first - 1].kind == COMMENT {
        let gap_start = match first.checked_sub(2) {
            Some(before) => atoms[before].range.end(),
            None => TextSize::from(0),
        };
        let gap = slice(
            text,
            TextRange::new(gap_start, atoms[first - 1].range.start()),
        );
        if first >= 2 && !has_line_end(gap) {
            break;
        }
        first -= 1;
    }
    first
}

/// Moves `last` forward over a comment on the same line.
fn extend_to_trailing_comment(atoms: &[Atom], text: &str, last: usize) -> usize {
    match atoms.get(last + 1) {
        Some(next) if next.kind == COMMENT => {
            let gap = slice(
                text,
                TextRange::new(atoms[last].range.end(), next.range.start()),
            );
            if has_line_end(gap) { last } else { last + 1 }
        }
        _ => last,
    }
}

/// From the end of the atom before `first` to the start of the atom after `last`.
fn gap_span(atoms: &[Atom], first: usize, last: usize, len: usize) -> TextRange {
    let start = first
        .checked_sub(1)
        .and_then(|before| atoms.get(before))
        .map_or(TextSize::from(0), |atom| atom.range.end());
    let end = atoms
        .get(last + 1)
        .map_or(TextSize::from(len as u32), |atom| atom.range.start());
    TextRange::new(start, end.max(start))
}

fn slice(text: &str, range: TextRange) -> &str {
    text.get(usize::from(range.start())..usize::from(range.end()))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn apply(text: &str, edits: &[TextEdit]) -> String {
        let mut out = text.to_string();
        for edit in edits.iter().rev() {
            out.replace_range(
                usize::from(edit.range.start())..usize::from(edit.range.end()),
                &edit.new_text,
            );
        }
        out
    }

    fn range_of(text: &str, needle: &str) -> TextRange {
        let start = text.find(needle).unwrap_or(0);
        TextRange::at(
            TextSize::from(start as u32),
            TextSize::from(needle.len() as u32),
        )
    }

    #[test]
    fn formats_only_the_touched_agent_item() {
        let text =
            "agent a {\n  default   deny\n  permit    x when a==1\n}\nagent b { default deny }\n";
        let edits = format_range(text, range_of(text, "x when")).unwrap_or_default();
        assert_eq!(
            apply(text, &edits),
            "agent a {\n  default   deny\n  permit x when a == 1\n}\nagent b { default deny }\n"
        );
    }

    #[test]
    fn edits_stay_on_the_changed_characters_of_the_touched_line() {
        let rules: String = (0..10)
            .map(|n| format!("  permit   tool{n}   when a==1\n"))
            .collect();
        let text = format!("agent a {{\n  default deny\n{rules}}}\n");
        let line = "  permit   tool5   when a==1\n";
        let touched = range_of(&text, line);
        let edits = format_range(&text, range_of(&text, "tool5")).unwrap_or_default();
        assert!(
            !edits.is_empty() && edits.iter().all(|edit| touched.contains_range(edit.range)),
            "{edits:?}"
        );
        let formatted = crate::format_text(&text).unwrap_or_default();
        let expected = formatted
            .lines()
            .find(|formatted| formatted.contains("tool5"))
            .unwrap_or_default();
        assert_eq!(
            apply(&text, &edits),
            text.replace(line.trim_end(), expected)
        );
    }

    #[test]
    fn a_range_on_the_header_formats_the_whole_agent() {
        let text = "agent b { default deny }\n";
        let edits = format_range(text, range_of(text, "agent")).unwrap_or_default();
        assert_eq!(apply(text, &edits), "agent b {\n  default deny\n}\n");
    }

    #[test]
    fn formatted_text_needs_no_edit() {
        let text = "agent b {\n  default deny\n}\n";
        assert_eq!(
            format_range(text, range_of(text, "default")),
            Ok(Vec::new())
        );
    }

    #[test]
    fn syntax_errors_are_returned() {
        let text = "agent {";
        assert!(matches!(
            format_range(text, range_of(text, "agent")),
            Err(FormatError::Syntax(_))
        ));
    }
}
