//! Rendering registry errors with miette: the `E04xx` code, the message naming the reference and
//! the source, the `import` line when there is one, and what to do.

use std::process::ExitCode;

use fpl_analyzer::SourceFile;
use fpl_analyzer::form::FrontEndError;
use fpl_registry::{ErrorKind, Failure, SiteFile};
use fpl_syntax::TextRange;
use miette::{LabeledSpan, NamedSource, SourceSpan};

/// One error, ready for miette: a registry error, or a policy file whose imports cannot be
/// read.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
struct Report {
    message: String,
    code: &'static str,
    help: Option<String>,
    snippet: Option<Snippet>,
}

/// Where an error is shown: the file, the span and its label.
#[derive(Debug)]
struct Snippet {
    source: NamedSource<String>,
    span: SourceSpan,
    label: &'static str,
}

impl Snippet {
    fn new(file: &SourceFile, range: TextRange, label: &'static str) -> Snippet {
        Snippet {
            source: NamedSource::new(&file.path, file.text.clone()),
            span: SourceSpan::new(usize::from(range.start()).into(), usize::from(range.len())),
            label,
        }
    }
}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet
            .as_ref()
            .map(|snippet| &snippet.source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let snippet = self.snippet.as_ref()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some(snippet.label.to_string()), snippet.span),
        )))
    }
}

fn report(error: fpl_registry::Error, snippet: Option<Snippet>) {
    eprintln!(
        "{:?}",
        miette::Report::new(Report {
            message: error.to_string(),
            code: super::imports::code(error.kind()).as_str(),
            help: error.help(),
            snippet,
        })
    );
}

/// Prints an error and returns the exit code: 2 when a project file or the cache is at fault,
/// else 1.
pub fn fail(error: fpl_registry::Error) -> ExitCode {
    let status = exit_status(&error);
    report(error, None);
    status
}

/// Prints the failures of a resolution, each at its `import` line when that is in a local file
/// (`files`: in the order given to the project), and returns the exit code.
pub fn fail_all(failures: Vec<Failure>, files: &[SourceFile]) -> ExitCode {
    let mut status = ExitCode::from(1);
    let count = failures.len();
    for failure in failures {
        if failure.error.kind() == ErrorKind::ProjectFile {
            status = exit_status(&failure.error);
        }
        let snippet = match failure.site.file {
            SiteFile::Local(index) => files
                .get(index)
                .map(|file| Snippet::new(file, failure.site.range, "imported here")),
            SiteFile::Import(_) => None,
        };
        report(failure.error, snippet);
    }
    eprintln!("faramesh: {count} import(s) failed; nothing was written");
    status
}

fn exit_status(error: &fpl_registry::Error) -> ExitCode {
    if error.kind() == ErrorKind::ProjectFile {
        ExitCode::from(super::EXIT_USAGE)
    } else {
        ExitCode::from(1)
    }
}

/// Prints, for each YAML/JSON policy of `files` whose imports cannot be read (by index), why,
/// and returns exit code 1: resolving without them would drop their imports from the lock.
pub fn fail_unread(unread: &[(usize, FrontEndError)], files: &[SourceFile]) -> ExitCode {
    for (index, error) in unread {
        let file = &files[*index];
        eprintln!(
            "{:?}",
            miette::Report::new(Report {
                message: format!("the imports of `{}` cannot be read: {}", file.path, error.message),
                code: error.code.as_str(),
                help: Some("fix the document (`faramesh check` shows every mistake), then run the command again".to_string()),
                snippet: Some(Snippet::new(file, error.range, "here")),
            })
        );
    }
    eprintln!("faramesh: nothing was written");
    ExitCode::from(1)
}
