//! The language server with registry imports, through `faramesh lsp` and the protocol: it
//! reads a workspace policy's imports as `faramesh check` does (faramesh.lock and the cache,
//! never the network), publishes their problems at the `import`, clears them once `faramesh
//! lock` fixes them, analyses imported agents with the local ones, and opens and describes a
//! locked import.

use fpl_testdata::lsp_client::Client;
use serde_json::{Value, json};

use super::yaml::write_yaml;
use super::{BASE, Env, STRIPE_1_0, STRIPE_1_1, stripe, walk, write_shadowing_policy};
use crate::lsp_editors::{codes, notification, uri};

/// `faramesh lsp` with the env's cache and the project as its workspace folder.
async fn server(env: &Env) -> Client {
    let mut client = Client::spawn_with_env(
        faramesh_e2e::binary(),
        &["lsp"],
        &[("XDG_CACHE_HOME", &env.cache)],
    );
    let capabilities =
        json!({"workspace": {"didChangeWatchedFiles": {"dynamicRegistration": true}}});
    client
        .initialize_with(Some(&uri(&env.project)), capabilities)
        .await;
    client
}

/// The diagnostic with `code` among `diagnostics`.
fn with_code<'a>(diagnostics: &'a [Value], code: &str) -> &'a Value {
    diagnostics
        .iter()
        .find(|d| d["code"] == code)
        .unwrap_or_else(|| panic!("no {code} in {diagnostics:?}"))
}

/// The zero-based line and column where `diagnostic` starts.
fn start(diagnostic: &Value) -> (u64, u64) {
    let start = &diagnostic["range"]["start"];
    (
        start["line"].as_u64().expect("line"),
        start["character"].as_u64().expect("character"),
    )
}

