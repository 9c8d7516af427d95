//! The position map of a document turned into FPL: every byte of the generated FPL text belongs
//! to one segment that says where in the YAML/JSON file it came from, so the analyzer's ranges
//! (in the generated text) are shown at the YAML line and column.

use fpl_syntax::{TextRange, TextSize};

/// A piece of the generated text and its origin.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Segment {
    /// Where the piece starts in the generated text.
    start: TextSize,
    /// Where it came from.
    origin: TextRange,
    /// The piece is the origin's text as written, character for character.
    exact: bool,
}

/// Maps ranges of generated FPL text to ranges of the file it was generated from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PositionMap {
    segments: Vec<Segment>,
    len: TextSize,
}

impl PositionMap {
    /// Records that the next `len` bytes of generated text come from `origin`; `exact` when
    /// they are `origin`'s text itself.
    pub(crate) fn push(&mut self, len: usize, origin: TextRange, exact: bool) {
        if len == 0 {
            return;
        }
        self.segments.push(Segment {
            start: self.len,
            origin,
            exact,
        });
        self.len += TextSize::from(len as u32);
    }

    /// The range of the file that `range` of the generated text came from.
    pub fn map(&self, range: TextRange) -> TextRange {
        let start = self.point(range.start(), false);
        if range.is_empty() {
            return TextRange::empty(start);
        }
        let end = self.point(range.end(), true).max(start);
        TextRange::new(start, end)
    }

    fn segment_end(&self, index: usize) -> TextSize {
        self.segments
            .get(index + 1)
            .map_or(self.len, |next| next.start)
    }

    /// The segment holding the byte at `offset` (the byte before it for an end).
    fn index(&self, offset: TextSize, is_end: bool) -> Option<usize> {
        if self.segments.is_empty() {
            return None;
        }
        let probe = if is_end && offset > TextSize::from(0) {
            offset - TextSize::from(1)
        } else {
            offset
        };
        let after = self
            .segments
            .partition_point(|segment| segment.start <= probe);
        Some(after.saturating_sub(1))
    }

    fn point(&self, offset: TextSize, is_end: bool) -> TextSize {
        let Some(index) = self.index(offset, is_end) else {
            return TextSize::from(0);
        };
        let segment = self.segments[index];
        if segment.exact {
            let within = offset.min(self.segment_end(index)) - segment.start.min(offset);
            (segment.origin.start() + within).min(segment.origin.end())
        } else if is_end {
            segment.origin.end()
        } else {
            segment.origin.start()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(start: u32, end: u32) -> TextRange {
        TextRange::new(start.into(), end.into())
    }

    #[test]
    fn exact_pieces_map_character_for_character_and_others_to_their_origin() {
        let mut map = PositionMap::default();
        map.push(5, range(0, 3), false); // `when ` made up for the key `when`
        map.push(10, range(20, 30), true); // the condition as written
        map.push(1, range(20, 30), false);
        assert_eq!(map.map(range(7, 9)), range(22, 24));
        assert_eq!(map.map(range(0, 4)), range(0, 3));
        assert_eq!(map.map(range(3, 8)), range(0, 23));
        assert_eq!(map.map(range(15, 16)), range(20, 30));
        assert_eq!(map.map(range(16, 16)), TextRange::empty(20.into()));
    }
}
