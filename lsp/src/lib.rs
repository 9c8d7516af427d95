//! The FPL language server: speaks LSP over stdio and answers from the analyzer's analysis host.
//!
//! Only this crate knows LSP types; positions are byte offsets inside and UTF-16 line/columns at
//! the edge ([`lines`]).

mod convert;
pub mod lines;
mod sanitize;
mod server;

pub use server::Backend;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

/// Where diagnostic codes are documented (`faramesh explain <code>` prints the same text).
pub const CODE_DOCS: &str =
    "https://github.com/faramesh/faramesh-toolchain/blob/main/docs/codes.md";

/// Serves LSP on `input`/`output` until the client exits. Returns whether the client asked the
/// server to shut down before it exited (LSP: the exit status is 0 then, 1 otherwise).
pub async fn serve<I, O>(input: I, output: O) -> bool
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let shut_down = Arc::new(AtomicBool::new(false));
    let flag = shut_down.clone();
    let (service, socket) = LspService::build(move |client| Backend::new(client, flag))
        .custom_method(sanitize::INVALID_MESSAGE, Backend::invalid_message)
        .finish();
    let (pipe_in, pipe_out) = tokio::io::duplex(1 << 16);
    let server = Server::new(pipe_out, output, socket).serve(service);
    let forward = sanitize::forward(input, pipe_in);
    tokio::pin!(server);
    tokio::select! {
        () = &mut server => {}
        () = forward => server.await,
    }
    shut_down.load(Ordering::SeqCst)
}

/// Serves LSP on the process's stdin and stdout until the client exits; `Ok(true)` when it
/// shut the server down first. Does not wait for the thread blocked reading stdin, which a
/// client may keep open after `exit`.
pub fn run_stdio() -> std::io::Result<bool> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let shut_down = runtime.block_on(serve(tokio::io::stdin(), tokio::io::stdout()));
    runtime.shutdown_background();
    Ok(shut_down)
}
