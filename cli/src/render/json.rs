//! `--format json`: `{"files": N, "diagnostics": [{code, severity, message, file, line, column,
//! end_line, end_column}]}` with 1-based lines and columns.

use fpl_analyzer::Analysis;
use serde::Serialize;

#[derive(Serialize)]
struct Report<'a> {
    files: usize,
    diagnostics: Vec<Entry<'a>>,
}

#[derive(Serialize)]
struct Entry<'a> {
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    file: &'a str,
    line: u32,
    column: u32,
    end_line: u32,
    end_column: u32,
}

pub(super) fn render(analysis: &Analysis) -> String {
    let diagnostics = fpl_action::located::located(analysis)
        .map(|it| Entry {
            code: it.diagnostic.code.as_str(),
            severity: it.diagnostic.severity.as_str(),
            message: &it.diagnostic.message,
            file: it.path,
            line: it.start.line,
            column: it.start.column,
            end_line: it.end.line,
            end_column: it.end.column,
        })
        .collect();
    let report = Report {
        files: analysis.files().len(),
        diagnostics,
    };
    let mut out =
        serde_json::to_string(&report).unwrap_or_else(|error| format!("{{\"error\":\"{error}\"}}"));
    out.push('\n');
    out
}
