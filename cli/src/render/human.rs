//! Human output: miette code frames, one per diagnostic, with its help under the frame and its
//! notes and fixes after that, and a summary line.

use std::fmt::Write as _;
use std::io::IsTerminal as _;

use fpl_analyzer::{Analysis, Diagnostic, Severity};
use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, NamedSource};

pub(super) fn render(analysis: &Analysis) -> String {
    let color = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let theme = if color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(100);
    let sources: Vec<NamedSource<String>> = analysis
        .files()
        .iter()
        .map(|file| {
            // A file refused for its size (`E0006`) is not quoted: its one line could be 16 MiB.
            let text = if file.source.text.len() > fpl_syntax::MAX_FILE_SIZE {
                String::new()
            } else {
                display_text(&file.source.text)
            };
            NamedSource::new(&file.source.path, text).with_language("fpl")
        })
        .collect();
    let mut out = String::new();
    for diagnostic in &analysis.diagnostics {
        let frame = Frame::new(
            analysis,
            diagnostic,
            &sources[diagnostic.span.file.0 as usize],
        );
        if handler.render_report(&mut out, &frame).is_err() {
            let _ = writeln!(out, "{}: {}", diagnostic.code.as_str(), diagnostic.message);
        }
        for line in &frame.trailer {
            let _ = writeln!(out, "  {line}");
        }
        out.push('\n');
    }
    out.push_str(&summary(analysis));
    out
}

/// The text as the code frames show it, byte for byte as long as the original so spans still
/// fit: a lone CR becomes LF (miette only breaks lines at LF, SPEC §2 also at a lone CR), and a
/// character that could reorder or hide the frame's text is shown as a placeholder.
fn display_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\r' if chars.peek() != Some(&'\n') => out.push('\n'),
            '\r' | '\n' | '\t' => out.push(c),
            c if fpl_syntax::is_hidden_char(c) => out.push(match c.len_utf8() {
                1 => '?',
                2 => '¿',
                _ => '\u{FFFD}',
            }),
            c => out.push(c),
        }
    }
    out
}

fn summary(analysis: &Analysis) -> String {
    let errors = analysis
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .count();
    let warnings = analysis.diagnostics.len() - errors;
    let files = analysis.files().len();
    let plural = |n: usize, word: &str| format!("{n} {word}{}", if n == 1 { "" } else { "s" });
    format!(
        "{}, {} in {}\n",
        plural(errors, "error"),
        plural(warnings, "warning"),
        plural(files, "file")
    )
}

/// One diagnostic as miette sees it, and the lines printed after miette's frame.
struct Frame<'a> {
    diagnostic: &'a Diagnostic,
    source: &'a NamedSource<String>,
    labels: Vec<LabeledSpan>,
    /// `note: …` and `fix: …` lines. Not in miette's help, which miette prints after its own
    /// `help: ` (a note there read `help: note: …`, the help `help: help: …`).
    trailer: Vec<String>,
}

impl<'a> Frame<'a> {
    fn new(
        analysis: &Analysis,
        diagnostic: &'a Diagnostic,
        source: &'a NamedSource<String>,
    ) -> Self {
        let range = diagnostic.span.range;
        let mut labels = vec![LabeledSpan::new_primary_with_span(
            None,
            (usize::from(range.start()), usize::from(range.len())),
        )];
        let mut trailer: Vec<String> = diagnostic
            .notes
            .iter()
            .map(|note| format!("note: {note}"))
            .collect();
        for label in &diagnostic.labels {
            if label.span.file == diagnostic.span.file {
                let range = label.span.range;
                labels.push(LabeledSpan::new_with_span(
                    Some(label.message.clone()),
                    (usize::from(range.start()), usize::from(range.len())),
                ));
            } else {
                let (start, _) = analysis.line_cols(label.span);
                let path = &analysis.file(label.span.file).source.path;
                trailer.push(format!(
                    "note: {}: {path}:{}:{}",
                    label.message, start.line, start.column
                ));
            }
        }
        for fix in &diagnostic.fixes {
            trailer.push(format!("fix: {}", fix.title));
        }
        Frame {
            diagnostic,
            source,
            labels,
            trailer,
        }
    }
}

impl std::fmt::Debug for Frame<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::fmt::Display for Frame<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.diagnostic.message)
    }
}

impl std::error::Error for Frame<'_> {}

impl miette::Diagnostic for Frame<'_> {
    fn code<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        Some(Box::new(format!(
            "{}({})",
            self.diagnostic.code.as_str(),
            self.diagnostic.code.name()
        )))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(match self.diagnostic.severity {
            Severity::Error => miette::Severity::Error,
            Severity::Warning => miette::Severity::Warning,
        })
    }

    fn help<'b>(&'b self) -> Option<Box<dyn std::fmt::Display + 'b>> {
        self.diagnostic
            .help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn std::fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn miette::SourceCode> {
        Some(self.source)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_text_keeps_offsets_and_shows_every_line_end() {
        let text = "a\rb\r\nc # \u{202E}\u{85}\u{7}";
        let shown = display_text(text);
        assert_eq!(shown, "a\nb\r\nc # \u{FFFD}¿?");
        assert_eq!(shown.len(), text.len());
    }
}
