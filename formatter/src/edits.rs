//! Minimal edits: the changes between a text and its formatted form as small replacements, so
//! an editor keeps the cursor, the marks and the undo history of every untouched character.

use std::time::{Duration, Instant};

use fpl_syntax::{TextRange, TextSize};
use similar::{Algorithm, DiffOp};

use crate::range::TextEdit;

/// How long the diff may search for the smallest edits; past it, the edits are still correct,
/// only larger.
const DIFF_BUDGET: Duration = Duration::from_millis(500);

/// The edits, character by character, that turn `old` into `new`; their ranges are byte
/// ranges of `old` shifted by `offset` (where `old` starts in the file).
pub fn minimal_edits(old: &str, new: &str, offset: TextSize) -> Vec<TextEdit> {
    let old_chars: Vec<(usize, char)> = old.char_indices().collect();
    let new_chars: Vec<(usize, char)> = new.char_indices().collect();
    let old_keys: Vec<char> = old_chars.iter().map(|&(_, c)| c).collect();
    let new_keys: Vec<char> = new_chars.iter().map(|&(_, c)| c).collect();
    let byte = |chars: &[(usize, char)], len: usize, index: usize| {
        chars.get(index).map_or(len, |&(at, _)| at)
    };
    let deadline = Instant::now() + DIFF_BUDGET;
    let ops = similar::capture_diff_slices_deadline(
        Algorithm::Myers,
        &old_keys,
        &new_keys,
        Some(deadline),
    );
    let mut edits: Vec<TextEdit> = Vec::new();
    for op in ops {
        if let DiffOp::Equal { .. } = op {
            continue;
        }
        let (old_range, new_range) = (op.old_range(), op.new_range());
        let start = byte(&old_chars, old.len(), old_range.start);
        let end = byte(&old_chars, old.len(), old_range.end);
        let inserted = &new[byte(&new_chars, new.len(), new_range.start)
            ..byte(&new_chars, new.len(), new_range.end)];
        let range = TextRange::new(
            offset + TextSize::from(start as u32),
            offset + TextSize::from(end as u32),
        );
        match edits.last_mut() {
            // A deletion next to an insertion is one replacement.
            Some(last) if last.range.end() == range.start() => {
                last.range = TextRange::new(last.range.start(), range.end());
                last.new_text.push_str(inserted);
            }
            _ => edits.push(TextEdit {
                range,
                new_text: inserted.to_string(),
            }),
        }
    }
    edits
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `old` with `edits` applied (ranges relative to `offset`).
    fn apply(old: &str, edits: &[TextEdit], offset: u32) -> String {
        let mut out = old.to_string();
        for edit in edits.iter().rev() {
            let start = usize::from(edit.range.start()) - offset as usize;
            let end = usize::from(edit.range.end()) - offset as usize;
            out.replace_range(start..end, &edit.new_text);
        }
        out
    }

    #[test]
    fn only_changed_whitespace_is_edited() {
        let old = "  permit x   when amount<5\n";
        let new = "  permit x when amount < 5\n";
        let edits = minimal_edits(old, new, TextSize::from(10));
        assert_eq!(apply(old, &edits, 10), new);
        assert_eq!(edits.len(), 3, "{edits:?}");
        assert!(
            edits
                .iter()
                .all(|edit| edit.range.len() <= TextSize::from(2))
        );
        assert!(edits[0].range.start() >= TextSize::from(10 + 10));
    }

    #[test]
    fn equal_texts_need_no_edit_and_multibyte_text_keeps_byte_ranges() {
        assert!(minimal_edits("same", "same", TextSize::from(0)).is_empty());
        let old = "permit x when name == \"é😀\"  and y";
        let new = "permit x when name == \"é😀\" and y";
        let edits = minimal_edits(old, new, TextSize::from(0));
        assert_eq!(apply(old, &edits, 0), new);
        assert_eq!(edits.len(), 1);
    }
}
