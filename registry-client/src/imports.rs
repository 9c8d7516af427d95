//! The `import` statements of an FPL text, found with the FPL parser.

use fpl_syntax::TextRange;
use fpl_syntax::ast;

/// One `import "<reference>"` statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportStatement {
    /// The reference, unquoted.
    pub reference: String,
    /// Where the reference string is written.
    pub range: TextRange,
}

/// The imports of `text`, in source order.
pub fn import_statements(text: &str) -> Vec<ImportStatement> {
    import_statements_of(&fpl_syntax::parse(text).tree())
}

/// The imports of a parsed file, in source order (for callers that hold its tree already).
pub fn import_statements_of(tree: &ast::SourceFile) -> Vec<ImportStatement> {
    tree.items()
        .filter_map(|item| match item {
            ast::Item::Import(import) => import.reference(),
            _ => None,
        })
        .map(|token| ImportStatement {
            reference: ast::token_value(&token),
            range: token.text_range(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_imports_in_order() {
        let text = "# header\nimport \"r/policies/a@1.0.0\"\nagent x { default deny }\nimport 'r/policies/b@1.0.0' as b\n";
        let imports = import_statements(text);
        let references: Vec<&str> = imports.iter().map(|i| i.reference.as_str()).collect();
        assert_eq!(references, ["r/policies/a@1.0.0", "r/policies/b@1.0.0"]);
        assert_eq!(&text[imports[0].range], "\"r/policies/a@1.0.0\"");
    }
}
