//! `faramesh ci`: the pull-request gate. `ci report` prints the report of a change locally
//! (Markdown or JSON); `ci github` runs inside a GitHub Actions workflow and writes annotations,
//! a SARIF file, the job summary, step outputs and one sticky pull-request comment.
//!
//! Exit codes: 0 the gate passes, 1 it fails under `--fail-on`, 2 it could not run.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use fpl_action::annotations::{self, Annotation};
use fpl_action::changes::ChangedLines;
use fpl_action::github::{self, CommentError, Context, EnvError, Posted};
use fpl_action::report::{self, FailOn, Links, MarkdownOptions, Report, ReportError};

use super::imports;
use fpl_analyzer::project::{FileSource, Project};
use fpl_analyzer::{Analysis, Severity};

/// Arguments of `faramesh ci`.
#[derive(Debug, clap::Args)]
pub struct CiArgs {
    #[command(subcommand)]
    command: CiCommand,
}

#[derive(Debug, clap::Subcommand)]
enum CiCommand {
    /// Print the report of a change: the head checked, its decisions compared with the base's.
    Report(ReportArgs),
    /// Gate a pull request inside GitHub Actions: annotations, SARIF, job summary, outputs and
    /// one sticky comment.
    Github(GithubArgs),
}

/// What both commands share.
#[derive(Debug, clap::Args)]
struct GateArgs {
    /// The policy directory, inside the repository's work tree; it is read from git at both
    /// revisions, never from the work tree.
    #[arg(long, default_value = ".")]
    path: PathBuf,
    /// When to exit 1: `error`, `warning` (errors or warnings), or `loosening` (errors, a
    /// decision that became less strict, or a change the diff could not rule out).
    #[arg(long, value_enum, default_value_t = FailOnArg::Error)]
    fail_on: FailOnArg,
    /// Time budget, in seconds, of the SMT analysis of the head and again of the diff.
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    smt_timeout: f64,
    /// Recorded requests (JSONL, one request a line, as `faramesh eval --requests` reads them)
    /// to replay through both revisions; the report counts the decisions that flip.
    #[arg(long, value_name = "FILE")]
    decision_log: Option<PathBuf>,
}

/// Arguments of `faramesh ci report`.
#[derive(Debug, clap::Args)]
struct ReportArgs {
    /// The base revision (`main`, `origin/main`, a commit id).
    #[arg(long)]
    base: String,
    /// The head revision.
    #[arg(long, default_value = "HEAD")]
    head: String,
    /// How to print the report.
    #[arg(long, value_enum, default_value_t = ReportFormat::Markdown)]
    format: ReportFormat,
    #[command(flatten)]
    gate: GateArgs,
}

