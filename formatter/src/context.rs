//! The formatting context: the source text and the attached comments, and how one token is
//! printed with its comments.

use fpl_syntax::SyntaxToken;

use crate::comments::{Comment, Comments};
use crate::doc::Doc;

/// What every rule needs: the source and the comments not printed yet.
pub struct Ctx<'a> {
    /// The source text; every token's text is a slice of it.
    pub text: &'a str,
    /// Comments attached to tokens, taken as they are printed.
    pub comments: Comments<'a>,
}

impl<'a> Ctx<'a> {
    /// `token` with the comments attached to it that no rule took before.
    pub fn token(&mut self, token: &SyntaxToken) -> Doc<'a> {
        let range = token.text_range();
        self.token_at(range.start().into(), range.end().into())
    }

    /// The token at `start..end` with the comments attached to it that no rule took before.
    pub fn token_at(&mut self, start: u32, end: u32) -> Doc<'a> {
        let text = Doc::Text(
            self.text
                .get(start as usize..end as usize)
                .unwrap_or_default(),
        );
        if !self.comments.has_comments_at(start, end) {
            return text;
        }
        let leading = self.comments.take_leading_at(start);
        let trailing = self.comments.take_trailing_at(end);
        let mut docs = Vec::with_capacity(2 * leading.len() + 3);
        for comment in &leading {
            docs.push(Doc::HangingLine);
            docs.push(Doc::Comment(comment.text));
        }
        if !leading.is_empty() {
            docs.push(Doc::HangingLine);
        }
        docs.push(text);
        if let Some(comment) = trailing {
            docs.push(Doc::Space);
            docs.push(Doc::Comment(comment));
        }
        Doc::Concat(docs)
    }
}

/// Pushes comments that stand on their own lines, keeping at most one blank line before each
/// when `keep_blank_lines`.
pub fn push_own_line_comments<'a>(
    docs: &mut Vec<Doc<'a>>,
    comments: &[Comment<'a>],
    keep_blank_lines: bool,
) {
    for comment in comments {
        docs.push(if keep_blank_lines && comment.blank_before {
            Doc::BlankLine
        } else {
            Doc::HardLine
        });
        docs.push(Doc::Comment(comment.text));
    }
}
