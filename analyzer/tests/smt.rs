//! Fixture tests of the SMT findings (S0301–S0307) and the semantic diff: each case is policy
//! text in, the codes reported (with their rule and severity) out.

use fpl_analyzer::host::{AnalysisHost, Change, check_policy};
use fpl_analyzer::smt::{self, SmtOptions};
use fpl_analyzer::{CheckOptions, FileId, SourceFile};

/// `code@line severity` for each finding, and no internal errors.
fn check(text: &str) -> Vec<String> {
    let analysis = check_policy(
        vec![SourceFile::new("t.fpl", text)],
        &CheckOptions::default(),
    );
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let report = smt::analyze_smt(&analysis, &SmtOptions::default()).expect("smt runs");
    assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    report
        .diagnostics
        .iter()
        .map(|diagnostic| {
            let (start, _) = analysis.line_cols(diagnostic.span);
            format!(
                "{}@{} {}",
                diagnostic.code.as_str(),
                start.line,
                diagnostic.severity.as_str()
            )
        })
        .collect()
}

fn agent(rules: &str) -> String {
    format!("agent a {{\n  default deny\n{rules}}}\n")
}

#[test]
fn unreachable_rule_behind_glob() {
    let text = agent("  permit shell/*\n  deny shell/ls\n");
    assert_eq!(check(&text), ["S0301@4 warning"]);
}

#[test]
fn stripe_glob_in_the_middle() {
    let text = agent(
        "  permit stripe/*/list\n  deny stripe/customers/list\n  deny stripe/customers/get\n",
    );
    assert_eq!(check(&text), ["S0301@4 warning"]);
}

