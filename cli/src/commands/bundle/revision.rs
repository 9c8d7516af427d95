//! The policy of a git revision, read from the repository's object database and never from the
//! work tree (a dirty or untracked file cannot leak into a bundle): the commit, its tree, its
//! time, and the project's files at that revision, loaded the way `check` loads a directory.
//!
//! Reading files is [`checkout`], one small function: the project's policy files, its
//! `faramesh.toml` and its `faramesh.lock` at the revision are written to a fresh directory,
//! which the same loader as `check` then reads (file discovery, the lockfile, imports from the
//! cache). When the analyzer's project loader reads git trees itself, it replaces `checkout`.

use std::path::{Path, PathBuf};

use fpl_analyzer::Origin;

use crate::commands::imports::{self, Loaded};

/// A project at a git revision.
#[derive(Debug)]
pub struct Revision {
    /// The commit id (hex).
    pub commit: String,
    /// The commit's tree id (hex).
    pub tree: String,
    /// The commit time, seconds since the epoch.
    pub time: i64,
    /// The files, local ones named by their path inside the repository, imported ones by their
    /// reference.
    pub loaded: Loaded,
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
    /// The project directory is not inside the repository's work tree.
    #[error("`{0}` is not inside the git repository's work tree")]
    OutsideRepository(PathBuf),
    /// The project directory does not exist at that revision.
    #[error("`{path}` does not exist at revision `{revision}`")]
    NotInRevision {
        /// The project's path inside the repository.
        path: String,
        /// The revision.
        revision: String,
    },
    /// Writing the checkout failed.
    #[error("cannot write the checkout of `{revision}`: {source}")]
    Checkout {
        /// The revision.
        revision: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The files, the lockfile or the cache could not be read.
    #[error(transparent)]
    Load(#[from] imports::LoadError),
}

/// Reads the project in directory `project` at `revision` of the repository around it.
pub fn load(project: &Path, revision: &str) -> Result<Revision, RevisionError> {
    let git = |error: git2::Error| RevisionError::Git {
        revision: revision.to_owned(),
        message: error.message().to_owned(),
    };
    let repository = git2::Repository::discover(project).map_err(git)?;
    let prefix = project_prefix(&repository, project)?;
    let commit = repository
        .revparse_single(revision)
        .and_then(|object| object.peel_to_commit())
        .map_err(git)?;
    let root = commit.tree().map_err(git)?;
    let tree = if prefix.is_empty() {
        root.clone()
    } else {
        root.get_path(Path::new(&prefix))
            .and_then(|entry| entry.to_object(&repository))
            .and_then(|object| object.peel_to_tree())
            .map_err(|_| RevisionError::NotInRevision {
                path: prefix.clone(),
                revision: revision.to_owned(),
            })?
    };
    let dir = tempfile::tempdir().map_err(|source| RevisionError::Checkout {
        revision: revision.to_owned(),
        source,
    })?;
    checkout(&repository, &tree, dir.path()).map_err(|error| match error {
        CheckoutError::Git(error) => git(error),
        CheckoutError::Io(source) => RevisionError::Checkout {
            revision: revision.to_owned(),
            source,
        },
    })?;
    let mut loaded = imports::load(&[dir.path().to_path_buf()])?;
    for source in &mut loaded.sources {
        source.path = match &source.origin {
            Origin::Import(reference) => reference.clone(),
            Origin::Local => repository_path(&prefix, dir.path(), &source.path),
        };
    }
    Ok(Revision {
        commit: commit.id().to_string(),
        tree: root.id().to_string(),
        time: commit.time().seconds(),
        loaded,
    })
}

enum CheckoutError {
    Git(git2::Error),
    Io(std::io::Error),
}

/// Writes the files of `tree` a policy is read from (`*.fpl`, `*.fms`, `faramesh.toml`,
/// `faramesh.lock`; regular files only, no symbolic link) below `dir`.
fn checkout(
    repository: &git2::Repository,
    tree: &git2::Tree<'_>,
    dir: &Path,
) -> Result<(), CheckoutError> {
    let mut failure = None;
    tree.walk(git2::TreeWalkMode::PreOrder, |parent, entry| {
        let name = entry.name().unwrap_or_default();
        let wanted = name.ends_with(".fpl")
            || name.ends_with(".fms")
            || name == "faramesh.toml"
            || name == "faramesh.lock";
        let regular_file = matches!(entry.filemode(), 0o100644 | 0o100755);
        if !(wanted && regular_file && entry.kind() == Some(git2::ObjectType::Blob)) {
            return git2::TreeWalkResult::Ok;
        }
        let written = repository
            .find_blob(entry.id())
            .map_err(CheckoutError::Git)
            .and_then(|blob| {
                let path = dir.join(parent).join(name);
                if let Some(parent) = path.parent() {
                    std::fs::create_dir_all(parent).map_err(CheckoutError::Io)?;
                }
                std::fs::write(&path, blob.content()).map_err(CheckoutError::Io)
            });
        match written {
            Ok(()) => git2::TreeWalkResult::Ok,
            Err(error) => {
                failure = Some(error);
                git2::TreeWalkResult::Abort
            }
        }
    })
    .map_err(CheckoutError::Git)?;
    failure.map_or(Ok(()), Err)
}

/// The path of `project` inside the repository's work tree (`""` for its root or a bare
/// repository), with `/` separators.
fn project_prefix(repository: &git2::Repository, project: &Path) -> Result<String, RevisionError> {
    let Some(workdir) = repository.workdir() else {
        return Ok(String::new());
    };
    let outside = || RevisionError::OutsideRepository(project.to_path_buf());
    let workdir = std::fs::canonicalize(workdir).map_err(|_| outside())?;
    let project = std::fs::canonicalize(project).map_err(|_| outside())?;
    let relative = project.strip_prefix(&workdir).map_err(|_| outside())?;
    let parts: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    Ok(parts.join("/"))
}

/// The repository path of a file read from the checkout in `dir`.
fn repository_path(prefix: &str, dir: &Path, path: &str) -> String {
    let relative = Path::new(path).strip_prefix(dir).unwrap_or(Path::new(path));
    let relative: Vec<String> = relative
        .components()
        .map(|part| part.as_os_str().to_string_lossy().into_owned())
        .collect();
    let relative = relative.join("/");
    if prefix.is_empty() {
        relative
    } else {
        format!("{prefix}/{relative}")
    }
}
