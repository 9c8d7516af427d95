//! The one diagnostic model every front end renders: code, severity, spans, notes and fixes.

use fpl_syntax::TextRange;

use crate::codes::Code;
use crate::source::FileId;

/// How serious a diagnostic is. Errors make a policy unusable; warnings do not.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// The policy cannot be bundled or evaluated.
    Error,
    /// Worth fixing; the policy still works.
    Warning,
}

impl Severity {
    /// `"error"` or `"warning"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// A place in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Span {
    /// The file.
    pub file: FileId,
    /// Byte range inside the file.
    pub range: TextRange,
}

/// A secondary span with what it shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Label {
    /// Where.
    pub span: Span,
    /// What this place has to do with the diagnostic.
    pub message: String,
}

/// One replacement of a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TextEdit {
    /// The file to edit.
    pub file: FileId,
    /// The bytes to replace.
    pub range: TextRange,
    /// The new text.
    pub replacement: String,
}

/// A fix a user can apply: a title and the edits that make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    /// What the fix does, e.g. "replace with `default`".
    pub title: String,
    /// The edits.
    pub edits: Vec<TextEdit>,
}

/// A finding about a policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable code.
    pub code: Code,
    /// Error or warning.
    pub severity: Severity,
    /// Short, lowercase, names the construct in backticks.
    pub message: String,
    /// The primary place.
    pub span: Span,
    /// Related places.
    pub labels: Vec<Label>,
    /// Why: background for the message.
    pub notes: Vec<String>,
    /// How to fix it, in words.
    pub help: Option<String>,
    /// How to fix it, as edits.
    pub fixes: Vec<Fix>,
}

impl Diagnostic {
    /// The same diagnostic with every file id (primary span, labels, fix edits) mapped by `to`.
    pub fn map_files(mut self, to: impl Fn(FileId) -> FileId) -> Self {
        self.span.file = to(self.span.file);
        for label in &mut self.labels {
            label.span.file = to(label.span.file);
        }
        for edit in self.fixes.iter_mut().flat_map(|fix| &mut fix.edits) {
            edit.file = to(edit.file);
        }
        self
    }

    /// A diagnostic with the code's default severity and nothing but a message.
    pub fn new(code: Code, span: Span, message: impl Into<String>) -> Self {
        Diagnostic {
            code,
            severity: code.default_severity(),
            message: message.into(),
            span,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    /// Adds a related place.
    pub fn with_label(mut self, span: Span, message: impl Into<String>) -> Self {
        self.labels.push(Label {
            span,
            message: message.into(),
        });
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    /// Adds a fix that replaces the primary span with `replacement`.
    pub fn with_replacement(
        mut self,
        title: impl Into<String>,
        replacement: impl Into<String>,
    ) -> Self {
        let edit = TextEdit {
            file: self.span.file,
            range: self.span.range,
            replacement: replacement.into(),
        };
        self.fixes.push(Fix {
            title: title.into(),
            edits: vec![edit],
        });
        self
    }

    /// Adds a fix made of arbitrary edits.
    pub fn with_fix(mut self, fix: Fix) -> Self {
        self.fixes.push(fix);
        self
    }

    /// Whether this diagnostic is an error.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}
