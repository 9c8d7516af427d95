//! Byte offsets ↔ LSP positions (lines and UTF-16 columns): the only place positions change
//! units.

use std::sync::Arc;

use fpl_syntax::{TextRange, TextSize};
use tower_lsp_server::ls_types::{Position, Range};

/// A text with its line starts.
#[derive(Debug, Clone)]
pub struct LineIndex {
    text: Arc<str>,
    line_starts: Vec<u32>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: Arc<str>) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, byte)| *byte == b'\n')
                .map(|(index, _)| index as u32 + 1),
        );
        LineIndex { text, line_starts }
    }

    /// The text.
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// The byte offset of a position, clamped to its line and to the text.
    pub fn offset(&self, position: Position) -> TextSize {
        let Some(start) = self
            .line_starts
            .get(position.line as usize)
            .map(|s| *s as usize)
        else {
            return TextSize::from(self.text.len() as u32);
        };
        let end = self
            .line_starts
            .get(position.line as usize + 1)
            .map_or(self.text.len(), |next| *next as usize - 1);
        let line = self.text.get(start..end).unwrap_or_default();
        let mut units = 0u32;
        for (index, ch) in line.char_indices() {
            if units >= position.character {
                return TextSize::from((start + index) as u32);
            }
            units += ch.len_utf16() as u32;
        }
        TextSize::from(end as u32)
    }

    /// The position of a byte offset (clamped to the text, rounded down to a character).
    pub fn position(&self, offset: TextSize) -> Position {
        let mut offset = usize::from(offset).min(self.text.len());
        while !self.text.is_char_boundary(offset) {
            offset -= 1;
        }
        let line = self
            .line_starts
            .partition_point(|start| *start as usize <= offset)
            .saturating_sub(1);
        let start = self.line_starts.get(line).map_or(0, |s| *s as usize);
        let character = self
            .text
            .get(start..offset)
            .map_or(0, |prefix| prefix.encode_utf16().count());
        Position::new(line as u32, character as u32)
    }

    /// The LSP range of a byte range.
    pub fn range(&self, range: TextRange) -> Range {
        Range::new(self.position(range.start()), self.position(range.end()))
    }

    /// The byte range of an LSP range.
    pub fn text_range(&self, range: Range) -> TextRange {
        let start = self.offset(range.start);
        let end = self.offset(range.end).max(start);
        TextRange::new(start, end)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utf16_columns_round_trip() {
        let index = LineIndex::new(Arc::from("a😀b\nxé\n"));
        assert_eq!(index.position(TextSize::from(5)), Position::new(0, 3));
        assert_eq!(index.offset(Position::new(0, 3)), TextSize::from(5));
        assert_eq!(index.offset(Position::new(1, 1)), TextSize::from(8));
        assert_eq!(index.offset(Position::new(1, 2)), TextSize::from(10));
        assert_eq!(index.offset(Position::new(1, 99)), TextSize::from(10));
        assert_eq!(index.offset(Position::new(9, 0)), TextSize::from(11));
        assert_eq!(index.position(TextSize::from(2)), Position::new(0, 1));
    }
}
