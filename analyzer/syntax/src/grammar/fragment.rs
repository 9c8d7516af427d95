//! Fragments: agent-level statements written at the top level of a file, as documentation pages
//! show them (`rules { … }`, `budget daily { … }`). They parse as agent items and get one
//! `E0104` with a fix that wraps them in `agent "default" { … }` (SPEC §3 note 8).

use rowan::{TextRange, TextSize};

use crate::error::{SyntaxEdit, SyntaxFix};
use crate::lexer;

/// The fix that moves the agent-level `statements` of `text` (in order, not overlapping) into
/// one `agent "default" { … }` at the place of the first: each run of statements separated
/// only by whitespace and comments moves as written, indented one level.
pub(crate) fn wrap_in_agent(text: &str, statements: &[TextRange]) -> SyntaxFix {
    let runs = runs(text, statements);
    let mut body = String::new();
    for run in &runs {
        body.push('\n');
        body.push_str(&indented(&text[*run]));
    }
    let mut edits = Vec::with_capacity(runs.len());
    if let Some(first) = runs.first() {
        edits.push(SyntaxEdit {
            range: *first,
            replacement: format!("agent \"default\" {{{body}\n}}"),
        });
    }
    for run in runs.iter().skip(1) {
        let start = text[..usize::from(run.start())]
            .trim_end_matches([' ', '\t', '\r', '\n'])
            .len();
        edits.push(SyntaxEdit {
            range: TextRange::new(to_size(start), run.end()),
            replacement: String::new(),
        });
    }
    SyntaxFix {
        title: "wrap the agent-level statements in `agent \"default\" { … }`".to_string(),
        edits,
    }
}

/// `statements` joined into runs separated only by trivia, each extended over a comment that
/// ends its last line.
fn runs(text: &str, statements: &[TextRange]) -> Vec<TextRange> {
    let mut runs: Vec<TextRange> = Vec::new();
    for statement in statements {
        match runs.last_mut() {
            Some(last)
                if only_trivia(&text[usize::from(last.end())..usize::from(statement.start())]) =>
            {
                *last = last.cover(*statement);
            }
            _ => runs.push(*statement),
        }
    }
    for run in &mut runs {
        let end = usize::from(run.end());
        let rest = &text[end..];
        let spaces = rest.len() - rest.trim_start_matches([' ', '\t']).len();
        if rest[spaces..].starts_with('#') {
            let comment = lexer::lex(text, end + spaces).len;
            *run = TextRange::new(run.start(), to_size(end + spaces + comment));
        }
    }
    runs
}

fn only_trivia(text: &str) -> bool {
    let mut pos = 0;
    while pos < text.len() {
        let token = lexer::lex(text, pos);
        if !token.kind.is_trivia() {
            return false;
        }
        pos += token.len;
    }
    true
}

/// `text` with two spaces before every line that is not blank.
fn indented(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for (index, line) in text.split('\n').enumerate() {
        if index > 0 {
            out.push('\n');
        }
        if !line.trim().is_empty() {
            out.push_str("  ");
        }
        out.push_str(line);
    }
    out
}

fn to_size(offset: usize) -> TextSize {
    TextSize::from(offset as u32)
}

#[cfg(test)]
mod tests {

    fn apply(text: &str) -> String {
        let parse = crate::parse(text);
        let fix = parse
            .errors()
            .iter()
            .find_map(|error| error.fix.clone())
            .expect("a fix");
        let mut out = text.to_string();
        for edit in fix.edits.iter().rev() {
            out.replace_range(
                usize::from(edit.range.start())..usize::from(edit.range.end()),
                &edit.replacement,
            );
        }
        out
    }

    #[test]
    fn runs_move_into_one_agent_with_their_comments() {
        let text = "rules {\n  permit http/get\n}\n# limits\nbudget daily { max $100 } # cap\nruntime { mode = \"enforce\" }\n\nrate_limit http/*: 10 per minute\n";
        assert_eq!(
            apply(text),
            "agent \"default\" {\n  rules {\n    permit http/get\n  }\n  # limits\n  budget daily { max $100 } # cap\n  rate_limit http/*: 10 per minute\n}\nruntime { mode = \"enforce\" }\n"
        );
        assert!(crate::parse(&apply(text)).errors().is_empty());
    }
}
