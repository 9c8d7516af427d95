//! The policy of a git revision, read from the repository's object database and never from the
//! work tree (a dirty or untracked file cannot leak into a bundle): the commit, its tree, its
//! time, and the project at that revision read by the one project loader
//! ([`Project::load_dir`] over a [`GitTree`]), with its imports from the `faramesh.lock` of
//! that revision and the cache.

use std::path::Path;

use fpl_analyzer::project::{Contents, FileSource, GitTree, Project, ProjectError};
use fpl_registry::lockfile::{LOCKFILE, MAX_LOCKFILE_SIZE};
use fpl_registry::manifest::{MANIFEST, MAX_MANIFEST_SIZE};

use crate::commands::imports;

/// A project at a git revision.
#[derive(Debug)]
pub struct Revision {
    /// The commit id (hex).
    pub commit: String,
    /// The commit's tree id (hex).
    pub tree: String,
    /// The commit time, seconds since the epoch.
    pub time: i64,
    /// The project's files at the commit (named by their path inside the repository) and its
    /// imports (named by their reference).
    pub project: Project,
}

/// Why a revision could not be read.
#[derive(Debug, thiserror::Error)]
pub enum RevisionError {
    /// No repository, no such revision, an unreadable object.
    #[error("cannot read git revision `{revision}`: {message}")]
    Git {
        /// The revision.
        revision: String,
        /// What git said.
        message: String,
    },
    /// A file of the revision could not be read.
    #[error(transparent)]
    Files(#[from] ProjectError),
    /// `faramesh.toml` or `faramesh.lock` of the revision is too large or not UTF-8.
    #[error("`{file}` at revision `{revision}` is {problem}")]
    ProjectFile {
        /// The file's path in the tree.
        file: String,
        /// The revision.
        revision: String,
        /// What is wrong.
        problem: &'static str,
    },
    /// `faramesh.toml`, `faramesh.lock` or the cache could not be read.
    #[error(transparent)]
    Registry(#[from] fpl_registry::Error),
}

/// Reads the project in directory `dir` (inside a git work tree) at `revision` of its
/// repository.
pub fn load(dir: &Path, revision: &str) -> Result<Revision, RevisionError> {
    let git = |error: git2::Error| RevisionError::Git {
        revision: revision.to_owned(),
        message: error.message().to_owned(),
    };
    let repository = git2::Repository::discover(dir).map_err(git)?;
    let commit = repository
        .revparse_single(revision)
        .and_then(|object| object.peel_to_commit())
        .map_err(git)?;
    let commit_id = commit.id().to_string();
    // The tree of the commit just resolved, so a branch moving meanwhile changes nothing.
    let tree = GitTree::open(dir, &commit_id)?;
    let prefix = tree.prefix_of(dir);
    let mut project = Project::load_dir(&tree, &prefix)?;
    let read = |name: &str, limit: u64| project_file(&tree, &prefix.join(name), limit, revision);
    let manifest = read(MANIFEST, MAX_MANIFEST_SIZE)?;
    let lock = read(LOCKFILE, MAX_LOCKFILE_SIZE)?;
    let imported = imports::imported(&project, |files| {
        fpl_registry::Project::from_texts(dir, manifest.as_deref(), lock.as_deref(), files)
    })?;
    project.add_imports(imported);
    Ok(Revision {
        commit: commit_id,
        tree: commit.tree_id().to_string(),
        time: commit.time().seconds(),
        project,
    })
}

/// The text of `path` in `tree`, `None` when there is no such file.
fn project_file(
    tree: &GitTree,
    path: &Path,
    limit: u64,
    revision: &str,
) -> Result<Option<String>, RevisionError> {
    let problem = |problem| RevisionError::ProjectFile {
        file: path.display().to_string(),
        revision: revision.to_owned(),
        problem,
    };
    if tree.kind(path)?.is_none() {
        return Ok(None);
    }
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    match tree.read(path, limit)? {
        Contents::Bytes(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| problem("not UTF-8")),
        Contents::TooLarge => Err(problem("larger than the limit")),
    }
}
