//! A document's text with its line index (`fpl_syntax`'s, the only one) and the conversions
//! between byte offsets and LSP positions: lines end at LF, CRLF or a lone CR, columns count
//! UTF-16 code units unless the client negotiated UTF-8 (`positionEncoding`). The only place
//! positions change units.

use std::sync::Arc;

use fpl_syntax::{ColumnUnit, LineColumn, LineIndex, TextRange, TextSize};
use tower_lsp_server::ls_types::{Position, Range};

/// A document's text and where its lines are.
#[derive(Debug, Clone)]
pub struct DocumentLines {
    text: Arc<str>,
    index: LineIndex,
    unit: ColumnUnit,
}

impl DocumentLines {
    /// Indexes `text` for positions whose columns count UTF-16 code units (LSP's default).
    pub fn new(text: Arc<str>) -> Self {
        DocumentLines::with_unit(text, ColumnUnit::Utf16)
    }

    /// Indexes `text` for positions whose columns count `unit`s.
    pub fn with_unit(text: Arc<str>, unit: ColumnUnit) -> Self {
        let index = LineIndex::new(&text);
        DocumentLines { text, index, unit }
    }

    /// The text.
    pub fn text(&self) -> &Arc<str> {
        &self.text
    }

    /// The byte offset of a position: clamped to its line and to the text; a column inside a
    /// character is the end of that character.
    pub fn offset(&self, position: Position) -> TextSize {
        let at = LineColumn {
            line: position.line,
            column: position.character,
        };
        self.index.offset(at, self.unit)
    }

    /// The position of a byte offset (clamped to the text, rounded down to a character).
    pub fn position(&self, offset: TextSize) -> Position {
        let at = self.index.line_column(offset, self.unit);
        Position::new(at.line, at.column)
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
        let lines = DocumentLines::new(Arc::from("a😀b\nxé\n"));
        assert_eq!(lines.position(TextSize::from(5)), Position::new(0, 3));
        assert_eq!(lines.offset(Position::new(0, 3)), TextSize::from(5));
        assert_eq!(lines.offset(Position::new(1, 1)), TextSize::from(8));
        assert_eq!(lines.offset(Position::new(1, 2)), TextSize::from(10));
        assert_eq!(lines.offset(Position::new(1, 99)), TextSize::from(10));
        assert_eq!(lines.offset(Position::new(9, 0)), TextSize::from(11));
        assert_eq!(lines.position(TextSize::from(2)), Position::new(0, 1));
    }

    #[test]
    fn utf8_columns_count_bytes() {
        let lines = DocumentLines::with_unit(Arc::from("a😀b\nxé\n"), ColumnUnit::Utf8);
        assert_eq!(lines.position(TextSize::from(5)), Position::new(0, 5));
        assert_eq!(lines.offset(Position::new(0, 5)), TextSize::from(5));
        assert_eq!(lines.offset(Position::new(1, 3)), TextSize::from(10));
    }

    #[test]
    fn a_lone_cr_ends_a_line() {
        let lines = DocumentLines::new(Arc::from("permit * # temp\r  deny! shell/*"));
        assert_eq!(lines.position(TextSize::from(18)), Position::new(1, 2));
        assert_eq!(lines.offset(Position::new(1, 2)), TextSize::from(18));
        assert_eq!(lines.offset(Position::new(0, 99)), TextSize::from(15));
    }
}
