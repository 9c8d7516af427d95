//! `faramesh bundle verify FILE --trust KEY...`: what a runtime checks before loading a bundle.

use std::path::PathBuf;
use std::process::ExitCode;

/// Arguments of `faramesh bundle verify`.
#[derive(Debug, clap::Args)]
pub struct VerifyArgs {
    /// The bundle.
    pub file: PathBuf,
    /// A trusted public key: a `"<key_id>:<base64>"` line, or a file of such lines.
    #[arg(long, value_name = "KEY", required = true, num_args = 1..)]
    pub trust: Vec<String>,
}

/// Runs the command: exit 0 when the bundle verifies, 1 when it is refused, 2 when it cannot
/// be read.
pub fn run(args: &VerifyArgs) -> ExitCode {
    match super::load_verified(&args.file, &args.trust) {
        Ok(bundle) => {
            let manifest = bundle.manifest();
            let line = format!(
                "{}: verified, signed by {}; commit {}, policy {}\n",
                args.file.display(),
                bundle.key_id(),
                manifest.commit,
                manifest.policy.digest
            );
            crate::commands::print(&line, ExitCode::SUCCESS)
        }
        Err(code) => code,
    }
}
