//! A JSON-RPC client for language-server tests and benchmarks: frames messages with
//! `Content-Length`, answers the server's own requests, keeps notifications until asked, and
//! gives up after [`PATIENCE`] instead of hanging. Fixtures mark the cursor with `$0`.

use std::collections::VecDeque;
use std::path::Path;
use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};

/// How long to wait for one message before failing.
pub const PATIENCE: Duration = Duration::from_secs(60);

/// A connected client.
pub struct Client {
    writer: Box<dyn AsyncWrite + Unpin + Send>,
    reader: BufReader<Box<dyn AsyncRead + Unpin + Send>>,
    next_id: i64,
    /// Notifications received while waiting for responses.
    pub notifications: VecDeque<Value>,
    /// Requests the server sent (each answered with a null result), oldest first.
    pub server_requests: VecDeque<Value>,
    child: Option<tokio::process::Child>,
}

impl Client {
    /// Starts `program` with `args` and talks to it over its stdin and stdout.
    pub fn spawn(program: impl AsRef<Path>, args: &[&str]) -> Client {
        Client::spawn_with_env(program, args, &[])
    }

    /// Starts `program` with `args` and these environment variables set.
    pub fn spawn_with_env(
        program: impl AsRef<Path>,
        args: &[&str],
        env: &[(&str, &Path)],
    ) -> Client {
        let mut child = tokio::process::Command::new(program.as_ref())
            .args(args)
            .envs(env.iter().copied())
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("the server starts");
        let stdin = child.stdin.take().expect("stdin");
        let stdout = child.stdout.take().expect("stdout");
        Client::new(Box::new(stdout), Box::new(stdin), Some(child))
    }

    /// Talks to a server over `reader` and `writer` (e.g. one end of `tokio::io::duplex`).
    pub fn connect(
        reader: impl AsyncRead + Unpin + Send + 'static,
        writer: impl AsyncWrite + Unpin + Send + 'static,
    ) -> Client {
        Client::new(Box::new(reader), Box::new(writer), None)
    }

    fn new(
        reader: Box<dyn AsyncRead + Unpin + Send>,
        writer: Box<dyn AsyncWrite + Unpin + Send>,
        child: Option<tokio::process::Child>,
    ) -> Client {
        Client {
            writer,
            reader: BufReader::new(reader),
            next_id: 0,
            notifications: VecDeque::new(),
            server_requests: VecDeque::new(),
            child,
        }
    }

    /// Sends raw bytes as one framed message.
    pub async fn send_raw(&mut self, body: &str) {
        let frame = format!("Content-Length: {}\r\n\r\n{body}", body.len());
        self.write_bytes(frame.as_bytes()).await;
    }

