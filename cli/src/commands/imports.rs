//! Imports for the commands that read a policy (`check`, `eval`, `test`): the imported
//! artifacts come from `faramesh.lock` and the cache only, never from the network, and join the
//! project through the loader's seam ([`Project::add_imports`]); an import that cannot be read
//! so is a diagnostic at its `import` line.

use std::path::{Path, PathBuf};

use fpl_analyzer::Code;
use fpl_analyzer::project::{
    ImportProblem, ImportSite, Imported, ImportedFile, Project, ProjectError,
};
use fpl_registry::cache::Cache;
use fpl_registry::progress::Silent;
use fpl_registry::{ErrorKind, Fetch, LocalFile, Options, SiteFile, resolve};

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Files could not be read.
    #[error(transparent)]
    Files(#[from] ProjectError),
    /// `faramesh.toml`, `faramesh.lock` or the cache could not be read.
    #[error(transparent)]
    Registry(#[from] fpl_registry::Error),
}

/// Prints a load error (registry errors with their `E04xx` code) and returns exit code 2.
pub fn fail(error: LoadError) -> std::process::ExitCode {
    match error {
        LoadError::Registry(error) => super::registry_error::fail(error),
        LoadError::Files(error) => super::fail(error),
    }
}

/// Reads the project that `paths` name, with its imports from the lockfile and the cache.
pub fn load(paths: &[PathBuf]) -> Result<Project, LoadError> {
    let mut project = Project::load(paths)?;
    if let Some(root) = project.root().map(Path::to_path_buf) {
        let imported = imported(&project, |files| fpl_registry::Project::load(&root, files))?;
        project.add_imports(imported);
    }
    Ok(project)
}

/// The imports of the project's files, read offline; `registry_project` reads the project's
/// `faramesh.toml` and `faramesh.lock` (from disk, or from a git revision) when there are any.
pub fn imported(
    project: &Project,
    registry_project: impl FnOnce(
        &[LocalFile<'_>],
    ) -> Result<fpl_registry::Project, fpl_registry::Error>,
) -> Result<Imported, fpl_registry::Error> {
    let files: Vec<LocalFile<'_>> = project
        .files()
        .iter()
        .map(|file| LocalFile {
            path: &file.source.path,
            text: &file.source.text,
        })
        .collect();
    if !files.iter().any(|file| file.text.contains("import")) {
        return Ok(Imported::default());
    }
    let registry_project = registry_project(&files)?;
    if !registry_project.has_imports() {
        return Ok(Imported::default());
    }
    let cache = Cache::from_env()?;
    let options = Options {
        fetch: Fetch::Never,
        allow_unsigned: false,
    };
    let resolution = resolve(&registry_project, &cache, options, &Silent);
    let mut imported = Imported::default();
    for resolved in resolution.resolved {
        if !resolved.reference.package.kind.is_fpl() {
            continue;
        }
        imported.files.push(ImportedFile {
            reference: resolved.locked.reference,
            path: resolved.path.display().to_string(),
            bytes: resolved.bytes,
        });
    }
    for failure in resolution.failures {
        imported.problems.push(ImportProblem {
            site: match failure.site.file {
                SiteFile::Local(index) => ImportSite::Local(index),
                SiteFile::Import(reference) => ImportSite::Import(reference),
            },
            range: failure.site.range,
            code: code(failure.error.kind()),
            message: failure.error.to_string(),
            help: failure.error.help(),
        });
    }
    Ok(imported)
}

/// The diagnostic code of a registry error family.
pub fn code(kind: ErrorKind) -> Code {
    match kind {
        ErrorKind::InvalidReference => Code::E0401,
        ErrorKind::UnknownRegistry => Code::E0402,
        ErrorKind::NotFound => Code::E0403,
        ErrorKind::Unavailable => Code::E0404,
        ErrorKind::InvalidRegistry => Code::E0405,
        ErrorKind::Signature => Code::E0406,
        ErrorKind::DigestMismatch => Code::E0407,
        ErrorKind::LockOutOfDate => Code::E0408,
        ErrorKind::ProjectFile => Code::E0409,
    }
}
