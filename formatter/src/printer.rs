//! The printer: lays a [`Doc`] out as text within a line width.
//!
//! Indentation is applied lazily, when the first text of a line is printed, so a line break
//! never leaves trailing whitespace and a comment forces the next text onto a fresh line.

use crate::doc::{Doc, text_width};

/// The widest line the formatter aims for, in columns.
pub const LINE_WIDTH: usize = 100;

/// Columns added by one level of indentation.
pub const INDENT_WIDTH: usize = 2;

/// Prints `doc` and returns the text, ending with a newline unless it is empty. Lines end with
/// `line_end`.
pub fn print(doc: &Doc<'_>, line_end: LineEnd) -> String {
    let mut printer = Printer {
        line_end,
        ..Printer::default()
    };
    printer.print(doc, false);
    printer.finish()
}

/// How the printed lines end: as the file being formatted ends its lines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LineEnd {
    /// `\n`.
    #[default]
    Lf,
    /// `\r\n` (a file written on Windows).
    CrLf,
}

impl LineEnd {
    /// The line end of `text`: that of its first line (CRLF or else LF).
    pub fn of(text: &str) -> LineEnd {
        match text.find('\n') {
            Some(at) if text[..at].ends_with('\r') => LineEnd::CrLf,
            _ => LineEnd::Lf,
        }
    }

    /// The characters that end a line.
    pub fn as_str(self) -> &'static str {
        match self {
            LineEnd::Lf => "\n",
            LineEnd::CrLf => "\r\n",
        }
    }
}

struct Printer {
    out: String,
    line_end: LineEnd,
    column: usize,
    /// The indentation of the current block.
    indent: usize,
    /// Extra indentation of the lines of a statement started by a comment.
    hang: usize,
    /// The current line was started inside a statement: it takes the hang.
    hanging_line: bool,
    /// Nothing printed on the current line yet.
    at_line_start: bool,
    /// Spaces to print before the next text on this line.
    pending_spaces: usize,
    /// A comment ended the current line: the next text starts a new one.
    after_comment: bool,
    /// Newlines at the end of `out`.
    trailing_newlines: usize,
}

impl Printer {
    fn print(&mut self, doc: &Doc<'_>, flat: bool) {
        match doc {
            Doc::Text(text) => self.text(text),
            Doc::Comment(text) => {
                self.text(text);
                self.after_comment = true;
            }
            Doc::Space => self.spaces(1),
            Doc::Pad(count) => self.spaces(*count),
            Doc::SoftLine if flat => self.spaces(1),
            Doc::SoftLine | Doc::HardLine => self.line_break(false),
            Doc::HangingLine => self.line_break(true),
            Doc::BlankLine => self.blank_line(),
            Doc::Indent(docs) => {
                let hang = std::mem::take(&mut self.hang);
                self.indent += INDENT_WIDTH;
                for doc in docs {
                    self.print(doc, flat);
                }
                self.indent -= INDENT_WIDTH;
                self.hang = hang;
            }
            Doc::Hang(docs) => {
                self.hang += INDENT_WIDTH;
                for doc in docs {
                    self.print(doc, flat);
                }
                self.hang -= INDENT_WIDTH;
            }
            Doc::Concat(docs) => {
                for doc in docs {
                    self.print(doc, flat);
                }
            }
            Doc::Group(group) => {
                let flat = flat || (!group.broken && self.fits(doc));
                for doc in &group.contents {
                    self.print(doc, flat);
                }
            }
            Doc::IfBreak {
                broken,
                flat: flat_doc,
            } => {
                if flat {
                    self.print(flat_doc, true);
                } else {
                    self.print(broken, false);
                }
            }
        }
    }

    /// Whether `doc`, printed flat from here, ends within the line width.
    fn fits(&self, doc: &Doc<'_>) -> bool {
        let Some(width) = doc.flat_width() else {
            return false;
        };
        let start = if self.after_comment {
            self.indent + self.hang
        } else if self.at_line_start {
            self.line_indent()
        } else {
            self.column + self.pending_spaces
        };
        start + width <= LINE_WIDTH
    }

    fn text(&mut self, text: &str) {
        if text.is_empty() {
            return;
        }
        if self.after_comment {
            self.newline();
            self.hanging_line = true;
        }
        if self.at_line_start {
            self.push_spaces(self.line_indent());
            self.at_line_start = false;
        } else {
            self.push_spaces(self.pending_spaces);
        }
        self.pending_spaces = 0;
        self.out.push_str(text);
        self.column += text_width(text);
        self.trailing_newlines = 0;
    }

