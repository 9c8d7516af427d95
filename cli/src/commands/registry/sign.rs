//! `faramesh registry sign ARTIFACT… --key KEY`: the detached signature of each artifact of a
//! registry one runs (`ARTIFACT.sig`, `{key_id, algorithm, value_b64, public_key_b64}`, SPEC
//! §9.2), with a key `faramesh keygen` made; projects trust it by the key's line in `KEY.pub`.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_registry::Kind;
use fpl_registry::resolve::size_limit;
use fpl_registry::trust::{DetachedSignature, signature_path};
use fpl_runtime::bundle::SigningKey;

use crate::commands::keygen::{KeyFileError, read_signing_key};

/// Arguments of `faramesh registry sign`.
#[derive(Debug, clap::Args)]
pub struct SignArgs {
    /// The artifacts (`policy.fpl`, `profile.fpl`) to sign; each gets `<ARTIFACT>.sig`.
    #[arg(required = true)]
    artifacts: Vec<PathBuf>,
    /// The private key, as `faramesh keygen` writes it.
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
}

/// Why an artifact was not signed.
#[derive(Debug, thiserror::Error)]
enum SignError {
    #[error(transparent)]
    Key(#[from] KeyFileError),
    #[error(transparent)]
    Read(#[from] super::ReadError),
    #[error("cannot write `{}`: {cause}", path.display())]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
}

/// Runs the command: every artifact signed, or exit 2 at the first that cannot be (those
/// before it keep their new signature).
pub fn run(args: &SignArgs) -> ExitCode {
    let signed = read_signing_key(&args.key)
        .map_err(SignError::from)
        .and_then(|key| {
            args.artifacts
                .iter()
                .map(|artifact| sign(artifact, &key))
                .collect::<Result<Vec<String>, SignError>>()
        });
    match signed {
        Ok(lines) => super::super::print(&lines.concat(), ExitCode::SUCCESS),
        Err(error) => super::super::fail(error),
    }
}

/// Writes the signature of `artifact` beside it; the line to print.
fn sign(artifact: &Path, key: &SigningKey) -> Result<String, SignError> {
    // No artifact the registry client would read is larger than a provider binary may be.
    let bytes = super::read(artifact, size_limit(Kind::Providers))?;
    let signature = DetachedSignature::sign(&bytes, key);
    let path = signature_path(artifact);
    fpl_runtime::files::write_atomic(&path, signature.to_text().as_bytes()).map_err(|cause| {
        SignError::Write {
            path: path.clone(),
            cause,
        }
    })?;
    Ok(format!(
        "signed {} ({})\n",
        artifact.display(),
        signature.key_id
    ))
}
