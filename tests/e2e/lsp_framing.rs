//! `faramesh lsp` on malformed input, over the real binary's stdio: after each bad header or
//! message the client gets a JSON-RPC error and the next valid request a proper answer.

use fpl_testdata::lsp_client::Client;
use serde_json::{Value, json};

const URI: &str = "file:///ws/framing.fpl";

/// A request that must never run: a bad header must not let its body through.
const SWALLOWED: &str = r#"{"jsonrpc":"2.0","id":999,"method":"shutdown"}"#;

/// A server with one document open.
async fn server() -> Client {
    let mut client = Client::spawn(faramesh_e2e::binary(), &["lsp"]);
    client.initialize(None).await;
    client.open(URI, "agent pay {\n  default deny\n}\n").await;
    client
}

/// A valid request after the bad input: its answer names the document's agent.
async fn still_serves(client: &mut Client, after: &str) {
    let symbols = client
        .request(
            "textDocument/documentSymbol",
            json!({"textDocument": {"uri": URI}}),
        )
        .await;
    assert_eq!(symbols[0]["name"], "pay", "after {after}: {symbols}");
}

/// The next message whose id is `id`, keeping the others.
async fn response_to(client: &mut Client, id: Value) -> Value {
    loop {
        let message = client.receive().await;
        if message["id"] == id && message.get("method").is_none() {
            return message;
        }
        client.notifications.push_back(message);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_reads_on_after_every_kind_of_bad_header() {
    let mut client = server().await;
    let length = SWALLOWED.len();
    let cases: Vec<(&str, Vec<u8>, i64)> = vec![
        (
            "a non-numeric length",
            format!("Content-Length: abc\r\n\r\n{SWALLOWED}").into_bytes(),
            -32700,
        ),
        (
            "a negative length",
            format!("Content-Length: -{length}\r\n\r\n{SWALLOWED}").into_bytes(),
            -32700,
        ),
        (
            "a missing length",
            format!("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{SWALLOWED}")
                .into_bytes(),
            -32700,
        ),
        (
            "a length too small",
            format!("Content-Length: 5\r\n\r\n{SWALLOWED}").into_bytes(),
            -32700,
        ),
        (
            "a duplicated length",
            format!("Content-Length: {length}\r\nContent-Length: {length}\r\n\r\n{SWALLOWED}")
                .into_bytes(),
            -32700,
        ),
        ("no header at all", SWALLOWED.as_bytes().to_vec(), -32700),
        (
            "a message over the size limit",
            {
                let mut bytes =
                    format!("Content-Length: {}\r\n\r\n", fpl_lsp::MAX_MESSAGE + 1).into_bytes();
                bytes.resize(bytes.len() + fpl_lsp::MAX_MESSAGE + 1, b' ');
                bytes
            },
            -32600,
        ),
    ];
    for (what, bytes, code) in cases {
        client.write_bytes(&bytes).await;
        let error = client.unattributed_error().await;
        assert_eq!(error["error"]["code"], code, "{what}: {error}");
        still_serves(&mut client, what).await;
    }
    assert_eq!(
        client.shutdown_and_exit().await.code(),
        Some(0),
        "the swallowed `shutdown` never ran"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn requests_that_are_not_json_rpc_get_invalid_request() {
    let mut client = server().await;
    let cases = [
        (
            "no `jsonrpc`",
            r#"{"id":41,"method":"textDocument/documentSymbol","params":{"textDocument":{"uri":"file:///ws/framing.fpl"}}}"#,
            json!(41),
        ),
        (
            "`jsonrpc` 1.0",
            r#"{"jsonrpc":"1.0","id":"x","method":"shutdown"}"#,
            json!("x"),
        ),
        (
            "an object id",
            r#"{"jsonrpc":"2.0","id":{"a":1},"method":"shutdown"}"#,
            Value::Null,
        ),
        (
            "an array id",
            r#"{"jsonrpc":"2.0","id":[1],"method":"shutdown"}"#,
            Value::Null,
        ),
        (
            "a boolean id",
            r#"{"jsonrpc":"2.0","id":true,"method":"shutdown"}"#,
            Value::Null,
        ),
    ];
    for (what, body, id) in cases {
        client.send_raw(body).await;
        let error = response_to(&mut client, id.clone()).await;
        assert_eq!(error["error"]["code"], -32600, "{what}: {error}");
        still_serves(&mut client, what).await;
    }
    assert_eq!(client.shutdown_and_exit().await.code(), Some(0));
}
