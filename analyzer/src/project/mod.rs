//! The one project loader (SPEC §1, §9.1): the policy files of a directory — those its
//! `faramesh.toml` lists, else its `governance.fms` (or `governance.fms.yaml`), else every
//! `*.fpl`/`*.fms` and YAML/JSON policy (`*.fpl.yaml`, `*.fpl.json`) below it — of
//! explicit files, or of a directory of a git tree, read the same way for every command, the
//! language server, bundles and the Action. Mistakes in the manifest are diagnostics on it.
//!
//! ```
//! use fpl_analyzer::project::Project;
//!
//! let dir = std::env::temp_dir().join(format!("fpl-project-doc-{}", std::process::id()));
//! std::fs::create_dir_all(dir.join("target"))?;
//! std::fs::write(dir.join("a.fpl"), "agent a { default deny }\n")?;
//! std::fs::write(dir.join("target/copy.fpl"), "agent a { default deny }\n")?;
//! let project = Project::load(&[dir.clone()])?;
//! let paths: Vec<&str> = project.files().iter().map(|f| f.source.path.as_str()).collect();
//! assert_eq!(paths, [dir.join("a.fpl").to_string_lossy()]);
//! # std::fs::remove_dir_all(&dir)?;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod git;
mod imports;
mod manifest;
mod source;

use std::collections::HashMap;
use std::ffi::OsStr;
use std::path::{Path, PathBuf};

pub use self::git::GitTree;
pub use self::imports::{ImportProblem, ImportSite, Imported, ImportedFile};
pub use self::manifest::MANIFEST;
use self::manifest::{Listed, MAX_MANIFEST_SIZE};
pub use self::source::{Contents, Disk, EntryKind, FileSource, read_capped};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::source::{FileId, SourceFile};

/// Why the files of a policy could not be read at all.
#[derive(Debug, thiserror::Error)]
pub enum ProjectError {
    /// A file or directory could not be read.
    #[error("cannot read `{path}`: {cause}")]
    Io {
        /// The path.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// A git revision or an object of its tree could not be read.
    #[error("cannot read git revision `{revision}`: {message}")]
    Git {
        /// The revision (with `:path` for an object of its tree).
        revision: String,
        /// What git said.
        message: String,
    },
    /// A directory holds no policy file.
    #[error(
        "no policy files (`governance.fms`, `*.fpl`, `*.fms`, `*.fpl.yaml`, `*.fpl.json`) under `{0}`"
    )]
    NoPolicyFiles(String),
}

/// A file of a project and where it is on disk.
#[derive(Debug, Clone)]
pub struct ProjectFile {
    /// Its path as diagnostics show it, its text and origin.
    pub source: SourceFile,
    /// Where it is on disk; `None` for a file of a git tree or an imported artifact.
    pub disk_path: Option<PathBuf>,
}

/// The files of one policy, with the manifests that have mistakes and the diagnostics of
/// reading them.
#[derive(Debug, Clone, Default)]
pub struct Project {
    files: Vec<ProjectFile>,
    manifests: Vec<ProjectFile>,
    /// On [`Project::files`] by index: imports that could not be read.
    diagnostics: Vec<Diagnostic>,
    /// On [`Project::manifests`] by index.
    manifest_diagnostics: Vec<Diagnostic>,
    /// Where each imported file (by index) is first imported.
    imported_at: HashMap<FileId, Span>,
    root: Option<PathBuf>,
}

/// Which files of a directory the loader reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// The policy (SPEC §1): the files `faramesh.toml` lists, else `governance.fms`, else every
    /// policy file below the directory.
    Policy,
    /// Every source file of the project, what `faramesh fmt` formats: the files
    /// `faramesh.toml` lists, else every FPL file (not the YAML/JSON form) below the directory.
    Sources,
}

/// A project taken apart for analysis: the policy's files, then the manifests (file ids
/// continue after the policy's), and every diagnostic in those ids.
#[derive(Debug, Clone)]
pub(crate) struct ProjectParts {
    pub(crate) policy: Vec<SourceFile>,
    pub(crate) manifests: Vec<SourceFile>,
    pub(crate) diagnostics: Vec<Diagnostic>,
}

impl Project {
    /// The policy that `paths` name on disk: a file as given, a directory by its manifest, its
    /// `governance.fms` or every policy file below it.
    pub fn load(paths: &[PathBuf]) -> Result<Project, ProjectError> {
        Project::load_scope(paths, Scope::Policy)
    }

    /// The files that `paths` name on disk: a file as given, a directory's files of `scope`.
    pub fn load_scope(paths: &[PathBuf], scope: Scope) -> Result<Project, ProjectError> {
        let mut project = Project {
            root: Some(import_root(paths)),
            ..Project::default()
        };
        let as_given = Disk::new(PathBuf::new());
        for path in paths {
            let metadata = std::fs::metadata(path).map_err(|cause| ProjectError::Io {
                path: path.clone(),
                cause,
            })?;
            if metadata.is_dir() {
                project.add_directory(&Disk::new(path.clone()), Path::new(""), scope)?;
            } else {
                project.add_file(&as_given, path)?;
            }
        }
        Ok(project)
    }

