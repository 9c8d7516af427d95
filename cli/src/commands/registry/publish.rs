//! `faramesh registry publish DIR REF --file FILE --key KEY`: adds one version of a policy or
//! framework profile to a registry one runs, as `cargo publish` adds a crate: the file checked,
//! copied into the public layout (`catalog/artifacts/<kind>/<name>/<version>/policy.fpl`),
//! signed (`.sig`, [`DetachedSignature`]), and listed in `catalog/catalog.json` (started by
//! the first publish into an empty directory). A published version is never replaced. The
//! artifact and its signature are new files written first; the catalog, rewritten atomically
//! last, is what makes the version visible.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_analyzer::{CheckOptions, SourceFile, host::check_policy};
use fpl_registry::catalog::{Catalog, MAX_CATALOG_SIZE};
use fpl_registry::reference::{Kind, Reference, compare_versions};
use fpl_registry::registry_path::RegistryPath;
use fpl_registry::trust::DetachedSignature;
use serde_json::{Value, json};

use super::{ReadError, read};
use crate::commands::keygen::{KeyFileError, read_signing_key};
use crate::render::{Format, render};

/// Arguments of `faramesh registry publish`.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The registry directory (the one holding `catalog/catalog.json`).
    registry: PathBuf,
    /// What to publish, as projects will import it: `<registry>/<policies|frameworks>/<name>@<version>`.
    reference: String,
    /// The FPL file to publish.
    #[arg(long)]
    file: PathBuf,
    /// The private key to sign it with, as `faramesh keygen` writes it.
    #[arg(long, value_name = "KEY")]
    key: PathBuf,
    /// The entry's description in the catalog (for a new entry).
    #[arg(long, default_value = "")]
    description: String,
}

/// Why nothing was published.
#[derive(Debug, thiserror::Error)]
enum PublishError {
    #[error("`{reference}`: {why}")]
    Reference { reference: String, why: String },
    #[error(transparent)]
    Read(#[from] ReadError),
    #[error("`{}` is the catalog of `{serves}`, not of `{wanted}`", path.display())]
    OtherRegistry {
        path: PathBuf,
        serves: String,
        wanted: String,
    },
    #[error("`{0}` is already published; a published version is never replaced")]
    Published(String),
    #[error("`{}` has {errors} error(s); nothing was published", path.display())]
    Invalid { errors: usize, path: PathBuf },
    #[error(
        "cannot write `{}`: {cause} (a file there from an earlier publish that did not finish is \
         not replaced: remove it if the catalog does not list this version)",
        path.display()
    )]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error(transparent)]
    Key(#[from] KeyFileError),
}

/// Runs the command: exit 0 when published, 1 when the file has errors, 2 otherwise.
pub fn run(args: &PublishArgs) -> ExitCode {
    match publish(args) {
        Ok(line) => super::super::print(&line, ExitCode::SUCCESS),
        Err(error @ PublishError::Invalid { .. }) => {
            fpl_server::report!("faramesh: {error}");
            ExitCode::from(1)
        }
        Err(error) => super::super::fail(error),
    }
}

