//! Rendering registry errors with miette: the `E04xx` code, the message naming the reference and
//! the source, the `import` line as the file has it when there is one, and what to do.

use std::ops::Range;
use std::process::ExitCode;

use fpl_analyzer::SourceFile;
use fpl_analyzer::form::FrontEndError;
use fpl_registry::{ErrorKind, Failure, SiteFile};
use miette::{LabeledSpan, NamedSource, SourceSpan};

/// The import that `faramesh import` adds to a policy file in memory before anything is
/// written. Code frames show the file as it is on disk, and a failure of the added import is
/// said to be the command line's reference, whose text is in no file yet.
#[derive(Debug)]
pub struct AddedImport {
    /// The file, by its index among the policy files resolved.
    file: usize,
    /// Its text on disk (empty for a new file).
    on_disk: String,
    /// Bytes `changed.start..old_end` of `on_disk` are `changed` of the text resolved.
    changed: Range<usize>,
    old_end: usize,
}

impl AddedImport {
    /// The addition that turned `on_disk` into `edited`, policy file `file` of the resolution.
    pub fn new(file: usize, on_disk: &str, edited: &str) -> AddedImport {
        let mut start = on_disk
            .bytes()
            .zip(edited.bytes())
            .take_while(|(a, b)| a == b)
            .count();
        while !on_disk.is_char_boundary(start) || !edited.is_char_boundary(start) {
            start -= 1;
        }
        let most = on_disk.len().min(edited.len()) - start;
        let mut same_end = on_disk
            .bytes()
            .rev()
            .zip(edited.bytes().rev())
            .take(most)
            .take_while(|(a, b)| a == b)
            .count();
        while !on_disk.is_char_boundary(on_disk.len() - same_end)
            || !edited.is_char_boundary(edited.len() - same_end)
        {
            same_end -= 1;
        }
        AddedImport {
            file,
            on_disk: on_disk.to_owned(),
            changed: start..edited.len() - same_end,
            old_end: on_disk.len() - same_end,
        }
    }

    /// Where `range` of the text resolved is in the file on disk; `None` when it is in the
    /// addition.
    fn on_disk_range(&self, range: Range<usize>) -> Option<Range<usize>> {
        if range.end <= self.changed.start {
            Some(range)
        } else if range.start >= self.changed.end {
            let shift = |at: usize| at - self.changed.end + self.old_end;
            Some(shift(range.start)..shift(range.end))
        } else {
            None
        }
    }
}

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
    fn new(path: &str, text: &str, range: Range<usize>, label: &'static str) -> Snippet {
        Snippet {
            source: NamedSource::new(path, text.to_owned()),
            span: SourceSpan::new(range.start.into(), range.len()),
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

/// Where a registry error is shown.
enum Site {
    /// Nowhere in particular (a project file, the cache).
    None,
    /// At an `import` line of a policy file.
    Frame(Snippet),
    /// At the reference given on the command line, which no frame can show.
    Argument,
}

fn report(error: fpl_registry::Error, site: Site) {
    let (message, snippet) = match site {
        Site::None => (error.to_string(), None),
        Site::Frame(snippet) => (error.to_string(), Some(snippet)),
        Site::Argument => (format!("the reference on the command line: {error}"), None),
    };
    fpl_server::report!(
        "{:?}",
        miette::Report::new(Report {
            message,
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
    report(error, Site::None);
    status
}

/// Prints the failures of a resolution, each at its `import` line when that is in a local file
/// (`files`: in the order given to the project; `added`: what `faramesh import` added to one of
/// them), and returns the exit code.
pub fn fail_all(
    failures: Vec<Failure>,
    files: &[SourceFile],
    added: Option<&AddedImport>,
) -> ExitCode {
    let mut status = ExitCode::from(1);
    let count = failures.len();
    for failure in failures {
        if failure.error.kind() == ErrorKind::ProjectFile {
            status = exit_status(&failure.error);
        }
        let site = match failure.site.file {
            SiteFile::Local(index) => files.get(index).map_or(Site::None, |file| {
                let range = Range::<usize>::from(failure.site.range);
                let (text, range) = match added.filter(|added| added.file == index) {
                    None => (&file.text, Some(range)),
                    Some(added) => (&added.on_disk, added.on_disk_range(range)),
                };
                match range {
                    Some(range) => {
                        Site::Frame(Snippet::new(&file.path, text, range, "imported here"))
                    }
                    None => Site::Argument,
                }
            }),
            SiteFile::Import(_) => Site::None,
        };
        report(failure.error, site);
    }
    fpl_server::report!("faramesh: {count} import(s) failed; nothing was written");
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
        fpl_server::report!(
            "{:?}",
            miette::Report::new(Report {
                message: format!("the imports of `{}` cannot be read: {}", file.path, error.message),
                code: error.code.as_str(),
                help: Some("fix the document (`faramesh check` shows every mistake), then run the command again".to_string()),
                snippet: Some(Snippet::new(&file.path, &file.text, error.range.into(), "here")),
            })
        );
    }
    fpl_server::report!("faramesh: nothing was written");
    ExitCode::from(1)
}

#[cfg(test)]
mod tests {
    use super::AddedImport;

    #[test]
    fn ranges_map_to_the_file_on_disk_and_the_addition_maps_to_none() {
        let on_disk = "import \"r/a@1\"\nimport \"r/b@1\"\nagent x {}\n";
        // Replacing the version of the first import.
        let edited = "import \"r/a@22\"\nimport \"r/b@1\"\nagent x {}\n";
        let added = AddedImport::new(0, on_disk, edited);
        assert_eq!(added.on_disk_range(0..6), Some(0..6));
        assert_eq!(added.on_disk_range(8..14), None);
        assert_eq!(added.on_disk_range(24..29), Some(23..28));
        // Adding a line after the last import.
        let edited = "import \"r/a@1\"\nimport \"r/b@1\"\nimport \"r/c@1\"\nagent x {}\n";
        let added = AddedImport::new(0, on_disk, edited);
        assert_eq!(added.on_disk_range(23..28), Some(23..28));
        assert_eq!(added.on_disk_range(38..43), None);
        assert_eq!(added.on_disk_range(45..50), Some(30..35));
    }
}
