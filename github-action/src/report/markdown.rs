//! The report as Markdown, for the sticky pull-request comment (under GitHub's 65,536-character
//! limit) and the job summary (≤ 1 MiB): the headline first, details in `<details>`, items
//! cut off at the size limit with an honest count of what was left out.

use std::fmt::Write as _;

use super::{DiffOutcome, Direction, Region, Report, RuleAt, SideAt};

/// Where the deciding rules are linked to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Links {
    /// The GitHub server, e.g. `https://github.com`.
    pub server: String,
    /// `owner/repo`.
    pub repository: String,
}

/// How to render.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MarkdownOptions {
    /// The most bytes the text may have (a byte is at most one character, so this also bounds
    /// GitHub's character count).
    pub limit: usize,
    /// Text put first, e.g. the hidden marker of the sticky comment.
    pub preamble: String,
    /// Links of rules to their lines; `None` writes `file:line`.
    pub links: Option<Links>,
    /// Where the whole report can be read when items are left out.
    pub full_report_hint: String,
}

/// Room kept for closing tags and the "more not shown" line.
const RESERVE: usize = 600;

/// "2 decisions loosened, 1 tightened, 0 errors".
pub fn headline(report: &Report) -> String {
    let counts = &report.counts;
    let mut out = format!(
        "{} loosened, {} tightened, {}",
        counted_as(counts.loosened, "decision"),
        counts.tightened,
        counted_as(counts.errors, "error"),
    );
    if counts.tests_failed > 0 {
        let _ = write!(
            out,
            ", {} failed",
            counted_as(counts.tests_failed, "policy test")
        );
    }
    if counts.warnings > 0 {
        let _ = write!(out, ", {}", counted_as(counts.warnings, "warning"));
    }
    out
}

