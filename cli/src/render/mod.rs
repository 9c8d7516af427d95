//! Renderers of one diagnostic model: human (miette code frames), JSON, SARIF 2.1.0 and GitHub
//! workflow commands.

mod github;
mod human;
pub mod intent;
mod json;
mod sarif;
#[cfg(test)]
mod tests;

use fpl_analyzer::{Analysis, Diagnostic, LineCol};

/// An output format of diagnostics.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Code frames for people.
    Human,
    /// One JSON object with every diagnostic.
    Json,
    /// SARIF 2.1.0 for code-scanning tools.
    Sarif,
    /// GitHub Actions workflow commands (annotations).
    Github,
}

/// Renders every diagnostic of an analysis.
pub fn render(analysis: &Analysis, format: Format) -> String {
    match format {
        Format::Human => human::render(analysis),
        Format::Json => json::render(analysis),
        Format::Sarif => sarif::render(analysis),
        Format::Github => github::render(analysis),
    }
}

/// A diagnostic with its file path and 1-based positions resolved.
struct Located<'a> {
    diagnostic: &'a Diagnostic,
    path: &'a str,
    start: LineCol,
    end: LineCol,
}

fn located(analysis: &Analysis) -> impl Iterator<Item = Located<'_>> {
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
