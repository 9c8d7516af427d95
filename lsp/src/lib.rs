//! The FPL language server: speaks LSP over stdio and answers from the analyzer's analysis host.
//!
//! Only this crate knows LSP types; positions are byte offsets inside and UTF-16 line/columns at
//! the edge ([`lines`]).

mod client_support;
mod convert;
mod documents;
pub mod framing;
mod imports;
pub mod lines;
pub mod message;
mod overlay;
mod resolver;
mod server;
mod transport;

pub use resolver::ImportResolver;
pub use server::Backend;
pub use transport::MAX_MESSAGE;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

/// Where diagnostic codes are documented (`faramesh explain <code>` prints the same text).
pub const CODE_DOCS: &str =
    "https://github.com/faramesh/faramesh-toolchain/blob/main/docs/codes.md";

/// Serves LSP on `input`/`output` until the client exits, reading workspace policies' imports
/// with `imports`. Returns whether the client asked the server to shut down before it exited
/// (LSP: the exit status is 0 then, 1 otherwise).
///
/// The client's bytes pass through our framing layer ([`framing`], [`message`]): a malformed
/// header or message is answered with a JSON-RPC error and the server reads on from the next
/// well-formed header; a message over [`MAX_MESSAGE`] bytes is skipped unread.
pub async fn serve<I, O>(input: I, output: O, imports: ImportResolver) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite + Unpin,
{
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    let (service, socket) =
        LspService::new(move |client| Backend::new(client, flag, imports.clone()));
    let (to_server, server_input) = tokio::io::duplex(PIPE_CAPACITY);
    let (server_output, from_server) = tokio::io::duplex(PIPE_CAPACITY);
    let (replies, pending_replies) = tokio::sync::mpsc::channel(REPLY_QUEUE);
    let server = Server::new(server_input, server_output, socket).serve(service);
    let writer = transport::write_client(from_server, pending_replies, output);
    let serving = async {
        // The server's output ends when the server does; the writer then has sent everything.
        tokio::join!(server, writer);
    };
    let reader = transport::read_client(input, to_server, replies);
    tokio::pin!(serving);
    tokio::select! {
        () = &mut serving => {}
        // The client's input ended: the server sees the end of its input and stops.
        () = reader => serving.await,
    }
    shut_down.load(Ordering::SeqCst)
}

/// Bytes buffered in each pipe between the framing layer and the server.
const PIPE_CAPACITY: usize = 1 << 16;

/// Error responses waiting to be written.
const REPLY_QUEUE: usize = 64;

/// Serves LSP on the process's stdin and stdout until the client exits, reading imports with
/// `imports`; `Ok(true)` when it shut the server down first. Does not wait for the thread blocked reading stdin, which a
/// client may keep open after `exit`.
pub fn run_stdio(imports: ImportResolver) -> std::io::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let shut_down = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout(), imports));
    runtime.shutdown_background();
    Ok(shut_down)
}
