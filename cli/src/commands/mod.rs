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
pub mod fmt;
pub mod import;
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

use std::io::Write as _;
use std::path::Path;
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

/// Replaces (or creates) `path` with `text` through a temporary file in the same directory, so a
/// reader never sees a half-written file and a crash leaves the old file intact. A symbolic link
/// is kept: its target is replaced, with its permissions.
pub fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let target = match std::fs::canonicalize(path) {
        Ok(target) => target,
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => path.to_path_buf(),
        Err(error) => return Err(error),
    };
    let path = target.as_path();
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(text.as_bytes())?;
    file.as_file().sync_all()?;
    if let Ok(metadata) = std::fs::metadata(path) {
        file.as_file().set_permissions(metadata.permissions())?;
    }
    file.persist(path).map_err(|error| error.error)?;
    Ok(())
}
