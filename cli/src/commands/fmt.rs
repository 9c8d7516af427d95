//! `faramesh fmt`: format policy files in place, check that they are formatted, or show the diff.
//!
//! Exit codes: 0 when everything is (now) formatted; 1 with `--check` or `--diff` when a file
//! would change; 2 when a file cannot be read or written, or has syntax errors (it is left
//! untouched and its errors are printed as `file:line:col: error[CODE]: message`).

use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fpl_analyzer::{LineCol, LineIndex};
use fpl_fmt::FormatError;

/// Arguments of `faramesh fmt`.
#[derive(Debug, clap::Args)]
pub struct FmtArgs {
    /// Files or directories to format (directories are searched for `*.fpl` and `*.fms`);
    /// `-` reads standard input and writes standard output. Default: the current directory.
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
        match policy_files(path) {
            Ok(files) => {
                for file in files {
                    format_file(args, &file, &mut outcome);
                }
            }
            Err(error) => outcome.error(&format!("{}: {error}", path.display())),
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
        eprintln!("{message}");
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
            let lines = LineIndex::new(text);
            for error in &errors {
                let LineCol { line, column } = LineCol::of(&lines, error.range.start());
                outcome.error(&format!(
                    "{name}:{line}:{column}: error[{}]: {}",
                    error.code.as_str(),
                    error.message
                ));
            }
            None
        }
        Err(error @ FormatError::Internal { .. }) => {
            outcome.error(&format!("{name}: {error}; the file was left untouched"));
            None
        }
    }
}

fn format_file(args: &FmtArgs, path: &Path, outcome: &mut Outcome) {
    let name = display_path(path);
    let text = match std::fs::read(path) {
        Ok(bytes) => match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(_) => return outcome.error(&format!("{name}: not valid UTF-8")),
        },
        Err(error) => return outcome.error(&format!("{name}: cannot read: {error}")),
    };
    let Some(new_text) = formatted(&name, &text, outcome) else {
        return;
    };
    if new_text == text {
        return;
    }
    if args.check || args.diff {
        outcome.changed = true;
        if args.diff {
            print_stdout(&unified_diff(&name, &text, &new_text), outcome);
        } else {
            print_stdout(&format!("{name}\n"), outcome);
        }
        return;
    }
    if let Err(error) = super::write_atomically(path, &new_text) {
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
    let mut stdout = std::io::stdout().lock();
    if let Err(error) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
        && error.kind() != std::io::ErrorKind::BrokenPipe
    {
        outcome.error(&format!("cannot write to standard output: {error}"));
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

/// `path` itself if it is a file, else every `*.fpl` and `*.fms` under it (hidden directories
/// skipped), sorted.
fn policy_files(path: &Path) -> std::io::Result<Vec<PathBuf>> {
    if !std::fs::metadata(path)?.is_dir() {
        return Ok(vec![path.to_path_buf()]);
    }
    let mut files = Vec::new();
    let mut pending = vec![path.to_path_buf()];
    while let Some(dir) = pending.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let entry_path = entry.path();
            let hidden = entry.file_name().to_string_lossy().starts_with('.');
            let file_type = entry.file_type()?;
            if file_type.is_dir() {
                if !hidden {
                    pending.push(entry_path);
                }
            } else if is_policy_file(&entry_path) {
                files.push(entry_path);
            }
        }
    }
    files.sort();
    Ok(files)
}

fn is_policy_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|extension| extension == "fpl" || extension == "fms")
}

fn display_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    text.strip_prefix("./").unwrap_or(&text).to_string()
}
