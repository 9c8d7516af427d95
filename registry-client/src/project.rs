//! What resolution reads from a project: its manifest, its trusted keys (from the manifest and
//! the project's own policy files only), its lockfile and the imports its files write.

use std::path::{Path, PathBuf};

use fpl_syntax::TextRange;

use crate::error::Error;
use crate::imports::import_statements_of;
use crate::lockfile::Lockfile;
use crate::manifest::Manifest;
use crate::trust::{TrustedKey, policy_keys};

/// A policy file of the project, as the caller read it.
#[derive(Debug, Clone, Copy)]
pub struct LocalFile<'a> {
    /// Its path, for errors.
    pub path: &'a str,
    /// Its text.
    pub text: &'a str,
}

/// The file an import statement is written in.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SiteFile {
    /// The project's policy file with this index (in the order given to [`Project::load`]).
    Local(usize),
    /// The imported artifact of this reference (a transitive import).
    Import(String),
}

/// Where an import is written.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Site {
    /// The file.
    pub file: SiteFile,
    /// The reference string's range.
    pub range: TextRange,
}

/// A project as resolution sees it.
#[derive(Debug, Clone)]
pub struct Project {
    /// The directory of `faramesh.toml` and `faramesh.lock`.
    pub root: PathBuf,
    /// `faramesh.toml` (empty when absent).
    pub manifest: Manifest,
    /// The trusted keys.
    pub trusted: Vec<TrustedKey>,
    /// `faramesh.lock`, when there is one.
    pub lock: Option<Lockfile>,
    /// The imports of the project's files, in file and source order.
    pub imports: Vec<(Site, String)>,
}

impl Project {
    /// Reads the manifest and lockfile under `root` and the imports and trust keys of `files`.
    pub fn load(root: &Path, files: &[LocalFile<'_>]) -> Result<Project, Error> {
        let manifest = Manifest::load(root)?;
        let lock = Lockfile::load(root)?;
        Project::assemble(root, manifest, lock, files)
    }

    /// The project whose `faramesh.toml` and `faramesh.lock` texts (`None`: no such file) were
    /// read elsewhere, e.g. from a git revision; `root` is where they are named in errors.
    pub fn from_texts(
        root: &Path,
        manifest: Option<&str>,
        lock: Option<&str>,
        files: &[LocalFile<'_>],
    ) -> Result<Project, Error> {
        let manifest =
            Manifest::parse(root.join(crate::manifest::MANIFEST), manifest.unwrap_or(""))?;
        let lock = lock
            .map(|text| {
                Lockfile::parse(text).map_err(|message| Error::InvalidProjectFile {
                    path: root.join(crate::lockfile::LOCKFILE),
                    message,
                })
            })
            .transpose()?;
        Project::assemble(root, manifest, lock, files)
    }

    /// The trust keys and imports of `files`, with the manifest and the lockfile.
    fn assemble(
        root: &Path,
        manifest: Manifest,
        lock: Option<Lockfile>,
        files: &[LocalFile<'_>],
    ) -> Result<Project, Error> {
        let mut trusted = manifest.trusted_keys()?;
        let mut imports = Vec::new();
        for (index, file) in files.iter().enumerate() {
            // One parse serves the trusted keys and the imports.
            let tree = fpl_syntax::parse(file.text).tree();
            let (keys, problems) = policy_keys(&tree);
            if let Some(problem) = problems.into_iter().next() {
                return Err(Error::InvalidProjectFile {
                    path: PathBuf::from(file.path),
                    message: format!("trusted key: {problem}"),
                });
            }
            trusted.extend(keys);
            imports.extend(import_statements_of(&tree).into_iter().map(|statement| {
                let site = Site {
                    file: SiteFile::Local(index),
                    range: statement.range,
                };
                (site, statement.reference)
            }));
        }
        Ok(Project {
            root: root.to_path_buf(),
            lock,
            manifest,
            trusted,
            imports,
        })
    }

    /// Whether any project file imports anything.
    pub fn has_imports(&self) -> bool {
        !self.imports.is_empty()
    }
}
