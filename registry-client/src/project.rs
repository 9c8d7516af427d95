//! What resolution reads from a project: its manifest, its trusted keys (from the manifest and
//! the project's own policy files only), its lockfile and the imports its files write.

use std::path::{Path, PathBuf};

use fpl_syntax::TextRange;

use crate::error::Error;
use crate::imports::{ImportStatement, import_statements_of};
use crate::lockfile::Lockfile;
use crate::manifest::Manifest;
use crate::trust::{TrustedKey, policy_keys};

/// A policy file of the project, as the caller read it.
#[derive(Debug, Clone)]
pub struct LocalFile<'a> {
    /// Its path, for errors.
    pub path: &'a str,
    /// What resolution reads of it.
    pub content: LocalContent<'a>,
}

/// What resolution reads of a policy file.
#[derive(Debug, Clone)]
pub enum LocalContent<'a> {
    /// FPL text: its `trust` keys and `import` statements are read from it.
    Fpl(&'a str),
    /// A policy in another form (YAML/JSON, SPEC §11), which trusts no keys: the imports the
    /// caller read from it, each at its range in the file.
    Imports(Vec<ImportStatement>),
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
            let statements = match &file.content {
                LocalContent::Fpl(text) => {
                    // One parse serves the trusted keys and the imports.
                    let tree = fpl_syntax::parse(text).tree();
                    let (keys, problems) = policy_keys(&tree);
                    if let Some(problem) = problems.into_iter().next() {
                        return Err(Error::InvalidProjectFile {
                            path: PathBuf::from(file.path),
                            message: format!("trusted key: {problem}"),
                        });
                    }
                    trusted.extend(keys);
                    import_statements_of(&tree)
                }
                LocalContent::Imports(statements) => statements.clone(),
            };
            imports.extend(statements.into_iter().map(|statement| {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn imports_read_by_the_caller_count_as_fpl_import_lines_do() {
        let yaml_import = ImportStatement {
            reference: "r.io/policies/a/y@1.0.0".to_string(),
            range: TextRange::new(20.into(), 43.into()),
        };
        let files = [
            LocalFile {
                path: "a.fpl",
                content: LocalContent::Fpl("import \"r.io/policies/a/x@1.0.0\"\n"),
            },
            LocalFile {
                path: "b.fpl.yaml",
                content: LocalContent::Imports(vec![yaml_import.clone()]),
            },
        ];
        let project = Project::from_texts(Path::new("."), None, None, &files).expect("reads");
        let found: Vec<(&SiteFile, TextRange, &str)> = project
            .imports
            .iter()
            .map(|(site, reference)| (&site.file, site.range, reference.as_str()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    &SiteFile::Local(0),
                    TextRange::new(7.into(), 32.into()),
                    "r.io/policies/a/x@1.0.0"
                ),
                (
                    &SiteFile::Local(1),
                    yaml_import.range,
                    "r.io/policies/a/y@1.0.0"
                ),
            ]
        );
    }
}
