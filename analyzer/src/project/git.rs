//! A git tree as a [`FileSource`]: the files of one revision, read from the repository's object
//! database, never from the work tree (SPEC §10), for `faramesh diff`, bundles and the Action.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use super::ProjectError;
use super::source::{Contents, EntryKind, FileSource};

/// The tree of one revision of a repository.
pub struct GitTree {
    repository: git2::Repository,
    tree: git2::Oid,
    revision: String,
}

impl std::fmt::Debug for GitTree {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GitTree")
            .field("revision", &self.revision)
            .field("tree", &self.tree)
            .finish_non_exhaustive()
    }
}

/// A regular file's mode in a tree (`100644`, or `100755` when executable).
const REGULAR: [i32; 2] = [0o100_644, 0o100_755];

impl GitTree {
    /// The tree of `revision` (`HEAD~1`, `main`, a commit or tree id) in the repository that
    /// contains `dir`.
    pub fn open(dir: &Path, revision: &str) -> Result<GitTree, ProjectError> {
        let error = |error: git2::Error| ProjectError::Git {
            revision: revision.to_string(),
            message: error.message().to_string(),
        };
        let repository = git2::Repository::discover(dir).map_err(error)?;
        let tree = repository
            .revparse_single(revision)
            .and_then(|object| object.peel_to_tree())
            .map_err(error)?
            .id();
        Ok(GitTree {
            repository,
            tree,
            revision: revision.to_string(),
        })
    }

    /// Where `dir` is inside the work tree, as a path of the tree: what a command run in `dir`
    /// reads of a revision. Empty for the top of the work tree, a bare repository, or a `dir`
    /// outside the work tree.
    pub fn prefix_of(&self, dir: &Path) -> PathBuf {
        let inside = || {
            let top = self.repository.workdir()?.canonicalize().ok()?;
            let dir = dir.canonicalize().ok()?;
            dir.strip_prefix(top).ok().map(Path::to_path_buf)
        };
        inside().unwrap_or_default()
    }

    fn error(&self, path: &Path) -> impl Fn(git2::Error) -> ProjectError {
        let revision = format!("{}:{}", self.revision, path.display());
        move |error| ProjectError::Git {
            revision: revision.clone(),
            message: error.message().to_string(),
        }
    }

    /// The tree entry at `path`, `None` when there is none.
    fn entry(&self, path: &Path) -> Result<Option<git2::TreeEntry<'static>>, ProjectError> {
        let tree = self
            .repository
            .find_tree(self.tree)
            .map_err(self.error(path))?;
        match tree.get_path(path) {
            Ok(entry) => Ok(Some(entry.to_owned())),
            Err(error) if error.code() == git2::ErrorCode::NotFound => Ok(None),
            Err(error) => Err(self.error(path)(error)),
        }
    }
}

fn kind_of(entry: &git2::TreeEntry<'_>) -> EntryKind {
    match entry.kind() {
        Some(git2::ObjectType::Tree) => EntryKind::Dir,
        Some(git2::ObjectType::Blob) if REGULAR.contains(&entry.filemode()) => EntryKind::File,
        _ => EntryKind::Other,
    }
}

impl FileSource for GitTree {
    fn kind(&self, path: &Path) -> Result<Option<EntryKind>, ProjectError> {
        if path.as_os_str().is_empty() {
            return Ok(Some(EntryKind::Dir));
        }
        Ok(self.entry(path)?.as_ref().map(kind_of))
    }

    fn entries(&self, dir: &Path) -> Result<Vec<(OsString, EntryKind)>, ProjectError> {
        let error = self.error(dir);
        let tree = if dir.as_os_str().is_empty() {
            self.repository.find_tree(self.tree).map_err(&error)?
        } else {
            let Some(entry) = self.entry(dir)? else {
                return Ok(Vec::new());
            };
            entry
                .to_object(&self.repository)
                .and_then(|object| object.peel_to_tree())
                .map_err(&error)?
        };
        Ok(tree
            .iter()
            .map(|entry| (name_of(&entry), kind_of(&entry)))
            .collect())
    }

    fn read(&self, path: &Path, limit: usize) -> Result<Contents, ProjectError> {
        let error = self.error(path);
        let Some(entry) = self.entry(path)? else {
            return Err(error(git2::Error::from_str("no such file in the tree")));
        };
        // The object's header gives its size without inflating it.
        let (size, _) = self
            .repository
            .odb()
            .and_then(|odb| odb.read_header(entry.id()))
            .map_err(&error)?;
        if size > limit {
            return Ok(Contents::TooLarge);
        }
        let blob = self.repository.find_blob(entry.id()).map_err(&error)?;
        Ok(Contents::Bytes(blob.content().to_vec()))
    }

    fn display(&self, path: &Path) -> String {
        path.to_string_lossy().into_owned()
    }

    fn disk_path(&self, _path: &Path) -> Option<PathBuf> {
        None
    }
}

#[cfg(unix)]
fn name_of(entry: &git2::TreeEntry<'_>) -> OsString {
    use std::os::unix::ffi::OsStrExt as _;
    std::ffi::OsStr::from_bytes(entry.name_bytes()).to_os_string()
}

#[cfg(not(unix))]
fn name_of(entry: &git2::TreeEntry<'_>) -> OsString {
    OsString::from(String::from_utf8_lossy(entry.name_bytes()).into_owned())
}
