//! `faramesh bundle publish FILE --to DEST`: puts a bundle where runtimes fetch it, as
//! `<commit>.fmb` beside a `latest` file naming the newest one. `DEST` is a git repository and
//! branch (`<path or file:// URL>#<branch>`: one commit per publish, made in the object database
//! and the branch moved atomically, never through a work tree) or an HTTP(S) directory
//! (`PUT <url>/<commit>.fmb`, then `PUT <url>/latest`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use fpl_runtime::bundle::{UnverifiedBundle, VerifiedBundle};

/// The branch used when `DEST` names none.
const DEFAULT_BRANCH: &str = "bundles";
/// The pointer file's name.
const LATEST: &str = "latest";

/// Arguments of `faramesh bundle publish`.
#[derive(Debug, clap::Args)]
pub struct PublishArgs {
    /// The bundle.
    pub file: PathBuf,
    /// `<git repository>#<branch>` (a local path or a `file://` URL; the branch defaults to
    /// `bundles`), or an `http://` / `https://` directory URL.
    #[arg(long, value_name = "DEST")]
    pub to: String,
    /// Verify the bundle with these trusted keys first (lines or files of lines).
    #[arg(long, value_name = "KEY", num_args = 1..)]
    pub trust: Vec<String>,
    /// Time limit of each HTTP request, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
}

/// Why a bundle was not published.
#[derive(Debug, thiserror::Error)]
enum PublishError {
    #[error("`{0}` is not signed; no runtime would load it")]
    Unsigned(PathBuf),
    #[error("`{url}` is not a repository this build can write: {why}")]
    Destination { url: String, why: &'static str },
    #[error("`{0}` is not a valid branch name")]
    Branch(String),
    #[error("cannot publish to `{url}`: {message}")]
    Git { url: String, message: String },
    #[error(
        "branch `{branch}` is checked out in `{url}`; publish to a bare repository or another branch"
    )]
    CheckedOut { url: String, branch: String },
    #[error(transparent)]
    Upload(#[from] fpl_registry::upload::UploadError),
}

/// Where a bundle goes.
enum Destination<'a> {
    Git { url: &'a str, branch: &'a str },
    Http(&'a str),
}

/// Runs the command.
pub fn run(args: &PublishArgs) -> ExitCode {
    let (bytes, trusted) = match super::read_with_trust(&args.file, &args.trust) {
        Ok(read) => read,
        Err(code) => return code,
    };
    let checked = if trusted.is_empty() {
        UnverifiedBundle::read(&bytes).map(|bundle| (bundle.manifest, bundle.claimed_key_id))
    } else {
        VerifiedBundle::verify(&bytes, &trusted)
            .map(|bundle| (bundle.manifest().clone(), Some(bundle.key_id().to_owned())))
    };
    let commit = match checked {
        Ok((_, None)) => return crate::commands::fail(PublishError::Unsigned(args.file.clone())),
        Ok((manifest, Some(_))) => manifest.commit,
        Err(error) => return super::refuse(&args.file, &error),
    };
    let name = format!("{commit}.fmb");
    let published = match destination(&args.to) {
        Destination::Http(base) => {
            http(base, &name, bytes, Duration::from_secs(args.timeout.max(1)))
        }
        Destination::Git { url, branch } => git(url, branch, &name, &bytes),
    };
    match published {
        Ok(where_) => crate::commands::print(
            &format!("published {name} to {where_}\n"),
            ExitCode::SUCCESS,
        ),
        Err(error) => crate::commands::fail(error),
    }
}

fn destination(to: &str) -> Destination<'_> {
    if to.starts_with("http://") || to.starts_with("https://") {
        return Destination::Http(to.trim_end_matches('/'));
    }
    match to.rsplit_once('#') {
        Some((url, branch)) => Destination::Git { url, branch },
        None => Destination::Git {
            url: to,
            branch: DEFAULT_BRANCH,
        },
    }
}

