//! One analysis of a policy: parse every file, build the model, run the checks.

use fpl_syntax::{LineIndex, Parse, TextRange, TextSize};

use crate::checks::{self, CheckOptions};
use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Span};
use crate::hir;
use crate::lower::PolicyBuilder;
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

/// A file with its parse and line index.
#[derive(Debug, Clone)]
pub struct AnalyzedFile {
    /// The file.
    pub source: SourceFile,
    /// Its syntax tree and syntax errors.
    pub parse: Parse,
    /// Its line index.
    pub lines: LineIndex,
}

/// Analyses the files of one policy.
pub fn analyze(sources: Vec<SourceFile>, options: &CheckOptions) -> Analysis {
    let mut diagnostics = Vec::new();
    let mut builder = PolicyBuilder::default();
    let mut imported = Vec::new();
    let mut files = Vec::with_capacity(sources.len());
    for (index, source) in sources.into_iter().enumerate() {
        let file = FileId(index as u32);
        let parse = fpl_syntax::parse(&source.text);
        if let Some(offset) = source.invalid_utf8_at {
            let at = TextRange::at(TextSize::from(offset as u32), TextSize::from(0));
            diagnostics.push(Diagnostic::new(
                Code::E0001,
                Span { file, range: at },
                "file is not valid UTF-8",
            ));
        }
        diagnostics.extend(
            parse
                .errors()
                .iter()
                .map(|error| syntax_diagnostic(file, error)),
        );
        match &source.origin {
            Origin::Local => builder.add_file(file, &parse.tree()),
            Origin::Import(reference) => {
                let mut own = PolicyBuilder::default();
                own.add_file(file, &parse.tree());
                imported.push((reference.clone(), own.finish()));
            }
        }
        let lines = LineIndex::new(&source.text);
        files.push(AnalyzedFile {
            source,
            parse,
            lines,
        });
    }
    let mut policy = builder.finish();
    policy.join_imports(imported);
    diagnostics.extend(checks::run(&policy, options));
    Analysis::new(files, policy, diagnostics)
}

fn syntax_diagnostic(file: FileId, error: &fpl_syntax::SyntaxError) -> Diagnostic {
    let diagnostic = Diagnostic::new(
        Code::from_syntax(error.code),
        Span {
            file,
            range: error.range,
        },
        error.message.clone(),
    );
    match &error.suggestion {
        Some(suggestion) => {
            diagnostic.with_replacement(format!("replace with `{suggestion}`"), suggestion.clone())
        }
        None => diagnostic,
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

    /// The analysed files in order.
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
