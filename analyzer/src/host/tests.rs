//! Tests of the host: the CLI's one-pass check and the language server's layered, edited host
//! agree on every corpus file; incrementality from salsa's event log; incremental reparsing
//! equal to a full parse.

use fpl_syntax::{TextRange, TextSize};

use super::reparse::{self, ReparseHint};
use super::{AnalysisHost, Change, Snapshot, check_policy, db};
use crate::CheckOptions;
use crate::analysis::{Analysis, AnalyzedFile};
use crate::compile::compile;
use crate::source::{FileId, SourceFile};

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
    host_of(&sources_of(files))
}

/// A host whose one policy is `sources`, file `i` with id `FileId(i)`.
fn host_of(sources: &[SourceFile]) -> AnalysisHost {
    let mut host = AnalysisHost::default();
    let mut change = Change::default();
    for (index, source) in sources.iter().enumerate() {
        change.set_file(FileId(index as u32), source.clone());
    }
    change.set_policies(vec![(0..sources.len() as u32).map(FileId).collect()]);
    host.apply_change(change).expect("change applies");
    host
}

fn sources_of(files: &[(String, String)]) -> Vec<SourceFile> {
    files
        .iter()
        .map(|(path, text)| SourceFile::new(path.clone(), text.clone()))
        .collect()
}

/// The analysis of the policy of files `0..n` as the language server's host has it: every
/// file's diagnostics (what it publishes) and the model, from the layered queries.
fn layered(snapshot: &Snapshot, files: usize) -> Analysis {
    let diagnostics = (0..files as u32)
        .flat_map(|file| snapshot.diagnostics(FileId(file)).expect("not cancelled"))
        .collect();
    let model = snapshot
        .policy_model(FileId(0))
        .expect("not cancelled")
        .expect("a policy");
    let sources = snapshot
        .policy_sources(FileId(0))
        .expect("not cancelled")
        .into_iter()
        .map(|(_, source)| AnalyzedFile::new(source))
        .collect();
    Analysis::new(sources, model, diagnostics)
}

/// The CLI's check of `sources` and the language server's host agree: same files, diagnostics,
/// model and compiled policy.
fn assert_same(sources: &[SourceFile], snapshot: &Snapshot) {
    let checked = check_policy(sources.to_vec(), &CheckOptions::default());
    let served = layered(snapshot, sources.len());
    let names: Vec<&str> = sources.iter().map(|source| source.path.as_str()).collect();
    let texts = |analysis: &Analysis| -> Vec<SourceFile> {
        analysis
            .files()
            .iter()
            .map(|file| file.source.clone())
            .collect()
    };
    assert_eq!(texts(&served), texts(&checked), "{names:?}");
    assert_eq!(served.diagnostics, checked.diagnostics, "{names:?}");
    assert_eq!(served.policy, checked.policy, "{names:?}");
    assert_eq!(compile(&served), compile(&checked), "{names:?}");
}

/// Replaces `range` of file `file` in both the host and `sources`, as an editor's change does.
fn edit(
    host: &mut AnalysisHost,
    sources: &mut [SourceFile],
    file: usize,
    range: std::ops::Range<usize>,
    replacement: &str,
) {
    let mut change = Change::default();
    let at = TextRange::new(
        TextSize::from(range.start as u32),
        TextSize::from(range.end as u32),
    );
    change.edit_file(FileId(file as u32), at, replacement);
    host.apply_change(change).expect("applies");
    sources[file].text.replace_range(range, replacement);
}

/// The character boundaries of `text` nearest below a third and two thirds of its length.
fn thirds(text: &str) -> (usize, usize) {
    let boundary = |mut at: usize| {
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        at
    };
    (boundary(text.len() / 3), boundary(2 * text.len() / 3))
}

/// A host built from whole files, and a host that reaches the same texts through edits (the
/// middle third of each file typed back, then characters deleted and retyped one by one, the
/// diagnostics read after each edit as an editor does), agree with the CLI's check of the same
/// texts at every step.
fn assert_cli_and_server_agree(sources: &[SourceFile]) {
    assert_same(sources, &host_of(sources).snapshot());

    let mut current: Vec<SourceFile> = sources.to_vec();
    for source in &mut current {
        let (start, end) = thirds(&source.text);
        source.text.replace_range(start..end, "");
    }
    let mut host = host_of(&current);
    assert_same(&current, &host.snapshot());
    for (index, source) in sources.iter().enumerate() {
        let text = &source.text;
        let (start, end) = thirds(text);
        edit(
            &mut host,
            &mut current,
            index,
            start..start,
            &text[start..end],
        );
        assert_same(&current, &host.snapshot());
        let step = (text.len() / 6).max(1);
        for (at, removed) in text.char_indices().step_by(step) {
            let end = at + removed.len_utf8();
            edit(&mut host, &mut current, index, at..end, "");
            assert_same(&current, &host.snapshot());
            edit(&mut host, &mut current, index, at..at, &removed.to_string());
        }
    }
    assert_eq!(current, sources, "the edits restore every text");
    assert_same(sources, &host.snapshot());
}

#[test]
fn the_cli_and_the_language_server_agree_on_every_corpus_file() {
    let corpus = corpus();
    assert!(corpus.len() > 20, "corpus not found");
    for file in sources_of(&corpus) {
        assert_cli_and_server_agree(&[file]);
    }
}

#[test]
fn the_cli_and_the_language_server_agree_on_policies_of_many_files() {
    let corpus = corpus();
    assert_cli_and_server_agree(&sources_of(&corpus[..6]));
    let flat = sources_of(&[
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
    ]);
    assert_cli_and_server_agree(&flat);
    let with_imports = [
        SourceFile::new(
            "governance.fms",
            "agent bot {\n  default deny\n  permit read\n}\n",
        ),
        SourceFile::new(
            "cache/x.fpl",
            "agent bot {\n  default permit\n}\nagent helper {\n  default deny\n}\n",
        )
        .imported_as("r.io/policies/acme/x@1.0.0"),
        SourceFile::new(
            "cache/y.fpl",
            "agent helper {\n  permit q when amount < \"x\"\n}\n",
        )
        .imported_as("r.io/policies/acme/y@1.0.0"),
    ];
    assert_cli_and_server_agree(&with_imports);
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
fn edited_files_get_the_diagnostics_of_a_fresh_check() {
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
        let expected = check_policy(
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
