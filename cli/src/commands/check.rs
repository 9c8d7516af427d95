//! `faramesh check`: parse and check policies, print diagnostics, exit 1 on errors.

use std::path::PathBuf;
use std::process::ExitCode;

use fpl_analyzer::project::Project;
use fpl_analyzer::{Analysis, CheckOptions, host::check_project};

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

/// How a loaded policy is checked (by `check`, and by `bundle build`).
#[derive(Debug, Clone, Copy)]
pub struct CheckSettings {
    /// Report `env("X")` whose variable is not set.
    pub require_env: bool,
    /// The SMT analysis's whole-run budget in seconds; `None` skips it.
    pub smt_timeout: Option<f64>,
}

/// An analysis with every check's diagnostics, and what kept the SMT analysis from finishing.
#[derive(Debug)]
pub struct Checked {
    /// The analysis, the import and SMT diagnostics included.
    pub analysis: Analysis,
    /// Witnesses the runtime did not reproduce (toolchain bugs, not findings).
    pub smt_internal_errors: Vec<String>,
    /// Why the SMT analysis could not run, when it could not.
    pub smt_skipped: Option<String>,
}

/// Runs every check on a loaded project: the checks, then, when they found no error, the SMT
/// analysis.
pub fn analyse(project: Project, settings: &CheckSettings) -> Checked {
    let analysis = check_project(
        project,
        &CheckOptions {
            require_env: settings.require_env,
        },
    );
    let mut checked = Checked {
        analysis,
        smt_internal_errors: Vec::new(),
        smt_skipped: None,
    };
    let Some(timeout) = settings.smt_timeout else {
        return checked;
    };
    if checked.analysis.has_errors() {
        return checked;
    }
    let options = fpl_analyzer::smt::SmtOptions {
        timeout: std::time::Duration::from_secs_f64(timeout.clamp(0.001, 3600.0)),
    };
    match fpl_analyzer::smt::analyze_smt(&checked.analysis, &options) {
        Ok(report) => {
            checked.smt_internal_errors = report
                .internal_errors
                .iter()
                .map(ToString::to_string)
                .collect();
            checked.analysis.add_diagnostics(report.diagnostics);
        }
        Err(error) => checked.smt_skipped = Some(error.to_string()),
    }
    checked
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
    let checked = analyse(
        project,
        &CheckSettings {
            require_env: args.require_env,
            smt_timeout: (!args.no_smt).then_some(args.smt_timeout),
        },
    );
    for error in &checked.smt_internal_errors {
        fpl_server::report!("faramesh: {error}");
    }
    if let Some(error) = &checked.smt_skipped {
        fpl_server::report!("faramesh: SMT analysis skipped: {error}");
    }
    let analysis = checked.analysis;
    let output = render::render(&analysis, args.format);
    if let Err(error) = crate::stdout::print(&output) {
        return super::fail(error);
    }
    if analysis.has_errors() {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}
