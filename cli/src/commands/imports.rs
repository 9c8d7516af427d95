//! Imports for the commands that read a policy (`check`, `eval`, `test`): the imported
//! artifacts come from `faramesh.lock` and the cache only, never from the network; an import
//! that cannot be read so is a diagnostic at its `import` line.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use fpl_analyzer::{Analysis, Code, Diagnostic, FileId, Origin, SourceFile, Span, discover};
use fpl_registry::cache::Cache;
use fpl_registry::progress::Silent;
use fpl_registry::{ErrorKind, Fetch, LocalFile, Options, Project, SiteFile, resolve};

/// A policy's files, imported ones after the local ones, and the diagnostics of imports that
/// could not be read.
#[derive(Debug)]
pub struct Loaded {
    /// Local files, then imported ones (marked with their origin).
    pub sources: Vec<SourceFile>,
    /// Diagnostics at `import` statements.
    pub diagnostics: Vec<Diagnostic>,
}

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// Files could not be read.
    #[error(transparent)]
    Files(#[from] discover::LoadError),
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

/// Reads the policy that `paths` name, with its imports from the lockfile and the cache.
pub fn load(paths: &[PathBuf]) -> Result<Loaded, LoadError> {
    let local = discover::load(&discover::policy_paths(paths)?)?;
    let root = project_root(paths);
    with_imports(local, &root)
}

/// The project directory of `paths`: the first one if it is a directory, else its parent.
pub fn project_root(paths: &[PathBuf]) -> PathBuf {
    match paths.first() {
        Some(path) if path.is_dir() => path.clone(),
        Some(path) => path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    }
}

/// Adds the imported files of `local` (a project under `root`).
pub fn with_imports(local: Vec<SourceFile>, root: &Path) -> Result<Loaded, LoadError> {
    let mut loaded = Loaded {
        sources: local,
        diagnostics: Vec::new(),
    };
    if !loaded
        .sources
        .iter()
        .any(|file| file.text.contains("import"))
    {
        return Ok(loaded);
    }
    let files: Vec<LocalFile<'_>> = loaded
        .sources
        .iter()
        .map(|file| LocalFile {
            path: &file.path,
            text: &file.text,
        })
        .collect();
    let project = Project::load(root, &files)?;
    if !project.has_imports() {
        return Ok(loaded);
    }
    let cache = Cache::from_env()?;
    let options = Options {
        fetch: Fetch::Never,
        allow_unsigned: false,
    };
    let resolution = resolve(&project, &cache, options, &Silent);
    let mut file_of: HashMap<String, FileId> = HashMap::new();
    for resolved in resolution.resolved {
        if !resolved.reference.package.kind.is_fpl() {
            continue;
        }
        let reference = resolved.locked.reference;
        file_of.insert(reference.clone(), FileId(loaded.sources.len() as u32));
        let path = resolved.path.display().to_string();
        loaded
            .sources
            .push(SourceFile::from_bytes(path, &resolved.bytes).imported_as(reference));
    }
    for failure in resolution.failures {
        let file = match &failure.site.file {
            SiteFile::Local(index) => FileId(*index as u32),
            SiteFile::Import(reference) => match file_of.get(reference) {
                Some(file) => *file,
                None => continue,
            },
        };
        let span = Span {
            file,
            range: failure.site.range,
        };
        let mut diagnostic =
            Diagnostic::new(code(failure.error.kind()), span, failure.error.to_string());
        if let Some(help) = failure.error.help() {
            diagnostic = diagnostic.with_help(help);
        }
        loaded.diagnostics.push(diagnostic);
    }
    Ok(loaded)
}

/// Adds diagnostics (of imports, of the SMT analysis) to an analysis, drops warnings located in
/// imported files (their authors, not this project, can fix them; errors stay) and sorts.
pub fn add_diagnostics(analysis: &mut Analysis, diagnostics: Vec<Diagnostic>) {
    analysis.diagnostics.extend(diagnostics);
    let imported: Vec<bool> = analysis
        .files()
        .iter()
        .map(|file| file.source.origin != Origin::Local)
        .collect();
    analysis.diagnostics.retain(|diagnostic| {
        diagnostic.is_error()
            || !imported
                .get(diagnostic.span.file.0 as usize)
                .copied()
                .unwrap_or(false)
    });
    fpl_analyzer::sort_diagnostics(&mut analysis.diagnostics);
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