    fn push_spaces(&mut self, count: usize) {
        self.out.extend(std::iter::repeat_n(' ', count));
        self.column += count;
    }

    fn spaces(&mut self, count: usize) {
        if !self.at_line_start && !self.after_comment {
            self.pending_spaces = self.pending_spaces.max(count);
        }
    }

    fn line_indent(&self) -> usize {
        if self.hanging_line {
            self.indent + self.hang
        } else {
            self.indent
        }
    }

    fn line_break(&mut self, hanging: bool) {
        if self.at_line_start {
            self.pending_spaces = 0;
        } else {
            self.newline();
        }
        self.hanging_line = hanging;
    }

    fn blank_line(&mut self) {
        if self.out.is_empty() {
            return;
        }
        self.line_break(false);
        if self.trailing_newlines < 2 {
            self.newline();
        }
    }

    fn newline(&mut self) {
        self.out.push_str(self.line_end.as_str());
        self.column = 0;
        self.pending_spaces = 0;
        self.at_line_start = true;
        self.after_comment = false;
        self.trailing_newlines += 1;
    }

    fn finish(mut self) -> String {
        if !self.out.is_empty() && !self.at_line_start {
            self.newline();
        }
        // A blank line requested at the very end is not kept.
        let end = self.line_end.as_str();
        while self.out.ends_with(&end.repeat(2)) {
            self.out.truncate(self.out.len() - end.len());
        }
        self.out
    }
}

impl Default for Printer {
    fn default() -> Self {
        Printer {
            out: String::new(),
            line_end: LineEnd::default(),
            column: 0,
            indent: 0,
            hang: 0,
            hanging_line: false,
            at_line_start: true,
            pending_spaces: 0,
            after_comment: false,
            trailing_newlines: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(text: &str) -> Doc<'_> {
        Doc::Text(text)
    }

    #[test]
    fn indentation_is_applied_to_the_first_text_of_a_line() {
        let doc = Doc::Concat(vec![
            text("agent a {"),
            Doc::Indent(vec![Doc::HardLine, text("default deny"), Doc::Space]),
            Doc::HardLine,
            text("}"),
        ]);
        assert_eq!(print(&doc, LineEnd::Lf), "agent a {\n  default deny\n}\n");
    }

    #[test]
    fn a_comment_ends_its_line() {
        let doc = Doc::Concat(vec![
            text("permit"),
            Doc::Space,
            Doc::Comment("# c"),
            Doc::Indent(vec![Doc::Space, text("x")]),
        ]);
        assert_eq!(print(&doc, LineEnd::Lf), "permit # c\n  x\n");
    }

    #[test]
    fn groups_break_when_too_wide() {
        let long = "x".repeat(LINE_WIDTH);
        let doc = Doc::Concat(vec![
            Doc::group(
                vec![
                    text("{"),
                    Doc::SoftLine,
                    text("a"),
                    Doc::SoftLine,
                    text("}"),
                ],
                false,
            ),
            Doc::HardLine,
            Doc::group(
                vec![
                    text("{"),
                    Doc::SoftLine,
                    text(&long),
                    Doc::SoftLine,
                    text("}"),
                ],
                false,
            ),
        ]);
        assert_eq!(
            print(&doc, LineEnd::Lf),
            format!("{{ a }}\n{{\n{long}\n}}\n")
        );
    }

    #[test]
    fn blank_lines_never_stack() {
        let doc = Doc::Concat(vec![
            Doc::BlankLine,
            text("a"),
            Doc::BlankLine,
            Doc::BlankLine,
            text("b"),
            Doc::BlankLine,
        ]);
        assert_eq!(print(&doc, LineEnd::Lf), "a\n\nb\n");
    }

    #[test]
    fn crlf_line_ends_are_kept_and_blank_lines_still_never_stack() {
        let doc = Doc::Concat(vec![
            text("a"),
            Doc::BlankLine,
            Doc::BlankLine,
            text("b"),
            Doc::BlankLine,
        ]);
        assert_eq!(print(&doc, LineEnd::CrLf), "a\r\n\r\nb\r\n");
        assert_eq!(LineEnd::of("a\r\nb\n"), LineEnd::CrLf);
        assert_eq!(LineEnd::of("a\nb\r\n"), LineEnd::Lf);
        assert_eq!(LineEnd::of("a"), LineEnd::Lf);
    }
}
