//! GitHub workflow commands (`::error file=…,line=…::message`), which GitHub shows as
//! annotations on a pull request: every diagnostic for `faramesh check --format github`, or a
//! selection within GitHub's cap for `faramesh ci github`, lines the pull request changed first.

use std::fmt::Write as _;

use fpl_analyzer::{Analysis, Severity};

use crate::located::located;
use crate::report::Finding;

/// How many annotations of one severity GitHub shows per step; the rest are dropped by it.
pub const CAP_PER_SEVERITY: usize = 10;

/// One annotation: a severity, a place and a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Annotation {
    /// `error` or `warning`.
    pub severity: Severity,
    /// The file, relative to the repository (or as given).
    pub path: String,
    /// 1-based start and end (line, column); `None` for the whole file.
    pub range: Option<((u32, u32), (u32, u32))>,
    /// The title: the code and its name.
    pub title: String,
    /// The message.
    pub message: String,
}

impl From<&Finding> for Annotation {
    fn from(it: &Finding) -> Annotation {
        Annotation {
            severity: if it.severity == "error" {
                Severity::Error
            } else {
                Severity::Warning
            },
            path: it.file.clone(),
            range: Some(((it.line, it.column), (it.end_line, it.end_column))),
            title: format!("{} {}", it.code, it.name),
            message: it.message.clone(),
        }
    }
}

impl Annotation {
    /// The workflow command, one line ending in `\n`.
    pub fn command(&self) -> String {
        let command = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut out = format!("::{command} file={}", escape_property(&self.path));
        if let Some(((line, column), (end_line, end_column))) = self.range {
            let _ = write!(
                out,
                ",line={line},col={column},endLine={end_line},endColumn={end_column}"
            );
        }
        let _ = writeln!(
            out,
            ",title={}::{}",
            escape_property(&self.title),
            escape_data(&self.message)
        );
        out
    }

    /// Whether the annotation touches one of `lines` (1-based, inclusive ranges) of its file.
    fn touches(&self, changed: &dyn Fn(&str, u32, u32) -> bool) -> bool {
        match self.range {
            Some(((line, _), (end_line, _))) => changed(&self.path, line, end_line),
            None => changed(&self.path, 0, u32::MAX),
        }
    }
}

/// Every diagnostic of an analysis as workflow commands (`faramesh check --format github`).
pub fn workflow_commands(analysis: &Analysis) -> String {
    located(analysis)
        .map(|it| Annotation::from(&Finding::of(&it)).command())
        .collect()
}

/// The annotations GitHub will show and how many of each severity it would not.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selection {
    /// At most [`CAP_PER_SEVERITY`] of each severity: those on changed lines first, then in
    /// file order.
    pub shown: Vec<Annotation>,
    /// Errors left out.
    pub hidden_errors: usize,
    /// Warnings left out.
    pub hidden_warnings: usize,
}

/// Chooses the annotations to print: for each severity, those on lines `changed(path, first,
/// last)` says the pull request changed, then the others, up to [`CAP_PER_SEVERITY`].
pub fn select(annotations: &[Annotation], changed: &dyn Fn(&str, u32, u32) -> bool) -> Selection {
    let mut selection = Selection::default();
    for severity in [Severity::Error, Severity::Warning] {
        let (mut first, rest): (Vec<&Annotation>, Vec<&Annotation>) = annotations
            .iter()
            .filter(|it| it.severity == severity)
            .partition(|it| it.touches(changed));
        first.extend(rest);
        let hidden = first.len().saturating_sub(CAP_PER_SEVERITY);
        selection
            .shown
            .extend(first.into_iter().take(CAP_PER_SEVERITY).cloned());
        match severity {
            Severity::Error => selection.hidden_errors = hidden,
            Severity::Warning => selection.hidden_warnings = hidden,
        }
    }
    selection
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
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(super::escape_property("a:b,c%\n"), "a%3Ab%2Cc%25%0A");
        assert_eq!(super::escape_data("a:b"), "a:b");
    }

    fn annotation(severity: Severity, line: u32) -> Annotation {
        Annotation {
            severity,
            path: "p.fpl".to_string(),
            range: Some(((line, 1), (line, 5))),
            title: "W0230 missing-default".to_string(),
            message: format!("at {line}"),
        }
    }

    #[test]
    fn changed_lines_first_and_capped_per_severity() {
        let mut all: Vec<Annotation> = (1..=12)
            .map(|line| annotation(Severity::Warning, line))
            .collect();
        all.push(annotation(Severity::Error, 3));
        let selection = select(&all, &|_, first, last| first <= 12 && last >= 12);
        let warnings: Vec<u32> = selection
            .shown
            .iter()
            .filter(|it| it.severity == Severity::Warning)
            .filter_map(|it| it.range.map(|((line, _), _)| line))
            .collect();
        assert_eq!(warnings, [12, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
        assert_eq!(selection.hidden_warnings, 2);
        assert_eq!(selection.hidden_errors, 0);
        assert_eq!(selection.shown[0].severity, Severity::Error);
    }

    #[test]
    fn whole_file_annotation_has_no_position() {
        let mut it = annotation(Severity::Error, 1);
        it.range = None;
        assert_eq!(
            it.command(),
            "::error file=p.fpl,title=W0230 missing-default::at 1\n"
        );
    }
}
