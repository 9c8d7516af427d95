//! `faramesh registry`: list, search and describe a registry's catalog, serve a registry
//! directory over HTTP, and publish into and sign the artifacts of a registry one runs.

mod catalog;
mod publish;
mod serve;
mod sign;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Arguments of `faramesh registry`.
#[derive(Debug, clap::Args)]
pub struct RegistryArgs {
    #[command(subcommand)]
    command: RegistryCommand,
}

#[derive(Debug, clap::Subcommand)]
enum RegistryCommand {
    /// List the catalog's entries.
    List(catalog::ListArgs),
    /// List the entries whose name, description or category contains TEXT.
    Search(catalog::SearchArgs),
    /// Describe one entry: description, versions, trust tier and what faramesh.lock pins.
    Info(catalog::InfoArgs),
    /// Serve a registry directory over HTTP (for internal mirrors).
    Serve(serve::ServeArgs),
    /// Sign artifacts of a registry with a key from `faramesh keygen` (writes `<ARTIFACT>.sig`).
    Sign(sign::SignArgs),
    /// Add a version of a policy or framework to a registry directory: checked, signed, listed.
    Publish(publish::PublishArgs),
}

/// Runs the command.
pub fn run(args: &RegistryArgs) -> ExitCode {
    match &args.command {
        RegistryCommand::List(args) => catalog::list(args),
        RegistryCommand::Search(args) => catalog::search(args),
        RegistryCommand::Info(args) => catalog::info(args),
        RegistryCommand::Serve(args) => serve::run(args),
        RegistryCommand::Sign(args) => sign::run(args),
        RegistryCommand::Publish(args) => publish::run(args),
    }
}

/// A file a registry command could not read.
#[derive(Debug, thiserror::Error)]
#[error("cannot read `{}`: {why}", path.display())]
struct ReadError {
    path: PathBuf,
    why: String,
}

/// The bytes of `path`, at most `limit` of them.
fn read(path: &Path, limit: u64) -> Result<Vec<u8>, ReadError> {
    super::read_capped(path, limit).map_err(|why| ReadError {
        path: path.to_path_buf(),
        why,
    })
}
