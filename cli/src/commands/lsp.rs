//! `faramesh lsp`: the language server over stdio.

use std::process::ExitCode;

/// Arguments of `faramesh lsp`.
#[derive(Debug, clap::Args)]
pub struct LspArgs {
    /// Speak LSP over stdin/stdout (the only transport; accepted for editors that pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Serves LSP on stdin/stdout until the client exits: status 0 after a `shutdown` request, 1
/// when the client exits or disconnects without one (as LSP asks).
pub fn run(_args: &LspArgs) -> ExitCode {
    match fpl_lsp::run_stdio() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => super::fail(error),
    }
}
