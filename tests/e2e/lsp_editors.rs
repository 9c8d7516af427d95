//! `faramesh lsp` as real editors drive it, end to end over the real binary: what the client
//! declares (snippets, position encodings, watchers), workspaces opened through symlinks,
//! project files changing on disk and workspace folders coming and going.

use std::path::Path;

use fpl_testdata::lsp_client::{Client, cursor};
use serde_json::{Value, json};

/// A fresh `faramesh lsp` process.
fn server() -> Client {
    Client::spawn(faramesh_e2e::binary(), &["lsp"])
}

/// The `file://` URI of `path`.
pub(crate) fn uri(path: &Path) -> String {
    format!("file://{}", path.display())
}

/// A temporary directory by its canonical path (macOS's `/tmp` is a symlink).
fn workspace() -> (tempfile::TempDir, std::path::PathBuf) {
    let dir = tempfile::tempdir().expect("temp dir");
    let root = dir.path().canonicalize().expect("canonical");
    (dir, root)
}

fn write(path: &Path, text: &str) {
    std::fs::write(path, text).expect("write");
}

pub(crate) fn codes(diagnostics: &[Value]) -> Vec<&str> {
    diagnostics
        .iter()
        .filter_map(|d| d["code"].as_str())
        .collect()
}

const DUPLICATE: &str = "agent dup {\n  default deny\n}\n";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn completions_are_plain_text_for_a_client_without_snippets() {
    let (text, position) = cursor("$0");
    let completion_of = |snippets: bool| {
        let text = text.clone();
        let position = position.clone();
        async move {
            let mut client = server();
            let capabilities = json!({"textDocument": {"completion": {"completionItem": {"snippetSupport": snippets}}}});
            client.initialize_with(None, capabilities).await;
            client.open("file:///ws/a.fpl", &text).await;
            let result = client
                .request(
                    "textDocument/completion",
                    json!({"textDocument": {"uri": "file:///ws/a.fpl"}, "position": position}),
                )
                .await;
            result
                .as_array()
                .and_then(|items| items.iter().find(|i| i["label"] == "agent block").cloned())
                .expect("the agent block completion")
        }
    };
    // Neovim 0.7 declares `snippetSupport: false`.
    let plain = completion_of(false).await;
    assert_eq!(plain["insertTextFormat"], 1, "{plain}");
    assert_eq!(plain["insertText"], "agent name {\n  default deny\n\n  \n}");
    let snippet = completion_of(true).await;
    assert_eq!(snippet["insertTextFormat"], 2, "{snippet}");
    assert_eq!(
        snippet["insertText"],
        "agent ${1:name} {\n  default deny\n\n  $0\n}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn utf8_positions_when_the_client_offers_them() {
    let line = "  permit x when name == \"é😀\" and amount < \"five\"";
    let text = format!("agent a {{\n  default deny\n{line}\n}}\n");
    let column_of = |encodings: Value| {
        let text = text.clone();
        async move {
            let mut client = server();
            let capabilities = json!({"general": {"positionEncodings": encodings}});
            let result = client.initialize_with(None, capabilities).await;
            client.open("file:///ws/a.fpl", &text).await;
            let diagnostics = client
                .diagnostics_until("file:///ws/a.fpl", |d| {
                    d.iter().any(|d| d["code"] == "E0220")
                })
                .await;
            let typed = diagnostics
                .iter()
                .find(|d| d["code"] == "E0220")
                .cloned()
                .expect("the type error");
            (
                result["capabilities"]["positionEncoding"].clone(),
                typed["range"]["start"]["character"].clone(),
            )
        }
    };
    let prefix = &line[..line.find("\"five\"").expect("the literal")];
    let (encoding, column) = column_of(json!(["utf-8", "utf-16"])).await;
    assert_eq!(encoding, "utf-8");
    assert_eq!(column, prefix.len());
    let (encoding, column) = column_of(json!(["utf-16"])).await;
    assert_eq!(encoding, "utf-16");
    assert_eq!(column, prefix.encode_utf16().count());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_workspace_opened_through_a_symlink_keeps_the_clients_uris() {
    let (_dir, root) = workspace();
    let real = root.join("ws2");
    std::fs::create_dir(&real).expect("mkdir");
    write(&real.join("one.fpl"), DUPLICATE);
    write(&real.join("two.fpl"), DUPLICATE);
    let link = root.join("ws2link");
    std::os::unix::fs::symlink(&real, &link).expect("symlink");
    let mut client = server();
    client.initialize(Some(&uri(&link))).await;
    let two_link = format!("{}/two.fpl", uri(&link));
    let two_real = format!("{}/two.fpl", uri(&real));
    let published = client.diagnostics_until(&two_link, |d| !d.is_empty()).await;
    assert_eq!(codes(&published), ["E0201"]);
    // The editor opens the same file by its real path: one file, now under that URI.
    client.open(&two_real, DUPLICATE).await;
    client
        .diagnostics_until(&two_link, <[Value]>::is_empty)
        .await;
    let reopened = client.diagnostics_until(&two_real, |d| !d.is_empty()).await;
    assert_eq!(codes(&reopened), ["E0201"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn watched_project_files_reload_the_policy() {
    let (_dir, root) = workspace();
    write(
        &root.join("faramesh.toml"),
        "[policy]\nfiles = [\"a.fpl\"]\n",
    );
    write(&root.join("a.fpl"), DUPLICATE);
    let mut client = server();
    let capabilities =
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    client
        .initialize_with(Some(&uri(&root)), capabilities)
        .await;
    let registration = client.server_request("client/registerCapability").await;
    let registered = &registration["params"]["registrations"][0];
    assert_eq!(registered["method"], "workspace/didChangeWatchedFiles");
    let globs: Vec<&str> = registered["registerOptions"]["watchers"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|w| w["globPattern"].as_str())
        .collect();
    assert!(globs.contains(&"**/faramesh.toml"), "{globs:?}");
    let a = format!("{}/a.fpl", uri(&root));
    let b = format!("{}/b.fpl", uri(&root));
    let manifest = format!("{}/faramesh.toml", uri(&root));
    client.diagnostics_until(&a, <[Value]>::is_empty).await;

    // A broken manifest is published on it, as `faramesh check` reports it.
    write(&root.join("faramesh.toml"), "[policy\n");
    let changed = |name: &str, kind: u8| json!({"changes": [{"uri": format!("{}/{name}", uri(&root)), "type": kind}]});
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            changed("faramesh.toml", 2),
        )
        .await;
    let broken = client.diagnostics_until(&manifest, |d| !d.is_empty()).await;
    assert_eq!(codes(&broken), ["E0409"]);

    // Fixed, and listing a new file: the manifest is cleared and the two files are one policy.
    write(&root.join("b.fpl"), DUPLICATE);
    write(
        &root.join("faramesh.toml"),
        "[policy]\nfiles = [\"a.fpl\", \"b.fpl\"]\n",
    );
    client
        .notify(
            "workspace/didChangeWatchedFiles",
            changed("faramesh.toml", 2),
        )
        .await;
    client
        .diagnostics_until(&manifest, <[Value]>::is_empty)
        .await;
    let duplicate = client.diagnostics_until(&b, |d| !d.is_empty()).await;
    assert_eq!(codes(&duplicate), ["E0201"]);

    // A deleted file leaves the policy and its diagnostics are cleared.
    std::fs::remove_file(root.join("b.fpl")).expect("remove");
    write(
        &root.join("faramesh.toml"),
        "[policy]\nfiles = [\"a.fpl\"]\n",
    );
    client
        .notify("workspace/didChangeWatchedFiles", changed("b.fpl", 3))
        .await;
    client.diagnostics_until(&b, <[Value]>::is_empty).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn workspace_folders_can_be_added_and_removed() {
    let (_dir, root) = workspace();
    write(&root.join("one.fpl"), DUPLICATE);
    write(&root.join("two.fpl"), DUPLICATE);
    let mut client = server();
    client.initialize(None).await;
    let folder = json!([{"uri": uri(&root), "name": "ws"}]);
    client
        .notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": {"added": folder, "removed": []}}),
        )
        .await;
    let two = format!("{}/two.fpl", uri(&root));
    let added = client.diagnostics_until(&two, |d| !d.is_empty()).await;
    assert_eq!(codes(&added), ["E0201"]);
    client
        .notify(
            "workspace/didChangeWorkspaceFolders",
            json!({"event": {"added": [], "removed": folder}}),
        )
        .await;
    client.diagnostics_until(&two, <[Value]>::is_empty).await;
}

/// The next notification `method`, from the kept messages or from the server.
pub(crate) async fn notification(client: &mut Client, method: &str) -> Value {
    loop {
        let message = match client.notifications.pop_front() {
            Some(message) => message,
            None => client.receive().await,
        };
        if message["method"] == method && message.get("id").is_none() {
            return message;
        }
    }
}

/// Opens `text` as `file:///ws/a.fpl` in a fresh server.
async fn opened(text: &str) -> Client {
    let mut client = server();
    client.initialize(None).await;
    client.open("file:///ws/a.fpl", text).await;
    client
}

const A: &str = "file:///ws/a.fpl";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formatting_keeps_crlf_and_edits_only_what_changes() {
    let text = "agent a {\r\n  default   deny\r\n  permit x when amount<5\r\n}\r\n";
    let mut client = opened(text).await;
    let edits = client
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": A}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    assert_eq!(
        crate::lsp::apply(text, &edits),
        "agent a {\r\n  default deny\r\n  permit x when amount < 5\r\n}\r\n"
    );
    let replaced: Vec<&str> = edits
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|edit| edit["newText"].as_str())
        .collect();
    assert!(
        replaced.iter().all(|text| text.trim().is_empty()),
        "{edits}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn range_formatting_edits_only_the_formatted_line() {
    let text = "agent a {\n  permit   a   when x==1\n  permit   b   when x==1\n  permit   c   when x==1\n}\n";
    let mut client = opened(text).await;
    let edits = client
        .request(
            "textDocument/rangeFormatting",
            json!({"textDocument": {"uri": A}, "range": {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 10}}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    let lines: Vec<(u64, u64)> = edits
        .as_array()
        .into_iter()
        .flatten()
        .map(|edit| {
            let line = |end: &str| edit["range"][end]["line"].as_u64().unwrap_or(u64::MAX);
            (line("start"), line("end"))
        })
        .collect();
    assert!(
        !lines.is_empty() && lines.iter().all(|&lines| lines == (2, 2)),
        "{edits}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn formatting_a_file_with_syntax_errors_says_why() {
    let mut client = opened("agent a {\n  permit\n").await;
    let edits = client
        .request(
            "textDocument/formatting",
            json!({"textDocument": {"uri": A}, "options": {"tabSize": 2, "insertSpaces": true}}),
        )
        .await;
    assert_eq!(edits, Value::Null);
    let shown = notification(&mut client, "window/showMessage").await;
    let message = shown["params"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("syntax error"), "{shown}");
    assert!(message.contains("the first at 3:1"), "{shown}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn removing_an_unreachable_rule_removes_its_line() {
    let text = "agent a {\n  default deny\n  deny shell/*\n  permit shell/ls\n}\n";
    let mut client = opened(text).await;
    client
        .diagnostics_until(A, |d| d.iter().any(|d| d["code"] == "S0301"))
        .await;
    let position = json!({"line": 3, "character": 4});
    let actions = client
        .request(
            "textDocument/codeAction",
            json!({"textDocument": {"uri": A}, "range": {"start": position, "end": position}, "context": {"diagnostics": []}}),
        )
        .await;
    let removal = actions
        .as_array()
        .into_iter()
        .flatten()
        .find(|action| action["title"] == "remove the rule")
        .cloned()
        .expect("the removal");
    assert_eq!(
        crate::lsp::apply(text, &removal["edit"]["changes"][A]),
        "agent a {\n  default deny\n  deny shell/*\n}\n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vars_complete_and_navigate() {
    let (text, position) = cursor(
        "agent a {\n  default deny\n  var limit = $500\n  permit x when vars.li$0mit > amount\n}\n",
    );
    let mut client = opened(&text).await;
    let at = json!({"textDocument": {"uri": A}, "position": position});
    let definition = client.request("textDocument/definition", at.clone()).await;
    assert_eq!(
        definition[0]["range"],
        json!({"start": {"line": 2, "character": 6}, "end": {"line": 2, "character": 11}})
    );
    let mut rename = at.clone();
    rename["newName"] = json!("cap");
    let edits = client.request("textDocument/rename", rename).await;
    assert_eq!(
        edits["changes"][A].as_array().map(Vec::len),
        Some(2),
        "{edits}"
    );
    let mut completion = at;
    completion["position"]["character"] = json!(21);
    let items = client.request("textDocument/completion", completion).await;
    assert_eq!(fpl_testdata::lsp_client::labels(&items), ["limit"]);
}

/// Sends one incremental change to `uri`: `text` inserted at `line`:`character`.
async fn insert(client: &mut Client, uri: &str, version: i32, at: (u32, u32), text: &str) {
    let position = json!({"line": at.0, "character": at.1});
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": [
                {"range": {"start": position, "end": position}, "text": text}]}),
        )
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_files_whose_diagnostics_changed_are_published() {
    let (_dir, root) = workspace();
    write(&root.join("one.fpl"), "agent one {\n  default deny\n}\n");
    write(&root.join("two.fpl"), "agent two {\n  default deny\n}\n");
    write(
        &root.join("three.fpl"),
        "agent three {\n  default deny\n}\n",
    );
    let [one, two, three] =
        ["one", "two", "three"].map(|name| format!("{}/{name}.fpl", uri(&root)));
    let mut client = server();
    client.initialize(Some(&uri(&root))).await;
    client.diagnostics_until(&three, <[Value]>::is_empty).await;
    client.open(&one, "agent one {\n  default deny\n}\n").await;
    // An edit that changes nothing but a comment, then one that clashes with `two`.
    insert(&mut client, &one, 2, (1, 14), " # still fine").await;
    insert(&mut client, &one, 3, (0, 6), "two ").await;
    let mut seen = published_until(&mut client, &two, |d| !d.is_empty()).await;
    let clash = seen.last().cloned().unwrap_or_default();
    assert_eq!(
        codes(
            clash["params"]["diagnostics"]
                .as_array()
                .unwrap_or(&Vec::new())
        ),
        ["E0201"]
    );
    // And back: `two` is cleared.
    client
        .notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": &one, "version": 4}, "contentChanges": [
                {"range": {"start": {"line": 0, "character": 6}, "end": {"line": 0, "character": 10}}, "text": ""}]}),
        )
        .await;
    seen.extend(published_until(&mut client, &two, <[Value]>::is_empty).await);
    let republished: Vec<&Value> = seen
        .iter()
        .filter(|n| n["params"]["uri"] == three.as_str())
        .collect();
    assert!(republished.is_empty(), "{republished:?}");
    assert!(seen.iter().any(|n| n["params"]["uri"] == one.as_str()));
}

/// Every `publishDiagnostics` the server sends up to and including the one of `uri` whose
/// diagnostics satisfy `done`.
async fn published_until(
    client: &mut Client,
    uri: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let mut seen = Vec::new();
    loop {
        let message = match client.notifications.pop_front() {
            Some(message) => message,
            None => client.receive().await,
        };
        if message["method"] != "textDocument/publishDiagnostics" {
            continue;
        }
        seen.push(message.clone());
        let diagnostics = message["params"]["diagnostics"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        if message["params"]["uri"] == uri && done(&diagnostics) {
            return seen;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smt_findings_stay_in_place_while_typing_and_the_solver_shows_progress() {
    let text = "agent a {\n  default deny\n  deny shell/*\n  permit shell/ls\n}\n";
    let mut client = server();
    client
        .initialize_with(None, json!({"window": {"workDoneProgress": true}}))
        .await;
    client.open(A, text).await;
    let create = client
        .server_request("window/workDoneProgress/create")
        .await;
    let token = create["params"]["token"].clone();
    let begin = notification(&mut client, "$/progress").await;
    assert_eq!(begin["params"]["token"], token);
    assert_eq!(begin["params"]["value"]["kind"], "begin");
    let end = notification(&mut client, "$/progress").await;
    assert_eq!(end["params"]["value"]["kind"], "end");
    let found = client
        .diagnostics_until(A, |d| d.iter().any(|d| d["code"] == "S0301"))
        .await;
    let line_of = |diagnostics: &[Value]| {
        diagnostics
            .iter()
            .find(|d| d["code"] == "S0301")
            .map(|d| d["range"]["start"]["line"].clone())
    };
    assert_eq!(line_of(&found), Some(json!(3)));
    // A line typed above: the very next publication still has the finding, one line down.
    insert(&mut client, A, 2, (0, 0), "# note\n").await;
    let next = client.diagnostics_until(A, |_| true).await;
    assert_eq!(line_of(&next), Some(json!(4)), "{next:?}");
}
