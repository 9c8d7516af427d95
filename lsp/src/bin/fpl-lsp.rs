//! A standalone `fpl-lsp` binary (the same server as `faramesh lsp`), for end-to-end tests and
//! editors that want it without the CLI.

fn main() {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(fpl_lsp::run_stdio()),
        Err(error) => {
            eprintln!("error: cannot start the runtime: {error}");
            std::process::exit(2);
        }
    }
}
