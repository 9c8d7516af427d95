//! `--format github`: one workflow command per diagnostic, which GitHub shows as annotations.

use std::fmt::Write as _;

use fpl_analyzer::{Analysis, Severity};

pub(super) fn render(analysis: &Analysis) -> String {
    let mut out = String::new();
    for it in super::located(analysis) {
        let command = match it.diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let _ = writeln!(
            out,
            "::{command} file={},line={},col={},endLine={},endColumn={},title={}::{}",
            escape_property(it.path),
            it.start.line,
            it.start.column,
            it.end.line,
            it.end.column,
            escape_property(&format!(
                "{} {}",
                it.diagnostic.code.as_str(),
                it.diagnostic.code.name()
            )),
            escape_data(&it.diagnostic.message),
        );
    }
    out
}

/// Escapes the message part of a workflow command.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value of a workflow command.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    #[test]
    fn escapes() {
        assert_eq!(super::escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(super::escape_data("a:b"), "a:b");
    }
}
