//! Diagnostics computed on an older text (the SMT findings, which take seconds), moved along
//! with the edits made since, so an editor keeps showing them in place until new ones arrive.

use fpl_syntax::{TextRange, TextSize};

use crate::diagnostic::Diagnostic;
use crate::source::FileId;

/// Moves `diagnostics` over an edit of `file` that replaced `edited` with `inserted` bytes.
/// A diagnostic whose primary span the edit cuts across is dropped (what it said may no longer
/// hold); an edit inside a span stretches it; labels and fixes the edit cuts across are dropped.
pub fn move_with_edit(
    diagnostics: &mut Vec<Diagnostic>,
    file: FileId,
    edited: TextRange,
    inserted: TextSize,
) {
    let map = |range: TextRange| moved(range, edited, inserted);
    diagnostics.retain_mut(|diagnostic| {
        if diagnostic.span.file == file {
            match map(diagnostic.span.range) {
                Some(range) => diagnostic.span.range = range,
                None => return false,
            }
        }
        diagnostic.labels.retain_mut(|label| {
            if label.span.file != file {
                return true;
            }
            map(label.span.range)
                .map(|range| label.span.range = range)
                .is_some()
        });
        diagnostic.fixes.retain_mut(|fix| {
            fix.edits.iter_mut().all(|edit| {
                edit.file != file || map(edit.range).map(|range| edit.range = range).is_some()
            })
        });
        true
    });
}

/// Drops what `diagnostics` say about `file`, whose whole text was replaced.
pub fn forget_file(diagnostics: &mut Vec<Diagnostic>, file: FileId) {
    diagnostics.retain(|diagnostic| diagnostic.span.file != file);
    for diagnostic in diagnostics.iter_mut() {
        diagnostic.labels.retain(|label| label.span.file != file);
        diagnostic
            .fixes
            .retain(|fix| fix.edits.iter().all(|edit| edit.file != file));
    }
}

/// `range` after `edited` became `inserted` bytes; `None` when the edit cuts across it.
fn moved(range: TextRange, edited: TextRange, inserted: TextSize) -> Option<TextRange> {
    let grow = |at: TextSize| at - edited.len() + inserted;
    if range.end() <= edited.start() {
        Some(range)
    } else if range.start() >= edited.end() {
        Some(TextRange::new(grow(range.start()), grow(range.end())))
    } else if range.start() <= edited.start() && edited.end() <= range.end() {
        Some(TextRange::new(range.start(), grow(range.end())))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::codes::Code;
    use crate::diagnostic::Span;

    fn at(start: u32, end: u32) -> TextRange {
        TextRange::new(TextSize::from(start), TextSize::from(end))
    }

    fn finding(file: u32, range: TextRange) -> Diagnostic {
        let span = Span {
            file: FileId(file),
            range,
        };
        Diagnostic::new(Code::S0301, span, "unreachable")
    }

    fn ranges(diagnostics: &[Diagnostic]) -> Vec<(u32, TextRange)> {
        diagnostics
            .iter()
            .map(|d| (d.span.file.0, d.span.range))
            .collect()
    }

    #[test]
    fn findings_after_an_edit_move_and_those_before_stay() {
        let mut findings = vec![
            finding(0, at(0, 4)),
            finding(0, at(20, 30)),
            finding(1, at(20, 30)),
        ];
        // Three bytes typed at 10.
        move_with_edit(&mut findings, FileId(0), at(10, 10), TextSize::from(3));
        assert_eq!(
            ranges(&findings),
            [(0, at(0, 4)), (0, at(23, 33)), (1, at(20, 30))]
        );
        // Five bytes deleted at 5..10 (before the second finding).
        move_with_edit(&mut findings, FileId(0), at(5, 10), TextSize::from(0));
        assert_eq!(ranges(&findings)[1], (0, at(18, 28)));
    }

    #[test]
    fn an_edit_inside_a_finding_stretches_it_and_one_across_it_drops_it() {
        let mut findings = vec![finding(0, at(10, 20)), finding(0, at(30, 40))];
        move_with_edit(&mut findings, FileId(0), at(12, 14), TextSize::from(5));
        assert_eq!(ranges(&findings)[0], (0, at(10, 23)));
        move_with_edit(&mut findings, FileId(0), at(30, 50), TextSize::from(0));
        assert_eq!(ranges(&findings), [(0, at(10, 23))]);
    }

    #[test]
    fn a_replaced_file_forgets_its_findings() {
        let mut findings = vec![finding(0, at(0, 4)), finding(1, at(0, 4))];
        forget_file(&mut findings, FileId(0));
        assert_eq!(ranges(&findings), [(1, at(0, 4))]);
    }
}
