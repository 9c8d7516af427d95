//! `faramesh lsp` end to end: every test starts the real binary and speaks JSON-RPC over its
//! stdio. Fixtures mark the cursor with `$0`.

use fpl_testdata::lsp_client::{Client, cursor, labels};
use serde_json::{Value, json};

const URI: &str = "file:///ws/test.fpl";

/// A fresh `faramesh lsp` process.
fn server() -> Client {
    Client::spawn(faramesh_e2e::binary(), &["lsp"])
}

/// A fresh server with `text` open as `URI`.
async fn opened(text: &str) -> Client {
    let mut client = server();
    client.initialize(None).await;
    client.open(URI, text).await;
    client
}

/// The first diagnostic with `code` published for `URI`, waiting for the layer that has it.
async fn diagnostic_with(client: &mut Client, code: &str) -> Value {
    let diagnostics = client
        .diagnostics_until(URI, |d| d.iter().any(|d| d["code"] == code))
        .await;
    diagnostics
        .into_iter()
        .find(|d| d["code"] == code)
        .expect("the layer has the code")
}

/// Opens `fixture` (cursor stripped) in a fresh server and sends `method` at the cursor.
async fn at_cursor(fixture: &str, method: &str, extra: Value) -> Value {
    let (text, position) = cursor(fixture);
    let mut client = opened(&text).await;
    let mut params = json!({"textDocument": {"uri": URI}, "position": position});
    if let (Some(params), Some(extra)) = (params.as_object_mut(), extra.as_object()) {
        params.extend(extra.clone());
    }
    client.request(method, params).await
}

/// The edits to `URI` of renaming the name at the cursor of `fixture` to `new_name`.
async fn rename_edits(fixture: &str, new_name: &str) -> Vec<Value> {
    let rename = at_cursor(fixture, "textDocument/rename", json!({"newName": new_name})).await;
    rename["changes"][URI]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

async fn hover(fixture: &str) -> String {
    let result = at_cursor(fixture, "textDocument/hover", json!({})).await;
    result["contents"]["value"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

async fn completions(fixture: &str) -> Vec<String> {
    labels(&at_cursor(fixture, "textDocument/completion", json!({})).await)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn diagnostics_are_published_in_layers_with_codes() {
    let mut client =
        opened("agent a {\n  permit x when amount < \"five\"\n  permit y when (\n}\n").await;
    let syntax = client.diagnostics_until(URI, |d| !d.is_empty()).await;
    assert!(
        syntax
            .iter()
            .all(|d| d["code"].as_str().is_some_and(|c| c.starts_with("E01"))),
        "{syntax:?}"
    );
    let all = client
        .diagnostics_until(URI, |d| d.iter().any(|d| d["code"] == "E0220"))
        .await;
    let codes: Vec<&str> = all.iter().filter_map(|d| d["code"].as_str()).collect();
    assert!(codes.contains(&"W0230"), "{codes:?}");
    let typed = all
        .iter()
        .find(|d| d["code"] == "E0220")
        .expect("type error");
    assert_eq!(typed["range"]["start"], json!({"line": 1, "character": 25}));
    assert_eq!(typed["source"], "faramesh");
    assert!(
        typed["codeDescription"]["href"]
            .as_str()
            .is_some_and(|h| h.ends_with("#e0220"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn incremental_edits_apply_in_order() {
    let mut client = opened("agent a {\n  default deny\n  permit x\n}\n").await;
    client.diagnostics_until(URI, |d| d.is_empty()).await;
    // Two edits in one notification: the second is relative to the first's result.
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 2, "character": 10}, "end": {"line": 2, "character": 10}}, "text": " when z"},
                {"range": {"start": {"line": 2, "character": 17}, "end": {"line": 2, "character": 17}}, "text": " < \"q\""},
            ]}),
        )
        .await;
    let diagnostics = client
        .diagnostics_until(URI, |d| d.iter().any(|d| d["code"] == "E0220"))
        .await;
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    // A stale version is ignored.
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [{"text": "garbage {"}]}),
        )
        .await;
    let logged = logged(&mut client).await;
    assert_eq!(logged["params"]["type"], 1, "an error: {logged}");
    assert!(
        logged["params"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("at version 2: the document is at version 2")),
        "{logged}"
    );
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}}),
        )
        .await;
    assert_eq!(symbols[0]["name"], "a");
}

