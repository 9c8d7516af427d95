//! Line ends and positions: SPEC §2's line ends (LF, CRLF and a lone CR) and the one conversion
//! between byte offsets and 0-based lines and columns, counted in UTF-8 bytes, characters (the
//! CLI) or UTF-16 code units (the language server).
//!
//! The index keeps no text: it records where lines start and end and where the characters of more
//! than one byte are, so a conversion costs a binary search plus the wide characters of one line.

use rowan::TextSize;

/// Whether `text` contains a line end.
pub fn has_line_end(text: &str) -> bool {
    text.bytes().any(|byte| byte == b'\n' || byte == b'\r')
}

/// The number of line ends in `text`; a CRLF is one.
pub fn count_line_ends(text: &str) -> usize {
    let bytes = text.as_bytes();
    bytes
        .iter()
        .enumerate()
        .filter(|&(index, &byte)| {
            byte == b'\n' || (byte == b'\r' && bytes.get(index + 1) != Some(&b'\n'))
        })
        .count()
}

/// What a column counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ColumnUnit {
    /// UTF-8 bytes.
    Utf8,
    /// Unicode scalar values (what `faramesh check` prints, SPEC §8).
    Char,
    /// UTF-16 code units (LSP positions).
    Utf16,
}

impl ColumnUnit {
    /// How many units a character of `utf8_len` bytes counts for.
    fn width(self, utf8_len: u32) -> u32 {
        match self {
            ColumnUnit::Utf8 => utf8_len,
            ColumnUnit::Char => 1,
            ColumnUnit::Utf16 => 1 + u32::from(utf8_len == 4),
        }
    }
}

/// A 0-based line and a 0-based column in some [`ColumnUnit`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct LineColumn {
    /// 0-based line.
    pub line: u32,
    /// 0-based column.
    pub column: u32,
}

/// A character of more than one byte: where it starts and its UTF-8 length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct WideChar {
    offset: u32,
    len: u32,
}

