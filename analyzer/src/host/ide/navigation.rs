//! Names that refer to each other: agents, phases (`next`), providers (credential `backend`),
//! credentials and an agent's `var`s (`vars.<name>`); their declarations and references, for go
//! to definition, references and rename.

use fpl_syntax::ast::{self, AstNode};
use fpl_syntax::{SyntaxKind, SyntaxNode, SyntaxToken, TextRange, TextSize, is_identifier};

use super::token_at;
use crate::source::FileId;

/// A range in a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileRange {
    /// The file.
    pub file: FileId,
    /// The bytes.
    pub range: TextRange,
}

/// What kind of thing a name names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NameKind {
    /// An agent (global across the policy).
    Agent,
    /// A phase of one agent.
    Phase,
    /// A provider (global).
    Provider,
    /// A credential of one agent.
    Credential,
    /// A `var` of one agent, read as `vars.<name>`.
    Var,
}

/// A name with its kind and, for phases and credentials, the agent it belongs to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SymbolRef {
    /// The kind.
    pub kind: NameKind,
    /// The name.
    pub name: String,
    /// The owning agent for phases, credentials and vars.
    pub agent: Option<String>,
}

/// The name at `offset` and the range of its token.
pub(super) fn symbol_at(root: &SyntaxNode, offset: TextSize) -> Option<(TextRange, SymbolRef)> {
    let token = token_at(root, offset)?;
    let (symbol, _) = classify(&token)?;
    Some((name_range(&token), symbol))
}

/// Every token in `root` that names `symbol`, with whether it is a declaration.
pub(super) fn occurrences(root: &SyntaxNode, symbol: &SymbolRef) -> Vec<(SyntaxToken, bool)> {
    root.descendants_with_tokens()
        .filter_map(|element| element.into_token())
        .filter(|token| {
            matches!(
                token.kind(),
                SyntaxKind::IDENT | SyntaxKind::STRING | SyntaxKind::PATTERN
            )
        })
        .filter_map(|token| {
            let (found, declaration) = classify(&token)?;
            (found == *symbol).then_some((token, declaration))
        })
        .collect()
}

/// The range of a name's text: inside the quotes for a string.
pub(super) fn name_range(token: &SyntaxToken) -> TextRange {
    token.text_range()
}

/// How to write `name` where `token` is: as is when it is an identifier, quoted otherwise.
pub(super) fn spell_name(name: &str, token: &SyntaxToken) -> String {
    if is_identifier(name) && token.kind() != SyntaxKind::STRING {
        name.to_string()
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

/// What `token` names and whether it declares it.
fn classify(token: &SyntaxToken) -> Option<(SymbolRef, bool)> {
    let parent = token.parent()?;
    let text = ast::token_value(token);
    if parent.kind() == SyntaxKind::NAME {
        let owner = parent.parent()?;
        let kind = match owner.kind() {
            SyntaxKind::AGENT => NameKind::Agent,
            SyntaxKind::PHASE => NameKind::Phase,
            SyntaxKind::PROVIDER => NameKind::Provider,
            SyntaxKind::CREDENTIAL => NameKind::Credential,
            SyntaxKind::VAR_DECL => NameKind::Var,
            SyntaxKind::MANIFEST => {
                return Some((symbol(NameKind::Agent, text, None), false));
            }
            _ => return None,
        };
        let agent = match kind {
            NameKind::Phase | NameKind::Credential | NameKind::Var => agent_of(&owner),
            _ => None,
        };
        return Some((symbol(kind, text, agent), true));
    }
    if is_var_read(token) {
        return Some((symbol(NameKind::Var, text, agent_of(&parent)), false));
    }
    if parent.kind() == SyntaxKind::VALUE_LITERAL {
        let attribute = parent.parent()?;
        let keyword = attribute
            .children_with_tokens()
            .filter_map(|element| element.into_token())
            .find(|token| token.kind() == SyntaxKind::KEYWORD)?;
        return match (attribute.kind(), keyword.text()) {
            (SyntaxKind::PHASE_ATTR, "next") => {
                Some((symbol(NameKind::Phase, text, agent_of(&attribute)), false))
            }
            (SyntaxKind::CREDENTIAL_ATTR, "backend") => {
                Some((symbol(NameKind::Provider, text, None), false))
            }
            _ => None,
        };
    }
    None
}

/// Whether `token` is the `x` of a path `vars.x`.
fn is_var_read(token: &SyntaxToken) -> bool {
    if token.kind() != SyntaxKind::IDENT
        || token.parent().map(|parent| parent.kind()) != Some(SyntaxKind::PATH_EXPR)
    {
        return false;
    }
    let dot = token.prev_token();
    let root = dot.as_ref().and_then(SyntaxToken::prev_token);
    dot.is_some_and(|dot| dot.kind() == SyntaxKind::DOT)
        && root.is_some_and(|root| {
            root.kind() == SyntaxKind::IDENT
                && root.text() == "vars"
                && root.prev_sibling_or_token().is_none()
        })
}

fn symbol(kind: NameKind, name: String, agent: Option<String>) -> SymbolRef {
    SymbolRef { kind, name, agent }
}

fn agent_of(node: &SyntaxNode) -> Option<String> {
    node.ancestors()
        .find_map(ast::Agent::cast)
        .and_then(|agent| agent.name())
        .map(|name| name.text())
}
