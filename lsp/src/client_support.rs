//! What the client said it supports in `initialize`, read once: the answers change what the
//! server sends (plain text completions, UTF-8 columns, file watchers, progress).

use fpl_syntax::ColumnUnit;
use tower_lsp_server::ls_types::{ClientCapabilities, PositionEncodingKind};

/// The client capabilities the server acts on.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ClientSupport {
    /// Completion items may hold snippet syntax (`$1`, `${1:name}`).
    pub(crate) snippets: bool,
    /// How position columns are counted: UTF-8 when the client offers it, else UTF-16.
    pub(crate) columns: ColumnUnit,
    /// `workspace/didChangeWatchedFiles` may be registered by the server.
    pub(crate) watch_files: bool,
    /// `window/workDoneProgress/create` is understood: the solver's runs show progress.
    pub(crate) progress: bool,
}

impl Default for ClientSupport {
    /// A client that declared nothing: LSP's defaults.
    fn default() -> Self {
        ClientSupport {
            snippets: false,
            columns: ColumnUnit::Utf16,
            watch_files: false,
            progress: false,
        }
    }
}

impl ClientSupport {
    /// Reads the capabilities the server acts on.
    pub(crate) fn new(capabilities: &ClientCapabilities) -> Self {
        let snippets = capabilities
            .text_document
            .as_ref()
            .and_then(|text| text.completion.as_ref())
            .and_then(|completion| completion.completion_item.as_ref())
            .and_then(|item| item.snippet_support)
            .unwrap_or(false);
        let utf8 = capabilities
            .general
            .as_ref()
            .and_then(|general| general.position_encodings.as_ref())
            .is_some_and(|offered| offered.contains(&PositionEncodingKind::UTF8));
        let watch_files = capabilities
            .workspace
            .as_ref()
            .and_then(|workspace| workspace.did_change_watched_files.as_ref())
            .and_then(|watched| watched.dynamic_registration)
            .unwrap_or(false);
        let progress = capabilities
            .window
            .as_ref()
            .and_then(|window| window.work_done_progress)
            .unwrap_or(false);
        ClientSupport {
            progress,
            snippets,
            columns: if utf8 {
                ColumnUnit::Utf8
            } else {
                ColumnUnit::Utf16
            },
            watch_files,
        }
    }

    /// The position encoding the server announces.
    pub(crate) fn position_encoding(&self) -> PositionEncodingKind {
        match self.columns {
            ColumnUnit::Utf8 => PositionEncodingKind::UTF8,
            _ => PositionEncodingKind::UTF16,
        }
    }
}