/// Converts byte offsets of one text to lines and columns and back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    /// For each line, the offset where it starts and where its text ends (before its line end).
    lines: Vec<(u32, u32)>,
    /// Every character of more than one byte, in text order.
    wide: Vec<WideChar>,
    len: u32,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let bytes = text.as_bytes();
        let mut lines = Vec::new();
        let mut wide = Vec::new();
        let mut start = 0;
        let mut index = 0;
        while index < bytes.len() {
            match bytes[index] {
                b'\n' => {
                    lines.push((start as u32, index as u32));
                    index += 1;
                    start = index;
                }
                b'\r' => {
                    lines.push((start as u32, index as u32));
                    index += if bytes.get(index + 1) == Some(&b'\n') {
                        2
                    } else {
                        1
                    };
                    start = index;
                }
                lead if lead >= 0x80 => {
                    let len = match lead {
                        0xF0.. => 4,
                        0xE0.. => 3,
                        _ => 2,
                    };
                    wide.push(WideChar {
                        offset: index as u32,
                        len,
                    });
                    index += len as usize;
                }
                _ => index += 1,
            }
        }
        lines.push((start as u32, bytes.len() as u32));
        LineIndex {
            lines,
            wide,
            len: bytes.len() as u32,
        }
    }

    /// The length of the indexed text.
    pub fn len(&self) -> TextSize {
        TextSize::from(self.len)
    }

    /// Whether the indexed text is empty.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The number of lines (one more than the number of line ends).
    pub fn line_count(&self) -> u32 {
        self.lines.len() as u32
    }

    /// The line and column of `offset`, clamped to the text and moved back to the start of the
    /// character it falls inside.
    pub fn line_column(&self, offset: TextSize, unit: ColumnUnit) -> LineColumn {
        let mut offset = u32::from(offset).min(self.len);
        let line = self
            .lines
            .partition_point(|&(start, _)| start <= offset)
            .saturating_sub(1);
        let start = self.lines[line].0;
        let first = self.wide.partition_point(|wide| wide.offset < start);
        let mut last = self.wide.partition_point(|wide| wide.offset < offset);
        if let Some(inside) = last.checked_sub(1).map(|at| self.wide[at])
            && inside.offset >= start
            && inside.offset + inside.len > offset
        {
            offset = inside.offset;
            last -= 1;
        }
        let saved: u32 = self.wide[first..last]
            .iter()
            .map(|wide| wide.len - unit.width(wide.len))
            .sum();
        LineColumn {
            line: line as u32,
            column: offset - start - saved,
        }
    }

    /// The offset of a line and column: a column past the end of its line is the end of the
    /// line's text, one inside a character is the end of that character, and a line past the
    /// last is the end of the text.
    pub fn offset(&self, position: LineColumn, unit: ColumnUnit) -> TextSize {
        let Some(&(start, end)) = self.lines.get(position.line as usize) else {
            return TextSize::from(self.len);
        };
        let mut at = start;
        let mut remaining = position.column;
        let first = self.wide.partition_point(|wide| wide.offset < start);
        for wide in self.wide[first..]
            .iter()
            .take_while(|wide| wide.offset < end)
        {
            let run = wide.offset - at;
            if remaining <= run {
                return TextSize::from(at + remaining);
            }
            remaining -= run;
            let width = unit.width(wide.len);
            if remaining < width {
                return TextSize::from(wide.offset + wide.len);
            }
            remaining -= width;
            at = wide.offset + wide.len;
        }
        TextSize::from(at.saturating_add(remaining).min(end))
    }

    /// The offset where the 0-based `line` starts.
    pub fn line_start(&self, line: u32) -> Option<TextSize> {
        self.lines
            .get(line as usize)
            .map(|&(start, _)| TextSize::from(start))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(index: &LineIndex, offset: u32, unit: ColumnUnit) -> (u32, u32) {
        let position = index.line_column(TextSize::from(offset), unit);
        (position.line, position.column)
    }

    fn offset(index: &LineIndex, line: u32, column: u32, unit: ColumnUnit) -> u32 {
        u32::from(index.offset(LineColumn { line, column }, unit))
    }

    #[test]
    fn lf_crlf_and_lone_cr_each_end_a_line() {
        let text = "a\nb\r\nc\rd";
        let index = LineIndex::new(text);
        assert_eq!(index.line_count(), 4);
        assert_eq!(count_line_ends(text), 3);
        let starts: Vec<(u32, u32)> = [0, 2, 5, 7]
            .into_iter()
            .map(|offset| at(&index, offset, ColumnUnit::Char))
            .collect();
        assert_eq!(starts, [(0, 0), (1, 0), (2, 0), (3, 0)]);
        // Between the CR and the LF of a CRLF is still the line the CRLF ends.
        assert_eq!(at(&index, 4, ColumnUnit::Char), (1, 2));
        assert_eq!(index.line_start(2), Some(TextSize::from(5)));
        // A column past the end of a line stops before its line end.
        assert_eq!(offset(&index, 1, 9, ColumnUnit::Char), 3);
        assert_eq!(offset(&index, 2, 9, ColumnUnit::Char), 6);
        assert_eq!(offset(&index, 9, 0, ColumnUnit::Char), 8);
    }

    #[test]
    fn columns_in_each_unit() {
        // `é` is 2 bytes, 1 UTF-16 unit; `😀` is 4 bytes, 2 UTF-16 units.
        let text = "xé😀b\r—c";
        let index = LineIndex::new(text);
        let b = 7;
        assert_eq!(at(&index, b, ColumnUnit::Utf8), (0, 7));
        assert_eq!(at(&index, b, ColumnUnit::Char), (0, 3));
        assert_eq!(at(&index, b, ColumnUnit::Utf16), (0, 4));
        assert_eq!(at(&index, 12, ColumnUnit::Char), (1, 1));
        for unit in [ColumnUnit::Utf8, ColumnUnit::Char, ColumnUnit::Utf16] {
            let (line, column) = at(&index, b, unit);
            assert_eq!(offset(&index, line, column, unit), b, "{unit:?}");
        }
    }

    #[test]
    fn offsets_inside_a_character_round_to_its_edges() {
        let index = LineIndex::new("a😀b");
        // Byte 2 is inside the emoji: its position is the emoji's.
        assert_eq!(at(&index, 2, ColumnUnit::Utf16), (0, 1));
        // UTF-16 column 2 is between the emoji's surrogates: the offset is after the emoji.
        assert_eq!(offset(&index, 0, 2, ColumnUnit::Utf16), 5);
        assert_eq!(offset(&index, 0, 3, ColumnUnit::Utf16), 5);
        assert_eq!(offset(&index, 0, 4, ColumnUnit::Utf16), 6);
        assert_eq!(at(&index, 99, ColumnUnit::Utf16), (0, 4));
    }

    #[test]
    fn line_end_helpers() {
        assert!(has_line_end("a\rb"));
        assert!(!has_line_end("a b\t"));
        assert_eq!(count_line_ends("\r\n\r\n"), 2);
        assert_eq!(count_line_ends("\r\r\n\n"), 3);
    }
}
