//! Policies written as the public Faramesh docs write them (issue 12, SPEC §3 notes 7–8, §4,
//! §14): the snippets check without a diagnostic and decide as the docs say; a page's fragment
//! gets one `E0104` whose fix makes the file check.

use fpl_analyzer::host::check_policy;
use fpl_analyzer::{Analysis, CheckOptions, Code, SourceFile, compile};

fn check(text: &str) -> Analysis {
    check_policy(
        vec![SourceFile::new("governance.fms", text)],
        &CheckOptions::default(),
    )
}

/// Checks `text` with no diagnostic at all, then decides each `(request, effect, reason)`.
fn check_clean_and_decide(text: &str, cases: &[(&str, &str, &str)]) {
    let analysis = check(text);
    let found: Vec<(Code, String)> = analysis
        .diagnostics
        .iter()
        .map(|diagnostic| (diagnostic.code, diagnostic.message.clone()))
        .collect();
    assert_eq!(found, vec![], "{text}");
    let compiled = compile::compile(&analysis).expect("compiles");
    let mut runtime = fpl_runtime::Evaluator::new(compiled).expect("loads");
    for (request, effect, reason) in cases {
        let decision: serde_json::Value =
            serde_json::from_str(&runtime.decide_json(request).to_json()).expect("decision JSON");
        assert_eq!(
            (
                decision["effect"].as_str(),
                decision["reason_code"].as_str()
            ),
            (Some(*effect), Some(*reason)),
            "{request}: {decision}"
        );
    }
}

