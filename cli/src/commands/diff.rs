//! `faramesh diff OLD NEW`: the semantic diff of two policy versions, each a file, a directory
//! or a git revision read from the repository's object database (not the work tree). Both are
//! read by the project loader, so a revision's `faramesh.toml` counts as a directory's does, and
//! each with the imports its own `faramesh.lock` pins (from the cache); an argument that names
//! both an existing path and a revision is refused as ambiguous.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_analyzer::project::{GitTree, ProjectError};
use fpl_analyzer::smt::{DiffReport, SmtOptions, Witness, semantic_diff};
use fpl_analyzer::{Analysis, CheckOptions, host::check_project};

use super::imports::{self, LoadError};

/// Arguments of `faramesh diff`.
#[derive(Debug, clap::Args)]
pub struct DiffArgs {
    /// The old version: a policy file, a directory, or a git revision (`HEAD~1`, `main`).
    pub old: String,
    /// The new version: a policy file, a directory, or a git revision.
    pub new: String,
    /// How to print the changes.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human)]
    pub format: DiffFormat,
    /// Time budget of the whole comparison, in seconds; agents it leaves unfinished are listed
    /// as not compared (each solver query also stops after 2 s).
    #[arg(long, value_name = "SECONDS", default_value_t = 30.0)]
    pub smt_timeout: f64,
}

/// Output formats of `faramesh diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum DiffFormat {
    /// Plain text.
    Human,
    /// One JSON document.
    Json,
    /// A Markdown table (for pull-request comments).
    Markdown,
}

/// Why a version could not be read.
#[derive(Debug, thiserror::Error)]
pub enum DiffError {
    /// Files or the revision could not be read.
    #[error(transparent)]
    Files(#[from] ProjectError),
    /// A version's files, `faramesh.toml`, `faramesh.lock` or imports could not be read.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// An argument names neither a path nor a revision.
    #[error("`{spec}` is neither a file or directory nor a git revision ({message})")]
    NotFound {
        /// The argument.
        spec: String,
        /// What git said of it as a revision.
        message: String,
    },
    /// An argument names both an existing path and a revision.
    #[error(
        "`{0}` is both a path and a git revision; write `./{0}` for the path or `{0}^{{commit}}` \
         for the revision"
    )]
    Ambiguous(String),
    /// A version has errors.
    #[error("`{0}` has errors; run `faramesh check` on it")]
    Invalid(String),
    /// The analysis could not run.
    #[error(transparent)]
    Smt(#[from] fpl_analyzer::smt::SmtError),
}

/// Runs the command: exit 0 when nothing changed, 1 when decisions or limits changed.
pub fn run(args: &DiffArgs) -> ExitCode {
    match diff(args) {
        Ok((report, output)) => {
            if let Err(error) = crate::stdout::print(&output) {
                return super::fail(error);
            }
            if report.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            }
        }
        Err(DiffError::Load(error)) => imports::fail(error),
        Err(error) => super::fail(error),
    }
}

fn diff(args: &DiffArgs) -> Result<(DiffReport, String), DiffError> {
    let old = load_version(&args.old)?;
    let new = load_version(&args.new)?;
    let options = SmtOptions {
        timeout: std::time::Duration::from_secs_f64(args.smt_timeout.clamp(0.001, 3600.0)),
    };
    let report = semantic_diff(&old, &new, &options)?;
    let output = match args.format {
        DiffFormat::Human => human(&report),
        DiffFormat::Json => json(&report),
        DiffFormat::Markdown => markdown(&report),
    };
    Ok((report, output))
}