    /// The policy of directory `dir` (empty: the root) of `source`, e.g. a [`GitTree`].
    pub fn load_dir(source: &dyn FileSource, dir: &Path) -> Result<Project, ProjectError> {
        let mut project = Project {
            root: source.disk_path(dir),
            ..Project::default()
        };
        project.add_directory(source, dir, Scope::Policy)?;
        Ok(project)
    }

    /// The policy that `path` of `source` names: a file as given, a directory as
    /// [`Project::load_dir`] reads it.
    pub fn load_path(source: &dyn FileSource, path: &Path) -> Result<Project, ProjectError> {
        if source.kind(path)? == Some(EntryKind::Dir) {
            return Project::load_dir(source, path);
        }
        let mut project = Project {
            root: source.disk_path(path.parent().unwrap_or(Path::new(""))),
            ..Project::default()
        };
        project.add_file(source, path)?;
        Ok(project)
    }

    /// The policy's files: the project's own in policy order, then imported artifacts.
    pub fn files(&self) -> &[ProjectFile] {
        &self.files
    }

    /// The manifests that [`Project::manifest_diagnostics`] point into.
    pub fn manifests(&self) -> &[ProjectFile] {
        &self.manifests
    }

    /// Imports that could not be read ([`Project::add_imports`]), each at its `import`
    /// statement; `span.file` is an index into [`Project::files`].
    pub fn import_diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// The `import` statement that first imports the imported file `file` (an index into
    /// [`Project::files`]): in a file of the project, or in another imported file; `None` for
    /// a file of the project's own.
    pub fn imported_at(&self, file: FileId) -> Option<Span> {
        self.imported_at.get(&file).copied()
    }

    /// Mistakes in manifests; `span.file` is an index into [`Project::manifests`].
    pub fn manifest_diagnostics(&self) -> &[Diagnostic] {
        &self.manifest_diagnostics
    }

    /// The directory on disk whose `faramesh.toml` and `faramesh.lock` the imports are read
    /// with: the first path if it is a directory, else its parent. `None` for a git tree.
    pub fn root(&self) -> Option<&Path> {
        self.root.as_deref()
    }

    /// The policy's files, the manifests after them, and every diagnostic in those file ids.
    pub(crate) fn into_parts(self) -> ProjectParts {
        let first_manifest = self.files.len() as u32;
        let mut diagnostics = self.diagnostics;
        diagnostics.extend(
            self.manifest_diagnostics
                .into_iter()
                .map(|diagnostic| diagnostic.map_files(|file| FileId(first_manifest + file.0))),
        );
        ProjectParts {
            policy: self.files.into_iter().map(|file| file.source).collect(),
            manifests: self.manifests.into_iter().map(|file| file.source).collect(),
            diagnostics,
        }
    }

    fn add_directory(
        &mut self,
        source: &dyn FileSource,
        dir: &Path,
        scope: Scope,
    ) -> Result<(), ProjectError> {
        let manifest = dir.join(MANIFEST);
        if source.kind(&manifest)? == Some(EntryKind::File) {
            let (text, (listed, mut problems)) = read_manifest(source, &manifest)?;
            if let Some(listed) = listed {
                let before = self.files.len();
                problems.extend(self.add_listed(source, dir, listed)?);
                if problems.is_empty() && self.files.len() == before {
                    return Err(ProjectError::NoPolicyFiles(source.display(dir)));
                }
                if !problems.is_empty() {
                    self.attach_manifest(text, source.disk_path(&manifest), problems);
                }
                return Ok(());
            }
        }
        if scope == Scope::Policy {
            for name in ["governance.fms", "governance.fms.yaml"] {
                let governance = dir.join(name);
                if source.kind(&governance)? == Some(EntryKind::File) {
                    return self.add_file(source, &governance);
                }
            }
        }
        let wanted: &dyn Fn(&Path) -> bool = match scope {
            Scope::Policy => &is_policy_file,
            Scope::Sources => &is_fpl_file,
        };
        let mut found = files_below(source, dir, wanted)?;
        if found.is_empty() {
            return Err(ProjectError::NoPolicyFiles(source.display(dir)));
        }
        found.sort();
        for path in found {
            self.add_file(source, &path)?;
        }
        Ok(())
    }

    /// Adds the files a manifest lists; those that are not files are diagnostics (in file 0).
    fn add_listed(
        &mut self,
        source: &dyn FileSource,
        dir: &Path,
        listed: Vec<(PathBuf, fpl_syntax::TextRange)>,
    ) -> Result<Vec<Diagnostic>, ProjectError> {
        let mut problems = Vec::new();
        for (path, range) in listed {
            let full = dir.join(&path);
            let problem = match source.kind(&full)? {
                Some(EntryKind::File) => {
                    self.add_file(source, &full)?;
                    continue;
                }
                Some(_) => "is not a file",
                None => "does not exist",
            };
            let message = format!(
                "`{}` is listed in `policy.files` but {problem}",
                path.display()
            );
            let span = Span {
                file: FileId(0),
                range,
            };
            problems.push(Diagnostic::new(Code::E0409, span, message));
        }
        Ok(problems)
    }

