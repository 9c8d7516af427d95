//! Typed nodes for condition expressions.

use super::{AstNode, ast_node, child, token, tokens};
use crate::SyntaxKind::*;
use crate::{SyntaxNode, SyntaxToken};

ast_node!(
    /// `lhs op rhs`
    BinExpr, BIN_EXPR
);
ast_node!(
    /// `not x` or `!x`
    PrefixExpr, PREFIX_EXPR
);
ast_node!(
    /// `( expr )`
    ParenExpr, PAREN_EXPR
);
ast_node!(
    /// `a.b["c"]`
    PathExpr, PATH_EXPR
);
ast_node!(
    /// A literal value.
    Literal, LITERAL
);
ast_node!(
    /// `[ literal, … ]`
    ListExpr, LIST_EXPR
);
ast_node!(
    /// `name(args)`
    CallExpr, CALL_EXPR
);

/// A condition expression.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Expr {
    /// A binary operation.
    Bin(BinExpr),
    /// `not`.
    Prefix(PrefixExpr),
    /// Parentheses.
    Paren(ParenExpr),
    /// A path.
    Path(PathExpr),
    /// A literal.
    Literal(Literal),
    /// A list of literals.
    List(ListExpr),
    /// A function call.
    Call(CallExpr),
}

impl Expr {
    /// Wraps an expression node.
    pub fn cast(node: SyntaxNode) -> Option<Expr> {
        match node.kind() {
            BIN_EXPR => BinExpr::cast(node).map(Expr::Bin),
            PREFIX_EXPR => PrefixExpr::cast(node).map(Expr::Prefix),
            PAREN_EXPR => ParenExpr::cast(node).map(Expr::Paren),
            PATH_EXPR => PathExpr::cast(node).map(Expr::Path),
            LITERAL => Literal::cast(node).map(Expr::Literal),
            LIST_EXPR => ListExpr::cast(node).map(Expr::List),
            CALL_EXPR => CallExpr::cast(node).map(Expr::Call),
            _ => None,
        }
    }

    /// The expression's syntax node.
    pub fn syntax(&self) -> &SyntaxNode {
        match self {
            Expr::Bin(it) => it.syntax(),
            Expr::Prefix(it) => it.syntax(),
            Expr::Paren(it) => it.syntax(),
            Expr::Path(it) => it.syntax(),
            Expr::Literal(it) => it.syntax(),
            Expr::List(it) => it.syntax(),
            Expr::Call(it) => it.syntax(),
        }
    }
}

/// A binary operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// `or`, `||`
    Or,
    /// `and`, `&&`
    And,
    /// `==`
    Eq,
    /// `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `in`
    In,
    /// `not in`
    NotIn,
    /// `matches`, `=~`
    Matches,
    /// `not matches`, `!~`
    NotMatches,
    /// `contains`
    Contains,
    /// `starts_with`
    StartsWith,
    /// `ends_with`
    EndsWith,
}

impl BinaryOp {
    /// Whether the operator compares values (as opposed to `and`/`or`).
    pub fn is_comparison(self) -> bool {
        !matches!(self, BinaryOp::Or | BinaryOp::And)
    }
}

