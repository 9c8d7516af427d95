//! Comment attachment: before any rule runs, every comment is attached to a token as a leading
//! comment (on its own line before the token) or a trailing comment (after the token on the same
//! line); comments after the last token belong to the end of the file.
//!
//! Rules *take* the comments of the tokens they print, so a comment is printed exactly once; the
//! count of comments not yet taken must be zero when formatting ends, or the formatter refuses.

use std::collections::HashMap;

use fpl_syntax::{GreenNode, SyntaxKind, SyntaxToken};

/// A comment on its own line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Comment<'a> {
    /// The comment's text from `#`, without trailing whitespace.
    pub text: &'a str,
    /// Whether a blank line separates it from what comes before.
    pub blank_before: bool,
}

#[derive(Debug, Default)]
struct Attached<'a> {
    leading: Vec<Comment<'a>>,
    trailing: Option<&'a str>,
    blank_before: bool,
}

/// The comments and blank lines of a file, attached to the tokens they surround.
#[derive(Debug, Default)]
pub struct Comments<'a> {
    /// Keyed by the start offset of the token.
    by_token: HashMap<u32, Attached<'a>>,
    end: Vec<Comment<'a>>,
    untaken: usize,
}

impl<'a> Comments<'a> {
    /// Attaches every comment of the tree `root`, whose text is `text`.
    pub fn attach(root: &GreenNode, text: &'a str) -> Self {
        let mut comments = Comments::default();
        let mut newlines = 0usize;
        let mut last_token: Option<u32> = None;
        let mut pending: Vec<Comment<'a>> = Vec::new();
        for (kind, start, end) in green_tokens(root) {
            if kind == SyntaxKind::WHITESPACE as u16 {
                let whitespace = text.get(start..end).unwrap_or_default();
                newlines += whitespace.bytes().filter(|&byte| byte == b'\n').count();
                continue;
            }
            if kind == SyntaxKind::COMMENT as u16 {
                let comment_text = text.get(start..end).unwrap_or_default().trim_end();
                comments.untaken += 1;
                match last_token {
                    Some(offset) if newlines == 0 => {
                        comments.by_token.entry(offset).or_default().trailing = Some(comment_text);
                    }
                    _ => pending.push(Comment {
                        text: comment_text,
                        blank_before: newlines >= 2,
                    }),
                }
                newlines = 0;
                continue;
            }
            let offset = start as u32;
            if !pending.is_empty() || newlines >= 2 {
                let attached = comments.by_token.entry(offset).or_default();
                attached.leading = std::mem::take(&mut pending);
                attached.blank_before = newlines >= 2;
            }
            newlines = 0;
            last_token = Some(offset);
        }
        comments.end = pending;
        comments
    }

    /// Takes the comments on their own lines before `token`.
    pub fn take_leading(&mut self, token: &SyntaxToken) -> Vec<Comment<'a>> {
        self.take_leading_at(offset(token))
    }

    /// Takes the comments on their own lines before the token at `offset`.
    pub fn take_leading_at(&mut self, offset: u32) -> Vec<Comment<'a>> {
        match self.by_token.get_mut(&offset) {
            Some(attached) if !attached.leading.is_empty() => {
                self.untaken -= attached.leading.len();
                std::mem::take(&mut attached.leading)
            }
            _ => Vec::new(),
        }
    }

    /// Takes the comment after `token` on the same line.
    pub fn take_trailing(&mut self, token: &SyntaxToken) -> Option<&'a str> {
        self.take_trailing_at(offset(token))
    }

    /// Takes the comment after the token at `offset` on the same line.
    pub fn take_trailing_at(&mut self, offset: u32) -> Option<&'a str> {
        let comment = self.by_token.get_mut(&offset)?.trailing.take()?;
        self.untaken -= 1;
        Some(comment)
    }

    /// Whether the source has a blank line right before `token` (after its leading comments).
    pub fn blank_before(&self, token: &SyntaxToken) -> bool {
        self.by_token
            .get(&offset(token))
            .is_some_and(|attached| attached.blank_before)
    }

    /// Whether the token at `offset` has comments not taken yet.
    pub fn has_comments_at(&self, offset: u32) -> bool {
        !self.by_token.is_empty()
            && self
                .by_token
                .get(&offset)
                .is_some_and(|attached| !attached.leading.is_empty() || attached.trailing.is_some())
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

fn offset(token: &SyntaxToken) -> u32 {
    u32::from(token.text_range().start())
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
            comments.take_trailing(&first_token(&root, "{")),
            Some("# c")
        );
        assert!(comments.blank_before(&first_token(&root, "default")));
        assert_eq!(
            comments.take_trailing(&first_token(&root, "deny")),
            Some("# d")
        );
        assert_eq!(comments.take_end().len(), 1);
        assert_eq!(comments.untaken(), 0);
    }
}