/// `PUT`s the bundle, then the pointer (so `latest` never names a missing bundle).
fn http(base: &str, name: &str, bytes: Vec<u8>, timeout: Duration) -> Result<String, PublishError> {
    fpl_registry::upload::put(&format!("{base}/{name}"), bytes, timeout)?;
    fpl_registry::upload::put(
        &format!("{base}/{LATEST}"),
        format!("{name}\n").into_bytes(),
        timeout,
    )?;
    Ok(format!("{base}/"))
}

/// Commits the bundle and the pointer on `branch` and moves the branch only if nobody else
/// moved it meanwhile.
fn git(url: &str, branch: &str, name: &str, bytes: &[u8]) -> Result<String, PublishError> {
    let path = repository_path(url)?;
    let git_error = |error: git2::Error| PublishError::Git {
        url: url.to_owned(),
        message: error.message().to_owned(),
    };
    let reference = format!("refs/heads/{branch}");
    if !git2::Reference::is_valid_name(&reference) {
        return Err(PublishError::Branch(branch.to_owned()));
    }
    let repository = git2::Repository::open(path).map_err(git_error)?;
    // HEAD names the checked-out branch even before its first commit.
    let checked_out = repository
        .find_reference("HEAD")
        .ok()
        .and_then(|head| head.symbolic_target().ok().flatten().map(str::to_owned));
    if !repository.is_bare() && checked_out.as_deref() == Some(reference.as_str()) {
        return Err(PublishError::CheckedOut {
            url: url.to_owned(),
            branch: branch.to_owned(),
        });
    }
    let parent = match repository.find_reference(&reference) {
        Ok(current) => Some(current.peel_to_commit().map_err(git_error)?),
        Err(error) if error.code() == git2::ErrorCode::NotFound => None,
        Err(error) => return Err(git_error(error)),
    };
    let base = parent
        .as_ref()
        .map(|commit| commit.tree())
        .transpose()
        .map_err(git_error)?;
    let mut tree = repository.treebuilder(base.as_ref()).map_err(git_error)?;
    let bundle = repository.blob(bytes).map_err(git_error)?;
    let latest = repository
        .blob(format!("{name}\n").as_bytes())
        .map_err(git_error)?;
    tree.insert(name, bundle, 0o100644).map_err(git_error)?;
    tree.insert(LATEST, latest, 0o100644).map_err(git_error)?;
    let tree = repository
        .find_tree(tree.write().map_err(git_error)?)
        .map_err(git_error)?;
    if base.as_ref().is_some_and(|base| base.id() == tree.id()) {
        return Ok(format!("{url}#{branch} (already there)"));
    }
    let signature = repository
        .signature()
        .or_else(|_| git2::Signature::now("faramesh", "faramesh@localhost"))
        .map_err(git_error)?;
    let parents: Vec<&git2::Commit<'_>> = parent.iter().collect();
    let commit = repository
        .commit(
            None,
            &signature,
            &signature,
            &format!("publish {name}"),
            &tree,
            &parents,
        )
        .map_err(git_error)?;
    let message = format!("faramesh bundle publish {name}");
    match &parent {
        Some(parent) => repository
            .reference_matching(&reference, commit, true, parent.id(), &message)
            .map_err(git_error)?,
        None => repository
            .reference(&reference, commit, false, &message)
            .map_err(git_error)?,
    };
    Ok(format!("{url}#{branch} (commit {commit})"))
}

/// The local path of a repository URL: a path, `file://` or `git+file://`; any network URL is
/// refused (this build's git has no network transport).
fn repository_path(url: &str) -> Result<PathBuf, PublishError> {
    let path = url
        .strip_prefix("git+file://")
        .or_else(|| url.strip_prefix("file://"))
        .unwrap_or(url);
    if path.contains("://") || path.starts_with("git@") {
        return Err(PublishError::Destination {
            url: url.to_owned(),
            why: "only local and file:// repositories are supported (publish over HTTP(S) with an http:// or https:// URL)",
        });
    }
    Ok(PathBuf::from(path))
}