fn publish(args: &PublishArgs) -> Result<String, PublishError> {
    let reference_error = |why: String| PublishError::Reference {
        reference: args.reference.clone(),
        why,
    };
    let reference =
        Reference::parse(&args.reference).map_err(|error| reference_error(error.to_string()))?;
    let file_name = match reference.package.kind {
        Kind::Policies => "policy.fpl",
        Kind::Frameworks => "profile.fpl",
        Kind::Providers => {
            return Err(reference_error(
                "providers are binaries, not FPL; publish policies or frameworks".to_string(),
            ));
        }
    };
    // Checked as every reader of the registry checks it: no reference makes a path that
    // leaves the registry or that resolution would refuse.
    let artifact = RegistryPath::artifact(&format!(
        "artifacts/{}/{}/{}/{file_name}",
        reference.package.kind.as_str(),
        reference.package.name,
        reference.version
    ))
    .map_err(|why| reference_error(format!("it makes no registry path: {why}")))?;
    let catalog_path = args.registry.join(RegistryPath::catalog().as_str());
    // The first publish into an empty directory starts its catalog.
    let catalog_bytes = if catalog_path.exists() {
        read(&catalog_path, MAX_CATALOG_SIZE)?
    } else {
        let empty = json!({
            "registry_id": reference.package.registry,
            "policies": [], "frameworks": [], "providers": [], "packs": [],
        });
        empty.to_string().into_bytes()
    };
    let catalog = Catalog::parse(&catalog_bytes).map_err(|why| ReadError {
        path: catalog_path.clone(),
        why,
    })?;
    if catalog.registry_id != reference.package.registry {
        return Err(PublishError::OtherRegistry {
            path: catalog_path,
            serves: catalog.registry_id,
            wanted: reference.package.registry,
        });
    }
    if catalog
        .find(&reference.package)
        .is_some_and(|entry| entry.versions.contains_key(&reference.version))
    {
        return Err(PublishError::Published(reference.to_string()));
    }
    let key = read_signing_key(&args.key)?;
    let bytes = read(&args.file, fpl_syntax::MAX_FILE_SIZE as u64)?;
    let source = SourceFile::from_bytes(args.file.display().to_string(), &bytes);
    let analysis = check_policy(vec![source], &CheckOptions::default());
    if analysis.has_errors() {
        fpl_server::report!("{}", render(&analysis, Format::Human).trim_end());
        let errors = analysis.diagnostics.iter().filter(|d| d.is_error()).count();
        return Err(PublishError::Invalid {
            errors,
            path: args.file.clone(),
        });
    }

    let signature = DetachedSignature::sign(&bytes, &key);
    write_new(&args.registry.join(artifact.as_str()), &bytes)?;
    let sig = args.registry.join(artifact.signature().as_str());
    write_new(&sig, signature.to_text().as_bytes())?;
    let relative = artifact.in_catalog();
    let listed =
        listed(&catalog_bytes, &reference, relative, &args.description).map_err(|why| {
            ReadError {
                path: catalog_path.clone(),
                why,
            }
        })?;
    fpl_runtime::files::write_atomic(&catalog_path, listed.as_bytes()).map_err(|cause| {
        PublishError::Write {
            path: catalog_path,
            cause,
        }
    })?;
    Ok(format!(
        "published {reference}: catalog/{relative}, signed by {}\n",
        signature.key_id
    ))
}

/// The catalog's text with `relative` listed as `reference`'s version, the entry created when
/// new, and its `latest_version` the highest version it lists.
fn listed(
    catalog: &[u8],
    reference: &Reference,
    relative: &str,
    description: &str,
) -> Result<String, String> {
    let mut catalog: Value = serde_json::from_slice(catalog).map_err(|error| error.to_string())?;
    let kind = reference.package.kind.as_str();
    let entries = catalog
        .as_object_mut()
        .ok_or("the catalog is not a JSON object")?
        .entry(kind)
        .or_insert_with(|| json!([]))
        .as_array_mut()
        .ok_or_else(|| format!("`{kind}` is not a list"))?;
    let at = match entries
        .iter()
        .position(|entry| entry["name"] == reference.package.name.as_str())
    {
        Some(at) => at,
        None => {
            entries.push(json!({
                "name": reference.package.name,
                "description": description,
                "versions": {},
            }));
            entries.len() - 1
        }
    };
    let entry = &mut entries[at];
    let versions = entry["versions"]
        .as_object_mut()
        .ok_or("an entry's `versions` is not a mapping")?;
    versions.insert(reference.version.clone(), json!(relative));
    let latest = versions
        .keys()
        .max_by(|a, b| compare_versions(a, b))
        .cloned();
    entry["latest_version"] = json!(latest);
    let mut text = serde_json::to_string_pretty(&catalog).map_err(|error| error.to_string())?;
    text.push('\n');
    Ok(text)
}

/// A new file of the registry, readable by whoever serves it.
fn write_new(path: &Path, bytes: &[u8]) -> Result<(), PublishError> {
    fpl_runtime::files::write_new(path, bytes, 0o644).map_err(|cause| PublishError::Write {
        path: path.to_path_buf(),
        cause,
    })
}