impl BinExpr {
    /// The left operand.
    pub fn lhs(&self) -> Option<Expr> {
        self.0.children().find_map(Expr::cast)
    }
    /// The right operand.
    pub fn rhs(&self) -> Option<Expr> {
        self.0.children().filter_map(Expr::cast).nth(1)
    }
    /// The operator tokens (two for `not in` and `not matches`).
    pub fn op_tokens(&self) -> Vec<SyntaxToken> {
        tokens(&self.0).collect()
    }
    /// The operator.
    pub fn op(&self) -> Option<BinaryOp> {
        // Read without collecting: this runs once per operator of every condition lowered.
        let mut tokens = tokens(&self.0);
        let first = tokens.next()?;
        let second = tokens.next();
        if tokens.next().is_some() {
            return None;
        }
        Some(
            match (first.text(), second.as_ref().map(SyntaxToken::text)) {
                ("or" | "||", None) => BinaryOp::Or,
                ("and" | "&&", None) => BinaryOp::And,
                ("==", None) => BinaryOp::Eq,
                ("!=", None) => BinaryOp::NotEq,
                ("<", None) => BinaryOp::Lt,
                ("<=", None) => BinaryOp::LtEq,
                (">", None) => BinaryOp::Gt,
                (">=", None) => BinaryOp::GtEq,
                ("in", None) => BinaryOp::In,
                ("not", Some("in")) => BinaryOp::NotIn,
                ("matches" | "=~", None) => BinaryOp::Matches,
                ("not", Some("matches")) | ("!~", None) => BinaryOp::NotMatches,
                ("contains", None) => BinaryOp::Contains,
                ("starts_with", None) => BinaryOp::StartsWith,
                ("ends_with", None) => BinaryOp::EndsWith,
                _ => return None,
            },
        )
    }
}

impl PrefixExpr {
    /// The negated expression.
    pub fn operand(&self) -> Option<Expr> {
        self.0.children().find_map(Expr::cast)
    }
}

impl ParenExpr {
    /// The inner expression.
    pub fn inner(&self) -> Option<Expr> {
        self.0.children().find_map(Expr::cast)
    }
}

impl PathExpr {
    /// The segments: identifiers and bracketed strings, unquoted.
    pub fn segments(&self) -> Vec<String> {
        tokens(&self.0)
            .filter(|token| matches!(token.kind(), IDENT | STRING))
            .map(|token| super::token_value(&token))
            .collect()
    }
}

/// What a literal is: its value, or for a number, money, duration or size its token, whose value
/// the analyzer computes (`crate::literal::numeric` reads its shape).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum LiteralKind {
    /// `null` or `nil`
    Null,
    /// `true` or `false`
    Bool(bool),
    /// A well-formed NUMBER, MONEY, DURATION or SIZE token.
    Number(SyntaxToken),
    /// A string.
    String(String),
}

impl Literal {
    /// The literal's token.
    pub fn token(&self) -> Option<SyntaxToken> {
        tokens(&self.0).next()
    }
    /// What the literal is; `None` when it is malformed (already a syntax error).
    pub fn kind(&self) -> Option<LiteralKind> {
        literal_kind(&self.token()?)
    }
}

/// Decodes a literal token of a condition or a block value.
pub fn literal_kind(token: &SyntaxToken) -> Option<LiteralKind> {
    let text = token.text();
    Some(match token.kind() {
        STRING => LiteralKind::String(crate::literal::unescape_string(text)?),
        NUMBER | MONEY | DURATION | SIZE => {
            crate::literal::numeric(token.kind(), text)?;
            LiteralKind::Number(token.clone())
        }
        KEYWORD | IDENT => match text {
            "true" => LiteralKind::Bool(true),
            "false" => LiteralKind::Bool(false),
            "null" | "nil" => LiteralKind::Null,
            _ => return None,
        },
        _ => return None,
    })
}

impl ListExpr {
    /// The elements.
    pub fn items(&self) -> impl Iterator<Item = Literal> + use<> {
        self.0.children().filter_map(Literal::cast)
    }
}

impl CallExpr {
    /// The callee's path (`len`, or `session.sum` for a call that is no built-in).
    pub fn callee(&self) -> Option<PathExpr> {
        child(&self.0)
    }
    /// The arguments; empty when they were kept as raw tokens.
    pub fn args(&self) -> Vec<Expr> {
        self.0
            .children()
            .find(|node| node.kind() == ARG_LIST)
            .map(|list| list.children().filter_map(Expr::cast).collect())
            .unwrap_or_default()
    }
    /// Whether the arguments were kept as raw tokens (a call on a dotted name).
    pub fn has_raw_args(&self) -> bool {
        self.0.children().any(|node| node.kind() == TOKEN_TREE)
    }
    /// The opening parenthesis.
    pub fn l_paren(&self) -> Option<SyntaxToken> {
        self.0.children().find_map(|node| token(&node, L_PAREN))
    }
}
