//! Token runs: the tokens of a piece of one statement printed in order, separated by the spacing
//! of [`crate::spacing`], each with its comments. Structured pieces inside a run (a list written
//! over several lines, a nested block) are handed to their rules.
//!
//! A run walks the green tree under its node directly, which allocates nothing per node.

use fpl_syntax::SyntaxKind::{self, *};
use fpl_syntax::{SyntaxElement, SyntaxNode, SyntaxToken, TextRange, TextSize};

use crate::context::Ctx;
use crate::doc::Doc;
use crate::{rules, spacing};

/// A token as the spacing rules see it: its kind, its parent's kind and its byte range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tok {
    /// The raw kind of the token.
    pub kind: u16,
    /// The raw kind of the node that holds it.
    pub parent: u16,
    /// Where it starts.
    pub start: u32,
    /// Where it ends.
    pub end: u32,
}

impl Tok {
    /// The spacing view of `token`.
    pub fn of(token: &SyntaxToken) -> Self {
        let range = token.text_range();
        Tok {
            kind: token.kind() as u16,
            parent: token
                .parent()
                .map_or(SOURCE_FILE as u16, |parent| parent.kind() as u16),
            start: range.start().into(),
            end: range.end().into(),
        }
    }

    /// Whether the token has `kind`.
    pub fn is(&self, kind: SyntaxKind) -> bool {
        self.kind == kind as u16
    }

    /// Whether the token's parent has `kind`.
    pub fn in_node(&self, kind: SyntaxKind) -> bool {
        self.parent == kind as u16
    }
}

/// A run of tokens being laid out on one logical line.
pub struct Run<'a> {
    docs: Vec<Doc<'a>>,
    /// With hanging indentation: everything after the first token, indented one level.
    rest: Option<Vec<Doc<'a>>>,
    hanging: bool,
    prev: Option<Tok>,
}

impl<'a> Run<'a> {
    /// A run printed as is.
    pub fn new() -> Self {
        Run {
            docs: Vec::new(),
            rest: None,
            hanging: false,
            prev: None,
        }
    }

    /// A run whose lines after the first (forced by comments) are indented one level.
    pub fn hanging() -> Self {
        Run {
            hanging: true,
            ..Run::new()
        }
    }

    /// A run over `elements`, trivia skipped.
    pub fn of(
        ctx: &mut Ctx<'a>,
        elements: impl IntoIterator<Item = SyntaxElement>,
        hanging: bool,
    ) -> Doc<'a> {
        let mut run = if hanging { Run::hanging() } else { Run::new() };
        for element in elements {
            run.element(ctx, &element);
        }
        run.finish()
    }

    /// Adds a token or every token of a node.
    pub fn element(&mut self, ctx: &mut Ctx<'a>, element: &SyntaxElement) {
        match element {
            SyntaxElement::Node(node) => self.node(ctx, node),
            SyntaxElement::Token(token) if !token.kind().is_trivia() => self.token(ctx, token),
            SyntaxElement::Token(_) => {}
        }
    }

    /// Adds every token of `node`, in order.
    pub fn node(&mut self, ctx: &mut Ctx<'a>, node: &SyntaxNode) {
        if let Some(doc) = rules::structured(ctx, node) {
            self.piece(node, doc);
            return;
        }
        let range = node.text_range();
        self.span(ctx, node, range.start().into(), range.end().into());
    }

    /// Adds the tokens of `node` within `start..end`, a range that covers whole children.
    pub fn span(&mut self, ctx: &mut Ctx<'a>, node: &SyntaxNode, start: u32, end: u32) {
        let green = node.green();
        let mut offset = u32::from(node.text_range().start());
        let mut stack = vec![(green.children(), node.kind() as u16)];
        while let Some((children, parent)) = stack.last_mut() {
            let parent = *parent;
            let Some(child) = children.next() else {
                stack.pop();
                continue;
            };
            if offset >= end {
                break;
            }
            if let Some(inner) = child.as_node() {
                let kind = inner.kind().0;
                let len = u32::from(inner.text_len());
                if offset + len <= start {
                    offset += len;
                    continue;
                }
                if rules::may_be_structured(kind)
                    && let Some(syntax) = find_node(node, offset, len, kind)
                    && let Some(doc) = rules::structured(ctx, &syntax)
                {
                    self.piece(&syntax, doc);
                    offset += len;
                    continue;
                }
                stack.push((inner.children(), kind));
            } else if let Some(token) = child.as_token() {
                let token_start = offset;
                offset += token.text().len() as u32;
                let kind = token.kind().0;
                if token_start >= start && kind != WHITESPACE as u16 && kind != COMMENT as u16 {
                    self.tok(
                        ctx,
                        Tok {
                            kind,
                            parent,
                            start: token_start,
                            end: offset,
                        },
                    );
                }
            }
        }
    }

    /// Adds one token with its comments.
    pub fn token(&mut self, ctx: &mut Ctx<'a>, token: &SyntaxToken) {
        self.tok(ctx, Tok::of(token));
    }

    fn tok(&mut self, ctx: &mut Ctx<'a>, tok: Tok) {
        self.separate(&tok);
        let doc = ctx.token_at(tok.start, tok.end);
        self.push(doc);
        self.prev = Some(tok);
    }

    /// Adds a piece formatted by another rule, spaced as its first and last tokens.
    pub fn piece(&mut self, node: &SyntaxNode, doc: Doc<'a>) {
        if let Some(first) = node.first_token() {
            self.separate(&Tok::of(&first));
        }
        self.push(doc);
        if let Some(last) = node.last_token() {
            self.prev = Some(Tok::of(&last));
        }
    }

    /// The laid-out run.
    pub fn finish(mut self) -> Doc<'a> {
        if let Some(rest) = self.rest.take().filter(|rest| !rest.is_empty()) {
            self.docs.push(Doc::Hang(rest));
        }
        match self.docs.len() {
            1 => self.docs.pop().unwrap_or(Doc::Concat(Vec::new())),
            _ => Doc::Concat(self.docs),
        }
    }

    fn separate(&mut self, next: &Tok) {
        if let Some(prev) = &self.prev
            && spacing::needs_space(prev, next, self_text(prev, next))
        {
            self.push(Doc::Space);
        }
    }

    fn push(&mut self, doc: Doc<'a>) {
        match &mut self.rest {
            Some(rest) => rest.push(doc),
            None => {
                self.docs.push(doc);
                if self.hanging {
                    self.rest = Some(Vec::new());
                }
            }
        }
    }
}

impl Default for Run<'_> {
    fn default() -> Self {
        Run::new()
    }
}

/// Whether the source had the two tokens glued together.
fn self_text(prev: &Tok, next: &Tok) -> bool {
    prev.end == next.start
}

/// The node of raw `kind` covering exactly `offset..offset + len` under `root`.
fn find_node(root: &SyntaxNode, offset: u32, len: u32, kind: u16) -> Option<SyntaxNode> {
    let range = TextRange::at(TextSize::from(offset), TextSize::from(len));
    let start = match root.covering_element(range) {
        SyntaxElement::Node(node) => node,
        SyntaxElement::Token(token) => token.parent()?,
    };
    start
        .ancestors()
        .take_while(|node| node.text_range() == range)
        .find(|node| node.kind() as u16 == kind)
}
