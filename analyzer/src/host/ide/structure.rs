//! The shape of a file: outline symbols, folding ranges, selection ranges, token highlights and
//! inlay hints.

use fpl_syntax::ast::{self, AstNode};
use fpl_syntax::line_index::count_line_ends;
use fpl_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize};

use crate::hir;

/// What an outline entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SymbolKind {
    /// `agent`
    Agent,
    /// `phase`
    Phase,
    /// A rule.
    Rule,
    /// `credential`
    Credential,
    /// `budget`
    Budget,
    /// `provider`
    Provider,
    /// `var`
    Var,
    /// Any other block.
    Block,
}

/// An outline entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Symbol {
    /// The name shown.
    pub name: String,
    /// A short description.
    pub detail: Option<String>,
    /// What it is.
    pub kind: SymbolKind,
    /// The whole construct.
    pub range: TextRange,
    /// The name (or keyword) to select.
    pub selection: TextRange,
    /// Nested entries.
    pub children: Vec<Symbol>,
}

/// What a folding range folds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FoldKind {
    /// A block.
    Block,
    /// A run of comments.
    Comment,
}

/// A foldable region.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fold {
    /// The region.
    pub range: TextRange,
    /// What it is.
    pub kind: FoldKind,
}

/// The highlight class of a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HighlightKind {
    /// A keyword.
    Keyword,
    /// A string.
    String,
    /// A number, money, duration or size.
    Number,
    /// A comment.
    Comment,
    /// An operator.
    Operator,
    /// A tool, host or other pattern.
    Pattern,
    /// A declared name (agent, phase, provider, credential).
    Declaration,
    /// An argument path.
    Property,
    /// A path root (`args`, `session`, …).
    Root,
    /// A built-in function.
    Function,
    /// A configuration key.
    Key,
}

/// One highlighted token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TokenHighlight {
    /// The token.
    pub range: TextRange,
    /// Its class.
    pub kind: HighlightKind,
    /// Whether it is the effect of a mandatory deny (`deny!`).
    pub mandatory: bool,
}

/// A hint shown inline.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlayHint {
    /// Where it is shown.
    pub offset: TextSize,
    /// The text.
    pub label: String,
    /// Whether it describes a parameter-like piece (`args.`) rather than a type-like one.
    pub is_path: bool,
}

pub(super) fn symbols(root: &SyntaxNode) -> Vec<Symbol> {
    root.children().filter_map(|node| symbol(&node)).collect()
}

fn symbol(node: &SyntaxNode) -> Option<Symbol> {
    let keyword = node
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| token.kind() == SyntaxKind::KEYWORD);
    let name = node.children().find_map(ast::Name::cast);
    let selection = name
        .as_ref()
        .map(|name| name.syntax().text_range())
        .or(keyword.as_ref().map(SyntaxToken::text_range))
        .unwrap_or(node.text_range());
    let named = |kind: SymbolKind| -> Option<(String, SymbolKind)> {
        Some((name.as_ref().map(ast::Name::text).unwrap_or_default(), kind))
    };
    let (label, kind) = match node.kind() {
        SyntaxKind::AGENT => named(SymbolKind::Agent)?,
        SyntaxKind::PHASE => named(SymbolKind::Phase)?,
        SyntaxKind::CREDENTIAL => named(SymbolKind::Credential)?,
        SyntaxKind::PROVIDER => named(SymbolKind::Provider)?,
        SyntaxKind::VAR_DECL => named(SymbolKind::Var)?,
        SyntaxKind::BUDGET => (
            format!(
                "budget {}",
                name.as_ref().map(ast::Name::text).unwrap_or_default()
            ),
            SymbolKind::Budget,
        ),
        SyntaxKind::RULE => (rule_label(node), SymbolKind::Rule),
        SyntaxKind::RULES_BLOCK => ("rules".to_string(), SymbolKind::Block),
        SyntaxKind::DEFAULT_DECL | SyntaxKind::ATTRIBUTE | SyntaxKind::ERROR => return None,
        _ => {
            let keyword = keyword?.text().to_string();
            match &name {
                Some(name) => (format!("{keyword} {}", name.text()), SymbolKind::Block),
                None => (keyword, SymbolKind::Block),
            }
        }
    };
    let children = match node.kind() {
        SyntaxKind::AGENT | SyntaxKind::PHASE | SyntaxKind::RULES_BLOCK => {
            node.children().filter_map(|child| symbol(&child)).collect()
        }
        _ => Vec::new(),
    };
    Some(Symbol {
        name: if label.is_empty() {
            "?".to_string()
        } else {
            label
        },
        detail: None,
        kind,
        range: node.text_range(),
        selection,
        children,
    })
}

fn rule_label(rule: &SyntaxNode) -> String {
    let rule = ast::Rule::cast(rule.clone());
    let effect = rule
        .as_ref()
        .and_then(ast::Rule::effect)
        .map(|effect| effect.syntax().text().to_string())
        .unwrap_or_default();
    let pattern = rule
        .as_ref()
        .and_then(ast::Rule::pattern)
        .map(|pattern| pattern.text())
        .unwrap_or_default();
    format!("{effect} {pattern}")
}

