//! Source files, their ids and the 1-based lines and columns shown to people.

use fpl_syntax::{ColumnUnit, LineIndex, TextSize};

/// Identifies a file within one analysis.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct FileId(pub u32);

/// Where a file of a policy comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub enum Origin {
    /// One of the project's own files.
    #[default]
    Local,
    /// An imported artifact (SPEC §9.2): its agents join the policy, but a local agent of the
    /// same name wins (`W0401`).
    Import(String),
}

/// A policy file: its path as given to the toolchain and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// The path as given (relative to the project root for projects).
    pub path: String,
    /// The text; invalid UTF-8 was replaced when the file was read (and reported).
    pub text: String,
    /// The byte offset of the first invalid UTF-8 sequence in the original bytes, if any.
    pub invalid_utf8_at: Option<usize>,
    /// The file is larger than [`fpl_syntax::MAX_FILE_SIZE`] and was not read: its text is
    /// empty and it is reported as `E0006`.
    pub too_large: bool,
    /// Whether the file is the project's own or imported.
    pub origin: Origin,
}

impl SourceFile {
    /// A file from text.
    pub fn new(path: impl Into<String>, text: impl Into<String>) -> Self {
        SourceFile {
            path: path.into(),
            text: text.into(),
            invalid_utf8_at: None,
            too_large: false,
            origin: Origin::Local,
        }
    }

    /// A file that was not read because it is larger than [`fpl_syntax::MAX_FILE_SIZE`].
    pub fn too_large(path: impl Into<String>) -> Self {
        SourceFile {
            too_large: true,
            ..SourceFile::new(path, "")
        }
    }

    /// A file from raw bytes: invalid UTF-8 becomes U+FFFD and is reported as `E0001`; more
    /// than [`fpl_syntax::MAX_FILE_SIZE`] bytes are dropped and reported as `E0006`.
    pub fn from_bytes(path: impl Into<String>, bytes: &[u8]) -> Self {
        if bytes.len() > fpl_syntax::MAX_FILE_SIZE {
            return SourceFile::too_large(path);
        }
        match std::str::from_utf8(bytes) {
            Ok(text) => SourceFile::new(path, text),
            Err(error) => SourceFile {
                path: path.into(),
                text: String::from_utf8_lossy(bytes).into_owned(),
                invalid_utf8_at: Some(String::from_utf8_lossy(&bytes[..error.valid_up_to()]).len()),
                too_large: false,
                origin: Origin::Local,
            },
        }
    }

    /// The file marked as the artifact that `reference` imports.
    pub fn imported_as(self, reference: impl Into<String>) -> Self {
        SourceFile {
            origin: Origin::Import(reference.into()),
            ..self
        }
    }
}

/// A 1-based line and column for people to read; columns count characters (SPEC §8). Made by
/// [`LineCol::of`] from the one line index of `fpl_syntax`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
}

impl LineCol {
    /// The line and column of byte `offset` of the text `lines` indexes.
    pub fn of(lines: &LineIndex, offset: TextSize) -> LineCol {
        let at = lines.line_column(offset, ColumnUnit::Char);
        LineCol {
            line: at.line + 1,
            column: at.column + 1,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters_and_every_line_end_counts() {
        let text = "a\n—b\rc\r\nd";
        let lines = LineIndex::new(text);
        let at = |offset: u32| {
            let LineCol { line, column } = LineCol::of(&lines, TextSize::from(offset));
            (line, column)
        };
        assert_eq!(at(0), (1, 1));
        assert_eq!(at(5), (2, 2));
        assert_eq!(at(7), (3, 1));
        assert_eq!(at(10), (4, 1));
    }

    #[test]
    fn invalid_utf8_is_located() {
        let file = SourceFile::from_bytes("x.fpl", b"ab\xffc");
        assert_eq!(file.invalid_utf8_at, Some(2));
        assert_eq!(file.text, "ab\u{fffd}c");
    }
}
