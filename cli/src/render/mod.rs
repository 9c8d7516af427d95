//! Renderers of one diagnostic model: human (miette code frames), JSON, and, shared with the
//! GitHub Action, SARIF 2.1.0 and GitHub workflow commands (`fpl_action`).

mod human;
pub mod intent;
mod json;
#[cfg(test)]
mod tests;

use fpl_analyzer::Analysis;

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
        Format::Sarif => fpl_action::sarif::render(analysis),
        Format::Github => fpl_action::annotations::workflow_commands(analysis),
    }
}