/// The zero-based line of the first `import` of `policy`.
fn import_line(policy: &str) -> usize {
    policy
        .lines()
        .position(|line| line.starts_with("import"))
        .expect("import line")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_missing_from_the_lock_is_published_until_faramesh_lock() {
    let env = Env::new();
    env.add_import(&stripe("1.0.0"));
    let check = env.fails(&["check"], "E0408", "run `faramesh lock`");
    assert!(check.contains("governance.fms:1:8"), "{check}");
    let mut client = server(&env).await;
    let registration = client.server_request("client/registerCapability").await;
    let watched = registration["params"]["registrations"][0]["registerOptions"]["watchers"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|watcher| watcher["globPattern"] == "**/faramesh.lock");
    assert!(watched, "faramesh.lock is watched: {registration}");
    let policy = uri(&env.project.join("governance.fms"));
    let diagnostics = client.diagnostics_until(&policy, |d| !d.is_empty()).await;
    assert_eq!(codes(&diagnostics), ["E0408"]);
    let missing = with_code(&diagnostics, "E0408");
    assert_eq!(start(missing), (0, 7), "where `faramesh check` says 1:8");
    let message = missing["message"].as_str().unwrap_or_default();
    assert!(message.contains("faramesh.lock"), "{message}");
    assert!(message.contains("run `faramesh lock`"), "{message}");

    // `faramesh lock` writes faramesh.lock; the editor's watcher tells the server.
    env.ok(&["lock"]);
    env.ok(&["check"]);
    let created = json!({"changes": [{"uri": uri(&env.project.join("faramesh.lock")), "type": 1}]});
    client
        .notify("workspace/didChangeWatchedFiles", created)
        .await;
    let fixed = client
        .diagnostics_until(&policy, |d| !codes(d).contains(&"E0408"))
        .await;
    assert_eq!(codes(&fixed), Vec::<&str>::new());
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_problem_of_an_import_of_an_import_is_published_at_the_policy_s_import() {
    let env = Env::new();
    env.ok(&["import", &stripe("1.1.0")]);
    let base = walk(&env.cache)
        .into_iter()
        .find(|path| std::fs::read_to_string(path).is_ok_and(|text| text == BASE))
        .expect("faramesh/base is cached");
    std::fs::remove_file(&base).expect("remove from the cache");
    let check = env.fails(&["check"], "E0408", "not in the cache");
    let mut client = server(&env).await;
    let policy = uri(&env.project.join("governance.fms"));
    let diagnostics = client.diagnostics_until(&policy, |d| !d.is_empty()).await;
    assert_eq!(
        codes(&diagnostics),
        ["E0408"],
        "as `faramesh check`: {check}"
    );
    let missing = with_code(&diagnostics, "E0408");
    let line = import_line(&env.policy()) as u64;
    assert_eq!(
        start(missing),
        (line, 7),
        "at the policy's import of stripe"
    );
    let message = missing["message"].as_str().unwrap_or_default();
    assert!(message.contains("not in the cache"), "{message}");
    assert!(message.contains(&stripe("1.1.0")), "{message}");
    let related = &missing["relatedInformation"][0]["location"];
    let in_artifact = related["uri"].as_str().unwrap_or_default();
    let artifact = in_artifact.strip_prefix("file://").expect("a file URI");
    assert_eq!(
        std::fs::read_to_string(artifact).expect("stripe in the cache"),
        STRIPE_1_1,
        "the label is at the import in stripe 1.1.0"
    );
    assert_eq!(related["range"]["start"]["line"], 0);
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_import_problem_moves_with_unsaved_edits() {
    let env = Env::new();
    env.add_import(&stripe("1.0.0"));
    let mut client = server(&env).await;
    let policy = uri(&env.project.join("governance.fms"));
    client.open(&policy, &env.policy()).await;
    let diagnostics = client.diagnostics_until(&policy, |d| !d.is_empty()).await;
    assert_eq!(start(with_code(&diagnostics, "E0408")), (0, 7));
    let at_start =
        json!({"start": {"line": 0, "character": 0}, "end": {"line": 0, "character": 0}});
    let edit = json!({
        "textDocument": {"uri": policy, "version": 2},
        "contentChanges": [{"range": at_start, "text": "# payments\n"}],
    });
    client.notify("textDocument/didChange", edit).await;
    let moved = client
        .diagnostics_until(&policy, |d| {
            d.iter().any(|d| d["code"] == "E0408" && start(d) == (1, 7))
        })
        .await;
    assert_eq!(codes(&moved), ["E0408"]);
    client.shutdown_and_exit().await;
}

/// Replaces the whole text of the open document `uri` (unsaved), at `version`.
async fn type_text(client: &mut Client, uri: &str, version: i32, text: &str) {
    let edit = json!({
        "textDocument": {"uri": uri, "version": version},
        "contentChanges": [{"text": text}],
    });
    client.notify("textDocument/didChange", edit).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn imports_typed_and_not_saved_are_read_as_typed() {
    let env = Env::new();
    // On disk the shadowing policy imports stripe, locked: W0401 on the local agent.
    write_shadowing_policy(&env);
    env.ok(&["lock"]);
    let on_disk = env.policy();
    let mut client = server(&env).await;
    let policy = uri(&env.project.join("governance.fms"));
    client.open(&policy, &on_disk).await;
    client
        .diagnostics_until(&policy, |d| codes(d) == ["W0401"])
        .await;
    // The import deleted, unsaved: the imported agent is gone, and W0401 with it.
    let without: String = on_disk
        .lines()
        .filter(|line| !line.starts_with("import"))
        .map(|line| format!("{line}\n"))
        .collect();
    type_text(&mut client, &policy, 2, &without).await;
    client.diagnostics_until(&policy, <[Value]>::is_empty).await;
    // A version faramesh.lock does not pin, typed: E0408 at once, where it is typed.
    let typed = format!("import \"{}\"\n{without}", stripe("1.1.0"));
    type_text(&mut client, &policy, 3, &typed).await;
    let diagnostics = client
        .diagnostics_until(&policy, |d| codes(d).contains(&"E0408"))
        .await;
    assert_eq!(start(with_code(&diagnostics, "E0408")), (0, 7));
    // Nothing was saved: the file on disk is as it was, and closing the document brings its
    // imports back (W0401 again, no E0408).
    assert_eq!(env.policy(), on_disk);
    client
        .notify(
            "textDocument/didClose",
            json!({"textDocument": {"uri": policy}}),
        )
        .await;
    client
        .diagnostics_until(&policy, |d| codes(d) == ["W0401"])
        .await;
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unlocked_yaml_import_is_published_at_its_ref() {
    let env = Env::new();
    write_yaml(&env, &stripe("1.0.0"));
    let check = env.fails(&["check"], "E0408", "run `faramesh lock`");
    assert!(check.contains("policy.fpl.yaml:3:12"), "{check}");
    let mut client = server(&env).await;
    let policy = uri(&env.project.join("policy.fpl.yaml"));
    let diagnostics = client.diagnostics_until(&policy, |d| !d.is_empty()).await;
    assert_eq!(codes(&diagnostics), ["E0408"]);
    assert_eq!(start(with_code(&diagnostics, "E0408")), (2, 11));
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_agent_named_like_an_imported_one_gets_w0401_as_in_check() {
    let env = Env::new();
    write_shadowing_policy(&env);
    env.ok(&["lock"]);
    let check = env.ok(&["check"]);
    assert!(check.contains("W0401"), "{check}");
    assert!(check.contains("governance.fms:3:7"), "{check}");
    let mut client = server(&env).await;
    let policy = uri(&env.project.join("governance.fms"));
    let diagnostics = client
        .diagnostics_until(&policy, |d| codes(d).contains(&"W0401"))
        .await;
    let shadowing = with_code(&diagnostics, "W0401");
    assert_eq!(start(shadowing), (2, 6), "where `faramesh check` says 3:7");
    let message = shadowing["message"].as_str().unwrap_or_default();
    assert!(message.contains("stripe-payments"), "{message}");
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreadable_lock_is_shown_and_the_policy_checked_without_its_imports() {
    let env = Env::new();
    env.add_import(&stripe("1.0.0"));
    std::fs::write(env.project.join("faramesh.lock"), "version = 7\n").expect("lock");
    env.fails(&["check"], "E0409", "format version 7 is not supported");
    let mut client = server(&env).await;
    let shown = notification(&mut client, "window/showMessage").await;
    let message = shown["params"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("format version 7"), "{message}");
    assert!(message.contains("checked without them"), "{message}");
    let policy = uri(&env.project.join("governance.fms"));
    client.diagnostics_until(&policy, <[Value]>::is_empty).await;
    client.shutdown_and_exit().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_language_server_opens_and_describes_locked_imports() {
    let env = Env::new();
    env.ok(&["import", &stripe("1.0.0")]);
    let text = env.policy();
    let uri = uri(&env.project.join("governance.fms"));
    let mut client = server(&env).await;
    client.open(&uri, &text).await;
    let line = import_line(&text);
    let at = json!({"textDocument": {"uri": uri}, "position": {"line": line, "character": 20}});
    let hover = client.request("textDocument/hover", at.clone()).await;
    let markdown = hover["contents"]["value"].as_str().unwrap_or_default();
    assert!(
        markdown.contains("**faramesh/stripe** `1.0.0`"),
        "{markdown}"
    );
    assert!(
        markdown.contains("The faramesh/stripe policies entry"),
        "{markdown}"
    );
    assert!(
        markdown.contains("signed by `faramesh-ed25519-2026`"),
        "{markdown}"
    );
    let definition = client.request("textDocument/definition", at).await;
    let target = definition["uri"].as_str().unwrap_or_default();
    let path = target.strip_prefix("file://").expect("a file URI");
    assert!(
        path.starts_with(&env.cache.display().to_string()),
        "{target}"
    );
    assert_eq!(
        std::fs::read_to_string(path).expect("cached file"),
        STRIPE_1_0
    );

    // Opened in the editor, the artifact is the policy's read-only content.
    client.open(target, STRIPE_1_0).await;
    let edit = json!({
        "textDocument": {"uri": target, "version": 2},
        "contentChanges": [{"text": "agent stripe-payments {\n  default permit\n}\n"}],
    });
    client.notify("textDocument/didChange", edit).await;
    let refused = notification(&mut client, "window/logMessage").await;
    let message = refused["params"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("read-only"), "{message}");
    let formatting = json!({
        "textDocument": {"uri": target},
        "options": {"tabSize": 2, "insertSpaces": true},
    });
    let formatted = client.request("textDocument/formatting", formatting).await;
    assert_eq!(formatted, Value::Null);
    let shown = notification(&mut client, "window/showMessage").await;
    let message = shown["params"]["message"].as_str().unwrap_or_default();
    assert!(message.contains("read-only"), "{message}");
    client.shutdown_and_exit().await;
}
