//! Refactorings offered at the cursor (the fixes of diagnostics come with the diagnostics):
//! `if` ⇄ `when`, and `=~`/`!~` ⇄ `matches`/`not matches`.

use fpl_syntax::ast::{self, AstNode};
use fpl_syntax::{SyntaxKind, SyntaxNode, TextRange};

use super::{Assist, AssistKind, token_at};
use crate::diagnostic::TextEdit;
use crate::source::FileId;

/// Every refactoring that applies at `range`.
pub(super) fn refactorings(root: &SyntaxNode, file: FileId, range: TextRange) -> Vec<Assist> {
    [
        condition_keyword_swap(root, file, range),
        regex_operator_spelling(root, file, range),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// "convert `if` to `when`" and back, on the condition clause at `range`.
fn condition_keyword_swap(root: &SyntaxNode, file: FileId, range: TextRange) -> Option<Assist> {
    let token = token_at(root, range.start())?;
    let clause = token
        .parent_ancestors()
        .find(|node| node.kind() == SyntaxKind::CONDITION_CLAUSE)?;
    let keyword = clause
        .children_with_tokens()
        .filter_map(|element| element.into_token())
        .find(|token| token.kind() == SyntaxKind::KEYWORD)?;
    let (from, to) = match keyword.text() {
        "if" => ("if", "when"),
        "when" => ("when", "if"),
        _ => return None,
    };
    Some(Assist {
        kind: AssistKind::Refactor,
        title: format!("convert `{from}` to `{to}`"),
        edits: vec![TextEdit {
            file,
            range: keyword.text_range(),
            replacement: to.to_string(),
        }],
    })
}

/// "use `matches`" on a `=~` comparison (`not matches` for `!~`), and back to the symbol.
fn regex_operator_spelling(root: &SyntaxNode, file: FileId, range: TextRange) -> Option<Assist> {
    let token = token_at(root, range.start())?;
    let comparison = token.parent_ancestors().find_map(ast::BinExpr::cast)?;
    let operator = comparison.op_tokens();
    let texts: Vec<&str> = operator.iter().map(|token| token.text()).collect();
    let replacement = match texts.as_slice() {
        ["=~"] => "matches",
        ["!~"] => "not matches",
        ["matches"] => "=~",
        ["not", "matches"] => "!~",
        _ => return None,
    };
    let span = TextRange::new(
        operator.first()?.text_range().start(),
        operator.last()?.text_range().end(),
    );
    Some(Assist {
        kind: AssistKind::Refactor,
        title: format!("use `{replacement}`"),
        edits: vec![TextEdit {
            file,
            range: span,
            replacement: replacement.to_string(),
        }],
    })
}
