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

/// The bytes to remove for removing `range` of `text`: its whole line (with the line end) when
/// the rest of the line is whitespace, else `range` as it is.
pub(super) fn whole_line_removal(text: &str, range: TextRange) -> TextRange {
    let (start, end) = (usize::from(range.start()), usize::from(range.end()));
    let (Some(before), Some(after)) = (text.get(..start), text.get(end..)) else {
        return range;
    };
    let line_start = before.rfind(['\n', '\r']).map_or(0, |at| at + 1);
    let rest = after.find(['\n', '\r']).unwrap_or(after.len());
    let blank = |s: &str| s.chars().all(|c| c == ' ' || c == '\t');
    if !blank(&before[line_start..]) || !blank(&after[..rest]) {
        return range;
    }
    let line_end = if after[rest..].starts_with("\r\n") {
        rest + 2
    } else if rest < after.len() {
        rest + 1
    } else {
        rest
    };
    TextRange::new(
        fpl_syntax::TextSize::from(line_start as u32),
        fpl_syntax::TextSize::from((end + line_end) as u32),
    )
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

#[cfg(test)]
mod tests {
    use super::whole_line_removal;
    use fpl_syntax::{TextRange, TextSize};

    /// `text` after removing the bytes between the two `$0` markers as a fix would.
    fn remove(fixture: &str) -> String {
        let start = fixture.find("$0").expect("a first $0");
        let text = fixture.replacen("$0", "", 1);
        let end = text.find("$0").expect("a second $0");
        let text = text.replacen("$0", "", 1);
        let range = TextRange::new(TextSize::from(start as u32), TextSize::from(end as u32));
        let removed = whole_line_removal(&text, range);
        let mut out = text;
        out.replace_range(usize::from(removed.start())..usize::from(removed.end()), "");
        out
    }

    #[test]
    fn a_removal_that_empties_its_line_removes_the_line() {
        assert_eq!(
            remove("agent a {\n  deny x\n  $0permit x$0\n}\n"),
            "agent a {\n  deny x\n}\n"
        );
        assert_eq!(
            remove("agent a {\r\n  $0permit x$0\r\n}\r\n"),
            "agent a {\r\n}\r\n"
        );
        assert_eq!(remove("  $0permit x$0"), "");
    }

    #[test]
    fn a_removal_beside_other_text_keeps_the_line() {
        assert_eq!(remove("agent a { $0permit x$0 }\n"), "agent a {  }\n");
        assert_eq!(remove("  $0permit x$0 # why\n"), "   # why\n");
    }
}
