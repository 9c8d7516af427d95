//! The workspace: its folders, the files on disk the client watches, and reloading every
//! folder's policy when either changes.

use std::path::PathBuf;

use tower_lsp_server::ls_types::{
    DidChangeWatchedFilesParams, DidChangeWatchedFilesRegistrationOptions,
    DidChangeWorkspaceFoldersParams, FileSystemWatcher, GlobPattern, MessageType, Registration,
    WorkspaceFolder,
};

use crate::server::Backend;
use crate::server::publish::send;
use crate::server::state::lock;

/// The paths of workspace folders, as the client spells them.
pub(in crate::server) fn paths(folders: &[WorkspaceFolder]) -> Vec<PathBuf> {
    folders
        .iter()
        .filter_map(|folder| folder.uri.to_file_path().map(|p| p.into_owned()))
        .collect()
}

/// The registration of file watchers for manifests, lockfiles and policy files.
pub(in crate::server) fn watchers() -> Registration {
    let watch = |glob: &str| FileSystemWatcher {
        glob_pattern: GlobPattern::String(glob.to_string()),
        kind: None,
    };
    let options = DidChangeWatchedFilesRegistrationOptions {
        watchers: vec![
            watch("**/faramesh.toml"),
            watch("**/faramesh.lock"),
            watch("**/*.fpl"),
            watch("**/*.fms"),
            watch("**/*.fpl.yaml"),
            watch("**/*.fpl.yml"),
            watch("**/*.fpl.json"),
            watch("**/*.fms.yaml"),
            watch("**/*.fms.yml"),
        ],
    };
    Registration {
        id: "faramesh-watched-files".to_string(),
        method: "workspace/didChangeWatchedFiles".to_string(),
        register_options: serde_json::to_value(options).ok(),
    }
}

/// Reads the workspace folders' policies again and publishes what changed: each policy (with
/// its imports that could not be read), the manifests' mistakes, and empty diagnostics for
/// files the server forgot. A new failure to read a folder's imports at all is shown to the
/// user (and logged).
pub(in crate::server) async fn reload(backend: &Backend) {
    let reload = {
        let mut documents = lock(&backend.shared.documents);
        let mut reload = documents.reload();
        backend.shared.apply(std::mem::take(&mut reload.change));
        backend
            .shared
            .set_imports(std::mem::take(&mut reload.imports));
        reload
    };
    for message in reload.failures {
        backend
            .client
            .log_message(MessageType::WARNING, message.clone())
            .await;
        backend
            .client
            .show_message(MessageType::WARNING, message)
            .await;
    }
    for uri in reload.forgotten {
        send(&backend.client, &backend.shared, uri, Vec::new(), None).await;
    }
    for (uri, diagnostics) in reload.manifests {
        send(&backend.client, &backend.shared, uri, diagnostics, None).await;
    }
    for uri in reload.publish {
        backend.publish(uri).await;
    }
}

/// Files on disk changed: the policies are read again.
pub(in crate::server) async fn did_change_watched_files(
    backend: &Backend,
    _: DidChangeWatchedFilesParams,
) {
    reload(backend).await;
}

/// Folders were added to or removed from the workspace.
pub(in crate::server) async fn did_change_workspace_folders(
    backend: &Backend,
    params: DidChangeWorkspaceFoldersParams,
) {
    {
        let mut documents = lock(&backend.shared.documents);
        let removed = paths(&params.event.removed);
        documents.folders.retain(|folder| !removed.contains(folder));
        documents.folders.extend(paths(&params.event.added));
    }
    reload(backend).await;
}
