//! Imports for the commands that read a policy (`check`, `eval`, `test`, and `diff`, `ci` and
//! bundles from a git revision): the imported artifacts come from `faramesh.lock` and the cache
//! only, never from the network, and join the project through the loader's seam
//! ([`Project::add_imports`]); an import that cannot be read so is a diagnostic at its `import`
//! line.

use std::path::{Path, PathBuf};

use fpl_analyzer::form::{self, FrontEndError};
use fpl_analyzer::project::{
    Contents, EntryKind, FileSource, ImportProblem, ImportSite, Imported, ImportedFile, Project,
    ProjectError,
};
use fpl_analyzer::{Code, SourceFile};
use fpl_registry::cache::Cache;
use fpl_registry::imports::ImportStatement;
use fpl_registry::lockfile::{LOCKFILE, MAX_LOCKFILE_SIZE};
use fpl_registry::manifest::{MANIFEST, MAX_MANIFEST_SIZE};
use fpl_registry::progress::Silent;
use fpl_registry::{ErrorKind, Fetch, LocalContent, LocalFile, Options, SiteFile, resolve};

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Files could not be read.
    #[error(transparent)]
    Files(#[from] ProjectError),
    /// `faramesh.toml`, `faramesh.lock` or the cache could not be read.
    #[error(transparent)]
    Registry(#[from] fpl_registry::Error),
    /// `faramesh.toml` or `faramesh.lock` of a git revision is too large or not UTF-8.
    #[error("`{file}` is {problem}")]
    ProjectFile {
        /// The file, as its source shows it.
        file: String,
        /// What is wrong.
        problem: &'static str,
    },
}

/// Prints a load error (registry errors with their `E04xx` code) and returns exit code 2.
pub fn fail(error: LoadError) -> std::process::ExitCode {
    match error {
        LoadError::Registry(error) => super::registry_error::fail(error),
        error @ (LoadError::Files(_) | LoadError::ProjectFile { .. }) => super::fail(error),
    }
}

/// Reads the project that `paths` name, with its imports from the lockfile and the cache.
pub fn load(paths: &[PathBuf]) -> Result<Project, LoadError> {
    let mut project = Project::load(paths)?;
    add_imports(&mut project)?;
    Ok(project)
}

/// Adds to `project`, a policy read from disk, its imports as [`load`] reads them: with the
/// `faramesh.toml` and `faramesh.lock` of its root, from the cache. Also the language server's
/// import resolver.
pub fn add_imports(project: &mut Project) -> Result<(), fpl_registry::Error> {
    if let Some(root) = project.root().map(Path::to_path_buf) {
        let imported = imported(project, |files| fpl_registry::Project::load(&root, files))?;
        project.add_imports(imported);
    }
    Ok(())
}

/// Reads the policy that `path` of `source` names (a directory, or one file) with its imports,
/// as [`load`] reads one on disk: `faramesh.toml` and `faramesh.lock` come from `source`, in the
/// policy's directory, and the imported files from the cache. For a git revision (`diff`, `ci`,
/// bundles), whose imports are those its own lockfile pins. `disk_dir` is where that directory
/// is on disk, by which errors name those two files.
pub fn load_from(
    source: &dyn FileSource,
    path: &Path,
    disk_dir: &Path,
) -> Result<Project, LoadError> {
    let mut project = Project::load_path(source, path)?;
    add_imports_from(&mut project, source, path, disk_dir)?;
    Ok(project)
}

/// Adds to `project`, the policy that `path` of `source` names, its imports as [`load_from`]
/// reads them.
pub fn add_imports_from(
    project: &mut Project,
    source: &dyn FileSource,
    path: &Path,
    disk_dir: &Path,
) -> Result<(), LoadError> {
    let dir = match source.kind(path)? {
        Some(EntryKind::Dir) => path,
        _ => path.parent().unwrap_or(Path::new("")),
    };
    let manifest = project_file(source, &dir.join(MANIFEST), MAX_MANIFEST_SIZE)?;
    let lock = project_file(source, &dir.join(LOCKFILE), MAX_LOCKFILE_SIZE)?;
    let imported = imported(project, |files| {
        fpl_registry::Project::from_texts(disk_dir, manifest.as_deref(), lock.as_deref(), files)
    })?;
    project.add_imports(imported);
    Ok(())
}

/// The text of `path` in `source`, `None` when there is no such file.
fn project_file(
    source: &dyn FileSource,
    path: &Path,
    limit: u64,
) -> Result<Option<String>, LoadError> {
    let problem = |problem| LoadError::ProjectFile {
        file: source.display(path),
        problem,
    };
    if source.kind(path)?.is_none() {
        return Ok(None);
    }
    match source.read(path, usize::try_from(limit).unwrap_or(usize::MAX))? {
        Contents::Bytes(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| problem("not UTF-8")),
        Contents::TooLarge => Err(problem("larger than the limit")),
    }
}

/// The imports of the project's files, read offline; `registry_project` reads the project's
/// `faramesh.toml` and `faramesh.lock` (from disk, or from a git revision) when there are any.
pub fn imported(
    project: &Project,
    registry_project: impl FnOnce(
        &[LocalFile<'_>],
    ) -> Result<fpl_registry::Project, fpl_registry::Error>,
) -> Result<Imported, fpl_registry::Error> {
    // FPL spells `import` as it is; a YAML/JSON key may be escaped (`"\u0069mports"`), so
    // those files are always read.
    if !project
        .files()
        .iter()
        .any(|file| file.source.text.contains("import") || form::is_form_file(&file.source.path))
    {
        return Ok(Imported::default());
    }
    // A YAML/JSON policy whose imports cannot be read has a mistake its diagnostics show.
    let (files, _unread) = local_files(project.files().iter().map(|file| &file.source));
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
            site: import_site(resolved.site.file),
            range: resolved.site.range,
        });
    }
    for failure in resolution.failures {
        imported.problems.push(ImportProblem {
            site: import_site(failure.site.file),
            range: failure.site.range,
            code: code(failure.error.kind()),
            message: failure.error.to_string(),
            help: failure.error.help(),
        });
    }
    Ok(imported)
}

/// The analyzer's name of the file an `import` statement is in.
fn import_site(file: SiteFile) -> ImportSite {
    match file {
        SiteFile::Local(index) => ImportSite::Local(index),
        SiteFile::Import(reference) => ImportSite::Import(reference),
    }
}

/// What import resolution reads of a project's files, in order: the text of FPL, the imports
/// of a YAML/JSON policy (SPEC §11) at their `ref`s in it, so both forms import alike. A
/// YAML/JSON policy whose imports cannot be read imports nothing here and is listed, by index,
/// with the reason.
pub fn local_files<'a>(
    files: impl IntoIterator<Item = &'a SourceFile>,
) -> (Vec<LocalFile<'a>>, Vec<(usize, FrontEndError)>) {
    let mut local = Vec::new();
    let mut unread = Vec::new();
    for (index, file) in files.into_iter().enumerate() {
        let content = if form::is_form_file(&file.path) {
            let imports = form::imports(&file.text).unwrap_or_else(|error| {
                unread.push((index, error));
                Vec::new()
            });
            LocalContent::Imports(
                imports
                    .into_iter()
                    .map(|import| ImportStatement {
                        reference: import.reference.0.text,
                        range: import.reference.0.range,
                    })
                    .collect(),
            )
        } else {
            LocalContent::Fpl(&file.text)
        };
        local.push(LocalFile {
            path: &file.path,
            content,
        });
    }
    (local, unread)
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
