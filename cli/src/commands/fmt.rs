//! `faramesh fmt`: format policy files in place, check that they are formatted, or show the diff.
//!
//! Exit codes: 0 when everything is (now) formatted; 1 with `--check` or `--diff` when a file
//! would change; 2 when a file cannot be read or written, or has syntax errors (it is left
//! untouched and its errors are printed as `file:line:col: error[CODE]: message`).
//!
//! Policies in the YAML/JSON form (SPEC §11) are not FPL text: a directory's are passed over, and
//! one named on the command line is an error that points to YAML/JSON formatters.

use std::io::Read as _;
use std::path::PathBuf;
use std::process::ExitCode;

use fpl_analyzer::project::{Project, ProjectFile, Scope};
use fpl_analyzer::{LineCol, LineIndex};
use fpl_fmt::FormatError;
use fpl_syntax::{SyntaxError, TextRange};

/// Arguments of `faramesh fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Files or directories to format (a directory: the files its `faramesh.toml` lists, else
    /// every `*.fpl` and `*.fms` below it, outside hidden directories, `target/` and
    /// `node_modules/`); `-` reads standard input and writes standard output. Default: the
    /// current directory.
    pub paths: Vec<PathBuf>,
    /// Write nothing; list the files that would change and exit 1 if any.
    #[arg(long)]
    pub check: bool,
    /// Write nothing; print a unified diff of the changes and exit 1 if any.
    #[arg(long)]
    pub diff: bool,
}

/// Runs the command.
pub fn run(args: &FmtArgs) -> ExitCode {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let mut outcome = Outcome::default();
    for path in &paths {
        if path.as_os_str() == "-" {
            format_stdin(args, &mut outcome);
            continue;
        }
        match Project::load_scope(std::slice::from_ref(path), Scope::Sources) {
            Ok(project) => {
                for diagnostic in project.manifest_diagnostics() {
                    let manifest = &project.manifests()[diagnostic.span.file.0 as usize].source;
                    let code = diagnostic.code.as_str();
                    let at = located(&manifest.path, &manifest.text, diagnostic.span.range);
                    outcome.error(&format!("{at}: error[{code}]: {}", diagnostic.message));
                }
                for file in project.files() {
                    if fpl_analyzer::form::is_form_file(&file.source.path) {
                        if file.disk_path.as_deref() == Some(path.as_path()) {
                            outcome.error(&format!(
                                "{}: a YAML/JSON policy: `faramesh fmt` formats FPL only; format \
                                 it with a YAML or JSON formatter",
                                file.source.path
                            ));
                        }
                        continue;
                    }
                    format_file(args, file, &mut outcome);
                }
            }
            Err(error) => outcome.error(&error.to_string()),
        }
    }
    outcome.exit_code()
}

/// What happened to the files so far.
#[derive(Debug, Default)]
struct Outcome {
    changed: bool,
    failed: bool,
}

impl Outcome {
    fn error(&mut self, message: &str) {
        fpl_server::report!("{message}");
        self.failed = true;
    }

    fn exit_code(&self) -> ExitCode {
        if self.failed {
            ExitCode::from(super::EXIT_USAGE)
        } else if self.changed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }
}

/// The formatted text of `text`, or `None` after reporting why there is none.
fn formatted(name: &str, text: &str, outcome: &mut Outcome) -> Option<String> {
    match fpl_fmt::format_text(text) {
        Ok(formatted) => Some(formatted),
        Err(FormatError::Syntax(errors)) => {
            report_syntax(name, text, &errors, outcome);
            None
        }
        Err(error @ FormatError::Internal { .. }) => {
            outcome.error(&format!("{name}: {error}; the file was left untouched"));
            None
        }
    }
}

/// Reports syntax errors as `file:line:col: error[CODE]: message`.
fn report_syntax(name: &str, text: &str, errors: &[SyntaxError], outcome: &mut Outcome) {
    for error in errors {
        let at = located(name, text, error.range);
        outcome.error(&format!(
            "{at}: error[{}]: {}",
            error.code.as_str(),
            error.message
        ));
    }
}

/// `file:line:col` of the start of `range` in `text`.
fn located(name: &str, text: &str, range: TextRange) -> String {
    let LineCol { line, column } = LineCol::of(&LineIndex::new(text), range.start());
    format!("{name}:{line}:{column}")
}

fn format_file(args: &FmtArgs, file: &ProjectFile, outcome: &mut Outcome) {
    let (name, text) = (&file.source.path, &file.source.text);
    // Every file `fmt` loads is on disk; only imports and git trees have none.
    let Some(path) = &file.disk_path else {
        return;
    };
    if file.source.too_large {
        return report_syntax(name, "", &[SyntaxError::file_too_large()], outcome);
    }
    if file.source.invalid_utf8_at.is_some() {
        return outcome.error(&format!("{name}: not valid UTF-8"));
    }
    let Some(new_text) = formatted(name, text, outcome) else {
        return;
    };
    if new_text == *text {
        return;
    }
    if args.check || args.diff {
        outcome.changed = true;
        if args.diff {
            print_stdout(&unified_diff(name, text, &new_text), outcome);
        } else {
            print_stdout(&format!("{name}\n"), outcome);
        }
        return;
    }
    if let Err(error) = fpl_runtime::files::write_atomic(path, new_text.as_bytes()) {
        outcome.error(&format!("{name}: cannot write: {error}"));
    }
}

fn format_stdin(args: &FmtArgs, outcome: &mut Outcome) {
    let mut text = String::new();
    if let Err(error) = std::io::stdin().read_to_string(&mut text) {
        return outcome.error(&format!("<stdin>: cannot read: {error}"));
    }
    let Some(new_text) = formatted("<stdin>", &text, outcome) else {
        return;
    };
    if args.check || args.diff {
        if new_text != text {
            outcome.changed = true;
            if args.diff {
                print_stdout(&unified_diff("<stdin>", &text, &new_text), outcome);
            } else {
                print_stdout("<stdin>\n", outcome);
            }
        }
        return;
    }
    print_stdout(&new_text, outcome);
}

fn print_stdout(text: &str, outcome: &mut Outcome) {
    if let Err(error) = crate::stdout::print(text) {
        outcome.error(&error.to_string());
    }
}

/// A unified diff with three lines of context and `a/`, `b/` headers.
fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{name}"), &format!("b/{name}"))
        .to_string()
}
