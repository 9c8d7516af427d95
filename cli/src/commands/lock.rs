//! `faramesh lock`: resolve every import (transitive ones included), verify its signature and
//! pin it in `faramesh.lock`, like `cargo generate-lockfile`; `--locked` fails instead of
//! changing the lockfile, `--offline` reads no network registry.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_analyzer::SourceFile;
use fpl_analyzer::project::{self, ProjectError};
use fpl_registry::cache::Cache;
use fpl_registry::lockfile::Lockfile;
use fpl_registry::manifest::Manifest;
use fpl_registry::{Fetch, Options, Project, resolve};

use super::registry_error;

/// Arguments of `faramesh lock`.
#[derive(Debug, clap::Args)]
pub struct LockArgs {
    /// Fail if faramesh.lock is missing or would change (for CI).
    #[arg(long)]
    pub locked: bool,
    /// Read no network registry: only the cache, local directories and `git+file://` ones.
    #[arg(long)]
    pub offline: bool,
    /// Accept unsigned or wrongly signed artifacts; each is recorded as `unsigned = true`.
    #[arg(long)]
    pub allow_unsigned: bool,
    /// The project directory (with faramesh.toml).
    #[arg(long, default_value = ".")]
    pub project: PathBuf,
}

/// A resolved project: its new lockfile and what changed from the old one.
pub struct Locked {
    /// The project as read.
    pub project: Project,
    /// The lockfile of the resolution.
    pub lock: Lockfile,
    /// What differs from the lockfile on disk.
    pub changes: Vec<String>,
}

/// Runs the command.
pub fn run(args: &LockArgs) -> ExitCode {
    let files = match project_files(&args.project) {
        Ok(files) => files,
        Err(status) => return status,
    };
    let options = options(args.offline, args.allow_unsigned);
    let locked = match resolve_project(&args.project, &files, None, None, options) {
        Ok(locked) => locked,
        Err(status) => return status,
    };
    if !locked.project.has_imports() && locked.project.lock.is_none() {
        fpl_server::report!("faramesh: the policy imports nothing; no faramesh.lock written");
        return ExitCode::SUCCESS;
    }
    if let Err(error) = write_lock(&locked, args.locked) {
        return registry_error::fail(error);
    }
    ExitCode::SUCCESS
}

/// The resolution options of the flags.
pub fn options(offline: bool, allow_unsigned: bool) -> Options {
    Options {
        fetch: if offline {
            Fetch::Offline
        } else {
            Fetch::Online
        },
        allow_unsigned,
    }
}

/// The project's policy files (`faramesh.toml`'s `[policy] files`, `governance.fms` or every
/// policy file); none is an empty list.
pub fn project_files(root: &Path) -> Result<Vec<SourceFile>, ExitCode> {
    match project::Project::load(&[root.to_path_buf()]) {
        Ok(project) => Ok(project
            .files()
            .iter()
            .map(|file| file.source.clone())
            .collect()),
        Err(ProjectError::NoPolicyFiles(_)) => Ok(Vec::new()),
        Err(error) => Err(super::fail(error)),
    }
}

/// Resolves the imports of `files` (with `manifest` instead of the one on disk, when given);
/// prints the failures (`added`: the import `faramesh import` added to one of `files`).
pub fn resolve_project(
    root: &Path,
    files: &[SourceFile],
    manifest: Option<Manifest>,
    added: Option<&registry_error::AddedImport>,
    options: Options,
) -> Result<Locked, ExitCode> {
    let (local, unread) = super::imports::local_files(files);
    if !unread.is_empty() {
        return Err(registry_error::fail_unread(&unread, files));
    }
    let mut project = Project::load(root, &local).map_err(registry_error::fail)?;
    if let Some(manifest) = manifest {
        project.manifest = manifest;
    }
    let cache = Cache::from_env().map_err(registry_error::fail)?;
    let progress = crate::progress::for_stderr();
    let resolution = resolve(&project, &cache, options, progress.as_ref());
    if !resolution.failures.is_empty() {
        return Err(registry_error::fail_all(resolution.failures, files, added));
    }
    let lock = resolution.lockfile();
    let changes = lock.changes_from(project.lock.as_ref().unwrap_or(&Lockfile::default()));
    Ok(Locked {
        project,
        lock,
        changes,
    })
}

/// Writes faramesh.lock when it changed (or does not exist); with `locked`, a change is an
/// error instead.
pub fn write_lock(locked: &Locked, frozen: bool) -> Result<(), fpl_registry::Error> {
    let missing = locked.project.lock.is_none();
    if locked.changes.is_empty() && !missing {
        fpl_server::report!(
            "faramesh: faramesh.lock is up to date ({} import(s))",
            locked.lock.imports().len()
        );
        return Ok(());
    }
    if frozen {
        let changes = if missing {
            "faramesh.lock does not exist".to_string()
        } else {
            locked.changes.join(", ")
        };
        return Err(fpl_registry::Error::LockOutOfDate { changes });
    }
    locked.lock.save(&locked.project.root)?;
    for change in &locked.changes {
        fpl_server::report!("faramesh: {change}");
    }
    fpl_server::report!(
        "faramesh: locked {} import(s) in faramesh.lock",
        locked.lock.imports().len()
    );
    Ok(())
}
