//! The server's stdio in front of tower-lsp-server: the client's bytes go through our
//! [`Framer`] and [`message::check`], only well-formed messages are forwarded to the server, and
//! everything else is answered here with a JSON-RPC error. tower-lsp-server's own reader stops
//! resynchronising after one bad `Content-Length`, so it must never see one.
//!
//! The server writes into a pipe; [`write_client`] copies its messages to the client whole and
//! puts our error responses between them, never inside one.

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::sync::mpsc;

use crate::framing::{Event, Framer};
use crate::message;

/// The largest message the server reads (64 MiB: a 16 MiB policy, the analyzer's limit, fits
/// even with every character escaped as `\uXXXX` in a `didOpen`). A longer one is skipped
/// without being buffered and answered with `-32600`.
pub const MAX_MESSAGE: usize = 64 * 1024 * 1024;

/// How many bytes are read from the client at a time.
const READ_CHUNK: usize = 64 * 1024;

/// Reads the client's messages from `input` and writes the well-formed ones, re-framed, to
/// `server`; sends the body of an error response to `replies` for each malformed one. Returns at
/// the end of `input`, on a read error, or when the server stops reading.
pub async fn read_client<I, S>(mut input: I, mut server: S, replies: mpsc::Sender<Vec<u8>>)
where
    I: AsyncRead + Unpin,
    S: AsyncWrite + Unpin,
{
    let mut framer = Framer::new(MAX_MESSAGE);
    let mut chunk = vec![0; READ_CHUNK];
    loop {
        let read = match input.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(read) => read,
        };
        framer.push(&chunk[..read]);
        while let Some(event) = framer.next_event() {
            let reply = match event {
                Event::Message(body) => match message::check(&body) {
                    Ok(()) => {
                        if write_frame(&mut server, &body).await.is_err() {
                            return;
                        }
                        continue;
                    }
                    Err(rejected) => {
                        let not_json = matches!(rejected, message::Rejected::NotJson(_));
                        if not_json && !framer.reject(&body) {
                            continue;
                        }
                        rejected.response()
                    }
                },
                Event::Malformed(problem) => message::Rejected::Framing(problem).response(),
            };
            // The client's messages keep flowing even if nobody writes replies any more.
            if let Ok(reply) = serde_json::to_vec(&reply) {
                let _ = replies.send(reply).await;
            }
        }
    }
}

/// Copies the server's messages from `server` to `output`, with the bodies from `replies`
/// framed between them. Returns when the server's output ends (or `output` fails).
pub async fn write_client<S, O>(mut server: S, mut replies: mpsc::Receiver<Vec<u8>>, mut output: O)
where
    S: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    // The server frames its own output correctly; no message of it is skipped.
    let mut framer = Framer::new(usize::MAX);
    let mut chunk = vec![0; READ_CHUNK];
    loop {
        tokio::select! {
            read = server.read(&mut chunk) => {
                let read = match read {
                    Ok(0) | Err(_) => break,
                    Ok(read) => read,
                };
                framer.push(&chunk[..read]);
                while let Some(event) = framer.next_event() {
                    if let Event::Message(body) = event
                        && write_frame(&mut output, &body).await.is_err()
                    {
                        return;
                    }
                }
            }
            Some(reply) = replies.recv() => {
                if write_frame(&mut output, &reply).await.is_err() {
                    return;
                }
            }
        }
    }
    let _ = output.flush().await;
}

/// Writes one message with its `Content-Length` header and flushes it.
async fn write_frame<W: AsyncWrite + Unpin>(output: &mut W, body: &[u8]) -> std::io::Result<()> {
    let header = format!("Content-Length: {}\r\n\r\n", body.len());
    output.write_all(header.as_bytes()).await?;
    output.write_all(body).await?;
    output.flush().await
}
