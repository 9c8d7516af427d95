//! Source files, their ids and line/column conversion.

use fpl_syntax::TextSize;

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
            origin: Origin::Local,
        }
    }

    /// A file from raw bytes: invalid UTF-8 becomes U+FFFD and is reported as `E0001`.
    pub fn from_bytes(path: impl Into<String>, bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => SourceFile::new(path, text),
            Err(error) => SourceFile {
                path: path.into(),
                text: String::from_utf8_lossy(bytes).into_owned(),
                invalid_utf8_at: Some(String::from_utf8_lossy(&bytes[..error.valid_up_to()]).len()),
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

/// A 1-based line and column; columns count characters (SPEC §8).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct LineCol {
    /// 1-based line.
    pub line: u32,
    /// 1-based column in characters.
    pub column: u32,
}

/// Converts byte offsets of one text to lines and columns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    /// Indexes `text`.
    pub fn new(text: &str) -> Self {
        let mut line_starts = vec![0];
        line_starts.extend(
            text.bytes()
                .enumerate()
                .filter(|(_, b)| *b == b'\n')
                .map(|(i, _)| i + 1),
        );
        LineIndex { line_starts }
    }

    /// The line and column of a byte offset of `text` (clamped to the text).
    pub fn line_col(&self, text: &str, offset: TextSize) -> LineCol {
        let offset = usize::from(offset).min(text.len());
        let line = self.line_starts.partition_point(|start| *start <= offset) - 1;
        let start = self.line_starts[line];
        let column = text
            .get(start..offset)
            .map_or(offset - start, |prefix| prefix.chars().count());
        LineCol {
            line: line as u32 + 1,
            column: column as u32 + 1,
        }
    }

    /// The byte offset where a 0-based line starts.
    pub fn line_start(&self, line: usize) -> Option<usize> {
        self.line_starts.get(line).copied()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_count_characters() {
        let text = "a\n—b\n";
        let index = LineIndex::new(text);
        assert_eq!(
            index.line_col(text, TextSize::from(0)),
            LineCol { line: 1, column: 1 }
        );
        assert_eq!(
            index.line_col(text, TextSize::from(5)),
            LineCol { line: 2, column: 2 }
        );
        assert_eq!(
            index.line_col(text, TextSize::from(7)),
            LineCol { line: 3, column: 1 }
        );
    }

    #[test]
    fn invalid_utf8_is_located() {
        let file = SourceFile::from_bytes("x.fpl", b"ab\xffc");
        assert_eq!(file.invalid_utf8_at, Some(2));
        assert_eq!(file.text, "ab\u{fffd}c");
    }
}
