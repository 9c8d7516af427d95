//! Reports of `faramesh policy compile`: sentences not understood, each sentence beside the FPL
//! it became, the backtest's table of flipped decisions, and the model's rejected answers.

use std::fmt::Write as _;

use fpl_analyzer::intent::backtest::BacktestReport;
use fpl_analyzer::intent::model::Round;
use fpl_analyzer::intent::validate::Rejected;
use fpl_analyzer::intent::{Explanation, Unclear};

use super::Format;

/// Widest sentence column of `--explain`; longer sentences are cut with `…`.
const SENTENCE_WIDTH: usize = 56;

/// Every sentence not understood, with its line, a caret under the word where reading stopped,
/// a "did you mean" and the nearest known phrases.
pub fn unclear(items: &[Unclear], path: &str, text: &str) -> String {
    let lines: Vec<&str> = fpl_analyzer::intent::lines(text).collect();
    let mut out = String::new();
    for item in items {
        let _ = writeln!(
            out,
            "error: {path}:{}:{}: {}",
            item.line, item.column, item.message
        );
        if let Some(line) = lines
            .get(item.line.wrapping_sub(1))
            .filter(|_| !item.sentence.is_empty())
        {
            out.push_str(&frame(item, line));
        }
        if let Some(suggestion) = &item.did_you_mean {
            let _ = writeln!(out, "  = help: did you mean `{suggestion}`?");
        }
        if !item.nearest.is_empty() {
            let phrases: Vec<String> = item.nearest.iter().map(|p| format!("\"{p}\"")).collect();
            let _ = writeln!(
                out,
                "  = note: nearest phrases it knows: {}",
                phrases.join("; ")
            );
        }
    }
    let _ = writeln!(
        out,
        "{} sentence(s) not understood; nothing was written (see docs/intent.md for the phrases)",
        items.len()
    );
    out
}

/// Each sentence beside the FPL it became (reasons left out: they are the sentence).
pub fn explain(items: &[Explanation]) -> String {
    let width = items
        .iter()
        .map(|item| item.sentence.chars().count())
        .max()
        .unwrap_or(0)
        .min(SENTENCE_WIDTH);
    let number_width = items
        .iter()
        .map(|item| item.line.to_string().len())
        .max()
        .unwrap_or(1);
    let mut out = String::new();
    for item in items {
        let sentence = cut(&item.sentence, width);
        let first = format!("{:>number_width$}  {sentence:<width$}", item.line);
        let blank = " ".repeat(number_width + 2 + width);
        if item.fpl.is_empty() {
            let _ = writeln!(
                out,
                "{first}  →  (no rule gives this sentence as its reason)"
            );
        }
        for (index, fpl) in item.fpl.iter().enumerate() {
            let left = if index == 0 { &first } else { &blank };
            let fpl = fpl.find(" reason: ").map_or(fpl.as_str(), |at| &fpl[..at]);
            let _ = writeln!(out, "{left}  →  {fpl}");
        }
    }
    out
}