/// "1 error", "2 errors".
fn counted_as(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The report as Markdown within `options.limit` bytes.
pub fn markdown(report: &Report, options: &MarkdownOptions) -> String {
    let mut out = options.preamble.clone();
    let _ = writeln!(out, "### Faramesh policy report: {}\n", headline(report));
    let place = if report.path.is_empty() {
        "The policy".to_string()
    } else {
        format!("The policy in {}", code(&report.path))
    };
    let _ = writeln!(
        out,
        "{place} at {} compared with {}.\n",
        code(&report.head),
        code(&report.base)
    );
    let mut sections: Vec<(String, Vec<String>)> = Vec::new();
    match &report.diff {
        DiffOutcome::Compared {
            regions,
            limits,
            unknown,
        } => {
            for (direction, title) in [
                (Direction::Loosened, "Decisions loosened"),
                (Direction::Tightened, "Decisions tightened"),
            ] {
                let items: Vec<String> = regions
                    .iter()
                    .filter(|region| region.direction == direction)
                    .map(|region| region_item(region, report, options))
                    .collect();
                sections.push((title.to_string(), items));
            }
            sections.push((
                "Limits changed".to_string(),
                limits
                    .iter()
                    .map(|limit| format!("- {}: {}\n", code(&limit.agent), limit.change))
                    .collect(),
            ));
            sections.push((
                "Not compared (the solver did not finish; not a pass)".to_string(),
                unknown.iter().map(|text| format!("- {text}\n")).collect(),
            ));
        }
        DiffOutcome::Skipped { reason } => {
            let _ = writeln!(out, "Decisions were not compared: {reason}.\n");
        }
    }
    if let Some(backtest) = &report.backtest {
        let flipped: usize = backtest.flips.iter().map(|flip| flip.count).sum();
        let _ = writeln!(
            out,
            "Backtest of {}: {} lines replayed through both revisions, {flipped} decided \
             differently{}{}.\n",
            code(&backtest.log),
            backtest.requests,
            counted(backtest.invalid, "not a request"),
            counted(
                backtest.not_comparable,
                "decision records without arguments (not replayed)"
            ),
        );
        sections.push((
            "Backtest flips".to_string(),
            backtest.flips.iter().map(flip_item).collect(),
        ));
    }
    if report.tests.files > 0 {
        let _ = writeln!(
            out,
            "Policy tests: {} passed, {} failed, in {}.\n",
            report.tests.passed,
            report.tests.failures.len(),
            counted_as(report.tests.files, "file")
        );
    }
    sections.push((
        "Policy tests failed".to_string(),
        report
            .tests
            .failures
            .iter()
            .map(|it| match (&it.case, &it.expected, &it.actual) {
                (Some(case), Some(expected), Some(actual)) => format!(
                    "- {} **{}**: expected {}, got {}\n",
                    place_of(&it.file, it.line, &report.head, options),
                    case,
                    code(&expected.to_string()),
                    code(&actual.to_string())
                ),
                _ => format!(
                    "- {} {}\n",
                    place_of(&it.file, it.line, &report.head, options),
                    it.message
                ),
            })
            .collect(),
    ));
    sections.push((
        "Errors and warnings".to_string(),
        report
            .diagnostics
            .iter()
            .map(|it| {
                format!(
                    "- {} {} **{}** {}\n",
                    it.severity,
                    place_of(&it.file, it.line, &report.head, options),
                    it.code,
                    it.message
                )
            })
            .collect(),
    ));
    sections.push((
        "Not formatted (run `faramesh fmt`)".to_string(),
        report
            .unformatted
            .iter()
            .map(|file| format!("- {}\n", code(file)))
            .collect(),
    ));
    if sections.iter().all(|(_, items)| items.is_empty())
        && matches!(report.diff, DiffOutcome::Compared { .. })
    {
        out.push_str("No decision changed and no problem was found.\n");
        return out;
    }
    let budget = options.limit.saturating_sub(RESERVE);
    let mut left_out = 0;
    for (title, items) in sections.iter().filter(|(_, items)| !items.is_empty()) {
        if left_out > 0 {
            left_out += items.len();
            continue;
        }
        let opening = format!("<details><summary>{title} ({})</summary>\n\n", items.len());
        if out.len() + opening.len() > budget {
            left_out += items.len();
            continue;
        }
        out.push_str(&opening);
        for (index, item) in items.iter().enumerate() {
            if out.len() + item.len() > budget {
                left_out += items.len() - index;
                break;
            }
            out.push_str(item);
        }
        out.push_str("\n</details>\n\n");
    }
    if left_out > 0 {
        let _ = writeln!(
            out,
            "**{left_out} more not shown** (the comment has a size limit): {}.",
            options.full_report_hint
        );
    }
    out
}

/// `, N what` when N is not 0.
fn counted(count: usize, what: &str) -> String {
    if count == 0 {
        String::new()
    } else {
        format!(", {count} {what}")
    }
}

fn flip_item(flip: &super::Flip) -> String {
    let mut out = format!(
        "- {} → **{}**: {}\n",
        flip.base,
        flip.head,
        counted_as(flip.count, "request")
    );
    for example in &flip.examples {
        let rule =
            |rule: &Option<String>| rule.as_deref().map_or_else(|| "default".to_string(), code);
        let _ = writeln!(
            out,
            "  - line {}: {} ({} → {})",
            example.line,
            code(&example.request),
            rule(&example.base_rule),
            rule(&example.head_rule)
        );
    }
    out
}

fn region_item(region: &Region, report: &Report, options: &MarkdownOptions) -> String {
    format!(
        "- {} {}: {} → **{}**\n  - before: {}\n  - after: {}\n  - e.g. {}\n",
        code(&region.agent),
        code(&region.tool),
        region.old.effect,
        region.new.effect,
        side_text(&region.old, &report.base, options),
        side_text(&region.new, &report.head, options),
        code(&region.witness.to_json()),
    )
}

fn side_text(side: &SideAt, revision: &str, options: &MarkdownOptions) -> String {
    match &side.rule {
        Some(RuleAt {
            id,
            file,
            line,
            text,
        }) => {
            format!(
                "{} {} by rule {} at {}",
                side.effect,
                code(&side.reason_code),
                code(id),
                place_of(file, *line, revision, options)
            ) + &format!(" {}", code(text))
        }
        None => format!("{} {}", side.effect, code(&side.reason_code)),
    }
}

/// `file:line`, linked to the line at `revision` when links are known.
fn place_of(file: &str, line: u32, revision: &str, options: &MarkdownOptions) -> String {
    match &options.links {
        Some(links) => format!(
            "[`{file}:{line}`]({}/{}/blob/{revision}/{file}#L{line})",
            links.server.trim_end_matches('/'),
            links.repository
        ),
        None => code(&format!("{file}:{line}")),
    }
}

/// `text` as a Markdown code span, with a fence longer than any run of backticks inside.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

#[cfg(test)]
mod tests {
    #[test]
    fn code_spans_survive_backticks() {
        assert_eq!(super::code("a"), "`a`");
        assert_eq!(super::code("a`b"), "``a`b``");
        assert_eq!(super::code("`"), "`` ` ``");
    }
}
