//! `faramesh eval`: decide requests against a policy, one decision JSON per line.

use std::io::{BufRead, BufWriter, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use fpl_runtime::log::{DecisionLog, LogOptions};
use fpl_runtime::{Evaluator, Request};

use super::policy::{PolicyError, compile_paths};

/// Arguments of `faramesh eval`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("input").required(true).args(["request", "requests"])))]
pub struct EvalArgs {
    /// Policy files or directories.
    #[arg(long, required = true, num_args = 1..)]
    pub policy: Vec<PathBuf>,
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

/// Runs the command.
pub fn run(args: &EvalArgs) -> ExitCode {
    let compiled = match compile_paths(&args.policy) {
        Ok(compiled) => compiled,
        Err(PolicyError::Invalid(_)) => return ExitCode::from(1),
        Err(PolicyError::Load(error)) => return super::imports::fail(error),
    };
    let mut evaluator = match Evaluator::new(compiled) {
        Ok(evaluator) => evaluator,
        Err(error) => return super::fail(error),
    };
    let mut log = match args
        .log
        .as_deref()
        .map(|path| DecisionLog::open(path, LogOptions::default()))
    {
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
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(error) => super::fail(error),
    }
}

fn single(
    evaluator: &mut Evaluator,
    log: Option<&mut DecisionLog>,
    request: &str,
) -> std::io::Result<()> {
    let text = match request.strip_prefix('@') {
        Some(path) => std::fs::read_to_string(path)?,
        None => request.to_string(),
    };
    let mut stdout = std::io::stdout().lock();
    decide(evaluator, log, &Request::parse(text.trim()), &mut stdout)?;
    stdout.flush()
}

fn stream(
    evaluator: &mut Evaluator,
    mut log: Option<&mut DecisionLog>,
    path: &std::path::Path,
) -> std::io::Result<()> {
    let input: Box<dyn BufRead> = if path.as_os_str() == "-" {
        Box::new(std::io::stdin().lock())
    } else {
        Box::new(std::io::BufReader::new(std::fs::File::open(path)?))
    };
    let mut out = BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
    let mut request = Request::parse("{}");
    for line in input.split(b'\n') {
        let line = line?;
        let text = String::from_utf8_lossy(&line);
        if text.trim().is_empty() {
            continue;
        }
        request.parse_into(&text);
        decide(evaluator, log.as_deref_mut(), &request, &mut out)?;
    }
    out.flush()
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