/// The backtest: counts, then a table of (recorded → new) flips, then examples of each.
pub fn backtest(report: &BacktestReport, path: &str) -> String {
    let flipped: usize = report.flips.iter().map(|flip| flip.count).sum();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "backtest of agent `{}` against {path}: {} record(s) compared, {} unchanged, {flipped} flipped",
        report.agent, report.compared, report.unchanged
    );
    if report.not_comparable > 0 {
        let _ = writeln!(
            out,
            "  {} decision record(s) not compared: the new policy decides their tools by arguments, \
             which a decision log keeps only as a digest (give requests with a recorded `effect` instead)",
            report.not_comparable
        );
    }
    if !report.other_agents.is_empty() {
        let agents: Vec<String> = report
            .other_agents
            .iter()
            .map(|(agent, count)| format!("`{agent}` ({count})"))
            .collect();
        let _ = writeln!(
            out,
            "  skipped the records of other agents: {}",
            agents.join(", ")
        );
    }
    if report.invalid > 0 {
        let _ = writeln!(out, "  {} line(s) are not history records:", report.invalid);
        for (line, why) in &report.invalid_examples {
            let _ = writeln!(out, "    line {line}: {why}");
        }
    }
    if report.flips.is_empty() {
        return out;
    }
    let _ = writeln!(out, "\n  recorded → new      count");
    for flip in &report.flips {
        let _ = writeln!(
            out,
            "  {:<8} → {:<8} {:>6}",
            flip.recorded.as_str(),
            flip.new.as_str(),
            flip.count
        );
    }
    for flip in &report.flips {
        let _ = writeln!(
            out,
            "\n  {} → {}, e.g.:",
            flip.recorded.as_str(),
            flip.new.as_str()
        );
        for example in &flip.examples {
            let args = example
                .args
                .as_deref()
                .map(|args| format!(" {}", cut(args, 80)))
                .unwrap_or_default();
            let by = match (&example.rule, &example.reason) {
                (Some(rule), Some(reason)) => format!("{rule} \"{}\"", cut(reason, 80)),
                (Some(rule), None) => rule.clone(),
                (None, _) => example.reason_code.clone(),
            };
            let _ = writeln!(
                out,
                "    line {}: {}{args} → {by}",
                example.line, example.tool
            );
        }
    }
    out
}

/// The model's answers that were sent back (`failed`: and none passed).
pub fn rounds(rounds: &[Round], failed: bool) -> String {
    let mut out = String::new();
    for (index, round) in rounds.iter().enumerate() {
        let _ = writeln!(out, "model answer {} did not pass; sent back:", index + 1);
        for problem in &round.problems {
            let _ = writeln!(out, "  - {problem}");
        }
    }
    if failed {
        let _ = writeln!(
            out,
            "error: no model answer passed validation in {} round(s); nothing was written",
            rounds.len()
        );
    }
    out
}

/// Why a policy did not pass: code frames when the text was analysed, else the problems.
pub fn rejected(headline: &str, rejected: &Rejected) -> String {
    let mut out = format!("error: {headline}\n");
    match &rejected.analysis {
        Some(analysis) if analysis.has_errors() => {
            out.push_str(&super::render(analysis, Format::Human))
        }
        _ => {
            for problem in &rejected.problems {
                let _ = writeln!(out, "  - {problem}");
            }
        }
    }
    out
}

/// Columns of a quoted line shown on each side of the caret; a longer line is cut with `…`.
const FRAME_CONTEXT: usize = 60;

/// The line of a report with a caret under the word where reading stopped.
fn frame(item: &Unclear, line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let column = item.column.saturating_sub(1).min(chars.len());
    let start = column.saturating_sub(FRAME_CONTEXT);
    let end = (column + FRAME_CONTEXT).min(chars.len());
    let mut shown: String = chars[start..end].iter().collect();
    let mut pad: String = chars[start..column]
        .iter()
        .map(|c| if *c == '\t' { '\t' } else { ' ' })
        .collect();
    if start > 0 {
        shown.insert(0, '…');
        pad.insert(0, ' ');
    }
    if end < chars.len() {
        shown.push('…');
    }
    let gutter = item.line.to_string();
    let width = item
        .word
        .as_deref()
        .map_or(1, |w| w.chars().count().clamp(1, FRAME_CONTEXT));
    format!(
        "{gutter} | {shown}\n{} | {pad}{}\n",
        " ".repeat(gutter.len()),
        "^".repeat(width)
    )
}

/// `text` cut to `width` characters, with `…` when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_are_cut_around_the_caret() {
        let item = Unclear {
            line: 1,
            column: 201,
            sentence: "…".into(),
            word: Some("zzz".into()),
            message: "did not understand this part".into(),
            did_you_mean: None,
            nearest: Vec::new(),
        };
        let line = format!("{}zzz{}", "a".repeat(200), "b".repeat(200));
        assert_eq!(
            frame(&item, &line),
            format!(
                "1 | …{}zzz{}…\n  |  {}^^^\n",
                "a".repeat(60),
                "b".repeat(57),
                " ".repeat(60)
            )
        );
        assert_eq!(
            frame(&item, "short zzz"),
            "1 | short zzz\n  |          ^^^\n"
        );
    }
}
