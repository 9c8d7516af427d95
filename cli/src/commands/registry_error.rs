//! Rendering registry errors with miette: the `E04xx` code, the message naming the reference and
//! the source, the `import` line when there is one, and what to do.

use std::process::ExitCode;

use fpl_analyzer::SourceFile;
use fpl_registry::{ErrorKind, Failure, SiteFile};
use miette::{LabeledSpan, NamedSource, SourceSpan};

/// One registry error, ready for miette.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
struct Report {
    error: fpl_registry::Error,
    code: &'static str,
    snippet: Option<(NamedSource<String>, SourceSpan)>,
}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        Some(Box::new(self.code))
    }

    fn help<'a>(&'a self) -> Option<Box<dyn std::fmt::Display + 'a>> {
        self.error
            .help()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        self.snippet
            .as_ref()
            .map(|(source, _)| source as &dyn miette::SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let (_, span) = self.snippet.as_ref()?;
        Some(Box::new(std::iter::once(
            LabeledSpan::new_primary_with_span(Some("imported here".to_string()), *span),
        )))
    }
}

fn report(error: fpl_registry::Error, snippet: Option<(NamedSource<String>, SourceSpan)>) {
    let code = super::imports::code(error.kind()).as_str();
    eprintln!(
        "{:?}",
        miette::Report::new(Report {
            error,
            code,
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
        let source = match failure.site.file {
            SiteFile::Local(index) => files.get(index).map(|file| {
                let range = failure.site.range;
                let span =
                    SourceSpan::new(usize::from(range.start()).into(), usize::from(range.len()));
                (NamedSource::new(&file.path, file.text.clone()), span)
            }),
            SiteFile::Import(_) => None,
        };
        report(failure.error, source);
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