#[test]
fn partial_condition_overlap_is_not_unreachable() {
    let text = agent(
        "  permit stripe/refund when amount < 100\n  defer stripe/refund when amount < 500\n",
    );
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn earlier_error_covers_a_later_rule() {
    // `amount < 100` errors when amount is absent or not a number; with `>= 100` it covers all.
    let text =
        agent("  permit stripe/refund when amount < 100 or amount >= 100\n  deny stripe/refund\n");
    assert_eq!(check(&text), ["S0304@3 warning", "S0301@4 warning"]);
}

#[test]
fn mandatory_deny_overrides_fully_and_partly() {
    let text = agent("  deny! shell/*\n  permit shell/ls\n  permit stripe/refund\n");
    assert_eq!(check(&text), ["S0302@4 error"]);
    let text = agent("  deny! stripe/refund when amount > $500\n  permit stripe/refund\n");
    assert_eq!(check(&text), ["S0302@4 warning"]);
}

/// A rule whose matches a `deny!` covers but whose condition errs where no `deny!` decides
/// still decides there (`CONDITION_ERROR`): partly overridden, and not to be removed.
#[test]
fn a_rule_that_errs_outside_the_denies_is_only_partly_overridden() {
    let text = agent(
        "  deny! t/x when not (n > 5) and n < 1000000000000\n  defer t/x when s matches \"^a\" and n < 0\n",
    );
    assert_eq!(check(&text), ["S0302@4 warning"]);
}

/// Two rules with the same match set are duplicates only if the earlier one also decides
/// wherever the later one errs: otherwise removing the later one changes decisions.
#[test]
fn a_rule_that_errs_where_its_twin_does_not_is_no_duplicate() {
    let text =
        agent("  permit a/b when s == \"a\" and n < 10\n  permit a/b when n < 10 and s == \"a\"\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn never_matches_with_money_and_durations() {
    let text = agent("  permit stripe/refund when amount < $5 and amount > $10.50\n");
    assert_eq!(check(&text), ["S0303@3 warning"]);
    let text = agent("  permit job/run when timeout > 1h30m and timeout < 5400\n");
    assert_eq!(check(&text), ["S0303@3 warning"]);
    let text = agent("  permit job/run when timeout > 1h30m and timeout <= 5401\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn always_true_condition() {
    let text = agent("  permit a/b when x == null or x != null\n");
    assert_eq!(check(&text), ["S0304@3 warning"]);
}

#[test]
fn duplicate_rules() {
    let text = agent("  permit a/b when amount < 10\n  permit a/b when 10 > amount\n");
    assert_eq!(check(&text), ["S0305@4 warning"]);
    let text = agent("  permit a/b when amount < 10\n  defer a/b when 10 > amount\n");
    assert_eq!(check(&text), ["S0301@4 warning"]);
}

#[test]
fn regex_conditions() {
    let text = agent(
        "  deny sql/run when query matches \"^DROP\"\n  deny sql/run when query matches \"^DROP TABLE\"\n",
    );
    assert_eq!(check(&text), ["S0301@4 warning"]);
    let text = agent(
        "  deny sql/run when query matches \"^DROP\"\n  deny sql/run when query matches \"^SELECT\"\n",
    );
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn null_rule_of_equality() {
    // Two absent paths are not equal, so the rule can match and errors nowhere.
    let text =
        agent("  permit crm/read when customer.tenant == principal.tenant\n  deny crm/read\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn specific_rule_before_a_glob_is_reachable() {
    let text = agent("  deny shell/ls\n  permit shell/*\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn glob_within_a_segment() {
    let text = agent("  permit files/read_*\n  deny files/read_secrets\n");
    assert_eq!(check(&text), ["S0301@4 warning"]);
    let text = agent("  permit files/read_*\n  deny files/write_secrets\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn partial_glob_overlap_is_not_unreachable() {
    // Not unreachable; `stripe/customers/list` is permitted although the deny matches it
    // (S0307, issue 22).
    let text = agent("  permit stripe/*/list\n  deny stripe/customers/*\n");
    assert_eq!(check(&text), ["S0307@4 warning"]);
}

#[test]
fn a_last_segment_of_stars_matches_one_or_more_segments() {
    let text = agent("  permit shell/**\n  deny shell/exec/bash\n");
    assert_eq!(check(&text), ["S0301@4 warning"]);
    let text = agent("  permit shell/**\n  deny shell\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn mandatory_deny_of_other_tools_overrides_nothing() {
    // `shell/*` needs at least one segment after `shell`.
    let text = agent("  deny! shell/*\n  permit stripe/refund\n  permit shell\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn mandatory_deny_with_a_regex_overrides_partly() {
    let text = agent("  deny! shell/* when cmd matches \"rm -rf\"\n  permit shell/exec\n");
    assert_eq!(check(&text), ["S0302@4 warning"]);
}

#[test]
fn regex_condition_that_never_holds() {
    let text =
        agent("  permit sql/run when query matches \"^SELECT\" and query matches \"^DROP\"\n");
    assert_eq!(check(&text), ["S0303@3 warning"]);
    let text =
        agent("  permit sql/run when query matches \"^SELECT\" and query matches \"FROM\"\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn always_true_condition_with_durations() {
    let text = agent("  permit job/run when timeout <= 1h or timeout > 3600\n");
    assert_eq!(check(&text), ["S0304@3 warning"]);
    let text = agent("  permit job/run when timeout <= 1h or timeout > 3601\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn condition_that_can_fail_is_not_always_true() {
    let text = agent("  permit a/b when x == null\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn rules_with_different_match_sets_are_not_duplicates() {
    let text = agent("  permit a/b when amount < $10\n  permit a/b when amount < $20\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn unknown_when_only_session_history_shows_the_finding() {
    // Unreachable, but a witness would need 21 earlier refunds: not proved either way.
    let history = "  deny stripe/refund when history_tool_count(\"stripe/refund\") > 20\n";
    let amounts =
        "  permit stripe/refund when amount <= 500\n  defer stripe/refund when amount > 500\n";
    assert_eq!(
        check(&agent(&format!("{amounts}{history}"))),
        ["S0306@5 warning"]
    );
    assert_eq!(
        check(&agent(&format!("{history}{amounts}"))),
        Vec::<String>::new()
    );
}

#[test]
fn rules_of_another_phase_do_not_cover() {
    let text = "agent a {\n  default deny\n  phase intake {\n    permit crm/read\n  }\n  deny crm/read\n}\n";
    assert_eq!(check(text), Vec::<String>::new());
}

#[test]
fn a_sound_payments_policy_reports_nothing() {
    let text = "agent payments {
  default deny
  budget session {
    max $500
    on_exceed deny
  }
  rate_limit stripe/*: 10 per minute
  deny! shell/*
  permit stripe/refund when amount <= $500
  defer stripe/refund when amount > $500
  permit stripe/charges/list
  defer stripe/*
}
";
    assert_eq!(check(text), Vec::<String>::new());
}

#[test]
fn corpus_has_no_internal_errors() {
    let mut seen = 0;
    for path in fpl_testdata::upstream_policies() {
        let text = std::fs::read_to_string(&path).expect("corpus files are UTF-8");
        let analysis = check_policy(
            vec![SourceFile::new(path.display().to_string(), text)],
            &CheckOptions::default(),
        );
        if analysis.has_errors() {
            continue;
        }
        let report = smt::analyze_smt(&analysis, &SmtOptions::default()).expect("smt runs");
        assert!(
            report.internal_errors.is_empty(),
            "{}: {:?}",
            path.display(),
            report.internal_errors
        );
        for diagnostic in &report.diagnostics {
            eprintln!(
                "{}: {} {}",
                path.display(),
                diagnostic.code.as_str(),
                diagnostic.message
            );
        }
        seen += 1;
    }
    // All but the SPEC §16 file, whose one error keeps it from compiling, are analysed.
    assert_eq!(seen, 59, "corpus policies analysed");
}

fn diff(old: &str, new: &str) -> Vec<String> {
    let old = check_policy(
        vec![SourceFile::new("old.fpl", old)],
        &CheckOptions::default(),
    );
    let new = check_policy(
        vec![SourceFile::new("new.fpl", new)],
        &CheckOptions::default(),
    );
    let report = smt::semantic_diff(&old, &new, &SmtOptions::default()).expect("diff runs");
    assert!(report.unknown.is_empty(), "{:?}", report.unknown);
    let mut out: Vec<String> = report
        .regions
        .iter()
        .map(|region| format!("{} -> {}", region.old.effect, region.new.effect))
        .chain(report.limits.iter().map(|limit| limit.description.clone()))
        .collect();
    out.sort();
    out
}

#[test]
fn diff_of_identical_and_reordered_policies_is_empty() {
    let text = agent("  permit a/x\n  deny b/y\n  defer c/*\n");
    assert_eq!(diff(&text, &text), Vec::<String>::new());
    let reordered = agent("  defer c/*\n  permit a/x\n  deny b/y\n");
    assert_eq!(diff(&text, &reordered), Vec::<String>::new());
}

#[test]
fn diff_finds_changed_regions_and_limits() {
    let old = agent(
        "  permit stripe/refund when amount <= 100\n  defer stripe/refund when amount <= 500\n  rate_limit stripe/*: 10 per minute\n",
    );
    let new =
        agent("  permit stripe/refund when amount <= 500\n  rate_limit stripe/*: 20 per minute\n");
    assert_eq!(
        diff(&old, &new),
        [
            "added rate_limit `stripe/*` 20 per minute",
            "defer -> permit",
            "removed rate_limit `stripe/*` 10 per minute"
        ]
    );
    // A reordering that changes who decides.
    let old = agent("  permit shell/ls\n  deny shell/*\n");
    let new = agent("  deny shell/*\n  permit shell/ls\n");
    assert_eq!(diff(&old, &new), ["permit -> deny"]);
}

#[test]
fn a_stopped_analysis_says_so_instead_of_reporting_nothing() {
    let analysis = check_policy(
        vec![SourceFile::new(
            "stop.fpl",
            agent("  deny stop/*\n  permit stop/now\n"),
        )],
        &CheckOptions::default(),
    );
    // A timeout of its own keeps the per-group cache from answering first.
    let options = SmtOptions {
        timeout: std::time::Duration::from_millis(1_777),
    };
    assert_eq!(
        smt::analyze_smt_until(&analysis, &options, &|| true),
        Err(smt::SmtError::Stopped)
    );
    let report = smt::analyze_smt_until(&analysis, &options, &|| false).expect("runs");
    assert_eq!(report.diagnostics[0].code.as_str(), "S0301");
}

/// Codes with their primary, label and fix places: what a cached finding must get right.
fn places(report: &smt::SmtReport) -> Vec<String> {
    report
        .diagnostics
        .iter()
        .map(|d| {
            let labels: Vec<_> = d.labels.iter().map(|l| l.span).collect();
            let edits: Vec<_> = d
                .fixes
                .iter()
                .flat_map(|f| &f.edits)
                .map(|e| e.range)
                .collect();
            format!("{} {:?} {labels:?} {edits:?}", d.code.as_str(), d.span)
        })
        .collect()
}

/// A host holding `text` as its only file.
fn host_with(text: &str) -> AnalysisHost {
    let mut host = AnalysisHost::default();
    set_text(&mut host, text);
    host
}

fn set_text(host: &mut AnalysisHost, text: &str) {
    let mut change = Change::default();
    change.set_file(FileId(0), SourceFile::new("moved.fpl", text));
    host.apply_change(change).expect("a whole file applies");
}

/// The host's SMT analysis of its file: the value is taken from a snapshot, which is dropped
/// before the solver runs.
fn solve_in(host: &AnalysisHost, stop: &dyn Fn() -> bool) -> Result<smt::SmtReport, smt::SmtError> {
    let input = host
        .snapshot()
        .smt_input(FileId(0))
        .expect("not cancelled")?;
    input.solve(&SmtOptions::default(), stop)
}

#[test]
fn findings_of_rules_that_only_moved_come_from_the_cache_at_their_new_place() {
    let text = agent("  deny moved/*\n  permit moved/now\n  permit moved/x when amount > 5\n");
    let mut host = host_with(&text);
    let before = solve_in(&host, &|| false).expect("the first run solves");
    // Two comment lines above the agent move every rule.
    let moved = format!("# one\n# two\n{text}");
    set_text(&mut host, &moved);
    let cached = solve_in(&host, &|| true).expect("answered by the cache, without a solver query");
    // Another host has a cache of its own, so this run solves from scratch.
    let fresh = solve_in(&host_with(&moved), &|| false).expect("solves");
    assert_eq!(places(&cached), places(&fresh));
    assert_ne!(places(&cached), places(&before));
    assert_eq!(cached.diagnostics.len(), 2, "{:?}", places(&cached));
    // A changed rule is not answered from the cache.
    set_text(&mut host, &text.replace("amount > 5", "amount > 6"));
    assert_eq!(solve_in(&host, &|| true), Err(smt::SmtError::Stopped));
}

/// Issue 10: the encoding assumed |x| ≤ 10¹²; every request number (i128 millionths) counts.
#[test]
fn numbers_beyond_a_trillion_are_exact() {
    // `amount = 1e24` reaches the deny.
    let text = agent("  permit pay/x when amount < 10000000000000\n  deny pay/x\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  permit tok/x when expires_ms > 1700000000000\n");
    assert_eq!(check(&text), Vec::<String>::new());
    // Beyond the largest request number nothing matches.
    let text = agent(
        "  permit pay/x when amount > 170141183460469231731687303715884.105727\n  deny pay/x when amount > 10000000000000000000000000000000\n",
    );
    assert_eq!(check(&text), ["S0303@3 warning"]);
    let policy = |limit: &str| {
        format!("agent a {{\n  default permit\n  deny! up/x when size > {limit}\n}}\n")
    };
    let (old, new) = (policy("1tb"), policy("4tb"));
    assert_eq!(diff(&old, &new), ["deny -> permit"]);
}

/// Issue 10: `time.unix` was whole seconds of 1970–2100.
#[test]
fn time_is_exact_to_the_microsecond_and_spans_every_rfc_3339_year() {
    let text = agent("  permit t/x when time.unix > 1700000000.5 and time.unix < 1700000001\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  permit t/x when time.unix > 5000000000\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  permit t/x when time.unix < -1000\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  permit t/x when time.unix > 253402387140\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  permit t/x when time.unix > 253402387141\n");
    assert_eq!(check(&text), ["S0303@3 warning"]);
}

/// Issue 10: lists were at most 8 long; strings beyond ASCII were bytes to the solver.
#[test]
fn lists_and_strings_have_no_length_cap() {
    let text = agent("  permit a/x when args_array_len(\"items\") > 20\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  permit a/x when name matches \"^.$\" and name == \"é\"\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  permit a/x when name matches \"^.$\" and name == \"\\n\"\n");
    assert_eq!(check(&text), ["S0303@3 warning"]);
}

// S0307 stricter-rule-partly-shadowed (issue 22): each kind of overlap, and policies whose
// rules do not overlap, which stay silent.

#[test]
fn stricter_rule_shadowed_by_a_regular_expression() {
    let text = agent(
        "  permit sql/query when statement matches \"^SELECT\"\n  deny sql/query when statement matches \"DROP\"\n",
    );
    assert_eq!(check(&text), ["S0307@4 warning"]);
    let text = agent(
        "  permit sql/query when statement matches \"^SELECT\"\n  deny sql/query when statement matches \"^DROP\"\n",
    );
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn stricter_rule_shadowed_by_a_numeric_range() {
    let text = agent("  permit x/pay when amount < 1000\n  deny x/pay when amount > 500\n");
    assert_eq!(check(&text), ["S0307@4 warning"]);
    let text = agent("  permit x/pay when amount < 500\n  deny x/pay when amount > 500\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn stricter_rule_shadowed_by_in_and_equality() {
    let text = agent(
        "  permit x/pay when currency in [\"usd\", \"eur\"]\n  defer x/pay when currency == \"eur\" or amount > 10\n",
    );
    assert_eq!(check(&text), ["S0307@4 warning"]);
    let text = agent(
        "  permit x/pay when currency in [\"usd\", \"eur\"]\n  defer x/pay when currency == \"gbp\"\n",
    );
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn stricter_rule_shadowed_by_a_selector() {
    let text = agent("  permit crm/* method get, POST\n  deny crm/tickets\n");
    assert_eq!(check(&text), ["S0307@4 warning"]);
    // Every method the deny matches is permitted first: unreachable, not partly shadowed.
    let text = agent("  permit crm/* method GET, POST\n  deny crm/tickets method post\n");
    assert_eq!(check(&text), ["S0301@4 warning"]);
    let text = agent("  permit crm/* method GET\n  deny crm/tickets method POST\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn stricter_rule_shadowed_inside_a_phase() {
    let text = "agent a {\n  default deny\n  phase intake {\n    permit crm/* when amount < 100\n  }\n  defer crm/read when amount > 10\n}\n";
    assert_eq!(check(text), ["S0307@6 warning"]);
    // A defer before a deny is looser too.
    let text =
        agent("  defer x/pay when amount > 10\n  deny x/pay when amount > 100 or amount < 0\n");
    assert_eq!(check(&text), ["S0307@4 warning"]);
}

#[test]
fn exceptions_and_stricter_rules_first_stay_silent() {
    // An exception written before a general rule is what first match wins is for.
    let text = agent("  permit stripe/charges/list\n  defer stripe/*\n");
    assert_eq!(check(&text), Vec::<String>::new());
    let text = agent("  deny x/pay when amount > 500\n  permit x/pay when amount < 1000\n");
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn moving_the_stricter_rule_above_changes_exactly_the_overlap() {
    let text = agent(
        "  permit x/pay when amount < 1000\n  permit x/list\n  deny x/pay when amount > 500\n",
    );
    let old = check_policy(
        vec![SourceFile::new("t.fpl", text.as_str())],
        &CheckOptions::default(),
    );
    let report = smt::analyze_smt(&old, &SmtOptions::default()).expect("smt runs");
    let [finding] = report.diagnostics.as_slice() else {
        panic!("one finding: {:?}", report.diagnostics);
    };
    assert_eq!(finding.code.as_str(), "S0307");
    let titles: Vec<&str> = finding.fixes.iter().map(|fix| fix.title.as_str()).collect();
    assert_eq!(titles, ["move `a/3` above `a/1`", "make it `deny!`"]);
    let mut edits = finding.fixes[0].edits.clone();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.range.start()));
    let mut fixed = text.clone();
    for edit in edits {
        fixed.replace_range(
            usize::from(edit.range.start())..usize::from(edit.range.end()),
            &edit.replacement,
        );
    }
    assert_eq!(
        fixed,
        agent(
            "  deny x/pay when amount > 500\n  permit x/pay when amount < 1000\n  permit x/list\n"
        )
    );
    assert_eq!(check(&fixed), Vec::<String>::new());
    let new = check_policy(
        vec![SourceFile::new("t.fpl", fixed.as_str())],
        &CheckOptions::default(),
    );
    let diff = smt::semantic_diff(&old, &new, &SmtOptions::default()).expect("the diff runs");
    assert!(
        diff.unknown.is_empty() && diff.limits.is_empty(),
        "{diff:?}"
    );
    assert!(!diff.regions.is_empty(), "the overlap changes");
    for region in &diff.regions {
        // Decided by the permit before, by the deny after: requests both rules match.
        assert_eq!(
            (region.old.rule.as_deref(), region.new.rule.as_deref()),
            (Some("a/1"), Some("a/1")),
            "{region:?}"
        );
        assert_eq!(
            (region.old.effect.as_str(), region.new.effect.as_str()),
            ("permit", "deny")
        );
    }
}

// Regular expressions with case folding and word boundaries (issue 22's own example): the
// solver reads them exactly, and each finding's witness is replayed through the runtime here.

/// The S0307 findings of `text` with their witness requests, each checked against the
/// runtime: the earlier rule `decider` decides it, and the shadowed rule's pattern matches it.
fn shadowed_witnesses(text: &str, decider: &str, pattern: &str) -> Vec<(String, String)> {
    let analysis = check_policy(
        vec![SourceFile::new("t.fpl", text)],
        &CheckOptions::default(),
    );
    assert!(!analysis.has_errors(), "{:?}", analysis.diagnostics);
    let report = smt::analyze_smt(&analysis, &SmtOptions::default()).expect("smt runs");
    assert!(
        report.internal_errors.is_empty(),
        "{:?}",
        report.internal_errors
    );
    let compiled = fpl_analyzer::compile::compile(&analysis).expect("compiles");
    let regex = fpl_runtime::regex_source::compile(pattern).expect("valid");
    let mut out = Vec::new();
    for diagnostic in &report.diagnostics {
        let (start, _) = analysis.line_cols(diagnostic.span);
        let place = format!("{}@{}", diagnostic.code.as_str(), start.line);
        let witness = diagnostic
            .notes
            .iter()
            .find_map(|note| note.strip_prefix("for example: "))
            .unwrap_or_else(|| panic!("{place} has a witness: {diagnostic:?}"));
        let decision: serde_json::Value = serde_json::from_str(
            &fpl_runtime::Evaluator::from_compiled(&compiled)
                .expect("loads")
                .decide_json(witness)
                .to_json(),
        )
        .expect("decision json");
        assert_eq!(decision["effect"], "permit", "{witness}");
        assert_eq!(decision["rule"]["id"], decider, "{witness}");
        let request: serde_json::Value = serde_json::from_str(witness).expect("witness json");
        let statement = request["args"]["statement"].as_str().expect("a statement");
        assert!(regex.is_match(statement), "{pattern} on {statement:?}");
        out.push((place, statement.to_string()));
    }
    out
}

const DENY_WRITES: &str = "(?i)\\\\b(DROP|TRUNCATE|DELETE|UPDATE|GRANT)\\\\b";

#[test]
fn the_issues_analyst_policy_reports_the_shadowed_deny() {
    let text = format!(
        "agent analyst {{\n  default deny\n  permit sql/query   if statement matches \"^SELECT\" and tables.contains_pii == false\n  defer  sql/query   if tables.contains_pii == true\n  deny   sql/query   if statement matches \"{DENY_WRITES}\"\n}}\n"
    );
    let pattern = DENY_WRITES.replace("\\\\", "\\");
    let found = shadowed_witnesses(&text, "analyst/1", &pattern);
    let places: Vec<&str> = found.iter().map(|(place, _)| place.as_str()).collect();
    assert_eq!(places, ["S0307@5"], "{found:?}");
    // The defer is looser than the deny too, where both match; after a permit of numbers only
    // nothing shadows the deny.
    let text = format!(
        "agent analyst {{\n  default deny\n  permit sql/query   if statement matches \"^SELECT [0-9, ]+$\"\n  deny   sql/query   if statement matches \"{DENY_WRITES}\"\n}}\n"
    );
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn case_insensitive_patterns_overlap_only_when_folded() {
    // `select … drop` in lower case is permitted; the deny folds case.
    let text = agent(
        "  permit sql/query when statement matches \"^select \"\n  deny sql/query when statement matches \"(?i)^SELECT .*DROP\"\n",
    );
    let found = shadowed_witnesses(&text, "a/1", "(?i)^SELECT .*DROP");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "S0307@4");
    assert!(found[0].1.starts_with("select "), "{found:?}");
    let text = agent(
        "  permit sql/query when statement matches \"^select \"\n  deny sql/query when statement matches \"(?i:^DELETE)\"\n",
    );
    assert_eq!(check(&text), Vec::<String>::new());
}

#[test]
fn word_boundaries_overlap_only_at_a_word_edge() {
    let text = agent(
        "  permit sql/query when statement matches \"^SELECT\"\n  deny sql/query when statement matches \"\\\\bDROP\\\\b\"\n",
    );
    let found = shadowed_witnesses(&text, "a/1", "\\bDROP\\b");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, "S0307@4");
    // `DROP` inside a word is no match of the deny, so the permit shadows nothing.
    let text = agent(
        "  permit sql/query when statement matches \"^x[A-Z]*x$\"\n  deny sql/query when statement matches \"\\\\bDROP\\\\b\"\n",
    );
    assert_eq!(check(&text), Vec::<String>::new());
    // Without the boundaries the same rules overlap (`xDROPx`).
    let text = agent(
        "  permit sql/query when statement matches \"^x[A-Z]*x$\"\n  deny sql/query when statement matches \"DROP\"\n",
    );
    assert_eq!(check(&text), ["S0307@4 warning"]);
}

#[test]
fn diff_finds_what_a_phase_s_tools_deny() {
    let old = agent("  phase p {\n    permit t/b\n  }\n  permit t/*\n");
    let new = agent("  phase p {\n    tools = [\"t/a\"]\n    permit t/b\n  }\n  permit t/*\n");
    let found = diff(&old, &new);
    assert!(
        found.contains(&"added phase p tools [t/a]".to_string()),
        "{found:?}"
    );
    let regions: Vec<&String> = found.iter().filter(|f| f.contains("->")).collect();
    assert!(!regions.is_empty(), "{found:?}");
    assert!(regions.iter().all(|r| *r == "permit -> deny"), "{found:?}");
    // Every witness was replayed: the deny is the phase's, before any rule.
    let report = smt::semantic_diff(
        &check_policy(
            vec![SourceFile::new("old.fpl", old)],
            &CheckOptions::default(),
        ),
        &check_policy(
            vec![SourceFile::new("new.fpl", new)],
            &CheckOptions::default(),
        ),
        &SmtOptions::default(),
    )
    .expect("diff runs");
    for region in &report.regions {
        assert_eq!(
            region.new.reason_code, "OUT_OF_PHASE_TOOL_CALL",
            "{region:?}"
        );
        assert_eq!(region.new.rule, None, "{region:?}");
    }
}

#[test]
fn findings_under_a_phase_with_tools_replay() {
    // Outside the phase the deny decides t/a; inside it the phase's permit does first.
    let text = agent(
        "  phase p {\n    tools = [\"t/a\", \"t/c\"]\n    permit t/*\n  }\n  deny t/a\n  permit t/b\n  deny t/b\n",
    );
    assert_eq!(check(&text), ["S0307@7 warning", "S0301@9 warning"],);
}