#[test]
fn a_delegate_without_a_name_is_named_by_its_target_agent() {
    check_clean_and_decide(
        r#"agent orchestrator {
  default deny
  delegate { target_agent = "researcher" scope = "read-only" ttl = "10m" ceiling = "permit" }
  delegate { target_agent = "writer" scope = ["docs/*", "wiki/*"] ttl = 1h ceiling = "approval" }
  delegate "reviewer" { scope = "read-only" ttl = "1h30m" ceiling = "inherited" }
  permit research/*
}
agent researcher {
  default deny
  permit web/search
}
"#,
        &[
            (
                r#"{"agent":"orchestrator","tool":"research/search"}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"agent":"orchestrator","tool":"shell/exec"}"#,
                "deny",
                "DEFAULT_DENY",
            ),
            (
                r#"{"agent":"researcher","tool":"web/search"}"#,
                "permit",
                "RULE_PERMIT",
            ),
        ],
    );
}

#[test]
fn trust_keys_without_quotes_and_other_trust_entries_are_carried() {
    check_clean_and_decide(
        r#"trust {
  key "github.com/faramesh/faramesh-registry" ed25519:nxNjaQnS3L+zzKrRq48XfYBDWlFXkNJkxUiTD8j0sFs=
  key "faramesh-ed25519-2026" = ed25519:nxNjaQnS3L+zzKrRq48XfYBDWlFXkNJkxUiTD8j0sFs=
  spiffe_federated "spiffe://partner.example.com" bundle_url = "https://partner.example.com/bundle.json"
  spiffe_federated "spiffe://other.example.com"
    bundle_url = "https://other.example.com/bundle.json"
    refresh = 5m
  delegation from "orchestrator" to "researcher" max_depth 2
}
agent a {
  default deny
  permit read_*
}
"#,
        &[(
            r#"{"agent":"a","tool":"read_file"}"#,
            "permit",
            "RULE_PERMIT",
        )],
    );
}

#[test]
fn provider_types_and_runtime_keys_of_the_docs_are_known() {
    let mut text = String::from(
        r#"runtime {
  mode = "shadow"
  backend = "redis"
  redis_url = "redis://localhost:6379/0"
  approval_ttl = "5m"
  os_tier = "linux-landlock"
  strip_ambient_credentials = true
  agent_enforce_profile = "strict"
  supervised_command = "python agent.py"
  cold_start_deny_window = 30s
}
"#,
    );
    // The provider types of SPEC §14 that the docs use and `check` did not know before.
    for (index, provider_type) in [
        "vault-transit",
        "azure-key-vault",
        "kms",
        "pkcs11",
        "aws-sm",
        "gcp-sm",
        "azure-kv",
        "datadog-sink",
        "elastic-sink",
        "s3-sink",
        "gcs-sink",
        "cost-static",
        "cost-http",
        "vault",
    ]
    .iter()
    .enumerate()
    {
        text.push_str(&format!(
            "provider p{index} {{ type = \"{provider_type}\" endpoint = \"https://x\" }}\n"
        ));
    }
    text.push_str("agent a {\n  default deny\n  credential stripe { backend = p0 ttl = \"15m\" }\n  session { max_duration = \"8h\" idle_timeout = \"30m\" }\n  permit stripe/*\n}\n");
    check_clean_and_decide(
        &text,
        &[(
            r#"{"agent":"a","tool":"stripe/charge"}"#,
            "permit",
            "RULE_PERMIT",
        )],
    );
}

#[test]
fn durations_written_as_strings_are_durations() {
    check_clean_and_decide(
        r#"agent payments {
  default deny
  phase "audit-only" {
    duration = "24h"
    next = "enforce"
    rules {
      permit stripe/charge
    }
  }
  phase "enforce" {
    duration = 7d
    deny stripe/charge
  }
  credential stripe { ttl = "15m" }
}
"#,
        &[
            (
                r#"{"agent":"payments","tool":"stripe/charge","phase":"audit-only"}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"agent":"payments","tool":"stripe/charge","phase":"enforce"}"#,
                "deny",
                "RULE_DENY",
            ),
        ],
    );
}

#[test]
fn a_phase_with_tools_denies_other_tools_while_it_is_active() {
    // The docs' phase, with the tools line they write.
    check_clean_and_decide(
        r#"agent payments {
  default deny
  phase "audit-only" { duration = "24h" next = "enforce" tools = ["stripe/charge"] rules { permit stripe/* } }
  phase "enforce" {
    duration = "7d"
    tools = ["stripe/charge", "stripe/refund", "docs/*"]
    deny! stripe/refund when amount > $1000
    permit stripe/*
  }
  deny! shell/*
  permit docs/*
}
"#,
        &[
            (
                r#"{"agent":"payments","tool":"stripe/charge","phase":"audit-only"}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"agent":"payments","tool":"stripe/refund","phase":"audit-only"}"#,
                "deny",
                "OUT_OF_PHASE_TOOL_CALL",
            ),
            (
                r#"{"agent":"payments","tool":"docs/read","phase":"audit-only"}"#,
                "deny",
                "OUT_OF_PHASE_TOOL_CALL",
            ),
            // A mandatory deny decides before the phase's tools.
            (
                r#"{"agent":"payments","tool":"shell/exec","phase":"audit-only"}"#,
                "deny",
                "MANDATORY_DENY",
            ),
            (
                r#"{"agent":"payments","tool":"stripe/refund","phase":"enforce","args":{"amount":50}}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"agent":"payments","tool":"stripe/refund","phase":"enforce","args":{"amount":5000}}"#,
                "deny",
                "MANDATORY_DENY",
            ),
            (
                r#"{"agent":"payments","tool":"docs/read/x","phase":"enforce"}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"agent":"payments","tool":"stripe/payout","phase":"enforce"}"#,
                "deny",
                "OUT_OF_PHASE_TOOL_CALL",
            ),
            // Without a phase, or naming no phase of the agent, nothing is restricted.
            (
                r#"{"agent":"payments","tool":"docs/read"}"#,
                "permit",
                "RULE_PERMIT",
            ),
            (
                r#"{"agent":"payments","tool":"docs/read","phase":"later"}"#,
                "permit",
                "RULE_PERMIT",
            ),
        ],
    );
}

#[test]
fn custom_budgets_count_per_agent_budget_and_day() {
    let text = r#"agent support {
  default deny
  budget refunds_daily { max $5000 on_exceed defer }
  budget session {
    max_calls 100
  }
  budget refund_calls {
    max_calls 2
    tools = ["stripe/refund"]
  }
  budget spend_watch {
    max       $100
    warn_at   0.5
    on_exceed audit
  }
  permit stripe/*
}
"#;
    let at = |tool: &str, cost: &str, day: &str| {
        format!(
            r#"{{"agent":"support","tool":"{tool}","cost":{cost},"session":"s-{day}","time":"2026-03-{day}T10:00:00Z"}}"#
        )
    };
    check_clean_and_decide(
        text,
        &[
            (&at("stripe/refund", "60", "01"), "permit", "RULE_PERMIT"),
            (&at("stripe/refund", "30", "01"), "permit", "RULE_PERMIT"),
            // refund_calls: two refunds a day.
            (&at("stripe/refund", "1", "01"), "deny", "BUDGET_EXCEEDED"),
            // spend_watch is over $100 now, but it only audits.
            (&at("stripe/charge", "4900", "01"), "permit", "RULE_PERMIT"),
            // refunds_daily: $4990 spent, $20 more is over $5000.
            (&at("stripe/charge", "20", "01"), "defer", "BUDGET_EXCEEDED"),
            // A new UTC day starts every budget afresh.
            (&at("stripe/refund", "1", "02"), "permit", "RULE_PERMIT"),
        ],
    );
    let analysis = check(text);
    let compiled = compile::compile(&analysis).expect("compiles");
    let mut runtime = fpl_runtime::Evaluator::new(compiled).expect("loads");
    let warnings = |runtime: &mut fpl_runtime::Evaluator, request: &str| {
        let decision: serde_json::Value =
            serde_json::from_str(&runtime.decide_json(request).to_json()).expect("decision JSON");
        (decision["effect"].clone(), decision["warnings"].clone())
    };
    assert_eq!(
        warnings(&mut runtime, &at("stripe/charge", "60", "05")),
        (
            serde_json::json!("permit"),
            serde_json::json!(["BUDGET_WARNING"])
        )
    );
    assert_eq!(
        warnings(&mut runtime, &at("stripe/charge", "60", "05")),
        (
            serde_json::json!("permit"),
            serde_json::json!(["BUDGET_EXCEEDED"])
        )
    );
}

#[test]
fn misused_budgets_and_phase_tools_draw_their_codes() {
    let analysis = check(
        r#"agent a {
  default deny
  budget refunds_daily { max $5000 }
  budget refunds_daily { max_calls 3 }
  budget session { on_exceed permit }
  budget b { tools = "stripe/*" }
  phase p { tools = ["stripe//x", 5] }
}
"#,
    );
    let found: Vec<(Code, String)> = analysis
        .diagnostics
        .iter()
        .map(|d| (d.code, d.message.clone()))
        .collect();
    assert_eq!(
        found,
        [
            (
                Code::E0205,
                "budget `refunds_daily` is declared twice".to_string()
            ),
            (
                Code::E0210,
                "`on_exceed` takes `deny`, `defer` or `audit`, not a name `permit`".to_string()
            ),
            (
                Code::E0210,
                "`tools` takes a list of tool patterns, not a string `stripe/*`".to_string()
            ),
            (
                Code::E0210,
                "`tools` item `stripe//x` is no tool pattern: empty segment".to_string()
            ),
            (
                Code::E0210,
                "`tools` item is a number, not a tool pattern".to_string()
            ),
        ],
        "{:?}",
        analysis.diagnostics
    );
}

#[test]
fn values_the_docs_do_not_use_still_draw_their_codes() {
    let analysis = check(
        r#"runtime { backend = "mongo" cold_start_deny_window = "soon" }
provider p { type = "ftp" }
agent a {
  default deny
  delegate { target_agent = "b" ceiling = "always" ttl = "10 minutes" }
  phase p { duration = "a day" }
}
"#,
    );
    let codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    assert_eq!(codes, [Code::E0210; 6], "{:?}", analysis.diagnostics);
}

/// Applies the edits of the one fix of `diagnostic` to `text`.
fn apply_fix(text: &str, diagnostic: &fpl_analyzer::Diagnostic) -> String {
    assert_eq!(diagnostic.fixes.len(), 1, "{diagnostic:?}");
    let mut edits = diagnostic.fixes[0].edits.clone();
    edits.sort_by_key(|edit| std::cmp::Reverse(edit.range.start()));
    let mut out = text.to_string();
    for edit in edits {
        out.replace_range(
            usize::from(edit.range.start())..usize::from(edit.range.end()),
            &edit.replacement,
        );
    }
    out
}

#[test]
fn a_fragment_gets_one_error_whose_fix_wraps_it_in_an_agent() {
    let cases = [
        (
            "rules {\n  permit http/get\n  deny! shell/*\n}\n",
            "`rules` belongs inside an agent",
        ),
        (
            "budget daily {\n  max $500\n  on_exceed defer\n}\nrate_limit stripe/*: 10 per minute\n",
            "`budget` belongs inside an agent",
        ),
        (
            "# from the rate limits page\nrate_limit http/*: 100 per minute\nruntime { mode = \"enforce\" }\nredact stripe/* args: [\"card\"]\n",
            "`rate_limit` belongs inside an agent",
        ),
        (
            "default deny\npermit read_*\negress { allow = [\"*.example.com\"] }\n",
            "`default` belongs inside an agent",
        ),
    ];
    for (text, message) in cases {
        let analysis = check(text);
        let errors: Vec<_> = analysis
            .diagnostics
            .iter()
            .filter(|diagnostic| diagnostic.is_error())
            .collect();
        assert_eq!(errors.len(), 1, "{text}: {errors:?}");
        assert_eq!(
            (errors[0].code, errors[0].message.as_str()),
            (Code::E0104, message)
        );
        let fixed = apply_fix(text, errors[0]);
        let after = check(&fixed);
        assert!(!after.has_errors(), "{fixed}: {:?}", after.diagnostics);
        assert!(fixed.contains("agent \"default\" {\n"), "{fixed}");
        compile::compile(&after).expect("the fixed policy compiles");
    }
}

#[test]
fn a_fragment_does_not_hide_the_errors_of_the_rest_of_the_file() {
    let analysis =
        check("rules {\n  permit x when amount < \"x\"\n}\nagent a {\n  defualt deny\n}\n");
    let codes: Vec<Code> = analysis.diagnostics.iter().map(|d| d.code).collect();
    assert!(codes.contains(&Code::E0104), "{codes:?}");
    assert_eq!(
        codes.iter().filter(|code| **code == Code::E0104).count(),
        2,
        "the fragment and the misspelt `default`: {codes:?}"
    );
}

/// The completions and hover at `$0` in `text`, through the language server's host.
fn completions_and_hover(text: &str) -> (Vec<String>, Option<String>) {
    use fpl_analyzer::FileId;
    use fpl_analyzer::host::{AnalysisHost, Change};
    let offset = text.find("$0").expect("a cursor");
    let text = text.replace("$0", "");
    let mut host = AnalysisHost::default();
    let mut change = Change::default();
    change.set_file(FileId(0), SourceFile::new("governance.fms", text));
    host.apply_change(change).expect("applies");
    let snapshot = host.snapshot();
    let offset = fpl_syntax::TextSize::from(offset as u32);
    let labels = snapshot
        .completions(FileId(0), offset)
        .expect("not cancelled")
        .into_iter()
        .map(|completion| completion.label)
        .collect();
    let hover = snapshot
        .hover(FileId(0), offset)
        .expect("not cancelled")
        .map(|hover| hover.markdown);
    (labels, hover)
}

#[test]
fn the_language_server_completes_and_explains_tools_and_audit() {
    let (labels, _) =
        completions_and_hover("agent a {\n  budget refunds_daily {\n    $0\n  }\n}\n");
    assert!(labels.iter().any(|label| label == "tools"), "{labels:?}");
    let (labels, _) = completions_and_hover("agent a {\n  phase p {\n    $0\n  }\n}\n");
    assert!(labels.iter().any(|label| label == "tools"), "{labels:?}");
    let (labels, _) = completions_and_hover("agent a {\n  budget b {\n    on_exceed $0\n  }\n}\n");
    assert_eq!(labels, ["deny", "defer", "audit"]);
    let (labels, _) = completions_and_hover(
        "agent a {\n  phase p {\n    tools = [$0]\n  }\n  permit stripe/charge\n}\n",
    );
    assert!(
        labels.iter().any(|label| label == "stripe/charge"),
        "{labels:?}"
    );
    let (_, hover) =
        completions_and_hover("agent a {\n  phase p {\n    to$0ols = [\"x\"]\n  }\n}\n");
    assert!(
        hover
            .as_deref()
            .is_some_and(|text| text.contains("OUT_OF_PHASE_TOOL_CALL")),
        "{hover:?}"
    );
    let (_, hover) =
        completions_and_hover("agent a {\n  budget b {\n    on_exc$0eed audit\n  }\n}\n");
    assert!(
        hover.as_deref().is_some_and(|text| text.contains("audit")),
        "{hover:?}"
    );
}

#[test]
fn the_language_server_completes_and_explains_the_new_keys_and_values() {
    let (labels, _) =
        completions_and_hover("agent a {\n  delegate { target_agent = \"b\" ceiling = $0 }\n}\n");
    assert!(labels.iter().any(|label| label == "permit"), "{labels:?}");
    let (labels, _) = completions_and_hover("agent a {\n  delegate {\n    $0\n  }\n}\n");
    assert!(
        labels.iter().any(|label| label == "target_agent"),
        "{labels:?}"
    );
    let (labels, _) = completions_and_hover("provider p { type = $0 }\n");
    assert!(
        labels.iter().any(|label| label == "azure-key-vault"),
        "{labels:?}"
    );
    let (labels, _) = completions_and_hover("runtime {\n  $0\n}\n");
    assert!(
        labels.iter().any(|label| label == "cold_start_deny_window"),
        "{labels:?}"
    );
    let (_, hover) = completions_and_hover("agent a {\n  delegate { tar$0get_agent = \"b\" }\n}\n");
    assert!(
        hover
            .as_deref()
            .is_some_and(|text| text.contains("target_agent")),
        "{hover:?}"
    );
    let (_, hover) = completions_and_hover("agent a {\n  dele$0gate { target_agent = \"b\" }\n}\n");
    assert!(
        hover
            .as_deref()
            .is_some_and(|text| text.contains("target_agent")),
        "{hover:?}"
    );
}

#[test]
fn semantic_tokens_colour_tools_lists_as_patterns() {
    use fpl_analyzer::FileId;
    use fpl_analyzer::host::ide::HighlightKind;
    use fpl_analyzer::host::{AnalysisHost, Change};
    let text = "agent a {\n  phase p { tools = [\"stripe/charge\"] }\n  budget b { on_exceed audit tools = [\"x/*\"] }\n  var v = [\"plain\"]\n}\n";
    let mut host = AnalysisHost::default();
    let mut change = Change::default();
    change.set_file(FileId(0), SourceFile::new("governance.fms", text));
    host.apply_change(change).expect("applies");
    let highlights = host
        .snapshot()
        .highlights(FileId(0))
        .expect("not cancelled");
    let kind_of = |needle: &str| {
        let start = text.find(needle).expect("in the text");
        highlights
            .iter()
            .find(|h| usize::from(h.range.start()) == start)
            .map(|h| h.kind)
    };
    assert_eq!(kind_of("tools"), Some(HighlightKind::Keyword));
    assert_eq!(kind_of("\"stripe/charge\""), Some(HighlightKind::Pattern));
    assert_eq!(kind_of("\"x/*\""), Some(HighlightKind::Pattern));
    assert_eq!(kind_of("\"plain\""), Some(HighlightKind::String));
}