/// The next `window/logMessage` the server sends.
async fn logged(client: &mut Client) -> Value {
    loop {
        let message = match client.notifications.pop_front() {
            Some(message) => message,
            None => client.receive().await,
        };
        if message["method"] == "window/logMessage" {
            return message;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hover_explains_keywords_rules_paths_and_patterns() {
    assert!(
        hover("agent a {\n  def$0ault deny\n}")
            .await
            .contains("decides requests that no rule matches")
    );
    let rule = hover("agent pay {\n  default deny\n  deny! shell/*\n  per$0mit stripe/charge when amount < 500\n}").await;
    assert!(rule.contains("Rule `pay/2`"), "{rule}");
    assert!(rule.contains("args.amount < 500"), "{rule}");
    assert!(rule.contains("**permitted**"), "{rule}");
    let path = hover("agent a {\n  permit x when am$0ount < 5\n}").await;
    assert!(path.contains("reads **`args.amount`**"), "{path}");
    let pattern = hover("agent a {\n  permit shell/$0*\n}").await;
    assert!(pattern.contains("one or more"), "{pattern}");
    let key = hover("agent a {\n  alert { o$0n = \"deny\" }\n}").await;
    assert!(key.contains("`alert.on` takes one of"), "{key}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completion_depends_on_context() {
    let top = completions("$0").await;
    assert!(
        top.contains(&"agent".to_string()) && top.contains(&"agent block".to_string()),
        "{top:?}"
    );
    let agent = completions("agent a {\n  $0\n}").await;
    assert!(
        agent.contains(&"rate_limit".to_string()) && agent.contains(&"deny!".to_string()),
        "{agent:?}"
    );
    let condition =
        completions("agent a {\n  permit x when total > 1\n  permit y when $0\n}").await;
    for expected in ["args", "session.calls", "total", "history_tool_count"] {
        assert!(
            condition.contains(&expected.to_string()),
            "{expected} missing from {condition:?}"
        );
    }
    let arguments =
        completions("agent a {\n  permit x when amount > 1 and args.currency == \"usd\"\n  permit y when args.$0\n}").await;
    assert_eq!(arguments, vec!["amount", "currency"]);
    let fields = completions("agent a {\n  permit y when time.$0\n}").await;
    assert!(fields.contains(&"weekday".to_string()), "{fields:?}");
    let keys = completions("agent a {\n  alert { $0 }\n}").await;
    assert_eq!(keys, vec!["on", "notify"]);
    let values = completions("runtime { mode = $0 }").await;
    assert_eq!(values, vec!["enforce", "shadow", "audit"]);
    let phases = completions("agent a {\n  phase one { next = $0 }\n  phase two { }\n}").await;
    assert_eq!(phases, vec!["one", "two"]);
    let tools = completions("agent a {\n  permit stripe/charge\n  deny $0\n}").await;
    assert_eq!(tools, vec!["stripe/charge"]);
    let backends = completions(
        "provider kms { type = \"vault\" }\nagent a {\n  credential c { backend = $0 }\n}",
    )
    .await;
    assert_eq!(backends, vec!["kms", "vault", "env"]);
    let agents = completions(
        "agent payer {\n  default deny\n}\nagent helper {\n  default deny\n}\nmanifest grant $0",
    )
    .await;
    assert_eq!(agents, vec!["helper", "payer"]);
    let grantee = completions("agent payer {\n  default deny\n}\nagent helper {\n  default deny\n}\nmanifest grant payer to $0 max 2").await;
    assert_eq!(grantee, vec!["helper", "payer"]);
    let clauses = completions("agent a {\n  permit x $0\n}").await;
    assert!(
        clauses.contains(&"when".to_string()) && clauses.contains(&"reason".to_string()),
        "{clauses:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn definition_references_and_rename_follow_names() {
    let fixture = "provider kms { type = \"vault\" }\nagent a {\n  phase one { next = two }\n  phase two { next = one }\n  credential c { backend = k$0ms }\n}\n";
    let definition = at_cursor(fixture, "textDocument/definition", json!({})).await;
    assert_eq!(
        definition[0]["range"]["start"],
        json!({"line": 0, "character": 9})
    );
    let phase = "agent a {\n  phase one { next = two }\n  phase t$0wo { next = one }\n}\n";
    let references = at_cursor(
        phase,
        "textDocument/references",
        json!({"context": {"includeDeclaration": false}}),
    )
    .await;
    assert_eq!(references.as_array().map(Vec::len), Some(1));
    assert_eq!(
        references[0]["range"]["start"],
        json!({"line": 1, "character": 21})
    );
    let edits = rename_edits(phase, "review step").await;
    assert_eq!(edits.len(), 2);
    assert!(
        edits.iter().all(|e| e["newText"] == "\"review step\""),
        "{edits:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn structure_requests_answer() {
    let text = "# one\n# two\nagent a {\n  default deny\n  permit x when amount < 5\n}\n";
    let mut client = opened(text).await;
    let doc = json!({"textDocument": {"uri": URI}});
    let folds = client
        .request("textDocument/foldingRange", doc.clone())
        .await;
    assert_eq!(folds.as_array().map(Vec::len), Some(2), "{folds}");
    let tokens = client
        .request("textDocument/semanticTokens/full", doc.clone())
        .await;
    let data = tokens["data"].as_array().cloned().unwrap_or_default();
    assert!(data.len() > 20 && data.len() % 5 == 0);
    let delta = client
        .request(
            "textDocument/semanticTokens/full/delta",
            json!({"textDocument": {"uri": URI}, "previousResultId": tokens["resultId"]}),
        )
        .await;
    assert_eq!(delta["edits"], json!([]));
    let hints = client
        .request("textDocument/inlayHint", json!({"textDocument": {"uri": URI}, "range": {"start": {"line": 0, "character": 0}, "end": {"line": 9, "character": 0}}}))
        .await;
    let labels: Vec<&str> = hints
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|h| h["label"].as_str())
        .collect();
    assert_eq!(labels, vec![" a/1", "args."]);
    let selection = client
        .request(
            "textDocument/selectionRange",
            json!({"textDocument": {"uri": URI}, "positions": [{"line": 4, "character": 18}]}),
        )
        .await;
    assert_eq!(
        selection[0]["range"]["start"],
        json!({"line": 4, "character": 16})
    );
    let symbols = client
        .request("workspace/symbol", json!({"query": "a"}))
        .await;
    assert_eq!(symbols[0]["name"], "a");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn code_actions_offer_fixes_and_if_when_conversion() {
    let mut client = opened("agent a {\n  default permit\n  permit x if amount < 5\n}\n").await;
    let actions = client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": URI}, "range": {"start": {"line": 1, "character": 3}, "end": {"line": 1, "character": 3}}, "context": {"diagnostics": []}}))
        .await;
    assert_eq!(actions[0]["title"], "replace with `default deny`");
    let actions = client
        .request("textDocument/codeAction", json!({"textDocument": {"uri": URI}, "range": {"start": {"line": 2, "character": 12}, "end": {"line": 2, "character": 12}}, "context": {"diagnostics": []}}))
        .await;
    assert_eq!(actions[0]["title"], "convert `if` to `when`");
    assert_eq!(actions[0]["edit"]["changes"][URI][0]["newText"], "when");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formatting_uses_the_formatter() {
    let mut client = opened("agent a{default deny permit x when amount<5}").await;
    let edits = client
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": URI}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    assert_eq!(
        apply("agent a{default deny permit x when amount<5}", &edits),
        "agent a {\n  default deny\n  permit x when amount < 5\n}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn malformed_messages_and_unknown_methods_do_not_stop_the_server() {
    let mut client = server();
    client.initialize(None).await;
    client.send_raw("{ this is not json").await;
    let error = client.receive().await;
    assert_eq!(error["error"]["code"], -32700);
    let unknown = client.request_raw("faramesh/unknown", json!({})).await;
    assert_eq!(unknown["error"]["code"], -32601);
    let bad_params = client
        .request_raw("textDocument/hover", json!({"nonsense": 1}))
        .await;
    assert!(bad_params.get("error").is_some());
    // An unknown document and positions past the end are answered, not fatal.
    client.open(URI, "agent a {}").await;
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": URI}, "position": {"line": 99, "character": 99}}),
        )
        .await;
    assert_eq!(hover, Value::Null);
    let status = client.shutdown_and_exit().await;
    assert_eq!(
        status.code(),
        Some(0),
        "exit after shutdown is a clean exit"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exit_without_shutdown_is_status_one() {
    let mut client = server();
    client.initialize(None).await;
    let status = client.exit().await;
    assert_eq!(status.code(), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_folder_is_one_policy() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("faramesh.toml"),
        "[policy]\nfiles = [\"a.fpl\", \"b.fpl\"]\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("a.fpl"), "agent dup {\n  default deny\n}\n").expect("write");
    std::fs::write(dir.path().join("b.fpl"), "agent dup {\n  default deny\n}\n").expect("write");
    let root = dir.path().canonicalize().expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let b_uri = format!("{root_uri}/b.fpl");
    let mut client = server();
    client.initialize(Some(&root_uri)).await;
    client
        .open(&b_uri, "agent dup {\n  default deny\n}\n")
        .await;
    let diagnostics = client.diagnostics_until(&b_uri, |d| !d.is_empty()).await;
    assert_eq!(diagnostics[0]["code"], "E0201");
    assert!(
        diagnostics[0]["relatedInformation"][0]["location"]["uri"]
            .as_str()
            .is_some_and(|u| u.ends_with("a.fpl"))
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_folder_leaves_dependencies_out() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::create_dir_all(dir.path().join("node_modules/pkg")).expect("mkdir");
    let duplicate = "agent dup {\n  default deny\n}\n";
    std::fs::write(dir.path().join("node_modules/pkg/a.fpl"), duplicate).expect("write");
    std::fs::write(dir.path().join("z.fpl"), "agent dup {\n  permit x\n}\n").expect("write");
    let root = dir.path().canonicalize().expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let mut client = server();
    client.initialize(Some(&root_uri)).await;
    let semantic = client
        .diagnostics_until(&format!("{root_uri}/z.fpl"), |d| {
            d.iter().any(|d| d["code"] == "W0230")
        })
        .await;
    let codes: Vec<&Value> = semantic.iter().map(|d| &d["code"]).collect();
    assert_eq!(codes, [&json!("W0230")], "no duplicate from node_modules/");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_mistake_in_a_workspace_manifest_is_published_on_it() {
    let dir = tempfile::tempdir().expect("temp dir");
    std::fs::write(
        dir.path().join("faramesh.toml"),
        "[policy]\nfiles = [\"a.fpl\", \"missing.fpl\"]\n",
    )
    .expect("write");
    std::fs::write(dir.path().join("a.fpl"), "agent a {\n  default deny\n}\n").expect("write");
    let root = dir.path().canonicalize().expect("canonical");
    let root_uri = format!("file://{}", root.display());
    let mut client = server();
    client.initialize(Some(&root_uri)).await;
    let manifest = client
        .diagnostics_until(&format!("{root_uri}/faramesh.toml"), |d| !d.is_empty())
        .await;
    assert_eq!(manifest.len(), 1, "{manifest:?}");
    assert_eq!(manifest[0]["code"], "E0409");
    assert_eq!(
        manifest[0]["range"]["start"],
        json!({"line": 1, "character": 18})
    );
    assert!(
        manifest[0]["message"]
            .as_str()
            .is_some_and(|message| message.contains("`missing.fpl`")),
        "{manifest:?}"
    );
    // A client that opens the manifest too (as TOML) does not get it read as FPL: its own
    // diagnostics stand, and the next publication is the FPL file's.
    let toml = std::fs::read_to_string(dir.path().join("faramesh.toml")).expect("read");
    let manifest_uri = format!("{root_uri}/faramesh.toml");
    client
        .notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": manifest_uri, "languageId": "toml", "version": 1, "text": toml}}),
        )
        .await;
    // The server does not hold it as a document: it has no outline of it.
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": manifest_uri}}),
        )
        .await;
    assert_eq!(symbols, Value::Null, "the manifest was read as FPL");
}

/// The code actions offered at `position` in `URI`.
async fn code_actions(client: &mut Client, position: Value) -> Vec<Value> {
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": URI}, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}),
        )
        .await;
    actions.as_array().cloned().unwrap_or_default()
}

/// The action titled `title`.
fn action<'a>(actions: &'a [Value], title: &str) -> &'a Value {
    actions
        .iter()
        .find(|a| a["title"] == title)
        .unwrap_or_else(|| panic!("no `{title}` in {actions:?}"))
}

fn titles(actions: &[Value]) -> Vec<&str> {
    actions.iter().filter_map(|a| a["title"].as_str()).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typo_is_reported_at_its_place_with_a_did_you_mean_fix() {
    let mut client = opened("agent a {\n  defualt deny\n  permit x when amount > 5\n}\n").await;
    let typo = diagnostic_with(&mut client, "E0104").await;
    assert_eq!(typo["range"]["start"], json!({"line": 1, "character": 2}));
    let actions = code_actions(&mut client, json!({"line": 1, "character": 4})).await;
    let fix = action(&actions, "replace with `default`");
    assert_eq!(fix["kind"], "quickfix");
    assert_eq!(fix["edit"]["changes"][URI][0]["newText"], "default");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smt_findings_arrive_later_tagged_unnecessary_with_a_removal_fix() {
    let mut client =
        opened("agent a {\n  default deny\n  deny shell/*\n  permit shell/ls\n}\n").await;
    let unreachable = diagnostic_with(&mut client, "S0301").await;
    assert_eq!(unreachable["range"]["start"]["line"], 3);
    assert_eq!(unreachable["tags"], json!([1]), "the Unnecessary tag");
    assert!(
        unreachable["relatedInformation"][0]["location"]["range"]["start"]["line"] == 2,
        "the covering rule is related: {unreachable}"
    );
    let actions = code_actions(&mut client, json!({"line": 3, "character": 4})).await;
    let removal = action(&actions, "remove the rule");
    let edit = &removal["edit"]["changes"][URI][0];
    assert_eq!(edit["newText"], "");
    assert_eq!(edit["range"]["start"]["line"], 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn regex_operators_and_condition_keywords_convert_both_ways() {
    let mut client = opened("agent a {\n  default deny\n  permit x when path =~ \"^/tmp\"\n  deny y if path !~ \"a\"\n  permit z when path not matches \"b\"\n}\n").await;
    let symbol = code_actions(&mut client, json!({"line": 2, "character": 22})).await;
    assert!(titles(&symbol).contains(&"use `matches`"), "{symbol:?}");
    assert!(
        titles(&symbol).contains(&"convert `when` to `if`"),
        "{symbol:?}"
    );
    let refactor = action(&symbol, "use `matches`");
    assert_eq!(refactor["kind"], "refactor.rewrite");
    assert_eq!(
        refactor["edit"]["changes"][URI][0]["range"],
        json!({"start": {"line": 2, "character": 21}, "end": {"line": 2, "character": 23}})
    );
    let negated = code_actions(&mut client, json!({"line": 3, "character": 18})).await;
    assert!(
        titles(&negated).contains(&"use `not matches`"),
        "{negated:?}"
    );
    assert!(
        titles(&negated).contains(&"convert `if` to `when`"),
        "{negated:?}"
    );
    let words = code_actions(&mut client, json!({"line": 4, "character": 26})).await;
    assert!(titles(&words).contains(&"use `!~`"), "{words:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_formatting_touches_only_the_range() {
    let text = "agent a {\n  default deny\n  permit x   when amount<5\n  permit   y\n}\n";
    let mut client = opened(text).await;
    let edits = client
        .request(
            "textDocument/rangeFormatting",
            json!({"textDocument": {"uri": URI}, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 27}}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    assert_eq!(
        apply(text, &edits),
        "agent a {\n  default deny\n  permit x  when amount < 5\n  permit   y\n}\n"
    );
}

/// `text` with LSP `edits` applied (ASCII text, so UTF-16 columns are byte columns).
pub(crate) fn apply(text: &str, edits: &Value) -> String {
    let offset = |position: &Value| {
        let line = position["line"].as_u64().expect("line") as usize;
        let column = position["character"].as_u64().expect("character") as usize;
        let start: usize = text.split_inclusive('\n').take(line).map(str::len).sum();
        start + column
    };
    let mut edits: Vec<&Value> = edits.as_array().expect("edits").iter().collect();
    edits.sort_by_key(|edit| std::cmp::Reverse(offset(&edit["range"]["start"])));
    let mut out = text.to_string();
    for edit in edits {
        let range = offset(&edit["range"]["start"])..offset(&edit["range"]["end"]);
        out.replace_range(range, edit["newText"].as_str().expect("new text"));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn semantic_token_deltas_follow_edits() {
    let mut client = opened("agent a {\n  default deny\n  permit x\n}\n").await;
    let doc = json!({"textDocument": {"uri": URI}});
    let full = client
        .request("textDocument/semanticTokens/full", doc)
        .await;
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": URI, "version": 2}, "contentChanges": [
                {"range": {"start": {"line": 2, "character": 10}, "end": {"line": 2, "character": 10}}, "text": " when amount > 5"}]}),
        )
        .await;
    let delta = client
        .request(
            "textDocument/semanticTokens/full/delta",
            json!({"textDocument": {"uri": URI}, "previousResultId": full["resultId"]}),
        )
        .await;
    let edits = delta["edits"].as_array().cloned().unwrap_or_default();
    assert_eq!(edits.len(), 1, "{delta}");
    assert!(
        edits[0]["data"].as_array().is_some_and(|d| d.len() >= 15),
        "the new tokens of `when amount > 5`: {delta}"
    );
    assert_ne!(delta["resultId"], full["resultId"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn agents_credentials_and_providers_navigate() {
    /// A policy where `$0` is put before the byte of `at`.
    fn marked(at: &str) -> String {
        let text = "provider kms { type = \"vault\" }\nagent payer {\n  default deny\n  credential stripe { backend = kms }\n}\nagent helper {\n  default deny\n}\nmanifest grant payer to helper max 2\n";
        let offset = text.find(at).expect("the marked text is in the policy") + 1;
        format!("{}$0{}", &text[..offset], &text[offset..])
    }
    let definition = at_cursor(&marked("payer to"), "textDocument/definition", json!({})).await;
    assert_eq!(
        definition[0]["range"]["start"],
        json!({"line": 1, "character": 6})
    );
    let references = at_cursor(
        &marked("kms {"),
        "textDocument/references",
        json!({"context": {"includeDeclaration": true}}),
    )
    .await;
    let lines: Vec<u64> = references
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r["range"]["start"]["line"].as_u64())
        .collect();
    assert_eq!(lines, vec![0, 3]);
    let edits = rename_edits(&marked("stripe {"), "card").await;
    assert_eq!(edits.len(), 1, "{edits:?}");
    assert_eq!(edits[0]["newText"], "card");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn document_symbols_nest_rules_under_agents() {
    let mut client = opened(
        "agent a {\n  default deny\n  phase one { }\n  permit x\n}\nagent b {\n  default deny\n}\n",
    )
    .await;
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}}),
        )
        .await;
    let names: Vec<&str> = symbols
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert_eq!(names, vec!["a", "b"]);
    let children: Vec<&str> = symbols[0]["children"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    assert!(children.contains(&"one"), "{children:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_duplicate_rule_and_a_missing_default_have_fixes() {
    let mut client = opened(
        "agent a {\n  permit stripe/refund when amount < 100\n  permit stripe/refund when 100 > amount\n}\n",
    )
    .await;
    let duplicate = diagnostic_with(&mut client, "S0305").await;
    assert_eq!(duplicate["range"]["start"]["line"], 2);
    let actions = code_actions(&mut client, json!({"line": 2, "character": 4})).await;
    let removal = action(&actions, "remove the rule");
    assert_eq!(
        removal["edit"]["changes"][URI][0]["range"]["start"]["line"],
        2
    );
    let actions = code_actions(&mut client, json!({"line": 0, "character": 6})).await;
    let default = action(&actions, "add `default deny`");
    assert_eq!(
        default["edit"]["changes"][URI][0]["newText"],
        "\n  default deny"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_yaml_policy_gets_diagnostics_at_its_own_positions_and_no_fpl_features() {
    let uri = "file:///ws/bot.fpl.yaml";
    let text = "agents:\n  bot:\n    default: deny\n    rules:\n      - effect: permit\n        tool: t\n        when: amount < \"x\"\n";
    let mut client = server();
    client.initialize(None).await;
    client.open(uri, text).await;
    let diagnostics = client
        .diagnostics_until(uri, |d| d.iter().any(|d| d["code"] == "E0220"))
        .await;
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(
        diagnostics[0]["range"],
        json!({"start": {"line": 6, "character": 23}, "end": {"line": 6, "character": 26}})
    );
    let formatting = client
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": uri}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    assert_eq!(formatting, Value::Null, "FPL formatting never touches YAML");
    let hover = client
        .request(
            "textDocument/hover",
            json!({"textDocument": {"uri": uri}, "position": {"line": 6, "character": 16}}),
        )
        .await;
    assert_eq!(hover, Value::Null);
}
