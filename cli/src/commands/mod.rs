//! One module per subcommand.

pub mod approvals;
pub mod audit;
pub mod bundle;
pub mod check;
pub mod ci;
mod compile_intent;
pub mod completions;
pub mod convert;
pub mod diff;
pub mod eval;
pub mod explain;
pub mod extract;
pub mod fmt;
pub mod import;
mod import_form;
mod imports;
pub mod keygen;
pub mod lock;
pub mod lsp;
mod model_http;
mod policy;
pub mod policy_group;
pub mod registry;
mod registry_error;
pub mod schema;
pub mod serve;
pub mod test;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_runtime::files::write_atomic;

/// Exit code for usage and I/O errors (SPEC: 0 clean, 1 policy errors, 2 cannot run).
pub const EXIT_USAGE: u8 = 2;

/// Prints an operational error (I/O, bad arguments) with miette and returns exit code 2.
pub fn fail(error: impl std::error::Error + Send + Sync + 'static) -> ExitCode {
    fpl_server::report!(
        "{:?}",
        miette::Report::new_boxed(Box::new(OperationalError(Box::new(error))))
    );
    ExitCode::from(EXIT_USAGE)
}

/// Wraps any error so miette renders it with its cause chain.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
#[error(transparent)]
struct OperationalError(Box<dyn std::error::Error + Send + Sync>);

/// Prints `text` on standard output ([`crate::stdout::print`]) and returns `status`, or exit
/// code 2 when standard output cannot be written.
pub fn print(text: &str, status: ExitCode) -> ExitCode {
    match crate::stdout::print(text) {
        Ok(()) => status,
        Err(error) => fail(error),
    }
}

/// A result file that could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write `{}`: {cause}", path.display())]
pub struct OutputError {
    path: PathBuf,
    cause: std::io::Error,
}

/// A command's result: printed to standard output, or with `output` written there atomically.
/// Returns the exit code (2 when the file could not be written).
pub fn print_or_write(output: Option<&Path>, text: &str) -> ExitCode {
    match output {
        Some(path) => match write_atomic(path, text.as_bytes()) {
            Ok(()) => ExitCode::SUCCESS,
            Err(source) => fail(OutputError {
                path: path.to_path_buf(),
                cause: source,
            }),
        },
        None => print(text, ExitCode::SUCCESS),
    }
}

/// The bytes of the file at `path`, at most `limit` of them; `Err` says why not.
pub(crate) fn read_capped(path: &Path, limit: u64) -> Result<Vec<u8>, String> {
    fpl_registry::files::read_limited(path, limit)
        .map_err(|cause| cause.to_string())?
        .ok_or_else(|| format!("larger than {limit} bytes"))
}

/// The UTF-8 text of the file at `path`, at most `limit` bytes; `Err` says why not.
pub(crate) fn read_text(path: &Path, limit: u64) -> Result<String, String> {
    String::from_utf8(read_capped(path, limit)?).map_err(|_| "not UTF-8 text".to_owned())
}
