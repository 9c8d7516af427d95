//! `faramesh serve --bundle SOURCE --trust KEY…`: the decision service of SPEC §17.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use fpl_registry::manifest::{MANIFEST, MAX_MANIFEST_SIZE};
use fpl_server::{
    AdminConfig, AlertsConfig, AlertsConfigError, ApprovalLimits, Approvers, ApproversError,
    BundleSource, Config, Limits, StateConfig,
};

/// The environment variable holding the admin token when `--admin-token-file` is not given.
const TOKEN_VARIABLE: &str = "FARAMESH_ADMIN_TOKEN";
/// The largest token file read.
const MAX_TOKEN_FILE: u64 = 4096;

/// Arguments of `faramesh serve`.
#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// The bundle: a `.fmb` file, a directory written by `bundle publish` (its `latest` names
    /// the bundle), or an `http(s)://` URL of a bundle or of such a directory (ending in `/`).
    #[arg(long, value_name = "FILE|DIR|URL")]
    pub bundle: String,
    /// A trusted public key: a `"<key_id>:<base64>"` line or a file of them.
    #[arg(long, value_name = "KEY", num_args = 1.., required = true)]
    pub trust: Vec<String>,
    /// The decision listener; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:8181")]
    pub addr: SocketAddr,
    /// The admin listener (reload); needs a token from `--admin-token-file` or
    /// `FARAMESH_ADMIN_TOKEN`.
    #[arg(long, value_name = "ADDR")]
    pub admin_addr: Option<SocketAddr>,
    /// A file holding the admin bearer token (its first line).
    #[arg(long, value_name = "FILE", requires = "admin_addr")]
    pub admin_token_file: Option<PathBuf>,
    /// Name the approvers: a TOML file whose `[approvers]` table maps each name to the SHA-256
    /// of that approver's own token (`"sha256:<hex>"`); then only those tokens resolve
    /// approvals, each as its name.
    #[arg(long, value_name = "FILE", requires = "admin_addr")]
    pub approvers: Option<PathBuf>,
    /// Check the source for a new bundle every so many seconds (file digest, URL ETag); 0: only
    /// on SIGHUP and admin reload.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub poll: u64,
    /// Append every decision to this hash-chained log before answering (locked: one writer).
    #[arg(long, value_name = "FILE")]
    pub log: Option<PathBuf>,
    /// Do not fsync the log before answering (faster; a crash may lose the last records).
    #[arg(long, requires = "log")]
    pub no_fsync: bool,
    /// Decide each request at its own `time` (replaying recorded requests) instead of the clock.
    #[arg(long)]
    pub replay: bool,
    /// The largest request body in bytes (larger: 413).
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_body)]
    pub max_body: usize,
    /// Seconds a client has to send a request's headers, and again its body; also how long an
    /// idle keep-alive connection stays open.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    pub header_timeout: u64,
    /// Seconds SIGTERM waits for in-flight requests.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub shutdown_grace: u64,
    /// Where alerts go: the `[alerts]` table of this TOML file (default: of `faramesh.toml` in
    /// the current directory, when there is one).
    #[arg(long, value_name = "FILE")]
    pub alerts: Option<PathBuf>,
    /// Keep rate-limit windows, budgets, histories and approvals in Redis
    /// (`redis://HOST:PORT/DB`: one server, or any node of a Redis Cluster), shared by every
    /// replica naming it; default: in this process.
    #[arg(long, value_name = "URL")]
    pub state: Option<String>,
    /// Milliseconds one call to the state store (or its approvals) may take; then the decision
    /// is `STATE_UNAVAILABLE`.
    #[arg(long, value_name = "MS", default_value_t = 500, requires = "state")]
    pub state_timeout: u64,
    /// The effect of a decision the state store could not count.
    #[arg(long, value_enum, default_value_t = OnStateUnavailable::Deny, requires = "state")]
    pub on_state_unavailable: OnStateUnavailable,
    /// The most approvals one agent may have that are not past their expiry; a `defer` past it
    /// is answered without an approval.
    #[arg(long, value_name = "N", default_value_t = ApprovalLimits::default().per_agent)]
    pub max_approvals_per_agent: usize,
    /// The most approvals not past their expiry for all agents together (also how many ended
    /// ones are kept for `approvals show`).
    #[arg(long, value_name = "N", default_value_t = ApprovalLimits::default().total)]
    pub max_approvals: usize,
}

/// The effect of a `STATE_UNAVAILABLE` decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum OnStateUnavailable {
    /// `deny`.
    Deny,
    /// `defer`: a human decides.
    Defer,
}

/// Why the admin token could not be read.
#[derive(Debug, thiserror::Error)]
pub(crate) enum TokenError {
    #[error("the admin listener needs a token: --admin-token-file FILE or {TOKEN_VARIABLE}")]
    NoToken,
    #[error("cannot read the admin token file `{path}`: {why}")]
    TokenFile { path: PathBuf, why: String },
}

