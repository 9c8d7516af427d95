//! Running analysis off the async runtime: every handler runs on a blocking thread inside
//! `catch_unwind`, so a panic or a cancellation answers the request with an error instead of
//! stopping the server.

use std::panic::AssertUnwindSafe;

use fpl_analyzer::host::Cancelled;
use tower_lsp_server::jsonrpc::{Error, ErrorCode, Result};
use tower_lsp_server::ls_types::Uri;

use super::Backend;
use super::state::Ctx;

/// The error of a request whose document changed while it was answered.
fn content_modified() -> Error {
    Error {
        code: ErrorCode::ServerError(-32801),
        message: "content modified".into(),
        data: None,
    }
}

/// An internal error saying what stopped the analysis.
fn analysis_failed(what: impl std::fmt::Display) -> Error {
    Error {
        code: ErrorCode::InternalError,
        message: format!("the analysis failed: {what}").into(),
        data: None,
    }
}

impl Backend {
    /// Runs `handler` on a blocking thread with a snapshot of `uri`'s file: a panic becomes an
    /// internal error, a cancellation "content modified", an unknown document `None`.
    pub(super) async fn query<T: Send + 'static>(
        &self,
        uri: &Uri,
        handler: impl FnOnce(&Ctx) -> std::result::Result<Option<T>, Cancelled> + Send + 'static,
    ) -> Result<Option<T>> {
        let Some(ctx) = self.shared.context(uri) else {
            return Ok(None);
        };
        // A YAML/JSON policy gets diagnostics only: the editor features read FPL syntax.
        let path = ctx.snapshot.path(ctx.file).unwrap_or_default();
        if fpl_analyzer::form::is_form_file(&path) {
            return Ok(None);
        }
        let joined = tokio::task::spawn_blocking(move || {
            std::panic::catch_unwind(AssertUnwindSafe(|| handler(&ctx)))
        })
        .await;
        match joined {
            Ok(Ok(Ok(value))) => Ok(value),
            Ok(Ok(Err(_cancelled))) => Err(content_modified()),
            Ok(Err(panic)) => {
                let what = panic
                    .downcast_ref::<&str>()
                    .map(|s| s.to_string())
                    .or_else(|| panic.downcast_ref::<String>().cloned())
                    .unwrap_or_else(|| "unknown panic".to_string());
                Err(analysis_failed(what))
            }
            Err(join) => Err(analysis_failed(join)),
        }
    }
}

/// Runs `work` on a blocking thread; `None` when it was cancelled or panicked.
pub(super) async fn run_blocking<T: Send + 'static>(
    work: impl FnOnce() -> std::result::Result<T, Cancelled> + Send + 'static,
) -> Option<T> {
    let joined =
        tokio::task::spawn_blocking(move || std::panic::catch_unwind(AssertUnwindSafe(work))).await;
    match joined {
        Ok(Ok(Ok(value))) => Some(value),
        _ => None,
    }
}
