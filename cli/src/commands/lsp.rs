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
/// when the client exits or disconnects without one (as LSP asks). Workspace policies get their
/// imports as `faramesh check` reads them: from faramesh.lock and the cache, never the network.
pub fn run(_args: &LspArgs) -> ExitCode {
    let imports = fpl_lsp::ImportResolver::new(super::imports::add_imports);
    match fpl_lsp::run_stdio(imports) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(error) => super::fail(error),
    }
}
