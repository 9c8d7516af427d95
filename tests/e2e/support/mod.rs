//! Helpers shared by the end-to-end tests that feed requests to the real `faramesh eval`, and
//! the request reader of the tests' small HTTP servers.
#![allow(dead_code)]

use std::io::BufRead;
use std::path::Path;

use assert_cmd::Command;

/// The `faramesh` binary, without colours.
pub fn faramesh() -> Command {
    let mut command = faramesh_e2e::faramesh();
    command.env("NO_COLOR", "1");
    command
}

/// The keys of a decision (SPEC §8), in their printed order.
pub const DECISION_KEYS: [&str; 10] = [
    "effect",
    "reason_code",
    "rule",
    "reason",
    "notify",
    "redact",
    "credentials",
    "alerts",
    "warnings",
    "policy",
];

/// Whether every one of `keys` appears in `json` text, in that order.
pub fn keys_in_order(json: &str, keys: &[&str]) -> bool {
    let positions: Vec<Option<usize>> = keys
        .iter()
        .map(|key| json.find(&format!("\"{key}\":")))
        .collect();
    positions.iter().all(Option::is_some) && positions.is_sorted()
}

/// The decisions printed one JSON object a line.
pub fn decisions(stdout: &[u8]) -> Vec<serde_json::Value> {
    String::from_utf8_lossy(stdout)
        .lines()
        .map(|line| serde_json::from_str(line).expect("decision JSON"))
        .collect()
}

/// `(effect, reason_code, rule id)` of a decision, `-` where absent.
pub fn summary(decision: &serde_json::Value) -> (String, String, String) {
    let text = |value: &serde_json::Value| value.as_str().unwrap_or("-").to_string();
    (
        text(&decision["effect"]),
        text(&decision["reason_code"]),
        text(&decision["rule"]["id"]),
    )
}

/// Runs `faramesh eval --policy POLICY --requests -` over `input` (one request a line) and
/// returns the summaries of its decisions; the command must succeed.
pub fn eval_stdin(policy: &Path, input: impl Into<Vec<u8>>) -> Vec<(String, String, String)> {
    let output = faramesh()
        .arg("eval")
        .arg("--policy")
        .arg(policy)
        .args(["--requests", "-"])
        .write_stdin(input)
        .output()
        .expect("runs");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    decisions(&output.stdout).iter().map(summary).collect()
}

/// One HTTP/1.1 request as a test's server reads it.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    /// The method (`POST`).
    pub method: String,
    /// The request target (`/v1/chat/completions`).
    pub path: String,
    /// The headers, names lowercased.
    pub headers: Vec<(String, String)>,
    /// The body, by its `Content-Length` or its chunks.
    pub body: Vec<u8>,
}

impl HttpRequest {
    /// The value of the header `name` (lowercase).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// Reads one request from `reader`; `None` when the connection closed or broke first.
pub fn read_http_request(reader: &mut impl BufRead) -> Option<HttpRequest> {
    let mut request_line = String::new();
    if reader.read_line(&mut request_line).ok()? == 0 {
        return None;
    }
    let mut parts = request_line.split(' ');
    let method = parts.next()?.to_owned();
    let path = parts.next()?.to_owned();
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).ok()?;
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':')?;
        headers.push((name.trim().to_ascii_lowercase(), value.trim().to_owned()));
    }
    let value = |wanted: &str| {
        headers
            .iter()
            .find(|(name, _)| name == wanted)
            .map(|(_, value)| value.as_str())
    };
    let body = if value("transfer-encoding").is_some_and(|value| value.contains("chunked")) {
        read_chunks(reader)?
    } else {
        let length: usize = value("content-length")
            .and_then(|value| value.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        reader.read_exact(&mut body).ok()?;
        body
    };
    Some(HttpRequest {
        method,
        path,
        headers,
        body,
    })
}

/// A body sent in chunks (`Transfer-Encoding: chunked`), without trailers.
fn read_chunks(reader: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut body = Vec::new();
    loop {
        let mut size = String::new();
        reader.read_line(&mut size).ok()?;
        let size = usize::from_str_radix(size.trim(), 16).ok()?;
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).ok()?;
        if size == 0 {
            return Some(body);
        }
        body.extend_from_slice(&chunk[..size]);
    }
}
