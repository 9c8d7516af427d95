//! `faramesh approvals list|show|approve|deny --server URL`: operators resolve the approvals of
//! deferred decisions (SPEC §17) on a decision service's admin listener, with the admin token
//! that `faramesh serve` reads, or their own approver token when the service names its
//! approvers (`--admin-token-file FILE` or `FARAMESH_ADMIN_TOKEN`).

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, RequestBuilder};
use serde_json::Value;

use super::serve::{TokenError, admin_token};

/// How long a request may take beyond a long poll's wait.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(15);

/// Arguments of `faramesh approvals`.
#[derive(Debug, clap::Args)]
pub struct ApprovalsArgs {
    #[command(subcommand)]
    command: ApprovalsCommand,
    /// The admin listener of `faramesh serve` (its `--admin-addr`), e.g. `http://127.0.0.1:8182`.
    #[arg(long, global = true, value_name = "URL")]
    server: Option<String>,
    /// A file holding the bearer token (its first line): the admin token, or your own when the
    /// service names its approvers (`faramesh serve --approvers`); else `FARAMESH_ADMIN_TOKEN`.
    #[arg(long, global = true, value_name = "FILE")]
    admin_token_file: Option<PathBuf>,
}

#[derive(Debug, clap::Subcommand)]
enum ApprovalsCommand {
    /// List approvals, oldest first (pending ones by default).
    List {
        /// Only approvals in this state: pending, approved, denied, expired, used or all.
        #[arg(long, default_value = "pending")]
        state: String,
        /// Print the server's JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print one approval as JSON.
    Show {
        /// The approval's id.
        id: String,
        /// Wait until its state changes, up to this long (`30s`, `500ms`, `2m`; at most 60 s).
        #[arg(long, value_name = "DURATION")]
        wait: Option<String>,
    },
    /// Approve a pending approval: its call may then run once.
    Approve(Resolve),
    /// Deny a pending approval: its call is then denied.
    Deny(Resolve),
}

/// Who resolves an approval, and why.
#[derive(Debug, clap::Args)]
struct Resolve {
    /// The approval's id.
    id: String,
    /// Who decides (never the principal whose call it is); with an approver's own token, the
    /// token says who, and this may be left out.
    #[arg(long)]
    approver: Option<String>,
    /// Why, for the decision log.
    #[arg(long)]
    comment: Option<String>,
}

/// Why a command failed.
#[derive(Debug, thiserror::Error)]
enum ApprovalsError {
    #[error("--server URL is required: the admin listener of `faramesh serve`")]
    NoServer,
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("cannot reach the admin listener at {url}: {why}")]
    Unreachable { url: String, why: String },
    #[error(
        "{url}: the token was refused (401); check --admin-token-file or \
         FARAMESH_ADMIN_TOKEN"
    )]
    Unauthorized { url: String },
    #[error("{url}: {status}: {message}")]
    Refused {
        url: String,
        status: StatusCode,
        message: String,
    },
    #[error("{url}: the answer is not JSON: {why}")]
    NotJson { url: String, why: String },
    #[error(transparent)]
    Stdout(#[from] crate::stdout::StdoutError),
}

/// Runs `faramesh approvals`.
pub fn run(args: &ApprovalsArgs) -> ExitCode {
    match execute(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => super::fail(error),
    }
}

