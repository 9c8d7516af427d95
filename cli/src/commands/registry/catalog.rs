//! `faramesh registry list|search|info`: a registry's catalog, read from the registry (or the
//! cache with `--offline`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use fpl_registry::cache::Cache;
use fpl_registry::catalog::{Catalog, Entry};
use fpl_registry::lockfile::{Lockfile, Signer};
use fpl_registry::manifest::{DEFAULT_TIMEOUT, Manifest, RegistryConfig};
use fpl_registry::reference::parse_loose;
use fpl_registry::resolve::{read_catalog, version_missing};
use fpl_registry::{Error, Fetch, Kind, PUBLIC_REGISTRY};

use crate::commands::registry_error;

/// Which registry to read.
#[derive(Debug, clap::Args)]
pub struct RegistryChoice {
    /// A registry name from faramesh.toml, or a URL or directory (default: the registry of the
    /// reference, else `default`).
    #[arg(long)]
    pub registry: Option<String>,
    /// Use the catalog cached by the last read instead of a network registry.
    #[arg(long)]
    pub offline: bool,
    /// The project directory (with faramesh.toml).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// Arguments of `faramesh registry list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only entries of this kind.
    #[arg(long, value_parser = ["policies", "frameworks", "providers"])]
    pub kind: Option<String>,
    #[command(flatten)]
    pub choice: RegistryChoice,
}

/// Arguments of `faramesh registry search`.
#[derive(Debug, clap::Args)]
pub struct SearchArgs {
    /// Text to look for (case-insensitive) in names, descriptions and categories.
    pub text: String,
    #[command(flatten)]
    pub choice: RegistryChoice,
}

/// Arguments of `faramesh registry info`.
#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// `<registry>/<kind>/<name>`, optionally with `@<version>`.
    pub reference: String,
    #[command(flatten)]
    pub choice: RegistryChoice,
}

/// `registry list`.
pub fn list(args: &ListArgs) -> ExitCode {
    let kind = args.kind.as_deref().and_then(Kind::parse);
    print_entries(&args.choice, |entry_kind, _| {
        kind.is_none_or(|kind| kind == entry_kind)
    })
}

/// `registry search`.
pub fn search(args: &SearchArgs) -> ExitCode {
    print_entries(&args.choice, |_, entry| entry.matches(&args.text))
}

/// `registry info`.
pub fn info(args: &InfoArgs) -> ExitCode {
    let (package, version) = match parse_loose(&args.reference) {
        Ok(parsed) => parsed,
        Err(problem) => {
            return registry_error::fail(Error::InvalidReference {
                reference: args.reference.clone(),
                problem: problem.to_string(),
                help: "write `<registry>/<kind>/<name>`, optionally with `@<version>`".to_string(),
            });
        }
    };
    let (config, catalog) = match catalog(&args.choice, &package.registry) {
        Ok(found) => found,
        Err(error) => return registry_error::fail(error),
    };
    let Some(entry) = catalog.find(&package) else {
        return registry_error::fail(Error::NotInCatalog {
            reference: args.reference.clone(),
            entry: format!("{} `{}`", package.kind, package.name),
            registry: format!("`{}`", config.url),
            suggestion: None,
        });
    };
    let mut out = format!("{package}\n");
    let mut field = |name: &str, value: &str| {
        if !value.is_empty() {
            let _ = writeln!(out, "  {:<13}{value}", format!("{name}:"));
        }
    };
    field("description", &entry.description);
    field("latest", entry.latest().unwrap_or(""));
    field("versions", &entry.sorted_versions().join(", "));
    field("trust tier", entry.trust_tier.as_deref().unwrap_or(""));
    field("category", entry.category.as_deref().unwrap_or(""));
    if let Some(version) = version {
        match entry.versions.get(version) {
            Some(path) => field(version, path),
            None => {
                return registry_error::fail(version_missing(
                    &package.at(version),
                    entry,
                    &format!("`{}`", config.url),
                ));
            }
        }
    }
    if let Ok(Some(lock)) = Lockfile::load(&args.choice.project) {
        for import in lock.imports() {
            let Some((_, locked_version)) = import.reference.rsplit_once('@') else {
                continue;
            };
            if import.reference != package.at(locked_version).to_string() {
                continue;
            }
            let signer = match &import.signer {
                Signer::Key(id) => format!("signed by `{id}`"),
                Signer::Unsigned => "unsigned (--allow-unsigned)".to_string(),
            };
            field(
                "locked",
                &format!("{locked_version}, sha256 {}, {signer}", import.sha256),
            );
        }
    }
    crate::commands::print(&out, ExitCode::SUCCESS)
}

fn print_entries(choice: &RegistryChoice, keep: impl Fn(Kind, &Entry) -> bool) -> ExitCode {
    let (_, catalog) = match catalog(choice, PUBLIC_REGISTRY) {
        Ok(found) => found,
        Err(error) => return registry_error::fail(error),
    };
    let rows: Vec<(String, &str, &str)> = catalog
        .all()
        .filter(|(kind, entry)| keep(*kind, entry))
        .map(|(kind, entry)| {
            (
                format!("{kind}/{}", entry.name),
                entry.latest().unwrap_or("-"),
                entry.description.as_str(),
            )
        })
        .collect();
    let name_width = rows.iter().map(|row| row.0.len()).max().unwrap_or(0);
    let version_width = rows.iter().map(|row| row.1.len()).max().unwrap_or(0);
    let mut out = String::new();
    for (name, latest, description) in &rows {
        let line = format!("{name:<name_width$}  {latest:<version_width$}  {description}");
        let _ = writeln!(out, "{}", line.trim_end());
    }
    if rows.is_empty() {
        fpl_server::report!("faramesh: no entries");
    }
    crate::commands::print(&out, ExitCode::SUCCESS)
}

/// The configured registry for `registry_id` (or the one `--registry` names) and its catalog.
fn catalog(choice: &RegistryChoice, registry_id: &str) -> Result<(RegistryConfig, Catalog), Error> {
    let manifest = Manifest::load(&choice.project)?;
    let config = match &choice.registry {
        Some(text) => match manifest.registry_named(text)? {
            Some(config) => config,
            None => RegistryConfig {
                name: "--registry".to_string(),
                id: registry_id.to_string(),
                url: text.clone(),
                timeout: DEFAULT_TIMEOUT,
            },
        },
        None => match manifest.registry_for(registry_id)? {
            Some(config) => config,
            None => manifest
                .registry_named("default")?
                .ok_or_else(|| Error::UnknownRegistry {
                    reference: registry_id.to_string(),
                    registry: registry_id.to_string(),
                })?,
        },
    };
    let cache = Cache::from_env()?;
    let fetch = if choice.offline {
        Fetch::Offline
    } else {
        Fetch::Online
    };
    let progress = crate::progress::for_stderr();
    let catalog = read_catalog(&choice.project, &config, &cache, fetch, progress.as_ref())?;
    Ok((config, catalog))
}
