//! Tests of the host: same diagnostics as `analyze`, incrementality from salsa's event log, and
//! incremental reparsing equal to a full parse.

use fpl_syntax::{TextRange, TextSize};

use super::reparse::{self, ReparseHint};
use super::{AnalysisHost, Change, check_policy, db};
use crate::source::{FileId, SourceFile};
use crate::{CheckOptions, analyze};

fn corpus() -> Vec<(String, String)> {
    fpl_testdata::upstream_policies()
        .into_iter()
        .chain(fpl_testdata::invalid_policies())
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
            (path.display().to_string(), text)
        })
        .collect()
}

/// A policy of `rules` rules over a few agents, half of them with conditions.
fn generated(rules: usize) -> String {
    let mut out = String::new();
    for agent in 0..4 {
        out.push_str(&format!(
            "agent bench-{agent} {{\n  default deny\n  var limit = 5\n  rules {{\n"
        ));
        for rule in 0..rules / 4 {
            if rule % 2 == 0 {
                out.push_str(&format!(
                    "    permit svc{agent}/op{rule} when amount < {rule} and vars.limit > 1\n"
                ));
            } else {
                out.push_str(&format!("    deny svc{agent}/op{rule} reason: \"no\"\n"));
            }
        }
        out.push_str("  }\n}\n");
    }
    out
}

fn host_with(files: &[(String, String)]) -> AnalysisHost {
    let mut host = AnalysisHost::default();
    let mut change = Change::default();
    for (index, (path, text)) in files.iter().enumerate() {
        change.set_file(
            FileId(index as u32),
            SourceFile::new(path.clone(), text.clone()),
        );
    }
    change.set_policies(vec![(0..files.len() as u32).map(FileId).collect()]);
    host.apply_change(change).expect("change applies");
    host
}

fn assert_same_as_analyze(files: &[(String, String)]) {
    let sources: Vec<SourceFile> = files
        .iter()
        .map(|(path, text)| SourceFile::new(path.clone(), text.clone()))
        .collect();
    let analysis = analyze(sources.clone(), &CheckOptions::default());
    let checked = check_policy(sources, &CheckOptions::default());
    assert_eq!(checked.diagnostics, analysis.diagnostics);
    assert_eq!(checked.policy, analysis.policy);
    for (ours, theirs) in checked.files().iter().zip(analysis.files()) {
        assert_eq!(ours.source, theirs.source);
        assert_eq!(ours.parse, theirs.parse);
    }
    assert_eq!(checked.files().len(), analysis.files().len());
    let expected = analysis.diagnostics;
    let snapshot = host_with(files).snapshot();
    let actual: Vec<_> = (0..files.len() as u32)
        .flat_map(|file| snapshot.diagnostics(FileId(file)).expect("not cancelled"))
        .collect();
    assert_eq!(
        actual,
        expected,
        "{:?}",
        files.iter().map(|f| &f.0).collect::<Vec<_>>()
    );
}

#[test]
fn corpus_files_get_the_diagnostics_of_analyze() {
    let corpus = corpus();
    assert!(corpus.len() > 20, "corpus not found");
    for file in &corpus {
        assert_same_as_analyze(std::slice::from_ref(file));
    }
}

#[test]
fn a_policy_of_many_files_gets_the_diagnostics_of_analyze() {
    let corpus = corpus();
    assert_same_as_analyze(&corpus[..6]);
    let flat = vec![
        (
            "a.fpl".to_string(),
            "permit a/b when x > 1\ndeny c when vars.y == 1\n".to_string(),
        ),
        (
            "b.fpl".to_string(),
            "agent default { permit z }\n".to_string(),
        ),
        (
            "c.fpl".to_string(),
            "defer q when amount < \"x\"\n".to_string(),
        ),
    ];
    assert_same_as_analyze(&flat);
}

