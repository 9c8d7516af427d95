//! `faramesh convert FILE --to yaml|json|fpl`: one policy file between FPL and its YAML/JSON
//! form (SPEC §11). The file is checked first: a file with errors is not converted (its
//! diagnostics are printed and the exit code is 1). Output goes to standard output, or with
//! `-o` to a file written atomically. Comments are carried to YAML and FPL; JSON has none.

use std::path::PathBuf;
use std::process::ExitCode;

use fpl_analyzer::form::{self, Format as FormFormat, WriteError};
use fpl_analyzer::project::{Project, ProjectError};
use fpl_analyzer::{CheckOptions, FileId, SourceFile, host::check_policy, host::check_project};

use crate::render::{self, Format};

/// Arguments of `faramesh convert`.
#[derive(Debug, clap::Args)]
pub struct ConvertArgs {
    /// The policy file: FPL (`*.fpl`, `*.fms`) or YAML/JSON (`*.fpl.yaml`, `*.fpl.json`,
    /// `governance.fms.yaml`).
    pub file: PathBuf,
    /// The form to write.
    #[arg(long, value_enum)]
    pub to: Target,
    /// Write to this file (atomically) instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// The form `convert` writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Target {
    /// YAML, comments kept.
    Yaml,
    /// JSON.
    Json,
    /// FPL source, formatted, comments kept.
    Fpl,
}

/// Why a file could not be converted.
#[derive(Debug, thiserror::Error)]
enum ConvertError {
    #[error(transparent)]
    Load(#[from] ProjectError),
    #[error("`{0}` is a directory: `convert` takes one policy file")]
    Directory(PathBuf),
    #[error(transparent)]
    NoForm(#[from] WriteError),
}

/// Runs the command.
pub fn run(args: &ConvertArgs) -> ExitCode {
    match convert(args) {
        Ok(Some(text)) => super::print_or_write(args.output.as_deref(), &text),
        Ok(None) => ExitCode::from(1),
        Err(error) => super::fail(error),
    }
}

/// The converted text; `None` after printing the diagnostics of a file with errors.
fn convert(args: &ConvertArgs) -> Result<Option<String>, ConvertError> {
    if args.file.is_dir() {
        return Err(ConvertError::Directory(args.file.clone()));
    }
    let project = Project::load(std::slice::from_ref(&args.file))?;
    let analysis = check_project(project, &CheckOptions::default());
    if analysis.has_errors() {
        fpl_server::report!("{}", render::render(&analysis, Format::Human).trim_end());
        return Ok(None);
    }
    let source = &analysis.file(FileId(0)).source;
    let is_form = form::is_form_file(&source.path);
    let format = match args.to {
        Target::Yaml => FormFormat::Yaml,
        Target::Json => FormFormat::Json,
        Target::Fpl if is_form => {
            // No errors were found, so the document turns into FPL.
            return Ok(form::to_fpl_source(&source.text).ok());
        }
        Target::Fpl => {
            return Ok(Some(
                fpl_fmt::format_text(&source.text).unwrap_or_else(|_| source.text.clone()),
            ));
        }
    };
    if !is_form {
        return Ok(Some(form::write::write(&analysis, FileId(0), format)?));
    }
    // YAML to JSON (or YAML again): through the FPL it stands for, comments included.
    let fpl = form::to_fpl_source(&source.text).unwrap_or_default();
    let as_fpl = check_policy(
        vec![SourceFile::new(format!("{}.fpl", source.path), fpl)],
        &CheckOptions::default(),
    );
    Ok(Some(form::write::write(&as_fpl, FileId(0), format)?))
}
