//! `faramesh check`: parse and check policies, print diagnostics, exit 1 on errors.

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;

use fpl_analyzer::{CheckOptions, host::check_project};

use crate::render::{self, Format};

/// Arguments of `faramesh check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Policy files or directories (default: the current directory).
    pub paths: Vec<PathBuf>,
    /// How to print diagnostics.
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
    /// Report `env("X")` whose variable is not set.
    #[arg(long)]
    pub require_env: bool,
    /// Skip the SMT analysis (S0301–S0307).
    #[arg(long)]
    pub no_smt: bool,
    /// Time budget of the whole SMT analysis, in seconds; rules it leaves unanalysed are
    /// reported as S0306 (each solver query also stops after 2 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub smt_timeout: f64,
}

/// Runs the command.
pub fn run(args: &CheckArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let project = match super::imports::load(&paths) {
        Ok(project) => project,
        Err(error) => return super::imports::fail(error),
    };
    let mut analysis = check_project(
        project,
        &CheckOptions {
            require_env: args.require_env,
        },
    );
    if !args.no_smt && !analysis.has_errors() {
        let options = fpl_analyzer::smt::SmtOptions {
            timeout: std::time::Duration::from_secs_f64(args.smt_timeout.clamp(0.001, 3600.0)),
        };
        match fpl_analyzer::smt::analyze_smt(&analysis, &options) {
            Ok(report) => {
                for error in &report.internal_errors {
                    eprintln!("faramesh: {error}");
                }
                analysis.add_diagnostics(report.diagnostics);
            }
            Err(error) => eprintln!("faramesh: SMT analysis skipped: {error}"),
        }
    }
    let output = render::render(&analysis, args.format);
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(output.as_bytes())
        .and_then(|()| stdout.flush())
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        return super::fail(error);
    }
    if analysis.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