#[test]
fn an_edit_inside_one_rule_reruns_only_that_rules_checks() {
    let text = generated(200);
    let mut host = AnalysisHost::with_query_log();
    let mut change = Change::default();
    change.set_file(FileId(0), SourceFile::new("big.fpl", text.clone()));
    host.apply_change(change).expect("applies");
    let before = host
        .snapshot()
        .diagnostics(FileId(0))
        .expect("not cancelled");
    let all = host.take_executed();
    let rule_checks = all
        .iter()
        .filter(|q| q.starts_with("rule_diagnostics"))
        .count();
    assert!(rule_checks >= 200, "{rule_checks} rule checks ran");

    // Change a number inside a condition of one rule in the middle of the file.
    let at = text.find("amount < ").expect("a condition") + "amount < ".len();
    let at = text[at..]
        .find("amount < ")
        .map(|i| at + i + "amount < ".len())
        .expect("another");
    let mut change = Change::default();
    change.edit_file(
        FileId(0),
        TextRange::at(TextSize::from(at as u32), 1.into()),
        "9",
    );
    host.apply_change(change).expect("applies");
    let after = host
        .snapshot()
        .diagnostics(FileId(0))
        .expect("not cancelled");
    let executed = host.take_executed();
    let reran: Vec<_> = executed
        .iter()
        .filter(|q| q.starts_with("rule_diagnostics"))
        .collect();
    assert_eq!(reran.len(), 1, "{executed:#?}");
    assert_eq!(before.len(), after.len());

    // Inserting text before every rule moves them all, yet re-runs no rule's checks.
    let mut change = Change::default();
    let agent = text.find("agent bench-0").expect("agent");
    let inside = agent + text[agent..].find('{').expect("brace") + 1;
    change.edit_file(
        FileId(0),
        TextRange::empty(TextSize::from(inside as u32)),
        "\n  ",
    );
    host.apply_change(change).expect("applies");
    host.snapshot()
        .diagnostics(FileId(0))
        .expect("not cancelled");
    let executed = host.take_executed();
    assert!(
        !executed.iter().any(|q| q.starts_with("rule_diagnostics")),
        "{executed:#?}"
    );
}

#[test]
fn edited_files_get_the_diagnostics_of_analyze() {
    let text = "agent a {\n  default deny\n  var limit = 5\n  permit x when amount < vars.limit\n  deny y when z < \"q\"\n}\nagent b {\n  permit q when session.fo == 1\n}\n";
    let mut host = host_with(&[("a.fpl".to_string(), text.to_string())]);
    let mut current = text.to_string();
    for (needle, replacement) in [
        ("5", "\"five\""),
        ("session.fo", "session.foo"),
        ("deny y", "deny! y"),
        ("agent b", "agent a"),
    ] {
        let at = current.find(needle).expect("needle");
        let range = TextRange::at(
            TextSize::from(at as u32),
            TextSize::from(needle.len() as u32),
        );
        let mut change = Change::default();
        change.edit_file(FileId(0), range, replacement);
        host.apply_change(change).expect("applies");
        current.replace_range(at..at + needle.len(), replacement);
        let expected = analyze(
            vec![SourceFile::new("a.fpl", current.clone())],
            &CheckOptions::default(),
        )
        .diagnostics;
        assert_eq!(
            host.snapshot()
                .diagnostics(FileId(0))
                .expect("not cancelled"),
            expected,
            "{current}"
        );
    }
}

#[test]
fn incremental_reparse_equals_a_full_parse() {
    let mut texts: Vec<String> = corpus().into_iter().map(|(_, text)| text).collect();
    texts.push(generated(50));
    let edits = ["", "x", " ", "}", "{", "\"", "#", "permit y\n", "5"];
    let mut reused = 0;
    for text in &texts {
        let parse = fpl_syntax::parse(text);
        let old = db::FileParse {
            green: db::Green(parse.green().clone()),
            errors: parse.errors().to_vec(),
        };
        let step = (text.len() / 40).max(1);
        for (round, at) in (0..text.len()).step_by(step).enumerate() {
            if !text.is_char_boundary(at) {
                continue;
            }
            let replacement = edits[round % edits.len()];
            let end = (at + round % 3).min(text.len());
            if !text.is_char_boundary(end) {
                continue;
            }
            let mut new_text = text.clone();
            new_text.replace_range(at..end, replacement);
            let hint = ReparseHint {
                old: old.clone(),
                edit: TextRange::new(TextSize::from(at as u32), TextSize::from(end as u32)),
                inserted: TextSize::from(replacement.len() as u32),
            };
            let Some(incremental) = reparse::incremental(&hint, &new_text) else {
                continue;
            };
            reused += 1;
            let full = fpl_syntax::parse(&new_text);
            assert_eq!(incremental.green.0, *full.green(), "{new_text}");
            assert_eq!(incremental.errors, full.errors(), "{new_text}");
        }
    }
    assert!(
        reused > 100,
        "only {reused} edits were reparsed incrementally"
    );
}