fn execute(args: &ApprovalsArgs) -> Result<(), ApprovalsError> {
    let server = args.server.as_deref().ok_or(ApprovalsError::NoServer)?;
    let base = format!("{}/v1/approvals", server.trim_end_matches('/'));
    let admin = Admin {
        token: admin_token(args.admin_token_file.as_deref())?,
        client: Client::builder().timeout(None).build().map_err(|error| {
            ApprovalsError::Unreachable {
                url: server.to_owned(),
                why: error.to_string(),
            }
        })?,
    };
    let printed = match &args.command {
        ApprovalsCommand::List { state, json } => {
            let url = format!("{base}?state={state}");
            let answer = admin.send(&url, |client| client.get(&url), REQUEST_TIMEOUT)?;
            if *json {
                format!("{}\n", pretty(&answer))
            } else {
                table(&answer)
            }
        }
        ApprovalsCommand::Show { id, wait } => {
            let (url, timeout) = match wait {
                Some(wait) => (
                    format!("{base}/{id}?wait={wait}"),
                    // The server cuts a wait to 60 s.
                    REQUEST_TIMEOUT + Duration::from_secs(60),
                ),
                None => (format!("{base}/{id}"), REQUEST_TIMEOUT),
            };
            let answer = admin.send(&url, |client| client.get(&url), timeout)?;
            format!("{}\n", pretty(&answer))
        }
        ApprovalsCommand::Approve(resolve) | ApprovalsCommand::Deny(resolve) => {
            let decision = match args.command {
                ApprovalsCommand::Approve(_) => "approve",
                _ => "deny",
            };
            let url = format!("{base}/{}", resolve.id);
            let body = serde_json::json!({
                "decision": decision,
                "approver": resolve.approver,
                "comment": resolve.comment,
            });
            let post = |client: &Client| {
                client
                    .post(&url)
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.to_string())
            };
            let answer = admin.send(&url, post, REQUEST_TIMEOUT)?;
            format!("{}\n", pretty(&answer))
        }
    };
    Ok(crate::stdout::print(&printed)?)
}

/// A client of the admin listener.
struct Admin {
    token: String,
    client: Client,
}

impl Admin {
    /// Sends the request `build` makes to `url` with the token; the JSON answer of a 2xx.
    fn send(
        &self,
        url: &str,
        build: impl FnOnce(&Client) -> RequestBuilder,
        timeout: Duration,
    ) -> Result<Value, ApprovalsError> {
        let response = build(&self.client)
            .bearer_auth(&self.token)
            .timeout(timeout)
            .send()
            .map_err(|error| ApprovalsError::Unreachable {
                url: url.to_owned(),
                why: fpl_runtime::root_cause(&error),
            })?;
        let status = response.status();
        let text = response.text().unwrap_or_default();
        if status == StatusCode::UNAUTHORIZED {
            return Err(ApprovalsError::Unauthorized {
                url: url.to_owned(),
            });
        }
        if !status.is_success() {
            let message = serde_json::from_str::<Value>(&text)
                .ok()
                .and_then(|value| value.get("error")?.as_str().map(str::to_owned))
                .unwrap_or(text);
            return Err(ApprovalsError::Refused {
                url: url.to_owned(),
                status,
                message,
            });
        }
        serde_json::from_str(&text).map_err(|error| ApprovalsError::NotJson {
            url: url.to_owned(),
            why: error.to_string(),
        })
    }
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_default()
}

/// `list` as a table: id, state, agent, session, tool, expires and reason, one line each.
fn table(answer: &Value) -> String {
    let approvals = answer
        .get("approvals")
        .and_then(Value::as_array)
        .map_or(&[][..], Vec::as_slice);
    if approvals.is_empty() {
        return "no approvals\n".to_owned();
    }
    let columns = [
        "id", "state", "agent", "session", "tool", "expires", "reason",
    ];
    let rows: Vec<Vec<String>> = approvals
        .iter()
        .map(|approval| {
            columns
                .iter()
                .map(|column| match approval.get(column) {
                    Some(Value::String(text)) => text.clone(),
                    Some(Value::Null) | None => "-".to_owned(),
                    Some(other) => other.to_string(),
                })
                .collect()
        })
        .collect();
    let widths: Vec<usize> = columns
        .iter()
        .enumerate()
        .map(|(index, column)| {
            rows.iter()
                .map(|row| row[index].chars().count())
                .chain([column.len()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    let header: Vec<String> = columns.iter().map(|c| c.to_uppercase()).collect();
    for row in std::iter::once(&header).chain(&rows) {
        let cells: Vec<String> = row
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        out.push_str(cells.join("  ").trim_end());
        out.push('\n');
    }
    out
}
