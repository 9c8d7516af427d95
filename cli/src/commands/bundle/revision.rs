//! The policy of a git revision, read from the repository's object database and never from the
//! work tree (a dirty or untracked file cannot leak into a bundle): the commit, its tree, its
//! time, and the project at that revision read by the one project loader over a [`GitTree`],
//! with its imports from the `faramesh.lock` of that revision and the cache
//! ([`imports::load_from`]).

use std::path::Path;

use fpl_analyzer::project::{GitTree, Project};

use crate::commands::imports::{self, LoadError};

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
    /// The policy, its `faramesh.toml` or `faramesh.lock` of the revision, or an import in the
    /// cache could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
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
    let tree = GitTree::open(dir, &commit_id).map_err(LoadError::from)?;
    let project = imports::load_from(&tree, &tree.prefix_of(dir), dir)?;
    Ok(Revision {
        commit: commit_id,
        tree: commit.tree_id().to_string(),
        time: commit.time().seconds(),
        project,
    })
}
