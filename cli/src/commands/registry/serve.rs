//! `faramesh registry serve DIR`: a registry directory over HTTP.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `faramesh registry serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The registry directory (with `catalog/catalog.json`).
    pub dir: PathBuf,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
}

/// Serves until the process is stopped; prints the base URL on stdout once listening.
pub fn run(args: &ServeArgs) -> ExitCode {
    let served = fpl_registry::serve::serve(&args.dir, args.addr, |addr| {
        // The service goes on when no one reads standard output.
        let _ = crate::stdout::print(&format!("http://{addr}\n"));
        fpl_server::report!(
            "faramesh: serving `{}` at http://{addr}",
            args.dir.display()
        );
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => crate::commands::fail(error),
    }
}
