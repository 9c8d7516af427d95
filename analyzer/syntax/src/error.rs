//! Syntax errors: what the lexer and parser report, as data with byte ranges.

use rowan::TextRange;

/// The stable codes of lexical and syntax errors (SPEC §13, `E00xx` and `E01xx`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// Character not allowed outside strings and comments.
    E0001,
    /// Bad string: escape, newline or missing closing quote.
    E0002,
    /// Bad number, money, duration or size literal.
    E0003,
    /// Nesting deeper than 64.
    E0005,
    /// File larger than 16 MiB.
    E0006,
    /// Unexpected token.
    E0101,
    /// Flat rules mixed with `agent` blocks in one file.
    E0102,
    /// Clause repeated in a rule.
    E0103,
    /// Unknown statement in a block.
    E0104,
    /// Comparison chained without parentheses.
    E0105,
}

impl ErrorCode {
    /// The code as printed, e.g. `"E0101"`.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::E0001 => "E0001",
            ErrorCode::E0002 => "E0002",
            ErrorCode::E0003 => "E0003",
            ErrorCode::E0005 => "E0005",
            ErrorCode::E0006 => "E0006",
            ErrorCode::E0101 => "E0101",
            ErrorCode::E0102 => "E0102",
            ErrorCode::E0103 => "E0103",
            ErrorCode::E0104 => "E0104",
            ErrorCode::E0105 => "E0105",
        }
    }
}

/// One syntax error with the byte range it covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxError {
    /// The stable error code.
    pub code: ErrorCode,
    /// Short lowercase message naming the construct in backticks.
    pub message: String,
    /// The bytes the error is about.
    pub range: TextRange,
    /// Edits that fix the error, e.g. the keyword a misspelling was close to.
    pub fix: Option<SyntaxFix>,
}

/// A fix of a syntax error: what it does and the edits that make it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxFix {
    /// What the fix does, e.g. "replace with `default`".
    pub title: String,
    /// Replacements of byte ranges of the original text; they never overlap.
    pub edits: Vec<SyntaxEdit>,
}

/// One replacement of a byte range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyntaxEdit {
    /// The bytes to replace.
    pub range: TextRange,
    /// The new text.
    pub replacement: String,
}

impl SyntaxError {
    /// `E0006` at the start of a file larger than [`crate::MAX_FILE_SIZE`]: the parser's verdict
    /// on such a text, and the loaders' on a file they refused to read.
    pub fn file_too_large() -> SyntaxError {
        SyntaxError {
            code: ErrorCode::E0006,
            message: format!(
                "file larger than {} MiB",
                crate::MAX_FILE_SIZE / (1024 * 1024)
            ),
            range: TextRange::empty(0.into()),
            fix: None,
        }
    }
}