    /// Writes `bytes` to the server as they are, framing and all (for malformed input).
    pub async fn write_bytes(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).await.expect("write");
        self.writer.flush().await.expect("flush");
    }

    /// The next error response without a request id (the server's answer to input it could
    /// not read), from the kept messages or, failing that, from the server.
    pub async fn unattributed_error(&mut self) -> Value {
        let is_error = |message: &Value| message.get("error").is_some() && message["id"].is_null();
        if let Some(index) = self.notifications.iter().position(is_error)
            && let Some(message) = self.notifications.remove(index)
        {
            return message;
        }
        loop {
            let message = self.receive().await;
            if is_error(&message) {
                return message;
            }
            self.keep(message).await;
        }
    }

    /// Sends a notification (`params` left out when null).
    pub async fn notify(&mut self, method: &str, params: Value) {
        let body = message(None, method, params);
        self.send_raw(&body.to_string()).await;
    }

    /// Sends a request and waits for its response (the whole response object).
    pub async fn request_raw(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        let body = message(Some(id), method, params);
        self.send_raw(&body.to_string()).await;
        loop {
            let message = self.receive().await;
            if message.get("id") == Some(&json!(id)) && message.get("method").is_none() {
                return message;
            }
            self.keep(message).await;
        }
    }

    /// Sends a request and returns its result, panicking on an error response.
    pub async fn request(&mut self, method: &str, params: Value) -> Value {
        let response = self.request_raw(method, params).await;
        assert!(
            response.get("error").is_none(),
            "{method} failed: {response}"
        );
        response.get("result").cloned().unwrap_or(Value::Null)
    }

    async fn keep(&mut self, message: Value) {
        if message.get("method").is_some() && message.get("id").is_some() {
            // A request from the server (e.g. a refresh): answer it.
            let reply = json!({"jsonrpc": "2.0", "id": message["id"], "result": null});
            self.send_raw(&reply.to_string()).await;
            self.server_requests.push_back(message);
        } else {
            self.notifications.push_back(message);
        }
    }

    /// Reads one message, failing after [`PATIENCE`].
    pub async fn receive(&mut self) -> Value {
        tokio::time::timeout(PATIENCE, self.read_message())
            .await
            .expect("the server sends a message in time")
    }

    async fn read_message(&mut self) -> Value {
        let mut length = 0usize;
        loop {
            let mut line = String::new();
            let read = self.reader.read_line(&mut line).await.expect("read header");
            assert!(read > 0, "the server closed the connection");
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some(value) = line.strip_prefix("Content-Length: ") {
                length = value.parse().expect("length");
            }
        }
        let mut body = vec![0; length];
        self.reader.read_exact(&mut body).await.expect("read body");
        serde_json::from_slice(&body).expect("json")
    }

    /// Waits for the next `publishDiagnostics` of `uri` whose diagnostics satisfy `done`.
    pub async fn diagnostics_until(
        &mut self,
        uri: &str,
        done: impl Fn(&[Value]) -> bool,
    ) -> Vec<Value> {
        loop {
            let message = match self.notifications.pop_front() {
                Some(message) => message,
                None => {
                    let message = self.receive().await;
                    if message.get("id").is_some() && message.get("method").is_some() {
                        self.keep(message).await;
                        continue;
                    }
                    message
                }
            };
            if message["method"] == "textDocument/publishDiagnostics"
                && message["params"]["uri"] == uri
            {
                let diagnostics = message["params"]["diagnostics"]
                    .as_array()
                    .cloned()
                    .unwrap_or_default();
                if done(&diagnostics) {
                    return diagnostics;
                }
            }
        }
    }

    /// `initialize` and `initialized`, with `root` as the workspace folder if given.
    pub async fn initialize(&mut self, root: Option<&str>) -> Value {
        self.initialize_with(root, json!({})).await
    }

    /// `initialize` with the client `capabilities`, and `initialized`.
    pub async fn initialize_with(&mut self, root: Option<&str>, capabilities: Value) -> Value {
        let folders = root
            .map(|uri| json!([{"uri": uri, "name": "ws"}]))
            .unwrap_or(Value::Null);
        let result = self
            .request(
                "initialize",
                json!({"capabilities": capabilities, "workspaceFolders": folders}),
            )
            .await;
        self.notify("initialized", json!({})).await;
        result
    }

    /// Waits for the server's request `method` (answered with a null result) and returns it.
    pub async fn server_request(&mut self, method: &str) -> Value {
        loop {
            if let Some(index) = self
                .server_requests
                .iter()
                .position(|request| request["method"] == method)
                && let Some(request) = self.server_requests.remove(index)
            {
                return request;
            }
            let message = self.receive().await;
            self.keep(message).await;
        }
    }

    /// `shutdown`, then `exit`: the server's exit status.
    pub async fn shutdown_and_exit(&mut self) -> std::process::ExitStatus {
        self.request("shutdown", Value::Null).await;
        self.exit().await
    }

    /// Sends `exit` and waits for the server process to end.
    pub async fn exit(&mut self) -> std::process::ExitStatus {
        self.notify("exit", Value::Null).await;
        let child = self.child.as_mut().expect("a server process");
        tokio::time::timeout(PATIENCE, child.wait())
            .await
            .expect("the server exits in time")
            .expect("the server's status")
    }

    /// Opens a document.
    pub async fn open(&mut self, uri: &str, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "fpl", "version": 1, "text": text}}),
        )
        .await;
    }
}

/// A JSON-RPC request (with an id) or notification; null `params` are left out.
fn message(id: Option<i64>, method: &str, params: Value) -> Value {
    let mut body = json!({"jsonrpc": "2.0", "method": method});
    if let Some(id) = id {
        body["id"] = json!(id);
    }
    if !params.is_null() {
        body["params"] = params;
    }
    body
}

/// Splits a fixture at `$0`: the text without it and the cursor as an LSP position.
pub fn cursor(fixture: &str) -> (String, Value) {
    let offset = fixture.find("$0").expect("fixture has a $0 cursor");
    let text = fixture.replacen("$0", "", 1);
    let before = &text[..offset];
    let line = before.matches('\n').count();
    let column: usize = before
        .rsplit('\n')
        .next()
        .map_or(0, |l| l.encode_utf16().count());
    (text, json!({"line": line, "character": column}))
}

/// The labels of a completion response.
pub fn labels(result: &Value) -> Vec<String> {
    let items = result.get("items").unwrap_or(result);
    items
        .as_array()
        .map(|items| {
            items
                .iter()
                .filter_map(|i| i["label"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}
