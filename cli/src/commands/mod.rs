//! One module per subcommand.

pub mod audit;
pub mod bundle;
pub mod check;
pub mod completions;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod fmt;
pub mod import;
mod imports;
pub mod keygen;
pub mod lock;
pub mod lsp;
mod policy;
pub mod registry;
mod registry_error;
pub mod test;

use std::process::ExitCode;

/// Exit code for usage and I/O errors (SPEC: 0 clean, 1 policy errors, 2 cannot run).
pub const EXIT_USAGE: u8 = 2;

/// Prints an operational error (I/O, bad arguments) with miette and returns exit code 2.
pub fn fail(error: impl std::error::Error + Send + Sync + 'static) -> ExitCode {
    eprintln!(
        "{:?}",
        miette::Report::new_boxed(Box::new(OperationalError(Box::new(error))))
    );
    ExitCode::from(EXIT_USAGE)
}

/// Wraps any error so miette renders it with its cause chain.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(transparent)]
struct OperationalError(Box<dyn std::error::Error + Send + Sync>);