/// Arguments of `faramesh ci github`.
#[derive(Debug, clap::Args)]
struct GithubArgs {
    /// Keep one sticky comment with the report on the pull request (needs `GITHUB_TOKEN`).
    #[arg(long, value_name = "BOOL", default_value_t = true, action = clap::ArgAction::Set)]
    comment: bool,
    /// Also write the head's diagnostics as SARIF 2.1.0 to this file (for code scanning).
    #[arg(long, value_name = "FILE")]
    sarif: Option<PathBuf>,
    /// Where to write the JSON report (default: `$RUNNER_TEMP/faramesh-report.json`); its path
    /// is the step output `report`.
    #[arg(long, value_name = "FILE")]
    report_file: Option<PathBuf>,
    #[command(flatten)]
    gate: GateArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum FailOnArg {
    Error,
    Warning,
    Loosening,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum ReportFormat {
    Markdown,
    Json,
}

/// GitHub's limit of a comment body, in characters.
const COMMENT_LIMIT: usize = 65_536;
/// GitHub's limit of a job summary, in bytes.
const SUMMARY_LIMIT: usize = 1024 * 1024;

/// Why `faramesh ci` could not run.
#[derive(Debug, thiserror::Error)]
enum CiError {
    #[error(transparent)]
    Env(#[from] EnvError),
    #[error(transparent)]
    Report(#[from] ReportError),
    #[error(transparent)]
    Comment(#[from] CommentError),
    #[error(transparent)]
    Changes(#[from] fpl_action::changes::ChangesError),
    #[error(transparent)]
    Stdout(#[from] crate::stdout::StdoutError),
    #[error("cannot write `{path}`: {cause}")]
    Write {
        path: PathBuf,
        cause: std::io::Error,
    },
    #[error("cannot start the HTTP client: {0}")]
    Runtime(std::io::Error),
}

/// Runs the command.
pub fn run(args: &CiArgs) -> ExitCode {
    let outcome = match &args.command {
        CiCommand::Report(args) => report_command(args),
        CiCommand::Github(args) => github_command(args),
    };
    match outcome {
        Ok(true) => ExitCode::from(1),
        Ok(false) => ExitCode::SUCCESS,
        Err(error) => super::fail(error),
    }
}

impl GateArgs {
    fn fail_on(&self) -> FailOn {
        match self.fail_on {
            FailOnArg::Error => FailOn::Error,
            FailOnArg::Warning => FailOn::Warning,
            FailOnArg::Loosening => FailOn::Loosening,
        }
    }

    fn options(&self, base: &str, head: &str) -> report::ReportOptions {
        report::ReportOptions {
            dir: self.path.clone(),
            base: base.to_string(),
            head: head.to_string(),
            smt_timeout: Duration::from_secs_f64(self.smt_timeout.clamp(0.001, 3600.0)),
            decision_log: self.decision_log.clone(),
        }
    }

    /// The report of `head` against `base`, each revision with the imports its own
    /// `faramesh.lock` pins (from the cache, as `check` reads them), and the head's analysis.
    fn report(&self, base: &str, head: &str) -> Result<(Report, Analysis), CiError> {
        let add_imports = |project: &mut Project, source: &dyn FileSource, path: &Path| {
            imports::add_imports_from(project, source, path, &self.path)
                .map_err(report::ImportsError::from)
        };
        Ok(report::build(&self.options(base, head), &add_imports)?)
    }
}

/// `ci report`: prints the report; `Ok(true)` when the gate fails.
fn report_command(args: &ReportArgs) -> Result<bool, CiError> {
    let (report, _) = args.gate.report(&args.base, &args.head)?;
    let text = match args.format {
        ReportFormat::Json => report.to_json(),
        ReportFormat::Markdown => report::markdown(
            &report,
            &MarkdownOptions {
                limit: usize::MAX,
                preamble: String::new(),
                links: None,
                full_report_hint: String::new(),
            },
        ),
    };
    crate::stdout::print(&text)?;
    Ok(report.fails(args.gate.fail_on()))
}

/// `ci github`: the gate inside a workflow; `Ok(true)` when it fails.
fn github_command(args: &GithubArgs) -> Result<bool, CiError> {
    let context = Context::read(&|name| std::env::var(name).ok().filter(|v| !v.is_empty()))?;
    if args.comment && context.token.is_none() {
        return Err(CommentError::NoToken.into());
    }
    let pull = &context.pull_request;
    let (report, head) = args.gate.report(&pull.base_sha, &pull.head_sha)?;

    let changed = ChangedLines::between(&args.gate.path, &pull.base_sha, &pull.head_sha)?;
    let selection = annotations::select(&all_annotations(&report), &|path, first, last| {
        changed.touches(path, first, last)
    });
    let commands: String = selection.shown.iter().map(Annotation::command).collect();
    crate::stdout::print(&commands)?;

    if let Some(path) = &args.sarif {
        write_file(path, &fpl_action::sarif::render(&head))?;
    }
    let report_file = args.report_file.clone().unwrap_or_else(|| {
        std::env::var_os("RUNNER_TEMP")
            .map_or_else(|| PathBuf::from("."), PathBuf::from)
            .join("faramesh-report.json")
    });
    write_file(&report_file, &report.to_json())?;

    let links = Some(Links {
        server: context.server_url.clone(),
        repository: context.repository.clone(),
    });
    if let Some(path) = &context.step_summary {
        let mut summary = report::markdown(
            &report,
            &MarkdownOptions {
                limit: SUMMARY_LIMIT,
                preamble: String::new(),
                links: links.clone(),
                full_report_hint: "the JSON report is the step output `report`".to_string(),
            },
        );
        let hidden = selection.hidden_errors + selection.hidden_warnings;
        if hidden > 0 {
            summary.push_str(&format!(
                "{} errors and {} warnings are not annotated: GitHub shows {} of each per step.\n",
                selection.hidden_errors,
                selection.hidden_warnings,
                annotations::CAP_PER_SEVERITY
            ));
        }
        append(path, &summary)?;
    }
    if let Some(path) = &context.output {
        let outputs = format!(
            "loosened={}\ntightened={}\nerrors={}\nreport={}\n",
            report.counts.loosened,
            report.counts.tightened,
            report.counts.errors,
            report_file.display()
        );
        append(path, &outputs)?;
    }
    if args.comment {
        let body = report::markdown(
            &report,
            &MarkdownOptions {
                limit: COMMENT_LIMIT,
                preamble: format!("{}\n", github::STICKY_MARKER),
                links,
                full_report_hint: "the full report is in the job summary".to_string(),
            },
        );
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(CiError::Runtime)?;
        match runtime.block_on(github::post_sticky(&context, &body))? {
            Posted::Created(id) => fpl_server::report!("faramesh: created the report comment {id}"),
            Posted::Updated(id) => fpl_server::report!("faramesh: updated the report comment {id}"),
        }
    }
    Ok(report.fails(args.gate.fail_on()))
}

/// The annotations of the report: each diagnostic, each failed policy test at its case, and
/// each unformatted file as an error.
fn all_annotations(report: &Report) -> Vec<Annotation> {
    let mut all: Vec<Annotation> = report.diagnostics.iter().map(Annotation::from).collect();
    all.extend(report.tests.failures.iter().map(|it| Annotation {
        severity: Severity::Error,
        path: it.file.clone(),
        range: Some(((it.line, 1), (it.line, 1))),
        title: "policy test failed".to_string(),
        message: it.message.clone(),
    }));
    all.extend(report.unformatted.iter().map(|path| Annotation {
        severity: Severity::Error,
        path: path.clone(),
        range: None,
        title: "not formatted".to_string(),
        message: "the file is not formatted; run `faramesh fmt`".to_string(),
    }));
    all
}

fn write_file(path: &Path, text: &str) -> Result<(), CiError> {
    fpl_runtime::files::write_atomic(path, text.as_bytes()).map_err(|source| CiError::Write {
        path: path.to_path_buf(),
        cause: source,
    })
}

/// Appends to a file GitHub gives every step (the summary, the outputs).
fn append(path: &Path, text: &str) -> Result<(), CiError> {
    std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .and_then(|mut file| file.write_all(text.as_bytes()))
        .map_err(|source| CiError::Write {
            path: path.to_path_buf(),
            cause: source,
        })
}
