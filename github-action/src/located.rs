//! Diagnostics with their file path and 1-based line and column resolved: what every
//! machine-readable renderer (JSON, SARIF, workflow commands, the report) prints.

use fpl_analyzer::{Analysis, Diagnostic, LineCol};

/// A diagnostic with its file path and 1-based positions resolved.
#[derive(Debug, Clone, Copy)]
pub struct Located<'a> {
    /// The diagnostic.
    pub diagnostic: &'a Diagnostic,
    /// Its file, as the project loader names it.
    pub path: &'a str,
    /// Where it starts.
    pub start: LineCol,
    /// Where it ends.
    pub end: LineCol,
}

/// Every diagnostic of `analysis`, in its order, located.
pub fn located(analysis: &Analysis) -> impl Iterator<Item = Located<'_>> {
    analysis.diagnostics.iter().map(|diagnostic| {
        let (start, end) = analysis.line_cols(diagnostic.span);
        Located {
            diagnostic,
            path: &analysis.file(diagnostic.span.file).source.path,
            start,
            end,
        }
    })
}
