//! The result of analysing one policy: its files, its semantic model and every diagnostic, as
//! the analysis host ([`crate::host::check_project`]) gives it to the CLI and the Action.

use fpl_syntax::LineIndex;

use crate::diagnostic::{Diagnostic, Span};
use crate::hir;
use crate::source::{FileId, LineCol, Origin, SourceFile};

/// The result of analysing a policy.
#[derive(Debug, Clone)]
pub struct Analysis {
    files: Vec<AnalyzedFile>,
    /// The semantic model.
    pub policy: hir::Policy,
    /// Every diagnostic, sorted by file and position.
    pub diagnostics: Vec<Diagnostic>,
}

/// A file with its line index.
#[derive(Debug, Clone)]
pub struct AnalyzedFile {
    /// The file.
    pub source: SourceFile,
    /// Its line index.
    pub lines: LineIndex,
}

impl AnalyzedFile {
    /// A file and the line index of its text.
    pub(crate) fn new(source: SourceFile) -> AnalyzedFile {
        let lines = LineIndex::new(&source.text);
        AnalyzedFile { source, lines }
    }
}

impl Analysis {
    /// An analysis of `files` (file `i` has id `FileId(i)`), with its diagnostics sorted.
    pub(crate) fn new(
        files: Vec<AnalyzedFile>,
        policy: hir::Policy,
        mut diagnostics: Vec<Diagnostic>,
    ) -> Analysis {
        sort_diagnostics(&mut diagnostics);
        Analysis {
            files,
            policy,
            diagnostics,
        }
    }

    /// The analysed files in order: the policy's, then files that are not part of it but that
    /// diagnostics point into (a `faramesh.toml` with mistakes).
    pub fn files(&self) -> &[AnalyzedFile] {
        &self.files
    }

    /// One file.
    pub fn file(&self, file: FileId) -> &AnalyzedFile {
        &self.files[file.0 as usize]
    }

    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(Diagnostic::is_error)
    }

    /// The line and column where a span starts and ends.
    pub fn line_cols(&self, span: Span) -> (LineCol, LineCol) {
        let lines = &self.file(span.file).lines;
        (
            LineCol::of(lines, span.range.start()),
            LineCol::of(lines, span.range.end()),
        )
    }

    /// Adds diagnostics (of reading the project, of imports, of the SMT analysis), drops
    /// warnings located in imported files (their authors, not this project, can fix them;
    /// errors stay) and sorts.
    pub fn add_diagnostics(&mut self, diagnostics: Vec<Diagnostic>) {
        self.diagnostics.extend(diagnostics);
        let files = &self.files;
        self.diagnostics.retain(|diagnostic| {
            diagnostic.is_error()
                || files
                    .get(diagnostic.span.file.0 as usize)
                    .is_none_or(|file| file.source.origin == Origin::Local)
        });
        sort_diagnostics(&mut self.diagnostics);
    }

    /// Adds a file that is not part of the policy for diagnostics to point into; returns its id.
    pub(crate) fn attach(&mut self, source: SourceFile) -> FileId {
        self.files.push(AnalyzedFile::new(source));
        FileId(self.files.len() as u32 - 1)
    }
}

/// Sorts diagnostics by file, position and code, as every report lists them.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by_key(|diagnostic| {
        (
            diagnostic.span.file,
            diagnostic.span.range.start(),
            diagnostic.code,
        )
    });
}