pub(super) fn folds(root: &SyntaxNode) -> Vec<Fold> {
    let mut out = Vec::new();
    for node in root.descendants() {
        let braces: Vec<SyntaxToken> = node
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .filter(|token| matches!(token.kind(), SyntaxKind::L_BRACE | SyntaxKind::R_BRACE))
            .collect();
        if let (Some(open), Some(close)) = (
            braces.iter().find(|t| t.kind() == SyntaxKind::L_BRACE),
            braces
                .iter()
                .rev()
                .find(|t| t.kind() == SyntaxKind::R_BRACE),
        ) && open.text_range().start() < close.text_range().start()
        {
            out.push(Fold {
                range: TextRange::new(open.text_range().start(), close.text_range().end()),
                kind: FoldKind::Block,
            });
        }
    }
    let mut run: Option<(TextRange, usize)> = None;
    let flush = |run: &mut Option<(TextRange, usize)>, out: &mut Vec<Fold>| {
        if let Some((range, count)) = run.take()
            && count > 1
        {
            out.push(Fold {
                range,
                kind: FoldKind::Comment,
            });
        }
    };
    for token in root
        .descendants_with_tokens()
        .filter_map(|e| e.into_token())
    {
        match token.kind() {
            SyntaxKind::COMMENT => {
                run = Some(match run {
                    Some((range, count)) => (range.cover(token.text_range()), count + 1),
                    None => (token.text_range(), 1),
                });
            }
            SyntaxKind::WHITESPACE if count_line_ends(token.text()) <= 1 => {}
            _ => flush(&mut run, &mut out),
        }
    }
    flush(&mut run, &mut out);
    out
}

pub(super) fn selection(root: &SyntaxNode, offset: TextSize) -> Vec<TextRange> {
    let Some(token) = super::token_at(root, offset) else {
        return Vec::new();
    };
    let mut out = vec![token.text_range()];
    for node in token.parent_ancestors() {
        if out.last() != Some(&node.text_range()) {
            out.push(node.text_range());
        }
    }
    out
}

pub(super) fn highlights(root: &SyntaxNode) -> Vec<TokenHighlight> {
    root.descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter_map(|token| {
            let parent = token.parent()?.kind();
            let kind = match token.kind() {
                SyntaxKind::COMMENT => HighlightKind::Comment,
                SyntaxKind::STRING if parent == SyntaxKind::TOOL_PATTERN => HighlightKind::Pattern,
                SyntaxKind::STRING if parent == SyntaxKind::NAME => HighlightKind::Declaration,
                SyntaxKind::STRING if super::completion::in_tools_list(&token) => {
                    HighlightKind::Pattern
                }
                SyntaxKind::STRING | SyntaxKind::PUBLIC_KEY => HighlightKind::String,
                SyntaxKind::NUMBER
                | SyntaxKind::MONEY
                | SyntaxKind::DURATION
                | SyntaxKind::SIZE => HighlightKind::Number,
                SyntaxKind::PATTERN => HighlightKind::Pattern,
                SyntaxKind::KEYWORD => HighlightKind::Keyword,
                SyntaxKind::IDENT => match parent {
                    SyntaxKind::NAME => HighlightKind::Declaration,
                    SyntaxKind::CONFIG_ENTRY => HighlightKind::Key,
                    SyntaxKind::PATH_EXPR => {
                        let in_call = token
                            .parent()
                            .and_then(|p| p.parent())
                            .is_some_and(|p| p.kind() == SyntaxKind::CALL_EXPR);
                        let first = token
                            .prev_token()
                            .is_none_or(|t| t.kind() != SyntaxKind::DOT);
                        if in_call {
                            HighlightKind::Function
                        } else if first && hir::Root::from_name(token.text()).is_some() {
                            HighlightKind::Root
                        } else {
                            HighlightKind::Property
                        }
                    }
                    _ => return None,
                },
                SyntaxKind::EQ2
                | SyntaxKind::NEQ
                | SyntaxKind::LT
                | SyntaxKind::LTE
                | SyntaxKind::GT
                | SyntaxKind::GTE
                | SyntaxKind::MATCH
                | SyntaxKind::NOT_MATCH
                | SyntaxKind::AMP2
                | SyntaxKind::PIPE2
                | SyntaxKind::BANG => HighlightKind::Operator,
                _ => return None,
            };
            let mandatory = parent == SyntaxKind::EFFECT
                && token
                    .parent()
                    .and_then(ast::Effect::cast)
                    .is_some_and(|effect| effect.is_mandatory());
            Some(TokenHighlight {
                range: token.text_range(),
                kind,
                mandatory,
            })
        })
        .collect()
}

type RuleLookup<'a> = &'a dyn Fn(TextSize) -> Option<(String, hir::Rule)>;

pub(super) fn inlay_hints(
    root: &SyntaxNode,
    range: TextRange,
    rule_at: RuleLookup<'_>,
) -> Vec<InlayHint> {
    let mut out = Vec::new();
    for node in root.descendants() {
        if node.text_range().intersect(range).is_none() {
            continue;
        }
        match node.kind() {
            SyntaxKind::PATH_EXPR => {
                let in_call = node
                    .parent()
                    .is_some_and(|p| p.kind() == SyntaxKind::CALL_EXPR);
                let Some(first) = node.first_token() else {
                    continue;
                };
                if !in_call && hir::Root::from_name(first.text()).is_none() {
                    out.push(InlayHint {
                        offset: first.text_range().start(),
                        label: "args.".to_string(),
                        is_path: true,
                    });
                }
            }
            SyntaxKind::RULE => {
                if let Some((agent, rule)) = rule_at(node.text_range().start()) {
                    let end = node
                        .last_token()
                        .map_or(node.text_range().end(), |token| token.text_range().end());
                    out.push(InlayHint {
                        offset: end,
                        label: format!(" {agent}/{}", rule.number),
                        is_path: false,
                    });
                }
            }
            _ => {}
        }
    }
    out
}
