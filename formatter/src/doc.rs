//! The document IR: text, spaces, line breaks, indentation and groups, built by the rules and
//! laid out by the [printer](crate::printer).
//!
//! Text borrows from the source, so building a document allocates only its vectors.

/// One piece of a document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Doc<'a> {
    /// Literal text; never contains a newline.
    Text(&'a str),
    /// One space, dropped at the start or the end of a line.
    Space,
    /// `n` spaces of alignment padding, dropped at the end of a line.
    Pad(usize),
    /// A space when the enclosing group is flat, a line break when it is broken.
    SoftLine,
    /// A line break at the block's indentation, unless the printer is already at the start of
    /// a line.
    HardLine,
    /// A line break inside a statement (around a comment): the next line is indented by the
    /// enclosing [`Doc::Hang`]s too.
    HangingLine,
    /// An empty line: a line break and one blank line, never more than one.
    BlankLine,
    /// A `#` comment that ends its line: whatever follows goes on the next line.
    Comment(&'a str),
    /// A block's contents: their lines are indented one level (two spaces) deeper than the
    /// block, whatever hangs enclose it.
    Indent(Vec<Doc<'a>>),
    /// The rest of a statement: lines started inside it by a comment or a [`Doc::HangingLine`]
    /// are indented one more level.
    Hang(Vec<Doc<'a>>),
    /// Contents laid out flat when they fit on the line, broken otherwise.
    Group(Group<'a>),
    /// `broken` inside a broken group, `flat` inside a flat one.
    IfBreak {
        /// Printed when the enclosing group is broken.
        broken: Box<Doc<'a>>,
        /// Printed when the enclosing group is flat.
        flat: Box<Doc<'a>>,
    },
    /// A sequence of documents.
    Concat(Vec<Doc<'a>>),
}

/// A group: contents and whether they must break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group<'a> {
    /// The grouped documents.
    pub contents: Vec<Doc<'a>>,
    /// Broken whatever the width (e.g. the source already had the line breaks).
    pub broken: bool,
}

impl<'a> Doc<'a> {
    /// A group that the printer breaks only when it does not fit.
    pub fn group(contents: Vec<Doc<'a>>, broken: bool) -> Self {
        Doc::Group(Group { contents, broken })
    }

    /// The width of the document printed flat, or `None` when it cannot be flat (a hard line
    /// break, a comment or a group that must break).
    pub fn flat_width(&self) -> Option<usize> {
        let mut width = 0;
        self.add_flat_width(&mut width).then_some(width)
    }

    fn add_flat_width(&self, width: &mut usize) -> bool {
        match self {
            Doc::Text(text) => *width += text_width(text),
            Doc::Space | Doc::SoftLine => *width += 1,
            Doc::Pad(count) => *width += count,
            Doc::HardLine | Doc::HangingLine | Doc::BlankLine | Doc::Comment(_) => return false,
            Doc::Indent(docs) | Doc::Hang(docs) | Doc::Concat(docs) => {
                return docs.iter().all(|doc| doc.add_flat_width(width));
            }
            Doc::Group(group) => {
                return !group.broken && group.contents.iter().all(|doc| doc.add_flat_width(width));
            }
            Doc::IfBreak { flat, .. } => return flat.add_flat_width(width),
        }
        true
    }
}

/// The width of a text in columns: one per character.
pub fn text_width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.chars().count()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flat_width_counts_text_spaces_and_padding() {
        let doc = Doc::Concat(vec![
            Doc::Text("permit"),
            Doc::Pad(2),
            Doc::Text("é"),
            Doc::SoftLine,
        ]);
        assert_eq!(doc.flat_width(), Some(10));
    }

    #[test]
    fn hard_lines_and_comments_cannot_be_flat() {
        assert_eq!(
            Doc::Concat(vec![Doc::Text("a"), Doc::HardLine]).flat_width(),
            None
        );
        assert_eq!(Doc::Comment("# c").flat_width(), None);
        assert_eq!(Doc::group(vec![Doc::Text("a")], true).flat_width(), None);
    }
}
