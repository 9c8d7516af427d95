//! The FPL language server: speaks LSP over stdio and answers from the analyzer's analysis host.
//!
//! Only this crate knows LSP types; positions are byte offsets inside and UTF-16 line/columns at
//! the edge ([`line_index`]).

mod convert;
pub mod line_index;
mod sanitize;
mod server;

pub use server::Backend;

use tokio::io::{AsyncRead, AsyncWrite};
use tower_lsp_server::{LspService, Server};

/// Where diagnostic codes are documented (`faramesh explain <code>` prints the same text).
pub const CODE_DOCS: &str =
    "https://github.com/faramesh/faramesh-toolchain/blob/main/docs/codes.md";

/// Serves LSP on `input`/`output` until the client exits.
pub async fn serve<I, O>(input: I, output: O)
where
    I: AsyncRead + Unpin,
    O: AsyncWrite,
{
    let (service, socket) = LspService::build(Backend::new)
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
}

/// Serves LSP on the process's stdin and stdout.
pub async fn run_stdio() {
    serve(tokio::io::stdin(), tokio::io::stdout()).await;
}
