//! Starting and stopping: `initialize` records what the client supports and its folders,
//! `initialized` registers file watchers and loads the workspace, `shutdown` is remembered for
//! the exit status.

use std::sync::atomic::Ordering;

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::{
    InitializeParams, InitializeResult, InitializedParams, ServerInfo,
};

use super::Backend;
use super::notifications::workspace;
use super::state::lock;
use crate::client_support::ClientSupport;
use crate::convert;

/// The workspace folders of `initialize` (the root URI when the client sent none).
fn folders(params: &InitializeParams) -> Vec<std::path::PathBuf> {
    let mut out = workspace::paths(params.workspace_folders.as_deref().unwrap_or_default());
    #[allow(deprecated)]
    if out.is_empty()
        && let Some(root) = params.root_uri.as_ref().and_then(|uri| uri.to_file_path())
    {
        out.push(root.into_owned());
    }
    out
}

/// Answers `initialize` with the capabilities this client gets.
pub(super) async fn initialize(
    backend: &Backend,
    params: InitializeParams,
) -> Result<InitializeResult> {
    let support = ClientSupport::new(&params.capabilities);
    {
        let mut documents = lock(&backend.shared.documents);
        documents.support = support;
        documents.folders = folders(&params);
    }
    Ok(InitializeResult {
        capabilities: convert::capabilities(&support),
        server_info: Some(ServerInfo {
            name: "faramesh-lsp".to_string(),
            version: Some(env!("CARGO_PKG_VERSION").to_string()),
        }),
        offset_encoding: None,
    })
}

/// Registers the file watchers (when the client can) and loads the workspace.
pub(super) async fn initialized(backend: &Backend, _: InitializedParams) {
    if lock(&backend.shared.documents).support.watch_files {
        let client = backend.client.clone();
        tokio::spawn(async move {
            // A client that refuses still gets every change through its open documents.
            let _refused = client
                .register_capability(vec![workspace::watchers()])
                .await;
        });
    }
    workspace::reload(backend).await;
}

/// Remembers that the client shut the server down.
pub(super) async fn shutdown(backend: &Backend) -> Result<()> {
    backend.shut_down.store(true, Ordering::SeqCst);
    Ok(())
}
