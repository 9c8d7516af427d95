//! `faramesh lsp`: the language server over stdio.

use std::process::ExitCode;

/// Arguments of `faramesh lsp`.
#[derive(Debug, clap::Args)]
pub struct LspArgs {
    /// Speak LSP over stdin/stdout (the only transport; accepted for editors that pass it).
    #[arg(long)]
    pub stdio: bool,
}

/// Starts a tokio runtime and serves LSP on stdin/stdout until the client exits.
pub fn run(_args: &LspArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return super::fail(error),
    };
    runtime.block_on(fpl_lsp::run_stdio());
    ExitCode::SUCCESS
}
