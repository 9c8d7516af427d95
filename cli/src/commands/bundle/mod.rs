//! `faramesh bundle`: build signed bundles from a git revision (SPEC §10), verify them against
//! trusted keys, show what is inside, and publish them to a git branch or an HTTP server.

mod build;
mod inspect;
mod publish;
mod revision;
mod trust;
mod verify;

pub(crate) use trust::trusted_keys;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_runtime::bundle::{MAX_BUNDLE_BYTES, TrustedKey, VerifiedBundle};

/// Arguments of `faramesh bundle`.
#[derive(Debug, clap::Args)]
pub struct BundleArgs {
    #[command(subcommand)]
    command: BundleCommand,
}

#[derive(Debug, clap::Subcommand)]
enum BundleCommand {
    /// Build a bundle from the policy at a git revision: check, compile, sign.
    Build(build::BuildArgs),
    /// Verify a bundle's signature with trusted keys and its manifest against its content.
    Verify(verify::VerifyArgs),
    /// Show a bundle's manifest, agents, rule counts and findings.
    Inspect(inspect::InspectArgs),
    /// Publish a bundle to a git branch (`<url>#<branch>`) or an HTTP(S) directory (`PUT`).
    Publish(publish::PublishArgs),
}

/// Runs the command.
pub fn run(args: &BundleArgs) -> ExitCode {
    match &args.command {
        BundleCommand::Build(args) => build::run(args),
        BundleCommand::Verify(args) => verify::run(args),
        BundleCommand::Inspect(args) => inspect::run(args),
        BundleCommand::Publish(args) => publish::run(args),
    }
}

/// A bundle file that could not be read.
#[derive(Debug, thiserror::Error)]
enum ReadError {
    /// Reading failed.
    #[error("cannot read `{path}`: {cause}")]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// Larger than any bundle.
    #[error("`{0}` is larger than {MAX_BUNDLE_BYTES} bytes, the largest bundle")]
    TooLarge(PathBuf),
}

/// Reads a bundle file, at most [`MAX_BUNDLE_BYTES`] of it.
fn read_bundle(path: &Path) -> Result<Vec<u8>, ReadError> {
    fpl_registry::files::read_limited(path, MAX_BUNDLE_BYTES)
        .map_err(|source| ReadError::Io {
            path: path.to_path_buf(),
            cause: source,
        })?
        .ok_or_else(|| ReadError::TooLarge(path.to_path_buf()))
}

/// Reads the bundle at `path` and verifies it with the `--trust` keys, as a runtime loads it.
/// On failure the reason is printed and the exit code returned: 1 when the bundle is refused,
/// 2 when the keys or the file cannot be read.
pub fn load_verified(path: &Path, trust: &[String]) -> Result<VerifiedBundle, ExitCode> {
    let (bytes, trusted) = read_with_trust(path, trust)?;
    VerifiedBundle::verify(&bytes, &trusted).map_err(|error| refuse(path, &error))
}

/// The `--trust` keys, then the bundle's bytes; on failure the reason is printed and exit
/// code 2 returned.
fn read_with_trust(path: &Path, trust: &[String]) -> Result<(Vec<u8>, Vec<TrustedKey>), ExitCode> {
    let trusted = trust::trusted_keys(trust).map_err(crate::commands::fail)?;
    let bytes = read_bundle(path).map_err(crate::commands::fail)?;
    Ok((bytes, trusted))
}

/// Prints why a bundle was refused (`error: FILE: why`) and returns exit code 1.
fn refuse(path: &Path, error: &fpl_runtime::bundle::BundleError) -> ExitCode {
    fpl_server::report!("error: {}: {error}", path.display());
    ExitCode::from(1)
}
