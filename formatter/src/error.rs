//! The errors of formatting: the input does not parse, or the formatter refused its own output.

use fpl_syntax::SyntaxError;

/// Why a text was not formatted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    /// The input has syntax errors; it is left untouched and the errors are returned.
    #[error("the input has {} syntax error(s)", .0.len())]
    Syntax(Vec<SyntaxError>),
    /// The formatter produced output it cannot prove equivalent to the input, and refused it.
    /// This is a bug in the formatter.
    #[error("internal formatter error: {message}")]
    Internal {
        /// What went wrong.
        message: String,
    },
}

impl FormatError {
    /// An internal error with `message`.
    pub(crate) fn internal(message: impl Into<String>) -> Self {
        FormatError::Internal {
            message: message.into(),
        }
    }
}
