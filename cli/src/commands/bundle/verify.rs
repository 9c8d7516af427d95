//! `faramesh bundle verify FILE --trust KEY...`: what a runtime checks before loading a bundle.

use std::path::PathBuf;
use std::process::ExitCode;

use fpl_runtime::bundle::VerifiedBundle;

use super::trust::trusted_keys;

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
    let trusted = match trusted_keys(&args.trust) {
        Ok(trusted) => trusted,
        Err(error) => return crate::commands::fail(error),
    };
    let bytes = match super::read_bundle(&args.file) {
        Ok(bytes) => bytes,
        Err(error) => return crate::commands::fail(error),
    };
    match VerifiedBundle::verify(&bytes, &trusted) {
        Ok(bundle) => {
            let manifest = bundle.manifest();
            println!(
                "{}: verified, signed by {}; commit {}, policy {}",
                args.file.display(),
                bundle.key_id(),
                manifest.commit,
                manifest.policy.digest
            );
            ExitCode::SUCCESS
        }
        Err(error) => super::refuse(&args.file, &error),
    }
}
