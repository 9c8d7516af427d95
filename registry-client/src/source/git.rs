//! A registry in a git repository on this machine (`git+file://`, or the mirror of a
//! `git+https://` one), read straight from its object database at one commit: the tip when
//! resolving, the commit pinned in the lockfile afterwards.
//! A pinned commit must still be reachable from a branch or tag: a commit that was force-pushed
//! away is an error, even while its objects linger until the next `git gc`.

use std::path::{Path, PathBuf};

use git2::{ErrorCode, ObjectType, Oid, Repository};

use super::{ReadError, SnapshotError};
use crate::registry_path::RegistryPath;

/// A git repository.
#[derive(Debug)]
pub struct GitSource {
    path: PathBuf,
    /// The reference resolution starts from: `HEAD`, or the remote's `HEAD` in a mirror.
    tip: &'static str,
}

/// A repository at one commit.
pub struct GitSnapshot {
    repo: Repository,
    commit: Oid,
}

/// The file mode git gives a symbolic link.
const SYMLINK_MODE: i32 = 0o120000;

impl GitSource {
    /// The repository at `path` (a work tree or a bare repository).
    pub fn new(path: &Path) -> GitSource {
        GitSource::with_tip(path, "HEAD")
    }

    /// The repository at `path`, resolving new imports at the commit `tip` names.
    pub fn with_tip(path: &Path, tip: &'static str) -> GitSource {
        GitSource {
            path: path.to_path_buf(),
            tip,
        }
    }

    /// Opens the repository at `commit`, or at its tip when none is pinned.
    pub fn snapshot(&self, commit: Option<&str>) -> Result<GitSnapshot, SnapshotError> {
        let failed = |error: git2::Error| SnapshotError::Failed(error.message().to_string());
        let repo = Repository::open(&self.path).map_err(failed)?;
        let commit = match commit {
            None => repo
                .revparse_single(self.tip)
                .and_then(|tip| tip.peel_to_commit())
                .map_err(|error| match error.code() {
                    ErrorCode::NotFound | ErrorCode::UnbornBranch => SnapshotError::Failed(
                        "the repository has no commits, or its HEAD names a branch that does \
                         not exist"
                            .to_string(),
                    ),
                    _ => failed(error),
                })?
                .id(),
            Some(text) => {
                let oid = Oid::from_str(text)
                    .map_err(|_| SnapshotError::Failed(format!("`{text}` is not a commit id")))?;
                if repo.find_commit(oid).is_err() {
                    return Err(SnapshotError::CommitGone(
                        "the repository does not have it".to_string(),
                    ));
                }
                if !reachable(&repo, oid).map_err(failed)? {
                    return Err(SnapshotError::CommitGone(
                        "no branch or tag contains it (was it force-pushed away?)".to_string(),
                    ));
                }
                oid
            }
        };
        Ok(GitSnapshot { repo, commit })
    }
}

impl GitSnapshot {
    /// The commit, as 40 hex digits.
    pub fn commit(&self) -> String {
        self.commit.to_string()
    }

    /// Reads a file of the commit's tree; symlinks are refused.
    pub fn read(&self, path: &RegistryPath, limit: u64) -> Result<Option<Vec<u8>>, ReadError> {
        let failed = |error: git2::Error| ReadError::Failed(error.message().to_string());
        let tree = self
            .repo
            .find_commit(self.commit)
            .and_then(|commit| commit.tree())
            .map_err(failed)?;
        let entry = match tree.get_path(Path::new(path.as_str())) {
            Ok(entry) => entry,
            Err(error) if error.code() == ErrorCode::NotFound => return Ok(None),
            Err(error) => return Err(failed(error)),
        };
        if entry.filemode() == SYMLINK_MODE {
            return Err(ReadError::Escapes(
                "it is a symbolic link in the git tree".to_string(),
            ));
        }
        if entry.kind() != Some(ObjectType::Blob) {
            return Err(ReadError::Failed(format!("`{path}` is not a file")));
        }
        let blob = self.repo.find_blob(entry.id()).map_err(failed)?;
        if blob.size() as u64 > limit {
            return Err(ReadError::TooLarge(limit));
        }
        Ok(Some(blob.content().to_vec()))
    }
}

/// Whether a branch or tag of `repo` is `commit` or descends from it.
fn reachable(repo: &Repository, commit: Oid) -> Result<bool, git2::Error> {
    for reference in repo.references()? {
        let reference = reference?;
        let is_ref = reference.is_branch() || reference.is_tag() || reference.is_remote();
        let Ok(tip) = reference.peel_to_commit() else {
            continue;
        };
        if is_ref && (tip.id() == commit || repo.graph_descendant_of(tip.id(), commit)?) {
            return Ok(true);
        }
    }
    Ok(false)
}
