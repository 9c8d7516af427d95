//! Token runs: the tokens of a piece of one statement printed in order, separated by the spacing
//! of [`crate::spacing`], each with its comments. Structured pieces inside a run (a list written
//! over several lines, a nested block) are handed to their rules.

use fpl_syntax::{SyntaxElement, SyntaxNode, SyntaxToken, TextSize};

use crate::context::Ctx;
use crate::doc::Doc;
use crate::{rules, spacing};

/// A run of tokens being laid out on one logical line.
pub struct Run<'a> {
    docs: Vec<Doc<'a>>,
    /// With hanging indentation: everything after the first token, indented one level.
    rest: Option<Vec<Doc<'a>>>,
    hanging: bool,
    prev: Option<SyntaxToken>,
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
        let mut skip_to: Option<TextSize> = None;
        for element in node.descendants_with_tokens() {
            if skip_to.is_some_and(|end| element.text_range().start() < end) {
                continue;
            }
            match element {
                SyntaxElement::Node(inner) => {
                    if let Some(doc) = rules::structured(ctx, &inner) {
                        self.piece(&inner, doc);
                        skip_to = Some(inner.text_range().end());
                    }
                }
                SyntaxElement::Token(token) => {
                    if !token.kind().is_trivia() {
                        self.token(ctx, &token);
                    }
                }
            }
        }
    }

    /// Adds one token with its comments.
    pub fn token(&mut self, ctx: &mut Ctx<'a>, token: &SyntaxToken) {
        self.separate(token);
        let doc = ctx.token(token);
        self.push(doc);
        self.prev = Some(token.clone());
    }

    /// Adds a piece formatted by another rule, spaced as its first and last tokens.
    pub fn piece(&mut self, node: &SyntaxNode, doc: Doc<'a>) {
        if let Some(first) = node.first_token() {
            self.separate(&first);
        }
        self.push(doc);
        self.prev = node.last_token().or(self.prev.take());
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

    fn separate(&mut self, next: &SyntaxToken) {
        if let Some(prev) = &self.prev
            && spacing::needs_space(prev, next)
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
