//! Guards the server's input: a message that is not valid JSON-RPC would end the transport's
//! stream, so each one is replaced by a request the server answers with a parse error.

use tokio::io::{AsyncBufReadExt, AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, BufReader};
use tower_lsp_server::jsonrpc::{Request, Response};

/// The method that stands in for an invalid message; the server answers it with `-32700`.
pub const INVALID_MESSAGE: &str = "faramesh/invalidMessage";

/// Largest message accepted (64 MiB); a longer one is discarded as invalid.
const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// Copies framed messages from `input` to `output`, replacing invalid ones. Returns at the end
/// of `input` or when `output` is closed.
pub async fn forward<I, O>(input: I, mut output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let mut reader = BufReader::new(input);
    loop {
        let mut length: Option<usize> = None;
        let mut saw_header = false;
        loop {
            let mut line = String::new();
            match reader.read_line(&mut line).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
            let line = line.trim_end();
            if line.is_empty() {
                if saw_header {
                    break;
                }
                continue;
            }
            saw_header = true;
            if let Some((name, value)) = line.split_once(':')
                && name.trim().eq_ignore_ascii_case("content-length")
            {
                length = value.trim().parse().ok();
            }
        }
        let body = match length {
            Some(length) if length <= MAX_MESSAGE => {
                let mut body = vec![0; length];
                if reader.read_exact(&mut body).await.is_err() {
                    return;
                }
                body
            }
            _ => Vec::new(),
        };
        let valid = serde_json::from_slice::<Request>(&body).is_ok()
            || serde_json::from_slice::<Response>(&body).is_ok();
        let body = if valid {
            body
        } else {
            format!(r#"{{"jsonrpc":"2.0","id":null,"method":"{INVALID_MESSAGE}"}}"#).into_bytes()
        };
        let header = format!("Content-Length: {}\r\n\r\n", body.len());
        if output.write_all(header.as_bytes()).await.is_err()
            || output.write_all(&body).await.is_err()
            || output.flush().await.is_err()
        {
            return;
        }
    }
}
