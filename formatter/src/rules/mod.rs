//! Formatting rules, one module per construct. A statement is first turned into a [`Stmt`]
//! (its columns and clauses); [`list`] then aligns runs of statements and lays each one out.

pub mod block;
pub mod config;
pub mod expr;
pub mod items;
pub mod list;
pub mod rule;

use fpl_syntax::SyntaxKind::{self, *};
use fpl_syntax::{SyntaxElement, SyntaxNode};

use crate::context::Ctx;
use crate::doc::Doc;

/// Statements of the same kind align with each other; `true` when written with `=`.
pub type GroupKind = (SyntaxKind, bool);

/// One statement, formatted but not yet aligned or laid out.
pub struct Stmt<'a> {
    /// The alignment kind; `None` for statements that never align (blocks).
    pub kind: Option<GroupKind>,
    /// The aligned columns, e.g. effect and pattern of a rule, key and `= value` of an entry.
    pub columns: Vec<Doc<'a>>,
    /// Clauses after the columns: on the same line when flat, one per line when broken.
    pub clauses: Vec<Doc<'a>>,
    /// Spaces after the widest cell of each column, for aligned groups (1 when absent).
    pub gaps: &'static [usize],
    /// Broken onto clause lines when longer than the line width.
    pub breakable: bool,
    /// Written over several lines in the source (keeps clauses on their own lines).
    pub multiline: bool,
}

impl<'a> Stmt<'a> {
    /// A statement laid out by its rule and never aligned.
    pub fn plain(doc: Doc<'a>) -> Self {
        Stmt {
            kind: None,
            columns: vec![doc],
            clauses: Vec::new(),
            gaps: &[],
            breakable: false,
            multiline: true,
        }
    }

    /// A statement of `kind` with the given columns.
    pub fn columns(kind: GroupKind, columns: Vec<Doc<'a>>, gaps: &'static [usize]) -> Self {
        Stmt {
            kind: Some(kind),
            columns,
            clauses: Vec::new(),
            gaps,
            breakable: false,
            multiline: false,
        }
    }

    /// The flat width of each column (the clauses together form the last one), or `None` when
    /// the statement cannot be printed on one line.
    pub fn widths(&self) -> Option<Vec<usize>> {
        self.kind?;
        if self.multiline && !self.clauses.is_empty() {
            return None;
        }
        let mut widths = Vec::with_capacity(self.columns.len() + 1);
        for column in &self.columns {
            widths.push(column.flat_width()?);
        }
        if !self.clauses.is_empty() {
            let mut width = self.clauses.len() - 1;
            for clause in &self.clauses {
                width += clause.flat_width()?;
            }
            widths.push(width);
        }
        Some(widths)
    }

    /// On one line, with `pads[i]` spaces after column `i`; `soft` pads collapse to one space
    /// when the enclosing group is flat.
    pub fn flat(self, pads: &[usize], soft: bool) -> Doc<'a> {
        let mut columns = self.columns.into_iter();
        let mut docs = Vec::new();
        let first = columns.next();
        let mut index = 0;
        let pad = |index: usize| {
            let count = pads.get(index).copied().unwrap_or(1);
            if soft && count != 1 {
                Doc::IfBreak {
                    broken: Box::new(Doc::Pad(count)),
                    flat: Box::new(Doc::Space),
                }
            } else {
                Doc::Pad(count)
            }
        };
        for column in columns {
            docs.push(pad(index));
            docs.push(column);
            index += 1;
        }
        for (position, clause) in self.clauses.into_iter().enumerate() {
            docs.push(if position == 0 {
                pad(index)
            } else {
                Doc::Space
            });
            docs.push(clause);
        }
        hang(first, docs)
    }

    /// Columns separated by single spaces, each clause on its own line.
    pub fn broken(self) -> Doc<'a> {
        let mut columns = self.columns.into_iter();
        let first = columns.next();
        let mut docs = Vec::new();
        for column in columns {
            docs.push(Doc::Space);
            docs.push(column);
        }
        let mut doc = hang(first, docs);
        if !self.clauses.is_empty() {
            let mut clauses = Vec::with_capacity(2 * self.clauses.len());
            for clause in self.clauses {
                clauses.push(Doc::HardLine);
                clauses.push(clause);
            }
            doc = Doc::Concat(vec![doc, Doc::Indent(clauses)]);
        }
        doc
    }

    /// The statement on its own: flat with single spaces when it can be, else broken.
    pub fn unaligned(self) -> Doc<'a> {
        if self.widths().is_some() {
            self.flat(&[], false)
        } else {
            self.broken()
        }
    }
}

fn hang<'a>(first: Option<Doc<'a>>, rest: Vec<Doc<'a>>) -> Doc<'a> {
    match (first, rest.is_empty()) {
        (Some(first), true) => first,
        (Some(first), false) => Doc::Concat(vec![first, Doc::Hang(rest)]),
        (None, _) => Doc::Concat(rest),
    }
}

/// Formats one statement of a block or of the file.
pub fn statement<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode, indent: usize) -> Stmt<'a> {
    match node.kind() {
        RULE => rule::rule(ctx, node),
        TRUST_DELEGATION | TRUST_INBOUND | TRUST_ENTRY => items::trust_item(ctx, node),
        CONFIG_ENTRY if block::has_body(node) => {
            Stmt::plain(block::block_statement(ctx, node, indent))
        }
        CONFIG_ENTRY | ATTRIBUTE | BUDGET_ITEM | PHASE_ATTR | CREDENTIAL_ATTR => {
            items::key_value(ctx, node, 1)
        }
        VAR_DECL => items::key_value(ctx, node, 2),
        RATE_LIMIT | REDACT => items::pattern_statement(ctx, node),
        DEFAULT_DECL | IMPORT | MANIFEST | AUDIT_INCLUDE | TRUST_KEY | CREDENTIAL_SCOPE => {
            items::simple(ctx, node)
        }
        _ if block::has_body(node) => Stmt::plain(block::block_statement(ctx, node, indent)),
        _ => items::simple(ctx, node),
    }
}

/// A piece of a run that its own rule lays out: a list written over several lines, a block.
pub fn structured<'a>(ctx: &mut Ctx<'a>, node: &SyntaxNode) -> Option<Doc<'a>> {
    match node.kind() {
        VALUE_LIST if config::is_multiline(ctx, node) => Some(config::broken_list(ctx, node)),
        CONFIG_BLOCK => Some(block::config_block(ctx, node, 0)),
        _ => None,
    }
}

/// Whether a node of raw `kind` may need [`structured`].
pub fn may_be_structured(kind: u16) -> bool {
    kind == VALUE_LIST as u16 || kind == CONFIG_BLOCK as u16
}

/// The direct children of `node` that are not trivia.
pub fn significant_children(node: &SyntaxNode) -> Vec<SyntaxElement> {
    node.children_with_tokens()
        .filter(|element| !element.kind().is_trivia())
        .collect()
}
