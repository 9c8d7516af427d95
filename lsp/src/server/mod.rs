//! The language server, split as ruff's server is: the shared state (`state`), running
//! analysis off the async runtime (`dispatch`), layered publishing (`publish`), starting and
//! stopping (`lifecycle`), handlers that change state (`notifications`) and handlers that only
//! read a snapshot (`requests`). This module holds the server value and routes each LSP
//! method to its handler.

mod dispatch;
mod lifecycle;
mod notifications;
mod publish;
mod requests;
mod state;

use std::str::FromStr;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex};

use tower_lsp_server::jsonrpc::Result;
use tower_lsp_server::ls_types::*;
use tower_lsp_server::{Client, LanguageServer};

use crate::ImportResolver;
use notifications::{text_document, workspace};
use requests::{edits, hover, navigation, symbols, tokens};
pub(crate) use state::{Ctx, FileView, FileViews};

/// The server: the client it answers, and the state all handlers share.
pub struct Backend {
    client: Client,
    shared: Arc<state::Shared>,
    /// Set by `shutdown`: the exit status tells whether the client shut the server down.
    shut_down: Arc<AtomicBool>,
    semantic: Mutex<tokens::SemanticCache>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend").finish_non_exhaustive()
    }
}

impl Backend {
    /// A server that talks to `client`, reads workspace policies' imports with `imports` and
    /// sets `shut_down` when asked to shut down.
    pub fn new(client: Client, shut_down: Arc<AtomicBool>, imports: ImportResolver) -> Self {
        Backend {
            client,
            shut_down,
            shared: Arc::new(state::Shared::new(imports)),
            semantic: Mutex::default(),
        }
    }
}

impl LanguageServer for Backend {
    async fn initialize(&self, params: InitializeParams) -> Result<InitializeResult> {
        lifecycle::initialize(self, params).await
    }

    async fn initialized(&self, params: InitializedParams) {
        lifecycle::initialized(self, params).await
    }

    async fn shutdown(&self) -> Result<()> {
        lifecycle::shutdown(self).await
    }

    async fn did_change_watched_files(&self, params: DidChangeWatchedFilesParams) {
        workspace::did_change_watched_files(self, params).await
    }

    async fn did_change_workspace_folders(&self, params: DidChangeWorkspaceFoldersParams) {
        workspace::did_change_workspace_folders(self, params).await
    }

    async fn did_open(&self, params: DidOpenTextDocumentParams) {
        text_document::did_open(self, params).await
    }

    async fn did_change(&self, params: DidChangeTextDocumentParams) {
        text_document::did_change(self, params).await
    }

    async fn did_close(&self, params: DidCloseTextDocumentParams) {
        text_document::did_close(self, params).await
    }

    async fn hover(&self, params: HoverParams) -> Result<Option<Hover>> {
        hover::hover(self, params).await
    }

    async fn completion(&self, params: CompletionParams) -> Result<Option<CompletionResponse>> {
        hover::completion(self, params).await
    }

    async fn goto_definition(
        &self,
        params: GotoDefinitionParams,
    ) -> Result<Option<GotoDefinitionResponse>> {
        navigation::goto_definition(self, params).await
    }

    async fn references(&self, params: ReferenceParams) -> Result<Option<Vec<Location>>> {
        navigation::references(self, params).await
    }

    async fn prepare_rename(
        &self,
        params: TextDocumentPositionParams,
    ) -> Result<Option<PrepareRenameResponse>> {
        navigation::prepare_rename(self, params).await
    }

    async fn rename(&self, params: RenameParams) -> Result<Option<WorkspaceEdit>> {
        navigation::rename(self, params).await
    }

    async fn document_symbol(
        &self,
        params: DocumentSymbolParams,
    ) -> Result<Option<DocumentSymbolResponse>> {
        symbols::document_symbol(self, params).await
    }

    async fn symbol(
        &self,
        params: WorkspaceSymbolParams,
    ) -> Result<Option<WorkspaceSymbolResponse>> {
        symbols::workspace_symbol(self, params).await
    }

    async fn folding_range(&self, params: FoldingRangeParams) -> Result<Option<Vec<FoldingRange>>> {
        symbols::folding_range(self, params).await
    }

    async fn selection_range(
        &self,
        params: SelectionRangeParams,
    ) -> Result<Option<Vec<SelectionRange>>> {
        symbols::selection_range(self, params).await
    }

    async fn semantic_tokens_full(
        &self,
        params: SemanticTokensParams,
    ) -> Result<Option<SemanticTokensResult>> {
        tokens::semantic_tokens_full(self, params).await
    }

    async fn semantic_tokens_full_delta(
        &self,
        params: SemanticTokensDeltaParams,
    ) -> Result<Option<SemanticTokensFullDeltaResult>> {
        tokens::semantic_tokens_full_delta(self, params).await
    }

    async fn inlay_hint(&self, params: InlayHintParams) -> Result<Option<Vec<InlayHint>>> {
        tokens::inlay_hint(self, params).await
    }

    async fn code_action(&self, params: CodeActionParams) -> Result<Option<CodeActionResponse>> {
        edits::code_action(self, params).await
    }

    async fn formatting(&self, params: DocumentFormattingParams) -> Result<Option<Vec<TextEdit>>> {
        edits::formatting(self, params).await
    }

    async fn range_formatting(
        &self,
        params: DocumentRangeFormattingParams,
    ) -> Result<Option<Vec<TextEdit>>> {
        edits::range_formatting(self, params).await
    }
}

/// The address of a code's documentation.
pub(crate) fn code_href(code: &str) -> Option<Uri> {
    Uri::from_str(&format!(
        "{}#{}",
        crate::CODE_DOCS,
        code.to_ascii_lowercase()
    ))
    .ok()
}