    fn add_file(&mut self, source: &dyn FileSource, path: &Path) -> Result<(), ProjectError> {
        let display = source.display(path);
        let file = match source.read(path, fpl_syntax::MAX_FILE_SIZE)? {
            Contents::Bytes(bytes) => SourceFile::from_bytes(display, &bytes),
            Contents::TooLarge => SourceFile::too_large(display),
        };
        self.files.push(ProjectFile {
            source: file,
            disk_path: source.disk_path(path),
        });
        Ok(())
    }

    /// Keeps a manifest with mistakes (in file 0) so its diagnostics can show it.
    fn attach_manifest(
        &mut self,
        text: SourceFile,
        disk_path: Option<PathBuf>,
        problems: Vec<Diagnostic>,
    ) {
        let index = FileId(self.manifests.len() as u32);
        self.manifests.push(ProjectFile {
            source: text,
            disk_path,
        });
        self.manifest_diagnostics.extend(
            problems
                .into_iter()
                .map(|diagnostic| diagnostic.map_files(|_| index)),
        );
    }
}

/// Whether `path` names a policy file: FPL source (`*.fpl`, `*.fms`) or the YAML/JSON form
/// (`*.fpl.yaml`, `*.fpl.json`, `governance.fms.yaml`, SPEC §11).
pub fn is_policy_file(path: &Path) -> bool {
    is_fpl_file(path) || crate::form::is_form_file(&path.to_string_lossy())
}

/// Whether `path` names an FPL source file (`*.fpl`, `*.fms`): what `faramesh fmt` formats.
pub fn is_fpl_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "fpl" || ext == "fms")
}

/// Whether the loader leaves the directory `name` out of a search: hidden directories (`.git`,
/// …), `target` and `node_modules`.
pub fn is_skipped_dir(name: &OsStr) -> bool {
    name.as_encoded_bytes().starts_with(b".") || name == "target" || name == "node_modules"
}

/// Whether the directory at `path` is one [`is_skipped_dir`] names.
pub fn skipped_path(path: &Path) -> bool {
    path.file_name().is_some_and(is_skipped_dir)
}

/// Every file below `dir` of `source` that `wanted` accepts, searching every directory but the
/// skipped ones ([`is_skipped_dir`]), symbolic links not followed; in no particular order.
pub fn files_below(
    source: &dyn FileSource,
    dir: &Path,
    wanted: &dyn Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, ProjectError> {
    files_below_where(source, dir, &|path| skipped_path(path), wanted)
}

/// [`files_below`] with its own choice of the directories to leave out: `skip` sees each
/// directory's path (below `dir`) before it is searched.
pub fn files_below_where(
    source: &dyn FileSource,
    dir: &Path,
    skip: &dyn Fn(&Path) -> bool,
    wanted: &dyn Fn(&Path) -> bool,
) -> Result<Vec<PathBuf>, ProjectError> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for (name, kind) in source.entries(&dir)? {
            let path = dir.join(&name);
            match kind {
                EntryKind::Dir if !skip(&path) => pending.push(path),
                EntryKind::File if wanted(&path) => found.push(path),
                _ => {}
            }
        }
    }
    Ok(found)
}

/// A manifest's text, what it lists and its mistakes (in file 0).
fn read_manifest(
    source: &dyn FileSource,
    path: &Path,
) -> Result<(SourceFile, (Listed, Vec<Diagnostic>)), ProjectError> {
    let display = source.display(path);
    let unread = |message: String| {
        let span = Span {
            file: FileId(0),
            range: Default::default(),
        };
        (
            Some(Vec::new()),
            vec![Diagnostic::new(Code::E0409, span, message)],
        )
    };
    Ok(match source.read(path, MAX_MANIFEST_SIZE)? {
        Contents::TooLarge => (
            SourceFile::new(display, ""),
            unread(format!(
                "`{MANIFEST}` is larger than {} MiB",
                MAX_MANIFEST_SIZE / (1024 * 1024)
            )),
        ),
        Contents::Bytes(bytes) => match String::from_utf8(bytes) {
            Ok(text) => {
                let read = manifest::policy_files(&text, FileId(0));
                // Shown in diagnostics (CI logs): a registry URL's secrets are masked.
                let shown = fpl_runtime::url_secrets::mask_url_secrets(&text);
                (SourceFile::new(display, shown), read)
            }
            Err(error) => (
                SourceFile::from_bytes(display, error.as_bytes()),
                unread(format!("`{MANIFEST}` is not valid UTF-8")),
            ),
        },
    })
}

/// The directory of `paths` whose `faramesh.toml` and `faramesh.lock` count: the first path if
/// it is a directory, else its parent.
fn import_root(paths: &[PathBuf]) -> PathBuf {
    match paths.first() {
        Some(path) if path.is_dir() => path.clone(),
        Some(path) => path
            .parent()
            .filter(|parent| !parent.as_os_str().is_empty())
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        None => PathBuf::from("."),
    }
}