/// Why the alert targets could not be read.
#[derive(Debug, thiserror::Error)]
enum AlertsFileError {
    #[error("cannot read the alerts file `{path}`: {why}")]
    AlertsFile { path: PathBuf, why: String },
    #[error("`{path}` has no `[alerts]` table (see `[alerts.targets]` in docs/serve.md)")]
    NoAlerts { path: PathBuf },
    #[error(transparent)]
    Alerts(#[from] AlertsConfigError),
}

/// Runs the service until SIGTERM; prints `decide http://ADDR` (and `admin http://ADDR`) on
/// stdout once listening.
pub fn run(args: &ServeArgs) -> ExitCode {
    let trusted = match super::bundle::trusted_keys(&args.trust) {
        Ok(trusted) => trusted,
        Err(error) => return super::fail(error),
    };
    let admin = match args.admin_addr.map(|addr| admin_config(args, addr)) {
        None => None,
        Some(Ok(admin)) => Some(admin),
        Some(Err(error)) => return super::fail(error),
    };
    let alerts = match alerts_config(args.alerts.as_deref()) {
        Ok(alerts) => alerts,
        Err(error) => return super::fail(error),
    };
    let config = Config {
        addr: args.addr,
        admin,
        source: BundleSource::parse(&args.bundle),
        trusted,
        poll: (args.poll > 0).then(|| Duration::from_secs(args.poll)),
        log: args.log.clone(),
        log_sync: !args.no_fsync,
        replay: args.replay,
        limits: Limits {
            max_body: args.max_body,
            header_timeout: Duration::from_secs(args.header_timeout.max(1)),
            shutdown_grace: Duration::from_secs(args.shutdown_grace),
        },
        alerts,
        state: StateConfig {
            redis: args.state.clone(),
            timeout: Duration::from_millis(args.state_timeout.max(1)),
            defer_when_unavailable: args.on_state_unavailable == OnStateUnavailable::Defer,
        },
        approvals: ApprovalLimits {
            per_agent: args.max_approvals_per_agent,
            total: args.max_approvals,
        },
    };
    let served = fpl_server::serve(config, |bound| {
        use std::io::Write as _;
        let mut listening = format!("decide http://{}\n", bound.decide);
        if let Some(admin) = bound.admin {
            listening.push_str(&format!("admin http://{admin}\n"));
        }
        // The service goes on when no one reads standard output.
        let _ = crate::stdout::print(&listening);
        // Never a panic once serving, also when stderr cannot be written.
        let _ = writeln!(
            std::io::stderr(),
            "faramesh: serving decisions at http://{}",
            bound.decide
        );
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => super::fail(error),
    }
}

/// The `[alerts]` table of `--alerts FILE` (which must have one), else of `./faramesh.toml`
/// when it exists and has one, else no alert targets. `${NAME}` values come from the
/// environment.
fn alerts_config(file: Option<&Path>) -> Result<AlertsConfig, AlertsFileError> {
    let path = file.unwrap_or(Path::new(MANIFEST));
    let why = |why: String| AlertsFileError::AlertsFile {
        path: path.to_owned(),
        why,
    };
    let bytes = match fpl_registry::files::read_limited(path, MAX_MANIFEST_SIZE) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return Err(why(format!("larger than {MAX_MANIFEST_SIZE} bytes"))),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && file.is_none() => {
            return Ok(AlertsConfig::default());
        }
        Err(error) => return Err(why(error.to_string())),
    };
    let text = String::from_utf8(bytes).map_err(|_| why("not UTF-8 text".to_owned()))?;
    let read = AlertsConfig::from_toml(path, &text, &|name| std::env::var(name).ok())?;
    match (read, file) {
        (Some(alerts), _) => {
            fpl_server::report!(
                "faramesh: alert targets from {}: {}",
                path.display(),
                alerts.target_names().join(", ")
            );
            Ok(alerts)
        }
        (None, Some(_)) => Err(AlertsFileError::NoAlerts {
            path: path.to_owned(),
        }),
        (None, None) => Ok(AlertsConfig::default()),
    }
}

/// Why the admin listener could not be set up.
#[derive(Debug, thiserror::Error)]
enum AdminError {
    #[error(transparent)]
    Token(#[from] TokenError),
    #[error("cannot read the approvers file `{path}`: {why}")]
    ApproversFile { path: PathBuf, why: String },
    #[error(transparent)]
    Approvers(#[from] ApproversError),
    #[error("`{path}`: approver `{name}` has the admin token as their token: give them their own")]
    AdminTokenShared { path: PathBuf, name: String },
}

/// The admin listener at `addr`: its token and, with `--approvers`, the named approvers.
fn admin_config(args: &ServeArgs, addr: SocketAddr) -> Result<AdminConfig, AdminError> {
    let token = admin_token(args.admin_token_file.as_deref())?;
    let approvers = match &args.approvers {
        None => Approvers::default(),
        Some(path) => {
            let text = super::read_text(path, MAX_MANIFEST_SIZE).map_err(|why| {
                AdminError::ApproversFile {
                    path: path.clone(),
                    why,
                }
            })?;
            let approvers = Approvers::from_toml(path, &text)?;
            if let Some(name) = approvers.name_of(&token) {
                return Err(AdminError::AdminTokenShared {
                    path: path.clone(),
                    name: name.to_owned(),
                });
            }
            fpl_server::report!(
                "faramesh: approvals are resolved by the approvers of {}",
                path.display()
            );
            approvers
        }
    };
    Ok(AdminConfig {
        addr,
        token,
        approvers,
    })
}

/// The admin token: the first line of `file` (`--admin-token-file`), else
/// `FARAMESH_ADMIN_TOKEN`. `faramesh approvals` reads it the same way.
pub(crate) fn admin_token(file: Option<&Path>) -> Result<String, TokenError> {
    let token = match file {
        Some(path) => {
            let why = |why: String| TokenError::TokenFile {
                path: path.to_owned(),
                why,
            };
            let text = super::read_text(path, MAX_TOKEN_FILE).map_err(why)?;
            let token = text.lines().next().unwrap_or("").trim().to_owned();
            if token.is_empty() {
                return Err(why("its first line, the token, is empty".to_owned()));
            }
            token
        }
        None => std::env::var(TOKEN_VARIABLE).unwrap_or_default(),
    };
    if token.is_empty() {
        return Err(TokenError::NoToken);
    }
    Ok(token)
}