/// Edits inside and at the end of every rule of a small policy, with replacements that extend,
/// cut or split a rule: wherever the rule alone is reparsed, the tree and the errors are those
/// of a full parse.
#[test]
fn rule_reparse_equals_a_full_parse() {
    let texts = [
        "agent a {\n  default deny\n  permit x/y when a > 1 and b in [1, 2] reason: \"r\"\n  deny! z\n  rules {\n    defer q method: GET when c == \"s\"\n  }\n  phase p {\n    permit t when d\n    duration = 5m\n  }\n}\n",
        "permit flat when e < 2\ndeny other reason: \"no\"\npermit last when f\n",
    ];
    let replacements = [
        "",
        "x",
        "9",
        " and f",
        " or",
        " reason: \"n\"",
        "\n  permit w",
        " deny v",
        "\n  }",
        " when g",
        "(",
        ")",
        "\"",
        "!",
        " #c",
        "\n",
        ".h",
        "[1]",
        " notify: \"x\"",
        "\n  var k = 1",
    ];
    let mut rule_level = 0;
    for text in texts {
        rule_level += reparse_every_rule(text, &replacements);
    }
    assert!(
        rule_level > 200,
        "only {rule_level} edits reparsed one rule"
    );
}

/// Applies each replacement inside and at the end of every rule of `text`, checks each
/// incremental reparse against a full one, and counts the reparses that kept the first rule's
/// tree (only the edited rule was reparsed).
fn reparse_every_rule(text: &str, replacements: &[&str]) -> usize {
    let parse = fpl_syntax::parse(text);
    assert!(parse.errors().is_empty(), "{:?}", parse.errors());
    let old = db::FileParse {
        green: db::Green(parse.green().clone()),
        errors: parse.errors().to_vec(),
    };
    let rules: Vec<TextRange> = parse
        .syntax_node()
        .descendants()
        .filter(|node| node.kind() == fpl_syntax::SyntaxKind::RULE)
        .map(|node| node.text_range())
        .collect();
    let mut rule_level = 0;
    for rule in &rules {
        let (start, end) = (usize::from(rule.start()), usize::from(rule.end()));
        for at in start + 1..=end {
            for (round, replacement) in replacements.iter().enumerate() {
                let cut = (at + round % 2).min(end);
                let mut new_text = text.to_string();
                new_text.replace_range(at..cut, replacement);
                let hint = ReparseHint {
                    old: old.clone(),
                    edit: TextRange::new(TextSize::from(at as u32), TextSize::from(cut as u32)),
                    inserted: TextSize::from(replacement.len() as u32),
                };
                let Some(incremental) = reparse::incremental(&hint, &new_text) else {
                    continue;
                };
                let full = fpl_syntax::parse(&new_text);
                assert_eq!(incremental.green.0, *full.green(), "{new_text}");
                assert_eq!(incremental.errors, full.errors(), "{new_text}");
                // Another rule keeping its very tree shows that only this rule was reparsed.
                let first_rule = |green: &fpl_syntax::GreenNode| {
                    fpl_syntax::SyntaxNode::new_root(green.clone())
                        .descendants()
                        .find(|node| node.kind() == fpl_syntax::SyntaxKind::RULE)
                        .map(|node| std::ptr::from_ref(node.green()) as usize)
                };
                if at > usize::from(rules[0].end())
                    && first_rule(&incremental.green.0) == first_rule(&old.green.0)
                {
                    rule_level += 1;
                }
            }
        }
    }
    rule_level
}

#[test]
fn a_snapshot_is_cancelled_by_a_newer_change() {
    let mut host = host_with(&[("a.fpl".to_string(), generated(2_000))]);
    let snapshot = host.snapshot();
    let worker = std::thread::spawn(move || {
        // Keep querying until the host's change cancels us.
        while snapshot.diagnostics(FileId(0)).is_ok() {}
        true
    });
    let mut change = Change::default();
    change.edit_file(FileId(0), TextRange::empty(TextSize::from(0)), "# x\n");
    host.apply_change(change).expect("applies");
    assert!(worker.join().expect("worker does not panic"));
}

#[test]
fn bad_edits_are_errors() {
    let mut host = host_with(&[("a.fpl".to_string(), "agent é {}".to_string())]);
    let mut change = Change::default();
    change.edit_file(FileId(0), TextRange::empty(TextSize::from(7)), "x");
    assert!(host.apply_change(change).is_err());
    let mut change = Change::default();
    change.edit_file(FileId(9), TextRange::empty(TextSize::from(0)), "x");
    assert_eq!(
        host.apply_change(change),
        Err(super::ChangeError::UnknownFile(FileId(9)))
    );
}
