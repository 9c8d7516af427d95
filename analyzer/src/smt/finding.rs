//! Findings without positions: what the checks of a group of rules conclude, naming rules by
//! their index in the agent. The cache keeps findings in this form, and they become
//! [`Diagnostic`]s, with spans and edits, only when they are shown ([`Finding::render`]).

use crate::codes::Code;
use crate::diagnostic::{Diagnostic, Fix, Severity, Span, TextEdit};
use crate::hir;
use crate::source::FileId;

/// One finding about a rule (or, for the run's budget, about the agent).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Finding {
    /// The code.
    pub code: Code,
    /// Its severity.
    pub severity: Severity,
    /// The rule it is about (index in the agent); `None`: the agent itself.
    pub rule: Option<usize>,
    /// The message.
    pub message: String,
    /// Related rules, with what each has to do with the finding.
    pub labels: Vec<(usize, String)>,
    /// Notes (the witness among them).
    pub notes: Vec<String>,
    /// How to fix it, in words.
    pub help: Option<String>,
    /// How to fix it, as edits.
    pub fixes: Vec<FixPlan>,
}

/// A fix in terms of rules; its edits are made from the source when it is shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FixPlan {
    /// Delete the rule.
    Remove(usize),
    /// Move `rule` (its whole lines) above `above`.
    MoveAbove {
        /// The rule to move.
        rule: usize,
        /// The rule it goes above.
        above: usize,
    },
    /// Turn a `deny` into `deny!`.
    MakeMandatory(usize),
}

impl Finding {
    /// A finding about `rule` with the code's default severity.
    pub fn new(code: Code, rule: usize, message: String) -> Finding {
        Finding {
            code,
            severity: code.default_severity(),
            rule: Some(rule),
            message,
            labels: Vec::new(),
            notes: Vec::new(),
            help: None,
            fixes: Vec::new(),
        }
    }

    /// Adds a related rule.
    pub fn with_label(mut self, rule: usize, message: String) -> Finding {
        self.labels.push((rule, message));
        self
    }

    /// Adds a note.
    pub fn with_note(mut self, note: impl Into<String>) -> Finding {
        self.notes.push(note.into());
        self
    }

    /// Sets the help text.
    pub fn with_help(mut self, help: impl Into<String>) -> Finding {
        self.help = Some(help.into());
        self
    }

    /// Adds a fix.
    pub fn with_fix(mut self, fix: FixPlan) -> Finding {
        self.fixes.push(fix);
        self
    }

    /// The diagnostic of this finding about `agent`, whose files' texts `text` gives (fixes
    /// whose edits cannot be made from the text are left out).
    pub fn render<'t>(
        &self,
        agent: &hir::Agent,
        text: &dyn Fn(FileId) -> Option<&'t str>,
    ) -> Diagnostic {
        let span = self
            .rule
            .and_then(|rule| agent.rules.get(rule))
            .map_or(agent.name_span, |rule| rule.span);
        let mut diagnostic = Diagnostic::new(self.code, span, self.message.clone());
        diagnostic.severity = self.severity;
        for (rule, message) in &self.labels {
            if let Some(rule) = agent.rules.get(*rule) {
                diagnostic = diagnostic.with_label(rule.span, message.clone());
            }
        }
        diagnostic.notes = self.notes.clone();
        diagnostic.help = self.help.clone();
        diagnostic.fixes = self
            .fixes
            .iter()
            .filter_map(|fix| fix.render(agent, text))
            .collect();
        diagnostic
    }
}

impl FixPlan {
    fn render<'t>(
        &self,
        agent: &hir::Agent,
        text: &dyn Fn(FileId) -> Option<&'t str>,
    ) -> Option<Fix> {
        match *self {
            FixPlan::Remove(rule) => {
                let span = agent.rules.get(rule)?.span;
                Some(Fix {
                    title: "remove the rule".to_string(),
                    edits: vec![edit(span, String::new())],
                })
            }
            FixPlan::MakeMandatory(rule) => {
                let span = agent.rules.get(rule)?.span;
                let source = text(span.file)?;
                let start = usize::from(span.range.start());
                let after = source.get(start..)?;
                if !after.starts_with("deny") || after[4..].starts_with('!') {
                    return None;
                }
                let at = span.range.start() + fpl_syntax::TextSize::from(4);
                Some(Fix {
                    title: "make it `deny!`".to_string(),
                    edits: vec![TextEdit {
                        file: span.file,
                        range: fpl_syntax::TextRange::empty(at),
                        replacement: "!".to_string(),
                    }],
                })
            }
            FixPlan::MoveAbove { rule, above } => {
                let (moved, target) = (agent.rules.get(rule)?.span, agent.rules.get(above)?.span);
                if moved.file != target.file {
                    return None;
                }
                let source = text(moved.file)?;
                let lines = whole_lines(source, moved)?;
                let target_lines = whole_lines(source, target)?;
                let mut moved_text = source.get(lines.clone())?.to_string();
                if !moved_text.ends_with(['\n', '\r']) {
                    moved_text.push('\n');
                }
                let at = fpl_syntax::TextSize::from(target_lines.start as u32);
                Some(Fix {
                    title: format!(
                        "move `{}/{}` above `{}/{}`",
                        agent.name, agent.rules[rule].number, agent.name, agent.rules[above].number
                    ),
                    edits: vec![
                        TextEdit {
                            file: moved.file,
                            range: fpl_syntax::TextRange::empty(at),
                            replacement: moved_text,
                        },
                        TextEdit {
                            file: moved.file,
                            range: fpl_syntax::TextRange::new(
                                fpl_syntax::TextSize::from(lines.start as u32),
                                fpl_syntax::TextSize::from(lines.end as u32),
                            ),
                            replacement: String::new(),
                        },
                    ],
                })
            }
        }
    }
}

/// The bytes of the lines `span` is on, with the last line's end, when nothing but blanks is
/// before the span on its first line and nothing but blanks or a comment after it on its last.
fn whole_lines(source: &str, span: Span) -> Option<std::ops::Range<usize>> {
    let (start, end) = (
        usize::from(span.range.start()),
        usize::from(span.range.end()),
    );
    let line_start = source
        .get(..start)?
        .rfind(['\n', '\r'])
        .map_or(0, |at| at + 1);
    if !source[line_start..start]
        .chars()
        .all(|c| c == ' ' || c == '\t')
    {
        return None;
    }
    let rest = source.get(end..)?;
    let line_end = rest.find(['\n', '\r']).map_or(source.len(), |at| end + at);
    let tail = source[end..line_end].trim_start_matches([' ', '\t']);
    if !(tail.is_empty() || tail.starts_with('#')) {
        return None;
    }
    // The line end: LF, CRLF or a lone CR.
    let after = &source[line_end..];
    let ending = if after.starts_with("\r\n") {
        2
    } else {
        usize::from(!after.is_empty())
    };
    Some(line_start..line_end + ending)
}

fn edit(span: Span, replacement: String) -> TextEdit {
    TextEdit {
        file: span.file,
        range: span.range,
        replacement,
    }
}