/// Reads one version: a path on disk or a git revision of the repository around `.`, whose
/// tree is read where `.` is in the work tree.
fn load_version(spec: &str) -> Result<Analysis, DiffError> {
    let here = Path::new(".");
    let project = match (Path::new(spec).exists(), GitTree::open(here, spec)) {
        (true, Ok(_)) => return Err(DiffError::Ambiguous(spec.to_string())),
        (true, Err(_)) => imports::load(&[PathBuf::from(spec)])?,
        (false, Ok(tree)) => imports::load_from(&tree, &tree.prefix_of(here), here)?,
        (false, Err(error)) => {
            let message = match error {
                ProjectError::Git { message, .. } => message,
                other => other.to_string(),
            };
            return Err(DiffError::NotFound {
                spec: spec.to_string(),
                message,
            });
        }
    };
    let analysis = check_project(project, &CheckOptions::default());
    if analysis.has_errors() {
        return Err(DiffError::Invalid(spec.to_string()));
    }
    Ok(analysis)
}

fn rule_text(rule: &Option<String>) -> String {
    rule.as_deref()
        .map_or_else(|| "-".to_string(), str::to_string)
}

fn human(report: &DiffReport) -> String {
    let mut out = String::new();
    if report.is_empty() {
        out.push_str("no decision changed\n");
        return out;
    }
    for region in &report.regions {
        out.push_str(&format!(
            "{}: {} ({}, {}) -> {} ({}, {})\n  e.g. {}\n",
            region.agent,
            region.old.effect,
            region.old.reason_code,
            rule_text(&region.old.rule),
            region.new.effect,
            region.new.reason_code,
            rule_text(&region.new.rule),
            region.witness
        ));
    }
    for limit in &report.limits {
        out.push_str(&format!("{}: {}\n", limit.agent, limit.description));
    }
    for unknown in &report.unknown {
        out.push_str(&format!("unknown: {unknown}\n"));
    }
    out
}

/// One changed region as JSON; the witness is the typed request, its numbers exact.
#[derive(serde::Serialize)]
struct JsonRegion<'a> {
    agent: &'a str,
    old: serde_json::Value,
    new: serde_json::Value,
    witness: &'a Witness,
}

fn json(report: &DiffReport) -> String {
    let side = |side: &fpl_analyzer::smt::Side| serde_json::json!({"effect": side.effect, "reason_code": side.reason_code, "rule": side.rule});
    let regions: Vec<JsonRegion<'_>> = report
        .regions
        .iter()
        .map(|region| JsonRegion {
            agent: &region.agent,
            old: side(&region.old),
            new: side(&region.new),
            witness: &region.witness,
        })
        .collect();
    let limits: Vec<serde_json::Value> = report
        .limits
        .iter()
        .map(|limit| serde_json::json!({"agent": limit.agent, "change": limit.description}))
        .collect();
    #[derive(serde::Serialize)]
    struct Document<'a> {
        regions: Vec<JsonRegion<'a>>,
        limits: Vec<serde_json::Value>,
        unknown: &'a [String],
    }
    let document = Document {
        regions,
        limits,
        unknown: &report.unknown,
    };
    format!(
        "{}\n",
        serde_json::to_string_pretty(&document).unwrap_or_default()
    )
}

fn markdown(report: &DiffReport) -> String {
    let mut out = String::from("## Policy decision changes\n\n");
    if report.is_empty() {
        out.push_str("No decision changed.\n");
        return out;
    }
    if !report.regions.is_empty() {
        out.push_str("| agent | before | after | example request |\n|---|---|---|---|\n");
        for region in &report.regions {
            out.push_str(&format!(
                "| {} | {} `{}` ({}) | {} `{}` ({}) | `{}` |\n",
                region.agent,
                region.old.effect,
                region.old.reason_code,
                rule_text(&region.old.rule),
                region.new.effect,
                region.new.reason_code,
                rule_text(&region.new.rule),
                region.witness.to_string().replace('|', "\\|")
            ));
        }
    }
    if !report.limits.is_empty() {
        out.push_str("\n### Limits\n\n");
        for limit in &report.limits {
            out.push_str(&format!("- {}: {}\n", limit.agent, limit.description));
        }
    }
    for unknown in &report.unknown {
        out.push_str(&format!("\n- unknown: {unknown}\n"));
    }
    out
}
