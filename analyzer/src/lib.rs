//! The FPL analyzer: the semantic model of a policy, its static checks and one diagnostic model
//! shared by the CLI, the language server and the GitHub Action.

pub mod analysis;
pub mod checks;
pub mod codes;
pub mod compile;
pub mod config_keys;
pub mod diagnostic;
#[cfg(test)]
mod differential;
pub mod form;
pub mod fpl_text;
pub mod hir;
pub mod host;
pub mod intent;
mod lower;
pub mod project;
#[cfg(test)]
mod reference;
pub mod smt;
pub mod source;
pub mod testing;

pub use analysis::{Analysis, AnalyzedFile, sort_diagnostics};
pub use checks::CheckOptions;
pub use codes::Code;
pub use diagnostic::{Diagnostic, Fix, Label, Severity, Span, TextEdit};
pub use fpl_syntax::LineIndex;
pub use source::{FileId, LineCol, Origin, SourceFile};
