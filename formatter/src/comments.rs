//! Comment attachment: before any rule runs, every comment is attached to a token as a leading
//! comment (on its own line before the token) or a trailing comment (after the token on the same
//! line); comments after the last token belong to the end of the file.
//!
//! Rules *take* the comments of the tokens they print, so a comment is printed exactly once; the
//! count of comments not yet taken must be zero when formatting ends, or the formatter refuses.

use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use fpl_syntax::line_index::count_line_ends;
use fpl_syntax::{GreenNode, SyntaxKind, SyntaxToken};

/// A comment on its own line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment<'a> {
    /// The comment's text from `#`, without trailing whitespace.
    pub text: &'a str,
    /// Whether a blank line separates it from what comes before.
    pub blank_before: bool,
}

/// What stands before a token: comments on their own lines and blank lines.
#[derive(Debug, Default)]
struct Before<'a> {
    comments: Vec<Comment<'a>>,
    /// A blank line right before the token (after its comments).
    blank_line: bool,
}

/// Maps keyed by byte offsets, hashed cheaply.
type OffsetMap<T> = HashMap<u32, T, BuildHasherDefault<OffsetHasher>>;

/// The comments and blank lines of a file, attached to the tokens they surround.
#[derive(Debug, Default)]
pub struct Comments<'a> {
    /// Keyed by the start offset of the token they precede.
    before: OffsetMap<Before<'a>>,
    /// Keyed by the end offset of the token they follow on the same line.
    trailing: OffsetMap<&'a str>,
    end: Vec<Comment<'a>>,
    untaken: usize,
}

impl<'a> Comments<'a> {
    /// Attaches every comment of the tree `root`, whose text is `text`.
    pub fn attach(root: &GreenNode, text: &'a str) -> Self {
        let mut comments = Comments::default();
        let mut newlines = 0usize;
        let mut last_token_end: Option<u32> = None;
        let mut pending: Vec<Comment<'a>> = Vec::new();
        for (kind, start, end) in green_tokens(root) {
            if kind == SyntaxKind::WHITESPACE as u16 {
                let whitespace = text.get(start..end).unwrap_or_default();
                newlines += count_line_ends(whitespace);
                continue;
            }
            if kind == SyntaxKind::COMMENT as u16 {
                let comment_text = text.get(start..end).unwrap_or_default().trim_end();
                comments.untaken += 1;
                match last_token_end {
                    Some(offset) if newlines == 0 => {
                        comments.trailing.insert(offset, comment_text);
                    }
                    _ => pending.push(Comment {
                        text: comment_text,
                        blank_before: newlines >= 2,
                    }),
                }
                newlines = 0;
                continue;
            }
            if !pending.is_empty() || newlines >= 2 {
                comments.before.insert(
                    start as u32,
                    Before {
                        comments: std::mem::take(&mut pending),
                        blank_line: newlines >= 2,
                    },
                );
            }
            newlines = 0;
            last_token_end = Some(end as u32);
        }
        comments.end = pending;
        comments
    }

    /// Takes the comments on their own lines before `token`.
    pub fn take_leading(&mut self, token: &SyntaxToken) -> Vec<Comment<'a>> {
        self.take_leading_at(token.text_range().start().into())
    }

    /// Takes the comments on their own lines before the token starting at `start`.
    pub fn take_leading_at(&mut self, start: u32) -> Vec<Comment<'a>> {
        match self.before.get_mut(&start) {
            Some(before) if !before.comments.is_empty() => {
                self.untaken -= before.comments.len();
                std::mem::take(&mut before.comments)
            }
            _ => Vec::new(),
        }
    }

    /// Takes the comment on the same line after the token ending at `end`.
    pub fn take_trailing_at(&mut self, end: u32) -> Option<&'a str> {
        let comment = self.trailing.remove(&end)?;
        self.untaken -= 1;
        Some(comment)
    }

    /// Whether the source has a blank line right before the token starting at `start` (after
    /// its leading comments).
    pub fn blank_before_at(&self, start: u32) -> bool {
        self.before
            .get(&start)
            .is_some_and(|before| before.blank_line)
    }

    /// Whether the token at `start..end` has comments not taken yet.
    pub fn has_comments_at(&self, start: u32, end: u32) -> bool {
        (!self.trailing.is_empty() && self.trailing.contains_key(&end))
            || (!self.before.is_empty()
                && self
                    .before
                    .get(&start)
                    .is_some_and(|before| !before.comments.is_empty()))
    }

    /// Takes the comments after the last token of the file.
    pub fn take_end(&mut self) -> Vec<Comment<'a>> {
        self.untaken -= self.end.len();
        std::mem::take(&mut self.end)
    }

    /// How many comments no rule has taken yet.
    pub fn untaken(&self) -> usize {
        self.untaken
    }
}

/// A hasher for byte offsets: one multiplication (offsets are already well spread).
#[derive(Debug, Default, Clone, Copy)]
struct OffsetHasher(u64);

impl Hasher for OffsetHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.0 = (self.0.rotate_left(8) ^ u64::from(byte)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.0 = u64::from(value).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// Every token of a green tree in order: raw kind, start and end offsets. Walking the green tree
/// directly allocates nothing per node.
fn green_tokens(root: &GreenNode) -> impl Iterator<Item = (u16, usize, usize)> + '_ {
    let mut stack = vec![root.children()];
    let mut offset = 0;
    std::iter::from_fn(move || {
        loop {
            let top = stack.last_mut()?;
            let Some(child) = top.next() else {
                stack.pop();
                continue;
            };
            if let Some(node) = child.as_node() {
                stack.push(node.children());
            } else if let Some(token) = child.as_token() {
                let start = offset;
                offset += token.text().len();
                return Some((token.kind().0, start, offset));
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first_token(root: &fpl_syntax::SyntaxNode, text: &str) -> SyntaxToken {
        match root
            .descendants_with_tokens()
            .filter_map(|element| element.into_token())
            .find(|token| token.text() == text)
        {
            Some(token) => token,
            None => panic!("no token `{text}`"),
        }
    }

    #[test]
    fn leading_trailing_and_end_comments() {
        let text = "# a\n\n# b\nagent x { # c\n\n  default deny # d\n}\n# e\n";
        let parse = fpl_syntax::parse(text);
        let root = parse.syntax_node();
        let mut comments = Comments::attach(parse.green(), text);
        assert_eq!(comments.untaken(), 5);
        let agent = first_token(&root, "agent");
        let leading = comments.take_leading(&agent);
        assert_eq!(
            leading,
            vec![
                Comment {
                    text: "# a",
                    blank_before: false
                },
                Comment {
                    text: "# b",
                    blank_before: true
                },
            ]
        );
        assert_eq!(
            comments.take_trailing_at(first_token(&root, "{").text_range().end().into()),
            Some("# c")
        );
        let default = first_token(&root, "default");
        assert!(comments.blank_before_at(default.text_range().start().into()));
        assert_eq!(
            comments.take_trailing_at(first_token(&root, "deny").text_range().end().into()),
            Some("# d")
        );
        assert_eq!(comments.take_end().len(), 1);
        assert_eq!(comments.untaken(), 0);
    }
}
