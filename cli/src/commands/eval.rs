//! `faramesh eval`: decide requests against a policy, one decision JSON per line.

use std::io::{BufWriter, Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_runtime::lines::{BoundedLines, Line};
use fpl_runtime::log::{DecisionLog, LogOptions};
use fpl_runtime::{Evaluator, MAX_REQUEST_BYTES, Request};

use super::policy::{PolicyError, compile_paths};

/// Arguments of `faramesh eval`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["request", "requests"])))]
#[command(group(clap::ArgGroup::new("source").required(true).args(["policy", "bundle"])))]
pub struct EvalArgs {
    /// Policy files or directories.
    #[arg(long, num_args = 1..)]
    pub policy: Vec<PathBuf>,
    /// A signed bundle (`faramesh bundle build`), loaded as a runtime loads it: verified first.
    #[arg(long, value_name = "FILE.fmb", requires = "trust")]
    pub bundle: Option<PathBuf>,
    /// A trusted public key for `--bundle`: a `"<key_id>:<base64>"` line or a file of them.
    #[arg(long, value_name = "KEY", num_args = 1.., requires = "bundle")]
    pub trust: Vec<String>,
    /// One request as JSON, or `@FILE` to read it from a file.
    #[arg(long)]
    pub request: Option<String>,
    /// A file of requests, one JSON object per line (`-` for standard input); state is shared.
    #[arg(long)]
    pub requests: Option<PathBuf>,
    /// Append every decision to this hash-chained decision log.
    #[arg(long)]
    pub log: Option<PathBuf>,
}

/// Why `eval` stopped (exit 2); decisions already made were written.
#[derive(Debug, thiserror::Error)]
enum EvalError {
    #[error("cannot read `{path}`: {cause}")]
    Read {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot open the decision log `{path}`: {cause}")]
    Log {
        path: PathBuf,
        cause: fpl_runtime::log::LogError,
    },
    #[error("cannot write the decisions: {0}")]
    Write(std::io::Error),
}

/// By hand rather than `#[from]`: the message already shows the I/O error, so it is not also
/// the error's `source()`, which would print it twice.
impl From<std::io::Error> for EvalError {
    fn from(error: std::io::Error) -> Self {
        EvalError::Write(error)
    }
}

/// Runs the command.
pub fn run(args: &EvalArgs) -> ExitCode {
    let mut evaluator = match &args.bundle {
        Some(bundle) => match super::bundle::load_verified(bundle, &args.trust) {
            Ok(bundle) => Evaluator::from_bundle(bundle),
            Err(code) => return code,
        },
        None => match compile_paths(&args.policy) {
            Ok(compiled) => match Evaluator::new(compiled) {
                Ok(evaluator) => evaluator,
                Err(error) => return super::fail(error),
            },
            Err(PolicyError::Invalid(_)) => return ExitCode::from(1),
            Err(PolicyError::Load(error)) => return super::imports::fail(error),
        },
    };
    let mut log = match args.log.as_deref().map(|path| {
        DecisionLog::open(path, LogOptions::default()).map_err(|source| EvalError::Log {
            path: path.to_path_buf(),
            cause: source,
        })
    }) {
        None => None,
        Some(Ok(log)) => Some(log),
        Some(Err(error)) => return super::fail(error),
    };
    let result = match (&args.request, &args.requests) {
        (Some(request), _) => single(&mut evaluator, log.as_mut(), request),
        (None, Some(path)) => stream(&mut evaluator, log.as_mut(), path),
        (None, None) => Ok(()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(EvalError::Write(error)) if crate::stdout::closed(&error) => ExitCode::SUCCESS,
        Err(error) => super::fail(error),
    }
}

/// `--request JSON` or `--request @FILE`; a file is read up to the request size limit.
fn single(
    evaluator: &mut Evaluator,
    log: Option<&mut DecisionLog>,
    request: &str,
) -> Result<(), EvalError> {
    let mut request_bytes = Vec::new();
    let bytes = match request.strip_prefix('@') {
        Some(path) => {
            let read = |source| EvalError::Read {
                path: PathBuf::from(path),
                cause: source,
            };
            // One byte past the limit is enough to know the request is too large.
            std::fs::File::open(path)
                .map_err(read)?
                .take(MAX_REQUEST_BYTES as u64 + 1)
                .read_to_end(&mut request_bytes)
                .map_err(read)?;
            request_bytes.as_slice()
        }
        None => request.as_bytes(),
    };
    let mut parsed = Request::default();
    parsed.parse_bytes_into(bytes);
    let mut stdout = std::io::stdout().lock();
    decide(evaluator, log, &parsed, &mut stdout)?;
    Ok(stdout.flush()?)
}

/// `--requests FILE|-`: one decision a line, in order, for every line, also blank or invalid
/// ones (`INVALID_REQUEST`), so decision N answers line N. Lines are read within the request
/// size limit; a longer line is one `INVALID_REQUEST` and is skipped without being buffered.
/// Decisions are flushed before every read that may wait for input, and after each one when
/// standard output is a pipe, a socket or a terminal, so a caller can converse line by line.
fn stream(
    evaluator: &mut Evaluator,
    mut log: Option<&mut DecisionLog>,
    path: &Path,
) -> Result<(), EvalError> {
    let read_error = |source| EvalError::Read {
        path: path.to_path_buf(),
        cause: source,
    };
    let input: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin())
    } else {
        Box::new(std::fs::File::open(path).map_err(read_error)?)
    };
    let flush_each = stdout_is_watched();
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut lines = BoundedLines::new(input, MAX_REQUEST_BYTES);
    let mut request = Request::default();
    loop {
        let mut written = Ok(());
        let line = lines.next_line(&mut || {
            written = out.flush();
            Ok(())
        });
        written?;
        match line.map_err(read_error)? {
            None => break,
            Some(Line::Text(bytes)) => request.parse_bytes_into(bytes),
            // Its bytes were skipped, never kept.
            Some(Line::TooLong) => request.set_too_large(),
        }
        decide(evaluator, log.as_deref_mut(), &request, &mut out)?;
        if flush_each {
            out.flush()?;
        }
    }
    Ok(out.flush()?)
}

/// Whether standard output is a pipe, a socket or a terminal: someone may be waiting for each
/// decision. A regular file (or `/dev/null`) is written in large blocks.
fn stdout_is_watched() -> bool {
    use std::io::IsTerminal as _;
    use std::os::fd::AsFd as _;
    use std::os::unix::fs::FileTypeExt as _;
    let stdout = std::io::stdout();
    if stdout.is_terminal() {
        return true;
    }
    stdout
        .as_fd()
        .try_clone_to_owned()
        .map(std::fs::File::from)
        .and_then(|file| file.metadata())
        .map_or(true, |metadata| {
            let kind = metadata.file_type();
            kind.is_fifo() || kind.is_socket()
        })
}

fn decide(
    evaluator: &mut Evaluator,
    log: Option<&mut DecisionLog>,
    request: &Request,
    out: &mut impl Write,
) -> std::io::Result<()> {
    let decision = match log {
        Some(log) => evaluator.decide_logged(request, log),
        None => evaluator.decide(request),
    };
    out.write_all(decision.to_json().as_bytes())?;
    out.write_all(b"\n")
}
