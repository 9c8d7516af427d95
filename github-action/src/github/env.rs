//! What `faramesh ci github` reads of the workflow run: the repository, the API, the token,
//! the files for the step summary and outputs, and the pull request's base and head commits
//! from the event payload (`GITHUB_EVENT_PATH`).

use std::path::{Path, PathBuf};

/// The most bytes of an event payload read (GitHub's are far smaller).
pub const MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

/// The workflow run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Context {
    /// `owner/repo` (`GITHUB_REPOSITORY`).
    pub repository: String,
    /// The REST API, e.g. `https://api.github.com` (`GITHUB_API_URL`).
    pub api_url: String,
    /// The web server, e.g. `https://github.com` (`GITHUB_SERVER_URL`).
    pub server_url: String,
    /// The token (`GITHUB_TOKEN`), when set and not empty.
    pub token: Option<String>,
    /// The job summary file (`GITHUB_STEP_SUMMARY`).
    pub step_summary: Option<PathBuf>,
    /// The step outputs file (`GITHUB_OUTPUT`).
    pub output: Option<PathBuf>,
    /// The pull request of the event.
    pub pull_request: PullRequest,
}

/// The pull request a workflow runs for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullRequest {
    /// Its number.
    pub number: u64,
    /// The commit it is compared with (`pull_request.base.sha`).
    pub base_sha: String,
    /// Its last commit (`pull_request.head.sha`).
    pub head_sha: String,
}

/// Why the environment is not one `faramesh ci github` can run in.
#[derive(Debug, thiserror::Error)]
pub enum EnvError {
    /// A required variable is not set.
    #[error("`{0}` is not set; `faramesh ci github` runs inside a GitHub Actions workflow")]
    Missing(&'static str),
    /// The event payload could not be read.
    #[error("cannot read the event payload `{path}`: {cause}")]
    Event {
        /// `GITHUB_EVENT_PATH`.
        path: PathBuf,
        /// The cause.
        cause: std::io::Error,
    },
    /// The event payload is not a pull request's.
    #[error(
        "the event payload `{path}` has no pull request ({message}); run the workflow `on: \
         pull_request`"
    )]
    NotPullRequest {
        /// `GITHUB_EVENT_PATH`.
        path: PathBuf,
        /// What is missing.
        message: String,
    },
    /// `GITHUB_REPOSITORY` is not `owner/repo`.
    #[error("`GITHUB_REPOSITORY` is `{0}`, not `owner/repo`")]
    Repository(String),
}

impl Context {
    /// Reads the context through `var` (`std::env::var` in the CLI).
    pub fn read(var: &dyn Fn(&str) -> Option<String>) -> Result<Context, EnvError> {
        let required = |name: &'static str| var(name).ok_or(EnvError::Missing(name));
        let repository = required("GITHUB_REPOSITORY")?;
        if repository
            .split('/')
            .filter(|part| !part.is_empty())
            .count()
            != 2
        {
            return Err(EnvError::Repository(repository));
        }
        let event = PathBuf::from(required("GITHUB_EVENT_PATH")?);
        let pull_request = pull_request(&event)?;
        Ok(Context {
            repository,
            api_url: var("GITHUB_API_URL").unwrap_or_else(|| "https://api.github.com".into()),
            server_url: var("GITHUB_SERVER_URL").unwrap_or_else(|| "https://github.com".into()),
            token: var("GITHUB_TOKEN").filter(|token| !token.is_empty()),
            step_summary: var("GITHUB_STEP_SUMMARY").map(PathBuf::from),
            output: var("GITHUB_OUTPUT").map(PathBuf::from),
            pull_request,
        })
    }

    /// `(owner, repo)`.
    pub fn owner_repo(&self) -> (&str, &str) {
        self.repository
            .split_once('/')
            .unwrap_or((&self.repository, ""))
    }
}

/// The pull request of an event payload.
fn pull_request(path: &Path) -> Result<PullRequest, EnvError> {
    #[derive(serde::Deserialize)]
    struct Event {
        pull_request: Option<Pr>,
    }
    #[derive(serde::Deserialize)]
    struct Pr {
        number: u64,
        base: Commit,
        head: Commit,
    }
    #[derive(serde::Deserialize)]
    struct Commit {
        sha: String,
    }
    let io = |cause| EnvError::Event {
        path: path.to_path_buf(),
        cause,
    };
    let bytes = match fpl_analyzer::project::read_capped(path, MAX_EVENT_BYTES).map_err(io)? {
        fpl_analyzer::project::Contents::Bytes(bytes) => bytes,
        fpl_analyzer::project::Contents::TooLarge => {
            return Err(io(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "larger than 16 MiB",
            )));
        }
    };
    let not_pr = |message: String| EnvError::NotPullRequest {
        path: path.to_path_buf(),
        message,
    };
    let event: Event = serde_json::from_slice(&bytes).map_err(|error| not_pr(error.to_string()))?;
    let pr = event
        .pull_request
        .ok_or_else(|| not_pr("no `pull_request` key".to_string()))?;
    Ok(PullRequest {
        number: pr.number,
        base_sha: pr.base.sha,
        head_sha: pr.head.sha,
    })
}
