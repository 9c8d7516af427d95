//! Documents opened, edited and closed in the editor. The analysis host holds the one copy of
//! every document's text: after each change the server's line index is rebuilt from it, so
//! the two cannot diverge. An imported artifact opened from the cache (go to definition on its
//! `import`) is read-only: it keeps the artifact's text, and edits to it are refused. An edit of
//! a workspace policy's imports reads its imports again, from the editor's text.

use fpl_analyzer::SourceFile;
use fpl_analyzer::host::Change;
use tower_lsp_server::ls_types::{
    DidChangeTextDocumentParams, DidCloseTextDocumentParams, DidOpenTextDocumentParams,
    MessageType, Uri,
};

use super::workspace::reload;
use crate::documents::{Document, identity_of, indexed};
use crate::overlay::import_lines;
use crate::server::Backend;
use crate::server::publish::send;
use crate::server::state::lock;

/// The path the analysis reports for the document `uri`.
fn path_of(uri: &Uri) -> String {
    uri.to_file_path()
        .map_or_else(|| uri.as_str().to_string(), |p| p.display().to_string())
}

/// A document was opened: the editor's text replaces the file's, under the client's URI.
pub(in crate::server) async fn did_open(backend: &Backend, params: DidOpenTextDocumentParams) {
    let uri = params.text_document.uri;
    // A client may send every file it opens (`faramesh.toml`, a README): only FPL documents
    // and policy files are analysed; the others are not the server's.
    let policy_file = uri
        .to_file_path()
        .is_some_and(|path| fpl_analyzer::project::is_policy_file(&path));
    if params.text_document.language_id != "fpl" && !policy_file {
        return;
    }
    let text = params.text_document.text;
    let respelled = {
        let mut documents = lock(&backend.shared.documents);
        // The client may name a workspace file differently (through a symlink): from now
        // on the server uses the client's URI.
        let respelled = documents.known_as(&uri).filter(|known| *known != uri);
        if let Some(known) = &respelled {
            documents.rename(known, &uri);
        }
        let known = documents.by_uri.get(&uri).cloned();
        let file = known
            .as_ref()
            .map_or_else(|| documents.new_file(&uri), |doc| doc.file);
        let in_project = known.as_ref().is_some_and(|doc| doc.in_project);
        let imported = known.as_ref().is_some_and(|doc| doc.imported);
        let lines = match &known {
            // The artifact's text stands (the cache holds it by digest).
            Some(doc) if doc.imported => doc.lines.clone(),
            _ => documents.lines(&text),
        };
        let identity = known
            .and_then(|doc| doc.identity)
            .or_else(|| identity_of(&uri));
        documents.by_uri.insert(
            uri.clone(),
            Document {
                file,
                version: Some(params.text_document.version),
                lines,
                open: true,
                in_project,
                identity,
                imported,
            },
        );
        if !imported {
            let mut change = Change::default();
            change.set_file(file, SourceFile::new(path_of(&uri), text));
            if !in_project {
                change.set_policies(documents.projects.clone());
            }
            backend.shared.apply(change);
        }
        respelled
    };
    if let Some(old) = respelled {
        send(&backend.client, &backend.shared, old, Vec::new(), None).await;
    }
    backend.publish(uri).await;
}

/// A document was edited. Each content change is applied to the analysis in turn (a change's
/// range is in the text the previous one left); an old or repeated version, or a change the
/// analysis refuses, is logged as an error and stops there.
pub(in crate::server) async fn did_change(backend: &Backend, params: DidChangeTextDocumentParams) {
    let uri = params.text_document.uri;
    let version = params.text_document.version;
    let mut imports_edited = false;
    let refused = 'apply: {
        let mut documents = lock(&backend.shared.documents);
        let columns = documents.support.columns;
        let Some(document) = documents.by_uri.get_mut(&uri) else {
            return;
        };
        let before = document.lines.clone();
        if document.imported {
            break 'apply Some(format!(
                "faramesh: ignored a change to {}: it is an artifact the policy imports, read \
                 from the cache, and read-only",
                uri.as_str()
            ));
        }
        if let Some(current) = document.version.filter(|&current| version <= current) {
            // An old or repeated change: applying it would make the server's text and the
            // editor's diverge. The client is told; the document stays as it is.
            break 'apply Some(format!(
                "faramesh: ignored a change to {} at version {version}: the document is at \
                 version {current}",
                uri.as_str()
            ));
        }
        document.version = Some(version);
        for content in params.content_changes {
            let mut change = Change::default();
            let edit = match content.range {
                Some(range) => {
                    let range = document.lines.text_range(range);
                    let inserted = content.text.len();
                    change.edit_file(document.file, range, content.text);
                    Some((range, inserted))
                }
                None => {
                    change.set_file(document.file, SourceFile::new(path_of(&uri), content.text));
                    None
                }
            };
            let applied = backend.shared.apply(change);
            if let Some(text) = backend.shared.text(document.file) {
                document.lines = indexed(text, columns);
            }
            if !applied {
                // The analysis kept its text, and so does the server; the editor is told.
                break 'apply Some(format!(
                    "faramesh: could not apply the change to {} at version {version}",
                    uri.as_str()
                ));
            }
            backend.shared.move_kept(document.file, edit);
        }
        imports_edited = document.in_project
            && import_lines(before.text()) != import_lines(document.lines.text());
        None
    };
    match refused {
        Some(message) => {
            backend
                .client
                .log_message(MessageType::ERROR, message)
                .await
        }
        // An edit of the imports reads the policy's imports again, from the editor's text.
        None if imports_edited => {
            reload(backend).await;
            backend.publish(uri).await
        }
        None => backend.publish(uri).await,
    }
}

/// A document was closed: a workspace file goes back to its text on disk (and its imports to
/// the file's), any other file is forgotten and its diagnostics cleared.
pub(in crate::server) async fn did_close(backend: &Backend, params: DidCloseTextDocumentParams) {
    let uri = params.text_document.uri;
    let mut imports_reverted = false;
    let removed = {
        let mut documents = lock(&backend.shared.documents);
        let columns = documents.support.columns;
        let Some(document) = documents.by_uri.get_mut(&uri) else {
            return;
        };
        document.open = false;
        document.version = None;
        let file = document.file;
        let mut change = Change::default();
        let removed = if document.imported {
            // The artifact's text stands: the editor never changed it.
            false
        } else if document.in_project {
            if let Some(path) = uri.to_file_path()
                && let Ok(bytes) = std::fs::read(&path)
            {
                let source = SourceFile::from_bytes(path.display().to_string(), &bytes);
                imports_reverted =
                    import_lines(document.lines.text()) != import_lines(&source.text);
                document.lines = indexed(source.text.as_str(), columns);
                change.set_file(file, source);
            }
            false
        } else {
            documents.by_uri.remove(&uri);
            documents.uris.remove(&file);
            change.remove_file(file);
            true
        };
        backend.shared.apply(change);
        removed
    };
    if removed {
        send(&backend.client, &backend.shared, uri, Vec::new(), None).await;
    } else {
        // Closed unsaved, its imports are the file's again.
        if imports_reverted {
            reload(backend).await;
        }
        backend.publish(uri).await;
    }
}
