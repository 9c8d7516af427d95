//! SARIF 2.1.0 (`faramesh check --format sarif`, the Action's code-scanning upload): a log with one run, every code as a rule, every diagnostic as a
//! result with its region and related locations.

use fpl_analyzer::{Analysis, Code, Severity};
use serde_json::{Value, json};

/// The SARIF 2.1.0 log of every diagnostic of an analysis, pretty-printed, ending in `\n`.
pub fn render(analysis: &Analysis) -> String {
    let rules: Vec<Value> = Code::ALL
        .iter()
        .map(|code| {
            json!({
                "id": code.as_str(),
                "name": code.name(),
                "shortDescription": { "text": code.name().replace('-', " ") },
                "fullDescription": { "text": code.docs().summary },
                "defaultConfiguration": { "level": level(code.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = crate::located::located(analysis)
        .map(|it| {
            let related: Vec<Value> = it
                .diagnostic
                .labels
                .iter()
                .enumerate()
                .map(|(index, label)| {
                    let (start, end) = analysis.line_cols(label.span);
                    let path = &analysis.file(label.span.file).source.path;
                    let mut location = location(path, start, end);
                    location["id"] = json!(index);
                    location["message"] = json!({ "text": label.message });
                    location
                })
                .collect();
            let mut message = it.diagnostic.message.clone();
            for note in &it.diagnostic.notes {
                message.push_str("\nnote: ");
                message.push_str(note);
            }
            let mut result = json!({
                "ruleId": it.diagnostic.code.as_str(),
                "ruleIndex": Code::ALL.iter().position(|code| *code == it.diagnostic.code),
                "level": level(it.diagnostic.severity),
                "message": { "text": message },
                "locations": [location(it.path, it.start, it.end)],
            });
            if !related.is_empty() {
                result["relatedLocations"] = json!(related);
            }
            result
        })
        .collect();
    let log = json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": { "driver": {
                "name": "faramesh",
                "version": env!("CARGO_PKG_VERSION"),
                "informationUri": "https://github.com/faramesh/faramesh-toolchain",
                "rules": rules,
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    });
    let mut out = serde_json::to_string_pretty(&log).unwrap_or_default();
    out.push('\n');
    out
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn location(path: &str, start: fpl_analyzer::LineCol, end: fpl_analyzer::LineCol) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": path },
            "region": {
                "startLine": start.line,
                "startColumn": start.column,
                "endLine": end.line,
                "endColumn": end.column,
            },
        },
    })
}
